package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/web"
)

func TestLanding(t *testing.T) {
	srv := MustOpenServer(t)
	var doc struct {
		Title string
		Links []link
	}
	request(t, srv, "GET", "/api", nil).status(200).contentType("application/json").json(&doc)
	want := map[string]string{
		"self": "application/json", "service-desc": "application/vnd.oai.openapi+json;version=3.0",
		"conformance": "application/json", "data": "application/json",
	}
	for rel, typ := range want {
		if !slices.ContainsFunc(doc.Links, func(l link) bool { return l.Rel == rel && l.Type == typ && l.Href != "" }) {
			t.Errorf("landing page lacks a %s link of type %s: %+v", rel, typ, doc.Links)
		}
	}
	if !slices.ContainsFunc(doc.Links, func(l link) bool { return l.Rel == "license" }) {
		t.Error("landing page does not state the licence")
	}
}

func TestConformance(t *testing.T) {
	srv := MustOpenServer(t)
	var doc struct{ ConformsTo []string }
	request(t, srv, "GET", "/api/conformance", nil).status(200).json(&doc)
	for _, c := range []string{"conf/core", "conf/geojson", "conf/oas30"} {
		if !slices.ContainsFunc(doc.ConformsTo, func(s string) bool { return strings.HasSuffix(s, "ogcapi-features-1/1.0/"+c) }) {
			t.Errorf("conformsTo lacks %s: %v", c, doc.ConformsTo)
		}
	}
}

func TestOpenAPI(t *testing.T) {
	srv := MustOpenServer(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Parameters []struct {
				Name, In string
				Schema   map[string]any
			}
		}
	}
	request(t, srv, "GET", "/api/openapi.json", nil).status(200).contentType("application/vnd.oai.openapi+json").json(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	// Every parameter the handlers accept is declared, and nothing else.
	for path, want := range web.RouteParams() {
		op, ok := doc.Paths[path]["get"]
		if !ok {
			t.Errorf("path %s is not declared", path)
			continue
		}
		var got []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				got = append(got, p.Name)
			}
			if p.Schema == nil {
				t.Errorf("%s: parameter %s has no schema", path, p.Name)
			}
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s declares %v, handler accepts %v", path, got, w)
		}
	}
}

func TestCollections(t *testing.T) {
	srv := MustOpenServer(t)
	var doc struct {
		Collections []struct {
			ID     string
			Links  []link
			Extent struct {
				Spatial struct{ Bbox [][]float64 }
			}
		}
	}
	request(t, srv, "GET", "/api/collections", nil).status(200).json(&doc)
	ids := []string{}
	for _, c := range doc.Collections {
		ids = append(ids, c.ID)
		if !slices.ContainsFunc(c.Links, func(l link) bool { return l.Rel == "items" && l.Type == "application/geo+json" }) {
			t.Errorf("collection %s lacks an items link", c.ID)
		}
		if len(c.Extent.Spatial.Bbox) != 1 || len(c.Extent.Spatial.Bbox[0]) != 4 {
			t.Errorf("collection %s extent = %v", c.ID, c.Extent)
		}
	}
	if !slices.Equal(ids, []string{"actors", "adoptions"}) {
		t.Fatalf("collections = %v", ids)
	}
	request(t, srv, "GET", "/api/collections/actors", nil).status(200)
	request(t, srv, "GET", "/api/collections/nope", nil).status(404)
	request(t, srv, "GET", "/api/collections/nope/items", nil).status(404)
}

func getFC(t *testing.T, srv http.Handler, url string) featureCollection {
	t.Helper()
	var fc featureCollection
	request(t, srv, "GET", url, nil).status(200).contentType("application/geo+json").json(&fc)
	if fc.Type != "FeatureCollection" {
		t.Fatalf("type = %q", fc.Type)
	}
	if fc.NumberReturned != len(fc.Features) {
		t.Fatalf("numberReturned %d, features %d", fc.NumberReturned, len(fc.Features))
	}
	return fc
}

func TestItems(t *testing.T) {
	srv := MustOpenServer(t)
	t.Run("Communes", func(t *testing.T) {
		fc := getFC(t, srv, "/api/collections/actors/items?kind=commune")
		if *fc.NumberMatched != 34969 || len(fc.Features) != 10 {
			t.Fatalf("kind=commune: numberMatched %d, returned %d; want 34969 and the default limit 10", *fc.NumberMatched, len(fc.Features))
		}
		for _, rel := range []string{"self", "next", "alternate", "collection"} {
			l, ok := fc.link(rel)
			if !ok || l.Type == "" {
				t.Errorf("no typed %s link: %+v", rel, fc.Links)
			}
		}
		if _, ok := fc.link("prev"); ok {
			t.Error("first page has a prev link")
		}
	})
	t.Run("FollowNext", func(t *testing.T) {
		// A client follows next links to the end and gets every match once.
		next := "/api/collections/actors/items?bbox=6.0,48.0,6.8,48.4&limit=25"
		seen := map[string]bool{}
		matched, pages := -1, 0
		for next != "" {
			fc := getFC(t, srv, next)
			pages++
			if matched < 0 {
				matched = *fc.NumberMatched
			}
			for _, f := range fc.Features {
				if seen[f.ID] {
					t.Fatalf("%s returned twice", f.ID)
				}
				seen[f.ID] = true
				lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
				if lon < 6.0 || lon > 6.8 || lat < 48.0 || lat > 48.4 {
					t.Fatalf("%s at %v is outside the bbox", f.ID, f.Geometry.Coordinates)
				}
			}
			next = ""
			if l, ok := fc.link("next"); ok {
				u, _ := url.Parse(l.Href)
				next = u.RequestURI()
			}
			if l, ok := fc.link("prev"); ok != (pages > 1) {
				t.Fatalf("page %d: prev link %v", pages, l)
			}
		}
		if len(seen) != matched || matched < 100 || !seen["commune-88160"] {
			t.Fatalf("followed %d pages: %d features, numberMatched %d, Épinal seen %v", pages, len(seen), matched, seen["commune-88160"])
		}
	})
	t.Run("NumberMatchedAbsent", func(t *testing.T) {
		// A filter the index cannot count, over France, a hundred at a
		// time: counting would cost more than the page, so numberMatched
		// is left out; the next links still lead through every match once,
		// and the last page has none.
		next := "/api/collections/actors/items?bbox=-5.2,41.3,9.6,51.1&precision=exact&limit=100"
		seen := map[string]bool{}
		absent := 0
		for next != "" {
			fc := getFC(t, srv, next)
			if fc.NumberMatched == nil {
				absent++
			}
			for _, f := range fc.Features {
				if seen[f.ID] || f.Properties["precision"] != "exact" {
					t.Fatalf("%s returned twice or not exact: %v", f.ID, f.Properties)
				}
				seen[f.ID] = true
			}
			next = ""
			if l, ok := fc.link("next"); ok {
				if len(fc.Features) != 100 {
					t.Fatalf("a page of %d features with a next link", len(fc.Features))
				}
				u, _ := url.Parse(l.Href)
				next = u.RequestURI()
			}
		}
		all := getFC(t, srv, "/api/collections/actors/items?bbox=-5.2,41.3,9.6,51.1&precision=exact&limit=10000")
		if absent == 0 || all.NumberMatched == nil || *all.NumberMatched != len(seen) {
			t.Fatalf("%d pages without numberMatched; %d actors paged, numberMatched of one big page %v", absent, len(seen), all.NumberMatched)
		}
	})
	t.Run("LimitClamped", func(t *testing.T) {
		fc := getFC(t, srv, "/api/collections/actors/items?limit=20000&kind=region")
		if len(fc.Features) != 26 {
			t.Fatalf("limit above the maximum: %d régions, want 26", len(fc.Features))
		}
		if l, _ := fc.link("self"); !strings.Contains(l.Href, "limit=10000") {
			t.Errorf("self link %s does not show the limit used", l.Href)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, c := range []struct {
			query string
			check func(f feature) bool
		}{
			{"department=88&kind=commune", func(f feature) bool { return f.Properties["departement"] == "88" && f.Properties["kind"] == "commune" }},
			{"departement=2A", func(f feature) bool { return f.Properties["departement"] == "2A" }},
			{"region=53&kind=epci", func(f feature) bool { return f.Properties["region"] == "53" && f.Properties["kind"] == "epci" }},
			{"tool=opendatasoft", func(f feature) bool { return slices.Contains(toStrings(f.Properties["tools"]), "opendatasoft") }},
			{"theme=democratie", func(f feature) bool { return len(toStrings(f.Properties["tools"])) > 0 }},
			{"q=epinal", func(f feature) bool { return strings.Contains(strings.ToLower(f.Properties["name"].(string)), "pinal") }},
			{"precision=postal_area&kind=commune", func(f feature) bool { return f.Properties["precision"] == "postal_area" }},
			{"population_min=100000&kind=commune", func(f feature) bool { return f.Properties["population"].(float64) >= 100000 }},
		} {
			fc := getFC(t, srv, "/api/collections/actors/items?limit=200&"+c.query)
			if len(fc.Features) == 0 || (fc.NumberMatched != nil && *fc.NumberMatched < len(fc.Features)) {
				t.Errorf("%s matches nothing, or fewer than it returns (%v)", c.query, fc.NumberMatched)
			}
			for _, f := range fc.Features {
				if !c.check(f) {
					t.Errorf("%s returned %s %v", c.query, f.ID, f.Properties)
					break
				}
			}
		}
		// Nothing matches: the walk reaches the end, and the count is exact.
		if fc := getFC(t, srv, "/api/collections/actors/items?datetime=../2000-01-01"); fc.NumberMatched == nil || *fc.NumberMatched != 0 || len(fc.Features) != 0 {
			t.Errorf("datetime before the data matches %v", fc.NumberMatched)
		}
		// Loading the bundled data is not a change: a record has a date
		// once it changes (TestLastUpdated).
		if fc := getFC(t, srv, "/api/collections/actors/items?datetime=2000-01-01T00:00:00Z/.."); *fc.NumberMatched != 0 {
			t.Errorf("datetime after 2000 matches %d records never changed", *fc.NumberMatched)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		r := request(t, srv, "GET", "/api/collections/actors/items?kind=region&limit=100&f=csv", nil).status(200).contentType("text/csv")
		rows, err := csv.NewReader(r.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 27 || rows[0][0] != "id" || rows[0][len(rows[0])-1] != "licence" {
			t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
		}
	})
	t.Run("Adoptions", func(t *testing.T) {
		fc := getFC(t, srv, "/api/collections/adoptions/items?tool=opendatasoft")
		if *fc.NumberMatched == 0 || fc.Features[0].Properties["tool"] != "opendatasoft" || fc.Features[0].Geometry == nil {
			t.Fatalf("adoptions of opendatasoft: %+v", fc)
		}
		id := fc.Features[0].ID
		var f feature
		request(t, srv, "GET", "/api/collections/adoptions/items/"+id, nil).status(200).json(&f)
		if f.ID != id {
			t.Fatalf("adoption item %s = %+v", id, f)
		}
	})
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

func TestItem(t *testing.T) {
	srv := MustOpenServer(t)
	var f feature
	r := request(t, srv, "GET", "/api/collections/actors/items/commune-88160", nil).status(200).contentType("application/geo+json")
	r.json(&f)
	lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
	if math.Abs(lon-6.450) > 0.04 || math.Abs(lat-48.174) > 0.03 {
		t.Errorf("Épinal at %v, %v", lon, lat)
	}
	if f.Properties["precision"] != "exact" || f.Properties["name"] != "Épinal" || len(f.Links) < 2 {
		t.Errorf("Épinal = %+v", f)
	}
	// Coordinates carry at most 6 decimals on the wire.
	if regexp.MustCompile(`\d\.\d{7,}`).Match(r.Body.Bytes()) {
		t.Errorf("more than 6 decimals in %s", r.Body.String())
	}
	for _, id := range []string{"epci-200068757", "departement-88", "region-44", "prefecture-88", "association-villes-internet"} {
		request(t, srv, "GET", "/api/collections/actors/items/"+id, nil).status(200)
	}
	var e errorBody
	request(t, srv, "GET", "/api/collections/actors/items/commune-99999", nil).status(404).contentType("application/json").json(&e)
	if e.Code == "" || !strings.Contains(e.Description, "commune-99999") {
		t.Errorf("404 body = %+v", e)
	}
}

func TestBadInput(t *testing.T) {
	srv := MustOpenServer(t)
	items := "/api/collections/actors/items?"
	for _, c := range []struct{ url, field string }{
		{items + "bbox=1,2,3", "bbox"},
		{items + "bbox=1,2,3,4,5", "bbox"},
		{items + "bbox=a,b,c,d", "bbox"},
		{items + "bbox=NaN,1,2,3", "bbox"},
		{items + "bbox=0x10,1,2,3", "bbox"},
		{items + "bbox=-181,0,0,1", "bbox"},
		{items + "bbox=0,-91,1,1", "bbox"},
		{items + "bbox=0,10,1,5", "bbox"},
		{items + "limit=-1", "limit"},
		{items + "limit=0", "limit"},
		{items + "limit=ten", "limit"},
		{items + "offset=-5", "offset"},
		{items + "offset=1.5", "offset"},
		{items + "colour=red", "colour"},
		{items + "kind=town", "kind"},
		{items + "theme=sport", "theme"},
		{items + "tool=unknown-tool", "tool"},
		{items + "department=999", "departement"},
		{items + "datetime=yesterday", "datetime"},
		{items + "f=xml", "f"},
		{items + "limit=1&limit=2", "limit"},
		{items + "q=" + strings.Repeat("x", 300), "q"},
		{items + "q=%FF", "q"},
		{items + "bbox=%zz", "query"},
		{"/api/collections/actors/items/commune-88160?foo=1", "foo"},
		{"/api/collections?bar=1", "bar"},
		{"/api?f=xml", "f"},
		{"/api/nearby?lat=48", "lon"},
		{"/api/nearby?lon=6", "lat"},
		{"/api/nearby?lon=6&lat=91", "lat"},
		{"/api/nearby?lon=181&lat=45", "lon"},
		{"/api/nearby?lon=abc&lat=45", "lon"},
		{"/api/nearby?lon=6&lat=45&limit=0", "limit"},
		{"/api/nearby?lon=6&lat=45&max_km=-3", "max_km"},
		{"/api/nearby?lon=6&lat=45&precision=good", "precision"},
		{"/api/nearby?lon=6&lat=45&actor=commune-88160", "actor"},
		{"/api/search", "q"},
		{"/api/search?q=", "q"},
		{"/api/search?q=epinal&limit=1000", "limit"},
		{"/api/tools?theme=sport", "theme"},
		{"/api/export/actors.csv?x=1", "x"},
	} {
		t.Run(c.url, func(t *testing.T) {
			var e errorBody
			request(t, srv, "GET", c.url, nil).status(400).contentType("application/json").json(&e)
			if e.Fields[c.field] == "" || e.Description == "" {
				t.Fatalf("400 body %+v does not name %s", e, c.field)
			}
		})
	}
	request(t, srv, "GET", "/api/nearby?actor=commune-99999", nil).status(404)
	request(t, srv, "GET", "/api/tools/nope", nil).status(404)
	request(t, srv, "POST", "/api/collections", nil).status(405)
	request(t, srv, "GET", "/nope", nil).status(404).contentType("application/json")
}

func TestNearby(t *testing.T) {
	srv := MustOpenServer(t)
	fc := getFC(t, srv, "/api/nearby?lon=6.45&lat=48.17&limit=5&kind=commune")
	if len(fc.Features) != 5 {
		t.Fatalf("got %d", len(fc.Features))
	}
	last := -1.0
	for _, f := range fc.Features {
		d, ok := f.Properties["distance_m"].(float64)
		if !ok || d < last {
			t.Fatalf("distance_m not ascending: %v", fc.Features)
		}
		last = d
		if f.Properties["precision"] == nil {
			t.Fatalf("%s has no precision", f.ID)
		}
	}
	if !slices.ContainsFunc(fc.Features, func(f feature) bool { return f.ID == "commune-88160" }) {
		t.Errorf("Épinal is not among the 5 communes nearest to its centre")
	}
	// From an actor: the actor itself is left out.
	fc = getFC(t, srv, "/api/nearby?actor=commune-88160&limit=3&kind=commune&precision=exact&max_km=30")
	for _, f := range fc.Features {
		if f.ID == "commune-88160" || f.Properties["precision"] != "exact" || f.Properties["distance_m"].(float64) > 30000 {
			t.Fatalf("nearby actor=Épinal returned %s %v", f.ID, f.Properties)
		}
	}
	// Overseas: from Saint-Denis de La Réunion, the nearest are Réunion's communes.
	fc = getFC(t, srv, "/api/nearby?lon=55.45&lat=-20.88&limit=3&kind=commune")
	for _, f := range fc.Features {
		if f.Properties["departement"] != "974" {
			t.Fatalf("nearest to Saint-Denis (974): %s in %v", f.ID, f.Properties["departement"])
		}
	}
}

func TestSearchAPI(t *testing.T) {
	srv := MustOpenServer(t)
	fc := getFC(t, srv, "/api/search?q=epinal")
	if len(fc.Features) == 0 || fc.Features[0].ID != "commune-88160" {
		t.Fatalf("search epinal: %+v", fc.Features)
	}
	fc = getFC(t, srv, "/api/search?q=st+germain+en+l&limit=3")
	if fc.Features[0].ID != "commune-78551" {
		t.Fatalf("search st germain en l: first %s", fc.Features[0].ID)
	}
	// By official code, by postal code, with a typo: through the API.
	for q, want := range map[string]string{"88160": "commune-88160", "218801603": "commune-88160",
		"88000": "commune-88160", "epinall": "commune-88160", "brset": "commune-29019"} {
		fc = getFC(t, srv, "/api/search?q="+q)
		if len(fc.Features) == 0 || fc.Features[0].ID != want {
			t.Errorf("search %s: %d features, want %s first", q, len(fc.Features), want)
		}
		fc = getFC(t, srv, "/api/collections/actors/items?kind=commune&limit=100&q="+q)
		if !slices.ContainsFunc(fc.Features, func(f feature) bool { return f.ID == want }) {
			t.Errorf("items q=%s: %d features without %s", q, len(fc.Features), want)
		}
	}
	var postal struct {
		NumberMatched int `json:"numberMatched"`
	}
	request(t, srv, "GET", "/api/collections/actors/items?q=88000&limit=1", nil).status(200).json(&postal)
	if postal.NumberMatched != 9 {
		t.Errorf("items q=88000 matched %d, want the 9 communes of postal code 88000", postal.NumberMatched)
	}
}

func TestToolsAPI(t *testing.T) {
	srv := MustOpenServer(t)
	var list struct {
		Tools []struct {
			Slug     string
			Themes   []string
			Adopters int
		}
		Themes []struct{ ID, Label string }
	}
	request(t, srv, "GET", "/api/tools", nil).status(200).json(&list)
	if len(list.Tools) < 10 || len(list.Themes) != 8 {
		t.Fatalf("tools %d, themes %d", len(list.Tools), len(list.Themes))
	}
	var tool struct {
		Slug       string
		Name       string
		Adopters   int
		Collection featureCollection `json:"adopters_collection"`
	}
	request(t, srv, "GET", "/api/tools/opendatasoft", nil).status(200).json(&tool)
	if tool.Name != "Opendatasoft" || len(tool.Collection.Features) == 0 {
		t.Fatalf("opendatasoft = %+v", tool)
	}
	found := false
	for _, f := range tool.Collection.Features {
		found = found || f.Properties["actor"] == "commune-47001"
	}
	if !found {
		t.Error("Agen is not among Opendatasoft's adopters")
	}
}

func TestExport(t *testing.T) {
	srv := MustOpenServer(t)
	var all featureCollection
	r := request(t, srv, "GET", "/api/export/actors.geojson", nil).status(200).contentType("application/geo+json")
	r.json(&all)
	if !strings.Contains(all.License, "Etalab") || !strings.Contains(all.License, "CC BY 4.0") || all.Attribution == "" {
		t.Errorf("GeoJSON export does not state licence and attribution: %q / %q", all.License, all.Attribution)
	}
	var stats struct{ NumberMatched int }
	json.Unmarshal(request(t, srv, "GET", "/api/collections/actors/items?limit=1", nil).Body.Bytes(), &stats)
	if len(all.Features) != stats.NumberMatched || len(all.Features) < 36000 {
		t.Fatalf("export holds %d actors, the collection %d", len(all.Features), stats.NumberMatched)
	}
	r = request(t, srv, "GET", "/api/export/actors.csv", nil).status(200).contentType("text/csv")
	rows, err := csv.NewReader(r.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(all.Features)+1 {
		t.Fatalf("CSV has %d rows for %d actors", len(rows)-1, len(all.Features))
	}
	header := rows[0]
	col := func(name string) int { return slices.Index(header, name) }
	for _, row := range rows[1:] {
		if row[col("id")] == "commune-88160" {
			lon, _ := strconv.ParseFloat(row[col("lon")], 64)
			if row[col("name")] != "Épinal" || math.Abs(lon-6.45) > 0.05 || !strings.Contains(row[col("licence")], "GeoNames") {
				t.Errorf("Épinal's CSV row = %v", row)
			}
		}
	}
}

func TestHealth(t *testing.T) {
	srv := MustOpenServer(t)
	request(t, srv, "GET", "/healthz", nil).status(200)
	request(t, srv, "HEAD", "/api/collections/actors/items", nil).status(200)
}

// TestOGRInfo lists and pages the collection with GDAL's OGC API Features
// client, a real third-party implementation of the standard.
func TestOGRInfo(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo (Debian package gdal-bin) is needed: `make test` installs it")
	}
	// Links are derived from the request's Host, so they point at the test server.
	ts := httptest.NewServer(MustOpenServerAt(t, ""))
	defer ts.Close()
	out, err := exec.Command(ogrinfo, "-ro", "-so", "OAPIF:"+ts.URL+"/api").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "actors") || !strings.Contains(string(out), "adoptions") {
		t.Fatalf("ogrinfo listing: %v\n%s", err, out)
	}
	// Page through a bbox (the OAPIF driver sends -spat as bbox= and follows next links).
	out, err = exec.Command(ogrinfo, "-ro", "-al", "-q", "-oo", "PAGE_SIZE=20", "OAPIF:"+ts.URL+"/api", "actors",
		"-spat", "6.3", "48.1", "6.6", "48.3").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo features: %v\n%s", err, out)
	}
	n := strings.Count(string(out), "OGRFeature(actors)")
	fc := getFC(t, ts.Config.Handler, "/api/collections/actors/items?bbox=6.3,48.1,6.6,48.3&limit=1")
	if n != *fc.NumberMatched || n <= 20 || !strings.Contains(string(out), "Épinal") {
		t.Fatalf("ogrinfo read %d features over several pages, numberMatched is %d:\n%.2000s", n, *fc.NumberMatched, out)
	}
	// The whole of France, a thousand at a time: GDAL follows the next
	// links through the Hilbert order and gets every actor exactly once.
	out, err = exec.Command(ogrinfo, "-ro", "-al", "-q", "-oo", "PAGE_SIZE=1000", "OAPIF:"+ts.URL+"/api", "actors",
		"-spat", "-5.2", "41.3", "9.6", "51.1").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo features: %v\n%.2000s", err, out)
	}
	ids := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "id (String) = "); ok {
			ids[id]++
		}
	}
	fc = getFC(t, ts.Config.Handler, "/api/collections/actors/items?bbox=-5.2,41.3,9.6,51.1&limit=1")
	for id, k := range ids {
		if k != 1 {
			t.Fatalf("ogrinfo read %s %d times over France", id, k)
		}
	}
	if fc.NumberMatched == nil || len(ids) != *fc.NumberMatched || len(ids) < 30000 {
		t.Fatalf("ogrinfo read %d actors over France, numberMatched %v", len(ids), fc.NumberMatched)
	}
}
