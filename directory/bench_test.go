package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// The directory's benchmarks run on the real data (about 36,000 actors, of
// which 15,000 have an exact point) and on a million synthetic actors. The
// million-actor database is VOISINAGE_BENCH_DB if set (made with
// `voisinage synth -n 1000000 -db FILE`), otherwise one made once per test
// binary in a temporary directory (about 20 s). Each directory is loaded
// once per binary and kept: queries touch only its read model.
var benchDirs = []struct {
	name string
	open func(b *testing.B) *directory.Directory
}{
	{"real", onceDir(func(b *testing.B) string { return directorytest.SeededPath(b) })},
	{"synthetic-1M", onceDir(func(b *testing.B) string {
		if p := os.Getenv("VOISINAGE_BENCH_DB"); p != "" {
			return p
		}
		dir, err := os.MkdirTemp("", "voisinage-bench-")
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, "synth.db")
		db, err := directory.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if err := db.SeedSynthetic(context.Background(), directory.SyntheticOptions{N: 1_000_000, Seed: 1, Overseas: 0.05}, nil); err != nil {
			b.Fatal(err)
		}
		return path
	})},
}

func onceDir(path func(b *testing.B) string) func(b *testing.B) *directory.Directory {
	var (
		mu sync.Mutex
		d  *directory.Directory
	)
	return func(b *testing.B) *directory.Directory {
		mu.Lock()
		defer mu.Unlock()
		if d == nil {
			db, err := directory.Open(context.Background(), path(b))
			if err != nil {
				b.Fatal(err)
			}
			if d, err = directory.New(context.Background(), db); err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
}

// cpuPerOp reports the process's CPU time per operation (user and
// system, from getrusage) beside the wall time: on a machine shared with
// other work, wall time grows with the waiting, CPU time much less.
// Call it before b.Loop; it reports when the benchmark ends.
func cpuPerOp(b *testing.B) {
	start := cpuTime()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// metro is metropolitan France's bounding box, where the query places are
// drawn (as the synthetic actors are).
var metro = orb.Bound{Min: orb.Point{-5.2, 41.3}, Max: orb.Point{9.6, 51.1}}

func places(n int) []orb.Point {
	rnd := rand.New(rand.NewPCG(7, 7))
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = orb.Point{metro.Min[0] + rnd.Float64()*(metro.Max[0]-metro.Min[0]),
			metro.Min[1] + rnd.Float64()*(metro.Max[1]-metro.Min[1])}
	}
	return out
}

// BenchmarkFindActorsBBox asks for the actors in boxes sized, for each
// dataset, to hold about 100 of them on average: the cost should follow the
// number of results, not the size of the table.
func BenchmarkFindActorsBBox(b *testing.B) {
	ctx := context.Background()
	qs := places(4096)
	for _, bd := range benchDirs {
		b.Run(bd.name, func(b *testing.B) {
			d := bd.open(b)
			all, err := d.FindActors(ctx, directory.ActorFilter{Bound: &metro, Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			area := (metro.Max[0] - metro.Min[0]) * (metro.Max[1] - metro.Min[1])
			half := math.Sqrt(100*area/float64(all.Matched)) / 2
			found := 0
			for i := 0; b.Loop(); i++ {
				c := qs[i%len(qs)]
				box := orb.Bound{Min: orb.Point{c[0] - half, c[1] - half}, Max: orb.Point{c[0] + half, c[1] + half}}
				page, err := d.FindActors(ctx, directory.ActorFilter{Bound: &box, Limit: directory.MaxLimit})
				if err != nil {
					b.Fatal(err)
				}
				found += len(page.Features)
			}
			b.ReportMetric(float64(found)/float64(b.N), "results/op")
		})
	}
}

// BenchmarkFindActorsFrance asks for the first 1000 actors of metropolitan
// France's box, each edge widened by a random 0–0.05° (as the load
// benchmark does): at a million actors nearly all of them match, and the
// page must still cost about what it does at the real data's 36,000 — the
// two rows side by side are the ratio docs/BENCHMARKS.md reports.
func BenchmarkFindActorsFrance(b *testing.B) {
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(9, 9))
	boxes := make([]orb.Bound, 1024)
	for i := range boxes {
		boxes[i] = orb.Bound{Min: orb.Point{metro.Min[0] - rnd.Float64()*0.05, metro.Min[1] - rnd.Float64()*0.05},
			Max: orb.Point{metro.Max[0] + rnd.Float64()*0.05, metro.Max[1] + rnd.Float64()*0.05}}
	}
	for _, bd := range benchDirs {
		b.Run(bd.name, func(b *testing.B) {
			d := bd.open(b)
			// Wait for the cluster index, built in the background after a
			// load, so that its CPU is not counted.
			if _, err := d.Clusters(ctx, directory.ClusterQuery{Zoom: 0}); err != nil {
				b.Fatal(err)
			}
			bytes := 0
			cpuPerOp(b)
			for i := 0; b.Loop(); i++ {
				page, err := d.FindActors(ctx, directory.ActorFilter{Bound: &boxes[i%len(boxes)], Limit: 1000})
				if err != nil || len(page.Features) != 1000 || !page.Counted {
					b.Fatalf("%v, %d features", err, len(page.Features))
				}
				for _, f := range page.Features {
					bytes += len(f)
				}
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
		})
	}
}

func BenchmarkNearby(b *testing.B) {
	ctx := context.Background()
	qs := places(4096)
	for _, bd := range benchDirs {
		for _, k := range []int{10, 100} {
			b.Run(fmt.Sprintf("%s/k=%d", bd.name, k), func(b *testing.B) {
				d := bd.open(b)
				for i := 0; b.Loop(); i++ {
					c := qs[i%len(qs)]
					got, _, err := d.Nearby(ctx, directory.NearbyQuery{Lon: c[0], Lat: c[1], Limit: k})
					if err != nil || len(got) != k {
						b.Fatalf("%d neighbours, %v", len(got), err)
					}
				}
			})
		}
	}
}

// BenchmarkSearch times the search box's queries on the real data: a name
// as typed, official codes, and words with a typo (whose corrections are
// looked up in the index, a few hundred binary searches).
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	d := benchDirs[0].open(b)
	for _, q := range []string{"epinal", "st germain en l", "88160", "218801603", "88000", "epinall", "brset", "saint germian en laye"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				hits, err := d.Search(ctx, q, 8, nil)
				if err != nil || len(hits) == 0 {
					b.Fatalf("%q: %d hits, %v", q, len(hits), err)
				}
			}
		})
	}
}

// BenchmarkClusters asks for the clusters of a 1280×800-pixel map view at
// zooms 5, 9 and 13, with the index of all actors already built.
func BenchmarkClusters(b *testing.B) {
	ctx := context.Background()
	qs := places(4096)
	for _, bd := range benchDirs {
		for _, z := range []int{5, 9, 13} {
			b.Run(fmt.Sprintf("%s/z=%d", bd.name, z), func(b *testing.B) {
				d := bd.open(b)
				// Wait for the index of all actors, built in the background.
				if _, err := d.Clusters(ctx, directory.ClusterQuery{Zoom: 0}); err != nil {
					b.Fatal(err)
				}
				features := 0
				for i := 0; b.Loop(); i++ {
					view := viewAt(qs[i%len(qs)], z)
					page, err := d.Clusters(ctx, directory.ClusterQuery{Filter: directory.ActorFilter{Bound: &view}, Zoom: z})
					if err != nil {
						b.Fatal(err)
					}
					features += len(page.Features)
				}
				b.ReportMetric(float64(features)/float64(b.N), "features/op")
			})
		}
	}
}

// viewAt is the bound of a 1280×800-pixel map of 256-pixel tiles centred
// on c at zoom z.
func viewAt(c orb.Point, z int) orb.Bound {
	world := 256 * math.Exp2(float64(z))
	dLon := 1280 / world * 360 / 2
	dLat := 800 / world * 360 / 2 * math.Cos(c[1]*math.Pi/180)
	return orb.Bound{Min: orb.Point{c[0] - dLon, c[1] - dLat}, Max: orb.Point{c[0] + dLon, c[1] + dLat}}
}

// BenchmarkTile makes the vector tile holding a random place at zoom 10,
// not compressed.
func BenchmarkTile(b *testing.B) {
	ctx := context.Background()
	qs := places(4096)
	for _, bd := range benchDirs {
		b.Run(bd.name, func(b *testing.B) {
			d := bd.open(b)
			if _, err := d.Clusters(ctx, directory.ClusterQuery{Zoom: 0}); err != nil {
				b.Fatal(err)
			}
			bytes := 0
			for i := 0; b.Loop(); i++ {
				t := maptile.At(qs[i%len(qs)], 10)
				tile, _, err := d.Tile(ctx, directory.ActorFilter{}, uint32(t.Z), t.X, t.Y, false)
				if err != nil {
					b.Fatal(err)
				}
				bytes += len(tile)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
		})
	}
}

// BenchmarkActorFeature reads one actor's feature by id.
func BenchmarkActorFeature(b *testing.B) {
	ctx := context.Background()
	for _, bd := range benchDirs {
		b.Run(bd.name, func(b *testing.B) {
			d := bd.open(b)
			page, err := d.FindActors(ctx, directory.ActorFilter{Bound: &metro, Limit: 4096})
			if err != nil {
				b.Fatal(err)
			}
			ids := make([]string, 0, len(page.Features))
			for _, f := range page.Features {
				var ft clusterFeature
				if err := json.Unmarshal(f, &ft); err != nil {
					b.Fatal(err)
				}
				ids = append(ids, ft.ID)
			}
			for i := 0; b.Loop(); i++ {
				if _, _, err := d.ActorFeature(ctx, ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCollect runs a full garbage collection with the read model
// loaded (and its cluster index built): the CPU time one collection costs,
// most of it marking what the read model holds. A server collects every
// few seconds under load, so this is what the read model's layout costs.
func BenchmarkCollect(b *testing.B) {
	ctx := context.Background()
	for _, bd := range benchDirs {
		b.Run(bd.name, func(b *testing.B) {
			d := bd.open(b)
			if _, err := d.Clusters(ctx, directory.ClusterQuery{Zoom: 0}); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			cpuPerOp(b)
			for b.Loop() {
				runtime.GC()
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
		})
	}
}

// BenchmarkLoad builds the read model from the store, as a start does: the
// store is read and indexed; cluster indexes follow in the background and
// are not counted.
func BenchmarkLoad(b *testing.B) {
	path := os.Getenv("VOISINAGE_BENCH_DB")
	if path == "" {
		path = directorytest.SeededPath(b)
	}
	db, err := directory.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// As the server does (cmd/voisinage): no collection while loading.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	cpuPerOp(b)
	for b.Loop() {
		if _, err := directory.New(context.Background(), db); err != nil {
			b.Fatal(err)
		}
	}
}
