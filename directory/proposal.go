package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/geo"
)

// Proposal actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionPlace  = "place" // set or correct an actor's point
)

// Actions lists every proposal action.
var Actions = []string{ActionCreate, ActionUpdate, ActionDelete, ActionPlace}

// Proposal statuses.
const (
	ProposalPending    = "pending"
	ProposalApproved   = "approved"
	ProposalRejected   = "rejected"
	ProposalSuperseded = "superseded"
	ProposalWithdrawn  = "withdrawn"
)

// ProposalStatuses lists every proposal status.
var ProposalStatuses = []string{ProposalPending, ProposalApproved, ProposalRejected, ProposalSuperseded, ProposalWithdrawn}

// ProposalInput is a proposed change as a contributor submits it.
type ProposalInput struct {
	TargetType  string                     // actor, tool, adoption
	TargetID    string                     // the record; for a creation, optional (derived from the name)
	Action      string                     // create, update, delete, place
	BaseVersion int                        // the version the change was made against (not for creations)
	Changes     map[string]json.RawMessage // field → new value
	Comment     string
	Source      string // where the contributor got the fact (a URL or a reference)
}

// UserRef names a user in proposals and history.
type UserRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// FieldChange is one field of a proposal: the value it was made against,
// the value it proposes and, when shown for review, the current value.
type FieldChange struct {
	Old     json.RawMessage `json:"old"`
	New     json.RawMessage `json:"new"`
	Current json.RawMessage `json:"current,omitempty"`
}

// Duplicate is an existing actor that a new one may duplicate.
type Duplicate struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`
	Meters float64 `json:"distance_m,omitempty"`
	Reason string  `json:"reason"` // same_code, same_name, similar_name_nearby
}

// Comment is a remark on a proposal.
type Comment struct {
	ID        int64     `json:"id"`
	Author    UserRef   `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Proposal is a proposed change with its fate.
type Proposal struct {
	ID             int64
	Author         UserRef
	TargetType     string
	TargetID       string
	TargetName     string
	Action         string
	BaseVersion    int
	CurrentVersion int // the target's version now (0 if it does not exist)
	Changes        map[string]FieldChange
	Conflicts      map[string]Conflict // fields someone else changed meanwhile (pending proposals)
	Comment        string
	Source         string
	Warnings       []Duplicate
	Status         string
	NeedsReview    bool   // applied at once, still to be reviewed
	ApprovedBy     string // moderator, votes, trust, representative
	AppliedVersion int
	Reviewer       *UserRef
	ReviewedAt     time.Time
	Reason         string
	VotesFor       int
	VotesAgainst   int
	MyVote         int
	Departement    string
	Region         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Comments       []Comment

	// BatchID is the import run that filed it (0: a person's own proposal);
	// Provenance, where the values it proposes come from.
	BatchID    int64
	Provenance map[string]Provenance
}

// storedProposal is a proposals row, as the workflow uses it.
type storedProposal struct {
	ID          int64
	AuthorID    int64
	TargetType  string
	TargetID    string
	Action      string
	BaseVersion int
	Changes     map[string]change
	Source      string
	Status      string
	NeedsReview bool
	Applied     int
	CreatedAt   time.Time

	// Provenance of the values it proposes, for proposals an import files
	// (a person's own proposal is its own provenance).
	Provenance map[string]Provenance
	BatchID    int64
}

// ProposeEdit records a proposed change by u. It validates every field
// (EINVALID with one message per field), refuses a change made against a
// stale version when another change touched the same field (ECONFLICT with
// both values), enforces rate limits (ETOOMANY) and blocks (EFORBIDDEN).
// Moderators' changes apply at once; so do those of trusted contributors and
// of an actor's verified representative, which stay listed for review.
func (d *Directory) ProposeEdit(ctx context.Context, u *User, in ProposalInput) (*Proposal, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToPropose, nil)
	}
	now := d.db.Now()
	if u.Blocked(now) {
		return nil, NewError(EFORBIDDEN, keyBlockedReason, Args{"until": u.BlockedUntil.Format("2006-01-02 15:04 MST"), "reason": u.BlockReason})
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Counted inside the write transaction that inserts: a burst of
	// simultaneous proposals cannot all pass a count made before any of
	// them is stored.
	if err := d.checkRate(ctx, tx, u, now); err != nil {
		return nil, err
	}

	prepared, cur, warnings, err := d.prepareProposal(ctx, tx, u, in, now)
	if err != nil {
		return nil, err
	}
	// A newer proposal by the same author on the same record replaces their pending one.
	if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'superseded', updated_at = ?
		WHERE author_id = ? AND target_type = ? AND target_id = ? AND status = 'pending'`,
		formatTime(now), u.ID, prepared.TargetType, prepared.TargetID); err != nil {
		return nil, err
	}
	changes, _ := json.Marshal(prepared.Changes)
	warn, _ := json.Marshal(warnings)
	if err := tx.QueryRowContext(ctx, `INSERT INTO proposals (author_id, target_type, target_id, action, base_version,
		changes, comment, source, warnings, departement, region, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.ID, prepared.TargetType, prepared.TargetID, prepared.Action, prepared.BaseVersion, changes,
		strings.TrimSpace(in.Comment), prepared.Source, warn, cur.Dept, cur.Region, formatTime(now), formatTime(now)).Scan(&prepared.ID); err != nil {
		return nil, formatError(err)
	}
	prepared.CreatedAt = now
	if err := emit(ctx, tx, now, func() (*Event, error) {
		return d.proposalEvent(ctx, tx, EventProposalCreated, prepared, proposedView(cur, prepared), now)
	}); err != nil {
		return nil, err
	}

	var touched touchSet
	if how := d.appliesAtOnce(ctx, tx, u, prepared); how != "" {
		touched, err = d.applyProposal(ctx, tx, prepared, nil, u, how, "", now)
		if err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	d.refresh(ctx, touched)
	return d.FindProposalByID(ctx, u, prepared.ID)
}

// CheckProposal validates a proposal without storing it and returns the
// likely duplicates a new actor would have, for forms to show before submitting.
func (d *Directory) CheckProposal(ctx context.Context, u *User, in ProposalInput) ([]Duplicate, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToPropose, nil)
	}
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	_, _, warnings, err := d.prepareProposal(ctx, tx, u, in, d.db.Now())
	return warnings, err
}

// prepareProposal validates in against the current state of its target and
// returns the proposal to store, the target as it is, and duplicate warnings.
func (d *Directory) prepareProposal(ctx context.Context, tx *sql.Tx, u *User, in ProposalInput, now time.Time) (*storedProposal, *record, []Duplicate, error) {
	p := Problems{}
	if !slices.Contains(RecordTypes, in.TargetType) {
		p.Add("target_type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	if !slices.Contains(Actions, in.Action) {
		p.Add("action", keyOneOf, Args{"choices": strings.Join(Actions, ", ")})
	}
	if in.Action == ActionPlace && in.TargetType != TypeActor {
		p.Add("action", keyPlaceActorsOnly, nil)
	}
	if n := utf8.RuneCountInString(in.Comment); n > 2000 || !validText(in.Comment, true) {
		p.Add("comment", keyTextMax, Args{"max": 2000})
	}
	source := strings.TrimSpace(in.Source)
	if n := utf8.RuneCountInString(source); n > 500 || !validText(source, false) {
		p.Add("source", keySourceTooLong, nil)
	}
	if in.Action != ActionCreate && in.TargetID == "" {
		p.Add("target_id", keyTargetRequired, nil)
	}
	if in.Action != ActionCreate && in.BaseVersion < 1 {
		p.Add("base_version", keyBaseRequired, nil)
	}
	if err := p.Err("proposal"); err != nil {
		return nil, nil, nil, err
	}

	// Look the target up and check the changes against it.
	targetID := in.TargetID
	var cur *record
	var err error
	if in.Action != ActionCreate {
		if cur, err = loadRecord(ctx, tx, in.TargetType, targetID); err != nil {
			return nil, nil, nil, err
		}
		if !cur.exists() || cur.deleted() {
			return nil, nil, nil, NewError(ENOTFOUND, keyNoRecord, Args{"type": in.TargetType, "id": targetID})
		}
		if in.BaseVersion > cur.Version {
			return nil, nil, nil, FieldError("base_version", keyBaseAhead, Args{"current": cur.Version})
		}
	}
	official := in.TargetType == TypeActor && cur != nil && IsAdministrative(cur.str("kind"))

	d.mu.RLock()
	c := &checker{d: d, p: Problems{}, now: now}
	var changes map[string]json.RawMessage
	switch in.Action {
	case ActionDelete:
		if len(in.Changes) > 0 {
			c.p.Add("changes", keyDeleteChanges, nil)
		}
		if official {
			c.p.Add("action", keyOfficialDelete, Args{"kind": cur.str("kind")})
		}
	case ActionPlace:
		for k := range in.Changes {
			if k != "lon" && k != "lat" {
				c.p.Add("changes."+k, keyPlaceOnlyPoint, nil)
			}
		}
		if _, ok := in.Changes["lon"]; !ok {
			c.p.Add("changes.lon", keyPlaceRequired, nil)
		}
		changes = c.check(in.TargetType, in.Changes, false, false)
	case ActionUpdate:
		if len(in.Changes) == 0 {
			c.p.Add("changes", keyNoChanges, nil)
		}
		changes = c.check(in.TargetType, in.Changes, official, false)
	case ActionCreate:
		changes = c.check(in.TargetType, in.Changes, false, true)
	}
	d.mu.RUnlock()
	if err := c.p.Err("proposal"); err != nil {
		return nil, nil, nil, err
	}

	// A commune is placed inside France's territories.
	if lon, lat, ok := proposedPoint(changes); ok && d.Territory != nil {
		kind := ""
		if cur != nil {
			kind = cur.str("kind")
		}
		// 22.2 km is the territorial sea (12 nautical miles): islands that a
		// map-scale outline leaves out (Sein, Bréhat…) are within it.
		if kind == KindCommune && !d.Territory.Contains(orb.Point{lon, lat}, 22200) {
			p := Problems{}
			p.Add("changes.lon", keyNotInFrance, nil)
			return nil, nil, nil, p.Fail(EINVALID, keyCommuneOutside, nil)
		}
	}

	var warnings []Duplicate
	if in.Action == ActionCreate {
		if cur, targetID, warnings, err = d.prepareCreate(ctx, tx, in.TargetType, in.TargetID, changes); err != nil {
			return nil, nil, nil, err
		}
	}

	// Record each change with the value it was made against: the base
	// version's, or the current one's when the base is current.
	out := &storedProposal{AuthorID: u.ID, TargetType: in.TargetType, TargetID: targetID, Action: in.Action,
		BaseVersion: in.BaseVersion, Source: source, Changes: map[string]change{}, Status: ProposalPending}
	base := cur.Fields
	if in.Action != ActionCreate && in.BaseVersion < cur.Version {
		if base, err = loadVersionFields(ctx, tx, in.TargetType, targetID, in.BaseVersion); err != nil {
			return nil, nil, nil, err
		}
	}
	for k, v := range changes {
		if !sameJSON(base[k], v) || in.Action == ActionCreate {
			out.Changes[k] = change{Old: orNull(base[k]), New: v}
		}
	}
	if in.Action != ActionDelete && len(out.Changes) == 0 {
		p := Problems{}
		p.Add("changes", keyCurrentValues, nil)
		return nil, nil, nil, p.Fail(EINVALID, keyNothingToChange, nil)
	}
	// A stale proposal that touches a field someone else changed meanwhile
	// is refused with both values; untouched fields merge.
	if in.Action != ActionCreate {
		if conflicts := conflictsWith(cur, out.Changes); len(conflicts) > 0 {
			return nil, nil, nil, conflictError(cur, in.BaseVersion, conflicts)
		}
		if in.Action == ActionDelete && in.BaseVersion != cur.Version {
			return nil, nil, nil, NewError(ECONFLICT, keyDeleteStale, Args{"type": in.TargetType, "id": targetID,
				"base": in.BaseVersion, "current": cur.Version})
		}
	}
	return out, cur, warnings, nil
}

func conflictError(cur *record, base int, conflicts map[string]Conflict) error {
	names := slices.Sorted(maps.Keys(conflicts))
	return withConflicts(NewError(ECONFLICT, keyStale, Args{"type": cur.Type, "id": cur.ID, "base": base,
		"current": cur.Version, "fields": strings.Join(names, ", ")}), conflicts)
}

// conflictsWith returns the fields of changes that the current record has
// changed since (to a value other than the proposed one).
func conflictsWith(cur *record, changes map[string]change) map[string]Conflict {
	out := map[string]Conflict{}
	for k, ch := range changes {
		now := cur.Fields[k]
		if !sameJSON(now, ch.Old) && !sameJSON(now, ch.New) {
			out[k] = Conflict{Base: rawAny(ch.Old), Yours: rawAny(ch.New), Current: rawAny(now)}
		}
	}
	return out
}

func rawAny(v json.RawMessage) any {
	var x any
	if len(v) > 0 {
		json.Unmarshal(v, &x)
	}
	return x
}

func proposedPoint(changes map[string]json.RawMessage) (lon, lat float64, ok bool) {
	lr, ok1 := changes["lon"]
	la, ok2 := changes["lat"]
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	if json.Unmarshal(lr, &lon) != nil || json.Unmarshal(la, &lat) != nil {
		return 0, 0, false
	}
	return lon, lat, true
}

// prepareCreate picks the new record's id and finds likely duplicates.
func (d *Directory) prepareCreate(ctx context.Context, tx *sql.Tx, typ, id string, changes map[string]json.RawMessage) (*record, string, []Duplicate, error) {
	given := id
	var s string
	switch typ {
	case TypeActor:
		json.Unmarshal(changes["kind"], &s)
		var name string
		json.Unmarshal(changes["name"], &name)
		if id == "" {
			id = s + "-" + slugify(name)
		}
		if !strings.HasPrefix(id, s+"-") || slugify(strings.TrimPrefix(id, s+"-")) != strings.TrimPrefix(id, s+"-") {
			return nil, "", nil, FieldError("target_id", keyActorSlug, Args{"pattern": s + "-{slug}"})
		}
	case TypeTool:
		var name string
		json.Unmarshal(changes["name"], &name)
		if id == "" {
			id = slugify(name)
		}
		if id == "" || slugify(id) != id {
			return nil, "", nil, FieldError("target_id", keyToolSlugNew, nil)
		}
	case TypeAdoption:
		var actor, tool string
		json.Unmarshal(changes["actor"], &actor)
		json.Unmarshal(changes["tool"], &tool)
		id = "adoption-" + actor + "-" + tool
	}
	cur, err := loadRecord(ctx, tx, typ, id)
	if err != nil {
		return nil, "", nil, err
	}
	// A derived id that is taken gets a number: the duplicate warning tells
	// the contributor, who may well be adding a namesake.
	for n := 2; given == "" && typ != TypeAdoption && cur.exists() && n < 100; n++ {
		if cur, err = loadRecord(ctx, tx, typ, fmt.Sprintf("%s-%d", id, n)); err != nil {
			return nil, "", nil, err
		}
		if !cur.exists() {
			id = fmt.Sprintf("%s-%d", id, n)
		}
	}
	if cur.exists() && !cur.deleted() {
		p := Problems{}
		p.Add("target_id", keyAlreadyExists, nil)
		return nil, "", nil, p.Fail(ECONFLICT, keyRecordExists, Args{"type": typ, "id": id})
	}
	var warnings []Duplicate
	if typ == TypeActor {
		warnings = d.likelyDuplicates(changes)
	}
	return cur, id, warnings, nil
}

// likelyDuplicates finds existing actors that a new one may duplicate: the
// same official code, the same name anywhere, or a similar name within 5 km.
func (d *Directory) likelyDuplicates(changes map[string]json.RawMessage) []Duplicate {
	var name, code, siren string
	json.Unmarshal(changes["name"], &name)
	json.Unmarshal(changes["code"], &code)
	json.Unmarshal(changes["siren"], &siren)
	lon, lat, hasPoint := proposedPoint(changes)
	folded, words := parseQuery(name)
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []Duplicate
	seen := map[uint32]bool{}
	add := func(ref uint32, reason string, meters float64) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		e := &d.entries[ref]
		out = append(out, Duplicate{ID: d.str(e.id), Name: d.str(e.name), Kind: d.sym(e.kind), Meters: math.Round(meters), Reason: reason})
	}
	if code != "" || siren != "" {
		for _, r := range d.live {
			e := &d.entries[r]
			if e.synthetic {
				continue
			}
			if a := d.actorCodes(r); (code != "" && a[0] == code) || (siren != "" && a[1] == siren) {
				add(r, "same_code", 0)
			}
		}
	}
	if len(words) > 0 {
		for _, r := range d.candidatesLocked(words) {
			e := &d.entries[r]
			if e.deleted || seen[r] {
				continue
			}
			meters := 0.0
			if hasPoint && e.hasPoint() {
				meters = geo.Distance(orb.Point{lon, lat}, e.point())
			}
			switch {
			case d.str(e.folded) == folded:
				add(r, "same_name", meters)
			case hasPoint && e.hasPoint() && meters <= 5000 && d.matchesLocked(r, words):
				add(r, "similar_name_nearby", meters)
			}
		}
	}
	slices.SortFunc(out, func(a, b Duplicate) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}

// actorCodes returns an entry's official code and SIREN from its feature
// (they are not kept in the compact entry).
func (d *Directory) actorCodes(ref uint32) [2]string {
	var f struct {
		Properties struct {
			Code  string `json:"code"`
			SIREN string `json:"siren"`
		} `json:"properties"`
	}
	json.Unmarshal(d.featureLocked(ref, -1), &f)
	return [2]string{f.Properties.Code, f.Properties.SIREN}
}

// appliesAtOnce says whether (and why) u's proposal is applied without
// waiting: "moderator", "representative", "trust", or "" to wait for review.
func (d *Directory) appliesAtOnce(ctx context.Context, tx *sql.Tx, u *User, p *storedProposal) string {
	if u.IsModerator() {
		return "moderator"
	}
	actor := ""
	switch p.TargetType {
	case TypeActor:
		actor = p.TargetID
	case TypeAdoption:
		var a adoptionData
		if ch, ok := p.Changes["actor"]; ok {
			json.Unmarshal(ch.New, &a.Actor)
		} else if r, err := loadRecord(ctx, tx, p.TargetType, p.TargetID); err == nil {
			a.Actor = r.str("actor")
		}
		actor = a.Actor
	}
	if actor != "" && slices.Contains(u.Represents, actor) {
		return "representative"
	}
	if d.trusted(ctx, tx, u.ID) {
		return "trust"
	}
	return ""
}

// trusted reports whether a contributor's record earns immediate application.
func (d *Directory) trusted(ctx context.Context, tx *sql.Tx, userID int64) bool {
	if d.Policy.TrustMinApproved <= 0 {
		return false
	}
	var approved, rejected int
	if err := tx.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE status = 'approved' AND approved_by IN ('moderator', 'votes') AND needs_review = 0),
		COUNT(*) FILTER (WHERE status = 'rejected')
		FROM proposals WHERE author_id = ?`, userID).Scan(&approved, &rejected); err != nil {
		return false
	}
	return approved >= d.Policy.TrustMinApproved && float64(approved) >= d.Policy.TrustMinRatio*float64(approved+rejected)
}

// checkRate refuses a proposal beyond the author's hourly or daily limit,
// limits that grow with their approved work. Moderators are not limited.
func (d *Directory) checkRate(ctx context.Context, tx *sql.Tx, u *User, now time.Time) error {
	if u.IsModerator() || d.Policy.RatePerHour <= 0 {
		return nil
	}
	var approved int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposals WHERE author_id = ? AND status = 'approved'`,
		u.ID).Scan(&approved); err != nil {
		return err
	}
	for _, w := range []struct {
		span  time.Duration
		limit int
		key   Key
	}{
		{time.Hour, d.Policy.RatePerHour, keyRateHour},
		{24 * time.Hour, d.Policy.RatePerDay, keyRateDay},
	} {
		limit := min(w.limit+approved*d.Policy.RateGrowth, 10*w.limit)
		var n int
		var oldest sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM
			(SELECT created_at FROM proposals WHERE author_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?) AS recent`,
			u.ID, formatTime(now.Add(-w.span)), limit).Scan(&n, &oldest); err != nil {
			return err
		}
		if n >= limit {
			retry := parseTime(oldest.String).Add(w.span).Sub(now)
			err := NewError(ETOOMANY, w.key, Args{"count": n})
			err.RetryAfter = max(retry.Round(time.Second), time.Second)
			return err
		}
	}
	return nil
}

// touchSet lists what a write changed, for the read model to follow.
type touchSet struct {
	actors []string
	tools  []string
	seq    uint64 // the last change sequence the write made
	first  uint64 // the first one (a transaction may apply several changes)
}

func (t *touchSet) merge(o touchSet) {
	t.actors = append(t.actors, o.actors...)
	t.tools = append(t.tools, o.tools...)
	t.seq = max(t.seq, o.seq)
	if o.first != 0 && (t.first == 0 || o.first < t.first) {
		t.first = o.first
	}
}

// applyProposal applies p inside tx: it merges its changes into the current
// record (refusing with ECONFLICT a field someone else changed meanwhile,
// unless resolutions say to keep "yours" or the "current" value), writes
// the new version and its history, and marks p approved.
func (d *Directory) applyProposal(ctx context.Context, tx *sql.Tx, p *storedProposal, resolutions map[string]string,
	by *User, how, reason string, now time.Time) (touchSet, error) {
	cur, err := loadRecord(ctx, tx, p.TargetType, p.TargetID)
	if err != nil {
		return touchSet{}, err
	}
	fields := maps.Clone(cur.Fields)
	switch p.Action {
	case ActionCreate:
		if cur.exists() && !cur.deleted() {
			return touchSet{}, NewError(ECONFLICT, keyCreatedMeanwhle, Args{"type": p.TargetType, "id": p.TargetID})
		}
		fields = newRecordFields(p.TargetType)
		for k, ch := range p.Changes {
			fields[k] = ch.New
		}
		if p.TargetType == TypeAdoption {
			// Its actor and tool may have gone since it was proposed.
			var a adoptionData
			fromFields(fields, &a)
			var actorGone, toolGone bool
			if err := tx.QueryRowContext(ctx, `SELECT
				NOT EXISTS (SELECT 1 FROM actors WHERE id = ? AND deleted = 0),
				NOT EXISTS (SELECT 1 FROM tools WHERE slug = ? AND deleted = 0)`, a.Actor, a.Tool).Scan(&actorGone, &toolGone); err != nil {
				return touchSet{}, err
			}
			switch {
			case actorGone:
				return touchSet{}, NewError(ECONFLICT, keyAdoptionActorGone, Args{"actor": a.Actor})
			case toolGone:
				return touchSet{}, NewError(ECONFLICT, keyAdoptionToolGone, Args{"tool": a.Tool})
			}
		}
	case ActionUpdate, ActionPlace:
		if !cur.exists() || cur.deleted() {
			return touchSet{}, NewError(ECONFLICT, keyDeletedMeanwhle, Args{"type": p.TargetType, "id": p.TargetID})
		}
		conflicts := conflictsWith(cur, p.Changes)
		for k := range conflicts {
			switch resolutions[k] {
			case "yours":
				delete(conflicts, k)
			case "current":
				delete(conflicts, k)
				delete(p.Changes, k)
			}
		}
		if len(conflicts) > 0 {
			return touchSet{}, conflictError(cur, p.BaseVersion, conflicts)
		}
		for k, ch := range p.Changes {
			fields[k] = ch.New
		}
	case ActionDelete:
		if !cur.exists() || cur.deleted() {
			return touchSet{}, NewError(ECONFLICT, keyDeletedMeanwhle, Args{"type": p.TargetType, "id": p.TargetID})
		}
		if cur.Version != p.BaseVersion {
			return touchSet{}, NewError(ECONFLICT, keyDeleteStale, Args{"type": p.TargetType, "id": p.TargetID,
				"base": p.BaseVersion, "current": cur.Version})
		}
		fields["deleted"] = json.RawMessage("true")
	}
	if p.TargetType == TypeAdoption && p.Action != ActionDelete {
		// A person's statement is as of the day it is made unless it gives
		// its source's date: a new adoption, or a new status, is true now.
		_, dated := p.Changes["as_of"]
		_, restated := p.Changes["status"]
		if !dated && (p.Action == ActionCreate || restated) {
			fields["as_of"] = mustJSON(now.UTC().Format(time.DateOnly))
		}
	}
	if p.TargetType == TypeActor {
		if _, moved := p.Changes["lon"]; moved {
			if pp, ok := p.Provenance["point"]; ok && strings.HasPrefix(pp.Source, SourceDILA) {
				// An official point an import proposed: the town hall itself.
				fields["precision"] = mustJSON(PrecisionExact)
				fields["point_source"] = mustJSON(pp.Source)
			} else {
				fields["precision"] = mustJSON(PrecisionContributed)
				fields["point_source"] = mustJSON("contributed:proposal-" + strconv.FormatInt(p.ID, 10))
			}
		}
		if p.Action != ActionDelete {
			fields["provenance"] = stampProvenance(fields["provenance"], p, now)
		}
	}
	// An import's proposal says where its values come from in their
	// provenance; the record's list of sources is for people's references.
	if p.Source != "" && p.Action != ActionDelete && len(p.Provenance) == 0 {
		src := Source{Document: p.Source, Year: now.Year(), Quote: "proposal " + strconv.FormatInt(p.ID, 10)}
		if p.BatchID != 0 && validURL(p.Source, 500) {
			// A batch row's source is where the fact can be read, as of the
			// date the row gives.
			var asOf string
			json.Unmarshal(fields["as_of"], &asOf)
			src = Source{URL: p.Source, Date: asOf}
		}
		fields["sources"] = appendSource(fields["sources"], src)
	}

	touched, version, err := writeNewVersion(ctx, tx, cur, fields, versionWrite{Action: p.Action, AuthorID: p.AuthorID,
		ProposalID: p.ID, Reason: reason}, now)
	if err != nil {
		return touchSet{}, err
	}
	seq, nowS := touched.seq, formatTime(now)

	// Deleting an actor deletes its adoptions, each as a new version of its own.
	if p.TargetType == TypeActor && p.Action == ActionDelete {
		t, err := deleteAdoptionsOf(ctx, tx, p.TargetID, p.AuthorID, p.ID, seq, nowS)
		if err != nil {
			return touchSet{}, err
		}
		touched.merge(t)
	}
	if p.Action == ActionDelete {
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'superseded', updated_at = ?
			WHERE target_type = ? AND target_id = ? AND status = 'pending' AND id <> ?`, nowS, p.TargetType, p.TargetID, p.ID); err != nil {
			return touchSet{}, err
		}
	}
	needsReview := how == "trust" || how == "representative"
	var reviewer any
	var reviewedAt any
	if how == "moderator" {
		reviewer, reviewedAt = by.ID, nowS
	}
	if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'approved', applied_version = ?, needs_review = ?,
		approved_by = ?, reviewer_id = ?, reviewed_at = ?, reason = ?, updated_at = ? WHERE id = ?`,
		version, needsReview, how, reviewer, reviewedAt, reason, nowS, p.ID); err != nil {
		return touchSet{}, err
	}
	if err := emit(ctx, tx, now, func() (*Event, error) {
		return d.proposalEvent(ctx, tx, EventChangeApplied, p, &record{Type: cur.Type, ID: cur.ID, Version: version, Fields: fields}, now)
	}); err != nil {
		return touchSet{}, err
	}
	return touched, nil
}

// proposedView is the target of a proposal as it would be once applied,
// for the event announcing the proposal: its current fields with the
// proposed values over them (a creation's territory and name are only in
// its changes).
func proposedView(cur *record, p *storedProposal) *record {
	v := &record{Type: p.TargetType, ID: p.TargetID, Fields: map[string]json.RawMessage{}}
	if cur != nil {
		v.Version = cur.Version
		maps.Copy(v.Fields, cur.Fields)
	}
	for k, c := range p.Changes {
		v.Fields[k] = c.New
	}
	return v
}

// stampProvenance records, in an actor's provenance, where the fields p
// changes come from: the provenance an import gave them, or p itself (a
// person's contribution, as of today). A cleared field keeps its entry:
// it says who cleared it, and an import will not put the value back
// without review.
func stampProvenance(raw json.RawMessage, p *storedProposal, now time.Time) json.RawMessage {
	var prov map[string]Provenance
	json.Unmarshal(raw, &prov)
	if prov == nil {
		prov = map[string]Provenance{}
	}
	for field := range p.Changes {
		key := provenanceKey(field)
		if key == "" {
			continue
		}
		if pp, ok := p.Provenance[key]; ok {
			prov[key] = pp
		} else {
			prov[key] = Provenance{Source: proposalSource(p.ID), AsOf: now.UTC().Format(time.DateOnly)}
		}
	}
	if len(prov) == 0 {
		return json.RawMessage("null")
	}
	return mustJSON(prov)
}

// add records what changing r to fields touches in the read model.
func (t *touchSet) add(r *record, fields map[string]json.RawMessage) {
	switch r.Type {
	case TypeActor:
		t.actors = append(t.actors, r.ID)
		// Parents list their members: old and new parents change too.
		t.actors = append(t.actors, recordParents(r)...)
		var np []string
		json.Unmarshal(fields["parents"], &np)
		t.actors = append(t.actors, np...)
	case TypeTool:
		t.tools = append(t.tools, r.ID)
	case TypeAdoption:
		var a adoptionData
		fromFields(fields, &a)
		t.actors = append(t.actors, a.Actor)
		t.tools = append(t.tools, a.Tool)
	}
}

func newRecordFields(typ string) map[string]json.RawMessage {
	switch typ {
	case TypeActor:
		return toFields(actorData{})
	case TypeTool:
		return toFields(toolData{})
	default:
		return toFields(adoptionData{Status: StatusInUse})
	}
}

func appendSource(raw json.RawMessage, s Source) json.RawMessage {
	var list []Source
	json.Unmarshal(raw, &list)
	for _, x := range list {
		if x.Document == s.Document && x.URL == s.URL {
			return raw
		}
	}
	return mustJSON(append(list, s))
}

func deleteAdoptionsOf(ctx context.Context, tx *sql.Tx, actorID string, authorID, proposalID int64, seq uint64, now string) (touchSet, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tool_slug FROM adoptions WHERE actor_id = ? AND deleted = 0`, actorID)
	if err != nil {
		return touchSet{}, err
	}
	var tools []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return touchSet{}, err
		}
		tools = append(tools, t)
	}
	if err := rows.Close(); err != nil {
		return touchSet{}, err
	}
	var touched touchSet
	for _, tool := range tools {
		r, err := loadRecord(ctx, tx, TypeAdoption, "adoption-"+actorID+"-"+tool)
		if err != nil {
			return touchSet{}, err
		}
		fields := maps.Clone(r.Fields)
		fields["deleted"] = json.RawMessage("true")
		if _, err := writeVersion(ctx, tx, r, fields, versionWrite{Action: ActionDelete, AuthorID: authorID,
			ProposalID: proposalID, Reason: "its actor was deleted", Seq: seq}, now); err != nil {
			return touchSet{}, err
		}
		touched.add(r, fields)
	}
	return touched, nil
}

// loadVersionFields reads the snapshot of version v of a record.
func loadVersionFields(ctx context.Context, tx *sql.Tx, typ, id string, v int) (map[string]json.RawMessage, error) {
	var data string
	err := tx.QueryRowContext(ctx, `SELECT data FROM versions WHERE record_type = ? AND record_id = ? AND version = ?`, typ, id, v).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, FieldError("base_version", keyVersionMissing, Args{"version": v, "type": typ, "id": id})
	} else if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal([]byte(data), &m)
}

func loadStoredProposal(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (*storedProposal, error) {
	p := &storedProposal{}
	var changes, created, provenance string
	var applied, batch sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, author_id, target_type, target_id, action, base_version, changes, source,
		status, needs_review, applied_version, created_at, provenance, batch_id FROM proposals WHERE id = ?`, id).Scan(&p.ID, &p.AuthorID,
		&p.TargetType, &p.TargetID, &p.Action, &p.BaseVersion, &changes, &p.Source, &p.Status, &p.NeedsReview, &applied, &created,
		&provenance, &batch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoProposal, Args{"id": id})
	} else if err != nil {
		return nil, err
	}
	p.Applied = int(applied.Int64)
	p.CreatedAt = parseTime(created)
	p.BatchID = batch.Int64
	if p.Provenance, err = parseProvenance([]byte(provenance)); err != nil {
		return nil, err
	}
	return p, json.Unmarshal([]byte(changes), &p.Changes)
}
