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
	// This process writes too (Nancy), before it catches up: its write
	// takes in the other's change, committed before it, so that the read
	// model is the store's state at the write's sequence (the sequence the
	// ETags derive from).
	mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-54395", Action: "update",
		BaseVersion: 1, Changes: changes("phone", "03 83 85 30 00")})
	seqOwn := f.d.Seq()
	if seqOwn <= seq0 {
		t.Fatalf("own write did not move the sequence: %d → %d", seq0, seqOwn)
	}
	if stored, err := f.d.DB().ChangeSeq(ctx); err != nil || stored != seqOwn {
		t.Fatalf("after its own write the read model is at sequence %d, the store at %d (%v)", seqOwn, stored, err)
	}
	if got := phoneOf(t, f.d, "commune-88160"); got != "03 29 68 50 00" {
		t.Fatalf("after its own write Épinal's phone = %q: the other's earlier change is hidden", got)
	}
	if got := phoneOf(t, f.d, "commune-54395"); got != "03 83 85 30 00" {
		t.Fatalf("own change lost: Nancy's phone = %q", got)
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

	// The other directory took this one's write in with its own, made after it.
	if got := phoneOf(t, od, "commune-54395"); got != "03 83 85 30 00" {
		t.Fatalf("the other directory does not see Nancy's phone: %q", got)
	}
	if n, err := od.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("other caught up already: %d, %v", n, err)
	}
	if stored, _ := f.d.DB().ChangeSeq(ctx); od.Seq() != stored || f.d.Seq() != stored {
		t.Fatalf("both directories caught up, at sequences %d and %d; the store at %d", f.d.Seq(), od.Seq(), stored)
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
