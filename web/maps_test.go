package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
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

// TestFrenchJoin checks elision and contraction before names: by spelling
// for a plain string, by INSEE's type de liaison and the kind of actor for
// an actor's name.
func TestFrenchJoin(t *testing.T) {
	for _, c := range []struct{ msg, name, want string }{
		{"Voisins de {0}", "Épinal", "Voisins d'Épinal"},
		{"Voisins de {0}", "Yvetot", "Voisins d'Yvetot"},
		{"Voisins de {0}", "Brest", "Voisins de Brest"},
		{"Voisins de {0}", "Le Havre", "Voisins du Havre"},
		{"Voisins de {0}", "Les Mureaux", "Voisins des Mureaux"},
		{"Voisins de {0}", "le point 48,17, 6,45", "Voisins du point 48,17, 6,45"},
		{"Voisins de {0}", "Hugo", "Voisins de Hugo"}, // nothing says the h is mute
		{"Retour à {0}", "Le Mans", "Retour au Mans"},
		{"Retour à {0}", "Les Sables-d'Olonne", "Retour aux Sables-d'Olonne"},
		{"Retour à {0}", "Agen", "Retour à Agen"},
		{"Retour à {0}", "Épinal", "Retour à Épinal"},
		{"à moins de {0} km de {1}", "20", "à moins de 20 km de {1}"},
		{"Inde {0}", "Orléans", "Inde Orléans"}, // "de" must be a word
		{"déjà {0}", "Le Mans", "déjà Le Mans"}, // "à" must be a word
		{"(de {0})", "Agen", "(d'Agen)"},
		{"{0} et ses communes", "Arles", "Arles et ses communes"},
	} {
		if got := web.FrenchJoin(c.msg, "{0}", c.name); got != c.want {
			t.Errorf("%q with %q = %q, want %q", c.msg, c.name, got, c.want)
		}
	}
	for name, want := range map[string]string{"Alice": "Propositions d'Alice", "Le Goff": "Propositions de Le Goff", "Hélène": "Propositions de Hélène", "h15": "Propositions de h15"} {
		if got := web.FrenchJoinPerson("Propositions de {0}", "{0}", name); got != want {
			t.Errorf("person %q: %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct{ kind, code, name, de, a string }{
		// Communes: the spelling, and the official list for an initial h.
		{"commune", "88160", "Épinal", "d'Épinal", "à Épinal"},
		{"commune", "73330", "Yenne", "d'Yenne", "à Yenne"},
		{"commune", "14327", "Hérouville-Saint-Clair", "d'Hérouville-Saint-Clair", "à Hérouville-Saint-Clair"},
		{"commune", "83069", "Hyères", "d'Hyères", "à Hyères"},
		{"commune", "67180", "Haguenau", "de Haguenau", "à Haguenau"},
		{"commune", "76351", "Le Havre", "du Havre", "au Havre"},
		{"commune", "17300", "La Rochelle", "de La Rochelle", "à La Rochelle"},
		{"commune", "94038", "L'Haÿ-les-Roses", "de L'Haÿ-les-Roses", "à L'Haÿ-les-Roses"},
		{"commune", "66102", "Los Masos", "de Los Masos", "à Los Masos"},
		{"commune", "30006", "Aigues-Mortes", "d'Aigues-Mortes", "à Aigues-Mortes"},
		{"commune", "00000", "Ville-d'Avray", "de Ville-d'Avray", "à Ville-d'Avray"}, // a commune is never "la Ville"
		// Départements and régions: INSEE's liaison, the name without its article.
		{"departement", "88", "Vosges", "des Vosges", "aux Vosges"},
		{"departement", "01", "Ain", "de l'Ain", "à l'Ain"},
		{"departement", "14", "Calvados", "du Calvados", "au Calvados"},
		{"departement", "16", "Charente", "de la Charente", "à la Charente"},
		{"departement", "28", "Eure-et-Loir", "d'Eure-et-Loir", "à Eure-et-Loir"},
		{"departement", "75", "Paris", "de Paris", "à Paris"},
		{"departement", "974", "La Réunion", "de La Réunion", "à La Réunion"},
		{"region", "44", "Grand Est", "du Grand Est", "au Grand Est"},
		{"region", "11", "Île-de-France", "d'Île-de-France", "à Île-de-France"},
		{"region", "32", "Hauts-de-France", "des Hauts-de-France", "aux Hauts-de-France"},
		{"departement", "88", "Vosges (renamed)", "de Vosges (renamed)", "à Vosges (renamed)"}, // not the official name: its spelling
		// Organisations: the article of a leading common noun, else a proper name.
		{"prefecture", "88", "Préfecture des Vosges", "de la Préfecture des Vosges", "à la Préfecture des Vosges"},
		{"sous-prefecture", "881", "Sous-préfecture de Saint-Dié-des-Vosges", "de la Sous-préfecture de Saint-Dié-des-Vosges", "à la Sous-préfecture de Saint-Dié-des-Vosges"},
		{"epci", "200068757", "CA d'Epinal", "de la CA d'Epinal", "à la CA d'Epinal"},
		{"epci", "246700488", "Eurométropole de Strasbourg", "de l'Eurométropole de Strasbourg", "à l'Eurométropole de Strasbourg"},
		{"epci", "242900314", "Brest Métropole", "de Brest Métropole", "à Brest Métropole"},
		{"epci", "200046977", "Métropole de Lyon", "de la Métropole de Lyon", "à la Métropole de Lyon"},
		{"public-agency", "", "Agence nationale de la cohésion des territoires", "de l'Agence nationale de la cohésion des territoires", "à l'Agence nationale de la cohésion des territoires"},
		{"public-agency", "", "Caisse des Dépôts", "de la Caisse des Dépôts", "à la Caisse des Dépôts"},
		{"syndicat", "", "Syndicat mixte Alpes Numérique", "du Syndicat mixte Alpes Numérique", "au Syndicat mixte Alpes Numérique"},
		{"association", "", "Communauté des usagers", "de la Communauté des usagers", "à la Communauté des usagers"},
		{"organisation", "", "Établissement public foncier", "de l'Établissement public foncier", "à l'Établissement public foncier"},
		{"organisation", "", "Hôpital de Remiremont", "de l'Hôpital de Remiremont", "à l'Hôpital de Remiremont"},
		{"organisation", "", "Organisateur des Transmusicales de Rennes", "de l'Organisateur des Transmusicales de Rennes", "à l'Organisateur des Transmusicales de Rennes"},
		{"organisation", "", "Réseau du Net public breton", "du Réseau du Net public breton", "au Réseau du Net public breton"},
		{"association", "", "Adullact", "d'Adullact", "à Adullact"},
		{"syndicat", "", "Mégalis Bretagne", "de Mégalis Bretagne", "à Mégalis Bretagne"},
		{"media", "", "Le Monde", "du Monde", "au Monde"},
		{"association", "", "CA Ensemble", "de CA Ensemble", "à CA Ensemble"}, // CA is a communauté for an EPCI only
	} {
		if got := web.FrenchJoinActor("Voisins de {0}", "{0}", c.kind, c.code, c.name); got != "Voisins "+c.de {
			t.Errorf("%s %s %q after de: %q, want %q", c.kind, c.code, c.name, got, "Voisins "+c.de)
		}
		if got := web.FrenchJoinActor("Retour à {0}", "{0}", c.kind, c.code, c.name); got != "Retour "+c.a {
			t.Errorf("%s %s %q after à: %q, want %q", c.kind, c.code, c.name, got, "Retour "+c.a)
		}
	}
}

// TestElisionOnPages checks that the pages join actors' names to "de" and
// "à" as French does, whatever the kind of actor: the finder's title, an
// actor page's map, an embed's and an oEmbed's title.
func TestElisionOnPages(t *testing.T) {
	srv := MustOpenServer(t)
	page := func(path string) string {
		t.Helper()
		return html.UnescapeString(request(t, srv, "GET", path, nil).status(200).Body.String())
	}
	for id, want := range map[string]string{
		"commune-14327":                   "Voisins d'Hérouville-Saint-Clair",
		"commune-67180":                   "Voisins de Haguenau",
		"commune-76351":                   "Voisins du Havre",
		"departement-88":                  "Voisins des Vosges",
		"departement-01":                  "Voisins de l'Ain",
		"region-44":                       "Voisins du Grand Est",
		"prefecture-88":                   "Voisins de la Préfecture des Vosges",
		"epci-200068757":                  "Voisins de la CA d'Epinal",
		"epci-246700488":                  "Voisins de l'Eurométropole de Strasbourg",
		"public-agency-caisse-des-depots": "Voisins de la Caisse des Dépôts",
		"association-adullact":            "Voisins d'Adullact",
	} {
		if body := page("/voisins?actor=" + id); !strings.Contains(body, "<h1>"+want) && !strings.Contains(body, "<title>"+want) {
			t.Errorf("/voisins?actor=%s: no title %q", id, want)
		}
	}
	if body := page("/voisins?lat=48.17&lon=6.45"); !strings.Contains(body, "Voisins du point de latitude 48,17 et de longitude 6,45") {
		t.Error("the finder around a point is not titled « Voisins du point de latitude 48,17 et de longitude 6,45 »")
	}
	if body := page("/acteurs/prefecture-88"); !strings.Contains(body, `aria-label="Position de la Préfecture des Vosges sur la carte"`) {
		t.Error("the préfecture's map is not labelled « Position de la Préfecture des Vosges sur la carte »")
	}
	if body := page("/acteurs/commune-14327"); !strings.Contains(body, `aria-label="Position d'Hérouville-Saint-Clair sur la carte"`) {
		t.Error("Hérouville-Saint-Clair's map is not labelled « Position d'Hérouville-Saint-Clair sur la carte »")
	}
	if body := page("/embed?actor=prefecture-88&radius_km=20"); !strings.Contains(body, "à moins de 20\u00a0km de la Préfecture des Vosges") {
		t.Error("the embed around the préfecture does not say « à moins de 20 km de la Préfecture des Vosges »")
	}
	for q, want := range map[string]string{
		"acteur=prefecture-88":             "Retour à la Préfecture des Vosges",
		"acteur=commune-76351":             "Retour au Havre",
		"acteur=departement-88&outil=wiki": "Retour aux Vosges",
		"acteur=epci-200068757":            "Retour à la CA d'Epinal",
		"outil=wiki":                       "Retour à Wiki",
	} {
		if body := page("/contribuer/signalement-envoye?" + q); !strings.Contains(body, want) {
			t.Errorf("the report's confirmation for %s does not say « %s »", q, want)
		}
	}
	var oe struct {
		Title string `json:"title"`
	}
	body := page("/oembed?format=json&url=" + url.QueryEscape("http://voisinage.test/embed?actor=departement-01&radius_km=10"))
	if err := json.Unmarshal([]byte(body), &oe); err != nil || !strings.Contains(oe.Title, "à moins de 10\u00a0km de l'Ain") {
		t.Errorf("oEmbed title %q (%v): want « … à moins de 10 km de l'Ain »", oe.Title, err)
	}
	// JS-rendered text formats messages without knowing names' articles: no
	// message of the scripts may join a name to "de" or "à".
	raw := map[string]string{}
	if err := json.Unmarshal(mustRead(t, "i18n/fr.json"), &raw); err != nil {
		t.Fatal(err)
	}
	joined := regexp.MustCompile(`(^|\s)(de|à) \{\d\}`)
	for k, v := range raw {
		if strings.HasPrefix(k, "js.") && joined.MatchString(v) {
			t.Errorf("%s: %q joins a placeholder to « de » or « à »: the scripts cannot elide (format it on the server with actorName)", k, v)
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
	// Thousands, « n° 12 », « 5 km »: never cut at the end of a line either.
	unbroken := regexp.MustCompile(`\d \d{3}\b|\b[nN]° |(\d|\}) (km|Mio)\b`)
	for k, v := range raw {
		if bad.MatchString(v) {
			t.Errorf("%s: %q has an ordinary space where French typography wants a non-breaking one", k, v)
		}
		if unbroken.MatchString(v) {
			t.Errorf("%s: %q has an ordinary space in a number, after « n° » or before a unit", k, v)
		}
		// One apostrophe throughout (the one the joined names use: d'Épinal).
		if strings.Contains(v, "’") {
			t.Errorf("%s: %q mixes the typographic apostrophe with the catalog's straight one", k, v)
		}
	}
	srv := MustOpenServer(t)
	page := request(t, srv, "GET", "/voisins?actor=commune-88160", nil).status(200).Body.String()
	if !strings.Contains(page, "Voisins d&#39;Épinal") {
		t.Error("the finder's title does not elide: want « Voisins d'Épinal »")
	}
	// Text from the data gets its no-break spaces too (the seed's usage
	// of Arles' photo albums reads « … en ligne : plus de 600 photos »).
	if arles := request(t, srv, "GET", "/acteurs/commune-13004", nil).status(200).Body.String(); !strings.Contains(arles, "en ligne\u00a0: plus de 600") {
		t.Error("the seed's « en ligne : plus de 600 photos » keeps an ordinary space before its colon")
	}
	// Coordinates in French take a decimal comma, in the swapped-coordinate
	// warning as in the point's name; the link keeps the URL's points.
	swapped := html.UnescapeString(request(t, srv, "GET", "/voisins?lat=6.45&lon=48.17&tool=wiki", nil).status(200).Body.String())
	if !strings.Contains(swapped, "le point de latitude 48,17 et de longitude 6,45 est en France") || !strings.Contains(swapped, "lat=48.17") {
		t.Error("the swapped-coordinate warning does not write 48,17 and 6,45 with a decimal comma")
	}
	if en := html.UnescapeString(request(t, srv, "GET", "/voisins?lat=6.45&lon=48.17&tool=wiki&lang=en", nil).status(200).Body.String()); !strings.Contains(en, "48.17") {
		t.Error("the English warning lost its decimal point")
	}
	if epinal := request(t, srv, "GET", "/acteurs/commune-88160", nil).status(200).Body.String(); !regexp.MustCompile(`Coordonnées\x{a0}: latitude 48,\d+, longitude 6,\d+`).MatchString(epinal) {
		t.Error("an actor's coordinates are not written with a decimal comma in French")
	}
	// No count reads « 0 acteur l'utilise ».
	tools := html.UnescapeString(request(t, srv, "GET", "/outils", nil).status(200).Body.String())
	if strings.Contains(tools, "0 acteur l'utilise") || !strings.Contains(tools, "Aucun acteur connu ne l'utilise") {
		t.Error("the tool catalog says « 0 acteur l'utilise » for a tool nobody is known to use")
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

// TestApproximateSwatches: in the lists beside the maps, an actor whose
// point is approximate has the hollow, dashed symbol the map draws for it.
func TestApproximateSwatches(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{BaseURL: "http://voisinage.test"})
	// The finder lists adopters of tools: Ainvelle, placed by its postal
	// area, adopts one.
	ctx := context.Background()
	mod, err := d.CreateUser(ctx, directory.Registration{Email: "m@swatches.test", DisplayName: "M", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "adoption", TargetID: "adoption-commune-88004-wiki",
		Action: "create", Changes: map[string]json.RawMessage{"actor": json.RawMessage(`"commune-88004"`),
			"tool": json.RawMessage(`"wiki"`), "status": json.RawMessage(`"in_use"`)}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/embed?actor=epci-200068757&view=both", "/voisins?actor=commune-88160"} {
		body := request(t, srv, "GET", path, nil).status(200).Body.String()
		items := regexp.MustCompile(`(?s)<li class="(?:embed-item|result)"[^>]*data-precision="([a-z_]*)".*?</svg>`).FindAllStringSubmatch(body, -1)
		approx, exact := 0, 0
		for _, it := range items {
			dashed := strings.Contains(it[0], "stroke-dasharray")
			switch it[1] {
			case "postal_area", "epci_area":
				approx++
				if !dashed {
					t.Errorf("%s: an approximate point's symbol is not dashed: %.200s", path, it[0])
				}
			default:
				exact++
				if dashed {
					t.Errorf("%s: a %q point's symbol is dashed", path, it[1])
				}
			}
		}
		if approx == 0 || exact == 0 {
			t.Errorf("%s: %d approximate and %d exact items listed; want some of each", path, approx, exact)
		}
	}
}
