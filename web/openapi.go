package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/geo"
)

// The OpenAPI 3.0 document served at /api/openapi.json describes every
// route of the router: the OGC API, the other data routes, accounts,
// proposals and moderation, webhooks, MCP, feeds, operations and the pages
// with their forms. TestOpenAPIDescribesEveryRoute compares it with the
// routes gin registered: a route added without its description here fails.
// Query parameters come from the same lists the handlers accept.

// oaParam is an OpenAPI parameter.
type oaParam struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description"`
	Required    bool           `json:"required,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      map[string]any `json:"schema"`
}

var no = false

type schema = map[string]any

// paramDocs describes every query parameter of the data routes.
var paramDocs = map[string]oaParam{
	"bbox": {Description: "Bounding box minLon,minLat,maxLon,maxLat in WGS 84 (CRS84) degrees; 6 numbers with heights are accepted (heights ignored). minLon > maxLon crosses the antimeridian.",
		Style: "form", Explode: &no, Schema: schema{"type": "array", "minItems": 4, "maxItems": 6, "items": schema{"type": "number"}}},
	"limit": {Description: fmt.Sprintf("Number of items per page, 1 to %d (larger values are treated as %d).", directory.MaxLimit, directory.MaxLimit),
		Schema: schema{"type": "integer", "minimum": 1, "maximum": directory.MaxLimit, "default": 10}},
	"offset":   {Description: "Number of matching items to skip (paging; follow the next/prev links).", Schema: schema{"type": "integer", "minimum": 0, "default": 0}},
	"datetime": {Description: "Last-update time of the items: an RFC 3339 date-time or date, or an interval start/end with .. for an open end. A record never changed since the bundled data has no update time and matches no datetime.", Schema: schema{"type": "string"}},
	"stale": {Description: "true: only actors with a fact (a contact field, the point, an adoption) older than the staleness threshold (3 years by default) and not confirmed by a person since, shown as \"à vérifier\"; false: only actors with none.",
		Schema: schema{"type": "boolean"}},
	"verified_since": {Description: "Only actors with a fact a person confirmed as still true (\"toujours d'actualité\") since this RFC 3339 date-time or date.",
		Schema: schema{"type": "string"}},
	"f": {Description: "Output format.", Schema: schema{"type": "string", "enum": []string{"json", "geojson", "csv"}}},
	"kind": {Description: "Actor kinds, comma-separated.", Style: "form", Explode: &no,
		Schema: schema{"type": "array", "items": schema{"type": "string", "enum": directory.Kinds}}},
	"department":  {Description: "Département codes (INSEE), comma-separated, e.g. 88,2A,974.", Style: "form", Explode: &no, Schema: schema{"type": "array", "items": schema{"type": "string"}}},
	"departement": {Description: "Same as department (the name of the feature property).", Style: "form", Explode: &no, Schema: schema{"type": "array", "items": schema{"type": "string"}}},
	"region":      {Description: "Région codes (INSEE), comma-separated, e.g. 44,53.", Style: "form", Explode: &no, Schema: schema{"type": "array", "items": schema{"type": "string"}}},
	"tool":        {Description: "Tool slugs (see /api/tools), comma-separated: actors with an in-use adoption of one of them. On /nearby, planned adoptions count too (each result says adopter: in_use or planned and lists its matched_adoptions), and tool=any means actors that use at least one tool; an empty answer says why (empty.reason: none_within_distance, adopters_without_point with the unplaced adopters, or no_adopter) with suggestions.", Style: "form", Explode: &no, Schema: schema{"type": "array", "items": schema{"type": "string"}}},
	"theme": {Description: "Themes, comma-separated: actors using a tool of one of them.", Style: "form", Explode: &no,
		Schema: schema{"type": "array", "items": schema{"type": "string", "enum": directory.Themes}}},
	"q": {Description: "Words of the name, each matched as a prefix; accents, case and ligatures ignored (oeuilly finds Œuilly, st germain en l finds Saint-Germain-en-Laye); one typo forgiven in a word of five letters or more that matches nothing as typed (epinall finds Épinal, brset Brest); or an official code given whole: INSEE code (88160), SIREN (218801603) or postal code (88000: every commune that has it). Best match first in /search: code, postal code, whole name, name start, other matches, then the same after a typo.",
		Schema: schema{"type": "string", "maxLength": directory.MaxQueryLength}},
	"precision": {Description: "Point precisions, comma-separated (exact = the place's own point).", Style: "form", Explode: &no,
		Schema: schema{"type": "array", "items": schema{"type": "string", "enum": directory.Precisions}}},
	"parent": {Description: "Actor ids, comma-separated: actors that have one of them among their parents (parent=epci-200068757: the member communes of that EPCI).", Style: "form", Explode: &no,
		Schema: schema{"type": "array", "items": schema{"type": "string"}}},
	"population_min": {Description: "Minimum population.", Schema: schema{"type": "integer", "minimum": 0}},
	"population_max": {Description: "Maximum population.", Schema: schema{"type": "integer", "minimum": 0}},
	"lon":            {Description: "Longitude of the query point, WGS 84 degrees (-180 to 180). Required unless actor is given.", Schema: schema{"type": "number", "minimum": -180, "maximum": 180}},
	"lat":            {Description: "Latitude of the query point, WGS 84 degrees (-90 to 90). Required unless actor is given.", Schema: schema{"type": "number", "minimum": -90, "maximum": 90}},
	"actor":          {Description: "Start from this actor's point instead of lon/lat (the actor itself is left out of the results).", Schema: schema{"type": "string"}},
	"zoom": {Description: fmt.Sprintf("Web map zoom level, 0 to %d (256-pixel tiles, as Leaflet's getZoom()); actors are clustered up to zoom %d and all alone above it.", geo.MaxClusterZoom, directory.ClusterMaxZoom),
		Required: true, Schema: schema{"type": "integer", "minimum": 0, "maximum": geo.MaxClusterZoom}},
	"max_km": {Description: "Only actors within this great-circle distance, in kilometres.", Schema: schema{"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 20040}},
	// Moderation and feeds.
	"status":       {Description: "Statuses, comma-separated.", Style: "form", Explode: &no, Schema: schema{"type": "array", "items": schema{"type": "string", "enum": directory.ProposalStatuses}}},
	"target_type":  {Description: "Record type.", Schema: schema{"type": "string", "enum": directory.RecordTypes}},
	"target_id":    {Description: "Record id (actor id, tool slug, adoption id).", Schema: schema{"type": "string"}},
	"author":       {Description: "Author's user id.", Schema: schema{"type": "integer", "minimum": 1}},
	"mine":         {Description: "1 or true: only your own proposals.", Schema: schema{"type": "string", "enum": []string{"0", "1", "true", "false"}}},
	"needs_review": {Description: "1 or true: only changes applied at once (trusted, representative) that still await review.", Schema: schema{"type": "string", "enum": []string{"0", "1", "true", "false"}}},
	"order":        {Description: "oldest (default) or newest first.", Schema: schema{"type": "string", "enum": []string{"oldest", "newest"}}},
	"token":        {Description: "An API token (feed readers cannot send headers).", Schema: schema{"type": "string"}},
	"url":          {Description: "The URL of a map, tool or actor page of this site.", Required: true, Schema: schema{"type": "string", "format": "uri"}},
	"maxwidth":     {Description: "Largest width of the iframe, pixels.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 10000}},
	"maxheight":    {Description: "Largest height of the iframe, pixels.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 10000}},
	"format":       {Description: "json (the only format).", Schema: schema{"type": "string", "enum": []string{"json"}}},
}

func oaParams(names []string, override map[string]oaParam) []oaParam {
	out := make([]oaParam, 0, len(names))
	for _, n := range names {
		p, ok := override[n]
		if !ok {
			p, ok = paramDocs[n]
		}
		if !ok {
			panic("openapi: no documentation for parameter " + n)
		}
		p.Name, p.In = n, "query"
		out = append(out, p)
	}
	return out
}

func pathParam(name, description string) oaParam {
	return oaParam{Name: name, In: "path", Required: true, Description: description, Schema: schema{"type": "string"}}
}

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

func content(media string, s schema) schema { return schema{media: schema{"schema": s}} }

// response is one documented response.
func response(description, media string, s schema) schema {
	if media == "" {
		return schema{"description": description}
	}
	return schema{"description": description, "content": content(media, s)}
}

// itemsDescription says how items are ordered and when numberMatched is given.
const itemsDescription = "Actors come in one stable order: those with a point along a Hilbert curve over longitude and latitude, " +
	"then those without a point; offset pages through it, and following the next links from the first page gives every match " +
	"exactly once while the data do not change (the ETag says when they do). A page costs what it returns, not what matches. " +
	"numberMatched is exact or absent, never an estimate: it is given for a bbox alone or with values of one of kind, " +
	"department or region (and without bbox), when the matches come from a small list (tool, theme, the words of q), and when " +
	"checking the remaining candidates costs no more than the page (at most 4096 + 32 × limit of them); otherwise it is left " +
	"out, and the next link alone says whether more follow."

// errRefs are the shared error responses, by status.
var errRefs = map[string]string{
	"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "405": "MethodNotAllowed",
	"409": "Conflict", "413": "TooLarge", "415": "UnsupportedMediaType", "429": "TooMany", "500": "ServerError",
	"501": "NotImplemented", "503": "Unavailable",
}

// operation builds an operation object.
type operation struct {
	summary, id, description string
	tags                     []string
	params                   []oaParam
	body                     schema // requestBody, or nil
	responses                schema
	security                 []schema // nil: none declared
}

func (o operation) object() schema {
	obj := schema{"summary": o.summary, "operationId": o.id, "responses": o.responses}
	if o.description != "" {
		obj["description"] = o.description
	}
	if len(o.tags) > 0 {
		obj["tags"] = o.tags
	}
	if len(o.params) > 0 {
		obj["parameters"] = o.params
	}
	if o.body != nil {
		obj["requestBody"] = o.body
	}
	if o.security != nil {
		obj["security"] = o.security
	}
	return obj
}

// responses builds a responses object: one success, then shared errors.
func responses(status string, ok schema, errs ...string) schema {
	out := schema{status: ok}
	for _, e := range errs {
		out[e] = schema{"$ref": "#/components/responses/" + errRefs[e]}
	}
	return out
}

// jsonBody is a required JSON request body with schema s.
func jsonBody(s schema) schema {
	return schema{"required": true, "content": content(mediaJSON, s)}
}

// formBody is an HTML form's body.
var formBody = schema{"required": true, "content": content("application/x-www-form-urlencoded",
	schema{"type": "object", "additionalProperties": schema{"type": "string"},
		"description": "The fields of the page's form (their names are those of the form's inputs)."})}

// Security requirements.
var (
	userAuth     = []schema{{"cookieAuth": []string{}}, {"bearerAuth": []string{}}}
	optionalAuth = []schema{{}, {"cookieAuth": []string{}}, {"bearerAuth": []string{}}}
	cookieOnly   = []schema{{"cookieAuth": []string{}}}
)

// oaDoc gathers the paths and the gin routes they document.
type oaDoc struct {
	paths  map[string]schema
	routes map[string]bool // "METHOD /gin/path"
}

// oaPath turns a gin path into an OpenAPI path (":id" and "*name" → "{id}", "{name}").
func oaPath(gin string) string {
	parts := strings.Split(gin, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// add documents the route method ginPath with op, at path (oaPath(ginPath) if "").
func (d *oaDoc) add(method, ginPath, path string, op operation) {
	if path == "" {
		path = oaPath(ginPath)
	}
	key := method + " " + ginPath
	if d.routes[key] {
		panic("openapi: " + key + " documented twice")
	}
	d.routes[key] = true
	if d.paths[path] == nil {
		d.paths[path] = schema{}
	}
	if op.id == "" {
		op.id = strings.ToLower(method) + strings.NewReplacer("/", "_", ":", "", "*", "", ".", "_", "-", "_").Replace(ginPath)
	}
	d.paths[path][strings.ToLower(method)] = op.object()
}

// get documents a read route (gin registers it for GET and HEAD).
func (d *oaDoc) get(ginPath string, op operation) {
	d.add("GET", ginPath, "", op)
	d.routes["HEAD "+ginPath] = true
}

// page documents an HTML page.
func (d *oaDoc) page(ginPath, summary string, params ...oaParam) {
	d.get(ginPath, operation{summary: summary, tags: []string{"pages"}, params: params,
		responses: responses("200", response("The page (HTML, French or English by the lang cookie and Accept-Language).", "text/html", schema{"type": "string"}), "404", "500")})
}

// form documents a page's form post: it answers with a redirect, or with
// the page again and the problems to fix.
func (d *oaDoc) form(ginPath, summary string, auth []schema, params ...oaParam) {
	d.add("POST", ginPath, "", operation{summary: summary, tags: []string{"pages"}, params: params, body: formBody, security: auth,
		responses: schema{
			"303": schema{"description": "Done: see the page in Location.", "headers": schema{"Location": schema{"schema": schema{"type": "string"}}}},
			"200": response("The form again with what to fix, or a confirmation page (HTML).", "text/html", schema{"type": "string"}),
			"201": response("Created: a page showing what was made, a secret or token once (HTML).", "text/html", schema{"type": "string"}),
			"400": response("The form again with what to fix (HTML).", "text/html", schema{"type": "string"}),
			"401": response("Log in first (HTML, or a redirect to the login page).", "text/html", schema{"type": "string"}),
			"403": response("Not allowed, or a cross-site post (HTML or JSON).", "text/html", schema{"type": "string"}),
			"409": response("Someone changed the record meanwhile: both values are shown (HTML).", "text/html", schema{"type": "string"}),
			"429": schema{"$ref": "#/components/responses/TooMany"},
		}})
}

// DocumentedRoutes lists the routes the OpenAPI document describes, as
// "METHOD /gin/path" (for the test that compares it with the router).
func documentedRoutes() []string { return slices.Sorted(maps.Keys(openAPIRoutes)) }

var openAPIDocument, openAPIRoutes = mustOpenAPI()

func mustOpenAPI() ([]byte, map[string]bool) {
	d := &oaDoc{paths: map[string]schema{}, routes: map[string]bool{}}
	describeData(d)
	describeAccounts(d)
	describeModeration(d)
	describeWebhooks(d)
	describeOther(d)
	describeImports(d)
	describePages(d)
	doc := schema{
		"openapi": "3.0.3",
		"info": schema{
			"title":       "voisinage API",
			"version":     "1.1.0",
			"description": "OGC API – Features (Part 1: Core, GeoJSON; schemas and queryables as JSON Schema) over the French public actors of voisinage and the digital tools they use, plus nearest-neighbour search, search by name or official code, tools, bulk exports, accounts, proposals and moderation, webhooks, an MCP server for AI assistants, feeds and the pages. Coordinates are WGS 84 longitude, latitude (RFC 7946), rounded to 6 decimals. Writes need a session cookie (POST /api/login) or an API token (Authorization: Bearer); cross-site form posts are refused. " + attribution,
			"license":     schema{"name": "Licence Ouverte 2.0 (Etalab); GeoNames points CC BY 4.0", "url": licenceEtalab},
		},
		"servers": []schema{{"url": "/", "description": "This site"}},
		"tags": []schema{
			{"name": "ogc", "description": "OGC API – Features"}, {"name": "data", "description": "Other data routes"},
			{"name": "accounts"}, {"name": "proposals"}, {"name": "moderation"}, {"name": "webhooks"},
			{"name": "mcp", "description": "Model Context Protocol (JSON-RPC 2.0 over Streamable HTTP)"},
			{"name": "feeds"}, {"name": "operations"}, {"name": "pages", "description": "HTML pages and their forms"},
		},
		"paths":      d.paths,
		"components": components(),
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return b, d.routes
}

func describeData(d *oaDoc) {
	notFound := []string{"400", "404", "500"}
	metaF := map[string]oaParam{"f": {Description: "Output format.", Schema: schema{"type": "string", "enum": []string{"json"}}}}
	itemsOnly := map[string]oaParam{"f": {Description: "Output format.", Schema: schema{"type": "string", "enum": []string{"json", "geojson"}}}}
	collection := oaParam{Name: "collection", In: "path", Required: true, Description: "Collection id.",
		Schema: schema{"type": "string", "enum": []string{"actors", "adoptions"}}}
	ogc := []string{"ogc"}
	meta := func(summary, id string) operation {
		return operation{summary: summary, id: id, tags: ogc, params: oaParams(metaParams, metaF),
			responses: responses("200", response(summary, mediaJSON, ref("Object")), "400", "500")}
	}
	d.get("/api", meta("Landing page", "getLandingPage"))
	op := meta("This API definition (OpenAPI 3.0)", "getAPIDefinition")
	op.responses = responses("200", response("This document.", mediaOpenAPI, ref("Object")), "400", "500")
	d.get("/api/openapi.json", op)
	d.get("/api/conformance", meta("Conformance classes", "getConformance"))
	d.get("/api/collections", meta("Collections", "getCollections"))
	op = meta("A collection", "describeCollection")
	op.params = append([]oaParam{collection}, op.params...)
	op.responses = responses("200", response("The collection, with links to its items, schema and queryables.", mediaJSON, ref("Object")), notFound...)
	d.get("/api/collections/:collection", op)
	d.get("/api/collections/:collection/items", operation{summary: "Features of a collection, filtered and paged", id: "getFeatures", tags: ogc,
		description: itemsDescription,
		params:      append([]oaParam{collection}, oaParams(itemsParams, nil)...),
		responses:   responses("200", schema{"description": "A page of features; links next and prev page through.", "content": schema{mediaGeoJSON: schema{"schema": ref("FeatureCollection")}, mediaCSV: schema{"schema": ref("Text")}}}, notFound...)})
	d.get("/api/collections/:collection/items/:id", operation{summary: "One feature", id: "getFeature", tags: ogc,
		params: append([]oaParam{collection, pathParam("id", "Feature id, e.g. commune-88160, epci-200068120, departement-88, prefecture-88, adoption-commune-88160-wiki.")},
			oaParams(itemParams, itemsOnly)...),
		responses: responses("200", response("The feature.", mediaGeoJSON, ref("Feature")), notFound...)})
	d.get("/api/collections/:collection/queryables", operation{summary: "Queryables of a collection (OGC API – Features Part 3)", id: "getQueryables", tags: ogc,
		description: "A JSON Schema of the feature properties that the items route filters on by equality (?name=value, several values comma-separated), each with its type and values. Every property is in the collection's schema.",
		params:      append([]oaParam{collection}, oaParams(metaParams, metaF)...),
		responses:   responses("200", response("The queryables.", mediaSchemaJSON, ref("JSONSchema")), notFound...)})
	d.get("/api/collections/:collection/schema", operation{summary: "Schema of a collection's features (OGC API – Features Part 5, JSON Schema)", id: "getSchema", tags: ogc,
		description: "A JSON Schema (2020-12) of one feature of the collection in its GeoJSON encoding, listing every property with its type, so that a client creates every column whatever the first page holds.",
		params:      append([]oaParam{collection}, oaParams(metaParams, metaF)...),
		responses:   responses("200", response("The schema.", mediaSchemaJSON, ref("JSONSchema")), notFound...)})

	data := []string{"data"}
	nearby := map[string]oaParam{
		"limit": {Description: fmt.Sprintf("Number of actors, 1 to %d.", directory.MaxNearby), Schema: schema{"type": "integer", "minimum": 1, "maximum": directory.MaxNearby, "default": 10}},
	}
	d.get("/api/nearby", operation{summary: "Actors nearest to a point by great-circle distance, nearest first, each with distance_m", id: "getNearby", tags: data,
		params: oaParams(nearbyParams, nearby), responses: responses("200", response("The nearest actors.", mediaGeoJSON, ref("FeatureCollection")), notFound...)})
	search := map[string]oaParam{
		"limit": {Description: "Number of suggestions, 1 to 100.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
		"q":     {Description: paramDocs["q"].Description, Required: true, Schema: paramDocs["q"].Schema},
	}
	d.get("/api/search", operation{summary: "Search actors by name or official code as you type, best match first", id: "search", tags: data,
		params: oaParams(searchParams, search), responses: responses("200", response("The matches.", mediaGeoJSON, ref("FeatureCollection")), "400", "500")})
	d.get("/api/clusters", operation{summary: "What a map shows at a zoom: clusters (properties cluster: true, cluster_id, count, expansion_zoom, bbox, and ids when they hold 10 actors or fewer) and actors alone, counting each matching actor once", id: "getClusters", tags: data,
		params: oaParams(clusterParams, nil), responses: responses("200", response("Clusters and actors.", mediaGeoJSON, ref("FeatureCollection")), "400", "500", "503")})
	d.add("GET", "/api/tiles/:z/:x/:y", "/api/tiles/{z}/{x}/{y}.mvt", operation{summary: "A Mapbox Vector Tile (layer actors): clusters (cluster, cluster_id, count, expansion_zoom) and actors alone (id, kind, name); gzipped when the client accepts it", id: "getTile", tags: data,
		params: append([]oaParam{
			{Name: "z", In: "path", Required: true, Description: fmt.Sprintf("Zoom, 0 to %d.", geo.MaxTileZoom), Schema: schema{"type": "integer", "minimum": 0, "maximum": geo.MaxTileZoom}},
			{Name: "x", In: "path", Required: true, Description: "Column, 0 to 2^z-1, from the antimeridian eastward.", Schema: schema{"type": "integer", "minimum": 0}},
			{Name: "y", In: "path", Required: true, Description: "Row, 0 to 2^z-1, from the north (XYZ scheme).", Schema: schema{"type": "integer", "minimum": 0}},
		}, oaParams(tileParams, nil)...),
		responses: responses("200", response("The tile.", mediaMVT, ref("Binary")), "400", "404", "500", "503")})
	d.routes["HEAD /api/tiles/:z/:x/:y"] = true
	d.get("/api/tools", operation{summary: "Tools, with their themes and adopter counts", id: "getTools", tags: data,
		params: oaParams(toolsParams, map[string]oaParam{"theme": {Description: "One theme.", Schema: schema{"type": "string", "enum": directory.Themes}},
			"q": {Description: "Words of the tool's name or description.", Schema: schema{"type": "string"}}}),
		responses: responses("200", response("The tools.", mediaJSON, ref("Object")), "400", "500")})
	d.get("/api/tools/:slug", operation{summary: "A tool and its adopters", id: "getTool", tags: data,
		params: append([]oaParam{pathParam("slug", "Tool slug.")}, oaParams(toolParams, nil)...), responses: responses("200", response("The tool.", mediaJSON, ref("Object")), notFound...)})
	d.get("/api/themes", operation{summary: "The eight themes", id: "getThemes", tags: data, responses: responses("200", response("The themes.", mediaJSON, ref("Object")), "500")})
	d.get("/api/export/actors.geojson", operation{summary: "Every actor as one GeoJSON FeatureCollection, with licence and attribution", id: "exportGeoJSON", tags: data,
		responses: responses("200", response("Every actor.", mediaGeoJSON, ref("FeatureCollection")), "500")})
	d.get("/api/export/actors.csv", operation{summary: "Every actor as CSV (UTF-8, one row per actor, licence in the last column)", id: "exportCSV", tags: data,
		responses: responses("200", response("Every actor.", mediaCSV, ref("Text")), "500")})
	history := func(kind, param, what string) {
		d.get("/api/"+kind+"/:"+param+"/history", operation{summary: "Every version of " + what + ", newest first: who, when, which proposal, what changed", tags: data,
			params: []oaParam{pathParam(param, what+" id.")}, responses: responses("200", response("The history.", mediaJSON, ref("History")), "400", "404", "500")})
	}
	history("actors", "id", "an actor")
	history("tools", "slug", "a tool")
	history("adoptions", "id", "an adoption")
}

func describeAccounts(d *oaDoc) {
	tags := []string{"accounts"}
	userOK := func(status string) schema {
		return response("The user, logged in: the session cookie is set.", mediaJSON, schema{"type": "object", "properties": schema{"user": ref("User")}})
	}
	d.add("POST", "/api/register", "", operation{summary: "Create a contributor account and log in", tags: tags,
		body: jsonBody(ref("Registration")), responses: responses("201", userOK("201"), "400", "403", "409", "413", "415", "429", "500")})
	d.add("POST", "/api/login", "", operation{summary: "Log in (the session is rotated; 5 failures lock the account 15 min)", tags: tags,
		body: jsonBody(ref("Login")), responses: responses("200", userOK("200"), "400", "401", "403", "413", "415", "429", "500")})
	d.add("POST", "/api/logout", "", operation{summary: "Log out (ends the session)", tags: tags, security: optionalAuth,
		responses: responses("204", response("Logged out.", "", nil), "403", "500")})
	d.get("/api/me", operation{summary: "The logged-in user", tags: tags, security: userAuth,
		responses: responses("200", response("You.", mediaJSON, schema{"type": "object", "properties": schema{"user": ref("User")}}), "401", "500")})
	d.add("POST", "/api/me/password", "", operation{summary: "Change your password (ends every other session)", tags: tags, security: userAuth,
		body: jsonBody(ref("PasswordChange")), responses: responses("200", userOK("200"), "400", "401", "403", "413", "415", "429", "500")})
	d.get("/api/tokens", operation{summary: "Your API tokens (without their secrets)", tags: tags, security: userAuth,
		responses: responses("200", response("Your tokens.", mediaJSON, schema{"type": "object", "properties": schema{"tokens": schema{"type": "array", "items": ref("Token")}}}), "401", "500")})
	d.add("POST", "/api/tokens", "", operation{summary: "Create an API token (shown once, stored hashed)", tags: tags, security: userAuth,
		body:      jsonBody(schema{"type": "object", "required": []string{"name"}, "properties": schema{"name": schema{"type": "string", "minLength": 1, "maxLength": 80}}}),
		responses: responses("201", response("The token, with its secret.", mediaJSON, schema{"type": "object", "properties": schema{"token": ref("Token"), "note": schema{"type": "string"}}}), "400", "401", "403", "413", "415", "429", "500")})
	d.add("DELETE", "/api/tokens/:id", "", operation{summary: "Revoke one of your tokens", tags: tags, security: userAuth,
		params: []oaParam{pathParam("id", "Token id.")}, responses: responses("204", response("Revoked.", "", nil), "400", "401", "403", "404", "429", "500")})
}

func describeModeration(d *oaDoc) {
	tags := []string{"proposals"}
	writeErrs := []string{"400", "401", "403", "404", "409", "413", "415", "429", "500"}
	proposal := response("The proposal.", mediaJSON, ref("Proposal"))
	id := []oaParam{pathParam("id", "Proposal id.")}
	d.add("POST", "/api/proposals", "", operation{summary: "Propose a change (moderators' changes apply at once; trusted contributors' and representatives' too, listed for review)", tags: tags, security: userAuth,
		body: jsonBody(ref("ProposalInput")), responses: responses("201", proposal, writeErrs...)})
	d.add("POST", "/api/proposals/check", "", operation{summary: "Validate a proposal without storing it; list likely duplicates of a new actor", tags: tags, security: userAuth,
		body: jsonBody(ref("ProposalInput")), responses: responses("200", response("Valid.", mediaJSON, schema{"type": "object", "properties": schema{"valid": schema{"type": "boolean"}, "duplicates": schema{"type": "array", "items": ref("Object")}}}), writeErrs...)})
	d.get("/api/proposals", operation{summary: "The queue: proposals, oldest first, each with its field diff, conflicts, votes and comments", tags: tags, security: userAuth,
		params: oaParams(proposalIndexParams, map[string]oaParam{"limit": {Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}}),
		responses: responses("200", response("The proposals.", mediaJSON, schema{"type": "object", "properties": schema{"proposals": schema{"type": "array", "items": ref("Proposal")},
			"numberMatched": schema{"type": "integer"}, "numberReturned": schema{"type": "integer"}}}), "400", "401", "403", "500")})
	d.get("/api/proposals/:id", operation{summary: "One proposal", tags: tags, security: userAuth, params: id, responses: responses("200", proposal, "400", "401", "403", "404", "500")})
	d.add("POST", "/api/proposals/:id/approve", "", operation{summary: "Approve and apply a proposal in one transaction (409 with both values if a field changed meanwhile)", tags: []string{"moderation"}, security: userAuth,
		params: id, body: schema{"required": false, "content": content(mediaJSON, ref("Decision"))}, responses: responses("200", proposal, writeErrs...)})
	d.add("POST", "/api/proposals/:id/reject", "", operation{summary: "Reject a proposal with a reason (a change applied at once is undone)", tags: []string{"moderation"}, security: userAuth,
		params: id, body: jsonBody(ref("Decision")), responses: responses("200", proposal, writeErrs...)})
	d.add("POST", "/api/proposals/:id/vote", "", operation{summary: "Vote for (1) or against (-1) a proposal, or take your vote back (0)", tags: tags, security: userAuth,
		params: id, body: jsonBody(schema{"type": "object", "required": []string{"value"}, "properties": schema{"value": schema{"type": "integer", "enum": []int{-1, 0, 1}}}}),
		responses: responses("200", proposal, writeErrs...)})
	d.add("POST", "/api/proposals/:id/withdraw", "", operation{summary: "Withdraw your pending proposal", tags: tags, security: userAuth,
		params: id, responses: responses("200", proposal, "400", "401", "403", "404", "409", "429", "500")})
	d.add("POST", "/api/proposals/:id/comments", "", operation{summary: "Comment on a proposal", tags: tags, security: userAuth,
		params: id, body: jsonBody(schema{"type": "object", "required": []string{"body"}, "properties": schema{"body": schema{"type": "string", "minLength": 1, "maxLength": 2000}}}),
		responses: responses("201", proposal, writeErrs...)})
	d.add("POST", "/api/review", "", operation{summary: "Approve or reject several proposals, each in its own transaction", tags: []string{"moderation"}, security: userAuth,
		body: jsonBody(ref("BulkReview")),
		responses: responses("200", response("One result per id.", mediaJSON, schema{"type": "object", "properties": schema{
			"results": schema{"type": "array", "items": schema{"type": "object", "properties": schema{"id": schema{"type": "integer"}, "status": schema{"type": "integer"}, "error": ref("Exception")}}},
			"done":    schema{"type": "integer"}, "failed": schema{"type": "integer"}}}), writeErrs...)})
	revert := func(kind, param string) {
		d.add("POST", "/api/"+kind+"/:"+param+"/revert", "", operation{summary: "Restore an earlier version of a record as a new version", tags: []string{"moderation"}, security: userAuth,
			params: []oaParam{pathParam(param, "Record id.")},
			body:   jsonBody(schema{"type": "object", "required": []string{"version", "reason"}, "properties": schema{"version": schema{"type": "integer", "minimum": 1}, "reason": schema{"type": "string", "maxLength": 1000}}}),
			responses: responses("200", response("The new version.", mediaJSON, schema{"type": "object", "properties": schema{"record_type": schema{"type": "string"}, "record_id": schema{"type": "string"},
				"version": schema{"type": "integer"}, "reverted_to": schema{"type": "integer"}}}), writeErrs...)})
	}
	revert("actors", "id")
	revert("tools", "slug")
	revert("adoptions", "id")
	report := response("The report.", mediaJSON, ref("Report"))
	d.add("POST", "/api/reports", "", operation{summary: "Report a record as wrong, outdated or abusive (anyone, logged in or not)", tags: []string{"moderation"}, security: optionalAuth,
		body: jsonBody(ref("ReportInput")), responses: responses("201", report, "400", "403", "404", "413", "415", "429", "500")})
	d.get("/api/reports", operation{summary: "Reports, oldest first (moderators)", tags: []string{"moderation"}, security: userAuth,
		params: []oaParam{
			{Name: "status", In: "query", Description: "open (default), resolved, dismissed or all.", Schema: schema{"type": "string", "enum": []string{"open", "resolved", "dismissed", "all"}}},
			{Name: "limit", In: "query", Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
			{Name: "offset", In: "query", Description: "Reports to skip.", Schema: schema{"type": "integer", "minimum": 0}},
		},
		responses: responses("200", response("The reports.", mediaJSON, schema{"type": "object", "properties": schema{"reports": schema{"type": "array", "items": ref("Report")},
			"numberMatched": schema{"type": "integer"}, "numberReturned": schema{"type": "integer"}}}), "400", "401", "403", "500")})
	d.add("POST", "/api/reports/:id/resolve", "", operation{summary: "Close a report as resolved or dismissed (moderators)", tags: []string{"moderation"}, security: userAuth,
		params:    []oaParam{pathParam("id", "Report id.")},
		body:      jsonBody(schema{"type": "object", "required": []string{"status"}, "properties": schema{"status": schema{"type": "string", "enum": []string{"resolved", "dismissed"}}, "note": schema{"type": "string", "maxLength": 1000}}}),
		responses: responses("200", report, writeErrs...)})
	user := []oaParam{pathParam("id", "User id.")}
	userResp := response("The user.", mediaJSON, schema{"type": "object", "properties": schema{"user": ref("User")}})
	d.add("POST", "/api/users/:id/block", "", operation{summary: "Block an account until a time (moderators; a moderator only by an admin); its pending proposals are withdrawn", tags: []string{"moderation"}, security: userAuth,
		params: user, body: jsonBody(schema{"type": "object", "required": []string{"reason"}, "properties": schema{"days": schema{"type": "integer", "minimum": 1},
			"until": schema{"type": "string", "format": "date-time"}, "reason": schema{"type": "string", "maxLength": 1000}}}),
		responses: responses("200", userResp, writeErrs...)})
	d.add("POST", "/api/users/:id/unblock", "", operation{summary: "Unblock an account (moderators)", tags: []string{"moderation"}, security: userAuth,
		params: user, responses: responses("200", userResp, "400", "401", "403", "404", "429", "500")})
	d.add("PUT", "/api/users/:id/role", "", operation{summary: "Set a user's role (admins)", tags: []string{"moderation"}, security: userAuth,
		params: user, body: jsonBody(schema{"type": "object", "required": []string{"role"}, "properties": schema{"role": schema{"type": "string", "enum": directory.Roles}}}),
		responses: responses("200", userResp, writeErrs...)})
	d.add("POST", "/api/users/:id/representatives", "", operation{summary: "Verify a user as an actor's representative: their edits to it apply at once, listed for review (admins)", tags: []string{"moderation"}, security: userAuth,
		params: user, body: jsonBody(schema{"type": "object", "required": []string{"actor_id"}, "properties": schema{"actor_id": schema{"type": "string"}}}),
		responses: responses("200", userResp, writeErrs...)})
	d.add("DELETE", "/api/users/:id/representatives/:actor", "", operation{summary: "Withdraw a representative's verification (admins)", tags: []string{"moderation"}, security: userAuth,
		params: append(user, pathParam("actor", "Actor id.")), responses: responses("200", userResp, "400", "401", "403", "404", "429", "500")})
}

func describeWebhooks(d *oaDoc) {
	tags := []string{"webhooks"}
	writeErrs := []string{"400", "401", "403", "404", "409", "413", "415", "429", "500"}
	id := pathParam("id", "Webhook id.")
	delivery := pathParam("delivery", "Delivery id (the X-Voisinage-Delivery header).")
	one := response("The webhook.", mediaJSON, schema{"type": "object", "properties": schema{"webhook": ref("Webhook")}})
	const who = " Moderators, administrators, and accounts an administrator gave the webhooks right (PUT /api/users/{id}/webhooks); their API tokens too."
	d.get("/api/webhooks", operation{summary: "Your webhooks (every account's for an administrator)", description: "Each with its filter, its delivery counts and, when it was disabled for failing, the notice." + who,
		tags: tags, security: userAuth,
		responses: responses("200", response("The webhooks.", mediaJSON, schema{"type": "object", "properties": schema{"webhooks": schema{"type": "array", "items": ref("Webhook")},
			"event_types": schema{"type": "array", "items": schema{"type": "string", "enum": directory.EventTypes}}}}), "401", "403", "500")})
	d.add("POST", "/api/webhooks", "", operation{summary: "Register a webhook: a URL and a filter; the answer holds its secret, shown once",
		description: "Each event is POSTed as JSON with X-Voisinage-Event, X-Voisinage-Delivery and X-Voisinage-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>; retried with exponential backoff for a day on an answer other than 2xx or no answer; a webhook that keeps failing for a day is disabled with a notice. URLs on loopback, private and link-local addresses are refused (SSRF) unless the operator allows them." + who,
		tags:        tags, security: userAuth, body: jsonBody(ref("WebhookInput")),
		responses: responses("201", response("The webhook with its secret.", mediaJSON, schema{"type": "object", "properties": schema{"webhook": ref("Webhook"), "note": schema{"type": "string"}}}), writeErrs...)})
	d.get("/api/webhooks/:id", operation{summary: "One of your webhooks", tags: tags, security: userAuth, params: []oaParam{id},
		responses: responses("200", one, "400", "401", "403", "404", "500")})
	d.add("PATCH", "/api/webhooks/:id", "", operation{summary: "Change a webhook: its URL, description, filter; active: true enables it again after it was disabled",
		tags: tags, security: userAuth, params: []oaParam{id}, body: jsonBody(ref("WebhookInput")), responses: responses("200", one, writeErrs...)})
	d.add("DELETE", "/api/webhooks/:id", "", operation{summary: "Delete a webhook and its deliveries", tags: tags, security: userAuth, params: []oaParam{id},
		responses: responses("204", response("Deleted.", "", nil), "400", "401", "403", "404", "429", "500")})
	d.get("/api/webhooks/:id/deliveries", operation{summary: "A webhook's deliveries, newest first: status, attempts, last answer and error", tags: tags, security: userAuth,
		params: append([]oaParam{id},
			oaParam{Name: "status", In: "query", Description: "pending, delivered or failed.", Schema: schema{"type": "string", "enum": []string{directory.DeliveryPending, directory.DeliveryDelivered, directory.DeliveryFailed}}},
			oaParam{Name: "limit", In: "query", Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
			oaParam{Name: "offset", In: "query", Description: "Deliveries to skip.", Schema: schema{"type": "integer", "minimum": 0}}),
		responses: responses("200", response("The deliveries.", mediaJSON, schema{"type": "object", "properties": schema{"deliveries": schema{"type": "array", "items": ref("WebhookDelivery")},
			"numberMatched": schema{"type": "integer"}, "numberReturned": schema{"type": "integer"}}}), "400", "401", "403", "404", "500")})
	d.get("/api/webhooks/:id/deliveries/:delivery", operation{summary: "One delivery, with the body it sends", tags: tags, security: userAuth, params: []oaParam{id, delivery},
		responses: responses("200", response("The delivery.", mediaJSON, schema{"type": "object", "properties": schema{"delivery": ref("WebhookDelivery")}}), "400", "401", "403", "404", "500")})
	d.add("POST", "/api/webhooks/:id/deliveries/:delivery/replay", "", operation{summary: "Send a delivery again: a new delivery (its own id) of the same event and body, at once",
		tags: tags, security: userAuth, params: []oaParam{id, delivery},
		responses: responses("201", response("The new delivery.", mediaJSON, schema{"type": "object", "properties": schema{"delivery": ref("WebhookDelivery")}}), "400", "401", "403", "404", "409", "429", "500")})
	d.add("PUT", "/api/users/:id/webhooks", "", operation{summary: "Give an account that does not moderate (a regional site, a network) the right to manage webhooks, or take it back (admins)",
		tags: tags, security: userAuth, params: []oaParam{pathParam("id", "User id.")},
		body:      jsonBody(schema{"type": "object", "required": []string{"allowed"}, "properties": schema{"allowed": schema{"type": "boolean"}}}),
		responses: responses("200", response("Done.", mediaJSON, schema{"type": "object", "properties": schema{"user_id": schema{"type": "integer"}, "webhooks": schema{"type": "boolean"}}}), writeErrs...)})
}

func filterSchema() schema {
	list := func(desc string, enum []string) schema {
		items := schema{"type": "string"}
		if enum != nil {
			items["enum"] = enum
		}
		return schema{"type": "array", "items": items, "maxItems": 200, "description": desc}
	}
	return schema{
		"events":       list("Event types; empty: every type.", directory.EventTypes),
		"departements": list("Département codes (88, 2A, 974). The territory (départements, régions, EPCIs) is one condition: an event in any of them matches.", nil),
		"regions":      list("Région codes (44).", nil),
		"epcis":        list("EPCI actor ids (epci-200068757): events on their member communes and on themselves.", nil),
		"tools":        list("Tool slugs: events on the tool, its adoptions, and actors using it.", nil),
		"themes":       list("Themes of those tools.", directory.Themes),
		"actors":       list("Actor ids: events on them and their adoptions.", nil),
	}
}

func webhookInputSchema() schema {
	props := filterSchema()
	props["url"] = schema{"type": "string", "format": "uri", "maxLength": 2000, "description": "Where events are POSTed: http or https, a public address."}
	props["description"] = schema{"type": "string", "maxLength": 200}
	props["active"] = schema{"type": "boolean", "description": "PATCH only: true enables a webhook disabled for failing."}
	return schema{"type": "object", "properties": props, "description": "To register, url is required; every filter list is optional (empty: no filter)."}
}

func webhookSchema() schema {
	props := filterSchema()
	props["id"] = schema{"type": "integer"}
	props["owner"] = schema{"type": "object", "properties": schema{"id": schema{"type": "integer"}, "name": schema{"type": "string"}}}
	props["url"] = schema{"type": "string", "format": "uri"}
	props["description"] = schema{"type": "string"}
	props["active"] = schema{"type": "boolean"}
	props["disabled_at"] = schema{"type": "string", "format": "date-time"}
	props["disabled_reason"] = schema{"type": "string", "description": "The notice: why and when it was disabled."}
	props["secret"] = schema{"type": "string", "description": "Only in the answer that registers it: the HMAC-SHA256 key of X-Voisinage-Signature."}
	props["deliveries"] = schema{"type": "object", "properties": schema{"pending": schema{"type": "integer"}, "delivered": schema{"type": "integer"}, "failed": schema{"type": "integer"}}}
	props["created_at"] = schema{"type": "string", "format": "date-time"}
	props["updated_at"] = schema{"type": "string", "format": "date-time"}
	props["links"] = schema{"type": "array", "items": schema{"type": "object"}}
	return schema{"type": "object", "properties": props}
}

func webhookDeliverySchema() schema {
	return schema{"type": "object", "properties": schema{
		"id":              schema{"type": "string", "description": "The X-Voisinage-Delivery header."},
		"event":           schema{"type": "string", "enum": directory.EventTypes},
		"event_id":        schema{"type": "string", "description": "The event's id, the same in every copy and replay."},
		"status":          schema{"type": "string", "enum": []string{directory.DeliveryPending, directory.DeliveryDelivered, directory.DeliveryFailed}},
		"attempts":        schema{"type": "integer"},
		"next_attempt_at": schema{"type": "string", "format": "date-time"},
		"last_attempt_at": schema{"type": "string", "format": "date-time"},
		"last_status":     schema{"type": "integer", "description": "HTTP status of the last answer (absent when none came)."},
		"last_error":      schema{"type": "string"},
		"replay":          schema{"type": "boolean"},
		"created_at":      schema{"type": "string", "format": "date-time"},
		"delivered_at":    schema{"type": "string", "format": "date-time"},
		"payload":         schema{"type": "object", "description": "One delivery's view only: the body sent (the event: id, type, created_at, record, proposal, revert, report, territory, actors, tools, themes, links)."},
	}}
}

func describeOther(d *oaDoc) {
	feeds := []string{"feeds"}
	atom := response("An Atom feed.", "application/atom+xml", ref("Text"))
	d.get("/feeds/changes.atom", operation{summary: "Atom feed of applied changes", tags: feeds,
		params:    oaParams([]string{"department", "departement", "region", "tool", "limit"}, map[string]oaParam{"limit": {Description: "1 to 200 entries.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 200}}}),
		responses: responses("200", atom, "400", "500")})
	d.get("/feeds/queue.atom", operation{summary: "Atom feed of the pending queue (moderators: their API token in token=)", tags: feeds,
		params: oaParams([]string{"token", "department", "departement", "region"}, nil), responses: responses("200", atom, "400", "401", "403", "500")})
	ops := []string{"operations"}
	d.get("/healthz", operation{summary: "Liveness: the process answers", tags: ops, responses: responses("200", response("ok", mediaJSON, ref("Object")), "400")})
	d.get("/readyz", operation{summary: "Readiness: the database answers and the read model is loaded", tags: ops, responses: responses("200", response("ready", mediaJSON, ref("Object")), "503")})
	d.get("/metrics", operation{summary: "Prometheus metrics", tags: ops, responses: responses("200", response("Metrics in the Prometheus text format.", "text/plain", ref("Text")), "400")})

	mcp := []string{"mcp"}
	d.add("POST", "/mcp", "", operation{summary: "MCP (Model Context Protocol) over Streamable HTTP: one JSON-RPC 2.0 message per POST, answered as JSON", tags: mcp,
		description: "Tools find_peers, search_actors, get_actor, list_tools, get_tool, actors_in_area (read-only) and propose_change (needs Authorization: Bearer with an API token; creates a proposal as POST /api/proposals does). Resources voisinage://themes and voisinage://tools. See the README's MCP section and tools/list for the schemas. Tool errors come back as results with isError, with HTTP 200.",
		security:    []schema{{}, {"bearerAuth": []string{}}},
		body:        jsonBody(ref("JSONRPCMessage")),
		responses: responses("200", response("The JSON-RPC answer (or 202 with no body for a notification).", mediaJSON, ref("JSONRPCMessage")),
			"400", "403", "413", "415", "429", "500")})
	for _, m := range []string{"GET", "DELETE"} {
		d.add(m, "/mcp", "", operation{summary: "No sessions to open or close: the MCP server is stateless (405)", tags: mcp,
			responses: schema{"405": schema{"$ref": "#/components/responses/MethodNotAllowed"}}})
	}
}

// describeImports documents the imports (the DILA sync's runs, batches of
// adoptions) and freshness (confirmations, facts to check).
func describeImports(d *oaDoc) {
	tags := []string{"imports"}
	writeErrs := []string{"400", "401", "403", "404", "409", "413", "415", "429", "500"}
	obj := func(desc string) schema { return response(desc, mediaJSON, ref("Object")) }
	d.get("/api/imports", operation{summary: "Import runs, newest first: DILA syncs and batches of adoptions (moderators)", tags: tags, security: userAuth,
		params: []oaParam{
			{Name: "kind", In: "query", Description: "dila or adoptions.", Schema: schema{"type": "string", "enum": []string{directory.ImportDILA, directory.ImportAdoptions}}},
			{Name: "limit", In: "query", Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
		},
		responses: responses("200", obj("The runs: id, kind, author, file, file_date, source_url, status, created_at."), "400", "401", "403", "500")})
	d.get("/api/imports/:id", operation{summary: "One import run with its report (moderators)", tags: tags, security: userAuth,
		params:    []oaParam{pathParam("id", "Run id.")},
		responses: responses("200", obj("The run and its report: for a DILA sync, records read, matched, unmatched (listed), ignored by type, mairies déléguées, fields changed, conflicts sent to review; for a batch, each row's match."), "400", "401", "403", "404", "500")})
	d.add("POST", "/api/imports/adoptions", "", operation{summary: "Import a batch of adoptions (the body: CSV with ; or , or GeoJSON, one row per adoption); stored only when every row is good", tags: tags, security: userAuth,
		description: "Columns: actor (id), insee, siren, or name with departement; tool (slug or name; an unknown tool is created with tool_themes and tool_url); usage, since, status, contact, url, source_url, as_of. ?dry_run=true only reports; ?file= names the batch. A moderator's batch applies at once; anyone else's waits for review. 400 with the report when a row is ambiguous, unmatched or invalid: nothing is stored.",
		params: []oaParam{
			{Name: "dry_run", In: "query", Description: "true: match and check every row, store nothing.", Schema: schema{"type": "boolean"}},
			{Name: "file", In: "query", Description: "The batch's file name, for the report.", Schema: schema{"type": "string"}},
		},
		body:      schema{"required": true, "content": schema{mediaCSV: schema{"schema": ref("Text")}, mediaGeoJSON: schema{"schema": ref("FeatureCollection")}}},
		responses: responses("201", obj("The report: the run id, each row's match (actor, tool, status, candidates, errors, proposal_id) and counts."), writeErrs...)})
	decide := func(verb, summary string) {
		d.add("POST", "/api/imports/:id/"+verb, "", operation{summary: summary, tags: []string{"moderation"}, security: userAuth,
			params:    []oaParam{pathParam("id", "Run id (a batch of adoptions).")},
			body:      schema{"required": false, "content": content(mediaJSON, schema{"type": "object", "properties": schema{"reason": schema{"type": "string", "maxLength": 1000}}})},
			responses: responses("200", obj("How many proposals were decided."), writeErrs...)})
	}
	decide("approve", "Approve every pending proposal of a batch in one transaction, tools first: all or nothing (moderators)")
	decide("reject", "Reject every pending proposal of a batch, with a reason (moderators)")
	conf := obj("The confirmation: target, field, value, user, status (applied or pending).")
	d.add("POST", "/api/confirmations", "", operation{summary: "Confirm a fact is still true (\"toujours d'actualité\"): applied at once (201) for moderators and the actor's representatives, otherwise waits for a moderator (202)", tags: tags, security: userAuth,
		body: jsonBody(schema{"type": "object", "required": []string{"target_type", "target_id"}, "properties": schema{
			"target_type": schema{"type": "string", "enum": []string{"actor", "adoption"}},
			"target_id":   schema{"type": "string"},
			"field":       schema{"type": "string", "enum": directory.ProvenanceFields, "description": "For an actor: the field confirmed (point for its location)."}}}),
		responses: responses("201", conf, writeErrs...)})
	d.get("/api/confirmations", operation{summary: "Confirmations waiting for a moderator, oldest first (moderators)", tags: tags, security: userAuth,
		params: []oaParam{
			{Name: "limit", In: "query", Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
			{Name: "offset", In: "query", Description: "Confirmations to skip.", Schema: schema{"type": "integer", "minimum": 0}},
		},
		responses: responses("200", obj("The confirmations."), "400", "401", "403", "500")})
	for _, verb := range []string{"approve", "reject"} {
		d.add("POST", "/api/confirmations/:id/"+verb, "", operation{summary: verb + " a waiting confirmation (moderators)", tags: []string{"moderation"}, security: userAuth,
			params: []oaParam{pathParam("id", "Confirmation id.")}, body: schema{"required": false, "content": content(mediaJSON, ref("Object"))},
			responses: responses("200", conf, writeErrs...)})
	}
	d.get("/api/stale", operation{summary: "Facts to check: older than the threshold and never confirmed since (moderators)", tags: tags, security: userAuth,
		params: append(oaParams([]string{"departement", "department", "region"}, nil),
			oaParam{Name: "limit", In: "query", Description: "1 to 500.", Schema: schema{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
			oaParam{Name: "offset", In: "query", Description: "Facts to skip.", Schema: schema{"type": "integer", "minimum": 0}}),
		responses: responses("200", obj("The facts: actor, field or tool, value, as_of, source; and stale_after_years."), "400", "401", "403", "500")})
}

func describePages(d *oaDoc) {
	id := pathParam("id", "Record id.")
	d.get("/static/:hash/*name", operation{summary: "Embedded static assets, by content hash (cached for a year)", tags: []string{"pages"},
		params:    []oaParam{pathParam("hash", "Content hash."), pathParam("name", "File path.")},
		responses: responses("200", response("The asset.", "application/octet-stream", ref("Binary")), "404")})
	d.page("/", "The map: search, filters, clusters, and the list of actors in view")
	d.page("/voisins", "Find peers near a commune, by tool or theme")
	d.page("/acteurs/:id", "An actor's page", id)
	d.page("/outils", "The tool catalogue")
	d.page("/outils/:slug", "A tool's page and its adopters", pathParam("slug", "Tool slug."))
	d.page("/recherche", "Search results")
	d.page("/integrer", "Build an embeddable map")
	d.page("/embed", "The embeddable map (for an iframe)")
	d.page("/accessibilite", "The accessibility statement (RGAA), in French")
	d.page("/accessibility", "The accessibility statement (RGAA), in English")
	d.get("/carte/noms/:file", operation{summary: "The communes of a département with a point, for the maps' base drawn without a tile server: [[name, lon, lat, population, approximate 0/1], …], most populous first", tags: []string{"pages"},
		params:    []oaParam{pathParam("file", "INSEE département code followed by .json, e.g. 88.json or 2A.json.")},
		responses: responses("200", response("The names and points.", mediaJSON, schema{"type": "array", "items": schema{"type": "array", "items": schema{}}}), "404")})
	d.get("/oembed", operation{summary: "oEmbed: the iframe that embeds a map, tool or actor page", tags: []string{"pages"},
		params: oaParams(oembedParams, nil), responses: responses("200", response("oEmbed rich type.", mediaJSON, ref("Object")), "400", "404", "501")})
	d.page("/connexion", "Log in")
	d.form("/connexion", "Log in", nil)
	d.page("/inscription", "Create an account")
	d.form("/inscription", "Create an account", nil)
	d.form("/deconnexion", "Log out", cookieOnly)
	d.page("/compte", "Your account: password, API tokens, proposals")
	d.form("/compte/mot-de-passe", "Change your password", cookieOnly)
	d.form("/compte/jetons", "Create an API token", cookieOnly)
	d.form("/compte/jetons/:id/revoquer", "Revoke an API token", cookieOnly, pathParam("id", "Token id."))
	d.page("/compte/propositions", "Your proposals and their fate")
	d.page("/compte/webhooks", "Your webhooks: filter, state, last delivery (moderators and accounts with the webhooks right)")
	d.page("/compte/webhooks/nouveau", "Register a webhook")
	d.form("/compte/webhooks", "Register a webhook: the answer (201) shows its secret, once", cookieOnly)
	d.page("/compte/webhooks/:id", "A webhook: its filter, state and deliveries", pathParam("id", "Webhook id."))
	d.form("/compte/webhooks/:id/etat", "Disable a webhook (active=0) or enable it again (active=1)", cookieOnly, pathParam("id", "Webhook id."))
	d.form("/compte/webhooks/:id/supprimer", "Delete a webhook and its deliveries", cookieOnly, pathParam("id", "Webhook id."))
	d.form("/compte/webhooks/:id/livraisons/:delivery/rejouer", "Replay a delivery (a new delivery of the same event)", cookieOnly,
		pathParam("id", "Webhook id."), pathParam("delivery", "Delivery id (X-Voisinage-Delivery)."))
	d.form("/compte/propositions/:id/retirer", "Withdraw your proposal", cookieOnly, pathParam("id", "Proposal id."))
	actor, tool := pathParam("id", "Actor id."), pathParam("tool", "Tool slug.")
	for _, c := range []struct {
		path, summary string
		params        []oaParam
		auth          []schema
	}{
		{"/contribuer/acteurs/:id/corriger", "Correct an actor", []oaParam{actor}, cookieOnly},
		{"/contribuer/acteurs/:id/placer", "Place an actor on the map", []oaParam{actor}, cookieOnly},
		{"/contribuer/acteurs/:id/supprimer", "Propose deleting an actor", []oaParam{actor}, cookieOnly},
		{"/contribuer/acteurs/:id/outils", "Add a tool an actor uses", []oaParam{actor}, cookieOnly},
		{"/contribuer/acteurs/:id/outils/:tool", "Correct an adoption", []oaParam{actor, tool}, cookieOnly},
		{"/contribuer/acteurs/:id/outils/:tool/supprimer", "Propose deleting an adoption", []oaParam{actor, tool}, cookieOnly},
		{"/contribuer/nouvel-acteur", "Add an actor", nil, cookieOnly},
		{"/contribuer/nouvel-outil", "Add a tool", nil, cookieOnly},
		{"/contribuer/outils/:slug/corriger", "Correct a tool", []oaParam{pathParam("slug", "Tool slug.")}, cookieOnly},
		{"/contribuer/outils/:slug/supprimer", "Propose deleting a tool", []oaParam{pathParam("slug", "Tool slug.")}, cookieOnly},
		{"/contribuer/signaler", "Report a record (anyone)", nil, nil},
	} {
		d.page(c.path, c.summary+" (the form)", c.params...)
		d.form(c.path, c.summary, c.auth, c.params...)
	}
	d.page("/contribuer/merci/:id", "Thanks: what happens to your proposal", pathParam("id", "Proposal id."))
	d.page("/contribuer/signalement-envoye", "Thanks for your report")
	d.form("/historique/retablir", "Restore an earlier version (moderators)", cookieOnly)
	d.page("/moderation", "The moderation queue (moderators)")
	d.page("/moderation/relecture", "Changes applied at once, to review (moderators)")
	d.page("/moderation/signalements", "Open reports (moderators)")
	d.form("/moderation/propositions/:id", "Approve or reject a proposal (moderators)", cookieOnly, pathParam("id", "Proposal id."))
	d.form("/moderation/lot", "Approve or reject several proposals (moderators)", cookieOnly)
	d.form("/moderation/signalements/:id", "Close a report (moderators)", cookieOnly, pathParam("id", "Report id."))
	d.form("/moderation/utilisateurs/:id/bloquer", "Block an account (moderators)", cookieOnly, pathParam("id", "User id."))
	d.form("/moderation/utilisateurs/:id/debloquer", "Unblock an account (moderators)", cookieOnly, pathParam("id", "User id."))
	d.page("/moderation/imports", "Import runs and their reports (moderators)")
	d.page("/moderation/imports/adoptions", "Import a batch of adoptions: upload, preview, submit (moderators)")
	d.form("/moderation/imports/adoptions", "Preview or submit a batch of adoptions (moderators)", cookieOnly)
	d.page("/moderation/imports/:id", "One import run and its report (moderators)", pathParam("id", "Run id."))
	d.form("/moderation/imports/:id/decision", "Approve or reject a batch (moderators)", cookieOnly, pathParam("id", "Run id."))
	d.page("/moderation/a-verifier", "Facts to check and confirmations waiting (moderators)")
	d.form("/moderation/confirmations/:id", "Validate or discard a confirmation (moderators)", cookieOnly, pathParam("id", "Confirmation id."))
	d.form("/confirmer", "Confirm a fact is still true (\"toujours d'actualité\")", cookieOnly)
	d.page("/propositions", "The community's pending proposals: vote and comment")
	d.form("/propositions/:id/vote", "Vote on a proposal", cookieOnly, pathParam("id", "Proposal id."))
	d.form("/propositions/:id/commentaire", "Comment on a proposal", cookieOnly, pathParam("id", "Proposal id."))
}

func components() schema {
	str := func(desc string) schema { return schema{"type": "string", "description": desc} }
	integer := func(desc string) schema { return schema{"type": "integer", "description": desc} }
	obj := func(props schema, required ...string) schema {
		o := schema{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	userRef := obj(schema{"id": integer("User id."), "name": str("Display name.")})
	exception := response("", mediaJSON, ref("Exception"))
	errResp := func(desc string) schema { e := maps.Clone(exception); e["description"] = desc; return e }
	tooMany := errResp("Too many requests: wait Retry-After seconds.")
	tooMany["headers"] = schema{"Retry-After": schema{"description": "Seconds to wait.", "schema": schema{"type": "integer"}}}
	return schema{
		"securitySchemes": schema{
			"cookieAuth": schema{"type": "apiKey", "in": "cookie", "name": sessionCookie,
				"description": "The session cookie set by POST /api/login or /api/register (HttpOnly, SameSite=Lax). Cross-site writes are refused."},
			"bearerAuth": schema{"type": "http", "scheme": "bearer", "bearerFormat": "vsn_…",
				"description": "An API token from POST /api/tokens (or the account page), as Authorization: Bearer vsn_…; it acts with its owner's role."},
		},
		"schemas": schema{
			"Object":     schema{"type": "object"},
			"Text":       schema{"type": "string"},
			"Binary":     schema{"type": "string", "format": "binary"},
			"JSONSchema": schema{"type": "object", "description": "A JSON Schema (draft 2020-12) document."},
			"Feature": schema{"type": "object", "required": []string{"type", "geometry", "properties"},
				"properties": schema{"type": schema{"type": "string", "enum": []string{"Feature"}},
					"id": schema{"type": "string"}, "geometry": schema{"type": "object", "nullable": true},
					"properties": schema{"type": "object"}}},
			"FeatureCollection": schema{"type": "object", "required": []string{"type", "features"},
				"properties": schema{"type": schema{"type": "string", "enum": []string{"FeatureCollection"}},
					"features":       schema{"type": "array", "items": ref("Feature")},
					"numberMatched":  schema{"type": "integer", "description": "How many features match, when counting costs no more than the page; absent otherwise (never an estimate)."},
					"numberReturned": schema{"type": "integer"},
					"links":          schema{"type": "array", "items": schema{"type": "object"}},
					"warnings": schema{"type": "array", "items": schema{"type": "string"},
						"description": "Present when the request looks mistaken but was answered as given: on /api/nearby, /api/clusters and items, a point or bbox far from every French territory whose longitude and latitude, swapped, fall in one (\"lon and lat look swapped: …\"). Absent otherwise."}}},
			"Exception": schema{"type": "object", "required": []string{"code", "description"},
				"properties": schema{"code": str("Error code: invalid, not_found, conflict, unauthorized, forbidden, too_many, unavailable, internal…"),
					"description": str("What went wrong and what to fix, in English; the wording may change."),
					"key": str("A stable name for the kind of error (e.g. field.too_long), for clients that word or translate errors themselves: " +
						"the description may change, the key does not."),
					"args":   ref("ErrorArgs"),
					"fields": schema{"type": "object", "additionalProperties": schema{"type": "string"}, "description": "Parameter or field name → what to fix."},
					"field_keys": schema{"type": "object", "description": "Parameter or field name → the key and arguments of its problem.",
						"additionalProperties": schema{"type": "object", "required": []string{"key"}, "properties": schema{"key": str(""), "args": ref("ErrorArgs")}}},
					"conflicts":     schema{"type": "object", "additionalProperties": schema{"type": "object", "properties": schema{"base": schema{}, "yours": schema{}, "current": schema{}}}, "description": "Field → the value your change was made against, yours, and the current one."},
					"retry_after_s": integer("Seconds to wait (429)."),
				}},
			"ErrorArgs":      schema{"type": "object", "description": "The values the key's wording names, e.g. {\"max\": 200}.", "additionalProperties": schema{}},
			"Registration":   obj(schema{"email": schema{"type": "string", "format": "email"}, "display_name": schema{"type": "string", "minLength": 2, "maxLength": 60}, "password": schema{"type": "string", "minLength": directory.MinPasswordLength, "maxLength": directory.MaxPasswordLength}}, "email", "display_name", "password"),
			"Login":          obj(schema{"email": schema{"type": "string", "format": "email"}, "password": schema{"type": "string"}}, "email", "password"),
			"PasswordChange": obj(schema{"current_password": schema{"type": "string"}, "new_password": schema{"type": "string", "minLength": directory.MinPasswordLength, "maxLength": directory.MaxPasswordLength}}, "current_password", "new_password"),
			"User": obj(schema{"id": integer("User id."), "email": str("Only shown to the user themself."), "display_name": str(""), "role": schema{"type": "string", "enum": directory.Roles},
				"blocked_until": schema{"type": "string", "format": "date-time"}, "represents": schema{"type": "array", "items": schema{"type": "string"}, "description": "Actor ids the user verifiably represents."}}),
			"Token": obj(schema{"id": integer(""), "name": str(""), "prefix": str("First characters, to recognise it."), "token": str("The secret: only in the answer that creates it."),
				"created_at": schema{"type": "string", "format": "date-time"}, "last_used_at": schema{"type": "string", "format": "date-time"}, "revoked_at": schema{"type": "string", "format": "date-time"}}),
			"ProposalInput": obj(schema{
				"target_type":  schema{"type": "string", "enum": directory.RecordTypes},
				"target_id":    str("The record to change (actor id, tool slug, adoption-{actor}-{tool}); optional for a creation (derived from the name)."),
				"action":       schema{"type": "string", "enum": directory.Actions},
				"base_version": integer("The version you are correcting (properties.version); not for a creation."),
				"changes":      schema{"type": "object", "additionalProperties": true, "description": "Field → new value. Actor fields: name, kind, code, siren, departement, region, parents, postal_codes, population, website, email, phone, address, description, labels, lon, lat; tool: name, description, url, tutorial_url, licence, free_software, themes; adoption: actor, tool, usage, since, status, contact, url."},
				"geometry":     schema{"type": "object", "description": "For place: a GeoJSON Point instead of changes.lon/lat.", "properties": schema{"type": schema{"type": "string", "enum": []string{"Point"}}, "coordinates": schema{"type": "array", "items": schema{"type": "number"}, "minItems": 2, "maxItems": 2}}},
				"comment":      schema{"type": "string", "maxLength": 2000},
				"source":       schema{"type": "string", "maxLength": 500, "description": "Where the fact comes from (a URL or a reference)."},
			}, "target_type", "action"),
			"Proposal": obj(schema{
				"id": integer(""), "author": userRef, "target_type": str(""), "target_id": str(""), "target_name": str(""),
				"action": str(""), "base_version": integer(""), "current_version": integer(""),
				"changes":   schema{"type": "object", "additionalProperties": schema{"type": "object", "properties": schema{"old": schema{}, "new": schema{}, "current": schema{}}}},
				"conflicts": schema{"type": "object", "additionalProperties": true},
				"comment":   str(""), "source": str(""),
				"duplicates":   schema{"type": "array", "items": schema{"type": "object"}},
				"status":       schema{"type": "string", "enum": directory.ProposalStatuses},
				"needs_review": schema{"type": "boolean"}, "approved_by": str("moderator, votes, trust or representative"),
				"applied_version": integer(""), "reviewer": userRef, "reviewed_at": schema{"type": "string", "format": "date-time"},
				"reason": str(""), "votes": obj(schema{"for": integer(""), "against": integer(""), "mine": integer("")}),
				"departement": str(""), "region": str(""), "comments": schema{"type": "array", "items": schema{"type": "object"}},
				"created_at": schema{"type": "string", "format": "date-time"}, "updated_at": schema{"type": "string", "format": "date-time"},
			}),
			"Decision":   obj(schema{"reason": schema{"type": "string", "maxLength": 1000}, "resolutions": schema{"type": "object", "additionalProperties": schema{"type": "string", "enum": []string{"yours", "current"}}}}),
			"BulkReview": obj(schema{"action": schema{"type": "string", "enum": []string{"approve", "reject"}}, "ids": schema{"type": "array", "items": schema{"type": "integer"}, "minItems": 1, "maxItems": 200}, "reason": schema{"type": "string"}}, "action", "ids"),
			"ReportInput": obj(schema{"target_type": schema{"type": "string", "enum": directory.RecordTypes}, "target_id": str(""),
				"reason": schema{"type": "string", "enum": directory.ReportReasons}, "comment": schema{"type": "string", "maxLength": 2000}}, "target_type", "target_id", "reason"),
			"Report": obj(schema{"id": integer(""), "target_type": str(""), "target_id": str(""), "reason": str(""), "comment": str(""), "reporter": userRef,
				"status": schema{"type": "string", "enum": []string{"open", "resolved", "dismissed"}}, "resolver": userRef, "resolution": str(""),
				"resolved_at": schema{"type": "string", "format": "date-time"}, "created_at": schema{"type": "string", "format": "date-time"}}),
			"History": obj(schema{"record_type": str(""), "record_id": str(""), "versions": schema{"type": "array", "items": obj(schema{
				"version": integer(""), "action": str("import, create, update, delete, place, revert"), "author": userRef, "proposal_id": integer(""),
				"reason": str(""), "changes": schema{"type": "object"}, "created_at": schema{"type": "string", "format": "date-time"}})}}),
			"Webhook":         webhookSchema(),
			"WebhookInput":    webhookInputSchema(),
			"WebhookDelivery": webhookDeliverySchema(),
			"JSONRPCMessage": obj(schema{"jsonrpc": schema{"type": "string", "enum": []string{"2.0"}}, "id": schema{"description": "Request id (absent for a notification)."},
				"method": str("initialize, tools/list, tools/call, resources/list, resources/read…"), "params": schema{"type": "object"},
				"result": schema{"type": "object"}, "error": schema{"type": "object"}}, "jsonrpc"),
		},
		"responses": schema{
			"BadRequest":           errResp("A parameter or field is missing or has a bad value; fields names each one and what is accepted."),
			"Unauthorized":         errResp("Log in first: a session cookie or an API token."),
			"Forbidden":            errResp("Your role does not allow this, your account is blocked, or a cross-site write was refused."),
			"NotFound":             errResp("No such record, collection or page."),
			"MethodNotAllowed":     errResp("The method is not allowed here (see Allow)."),
			"Conflict":             errResp("The record changed since the version you started from (conflicts gives both values), or the action was already taken."),
			"TooLarge":             errResp("The body is larger than 1 MiB."),
			"UnsupportedMediaType": errResp("Send JSON with Content-Type: application/json."),
			"TooMany":              tooMany,
			"ServerError":          errResp("An internal error (logged)."),
			"NotImplemented":       errResp("Not implemented (an oEmbed format other than json)."),
			"Unavailable":          errResp("Not ready yet (an index being built, the database busy): retry shortly."),
		},
	}
}
