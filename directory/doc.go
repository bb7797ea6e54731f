// Package directory is voisinage's domain: actors, tools, adoptions,
// accounts, proposals, review, votes, history and reports, their rules,
// webhooks and the queue of their deliveries (written in the transaction of
// the change each reports; package webhook sends them), and the SQLite
// storage that persists them. It also owns the in-memory read
// model — the spatial index (geo.Index), the search index, the compact
// entries GeoJSON features are assembled from, and the map cluster indexes
// (clusters.go) — which is derived state: rebuilt from SQLite at start and
// changed only after a commit.
//
// It may import geo and data (leaves of the project) and libraries; it never
// imports web, cmd, mcpserver or webhook. Errors it returns carry one of the codes of error.go.
package directory
