package directory_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/directory"
)

// pageThrough follows the pages of f, limit actors at a time, to the last
// one, and returns the ids in the order the pages gave them. On the way it
// checks that no actor comes twice, that every page but the last is full
// and says more follow, that the last says none do, and that numberMatched,
// on every page that gives it, is the number of actors the pages hold.
func pageThrough(t *testing.T, d *directory.Directory, f directory.ActorFilter, limit int) []string {
	t.Helper()
	f.Limit, f.Offset = limit, 0
	var ids []string
	seen := map[string]bool{}
	counts := map[int]int{} // numberMatched → offset of a page that gave it
	for {
		page, err := d.FindActors(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Features) > limit {
			t.Fatalf("%+v: %d features on a page of %d", f, len(page.Features), limit)
		}
		for _, b := range page.Features {
			id := decode(t, b).ID
			if seen[id] {
				t.Fatalf("%+v, limit %d: %s on two pages (again at offset %d)", f, limit, id, f.Offset)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if page.Counted {
			counts[page.Matched] = f.Offset
		}
		if !page.More {
			break
		}
		if len(page.Features) != limit {
			t.Fatalf("%+v: page at %d has %d features of %d and says more follow", f, f.Offset, len(page.Features), limit)
		}
		f.Offset += limit
	}
	for n, off := range counts {
		if n != len(ids) {
			t.Fatalf("%+v, limit %d: numberMatched %d at offset %d, but the pages hold %d actors", f, limit, n, off, len(ids))
		}
	}
	// A page past the end is empty and says so.
	f.Offset = len(ids) + limit
	if page, err := d.FindActors(context.Background(), f); err != nil || len(page.Features) != 0 || page.More {
		t.Fatalf("%+v: page past the end: %v, %d features, more %v", f, err, len(page.Features), page.More)
	}
	return ids
}

// pageCase is a filter and the brute-force test of its matches.
type pageCase struct {
	name string
	f    directory.ActorFilter
	keep func(feature) bool
}

// checkPages pages through each case with several page sizes and checks
// that the pages hold every match exactly once (against brute force over
// the export), in the same order whatever the page size.
func checkPages(t *testing.T, d *directory.Directory, cases []pageCase) {
	all := allFeatures(t, d)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, f := range all {
				if c.keep(f) {
					want = append(want, f.ID)
				}
			}
			slices.Sort(want)
			if len(want) == 0 {
				t.Fatalf("no actor matches %+v: the case tests nothing", c.f)
			}
			limits := []int{1000, directory.MaxLimit}
			if len(want) < 3000 {
				limits = append(limits, 1, 7)
			} else {
				limits = append(limits, 997)
			}
			var first []string
			for _, limit := range limits {
				got := pageThrough(t, d, c.f, limit)
				if first == nil {
					first = got
				} else if !slices.Equal(got, first) {
					t.Fatalf("pages of %d give another order than pages of %d", limit, limits[0])
				}
				sorted := slices.Sorted(slices.Values(got))
				if !slices.Equal(sorted, want) {
					t.Fatalf("pages of %d hold %d actors, brute force finds %d", limit, len(got), len(want))
				}
			}
		})
	}
}

func inBox(b orb.Bound) func(feature) bool {
	return func(f feature) bool {
		p, ok := f.point()
		if !ok || p.Lat() < b.Min.Lat() || p.Lat() > b.Max.Lat() {
			return false
		}
		if b.Min.Lon() <= b.Max.Lon() {
			return p.Lon() >= b.Min.Lon() && p.Lon() <= b.Max.Lon()
		}
		return p.Lon() >= b.Min.Lon() || p.Lon() <= b.Max.Lon()
	}
}

func and(tests ...func(feature) bool) func(feature) bool {
	return func(f feature) bool {
		for _, t := range tests {
			if !t(f) {
				return false
			}
		}
		return true
	}
}

func kindIs(kinds ...string) func(feature) bool {
	return func(f feature) bool { return slices.Contains(kinds, f.Properties.Kind) }
}

func deptIs(d string) func(feature) bool {
	return func(f feature) bool { return f.Properties.Departement == d }
}

var (
	france   = orb.Bound{Min: orb.Point{-5.2, 41.3}, Max: orb.Point{9.6, 51.1}}
	everyone = func(feature) bool { return true }
)

// TestPagesStableAndComplete pages through the real data.
func TestPagesStableAndComplete(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	d := MustOpenDirectory(t)
	vosges := orb.Bound{Min: orb.Point{5.8, 47.8}, Max: orb.Point{7.2, 48.6}}
	// From La Réunion east across the antimeridian to the Antilles.
	overseas := orb.Bound{Min: orb.Point{50, -30}, Max: orb.Point{-50, 20}}
	checkPages(t, d, []pageCase{
		{"Everyone", directory.ActorFilter{}, everyone},
		{"France", directory.ActorFilter{Bound: &france}, inBox(france)},
		{"Vosges", directory.ActorFilter{Bound: &vosges}, inBox(vosges)},
		{"Antimeridian", directory.ActorFilter{Bound: &overseas}, inBox(overseas)},
		{"Kind", directory.ActorFilter{Kinds: []string{"epci"}}, kindIs("epci")},
		{"KindInBox", directory.ActorFilter{Kinds: []string{"commune"}, Bound: &vosges}, and(kindIs("commune"), inBox(vosges))},
		{"TwoKindsInBox", directory.ActorFilter{Kinds: []string{"commune", "epci"}, Bound: &france}, and(kindIs("commune", "epci"), inBox(france))},
		{"Departement", directory.ActorFilter{Departements: []string{"88"}}, deptIs("88")},
		{"DepartementAndKind", directory.ActorFilter{Departements: []string{"88"}, Kinds: []string{"commune"}}, and(deptIs("88"), kindIs("commune"))},
		{"RegionInBox", directory.ActorFilter{Regions: []string{"44"}, Bound: &vosges}, and(func(f feature) bool { return f.Properties.Region == "44" }, inBox(vosges))},
		{"Tool", directory.ActorFilter{Tools: []string{"albums-photo-en-ligne"}}, func(f feature) bool { return slices.Contains(f.Properties.Tools, "albums-photo-en-ligne") }},
		{"Q", directory.ActorFilter{Q: "saint", Bound: &france}, and(inBox(france), func(f feature) bool {
			return strings.Contains(" "+directory.Fold(f.Properties.Name), " saint")
		})},
		{"PopulationInBox", directory.ActorFilter{PopulationMin: 2000, Bound: &france}, and(inBox(france), func(f feature) bool { return f.Properties.Population >= 2000 })},
		{"PrecisionEverywhere", directory.ActorFilter{Precisions: []string{"exact"}}, func(f feature) bool { return f.Properties.Precision == "exact" }},
	})
}

// TestPagesStableAndCompleteSynthetic pages through synthetic actors, at a
// size a test can make in a second, with boxes of every size over them, and
// checks when numberMatched is given.
func TestPagesStableAndCompleteSynthetic(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "synthetic.db")
	db, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SeedSynthetic(ctx, directory.SyntheticOptions{N: 30000, Seed: 3, Overseas: 0.05}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var cases []pageCase
	for i, half := range []float64{0.05, 0.3, 1, 3} {
		c := orb.Point{2 + float64(i), 46 + float64(i)/2}
		b := orb.Bound{Min: orb.Point{c[0] - half, c[1] - half}, Max: orb.Point{c[0] + half, c[1] + half}}
		cases = append(cases,
			pageCase{fmt.Sprintf("Box%g", half), directory.ActorFilter{Bound: &b}, inBox(b)},
			pageCase{fmt.Sprintf("Box%gCommunes", half), directory.ActorFilter{Bound: &b, Kinds: []string{"commune"}}, and(inBox(b), kindIs("commune"))},
			pageCase{fmt.Sprintf("Box%gPopulation", half), directory.ActorFilter{Bound: &b, PopulationMin: 1000}, and(inBox(b), func(f feature) bool { return f.Properties.Population >= 1000 })},
		)
	}
	cases = append(cases,
		pageCase{"Everyone", directory.ActorFilter{}, everyone},
		pageCase{"France", directory.ActorFilter{Bound: &france}, inBox(france)},
		pageCase{"TwoKinds", directory.ActorFilter{Kinds: []string{"epci", "syndicat"}}, kindIs("epci", "syndicat")},
		pageCase{"Departement", directory.ActorFilter{Departements: []string{"88"}}, deptIs("88")},
		pageCase{"FranceSmallTowns", directory.ActorFilter{Bound: &france, PopulationMax: 500}, and(inBox(france), func(f feature) bool { return f.Properties.Population <= 500 })},
	)
	checkPages(t, d, cases)

	// numberMatched is given for a box and one family of filters, however
	// many match, and left out when counting would cost more than the page.
	for _, f := range []directory.ActorFilter{
		{Bound: &france}, {}, {Kinds: []string{"commune"}, Bound: &france}, {Kinds: []string{"commune", "epci"}},
		{Departements: []string{"88", "54"}, Bound: &france}, {Regions: []string{"44"}},
		{Tools: []string{"outil-synthetique-3"}, Bound: &france},
	} {
		f.Limit = 10
		page, err := d.FindActors(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !page.Counted {
			t.Errorf("%+v: numberMatched left out, want it", f)
		}
	}
	page, err := d.FindActors(ctx, directory.ActorFilter{Bound: &france, PopulationMin: 1000, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Counted || !page.More || len(page.Features) != 10 {
		t.Errorf("population filter over 30,000 actors: counted %v, more %v, %d features; want no count, more, 10",
			page.Counted, page.More, len(page.Features))
	}
	n, err := d.CountActors(ctx, directory.ActorFilter{Bound: &france, PopulationMin: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(pageThrough(t, d, directory.ActorFilter{Bound: &france, PopulationMin: 1000}, directory.MaxLimit)); n != want {
		t.Errorf("CountActors = %d, want %d", n, want)
	}
}

// TestPageBuffers checks the pages whose buffers are pooled: Joined is
// the features separated by commas, and a page made in a released page's
// buffer holds its own features, not the former page's.
func TestPageBuffers(t *testing.T) {
	d := MustOpenDirectory(t)
	ctx := context.Background()
	vosges := orb.Bound{Min: orb.Point{5.8, 47.8}, Max: orb.Point{7.2, 48.6}}
	filters := []directory.ActorFilter{{Bound: &france, Limit: 1000}, {Bound: &vosges, Limit: 500}, {Kinds: []string{"epci"}, Limit: 300, Offset: 100}}
	want := make([][]string, len(filters))
	for round := range 3 {
		for i, f := range filters {
			page, err := d.FindActors(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got, joined := string(page.Joined()), string(bytesJoin(page.Features)); got != joined {
				t.Fatalf("%+v: Joined is not the features separated by commas (%d and %d bytes)", f, len(got), len(joined))
			}
			var ids []string
			for _, b := range page.Features {
				ids = append(ids, decode(t, b).ID)
			}
			if len(ids) != f.Limit {
				t.Fatalf("%+v: %d features", f, len(ids))
			}
			if round == 0 {
				want[i] = ids
			} else if !slices.Equal(ids, want[i]) {
				t.Fatalf("%+v, round %d: another page than the first time", f, round)
			}
			page.Release()
			if page.Features != nil || page.Joined() != nil {
				t.Fatalf("a released page still shows its features")
			}
		}
	}
}

func bytesJoin(features [][]byte) []byte {
	var out []byte
	for i, f := range features {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, f...)
	}
	return out
}
