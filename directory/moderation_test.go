package directory_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

type fixture struct {
	*directorytest.Fixture
	d     *directory.Directory
	clock *directorytest.Clock
	ctx   context.Context
	alice *directory.User // contributor
	bob   *directory.User // contributor
	carol *directory.User // contributor
	mod   *directory.User // moderator
	admin *directory.User
}

// newFixture opens the small dataset (directorytest.SmallDataset) with its accounts.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return wrapFixture(directorytest.MustOpenFixture(t))
}

// newSeededFixture opens the whole bundled dataset, for integration tests.
func newSeededFixture(t *testing.T) *fixture {
	t.Helper()
	return wrapFixture(directorytest.MustOpenSeededFixture(t))
}

func wrapFixture(f *directorytest.Fixture) *fixture {
	return &fixture{Fixture: f, d: f.D, clock: f.Clock, ctx: f.Ctx, alice: f.Alice, bob: f.Bob, carol: f.Carol, mod: f.Mod, admin: f.Admin}
}

func raw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func changes(kv ...any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = raw(kv[i+1])
	}
	return m
}

func (f *fixture) feature(t *testing.T, id string) feature {
	t.Helper()
	b, _, err := f.d.ActorFeature(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

func (f *fixture) propose(t *testing.T, u *directory.User, in directory.ProposalInput) *directory.Proposal {
	t.Helper()
	p, err := f.d.ProposeEdit(f.ctx, u, in)
	if err != nil {
		t.Fatalf("propose %+v: %v", in, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if directory.ErrorCode(err) != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// Île-de-Sein has no point in the bundled data: placing it is the first
// contribution the product asks for.
const sein = "commune-29083"

func TestPlaceUnlocatedCommune(t *testing.T) {
	f := newFixture(t)
	if f.feature(t, sein).Geometry != nil {
		t.Fatal("Île-de-Sein already has a point in the bundle; pick another unlocated commune")
	}
	p := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: sein, Action: "place",
		BaseVersion: 1, Changes: changes("lon", -4.8512, "lat", 48.0375), Comment: "mairie de l'île"})
	if p.Status != "pending" || p.NeedsReview {
		t.Fatalf("contributor's proposal: status %s, needs review %v", p.Status, p.NeedsReview)
	}
	if f.feature(t, sein).Geometry != nil {
		t.Fatal("a pending proposal changed the public data")
	}
	_, err := f.d.ApproveEdit(f.ctx, f.bob, directory.Decision{ID: p.ID})
	wantCode(t, err, directory.EFORBIDDEN)

	p, err = f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: p.ID, Reason: "vérifié"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "approved" || p.AppliedVersion != 2 || p.Reviewer == nil || p.Reviewer.ID != f.mod.ID {
		t.Fatalf("approved proposal = %+v", p)
	}
	got := f.feature(t, sein)
	if got.Geometry == nil || got.Geometry.Coordinates[0] != -4.8512 || got.Properties.Precision != "contributed" || got.Properties.Version != 2 {
		t.Fatalf("after approval: %+v %+v", got.Geometry, got.Properties)
	}
	// The read model follows: nearby finds it now.
	near, _, err := f.d.Nearby(f.ctx, directory.NearbyQuery{Lon: -4.85, Lat: 48.04, Limit: 1})
	if err != nil || len(near) != 1 || near[0].ID != sein {
		t.Fatalf("nearby after placing: %v %v", near, err)
	}
	hist, err := f.d.FindHistory(f.ctx, "actor", sein)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Version != 2 || hist[0].Author == nil || hist[0].Author.ID != f.alice.ID || hist[1].Action != "import" {
		t.Fatalf("history = %+v", hist)
	}
	if ch, ok := hist[0].Changes["lon"]; !ok || string(ch.Old) != "null" || string(ch.New) != "-4.8512" {
		t.Fatalf("history diff = %+v", hist[0].Changes)
	}
	// Approving twice is a conflict, not a second application.
	_, err = f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: p.ID})
	wantCode(t, err, directory.ECONFLICT)
	// Outside France.
	_, err = f.d.ProposeEdit(f.ctx, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160",
		Action: "place", BaseVersion: 1, Changes: changes("lon", -30.0, "lat", 45.0)})
	wantCode(t, err, directory.EINVALID)
}

func TestStaleProposal(t *testing.T) {
	f := newFixture(t)
	const epinal = "commune-88160"
	a := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: epinal, Action: "update",
		BaseVersion: 1, Changes: changes("website", "https://www.epinal.fr")})
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: a.ID}); err != nil {
		t.Fatal(err)
	}
	// Bob still sees version 1 and sets another website: 409 naming the field, with both values.
	_, err := f.d.ProposeEdit(f.ctx, f.bob, directory.ProposalInput{TargetType: "actor", TargetID: epinal,
		Action: "update", BaseVersion: 1, Changes: changes("website", "https://epinal.example")})
	wantCode(t, err, directory.ECONFLICT)
	c := directory.ErrorConflicts(err)["website"]
	if c.Yours != "https://epinal.example" || c.Current != "https://www.epinal.fr" {
		t.Fatalf("conflict = %+v", directory.ErrorConflicts(err))
	}
	// A field nobody else changed merges.
	b := f.propose(t, f.bob, directory.ProposalInput{TargetType: "actor", TargetID: epinal, Action: "update",
		BaseVersion: 1, Changes: changes("email", "accueil@epinal.example")})
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: b.ID}); err != nil {
		t.Fatal(err)
	}
	var props struct {
		Properties struct{ Website, Email string }
	}
	fb, _, _ := f.d.ActorFeature(f.ctx, epinal)
	json.Unmarshal(fb, &props)
	if props.Properties.Website != "https://www.epinal.fr" || props.Properties.Email != "accueil@epinal.example" {
		t.Fatalf("after merge: %+v", props.Properties)
	}
	// A pending proposal that becomes stale is shown with its conflict and refused at approval.
	c1 := f.propose(t, f.carol, directory.ProposalInput{TargetType: "actor", TargetID: epinal, Action: "update",
		BaseVersion: 3, Changes: changes("phone", "03 29 68 50 00")})
	m := f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: epinal, Action: "update",
		BaseVersion: 3, Changes: changes("phone", "03 29 00 00 00")})
	if m.Status != "approved" {
		t.Fatalf("moderator's own change: %s", m.Status)
	}
	view, err := f.d.FindProposalByID(f.ctx, f.mod, c1.ID)
	if err != nil || view.Conflicts["phone"].Current != "03 29 00 00 00" {
		t.Fatalf("stale pending proposal conflicts = %+v, %v", view.Conflicts, err)
	}
	_, err = f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: c1.ID})
	wantCode(t, err, directory.ECONFLICT)
	// The moderator may resolve the conflict explicitly.
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: c1.ID, Resolutions: map[string]string{"phone": "yours"}}); err != nil {
		t.Fatal(err)
	}
	// Revert to version 1: a new version, the website back to none.
	v, err := f.d.Revert(f.ctx, f.mod, "actor", epinal, 1, "vandalisme")
	if err != nil {
		t.Fatal(err)
	}
	fb, _, _ = f.d.ActorFeature(f.ctx, epinal)
	props.Properties.Website, props.Properties.Email = "", "" // absent members leave a struct as it was
	json.Unmarshal(fb, &props)
	if v != 6 || props.Properties.Website != "" || props.Properties.Email != "" {
		t.Fatalf("after revert: version %d, %+v", v, props.Properties)
	}
	hist, _ := f.d.FindHistory(f.ctx, "actor", epinal)
	if len(hist) != 6 || hist[0].Action != "revert" || !strings.Contains(hist[0].Reason, "vandalisme") {
		t.Fatalf("history after revert: %d versions, first %+v", len(hist), hist[0])
	}
	_, err = f.d.Revert(f.ctx, f.alice, "actor", epinal, 2, "no")
	wantCode(t, err, directory.EFORBIDDEN)
	_, err = f.d.Revert(f.ctx, f.mod, "actor", epinal, 6, "same")
	wantCode(t, err, directory.EINVALID)
}

func TestValidation(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]struct {
		in    directory.ProposalInput
		field string
	}{
		"URL":           {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("website", "javascript:alert(1)")}, "changes.website"},
		"Email":         {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("email", "not an email")}, "changes.email"},
		"Phone":         {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("phone", "call me")}, "changes.phone"},
		"Official":      {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("name", "Epinal-les-Bains")}, "changes.name"},
		"UnknownField":  {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("colour", "red")}, "changes.colour"},
		"TooLong":       {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("address", strings.Repeat("x", 301))}, "changes.address"},
		"Control":       {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("address", "a\x00b")}, "changes.address"},
		"Lat":           {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "place", BaseVersion: 1, Changes: changes("lon", 6.4, "lat", 95)}, "changes.lat"},
		"LonAlone":      {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", BaseVersion: 1, Changes: changes("lon", 6.4)}, "changes.lon"},
		"BaseVersion":   {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update", Changes: changes("phone", "0329")}, "base_version"},
		"Action":        {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "rename", BaseVersion: 1}, "action"},
		"Type":          {directory.ProposalInput{TargetType: "place", TargetID: "x", Action: "update", BaseVersion: 1}, "target_type"},
		"CreateCommune": {directory.ProposalInput{TargetType: "actor", Action: "create", Changes: changes("kind", "commune", "name", "Nouvelle")}, "changes.kind"},
		"DeleteCommune": {directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "delete", BaseVersion: 1}, "action"},
		"Theme":         {directory.ProposalInput{TargetType: "tool", Action: "create", Changes: changes("name", "Outil", "themes", []string{"sport"})}, "changes.themes"},
		"ToolNoTheme":   {directory.ProposalInput{TargetType: "tool", Action: "create", Changes: changes("name", "Outil")}, "changes.themes"},
		"Year":          {directory.ProposalInput{TargetType: "adoption", Action: "create", Changes: changes("actor", "commune-88160", "tool", "flickr", "since", 1500)}, "changes.since"},
		"AdoptionActor": {directory.ProposalInput{TargetType: "adoption", Action: "create", Changes: changes("actor", "commune-00000", "tool", "flickr")}, "changes.actor"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.d.ProposeEdit(f.ctx, f.alice, c.in)
			wantCode(t, err, directory.EINVALID)
			if directory.ErrorFields(err)[c.field] == "" {
				t.Fatalf("fields = %v, want a message for %s", directory.ErrorFields(err), c.field)
			}
		})
	}
	_, err := f.d.ProposeEdit(f.ctx, nil, directory.ProposalInput{})
	wantCode(t, err, directory.EUNAUTHORIZED)
	_, err = f.d.ProposeEdit(f.ctx, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-00000",
		Action: "update", BaseVersion: 1, Changes: changes("phone", "03 29 00 00 00")})
	wantCode(t, err, directory.ENOTFOUND)
}

func TestCreateAndDelete(t *testing.T) {
	f := newFixture(t)
	// Creating an actor that already exists warns of the duplicate.
	dups, err := f.d.CheckProposal(f.ctx, f.alice, directory.ProposalInput{TargetType: "actor", Action: "create",
		Changes: changes("kind", "association", "name", "Villes Internet")})
	if err != nil || len(dups) == 0 || dups[0].ID != "association-villes-internet" {
		t.Fatalf("duplicates = %+v, %v", dups, err)
	}
	p := f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", Action: "create",
		Changes: changes("kind", "association", "name", "Numérique en Vosges", "departement", "88", "lon", 6.45, "lat", 48.17,
			"website", "https://numerique-vosges.example")})
	if p.TargetID != "association-numerique-en-vosges" || p.Status != "approved" {
		t.Fatalf("created %+v", p)
	}
	got := f.feature(t, p.TargetID)
	if got.Properties.Precision != "contributed" || got.Properties.Version != 1 {
		t.Fatalf("new actor %+v", got.Properties)
	}
	near, _, _ := f.d.Nearby(f.ctx, directory.NearbyQuery{Lon: 6.45, Lat: 48.17, Limit: 1, Filter: directory.ActorFilter{Kinds: []string{"association"}}})
	if len(near) != 1 || near[0].ID != p.TargetID {
		t.Fatalf("nearby association = %v", near)
	}
	// It adopts a tool.
	ad := f.propose(t, f.mod, directory.ProposalInput{TargetType: "adoption", Action: "create",
		Changes: changes("actor", p.TargetID, "tool", "wiki", "usage", "Wiki des associations", "since", 2025), Source: "https://numerique-vosges.example/wiki"})
	if ad.Status != "approved" {
		t.Fatal(ad.Status)
	}
	if got := f.feature(t, p.TargetID); len(got.Properties.Tools) != 1 || got.Properties.Tools[0] != "wiki" {
		t.Fatalf("tools after adoption: %v", got.Properties.Tools)
	}
	// Deleting the actor deletes its adoption too; a revert brings the actor back.
	del := f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: p.TargetID, Action: "delete", BaseVersion: 1})
	if del.Status != "approved" {
		t.Fatal(del.Status)
	}
	if _, _, err := f.d.ActorFeature(f.ctx, p.TargetID); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Fatalf("deleted actor still served: %v", err)
	}
	if _, adopters, _ := f.d.FindToolBySlug(f.ctx, "wiki"); len(adopters) > 0 {
		for _, a := range adopters {
			if a.ActorID == p.TargetID {
				t.Fatal("the deleted actor's adoption is still listed")
			}
		}
	}
	if _, err := f.d.Revert(f.ctx, f.mod, "actor", p.TargetID, 1, "supprimé par erreur"); err != nil {
		t.Fatal(err)
	}
	if got := f.feature(t, p.TargetID); got.Properties.Version != 3 {
		t.Fatalf("restored actor version %d", got.Properties.Version)
	}
}

func TestVotesTrustRepresentatives(t *testing.T) {
	f := newFixture(t)
	f.d.Policy.VoteMargin, f.d.Policy.VoteMinAge = 2, 24*time.Hour
	const target = "commune-54395" // Nancy
	p := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: target, Action: "update",
		BaseVersion: 1, Changes: changes("website", "https://www.nancy.fr")})
	_, err := f.d.Vote(f.ctx, f.alice, p.ID, 1)
	wantCode(t, err, directory.EFORBIDDEN) // not on one's own
	for _, u := range []*directory.User{f.bob, f.carol} {
		if p, err = f.d.Vote(f.ctx, u, p.ID, 1); err != nil {
			t.Fatal(err)
		}
	}
	if p.Status != "pending" || p.VotesFor != 2 {
		t.Fatalf("too young to pass: %s, %d for", p.Status, p.VotesFor)
	}
	f.clock.Add(25 * time.Hour)
	if n, err := f.d.ApplyVotes(f.ctx); err != nil || n != 1 {
		t.Fatalf("ApplyVotes = %d, %v", n, err)
	}
	p, _ = f.d.FindProposalByID(f.ctx, f.alice, p.ID)
	if p.Status != "approved" || p.ApprovedBy != "votes" {
		t.Fatalf("after votes: %s by %s", p.Status, p.ApprovedBy)
	}
	// A moderator's vote against holds a proposal however many votes it has.
	q := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: target, Action: "update",
		BaseVersion: 2, Changes: changes("phone", "03 83 85 30 00")})
	f.d.Vote(f.ctx, f.bob, q.ID, 1)
	f.d.Vote(f.ctx, f.carol, q.ID, 1)
	f.d.Vote(f.ctx, f.admin, q.ID, 1)
	f.d.Vote(f.ctx, f.mod, q.ID, -1)
	f.clock.Add(25 * time.Hour)
	f.d.ApplyVotes(f.ctx)
	if q, _ = f.d.FindProposalByID(f.ctx, f.alice, q.ID); q.Status != "pending" {
		t.Fatalf("moderator objection ignored: %s", q.Status)
	}
	if _, err := f.d.RejectEdit(f.ctx, f.mod, directory.Decision{ID: q.ID}); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("reject without a reason: %v", err)
	}
	if q, err = f.d.RejectEdit(f.ctx, f.mod, directory.Decision{ID: q.ID, Reason: "numéro du standard, pas de l'accueil"}); err != nil || q.Status != "rejected" {
		t.Fatalf("reject: %v %v", q, err)
	}

	// Trust: with one approved proposal required, Alice's edits now apply at once, listed for review.
	f.d.Policy.TrustMinApproved, f.d.Policy.TrustMinRatio = 1, 0.5
	r := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: target, Action: "update",
		BaseVersion: 2, Changes: changes("email", "contact@nancy.example")})
	if r.Status != "approved" || !r.NeedsReview || r.ApprovedBy != "trust" {
		t.Fatalf("trusted edit: %+v", r)
	}
	list, _, _ := f.d.FindProposals(f.ctx, f.mod, directory.ProposalFilter{NeedsReview: true, Limit: 10})
	if len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("after-the-fact review queue = %v", list)
	}
	// Rejecting it afterwards undoes it.
	if _, err := f.d.RejectEdit(f.ctx, f.mod, directory.Decision{ID: r.ID, Reason: "adresse personnelle"}); err != nil {
		t.Fatal(err)
	}
	var props struct{ Properties struct{ Email string } }
	fb, _, _ := f.d.ActorFeature(f.ctx, target)
	json.Unmarshal(fb, &props)
	if props.Properties.Email != "" {
		t.Fatalf("rejected trusted edit still applied: %q", props.Properties.Email)
	}

	// Representatives: Bob represents Épinal; his edits to it apply at once.
	err = f.d.SetRepresentative(f.ctx, f.mod, f.bob.ID, "commune-88160", true)
	wantCode(t, err, directory.EFORBIDDEN)
	if err := f.d.SetRepresentative(f.ctx, f.admin, f.bob.ID, "commune-88160", true); err != nil {
		t.Fatal(err)
	}
	bob, _ := f.d.FindUserByID(f.ctx, f.bob.ID)
	s := f.propose(t, bob, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: 1, Changes: changes("phone", "03 29 68 50 00")})
	if s.Status != "approved" || s.ApprovedBy != "representative" || !s.NeedsReview {
		t.Fatalf("representative's edit: %+v", s)
	}
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: s.ID}); err != nil {
		t.Fatal(err)
	}
	if s, _ = f.d.FindProposalByID(f.ctx, f.mod, s.ID); s.NeedsReview {
		t.Fatal("confirming the review left it in the queue")
	}
}

func TestRateLimitAndBlock(t *testing.T) {
	f := newFixture(t)
	f.d.Policy.RatePerHour, f.d.Policy.RatePerDay = 3, 5
	for i := 0; i < 3; i++ {
		f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
			BaseVersion: 1, Changes: changes("phone", "03 29 68 50 0"+string(rune('0'+i)))})
		f.clock.Add(time.Minute)
	}
	_, err := f.d.ProposeEdit(f.ctx, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160",
		Action: "update", BaseVersion: 1, Changes: changes("phone", "03 29 68 50 09")})
	wantCode(t, err, directory.ETOOMANY)
	if ra := directory.ErrorRetryAfter(err); ra <= 0 || ra > time.Hour {
		t.Fatalf("Retry-After = %v", ra)
	}
	// Moderators are not limited.
	for i := 0; i < 5; i++ {
		f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
			BaseVersion: 1 + i, Changes: changes("phone", "03 29 68 51 0"+string(rune('0'+i)))})
	}
	// Blocking withdraws pending proposals and stops new ones.
	p := f.propose(t, f.bob, directory.ProposalInput{TargetType: "actor", TargetID: "commune-54395", Action: "update",
		BaseVersion: 1, Changes: changes("phone", "03 83 85 30 00")})
	err = f.d.BlockUser(f.ctx, f.alice, f.bob.ID, f.clock.Now().Add(48*time.Hour), "spam")
	wantCode(t, err, directory.EFORBIDDEN)
	if err := f.d.BlockUser(f.ctx, f.mod, f.bob.ID, f.clock.Now().Add(48*time.Hour), "spam"); err != nil {
		t.Fatal(err)
	}
	if p, _ = f.d.FindProposalByID(f.ctx, f.mod, p.ID); p.Status != "withdrawn" {
		t.Fatalf("blocked author's proposal is %s", p.Status)
	}
	bob, _ := f.d.FindUserByID(f.ctx, f.bob.ID)
	_, err = f.d.ProposeEdit(f.ctx, bob, directory.ProposalInput{TargetType: "actor", TargetID: "commune-54395",
		Action: "update", BaseVersion: 1, Changes: changes("phone", "03 83 85 30 01")})
	wantCode(t, err, directory.EFORBIDDEN)
	err = f.d.BlockUser(f.ctx, f.mod, f.admin.ID, f.clock.Now().Add(time.Hour), "coup d'état")
	wantCode(t, err, directory.EFORBIDDEN)
}

func TestReports(t *testing.T) {
	f := newFixture(t)
	r, err := f.d.CreateReport(f.ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "outdated", Comment: "nouveau site"})
	if err != nil || r.Reporter != nil || r.Status != "open" {
		t.Fatalf("anonymous report: %+v %v", r, err)
	}
	_, err = f.d.CreateReport(f.ctx, f.alice, directory.ReportInput{TargetType: "actor", TargetID: "commune-00000", Reason: "wrong"})
	wantCode(t, err, directory.ENOTFOUND)
	_, err = f.d.CreateReport(f.ctx, f.alice, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "ugly"})
	wantCode(t, err, directory.EINVALID)
	_, _, err = f.d.FindReports(f.ctx, f.alice, "open", 10, 0)
	wantCode(t, err, directory.EFORBIDDEN)
	list, total, err := f.d.FindReports(f.ctx, f.mod, "open", 10, 0)
	if err != nil || total != 1 || list[0].ID != r.ID {
		t.Fatalf("reports = %v %d %v", list, total, err)
	}
	if r, err = f.d.ResolveReport(f.ctx, f.mod, r.ID, "resolved", "site mis à jour"); err != nil || r.Status != "resolved" {
		t.Fatalf("resolve: %+v %v", r, err)
	}
	_, err = f.d.ResolveReport(f.ctx, f.mod, r.ID, "dismissed", "")
	wantCode(t, err, directory.ECONFLICT)
}

func TestStoredXSSIsInert(t *testing.T) {
	f := newFixture(t)
	payload := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	p := f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", Action: "create",
		Changes: changes("kind", "association", "name", payload, "description", payload, "lon", 6.4, "lat", 48.2)})
	b, _, err := f.d.ActorFeature(f.ctx, p.TargetID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<") || strings.Contains(string(b), ">") {
		t.Fatalf("feature JSON carries raw angle brackets: %s", b)
	}
	if got := decode(t, b).Properties.Name; got != payload {
		t.Fatalf("the name is not kept as text: %q", got)
	}
}

func TestAccounts(t *testing.T) {
	f := newFixture(t)
	_, err := f.d.Register(f.ctx, directory.Registration{Email: "ALICE@mairie.test", DisplayName: "Alice 2", Password: "another long password"})
	wantCode(t, err, directory.ECONFLICT)
	_, err = f.d.Register(f.ctx, directory.Registration{Email: "x", DisplayName: "", Password: "short"})
	if fields := directory.ErrorFields(err); fields["email"] == "" || fields["display_name"] == "" || fields["password"] == "" {
		t.Fatalf("register errors = %v", fields)
	}
	if _, err := f.d.Authenticate(f.ctx, "alice@mairie.test", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	_, err = f.d.Authenticate(f.ctx, "nobody@mairie.test", "x")
	wantCode(t, err, directory.EUNAUTHORIZED)
	for i := 0; i < 5; i++ {
		_, err = f.d.Authenticate(f.ctx, "alice@mairie.test", "wrong password")
		wantCode(t, err, directory.EUNAUTHORIZED)
	}
	_, err = f.d.Authenticate(f.ctx, "alice@mairie.test", "correct horse battery")
	wantCode(t, err, directory.ETOOMANY) // locked after 5 failures, even with the right password
	f.clock.Add(16 * time.Minute)
	if _, err := f.d.Authenticate(f.ctx, "alice@mairie.test", "correct horse battery"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}

	token, _, err := f.d.CreateSession(f.ctx, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := f.d.FindUserBySession(f.ctx, token); err != nil || u.ID != f.alice.ID {
		t.Fatal(err)
	}
	if err := f.d.ChangePassword(f.ctx, f.alice, "correct horse battery", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	_, err = f.d.FindUserBySession(f.ctx, token)
	wantCode(t, err, directory.EUNAUTHORIZED) // sessions end with a password change

	tok, err := f.d.CreateAPIToken(f.ctx, f.alice, "script")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := f.d.FindUserByAPIToken(f.ctx, tok.Token); err != nil || u.ID != f.alice.ID {
		t.Fatal(err)
	}
	if f.d.DB().ContainsText(t, tok.Token) {
		t.Fatal("the API token is stored in clear")
	}
	if err := f.d.RevokeAPIToken(f.ctx, f.alice, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.d.FindUserByAPIToken(f.ctx, tok.Token)
	wantCode(t, err, directory.EUNAUTHORIZED)
}

// TestSearchCodesFollowEdits checks that the code indexes follow applied
// changes: a new actor is found by its SIREN at once, and by its new SIREN
// only once the SIREN is corrected.
func TestSearchCodesFollowEdits(t *testing.T) {
	f := newFixture(t)
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	p, err := f.d.ProposeEdit(f.ctx, f.mod, directory.ProposalInput{TargetType: "actor", Action: "create",
		Changes: map[string]json.RawMessage{"kind": raw("association"), "name": raw("Association des codes"),
			"siren": raw("123456789"), "postal_codes": raw([]string{"88000"}), "lon": raw(6.45), "lat": raw(48.17)}})
	if err != nil {
		t.Fatal(err)
	}
	found := func(q string) bool {
		hits, err := f.d.Search(f.ctx, q, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.ID == p.TargetID {
				return true
			}
		}
		return false
	}
	if !found("123456789") || !found("88000") {
		t.Fatalf("the new actor %s is not found by its SIREN and postal code", p.TargetID)
	}
	if _, err := f.d.ProposeEdit(f.ctx, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: p.TargetID, Action: "update",
		BaseVersion: 1, Changes: map[string]json.RawMessage{"siren": raw("987654321"), "postal_codes": raw([]string{})}}); err != nil {
		t.Fatal(err)
	}
	if found("123456789") || found("88000") || !found("987654321") {
		t.Fatalf("after the correction: old SIREN %v, old postal code %v, new SIREN %v", found("123456789"), found("88000"), found("987654321"))
	}
}

// TestReviewProposals checks the bulk review the API and the pages share:
// its validation, and one transaction where a proposal that cannot be
// decided is rolled back alone while the others are applied.
func TestReviewProposals(t *testing.T) {
	f := newFixture(t)
	website := func(id, url string) *directory.Proposal {
		return f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: id, Action: "update",
			BaseVersion: 1, Changes: changes("website", url)})
	}
	p1 := website("commune-88160", "https://www.epinal.fr")
	p2 := website("commune-88209", "https://www.golbey.fr")
	done := website("commune-88465", "https://www.saint-die.eu")
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: done.ID}); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		many := make([]int64, directory.MaxBulkReview+1)
		for i := range many {
			many[i] = int64(i + 1)
		}
		for _, c := range []struct {
			b      directory.BulkReview
			fields []string
		}{
			{directory.BulkReview{Action: "archive", IDs: []int64{p1.ID}}, []string{"action"}},
			{directory.BulkReview{Action: directory.ReviewApprove}, []string{"ids"}},
			{directory.BulkReview{Action: directory.ReviewApprove, IDs: many}, []string{"ids"}},
			{directory.BulkReview{IDs: many}, []string{"action", "ids"}},
			{directory.BulkReview{Action: directory.ReviewReject, IDs: []int64{p1.ID}}, []string{"reason"}},
		} {
			_, err := f.d.ReviewProposals(f.ctx, f.mod, c.b)
			wantCode(t, err, directory.EINVALID)
			for _, name := range c.fields {
				if directory.ErrorProblems(err)[name].Key == "" {
					t.Errorf("%+v: no problem with %s: %v", c.b.Action, name, err)
				}
			}
		}
		_, err := f.d.ReviewProposals(f.ctx, f.alice, directory.BulkReview{Action: directory.ReviewApprove, IDs: []int64{p1.ID}})
		wantCode(t, err, directory.EFORBIDDEN)
	})

	t.Run("OK", func(t *testing.T) {
		before, err := f.d.DB().ChangeSeq(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.d.ReviewProposals(f.ctx, f.mod, directory.BulkReview{Action: directory.ReviewApprove,
			IDs: []int64{p1.ID, done.ID, p2.ID, p1.ID}, Reason: "vérifié"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].Err != nil || res[2].Err != nil || directory.ErrorCode(res[1].Err) != directory.ECONFLICT {
			t.Fatalf("results %+v", res)
		}
		// The two applied, each a change of its own; the refused one left nothing.
		after, _ := f.d.DB().ChangeSeq(f.ctx)
		if after != before+2 {
			t.Errorf("change sequence %d → %d, want two changes", before, after)
		}
		for id, want := range map[string]string{"commune-88160": "https://www.epinal.fr", "commune-88209": "https://www.golbey.fr"} {
			var fe struct{ Properties struct{ Website string } }
			json.Unmarshal(mustFeature(t, f.d, id), &fe)
			if fe.Properties.Website != want {
				t.Errorf("%s website %q after the batch", id, fe.Properties.Website)
			}
		}
		for _, p := range []*directory.Proposal{p1, p2} {
			if got, _ := f.d.FindProposalByID(f.ctx, f.mod, p.ID); got.Status != directory.ProposalApproved || got.Reason != "vérifié" {
				t.Errorf("proposal %d: %s %q", p.ID, got.Status, got.Reason)
			}
		}
	})
}
