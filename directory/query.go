package directory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/geo"
)

// Limits on queries.
const (
	MaxLimit       = 10000 // items per page
	MaxNearby      = 1000  // nearest actors per query
	MaxQueryLength = 200   // characters of a search query
	MaxQueryWords  = 16    // distinct words of a search query
	MaxListValues  = 100   // values of a list filter (kind=a,b,…), repeats removed
	bruteThreshold = 4096  // below this many candidates, nearest is computed by brute force
)

// ActorFilter selects actors. Empty fields do not filter; lists match any of
// their values.
type ActorFilter struct {
	Bound         *orb.Bound // Min.Lon > Max.Lon crosses the antimeridian
	Kinds         []string
	Departements  []string
	Regions       []string
	Tools         []string // slugs; matches actors with an in-use adoption of one of them
	Themes        []string // matches actors using a tool of one of these themes
	Q             string   // words of the name, prefix-matched, accents and case ignored; one typo forgiven; or official codes (INSEE, SIREN, postal)
	Precisions    []string // point precisions; actors without a point never match when set
	Parents       []string // actor ids: actors that have one of them among their parents (an EPCI's member communes)
	PopulationMin int
	PopulationMax int
	UpdatedFrom   time.Time // inclusive; zero = open
	UpdatedTo     time.Time // inclusive; zero = open
	// Stale, when set, keeps the actors that have a stale fact (true) or
	// none (false); VerifiedSince the actors with a fact a person confirmed
	// since then.
	Stale         *bool
	VerifiedSince time.Time
	// AnyTool keeps the actors that use at least one tool; IncludePlanned
	// makes Tools, Themes and AnyTool match planned adoptions too (the
	// peer finder's question: who uses, or is about to use, it).
	AnyTool        bool
	IncludePlanned bool

	Offset int
	Limit  int
}

// Validate checks the filter's values against what the directory knows and
// returns one EINVALID error naming every bad parameter.
func (d *Directory) validateFilterLocked(f *ActorFilter) error {
	var p Problems
	// Repeated values are removed first, and lists are capped: the work of
	// a query must follow what it asks, not how many times it says it
	// (kind=commune repeated thousands of times used to build the list of
	// communes as many times over).
	for _, l := range []struct {
		name string
		v    *[]string
	}{{"kind", &f.Kinds}, {"departement", &f.Departements}, {"region", &f.Regions}, {"tool", &f.Tools},
		{"theme", &f.Themes}, {"precision", &f.Precisions}, {"parent", &f.Parents}} {
		*l.v = dedupe(*l.v)
		if len(*l.v) > MaxListValues {
			p.Add(l.name, KeyListValues, Args{"max": MaxListValues})
			*l.v = (*l.v)[:MaxListValues]
		}
	}
	for _, k := range f.Kinds {
		if !IsKind(k) {
			p.Add("kind", KeyOneOfGot, Args{"choices": strings.Join(Kinds, ", "), "got": truncateRunes(k, 40)})
		}
	}
	for _, t := range f.Themes {
		if !IsTheme(t) {
			p.Add("theme", KeyOneOfGot, Args{"choices": strings.Join(Themes, ", "), "got": truncateRunes(t, 40)})
		}
	}
	for _, t := range f.Tools {
		if d.tools[t] == nil {
			p.Add("tool", keyToolSlug, Args{"got": truncateRunes(t, 40)})
		}
	}
	for _, c := range f.Departements {
		if _, ok := d.names[KindDepartement+":"+c]; !ok {
			p.Add("departement", keyDepartement, Args{"got": truncateRunes(c, 40)})
		}
	}
	for _, c := range f.Regions {
		if _, ok := d.names[KindRegion+":"+c]; !ok {
			p.Add("region", keyRegion, Args{"got": truncateRunes(c, 40)})
		}
	}
	for _, id := range f.Parents {
		if ref, ok := d.refOf(id); !ok || d.entries[ref].deleted {
			p.Add("parent", keyParent, Args{"got": truncateRunes(id, 40)})
		}
	}
	for _, pr := range f.Precisions {
		if !IsPrecision(pr) {
			p.Add("precision", KeyOneOfGot, Args{"choices": strings.Join(Precisions, ", "), "got": truncateRunes(pr, 40)})
		}
	}
	if f.Q != "" {
		if !utf8.ValidString(f.Q) {
			p.Add("q", KeyUTF8, nil)
		} else if utf8.RuneCountInString(f.Q) > MaxQueryLength {
			p.Add("q", keyCharsMax, Args{"max": MaxQueryLength})
		} else if folded := Fold(f.Q); folded == "" {
			p.Add("q", keyNoLetter, nil)
		} else if n := distinctWords(folded); n > MaxQueryWords {
			p.Add("q", keyQueryWords, Args{"count": n, "max": MaxQueryWords})
		}
	}
	if f.PopulationMin < 0 {
		p.Add("population_min", keyNonNegativeInt, nil)
	}
	if f.PopulationMax < 0 {
		p.Add("population_max", keyNonNegativeInt, nil)
	} else if f.PopulationMax > 0 && f.PopulationMax < f.PopulationMin {
		p.Add("population_max", keyPopulationMax, nil)
	}
	if f.Offset < 0 {
		p.Add("offset", keyNonNegativeInt, nil)
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		p.Add("limit", KeyBetween, Args{"min": 0, "max": MaxLimit})
	}
	if f.Bound != nil {
		coordProblem(&p, "bbox", geo.CheckBound(f.Bound.Min.Lon(), f.Bound.Min.Lat(), f.Bound.Max.Lon(), f.Bound.Max.Lat()))
	}
	return p.Err("filter")
}

// distinctWords counts the different words of folded text.
func distinctWords(folded string) int {
	seen := map[string]bool{}
	for _, w := range strings.Fields(folded) {
		seen[w] = true
	}
	return len(seen)
}

// dedupe returns l without repeated values, in the order of their first
// appearance; l itself when it has none (the common case allocates nothing).
func dedupe(l []string) []string {
	if len(l) < 2 {
		return l
	}
	seen := make(map[string]bool, min(len(l), 2*MaxListValues))
	out := l[:0:0]
	for _, v := range l {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) == len(l) {
		return l
	}
	return out
}

// matcher checks one entry against the filter's predicates; the candidate
// source (a list or the spatial index) has already applied some of them. Its
// values are the read model's symbols: comparing them reads no string.
type matcher struct {
	d          *Directory // read under d.mu held by the caller
	f          *ActorFilter
	kinds      []sym
	depts      []sym
	regions    []sym
	themes     uint8
	precisions uint32
	parents    []uint32 // refs of f.Parents
	words      []queryWord
	checkBound bool
	exclude    bool   // never match excludeRef
	excludeRef uint32 // an actor never matched
}

// newMatcherLocked prepares f's checks, which must be valid; the query
// words get their typo corrections from the search index. Its values are
// the read model's symbols: comparing them reads no string.
func (d *Directory) newMatcherLocked(f *ActorFilter) *matcher {
	m := &matcher{d: d, f: f, checkBound: f.Bound != nil}
	codes := func(values []string) []sym {
		var out []sym
		for _, v := range values {
			if c, ok := d.syms.lookup(v); ok {
				out = append(out, c)
			} else {
				// A valid value no entry has: it matches nothing, but the
				// list must stay non-empty to filter.
				out = append(out, sym(1<<16-1))
			}
		}
		return out
	}
	m.kinds, m.depts, m.regions = codes(f.Kinds), codes(f.Departements), codes(f.Regions)
	for _, t := range f.Themes {
		m.themes |= themeBit(t)
	}
	for _, p := range f.Precisions {
		m.precisions |= 1 << (slices.Index(Precisions, p) + 1)
	}
	for _, id := range f.Parents {
		if ref, ok := d.refOf(id); ok {
			m.parents = append(m.parents, ref)
		}
	}
	if f.Q != "" {
		_, m.words = parseQuery(f.Q)
		d.correctTyposLocked(m.words)
	}
	return m
}

// excludeID makes the matcher refuse actor id.
func (m *matcher) excludeID(id string) {
	if id == "" {
		return
	}
	if ref, ok := m.d.refOf(id); ok {
		m.exclude, m.excludeRef = true, ref
	}
}

func (m *matcher) match(ref uint32) bool {
	f := m.f
	e := &m.d.entries[ref]
	if e.deleted {
		return false
	}
	if m.exclude && ref == m.excludeRef {
		return false
	}
	if len(m.kinds) > 0 && !slices.Contains(m.kinds, e.kind) {
		return false
	}
	if len(m.depts) > 0 && !slices.Contains(m.depts, e.dept) {
		return false
	}
	if len(m.regions) > 0 && !slices.Contains(m.regions, e.region) {
		return false
	}
	if len(f.Tools) > 0 && !slices.ContainsFunc(f.Tools, func(t string) bool {
		return slices.Contains(m.d.toolsOf(ref), t) || (f.IncludePlanned && slices.Contains(m.d.plannedOf(ref), t))
	}) {
		return false
	}
	if m.themes != 0 && e.themes&m.themes == 0 && !(f.IncludePlanned && e.planThemes&m.themes != 0) {
		return false
	}
	if f.AnyTool && len(m.d.toolsOf(ref)) == 0 && !(f.IncludePlanned && len(m.d.plannedOf(ref)) > 0) {
		return false
	}
	if m.precisions != 0 && m.precisions&(1<<e.precision) == 0 {
		return false
	}
	if len(f.Parents) > 0 && !slices.ContainsFunc(m.d.parentsOf(ref), func(p uint32) bool { return slices.Contains(m.parents, p) }) {
		return false
	}
	if f.PopulationMin > 0 && int(e.population) < f.PopulationMin {
		return false
	}
	if f.PopulationMax > 0 && int(e.population) > f.PopulationMax {
		return false
	}
	// A record never changed since the bundled data has no date: it
	// matches no date filter.
	if !f.UpdatedFrom.IsZero() && (e.updated == 0 || e.updated < f.UpdatedFrom.Unix()) {
		return false
	}
	if !f.UpdatedTo.IsZero() && (e.updated == 0 || e.updated > f.UpdatedTo.Unix()) {
		return false
	}
	if f.Stale != nil && e.stale != *f.Stale {
		return false
	}
	if !f.VerifiedSince.IsZero() && (e.verified == 0 || e.verified < f.VerifiedSince.Unix()) {
		return false
	}
	if m.checkBound && (!e.hasPoint() || !boundContains(*f.Bound, e.point())) {
		return false
	}
	if m.words != nil && !m.d.matchesLocked(ref, m.words) {
		return false
	}
	return true
}

// boundContains is orb.Bound.Contains that understands antimeridian-crossing boxes.
func boundContains(b orb.Bound, p orb.Point) bool {
	if p.Lat() < b.Min.Lat() || p.Lat() > b.Max.Lat() {
		return false
	}
	if b.Min.Lon() <= b.Max.Lon() {
		return p.Lon() >= b.Min.Lon() && p.Lon() <= b.Max.Lon()
	}
	return p.Lon() >= b.Min.Lon() || p.Lon() <= b.Max.Lon()
}

// listCandidatesLocked returns the smallest ready-made list of refs that every
// match must belong to, or ok=false when the filter names none. The lists
// are ascending; unions of several values are merged and deduplicated.
func (d *Directory) listCandidatesLocked(f *ActorFilter) (refs []uint32, ok bool) {
	lists, _, ok := d.smallestListsLocked(f)
	if !ok {
		return nil, false
	}
	return unionSorted(lists), true
}

// smallestListsLocked returns the ready-made lists of refs (one per value
// of a filter) whose union every match must belong to, the smallest such
// union the filter names, and their total length; ok=false when the filter
// names none. Nothing is copied.
func (d *Directory) smallestListsLocked(f *ActorFilter) (lists [][]uint32, n int, ok bool) {
	consider := func(l [][]uint32) {
		size := 0
		for _, x := range l {
			size += len(x)
		}
		if !ok || size < n {
			lists, n, ok = l, size, true
		}
	}
	pick := func(m map[string][]uint32, keys []string) [][]uint32 {
		out := make([][]uint32, len(keys))
		for i, k := range keys {
			out[i] = m[k]
		}
		return out
	}
	if len(f.Tools) > 0 {
		l := pick(d.byTool, f.Tools)
		if f.IncludePlanned {
			l = append(l, pick(d.byPlanned, f.Tools)...)
		}
		consider(l)
	}
	if len(f.Themes) > 0 || f.AnyTool {
		var l [][]uint32
		for slug, t := range d.tools {
			if f.AnyTool || slices.ContainsFunc(t.Themes, func(th string) bool { return slices.Contains(f.Themes, th) }) {
				l = append(l, d.byTool[slug])
				if f.IncludePlanned {
					l = append(l, d.byPlanned[slug])
				}
			}
		}
		consider(l)
	}
	if len(f.Kinds) > 0 {
		consider(pick(d.byKind, f.Kinds))
	}
	if len(f.Departements) > 0 {
		consider(pick(d.byDept, f.Departements))
	}
	if len(f.Regions) > 0 {
		consider(pick(d.byRegion, f.Regions))
	}
	if len(f.Parents) > 0 {
		var l [][]uint32
		for _, id := range f.Parents {
			if ref, found := d.refOf(id); found {
				l = append(l, d.children[ref])
			}
		}
		consider(l)
	}
	return lists, n, ok
}

func unionSorted(lists [][]uint32) []uint32 {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	var out []uint32
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matchLocked returns the ascending refs of every entry matching f.
func (d *Directory) matchLocked(f *ActorFilter) []uint32 {
	refs, sorted := d.matchAnyOrderLocked(f)
	if !sorted {
		slices.Sort(refs)
	}
	return refs
}

// matchAnyOrderLocked returns the refs of every entry matching f, and
// whether they are in ascending order; the spatial index gives them in its own.
func (d *Directory) matchAnyOrderLocked(f *ActorFilter) (refs []uint32, sorted bool) {
	m := d.newMatcherLocked(f)
	list, haveList := d.listCandidatesLocked(f)
	var out []uint32
	switch {
	case f.Q != "" && (!haveList || len(list) > 2*bruteThreshold):
		for _, r := range d.candidatesLocked(m.words) {
			if m.match(r) {
				out = append(out, r)
			}
		}
		slices.Sort(out)
		out = slices.Compact(out)
	case f.Bound != nil && (!haveList || len(list) > bruteThreshold):
		m.checkBound = false
		if onlyBound(f) {
			// The spatial index holds live located actors only: each is a match,
			// and its entry need not be read.
			d.searchBound(*f.Bound, func(r uint32) { out = append(out, r) })
			return out, false
		}
		d.searchBound(*f.Bound, func(r uint32) {
			if m.match(r) {
				out = append(out, r)
			}
		})
		return out, false
	case haveList:
		for _, r := range list {
			if m.match(r) {
				out = append(out, r)
			}
		}
	default:
		if filterIsEmpty(f) {
			return d.live, true
		}
		for _, r := range d.live {
			if m.match(r) {
				out = append(out, r)
			}
		}
	}
	return out, true
}

// onlyBound reports whether f filters on nothing but its bounding box.
func onlyBound(f *ActorFilter) bool {
	g := *f
	g.Bound = nil
	return filterIsEmpty(&g)
}

func filterIsEmpty(f *ActorFilter) bool {
	return f.Bound == nil && len(f.Kinds) == 0 && len(f.Departements) == 0 && len(f.Regions) == 0 &&
		len(f.Tools) == 0 && len(f.Themes) == 0 && f.Q == "" && len(f.Precisions) == 0 && len(f.Parents) == 0 &&
		f.PopulationMin == 0 && f.PopulationMax == 0 && f.UpdatedFrom.IsZero() && f.UpdatedTo.IsZero() &&
		f.Stale == nil && f.VerifiedSince.IsZero() && !f.AnyTool
}

func (d *Directory) searchBound(b orb.Bound, fn func(ref uint32)) {
	d.index.Search(b, func(ref uint32, _ orb.Point) bool {
		fn(ref)
		return true
	})
}

// EachActorFeature calls fn with every live actor's feature, in ref order,
// for exports. It reads a consistent snapshot of the list of actors, but
// releases the lock between batches so that writers are not held up.
func (d *Directory) EachActorFeature(ctx context.Context, fn func(feature []byte) error) error {
	return d.eachLive(ctx, func(live []uint32) func() error {
		chunk := d.featuresLocked(live)
		return func() error {
			for _, f := range chunk {
				if err := fn(f); err != nil {
					return err
				}
			}
			return nil
		}
	})
}

// eachLive goes over the live actors in batches, in ref order: for each
// batch, it calls read with the batch's refs under the read lock, then,
// with the lock released, the function read returned. It reads a
// consistent snapshot of the list of actors, but releases the lock between
// batches so that writers are not held up.
func (d *Directory) eachLive(ctx context.Context, read func(live []uint32) func() error) error {
	const batch = 2048
	d.mu.RLock()
	refs := slices.Clone(d.live)
	d.mu.RUnlock()
	for i := 0; i < len(refs); i += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.mu.RLock()
		live := make([]uint32, 0, batch)
		for _, r := range refs[i:min(len(refs), i+batch)] {
			if !d.entries[r].deleted {
				live = append(live, r)
			}
		}
		write := read(live)
		d.mu.RUnlock()
		if err := write(); err != nil {
			return err
		}
	}
	return nil
}

// ActorFeature returns the pre-encoded feature of actor id, or ENOTFOUND.
func (d *Directory) ActorFeature(ctx context.Context, id string) ([]byte, uint64, error) {
	return d.AppendActorFeature(nil, id)
}

// AppendActorFeature appends the feature of actor id to dst, or returns
// ENOTFOUND, with the change sequence it was read at.
func (d *Directory) AppendActorFeature(dst []byte, id string) ([]byte, uint64, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ref, ok := d.refOf(id)
	if !ok || d.entries[ref].deleted {
		return dst, 0, NewError(ENOTFOUND, keyNoActor, Args{"id": id})
	}
	if dst == nil {
		dst = make([]byte, 0, featureSize+int(d.entries[ref].extra.n))
	}
	return d.appendFeatureLocked(dst, ref, -1), d.seq, nil
}

// FindActorByID returns the full actor id from the store, with its members
// and adoptions from the read model. ENOTFOUND if there is none.
func (d *Directory) FindActorByID(ctx context.Context, id string) (*Actor, error) {
	a, err := d.db.findActorRow(ctx, id)
	if err != nil {
		return nil, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if ref, ok := d.refOf(id); ok {
		a.Members = d.membersLocked(ref)
		for _, ad := range d.adopt[ref] {
			a.Adoptions = append(a.Adoptions, *ad)
		}
	}
	a.Links, a.LinkedBy, a.LabelAwards = d.facts.of(id)
	return a, nil
}

// NearbyQuery asks for the actors nearest to a point.
type NearbyQuery struct {
	Lon, Lat  float64
	Limit     int     // 1..MaxNearby
	MaxMeters float64 // 0 = no limit
	ExcludeID string  // an actor to leave out (the one the query starts from)
	Filter    ActorFilter
}

// Neighbor is an actor with its great-circle distance from the query point.
type Neighbor struct {
	ID      string
	Meters  float64
	Feature []byte // the actor's feature with distance_m first in its properties
	// Adopter is "in_use" or "planned" when the query asks about a tool or
	// a theme: whether the actor uses what was asked, or plans to.
	Adopter string
}

// Nearby returns the actors nearest to q's point by great-circle distance,
// nearest first, that match q.Filter. Actors with no point are never returned.
func (d *Directory) Nearby(ctx context.Context, q NearbyQuery) ([]Neighbor, uint64, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	refs, meters, err := d.nearbyLocked(&q)
	if err != nil {
		return nil, 0, err
	}
	features := d.featuresDistLocked(refs, meters)
	out := make([]Neighbor, len(refs))
	asks := asksAdopters(&q.Filter)
	fr := d.freshness()
	for i, r := range refs {
		out[i] = Neighbor{ID: d.idOf(r), Meters: meters[i], Feature: features[i]}
		if asks {
			out[i].Feature, out[i].Adopter = d.withAdoptionsLocked(r, &q.Filter, features[i], fr)
		}
	}
	return out, d.seq, nil
}

// asksAdopters reports whether f asks about a tool or a theme: then nearby
// answers say which adoptions answer it (matchedAdoptionsLocked).
func asksAdopters(f *ActorFilter) bool { return len(f.Tools) > 0 || len(f.Themes) > 0 || f.AnyTool }

// nearbyLocked finds the actors Nearby answers, with their distances.
func (d *Directory) nearbyLocked(q *NearbyQuery) ([]uint32, []float64, error) {
	var p Problems
	coordProblem(&p, "", geo.CheckPoint(q.Lon, q.Lat))
	if q.Limit < 1 || q.Limit > MaxNearby {
		p.Add("limit", KeyBetween, Args{"min": 1, "max": MaxNearby})
	}
	if q.MaxMeters < 0 || q.MaxMeters != q.MaxMeters {
		p.Add("max_km", keyMaxKm, nil)
	}
	if err := p.Err("query"); err != nil {
		return nil, nil, err
	}
	f := q.Filter
	f.Bound, f.Offset, f.Limit = nil, 0, 0
	if err := d.validateFilterLocked(&f); err != nil {
		return nil, nil, err
	}
	q.Filter = f // as validated, for the adoptions that answer it
	m := d.newMatcherLocked(&f)
	m.excludeID(q.ExcludeID)
	origin := orb.Point{q.Lon, q.Lat}
	var found []geo.Neighbor
	if list, ok := d.listCandidatesLocked(&f); ok && len(list) <= bruteThreshold {
		found = d.nearestAmong(list, origin, q.Limit, q.MaxMeters, m)
	} else if f.Q != "" {
		found = d.nearestAmong(slices.Compact(sortedCopy(d.candidatesLocked(m.words))), origin, q.Limit, q.MaxMeters, m)
	} else {
		var accept func(uint32) bool
		if !filterIsEmpty(&f) || m.exclude {
			accept = func(r uint32) bool { return m.match(r) }
		}
		found = d.index.Nearest(origin, geo.NearestOptions{K: q.Limit, MaxMeters: q.MaxMeters, Accept: accept})
	}
	refs := make([]uint32, len(found))
	meters := make([]float64, len(found))
	for i, n := range found {
		refs[i], meters[i] = n.Ref, n.Meters
	}
	return refs, meters, nil
}

// withAdoptionsLocked adds to an actor's feature the adoptions that answer
// the filter's question (of a tool asked for, or of a tool of a theme asked
// for; in use, or planned when the filter includes planned ones) as
// matched_adoptions, and "adopter": "in_use" or "planned". It returns the
// feature and that status.
func (d *Directory) withAdoptionsLocked(ref uint32, f *ActorFilter, feature []byte, fr freshness) ([]byte, string) {
	matched, adopter := d.matchedAdoptionsLocked(ref, f)
	if len(matched) == 0 || len(feature) < 2 {
		return feature, adopter
	}
	// The feature ends with the properties' and the feature's closing braces.
	buf := make([]byte, 0, len(feature)+256*len(matched))
	buf = append(buf, feature[:len(feature)-2]...)
	buf = append(buf, `,"adopter":`...)
	buf = appendString(buf, adopter)
	buf = append(buf, `,"matched_adoptions":[`...)
	var fd factDates
	for i, ad := range matched {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendAdoptionProps(buf, ad, d.tools[ad.ToolSlug].Name, false, fr, &fd)
	}
	buf = append(buf, ']', '}', '}')
	return buf, adopter
}

// matchedAdoptionsLocked returns actor ref's adoptions that answer f's
// question (of a tool asked for, or of a tool of a theme asked for; in use,
// or planned when f includes planned ones), and "in_use" or "planned".
func (d *Directory) matchedAdoptionsLocked(ref uint32, f *ActorFilter) ([]*Adoption, string) {
	var matched []*Adoption
	adopter := ""
	for _, ad := range d.adopt[ref] {
		t := d.tools[ad.ToolSlug]
		if t == nil || !(ad.Status == StatusInUse || (f.IncludePlanned && ad.Status == StatusPlanned)) {
			continue
		}
		asked := f.AnyTool || slices.Contains(f.Tools, t.Slug) ||
			slices.ContainsFunc(t.Themes, func(th string) bool { return slices.Contains(f.Themes, th) })
		if !asked {
			continue
		}
		matched = append(matched, ad)
		if ad.Status == StatusInUse {
			adopter = StatusInUse
		} else if adopter == "" {
			adopter = StatusPlanned
		}
	}
	return matched, adopter
}

// EmptyAnswer says why a nearby query about a tool or a theme found nobody,
// and who else to ask.
type EmptyAnswer struct {
	// Reason is "none_within_distance" (there are adopters, farther away),
	// "adopters_without_point" (there are adopters, none placed on the map
	// yet: Unplaced lists them) or "no_adopter" (nobody matching the query
	// uses or plans to use it).
	Reason        string
	NearestMeters float64 // the nearest adopter's distance (none_within_distance)
	// SuggestedThemes are the themes of the tools asked for, whose other
	// tools' adopters are suggested (no_adopter).
	SuggestedThemes []string
	// Suggestions are the nearest adopters: of what was asked, beyond the
	// distance; or of tools of the same themes.
	Suggestions []Neighbor
	// SuggestionQuery is the query Suggestions answer, for pages to ask
	// it again as views (NearbyViews).
	SuggestionQuery NearbyQuery
	// Unplaced are adopters of what was asked that have no point yet (at
	// most 10), and how many there are: they can be asked all the same.
	Unplaced      []ActorRef
	UnplacedCount int
}

// ExplainEmptyNearby explains why q (which asks for adopters of a tool or
// a theme) found nobody: it looks again without the distance limit, then
// for adopters of tools of the same themes. EINVALID for a query that asks
// for no tool nor theme.
func (d *Directory) ExplainEmptyNearby(ctx context.Context, q NearbyQuery) (*EmptyAnswer, error) {
	f := q.Filter
	if len(f.Tools) == 0 && len(f.Themes) == 0 && !f.AnyTool {
		return nil, NewError(EINVALID, keyExplainQuery, nil)
	}
	wide := q
	wide.MaxMeters, wide.Limit = 0, 5
	found, _, err := d.Nearby(ctx, wide)
	if err != nil {
		return nil, err
	}
	if len(found) > 0 {
		return &EmptyAnswer{Reason: "none_within_distance", NearestMeters: found[0].Meters, Suggestions: found, SuggestionQuery: wide}, nil
	}
	ans := &EmptyAnswer{Reason: "no_adopter"}
	if ans.Unplaced, ans.UnplacedCount = d.unplacedAdopters(f, q.ExcludeID, 10); ans.UnplacedCount > 0 {
		ans.Reason = "adopters_without_point"
	}
	themes := slices.Clone(f.Themes)
	d.mu.RLock()
	for _, slug := range f.Tools {
		if t := d.tools[slug]; t != nil {
			themes = append(themes, t.Themes...)
		}
	}
	d.mu.RUnlock()
	slices.Sort(themes)
	themes = slices.Compact(themes)
	ans.SuggestedThemes = themes
	if len(themes) == 0 {
		return ans, nil
	}
	same := q
	same.MaxMeters, same.Limit = 0, 5
	same.Filter.Tools, same.Filter.AnyTool = nil, false
	same.Filter.Themes = themes
	if len(f.Themes) > 0 {
		// A theme nobody uses: any tool's adopters nearby.
		same.Filter.Themes, same.Filter.AnyTool = nil, true
	}
	if ans.Suggestions, _, err = d.Nearby(ctx, same); err != nil {
		return nil, err
	}
	ans.SuggestionQuery = same
	return ans, nil
}

// unplacedAdopters lists (up to max) and counts the actors matching f that
// have no point: the nearest-first search cannot reach them.
func (d *Directory) unplacedAdopters(f ActorFilter, exclude string, max int) ([]ActorRef, int) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	f.Bound, f.Offset, f.Limit = nil, 0, 0
	if d.validateFilterLocked(&f) != nil {
		return nil, 0
	}
	m := d.newMatcherLocked(&f)
	m.excludeID(exclude)
	refs, ok := d.listCandidatesLocked(&f)
	if !ok {
		refs = d.live
	}
	var out []ActorRef
	n := 0
	for _, r := range refs {
		e := &d.entries[r]
		if e.deleted || e.hasPoint() || !m.match(r) {
			continue
		}
		n++
		if len(out) < max {
			out = append(out, ActorRef{ID: d.str(e.id), Kind: d.sym(e.kind), Name: d.str(e.name)})
		}
	}
	return out, n
}

func sortedCopy(s []uint32) []uint32 {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// nearestAmong is the brute-force nearest search over a small candidate list.
func (d *Directory) nearestAmong(refs []uint32, origin orb.Point, k int, maxMeters float64, m *matcher) []geo.Neighbor {
	var out []geo.Neighbor
	for _, r := range refs {
		e := &d.entries[r]
		if !e.hasPoint() || !m.match(r) {
			continue
		}
		dist := geo.Distance(origin, e.point())
		if maxMeters > 0 && dist > maxMeters {
			continue
		}
		out = append(out, geo.Neighbor{Ref: r, Point: e.point(), Meters: dist})
	}
	slices.SortFunc(out, func(a, b geo.Neighbor) int {
		if c := cmp.Compare(a.Meters, b.Meters); c != 0 {
			return c
		}
		return cmp.Compare(a.Ref, b.Ref)
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// SearchHit is one search result.
type SearchHit struct {
	ID          string
	Name        string
	Kind        string
	Departement string
	Population  int
	Feature     []byte
}

// Search finds actors whose name matches q as typed: accents, case and
// ligatures ignored, each word a prefix ("st germain en l"), one typo
// forgiven in a word of five letters or more that matches nothing as typed
// ("epinall", "brset"); or by an official code given whole: INSEE code
// ("88160"), SIREN ("218801603") or postal code ("88000", every commune
// that has it). Best match first: code, postal code, the whole name, names
// starting with the query, other matches, then the same after a typo; within
// a tier, larger population first.
func (d *Directory) Search(ctx context.Context, q string, limit int, kinds []string) ([]SearchHit, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	refs, err := d.searchLocked(q, limit, kinds)
	if err != nil {
		return nil, err
	}
	out := make([]SearchHit, len(refs))
	for i, r := range refs {
		e := &d.entries[r]
		out[i] = SearchHit{ID: d.str(e.id), Name: d.str(e.name), Kind: d.sym(e.kind), Departement: d.sym(e.dept), Population: int(e.population), Feature: d.featureLocked(r, -1)}
	}
	return out, nil
}

// searchLocked finds the actors Search answers, best match first.
func (d *Directory) searchLocked(q string, limit int, kinds []string) ([]uint32, error) {
	if strings.TrimSpace(q) == "" {
		return nil, FieldError("q", KeySearchQuery, nil)
	}
	if limit < 1 || limit > 100 {
		return nil, FieldError("limit", KeyBetween, Args{"min": 1, "max": 100})
	}
	f := ActorFilter{Q: q, Kinds: kinds}
	if err := d.validateFilterLocked(&f); err != nil {
		return nil, err
	}
	m := d.newMatcherLocked(&f)
	type scored struct {
		ref  uint32
		tier int
	}
	var hits []scored
	seen := map[uint32]bool{}
	for _, r := range d.candidatesLocked(m.words) {
		if seen[r] {
			continue
		}
		seen[r] = true
		if m.match(r) {
			hits = append(hits, scored{r, d.rankLocked(r, m.words)})
		}
	}
	slices.SortFunc(hits, func(a, b scored) int {
		if c := cmp.Compare(a.tier, b.tier); c != 0 {
			return c
		}
		ea, eb := &d.entries[a.ref], &d.entries[b.ref]
		if c := cmp.Compare(eb.population, ea.population); c != 0 {
			return c
		}
		if c := cmp.Compare(slices.Index(Kinds, d.sym(ea.kind)), slices.Index(Kinds, d.sym(eb.kind))); c != 0 {
			return c
		}
		if c := strings.Compare(d.str(ea.folded), d.str(eb.folded)); c != 0 {
			return c
		}
		return cmp.Compare(a.ref, b.ref)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	refs := make([]uint32, len(hits))
	for i, h := range hits {
		refs[i] = h.ref
	}
	return refs, nil
}

// PlaceName returns the name of a département or région by code ("" if unknown).
func (d *Directory) PlaceName(kind, code string) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.names[kind+":"+code]
}
