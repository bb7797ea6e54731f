package directory

import (
	"cmp"
	"context"
	"slices"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/geo"
)

// Pages of actors cost what they return, not what they match.
//
// Actors come in one stable order: those with a point along the spatial
// index's Hilbert curve (then by ref), then those without a point, by ref.
// A page is the slice [Offset, Offset+Limit) of the matches in that order,
// so that paging with offset gives every match exactly once as long as
// nothing changes in between (the change sequence, in the ETag, says when
// it does).
//
// A page is made in one of three ways:
//
//   - the filter names no more than its box and one kind, département or
//     région: the located actors of that kind (or of all kinds) are an
//     index of their own, and the page is read from it directly, skipping
//     whole runs of it to reach the offset; the count is the index's count
//     of the box, exact, in time proportional to the box's edge;
//   - the filter names a small list (a tool, a theme, a rare kind, the
//     words of a name…) that holds fewer actors than walking would look at:
//     the list is filtered and sorted, and the count is exact;
//   - otherwise the smallest index that holds every match is walked in
//     order, each actor checked against the rest of the filter, until the
//     page is full. The count is then exact if the walk got to the end of
//     the candidates, or if few enough of them are left to check
//     (countBudget); otherwise it is not given, and never guessed.
//
// Several values of one kind, département or région (kind=commune,epci)
// are counted by adding up the counts of their indexes.

// FeaturePage is one page of matching actors as pre-encoded GeoJSON features.
type FeaturePage struct {
	// Matched is how many actors match in all, when Counted; see page.go
	// for when counting would cost more than the page and is left out.
	Matched  int
	Counted  bool
	More     bool     // matches follow this page
	Features [][]byte // this page, in the directory's order
	Seq      uint64   // the change sequence the page was read at

	joined []byte  // see Joined
	buf    *[]byte // Features' shared buffer, pooled; see Release
}

// Joined returns the page's features separated by commas — the inside of
// their JSON array — as one slice of the memory they share, so that they
// are written at once; nil if the page was not made so (write Features).
func (p *FeaturePage) Joined() []byte { return p.joined }

// Release gives the buffer of the page's features back for another page:
// call it once they are written, if at all, and use them no more.
func (p *FeaturePage) Release() {
	if p != nil && p.buf != nil {
		b := p.buf
		p.buf, p.Features, p.joined = nil, nil, nil
		featureBufs.Put(b)
	}
}

// FindActors returns the page of actors matching f, in a stable order
// (along a Hilbert curve, actors without a point last). It returns EINVALID
// for bad filter values.
func (d *Directory) FindActors(ctx context.Context, f ActorFilter) (*FeaturePage, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.validateFilterLocked(&f); err != nil {
		return nil, err
	}
	p := d.findPageLocked(&f)
	features, joined, buf := d.featuresIntoLocked(p.refs, nil, true)
	return &FeaturePage{Matched: p.matched, Counted: p.counted, More: p.more,
		Features: features, Seq: d.seq, joined: joined, buf: buf}, nil
}

// CountActors returns how many actors match f (its Offset and Limit
// ignored), counting them all if it must: for pages that show a total
// whatever it costs.
func (d *Directory) CountActors(ctx context.Context, f ActorFilter) (int, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.validateFilterLocked(&f); err != nil {
		return 0, err
	}
	f.Offset, f.Limit = 0, 0
	if p := d.findPageLocked(&f); p.counted {
		return p.matched, nil
	}
	refs, _ := d.matchAnyOrderLocked(&f)
	return len(refs), nil
}

// actorPage is what findPageLocked found.
type actorPage struct {
	refs    []uint32
	matched int
	counted bool
	more    bool
}

// countBudget is how many candidates a walk may still check, once its page
// is full, to give an exact count: about the cost of encoding the page.
func countBudget(limit int) int { return 4096 + 32*limit }

var world = orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}

// findPageLocked finds the page f asks for; f must be valid.
func (d *Directory) findPageLocked(f *ActorFilter) actorPage {
	m := d.newMatcherLocked(f)
	box, hasBox := world, f.Bound != nil
	if hasBox {
		box = *f.Bound
	}
	// The index to walk: the smallest of the one-value kind, département
	// and région indexes, or that of every located actor; aggregated is set
	// when the index's own count is the count of matches (summed over
	// several values of one family).
	ix, family := d.index, ""
	consider := func(name string, values []string, byValue map[sym]*geo.Index) {
		if len(values) != 1 {
			return
		}
		c, _ := d.syms.lookup(values[0])
		if cand := byValue[c]; cand == nil {
			ix, family = geo.NewIndex(), name
		} else if cand.Len() < ix.Len() {
			ix, family = cand, name
		}
	}
	consider("kind", f.Kinds, d.kindAt)
	consider("dept", f.Departements, d.deptAt)
	consider("region", f.Regions, d.regionAt)
	rest := *f
	rest.Bound, rest.Offset, rest.Limit = nil, 0, 0
	switch family {
	case "kind":
		rest.Kinds = nil
	case "dept":
		rest.Departements = nil
	case "region":
		rest.Regions = nil
	}
	trivial := filterIsEmpty(&rest) // every actor of ix in the box matches

	// Candidates without a point come after the located ones; there are
	// few of them, and they never match a box.
	var unlocated []uint32
	if !hasBox && len(f.Precisions) == 0 {
		for _, r := range d.unlocated {
			if m.match(r) {
				unlocated = append(unlocated, r)
			}
		}
	}
	if trivial {
		return d.pageFromIndexLocked(ix, box, unlocated, f.Offset, f.Limit)
	}
	located := ix.Count(box) // cheap: runs of the index
	candidates := located + len(unlocated)
	want := f.Offset + f.Limit + 1
	if lists, n, ok := d.smallestListsLocked(f); ok && (n <= bruteThreshold || n <= want*(candidates/max(n, 1))) {
		// Walking would look at about want × candidates / n actors.
		return d.pageFromListLocked(lists, m, f, false)
	}
	if f.Q != "" {
		if n := d.candidateCountLocked(m.words); n <= bruteThreshold || n <= want*(candidates/max(n, 1)) {
			return d.pageFromListLocked([][]uint32{d.candidatesLocked(m.words)}, m, f, true)
		}
	}
	total := -1
	if agg, ok := d.aggregateCountLocked(f, box); ok {
		total = agg + len(unlocated)
	}
	m.checkBound = false // the walk only gives points in the box
	return d.walkPageLocked(ix, box, m, unlocated, f.Offset, f.Limit, candidates, total)
}

// pageFromIndexLocked reads the page straight from ix, every point of
// which in box matches, then from the unlocated matches.
func (d *Directory) pageFromIndexLocked(ix *geo.Index, box orb.Bound, unlocated []uint32, offset, limit int) actorPage {
	located := ix.Len()
	if box != world {
		located = ix.Count(box)
	}
	p := actorPage{matched: located + len(unlocated), counted: true}
	p.refs = make([]uint32, 0, min(limit, max(p.matched-offset, 0)))
	if offset < located && limit > 0 {
		ix.Walk(box, offset, func(ref uint32, _ orb.Point) bool {
			p.refs = append(p.refs, ref)
			return len(p.refs) < limit
		})
	}
	if rest := limit - len(p.refs); rest > 0 {
		from := max(offset-located, 0)
		if from < len(unlocated) {
			p.refs = append(p.refs, unlocated[from:min(len(unlocated), from+rest)]...)
		}
	}
	p.more = offset+len(p.refs) < p.matched
	return p
}

// pageFromListLocked filters the candidates in lists (which may repeat
// refs when repeats is set), sorts the matches in the directory's order,
// and cuts the page: the count is exact.
func (d *Directory) pageFromListLocked(lists [][]uint32, m *matcher, f *ActorFilter, repeats bool) actorPage {
	var matches []uint32
	for _, l := range lists {
		for _, r := range l {
			if m.match(r) {
				matches = append(matches, r)
			}
		}
	}
	if repeats || len(lists) > 1 {
		slices.Sort(matches)
		matches = slices.Compact(matches)
	}
	d.sortInOrderLocked(matches)
	p := actorPage{matched: len(matches), counted: true}
	if f.Offset < len(matches) {
		p.refs = matches[f.Offset:min(len(matches), f.Offset+f.Limit)]
	}
	p.more = f.Offset+len(p.refs) < p.matched
	return p
}

// sortInOrderLocked sorts refs in the directory's order.
func (d *Directory) sortInOrderLocked(refs []uint32) {
	type keyed struct {
		key uint64
		ref uint32
		pt  bool
	}
	ks := make([]keyed, len(refs))
	for i, r := range refs {
		e := &d.entries[r]
		if e.hasPoint() {
			ks[i] = keyed{key: geo.Order(r, e.point()), ref: r, pt: true}
		} else {
			ks[i] = keyed{key: uint64(r), ref: r}
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.pt != b.pt {
			if a.pt {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.key, b.key)
	})
	for i := range ks {
		refs[i] = ks[i].ref
	}
}

// aggregateCountLocked returns the number of actors matching f when it
// names nothing but its box and values of one of kind, département and
// région: the sum of the counts of their indexes. The unlocated matches
// are not included.
func (d *Directory) aggregateCountLocked(f *ActorFilter, box orb.Bound) (int, bool) {
	rest := *f
	rest.Bound, rest.Offset, rest.Limit = nil, 0, 0
	var values []string
	var byValue map[sym]*geo.Index
	switch {
	case len(f.Kinds) > 0:
		values, byValue, rest.Kinds = f.Kinds, d.kindAt, nil
	case len(f.Departements) > 0:
		values, byValue, rest.Departements = f.Departements, d.deptAt, nil
	case len(f.Regions) > 0:
		values, byValue, rest.Regions = f.Regions, d.regionAt, nil
	}
	if values == nil || !filterIsEmpty(&rest) {
		return 0, false
	}
	seen := map[sym]bool{}
	n := 0
	for _, v := range values {
		c, ok := d.syms.lookup(v)
		if !ok || seen[c] {
			continue
		}
		seen[c] = true
		if ix := byValue[c]; ix != nil {
			n += ix.Count(box)
		}
	}
	return n, true
}

// walkPageLocked walks the points of ix in box in order, then the unlocated
// candidates, keeping those m matches. candidates is how many there are;
// total, if not negative, is the number of matches, known beforehand.
func (d *Directory) walkPageLocked(ix *geo.Index, box orb.Bound, m *matcher, unlocated []uint32, offset, limit, candidates, total int) actorPage {
	p := actorPage{refs: make([]uint32, 0, min(limit, 1024))}
	seen, found := 0, 0 // candidates looked at, matches among them
	budget := countBudget(limit)
	// take looks at one candidate and says whether to go on.
	take := func(r uint32) bool {
		seen++
		if !m.match(r) {
			return true
		}
		found++
		switch {
		case found <= offset:
		case len(p.refs) < limit:
			p.refs = append(p.refs, r)
		default:
			p.more = true
			if total >= 0 || candidates-seen > budget {
				return false // the count is known, or would cost too much
			}
		}
		return true
	}
	stopped := false
	ix.Walk(box, 0, func(r uint32, _ orb.Point) bool {
		if !take(r) {
			stopped = true
			return false
		}
		return true
	})
	for _, r := range unlocated {
		if stopped {
			break
		}
		stopped = !take(r)
	}
	switch {
	case total >= 0:
		p.matched, p.counted = total, true
		p.more = offset+len(p.refs) < total
	case !stopped:
		p.matched, p.counted = found, true
	}
	return p
}
