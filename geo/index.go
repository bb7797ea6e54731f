package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index is an in-memory spatial index of points, each one identified by a
// ref that the caller chooses (the directory uses the position of the actor
// in its dense table). It is derived state, rebuilt from storage at start and
// changed after each commit.
//
// Index does no locking: its owner holds the lock, as tile38's server does
// for its collections. Search and Nearest only read, so any number of them
// may run at once under a read lock; Insert and Delete need the lock alone.
//
// Points must pass CheckPoint: the Index does not check them again.
// The zero Index is empty and ready to use.
type Index struct {
	tree rtree.RTreeG[entry]
}

// entry is what the tree keeps beside each point. The cosine of the latitude
// is stored so that Nearest computes it once per point, not once per query.
type entry struct {
	ref    uint32
	cosLat float64
}

func newEntry(ref uint32, p orb.Point) entry {
	return entry{ref: ref, cosLat: math.Cos(p[1] * rad)}
}

// NewIndex returns an empty Index.
func NewIndex() *Index { return &Index{} }

// Insert adds the point p under ref. Inserting a ref that is already in the
// Index adds a second entry: to move a point, Delete it first.
func (ix *Index) Insert(ref uint32, p orb.Point) {
	ix.tree.Insert(p, p, newEntry(ref, p))
}

// Delete removes the entry of ref at p and reports whether there was one.
// p must be the point ref was inserted with: the tree is searched by it.
func (ix *Index) Delete(ref uint32, p orb.Point) bool {
	n := ix.tree.Len()
	ix.tree.Delete(p, p, newEntry(ref, p))
	return ix.tree.Len() < n
}

// Len returns the number of entries in the Index.
func (ix *Index) Len() int { return ix.tree.Len() }

// Search calls fn for every point in b, edges included, in no particular
// order, until fn returns false. A bound whose Min.Lon is greater than its
// Max.Lon crosses the antimeridian, as an OGC bbox does: it runs east from
// Min.Lon to 180 and on from -180 to Max.Lon. The bound must pass CheckBound.
func (ix *Index) Search(b orb.Bound, fn func(ref uint32, p orb.Point) bool) {
	if b.Min[0] <= b.Max[0] {
		ix.tree.Search(b.Min, b.Max, func(p, _ [2]float64, e entry) bool {
			return fn(e.ref, p)
		})
		return
	}
	// The tree knows nothing of the antimeridian: ask for each side of it.
	// No point can be in both halves, so none is reported twice.
	more := true
	ix.tree.Search(b.Min, [2]float64{180, b.Max[1]}, func(p, _ [2]float64, e entry) bool {
		more = fn(e.ref, p)
		return more
	})
	if !more {
		return
	}
	ix.tree.Search([2]float64{-180, b.Min[1]}, b.Max, func(p, _ [2]float64, e entry) bool {
		return fn(e.ref, p)
	})
}
