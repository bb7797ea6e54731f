package web

import (
	"encoding/json"
	"fmt"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/geo"
)

// openAPIDocument is the OpenAPI 3.0 definition served at /api/openapi.json.
// Its parameters are generated from the same lists the handlers accept, so
// the document cannot declare less (or more) than the API takes.
var openAPIDocument = mustOpenAPI()

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

// paramDocs describes every query parameter of the API.
var paramDocs = map[string]oaParam{
	"bbox": {Description: "Bounding box minLon,minLat,maxLon,maxLat in WGS 84 (CRS84) degrees; 6 numbers with heights are accepted (heights ignored). minLon > maxLon crosses the antimeridian.",
		Style: "form", Explode: &no, Schema: map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}},
	"limit": {Description: fmt.Sprintf("Number of items per page, 1 to %d (larger values are treated as %d).", directory.MaxLimit, directory.MaxLimit),
		Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": directory.MaxLimit, "default": 10}},
	"offset":   {Description: "Number of matching items to skip (paging; follow the next/prev links).", Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}},
	"datetime": {Description: "Last-update time of the items: an RFC 3339 date-time or date, or an interval start/end with .. for an open end.", Schema: map[string]any{"type": "string"}},
	"f":        {Description: "Output format.", Schema: map[string]any{"type": "string", "enum": []string{"json", "geojson", "csv"}}},
	"kind": {Description: "Actor kinds, comma-separated.", Style: "form", Explode: &no,
		Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": directory.Kinds}}},
	"department":  {Description: "Département codes (INSEE), comma-separated, e.g. 88,2A,974.", Style: "form", Explode: &no, Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	"departement": {Description: "Same as department (the name of the feature property).", Style: "form", Explode: &no, Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	"region":      {Description: "Région codes (INSEE), comma-separated, e.g. 44,53.", Style: "form", Explode: &no, Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	"tool":        {Description: "Tool slugs (see /api/tools), comma-separated: actors with an in-use adoption of one of them.", Style: "form", Explode: &no, Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	"theme": {Description: "Themes, comma-separated: actors using a tool of one of them.", Style: "form", Explode: &no,
		Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": directory.Themes}}},
	"q": {Description: "Words of the name, each matched as a prefix; accents, case and ligatures ignored (oeuilly finds Œuilly, st germain en l finds Saint-Germain-en-Laye); one typo forgiven in a word of five letters or more that matches nothing as typed (epinall finds Épinal, brset Brest); or an official code given whole: INSEE code (88160), SIREN (218801603) or postal code (88000: every commune that has it). Best match first in /search: code, postal code, whole name, name start, other matches, then the same after a typo.",
		Schema: map[string]any{"type": "string", "maxLength": directory.MaxQueryLength}},
	"precision": {Description: "Point precisions, comma-separated (exact = the place's own point).", Style: "form", Explode: &no,
		Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": directory.Precisions}}},
	"parent": {Description: "Actor ids, comma-separated: actors that have one of them among their parents (parent=epci-200068757: the member communes of that EPCI).", Style: "form", Explode: &no,
		Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	"population_min": {Description: "Minimum population.", Schema: map[string]any{"type": "integer", "minimum": 0}},
	"population_max": {Description: "Maximum population.", Schema: map[string]any{"type": "integer", "minimum": 0}},
	"lon":            {Description: "Longitude of the query point, WGS 84 degrees (-180 to 180). Required unless actor is given.", Schema: map[string]any{"type": "number", "minimum": -180, "maximum": 180}},
	"lat":            {Description: "Latitude of the query point, WGS 84 degrees (-90 to 90). Required unless actor is given.", Schema: map[string]any{"type": "number", "minimum": -90, "maximum": 90}},
	"actor":          {Description: "Start from this actor's point instead of lon/lat (the actor itself is left out of the results).", Schema: map[string]any{"type": "string"}},
	"zoom": {Description: fmt.Sprintf("Web map zoom level, 0 to %d (256-pixel tiles, as Leaflet's getZoom()); actors are clustered up to zoom %d and all alone above it.", geo.MaxClusterZoom, directory.ClusterMaxZoom),
		Required: true, Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": geo.MaxClusterZoom}},
	"max_km": {Description: "Only actors within this great-circle distance, in kilometres.", Schema: map[string]any{"type": "number", "exclusiveMinimum": 0, "maximum": 20040}},
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
	return oaParam{Name: name, In: "path", Required: true, Description: description, Schema: map[string]any{"type": "string"}}
}

func response(description, media string, schema map[string]any) map[string]any {
	return map[string]any{"description": description, "content": map[string]any{media: map[string]any{"schema": schema}}}
}

// itemsDescription says how items are ordered and when numberMatched is given.
const itemsDescription = "Actors come in one stable order: those with a point along a Hilbert curve over longitude and latitude, " +
	"then those without a point; offset pages through it, and following the next links from the first page gives every match " +
	"exactly once while the data do not change (the ETag says when they do). A page costs what it returns, not what matches. " +
	"numberMatched is exact or absent, never an estimate: it is given for a bbox alone or with values of one of kind, " +
	"department or region (and without bbox), when the matches come from a small list (tool, theme, the words of q), and when " +
	"checking the remaining candidates costs no more than the page (at most 4096 + 32 × limit of them); otherwise it is left " +
	"out, and the next link alone says whether more follow."

func op(summary, id string, ps []oaParam, media string, schemaRef string, extra map[string]any, description ...string) map[string]any {
	responses := map[string]any{
		"200": response(summary, media, map[string]any{"$ref": schemaRef}),
		"400": map[string]any{"$ref": "#/components/responses/BadRequest"},
		"500": map[string]any{"$ref": "#/components/responses/ServerError"},
	}
	for k, v := range extra {
		responses[k] = v
	}
	get := map[string]any{"summary": summary, "operationId": id, "parameters": ps, "responses": responses}
	if len(description) > 0 {
		get["description"] = description[0]
	}
	return map[string]any{"get": get}
}

func mustOpenAPI() []byte {
	notFound := map[string]any{"404": map[string]any{"$ref": "#/components/responses/NotFound"}}
	search := map[string]oaParam{
		"limit": {Description: "Number of suggestions, 1 to 100.", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
		"q":     {Description: paramDocs["q"].Description, Required: true, Schema: paramDocs["q"].Schema},
	}
	nearby := map[string]oaParam{
		"limit": {Description: fmt.Sprintf("Number of actors, 1 to %d.", directory.MaxNearby), Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": directory.MaxNearby, "default": 10}},
	}
	itemsOnly := map[string]oaParam{"f": {Description: "Output format.", Schema: map[string]any{"type": "string", "enum": []string{"json", "geojson"}}}}
	metaF := map[string]oaParam{"f": {Description: "Output format.", Schema: map[string]any{"type": "string", "enum": []string{"json"}}}}
	collectionParam := oaParam{Name: "collection", In: "path", Required: true, Description: "Collection id.",
		Schema: map[string]any{"type": "string", "enum": []string{"actors", "adoptions"}}}

	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "voisinage API",
			"version":     "1.0.0",
			"description": "OGC API – Features (Part 1: Core, GeoJSON) over the French public actors of voisinage and the digital tools they use, plus nearest-neighbour search, name search, tools and bulk exports. Coordinates are WGS 84 longitude, latitude (RFC 7946), rounded to 6 decimals. " + attribution,
			"license":     map[string]any{"name": "Licence Ouverte 2.0 (Etalab); GeoNames points CC BY 4.0", "url": licenceEtalab},
		},
		"servers": []map[string]any{{"url": "/api"}},
		"paths": map[string]any{
			"/":                               op("Landing page", "getLandingPage", oaParams(metaParams, metaF), mediaJSON, "#/components/schemas/Object", nil),
			"/openapi.json":                   op("This API definition", "getAPIDefinition", oaParams(metaParams, metaF), mediaOpenAPI, "#/components/schemas/Object", nil),
			"/conformance":                    op("Conformance classes", "getConformance", oaParams(metaParams, metaF), mediaJSON, "#/components/schemas/Object", nil),
			"/collections":                    op("Collections", "getCollections", oaParams(metaParams, metaF), mediaJSON, "#/components/schemas/Object", nil),
			"/collections/{collection}":       withPath(op("A collection", "describeCollection", oaParams(metaParams, metaF), mediaJSON, "#/components/schemas/Object", notFound), collectionParam),
			"/collections/{collection}/items": withPath(op("Features of a collection, filtered and paged", "getFeatures", oaParams(itemsParams, nil), mediaGeoJSON, "#/components/schemas/FeatureCollection", notFound, itemsDescription), collectionParam),
			"/collections/{collection}/items/{featureId}": withPath(op("One feature", "getFeature", oaParams(itemParams, itemsOnly), mediaGeoJSON, "#/components/schemas/Feature", notFound),
				collectionParam, pathParam("featureId", "Feature id, e.g. commune-88160, epci-200068120, departement-88, prefecture-88.")),
			"/nearby":   op("Actors nearest to a point by great-circle distance, nearest first, each with distance_m", "getNearby", oaParams(nearbyParams, nearby), mediaGeoJSON, "#/components/schemas/FeatureCollection", notFound),
			"/clusters": op("What a map shows at a zoom: clusters (properties cluster: true, cluster_id, count, expansion_zoom, bbox, and ids when they hold 10 actors or fewer) and actors alone (their usual features), counting each matching actor once", "getClusters", oaParams(clusterParams, nil), mediaGeoJSON, "#/components/schemas/FeatureCollection", nil),
			"/tiles/{z}/{x}/{y}.mvt": withPath(op("A Mapbox Vector Tile (layer actors): clusters (cluster, cluster_id, count, expansion_zoom) and actors alone (id, kind, name); gzipped when the client accepts it", "getTile", oaParams(tileParams, nil), mediaMVT, "#/components/schemas/Binary", nil),
				oaParam{Name: "z", In: "path", Required: true, Description: fmt.Sprintf("Zoom, 0 to %d.", geo.MaxTileZoom), Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": geo.MaxTileZoom}},
				oaParam{Name: "x", In: "path", Required: true, Description: "Column, 0 to 2^z-1, from the antimeridian eastward.", Schema: map[string]any{"type": "integer", "minimum": 0}},
				oaParam{Name: "y", In: "path", Required: true, Description: "Row, 0 to 2^z-1, from the north (XYZ scheme).", Schema: map[string]any{"type": "integer", "minimum": 0}}),
			"/search":                op("Search actors by name as you type", "search", oaParams(searchParams, search), mediaGeoJSON, "#/components/schemas/FeatureCollection", nil),
			"/tools":                 op("Tools, with their themes and adopter counts", "getTools", oaParams(toolsParams, map[string]oaParam{"theme": {Description: "One theme.", Schema: map[string]any{"type": "string", "enum": directory.Themes}}, "q": {Description: "Words of the tool's name or description.", Schema: map[string]any{"type": "string"}}}), mediaJSON, "#/components/schemas/Object", nil),
			"/tools/{slug}":          withPath(op("A tool and its adopters", "getTool", oaParams(toolParams, nil), mediaJSON, "#/components/schemas/Object", notFound), pathParam("slug", "Tool slug.")),
			"/themes":                op("The eight themes", "getThemes", nil, mediaJSON, "#/components/schemas/Object", nil),
			"/export/actors.geojson": op("Every actor as one GeoJSON FeatureCollection, with licence and attribution", "exportGeoJSON", nil, mediaGeoJSON, "#/components/schemas/FeatureCollection", nil),
			"/export/actors.csv":     op("Every actor as CSV (UTF-8, one row per actor, licence in the last column)", "exportCSV", nil, mediaCSV, "#/components/schemas/Text", nil),
		},
		"components": map[string]any{
			"schemas": map[string]any{
				"Object": map[string]any{"type": "object"},
				"Text":   map[string]any{"type": "string"},
				"Binary": map[string]any{"type": "string", "format": "binary"},
				"Feature": map[string]any{"type": "object", "required": []string{"type", "geometry", "properties"},
					"properties": map[string]any{"type": map[string]any{"type": "string", "enum": []string{"Feature"}},
						"id": map[string]any{"type": "string"}, "geometry": map[string]any{"type": "object", "nullable": true},
						"properties": map[string]any{"type": "object"}}},
				"FeatureCollection": map[string]any{"type": "object", "required": []string{"type", "features"},
					"properties": map[string]any{"type": map[string]any{"type": "string", "enum": []string{"FeatureCollection"}},
						"features":       map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Feature"}},
						"numberMatched":  map[string]any{"type": "integer", "description": "How many features match, when counting costs no more than the page; absent otherwise (never an estimate)."},
						"numberReturned": map[string]any{"type": "integer"},
						"links":          map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}},
				"Exception": map[string]any{"type": "object", "required": []string{"code"},
					"properties": map[string]any{"code": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"},
						"fields": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "Parameter or field name → what to fix."}}},
			},
			"responses": map[string]any{
				"BadRequest":  response("A parameter is unknown or has a bad value; fields names each one and what is accepted.", mediaJSON, map[string]any{"$ref": "#/components/schemas/Exception"}),
				"NotFound":    response("No such collection or feature.", mediaJSON, map[string]any{"$ref": "#/components/schemas/Exception"}),
				"ServerError": response("An internal error.", mediaJSON, map[string]any{"$ref": "#/components/schemas/Exception"}),
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func withPath(path map[string]any, ps ...oaParam) map[string]any {
	get := path["get"].(map[string]any)
	get["parameters"] = append(ps, get["parameters"].([]oaParam)...)
	return path
}
