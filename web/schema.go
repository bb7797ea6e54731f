package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// mediaSchemaJSON is the media type of JSON Schema documents.
const mediaSchemaJSON = "application/schema+json"

// Link relations of a collection's schema and queryables. GDAL 3.6 looks for
// "describedBy" (with that capital B) and "queryables"; OGC API – Features
// names them by URI; RFC 8288's registered name is "describedby".
const (
	relQueryablesOGC = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	relSchemaOGC     = "http://www.opengis.net/def/rel/ogc/1.0/schema"
)

// collectionProperties returns the properties of collection id's features.
func collectionProperties(id string) []directory.Property {
	if id == "adoptions" {
		return directory.AdoptionProperties
	}
	return directory.ActorProperties
}

// propertySchema is the JSON Schema of one property.
func propertySchema(p directory.Property) gin.H {
	s := gin.H{"type": p.Type, "title": p.Name, "description": p.Description}
	if p.Format != "" {
		s["format"] = p.Format
	}
	if len(p.Enum) > 0 {
		s["enum"] = p.Enum
	}
	if p.Type == "array" {
		items := gin.H{"type": p.Items}
		if p.Items == "object" {
			items["additionalProperties"] = true
		}
		s["items"] = items
	}
	return s
}

func (s *Server) registerSchemaRoutes() {
	s.get("/api/collections/:collection/queryables", s.handleQueryables)
	s.get("/api/collections/:collection/schema", s.handleSchema)
}

// handleQueryables answers OGC API – Features Part 3's queryables: the
// properties the items route filters on by equality (?kind=commune), with
// their types. Only those: a client may send a filter on a queryable to the
// server, which would refuse one it cannot apply. Every property is in the
// schema.
func (s *Server) handleQueryables(c *gin.Context) {
	id, ok := s.findCollection(c)
	if !ok || !s.metaParams(c) {
		return
	}
	base := s.baseURL(c.Request)
	props := gin.H{}
	for _, p := range collectionProperties(id) {
		if p.Filter == "" {
			continue
		}
		ps := propertySchema(p)
		ps["description"] = p.Description + " Filter: ?" + p.Filter + "=value (several values comma-separated)."
		props[p.Name] = ps
	}
	s.writeJSON(c, http.StatusOK, mediaSchemaJSON, gin.H{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  base + "/api/collections/" + id + "/queryables",
		"type":                 "object",
		"title":                collectionTitle(id),
		"description":          "Properties of the " + id + " collection that the items route filters on by equality. Every property, with its type, is in the collection's schema (" + base + "/api/collections/" + id + "/schema).",
		"properties":           props,
		"additionalProperties": false,
	})
}

// handleSchema answers the JSON Schema of one feature of the collection in
// its GeoJSON encoding, every property listed with its type (OGC API –
// Features Part 5): GDAL and QGIS create every column from it, whatever
// the first page of items happens to hold.
func (s *Server) handleSchema(c *gin.Context) {
	id, ok := s.findCollection(c)
	if !ok || !s.metaParams(c) {
		return
	}
	base := s.baseURL(c.Request)
	props := gin.H{}
	var order []string
	for _, p := range collectionProperties(id) {
		// properties.id repeats the feature's id, which the schema gives
		// above: GDAL takes an "id" column from the features and would make
		// a second one ("id2") from the schema.
		if p.Name == "id" {
			continue
		}
		props[p.Name] = propertySchema(p)
		order = append(order, p.Name)
	}
	s.writeJSON(c, http.StatusOK, mediaSchemaJSON, gin.H{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         base + "/api/collections/" + id + "/schema",
		"title":       collectionTitle(id),
		"description": "A feature of the " + id + " collection (GeoJSON, RFC 7946). Properties absent from a feature are unknown or empty; properties.id repeats the feature's id.",
		"type":        "object",
		"required":    []string{"type", "geometry", "properties"},
		"properties": gin.H{
			"type": gin.H{"type": "string", "enum": []string{"Feature"}},
			"id":   gin.H{"type": "string", "x-ogc-role": "id"},
			"geometry": gin.H{"x-ogc-role": "primary-geometry", "format": "geometry-point",
				"description": "The point ([lon, lat], WGS 84), null when unknown.",
				"oneOf": []gin.H{{"type": "null"}, {"type": "object", "required": []string{"type", "coordinates"},
					"properties": gin.H{"type": gin.H{"type": "string", "enum": []string{"Point"}},
						"coordinates": gin.H{"type": "array", "minItems": 2, "maxItems": 2, "items": gin.H{"type": "number"}}}}}},
			"properties": gin.H{"type": "object", "properties": props, "x-property-order": order},
			"links":      gin.H{"type": "array", "items": gin.H{"type": "object"}},
		},
	})
}

func collectionTitle(id string) string {
	for _, col := range collections {
		if col.id == id {
			return col.title
		}
	}
	return id
}
