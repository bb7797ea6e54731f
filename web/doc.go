// Package web is voisinage's HTTP face: the gin router and handlers, the
// OGC API – Features endpoints and the other JSON/GeoJSON/CSV routes, the
// mapping of domain error codes to HTTP statuses, and (later) templates and
// embedded static assets.
//
// It imports directory (and, through it, geo); nothing of the project imports web
// but cmd.
package web
