package directory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/geo"
)

// Directory answers every read from memory — a table of compact entries with
// their pre-encoded GeoJSON features, the R-tree over their points, the
// search index and the filter lists — and persists every write in SQLite
// first. The in-memory state is derived: New rebuilds it from the store, and
// writers change it only after their transaction commits. Directory holds
// the lock; geo.Index and searchIndex do no locking of their own.
type Directory struct {
	db *DB

	// Policy is the moderation policy; set it before serving.
	Policy Policy

	// Territory is where communes may be placed (France's outline, with a
	// tolerance for islands and coasts); nil accepts any point.
	Territory *geo.Territory

	// wmu serializes writers: one transaction, then the read-model update,
	// so that updates reach the read model in commit order.
	wmu sync.Mutex

	mu       sync.RWMutex
	entries  []entry // by ref: the position in SQLite rowid order
	byID     map[string]uint32
	live     []uint32 // refs of entries not deleted, ascending
	byKind   map[string][]uint32
	byDept   map[string][]uint32
	byRegion map[string][]uint32
	children map[uint32][]uint32 // parent ref → child refs (EPCI members…)
	index    *geo.Index
	search   searchIndex
	tools    map[string]*Tool
	adopt    map[uint32][]*Adoption // by actor ref, sorted by tool slug
	byTool   map[string][]uint32    // tool slug → refs of actors using it (status in_use), ascending
	names    map[string]string      // "departement:88", "region:44" → name, from the official list
	seq      uint64                 // change sequence; ETags derive from it
	extent   orb.Bound
	pointed  int // entries with a point
}

// entry is one actor in the read model: what filters and ranking need, and
// the pre-encoded feature. Entries are replaced, never mutated, when an actor
// changes, so a reader may keep a feature slice after releasing the lock.
type entry struct {
	id         string
	name       string
	folded     string
	kind       string
	dept       string
	region     string
	tools      []string // slugs of in-use adoptions, sorted
	parents    []uint32 // refs of its parents (to keep their member lists)
	feature    []byte
	lon, lat   float64
	updated    int64 // Unix seconds
	population int32
	propsAt    int32
	precision  uint8 // 1 + index in Precisions; 0 = no point
	themes     uint8 // bit set of Themes over the in-use tools
	deleted    bool
	synthetic  bool
}

func (e *entry) hasPoint() bool   { return e.precision != 0 }
func (e *entry) point() orb.Point { return orb.Point{e.lon, e.lat} }
func (e *entry) precisionName() string {
	if e.precision == 0 {
		return ""
	}
	return Precisions[e.precision-1]
}

// New builds the read model from the store.
func New(ctx context.Context, db *DB) (*Directory, error) {
	d := &Directory{db: db, Policy: DefaultPolicy}
	var err error
	if d.Territory, err = FranceTerritory(); err != nil {
		return nil, err
	}
	if err := d.load(ctx); err != nil {
		return nil, fmt.Errorf("load directory: %w", err)
	}
	return d, nil
}

// DB returns the underlying store.
func (d *Directory) DB() *DB { return d.db }

func (d *Directory) load(ctx context.Context) error {
	seq, err := d.db.ChangeSeq(ctx)
	if err != nil {
		return err
	}
	tools := map[string]*Tool{}
	trows, err := d.db.read.QueryContext(ctx, `SELECT `+toolColumns+` FROM tools`)
	if err != nil {
		return err
	}
	for trows.Next() {
		t, deleted, err := scanTool(trows)
		if err != nil {
			trows.Close()
			return err
		}
		if !deleted {
			tools[t.Slug] = t
		}
	}
	if err := trows.Close(); err != nil {
		return err
	}

	adoptByActor := map[string][]*Adoption{}
	arows, err := d.db.read.QueryContext(ctx, `SELECT `+adoptionColumns+` FROM adoptions WHERE deleted = 0 ORDER BY actor_id, tool_slug`)
	if err != nil {
		return err
	}
	for arows.Next() {
		a, _, err := scanAdoption(arows)
		if err != nil {
			arows.Close()
			return err
		}
		if tools[a.ToolSlug] != nil {
			adoptByActor[a.ActorID] = append(adoptByActor[a.ActorID], a)
		}
	}
	if err := arows.Close(); err != nil {
		return err
	}

	parents := map[string][]string{}
	prows, err := d.db.read.QueryContext(ctx, `SELECT actor_id, parent_id FROM actor_parents ORDER BY actor_id, rank`)
	if err != nil {
		return err
	}
	for prows.Next() {
		var a, p string
		if err := prows.Scan(&a, &p); err != nil {
			prows.Close()
			return err
		}
		parents[a] = append(parents[a], p)
	}
	if err := prows.Close(); err != nil {
		return err
	}

	var actors []*Actor
	rows, err := d.db.read.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors ORDER BY ref`)
	if err != nil {
		return err
	}
	var deletedRefs []bool
	for rows.Next() {
		a, _, deleted, err := scanActor(rows)
		if err != nil {
			rows.Close()
			return err
		}
		a.Parents = parents[a.ID]
		actors = append(actors, a)
		deletedRefs = append(deletedRefs, deleted)
	}
	if err := rows.Close(); err != nil {
		return err
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq = seq
	d.tools = tools
	d.entries = make([]entry, len(actors))
	d.byID = make(map[string]uint32, len(actors))
	d.byKind = map[string][]uint32{}
	d.byDept = map[string][]uint32{}
	d.byRegion = map[string][]uint32{}
	d.children = map[uint32][]uint32{}
	d.adopt = map[uint32][]*Adoption{}
	d.byTool = map[string][]uint32{}
	d.names = map[string]string{}
	places, err := data.LoadTerritories()
	if err != nil {
		return err
	}
	for _, p := range places.Departements {
		d.names[KindDepartement+":"+p.Code] = p.Name
	}
	for _, p := range places.Regions {
		d.names[KindRegion+":"+p.Code] = p.Name
	}
	d.index = geo.NewIndex()
	d.search = searchIndex{}
	d.live = d.live[:0]
	d.pointed = 0
	d.extent = orb.Bound{}
	for ref, a := range actors {
		d.byID[a.ID] = uint32(ref)
	}
	parentRefs := make(map[int][]uint32)
	for ref, a := range actors {
		if ads := adoptByActor[a.ID]; ads != nil {
			d.adopt[uint32(ref)] = ads
		}
		if deletedRefs[ref] {
			continue
		}
		for _, p := range a.Parents {
			if pr, ok := d.byID[p]; ok {
				d.children[pr] = append(d.children[pr], uint32(ref))
				parentRefs[ref] = append(parentRefs[ref], pr)
			}
		}
	}
	intern := map[string]string{}
	for ref, a := range actors {
		if deletedRefs[ref] {
			d.entries[ref] = entry{id: a.ID, deleted: true}
			continue
		}
		a.Departement, a.Region = internString(intern, a.Departement), internString(intern, a.Region)
		a.Members = d.membersLocked(uint32(ref))
		d.entries[ref] = d.buildEntry(a, d.adopt[uint32(ref)])
		d.entries[ref].parents = parentRefs[ref]
		d.addLocked(uint32(ref))
	}
	d.search.sort()
	return nil
}

func internString(m map[string]string, s string) string {
	if v, ok := m[s]; ok {
		return v
	}
	m[s] = s
	return s
}

// membersLocked lists the ids of the member communes of an EPCI.
func (d *Directory) membersLocked(ref uint32) []string {
	kids := d.children[ref]
	if len(kids) == 0 {
		return nil
	}
	out := make([]string, 0, len(kids))
	for _, k := range kids {
		if e := &d.entries[k]; e.id != "" && !e.deleted {
			out = append(out, e.id)
		}
	}
	sort.Strings(out)
	return out
}

// buildEntry makes the read-model entry of a (with its adoptions).
func (d *Directory) buildEntry(a *Actor, ads []*Adoption) entry {
	e := entry{
		id:         a.ID,
		name:       a.Name,
		folded:     Fold(a.Name),
		kind:       a.Kind,
		dept:       a.Departement,
		region:     a.Region,
		population: int32(a.Population),
		updated:    a.UpdatedAt.Unix(),
		synthetic:  a.Synthetic,
	}
	if a.Location != nil {
		e.lon, e.lat = a.Location.Lon, a.Location.Lat
		e.precision = uint8(slices.Index(Precisions, a.Location.Precision) + 1)
		if e.precision == 0 {
			e.precision = uint8(slices.Index(Precisions, PrecisionDerived) + 1)
		}
	}
	names := map[string]string{}
	for _, ad := range ads {
		t := d.tools[ad.ToolSlug]
		if t == nil {
			continue
		}
		names[t.Slug] = t.Name
		if ad.Status == StatusInUse {
			e.tools = append(e.tools, t.Slug)
			for _, th := range t.Themes {
				e.themes |= themeBit(th)
			}
		}
	}
	f, at := encodeActorFeature(a, ads, names)
	e.feature, e.propsAt = f, int32(at)
	return e
}

// addLocked puts entry ref into the index, the search index and the filter lists.
func (d *Directory) addLocked(ref uint32) {
	e := &d.entries[ref]
	d.live = insertSorted(d.live, ref)
	d.byKind[e.kind] = insertSorted(d.byKind[e.kind], ref)
	if e.dept != "" {
		d.byDept[e.dept] = insertSorted(d.byDept[e.dept], ref)
	}
	if e.region != "" {
		d.byRegion[e.region] = insertSorted(d.byRegion[e.region], ref)
	}
	for _, t := range e.tools {
		d.byTool[t] = insertSorted(d.byTool[t], ref)
	}
	if e.hasPoint() {
		p := e.point()
		d.index.Insert(ref, p)
		if d.pointed == 0 {
			d.extent = orb.Bound{Min: p, Max: p}
		} else {
			d.extent = d.extent.Extend(p)
		}
		d.pointed++
	}
	d.search.add(ref, e.folded)
}

// removeLocked takes entry ref out of every structure addLocked put it in.
func (d *Directory) removeLocked(ref uint32) {
	e := &d.entries[ref]
	d.live = removeSorted(d.live, ref)
	d.byKind[e.kind] = removeSorted(d.byKind[e.kind], ref)
	if e.dept != "" {
		d.byDept[e.dept] = removeSorted(d.byDept[e.dept], ref)
	}
	if e.region != "" {
		d.byRegion[e.region] = removeSorted(d.byRegion[e.region], ref)
	}
	for _, t := range e.tools {
		d.byTool[t] = removeSorted(d.byTool[t], ref)
	}
	if e.hasPoint() {
		d.index.Delete(ref, e.point())
		d.pointed--
	}
	d.search.remove(ref, e.folded)
}

// insertSorted inserts v into the ascending slice s. Appending is the common
// case (loading in ref order), so it is checked first.
func insertSorted(s []uint32, v uint32) []uint32 {
	if n := len(s); n == 0 || s[n-1] < v {
		return append(s, v)
	}
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func removeSorted(s []uint32, v uint32) []uint32 {
	i, found := slices.BinarySearch(s, v)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// Seq returns the change sequence: it grows with every applied change.
func (d *Directory) Seq() uint64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.seq
}

// Stats describes the read model's size.
type Stats struct {
	Actors  int            // live actors
	Located int            // actors with a point (the R-tree's size)
	ByKind  map[string]int // live actors per kind
	Tools   int
	Seq     uint64
}

// Stats returns counts of what the read model holds.
func (d *Directory) Stats() Stats {
	d.mu.RLock()
	defer d.mu.RUnlock()
	s := Stats{Actors: len(d.live), Located: d.index.Len(), ByKind: map[string]int{}, Tools: len(d.tools), Seq: d.seq}
	for k, refs := range d.byKind {
		if len(refs) > 0 {
			s.ByKind[k] = len(refs)
		}
	}
	return s
}

// Extent returns the bounding box of every located actor.
func (d *Directory) Extent() orb.Bound {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.extent
}
