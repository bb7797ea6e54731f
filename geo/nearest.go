package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// NearestOptions says which points Index.Nearest returns.
type NearestOptions struct {
	// K is how many points to return at most; 0 means no limit (then set
	// MaxMeters, or Nearest returns the whole Index sorted by distance).
	K int
	// MaxMeters keeps only the points at most this far from the query
	// point; 0 means no limit.
	MaxMeters float64
	// Accept, when not nil, keeps only the refs for which it returns true.
	// It is also called for points that are not returned (at most once per
	// point and call), so it should be cheap: a lookup in a table or a bit
	// set. It runs under the caller's lock and must not modify the Index.
	Accept func(ref uint32) bool
}

// Neighbor is a point found by Index.Nearest.
type Neighbor struct {
	Ref    uint32    // as given to Insert
	Point  orb.Point // as given to Insert
	Meters float64   // equal to Distance(query, Point), bit for bit
}

// less orders neighbors by distance, then ref, so that ties come out the
// same on every run whatever the shape of the tree.
func (a Neighbor) less(b Neighbor) bool {
	return a.Meters < b.Meters || a.Meters == b.Meters && a.Ref < b.Ref
}

// Nearest returns up to opts.K accepted points nearest to p, within
// opts.MaxMeters if it is set, by great-circle distance on the sphere (the
// same numbers as Distance, not degrees on a plane, and across the
// antimeridian), sorted by distance then ref. p must pass CheckPoint. A
// negative K, or a MaxMeters that is negative or NaN, returns nil.
//
// The nodes of the Index are walked best-first: nodes and points wait in
// one queue ordered by a lower bound of their distance to p, and the walk
// stops as soon as the next one in line is farther than the K-th point
// found or than MaxMeters.
func (ix *Index) Nearest(p orb.Point, opts NearestOptions) []Neighbor {
	n := len(ix.items)
	if n == 0 || opts.K < 0 || !(opts.MaxMeters >= 0) {
		return nil
	}
	q := newNearest(p, opts)
	if opts.K > 0 {
		q.res = make([]Neighbor, 0, min(opts.K, n))
	}
	var queue nearQueue
	top := len(ix.levels) - 1
	queue.push(nearItem{key: 0, level: int8(top), j: 0})
	for len(queue) > 0 {
		it := queue.pop()
		if it.key > q.bound {
			// Every key still queued is at least it.key: nothing more can enter.
			break
		}
		if it.level < 0 {
			e := &ix.items[it.j]
			q.visit(e.point(), e.ref(), it.key)
			continue
		}
		level, j := int(it.level), int(it.j)
		if level == 0 {
			lo, hi := ix.span(0, j)
			for i := lo; i < hi; i++ {
				if h, ok := q.pointKey(&ix.items[i]); ok {
					queue.push(nearItem{key: h, level: -1, j: int32(i)})
				}
			}
			continue
		}
		below := ix.levels[level-1]
		for c := j * nodeSize; c < min((j+1)*nodeSize, len(below)); c++ {
			b := &below[c]
			if k := q.boxKey([2]float64{b[0], b[1]}, [2]float64{b[2], b[3]}); k <= q.bound {
				queue.push(nearItem{key: k, level: int8(level - 1), j: int32(c)})
			}
		}
	}
	return q.res
}

// nearItem is a node (level ≥ 0: node j of that level) or a point (level
// −1: items[j]) waiting in Nearest's queue.
type nearItem struct {
	key   float64
	j     int32
	level int8
}

// nearQueue is a binary min-heap on key.
type nearQueue []nearItem

func (q *nearQueue) push(it nearItem) {
	*q = append(*q, it)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].key <= h[i].key {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *nearQueue) pop() nearItem {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].key < h[m].key {
			m = l
		}
		if r < len(h) && h[r].key < h[m].key {
			m = r
		}
		if m == i {
			break
		}
		h[m], h[i] = h[i], h[m]
		i = m
	}
	*q = h
	return top
}

func newNearest(p orb.Point, opts NearestOptions) nearest {
	q := nearest{
		lon:    p[0],
		lat:    p[1],
		cosLat: math.Cos(p[1] * rad),
		tanLat: math.Tan(p[1] * rad),
		k:      opts.K,
		maxM:   opts.MaxMeters,
		maxHav: math.Inf(1),
		accept: opts.Accept,
	}
	if opts.MaxMeters > 0 {
		q.maxHav = havBound(opts.MaxMeters)
	}
	q.setBound(q.maxHav)
	return q
}

// nearest is the state of one Nearest call. It lives on the caller's stack:
// Index keeps no scratch space, so that readers can share it.
type nearest struct {
	lon, lat       float64
	cosLat, tanLat float64
	k              int
	maxM           float64
	maxHav         float64 // havBound(maxM), or +Inf
	accept         func(ref uint32) bool
	res            []Neighbor

	// bound is the haversine beyond which nothing can enter res: that of
	// MaxMeters, then that of the K-th point once there are K. It only
	// shrinks.
	bound float64
}

func (q *nearest) setBound(h float64) { q.bound = h }

// pointKey is the haversine from the query point to e; ok is false for a
// point already known to be out of bound or refused by Accept.
func (q *nearest) pointKey(e *item) (h float64, ok bool) {
	h = havLat(q.lat, e.lat)
	if h > q.bound {
		return 0, false
	}
	h += havLon(q.lon, q.cosLat, e.lon, math.Cos(e.lat*rad))
	if h > q.bound {
		return 0, false
	}
	if q.accept != nil && !q.accept(e.ref()) {
		return 0, false
	}
	return h, true
}

// visit receives the points in increasing key order.
func (q *nearest) visit(p orb.Point, ref uint32, h float64) {
	nb := Neighbor{Ref: ref, Point: p, Meters: meters(h)}
	if q.maxM > 0 && nb.Meters > q.maxM {
		return // within the slack of havBound but not within MaxMeters
	}
	if q.k > 0 && len(q.res) == q.k {
		if !nb.less(q.res[q.k-1]) {
			return
		}
		q.res = q.res[:q.k-1]
	}
	// Points arrive by increasing distance, so nb goes last unless it ties
	// with earlier points on distance and has a smaller ref.
	q.res = append(q.res, nb)
	for i := len(q.res) - 1; i > 0 && q.res[i].less(q.res[i-1]); i-- {
		q.res[i], q.res[i-1] = q.res[i-1], q.res[i]
	}
	if q.k > 0 && len(q.res) == q.k {
		q.setBound(min(havBound(q.res[q.k-1].Meters), q.maxHav))
	}
}

// boxKey returns a lower bound of the haversine from the query point to any
// point of the box, after mourner/geokdbush's boxDist: it is exact on the
// sphere (up to the slack of lower) and right across the antimeridian, since
// the haversine of a longitude difference is periodic.
func (q *nearest) boxKey(lo, hi [2]float64) float64 {
	minLat, maxLat := lo[1], hi[1]
	// The latitude gap alone is a lower bound: the cheapest way to prune.
	var h float64
	if q.lat < minLat {
		h = havLat(q.lat, minLat)
	} else if q.lat > maxLat {
		h = havLat(maxLat, q.lat)
	}
	if q.lon >= lo[0] && q.lon <= hi[0] {
		// The query's meridian crosses the box: the latitude gap is exact.
		return lower(h)
	}
	if h > q.bound {
		return lower(h)
	}
	// Every point of the box is at least as far in longitude as the nearer
	// of its two edge meridians, and for a given latitude the distance
	// grows with the longitude difference: the minimum lies on that edge.
	dLon := math.Min(lonGap(q.lon, lo[0]), lonGap(q.lon, hi[0]))
	s := math.Sin(dLon * halfRad)
	havDLon := s * s
	if dLon < 90 {
		// Along a meridian less than 90° away, the distance falls to a single
		// minimum at the "vertex" latitude, where the great circle from the
		// query point meets the meridian at a right angle, and rises on both
		// sides of it.
		vertexLat := math.Atan(q.tanLat/(1-2*havDLon)) / rad
		switch {
		case vertexLat > minLat && vertexLat < maxLat:
			// By Napier's rules the cross-track angle x has
			// sin x = cos(lat)·sin(dLon); hav x = sin²x / (2(1 + cos x)),
			// written so as not to cancel for small x.
			sin2 := 4 * havDLon * (1 - havDLon) * q.cosLat * q.cosLat
			return lower(sin2 / (2 * (1 + math.Sqrt(1-sin2))))
		case vertexLat <= minLat:
			return lower(q.corner(minLat, havDLon))
		default:
			return lower(q.corner(maxLat, havDLon))
		}
	}
	// 90° or more away, the meridian bends away from the query point: the
	// distance has a single maximum along it, so the minimum is at an end.
	return lower(math.Min(q.corner(minLat, havDLon), q.corner(maxLat, havDLon)))
}

// corner is the haversine from the query point to the point at lat on a
// meridian whose longitude difference has haversine havDLon.
func (q *nearest) corner(lat, havDLon float64) float64 {
	return havLat(q.lat, lat) + q.cosLat*math.Cos(lat*rad)*havDLon
}

// lonGap returns the angle in degrees, in [0, 180], between two longitudes,
// the short way round.
func lonGap(a, b float64) float64 {
	d := math.Abs(a - b)
	if d > 180 {
		d = 360 - d
	}
	return d
}

// lower widens a box bound by more than the rounding of its formulas, which
// differ from the point formula's: a bound a hair too high would let a
// farther point out of the queue before a nearer one inside the box.
func lower(h float64) float64 {
	return h - h*1e-9 - 1e-20
}
