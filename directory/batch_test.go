package directory_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

const batchCSV = `acteur;insee;siren;nom;departement;outil;tool_themes;usage;depuis;statut;contact;source_url;as_of
commune-88160;;;;;wiki;;Wiki des quartiers;2019;in_use;Service communication;https://example.org/epinal-wiki;2024
;54395;;;;Registre des délibérations;organisation,democratie;Publication des délibérations;;planned;;;2025-06
;;200068757;;;registre des délibérations;;Mutualisé pour les communes;;;;;
;;;Sainte-Marie;;wiki;;;;;;;
;;;Sainte-Marie;974;wiki;;;;;;;
;;;Commune imaginaire;88;wiki;;;;;;;
;99999;;;;wiki;;;;;;;
commune-54395;;;;;outil-inconnu;;;;;;;
commune-88160;;;;;flickr;;;1890;;;;
`

func importBatch(t *testing.T, d *directory.Directory, u *directory.User, body string, dry bool) (*directory.BatchReport, error) {
	t.Helper()
	return d.ImportAdoptions(context.Background(), u, strings.NewReader(body), directory.BatchOptions{FileName: "membres.csv", DryRun: dry})
}

// A network's list of adoptions, matched row by row (id, INSEE, SIREN,
// name with département), checked, stored as one batch of proposals only
// when every row is good, and decided as a batch: never half-applied.
func TestImportAdoptions(t *testing.T) {
	f := newSeededFixture(t)
	ctx := f.ctx

	rep, err := importBatch(t, f.d, f.alice, batchCSV, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != "csv" || len(rep.Rows) != 9 || rep.OK != 4 || rep.Ambiguous != 1 || rep.Unmatched != 2 || rep.Invalid != 2 {
		t.Fatalf("report: %d rows, ok %d, ambiguous %d, unmatched %d, invalid %d", len(rep.Rows), rep.OK, rep.Ambiguous, rep.Unmatched, rep.Invalid)
	}
	want := []struct {
		status, actor, tool string
		field               string // the field a bad row's error is on
	}{
		{"ok", "commune-88160", "wiki", ""},
		{"ok", "commune-54395", "registre-des-deliberations", ""},
		{"ok", "epci-200068757", "registre-des-deliberations", ""},
		{"ambiguous", "", "wiki", "actor"},
		{"ok", "commune-97418", "wiki", ""},
		{"unmatched", "", "wiki", "actor"},
		{"unmatched", "", "wiki", "actor"},
		{"invalid", "commune-54395", "", "tool"},
		{"invalid", "commune-88160", "flickr", "since"},
	}
	for i, w := range want {
		r := rep.Rows[i]
		if r.Status != w.status || r.Actor != w.actor || r.Tool != w.tool || (w.field != "" && r.Errors[w.field] == "") {
			t.Errorf("row %d (line %d): %s %s %s %v; want %+v", i, r.Line, r.Status, r.Actor, r.Tool, r.Errors, w)
		}
	}
	if c := rep.Rows[3].Candidates; len(c) < 5 || !strings.Contains(rep.Rows[3].Errors["actor"], "departement") {
		t.Errorf("ambiguous Sainte-Marie: %d candidates, %q", len(c), rep.Rows[3].Errors["actor"])
	}
	if !rep.Rows[1].NewTool || len(rep.NewTools) != 1 || rep.Rows[2].Tool != rep.Rows[1].Tool {
		t.Errorf("new tool: %+v", rep.NewTools)
	}

	t.Run("NothingHalfStored", func(t *testing.T) {
		rep, err := importBatch(t, f.d, f.alice, batchCSV, false)
		if directory.ErrorCode(err) != directory.EINVALID || rep.RunID != 0 {
			t.Fatalf("a batch with bad rows: %v, run %d", err, rep.RunID)
		}
		runs, _ := f.d.FindImportRuns(ctx, f.mod, directory.ImportAdoptions, 10)
		if len(runs) != 0 {
			t.Fatalf("a refused batch left a run")
		}
	})

	// The fixed file: the good rows only.
	lines := strings.Split(batchCSV, "\n")
	good := strings.Join([]string{lines[0], lines[1], lines[2], lines[3], lines[5]}, "\n")
	var runID int64
	t.Run("ContributorsBatchWaits", func(t *testing.T) {
		rep, err := importBatch(t, f.d, f.alice, good, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RunID == 0 || rep.Applied || rep.Proposals != 5 {
			t.Fatalf("run %d applied %v, %d proposals (want 4 rows and a new tool)", rep.RunID, rep.Applied, rep.Proposals)
		}
		runID = rep.RunID
		list, total, err := f.d.FindProposals(ctx, f.mod, directory.ProposalFilter{BatchID: runID, Statuses: []string{"pending"}, Limit: 50})
		if err != nil || total != 5 || list[0].BatchID != runID {
			t.Fatalf("batch proposals: %d, %v", total, err)
		}
		if _, _, err := f.d.FindToolBySlug(ctx, "registre-des-deliberations"); directory.ErrorCode(err) != directory.ENOTFOUND {
			t.Fatalf("the new tool exists before review: %v", err)
		}
		run, err := f.d.FindImportRun(ctx, f.mod, runID)
		if err != nil || run.Pending != 5 || run.Status != "pending" {
			t.Fatalf("run = %+v, %v", run, err)
		}
	})

	t.Run("BatchApprovedAtomically", func(t *testing.T) {
		if _, err := f.d.DecideBatch(ctx, f.alice, runID, true, ""); directory.ErrorCode(err) != directory.EFORBIDDEN {
			t.Fatalf("a contributor approved a batch: %v", err)
		}
		// Approving a row whose new tool is not created yet says what to do.
		list, _, _ := f.d.FindProposals(ctx, f.mod, directory.ProposalFilter{BatchID: runID, TargetType: "adoption", TargetID: "adoption-commune-54395-registre-des-deliberations", Limit: 5})
		if _, err := f.d.ApproveEdit(ctx, f.mod, directory.Decision{ID: list[0].ID}); directory.ErrorCode(err) != directory.ECONFLICT ||
			!strings.Contains(directory.ErrorMessage(err), "approve the proposal creating it first") {
			t.Fatalf("approving a row before its tool: %v", err)
		}
		n, err := f.d.DecideBatch(ctx, f.mod, runID, true, "liste vérifiée")
		if err != nil || n != 5 {
			t.Fatalf("approve batch: %d, %v", n, err)
		}
		b, _, err := f.d.ActorFeature(ctx, "commune-54395")
		if err != nil {
			t.Fatal(err)
		}
		var feat struct {
			Properties struct {
				Adoptions []struct {
					Tool    string             `json:"tool"`
					Status  string             `json:"status"`
					AsOf    string             `json:"as_of"`
					Sources []directory.Source `json:"sources"`
				} `json:"adoptions"`
			} `json:"properties"`
		}
		json.Unmarshal(b, &feat)
		found := false
		for _, ad := range feat.Properties.Adoptions {
			if ad.Tool == "registre-des-deliberations" && ad.Status == "planned" && ad.AsOf == "2025-06" {
				found = true
			}
		}
		if !found {
			t.Fatalf("Nancy's adoptions after the batch: %+v", feat.Properties.Adoptions)
		}
		b, _, _ = f.d.ActorFeature(ctx, "commune-88160")
		json.Unmarshal(b, &feat)
		for _, ad := range feat.Properties.Adoptions {
			if ad.Tool == "wiki" && (len(ad.Sources) == 0 || ad.Sources[len(ad.Sources)-1].URL != "https://example.org/epinal-wiki") {
				t.Errorf("Épinal's wiki sources: %+v", ad.Sources)
			}
		}
		if run, _ := f.d.FindImportRun(ctx, f.mod, runID); run.Pending != 0 || run.Status != "decided" {
			t.Errorf("run after approval: %+v", run)
		}
		// The same file again: every row is already there.
		rep, err := importBatch(t, f.d, f.alice, good, true)
		if err != nil || rep.Unchanged != 4 {
			t.Errorf("the same batch again: %d unchanged, %v", rep.Unchanged, err)
		}
	})

	t.Run("ModeratorsBatchApplies", func(t *testing.T) {
		rep, err := importBatch(t, f.d, f.mod, "actor,tool,status,usage\nassociation-fing,blog,in_use,Blog de la Fing\n", false)
		if err != nil || !rep.Applied || rep.RunID == 0 {
			t.Fatalf("moderator's batch: %+v %v", rep, err)
		}
		b, _, _ := f.d.ActorFeature(ctx, "association-fing")
		if !strings.Contains(string(b), `"tool":"blog"`) {
			t.Fatalf("the moderator's batch is not applied")
		}
	})

	t.Run("RejectedBatchAndAllOrNothing", func(t *testing.T) {
		body := "actor;tool;tool_themes\nassociation-bug;Outil du lot;communication\nassociation-libertic;Outil du lot;\n"
		rep, err := importBatch(t, f.d, f.bob, body, false)
		if err != nil {
			t.Fatal(err)
		}
		// The association is deleted meanwhile: the batch cannot apply, and
		// nothing of it does (not even the new tool).
		mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "association-libertic", Action: "delete",
			BaseVersion: staleVersion(t, f.d, "association-libertic")})
		if _, err := f.d.DecideBatch(ctx, f.mod, rep.RunID, true, ""); directory.ErrorCode(err) != directory.ECONFLICT {
			t.Fatalf("approving a batch that cannot apply: %v", err)
		}
		if _, _, err := f.d.FindToolBySlug(ctx, "outil-du-lot"); directory.ErrorCode(err) != directory.ENOTFOUND {
			t.Fatalf("a half-applied batch created its tool: %v", err)
		}
		if _, err := f.d.DecideBatch(ctx, f.mod, rep.RunID, false, ""); directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("a rejection without reason: %v", err)
		}
		n, err := f.d.DecideBatch(ctx, f.mod, rep.RunID, false, "l'association n'existe plus")
		if err != nil || n != 3 {
			t.Fatalf("reject batch: %d %v", n, err)
		}
	})

	t.Run("GeoJSON", func(t *testing.T) {
		body := `{"type":"FeatureCollection","features":[
			{"type":"Feature","geometry":null,"properties":{"insee":"88160","tool":"youtube","since":2012,"status":"in_use"}},
			{"type":"Feature","geometry":null,"properties":{"name":"Épinal","departement":"88","tool":"twitter"}}]}`
		rep, err := importBatch(t, f.d, f.alice, body, true)
		if err != nil || rep.Format != "geojson" || rep.OK != 2 || rep.Rows[0].Actor != "commune-88160" || rep.Rows[1].Actor != "commune-88160" {
			t.Fatalf("geojson: %+v %v", rep, err)
		}
		if _, err := importBatch(t, f.d, f.alice, `{"type":"FeatureCollection","features":[{"properties":{"nope":1}}]}`, true); directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("unknown property: %v", err)
		}
	})

	t.Run("BadFiles", func(t *testing.T) {
		for name, body := range map[string]string{
			"Empty":         "",
			"UnknownColumn": "actor;tool;couleur\ncommune-88160;wiki;bleu\n",
			"NoRow":         "actor;tool\n",
			"NotUTF8":       "actor;tool\ncommune-88160;wiki\xff\n",
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := importBatch(t, f.d, f.alice, body, true); directory.ErrorCode(err) != directory.EINVALID {
					t.Fatalf("err = %v", err)
				}
			})
		}
		if _, err := importBatch(t, f.d, nil, good, true); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
			t.Fatalf("anonymous: %v", err)
		}
	})
}
