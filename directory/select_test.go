package directory_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

// TestSmallestSorted compares the selection of a page's refs with a full
// sort, on random inputs with and without repeated values.
func TestSmallestSorted(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := rnd.IntN(3000)
		refs := make([]uint32, n)
		span := uint32(1 + rnd.IntN(1<<20))
		if rnd.IntN(4) == 0 {
			span = uint32(1 + rnd.IntN(20)) // many repeats
		}
		for i := range refs {
			refs[i] = rnd.Uint32N(span)
		}
		k := rnd.IntN(n + 2)
		want := slices.Clone(refs)
		slices.Sort(want)
		want = want[:min(k, n)]
		if got := directory.SmallestSorted(slices.Clone(refs), k); !slices.Equal(got, want) {
			t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got, want)
		}
	}
}
