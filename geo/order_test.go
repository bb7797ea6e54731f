package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// bruteOrdered returns the refs of the points in b in the Index's order,
// computed from Order alone.
func bruteOrdered(points map[uint32]orb.Point, b orb.Bound) []uint32 {
	refs := bruteSearch(points, b)
	slices.SortFunc(refs, func(x, y uint32) int {
		ox, oy := Order(x, points[x]), Order(y, points[y])
		switch {
		case ox < oy:
			return -1
		case ox > oy:
			return 1
		}
		return 0
	})
	return refs
}

func walkAll(ix *Index, b orb.Bound, skip, limit int) []uint32 {
	var got []uint32
	ix.Walk(b, skip, func(ref uint32, _ orb.Point) bool {
		got = append(got, ref)
		return len(got) < limit
	})
	return got
}

// TestWalkOrderAndPages checks that Search gives the points of a box in
// one order, the same whatever order they were inserted in or whether the
// Index was built at once, and that pages made with Walk's skip cover that
// order exactly: every point once, none missing, the same as brute force.
func TestWalkOrderAndPages(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 13))
	s := newTestSet(rnd)
	var pts []IndexPoint
	for ref, p := range s.points {
		pts = append(pts, IndexPoint{ref, p})
	}
	built := NewIndexOf(pts)
	for _, phase := range []string{"built", "after churn"} {
		if phase == "after churn" {
			s.churn(t, rnd)
			pts = pts[:0]
			for ref, p := range s.points {
				pts = append(pts, IndexPoint{ref, p})
			}
			built = NewIndexOf(pts)
		}
		t.Run(phase, func(t *testing.T) {
			for i := range 400 {
				b := randomBound(rnd, i)
				want := bruteOrdered(s.points, b)
				if got := walkAll(s.ix, b, 0, len(s.points)+1); !slices.Equal(got, want) {
					t.Fatalf("Search(%v) order differs from Order's: got %d refs %v…, want %d %v…", b, len(got), first8(got), len(want), first8(want))
				}
				if got := walkAll(built, b, 0, len(s.points)+1); !slices.Equal(got, want) {
					t.Fatalf("NewIndexOf then Search(%v): got %d refs, want %d", b, len(got), len(want))
				}
				if n := s.ix.Count(b); n != len(want) {
					t.Fatalf("Count(%v) = %d, brute force %d", b, n, len(want))
				}
				// Pages of a random size, then one past the end.
				size := 1 + rnd.IntN(50)
				var paged []uint32
				for off := 0; off <= len(want); off += size {
					page := walkAll(s.ix, b, off, size)
					if len(page) > size || (len(page) < size && off+len(page) != len(want)) {
						t.Fatalf("page at %d of %v: %d refs, want %d", off, b, len(page), min(size, len(want)-off))
					}
					paged = append(paged, page...)
				}
				if !slices.Equal(paged, want) {
					t.Fatalf("pages of %d over %v: %d refs, want %d in order", size, b, len(paged), len(want))
				}
				if skipped := s.ix.Walk(b, len(want)+5, func(uint32, orb.Point) bool {
					t.Fatalf("Walk past the end of %v called fn", b)
					return false
				}); skipped != len(want) {
					t.Fatalf("Walk past the end skipped %d, want %d", skipped, len(want))
				}
			}
		})
	}
}

func first8(s []uint32) []uint32 { return s[:min(len(s), 8)] }

// TestTreeBounds checks the property Walk, Count and Nearest depend on:
// after any inserts and deletes, each node's box is exactly the bounding
// box of the points of its run, and the levels end in one root.
func TestTreeBounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	s := newTestSet(rnd)
	check := func() {
		t.Helper()
		ix := s.ix
		if ix.Len() == 0 {
			if len(ix.levels) != 0 {
				t.Fatalf("empty index with %d levels", len(ix.levels))
			}
			return
		}
		if root := ix.levels[len(ix.levels)-1]; len(root) != 1 {
			t.Fatalf("top level has %d nodes", len(root))
		}
		for level, nodes := range ix.levels {
			for j := range nodes {
				lo, hi := ix.span(level, j)
				want := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
				for _, it := range ix.items[lo:hi] {
					want = box{min(want[0], it.lon), min(want[1], it.lat), max(want[2], it.lon), max(want[3], it.lat)}
				}
				if nodes[j] != want || lo >= hi {
					t.Fatalf("level %d node %d (items %d:%d) has box %v, its points %v", level, j, lo, hi, nodes[j], want)
				}
			}
		}
	}
	check()
	for round := range 30 {
		s.churn(t, rnd)
		check()
		if round%10 == 9 {
			for ref := range s.points {
				s.delete(t, ref)
			}
			check()
			for i := range 1 + rnd.IntN(40) {
				s.insert(uint32(i), testRegions[rnd.IntN(len(testRegions))].random(rnd))
				check()
			}
		}
	}
	// The curve numbers each cell of a grid once.
	seen := map[uint32]bool{}
	for x := range uint32(64) {
		for y := range uint32(64) {
			seen[xy2d(64, x, y)] = true
		}
	}
	if len(seen) != 64*64 {
		t.Fatalf("xy2d numbers %d cells of 4096 distinctly", len(seen))
	}
}

// TestPartition checks that each part of a partition holds the points of
// its group, in the Index's order.
func TestPartition(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 8))
	s := newTestSet(rnd)
	group := func(ref uint32) int { return int(ref%4) - 1 } // group −1 is left out
	parts := s.ix.Partition(3, group)
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for g, part := range parts {
		want := map[uint32]orb.Point{}
		for ref, p := range s.points {
			if group(ref) == g {
				want[ref] = p
			}
		}
		if got, w := walkAll(part, world, 0, len(s.points)), bruteOrdered(want, world); !slices.Equal(got, w) {
			t.Fatalf("part %d: %d refs, want %d in order", g, len(got), len(w))
		}
		if b := randomBound(rnd, 3); part.Count(b) != len(bruteSearch(want, b)) {
			t.Fatalf("part %d: Count(%v) = %d, want %d", g, b, part.Count(b), len(bruteSearch(want, b)))
		}
	}
}
