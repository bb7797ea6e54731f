package geo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// France's bounding box, over which the benchmark points are spread.
var france = region{"métropole", -5.2, 9.6, 41.3, 51.1, 0}

type benchData struct {
	ix      *Index
	n       int
	queries []orb.Point
}

// benchSizes are the directory's size today and a far larger one. Each index
// is built once per test binary, on first use, so that -bench . does not pay
// for a million inserts in every benchmark.
var benchSizes = []struct {
	name string
	data func() *benchData
}{
	{"n=15000", sync.OnceValue(func() *benchData { return newBenchData(15000) })},
	{"n=1000000", sync.OnceValue(func() *benchData { return newBenchData(1000000) })},
}

func newBenchData(n int) *benchData {
	rnd := rand.New(rand.NewPCG(42, uint64(n)))
	d := &benchData{ix: NewIndex(), n: n}
	for i := range n {
		d.ix.Insert(uint32(i), france.random(rnd))
	}
	for range 4096 {
		d.queries = append(d.queries, france.random(rnd))
	}
	return d
}

func benchmarkNearest(b *testing.B, opts NearestOptions) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			d := size.data()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if got := d.ix.Nearest(d.queries[i%len(d.queries)], opts); len(got) != opts.K {
					b.Fatalf("got %d neighbors, want %d", len(got), opts.K)
				}
			}
		})
	}
}

func BenchmarkNearest10(b *testing.B)  { benchmarkNearest(b, NearestOptions{K: 10}) }
func BenchmarkNearest100(b *testing.B) { benchmarkNearest(b, NearestOptions{K: 100}) }

// BenchmarkNearest10Accept1pc keeps one point in a hundred, as a filter on
// a rare kind of actor would.
func BenchmarkNearest10Accept1pc(b *testing.B) {
	benchmarkNearest(b, NearestOptions{K: 10, Accept: keepOneIn(100)})
}

// BenchmarkSearch100 searches square boxes sized to hold about 100 points.
func BenchmarkSearch100(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			d := size.data()
			area := (france.maxLon - france.minLon) * (france.maxLat - france.minLat)
			half := math.Sqrt(100*area/float64(d.n)) / 2
			found := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c := d.queries[i%len(d.queries)]
				box := orb.Bound{Min: orb.Point{c[0] - half, c[1] - half}, Max: orb.Point{c[0] + half, c[1] + half}}
				d.ix.Search(box, func(uint32, orb.Point) bool {
					found++
					return true
				})
			}
			b.ReportMetric(float64(found)/float64(b.N), "results/op")
		})
	}
}

// BenchmarkInsert measures building an Index, as the directory does at start.
func BenchmarkInsert(b *testing.B) {
	rnd := rand.New(rand.NewPCG(42, 0))
	pts := make([]orb.Point, 1<<16)
	for i := range pts {
		pts[i] = france.random(rnd)
	}
	ix := NewIndex()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%len(pts) == 0 {
			ix = NewIndex()
		}
		ix.Insert(uint32(i), pts[i%len(pts)])
	}
}
