// Package web is voisinage's HTTP face: the gin router and handlers, the
// OGC API – Features endpoints and the other JSON/GeoJSON/CSV/Atom routes,
// accounts and the moderation API, the mapping of domain error codes to HTTP
// statuses (error.go, and nowhere else), caching and compression, and the
// server-rendered pages with their message catalogs, templates and embedded
// static assets (Leaflet vendored under static/vendor).
//
// It imports directory (and, through it, geo) and data (France's outline for
// the maps); nothing of the project imports web but cmd.
package web
