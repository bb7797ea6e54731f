package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

const dilaFixture = "../directory/testdata/dila/2026-11-18_053120-data.gouv_local.json"

// importFixture runs the DILA import of the test fixture into h's directory.
func importFixture(t *testing.T, h *harness) *directory.DILAReport {
	t.Helper()
	b, err := os.ReadFile(dilaFixture)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := h.d.ImportDILA(context.Background(), bytes.NewReader(b), directory.DILAOptions{
		FileName: "2026-11-18_053120-data.gouv_local.json", SourceURL: "https://www.data.gouv.fr/fr/datasets/r/dila-test"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// What the DILA sync brought is shown with where it comes from, in the API,
// the exports and the pages; its reports are the moderators'.
func TestDILAProvenanceThroughAPIAndPages(t *testing.T) {
	h := newSeededHarness(t, web.Config{})
	// A person set Épinal's e-mail before the import: it stays, and the
	// official one goes to review.
	h.propose(h.mod, "actor", "commune-88160", "email", "accueil@mairie-epinal.example")
	rep := importFixture(t, h)

	t.Run("API", func(t *testing.T) {
		w := h.send(nil, "GET", "/api/collections/actors/items/commune-88160", nil)
		var f struct {
			Properties struct {
				Phone        string                          `json:"phone"`
				Email        string                          `json:"email"`
				OpeningHours string                          `json:"opening_hours"`
				SIRET        string                          `json:"siret"`
				Provenance   map[string]directory.Provenance `json:"provenance"`
				UpdatedAt    string                          `json:"updated_at"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil || w.Code != 200 {
			t.Fatalf("%d %v %s", w.Code, err, w.Body)
		}
		p := f.Properties
		if p.Phone != "03 29 00 00 10" || p.SIRET != "21880160300010" || p.OpeningHours == "" || p.UpdatedAt == "" {
			t.Errorf("Épinal = %+v", p)
		}
		if p.Provenance["phone"].Source != "dila:f0a1c2d3-0001-4e5f-8a9b-000000088160" || p.Provenance["phone"].AsOf != "2026-11-18" ||
			!strings.HasPrefix(p.Provenance["email"].Source, "proposal:") || p.Email != "accueil@mairie-epinal.example" {
			t.Errorf("provenance = %+v, e-mail %q", p.Provenance, p.Email)
		}
	})

	t.Run("Page", func(t *testing.T) {
		body := h.send(nil, "GET", "/acteurs/commune-88160", nil).Body.String()
		for _, want := range []string{"03 29 00 00 10", "annuaire Service-Public.fr, 18 novembre 2026",
			"Lundi au vendredi : 8h30–12h, 13h30–17h30", "21880160300010", "Service-Public.fr (DILA, Licence Ouverte 2.0)",
			"selon une contribution (proposition n°"} {
			if !strings.Contains(body, want) {
				t.Errorf("actor page lacks %q", want)
			}
		}
		en := h.send(nil, "GET", "/acteurs/commune-88160?lang=en", nil).Body.String()
		if !strings.Contains(en, "according to the Service-Public.fr directory, November 18, 2026") {
			t.Errorf("English page lacks the provenance")
		}
		// A record never changed since the bundled data has no update date.
		body = h.send(nil, "GET", "/acteurs/commune-88161", nil).Body.String()
		if !strings.Contains(body, "Pas modifiée depuis les données d&#39;origine") {
			t.Errorf("an unchanged record's page does not say it is unchanged")
		}
	})

	t.Run("Exports", func(t *testing.T) {
		w := h.send(nil, "GET", "/api/export/actors.geojson", nil)
		var fc struct {
			Sources []map[string]string `json:"sources"`
			License string              `json:"license"`
		}
		// The members come before the features; decode the whole thing.
		if err := json.Unmarshal(w.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range fc.Sources {
			if s["file"] == "2026-11-18_053120-data.gouv_local.json" && s["date"] == "2026-11-18" &&
				s["url"] == "https://www.data.gouv.fr/fr/datasets/r/dila-test" && strings.Contains(s["attribution"], "Service-Public.fr / DILA") {
				found = true
			}
		}
		if !found || !strings.Contains(fc.License, "DILA") {
			t.Errorf("the export does not credit the DILA file: %+v %q", fc.Sources, fc.License)
		}
		rows, err := csv.NewReader(strings.NewReader(h.send(nil, "GET", "/api/collections/actors/items?f=csv&q=epinal&kind=commune", nil).Body.String())).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("csv: %v %v", err, rows)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		row := rows[1]
		if row[col["opening_hours"]] == "" || row[col["siret"]] != "21880160300010" ||
			!strings.Contains(row[col["provenance"]], "phone=dila:f0a1c2d3-0001-4e5f-8a9b-000000088160@2026-11-18") ||
			!strings.Contains(row[col["licence"]], "Service-Public.fr / DILA") {
			t.Errorf("csv row = %v", row)
		}
	})

	t.Run("Reports", func(t *testing.T) {
		for r, want := range map[role]int{anonymous: 401, contributor: 403, moderator: 200} {
			if w := h.send(h.users[r], "GET", "/api/imports", nil); w.Code != want {
				t.Errorf("%s GET /api/imports: %d, want %d", r, w.Code, want)
			}
		}
		w := h.send(h.mod, "GET", "/api/imports/"+itoa(rep.RunID, "%d"), nil)
		var run struct {
			Kind   string               `json:"kind"`
			File   string               `json:"file"`
			Report directory.DILAReport `json:"report"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &run); err != nil || run.Kind != "dila" || run.Report.Matched != 9 {
			t.Fatalf("GET /api/imports/%d: %v %s", rep.RunID, err, w.Body)
		}
		list := h.send(h.mod, "GET", "/moderation/imports", nil).Body.String()
		if !strings.Contains(list, "/moderation/imports/"+itoa(rep.RunID, "%d")) || !strings.Contains(list, "2026-11-18_053120-data.gouv_local.json") {
			t.Errorf("the imports page does not list the run")
		}
		page := h.send(h.mod, "GET", "/moderation/imports/"+itoa(rep.RunID, "%d"), nil).Body.String()
		for _, want := range []string{"Mairie - Seynod (fiche antérieure à la fusion)", "Code INSEE inconnu\u00a0: aucune commune 74268", "mairie@epinal.example",
			"accueil@mairie-epinal.example", "www.mamoudzou.example", "https://www.data.gouv.fr/fr/datasets/r/dila-test"} {
			if !strings.Contains(page, want) {
				t.Errorf("the run's page lacks %q", want)
			}
		}
		if w := h.send(h.users[contributor], "GET", "/moderation/imports", nil); w.Code != 403 {
			t.Errorf("a contributor read the imports page: %d", w.Code)
		}
		// The conflict is in the queue, filtered by its batch.
		queue := h.send(h.mod, "GET", "/moderation?lot="+itoa(rep.RunID, "%d"), nil).Body.String()
		if !strings.Contains(queue, "mairie@epinal.example") || !strings.Contains(queue, "Annuaire Service-Public.fr (import DILA)") {
			t.Errorf("the batch's queue does not show the import's proposal")
		}
	})

	t.Run("History", func(t *testing.T) {
		// A newer record changes Épinal's phone on the 1st of December: the
		// history shows the phone and the provenances that changed (the
		// record's fields, now dated by it), not the person's e-mail's.
		b, _ := os.ReadFile(dilaFixture)
		b = bytes.Replace(b, []byte(`"03 29 00 00 10"`), []byte(`"03 29 00 00 11"`), 1)
		b = bytes.Replace(b, []byte(`"18/11/2026 10:12:00"`), []byte(`"01/12/2026 09:00:00"`), 1)
		if _, err := h.d.ImportDILA(context.Background(), bytes.NewReader(b), directory.DILAOptions{
			FileName: "2026-12-02_053120-data.gouv_local.json"}); err != nil {
			t.Fatal(err)
		}
		page := h.send(nil, "GET", "/acteurs/commune-88160", nil).Body.String()
		i := strings.Index(page, `id="historique"`)
		if i < 0 {
			t.Fatal("no history on the page")
		}
		latest := page[i:]
		if j := strings.Index(latest, "Version 2"); j > 0 {
			latest = latest[:j]
		}
		for _, want := range []string{"03 29 00 00 11", "Téléphone\u00a0: selon l&#39;annuaire Service-Public.fr, 1er décembre 2026",
			"Téléphone\u00a0: selon l&#39;annuaire Service-Public.fr, 18 novembre 2026"} {
			if !strings.Contains(latest, want) {
				t.Errorf("the latest version lacks %q", want)
			}
		}
		if strings.Contains(latest, "Courriel\u00a0:") {
			t.Errorf("the latest version repeats the unchanged provenance of the e-mail")
		}
	})
}
