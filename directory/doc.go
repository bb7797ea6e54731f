// Package directory is voisinage's domain: actors, tools, adoptions,
// accounts, proposals, review, votes, history and reports, their rules,
// webhooks and the queue of their deliveries (written in the transaction of
// the change each reports; package webhook sends them), and the storage
// that persists them: one Store with two implementations, SQLite
// (sqlite.go, the embedded default) and PostgreSQL (postgres.go,
// pgdriver.go: several servers on one database), behind the same domain SQL
// (store.go says what each owns). It also owns the in-memory read model —
// the spatial index (geo.Index), the search index, the compact entries
// GeoJSON features are assembled from, and the map cluster indexes
// (clusters.go) — which is derived state: rebuilt from the store at start,
// changed only after a commit, and following the changes other processes
// or servers commit (follow.go).
//
// SQL written here must run on both stores: `?` placeholders, integers for
// flags, RFC 3339 text for times, RETURNING rather than LastInsertId, ON
// CONFLICT rather than INSERT OR …, no SQLite-only functions (two-argument
// max/min exist on both). A new SQLite migration needs its PostgreSQL twin
// (TestMigrationTwins); the suites run on both stores (make test).
//
// Where things live: an actor's fields, once, in actorfields.go (columns,
// inserts, updates, scans, the loader's rare columns, the CSV header); the
// read model in readmodel.go (load), refresh.go and follow.go (changes),
// page.go and query.go (reads); features, the JSON API's bytes, in
// feature.go; typed views, what pages and the CSV read, in view.go; record
// writes and the change sequence in record.go; proposals in proposal.go,
// their review (single or bulk, one transaction per batch) in review.go;
// errors in error.go and their keys in keys.go.
//
// It may import geo and data (leaves of the project) and libraries; it never
// imports web, cmd, mcpserver or webhook. Errors it returns carry one of
// the codes of error.go and a key with its arguments, declared in keys.go
// ("How to add an error" in error.go says how to add one).
package directory
