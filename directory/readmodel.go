package directory

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/fold"
	"github.com/voisinage/voisinage/geo"
)

// Directory answers every read from memory — a table of compact entries
// from which GeoJSON features are assembled, the spatial index of their points, the
// search index and the filter lists — and persists every write in SQLite
// first. The in-memory state is derived: New rebuilds it from the store, and
// writers change it only after their transaction commits. Directory holds
// the lock; geo.Index and searchIndex do no locking of their own.
type Directory struct {
	db *DB

	// Policy is the moderation policy; set it before serving.
	Policy Policy

	// SiteURL is the public URL of the site (e.g.
	// "https://voisinage.example.org"), for the links in webhook events;
	// empty, they are paths. Set it before serving.
	SiteURL string

	// Territory is where communes may be placed (France's outline, with a
	// tolerance for islands and coasts); nil accepts any point.
	Territory *geo.Territory

	// wmu serializes writers: one transaction, then the read-model update,
	// so that updates reach the read model in commit order.
	wmu sync.Mutex

	mu        sync.RWMutex
	entries   []entry // by ref: the position in SQLite rowid order; no pointers, see text.go
	text      *textStore
	tw        textWriter // appends the texts of entries made after the load
	syms      *symbols
	byID      idMap
	more      map[uint32]*entryMore // what few entries have: tools, parents
	live      []uint32              // refs of entries not deleted, ascending
	byKind    map[string][]uint32
	byDept    map[string][]uint32
	byRegion  map[string][]uint32
	children  map[uint32][]uint32 // parent ref → child refs (EPCI members…)
	index     *geo.Index
	search    searchIndex // words of folded names
	codes     searchIndex // INSEE codes and SIRENs, folded
	postal    searchIndex // postal codes
	tools     map[string]*Tool
	adopt     map[uint32][]*Adoption // by actor ref, sorted by tool slug
	byTool    map[string][]uint32    // tool slug → refs of actors using it (status in_use), ascending
	byPlanned map[string][]uint32    // tool slug → refs of actors planning to use it, ascending
	names     map[string]string      // "departement:88", "region:44" → name, from the official list
	facts     *actorFacts            // links and labels, by actor id (see links.go)
	seq       uint64                 // grows with every change of the read model; ETags derive from it
	followed  uint64                 // stored change sequence up to which every change is in the read model (follow.go)
	gen       uint64                 // bumped by each full load, which renumbers refs
	extent    orb.Bound
	pointed   int // points the extent was grown with (it never shrinks)

	// The located live actors of each kind, département and région, in
	// the same order as index (see page.go), and the live actors without
	// a point, ascending.
	kindAt    map[sym]*geo.Index
	deptAt    map[sym]*geo.Index
	regionAt  map[sym]*geo.Index
	unlocated []uint32

	clusters *clusterCache // see clusters.go

	deviceKey []byte // signs device cookies, see login.go

	closed     chan struct{}  // closed by Close: background work stops
	closeOnce  sync.Once      //
	background sync.WaitGroup // the background goroutines, waited for by Close

	staleYears int   // facts older than this, unconfirmed, are stale (freshness.go)
	nextStale  int64 // Unix time the next fresh fact turns stale; 0 = none will
}

// entry is one actor in the read model: what filters, ranking and the
// feature need, in as few bytes as possible (a million of them must fit in
// a few hundred megabytes), and no pointer, so that the garbage collector
// never reads them: strings are texts in the directory's textStore, those
// repeated across entries (kind, territory codes, point source) symbols,
// and the tools and parents that few entries have are in Directory.more.
// Entries are replaced, never mutated in place, when an actor changes.
type entry struct {
	lon, lat    float64
	updated     int64 // Unix seconds
	id          text
	name        text
	folded      text
	extra       text // pre-encoded rare properties, typed after them: see addExtra
	population  int32
	version     int32
	kind        sym
	dept        sym
	region      sym
	pointSource sym
	precision   uint8 // 1 + index in Precisions; 0 = no point
	themes      uint8 // bit set of Themes over the in-use tools
	plain       uint8 // plainID | plainName: the text needs no JSON escaping
	planThemes  uint8 // bit set of Themes over the planned tools
	deleted     bool
	synthetic   bool

	// Freshness of its dated facts (see factDates).
	stale    bool
	staleAt  int64
	verified int64
}

// Bits of entry.plain.
const (
	plainID uint8 = 1 << iota
	plainName
)

// plainOf returns the plain bits of an entry's id and name.
func plainOf(id, name string) uint8 {
	var p uint8
	if jsonPlain(id) {
		p |= plainID
	}
	if jsonPlain(name) {
		p |= plainName
	}
	return p
}

// entryMore holds what few entries have.
type entryMore struct {
	tools   []string // slugs of in-use adoptions, sorted
	planned []string // slugs of planned adoptions, sorted
	parents []uint32 // refs of its parents (to keep their member lists)
}

func (e *entry) hasPoint() bool   { return e.precision != 0 }
func (e *entry) point() orb.Point { return orb.Point{e.lon, e.lat} }
func (e *entry) precisionName() string {
	if e.precision == 0 {
		return ""
	}
	return Precisions[e.precision-1]
}

// str returns the string of a text of the read model.
func (d *Directory) str(t text) string { return d.text.str(t) }

// sym returns the string of a symbol of the read model.
func (d *Directory) sym(c sym) string { return d.syms.str(c) }

// idOf returns the id of entry ref.
func (d *Directory) idOf(ref uint32) string { return d.text.str(d.entries[ref].id) }

// refOf returns the ref of actor id, deleted or not.
func (d *Directory) refOf(id string) (uint32, bool) { return d.byID.get(id, d.idOf) }

// toolsOf returns the slugs of the tools entry ref uses.
func (d *Directory) toolsOf(ref uint32) []string {
	if m := d.more[ref]; m != nil {
		return m.tools
	}
	return nil
}

// plannedOf returns the slugs of the tools entry ref plans to adopt.
func (d *Directory) plannedOf(ref uint32) []string {
	if m := d.more[ref]; m != nil {
		return m.planned
	}
	return nil
}

// parentsOf returns the refs of entry ref's parents.
func (d *Directory) parentsOf(ref uint32) []uint32 {
	if m := d.more[ref]; m != nil {
		return m.parents
	}
	return nil
}

func (d *Directory) setMore(ref uint32, tools, planned []string, parents []uint32) {
	if len(tools) == 0 && len(planned) == 0 && len(parents) == 0 {
		delete(d.more, ref)
		return
	}
	d.more[ref] = &entryMore{tools: tools, planned: planned, parents: parents}
}

func (d *Directory) setParents(ref uint32, p []uint32) {
	d.setMore(ref, d.toolsOf(ref), d.plannedOf(ref), p)
}

// adoptionSlugs returns the slugs of the in-use and planned adoptions.
func adoptionSlugs(ads []*Adoption) (inUse, planned []string) {
	for _, ad := range ads {
		switch ad.Status {
		case StatusInUse:
			inUse = append(inUse, ad.ToolSlug)
		case StatusPlanned:
			planned = append(planned, ad.ToolSlug)
		}
	}
	return inUse, planned
}

// New builds the read model from the store.
func New(ctx context.Context, db *DB, opts ...NewOption) (*Directory, error) {
	d := &Directory{db: db, Policy: DefaultPolicy, clusters: newClusterCache(), closed: make(chan struct{}),
		staleYears: DefaultStaleYears}
	for _, o := range opts {
		o(d)
	}
	var err error
	if d.Territory, err = FranceTerritory(); err != nil {
		return nil, err
	}
	if err := d.load(ctx); err != nil {
		return nil, fmt.Errorf("load directory: %w", err)
	}
	if err := d.loadDeviceKey(ctx); err != nil {
		return nil, fmt.Errorf("load directory: %w", err)
	}
	d.warmClusters()
	return d, nil
}

// Close stops the directory's background work (the rebuilding of the
// cluster index) and waits for it to end; a build under way finishes first.
// It does not close the store, which its opener owns. Reads still work
// after Close; clusters are then built on demand only.
func (d *Directory) Close() error {
	d.closeOnce.Do(func() { close(d.closed) })
	d.background.Wait()
	return nil
}

// DB returns the underlying store.
func (d *Directory) DB() *DB { return d.db }

// load rebuilds the whole read model from the store, streaming the actors
// so that only their compact entries stay in memory.
func (d *Directory) load(ctx context.Context) error {
	src := d.db.source(ctx) // a read replica if there is one
	seq, err := src.ChangeSeq(ctx)
	if err != nil {
		return err
	}
	tools := map[string]*Tool{}
	trows, err := src.read.QueryContext(ctx, `SELECT `+toolColumns+` FROM tools`)
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
	arows, err := src.read.QueryContext(ctx, `SELECT `+adoptionColumns+` FROM adoptions WHERE deleted = 0 ORDER BY actor_id, tool_slug`)
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
	prows, err := src.read.QueryContext(ctx, `SELECT actor_id, parent_id FROM actor_parents ORDER BY actor_id, rank`)
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

	facts, err := src.loadActorFacts(ctx)
	if err != nil {
		return err
	}

	var n int
	if err := src.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM actors`).Scan(&n); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// The sequence never goes back, nor repeats for another state: ETags
	// derive from it.
	if d.gen > 0 && seq <= d.seq {
		d.seq++
	} else {
		d.seq = seq
	}
	d.followed = max(d.followed, seq)
	d.gen++
	d.tools = tools
	d.facts = facts
	d.entries = make([]entry, n)
	d.text = newTextStore()
	d.tw = textWriter{s: d.text}
	d.syms = newSymbols()
	d.byID = newIDMap(n)
	d.more = map[uint32]*entryMore{}
	d.byKind = map[string][]uint32{}
	d.byDept = map[string][]uint32{}
	d.byRegion = map[string][]uint32{}
	d.children = map[uint32][]uint32{}
	d.adopt = map[uint32][]*Adoption{}
	d.byTool = map[string][]uint32{}
	d.byPlanned = map[string][]uint32{}
	d.names = map[string]string{}
	d.index = geo.NewIndex()
	d.unlocated = nil
	// Names have about three words: reserve the search tokens at once rather
	// than copying a growing slice of millions of them.
	d.search = searchIndex{text: d.text, toks: make([]token, 0, 3*n+16), loading: true}
	d.codes = searchIndex{text: d.text, loading: true}
	d.postal = searchIndex{text: d.text, loading: true}
	d.live = make([]uint32, 0, n)
	d.pointed = 0
	d.nextStale = 0
	d.extent = orb.Bound{}
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

	// A cold start scans the table in two halves at once, then builds the
	// spatial index on one core while the other indexes names and filter lists: a
	// million actors load in a few seconds on two cores.
	d.entries = d.entries[:n]
	t0 := time.Now()
	half := n / 2
	errs := make(chan error, 2)
	for _, part := range [][2]int{{0, half}, {half, n}} {
		go func() {
			errs <- d.scanEntries(ctx, src, parents, adoptByActor, part[0], d.entries[part[0]:part[1]])
		}()
	}
	for range 2 {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return err
	}
	scanned := time.Since(t0)
	// Three independent structures, built at once: the spatial index, the
	// search tokens (then sorted), and the id map with the filter lists.
	indexed, searched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(indexed)
		var points []geo.IndexPoint
		for ref := range d.entries {
			if e := &d.entries[ref]; !e.deleted && e.hasPoint() {
				points = append(points, geo.IndexPoint{Ref: uint32(ref), Point: e.point()})
			}
		}
		d.index = geo.NewIndexOf(points)
	}()
	go func() {
		defer close(searched)
		w := &textWriter{s: d.text} // this goroutine's own blocks
		for ref := range d.entries {
			if e := &d.entries[ref]; !e.deleted {
				d.search.add(uint32(ref), e.folded)
				d.addCodesLocked(uint32(ref), w)
			}
		}
		d.search.sort()
		d.codes.sort()
		d.postal.sort()
	}()
	for i := range d.entries {
		ref := uint32(i)
		e := &d.entries[ref]
		id := d.str(e.id)
		d.byID.put(id, ref, d.idOf)
		if e.deleted {
			continue
		}
		if ads := adoptByActor[id]; ads != nil {
			d.adopt[ref] = ads
			tools, planned := adoptionSlugs(ads)
			d.setMore(ref, tools, planned, nil)
		}
		d.addListsLocked(ref)
	}
	listed := time.Since(t0)
	<-indexed
	d.kindAt = d.partitionLocked(func(e *entry) sym { return e.kind })
	d.deptAt = d.partitionLocked(func(e *entry) sym { return e.dept })
	d.regionAt = d.partitionLocked(func(e *entry) sym { return e.region })
	<-searched
	slog.Info("read model phases", "actors", n, "scan", scanned.Round(time.Millisecond).String(),
		"lists", listed.Round(time.Millisecond).String(), "indexes", time.Since(t0).Round(time.Millisecond).String())
	for i := range d.entries {
		if e := &d.entries[i]; !e.deleted && e.hasPoint() {
			d.extendExtent(e.point())
		}
	}
	// Parent links, once every actor has its ref.
	for id, ps := range parents {
		ref, ok := d.refOf(id)
		if !ok || d.entries[ref].deleted {
			continue
		}
		var prefs []uint32
		for _, p := range ps {
			if pr, ok := d.refOf(p); ok {
				d.children[pr] = append(d.children[pr], ref)
				prefs = append(prefs, pr)
			}
		}
		d.setParents(ref, prefs)
	}
	for _, kids := range d.children {
		slices.Sort(kids)
	}
	return nil
}

// scanEntries fills out with the entries of the actor rows from position
// offset on, in ref order. Only the columns every entry needs are read one
// by one (each column is a call into SQLite); the rare ones come as a single
// JSON array, NULL for bare rows (synthetic actors have none), and a whole
// Actor is only made for the rows that have rare properties to pre-encode.
func (d *Directory) scanEntries(ctx context.Context, src *DB, parents map[string][]string, adoptByActor map[string][]*Adoption, offset int, out []entry) error {
	rows, err := src.read.QueryContext(ctx, `SELECT id, kind, name, departement, region, population, lon, lat,
		precision, point_source, synthetic, deleted, version, updated_at,
		`+strings.Replace(rareActorSQL, "{json_array}", src.sqlJSONArray(), 1)+`
		FROM actors WHERE ref >= (SELECT ref FROM actors ORDER BY ref LIMIT 1 OFFSET ?) ORDER BY ref LIMIT ?`, offset, len(out))
	if err != nil {
		return err
	}
	defer rows.Close()
	b := newEntryBuilder(d, &textWriter{s: d.text})
	var (
		id, kind, name, dept, region, precision, pointSource, updated, rich sql.RawBytes
		population                                                          sql.NullInt64
		lon, lat                                                            sql.NullFloat64
		synthetic, deleted                                                  bool
		version                                                             int
	)
	times := map[string]int64{}
	i := 0
	for rows.Next() {
		if i == len(out) {
			return fmt.Errorf("actors table grew while loading")
		}
		if err := rows.Scan(&id, &kind, &name, &dept, &region, &population, &lon, &lat, &precision, &pointSource,
			&synthetic, &deleted, &version, &updated, &rich); err != nil {
			return err
		}
		if deleted {
			out[i] = entry{id: b.w.add(id), deleted: true}
			i++
			continue
		}
		var e entry
		if rich == nil && parents[string(id)] == nil && adoptByActor[string(id)] == nil && !d.facts.has(string(id)) {
			e = entry{id: b.w.add(id), name: b.w.add(name), kind: b.sym(kind), dept: b.sym(dept),
				region: b.sym(region), population: int32(population.Int64), version: int32(version),
				synthetic: synthetic, plain: plainOf(unsafeString(id), unsafeString(name))}
			e.folded = b.fold(string(name))
			if lon.Valid && lat.Valid {
				e.lon, e.lat = lon.Float64, lat.Float64
				e.pointSource = b.sym(pointSource)
				e.precision = precisionCode(string(precision))
			}
		} else {
			sid := string(id)
			a := &Actor{ID: sid, Kind: string(kind), Name: string(name), Departement: string(dept), Region: string(region),
				Population: int(population.Int64), Synthetic: synthetic, Version: version, Parents: parents[sid]}
			if lon.Valid && lat.Valid {
				a.Location = &Location{Lon: lon.Float64, Lat: lat.Float64, Precision: string(precision), Source: string(pointSource)}
			}
			if rich != nil {
				if err := readRare(a, rich); err != nil {
					return fmt.Errorf("actor %s: %w", sid, err)
				}
			}
			e, _, _ = b.build(a, adoptByActor[sid])
		}
		u, ok := times[string(updated)]
		if !ok {
			u = unixOrZero(parseTime(string(updated)))
			if len(times) < 1024 {
				times[string(updated)] = u
			}
		}
		e.updated = u
		out[i] = e
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(out) {
		return fmt.Errorf("actors table shrank while loading")
	}
	return nil
}

// unixOrZero is t in Unix seconds, 0 for the zero time (a record never
// changed since the bundled data has no "last updated" date).
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func isEmptyList(b []byte) bool { return len(b) == 0 || string(b) == "[]" }

// precisionCode is an entry's precision field for a precision name.
func precisionCode(p string) uint8 {
	if i := slices.Index(Precisions, p); i >= 0 {
		return uint8(i + 1)
	}
	return uint8(slices.Index(Precisions, PrecisionDerived) + 1)
}

// entryBuilder makes entries: their texts go through w, their symbols
// through a cache of the directory's (two builders fill one directory at
// once while it loads), and it remembers the folding of words seen before
// (real names share many words; synthetic ones share all but their number).
type entryBuilder struct {
	d      *Directory
	w      *textWriter
	syms   map[string]sym
	fresh  freshness
	folded map[string]string
	buf    []byte
	typed  []byte // scratch buffers of addExtra
	extra  []byte
}

func newEntryBuilder(d *Directory, w *textWriter) *entryBuilder {
	b := &entryBuilder{d: d, w: w, syms: map[string]sym{}, folded: map[string]string{}}
	if d != nil {
		b.fresh = d.freshness()
	}
	return b
}

// sym returns the symbol of v: a hit allocates nothing.
func (b *entryBuilder) sym(v []byte) sym {
	if c, ok := b.syms[string(v)]; ok {
		return c
	}
	c, name := b.d.syms.code(string(v))
	b.syms[name] = c
	return c
}

func (b *entryBuilder) symString(v string) sym {
	return b.sym(unsafe.Slice(unsafe.StringData(v), len(v)))
}

// fold is Fold, word by word, with a memory of words already folded.
func (b *entryBuilder) fold(name string) text {
	buf := b.buf[:0]
	if fold.IsASCII(name) {
		buf = fold.AppendASCII(buf, name)
		b.buf = buf
		return b.w.add(buf)
	}
	for w := range strings.FieldsSeq(name) {
		mark := len(buf)
		if mark > 0 {
			buf = append(buf, ' ')
		}
		if fold.IsASCII(w) {
			buf = fold.AppendASCII(buf, w)
		} else {
			f, ok := b.folded[w]
			if !ok {
				f = Fold(w)
				if len(b.folded) < 200_000 {
					b.folded[w] = f
				}
			}
			buf = append(buf, f...)
		}
		if len(buf) == mark+1 && mark > 0 {
			buf = buf[:mark] // the word folded to nothing
		}
	}
	b.buf = buf
	return b.w.add(buf)
}

// build makes the read-model entry of a (with its adoptions) and returns
// the slugs of the tools it uses and plans to use, for Directory.more.
func (b *entryBuilder) build(a *Actor, ads []*Adoption) (entry, []string, []string) {
	e := entry{
		id:         b.w.addString(a.ID),
		name:       b.w.addString(a.Name),
		folded:     b.fold(a.Name),
		kind:       b.symString(a.Kind),
		dept:       b.symString(a.Departement),
		region:     b.symString(a.Region),
		population: int32(a.Population),
		version:    int32(a.Version),
		updated:    unixOrZero(a.UpdatedAt),
		synthetic:  a.Synthetic,
		plain:      plainOf(a.ID, a.Name),
	}
	if a.Location != nil {
		e.lon, e.lat = a.Location.Lon, a.Location.Lat
		e.pointSource = b.symString(a.Location.Source)
		e.precision = precisionCode(a.Location.Precision)
	}
	names := map[string]string{}
	var tools, planned []string
	for _, ad := range ads {
		t := b.d.tools[ad.ToolSlug]
		if t == nil {
			continue
		}
		names[t.Slug] = t.Name
		switch ad.Status {
		case StatusInUse:
			tools = append(tools, t.Slug)
			for _, th := range t.Themes {
				e.themes |= themeBit(th)
			}
		case StatusPlanned:
			planned = append(planned, t.Slug)
			for _, th := range t.Themes {
				e.planThemes |= themeBit(th)
			}
		}
	}
	a.Links, a.LinkedBy, a.LabelAwards = b.d.facts.of(a.ID)
	var fd factDates
	extra, fd := extraProperties(a, ads, names, b.fresh)
	e.extra = b.addExtra(a, extra)
	e.stale, e.staleAt, e.verified = fd.stale, fd.staleAt, fd.verified
	return e, tools, planned
}

// membersLocked lists the ids of the member communes of an EPCI.
func (d *Directory) membersLocked(ref uint32) []string {
	kids := d.children[ref]
	if len(kids) == 0 {
		return nil
	}
	out := make([]string, 0, len(kids))
	for _, k := range kids {
		if e := &d.entries[k]; e.id.n != 0 && !e.deleted {
			out = append(out, d.str(e.id))
		}
	}
	sort.Strings(out)
	return out
}

// partitionLocked splits the spatial index by a symbol of the entries.
func (d *Directory) partitionLocked(of func(*entry) sym) map[sym]*geo.Index {
	parts := d.index.Partition(len(d.syms.names), func(ref uint32) int {
		if c := of(&d.entries[ref]); c != 0 {
			return int(c)
		}
		return -1
	})
	out := map[sym]*geo.Index{}
	for c, ix := range parts {
		if ix.Len() > 0 {
			out[sym(c)] = ix
		}
	}
	return out
}

// spatialInsert and spatialDelete keep an index of byValue.
func spatialInsert(byValue map[sym]*geo.Index, c sym, ref uint32, p orb.Point) {
	if c == 0 {
		return
	}
	ix := byValue[c]
	if ix == nil {
		ix = geo.NewIndex()
		byValue[c] = ix
	}
	ix.Insert(ref, p)
}

func spatialDelete(byValue map[sym]*geo.Index, c sym, ref uint32, p orb.Point) {
	if ix := byValue[c]; ix != nil {
		ix.Delete(ref, p)
		if ix.Len() == 0 {
			delete(byValue, c)
		}
	}
}

// addLocked puts entry ref into the search index, the filter lists and,
// with spatial set, the spatial index.
func (d *Directory) addLocked(ref uint32, spatial bool) {
	d.addListsLocked(ref)
	e := &d.entries[ref]
	if e.hasPoint() && spatial {
		d.index.Insert(ref, e.point())
		spatialInsert(d.kindAt, e.kind, ref, e.point())
		spatialInsert(d.deptAt, e.dept, ref, e.point())
		spatialInsert(d.regionAt, e.region, ref, e.point())
		d.extendExtent(e.point())
	}
	d.search.add(ref, e.folded)
	d.addCodesLocked(ref, &d.tw)
}

// addListsLocked puts entry ref into the filter lists.
func (d *Directory) addListsLocked(ref uint32) {
	e := &d.entries[ref]
	d.noteStaleLocked(e)
	d.editListsLocked(ref, insertSorted)
}

// editListsLocked applies edit (insertSorted or removeSorted) to each
// filter list entry ref belongs in: the one list both addListsLocked and
// removeLocked go through, so that they never disagree.
func (d *Directory) editListsLocked(ref uint32, edit func([]uint32, uint32) []uint32) {
	e := &d.entries[ref]
	d.live = edit(d.live, ref)
	if !e.hasPoint() {
		d.unlocated = edit(d.unlocated, ref)
	}
	kind := d.sym(e.kind)
	d.byKind[kind] = edit(d.byKind[kind], ref)
	if e.dept != 0 {
		dept := d.sym(e.dept)
		d.byDept[dept] = edit(d.byDept[dept], ref)
	}
	if e.region != 0 {
		region := d.sym(e.region)
		d.byRegion[region] = edit(d.byRegion[region], ref)
	}
	for _, t := range d.toolsOf(ref) {
		d.byTool[t] = edit(d.byTool[t], ref)
	}
	for _, t := range d.plannedOf(ref) {
		d.byPlanned[t] = edit(d.byPlanned[t], ref)
	}
}

// extendExtent grows the bounding box of located actors to hold p.
func (d *Directory) extendExtent(p orb.Point) {
	if d.pointed == 0 {
		d.extent = orb.Bound{Min: p, Max: p}
	} else {
		d.extent = d.extent.Extend(p)
	}
	d.pointed++
}

// removeLocked takes entry ref out of every structure addLocked put it in.
func (d *Directory) removeLocked(ref uint32) {
	e := &d.entries[ref]
	d.editListsLocked(ref, removeSorted)
	if e.hasPoint() {
		d.index.Delete(ref, e.point())
		spatialDelete(d.kindAt, e.kind, ref, e.point())
		spatialDelete(d.deptAt, e.dept, ref, e.point())
		spatialDelete(d.regionAt, e.region, ref, e.point())
	}
	d.search.remove(ref, e.folded)
	d.removeCodesLocked(ref)
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
	Located int            // actors with a point (the spatial index's size)
	ByKind  map[string]int // live actors per kind
	Tools   int
	Seq     uint64
	// Followed is the stored change sequence up to which every change,
	// whoever wrote it, is in the read model: servers on one database that
	// show the same Followed serve the same state.
	Followed uint64
}

// Stats returns counts of what the read model holds.
func (d *Directory) Stats() Stats {
	d.mu.RLock()
	defer d.mu.RUnlock()
	s := Stats{Actors: len(d.live), Located: d.index.Len(), ByKind: map[string]int{}, Tools: len(d.tools), Seq: d.seq, Followed: d.followed}
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
