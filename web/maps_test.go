package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/web"
)

// TestSwappedCoordinateWarnings checks that a point or box far from every
// French territory whose swap lies in one is answered with a warning, on
// each route that takes coordinates, and that ordinary requests get none.
func TestSwappedCoordinateWarnings(t *testing.T) {
	srv := MustOpenServer(t)
	warnings := func(path string) []string {
		t.Helper()
		var body struct {
			Warnings []string `json:"warnings"`
			Features []any    `json:"features"`
		}
		request(t, srv, "GET", path, nil).status(200).json(&body)
		return body.Warnings
	}
	for _, c := range []struct {
		path string
		want string // "" for no warning
	}{
		{"/api/nearby?lon=48.17&lat=6.45", "lon=6.45, lat=48.17 is in metropolitan France"},
		{"/api/nearby?lon=6.45&lat=48.17", ""},
		{"/api/nearby?lon=-21.1&lat=55.5", "La Réunion"},
		{"/api/nearby?lon=55.5&lat=-21.1", ""},  // Réunion itself
		{"/api/nearby?lon=-40&lat=30", ""},      // the Atlantic, swap nowhere
		{"/api/nearby?actor=commune-88160", ""}, // from an actor: nothing to swap
		{"/api/collections/actors/items?bbox=48.1,6.3,48.3,6.6", "bbox=6.3,48.1,6.6,48.3"},
		{"/api/collections/actors/items?bbox=6.3,48.1,6.6,48.3", ""},
		{"/api/clusters?zoom=9&bbox=48.1,6.3,48.3,6.6", "covers metropolitan France"},
		{"/api/clusters?zoom=9&bbox=6.3,48.1,6.6,48.3", ""},
	} {
		got := warnings(c.path)
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: unexpected warnings %v", c.path, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want) || !strings.Contains(got[0], "swapped")):
			t.Errorf("%s: warnings %v, want one saying %q", c.path, got, c.want)
		}
	}
	// The OpenAPI document declares the member.
	var doc map[string]any
	request(t, srv, "GET", "/api/openapi.json", nil).status(200).json(&doc)
	fc := doc["components"].(map[string]any)["schemas"].(map[string]any)["FeatureCollection"].(map[string]any)["properties"].(map[string]any)
	if _, ok := fc["warnings"]; !ok {
		t.Error("the OpenAPI FeatureCollection schema does not declare warnings")
	}
}

// TestFrenchJoin checks elision and contraction before names.
func TestFrenchJoin(t *testing.T) {
	for _, c := range []struct{ msg, name, want string }{
		{"Voisins de {0}", "Épinal", "Voisins d'Épinal"},
		{"Voisins de {0}", "Yvetot", "Voisins d'Yvetot"},
		{"Voisins de {0}", "Yenne", "Voisins de Yenne"},
		{"Voisins de {0}", "Brest", "Voisins de Brest"},
		{"Voisins de {0}", "Le Havre", "Voisins du Havre"},
		{"Voisins de {0}", "Les Mureaux", "Voisins des Mureaux"},
		{"Retour à {0}", "Le Mans", "Retour au Mans"},
		{"Retour à {0}", "Les Sables-d'Olonne", "Retour aux Sables-d'Olonne"},
		{"Retour à {0}", "Agen", "Retour à Agen"},
		{"à moins de {0} km de {1}", "20", "à moins de 20 km de {1}"},
		{"Inde {0}", "Orléans", "Inde Orléans"}, // "de" must be a word
		{"{0} et ses communes", "Arles", "Arles et ses communes"},
	} {
		if got := web.FrenchJoin(c.msg, "{0}", c.name); got != c.want {
			t.Errorf("%q with %q = %q, want %q", c.msg, c.name, got, c.want)
		}
	}
}

// TestFrenchTypography checks the French catalog: a non-breaking space
// before ; : ! ? and inside « », never an ordinary one.
func TestFrenchTypography(t *testing.T) {
	raw := map[string]string{}
	b := mustRead(t, "i18n/fr.json")
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`\S [;:!?](\s|$)|« | »`)
	for k, v := range raw {
		if bad.MatchString(v) {
			t.Errorf("%s: %q has an ordinary space where French typography wants a non-breaking one", k, v)
		}
	}
	srv := MustOpenServer(t)
	page := request(t, srv, "GET", "/voisins?actor=commune-88160", nil).status(200).Body.String()
	if !strings.Contains(page, "Voisins d&#39;Épinal") {
		t.Error("the finder's title does not elide: want « Voisins d'Épinal »")
	}
}

// TestCommuneLabels checks the names the bundled base map draws.
func TestCommuneLabels(t *testing.T) {
	srv := MustOpenServer(t)
	var rows [][]any
	r := request(t, srv, "GET", "/carte/noms/88.json", nil).status(200)
	r.json(&rows)
	if len(rows) < 100 || rows[0][0] != "Épinal" {
		t.Fatalf("Vosges labels: %d rows, first %v", len(rows), rows[0])
	}
	for i := 1; i < len(rows); i++ {
		if rows[i][3].(float64) > rows[i-1][3].(float64) {
			t.Fatalf("labels not by decreasing population at %d: %v after %v", i, rows[i], rows[i-1])
		}
	}
	request(t, srv, "GET", "/carte/noms/999.json", nil).status(404)
	request(t, srv, "GET", "/carte/noms/88", nil).status(404)
}

// TestEmbedFrames checks the box each kind of embed is told to show.
func TestEmbedFrames(t *testing.T) {
	srv := MustOpenServer(t)
	frame := func(path string) []float64 {
		t.Helper()
		body := request(t, srv, "GET", path, nil).status(200).Body.String()
		m := regexp.MustCompile(`"frame":\[([^\]]*)\]`).FindStringSubmatch(body)
		if m == nil {
			return nil
		}
		var f []float64
		json.Unmarshal([]byte("["+m[1]+"]"), &f)
		return f
	}
	in := func(f []float64, lon, lat float64) bool {
		return len(f) == 4 && lon >= f[0] && lon <= f[2] && lat >= f[1] && lat <= f[3]
	}
	if f := frame("/embed?actor=commune-88160&radius_km=20"); !in(f, 6.45, 48.17) || f[3]-f[1] < 0.35 || f[3]-f[1] > 0.37 {
		t.Errorf("20 km around Épinal: frame %v", f)
	}
	if f := frame("/embed?department=88"); !in(f, 6.95, 48.28) || !in(f, 5.7, 48.36) || f[2]-f[0] > 3 {
		t.Errorf("Vosges: frame %v", f)
	}
	if f := frame("/embed?actor=departement-88"); !in(f, 6.95, 48.28) || f[2]-f[0] > 3 {
		t.Errorf("the Vosges as an actor: frame %v", f)
	}
	if f := frame("/embed"); f != nil {
		t.Errorf("all of France: frame %v, want none", f)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNearbyNoResultsWording checks that an empty answer asks to widen the
// distance only when a distance was set.
func TestNearbyNoResultsWording(t *testing.T) {
	srv := MustOpenServer(t)
	unlimited := request(t, srv, "GET", "/voisins?actor=commune-88160&kind=ministry&pop=0-1999", nil).status(200).Body.String()
	if strings.Contains(unlimited, "élargissez la distance") || !strings.Contains(unlimited, "retirez un filtre") {
		t.Error("with no distance limit, the empty answer must not ask to widen the distance")
	}
	limited := request(t, srv, "GET", "/voisins?actor=commune-88160&kind=ministry&pop=0-1999&max_km=10", nil).status(200).Body.String()
	if !strings.Contains(limited, "élargissez la distance") {
		t.Error("with a distance limit, the empty answer should suggest widening it")
	}
}
