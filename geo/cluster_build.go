package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// buildClusterIndex does the work of NewClusterIndex on checked input.
//
// Like supercluster, it clusters the points at MaxZoom, then those clusters
// at MaxZoom-1, and so on up to MinZoom, each level being the input of the
// next. Each level is kept sorted by grid cell (clusterLevel), which is both
// how the next pass finds neighbours and how queries find entries.
//
// Parents are only known level by level, so the order of the leaves, where
// every entry's leaves form one run, is laid out at the end, top down.
func buildClusterIndex(points []ClusterPoint, o ClusterOptions) *ClusterIndex {
	n := len(points)
	top, last := o.MinZoom, o.MaxZoom+1
	ix := &ClusterIndex{opts: o, levels: make([]clusterLevel, last-top+1)}

	leaves := make([]clusterNode, n)
	for i, p := range points {
		// start holds the input position until the leaves are laid out.
		leaves[i] = clusterNode{x: fixedX(p.Point[0]), y: fixedY(p.Point[1]), start: uint32(i), count: 1}
	}
	// Scratch space for every level: no level is larger than the leaves,
	// and no pass makes more clusters than half of its entries, so the
	// buffer that sorts the leaves is then cut in two, for the clusters made
	// and for their sort.
	buf := make([]clusterNode, n+1)
	s := o.cellShift(last)
	copy(leaves, sortNodes(leaves, buf, s))
	tmp, made := buf[:n/2+1:n/2+1], buf[n/2+1:n/2+1]
	keys := make([]uint64, n)
	pos := make([]uint32, n)
	parent := make([]uint32, n)
	ix.levels[last-top] = clusterLevel{shift: s, nodes: leaves}

	// Each entry's parent, the position in the level above of the entry it
	// went into, is kept in its start until the leaves are laid out, but for
	// the leaves, whose start holds their input position.
	var leafParent []uint32
	var near []int
	madeAt := make([]int, last-top) // how many clusters each pass made
	for z := last - 1; z >= top; z-- {
		src := ix.levels[z+1-top]
		made, near = clusterPass(src, o.radius(z), uint32(o.MinPoints), made[:0], parent, keys, near)
		madeAt[z-top] = len(made)
		ix.levels[z-top] = regrid(src, o.cellShift(z), made, parent[:len(src.nodes)], tmp, pos)
		if z == last-1 {
			leafParent = slices.Clone(parent[:len(src.nodes)])
			continue
		}
		for j, k := range parent[:len(src.nodes)] {
			src.nodes[j].start = k
		}
	}

	// Lay the leaves out depth first: the top level's entries take
	// consecutive runs, and each entry of the next level takes the next free
	// part of its parent's run.
	var start uint32
	for i := range ix.levels[0].nodes {
		nd := &ix.levels[0].nodes[i]
		nd.start = start
		start += nd.count
	}
	ix.refs = make([]uint32, n)
	ix.points = make([]orb.Point, n)
	for l := 1; l < len(ix.levels); l++ {
		up := ix.levels[l-1].nodes
		next := pos[:len(up)]
		for k := range up {
			next[k] = up[k].start
		}
		nodes := ix.levels[l].nodes
		leafLevel := l == len(ix.levels)-1
		for j := range nodes {
			k := nodes[j].start
			if leafLevel {
				k = leafParent[j]
			}
			at := next[k]
			next[k] += nodes[j].count
			if leafLevel {
				p := points[nodes[j].start]
				ix.refs[at], ix.points[at] = p.Ref, p.Point
			}
			nodes[j].start = at
		}
	}
	ix.boxes = newLeafBoxes(ix.points)
	ix.compact(madeAt, pos)
	return ix
}

// A run of zooms is kept in one level when its entries are at most
// levelSlack times those shown at its lowest zoom, the zoom with the fewest,
// so that a query skips few entries shown at other zooms; and when it spans
// at most maxLevelZooms zooms, so that the cells, sized for the lowest zoom,
// stay small at the highest: at most 32 times its radius, about a screen.
const (
	levelSlack    = 1.5
	maxLevelZooms = 4
)

// compact keeps runs of zooms that differ little in one level each, where
// each entry is held once with the zooms it is shown at. Points are alone at
// the highest zooms and gather slowly: with a million points over France,
// zooms 16 to 19 have 3.6 million entries between them but only 1.1
// million different ones, and compacting saves 40 % of the index.
// madeAt[z-MinZoom] is how many clusters the pass of zoom z made; scratch
// holds at least one uint32 per point.
//
// An entry is the same at two zooms when it has the same run of leaves:
// a cluster made at a zoom holds at least two entries of the zoom above, so
// it cannot have the run of any of them.
func (ix *ClusterIndex) compact(madeAt []int, scratch []uint32) {
	top, last := ix.opts.MinZoom, ix.opts.MaxZoom+1
	for b := last; b >= top; {
		a, size := b, len(ix.level(b).nodes)
		for a > top && b-a+1 < maxLevelZooms &&
			float64(size+madeAt[a-1-top]) <= levelSlack*float64(len(ix.level(a-1).nodes)) {
			a--
			size += madeAt[a-top]
		}
		if a < b {
			ix.merge(a, b, size, scratch)
		}
		b = a - 1
	}
}

// merge makes one level of the zooms a to b, which hold size different
// entries between them.
//
// The entries of zoom a are already sorted by its cells, the level's: only
// the entries that end above a need a sort, and a merge puts them in place.
// Walking down from b, hi[k] is the highest zoom at which entry k of the
// current zoom is shown, and the entries that end are set aside.
func (ix *ClusterIndex) merge(a, b, size int, scratch []uint32) {
	cur := ix.level(b).nodes
	hi := make([]uint8, len(cur))
	for k := range hi {
		hi[k] = uint8(b)
	}
	var gone []clusterNode
	var goneLife []zoomRange
	// at[start] is the entry of the zoom below with that first leaf, if it
	// has one: starts are unique within a zoom, and a stale at is caught by
	// the comparison.
	at := scratch
	for z := b - 1; z >= a; z-- {
		next := ix.level(z).nodes
		nextHi := make([]uint8, len(next))
		for k, nd := range next {
			at[nd.start] = uint32(k)
			nextHi[k] = uint8(z)
		}
		for k, nd := range cur {
			if j := at[nd.start]; int(j) < len(next) && next[j].start == nd.start && next[j].count == nd.count {
				nextHi[j] = hi[k]
				continue
			}
			gone = append(gone, nd)
			goneLife = append(goneLife, zoomRange{uint8(z + 1), hi[k]})
		}
		cur, hi = next, nextHi
	}

	// Sort what ended by the cells of zoom a, start holding its position
	// in gone for a while so that its zooms follow.
	shift := ix.level(a).shift
	starts := make([]uint32, len(gone))
	for i := range gone {
		starts[i], gone[i].start = gone[i].start, uint32(i)
	}
	gone = sortNodes(gone, make([]clusterNode, len(gone)), shift)
	nodes := make([]clusterNode, 0, size)
	life := make([]zoomRange, 0, size)
	i, j := 0, 0
	for i < len(cur) || j < len(gone) {
		if j == len(gone) || i < len(cur) && cellKey(cur[i], shift) <= cellKey(gone[j], shift) {
			nodes = append(nodes, cur[i])
			life = append(life, zoomRange{uint8(a), hi[i]})
			i++
			continue
		}
		g := gone[j]
		k := g.start
		g.start = starts[k]
		nodes = append(nodes, g)
		life = append(life, goneLife[k])
		j++
	}
	lv := clusterLevel{shift: shift, nodes: nodes, life: life}
	for z := a; z <= b; z++ {
		ix.levels[z-ix.opts.MinZoom] = lv
	}
}

// radius returns the clustering radius at zoom z in fixed-point units.
func (o ClusterOptions) radius(z int) float64 {
	return o.Radius / float64(o.Extent) * math.Ldexp(fixedOne, -z)
}

// cellShift returns the grid shift of the level of zoom z: its cells are the
// smallest power of two no smaller than the radius at zoom z-1, the pass
// that reads this level. The radius doubles from one zoom to the one below,
// so the shift usually grows by one, which regrid relies on.
func (o ClusterOptions) cellShift(z int) uint {
	r := o.radius(z - 1)
	s := uint(0)
	for s < 32 && math.Ldexp(1, int(s)) < r {
		s++
	}
	return s
}

// In parent, during a pass, an entry is either not reached yet, left alone,
// or the index in made of the cluster that took it.
const (
	noParent = math.MaxUint32
	alone    = math.MaxUint32 - 1
)

// clusterPass decides how the entries of one zoom level are made out of
// those of the level below (src): it appends the new clusters to made and
// records in parent, for each entry of src, the cluster that took it, or
// alone. The start of each new cluster is len(src.nodes) plus its index in
// made, for regrid. keys and near are scratch space, near returned for
// reuse.
//
// It is supercluster's greedy pass: each entry not yet taken, in turn, takes
// every entry not yet taken within radius r of it; if together they hold at
// least minPoints points they become one cluster at their weighted centre,
// otherwise each stays as it is at this zoom. Entries are visited in grid
// order, so the pass is deterministic and its neighbour search needs no
// tree. Every entry before the current one has been visited, so is taken:
// only the rest of its own row's three cells and the three cells of the row
// below can hold neighbours, and a cursor that only moves forward finds the
// first of those.
func clusterPass(src clusterLevel, r float64, minPoints uint32, made []clusterNode, parent []uint32, keys []uint64, near []int) ([]clusterNode, []int) {
	nodes, shift := src.nodes, src.shift
	n := len(nodes)
	keys = keys[:n]
	for i, nd := range nodes {
		keys[i] = cellKey(nd, shift)
		parent[i] = noParent
	}
	r2 := r * r
	maxCell := uint64(1)<<(32-shift) - 1 // the last row or column
	below := 0                           // the cursor in the row below
	for i, p := range nodes {
		if parent[i] != noParent {
			continue
		}
		row, col := uint64(p.y>>shift), uint64(p.x>>shift)
		c0, c1 := col, min(col+1, maxCell)
		if c0 > 0 {
			c0--
		}
		near = near[:0]
		count := uint64(p.count)
		visit := func(j int, hi uint64) {
			for ; j < n && keys[j] <= hi; j++ {
				if parent[j] != noParent {
					continue
				}
				q := nodes[j]
				dx := float64(int64(q.x) - int64(p.x))
				dy := float64(int64(q.y) - int64(p.y))
				if dx*dx+dy*dy <= r2 {
					near = append(near, j)
					count += uint64(q.count)
				}
			}
		}
		visit(i+1, cellOf(row, c1, shift))
		if row < maxCell {
			// The visit is in key order, so this bound never decreases.
			lo := cellOf(row+1, c0, shift)
			for below < n && keys[below] < lo {
				below++
			}
			visit(below, cellOf(row+1, c1, shift))
		}

		if len(near) == 0 || count < uint64(minPoints) {
			// Too few to cluster: each stays alone at this zoom, and the
			// neighbours are taken so that none of them gathers the others.
			parent[i] = alone
			for _, j := range near {
				parent[j] = alone
			}
			continue
		}
		// The weighted centre is summed as offsets from p: small numbers,
		// which a float64 adds exactly. It is kept within the box of the
		// children, which a rounding could otherwise leave by a unit when
		// they are all on one line, and which Children relies on.
		c := uint32(len(made))
		parent[i] = c
		var sx, sy float64
		minX, maxX, minY, maxY := p.x, p.x, p.y, p.y
		for _, j := range near {
			parent[j] = c
			q := nodes[j]
			w := float64(q.count)
			sx += float64(int64(q.x)-int64(p.x)) * w
			sy += float64(int64(q.y)-int64(p.y)) * w
			minX, maxX = min(minX, q.x), max(maxX, q.x)
			minY, maxY = min(minY, q.y), max(maxY, q.y)
		}
		x := float64(p.x) + math.Round(sx/float64(count))
		y := float64(p.y) + math.Round(sy/float64(count))
		made = append(made, clusterNode{
			x:     uint32(max(float64(minX), min(float64(maxX), x))),
			y:     uint32(max(float64(minY), min(float64(maxY), y))),
			start: uint32(n) + c,
			count: uint32(count),
		})
	}
	return made, near
}

// regrid builds the level of the zoom above src, sorted with shift, out of
// the entries of src left alone and the clusters made, and turns parent
// into positions in it. tmp and pos are scratch space.
//
// The entries left alone are already in src's order. When the shift has not
// changed, that is the new order; when it grew by one, each new row is two
// old rows, each sorted by column: the entries of even and of odd old rows
// are two sorted runs. Either way the level is a merge of at most three
// sorted runs, the third being the clusters once sorted, which are few where
// levels are large: linear time, where sorting the level again would take
// several passes over it.
func regrid(src clusterLevel, shift uint, made []clusterNode, parent []uint32, tmp []clusterNode, pos []uint32) clusterLevel {
	n := len(src.nodes)
	kept := 0
	for _, p := range parent {
		if p == alone {
			kept++
		}
	}
	nodes := make([]clusterNode, kept+len(made))
	// Each entry's start says where it came from: an entry of src, or the
	// cluster len(src.nodes)+c.
	switch shift - src.shift {
	case 0, 1:
		made = sortNodes(made, tmp, shift)
		// Cursors on the even rows, the odd rows and the clusters; when the
		// shift has not changed, the even rows are all of them.
		rowBit := uint32(1) << src.shift
		e, o, c := 0, n, 0
		if shift == src.shift {
			rowBit = 0
		} else {
			o = nextAlone(src, parent, rowBit, rowBit, 0)
		}
		e = nextAlone(src, parent, rowBit, 0, 0)
		// The keys of the three heads; an exhausted run has a key above all.
		head := func(nodes []clusterNode, i int) uint64 {
			if i < len(nodes) {
				return cellKey(nodes[i], shift)
			}
			return math.MaxUint64
		}
		ke, ko, kc := head(src.nodes, e), head(src.nodes, o), head(made, c)
		for k := range nodes {
			var nd clusterNode
			switch {
			case ke <= ko && ke <= kc && e < n:
				nd = src.nodes[e]
				nd.start = uint32(e)
				e = nextAlone(src, parent, rowBit, 0, e+1)
				ke = head(src.nodes, e)
			case ko <= kc && o < n:
				nd = src.nodes[o]
				nd.start = uint32(o)
				o = nextAlone(src, parent, rowBit, rowBit, o+1)
				ko = head(src.nodes, o)
			default:
				nd = made[c]
				c++
				kc = head(made, c)
			}
			nodes[k] = nd
		}
	default:
		// cellShift grows by one at most, the radius doubling exactly from
		// one zoom to the next; were it to grow more, a sort is the general
		// answer.
		k := 0
		for j, p := range parent {
			if p == alone {
				nodes[k] = src.nodes[j]
				nodes[k].start = uint32(j)
				k++
			}
		}
		copy(nodes[k:], made)
		copy(nodes, sortNodes(nodes, make([]clusterNode, len(nodes)), shift))
	}
	// pos[c] is where cluster c went. Entries taken by a cluster follow it
	// before the entries left alone learn their own place, so that the two
	// kinds of numbers in parent are never confused.
	for k, nd := range nodes {
		if int(nd.start) >= n {
			pos[int(nd.start)-n] = uint32(k)
		}
	}
	for j, p := range parent {
		if p != alone {
			parent[j] = pos[p]
		}
	}
	for k, nd := range nodes {
		if int(nd.start) < n {
			parent[nd.start] = uint32(k)
		}
	}
	return clusterLevel{shift: shift, nodes: nodes}
}

// nextAlone returns the first entry of src at or after j left alone whose
// row has the parity bit (rowBit&y == want), or len(src.nodes).
func nextAlone(src clusterLevel, parent []uint32, rowBit, want uint32, j int) int {
	for j < len(src.nodes) && (parent[j] != alone || src.nodes[j].y&rowBit != want) {
		j++
	}
	return j
}

// boxFanout is how many leaves, or boxes, each box of leafBoxes covers.
const boxFanout = 16

// leafBoxes holds, for the leaves in tree order, the bounding box of each
// run of 16 of them, of each run of 16 such boxes, and so on up. Every
// entry's leaves are one run, so its bounding box is the union of at most
// 30 boxes or leaves per level: a few hundred steps for a cluster of a
// million points, in 2 bytes per point, where a box per entry and level
// would cost 32 bytes per entry and level.
type leafBoxes [][]leafBox

// leafBox is a bounding box with plain comparisons: points have passed
// CheckPoint, so the NaN handling of min and max is not needed.
type leafBox struct{ minLon, minLat, maxLon, maxLat float64 }

func emptyBox() leafBox {
	inf := math.Inf(1)
	return leafBox{inf, inf, -inf, -inf}
}

func (b *leafBox) addPoint(p orb.Point) {
	if p[0] < b.minLon {
		b.minLon = p[0]
	}
	if p[0] > b.maxLon {
		b.maxLon = p[0]
	}
	if p[1] < b.minLat {
		b.minLat = p[1]
	}
	if p[1] > b.maxLat {
		b.maxLat = p[1]
	}
}

func (b *leafBox) addBox(c *leafBox) {
	if c.minLon < b.minLon {
		b.minLon = c.minLon
	}
	if c.maxLon > b.maxLon {
		b.maxLon = c.maxLon
	}
	if c.minLat < b.minLat {
		b.minLat = c.minLat
	}
	if c.maxLat > b.maxLat {
		b.maxLat = c.maxLat
	}
}

func newLeafBoxes(points []orb.Point) leafBoxes {
	var lb leafBoxes
	if len(points) == 0 {
		return lb
	}
	level := make([]leafBox, (len(points)+boxFanout-1)/boxFanout)
	for k := range level {
		b := emptyBox()
		for _, p := range points[k*boxFanout : min(len(points), (k+1)*boxFanout)] {
			b.addPoint(p)
		}
		level[k] = b
	}
	lb = append(lb, level)
	for len(level) > 1 {
		up := make([]leafBox, (len(level)+boxFanout-1)/boxFanout)
		for k := range up {
			b := emptyBox()
			for i := k * boxFanout; i < min(len(level), (k+1)*boxFanout); i++ {
				b.addBox(&level[i])
			}
			up[k] = b
		}
		lb = append(lb, up)
		level = up
	}
	return lb
}

// bound returns the bounding box of points[lo:hi], the leaves in tree order.
func (lb leafBoxes) bound(points []orb.Point, lo, hi int) orb.Bound {
	b := emptyBox()
	for lo < hi && lo%boxFanout != 0 {
		b.addPoint(points[lo])
		lo++
	}
	for hi > lo && hi%boxFanout != 0 {
		hi--
		b.addPoint(points[hi])
	}
	lo, hi = lo/boxFanout, hi/boxFanout
	for _, level := range lb {
		if lo >= hi {
			break
		}
		for lo < hi && lo%boxFanout != 0 {
			b.addBox(&level[lo])
			lo++
		}
		for hi > lo && hi%boxFanout != 0 {
			hi--
			b.addBox(&level[hi])
		}
		lo, hi = lo/boxFanout, hi/boxFanout
	}
	return orb.Bound{Min: orb.Point{b.minLon, b.minLat}, Max: orb.Point{b.maxLon, b.maxLat}}
}
