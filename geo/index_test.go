package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// region is a lon/lat box where the test data or queries are drawn.
type region struct {
	name                           string
	minLon, maxLon, minLat, maxLat float64
	n                              int // points drawn there
}

// testRegions are metropolitan France and the overseas territories the
// directory covers, three of which sit near or across the antimeridian.
var testRegions = []region{
	{"métropole", -5.2, 9.6, 41.3, 51.1, 5000},
	{"Réunion", 55.2, 55.9, -21.4, -20.9, 300},
	{"Guyane", -54.5, -51.6, 2.1, 5.8, 300},
	{"Guadeloupe", -61.85, -61.0, 15.8, 16.55, 300},
	{"Polynésie française", -154, -134, -28, -7, 300},
	{"Nouvelle-Calédonie", 163, 168.2, -22.7, -19.5, 300},
	{"Wallis-et-Futuna", -178.2, -176.1, -14.4, -13.2, 200},
}

func (r region) random(rnd *rand.Rand) orb.Point {
	return orb.Point{r.minLon + rnd.Float64()*(r.maxLon-r.minLon), r.minLat + rnd.Float64()*(r.maxLat-r.minLat)}
}

// testSet is an Index together with the plain list that brute force scans.
type testSet struct {
	ix     *Index
	points map[uint32]orb.Point
}

func newTestSet(rnd *rand.Rand) *testSet {
	var pts []orb.Point
	for _, reg := range testRegions {
		for range reg.n {
			pts = append(pts, reg.random(rnd))
		}
	}
	// A few on either side of the antimeridian and on it.
	for i := range 24 {
		lon := 179.9
		if i%2 == 1 {
			lon = -179.9
		}
		switch i {
		case 22:
			lon = 180
		case 23:
			lon = -180
		}
		pts = append(pts, orb.Point{lon, -20 + rnd.Float64()*10})
	}
	// Exact duplicates under other refs, so that ties by ref are exercised.
	for range 100 {
		pts = append(pts, pts[rnd.IntN(len(pts))])
	}
	s := &testSet{ix: NewIndex(), points: make(map[uint32]orb.Point)}
	// Refs are positions in a dense table, inserted in any order.
	for _, i := range rnd.Perm(len(pts)) {
		s.insert(uint32(i), pts[i])
	}
	return s
}

func (s *testSet) insert(ref uint32, p orb.Point) {
	s.ix.Insert(ref, p)
	s.points[ref] = p
}

func (s *testSet) delete(t *testing.T, ref uint32) {
	t.Helper()
	if !s.ix.Delete(ref, s.points[ref]) {
		t.Fatalf("Delete(%d, %v) = false for a point in the index", ref, s.points[ref])
	}
	delete(s.points, ref)
}

// churn deletes a tenth of the points and re-inserts half of those
// elsewhere, so that the random checks also run on a tree that has shrunk,
// been re-balanced and grown again.
func (s *testSet) churn(t *testing.T, rnd *rand.Rand) {
	refs := slices.Sorted(mapKeys(s.points))
	rnd.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
	gone := refs[:len(refs)/10]
	for _, ref := range gone {
		s.delete(t, ref)
	}
	for _, ref := range gone[:len(gone)/2] {
		s.insert(ref, testRegions[rnd.IntN(len(testRegions))].random(rnd))
	}
	if s.ix.Len() != len(s.points) {
		t.Fatalf("Len = %d after churn, want %d", s.ix.Len(), len(s.points))
	}
}

func mapKeys(m map[uint32]orb.Point) func(func(uint32) bool) {
	return func(yield func(uint32) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// bruteSorted returns every point with its distance to p, sorted by distance
// then ref: the order Nearest promises.
func (s *testSet) bruteSorted(p orb.Point) []Neighbor {
	all := make([]Neighbor, 0, len(s.points))
	for ref, q := range s.points {
		all = append(all, Neighbor{Ref: ref, Point: q, Meters: Distance(p, q)})
	}
	slices.SortFunc(all, func(a, b Neighbor) int {
		return cmp.Or(cmp.Compare(a.Meters, b.Meters), cmp.Compare(a.Ref, b.Ref))
	})
	return all
}

// bruteNearest picks what Nearest should return out of bruteSorted's list.
func bruteNearest(sorted []Neighbor, opts NearestOptions) []Neighbor {
	var want []Neighbor
	for _, nb := range sorted {
		if opts.K > 0 && len(want) == opts.K || opts.MaxMeters > 0 && nb.Meters > opts.MaxMeters {
			break
		}
		if opts.Accept == nil || opts.Accept(nb.Ref) {
			want = append(want, nb)
		}
	}
	return want
}

func bruteSearch(points map[uint32]orb.Point, b orb.Bound) []uint32 {
	var refs []uint32
	for ref, p := range points {
		inLon := b.Min[0] <= p[0] && p[0] <= b.Max[0]
		if b.Min[0] > b.Max[0] {
			inLon = p[0] >= b.Min[0] || p[0] <= b.Max[0]
		}
		if inLon && b.Min[1] <= p[1] && p[1] <= b.Max[1] {
			refs = append(refs, ref)
		}
	}
	slices.Sort(refs)
	return refs
}

// keepOneIn returns an Accept filter that keeps about one ref in n, spread
// over the whole index rather than in one area.
func keepOneIn(n uint32) func(uint32) bool {
	return func(ref uint32) bool { return (ref*2654435761)>>7%n == 0 }
}

// queryPoints spreads queries over the globe, the data regions and both
// sides of the antimeridian.
func queryPoints(rnd *rand.Rand) []orb.Point {
	qs := []orb.Point{
		{-176.2, -13.3}, // Wallis, with points at lon 179.9 closer than Futuna's far side
		{180, -15}, {-180, -15}, {179.95, -13.5}, {-179.95, -13.5},
		{0, 90}, {0, -90}, {2.3522, 48.8566},
	}
	for range 60 {
		qs = append(qs, randomGlobePoint(rnd))
	}
	for _, reg := range testRegions {
		n := 8
		if reg.name == "métropole" {
			n = 40
		}
		for range n {
			qs = append(qs, reg.random(rnd))
		}
	}
	for range 20 {
		lon := 179.5 + rnd.Float64()*0.5
		if rnd.IntN(2) == 0 {
			lon = -lon
		}
		qs = append(qs, orb.Point{lon, -25 + rnd.Float64()*20})
	}
	return qs
}

// TestNearestRandom compares Nearest with a brute-force scan of haversine
// distances, refs and distances exactly, on a fixed pseudo-random data set.
func TestNearestRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	s := newTestSet(rnd)
	queries := queryPoints(rnd)
	filters := []struct {
		name   string
		accept func(uint32) bool
	}{{"all", nil}, {"1%", keepOneIn(100)}, {"50%", keepOneIn(2)}}

	for _, phase := range []string{"built", "after churn"} {
		if phase == "after churn" {
			s.churn(t, rnd)
		}
		t.Run(phase, func(t *testing.T) {
			for _, p := range queries {
				sorted := s.bruteSorted(p)
				for _, k := range []int{1, 10, 100, 0} {
					for _, maxM := range []float64{0, 10e3, 300e3} {
						if k == 0 && maxM == 0 {
							continue // the whole index: checked once below
						}
						for _, f := range filters {
							opts := NearestOptions{K: k, MaxMeters: maxM, Accept: f.accept}
							got := s.ix.Nearest(p, opts)
							want := bruteNearest(sorted, opts)
							if diff := diffNeighbors(got, want); diff != "" {
								t.Fatalf("Nearest(%v, K=%d MaxMeters=%g Accept=%s): %s", p, k, maxM, f.name, diff)
							}
						}
					}
				}
			}
			p := queries[len(queries)-1]
			if diff := diffNeighbors(s.ix.Nearest(p, NearestOptions{}), s.bruteSorted(p)); diff != "" {
				t.Fatalf("Nearest(%v, no limit): %s", p, diff)
			}
		})
	}
}

func diffNeighbors(got, want []Neighbor) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("result %d is %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d results, want %d", len(got), len(want))
	}
	return ""
}

func TestSearchRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	s := newTestSet(rnd)
	for _, phase := range []string{"built", "after churn"} {
		if phase == "after churn" {
			s.churn(t, rnd)
		}
		t.Run(phase, func(t *testing.T) {
			for i := range 1000 {
				b := randomBound(rnd, i)
				var got []uint32
				s.ix.Search(b, func(ref uint32, p orb.Point) bool {
					if p != s.points[ref] {
						t.Fatalf("Search(%v) gave ref %d at %v, inserted at %v", b, ref, p, s.points[ref])
					}
					got = append(got, ref)
					return true
				})
				slices.Sort(got)
				if want := bruteSearch(s.points, b); !slices.Equal(got, want) {
					t.Fatalf("Search(%v) found %d refs, brute force %d:\n got %v\nwant %v", b, len(got), len(want), got, want)
				}
			}
		})
	}
}

// randomBound draws boxes of every size around the data, one in four
// crossing the antimeridian (Min.Lon > Max.Lon), one in ten with an edge
// exactly on a data point to check that edges are inclusive.
func randomBound(rnd *rand.Rand, i int) orb.Bound {
	reg := testRegions[rnd.IntN(len(testRegions))]
	c := reg.random(rnd)
	half := []float64{0.01, 0.1, 1, 5, 40}[rnd.IntN(5)]
	b := orb.Bound{
		Min: orb.Point{clampLon(c[0] - half*rnd.Float64()*2), clampLat(c[1] - half*rnd.Float64()*2)},
		Max: orb.Point{clampLon(c[0] + half*rnd.Float64()*2), clampLat(c[1] + half*rnd.Float64()*2)},
	}
	switch {
	case i%4 == 0:
		b.Min[0] = 180 - half*rnd.Float64()*4
		b.Max[0] = -180 + half*rnd.Float64()*4
		b.Min[1], b.Max[1] = -20-half, -10+half
	case b.Min[0] > b.Max[0]:
		// Wrapped by clampLon: that is a crossing box too, keep it.
	case i%10 == 1:
		b.Min = c
	}
	return b
}

func TestSearch(t *testing.T) {
	ix := NewIndex()
	pts := map[uint32]orb.Point{
		1: {179.9, -13}, 2: {-179.9, -13}, 3: {180, -13}, 4: {-180, -13},
		5: {-176.2, -13.3}, 6: {2.35, 48.85}, 7: {2.35, 48.86},
	}
	for ref, p := range pts {
		ix.Insert(ref, p)
	}
	tests := []struct {
		name string
		b    orb.Bound
		want []uint32
	}{
		{"crossing the antimeridian", orb.Bound{Min: orb.Point{179, -14}, Max: orb.Point{-179, -12}}, []uint32{1, 2, 3, 4}},
		{"crossing up to Wallis", orb.Bound{Min: orb.Point{179.95, -14}, Max: orb.Point{-176, -12}}, []uint32{2, 3, 4, 5}},
		{"edges are inclusive", orb.Bound{Min: orb.Point{2.35, 48.85}, Max: orb.Point{2.35, 48.86}}, []uint32{6, 7}},
		{"east of 179 only", orb.Bound{Min: orb.Point{179, -14}, Max: orb.Point{180, -12}}, []uint32{1, 3}},
		{"empty", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []uint32
			ix.Search(tt.b, func(ref uint32, _ orb.Point) bool {
				got = append(got, ref)
				return true
			})
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Search = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("stops when fn returns false, on either side", func(t *testing.T) {
		for stopAt := 1; stopAt <= 4; stopAt++ {
			calls := 0
			ix.Search(orb.Bound{Min: orb.Point{179, -14}, Max: orb.Point{-176, -12}}, func(uint32, orb.Point) bool {
				calls++
				return calls < stopAt
			})
			if calls != stopAt {
				t.Errorf("fn called %d times after returning false at call %d", calls, stopAt)
			}
		}
	})
}

func TestNearest(t *testing.T) {
	wallis := orb.Point{-176.2, -13.3}
	ix := NewIndex()
	ix.Insert(1, orb.Point{179.9, -13.3})  // 422 km west across the antimeridian
	ix.Insert(2, orb.Point{-170, -13.3})   // 671 km east
	ix.Insert(3, orb.Point{170, -13.3})    // 1,070 km west
	ix.Insert(9, orb.Point{2.35, 48.85})   // Paris
	ix.Insert(8, orb.Point{2.35, 48.85})   // Paris again, a smaller ref
	ix.Insert(10, orb.Point{2.35, 48.85})  // and a larger one
	ix.Insert(11, orb.Point{-179.9, 89.9}) // near the pole

	refs := func(nbs []Neighbor) []uint32 {
		var r []uint32
		for _, nb := range nbs {
			r = append(r, nb.Ref)
		}
		return r
	}
	tests := []struct {
		name string
		p    orb.Point
		opts NearestOptions
		want []uint32
	}{
		{"across the antimeridian", wallis, NearestOptions{K: 3}, []uint32{1, 2, 3}},
		{"within MaxMeters", wallis, NearestOptions{K: 10, MaxMeters: 700e3}, []uint32{1, 2}},
		{"MaxMeters alone", wallis, NearestOptions{MaxMeters: 500e3}, []uint32{1}},
		{"Accept", wallis, NearestOptions{K: 1, Accept: func(ref uint32) bool { return ref != 1 }}, []uint32{2}},
		{"ties by ref", orb.Point{2.3, 48.8}, NearestOptions{K: 2}, []uint32{8, 9}},
		{"K above Len", orb.Point{2.3, 48.8}, NearestOptions{K: 100}, []uint32{8, 9, 10, 11, 3, 2, 1}},
		{"over the pole", orb.Point{0.1, 89.9}, NearestOptions{K: 1}, []uint32{11}},
		{"nothing within MaxMeters", orb.Point{55.5, -21}, NearestOptions{K: 5, MaxMeters: 1000}, nil},
		{"negative K", wallis, NearestOptions{K: -1}, nil},
		{"negative MaxMeters", wallis, NearestOptions{MaxMeters: -1}, nil},
		{"NaN MaxMeters", wallis, NearestOptions{MaxMeters: math.NaN()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.Nearest(tt.p, tt.opts)
			if !slices.Equal(refs(got), tt.want) {
				t.Fatalf("Nearest = %v, want refs %v", got, tt.want)
			}
			for _, nb := range got {
				if d := Distance(tt.p, nb.Point); nb.Meters != d {
					t.Errorf("ref %d: Meters = %v, Distance = %v", nb.Ref, nb.Meters, d)
				}
			}
		})
	}
	t.Run("empty index", func(t *testing.T) {
		if got := NewIndex().Nearest(wallis, NearestOptions{K: 3}); got != nil {
			t.Errorf("Nearest on an empty index = %v, want nil", got)
		}
	})
	t.Run("result capacity is K", func(t *testing.T) {
		if got := ix.Nearest(wallis, NearestOptions{K: 2}); cap(got) != 2 {
			t.Errorf("cap = %d, want 2", cap(got))
		}
	})
}

func TestIndexDelete(t *testing.T) {
	ix := NewIndex()
	paris, lyon := orb.Point{2.35, 48.85}, orb.Point{4.83, 45.76}
	ix.Insert(1, paris)
	ix.Insert(2, lyon)

	tests := []struct {
		name string
		ref  uint32
		p    orb.Point
		want bool
	}{
		{"unknown ref", 3, paris, false},
		{"wrong point", 1, lyon, false},
		{"OK", 1, paris, true},
		{"twice", 1, paris, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ix.Delete(tt.ref, tt.p); got != tt.want {
				t.Errorf("Delete(%d, %v) = %v, want %v", tt.ref, tt.p, got, tt.want)
			}
		})
	}
	if ix.Len() != 1 {
		t.Fatalf("Len = %d after deleting one of two, want 1", ix.Len())
	}
	if got := ix.Nearest(paris, NearestOptions{K: 1}); len(got) != 1 || got[0].Ref != 2 {
		t.Fatalf("Nearest after Delete = %v, want only ref 2", got)
	}

	// Moving a point is Delete then Insert under the same ref.
	ix.Insert(1, orb.Point{5.37, 43.30})
	if got := ix.Nearest(orb.Point{5.4, 43.3}, NearestOptions{K: 1}); len(got) != 1 || got[0].Ref != 1 {
		t.Fatalf("Nearest after re-Insert = %v, want ref 1", got)
	}
	if !ix.Delete(1, orb.Point{5.37, 43.30}) || !ix.Delete(2, lyon) || ix.Len() != 0 {
		t.Fatalf("could not empty the index: Len = %d", ix.Len())
	}
	if got := ix.Nearest(paris, NearestOptions{K: 1}); got != nil {
		t.Fatalf("Nearest on an emptied index = %v", got)
	}
	ix.Insert(7, paris)
	if got := ix.Nearest(lyon, NearestOptions{K: 1}); len(got) != 1 || got[0].Ref != 7 {
		t.Fatalf("Nearest after emptying and refilling = %v, want ref 7", got)
	}
}

// TestBoxKeyLowerBound checks the property the best-first walk depends on:
// the key of a box is never above the haversine of any point inside it,
// from any query point, for boxes anywhere including at the poles and on
// either side of the antimeridian.
func TestBoxKeyLowerBound(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 17))
	for i := range 20000 {
		var p orb.Point
		switch i % 3 {
		case 0:
			p = randomGlobePoint(rnd)
		case 1:
			p = orb.Point{clampLon(179 + rnd.Float64()*2), -20 + rnd.Float64()*10}
		default:
			p = testRegions[rnd.IntN(len(testRegions))].random(rnd)
		}
		size := []float64{1e-6, 0.01, 1, 20, 120}[rnd.IntN(5)]
		minLon := -180 + rnd.Float64()*(360-size)
		minLat := -90 + rnd.Float64()*(180-min(size, 180))
		if i%5 == 0 { // hug the antimeridian or the poles
			minLon = []float64{-180, 180 - size}[rnd.IntN(2)]
			minLat = []float64{-90, 90 - min(size, 180)}[rnd.IntN(2)]
		}
		bmin := [2]float64{minLon, minLat}
		bmax := [2]float64{min(180, minLon+size), min(90, minLat+size)}

		q := newNearest(p, NearestOptions{})
		key := q.boxKey(bmin, bmax)
		lowest := math.Inf(1)
		for j := range 96 {
			u, v := rnd.Float64(), rnd.Float64()
			if j < 32 { // eight points, corners included, on each edge
				t := float64(j%8) / 7
				edge := [4][2]float64{{0, t}, {1, t}, {t, 0}, {t, 1}}[j/8]
				u, v = edge[0], edge[1]
			}
			c := orb.Point{bmin[0] + u*(bmax[0]-bmin[0]), bmin[1] + v*(bmax[1]-bmin[1])}
			h := havLat(p[1], c[1]) + havLon(p[0], math.Cos(p[1]*rad), c[0], math.Cos(c[1]*rad))
			if key > h {
				t.Fatalf("box %v-%v, query %v: key %v above the haversine %v of %v", bmin, bmax, p, key, h, c)
			}
			lowest = min(lowest, h)
		}
		// The bound should be tight, not merely true: within the slack of
		// lower and the sampling of a box of this size.
		if tol := math.Pow(size*rad, 2) + lowest*2e-9 + 1e-19; key < lowest-tol {
			t.Fatalf("box %v-%v, query %v: key %v far below the lowest sample %v", bmin, bmax, p, key, lowest)
		}
	}
}

// TestConcurrentReaders backs the promise that readers under a shared lock
// may query at once; run it with -race.
func TestConcurrentReaders(t *testing.T) {
	rnd := rand.New(rand.NewPCG(19, 23))
	s := newTestSet(rnd)
	queries := queryPoints(rnd)
	want := make([][]Neighbor, len(queries))
	for i, p := range queries {
		want[i] = s.ix.Nearest(p, NearestOptions{K: 10, Accept: keepOneIn(2)})
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range queries {
				i := (i + g*7) % len(queries)
				if diff := diffNeighbors(s.ix.Nearest(queries[i], NearestOptions{K: 10, Accept: keepOneIn(2)}), want[i]); diff != "" {
					t.Errorf("reader %d, query %v: %s", g, queries[i], diff)
					return
				}
				s.ix.Search(orb.Bound{Min: orb.Point{179, -20}, Max: orb.Point{-178, -10}}, func(uint32, orb.Point) bool { return true })
			}
		})
	}
	wg.Wait()
}
