package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

const dilaFixture = "testdata/dila/2026-11-18_053120-data.gouv_local.json"

func readDILAFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(dilaFixture)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// actorProps decodes the properties of an actor's feature.
type actorProps struct {
	Phone        string                          `json:"phone"`
	Email        string                          `json:"email"`
	Website      string                          `json:"website"`
	Address      string                          `json:"address"`
	OpeningHours string                          `json:"opening_hours"`
	SIRET        string                          `json:"siret"`
	Precision    string                          `json:"precision"`
	PointSource  string                          `json:"point_source"`
	Provenance   map[string]directory.Provenance `json:"provenance"`
	Version      int                             `json:"version"`
	UpdatedAt    string                          `json:"updated_at"`
}

func propsOf(t *testing.T, d *directory.Directory, id string) (actorProps, []float64) {
	t.Helper()
	b, _, err := d.ActorFeature(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Geometry *struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties actorProps `json:"properties"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Geometry == nil {
		return f.Properties, nil
	}
	return f.Properties, f.Geometry.Coordinates
}

func importDILA(t *testing.T, d *directory.Directory, file []byte, o directory.DILAOptions) *directory.DILAReport {
	t.Helper()
	if o.FileName == "" {
		o.FileName = "2026-11-18_053120-data.gouv_local.json"
	}
	rep, err := d.ImportDILA(context.Background(), bytes.NewReader(file), o)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// The DILA fixture imported into the bundled data proves each rule of the
// official sync: matching (merged communes, overseas, seats), ignored types,
// provenance, conflicts with people's values sent to review, idempotence,
// incremental updates, dry runs and stored reports.
func TestImportDILA(t *testing.T) {
	f := newSeededFixture(t)
	ctx := f.ctx
	fixture := readDILAFixture(t)

	// A person set Épinal's e-mail, and placed Papeete (which had no point).
	mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: 1, Changes: changes("email", "accueil@mairie-epinal.example")})
	mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-98735", Action: "place",
		BaseVersion: 1, Changes: changes("lon", -149.57, "lat", -17.54)})
	before := map[string]int{}
	for _, id := range []string{"commune-74010", "commune-97611", "departement-88", "region-44", "epci-200068757",
		"prefecture-88", "sous-prefecture-883", "commune-88160", "commune-98735"} {
		p, _ := propsOf(t, f.d, id)
		before[id] = p.Version
	}

	t.Run("DryRun", func(t *testing.T) {
		rep := importDILA(t, f.d, fixture, directory.DILAOptions{DryRun: true})
		if rep.RunID != 0 || rep.ActorsChanged != 9 {
			t.Fatalf("dry run: run %d, %d actors would change; want no run and 9", rep.RunID, rep.ActorsChanged)
		}
		if p, _ := propsOf(t, f.d, "commune-74010"); p.Phone != "" || p.Version != before["commune-74010"] {
			t.Fatalf("dry run wrote: Annecy %+v", p)
		}
		runs, err := f.d.FindImportRuns(ctx, f.mod, directory.ImportDILA, 10)
		if err != nil || len(runs) != 0 {
			t.Fatalf("dry run stored a run: %v, %v", runs, err)
		}
	})

	rep := importDILA(t, f.d, fixture, directory.DILAOptions{SourceURL: "https://example.org/all_latest.tar.bz2"})
	t.Run("Report", func(t *testing.T) {
		if rep.Records != 14 || rep.Matched != 9 || rep.Delegated != 2 {
			t.Errorf("records %d, matched %d, délégués %d; want 14, 9, 2", rep.Records, rep.Matched, rep.Delegated)
		}
		if rep.Ignored["ccas"] != 1 || rep.Ignored["caf"] != 1 || len(rep.Ignored) != 2 {
			t.Errorf("ignored by type = %v, want ccas and caf", rep.Ignored)
		}
		if len(rep.Unmatched) != 1 || rep.Unmatched[0].Code != "74268" || !strings.Contains(rep.Unmatched[0].Reason, "unknown INSEE code") {
			t.Errorf("unmatched = %+v, want the record of the former commune 74268", rep.Unmatched)
		}
		if len(rep.InvalidValues) != 1 || rep.InvalidValues[0].Field != "website" || rep.InvalidValues[0].Actor != "commune-97611" {
			t.Errorf("invalid values = %+v, want Mamoudzou's website without scheme", rep.InvalidValues)
		}
		if rep.ActorsChanged != 9 || rep.FieldsChanged["phone"] != 9 || rep.FileDate != "2026-11-18" {
			t.Errorf("changed %d actors, fields %v, file date %q", rep.ActorsChanged, rep.FieldsChanged, rep.FileDate)
		}
		if len(rep.Conflicts) != 2 {
			t.Fatalf("conflicts = %+v, want Épinal's e-mail and Papeete's point", rep.Conflicts)
		}
		for _, c := range rep.Conflicts {
			if c.Status != "filed" || c.ProposalID == 0 {
				t.Errorf("conflict %+v not filed as a proposal", c)
			}
		}
		if rep.RunID == 0 || rep.Attribution == "" || rep.SourceURL != "https://example.org/all_latest.tar.bz2" {
			t.Errorf("run %d, attribution %q, url %q", rep.RunID, rep.Attribution, rep.SourceURL)
		}
	})

	t.Run("TownHalls", func(t *testing.T) {
		p, pt := propsOf(t, f.d, "commune-88160")
		if p.Phone != "03 29 00 00 10" || p.Website != "https://www.epinal.example" || p.SIRET != "21880160300010" {
			t.Errorf("Épinal = %+v", p)
		}
		if p.Address != "9 rue du Général-Leclerc, 88000 Épinal" {
			t.Errorf("Épinal's address = %q", p.Address)
		}
		if want := "Lundi au vendredi : 8h30–12h, 13h30–17h30 ; samedi : 9h–12h (Permanence état civil uniquement.)"; p.OpeningHours != want {
			t.Errorf("opening hours = %q, want %q", p.OpeningHours, want)
		}
		src := "dila:f0a1c2d3-0001-4e5f-8a9b-000000088160"
		if p.Precision != "exact" || p.PointSource != src || len(pt) != 2 || pt[0] != 6.44977 || pt[1] != 48.17255 {
			t.Errorf("Épinal's point = %v %s %s", pt, p.Precision, p.PointSource)
		}
		for _, field := range []string{"phone", "website", "address", "opening_hours", "siret", "point"} {
			if pr := p.Provenance[field]; pr.Source != src || pr.AsOf != "2026-11-18" {
				t.Errorf("provenance.%s = %+v", field, pr)
			}
		}
		// The person's e-mail stays, with its own provenance.
		if p.Email != "accueil@mairie-epinal.example" || !strings.HasPrefix(p.Provenance["email"].Source, "proposal:") {
			t.Errorf("Épinal's e-mail = %q (%+v): a person's value was overwritten", p.Email, p.Provenance["email"])
		}
		// A merged commune takes its main town hall (-01), never a mairie déléguée.
		if p, pt := propsOf(t, f.d, "commune-74010"); p.Phone != "04 50 00 00 20" || pt[0] != 6.12954 {
			t.Errorf("Annecy = %+v %v, want the -01 town hall's values", p, pt)
		}
		// Mayotte, which had no point, gets its town hall's.
		if p, pt := propsOf(t, f.d, "commune-97611"); p.Phone != "02 69 00 00 11" || len(pt) != 2 || p.Precision != "exact" || p.Website != "" {
			t.Errorf("Mamoudzou = %+v %v", p, pt)
		}
		// Papeete keeps the point a person placed; its phone is written.
		if p, pt := propsOf(t, f.d, "commune-98735"); p.Phone != "40 00 00 35" || p.Precision != "contributed" || pt[0] != -149.57 {
			t.Errorf("Papeete = %+v %v", p, pt)
		}
	})

	t.Run("Seats", func(t *testing.T) {
		for id, phone := range map[string]string{"departement-88": "03 29 00 00 88", "region-44": "03 88 00 00 44",
			"epci-200068757": "03 29 00 00 57", "prefecture-88": "03 29 00 00 89", "sous-prefecture-883": "03 29 00 00 83"} {
			p, _ := propsOf(t, f.d, id)
			if p.Phone != phone || p.Precision != "exact" || !strings.HasPrefix(p.PointSource, "dila:") {
				t.Errorf("%s = %+v, want phone %s and an exact point", id, p, phone)
			}
		}
	})

	t.Run("History", func(t *testing.T) {
		h, err := f.d.FindHistory(ctx, "actor", "commune-74010")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].Action != "sync" || h[0].Author == nil || !strings.Contains(h[0].Author.Name, "DILA") ||
			h[0].Reason != "import DILA du 18 novembre 2026 (2026-11-18_053120-data.gouv_local.json)" {
			t.Fatalf("history = %+v", h)
		}
		// Version 1 keeps its own date: the bundle's load, not the import's.
		a, err := f.d.FindActorByID(ctx, "commune-74010")
		if err != nil {
			t.Fatal(err)
		}
		if !h[1].CreatedAt.Equal(a.CreatedAt) || h[1].CreatedAt.Equal(h[0].CreatedAt) {
			t.Errorf("version 1 dated %v, version 2 %v; the record was created %v", h[1].CreatedAt, h[0].CreatedAt, a.CreatedAt)
		}
	})

	t.Run("ConflictsToReview", func(t *testing.T) {
		for _, c := range rep.Conflicts {
			p, err := f.d.FindProposalByID(ctx, f.mod, c.ProposalID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != "pending" || !strings.Contains(p.Author.Name, "DILA") {
				t.Errorf("proposal %d: %s by %s", p.ID, p.Status, p.Author.Name)
			}
			switch c.Field {
			case "email":
				if string(p.Changes["email"].New) != `"mairie@epinal.example"` || string(p.Changes["email"].Old) != `"accueil@mairie-epinal.example"` {
					t.Errorf("e-mail proposal changes = %+v", p.Changes)
				}
			case "point":
				if p.Action != "place" || p.TargetID != "commune-98735" {
					t.Errorf("point proposal = %+v", p)
				}
			}
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		versions := map[string]int{}
		for id := range before {
			p, _ := propsOf(t, f.d, id)
			versions[id] = p.Version
		}
		seq := f.d.Seq()
		again := importDILA(t, f.d, fixture, directory.DILAOptions{})
		if again.ActorsChanged != 0 || again.Unchanged != 7 || len(again.FieldsChanged) != 0 {
			t.Fatalf("second run changed %d actors (%v), %d unchanged", again.ActorsChanged, again.FieldsChanged, again.Unchanged)
		}
		for _, c := range again.Conflicts {
			if c.Status != "pending" || c.ProposalID == 0 {
				t.Errorf("conflict sent again: %+v", c)
			}
		}
		for id, v := range versions {
			if p, _ := propsOf(t, f.d, id); p.Version != v {
				t.Errorf("%s: version %d → %d on the same file", id, v, p.Version)
			}
		}
		if f.d.Seq() != seq {
			t.Errorf("change sequence moved on the same file: %d → %d", seq, f.d.Seq())
		}
	})

	t.Run("Incremental", func(t *testing.T) {
		// A week later, Épinal changed its phone; nothing else changed.
		newer := bytes.Replace(fixture, []byte(`"03 29 00 00 10"`), []byte(`"03 29 00 00 11"`), 1)
		var doc struct {
			Service []map[string]any `json:"service"`
		}
		json.Unmarshal(newer, &doc)
		doc.Service[0]["date_modification"] = "25/11/2026 09:00:00"
		newer, _ = json.Marshal(doc)
		p0, _ := propsOf(t, f.d, "commune-88160")
		rep := importDILA(t, f.d, newer, directory.DILAOptions{FileName: "2026-11-25_053120-data.gouv_local.json"})
		if rep.ActorsChanged != 1 || rep.FieldsChanged["phone"] != 1 {
			t.Fatalf("newer file changed %d actors: %v", rep.ActorsChanged, rep.FieldsChanged)
		}
		p, _ := propsOf(t, f.d, "commune-88160")
		if p.Phone != "03 29 00 00 11" || p.Version != p0.Version+1 || p.Provenance["phone"].AsOf != "2026-11-25" {
			t.Fatalf("after the newer file Épinal = %+v", p)
		}
		h, _ := f.d.FindHistory(ctx, "actor", "commune-88160")
		if h[0].Reason != "import DILA du 25 novembre 2026 (2026-11-25_053120-data.gouv_local.json)" {
			t.Errorf("history reason = %q", h[0].Reason)
		}
		if _, ok := h[0].Changes["phone"]; !ok || h[0].Changes["email"].New != nil {
			t.Errorf("the new version changes %v, want the phone only", keys(h[0].Changes))
		}
	})

	t.Run("DecidedConflictsStayDecided", func(t *testing.T) {
		var email, point int64
		for _, c := range rep.Conflicts {
			if c.Field == "email" {
				email = c.ProposalID
			} else {
				point = c.ProposalID
			}
		}
		if _, err := f.d.RejectEdit(ctx, f.mod, directory.Decision{ID: email, Reason: "la mairie a confirmé son adresse d'accueil"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.ApproveEdit(ctx, f.mod, directory.Decision{ID: point}); err != nil {
			t.Fatal(err)
		}
		p, pt := propsOf(t, f.d, "commune-98735")
		if p.Precision != "exact" || !strings.HasPrefix(p.PointSource, "dila:") || pt[0] != -149.56646 || p.Provenance["point"].AsOf != "2026-10-02" {
			t.Fatalf("approved point: %+v %v", p, pt)
		}
		again := importDILA(t, f.d, fixture, directory.DILAOptions{})
		for _, c := range again.Conflicts {
			if c.Field == "email" && c.Status != "rejected" {
				t.Errorf("a rejected value was sent again: %+v", c)
			}
		}
		if slices.ContainsFunc(again.Conflicts, func(c directory.DILAConflict) bool { return c.Field == "point" }) {
			t.Errorf("the approved point conflicts again: %+v", again.Conflicts)
		}
	})

	t.Run("Runs", func(t *testing.T) {
		runs, err := f.d.FindImportRuns(ctx, f.mod, directory.ImportDILA, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 4 || runs[len(runs)-1].FileDate != "2026-11-18" {
			t.Fatalf("runs = %d", len(runs))
		}
		var stored directory.DILAReport
		if err := json.Unmarshal(runs[len(runs)-1].Report, &stored); err != nil || stored.Matched != 9 || len(stored.Conflicts) != 2 {
			t.Fatalf("stored report = %+v, %v", stored, err)
		}
		if _, err := f.d.FindImportRuns(ctx, f.alice, "", 10); directory.ErrorCode(err) != directory.EFORBIDDEN {
			t.Fatalf("a contributor read the reports: %v", err)
		}
	})
}

func TestImportDILA_NotADILAFile(t *testing.T) {
	d := MustOpenDirectory(t)
	for name, body := range map[string]string{
		"Empty":     "",
		"Array":     `[{"id": "x"}]`,
		"NoService": `{"records": []}`,
		"Cut":       `{"service": [{"id": "a", "nom": "Mairie - X", "pivot": [`,
		"NotArray":  `{"service": {"id": "x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := d.ImportDILA(context.Background(), strings.NewReader(body), directory.DILAOptions{})
			if directory.ErrorCode(err) != directory.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
		})
	}
	// A record of an unexpected shape is reported, the others are read.
	rep, err := d.ImportDILA(context.Background(), strings.NewReader(`{"service": [{"id": "bad", "nom": "X", "pivot": 3},
		{"id": "ok", "nom": "CCAS", "pivot": [{"type_service_local": "ccas", "code_insee_commune": ["88160"]}]}]}`),
		directory.DILAOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 2 || len(rep.Unreadable) != 1 || rep.Unreadable[0].ID != "bad" || rep.Ignored["ccas"] != 1 {
		t.Fatalf("report = %+v", rep)
	}
	// Its reason has a key and says which member, so the run's page says it
	// in French rather than quoting encoding/json.
	if u := rep.Unreadable[0]; u.Key != "dila.unreadable_type" || u.Args["member"] != "pivot" || u.Args["json_type"] != "number" {
		t.Fatalf("the unreadable record's reason: %+v", u)
	}
}

func keys[M ~map[string]V, V any](m M) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// dilaRecord is a record of the DILA file, with the fields the edge cases
// below need (the others are optional in the format).
func dilaRecord(id, name, typ, code, pivot, date, phone string, lon, lat float64) map[string]any {
	return map[string]any{"id": id, "nom": name, "ancien_code_pivot": pivot, "date_modification": date,
		"pivot":     []any{map[string]any{"type_service_local": typ, "code_insee_commune": []string{code}}},
		"telephone": []any{map[string]any{"valeur": phone, "description": ""}},
		"adresse": []any{map[string]any{"type_adresse": "Adresse", "numero_voie": "1 place de la Mairie", "code_postal": "",
			"nom_commune": name, "longitude": strconv.FormatFloat(lon, 'f', -1, 64), "latitude": strconv.FormatFloat(lat, 'f', -1, 64)}}}
}

func dilaFile(t *testing.T, records ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"service": records})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Edge cases of the sync: a town hall ranked after -01 is no commune's
// whatever its name; a point far from the commune is left out; an undated
// record keeps its date when read again from a file with no date in its
// name; an older file imported after a newer one changes nothing.
func TestImportDILA_Edges(t *testing.T) {
	f := newSeededFixture(t)
	brest := dilaRecord("b-1", "Mairie - Brest", "mairie", "29019", "mairie-29019-01", "20/11/2026 09:15:00", "02 98 00 80 80", -4.48597, 48.3904)
	cherbourg := dilaRecord("c-1", "Mairie - Cherbourg-en-Cotentin", "mairie", "50129", "mairie-50129-01", "12/10/2026 14:00:00", "02 33 00 00 01", -1.6259, 49.6416)
	equeurdreville := dilaRecord("c-3", "Mairie - Équeurdreville-Hainneville", "mairie", "50129", "mairie-50129-03", "12/10/2026 14:00:00", "02 33 00 00 03", -1.66, 49.64)
	// Undated, and placed in Paris.
	guipavas := dilaRecord("g-1", "Mairie - Guipavas", "mairie", "29075", "mairie-29075-01", "", "02 98 84 75 00", 2.35, 48.85)
	file := dilaFile(t, brest, cherbourg, equeurdreville, guipavas)
	_, guipavasPoint := propsOf(t, f.d, "commune-29075")

	rep := importDILA(t, f.d, file, directory.DILAOptions{FileName: "2026-11-25_060000-data.gouv_local.json"})
	if rep.Delegated != 1 || rep.Matched != 3 || rep.ActorsChanged != 3 {
		t.Fatalf("délégués %d, matched %d, changed %d; want 1, 3, 3", rep.Delegated, rep.Matched, rep.ActorsChanged)
	}
	if p, _ := propsOf(t, f.d, "commune-50129"); p.Phone != "02 33 00 00 01" {
		t.Errorf("Cherbourg-en-Cotentin's phone = %q, want its -01 town hall's", p.Phone)
	}
	if len(rep.InvalidValues) != 1 || rep.InvalidValues[0].Actor != "commune-29075" || rep.InvalidValues[0].Field != "point" ||
		!strings.Contains(rep.InvalidValues[0].Reason, "km from the commune's point") {
		t.Errorf("invalid values = %+v, want Guipavas's point in Paris", rep.InvalidValues)
	}
	p, pt := propsOf(t, f.d, "commune-29075")
	if p.Phone != "02 98 84 75 00" || p.Provenance["phone"].AsOf != "2026-11-25" || !slices.Equal(pt, guipavasPoint) || p.Provenance["point"].Source != "" {
		t.Errorf("Guipavas = %+v %v: want the phone dated by the file, the point kept", p, pt)
	}

	// The same records from a file whose name gives no date: nothing changes.
	again := importDILA(t, f.d, file, directory.DILAOptions{FileName: "annuaire.json"})
	if again.ActorsChanged != 0 || len(again.FieldsChanged) != 0 {
		t.Errorf("the same records under another name changed %d actors: %v", again.ActorsChanged, again.FieldsChanged)
	}

	// An older record of Brest, imported after the newer one, changes nothing.
	old := dilaRecord("b-1", "Mairie - Brest", "mairie", "29019", "mairie-29019-01", "01/10/2026 09:00:00", "02 98 00 00 00", -4.48597, 48.3904)
	older := importDILA(t, f.d, dilaFile(t, old), directory.DILAOptions{FileName: "2026-10-01_060000-data.gouv_local.json"})
	if older.ActorsChanged != 0 || len(older.Older) != 1 || older.Older[0].Field != "phone" || older.Older[0].Actor != "commune-29019" {
		t.Errorf("an older file: changed %d, older %+v", older.ActorsChanged, older.Older)
	}
	if p, _ := propsOf(t, f.d, "commune-29019"); p.Phone != "02 98 00 80 80" || p.Provenance["phone"].AsOf != "2026-11-20" {
		t.Errorf("Brest after an older file = %+v", p)
	}
}
