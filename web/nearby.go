package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

var (
	nearbyParams = []string{"lon", "lat", "actor", "limit", "max_km", "kind", "department", "departement",
		"region", "tool", "theme", "q", "precision", "population_min", "population_max", "stale", "verified_since"}
	searchParams = []string{"q", "limit", "kind"}
)

func (s *Server) registerNearbyRoutes() {
	s.get("/api/nearby", s.handleNearby)
	s.get("/api/search", s.handleSearch)
}

// handleNearby answers "the actors nearest to this point (or to this actor)
// that match these filters", nearest first, each with distance_m.
var (
	keyActorOrPoint = directory.NewKey("nearby.actor_or_point", "give either actor or lon and lat, not both")
	keyActorNoPoint = directory.NewKey("nearby.no_point", "has no known location yet: give lon and lat, or place it on the map first")
)

func (s *Server) handleNearby(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, nearbyParams)
	q := directory.NearbyQuery{Filter: actorFilter(p)}
	// tool=any: actors using at least one tool. A question about tools or
	// themes is answered with their adopters, planned ones included.
	if i := slices.Index(q.Filter.Tools, "any"); i >= 0 {
		q.Filter.Tools = slices.Delete(q.Filter.Tools, i, i+1)
		q.Filter.AnyTool = true
	}
	asksAdopters := len(q.Filter.Tools) > 0 || len(q.Filter.Themes) > 0 || q.Filter.AnyTool
	q.Filter.IncludePlanned = asksAdopters
	q.Limit = p.integer("limit", 10, 1, directory.MaxNearby, false)
	q.MaxMeters = p.kilometres("max_km")
	actor := p.str("actor")
	if actor != "" {
		if p.has("lon") || p.has("lat") {
			p.problems.Add("actor", keyActorOrPoint, nil)
		}
	} else {
		lon, okLon := p.lon("lon", true)
		lat, okLat := p.lat("lat", true)
		if okLon && okLat {
			q.Lon, q.Lat = lon, lat
		}
	}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	var origin *directory.Location
	if actor != "" {
		a, err := s.dir.FindActorByID(c.Request.Context(), actor)
		if err != nil {
			s.writeError(c, err)
			return
		}
		if a.Location == nil {
			s.writeError(c, directory.FieldError("actor", keyActorNoPoint, nil))
			return
		}
		origin = a.Location
		q.Lon, q.Lat, q.ExcludeID = a.Location.Lon, a.Location.Lat, a.ID
	}
	found, _, err := s.dir.Nearby(c.Request.Context(), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	features := make([][]byte, len(found))
	for i, n := range found {
		features[i] = n.Feature
	}
	extra := map[string]any{
		"origin": map[string]any{"type": "Point", "coordinates": []float64{directory.Round6(q.Lon), directory.Round6(q.Lat)}},
	}
	if origin != nil {
		extra["origin_actor"] = actor
		extra["origin_precision"] = origin.Precision
	} else {
		extra = addWarnings(extra, swappedPointWarning(q.Lon, q.Lat))
	}
	if len(found) == 0 && asksAdopters {
		ans, err := s.dir.ExplainEmptyNearby(c.Request.Context(), q)
		if err != nil {
			s.writeError(c, err)
			return
		}
		extra["empty"] = emptyJSON(ans, q.MaxMeters)
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Status(http.StatusOK)
	writeFeatureCollection(c.Writer, features, collectionMembers{timeStamp: time.Now().UTC(), extra: extra})
}

// handleSearch answers search-as-you-type: actors whose name matches q.
func (s *Server) handleSearch(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, searchParams)
	q := p.str("q")
	limit := p.integer("limit", 10, 1, 100, false)
	kinds := p.list("kind")
	if !p.has("q") {
		p.problems.Add("q", directory.KeySearchQuery, nil)
	}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	hits, err := s.dir.Search(c.Request.Context(), q, limit, kinds)
	if err != nil {
		s.writeError(c, err)
		return
	}
	features := make([][]byte, len(hits))
	for i, h := range hits {
		features[i] = h.Feature
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Status(http.StatusOK)
	writeFeatureCollection(c.Writer, features, collectionMembers{extra: map[string]any{"query": q}})
}

// emptyJSON says why a nearby question about a tool or a theme found
// nobody, and whom to ask instead.
func emptyJSON(ans *directory.EmptyAnswer, maxMeters float64) map[string]any {
	out := map[string]any{"reason": ans.Reason}
	switch ans.Reason {
	case "adopters_without_point":
		out["message"] = fmt.Sprintf("%d actors use or plan to use it but have no point on the map yet; here they are, and the nearest adopters of tools of the same themes",
			ans.UnplacedCount)
		unplaced := make([]map[string]string, len(ans.Unplaced))
		for i, a := range ans.Unplaced {
			unplaced[i] = map[string]string{"id": a.ID, "kind": a.Kind, "name": a.Name}
		}
		out["unplaced"] = unplaced
		out["unplaced_count"] = ans.UnplacedCount
		out["suggested_themes"] = ans.SuggestedThemes
	case "none_within_distance":
		out["message"] = fmt.Sprintf("no adopter within %s km; the nearest is %s km away", strconv.FormatFloat(maxMeters/1000, 'f', -1, 64),
			strconv.FormatFloat(math.Round(ans.NearestMeters/100)/10, 'f', -1, 64))
		out["nearest_km"] = math.Round(ans.NearestMeters/100) / 10
	default:
		out["message"] = "no actor uses or plans to use it; here are the nearest adopters of tools of the same themes"
		out["suggested_themes"] = ans.SuggestedThemes
	}
	suggestions := make([]json.RawMessage, len(ans.Suggestions))
	for i, n := range ans.Suggestions {
		suggestions[i] = n.Feature
	}
	out["suggestions"] = suggestions
	return out
}
