package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/voisinage/voisinage/web"
)

var refRe = regexp.MustCompile(`"\$ref": "#/components/(schemas|responses)/([A-Za-z]+)"`)

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// TestOpenAPIDescribesEveryRoute compares the routes gin registered with the
// operations of the OpenAPI document: a route added without its
// description (web/openapi.go) fails here, and so does a description left
// behind by a route that was removed.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	srv := MustOpenServer(t)
	var routes []string
	for _, ri := range srv.Routes() {
		routes = append(routes, ri.Method+" "+ri.Path)
	}
	slices.Sort(routes)
	documented := web.DocumentedRoutes()
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in the OpenAPI document: describe it in web/openapi.go (d.get, d.add, d.page or d.form)", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(routes, r) {
			t.Errorf("the OpenAPI document describes %s, which the router does not have", r)
		}
	}

	// The document itself: every operation has responses, every write
	// declares its security and (but for a few) its body, and every $ref
	// points at a component that exists.
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]any `json:"schemas"`
			Responses       map[string]any `json:"responses"`
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	raw := request(t, srv, "GET", "/api/openapi.json", nil).status(200).Body.Bytes()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// A valid OpenAPI 3.0 document, as a validator reads it.
	loaded, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	if doc.Components.SecuritySchemes["cookieAuth"] == nil || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Fatalf("security schemes: %v", doc.Components.SecuritySchemes)
	}
	noBody := []string{"post /api/logout", "post /api/proposals/{id}/withdraw", "post /api/users/{id}/unblock",
		"delete /api/tokens/{id}", "delete /api/users/{id}/representatives/{actor}", "delete /mcp",
		"delete /api/webhooks/{id}", "post /api/webhooks/{id}/deliveries/{delivery}/replay"}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := method + " " + path
			if len(op["responses"].(map[string]any)) == 0 {
				t.Errorf("%s has no responses", name)
			}
			if method == "get" {
				continue
			}
			if op["requestBody"] == nil && !slices.Contains(noBody, name) {
				t.Errorf("%s has no request body", name)
			}
			if _, ok := op["security"]; !ok && !slices.Contains([]string{"post /api/register", "post /api/login", "post /connexion", "post /inscription", "post /contribuer/signaler", "get /mcp", "delete /mcp"}, name) {
				t.Errorf("%s declares no security", name)
			}
		}
	}
	for _, m := range refRe.FindAllStringSubmatch(string(raw), -1) {
		var ok bool
		switch m[1] {
		case "schemas":
			_, ok = doc.Components.Schemas[m[2]]
		case "responses":
			_, ok = doc.Components.Responses[m[2]]
		}
		if !ok {
			t.Errorf("$ref %s/%s points at nothing", m[1], m[2])
		}
	}
}

// TestQueryablesAndSchema checks that each collection's schema lists every
// property its features have, with their JSON types, and that its
// queryables are what the items route filters on.
func TestQueryablesAndSchema(t *testing.T) {
	srv := MustOpenServer(t)
	for _, col := range []string{"actors", "adoptions"} {
		var coll struct{ Links []link }
		request(t, srv, "GET", "/api/collections/"+col, nil).status(200).json(&coll)
		for _, rel := range []string{"describedby", "describedBy", "http://www.opengis.net/def/rel/ogc/1.0/schema", "queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables"} {
			if !slices.ContainsFunc(coll.Links, func(l link) bool { return l.Rel == rel && l.Type == "application/schema+json" }) {
				t.Errorf("collection %s has no %s link", col, rel)
			}
		}
		var schema struct {
			Schema     string `json:"$schema"`
			Properties struct {
				Properties struct {
					Properties map[string]struct {
						Type  string
						Items *struct{ Type string }
						Enum  []string
					}
				}
			}
		}
		request(t, srv, "GET", "/api/collections/"+col+"/schema", nil).status(200).contentType("application/schema+json").json(&schema)
		props := schema.Properties.Properties.Properties
		if !strings.Contains(schema.Schema, "2020-12") || len(props) < 10 {
			t.Fatalf("%s schema: %+v", col, schema)
		}
		// Every property of every feature of the collection, with its type.
		seen := map[string]bool{}
		page := "/api/collections/" + col + "/items?limit=10000"
		for page != "" {
			var fc struct {
				Features []struct{ Properties map[string]any }
				Links    []link
			}
			request(t, srv, "GET", page, nil).status(200).json(&fc)
			for _, f := range fc.Features {
				for k, v := range f.Properties {
					if k == "id" {
						continue // the feature's id, repeated
					}
					p, ok := props[k]
					if !ok {
						if !seen[k] {
							t.Errorf("%s: property %q (%T) is not in the schema: add it to directory.%sProperties", col, k, v, map[string]string{"actors": "Actor", "adoptions": "Adoption"}[col])
						}
						seen[k] = true
						continue
					}
					if got := jsonType(v); got != p.Type && !(got == "integer" && p.Type == "number") {
						t.Errorf("%s: property %q is %s in a feature, %s in the schema", col, k, got, p.Type)
					}
					if list, ok := v.([]any); ok && len(list) > 0 && p.Items != nil && jsonType(list[0]) != p.Items.Type {
						t.Errorf("%s: items of %q are %s, %s in the schema", col, k, jsonType(list[0]), p.Items.Type)
					}
					if s, ok := v.(string); ok && len(p.Enum) > 0 && !slices.Contains(p.Enum, s) {
						t.Errorf("%s: %q = %q is not among the schema's values %v", col, k, s, p.Enum)
					}
					seen[k] = true
				}
			}
			page = ""
			for _, l := range fc.Links {
				if l.Rel == "next" {
					page = strings.TrimPrefix(l.Href, "http://voisinage.test")
				}
			}
		}
		for _, k := range []string{"tools", "adoptions", "website", "email", "phone"} {
			if col == "actors" && props[k].Type == "" {
				t.Errorf("actors schema lacks %s", k)
			}
		}
		// Queryables: each is a filter of the items route, and filters.
		var q struct {
			Properties map[string]struct {
				Type string
				Enum []string
			}
		}
		request(t, srv, "GET", "/api/collections/"+col+"/queryables", nil).status(200).contentType("application/schema+json").json(&q)
		if len(q.Properties) == 0 {
			t.Fatalf("%s has no queryables", col)
		}
		for name, p := range q.Properties {
			value := map[string]string{"kind": "epci", "departement": "88", "region": "44", "precision": "exact", "tool": "wiki"}[name]
			if value == "" || p.Type != "string" {
				t.Errorf("%s: queryable %s (%s) has no test value", col, name, p.Type)
				continue
			}
			fc := getFC(t, srv, "/api/collections/"+col+"/items?limit=50&"+name+"="+value)
			if len(fc.Features) == 0 {
				t.Errorf("%s?%s=%s found nothing", col, name, value)
			}
			for _, f := range fc.Features {
				if fmt.Sprint(f.Properties[name]) != value {
					t.Errorf("%s?%s=%s returned %s with %s=%v", col, name, value, f.ID, name, f.Properties[name])
				}
			}
		}
	}
	request(t, srv, "GET", "/api/collections/nope/schema", nil).status(404)
	request(t, srv, "GET", "/api/collections/actors/queryables?f=xml", nil).status(400)
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// TestOGR2OGRColumns proves with GDAL that a reuser who loads the actors into
// a GeoPackage gets every column, including those the first page of
// features may lack (tools, adoptions, website, email, phone): GDAL reads
// them from the collection's schema.
func TestOGR2OGRColumns(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		t.Fatal("ogr2ogr (Debian package gdal-bin) is needed: `make test` installs it")
	}
	ogrinfo, _ := exec.LookPath("ogrinfo")
	ts := httptest.NewServer(MustOpenServerAt(t, ""))
	defer ts.Close()
	// A box whose first page holds no tool, no adoption, no website: GDAL
	// used to infer the columns from it, and dropped those.
	box := []string{"6.3", "48.1", "6.6", "48.3"}
	first := getFC(t, ts.Config.Handler, "/api/collections/actors/items?limit=10&bbox="+strings.Join(box, ","))
	for _, f := range first.Features {
		for _, k := range []string{"tools", "adoptions", "website", "email", "phone"} {
			if _, ok := f.Properties[k]; ok {
				t.Fatalf("the first page of the box has %s (%s): pick a box whose first page lacks it, or the test proves nothing", k, f.ID)
			}
		}
	}
	gpkg := filepath.Join(t.TempDir(), "actors.gpkg")
	args := append([]string{"-f", "GPKG", gpkg, "OAPIF:" + ts.URL + "/api", "actors", "-spat"}, box...)
	if out, err := exec.Command(ogr2ogr, args...).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	out, err := exec.Command(ogrinfo, "-so", gpkg, "actors").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, col := range []string{"tools", "adoptions", "website", "email", "phone", "name", "kind", "population", "precision", "updated_at", "version"} {
		if !regexpMatch(`(?m)^`+col+`: `, string(out)) {
			t.Errorf("the GeoPackage has no %s column:\n%s", col, out)
		}
	}
	if regexpMatch(`(?m)^id2: `, string(out)) {
		t.Errorf("the GeoPackage has the id twice:\n%s", out)
	}
	// And the rows: every actor of the box, Épinal's adoption in its column.
	n := getFC(t, ts.Config.Handler, "/api/collections/actors/items?limit=1&bbox="+strings.Join(box, ","))
	out, err = exec.Command(ogrinfo, "-q", gpkg, "-sql", "SELECT COUNT(*) AS n, SUM(adoptions IS NOT NULL) AS a FROM actors").CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("n (Integer) = %d", *n.NumberMatched)) || strings.Contains(string(out), "a (Integer) = 0") {
		t.Fatalf("rows in the GeoPackage (want %d): %v\n%s", *n.NumberMatched, err, out)
	}
}
