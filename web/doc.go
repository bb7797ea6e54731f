// Package web is voisinage's HTTP face: the gin router and handlers, the
// OGC API – Features endpoints (with each collection's schema and
// queryables) and the other JSON/GeoJSON/CSV/Atom routes, accounts, the
// moderation and webhooks APIs, the MCP endpoint (/mcp), the OpenAPI
// document of every route, the mapping of domain error codes to HTTP
// statuses (error.go, and nowhere else), caching and compression, and the
// server-rendered pages with their message catalogs, templates and embedded
// static assets (Leaflet vendored under static/vendor).
//
// Errors: every error response goes through writeError (error.go), whose JSON
// body carries the English message and the error's key and arguments.
// Pages word errors from the key, never from the message: errorText and
// catalog.Problem (forms.go) look up "err." + key in i18n/*.json. The keys
// web adds for its own checks (query parameters, JSON bodies…) are declared
// with directory.NewKey beside the handler that returns them; see "How to
// add an error" in directory/error.go.
//
// Reads: the JSON API writes the features the directory pre-encodes
// (FindActors, Nearby…) without decoding them; pages and the CSV exports
// read typed views (FindActorViews, NearbyViews…: directory/view.go) and
// never decode a feature. The API handlers of logged-in users are calls
// adapted by userAPI (api.go); the contribution pages share one form flow
// (contrib.go, one file per record type); the moderators' pages open a
// posted form with beginID and render through renderModeration
// (moderation_pages.go).
//
// It imports directory (and, through it, geo), data (France's outline for
// the maps), mcpserver (the MCP server it mounts) and webhook (the guard
// that checks webhook addresses); nothing of the project imports web but cmd.
package web
