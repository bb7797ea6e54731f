package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Index is an in-memory spatial index of points, each one identified by a
// ref that the caller chooses (the directory uses the position of the actor
// in its dense table). It is derived state, rebuilt from storage at start and
// changed after each commit.
//
// The points are kept in one slice sorted along a Hilbert curve over the
// lon/lat plane (order 16: cells of about 0.0055° × 0.0027°), ties broken
// by ref, and over that slice a packed R-tree (as mourner/flatbush builds
// one): each node holds the bounding box of nodeSize consecutive points, or
// of nodeSize consecutive nodes of the level below, so that every node is
// one run of the slice. Then
//
//   - the points of a bounding box come out in the slice's order, which is
//     stable whatever the order of inserts: a page of them is found by
//     stepping over whole runs inside the box, without looking at the points
//     before it (Walk);
//   - the points of a box are counted by adding up the lengths of the runs
//     of the nodes inside it, and looking only at the points of the nodes
//     across its edges (Count);
//   - the nearest points are found best-first over the same nodes (Nearest).
//
// Index does no locking: its owner holds the lock, as tile38's server does
// for its collections. Search, Walk, Count and Nearest only read, so any
// number of them may run at once under a read lock; Insert and Delete need
// the lock alone. An insert or a delete moves the tail of the slice and
// recomputes the boxes over it: a few milliseconds at a million points.
//
// Points must pass CheckPoint: the Index does not check them again.
// The zero Index is empty and ready to use.
type Index struct {
	items []item
	// levels[0][j] bounds items[j*nodeSize:(j+1)*nodeSize]; levels[k+1][j]
	// bounds levels[k][j*nodeSize:(j+1)*nodeSize]. The last level has one
	// node, or none when the Index is empty.
	levels [][]box
}

// nodeSize is the number of points, or of nodes, under a node.
const nodeSize = 16

// box is a bounding box: min lon, min lat, max lon, max lat.
type box [4]float64

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
	ix := &Index{items: items}
	ix.bound(0)
	return ix
}

func newItem(ref uint32, p orb.Point) item {
	return item{key: uint64(hilbertOf(p))<<32 | uint64(ref), lon: p[0], lat: p[1]}
}

// bound recomputes the boxes of the nodes over items[from:].
func (ix *Index) bound(from int) {
	n := len(ix.items)
	below := n // entries of the level below: items, then nodes
	for level := 0; below > 1 || level == 0; level++ {
		count := (below + nodeSize - 1) / nodeSize
		if level == len(ix.levels) {
			ix.levels = append(ix.levels, nil)
		}
		l := ix.levels[level]
		if cap(l) < count {
			l = slices.Grow(l[:len(l):len(l)], count-len(l))
		}
		l = l[:count]
		first := from / nodeSize
		for j := first; j < count; j++ {
			lo, hi := j*nodeSize, min((j+1)*nodeSize, below)
			b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
			if level == 0 {
				for _, it := range ix.items[lo:hi] {
					b = box{min(b[0], it.lon), min(b[1], it.lat), max(b[2], it.lon), max(b[3], it.lat)}
				}
			} else {
				for _, c := range ix.levels[level-1][lo:hi] {
					b = box{min(b[0], c[0]), min(b[1], c[1]), max(b[2], c[2]), max(b[3], c[3])}
				}
			}
			l[j] = b
		}
		ix.levels[level] = l
		from, below = first, count
		if count <= 1 {
			ix.levels = ix.levels[:level+1]
			break
		}
	}
	if n == 0 {
		ix.levels = ix.levels[:0]
	}
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
	ix.bound(i)
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
	ix.bound(i)
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
	for _, part := range out {
		part.bound(0)
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

// Walk is Search after skipping the first skip points of b: runs of points
// inside b are stepped over whole, so that a page deep into a large box
// costs about what the first page does. It returns how many points were
// skipped (fewer than skip when b holds fewer).
func (ix *Index) Walk(b orb.Bound, skip int, fn func(ref uint32, p orb.Point) bool) (skipped int) {
	w := walker{ix: ix, q: newQueryBox(b), skip: skip, fn: fn}
	w.top()
	return skip - w.skip
}

// Count returns the number of points in b (as Search would give them).
func (ix *Index) Count(b orb.Bound) int {
	w := walker{ix: ix, q: newQueryBox(b), counting: true}
	w.top()
	return w.count
}

// Order returns a value that sorts ref at p where the Index puts it: the
// Index's order is that of Order(ref, p) ascending.
func Order(ref uint32, p orb.Point) uint64 { return newItem(ref, p).key }

// walker is the state of one Walk or Count: a depth-first descent of the
// tree, children in order.
type walker struct {
	ix       *Index
	q        queryBox
	skip     int
	fn       func(ref uint32, p orb.Point) bool
	counting bool
	count    int
	stopped  bool
}

func (w *walker) top() {
	if n := len(w.ix.levels); n > 0 {
		w.node(n-1, 0)
	}
}

// span returns the run of items under node j of level.
func (ix *Index) span(level, j int) (lo, hi int) {
	size := nodeSize
	for range level {
		size *= nodeSize
	}
	return j * size, min((j+1)*size, len(ix.items))
}

// node visits node j of level.
func (w *walker) node(level, j int) {
	b := &w.ix.levels[level][j]
	if !w.q.intersects(b) {
		return
	}
	if w.q.contains(b) {
		w.run(w.ix.span(level, j))
		return
	}
	if level == 0 {
		w.scan(w.ix.span(0, j))
		return
	}
	below := len(w.ix.levels[level-1])
	for c := j * nodeSize; c < min((j+1)*nodeSize, below) && !w.stopped; c++ {
		w.node(level-1, c)
	}
}

// run takes items[lo:hi], all of them in the box.
func (w *walker) run(lo, hi int) {
	if w.stopped {
		return
	}
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
	for i := lo; i < hi && !w.stopped; i++ {
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
		}
	}
}

// queryBox is a bounding box split at the antimeridian if it crosses it.
type queryBox struct {
	n     int
	rects [2]box
}

func newQueryBox(b orb.Bound) queryBox {
	if b.Min[0] <= b.Max[0] {
		return queryBox{n: 1, rects: [2]box{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}}
	}
	return queryBox{n: 2, rects: [2]box{
		{b.Min[0], b.Min[1], 180, b.Max[1]},
		{-180, b.Min[1], b.Max[0], b.Max[1]},
	}}
}

// has reports whether the point is in the box, edges included.
func (q *queryBox) has(lon, lat float64) bool {
	for _, r := range q.rects[:q.n] {
		if lon >= r[0] && lon <= r[2] && lat >= r[1] && lat <= r[3] {
			return true
		}
	}
	return false
}

func (q *queryBox) intersects(b *box) bool {
	for _, r := range q.rects[:q.n] {
		if b[0] <= r[2] && b[2] >= r[0] && b[1] <= r[3] && b[3] >= r[1] {
			return true
		}
	}
	return false
}

func (q *queryBox) contains(b *box) bool {
	for _, r := range q.rects[:q.n] {
		if b[0] >= r[0] && b[2] <= r[2] && b[1] >= r[1] && b[3] <= r[3] {
			return true
		}
	}
	return false
}

// The Hilbert curve divides the plane (lon −180…180, lat −90…90) in
// 2^hilbertOrder × 2^hilbertOrder cells numbered along the curve: points
// near each other on the map are mostly near each other in its order.
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
