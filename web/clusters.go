package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/geo"
)

// Filters the cluster and tile routes take: those of the items route that
// select actors (not paging).
var (
	clusterParams = []string{"bbox", "zoom", "kind", "department", "departement", "region", "tool", "theme",
		"q", "precision", "population_min", "population_max", "datetime"}
	tileParams = []string{"kind", "department", "departement", "region", "tool", "theme",
		"q", "precision", "population_min", "population_max", "datetime"}
)

const mediaMVT = "application/vnd.mapbox-vector-tile"

func (s *Server) registerClusterRoutes() {
	s.get("/api/clusters", s.handleClusters)
	s.get("/api/tiles/:z/:x/:y", s.handleTile)
}

var (
	keyZoomRequired = directory.NewKey("clusters.zoom", "is required: the map's zoom level, 0 to {max}")
	keyTileNumber   = directory.NewKey("tile.number", "must be a tile number, a non-negative integer (got {got:q})")
	keyTileSuffix   = directory.NewKey("tile.suffix", "must end with .mvt, as in /api/tiles/6/32/22.mvt")
)

// handleClusters answers what a map shows at a zoom: clusters (cluster:
// true, count, bbox, expansion_zoom, and ids when small) and lone actors.
func (s *Server) handleClusters(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, clusterParams)
	q := directory.ClusterQuery{Filter: actorFilter(p)}
	q.Filter.Bound = p.bbox("bbox")
	q.Filter.UpdatedFrom, q.Filter.UpdatedTo = p.datetime("datetime")
	if !p.has("zoom") {
		p.problems.Add("zoom", keyZoomRequired, directory.Args{"max": geo.MaxClusterZoom})
	} else {
		q.Zoom = p.integer("zoom", 0, 0, geo.MaxClusterZoom, false)
	}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.dir.Clusters(c.Request.Context(), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if s.notModified(c, page.Seq) {
		return
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Status(http.StatusOK)
	if w := swappedBoxWarning(q.Filter.Bound); w != "" {
		writeFeatureCollection(c.Writer, page.Features, collectionMembers{timeStamp: time.Now().UTC(), extra: addWarnings(map[string]any{
			"zoom": q.Zoom, "numberActors": page.Actors, "numberClusters": page.Clusters,
		}, w)})
		return
	}
	// Without a warning, the members encoding/json gave them from a map,
	// in its key order, appended.
	var raw [80]byte
	members := append(raw[:0], `,"numberActors":`...)
	members = strconv.AppendInt(members, int64(page.Actors), 10)
	members = append(members, `,"numberClusters":`...)
	members = strconv.AppendInt(members, int64(page.Clusters), 10)
	members = append(members, `,"zoom":`...)
	members = strconv.AppendInt(members, int64(q.Zoom), 10)
	writeFeatureCollection(c.Writer, page.Features, collectionMembers{timeStamp: time.Now().UTC(), raw: members})
}

// handleTile answers a Mapbox Vector Tile of the actors, gzipped for
// clients that accept it (the compress middleware leaves .mvt alone).
func (s *Server) handleTile(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, tileParams)
	f := actorFilter(p)
	f.UpdatedFrom, f.UpdatedTo = p.datetime("datetime")
	coord := func(name, v string) uint32 {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			p.problems.Add(name, keyTileNumber, directory.Args{"got": v})
		}
		return uint32(n)
	}
	yv, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		p.problems.Add("y", keyTileSuffix, nil)
	}
	z, x, y := coord("z", c.Param("z")), coord("x", c.Param("x")), coord("y", yv)
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	gz := acceptsGzip(c.Request)
	tile, seq, err := s.dir.Tile(c.Request.Context(), f, z, x, y, gz)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Vary", "Accept-Encoding")
	if s.notModified(c, seq) {
		return
	}
	if gz {
		c.Header("Content-Encoding", "gzip")
	}
	c.Data(http.StatusOK, mediaMVT, tile)
}
