package geo

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

type clusterBenchData struct {
	points    []ClusterPoint
	ix        *ClusterIndex
	heapBytes uint64      // what ix holds, measured once
	places    []orb.Point // where the benchmark maps are centred
}

// clusterBenchSizes are the directory's size today and a far larger one,
// each built once per test binary, on first use.
var clusterBenchSizes = []struct {
	name string
	data func() *clusterBenchData
}{
	{"n=15000", sync.OnceValue(func() *clusterBenchData { return newClusterBenchData(15000) })},
	{"n=1000000", sync.OnceValue(func() *clusterBenchData { return newClusterBenchData(1000000) })},
}

// newClusterBenchData draws n actors the way they gather in life rather
// than evenly: half spread over France, four in ten around 300 towns, and
// one in ten at the very place of another (a shared address, or a commune's
// centre). It also measures the heap that the ClusterIndex of those points
// holds.
func newClusterBenchData(n int) *clusterBenchData {
	rnd := rand.New(rand.NewPCG(42, uint64(n)))
	towns := make([]orb.Point, 300)
	for i := range towns {
		towns[i] = france.random(rnd)
	}
	d := &clusterBenchData{points: make([]ClusterPoint, n)}
	for i := range d.points {
		var p orb.Point
		switch u := rnd.Float64(); {
		case u < 0.5 || i == 0:
			p = france.random(rnd)
		case u < 0.9:
			t := towns[rnd.IntN(len(towns))]
			p = orb.Point{t[0] + rnd.NormFloat64()*0.06, t[1] + rnd.NormFloat64()*0.04}
		default:
			p = d.points[rnd.IntN(i)].Point
		}
		d.points[i] = ClusterPoint{Ref: uint32(i), Point: p}
	}
	for range 1024 {
		d.places = append(d.places, france.random(rnd))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := NewClusterIndex(d.points, DefaultClusterOptions())
	if err != nil {
		panic(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	d.ix, d.heapBytes = ix, after.HeapAlloc-before.HeapAlloc
	return d
}

// BenchmarkClusterBuild builds a ClusterIndex with the default options,
// and reports the heap one holds.
func BenchmarkClusterBuild(b *testing.B) {
	for _, size := range clusterBenchSizes {
		b.Run(size.name, func(b *testing.B) {
			d := size.data()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewClusterIndex(d.points, DefaultClusterOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(d.heapBytes)/(1<<20), "MiB/index")
		})
	}
}

// screenBound returns the bound that a map of w×h pixels (of 256-pixel
// tiles) centred on c shows at zoom z.
func screenBound(c orb.Point, z, w, h int) orb.Bound {
	px := 1 / float64(uint64(256)<<z) // one pixel, in the unit square
	x, y := mercX(c[0]), mercY(c[1])
	hw, hh := float64(w)/2*px, float64(h)/2*px
	return orb.Bound{
		Min: orb.Point{lonOfMercX(x - hw), latOfMercY(min(1, y+hh))},
		Max: orb.Point{lonOfMercX(x + hw), latOfMercY(max(0, y-hh))},
	}
}

// BenchmarkClusters asks for the clusters of a 1280×800 map centred on
// random places in France, zoomed on the country, a département and a town.
func BenchmarkClusters(b *testing.B) {
	for _, size := range clusterBenchSizes {
		for _, z := range []int{5, 9, 13} {
			b.Run(fmt.Sprintf("%s/z=%d", size.name, z), func(b *testing.B) {
				d := size.data()
				found := 0
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					bound := screenBound(d.places[i%len(d.places)], z, 1280, 800)
					found += len(d.ix.Clusters(bound, z))
				}
				b.ReportMetric(float64(found)/float64(b.N), "clusters/op")
			})
		}
	}
}

// BenchmarkEncodeTile makes the zoom-10 tile of Paris as a tile handler
// would: the clusters in and around it, then the tile.
func BenchmarkEncodeTile(b *testing.B) {
	t := maptile.At(orb.Point{2.3522, 48.8566}, 10)
	z, x, y := uint32(t.Z), t.X, t.Y
	bound, err := BufferedTileBound(z, x, y)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range clusterBenchSizes {
		for _, gz := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/gzip=%v", size.name, gz), func(b *testing.B) {
				d := size.data()
				var feats []TileFeature
				bytes := 0
				b.ReportAllocs()
				for b.Loop() {
					feats = feats[:0]
					for _, c := range d.ix.Clusters(bound, int(z)) {
						props := map[string]any{"count": c.Count}
						if c.Count == 1 {
							props["ref"] = c.Ref
						}
						feats = append(feats, TileFeature{ID: c.ID, Point: c.Point, Properties: props})
					}
					data, err := EncodeTile(z, x, y, []TileLayer{{Name: "actors", Features: feats}}, gz)
					if err != nil {
						b.Fatal(err)
					}
					bytes = len(data)
				}
				b.ReportMetric(float64(len(feats)), "features/op")
				b.ReportMetric(float64(bytes), "bytes/tile")
			})
		}
	}
}
