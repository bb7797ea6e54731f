package directory_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// The read model has two loaders: the full load (readmodel.go), which
// builds it from the store at start, and the incremental refresh
// (refresh.go, follow.go), which changes it after each write. They are
// separate code that must agree. TestLiveEqualsFreshLoad drives random
// sequences of writes through the domain — proposals approved, rejected,
// withdrawn or applied at once, reverts, deletions and restorations,
// placements, parent links, tools and adoptions, votes, trusted and
// representative edits undone, writes by another process caught up with —
// and every so often checks that the live directory answers every read
// (features, items with each kind of filter, search, nearby, clusters,
// tiles, tools, adopters, adoptions) exactly as a directory freshly loaded
// from the same database.
//
// Each run uses a new seed, which it logs, and two fixed ones. To replay
// a failure: VOISINAGE_PROPERTY_SEED=<seed> go test -run TestLiveEqualsFreshLoad ./directory
// (VOISINAGE_PROPERTY_STEPS sets the number of writes per seed, 200 by default).
func TestLiveEqualsFreshLoad(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	seeds := []uint64{uint64(time.Now().UnixNano()), 1, 2}
	if s := os.Getenv("VOISINAGE_PROPERTY_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("VOISINAGE_PROPERTY_SEED=%q: %v", s, err)
		}
		seeds = []uint64{seed}
	}
	steps := 200
	if n, err := strconv.Atoi(os.Getenv("VOISINAGE_PROPERTY_STEPS")); err == nil && n > 0 {
		steps = n
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			t.Logf("replay with VOISINAGE_PROPERTY_SEED=%d", seed)
			p := newProperty(t, seed)
			for i := 1; i <= steps; i++ {
				p.step(i)
				if i%50 == 0 || i == steps {
					p.compare(i)
				}
			}
			var ops []string
			for _, k := range slices.Sorted(mapsKeys(p.counts)) {
				ops = append(ops, fmt.Sprintf("%s %d", k, p.counts[k]))
			}
			t.Logf("%d steps: %s", steps, strings.Join(ops, ", "))
			if p.counts["applied"] < steps/4 {
				t.Errorf("only %d of %d writes applied: the sequence exercises too little", p.counts["applied"], steps)
			}
		})
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// property is one random sequence of writes and its checks.
type property struct {
	t      *testing.T
	f      *directorytest.Fixture
	r      *rand.Rand
	counts map[string]int
	log    []string // what each step did, for failure messages

	// The state the next write is drawn from, read back from the live
	// directory before each step.
	actors  []actorState
	tools   []toolState
	touched []recordRef // records written, for reverts
}

type actorState struct {
	ID, Kind  string
	Version   int
	Point     *[2]float64
	Adoptions []struct {
		ID, Tool, Status string
		Version          int
	}
}

type toolState struct {
	Slug    string
	Version int
}

type recordRef struct{ typ, id string }

func newProperty(t *testing.T, seed uint64) *property {
	return newPropertyOn(t, seed, directorytest.MustOpenFixture(t))
}

func newPropertyOn(t *testing.T, seed uint64, f *directorytest.Fixture) *property {
	f.D.Policy.RatePerHour = 0 // the per-account limits have their own test
	f.D.Policy.VoteMargin, f.D.Policy.VoteMinAge = 2, time.Hour
	return &property{t: t, f: f, r: rand.New(rand.NewPCG(seed, 0x6c697665)), counts: map[string]int{}}
}

func (p *property) logf(format string, args ...any) {
	p.log = append(p.log, fmt.Sprintf(format, args...))
}

// readState reads back the actors and tools from the live directory.
func (p *property) readState() {
	p.t.Helper()
	page, err := p.f.D.FindActors(p.f.Ctx, directory.ActorFilter{Limit: directory.MaxLimit})
	if err != nil {
		p.t.Fatal(err)
	}
	p.actors = p.actors[:0]
	for _, b := range page.Features {
		var ft struct {
			ID       string `json:"id"`
			Geometry *struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				actorState
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &ft); err != nil {
			p.t.Fatal(err)
		}
		a := ft.Properties.actorState
		a.ID = ft.ID
		if ft.Geometry != nil {
			a.Point = &ft.Geometry.Coordinates
		}
		p.actors = append(p.actors, a)
	}
	tools, err := p.f.D.FindTools(p.f.Ctx, directory.ToolFilter{})
	if err != nil {
		p.t.Fatal(err)
	}
	p.tools = p.tools[:0]
	for _, tl := range tools {
		p.tools = append(p.tools, toolState{tl.Slug, tl.Version})
	}
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func (p *property) actor(keep func(a *actorState) bool) *actorState {
	var c []*actorState
	for i := range p.actors {
		if keep == nil || keep(&p.actors[i]) {
			c = append(c, &p.actors[i])
		}
	}
	if len(c) == 0 {
		return nil
	}
	return pick(p.r, c)
}

func contributed(a *actorState) bool { return !directory.IsAdministrative(a.Kind) }

// Values drawn for fields: few enough that records meet (namesakes,
// stacked points, shared parents), varied enough to move every index.
var (
	nameWords = []string{"Saint", "Sainte", "Épinal", "Numérique", "Réseau", "Œuvre", "Île", "l'Haÿ", "des", "Vosges",
		"Brest", "Cœur", "Atelier", "Tiers-lieu", "Mairie", "St", "Wallis", "Nouméa", "EPIN"}
	kinds = []string{directory.KindAssociation, directory.KindPublicAgency, directory.KindSyndicat, directory.KindMedia,
		directory.KindOrganisation, directory.KindStateService, directory.KindMinistry}
	depts   = []string{"88", "29", "2A", "974", "976", "986", "988", "75", ""}
	regions = []string{"44", "53", "94", "04", "06", "11", ""}
)

func (p *property) name() string {
	n := 1 + p.r.IntN(3)
	w := make([]string, n)
	for i := range w {
		w[i] = pick(p.r, nameWords)
	}
	return strings.Join(w, " ")
}

// point is near an actor's point (the same one a time in four, stacking
// markers), else a random place in France or overseas.
func (p *property) point() (float64, float64) {
	if a := p.actor(func(a *actorState) bool { return a.Point != nil }); a != nil && p.r.IntN(3) > 0 {
		if p.r.IntN(4) == 0 {
			return a.Point[0], a.Point[1]
		}
		return a.Point[0] + (p.r.Float64()-0.5)*0.02, a.Point[1] + (p.r.Float64()-0.5)*0.02
	}
	places := [][2]float64{{6.45, 48.17}, {-4.85, 48.04}, {55.45, -21.1}, {-176.2, -13.28}, {166.45, -22.27}, {2.35, 48.85}}
	c := pick(p.r, places)
	return c[0] + (p.r.Float64()-0.5)*0.1, c[1] + (p.r.Float64()-0.5)*0.1
}

func raws(kv ...any) map[string]json.RawMessage { return changes(kv...) }

// actorChanges draws 1 to 3 field changes for a (nil: a new actor).
func (p *property) actorChanges(a *actorState) map[string]json.RawMessage {
	official := a != nil && !contributed(a)
	fields := []string{"website", "email", "phone", "address", "description", "labels"}
	if !official {
		fields = append(fields, "name", "departement", "region", "population", "parents", "postal_codes", "point")
	}
	ch := map[string]json.RawMessage{}
	for range 1 + p.r.IntN(3) {
		switch f := pick(p.r, fields); f {
		case "website":
			ch[f] = raw(pick(p.r, []string{"https://exemple.fr/" + strconv.Itoa(p.r.IntN(9)), ""}))
		case "email":
			ch[f] = raw(pick(p.r, []string{"accueil@exemple.fr", "contact@mairie.test", ""}))
		case "phone":
			ch[f] = raw(pick(p.r, []string{"03 29 68 50 00", "+33 2 98 70 00 00", ""}))
		case "address":
			ch[f] = raw(pick(p.r, []string{"1 place de la Mairie", ""}))
		case "description":
			ch[f] = raw(pick(p.r, []string{"Une description.", "Autre texte\nsur deux lignes.", ""}))
		case "labels":
			ch[f] = raw(pick(p.r, [][]string{{"Villes Internet"}, {"a", "b"}, {}}))
		case "name":
			ch[f] = raw(p.name())
		case "departement":
			ch[f] = raw(pick(p.r, depts))
		case "region":
			ch[f] = raw(pick(p.r, regions))
		case "population":
			ch[f] = raw(pick(p.r, []int{0, 120, 5000, 32251, 1 + p.r.IntN(100000)}))
		case "parents":
			var ps []string
			for range p.r.IntN(3) {
				if q := p.actor(func(q *actorState) bool { return a == nil || q.ID != a.ID }); q != nil && !slices.Contains(ps, q.ID) {
					ps = append(ps, q.ID)
				}
			}
			ch[f] = raw(ps)
		case "postal_codes":
			ch[f] = raw(pick(p.r, [][]string{{"88000"}, {"29990", "29770"}, {}}))
		case "point":
			lon, lat := p.point()
			ch["lon"], ch["lat"] = raw(lon), raw(lat)
		}
	}
	return ch
}

// base is the version a proposal is made against: the current one, or a
// stale one a time in six (merged, or refused with a conflict).
func (p *property) base(v int) int {
	if v > 1 && p.r.IntN(6) == 0 {
		return v - 1
	}
	return v
}

// author is who proposes: the moderator (applied at once) or a contributor
// (pending, applied at once when trusted or representing the actor).
func (p *property) author() *directory.User {
	return pick(p.r, []*directory.User{p.f.Mod, p.f.Alice, p.f.Bob, p.f.Carol})
}

// step makes one random write.
func (p *property) step(i int) {
	p.t.Helper()
	p.readState()
	p.f.Clock.Add(time.Duration(1+p.r.IntN(120)) * time.Minute)
	if i == 100 { // from now on, contributors with approved work are trusted
		p.f.D.Policy.TrustMinApproved, p.f.D.Policy.TrustMinRatio = 3, 0.5
	}
	ctx, d := p.f.Ctx, p.f.D
	var err error
	var what string
	propose := func(in directory.ProposalInput) {
		u := p.author()
		what = fmt.Sprintf("%s proposes %s %s %s v%d %s", u.DisplayName, in.Action, in.TargetType, in.TargetID, in.BaseVersion, fmtChanges(in.Changes))
		var pr *directory.Proposal
		pr, err = d.ProposeEdit(ctx, u, in)
		if err == nil {
			what += fmt.Sprintf(" → #%d %s", pr.ID, pr.Status)
			if pr.Status == directory.ProposalApproved {
				p.touched = append(p.touched, recordRef{pr.TargetType, pr.TargetID})
			}
		}
	}
	switch k := p.r.IntN(100); {
	case k < 62: // a proposal: actors, tools, adoptions
		if in, ok := p.randomProposal(); ok {
			propose(in)
		}
	case k < 78: // decide a pending proposal, or review one applied at once
		what, err = p.decide()
	case k < 86: // revert a record to an earlier version
		what, err = p.revert()
	case k < 89: // withdraw
		u := pick(p.r, []*directory.User{p.f.Alice, p.f.Bob, p.f.Carol})
		list, _, _ := d.FindProposals(ctx, u, directory.ProposalFilter{Statuses: []string{directory.ProposalPending}, AuthorID: u.ID, Limit: 50})
		if len(list) == 0 {
			return
		}
		pr := pick(p.r, list)
		what = fmt.Sprintf("%s withdraws #%d", u.DisplayName, pr.ID)
		_, err = d.WithdrawEdit(ctx, u, pr.ID)
	case k < 91: // votes carry a proposal
		what, err = p.votes()
	case k < 93: // a contributor becomes an actor's representative
		a := p.actor(nil)
		u := pick(p.r, []*directory.User{p.f.Alice, p.f.Bob, p.f.Carol})
		what = fmt.Sprintf("%s represents %s", u.DisplayName, a.ID)
		err = d.SetRepresentative(ctx, p.f.Admin, u.ID, a.ID, true)
		p.refreshUsers()
	default: // another process writes; the live directory catches up
		what, err = p.otherProcess()
	}
	switch code := directory.ErrorCode(err); {
	case what == "":
		return
	case err == nil:
		p.counts["applied"]++
	case code == directory.EINTERNAL:
		p.t.Fatalf("step %d: %s: internal error %v\n%s", i, what, err, p.history())
	default:
		p.counts["refused "+code]++
		what += " → " + code
	}
	p.logf("%d. %s", i, what)
}

// randomProposal draws a change of an actor, a tool or an adoption
// (ok=false when there is nothing to draw it from).
func (p *property) randomProposal() (directory.ProposalInput, bool) {
	switch k := p.r.IntN(62); {
	case k < 22: // change an actor
		a := p.actor(nil)
		return directory.ProposalInput{TargetType: directory.TypeActor, TargetID: a.ID, Action: directory.ActionUpdate,
			BaseVersion: p.base(a.Version), Changes: p.actorChanges(a)}, true
	case k < 30: // place an actor, often one without a point
		a := p.actor(func(a *actorState) bool { return a.Point == nil })
		if a == nil || p.r.IntN(3) == 0 {
			a = p.actor(nil)
		}
		lon, lat := p.point()
		return directory.ProposalInput{TargetType: directory.TypeActor, TargetID: a.ID, Action: directory.ActionPlace,
			BaseVersion: p.base(a.Version), Changes: raws("lon", lon, "lat", lat)}, true
	case k < 38: // create an actor
		ch := p.actorChanges(nil)
		ch["kind"], ch["name"] = raw(pick(p.r, kinds)), raw(p.name())
		return directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate, Changes: ch}, true
	case k < 42: // delete an actor (with its adoptions)
		if a := p.actor(contributed); a != nil {
			return directory.ProposalInput{TargetType: directory.TypeActor, TargetID: a.ID, Action: directory.ActionDelete,
				BaseVersion: a.Version}, true
		}
	case k < 46: // create or change a tool
		ch := raws("themes", p.themes())
		if p.r.IntN(2) == 0 {
			ch["name"] = raw(p.name() + " " + strconv.Itoa(p.r.IntN(5)))
			return directory.ProposalInput{TargetType: directory.TypeTool, Action: directory.ActionCreate, Changes: ch}, true
		} else {
			tl := pick(p.r, p.tools)
			if p.r.IntN(2) == 0 {
				ch["name"] = raw(p.name())
			}
			return directory.ProposalInput{TargetType: directory.TypeTool, TargetID: tl.Slug, Action: directory.ActionUpdate,
				BaseVersion: p.base(tl.Version), Changes: ch}, true
		}
	case k < 48: // delete a tool
		tl := pick(p.r, p.tools)
		return directory.ProposalInput{TargetType: directory.TypeTool, TargetID: tl.Slug, Action: directory.ActionDelete,
			BaseVersion: tl.Version}, true
	case k < 56: // adopt a tool
		a := p.actor(nil)
		return directory.ProposalInput{TargetType: directory.TypeAdoption, Action: directory.ActionCreate,
			Changes: raws("actor", a.ID, "tool", pick(p.r, p.tools).Slug, "status", pick(p.r, directory.Statuses),
				"usage", p.name(), "since", 2010+p.r.IntN(15))}, true
	case k < 62: // change or delete an adoption
		a := p.actor(func(a *actorState) bool { return len(a.Adoptions) > 0 })
		if a == nil {
			return directory.ProposalInput{}, false
		}
		ad := pick(p.r, a.Adoptions)
		if p.r.IntN(4) == 0 {
			return directory.ProposalInput{TargetType: directory.TypeAdoption, TargetID: ad.ID, Action: directory.ActionDelete,
				BaseVersion: ad.Version}, true
		} else {
			return directory.ProposalInput{TargetType: directory.TypeAdoption, TargetID: ad.ID, Action: directory.ActionUpdate,
				BaseVersion: p.base(ad.Version), Changes: raws("status", pick(p.r, directory.Statuses), "usage", p.name())}, true
		}
	}
	return directory.ProposalInput{}, false
}

func (p *property) refreshUsers() {
	for _, u := range []**directory.User{&p.f.Alice, &p.f.Bob, &p.f.Carol} {
		if nu, err := p.f.D.FindUserByID(p.f.Ctx, (*u).ID); err == nil {
			*u = nu
		}
	}
}

func (p *property) themes() []string {
	out := []string{pick(p.r, directory.Themes)}
	if p.r.IntN(3) == 0 {
		if th := pick(p.r, directory.Themes); th != out[0] {
			out = append(out, th)
		}
	}
	return out
}

func fmtChanges(ch map[string]json.RawMessage) string {
	var parts []string
	for _, k := range slices.Sorted(mapsKeys(ch)) {
		parts = append(parts, k+"="+string(ch[k]))
	}
	return strings.Join(parts, " ")
}

// decide approves (with the proposal's values on conflicts, at times) or
// rejects a pending proposal, or confirms or undoes one applied at once.
func (p *property) decide() (string, error) {
	ctx, d := p.f.Ctx, p.f.D
	f := directory.ProposalFilter{Statuses: []string{directory.ProposalPending}, Limit: 500}
	undo := p.r.IntN(3) == 0
	if undo {
		f = directory.ProposalFilter{NeedsReview: true, Limit: 500}
	}
	list, _, err := d.FindProposals(ctx, p.f.Mod, f)
	if err != nil || len(list) == 0 {
		return "", err
	}
	if !undo && len(list) > 1 && p.r.IntN(4) == 0 { // bulk review, as the queue page sends it
		b := directory.BulkReview{Action: directory.ReviewApprove, Reason: "lot"}
		var ids []string
		for _, i := range p.r.Perm(len(list))[:min(len(list), 2+p.r.IntN(4))] {
			b.IDs = append(b.IDs, list[i].ID)
			ids = append(ids, fmt.Sprintf("#%d", list[i].ID))
		}
		if p.r.IntN(3) == 0 {
			b.Action = directory.ReviewReject
		}
		verb := b.Action
		res, err := d.ReviewProposals(ctx, p.f.Mod, b)
		if err != nil {
			return fmt.Sprintf("bulk %s %v", verb, ids), err
		}
		var outcome []string
		for i, r := range res {
			if r.Err != nil && directory.ErrorCode(r.Err) == directory.EINTERNAL {
				return fmt.Sprintf("bulk %s %v", verb, ids), r.Err
			}
			outcome = append(outcome, fmt.Sprintf("%s:%s", ids[i], directory.ErrorCode(r.Err)))
			if r.Err == nil && verb == "approve" {
				p.touched = append(p.touched, recordRef{list[slices.IndexFunc(list, func(x *directory.Proposal) bool { return x.ID == r.ID })].TargetType,
					list[slices.IndexFunc(list, func(x *directory.Proposal) bool { return x.ID == r.ID })].TargetID})
			}
		}
		return fmt.Sprintf("bulk %s %v", verb, outcome), nil
	}
	pr := pick(p.r, list)
	if p.r.IntN(4) == 0 {
		_, err := d.RejectEdit(ctx, p.f.Mod, directory.Decision{ID: pr.ID, Reason: "non"})
		return fmt.Sprintf("reject #%d (%s %s %s, applied %v)", pr.ID, pr.Action, pr.TargetType, pr.TargetID, pr.NeedsReview), err
	}
	dec := directory.Decision{ID: pr.ID}
	if len(pr.Conflicts) > 0 && p.r.IntN(2) == 0 {
		dec.Resolutions = map[string]string{}
		for k := range pr.Conflicts {
			dec.Resolutions[k] = pick(p.r, []string{"yours", "current"})
		}
	}
	_, err = d.ApproveEdit(ctx, p.f.Mod, dec)
	if err == nil {
		p.touched = append(p.touched, recordRef{pr.TargetType, pr.TargetID})
	}
	return fmt.Sprintf("approve #%d (%s %s %s) %v", pr.ID, pr.Action, pr.TargetType, pr.TargetID, dec.Resolutions), err
}

// revert restores a written record (or, a time in four, any actor) to an
// earlier version.
func (p *property) revert() (string, error) {
	ctx, d := p.f.Ctx, p.f.D
	var ref recordRef
	if len(p.touched) > 0 && p.r.IntN(4) > 0 {
		ref = pick(p.r, p.touched)
	} else {
		ref = recordRef{directory.TypeActor, p.actor(nil).ID}
	}
	hist, err := d.FindHistory(ctx, ref.typ, ref.id)
	if err != nil || len(hist) < 2 {
		return "", nil
	}
	v := pick(p.r, hist[1:]).Version
	_, err = d.Revert(ctx, p.f.Mod, ref.typ, ref.id, v, "retour")
	return fmt.Sprintf("revert %s %s to v%d of v%d", ref.typ, ref.id, v, hist[0].Version), err
}

// votes has two contributors vote for another's pending proposal, then
// applies the votes once it is old enough.
func (p *property) votes() (string, error) {
	ctx, d := p.f.Ctx, p.f.D
	list, _, err := d.FindProposals(ctx, p.f.Mod, directory.ProposalFilter{Statuses: []string{directory.ProposalPending}, Limit: 500})
	if err != nil || len(list) == 0 {
		return "", err
	}
	pr := pick(p.r, list)
	for _, u := range []*directory.User{p.f.Alice, p.f.Bob, p.f.Carol} {
		if u.ID != pr.Author.ID {
			if _, err := d.Vote(ctx, u, pr.ID, 1); err != nil {
				return fmt.Sprintf("%s votes for #%d", u.DisplayName, pr.ID), err
			}
		}
	}
	p.f.Clock.Add(2 * time.Hour)
	n, err := d.ApplyVotes(ctx)
	return fmt.Sprintf("votes for #%d (%s %s %s): %d applied", pr.ID, pr.Action, pr.TargetType, pr.TargetID, n), err
}

// otherProcess writes one to three changes through a directory of its own
// on the same file, as an import or a second server would. The live
// directory catches up at once, or later (as its one-second poll would,
// after writes of its own): compare catches up before comparing.
func (p *property) otherProcess() (string, error) {
	ctx := p.f.Ctx
	db, err := directory.Open(ctx, p.f.DB.Path())
	if err != nil {
		return "other process opens the database", err
	}
	defer db.Close()
	db.Now = p.f.Clock.Now
	other, err := directory.New(ctx, db)
	if err != nil {
		return "other process loads", err
	}
	mod, err := other.FindUserByID(ctx, p.f.Mod.ID)
	if err != nil {
		return "other process finds its moderator", err
	}
	var done []string
	for range 1 + p.r.IntN(3) {
		in, ok := p.randomProposal()
		if !ok {
			continue
		}
		pr, err := other.ProposeEdit(ctx, mod, in)
		if err != nil {
			done = append(done, fmt.Sprintf("%s %s %s refused (%s)", in.Action, in.TargetType, in.TargetID, directory.ErrorCode(err)))
			continue
		}
		done = append(done, fmt.Sprintf("%s %s %s %s", in.Action, in.TargetType, pr.TargetID, fmtChanges(in.Changes)))
		p.touched = append(p.touched, recordRef{pr.TargetType, pr.TargetID})
	}
	what := "other process: " + strings.Join(done, "; ")
	if p.r.IntN(2) == 0 {
		return what + "; not caught up yet", nil
	}
	n, err := p.f.D.CatchUp(ctx)
	return fmt.Sprintf("%s; caught up with %d records", what, n), err
}

func (p *property) history() string {
	from := max(0, len(p.log)-40)
	return "last steps:\n\t" + strings.Join(p.log[from:], "\n\t")
}

// compare checks that the live directory answers every read as a directory
// freshly loaded from the same database.
func (p *property) compare(step int) {
	p.t.Helper()
	ctx, live := p.f.Ctx, p.f.D
	// A server polls the store every second: what other processes wrote
	// is in its read model within a second.
	if _, err := live.CatchUp(ctx); err != nil {
		p.t.Fatalf("catch up: %v", err)
	}
	fresh, err := directory.New(ctx, p.f.DB)
	if err != nil {
		p.t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		p.t.Helper()
		p.t.Fatalf("after step %d, the live directory and a fresh load disagree: %s\n%s", step, fmt.Sprintf(format, args...), p.history())
	}
	same := func(what string, a, b any, errA, errB error) {
		p.t.Helper()
		if directory.ErrorMessage(errA) != directory.ErrorMessage(errB) {
			fail("%s: live error %v, fresh error %v", what, errA, errB)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			fail("%s:\nlive:  %.3000s\nfresh: %.3000s", what, firstDiff(ja, jb), firstDiff(jb, ja))
		}
	}

	ls, fs := live.Stats(), fresh.Stats()
	same("stats", ls, fs, nil, nil)
	if le, fe := live.Extent(), fresh.Extent(); fs.Located > 0 && (!le.Contains(fe.Min) || !le.Contains(fe.Max)) {
		fail("extent: live %v does not hold the fresh %v", le, fe)
	}
	var la, fa []string
	live.EachActorFeature(ctx, func(b []byte) error { la = append(la, string(b)); return nil })
	fresh.EachActorFeature(ctx, func(b []byte) error { fa = append(fa, string(b)); return nil })
	same("every feature", la, fa, nil, nil)
	var lv, fv []directory.ActorView
	live.EachActorView(ctx, func(v *directory.ActorView) error { lv = append(lv, *v); return nil })
	fresh.EachActorView(ctx, func(v *directory.ActorView) error { fv = append(fv, *v); return nil })
	same("every view", lv, fv, nil, nil)
	checkViewsMatchFeatures(p.t, live)
	p.readState()

	// Items, with each kind of filter.
	var filters []directory.ActorFilter
	for _, k := range directory.Kinds {
		filters = append(filters, directory.ActorFilter{Kinds: []string{k}})
	}
	for _, c := range depts[:len(depts)-1] {
		filters = append(filters, directory.ActorFilter{Departements: []string{c}})
	}
	for _, c := range regions[:len(regions)-1] {
		filters = append(filters, directory.ActorFilter{Regions: []string{c}})
	}
	for _, tl := range p.tools {
		filters = append(filters, directory.ActorFilter{Tools: []string{tl.Slug}})
	}
	for _, th := range directory.Themes {
		filters = append(filters, directory.ActorFilter{Themes: []string{th}})
	}
	for _, pr := range directory.Precisions {
		filters = append(filters, directory.ActorFilter{Precisions: []string{pr}})
	}
	now := p.f.Clock.Now()
	filters = append(filters,
		directory.ActorFilter{},
		directory.ActorFilter{PopulationMin: 1000, PopulationMax: 40000},
		directory.ActorFilter{UpdatedFrom: now.Add(-24 * time.Hour)},
		directory.ActorFilter{UpdatedTo: directorytest.Epoch.Add(time.Minute), Kinds: []string{directory.KindCommune}},
		directory.ActorFilter{Bound: &orb.Bound{Min: orb.Point{170, -30}, Max: orb.Point{-170, 0}}},
		directory.ActorFilter{Bound: &orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, Kinds: []string{directory.KindAssociation, directory.KindCommune}},
	)
	filters = append(filters, directory.ActorFilter{Parents: []string{"epci-200068757"}},
		directory.ActorFilter{Parents: []string{"departement-88", "region-53"}, Kinds: []string{directory.KindCommune, directory.KindAssociation}})
	for range 5 {
		filters = append(filters, directory.ActorFilter{Parents: []string{p.actor(nil).ID}})
	}
	queries := p.queries()
	for _, q := range queries {
		filters = append(filters, directory.ActorFilter{Q: q})
	}
	for range 10 {
		lon, lat := p.point()
		w := p.r.Float64()
		filters = append(filters, directory.ActorFilter{Bound: &orb.Bound{Min: orb.Point{lon - w, lat - w/2}, Max: orb.Point{lon + w, lat + w/2}}})
	}
	for i, f := range filters {
		f.Limit = directory.MaxLimit
		if i%3 == 0 {
			f.Offset, f.Limit = 2, 5
		}
		lp, le := live.FindActors(ctx, f)
		fp, fe := fresh.FindActors(ctx, f)
		same(fmt.Sprintf("items %+v", f), pageOf(lp), pageOf(fp), le, fe)
		la, le := live.FindAdoptions(ctx, f)
		fa, fe := fresh.FindAdoptions(ctx, f)
		same(fmt.Sprintf("adoptions %+v", f), pageOf(la), pageOf(fa), le, fe)
	}

	// Search as one types.
	for _, q := range queries {
		for _, k := range [][]string{nil, {directory.KindAssociation}} {
			lh, le := live.Search(ctx, q, 20, k)
			fh, fe := fresh.Search(ctx, q, 20, k)
			same(fmt.Sprintf("search %q %v", q, k), hitsOf(lh), hitsOf(fh), le, fe)
		}
	}

	// Nearby, from actors and from places, with filters.
	for i := range 15 {
		q := directory.NearbyQuery{Limit: 1 + p.r.IntN(30)}
		if a := p.actor(func(a *actorState) bool { return a.Point != nil }); a != nil && i%2 == 0 {
			q.Lon, q.Lat, q.ExcludeID = a.Point[0], a.Point[1], a.ID
		} else {
			q.Lon, q.Lat = p.point()
		}
		switch i % 5 {
		case 1:
			q.Filter.Kinds = []string{pick(p.r, kinds), directory.KindCommune}
		case 2:
			q.Filter.Tools = []string{pick(p.r, p.tools).Slug}
		case 3:
			q.Filter.Q = pick(p.r, queries)
		case 4:
			q.MaxMeters = 5000 + p.r.Float64()*50000
		}
		ln, _, le := live.Nearby(ctx, q)
		fn, _, fe := fresh.Nearby(ctx, q)
		same(fmt.Sprintf("nearby %+v", q), neighborsOf(ln), neighborsOf(fn), le, fe)
	}

	// Clusters and tiles: the live directory's index was rebuilt after the
	// writes, the fresh one's built at load.
	for _, f := range []directory.ActorFilter{{}, {Kinds: []string{directory.KindCommune}}, {Departements: []string{"88"}},
		{Tools: []string{pick(p.r, p.tools).Slug}}, {Kinds: []string{directory.KindAssociation, directory.KindMedia}}} {
		for _, z := range []int{0, 4, 8, 12, 16, directory.ClusterMaxZoom + 1} {
			q := directory.ClusterQuery{Filter: f, Zoom: z}
			lc, le := live.Clusters(ctx, q)
			fc, fe := fresh.Clusters(ctx, q)
			same(fmt.Sprintf("clusters %+v zoom %d", f, z), clustersOf(lc), clustersOf(fc), le, fe)
		}
		for _, z := range []uint32{2, 9, 13} {
			lon, lat := p.point()
			tl := maptileAt(p.t, lon, lat, z)
			lt, lseq, le := live.Tile(ctx, f, z, tl[0], tl[1], false)
			ft, fseq, fe := fresh.Tile(ctx, f, z, tl[0], tl[1], false)
			same(fmt.Sprintf("tile %d/%d/%d %+v", z, tl[0], tl[1], f), []any{decodedTile(p.t, lt), lseq}, []any{decodedTile(p.t, ft), fseq}, le, fe)
		}
	}

	// Tools and their adopters; actors with their members and adoptions.
	lt, le := live.FindTools(ctx, directory.ToolFilter{})
	ft, fe := fresh.FindTools(ctx, directory.ToolFilter{})
	same("tools", lt, ft, le, fe)
	for _, tl := range p.tools {
		_, la, le := live.FindToolBySlug(ctx, tl.Slug)
		_, fa, fe := fresh.FindToolBySlug(ctx, tl.Slug)
		same("adopters of "+tl.Slug, adoptersOf(la), adoptersOf(fa), le, fe)
	}
	for i, a := range p.actors {
		if i%8 != step%8 && len(a.Adoptions) == 0 { // a sample: each reads the store twice
			continue
		}
		la, le := live.FindActorByID(ctx, a.ID)
		fa, fe := fresh.FindActorByID(ctx, a.ID)
		same("actor "+a.ID, la, fa, le, fe)
		for _, ad := range a.Adoptions {
			la, le := live.AdoptionFeature(ctx, ad.ID)
			fa, fe := fresh.AdoptionFeature(ctx, ad.ID)
			same("adoption "+ad.ID, string(la), string(fa), le, fe)
		}
	}
	p.counts["comparisons"]++
}

// queries are search words drawn from the actors' names: whole names,
// prefixes of words, abbreviations.
func (p *property) queries() []string {
	out := []string{"st", "saint", "epin", "oeu", "l'hay", "île", "numérique réseau", "epinl", "reseua",
		"88000", "29990", "88160", "8816", "218801603", "200068757"}
	for range 10 {
		a := p.actor(nil)
		b, _, err := p.f.D.ActorFeature(p.f.Ctx, a.ID)
		if err != nil {
			continue
		}
		name := decode(p.t, b).Properties.Name
		words := strings.Fields(name)
		if len(words) == 0 {
			continue
		}
		w := pick(p.r, words)
		n := 1 + p.r.IntN(len([]rune(w)))
		if directory.Fold(string([]rune(w)[:n])) != "" {
			out = append(out, string([]rune(w)[:n]))
		}
		out = append(out, name)
	}
	return out
}

// page is what a FeaturePage says, for comparing.
type page struct {
	Matched  int
	Features []string
	Seq      uint64
}

func pageOf(p *directory.FeaturePage) *page {
	if p == nil {
		return nil
	}
	out := &page{Matched: p.Matched, Seq: p.Seq}
	for _, f := range p.Features {
		out.Features = append(out.Features, string(f))
	}
	return out
}

// rawFeatures makes features readable in failure messages (a []byte
// marshals as base64).
func rawFeatures(fs [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

func clustersOf(p *directory.ClusterPage) any {
	if p == nil {
		return nil
	}
	return []any{p.Clusters, p.Actors, p.Seq, rawFeatures(p.Features)}
}

func hitsOf(hits []directory.SearchHit) any {
	var out []any
	for _, h := range hits {
		out = append(out, []any{h.ID, h.Name, h.Kind, h.Departement, h.Population, json.RawMessage(h.Feature)})
	}
	return out
}

func neighborsOf(ns []directory.Neighbor) any {
	var out []any
	for _, n := range ns {
		out = append(out, []any{n.ID, n.Meters, json.RawMessage(n.Feature)})
	}
	return out
}

func adoptersOf(as []directory.Adopter) any {
	var out []any
	for _, a := range as {
		out = append(out, []any{a.Adoption, a.ActorID, a.Name, a.Kind, json.RawMessage(a.Feature)})
	}
	return out
}

// decodedTile is a tile's features, readable (nil for no tile).
func decodedTile(t *testing.T, data []byte) any {
	if data == nil {
		return nil
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("tile does not decode: %v", err)
	}
	var out []any
	for _, l := range layers {
		for _, ft := range l.Features {
			out = append(out, []any{l.Name, ft.ID, ft.Geometry, ft.Properties})
		}
	}
	return out
}

// firstDiff returns a from a little before where it differs from b.
func firstDiff(a, b []byte) []byte {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-200):]
}

// TestLiveFollowsOtherProcesses replays, deterministically, the two
// disagreements the property test found in the read model following other
// processes: actors that another process creates get their refs (their
// place in every listing, and their cluster ids) in the store's order,
// whatever the order of their ids, and a write of this process made before
// it caught up with another's is applied with it, so that the read model
// at a sequence is the store's state at that sequence.
func TestLiveFollowsOtherProcesses(t *testing.T) {
	for name, ownFirst := range map[string]bool{"CatchUp": false, "OwnWriteFirst": true} {
		t.Run(name, func(t *testing.T) {
			p := newProperty(t, 1)
			ctx := p.f.Ctx
			db, err := directory.Open(ctx, p.f.DB.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			other, err := directory.New(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			mod, err := other.FindUserByID(ctx, p.f.Mod.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Ids in the opposite order of their creation.
			for _, name := range []string{"Zèbre numérique", "Abeille numérique"} {
				if _, err := other.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: directory.TypeActor,
					Action: directory.ActionCreate, Changes: changes("kind", directory.KindAssociation, "name", name,
						"lon", 6.45, "lat", 48.17)}); err != nil {
					t.Fatal(err)
				}
			}
			if ownFirst {
				p.f.MustPropose(t, p.f.Mod, directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate,
					Changes: changes("kind", directory.KindAssociation, "name", "Castor numérique", "lon", 6.46, "lat", 48.18)})
				p.compare(1)
			}
			if _, err := p.f.D.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			p.compare(2)
		})
	}
}
