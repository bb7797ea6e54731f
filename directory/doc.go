// Package directory is voisinage's domain: actors, tools, adoptions,
// accounts, proposals, review, votes, history and reports, their rules, and
// the SQLite storage that persists them. It also owns the in-memory read
// model — the spatial index (geo.Index), the search index, the compact
// entries GeoJSON features are assembled from, and the map cluster indexes
// (clusters.go) — which is derived state: rebuilt from SQLite at start and
// changed only after a commit.
//
// It may import geo and data (leaves of the project) and libraries; it never
// imports web or cmd. Errors it returns carry one of the codes of error.go.
package directory
