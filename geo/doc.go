// Package geo is the pure geometry of voisinage: coordinate validation,
// great-circle distances, the in-memory spatial Index used to find actors
// in a box or near a point (kept in Hilbert-curve order, so that pages of a
// box and its counts cost what they return), the ClusterIndex that gathers points into map
// clusters at every zoom (as mapbox/supercluster does), and Mapbox Vector
// Tiles (EncodeTile, with orb's mvt and maptile).
//
// Coordinates are always [lon, lat] in degrees (orb.Point), on a sphere of
// radius EarthRadius.
//
// geo may import the standard library and github.com/paulmach/orb (import
// its own geo package as orbgeo). It imports nothing
// of the project, does no I/O, and holds no package state but a pool of
// gzip writers for tiles: the directory owns an Index and the lock that
// guards it; a ClusterIndex is immutable once built and needs no lock.
package geo
