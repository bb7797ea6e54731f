package directory_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

// TestMigrationAsOf opens a database made before adoptions had an as_of
// date: migrating keeps every adoption (id, version, content), gives it the
// latest year its sources state, and then accepts the one_off status.
func TestMigrationAsOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old := directory.MigrateTo(t, path, 2)
	const now = "2026-01-01T00:00:00Z"
	for _, q := range []string{
		`INSERT INTO actors (id, kind, name, created_at, updated_at) VALUES ('commune-35238', 'commune', 'Rennes', '` + now + `', '` + now + `')`,
		`INSERT INTO tools (slug, name, created_at, updated_at) VALUES ('second-life', 'Second Life', '` + now + `', '` + now + `')`,
		`INSERT INTO tools (slug, name, created_at, updated_at) VALUES ('wiki', 'Wiki', '` + now + `', '` + now + `')`,
		`INSERT INTO adoptions (id, actor_id, tool_slug, status, sources, version, created_at, updated_at) VALUES
			(7, 'commune-35238', 'second-life', 'in_use', '[{"document":"001_bdba8e0e9f58fa06.txt","year":2009,"quote":"q"},{"document":"x","year":2011}]', 3, '` + now + `', '` + now + `')`,
		`INSERT INTO adoptions (id, actor_id, tool_slug, status, sources, created_at, updated_at) VALUES
			(8, 'commune-35238', 'wiki', 'planned', '[{"document":"no year"}]', '` + now + `', '` + now + `')`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	db, err := directory.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("migrating: %v", err)
	}
	defer db.Close()
	for _, tc := range []struct{ id, want string }{{"7", "2011|in_use|3"}, {"8", "|planned|1"}} {
		got := db.QueryString(t, `SELECT as_of || '|' || status || '|' || version FROM adoptions WHERE id = ?`, tc.id)
		if got != tc.want {
			t.Errorf("adoption %s after migration: %q, want %q", tc.id, got, tc.want)
		}
	}
	db.Exec(t, `UPDATE adoptions SET status = 'one_off', as_of = '2009' WHERE id = 7`)
	for _, bad := range []string{
		`UPDATE adoptions SET status = 'used' WHERE id = 7`,
		`UPDATE adoptions SET as_of = '25/02/2016' WHERE id = 7`,
	} {
		if err := db.TryExec(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
	if s, err := db.IntegrityCheck(context.Background()); err != nil || s != "ok" {
		t.Fatalf("integrity_check = %q, %v", s, err)
	}
}

// smallBundle is a bundle of three actors with an adoption, a link and a
// label, each cited as the seed facts are.
func smallBundle() *data.Bundle {
	src := data.Source{Document: "002_415187e87db67831.txt", Title: "Mégalis Bretagne lance le Réseau du Net public breton",
		Publication: "Localtis", URL: "https://www.banquedesterritoires.fr/megalis-bretagne-lance-le-reseau-du-net-public-breton",
		Quote: "La Fing, OTeN, Villes Internet, Apronet, CRéATIF et Adullact ont répondu présents."}
	dated := data.Source{Document: "004_811ba03686d8b6d1.txt", Title: "Villes Internet 2016: la participation citoyenne félicitée",
		Publication: "GreenSI", Date: "2016-02-25", Quote: "q"}
	p := [2]float64{-1.68, 48.11}
	return &data.Bundle{
		Actors: []data.Actor{
			{ID: "association-fing", Kind: "association", Name: "Fing", Sources: []data.Source{src}},
			{ID: "commune-35238", Kind: "commune", Name: "Rennes", Code: "35238", Point: &p, Precision: "exact", PointSource: "geonames:1"},
			{ID: "syndicat-megalis-bretagne", Kind: "syndicat", Name: "Mégalis Bretagne", Point: &p, Precision: "seat",
				PointSource: "seat:commune-35238", Sources: []data.Source{src}},
		},
		Tools: []data.Tool{{Slug: "wiki", Name: "Wiki", Themes: []string{"culture"}, Sources: []data.Source{src}}},
		Adoptions: []data.Adoption{{Actor: "commune-35238", Tool: "wiki", Status: "one_off", AsOf: "2016-02-25",
			Sources: []data.Source{src, dated}}},
		Links: []data.Link{{Actor: "association-fing", Type: "member_of", TargetType: "actor", Target: "syndicat-megalis-bretagne",
			Status: "active", Note: "séminaires", Sources: []data.Source{src}}},
		Labels: []data.Label{{Actor: "commune-35238", Label: "villes-internet", Year: 2016, Level: "5@", Sources: []data.Source{dated}}},
	}
}

// TestSeedProvenance seeds a small bundle and reads back its adoption's
// as_of and citation, its link from both ends and its label, in the read
// model and in the features; no seed file name reaches a feature.
func TestSeedProvenance(t *testing.T) {
	ctx := context.Background()
	db := MustOpenEmptyDB(t)
	if err := db.SeedBundle(ctx, smallBundle(), "small"); err != nil {
		t.Fatal(err)
	}
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rennes, err := d.FindActorByID(ctx, "commune-35238")
	if err != nil {
		t.Fatal(err)
	}
	if len(rennes.Adoptions) != 1 {
		t.Fatalf("Rennes adoptions = %+v", rennes.Adoptions)
	}
	ad := rennes.Adoptions[0]
	if ad.AsOf != "2016-02-25" || ad.Status != directory.StatusOneOff {
		t.Errorf("adoption as_of %q status %q", ad.AsOf, ad.Status)
	}
	if s := ad.Sources[0]; s.Title == "" || s.Publication != "Localtis" || s.URL == "" || s.Document == "" {
		t.Errorf("stored source lost its citation or its reference: %+v", s)
	}
	if len(rennes.LabelAwards) != 1 || rennes.LabelAwards[0].Level != "5@" || rennes.LabelAwards[0].Year != 2016 {
		t.Errorf("Rennes labels = %+v", rennes.LabelAwards)
	}
	meg, err := d.FindActorByID(ctx, "syndicat-megalis-bretagne")
	if err != nil {
		t.Fatal(err)
	}
	if len(meg.LinkedBy) != 1 || meg.LinkedBy[0].ActorID != "association-fing" || meg.LinkedBy[0].Type != "member_of" {
		t.Errorf("Mégalis linked by %+v", meg.LinkedBy)
	}
	if meg.Location == nil || meg.Location.Precision != directory.PrecisionSeat {
		t.Errorf("Mégalis location %+v, want a seat", meg.Location)
	}

	type feature struct {
		Properties struct {
			Adoptions []struct {
				Status  string             `json:"status"`
				AsOf    string             `json:"as_of"`
				Sources []directory.Source `json:"sources"`
			} `json:"adoptions"`
			Tools       []string `json:"tools"`
			Links       []map[string]any
			LinkedBy    []map[string]any   `json:"linked_by"`
			LabelAwards []map[string]any   `json:"label_awards"`
			Sources     []directory.Source `json:"sources"`
		} `json:"properties"`
	}
	read := func(id string) (feature, string) {
		raw, _, err := d.ActorFeature(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var f feature
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		return f, string(raw)
	}
	f, raw := read("commune-35238")
	if len(f.Properties.Adoptions) != 1 || f.Properties.Adoptions[0].AsOf != "2016-02-25" {
		t.Errorf("feature adoptions = %+v", f.Properties.Adoptions)
	}
	if len(f.Properties.Tools) != 0 {
		t.Errorf("a one-off use is listed among the tools in use: %v", f.Properties.Tools)
	}
	if s := f.Properties.Adoptions[0].Sources; len(s) != 2 || s[0].Title == "" || s[1].Date != "2016-02-25" {
		t.Errorf("feature sources = %+v", s)
	}
	if len(f.Properties.LabelAwards) != 1 || f.Properties.LabelAwards[0]["level"] != "5@" {
		t.Errorf("feature labels = %+v", f.Properties.LabelAwards)
	}
	if strings.Contains(raw, ".txt") {
		t.Errorf("a seed file name reached the feature: %s", raw)
	}
	f, raw = read("association-fing")
	if len(f.Properties.Links) != 1 || f.Properties.Links[0]["target"] != "syndicat-megalis-bretagne" || f.Properties.Links[0]["status"] != "active" {
		t.Errorf("Fing links = %+v", f.Properties.Links)
	}
	if strings.Contains(raw, ".txt") {
		t.Errorf("a seed file name reached the feature: %s", raw)
	}
	f, _ = read("syndicat-megalis-bretagne")
	if len(f.Properties.LinkedBy) != 1 || f.Properties.LinkedBy[0]["actor"] != "association-fing" {
		t.Errorf("Mégalis linked_by = %+v", f.Properties.LinkedBy)
	}
	if ap := d.Stats(); ap.Actors != 3 {
		t.Errorf("%d actors", ap.Actors)
	}
	raw2, err := d.AdoptionFeature(ctx, "adoption-commune-35238-wiki")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw2), `"as_of":"2016-02-25"`) || strings.Contains(string(raw2), ".txt") {
		t.Errorf("adoption feature = %s", raw2)
	}
}

// TestBundleAsOf: every adoption of the real bundle carries the latest date
// its sources state, and is cited by publication, never by file name.
func TestBundleAsOf(t *testing.T) {
	ctx := context.Background()
	d := MustOpenDirectory(t)
	page, err := d.FindAdoptions(ctx, directory.ActorFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) == 0 {
		t.Fatal("no adoptions")
	}
	for _, raw := range page.Features {
		var f struct {
			ID         string `json:"id"`
			Properties struct {
				AsOf    string             `json:"as_of"`
				Sources []directory.Source `json:"sources"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		latest := ""
		for _, s := range f.Properties.Sources {
			if s.Publication == "" || s.Document != "" {
				t.Errorf("%s: source %+v is not cited by its publication", f.ID, s)
			}
			latest = max(latest, s.Date)
		}
		if f.Properties.AsOf != latest {
			t.Errorf("%s: as_of %q, its sources' latest date is %q", f.ID, f.Properties.AsOf, latest)
		}
		if f.Properties.AsOf != "" {
			if _, _, err := directory.ParseAsOf(f.Properties.AsOf); err != nil {
				t.Errorf("%s: %v", f.ID, err)
			}
		}
	}
}

func TestParseAsOf(t *testing.T) {
	for _, tc := range []struct {
		in, prec, start, end string
	}{
		{"2009", directory.AsOfYear, "2009-01-01", "2009-12-31T23:59:59Z"},
		{"2016-02", directory.AsOfMonth, "2016-02-01", "2016-02-29T23:59:59Z"},
		{"2016-02-25", directory.AsOfDay, "2016-02-25", "2016-02-25T23:59:59Z"},
	} {
		got, prec, err := directory.ParseAsOf(tc.in)
		if err != nil || prec != tc.prec || got.Format(time.DateOnly) != tc.start {
			t.Errorf("ParseAsOf(%q) = %v, %q, %v", tc.in, got, prec, err)
		}
		end, err := directory.AsOfEnd(tc.in)
		if err != nil || end.Format(time.RFC3339) != tc.end {
			t.Errorf("AsOfEnd(%q) = %v, %v, want %s", tc.in, end, err, tc.end)
		}
	}
	for _, bad := range []string{"", "09", "2016-13", "2016-02-30", "25/02/2016", "2016-2-5", "20160225"} {
		if _, _, err := directory.ParseAsOf(bad); err == nil {
			t.Errorf("ParseAsOf(%q) accepted", bad)
		}
	}
}
