package directory_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

// Two directories over one database file stand for two processes (each has
// its own connections and its own read model): what one writes, the other
// sees after catching up, and a write of its own in between hides nothing.
func TestCatchUp_FollowsAnotherWriter(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other, err := directory.Open(ctx, f.d.DB().Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.Now = f.clock.Now
	od, err := directory.New(ctx, other)
	if err != nil {
		t.Fatal(err)
	}

	if n, err := f.d.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("nothing changed: CatchUp = %d, %v", n, err)
	}
	seq0 := f.d.Seq()

	// The other process changes Épinal's phone.
	mustPropose(t, od, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: 1, Changes: changes("phone", "03 29 68 50 00")})
	if got := phoneOf(t, f.d, "commune-88160"); got != "" {
		t.Fatalf("before catching up the read model already has phone %q", got)
	}
	// This process writes too (Nancy), before it catches up: its own
	// refresh must not make it skip the other's change.
	mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-54395", Action: "update",
		BaseVersion: 1, Changes: changes("phone", "03 83 85 30 00")})
	seqOwn := f.d.Seq()
	if seqOwn <= seq0 {
		t.Fatalf("own write did not move the sequence: %d → %d", seq0, seqOwn)
	}
	n, err := f.d.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Fatalf("CatchUp refreshed %d records, want the other process's change", n)
	}
	if got := phoneOf(t, f.d, "commune-88160"); got != "03 29 68 50 00" {
		t.Fatalf("after catching up Épinal's phone = %q", got)
	}
	if got := phoneOf(t, f.d, "commune-54395"); got != "03 83 85 30 00" {
		t.Fatalf("own change lost: Nancy's phone = %q", got)
	}
	// The state is new, so is the sequence (ETags derive from it).
	if f.d.Seq() <= seqOwn {
		t.Fatalf("sequence did not move after catching up: %d → %d", seqOwn, f.d.Seq())
	}
	if n, err := f.d.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("caught up already: CatchUp = %d, %v", n, err)
	}

	// An adoption and a new tool written elsewhere reach the tool filter.
	mustPropose(t, od, f.mod, directory.ProposalInput{TargetType: "tool", Action: "create",
		Changes: changes("name", "Outil suivi", "themes", []string{"organisation"})})
	mustPropose(t, od, f.mod, directory.ProposalInput{TargetType: "adoption", Action: "create",
		Changes: changes("actor", "commune-88160", "tool", "outil-suivi", "status", "in_use")})
	if _, err := f.d.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := f.d.FindActors(ctx, directory.ActorFilter{Tools: []string{"outil-suivi"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Matched != 1 || decode(t, page.Features[0]).ID != "commune-88160" {
		t.Fatalf("tool filter after catching up: %d matched", page.Matched)
	}

	// The other directory catches up with this one's write in its turn
	// (re-reading its own writes made after it: they may not be skipped).
	if n, err := od.CatchUp(ctx); err != nil || n != 3 {
		t.Fatalf("other's CatchUp = %d, %v; want Nancy's change and its own two after it", n, err)
	}
	if got := phoneOf(t, od, "commune-54395"); got != "03 83 85 30 00" {
		t.Fatalf("the other directory does not see Nancy's phone: %q", got)
	}
	if n, err := od.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("other caught up already: %d, %v", n, err)
	}
}

func mustPropose(t *testing.T, d *directory.Directory, u *directory.User, in directory.ProposalInput) *directory.Proposal {
	t.Helper()
	p, err := d.ProposeEdit(context.Background(), u, in)
	if err != nil {
		t.Fatalf("propose %+v: %v", in, err)
	}
	return p
}

func phoneOf(t *testing.T, d *directory.Directory, id string) string {
	t.Helper()
	b, _, err := d.ActorFeature(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Properties struct {
			Phone string `json:"phone"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Properties.Phone
}
