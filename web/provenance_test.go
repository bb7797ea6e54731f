package web_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

// seedFileName matches the internal reference of a seed article, which a
// person must never be shown as a source.
const seedFileName = "_bdba8e0e9f58fa06"

// TestProvenancePages: facts from the articles are shown with when they
// were true and who says so ("En 2009, selon Paperblog"), in both
// languages, on the actor, tool and peer-finder pages; never with a file
// name.
func TestProvenancePages(t *testing.T) {
	srv := MustOpenServer(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/acteurs/commune-35238", []string{"En 2009, selon Paperblog", "lire en ligne", "https://www.paperblog.fr/2062807/retour-de-marseille-240609/"}},
		{"/acteurs/commune-35238?lang=en", []string{"In 2009, according to Paperblog", "read online"}},
		{"/acteurs/commune-45232", []string{"Le 25 février 2016, selon «\u00a0Villes Internet 2016: la participation citoyenne félicitée\u00a0», GreenSI"}},
		{"/acteurs/commune-45232?lang=en", []string{"On February 25, 2016, according to “Villes Internet 2016: la participation citoyenne félicitée”, GreenSI"}},
		{"/acteurs/public-agency-artesi-ile-de-france", []string{"Selon «\u00a0Huit ateliers pour favoriser les usages du web 2.0 dans les collectivités franciliennes\u00a0», Localtis, Luc Derriano / EVS (source non datée)"}},
		{"/outils/second-life", []string{"En 2009, selon Paperblog"}},
		{"/voisins?actor=commune-88160&tool=wiki", []string{"En 2009, selon Paperblog"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := request(t, srv, "GET", tc.path, nil).status(200).Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, seedFileName) || strings.Contains(body, ".txt") {
				t.Error("a seed file name is shown")
			}
		})
	}
}

// TestProvenanceAPI: the adoptions collection, the tool view and the
// adoptions CSV give as_of and cite sources by title and publication.
func TestProvenanceAPI(t *testing.T) {
	srv := MustOpenServer(t)
	for _, path := range []string{"/api/collections/adoptions/items?limit=1000", "/api/tools/second-life",
		"/api/collections/actors/items/commune-35238", "/api/collections/adoptions/items?f=csv&limit=1000"} {
		body := request(t, srv, "GET", path, nil).status(200).Body.String()
		if strings.Contains(body, seedFileName) || strings.Contains(body, `"document"`) {
			t.Errorf("%s: a seed file name is given as a source", path)
		}
	}
	var fc struct {
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				AsOf    string `json:"as_of"`
				Sources []struct {
					Title       string `json:"title"`
					Publication string `json:"publication"`
					Date        string `json:"date"`
					URL         string `json:"url"`
				} `json:"sources"`
			} `json:"properties"`
		} `json:"features"`
	}
	request(t, srv, "GET", "/api/collections/adoptions/items?tool=second-life", nil).status(200).json(&fc)
	if len(fc.Features) == 0 {
		t.Fatal("no adoption of second-life")
	}
	for _, f := range fc.Features {
		p := f.Properties
		if p.AsOf != "2009" || len(p.Sources) == 0 || p.Sources[0].Publication != "Paperblog" || p.Sources[0].URL == "" {
			t.Errorf("%s: as_of %q sources %+v", f.ID, p.AsOf, p.Sources)
		}
	}

	body := request(t, srv, "GET", "/api/collections/adoptions/items?f=csv&limit=1000", nil).status(200).Body.String()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	asOf, source := col["as_of"], col["source"]
	if asOf == 0 || source == 0 {
		t.Fatalf("CSV header %v lacks as_of or source", rows[0])
	}
	found := false
	for _, r := range rows[1:] {
		if r[col["id"]] == "adoption-commune-45232-google-workspace" {
			found = true
			if r[asOf] != "2016-02-25" || !strings.Contains(r[source], "GreenSI") {
				t.Errorf("Olivet row: as_of %q source %q", r[asOf], r[source])
			}
		}
	}
	if !found {
		t.Error("Olivet's adoption is not in the CSV")
	}
}

// TestLinksPages: an actor page lists its typed links with their status
// and source, from both ends (a network's members, a member's network).
func TestLinksPages(t *testing.T) {
	srv := MustOpenServer(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/acteurs/organisation-reseau-du-net-public-breton", []string{"Réseaux et partenariats", "a pour membre", `href="/acteurs/association-fing"`,
			"lancé par", `href="/acteurs/syndicat-megalis-bretagne"`, "Selon «\u00a0Mégalis Bretagne lance le Réseau du Net public breton\u00a0», Localtis"}},
		{"/acteurs/association-adullact", []string{"membre de", `href="/acteurs/organisation-reseau-du-net-public-breton"`, "en cours",
			"logiciels métiers", "Position du siège"}},
		{"/acteurs/public-agency-artesi-ile-de-france?lang=en", []string{"partner of", `href="/outils/flickr"`, `href="/acteurs/organisation-personall"`, "planned"}},
		{"/acteurs/commune-35238", []string{"a pour partenaire", "passé", "ponctuel"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := request(t, srv, "GET", tc.path, nil).status(200).Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	var f struct {
		Properties struct {
			Links []struct {
				Type, TargetType, Target, Status, AsOf string
			} `json:"links"`
		} `json:"properties"`
	}
	request(t, srv, "GET", "/api/collections/actors/items/association-oten", nil).status(200).json(&f)
	if len(f.Properties.Links) != 1 || f.Properties.Links[0].Type != "member_of" || f.Properties.Links[0].Target != "organisation-reseau-du-net-public-breton" {
		t.Errorf("OTeN links = %+v", f.Properties.Links)
	}
}

// TestLabelsPage: a label awarded to an actor shows on its page with its
// year, level and source, and in its feature. No seed article states one,
// so the test awards its own.
func TestLabelsPage(t *testing.T) {
	d := directorytest.NewDataset(t).Pick("commune-88160").Label(data.Label{Actor: "commune-88160", Label: "villes-internet",
		Year: 2016, Level: "4@", Sources: []data.Source{{Document: "page-test", Title: "Palmarès", Publication: "Villes Internet",
			Date: "2016-02-18", URL: "https://example.org/palmares", Quote: "Épinal 4@"}}}).MustOpenDirectory(t)
	srv, err := web.NewServer(web.Config{BaseURL: "http://voisinage.test"}, d)
	if err != nil {
		t.Fatal(err)
	}
	body := request(t, srv, "GET", "/acteurs/commune-88160", nil).status(200).Body.String()
	for _, w := range []string{"Labels obtenus", "Territoires, villages et villes internet", "4@ (2016)", "«\u00a0Palmarès\u00a0», Villes Internet, 18 février 2016"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	var f struct {
		Properties struct {
			LabelAwards []struct {
				Label string
				Year  int
				Level string
			} `json:"label_awards"`
		} `json:"properties"`
	}
	request(t, srv, "GET", "/api/collections/actors/items/commune-88160", nil).status(200).json(&f)
	if len(f.Properties.LabelAwards) != 1 || f.Properties.LabelAwards[0].Level != "4@" || f.Properties.LabelAwards[0].Year != 2016 {
		t.Errorf("label_awards = %+v", f.Properties.LabelAwards)
	}
}

// TestSeatCSVLicence: a seat point is a copy of a GeoNames point, so the
// CSV row credits GeoNames as the other copied points do.
func TestSeatCSVLicence(t *testing.T) {
	srv := MustOpenServer(t)
	body := request(t, srv, "GET", "/api/collections/actors/items?kind=association&f=csv&limit=100", nil).status(200).Body.String()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	found := false
	for _, r := range rows[1:] {
		if r[col["id"]] == "association-adullact" {
			found = true
			if r[col["precision"]] != "seat" || !strings.Contains(r[col["licence"]], "GeoNames") {
				t.Errorf("Adullact: precision %q licence %q", r[col["precision"]], r[col["licence"]])
			}
		}
	}
	if !found {
		t.Error("Adullact is not in the CSV")
	}
}
