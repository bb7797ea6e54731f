package directory_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
)

type staleProvenance struct {
	directory.Provenance
	Stale bool `json:"stale"`
}

type staleProps struct {
	ID         string                     `json:"id"`
	Stale      bool                       `json:"stale"`
	UpdatedAt  string                     `json:"updated_at"`
	Provenance map[string]staleProvenance `json:"provenance"`
	Adoptions  []struct {
		ID         string `json:"id"`
		AsOf       string `json:"as_of"`
		Stale      bool   `json:"stale"`
		VerifiedAt string `json:"verified_at"`
		VerifiedBy *struct {
			Name string `json:"name"`
		} `json:"verified_by"`
	} `json:"adoptions"`
}

func staleOf(t *testing.T, d *directory.Directory, id string) staleProps {
	t.Helper()
	b, _, err := d.ActorFeature(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Properties staleProps `json:"properties"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Properties
}

func ids(t *testing.T, page *directory.FeaturePage) map[string]bool {
	out := map[string]bool{}
	for _, b := range page.Features {
		out[decode(t, b).ID] = true
	}
	return out
}

// Facts older than the threshold and never confirmed are stale; a person
// confirms them "toujours d'actualité": at once for moderators and
// representatives, as a light proposal for others; the stale= and
// verified_since= filters and the moderators' queue follow.
func TestFreshnessAndConfirmation(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	yes, no := true, false

	// The seed articles' adoptions date from 2009–2016: stale now.
	stale, err := f.d.FindActors(ctx, directory.ActorFilter{Stale: &yes, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if stale.Matched == 0 {
		t.Fatal("no stale actor: the seed adoptions (2009–2016) should be")
	}
	var actor, adoption string
	for _, b := range stale.Features {
		p := staleOf(t, f.d, decode(t, b).ID)
		if !p.Stale {
			t.Fatalf("%s matched stale=true but is not stale", p.ID)
		}
		for _, ad := range p.Adoptions {
			if ad.Stale && actor == "" && len(p.Adoptions) == 1 {
				actor, adoption = p.ID, ad.ID
			}
		}
	}
	if actor == "" {
		t.Fatal("no actor with a single stale adoption")
	}
	fresh, _ := f.d.FindActors(ctx, directory.ActorFilter{Stale: &no, Limit: 10000})
	if ids(t, fresh)[actor] {
		t.Fatalf("%s matched stale=false", actor)
	}
	queue, total, err := f.d.FindStaleFacts(ctx, f.mod, directory.StaleFilter{Limit: 500})
	if err != nil || total == 0 {
		t.Fatalf("stale facts: %d, %v", total, err)
	}
	if _, _, err := f.d.FindStaleFacts(ctx, f.alice, directory.StaleFilter{}); directory.ErrorCode(err) != directory.EFORBIDDEN {
		t.Fatalf("a contributor read the queue: %v", err)
	}
	found := false
	for _, s := range queue {
		found = found || (s.ActorID == actor && s.Tool != "")
	}
	if !found {
		t.Fatalf("the queue lacks %s's adoption", actor)
	}

	t.Run("ContributorWaits", func(t *testing.T) {
		c, err := f.d.ConfirmFact(ctx, f.alice, directory.ConfirmInput{TargetType: "adoption", TargetID: adoption})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "pending" || !staleOf(t, f.d, actor).Stale {
			t.Fatalf("a contributor's confirmation applied at once: %+v", c)
		}
		again, err := f.d.ConfirmFact(ctx, f.alice, directory.ConfirmInput{TargetType: "adoption", TargetID: adoption})
		if err != nil || again.ID != c.ID {
			t.Fatalf("a second confirmation made another: %+v %v", again, err)
		}
		pending, n, err := f.d.FindPendingConfirmations(ctx, f.mod, 50, 0)
		if err != nil || n != 1 || pending[0].ID != c.ID || pending[0].ActorID != actor {
			t.Fatalf("pending = %+v (%d), %v", pending, n, err)
		}
		if name := toolNameOf(t, f, strings.TrimPrefix(adoption, "adoption-"+actor+"-")); pending[0].Value != name {
			t.Errorf("a pending adoption reads %q, want its tool's name %q", pending[0].Value, name)
		}
		if _, err := f.d.ApproveConfirmation(ctx, f.bob, c.ID); directory.ErrorCode(err) != directory.EFORBIDDEN {
			t.Fatalf("a contributor approved: %v", err)
		}
		f.clock.Add(time.Hour)
		before := staleOf(t, f.d, actor).UpdatedAt
		c, err = f.d.ApproveConfirmation(ctx, f.mod, c.ID)
		if err != nil || c.Status != "applied" {
			t.Fatalf("approve: %+v %v", c, err)
		}
		p := staleOf(t, f.d, actor)
		if p.Stale || p.Adoptions[0].Stale || p.Adoptions[0].VerifiedBy == nil || p.Adoptions[0].VerifiedBy.Name != "Alice" {
			t.Fatalf("after the confirmation: %+v", p)
		}
		// Confirming is not changing: the last-updated date stays.
		if p.UpdatedAt != before {
			t.Errorf("updated_at %q → %q on a confirmation", before, p.UpdatedAt)
		}
		h, err := f.d.FindHistory(ctx, "adoption", adoption)
		if err != nil || h[0].Action != "confirm" || h[0].Reason != "toujours d'actualité" || h[0].Author.Name != "Alice" {
			t.Fatalf("history = %+v, %v", h[0], err)
		}
		if _, err := f.d.ApproveConfirmation(ctx, f.mod, c.ID); directory.ErrorCode(err) != directory.ECONFLICT {
			t.Fatalf("approved twice: %v", err)
		}
		since, _ := f.d.FindActors(ctx, directory.ActorFilter{VerifiedSince: f.clock.Now().Add(-time.Minute), Limit: 100})
		if since.Matched != 1 || !ids(t, since)[actor] {
			t.Fatalf("verified_since matched %d", since.Matched)
		}
		later, _ := f.d.FindActors(ctx, directory.ActorFilter{VerifiedSince: f.clock.Now().Add(time.Minute), Limit: 100})
		if later.Matched != 0 {
			t.Fatalf("verified_since after the confirmation matched %d", later.Matched)
		}
	})

	t.Run("TimePasses", func(t *testing.T) {
		// A moderator sets Épinal's phone: a contribution as of today, fresh.
		mustPropose(t, f.d, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
			BaseVersion: staleVersion(t, f.d, "commune-88160"), Changes: changes("phone", "03 29 00 00 01")})
		p := staleOf(t, f.d, "commune-88160")
		if p.Provenance["phone"].AsOf != f.clock.Now().Format(time.DateOnly) || p.Provenance["phone"].Stale {
			t.Fatalf("a new phone: %+v", p)
		}
		// Three years and a day later, with no write, it is stale.
		f.clock.Add((3*365 + 2) * 24 * time.Hour)
		if n := f.d.RefreshStale(ctx); n == 0 {
			t.Fatal("no entry turned stale")
		}
		p = staleOf(t, f.d, "commune-88160")
		if !p.Provenance["phone"].Stale || !p.Stale {
			t.Fatalf("three years later the phone is not stale: %+v", p)
		}
		// A moderator's confirmation applies at once.
		c, err := f.d.ConfirmFact(ctx, f.mod, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-88160", Field: "phone"})
		if err != nil || c.Status != "applied" {
			t.Fatalf("moderator's confirmation: %+v %v", c, err)
		}
		p = staleOf(t, f.d, "commune-88160")
		if p.Provenance["phone"].Stale || p.Provenance["phone"].VerifiedBy == nil || p.Provenance["phone"].AsOf == "" {
			t.Fatalf("after the confirmation: %+v", p)
		}
	})

	t.Run("Representative", func(t *testing.T) {
		if err := f.d.SetRepresentative(ctx, f.admin, f.carol.ID, "commune-88160", true); err != nil {
			t.Fatal(err)
		}
		carol, _ := f.d.FindUserByID(ctx, f.carol.ID)
		c, err := f.d.ConfirmFact(ctx, carol, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-88160", Field: "phone"})
		if err != nil || c.Status != "applied" {
			t.Fatalf("representative's confirmation: %+v %v", c, err)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for name, c := range map[string]struct {
			u    *directory.User
			in   directory.ConfirmInput
			code string
		}{
			"Anonymous":    {nil, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-88160", Field: "phone"}, directory.EUNAUTHORIZED},
			"NoValue":      {f.alice, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-88160", Field: "siret"}, directory.EINVALID},
			"UnknownField": {f.alice, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-88160", Field: "name"}, directory.EINVALID},
			"NoActor":      {f.alice, directory.ConfirmInput{TargetType: "actor", TargetID: "commune-00000", Field: "phone"}, directory.ENOTFOUND},
			"BadType":      {f.alice, directory.ConfirmInput{TargetType: "tool", TargetID: "wiki"}, directory.EINVALID},
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := f.d.ConfirmFact(ctx, c.u, c.in); directory.ErrorCode(err) != c.code {
					t.Fatalf("err = %v, want %s", err, c.code)
				}
			})
		}
	})
}

func staleVersion(t *testing.T, d *directory.Directory, id string) int {
	t.Helper()
	b, _, err := d.ActorFeature(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b).Properties.Version
}

func toolNameOf(t *testing.T, f *fixture, slug string) string {
	t.Helper()
	tool, _, err := f.d.FindToolBySlug(f.ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return tool.Name
}
