package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// TestReadCostBounded sends, on every read route of the router, the most
// expensive request we could phrase — every list at its largest with each
// value repeated thousands of times, the largest limit, the whole world as
// the box, the longest query, the deepest zoom, a new filter for the
// clusters' cache — and checks that what it allocates stays within a
// fixed budget plus a multiple of what it answers: the work follows what a
// request returns, not how it is phrased. Allocation is measured
// (runtime.MemStats.TotalAlloc around one request served in process), not
// time, so the test does not depend on the machine's load. A GET route
// missing from the table fails the test, so a new route is measured too.
func TestReadCostBounded(t *testing.T) {
	h := newHarness(t, web.Config{})
	rep := func(v string, n int) string { return strings.TrimSuffix(strings.Repeat(v+",", n), ",") }
	var depts, tools []string
	for i := 1; i <= 95; i++ {
		if i != 20 {
			depts = append(depts, fmt.Sprintf("%02d", i))
		}
	}
	depts = append(depts, "2A", "2B", "971", "972", "973", "974")
	tools = h.tools
	if len(tools) > directory.MaxListValues {
		tools = tools[:directory.MaxListValues]
	}
	kinds := rep(strings.Join(directory.Kinds, ","), 300)
	themes := rep(strings.Join(directory.Themes, ","), 300)
	allDepts := rep(strings.Join(depts, ","), 5)
	allTools := rep(strings.Join(tools, ","), 3)
	words := url.QueryEscape(strings.TrimSpace(strings.Repeat("saint sur les la le de et en du a b c d e f g ", 12)[:200]))
	world := "bbox=-180,-90,180,90"
	filters := "kind=" + kinds + "&department=" + allDepts + "&theme=" + themes + "&tool=" + allTools +
		"&precision=" + rep("exact,postal_area,epci_area,derived", 500)
	prop := h.pending()
	hook, delivery := h.delivery()
	statuses := rep("pending,approved,rejected,superseded,withdrawn", 800)
	mod := h.users[moderator]
	run := importFixture(t, h).RunID

	type req struct {
		who  *directory.User
		path string
	}
	cases := map[string][]req{
		"/":                            {{nil, "/?lat=48.2&lon=6.4&zoom=19&bbox=-180,-90,180,90&kind=commune&sel=" + strings.Repeat("x", 99)}},
		"/api":                         {{nil, "/api"}},
		"/api/collections":             {{nil, "/api/collections"}},
		"/api/collections/:collection": {{nil, "/api/collections/actors"}},
		"/api/collections/:collection/items": {
			{nil, "/api/collections/actors/items?limit=10000&offset=0&" + world + "&" + filters},
			{nil, "/api/collections/actors/items?limit=10000&" + world + "&kind=" + kinds + "&q=" + words},
			{nil, "/api/collections/actors/items?limit=10000&offset=2147483647&kind=" + rep("commune", 3000)},
			{nil, "/api/collections/adoptions/items?limit=10000&" + world + "&" + filters},
		},
		"/api/collections/:collection/items/:id":  {{nil, "/api/collections/actors/items/commune-88160"}},
		"/api/collections/:collection/queryables": {{nil, "/api/collections/actors/queryables"}},
		"/api/collections/:collection/schema":     {{nil, "/api/collections/adoptions/schema"}},
		"/api/conformance":                        {{nil, "/api/conformance"}},
		"/api/clusters": {
			{nil, "/api/clusters?zoom=24&bbox=-180,-85,180,85&kind=" + rep("commune,epci", 1500) + "&population_min=7"},
			{nil, "/api/clusters?zoom=0&" + world + "&" + filters},
		},
		"/api/tools":               {{nil, "/api/tools?theme=" + themes + "&q=" + words}},
		"/api/tools/:slug":         {{nil, "/api/tools/wiki"}},
		"/api/tools/:slug/history": {{nil, "/api/tools/wiki/history"}},
		"/api/tokens":              {{mod, "/api/tokens"}},
		"/api/tiles/:z/:x/:y": {
			{nil, "/api/tiles/0/0/0.mvt?kind=" + rep("commune,epci", 1500) + "&population_max=99999"},
			{nil, "/api/tiles/22/2124000/1440000.mvt?" + filters},
		},
		"/api/webhooks":                          {{mod, "/api/webhooks"}},
		"/api/webhooks/:id":                      {{mod, fmt.Sprintf("/api/webhooks/%d", hook)}},
		"/api/webhooks/:id/deliveries":           {{mod, fmt.Sprintf("/api/webhooks/%d/deliveries", hook)}},
		"/api/webhooks/:id/deliveries/:delivery": {{mod, fmt.Sprintf("/api/webhooks/%d/deliveries/%s", hook, delivery)}},
		"/accessibility":                         {{nil, "/accessibility"}},
		"/accessibilite":                         {{nil, "/accessibilite"}},
		"/carte/noms/:file":                      {{nil, "/carte/noms/59.json"}},
		"/api/themes":                            {{nil, "/api/themes"}},
		"/api/export/actors.geojson":             {{nil, "/api/export/actors.geojson"}},
		"/api/export/actors.csv":                 {{nil, "/api/export/actors.csv"}},
		"/api/proposals":                         {{mod, "/api/proposals?limit=500&status=" + statuses + "&order=newest"}},
		"/api/proposals/:id":                     {{mod, fmt.Sprintf("/api/proposals/%d", prop)}},
		"/api/actors/:id/history":                {{nil, "/api/actors/commune-88160/history"}},
		"/api/adoptions/:id/history":             {{nil, "/api/adoptions/" + h.adoptions[0] + "/history"}},
		"/api/openapi.json":                      {{nil, "/api/openapi.json"}},
		"/api/nearby": {
			{nil, "/api/nearby?lon=6.4&lat=48.2&limit=1000&max_km=20040&" + filters},
			{nil, "/api/nearby?lon=-178&lat=-89&limit=1000&kind=" + kinds + "&q=" + words},
		},
		"/api/search":                          {{nil, "/api/search?limit=100&kind=" + kinds + "&q=" + words}},
		"/api/me":                              {{mod, "/api/me"}},
		"/api/reports":                         {{mod, "/api/reports?status=open&limit=500"}},
		"/acteurs/:id":                         {{nil, "/acteurs/epci-200068757"}},
		"/contribuer/acteurs/:id/outils":       {{mod, "/contribuer/acteurs/commune-88160/outils"}},
		"/contribuer/acteurs/:id/outils/:tool": {{mod, "/contribuer/acteurs/commune-88160/outils/wiki"}},
		"/contribuer/acteurs/:id/outils/:tool/supprimer": {{mod, "/contribuer/acteurs/commune-88160/outils/wiki/supprimer"}},
		"/contribuer/acteurs/:id/corriger":               {{mod, "/contribuer/acteurs/commune-88160/corriger"}},
		"/contribuer/acteurs/:id/placer":                 {{mod, "/contribuer/acteurs/commune-88160/placer"}},
		"/contribuer/acteurs/:id/supprimer":              {{mod, "/contribuer/acteurs/association-adullact/supprimer"}},
		"/contribuer/nouvel-acteur":                      {{mod, "/contribuer/nouvel-acteur"}},
		"/contribuer/nouvel-outil":                       {{mod, "/contribuer/nouvel-outil"}},
		"/contribuer/outils/:slug/supprimer":             {{mod, "/contribuer/outils/wiki/supprimer"}},
		"/contribuer/outils/:slug/corriger":              {{mod, "/contribuer/outils/wiki/corriger"}},
		"/contribuer/signaler":                           {{nil, "/contribuer/signaler?acteur=commune-88160"}},
		"/contribuer/signalement-envoye":                 {{nil, "/contribuer/signalement-envoye"}},
		"/contribuer/merci/:id":                          {{mod, fmt.Sprintf("/contribuer/merci/%d", prop)}},
		"/connexion":                                     {{nil, "/connexion?email=" + strings.Repeat("a", 254)}},
		"/compte":                                        {{mod, "/compte"}},
		"/compte/propositions":                           {{mod, "/compte/propositions"}},
		"/compte/webhooks":                               {{mod, "/compte/webhooks"}},
		"/compte/webhooks/nouveau":                       {{mod, "/compte/webhooks/nouveau"}},
		"/compte/webhooks/:id":                           {{mod, fmt.Sprintf("/compte/webhooks/%d?depart=0", hook)}},
		"/moderation":                                    {{mod, "/moderation?kind=commune&departement=88&order=newest"}},
		"/moderation/relecture":                          {{mod, "/moderation/relecture"}},
		"/moderation/signalements":                       {{mod, "/moderation/signalements"}},
		"/metrics":                                       {{nil, "/metrics"}},
		"/mcp":                                           {{nil, "/mcp"}},
		"/outils":                                        {{nil, "/outils"}},
		"/outils/:slug":                                  {{nil, "/outils/wiki"}},
		"/oembed":                                        {{nil, "/oembed?url=" + url.QueryEscape("http://voisinage.test/embed?tool=wiki")}},
		"/feeds/changes.atom":                            {{nil, "/feeds/changes.atom?department=88"}},
		"/feeds/queue.atom":                              {{mod, "/feeds/queue.atom"}},
		"/readyz":                                        {{nil, "/readyz"}},
		"/recherche":                                     {{nil, "/recherche?q=" + words}},
		"/integrer":                                      {{nil, "/integrer"}},
		"/inscription":                                   {{nil, "/inscription"}},
		"/healthz":                                       {{nil, "/healthz"}},
		"/static/:hash/*name":                            {{nil, "/static/0/css/app.css"}},
		"/voisins":                                       {{nil, "/voisins?actor=commune-88160&tool=wiki&kind=commune"}},
		"/embed":                                         {{nil, "/embed?tool=wiki&view=both"}},
		"/propositions":                                  {{mod, "/propositions"}},
		"/api/confirmations":                             {{mod, "/api/confirmations?limit=500"}},
		"/api/stale":                                     {{mod, "/api/stale?limit=500"}},
		"/api/imports":                                   {{mod, "/api/imports?limit=500"}},
		"/api/imports/:id":                               {{mod, fmt.Sprintf("/api/imports/%d", run)}},
		"/moderation/imports":                            {{mod, "/moderation/imports"}},
		"/moderation/imports/:id":                        {{mod, fmt.Sprintf("/moderation/imports/%d", run)}},
		"/moderation/imports/adoptions":                  {{mod, "/moderation/imports/adoptions"}},
		"/moderation/a-verifier":                         {{mod, "/moderation/a-verifier"}},
	}
	// The index of all actors is built in the background at start: built
	// before measuring, so that its allocations are not counted here.
	request(t, h.srv, "GET", "/api/clusters?zoom=3&bbox=-5,41,10,51", nil).status(200)

	// A request may allocate 24 MiB (a new filter's cluster index is about
	// 8 MiB on the real data) plus 16 times its answer (the CSV export,
	// made from the GeoJSON features, takes 15).
	const budget, perByte = 24 << 20, 16
	for _, ri := range h.srv.Routes() {
		if ri.Method != http.MethodGet {
			continue
		}
		reqs, ok := cases[ri.Path]
		if !ok {
			t.Errorf("GET %s: no most expensive request in this test's table: add one", ri.Path)
			continue
		}
		for _, rq := range reqs {
			var status, size int
			start := time.Now()
			alloc := allocatedBy(func() {
				w := h.send(rq.who, "GET", rq.path, nil)
				status, size = w.Code, w.Body.Len()
			})
			took := time.Since(start)
			short := rq.path
			if len(short) > 120 {
				short = short[:120] + "…"
			}
			t.Logf("%-40s %3d %9d B answered %9d B allocated %v", short, status, size, alloc, took.Round(time.Millisecond))
			if status >= 500 {
				t.Errorf("GET %s: %d", short, status)
			}
			if limit := uint64(budget + perByte*size); alloc > limit {
				t.Errorf("GET %s: allocated %d MiB for an answer of %d KiB (budget %d MiB)", short, alloc>>20, size>>10, limit>>20)
			}
		}
	}
}

// allocatedBy returns the bytes allocated while fn runs.
func allocatedBy(fn func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
