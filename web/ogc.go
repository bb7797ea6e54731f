package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Media types.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mediaCSV     = "text/csv"
	mediaHTML    = "text/html"
)

// Licences and attribution of the data, stated on every export and collection.
const (
	attribution     = "Données : découpage administratif Etalab (Licence Ouverte 2.0), points GeoNames (CC BY 4.0), faits tirés des articles cités en source ; contributeurs de voisinage."
	licenceEtalab   = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
	licenceGeoNames = "https://creativecommons.org/licenses/by/4.0/"
)

// conformance classes of OGC API – Features Part 1 that the API implements.
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
}

// link is an OGC / RFC 8288 link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func licenceLinks() []link {
	return []link{
		{Href: licenceEtalab, Rel: "license", Type: "text/html", Title: "Licence Ouverte / Open Licence 2.0 (Etalab)"},
		{Href: licenceGeoNames, Rel: "license", Type: "text/html", Title: "GeoNames points: CC BY 4.0"},
	}
}

// Parameters accepted by each OGC route.
var (
	itemsParams = []string{"bbox", "limit", "offset", "datetime", "f", "kind", "department", "departement",
		"region", "tool", "theme", "q", "precision", "population_min", "population_max", "parent", "stale", "verified_since"}
	itemParams = []string{"f"}
	metaParams = []string{"f"}
)

// collections served, with their descriptions.
var collections = []struct{ id, title, description string }{
	{"actors", "Acteurs publics", "Communes, intercommunalités (EPCI), départements, régions, préfectures, sous-préfectures, réseaux et associations, with their point and its precision."},
	{"adoptions", "Adoptions d'outils", "Which actor uses which digital tool, what for, since when and whom to contact; the point is the adopter's."},
}

func (s *Server) registerOGCRoutes() {
	s.get("/api", s.handleLanding)
	s.get("/api/openapi.json", s.handleOpenAPI)
	s.get("/api/conformance", s.handleConformance)
	s.get("/api/collections", s.handleCollections)
	s.get("/api/collections/:collection", s.handleCollection)
	s.get("/api/collections/:collection/items", s.handleItems)
	s.get("/api/collections/:collection/items/:id", s.handleItem)
	s.registerSchemaRoutes()
}

// metaFormat checks the f parameter of a metadata route (only JSON is served).
func (s *Server) metaParams(c *gin.Context) bool {
	p := parseParams(c.Request.URL.RawQuery, metaParams)
	p.oneOf("f", "json", "json")
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return false
	}
	return true
}

func (s *Server) handleLanding(c *gin.Context) {
	if !s.metaParams(c) {
		return
	}
	base := s.baseURL(c.Request)
	links := []link{
		{Href: base + "/api", Rel: "self", Type: mediaJSON, Title: "This document"},
		{Href: base + "/api/openapi.json", Rel: "service-desc", Type: mediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
		{Href: base + "/api/conformance", Rel: "conformance", Type: mediaJSON, Title: "Conformance classes implemented"},
		{Href: base + "/api/collections", Rel: "data", Type: mediaJSON, Title: "Collections"},
		{Href: base + "/api/export/actors.geojson", Rel: "enclosure", Type: mediaGeoJSON, Title: "Every actor (GeoJSON)"},
		{Href: base + "/api/export/actors.csv", Rel: "enclosure", Type: mediaCSV, Title: "Every actor (CSV)"},
	}
	links = append(links, licenceLinks()...)
	s.writeJSON(c, http.StatusOK, mediaJSON, gin.H{
		"title":       "voisinage",
		"description": "Annuaire géolocalisé et collaboratif des acteurs publics français et des outils numériques qu'ils utilisent (OGC API – Features).",
		"attribution": attribution,
		"links":       links,
	})
}

func (s *Server) handleOpenAPI(c *gin.Context) {
	if !s.metaParams(c) {
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, mediaOpenAPI, openAPIDocument)
}

func (s *Server) handleConformance(c *gin.Context) {
	if !s.metaParams(c) {
		return
	}
	s.writeJSON(c, http.StatusOK, mediaJSON, gin.H{"conformsTo": conformance})
}

func (s *Server) collectionDoc(base, id, title, description string) gin.H {
	ext := s.dir.Extent()
	links := []link{
		{Href: base + "/api/collections/" + id, Rel: "self", Type: mediaJSON, Title: title},
		{Href: base + "/api/collections/" + id + "/items", Rel: "items", Type: mediaGeoJSON, Title: title + " (GeoJSON)"},
		{Href: base + "/api/collections/" + id + "/items?f=csv", Rel: "items", Type: mediaCSV, Title: title + " (CSV)"},
		{Href: base + "/api/collections/" + id + "/schema", Rel: relSchemaOGC, Type: mediaSchemaJSON, Title: "Schema of the features: every property with its type"},
		{Href: base + "/api/collections/" + id + "/schema", Rel: "describedby", Type: mediaSchemaJSON, Title: "Schema of the features"},
		{Href: base + "/api/collections/" + id + "/schema", Rel: "describedBy", Type: mediaSchemaJSON, Title: "Schema of the features (the spelling GDAL reads)"},
		{Href: base + "/api/collections/" + id + "/queryables", Rel: relQueryablesOGC, Type: mediaSchemaJSON, Title: "Queryables: the properties items filters on"},
		{Href: base + "/api/collections/" + id + "/queryables", Rel: "queryables", Type: mediaSchemaJSON, Title: "Queryables"},
	}
	links = append(links, licenceLinks()...)
	return gin.H{
		"id":          id,
		"title":       title,
		"description": description,
		"attribution": attribution,
		"itemType":    "feature",
		"crs":         []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		"extent": gin.H{"spatial": gin.H{
			"bbox": [][]float64{{directory.Round6(ext.Min.Lon()), directory.Round6(ext.Min.Lat()),
				directory.Round6(ext.Max.Lon()), directory.Round6(ext.Max.Lat())}},
			"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
		}},
		"links": links,
	}
}

func (s *Server) handleCollections(c *gin.Context) {
	if !s.metaParams(c) {
		return
	}
	base := s.baseURL(c.Request)
	var docs []gin.H
	for _, col := range collections {
		docs = append(docs, s.collectionDoc(base, col.id, col.title, col.description))
	}
	s.writeJSON(c, http.StatusOK, mediaJSON, gin.H{
		"links":       []link{{Href: base + "/api/collections", Rel: "self", Type: mediaJSON, Title: "Collections"}},
		"collections": docs,
	})
}

// keyNoCollection: an OGC collection that does not exist.
var keyNoCollection = directory.NewKey("ogc.no_collection", "no collection {id:q}: see /api/collections")

func (s *Server) findCollection(c *gin.Context) (string, bool) {
	id := c.Param("collection")
	for _, col := range collections {
		if col.id == id {
			return id, true
		}
	}
	s.writeError(c, directory.NewError(directory.ENOTFOUND, keyNoCollection, directory.Args{"id": id}))
	return "", false
}

func (s *Server) handleCollection(c *gin.Context) {
	id, ok := s.findCollection(c)
	if !ok || !s.metaParams(c) {
		return
	}
	for _, col := range collections {
		if col.id == id {
			s.writeJSON(c, http.StatusOK, mediaJSON, s.collectionDoc(s.baseURL(c.Request), col.id, col.title, col.description))
		}
	}
}

// actorFilter reads the property filters shared by items, nearby and clusters.
func actorFilter(p *params) directory.ActorFilter {
	f := directory.ActorFilter{
		Kinds:        p.list("kind"),
		Departements: append(p.list("department"), p.list("departement")...),
		Regions:      p.list("region"),
		Tools:        p.list("tool"),
		Themes:       p.list("theme"),
		Q:            p.str("q"),
		Precisions:   p.list("precision"),
		Parents:      p.list("parent"),
	}
	f.PopulationMin = p.integer("population_min", 0, 0, 1<<30, false)
	f.PopulationMax = p.integer("population_max", 0, 0, 1<<30, false)
	f.Stale = p.boolean("stale")
	f.VerifiedSince = p.since("verified_since")
	return f
}

func (s *Server) handleItems(c *gin.Context) {
	col, ok := s.findCollection(c)
	if !ok {
		return
	}
	p := parseParams(c.Request.URL.RawQuery, itemsParams)
	f := actorFilter(p)
	f.Bound = p.bbox("bbox")
	f.Limit = p.integer("limit", 10, 1, directory.MaxLimit, true)
	f.Offset = p.integer("offset", 0, 0, 1<<31-1, false)
	f.UpdatedFrom, f.UpdatedTo = p.datetime("datetime")
	format := p.oneOf("f", "json", "json", "geojson", "csv")
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	if format == "csv" {
		s.handleItemsCSV(c, col, f)
		return
	}
	var page *directory.FeaturePage
	var err error
	if col == "adoptions" {
		page, err = s.dir.FindAdoptions(ctx, f)
	} else {
		page, err = s.dir.FindActors(ctx, f)
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	defer page.Release() // once written
	base := s.baseURL(c.Request)
	self := base + c.Request.URL.Path
	links := []link{
		{Href: pageURL(self, p.values, f.Offset, f.Limit, ""), Rel: "self", Type: mediaGeoJSON, Title: "This page"},
		{Href: pageURL(self, p.values, f.Offset, f.Limit, "csv"), Rel: "alternate", Type: mediaCSV, Title: "This page as CSV"},
		{Href: base + "/api/collections/" + col, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}
	if page.More {
		links = append(links, link{Href: pageURL(self, p.values, f.Offset+f.Limit, f.Limit, ""), Rel: "next", Type: mediaGeoJSON, Title: "Next page"})
	}
	if f.Offset > 0 {
		links = append(links, link{Href: pageURL(self, p.values, max(0, f.Offset-f.Limit), f.Limit, ""), Rel: "prev", Type: mediaGeoJSON, Title: "Previous page"})
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Status(http.StatusOK)
	writeFeatureCollection(c.Writer, page.Features, collectionMembers{
		matched: page.Matched, withMatched: page.Counted, links: links, timeStamp: time.Now().UTC(), joined: page.Joined(),
		extra: addWarnings(nil, swappedBoxWarning(f.Bound)),
	})
}

// handleItemsCSV answers a page of items as CSV rows, made from views.
func (s *Server) handleItemsCSV(c *gin.Context, col string, f directory.ActorFilter) {
	ctx := c.Request.Context()
	if col == "adoptions" {
		page, err := s.dir.FindAdoptionViews(ctx, f)
		if err != nil {
			s.writeError(c, err)
			return
		}
		writeCSV(c, col+".csv", adoptionCSV, page.Items)
		return
	}
	page, err := s.dir.FindActorViews(ctx, f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeCSV(c, col+".csv", actorCSV, page.Items)
}

// pageURL rebuilds a page's URL with another offset (and format), its
// query encoded as url.Values.Encode would (sorted by name).
func pageURL(path string, q []param, offset, limit int, format string) string {
	v := make([]param, 0, len(q)+3)
	for _, p := range q {
		if p.name != "limit" && p.name != "offset" && p.name != "f" {
			v = append(v, p)
		}
	}
	v = append(v, param{"limit", strconv.Itoa(limit)})
	if offset > 0 {
		v = append(v, param{"offset", strconv.Itoa(offset)})
	}
	if format != "" {
		v = append(v, param{"f", format})
	}
	slices.SortStableFunc(v, func(a, b param) int { return strings.Compare(a.name, b.name) })
	b := make([]byte, 0, len(path)+64)
	b = append(append(b, path...), '?')
	for i, p := range v {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, url.QueryEscape(p.name)...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(p.value)...)
	}
	return string(b)
}

func (s *Server) handleItem(c *gin.Context) {
	col, ok := s.findCollection(c)
	if !ok {
		return
	}
	p := parseParams(c.Request.URL.RawQuery, itemParams)
	format := p.oneOf("f", "json", "json", "geojson")
	_ = format
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	id := c.Param("id")
	bp := itemBuffers.Get().(*[]byte)
	defer itemBuffers.Put(bp)
	var feature []byte
	var err error
	if col == "adoptions" {
		var f []byte
		if f, err = s.dir.AdoptionFeature(c.Request.Context(), id); err == nil {
			feature = append((*bp)[:0], f...)
		}
	} else {
		feature, _, err = s.dir.AppendActorFeature((*bp)[:0], id)
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	base := s.baseURL(c.Request)
	links := [2]link{
		{Href: base + c.Request.URL.Path, Rel: "self", Type: mediaGeoJSON, Title: "This feature"},
		{Href: base + "/api/collections/" + col, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}
	// The feature's own bytes, then its links, in the buffer it was read into.
	body := append(feature[:len(feature)-1], `,"links":`...)
	body = append(appendLinks(body, links[:]), '}')
	*bp = body
	c.Writer.Header()["Content-Type"] = geoJSONType
	c.Status(http.StatusOK)
	c.Writer.Write(body)
}

// itemBuffers keeps the buffers single features are written from.
var itemBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

var geoJSONType = []string{mediaGeoJSON}
