// Package web is voisinage's HTTP face: the gin router and handlers, the
// OGC API – Features endpoints (with each collection's schema and
// queryables) and the other JSON/GeoJSON/CSV/Atom routes, accounts, the
// moderation and webhooks APIs, the MCP endpoint (/mcp), the OpenAPI
// document of every route, the mapping of domain error codes to HTTP
// statuses (error.go, and nowhere else), caching and compression, and the
// server-rendered pages with their message catalogs, templates and embedded
// static assets (Leaflet vendored under static/vendor).
//
// It imports directory (and, through it, geo), data (France's outline for
// the maps), mcpserver (the MCP server it mounts) and webhook (the guard
// that checks webhook addresses); nothing of the project imports web but cmd.
package web
