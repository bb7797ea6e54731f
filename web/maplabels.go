package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The names of the communes of a département, for the maps' base drawn
// without a tile server: /carte/noms/{code}.json answers
// [[name, lon, lat, population, approximate], …], most populous first (the
// order in which the map places labels, skipping those that would overlap).

// keyNoLabels answers a département the label files do not cover.
var keyNoLabels = directory.NewKey("labels.no_departement", "no département {got:q}: ask /carte/noms/{code}.json with an INSEE département code such as 88 or 2A")

func (p *pages) handleCommuneLabels(c *gin.Context) {
	code, ok := strings.CutSuffix(c.Param("file"), ".json")
	if !ok || code == "" || p.s.dir.PlaceName(directory.KindDepartement, code) == "" {
		p.s.writeError(c, directory.NewError(directory.ENOTFOUND, keyNoLabels, directory.Args{"got": strings.TrimSuffix(c.Param("file"), ".json")}))
		return
	}
	labels := p.s.dir.CommuneLabels(c.Request.Context(), code)
	rows := make([][]any, len(labels))
	for i, l := range labels {
		approx := 0
		if l.Approximate {
			approx = 1
		}
		rows[i] = []any{l.Name, directory.Round6(l.Lon), directory.Round6(l.Lat), l.Population, approx}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("Cross-Origin-Resource-Policy", "cross-origin")
	c.Data(http.StatusOK, mediaJSON, b)
}
