package directory_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

// webhookEvents returns the events queued for webhook id, by type.
func webhookEvents(t *testing.T, f *fixture, id int64) map[string][]directory.Event {
	t.Helper()
	list, _, err := f.d.FindDeliveries(f.ctx, f.mod, id, "", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]directory.Event{}
	for _, dl := range list {
		var ev directory.Event
		if err := json.Unmarshal(dl.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		out[ev.Type] = append(out[ev.Type], ev)
	}
	return out
}

// Imports are changes like any other for webhooks: a DILA sync's own writes
// are change.applied events with a sync member, its conflicts and a batch's
// rows proposal.created events, all filtered by territory.
func TestImports_Webhooks(t *testing.T) {
	f := newSeededFixture(t)
	mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: 1, Changes: changes("email", "accueil@mairie-epinal.example")})
	hook, err := f.d.CreateWebhook(f.ctx, f.mod, directory.WebhookInput{URL: "https://93.184.216.34/hook", Filter: directory.WebhookFilter{Departements: []string{"88", "74"}}})
	if err != nil {
		t.Fatal(err)
	}
	rep := importDILA(t, f.d, readDILAFixture(t), directory.DILAOptions{})
	evs := webhookEvents(t, f, hook.ID)

	var annecy *directory.Event
	for i, ev := range evs[directory.EventChangeApplied] {
		if ev.Territory.Departement != "88" && ev.Territory.Departement != "74" {
			t.Errorf("event of %s (%s) outside the filter", ev.Record.ID, ev.Territory.Departement)
		}
		if ev.Sync == nil || ev.Proposal != nil || !strings.HasPrefix(ev.Sync.Source, "dila:") ||
			!strings.HasPrefix(ev.Sync.Reason, "import DILA du ") {
			t.Errorf("sync event of %s: %+v", ev.Record.ID, ev.Sync)
		}
		if ev.Record.ID == "commune-74010" {
			annecy = &evs[directory.EventChangeApplied][i]
		}
	}
	if annecy == nil {
		t.Fatalf("no change.applied for Annecy among %d", len(evs[directory.EventChangeApplied]))
	}
	if c, ok := annecy.Sync.Changes["phone"]; !ok || (string(c.Old) != "null" && string(c.Old) != `""`) || !strings.Contains(string(c.New), "04 50") {
		t.Errorf("Annecy's phone change = %+v (%v)", c, ok)
	}
	if annecy.Record.Version < 2 || annecy.Sync.By.Name == "" {
		t.Errorf("Annecy's event: version %d, by %+v", annecy.Record.Version, annecy.Sync.By)
	}
	// Épinal's e-mail, set by a person, became a proposal: announced too.
	var filed bool
	for _, ev := range evs[directory.EventProposalCreated] {
		if ev.Record.ID == "commune-88160" && ev.Proposal != nil && ev.Proposal.Changes["email"].New != nil {
			filed = true
		}
	}
	if !filed || len(rep.Conflicts) == 0 {
		t.Errorf("no proposal.created for Épinal's e-mail conflict (%d conflicts, events %v)", len(rep.Conflicts), len(evs[directory.EventProposalCreated]))
	}

	// A contributor's batch: one proposal.created per row in the filter.
	before := len(evs[directory.EventProposalCreated])
	if _, err := importBatch(t, f.d, f.alice, "actor;tool;usage\ncommune-88160;wiki;Wiki des quartiers\ncommune-54395;wiki;\n", false); err != nil {
		t.Fatal(err)
	}
	evs = webhookEvents(t, f, hook.ID)
	if got := len(evs[directory.EventProposalCreated]) - before; got != 1 {
		t.Errorf("%d proposal.created for the batch, want 1 (Meurthe-et-Moselle is outside the filter)", got)
	}
}
