package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

var world = orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}

// clusterTestPoints returns about 20,000 points: metropolitan France and the
// overseas territories of testRegions (three of them near the antimeridian),
// points on both sides of the antimeridian and on it, points beyond the
// Mercator square, heaps of exact duplicates (actors geocoded to their
// commune's centre) and single duplicates. Refs are the positions, so that
// the leaves of a zoom can be checked to be a permutation of them.
func clusterTestPoints(seed uint64) []ClusterPoint {
	rnd := rand.New(rand.NewPCG(seed, 1))
	var pts []orb.Point
	for _, reg := range testRegions {
		for range reg.n * 3 {
			pts = append(pts, reg.random(rnd))
		}
	}
	for _, lon := range []float64{179.99, -179.99, 180, -180, 179.5, -179.5} {
		for range 4 {
			pts = append(pts, orb.Point{lon, -16 + rnd.Float64()*2})
		}
	}
	pts = append(pts, orb.Point{0, 89}, orb.Point{0.001, 89.5}, orb.Point{10, -90}, orb.Point{-10, 90})
	for range 20 {
		heap := pts[rnd.IntN(len(pts))]
		for range 1 + rnd.IntN(150) {
			pts = append(pts, heap)
		}
	}
	for range 300 {
		pts = append(pts, pts[rnd.IntN(len(pts))])
	}
	rnd.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
	out := make([]ClusterPoint, len(pts))
	for i, p := range pts {
		out[i] = ClusterPoint{Ref: uint32(i), Point: p}
	}
	return out
}

// clusterTestOptions are the option sets every property is checked with.
var clusterTestOptions = []struct {
	name string
	opts ClusterOptions
}{
	{"default", DefaultClusterOptions()},
	{"MapLibre", ClusterOptions{Radius: 40, Extent: 512, MinZoom: 2, MaxZoom: 16, MinPoints: 2}},
	{"MinPoints5", ClusterOptions{Radius: 80, Extent: 256, MinZoom: 0, MaxZoom: 14, MinPoints: 5}},
	{"radius0", ClusterOptions{Radius: 0, Extent: 256, MinZoom: 0, MaxZoom: 5, MinPoints: 2}},
	{"huge radius", ClusterOptions{Radius: 2000, Extent: 256, MinZoom: 0, MaxZoom: 20, MinPoints: 3}},
}

// clusterTestIndexes builds the test points with each option set once per
// test binary.
var clusterTestIndexes = sync.OnceValue(func() map[string]*ClusterIndex {
	pts := clusterTestPoints(1)
	m := make(map[string]*ClusterIndex)
	for _, tc := range clusterTestOptions {
		ix, err := NewClusterIndex(pts, tc.opts)
		if err != nil {
			panic(err)
		}
		m[tc.name] = ix
	}
	return m
})

func forEachClusterIndex(t *testing.T, fn func(t *testing.T, ix *ClusterIndex)) {
	for _, tc := range clusterTestOptions {
		t.Run(tc.name, func(t *testing.T) { fn(t, clusterTestIndexes()[tc.name]) })
	}
}

// allClusters returns every entry of a zoom, the brute-force answer that
// Clusters is checked against.
func allClusters(ix *ClusterIndex, zoom int) []Cluster {
	z := ix.clampZoom(zoom)
	var out []Cluster
	for i := range ix.level(z).nodes {
		if ix.level(z).alive(i, z) {
			out = append(out, ix.entry(z, i))
		}
	}
	return out
}

func zoomOf(id uint64) int { return int(id&31) - 1 }

func (ix *ClusterIndex) zooms() []int {
	var zs []int
	for z := ix.opts.MinZoom; z <= ix.opts.MaxZoom+1; z++ {
		zs = append(zs, z)
	}
	return zs
}

// TestClusterPartition checks that at every zoom the entries of the whole
// world count every point once, and that their leaves are all the refs.
func TestClusterPartition(t *testing.T) {
	forEachClusterIndex(t, func(t *testing.T, ix *ClusterIndex) {
		n := ix.Len()
		// Zooms out of range are clamped: one below MinZoom, one above.
		for _, z := range append(ix.zooms(), ix.opts.MinZoom-1, ix.opts.MaxZoom+5) {
			got := ix.Clusters(world, z)
			sum := 0
			seen := make([]bool, n)
			for _, c := range got {
				sum += c.Count
				leaves, err := ix.Leaves(c.ID, -1, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range leaves {
					if seen[ref] {
						t.Fatalf("zoom %d: ref %d in two entries", z, ref)
					}
					seen[ref] = true
				}
			}
			if sum != n {
				t.Fatalf("zoom %d: counts add up to %d, want %d", z, sum, n)
			}
			if i := slices.Index(seen, false); i >= 0 {
				t.Fatalf("zoom %d: ref %d in no entry", z, i)
			}
			if len(got) != len(allClusters(ix, z)) {
				t.Fatalf("zoom %d: whole world gives %d entries of %d", z, len(got), len(allClusters(ix, z)))
			}
		}
		// Fewer entries as the map zooms out, down to a handful.
		prev := math.MaxInt
		for _, z := range slices.Backward(ix.zooms()) {
			if k := len(allClusters(ix, z)); k > prev {
				t.Errorf("zoom %d has %d entries, more than %d at zoom %d", z, k, prev, z+1)
			} else {
				prev = k
			}
		}
	})
}

// TestClusterAlone checks that above MaxZoom every point is alone, with its
// own point and ref.
func TestClusterAlone(t *testing.T) {
	pts := clusterTestPoints(1)
	forEachClusterIndex(t, func(t *testing.T, ix *ClusterIndex) {
		for _, z := range []int{ix.opts.MaxZoom + 1, ix.opts.MaxZoom + 2, 30} {
			got := ix.Clusters(world, z)
			if len(got) != len(pts) {
				t.Fatalf("zoom %d: %d entries, want %d", z, len(got), len(pts))
			}
			for _, c := range got {
				p := pts[c.Ref]
				if c.Count != 1 || c.Point != p.Point || c.Bound != p.Point.Bound() {
					t.Fatalf("zoom %d: %+v for point %+v", z, c, p)
				}
				if zoomOf(c.ID) != ix.opts.MaxZoom+1 {
					t.Fatalf("zoom %d: ID %d says zoom %d", z, c.ID, zoomOf(c.ID))
				}
			}
		}
		// And at MaxZoom some are still together, or the test proves little.
		if got := len(ix.Clusters(world, ix.opts.MaxZoom)); got == len(pts) {
			t.Errorf("no cluster at MaxZoom")
		}
	})
}

// TestClusterTree checks each entry of each zoom against its leaves, its
// children and its expansion zoom.
func TestClusterTree(t *testing.T) {
	pts := clusterTestPoints(1)
	forEachClusterIndex(t, func(t *testing.T, ix *ClusterIndex) {
		last := ix.opts.MaxZoom + 1
		// holders[z][ref] is the entry of zoom z that holds ref.
		holders := make(map[int][]uint64)
		for _, z := range ix.zooms() {
			h := make([]uint64, ix.Len())
			for _, c := range allClusters(ix, z) {
				leaves, _ := ix.Leaves(c.ID, -1, 0)
				for _, ref := range leaves {
					h[ref] = c.ID
				}
			}
			holders[z] = h
		}
		entriesHolding := func(z int, refs []uint32) int {
			ids := make(map[uint64]bool)
			for _, ref := range refs {
				ids[holders[z][ref]] = true
			}
			return len(ids)
		}
		for _, z := range ix.zooms() {
			for _, c := range allClusters(ix, z) {
				if zoomOf(c.ID) != z || c.ID == 0 {
					t.Fatalf("zoom %d: ID %d says zoom %d", z, c.ID, zoomOf(c.ID))
				}
				if got, err := ix.Cluster(c.ID); err != nil || got != c {
					t.Fatalf("Cluster(%d) = %+v, %v, want %+v", c.ID, got, err, c)
				}
				leaves, err := ix.Leaves(c.ID, -1, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(leaves) != c.Count {
					t.Fatalf("zoom %d: %d leaves for Count %d", z, len(leaves), c.Count)
				}
				if c.Count == 1 && (leaves[0] != c.Ref || pts[c.Ref].Point != c.Point) {
					t.Fatalf("zoom %d: point alone %+v has leaf %d", z, c, leaves[0])
				}
				if c.Count > 1 && c.Ref != 0 {
					t.Fatalf("zoom %d: cluster %+v has a ref", z, c)
				}
				b := orb.Bound{Min: pts[leaves[0]].Point, Max: pts[leaves[0]].Point}
				for _, ref := range leaves {
					b = b.Extend(pts[ref].Point)
				}
				if b != c.Bound {
					t.Fatalf("zoom %d: Bound %v, leaves span %v", z, c.Bound, b)
				}
				if !c.Bound.Contains(c.Point) {
					t.Fatalf("zoom %d: Point %v outside Bound %v", z, c.Point, c.Bound)
				}

				children, err := ix.Children(c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if z == last {
					if len(children) != 0 {
						t.Fatalf("zoom %d: %d children above MaxZoom", z, len(children))
					}
				} else {
					var fromChildren []uint32
					for _, ch := range children {
						if zoomOf(ch.ID) != z+1 {
							t.Fatalf("zoom %d: child at zoom %d", z, zoomOf(ch.ID))
						}
						l, _ := ix.Leaves(ch.ID, -1, 0)
						fromChildren = append(fromChildren, l...)
					}
					if !slices.Equal(fromChildren, leaves) {
						t.Fatalf("zoom %d: children's leaves %v, want %v", z, head(fromChildren), head(leaves))
					}
				}

				ez, err := ix.ExpansionZoom(c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if c.Count == 1 {
					if ez != last {
						t.Fatalf("zoom %d: ExpansionZoom of a point alone = %d, want %d", z, ez, last)
					}
					continue
				}
				if ez <= z || ez > last {
					t.Fatalf("zoom %d: ExpansionZoom = %d", z, ez)
				}
				// Whole up to ez-1, split at ez (MaxZoom+1 splits everything).
				if n := entriesHolding(ez-1, leaves); n != 1 {
					t.Fatalf("zoom %d: ExpansionZoom %d, but %d entries at %d", z, ez, n, ez-1)
				}
				if n := entriesHolding(ez, leaves); n < 2 {
					t.Fatalf("zoom %d: ExpansionZoom %d, but the leaves are still together there", z, ez)
				}
			}
		}
	})
}

func head(s []uint32) []uint32 { return s[:min(len(s), 8)] }

// TestClustersRandom checks Clusters on random bounds and zooms against a
// scan of every entry of the zoom.
func TestClustersRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	forEachClusterIndex(t, func(t *testing.T, ix *ClusterIndex) {
		all := make(map[int][]Cluster)
		for _, z := range ix.zooms() {
			all[z] = allClusters(ix, z)
		}
		for i := range 400 {
			z := ix.opts.MinZoom - 1 + rnd.IntN(ix.opts.MaxZoom-ix.opts.MinZoom+4)
			b := randomClusterBound(rnd, i)
			got := ix.Clusters(b, z)
			var want []Cluster
			for _, c := range all[ix.clampZoom(z)] {
				if boundHas(b, c.Point) {
					want = append(want, c)
				}
			}
			byID := func(a, b Cluster) int { return cmp.Compare(a.ID, b.ID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(want, byID)
			if !slices.Equal(got, want) {
				t.Fatalf("Clusters(%v, %d): %d entries, want %d", b, z, len(got), len(want))
			}
		}
	})
}

// randomClusterBound draws bounds of every size, from a city block to the
// world, over France, the overseas territories and across the antimeridian.
func randomClusterBound(rnd *rand.Rand, i int) orb.Bound {
	switch i % 10 {
	case 0:
		return world
	case 1: // across the antimeridian, by Wallis and Fiji
		return orb.Bound{Min: orb.Point{170 + rnd.Float64()*10, -30 + rnd.Float64()*10}, Max: orb.Point{-180 + rnd.Float64()*10, -10 + rnd.Float64()*10}}
	case 2: // the whole width, cut in two anywhere
		lon := -180 + rnd.Float64()*360
		return orb.Bound{Min: orb.Point{lon, -90}, Max: orb.Point{math.Nextafter(lon, -180), 90}}
	case 3: // the poles, beyond the Mercator square
		return orb.Bound{Min: orb.Point{-20, 80 + rnd.Float64()*9}, Max: orb.Point{20, 90}}
	}
	reg := testRegions[rnd.IntN(len(testRegions))]
	c := reg.random(rnd)
	size := math.Pow(10, -3+rnd.Float64()*4) // 0.001° to 10°
	b := orb.Bound{Min: orb.Point{c[0] - size, c[1] - size*0.7}, Max: orb.Point{c[0] + size, c[1] + size*0.7}}
	b.Min[0], b.Max[0] = max(b.Min[0], -180), min(b.Max[0], 180)
	b.Min[1], b.Max[1] = max(b.Min[1], -90), min(b.Max[1], 90)
	return b
}

func boundHas(b orb.Bound, p orb.Point) bool {
	inLon := b.Min[0] <= p[0] && p[0] <= b.Max[0]
	if b.Min[0] > b.Max[0] {
		inLon = p[0] >= b.Min[0] || p[0] <= b.Max[0]
	}
	return inLon && b.Min[1] <= p[1] && p[1] <= b.Max[1]
}

// refEntry is an entry of the reference clustering: its centre and the
// input positions of its points, and its rank within its grid cell.
type refEntry struct {
	node      clusterNode
	leaves    []uint32
	run, made int
}

// referenceClusters is supercluster's algorithm written the plain way, with
// a scan of the whole level for the neighbours of each entry and a sort of
// each level, to check the grid sweep and the merges of the index.
//
// Greedy clustering depends on the order of the visit, which is the index's
// grid order. Within a cell, the index keeps first the entries left alone
// from even rows of the level below, then those from odd rows (the merge of
// regrid), then new clusters, each in the order they had or were made in:
// the reference sorts by that rank, which it does not need to merge.
func referenceClusters(points []ClusterPoint, o ClusterOptions) map[int][]refEntry {
	levels := make(map[int][]refEntry)
	var cur []refEntry
	for i, p := range points {
		cur = append(cur, refEntry{node: clusterNode{x: fixedX(p.Point[0]), y: fixedY(p.Point[1]), count: 1}, leaves: []uint32{uint32(i)}, made: i})
	}
	sortRef := func(l []refEntry, z int) {
		s := o.cellShift(z)
		slices.SortFunc(l, func(a, b refEntry) int {
			return cmp.Or(cmp.Compare(cellKey(a.node, s), cellKey(b.node, s)), cmp.Compare(a.run, b.run), cmp.Compare(a.made, b.made))
		})
	}
	last := o.MaxZoom + 1
	sortRef(cur, last)
	levels[last] = cur
	for z := last - 1; z >= o.MinZoom; z-- {
		r := o.radius(z)
		oldShift, newShift := o.cellShift(z+1), o.cellShift(z)
		taken := make([]bool, len(cur))
		var next []refEntry
		keep := func(j int) {
			e := cur[j]
			e.run, e.made = 0, j
			if newShift == oldShift+1 && oldShift < 32 && e.node.y>>oldShift&1 == 1 {
				e.run = 1
			}
			next = append(next, e)
		}
		made := 0
		for i, p := range cur {
			if taken[i] {
				continue
			}
			taken[i] = true
			var near []int
			count := p.node.count
			for j := i + 1; j < len(cur); j++ {
				q := cur[j].node
				dx, dy := float64(int64(q.x)-int64(p.node.x)), float64(int64(q.y)-int64(p.node.y))
				if !taken[j] && dx*dx+dy*dy <= r*r {
					near = append(near, j)
					count += q.count
				}
			}
			for _, j := range near {
				taken[j] = true
			}
			if len(near) == 0 || count < uint32(o.MinPoints) {
				keep(i)
				for _, j := range near {
					keep(j)
				}
				continue
			}
			var sx, sy float64
			e := refEntry{leaves: slices.Clone(p.leaves), run: 2, made: made}
			made++
			for _, j := range near {
				q := cur[j].node
				sx += float64(int64(q.x)-int64(p.node.x)) * float64(q.count)
				sy += float64(int64(q.y)-int64(p.node.y)) * float64(q.count)
				e.leaves = append(e.leaves, cur[j].leaves...)
			}
			e.node = clusterNode{
				x:     uint32(float64(p.node.x) + math.Round(sx/float64(count))),
				y:     uint32(float64(p.node.y) + math.Round(sy/float64(count))),
				count: count,
			}
			next = append(next, e)
		}
		sortRef(next, z)
		levels[z] = next
		cur = next
	}
	return levels
}

// TestClusterReference compares the index with the plain algorithm, entry
// by entry, on a smaller set (the reference is quadratic). Entries are
// matched by their leaves: where the index keeps several zooms in one level,
// its order is not the reference's.
func TestClusterReference(t *testing.T) {
	all := clusterTestPoints(3)
	var pts []ClusterPoint
	for i, p := range all[:3000] {
		pts = append(pts, ClusterPoint{Ref: uint32(i), Point: p.Point})
	}
	for _, tc := range clusterTestOptions {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := NewClusterIndex(pts, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			ref := referenceClusters(pts, tc.opts)
			for _, z := range ix.zooms() {
				want := make(map[string]clusterNode)
				for _, e := range ref[z] {
					slices.Sort(e.leaves)
					want[fmt.Sprint(e.leaves)] = e.node
				}
				got := allClusters(ix, z)
				if len(got) != len(want) {
					t.Fatalf("zoom %d: %d entries, want %d", z, len(got), len(want))
				}
				for _, c := range got {
					_, i, _ := ix.lookup(c.ID)
					nd := ix.level(z).nodes[i]
					leaves := slices.Clone(ix.refs[nd.start : nd.start+nd.count])
					slices.Sort(leaves)
					w, ok := want[fmt.Sprint(leaves)]
					if !ok {
						t.Fatalf("zoom %d: entry %+v with leaves %v not in the reference", z, nd, head(leaves))
					}
					if nd.x != w.x || nd.y != w.y || nd.count != w.count {
						t.Fatalf("zoom %d: entry %+v, want %+v", z, nd, w)
					}
				}
			}
		})
	}
}

// TestClusterCompact checks that zooms are kept together where they differ
// little, which is what keeps the index small, and that an entry is found
// under its IDs at the zooms it is shown at only.
func TestClusterCompact(t *testing.T) {
	ix := clusterTestIndexes()["default"]
	shared := 0
	for _, z := range ix.zooms() {
		lv := ix.level(z)
		if lv.life == nil {
			continue
		}
		shared++
		for i, l := range lv.life {
			id := uint64(i)<<5 | uint64(z+1)
			_, err := ix.Cluster(id)
			if alive := int(l.lo) <= z && z <= int(l.hi); alive != (err == nil) {
				t.Fatalf("zoom %d: entry %d shown at %d to %d, Cluster(%d) = %v", z, i, l.lo, l.hi, id, err)
			}
		}
	}
	if shared < 2 {
		t.Errorf("%d zooms share a level, want some", shared)
	}
}

// TestClusterDeterministic builds the same points twice and from a copy,
// and expects the very same answers.
func TestClusterDeterministic(t *testing.T) {
	pts := clusterTestPoints(1)
	a := clusterTestIndexes()["default"]
	b, err := NewClusterIndex(slices.Clone(pts), DefaultClusterOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range a.zooms() {
		if !slices.Equal(a.Clusters(world, z), b.Clusters(world, z)) {
			t.Fatalf("zoom %d differs between two builds", z)
		}
	}
}

func TestClusterSmall(t *testing.T) {
	paris := orb.Point{2.3522, 48.8566}
	// About 22 m east of Paris: 60 pixels at zoom 18 are 0.00032° of
	// longitude, about 24 m at this latitude.
	near := orb.Point{2.3525, 48.8566}
	lyon := orb.Point{4.8357, 45.7640}
	tests := []struct {
		name   string
		points []orb.Point
		opts   ClusterOptions
		zoom   int
		counts []int // sorted
	}{
		{"empty", nil, DefaultClusterOptions(), 5, nil},
		{"one", []orb.Point{paris}, DefaultClusterOptions(), 0, []int{1}},
		{"two near at zoom 0", []orb.Point{paris, near}, DefaultClusterOptions(), 0, []int{2}},
		{"two near at MaxZoom", []orb.Point{paris, near}, DefaultClusterOptions(), 18, []int{2}},
		{"two near above MaxZoom", []orb.Point{paris, near}, DefaultClusterOptions(), 19, []int{1, 1}},
		{"Paris and Lyon at zoom 3", []orb.Point{paris, lyon}, DefaultClusterOptions(), 3, []int{2}},
		{"Paris and Lyon at zoom 6", []orb.Point{paris, lyon}, DefaultClusterOptions(), 6, []int{1, 1}},
		{"duplicates at MaxZoom", []orb.Point{paris, paris, paris}, DefaultClusterOptions(), 18, []int{3}},
		{"too few for MinPoints", []orb.Point{paris, paris, near}, ClusterOptions{Radius: 60, Extent: 256, MaxZoom: 18, MinPoints: 4}, 0, []int{1, 1, 1}},
		{"enough for MinPoints", []orb.Point{paris, paris, near, near}, ClusterOptions{Radius: 60, Extent: 256, MaxZoom: 18, MinPoints: 4}, 0, []int{4}},
		{"radius 0 keeps duplicates only", []orb.Point{paris, paris, near}, ClusterOptions{Radius: 0, Extent: 256, MaxZoom: 18, MinPoints: 2}, 0, []int{1, 2}},
		{"no clustering across the antimeridian", []orb.Point{{179.999, -16}, {-179.999, -16}}, DefaultClusterOptions(), 0, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pts []ClusterPoint
			for i, p := range tt.points {
				pts = append(pts, ClusterPoint{Ref: uint32(i + 1), Point: p})
			}
			ix, err := NewClusterIndex(pts, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var counts []int
			for _, c := range ix.Clusters(world, tt.zoom) {
				counts = append(counts, c.Count)
			}
			slices.Sort(counts)
			if !slices.Equal(counts, tt.counts) {
				t.Errorf("counts %v, want %v", counts, tt.counts)
			}
		})
	}
}

func TestClusterExpansionZoom(t *testing.T) {
	paris := orb.Point{2.3522, 48.8566}
	tests := []struct {
		name   string
		points []orb.Point
		want   int
	}{
		// 0.01° of longitude is 1/36,000 of the world's width, which is
		// within 60 pixels of 256·2^z up to zoom 13.04: apart from zoom 14.
		{"two 0.01° apart", []orb.Point{paris, {paris[0] + 0.01, paris[1]}}, 14},
		// 0.1°: within 60 pixels up to zoom 9.7.
		{"two 0.1° apart", []orb.Point{paris, {paris[0] + 0.1, paris[1]}}, 10},
		{"duplicates", []orb.Point{paris, paris}, 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pts []ClusterPoint
			for i, p := range tt.points {
				pts = append(pts, ClusterPoint{Ref: uint32(i), Point: p})
			}
			ix, err := NewClusterIndex(pts, DefaultClusterOptions())
			if err != nil {
				t.Fatal(err)
			}
			c := ix.Clusters(world, 0)
			if len(c) != 1 {
				t.Fatalf("%d entries at zoom 0, want 1", len(c))
			}
			if got, err := ix.ExpansionZoom(c[0].ID); err != nil || got != tt.want {
				t.Errorf("ExpansionZoom = %d, %v, want %d", got, err, tt.want)
			}
		})
	}
}

func TestClusterLeavesPaging(t *testing.T) {
	ix := clusterTestIndexes()["default"]
	var big Cluster
	for _, c := range ix.Clusters(world, 3) {
		if c.Count > big.Count {
			big = c
		}
	}
	all, err := ix.Leaves(big.ID, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := len(all)
	tests := []struct {
		name          string
		limit, offset int
		want          []uint32
	}{
		{"first page", 10, 0, all[:10]},
		{"second page", 10, 10, all[10:20]},
		{"last page", 10, n - 5, all[n-5:]},
		{"past the end", 10, n, []uint32{}},
		{"far past the end", 10, n + 100, []uint32{}},
		{"no limit", -1, 3, all[3:]},
		{"zero limit", 0, 3, []uint32{}},
		{"huge limit", math.MaxInt, 1, all[1:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ix.Leaves(big.ID, tt.limit, tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Leaves(%d, %d) = %v, want %v", tt.limit, tt.offset, head(got), head(tt.want))
			}
		})
	}
	t.Run("ErrNegativeOffset", func(t *testing.T) {
		if _, err := ix.Leaves(big.ID, 10, -1); err == nil {
			t.Error("no error for a negative offset")
		}
	})
	t.Run("a copy", func(t *testing.T) {
		got, _ := ix.Leaves(big.ID, 1, 0)
		got[0]++
		if again, _ := ix.Leaves(big.ID, 1, 0); again[0] != all[0] {
			t.Error("Leaves returned the index's own memory")
		}
	})
}

func TestClusterUnknownID(t *testing.T) {
	ix := clusterTestIndexes()["MapLibre"] // zooms 2 to 17
	n := uint64(len(ix.level(10).nodes))
	for _, id := range []uint64{0, 1 << 5, 2, 31, n<<5 | 11, math.MaxUint64, 18 + 1} {
		t.Run(fmt.Sprint(id), func(t *testing.T) {
			if _, err := ix.Cluster(id); !errors.Is(err, ErrClusterNotFound) {
				t.Errorf("Cluster: %v", err)
			}
			if _, err := ix.Children(id); !errors.Is(err, ErrClusterNotFound) {
				t.Errorf("Children: %v", err)
			}
			if _, err := ix.Leaves(id, 1, 0); !errors.Is(err, ErrClusterNotFound) {
				t.Errorf("Leaves: %v", err)
			}
			if _, err := ix.ExpansionZoom(id); !errors.Is(err, ErrClusterNotFound) {
				t.Errorf("ExpansionZoom: %v", err)
			}
		})
	}
}

func TestNewClusterIndexErrors(t *testing.T) {
	ok := []ClusterPoint{{Ref: 1, Point: orb.Point{2.35, 48.85}}}
	with := func(f func(o *ClusterOptions)) ClusterOptions {
		o := DefaultClusterOptions()
		f(&o)
		return o
	}
	tests := []struct {
		name    string
		points  []ClusterPoint
		opts    ClusterOptions
		wantErr string
	}{
		{"OK", ok, DefaultClusterOptions(), ""},
		{"OK no points", nil, DefaultClusterOptions(), ""},
		{"OK MaxZoom 24", ok, with(func(o *ClusterOptions) { o.MaxZoom = 24 }), ""},
		{"OK MinZoom equals MaxZoom", ok, with(func(o *ClusterOptions) { o.MinZoom, o.MaxZoom = 5, 5 }), ""},
		{"ErrZeroOptions", ok, ClusterOptions{}, "geo: cluster extent must be at least 1 pixel"},
		{"ErrRadiusNegative", ok, with(func(o *ClusterOptions) { o.Radius = -1 }), "geo: cluster radius must be a number of pixels, 0 or more"},
		{"ErrRadiusNaN", ok, with(func(o *ClusterOptions) { o.Radius = math.NaN() }), "geo: cluster radius must be a number of pixels, 0 or more"},
		{"ErrRadiusInf", ok, with(func(o *ClusterOptions) { o.Radius = math.Inf(1) }), "geo: cluster radius must be a number of pixels, 0 or more"},
		{"ErrMinZoomNegative", ok, with(func(o *ClusterOptions) { o.MinZoom = -1 }), "geo: cluster minZoom must be between 0 and maxZoom"},
		{"ErrMinZoomAboveMaxZoom", ok, with(func(o *ClusterOptions) { o.MinZoom = 19 }), "geo: cluster minZoom must be between 0 and maxZoom"},
		{"ErrMaxZoom", ok, with(func(o *ClusterOptions) { o.MaxZoom = 25 }), "geo: cluster maxZoom must be between minZoom and 24"},
		{"ErrMinPoints", ok, with(func(o *ClusterOptions) { o.MinPoints = 1 }), "geo: cluster minPoints must be at least 2"},
		{"ErrPointLat", []ClusterPoint{ok[0], {Ref: 7, Point: orb.Point{2, 91}}}, DefaultClusterOptions(), "geo: point 1 (ref 7): lat must be between -90 and 90"},
		{"ErrPointNaN", []ClusterPoint{{Ref: 3, Point: orb.Point{math.NaN(), 0}}}, DefaultClusterOptions(), "geo: point 0 (ref 3): lon must be between -180 and 180"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := NewClusterIndex(tt.points, tt.opts)
			if tt.wantErr == "" {
				if err != nil || ix == nil {
					t.Fatalf("NewClusterIndex: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	t.Run("point errors wrap a CoordError", func(t *testing.T) {
		_, err := NewClusterIndex([]ClusterPoint{{Point: orb.Point{0, 100}}}, DefaultClusterOptions())
		var ce *CoordError
		if !errors.As(err, &ce) || ce.Field != "lat" {
			t.Errorf("error %v, want a *CoordError on lat", err)
		}
	})
}

// TestClusterConcurrentReaders runs queries from several goroutines on one
// index; under -race it checks that readers share it with no lock.
func TestClusterConcurrentReaders(t *testing.T) {
	ix := clusterTestIndexes()["default"]
	want := ix.Clusters(world, 6)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 50 {
				b := randomClusterBound(rnd, i)
				for _, c := range ix.Clusters(b, rnd.IntN(20)) {
					if _, err := ix.Children(c.ID); err != nil {
						t.Error(err)
					}
					if _, err := ix.ExpansionZoom(c.ID); err != nil {
						t.Error(err)
					}
				}
			}
			if !slices.Equal(ix.Clusters(world, 6), want) {
				t.Error("answers changed under concurrent reads")
			}
		})
	}
	wg.Wait()
}

// TestRegrid checks the level regrid makes from a pass, for a shift that
// stays, grows by one (what cellShift gives) or jumps: sorted by the new
// cells, every entry left alone kept once, every cluster once, and parent
// pointing at each entry's new place.
func TestRegrid(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	for _, shift := range []uint{0, 8, 16, 30, 31} {
		for _, step := range []uint{0, 1, 2} {
			if shift+step > 32 {
				continue
			}
			t.Run(fmt.Sprintf("shift %d+%d", shift, step), func(t *testing.T) {
				n := 3000
				src := clusterLevel{shift: shift, nodes: make([]clusterNode, n)}
				// Crowded enough for a radius of one cell to gather some.
				span := uint32(min(uint64(60)<<shift, 1<<31))
				for i := range src.nodes {
					src.nodes[i] = clusterNode{x: 1<<30 + rnd.Uint32N(span), y: 1<<30 + rnd.Uint32N(span), count: 1 + rnd.Uint32N(3)}
				}
				src.nodes = sortNodes(src.nodes, make([]clusterNode, n), shift)
				parent := make([]uint32, n)
				made, _ := clusterPass(src, math.Ldexp(1, int(shift)), 2, nil, parent, make([]uint64, n), nil)
				clusters := len(made)
				lv := regrid(src, shift+step, made, parent, make([]clusterNode, n), make([]uint32, n))

				if !slices.IsSortedFunc(lv.nodes, func(a, b clusterNode) int {
					return cmp.Compare(cellKey(a, lv.shift), cellKey(b, lv.shift))
				}) {
					t.Fatal("level not sorted by its cells")
				}
				var total, fromClusters uint32
				for _, nd := range lv.nodes {
					total += nd.count
				}
				taken := make(map[uint32]uint32) // cluster position: count of its children
				for j, k := range parent {
					nd, p := src.nodes[j], lv.nodes[k]
					if p.count == nd.count && p.x == nd.x && p.y == nd.y {
						continue // left alone (or a cluster of one child, which a pass never makes)
					}
					taken[k] += nd.count
				}
				for k, sum := range taken {
					if lv.nodes[k].count != sum {
						t.Fatalf("entry %d counts %d, its children %d", k, lv.nodes[k].count, sum)
					}
					fromClusters++
				}
				var want uint32
				for _, nd := range src.nodes {
					want += nd.count
				}
				if total != want {
					t.Fatalf("the level counts %d points, want %d", total, want)
				}
				if clusters == 0 || int(fromClusters) != clusters {
					t.Fatalf("%d clusters reached by parent, %d made", fromClusters, clusters)
				}
			})
		}
	}
}
