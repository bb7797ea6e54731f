package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// The fuzzers send the real router hostile input. Their seed corpora (the
// f.Add calls below and testdata/fuzz/FuzzXxx) run as ordinary tests in
// CI; `go test -fuzz FuzzXxx ./web` explores further (docs/RELIABILITY.md).
// The properties, for every input:
//
//   - never a panic nor a 5xx;
//   - a 400 names the offending field or parameter, any other 4xx says why;
//   - a refused request changes nothing stored (a digest of the tables
//     before and after).

// fuzzHarness opens the router for one fuzz target; its iterations share
// it (in each fuzzing worker process): a copy of the database for each
// input would be far too slow.
// Each iteration points h.tb at its own *testing.T: a fuzz target may not
// call the *testing.F's methods.
func fuzzHarness(f *testing.F) *harness { return newHarness(f, web.Config{}) }

// requestable makes a fuzzed query string fit in a request line, as a
// client's URL would carry it: bytes a request line cannot hold are escaped.
func requestable(q string) string {
	for i := 0; i < len(q); i++ {
		if q[i] <= ' ' || q[i] >= 0x7f || q[i] == '#' {
			return url.PathEscape(q)
		}
	}
	return q
}

// checkAnswer applies the properties common to every answer.
func checkAnswer(t *testing.T, what string, w interface {
	Result() *http.Response
}, body []byte) {
	t.Helper()
	status := w.Result().StatusCode
	if status >= 500 {
		t.Fatalf("%s: %d: %.400s", what, status, body)
	}
	if status < 400 || !strings.Contains(w.Result().Header.Get("Content-Type"), "json") {
		return
	}
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || e.Description == "" {
		t.Fatalf("%s: %d without an error message: %.400s", what, status, body)
	}
	if status == http.StatusBadRequest && len(e.Fields) == 0 {
		t.Fatalf("%s: 400 naming no field: %.400s", what, body)
	}
}

// queryRoutes are the GET endpoints whose query parameters are fuzzed;
// moderator marks those that need a login.
var queryRoutes = []struct {
	path      string
	moderator bool
}{
	{"/api/collections/actors/items", false},
	{"/api/collections/adoptions/items", false},
	{"/api/nearby", false},
	{"/api/clusters", false},
	{"/api/tiles/6/32/22.mvt", false},
	{"/api/search", false},
	{"/api/tools", false},
	{"/api/collections/actors/items/commune-88160", false},
	{"/api/export/actors.csv", false},
	{"/api/proposals", true},
	{"/api/reports", true},
	{"/feeds/changes.atom", false},
	{"/api/actors/commune-88160/history", false},
	{"/", false},
	{"/voisins", false},
	{"/recherche", false},
	{"/embed", false},
	{"/oembed", false},
	{"/readyz", false},
}

// FuzzQueryParams fuzzes the query string of the read endpoints: bbox,
// limit, offset, coordinates, datetime, filters, and their malformed forms.
func FuzzQueryParams(f *testing.F) {
	h := fuzzHarness(f)
	for _, q := range []string{
		"bbox=6.3,48.1,6.6,48.3&limit=100", "bbox=6.3,48.1,6.6", "bbox=a,b,c,d", "bbox=NaN,0,1,1", "bbox=-181,0,0,0",
		"bbox=170,-10,-170,10", "bbox=0,0,1,1,0,5", "bbox=1e308,1e308,1e308,1e308", "bbox=0x1p4,0,1,1", "bbox=6.3,48.3,6.6,48.1",
		"limit=0", "limit=-1", "limit=99999999999999999999", "limit=1.5", "offset=-3", "offset=1e3", "limit=10&limit=20",
		"lon=6.45&lat=48.17", "lon=181&lat=0", "lon=Inf&lat=NaN", "lon=6&lat=", "actor=commune-88160&lon=1&lat=1",
		"actor=commune-88160&max_km=0", "max_km=20041&lon=0&lat=0", "datetime=2026-01-01T00:00:00Z/..", "datetime=../..",
		"datetime=2026-13-45", "datetime=2027-01-01/2026-01-01", "kind=commune,epci&department=88,2A", "population_min=-5",
		"q=%FF%FE", "q=%00", "q=" + strings.Repeat("a", 5000), "%zz", "f=csv", "f=xml", "status=pending,approved&order=newest",
		"mine=maybe", "needs_review=1&author=0", "precision=exact,contributed", "tool=flickr&theme=democratie", "unknown=1",
		"lang=en&lon=6.45&lat=48.17", "url=http://voisinage.test/acteurs/commune-88160", "url=javascript:alert(1)",
		"mode=both&basemap=0&radius_km=5000", "region=44&limit=1000000", "token=vsn_forged",
	} {
		for i := range queryRoutes {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		h.tb = t
		r := queryRoutes[int(route)%len(queryRoutes)]
		rawQuery = requestable(rawQuery)
		var u *directory.User
		if r.moderator {
			u = h.users[moderator]
		}
		w := h.send(u, "GET", r.path+"?"+rawQuery, nil)
		checkAnswer(t, "GET "+r.path+"?"+rawQuery, w, w.Body.Bytes())
		if w.Code == http.StatusBadRequest && strings.Contains(w.Header().Get("Content-Type"), "json") {
			// The 400 names parameters of the request (or the query itself).
			var e apiError
			json.Unmarshal(w.Body.Bytes(), &e)
			values, _ := url.ParseQuery(rawQuery)
			for name := range e.Fields {
				_, given := values[name]
				if name == "departement" {
					_, given = values["department"] // the same filter, under its English name
					given = given || values.Has("departement")
				}
				if !given && name != "query" && !slices.Contains(requiredParams, name) {
					t.Fatalf("GET %s?%s: 400 names %q, which the request does not have: %s", r.path, rawQuery, name, w.Body)
				}
			}
		}
	})
}

// requiredParams may be named by a 400 though absent: they are required.
var requiredParams = []string{"lon", "lat", "q", "url", "actor", "zoom"}

// writeRoute is a write route with its path parameters filled in with
// fixtures that exist.
type writeRoute struct{ method, path string }

// fuzzWriteRoutes fills in every write route of the router: a route added
// later is fuzzed too.
func fuzzWriteRoutes(h *harness) []writeRoute {
	pending := fmt.Sprint(h.pending())
	report := fmt.Sprint(h.report())
	user := fmt.Sprint(h.freshUser(directory.RoleContributor).ID)
	token := fmt.Sprint(h.token(h.users[contributor]))
	fill := strings.NewReplacer(":id/revert", "commune-88160/revert", ":slug", "flickr", ":actor", "commune-88160")
	var out []writeRoute
	for _, ri := range h.srv.Routes() {
		if !isWrite(ri.Method) {
			continue
		}
		p := ri.Path
		switch {
		case strings.HasPrefix(p, "/api/adoptions/:id"):
			p = strings.Replace(p, ":id", h.adoptions[0], 1)
		case strings.HasPrefix(p, "/api/reports/:id"):
			p = strings.Replace(p, ":id", report, 1)
		case strings.HasPrefix(p, "/api/users/:id"):
			p = strings.Replace(p, ":id", user, 1)
		case strings.Contains(p, "/jetons/:id"), strings.HasPrefix(p, "/api/tokens/:id"):
			p = strings.Replace(p, ":id", token, 1)
		}
		p = fill.Replace(p)
		p = strings.Replace(p, ":id", pending, 1)
		out = append(out, writeRoute{ri.Method, p})
	}
	slices.SortFunc(out, func(a, b writeRoute) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return out
}

// FuzzWriteBodies sends every write route every body, as every role, as
// JSON or as a form.
func FuzzWriteBodies(f *testing.F) {
	h := fuzzHarness(f)
	routes := fuzzWriteRoutes(h)
	seeds := []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"a":1}`, `{} {}`, `{`, `{"reason":` + strings.Repeat(`"`, 3) + `}`,
		`{"email":"a@b.fr","password":"long enough passphrase","display_name":"Élise"}`,
		`{"email":"` + strings.Repeat("a", 300) + `@x.fr","password":"x"}`, `{"email":1,"password":[]}`,
		`{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,"changes":{"phone":"03 29 68 50 00"}}`,
		`{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,"changes":{"website":"javascript:alert(1)"}}`,
		`{"target_type":"actor","action":"create","changes":{"kind":"association","name":"<script>x</script>","lon":6.4,"lat":48.2}}`,
		`{"target_type":"actor","target_id":"commune-29083","action":"place","base_version":1,"geometry":{"type":"Point","coordinates":[-4.85,48.04]}}`,
		`{"target_type":"tool","target_id":"flickr","action":"delete","base_version":99}`,
		`{"target_type":"adoption","action":"create","changes":{"actor":"commune-88160","tool":"flickr","status":"in_use"}}`,
		`{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":-1,"changes":{"name":null}}`,
		`{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1e400}`,
		`{"reason":"ok","resolutions":{"phone":"yours","x":"neither"}}`, `{"value":1}`, `{"value":2}`, `{"value":"1"}`, `{"value":null}`,
		`{"body":""}`, `{"body":"` + strings.Repeat("é", 2001) + `"}`, `{"action":"approve","ids":[1,2,3]}`, `{"action":"approve","ids":[]}`,
		`{"action":"reject","ids":[-1,9223372036854775807],"reason":"x"}`, `{"version":1,"reason":"retour"}`, `{"version":0}`,
		`{"target_type":"actor","target_id":"commune-88160","reason":"wrong","comment":"x"}`, `{"target_type":"x","reason":"y"}`,
		`{"status":"resolved","note":"ok"}`, `{"days":7,"reason":"spam"}`, `{"until":"2020-01-01T00:00:00Z","reason":"x"}`,
		`{"days":7,"until":"2030-01-01T00:00:00Z"}`, `{"days":99999}`, `{"role":"admin"}`, `{"role":"king"}`, `{"actor_id":"commune-88160"}`,
		`{"actor_id":"nope"}`, `{"name":"script"}`, `{"name":""}`, `{"current_password":"x","new_password":"y"}`,
		"{\"name\":\"\xff\xfe\"}", `{"name":"\u0000"}`, `{"changes":{"lon":"NaN","lat":1e999}}`,
		`email=a%40b.fr&password=long+enough+passphrase`, `retour=//evil.example&email=x`, `csrf=1`,
	}
	// Every route gets the degenerate bodies as every role; each other seed
	// goes to a few routes (the fuzzer's mutations take them further).
	for i := range routes {
		for j, s := range seeds[:4] {
			f.Add(uint8(i), uint8((i+j)%len(roles)), false, []byte(s))
		}
	}
	for j, s := range seeds[4:] {
		for k := range 3 {
			f.Add(uint8(j*7+k*11), uint8(j+k), (j+k)%5 == 4, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, route, as uint8, form bool, body []byte) {
		h.tb = t
		rt := routes[int(route)%len(routes)]
		r := roles[int(as)%len(roles)]
		u := h.users[r]
		ctype := "application/json"
		if form {
			ctype = "application/x-www-form-urlencoded"
		}
		h.live(u)
		before := h.digest()
		w := h.send(u, rt.method, rt.path, body, "Content-Type", ctype)
		what := fmt.Sprintf("%s %s as %s (%s) %q", rt.method, rt.path, r, ctype, body)
		checkAnswer(t, what, w, w.Body.Bytes())
		if w.Code >= 400 && h.digest() != before {
			t.Fatalf("%s: refused with %d but changed what is stored", what, w.Code)
		}
	})
}

// FuzzProposalGeometry fuzzes the GeoJSON geometry of a place proposal and
// the lon/lat of a new actor.
func FuzzProposalGeometry(f *testing.F) {
	h := fuzzHarness(f)
	for _, g := range []string{
		`{"type":"Point","coordinates":[-4.8512,48.0375]}`, `{"type":"Point","coordinates":[6.45,48.17,300]}`,
		`{"type":"Point","coordinates":[]}`, `{"type":"Point","coordinates":[181,0]}`, `{"type":"Point","coordinates":[0,-91]}`,
		`{"type":"Point","coordinates":["6","48"]}`, `{"type":"Point","coordinates":[1e309,0]}`, `{"type":"Point","coordinates":[-0,0]}`,
		`{"type":"LineString","coordinates":[[0,0],[1,1]]}`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`,
		`{"type":"point","coordinates":[6,48]}`, `{"coordinates":[6,48]}`, `{"type":"Point"}`, `{"type":"Point","coordinates":null}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[6,48]}}`, `[6,48]`, `null`, `"POINT(6 48)"`,
		`{"type":"Point","coordinates":[-61.5,16.25]}`, `{"type":"Point","coordinates":[55.45,-20.9]}`, `{"type":"Point","coordinates":[2.35,48.85],"crs":{}}`,
		`{"type":"Point","coordinates":[` + strings.Repeat("1,", 1000) + `1]}`,
	} {
		f.Add([]byte(g), 6.45, 48.17, uint8(0))
		f.Add([]byte(g), -4.85, 48.04, uint8(1))
	}
	f.Add([]byte(`{"type":"Point","coordinates":[0,0]}`), 0.0, 0.0, uint8(2))
	f.Add([]byte(`{"type":"Point","coordinates":[0,0]}`), -180.0, 90.0, uint8(3))
	f.Fuzz(func(t *testing.T, geometry []byte, lon, lat float64, mode uint8) {
		h.tb = t
		var body []byte
		switch mode % 4 {
		case 0, 1: // place an unlocated commune, or move a located one, with a geometry
			target := "commune-29083"
			if mode%4 == 1 {
				target = "commune-88160"
			}
			body = []byte(`{"target_type":"actor","target_id":"` + target + `","action":"place","base_version":` +
				fmt.Sprint(h.version("actor", target)) + `,"geometry":` + string(geometry) + `}`)
		case 2: // a new actor's point as changes.lon/lat
			changes, _ := json.Marshal(map[string]any{"kind": "association", "name": "Association fuzz", "lon": jsonNumber(lon), "lat": jsonNumber(lat)})
			body = []byte(`{"target_type":"actor","action":"create","changes":` + string(changes) + `}`)
		case 3: // both a geometry and changes.lon: refused
			body = []byte(`{"target_type":"actor","target_id":"commune-88160","action":"place","base_version":1,"changes":{"lon":1,"lat":2},"geometry":` + string(geometry) + `}`)
		}
		for _, path := range []string{"/api/proposals/check", "/api/proposals"} {
			h.live(h.users[contributor])
			before := h.digest()
			w := h.send(h.users[contributor], "POST", path, body)
			what := fmt.Sprintf("POST %s %s", path, body)
			checkAnswer(t, what, w, w.Body.Bytes())
			if w.Code >= 400 && h.digest() != before {
				t.Fatalf("%s: refused with %d but changed what is stored", what, w.Code)
			}
			if w.Code == http.StatusBadRequest {
				var e apiError
				json.Unmarshal(w.Body.Bytes(), &e)
				for name := range e.Fields {
					if !slices.ContainsFunc([]string{"geometry", "body", "changes.lon", "changes.lat"}, func(p string) bool { return strings.HasPrefix(name, p) }) {
						t.Fatalf("%s: 400 names %q, not the point", what, name)
					}
				}
			}
		}
	})
}

// jsonNumber makes NaN and infinities (which JSON cannot carry) strings,
// which the API must refuse as it refuses any wrong type.
func jsonNumber(f float64) any {
	if f != f || f > 1e308 || f < -1e308 {
		return fmt.Sprint(f)
	}
	return f
}

// FuzzSearch fuzzes search strings: long ones, control characters, invalid
// UTF-8, operators, through every endpoint that takes one.
func FuzzSearch(f *testing.F) {
	h := fuzzHarness(f)
	for _, q := range []string{
		"epinal", "Œuilly", "st germain en l", "saint-", "l'île", "", " ", "*", "\"", "a OR b", "NEAR(a b)", "^", "%", "_",
		"\x00", "\x1b[31m", "\u202e", "\u2028", "\ufeff", "\xff\xfe", "\xc3", strings.Repeat("é", 2000), strings.Repeat("a ", 3000),
		"<script>alert(1)</script>", "' OR 1=1 --", "Ǆ ǅ ǆ", "ﬁ", "İ", "ß", "\U0001F600", "日本",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		h.tb = t
		for _, p := range []string{"/api/search?limit=5&q=", "/api/collections/actors/items?limit=5&q=", "/api/nearby?lon=6.45&lat=48.17&q=",
			"/api/tools?q=", "/recherche?q=", "/?q="} {
			w := h.send(nil, "GET", p+url.QueryEscape(q), nil)
			checkAnswer(t, "GET "+p+fmt.Sprintf("%q", q), w, w.Body.Bytes())
			if w.Code == http.StatusBadRequest {
				var e apiError
				json.Unmarshal(w.Body.Bytes(), &e)
				if e.Fields["q"] == "" {
					t.Fatalf("GET %s%q: 400 not naming q: %s", p, q, w.Body)
				}
			}
		}
	})
}

// FuzzTilePath fuzzes the vector tile route's z/x/y when the router has one.
func FuzzTilePath(f *testing.F) {
	h := fuzzHarness(f)
	var pattern string
	for _, ri := range h.srv.Routes() {
		if ri.Method == http.MethodGet && strings.Contains(ri.Path, "tiles") {
			pattern = ri.Path
		}
	}
	if pattern == "" {
		f.Fatal("the router has no vector tile route")
	}
	for _, s := range [][3]string{{"0", "0", "0.mvt"}, {"5", "16", "11.mvt"}, {"14", "8400", "5800.mvt"}, {"-1", "0", "0.mvt"},
		{"99", "0", "0.mvt"}, {"5", "32", "0.mvt"}, {"5", "-1", "0.mvt"}, {"5", "16", "11"}, {"5", "16", "11.png"}, {"a", "b", "c"},
		{"1e3", "0x10", "011.mvt"}, {"5", "16", "99999999999999999999.mvt"}, {"5", "16", ".mvt"}, {"", "", ""}, {"5", "16", "11.mvt.mvt"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		h.tb = t
		parts := strings.Split(strings.Trim(pattern, "/"), "/")
		vals := []string{z, x, y}
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				parts[i] = url.PathEscape(vals[0])
				vals = append(vals[1:], "")
			}
		}
		path := "/" + strings.Join(parts, "/")
		w := h.send(nil, "GET", path, nil)
		checkAnswer(t, "GET "+path, w, w.Body.Bytes())
	})
}
