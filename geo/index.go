package geo

import (
	"cmp"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// Index is an in-memory spatial index of points, each one identified by a
// ref that the caller chooses (the directory uses the position of the actor
// in its dense table). It is derived state, rebuilt from storage at start and
// changed after each commit.
//
// The points are kept in one slice sorted along a Hilbert curve over the
// lon/lat plane (order 16: cells of about 0.0055° × 0.0027°), ties broken
// by ref. Every cell of the quadtree over that plane is then one run of the
// slice, found by binary search, so that
//
//   - the points of a bounding box come out in that order, which is stable
//     whatever the order of inserts: a page of them is found by skipping
//     whole runs, without looking at the points before it (Walk);
//   - the points of a box are counted by adding up the lengths of the runs
//     of the cells inside it, and looking only at those of the cells along
//     its edges (Count);
//   - the nearest points are found best-first over the same cells (Nearest).
//
// Index does no locking: its owner holds the lock, as tile38's server does
// for its collections. Search, Walk, Count and Nearest only read, so any
// number of them may run at once under a read lock; Insert and Delete need
// the lock alone. An insert or a delete moves the tail of the slice: a few
// milliseconds at a million points.
//
// Points must pass CheckPoint: the Index does not check them again.
// The zero Index is empty and ready to use.
type Index struct {
	items []item
}

// item is one point: its place on the curve, then its ref, in one sort key.
type item struct {
	key      uint64 // hilbert<<32 | ref
	lon, lat float64
}

func (it *item) ref() uint32      { return uint32(it.key) }
func (it *item) point() orb.Point { return orb.Point{it.lon, it.lat} }

// IndexPoint is a point given to NewIndexOf.
type IndexPoint struct {
	Ref   uint32
	Point orb.Point
}

// NewIndex returns an empty Index.
func NewIndex() *Index { return &Index{} }

// NewIndexOf returns an Index of points, built at once: faster than
// inserting them one by one.
func NewIndexOf(points []IndexPoint) *Index {
	items := make([]item, len(points))
	for i, p := range points {
		items[i] = newItem(p.Ref, p.Point)
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.key, b.key) })
	return &Index{items: items}
}

func newItem(ref uint32, p orb.Point) item {
	return item{key: uint64(hilbertOf(p))<<32 | uint64(ref), lon: p[0], lat: p[1]}
}

// Insert adds the point p under ref. Inserting a ref that is already in the
// Index at the same point does nothing; at another point, it adds a second
// entry: to move a point, Delete it first.
func (ix *Index) Insert(ref uint32, p orb.Point) {
	it := newItem(ref, p)
	i, found := slices.BinarySearchFunc(ix.items, it.key, func(a item, k uint64) int { return cmp.Compare(a.key, k) })
	if found {
		return
	}
	ix.items = slices.Insert(ix.items, i, it)
}

// Delete removes the entry of ref at p and reports whether there was one.
// p must be the point ref was inserted with: it says where the entry is.
func (ix *Index) Delete(ref uint32, p orb.Point) bool {
	it := newItem(ref, p)
	i, found := slices.BinarySearchFunc(ix.items, it.key, func(a item, k uint64) int { return cmp.Compare(a.key, k) })
	if !found {
		return false
	}
	ix.items = slices.Delete(ix.items, i, i+1)
	return true
}

// Len returns the number of entries in the Index.
func (ix *Index) Len() int { return len(ix.items) }

// Partition splits the Index in n, keeping the order: the points whose
// group(ref) is i go to the i-th Index (none where group returns a value
// outside 0…n-1). It reads the Index once.
func (ix *Index) Partition(n int, group func(ref uint32) int) []*Index {
	counts := make([]int, n)
	groups := make([]int32, len(ix.items))
	for i := range ix.items {
		g := group(ix.items[i].ref())
		if g < 0 || g >= n {
			g = -1
		} else {
			counts[g]++
		}
		groups[i] = int32(g)
	}
	out := make([]*Index, n)
	for g := range out {
		out[g] = &Index{items: make([]item, 0, counts[g])}
	}
	for i, g := range groups {
		if g >= 0 {
			out[g].items = append(out[g].items, ix.items[i])
		}
	}
	return out
}

// Search calls fn for every point in b, edges included, in the Index's
// order (along the Hilbert curve, then by ref), until fn returns false. A
// bound whose Min.Lon is greater than its Max.Lon crosses the antimeridian,
// as an OGC bbox does: it runs east from Min.Lon to 180 and on from -180 to
// Max.Lon. The bound must pass CheckBound.
func (ix *Index) Search(b orb.Bound, fn func(ref uint32, p orb.Point) bool) {
	ix.Walk(b, 0, fn)
}

// Walk is Search after skipping the first skip points of b: skipped runs of
// points inside b are stepped over whole, so that a page deep into a large
// box costs about what the first page does. It returns how many points
// were skipped (fewer than skip when b holds fewer).
func (ix *Index) Walk(b orb.Bound, skip int, fn func(ref uint32, p orb.Point) bool) (skipped int) {
	w := walker{ix: ix, q: newQueryBox(b), skip: skip, fn: fn}
	w.cell(0, 0, 0, len(ix.items))
	return skip - w.skip
}

// Count returns the number of points in b (as Search would give them).
func (ix *Index) Count(b orb.Bound) int {
	w := walker{ix: ix, q: newQueryBox(b), counting: true}
	w.cell(0, 0, 0, len(ix.items))
	return w.count
}

// Order returns a value that sorts ref at p where the Index puts it: the
// Index's order is that of Order(ref, p) ascending.
func Order(ref uint32, p orb.Point) uint64 { return newItem(ref, p).key }

// walker is the state of one Walk or Count: a depth-first descent of the
// quadtree, children in the curve's order.
type walker struct {
	ix       *Index
	q        queryBox
	skip     int
	fn       func(ref uint32, p orb.Point) bool
	counting bool
	count    int
	stopped  bool
}

// scanBelow is the size of a run under which a cell crossing the box's
// edge has its points checked one by one rather than its children found.
const scanBelow = 24

// cell visits the cell h of level, whose points are items[lo:hi].
func (w *walker) cell(level int, h uint32, lo, hi int) {
	if lo == hi || w.stopped {
		return
	}
	c := cellBox(level, h)
	if !w.q.intersects(c) {
		return
	}
	if w.q.contains(c) {
		w.run(lo, hi)
		return
	}
	if hi-lo <= scanBelow || level == hilbertOrder {
		w.scan(lo, hi)
		return
	}
	w.children(level, h, lo, hi)
}

// children visits the four children of cell h of level, in the curve's order.
func (w *walker) children(level int, h uint32, lo, hi int) {
	var bounds [5]int
	w.ix.split(level, h, lo, hi, &bounds)
	for i := range 4 {
		w.cell(level+1, h<<2|uint32(i), bounds[i], bounds[i+1])
		if w.stopped {
			return
		}
	}
}

// run takes items[lo:hi], all of them in the box.
func (w *walker) run(lo, hi int) {
	if w.counting {
		w.count += hi - lo
		return
	}
	if w.skip >= hi-lo {
		w.skip -= hi - lo
		return
	}
	lo += w.skip
	w.skip = 0
	for i := lo; i < hi; i++ {
		it := &w.ix.items[i]
		if !w.fn(it.ref(), it.point()) {
			w.stopped = true
			return
		}
	}
}

// scan takes the points of items[lo:hi] that are in the box.
func (w *walker) scan(lo, hi int) {
	for i := lo; i < hi; i++ {
		it := &w.ix.items[i]
		if !w.q.has(it.lon, it.lat) {
			continue
		}
		switch {
		case w.counting:
			w.count++
		case w.skip > 0:
			w.skip--
		case !w.fn(it.ref(), it.point()):
			w.stopped = true
			return
		}
	}
}

// split finds where the four children of cell h of level start in
// items[lo:hi]: child i holds items[bounds[i]:bounds[i+1]].
func (ix *Index) split(level int, h uint32, lo, hi int, bounds *[5]int) {
	bounds[0], bounds[4] = lo, hi
	shift := 2*(hilbertOrder-level-1) + 32 // bits of a child's key below its cell number
	for i := 1; i < 4; i++ {
		start := uint64(h<<2|uint32(i)) << shift
		from := bounds[i-1]
		bounds[i] = from + sort.Search(hi-from, func(j int) bool { return ix.items[from+j].key >= start })
	}
}

// queryBox is a bounding box split at the antimeridian if it crosses it.
type queryBox struct {
	n     int
	rects [2]orb.Bound
}

func newQueryBox(b orb.Bound) queryBox {
	if b.Min[0] <= b.Max[0] {
		return queryBox{n: 1, rects: [2]orb.Bound{b}}
	}
	return queryBox{n: 2, rects: [2]orb.Bound{
		{Min: b.Min, Max: orb.Point{180, b.Max[1]}},
		{Min: orb.Point{-180, b.Min[1]}, Max: b.Max},
	}}
}

// has reports whether the point is in the box, edges included.
func (q *queryBox) has(lon, lat float64) bool {
	for _, r := range q.rects[:q.n] {
		if lon >= r.Min[0] && lon <= r.Max[0] && lat >= r.Min[1] && lat <= r.Max[1] {
			return true
		}
	}
	return false
}

// cellSlack widens cells in the tests below by more than the rounding of
// the arithmetic that puts a point in its cell: a point on a cell's edge
// may land in the next one, and must still be found.
const cellSlack = 1e-9

func (q *queryBox) intersects(c orb.Bound) bool {
	for _, r := range q.rects[:q.n] {
		if c.Min[0]-cellSlack <= r.Max[0] && c.Max[0]+cellSlack >= r.Min[0] &&
			c.Min[1]-cellSlack <= r.Max[1] && c.Max[1]+cellSlack >= r.Min[1] {
			return true
		}
	}
	return false
}

func (q *queryBox) contains(c orb.Bound) bool {
	for _, r := range q.rects[:q.n] {
		if c.Min[0]-cellSlack >= r.Min[0] && c.Max[0]+cellSlack <= r.Max[0] &&
			c.Min[1]-cellSlack >= r.Min[1] && c.Max[1]+cellSlack <= r.Max[1] {
			return true
		}
	}
	return false
}

// The Hilbert curve. Level l divides the plane (lon −180…180, lat −90…90)
// in 2^l × 2^l cells numbered along the curve; the points of cell h of
// level l are those whose number at level hilbertOrder starts with h, so
// that every cell is one run of the sorted items.
const (
	hilbertOrder = 16
	hilbertSide  = 1 << hilbertOrder
)

// hilbertOf returns the number of p's cell at level hilbertOrder.
func hilbertOf(p orb.Point) uint32 {
	x := int((p[0] + 180) * (hilbertSide / 360.0))
	y := int((p[1] + 90) * (hilbertSide / 180.0))
	return xy2d(hilbertSide, uint32(min(max(x, 0), hilbertSide-1)), uint32(min(max(y, 0), hilbertSide-1)))
}

// xy2d returns the number along the curve of cell (x, y) of an n × n grid
// (n a power of two), after Wikipedia's "Hilbert curve".
func xy2d(n, x, y uint32) uint32 {
	var d uint32
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		x, y = rot(n, x, y, rx, ry)
	}
	return d
}

// d2xy is the inverse of xy2d.
func d2xy(n, d uint32) (x, y uint32) {
	t := d
	for s := uint32(1); s < n; s *= 2 {
		rx := 1 & (t / 2)
		ry := 1 & (t ^ rx)
		x, y = rot(s, x, y, rx, ry)
		x += s * rx
		y += s * ry
		t /= 4
	}
	return x, y
}

func rot(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry == 0 {
		if rx == 1 {
			x = n - 1 - x
			y = n - 1 - y
		}
		x, y = y, x
	}
	return x, y
}

// cellBox returns the lon/lat box of cell h of level.
func cellBox(level int, h uint32) orb.Bound {
	if level == 0 {
		return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	}
	n := uint32(1) << level
	x, y := d2xy(n, h)
	w, t := 360/float64(n), 180/float64(n)
	minLon, minLat := -180+float64(x)*w, -90+float64(y)*t
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{minLon + w, minLat + t}}
}
