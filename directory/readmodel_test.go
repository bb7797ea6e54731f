package directory_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/geo"
)

// feature is the decoded shape of an actor feature, for checks.
type feature struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		ID          string   `json:"id"`
		Kind        string   `json:"kind"`
		Name        string   `json:"name"`
		Departement string   `json:"departement"`
		Region      string   `json:"region"`
		Population  int      `json:"population"`
		Precision   string   `json:"precision"`
		Tools       []string `json:"tools"`
		PostalCodes []string `json:"postal_codes"`
		Parents     []string `json:"parents"`
		Members     []string `json:"members"`
		DistanceM   *float64 `json:"distance_m"`
		Version     int      `json:"version"`
	} `json:"properties"`
}

func decode(tb testing.TB, b []byte) feature {
	tb.Helper()
	var f feature
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatalf("feature is not JSON: %v\n%s", err, b)
	}
	return f
}

func (f feature) point() (orb.Point, bool) {
	if f.Geometry == nil {
		return orb.Point{}, false
	}
	return orb.Point{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}, true
}

// allFeatures exports every actor, the way a reuser would.
func allFeatures(tb testing.TB, d *directory.Directory) []feature {
	var out []feature
	if err := d.EachActorFeature(context.Background(), func(b []byte) error {
		out = append(out, decode(tb, b))
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestRealDataset(t *testing.T) {
	d := MustOpenDirectory(t)
	all := allFeatures(t, d)
	byKind := map[string]int{}
	unlocated := 0
	for _, f := range all {
		byKind[f.Properties.Kind]++
		if f.Type != "Feature" || f.ID == "" || f.ID != f.Properties.ID {
			t.Fatalf("bad feature %+v", f)
		}
		p, ok := f.point()
		if !ok {
			if f.Properties.Kind == directory.KindCommune {
				unlocated++
			}
			if f.Properties.Precision != "" {
				t.Errorf("%s has no point but precision %q", f.ID, f.Properties.Precision)
			}
			continue
		}
		if err := geo.CheckPoint(p.Lon(), p.Lat()); err != nil {
			t.Errorf("%s: %v", f.ID, err)
		}
		if !directory.IsPrecision(f.Properties.Precision) {
			t.Errorf("%s: precision %q", f.ID, f.Properties.Precision)
		}
		for _, c := range f.Geometry.Coordinates {
			if c != directory.Round6(c) {
				t.Errorf("%s: coordinate %v not rounded to 6 decimals", f.ID, c)
			}
		}
	}
	if byKind["commune"] != 34969 {
		t.Errorf("communes = %d, want 34969", byKind["commune"])
	}
	if byKind["epci"] != 1255 || byKind["departement"] != 109 || byKind["region"] != 26 {
		t.Errorf("epci, départements, régions = %d, %d, %d; want 1255, 109, 26", byKind["epci"], byKind["departement"], byKind["region"])
	}
	if unlocated == 0 || unlocated > 300 {
		t.Errorf("communes without a point = %d, want a few hundred at most (and they must be listed)", unlocated)
	}
	if byKind["prefecture"] < 100 || byKind["sous-prefecture"] < 200 || byKind["association"] < 5 {
		t.Errorf("kinds = %v", byKind)
	}

	b, _, err := d.ActorFeature(context.Background(), "commune-88160")
	if err != nil {
		t.Fatal(err)
	}
	epinal := decode(t, b)
	p, _ := epinal.point()
	if dist := geo.Distance(p, orb.Point{6.450, 48.174}); dist > 3000 {
		t.Errorf("Épinal is %.0f m from 6.450 E 48.174 N, want within 3 km", dist)
	}
	if epinal.Properties.Name != "Épinal" || epinal.Properties.Precision != "exact" || epinal.Properties.Departement != "88" {
		t.Errorf("Épinal = %+v", epinal.Properties)
	}
	if !slices.Contains(epinal.Properties.Parents, "departement-88") || !slices.Contains(epinal.Properties.Parents, "region-44") {
		t.Errorf("Épinal's parents = %v", epinal.Properties.Parents)
	}
	// An EPCI lists its members, derived from the communes' parent links.
	epci := epinal.Properties.Parents[0]
	b, _, err = d.ActorFeature(context.Background(), epci)
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, b).Properties.Members; !slices.Contains(m, "commune-88160") {
		t.Errorf("%s members = %v, want Épinal among them", epci, m)
	}
	if _, _, err := d.ActorFeature(context.Background(), "commune-00000"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Errorf("unknown id error = %v, want ENOTFOUND", err)
	}
}

func TestFindActors(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	d := MustOpenDirectory(t)
	ctx := context.Background()
	all := allFeatures(t, d)

	// brute applies a predicate to the export: the reference answer, by id.
	brute := func(keep func(f feature) bool) []string {
		var ids []string
		for _, f := range all {
			if keep(f) {
				ids = append(ids, f.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	// find pages through every match (see page_test.go for the checks of
	// order and counts) and returns their ids, sorted.
	find := func(t *testing.T, f directory.ActorFilter) []string {
		t.Helper()
		ids := pageThrough(t, d, f, directory.MaxLimit)
		slices.Sort(ids)
		return ids
	}
	inBound := func(b orb.Bound) func(feature) bool {
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

	t.Run("Kind", func(t *testing.T) {
		page, err := d.FindActors(ctx, directory.ActorFilter{Kinds: []string{"commune"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !page.Counted || page.Matched != 34969 || len(page.Features) != 10 {
			t.Fatalf("kind=commune: matched %d, returned %d; want 34969, 10", page.Matched, len(page.Features))
		}
	})
	t.Run("PagingIsStable", func(t *testing.T) {
		f := directory.ActorFilter{Departements: []string{"88"}, Limit: 7}
		seen := map[string]bool{}
		want := brute(func(f feature) bool { return f.Properties.Departement == "88" })
		for f.Offset = 0; f.Offset < len(want); f.Offset += f.Limit {
			page, err := d.FindActors(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range page.Features {
				id := decode(t, b).ID
				if seen[id] {
					t.Fatalf("%s on two pages", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("pages hold %d actors, want %d", len(seen), len(want))
		}
	})
	rnd := rand.New(rand.NewPCG(3, 7))
	t.Run("BboxRandom", func(t *testing.T) {
		for i := 0; i < 40; i++ {
			lon, lat := -5+rnd.Float64()*14, 42+rnd.Float64()*9
			w, h := rnd.Float64()*2, rnd.Float64()*1.5
			b := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + w, lat + h}}
			f := directory.ActorFilter{Bound: &b}
			if i%3 == 1 {
				f.Kinds = []string{"commune"}
			}
			if i%4 == 2 {
				f.Precisions = []string{"exact"}
			}
			got := find(t, f)
			want := brute(func(x feature) bool {
				return inBound(b)(x) && (len(f.Kinds) == 0 || x.Properties.Kind == "commune") &&
					(len(f.Precisions) == 0 || x.Properties.Precision == "exact")
			})
			if !slices.Equal(got, want) {
				t.Fatalf("bbox %v %+v: got %d actors, want %d", b, f, len(got), len(want))
			}
		}
	})
	t.Run("BboxAntimeridian", func(t *testing.T) {
		b := orb.Bound{Min: orb.Point{170, -30}, Max: orb.Point{-170, 0}} // Wallis-et-Futuna, not Polynesia
		got := find(t, directory.ActorFilter{Bound: &b})
		want := brute(inBound(b))
		if !slices.Equal(got, want) {
			t.Fatalf("antimeridian bbox: got %v, want %v", got, want)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		cases := []struct {
			name string
			f    directory.ActorFilter
			keep func(feature) bool
		}{
			{"Region", directory.ActorFilter{Regions: []string{"53"}}, func(f feature) bool { return f.Properties.Region == "53" }},
			{"TwoDepartements", directory.ActorFilter{Departements: []string{"2A", "974"}}, func(f feature) bool {
				return f.Properties.Departement == "2A" || f.Properties.Departement == "974"
			}},
			{"Population", directory.ActorFilter{Kinds: []string{"commune"}, PopulationMin: 20000, PopulationMax: 50000}, func(f feature) bool {
				return f.Properties.Kind == "commune" && f.Properties.Population >= 20000 && f.Properties.Population <= 50000
			}},
			{"Tool", directory.ActorFilter{Tools: []string{"albums-photo-en-ligne"}}, func(f feature) bool {
				return slices.Contains(f.Properties.Tools, "albums-photo-en-ligne")
			}},
			{"Q", directory.ActorFilter{Q: "saint germain"}, func(f feature) bool {
				n := directory.Fold(f.Properties.Name)
				return strings.Contains(" "+n, " saint") && strings.Contains(" "+n, " germain")
			}},
			{"QAndKind", directory.ActorFilter{Q: "st", Kinds: []string{"epci"}}, func(f feature) bool {
				n := " " + directory.Fold(f.Properties.Name)
				return f.Properties.Kind == "epci" && (strings.Contains(n, " st") || strings.Contains(n, " saint"))
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, want := find(t, c.f), brute(c.keep)
				if !slices.Equal(got, want) || len(want) == 0 {
					t.Fatalf("got %d actors, want %d (non-zero)", len(got), len(want))
				}
			})
		}
		if ids := find(t, directory.ActorFilter{Tools: []string{"albums-photo-en-ligne"}}); !slices.Contains(ids, "commune-13004") {
			t.Errorf("tool=albums-photo-en-ligne = %v, want Arles (commune-13004) among them", ids)
		}
		if ids := find(t, directory.ActorFilter{Themes: []string{"democratie"}}); len(ids) == 0 {
			t.Error("theme=democratie matches nobody")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, f := range map[string]directory.ActorFilter{
			"kind":           {Kinds: []string{"town"}},
			"theme":          {Themes: []string{"sport"}},
			"tool":           {Tools: []string{"no-such-tool"}},
			"departement":    {Departements: []string{"999"}},
			"region":         {Regions: []string{"99"}},
			"precision":      {Precisions: []string{"roughly"}},
			"q":              {Q: strings.Repeat("a", 201)},
			"population_max": {PopulationMin: 10, PopulationMax: 5},
			"bbox":           {Bound: &orb.Bound{Min: orb.Point{0, 50}, Max: orb.Point{1, 40}}},
			"limit":          {Limit: directory.MaxLimit + 1},
		} {
			_, err := d.FindActors(ctx, f)
			if directory.ErrorCode(err) != directory.EINVALID || directory.ErrorFields(err)[name] == "" {
				t.Errorf("%s: error = %v, want EINVALID naming %s", name, err, name)
			}
		}
	})
}

func TestNearby(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	d := MustOpenDirectory(t)
	ctx := context.Background()
	all := allFeatures(t, d)
	type cand struct {
		id string
		m  float64
		f  feature
	}
	bruteNearest := func(origin orb.Point, k int, maxM float64, keep func(feature) bool) []cand {
		var out []cand
		for _, f := range all {
			p, ok := f.point()
			if !ok || (keep != nil && !keep(f)) {
				continue
			}
			m := geo.Distance(origin, p)
			if maxM > 0 && m > maxM {
				continue
			}
			out = append(out, cand{f.ID, m, f})
		}
		slices.SortStableFunc(out, func(a, b cand) int { return cmp.Compare(a.m, b.m) })
		return out[:min(k, len(out))]
	}
	origins := map[string]orb.Point{
		"Épinal": {6.45, 48.17}, "Brest": {-4.49, 48.39}, "Ajaccio": {8.74, 41.93}, "Lille": {3.06, 50.63},
		"Réunion": {55.45, -21.1}, "Guyane": {-52.33, 4.94}, "Guadeloupe": {-61.55, 16.25},
		"Wallis": {-176.2, -13.3}, "Tahiti": {-149.57, -17.53}, "Nouméa": {166.45, -22.27},
		"Atlantic": {-30, 45}, "Antimeridian": {179.9, -15},
	}
	cases := []struct {
		name string
		q    directory.NearbyQuery
		keep func(feature) bool
	}{
		{"All", directory.NearbyQuery{Limit: 10}, nil},
		{"Communes100", directory.NearbyQuery{Limit: 100, Filter: directory.ActorFilter{Kinds: []string{"commune"}}},
			func(f feature) bool { return f.Properties.Kind == "commune" }},
		{"Exact50km", directory.NearbyQuery{Limit: 20, MaxMeters: 50000, Filter: directory.ActorFilter{Precisions: []string{"exact"}}},
			func(f feature) bool { return f.Properties.Precision == "exact" }},
		{"Prefectures", directory.NearbyQuery{Limit: 5, Filter: directory.ActorFilter{Kinds: []string{"prefecture"}}},
			func(f feature) bool { return f.Properties.Kind == "prefecture" }},
		{"ToolWiki", directory.NearbyQuery{Limit: 3, Filter: directory.ActorFilter{Tools: []string{"wiki"}}},
			func(f feature) bool { return slices.Contains(f.Properties.Tools, "wiki") }},
	}
	for oname, o := range origins {
		for _, c := range cases {
			t.Run(oname+"/"+c.name, func(t *testing.T) {
				q := c.q
				q.Lon, q.Lat = o.Lon(), o.Lat()
				got, _, err := d.Nearby(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				want := bruteNearest(o, q.Limit, q.MaxMeters, c.keep)
				if len(got) != len(want) {
					t.Fatalf("got %d neighbours, want %d", len(got), len(want))
				}
				for i := range want {
					// Ties at equal distance may come in either order; distances must agree.
					if math.Abs(got[i].Meters-want[i].m) > 1e-6 {
						t.Fatalf("#%d: got %s at %.3f m, want %s at %.3f m", i, got[i].ID, got[i].Meters, want[i].id, want[i].m)
					}
					f := decode(t, got[i].Feature)
					if f.Properties.DistanceM == nil || math.Abs(*f.Properties.DistanceM-math.Round(want[i].m)) > 0.5 {
						t.Fatalf("#%d: distance_m = %v, want %.0f", i, f.Properties.DistanceM, want[i].m)
					}
				}
			})
		}
	}
	t.Run("ExcludeOrigin", func(t *testing.T) {
		got, _, err := d.Nearby(ctx, directory.NearbyQuery{Lon: 6.45304, Lat: 48.18324, Limit: 3, ExcludeID: "commune-88160",
			Filter: directory.ActorFilter{Kinds: []string{"commune"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range got {
			if n.ID == "commune-88160" {
				t.Fatal("the origin actor was not left out")
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for field, q := range map[string]directory.NearbyQuery{
			"lat":    {Lon: 6, Lat: 91, Limit: 1},
			"lon":    {Lon: math.NaN(), Lat: 45, Limit: 1},
			"limit":  {Lon: 6, Lat: 45, Limit: 0},
			"kind":   {Lon: 6, Lat: 45, Limit: 1, Filter: directory.ActorFilter{Kinds: []string{"x"}}},
			"max_km": {Lon: 6, Lat: 45, Limit: 1, MaxMeters: -1},
		} {
			_, _, err := d.Nearby(ctx, q)
			if directory.ErrorCode(err) != directory.EINVALID || directory.ErrorFields(err)[field] == "" {
				t.Errorf("%s: error = %v, want EINVALID naming %s", field, err, field)
			}
		}
	})
}

func TestSearch(t *testing.T) {
	d := MustOpenDirectory(t)
	ctx := context.Background()
	first := []struct{ q, want string }{
		{"epinal", "commune-88160"},
		{"Épinal", "commune-88160"},
		{"oeuilly", "commune-51410"}, // two Œuilly: Marne (the larger) first, then Aisne
		{"st germain en l", "commune-78551"},
		{"saint-germain-en-laye", "commune-78551"},
		{"paris", "commune-75056"},
		{"saint etienne", "commune-42218"},
		{"l'hay", "commune-94038"},
		{"villes internet", "association-villes-internet"},
	}
	for _, c := range first {
		t.Run(c.q, func(t *testing.T) {
			hits, err := d.Search(ctx, c.q, 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].ID != c.want {
				ids := make([]string, len(hits))
				for i, h := range hits {
					ids[i] = h.ID + " " + h.Name
				}
				t.Fatalf("search %q: got %v, want %s first", c.q, ids, c.want)
			}
		})
	}
	t.Run("AsYouType", func(t *testing.T) {
		// "EPIN" is a prefix of several names: the larger towns come first, Épinal among them.
		hits, err := d.Search(ctx, "EPIN", 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(hits, func(h directory.SearchHit) bool { return h.ID == "commune-88160" }) {
			t.Fatalf("EPIN: %v, want Épinal among the first 5", hits)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Population > hits[i-1].Population {
				t.Fatalf("EPIN: %s (%d) ranked after %s (%d)", hits[i-1].Name, hits[i-1].Population, hits[i].Name, hits[i].Population)
			}
		}
	})
	t.Run("Kinds", func(t *testing.T) {
		hits, err := d.Search(ctx, "epinal", 10, []string{"epci"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Kind != "epci" {
				t.Fatalf("kind=epci returned %s (%s)", h.ID, h.Kind)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, q := range map[string]string{
			"empty": "", "blank": "   ", "punctuation only": "--''", "too long": strings.Repeat("é", 201), "bad UTF-8": "epi\xffnal",
		} {
			if _, err := d.Search(ctx, q, 10, nil); directory.ErrorCode(err) != directory.EINVALID {
				t.Errorf("%s: error = %v, want EINVALID", name, err)
			}
		}
	})
}

// TestSearchByCode finds actors by what agents and reusers hold: an INSEE
// code, a SIREN, a postal code (every commune that has it), and forgives
// one typo in a word of five letters or more; the best match comes first.
func TestSearchByCode(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	d := MustOpenDirectory(t)
	ctx := context.Background()
	ids := func(hits []directory.SearchHit) []string {
		out := make([]string, len(hits))
		for i, h := range hits {
			out[i] = h.ID
		}
		return out
	}
	search := func(t *testing.T, q string, limit int) []directory.SearchHit {
		t.Helper()
		hits, err := d.Search(ctx, q, limit, nil)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return hits
	}
	first := []struct{ q, want string }{
		{"88160", "commune-88160"},                 // INSEE code (also the postal code of other communes)
		{"218801603", "commune-88160"},             // SIREN
		{"200068757", "epci-200068757"},            // an EPCI's SIREN is its code
		{"2A004", "commune-2A004"},                 // Corsican codes have a letter
		{"2a004", "commune-2A004"},                 // in any case
		{"epinall", "commune-88160"},               // a letter too many
		{"brset", "commune-29019"},                 // two letters swapped
		{"brst", "commune-29019"},                  // too short to be corrected: Brest is not found...
		{"epinal 88000", "commune-88160"},          // a name and a postal code
		{"saint germian en laye", "commune-78551"}, // two letters swapped in one word of several
		{"vosgues", "departement-88"},              // a letter too many
		{"nantas", "commune-44109"},                // a letter wrong
	}
	for _, c := range first {
		t.Run(c.q, func(t *testing.T) {
			hits := search(t, c.q, 5)
			if c.q == "brst" {
				if slices.Contains(ids(hits), c.want) {
					t.Fatalf("brst (4 letters) found Brest: typos are only forgiven from 5 letters")
				}
				return
			}
			if len(hits) == 0 || hits[0].ID != c.want {
				t.Fatalf("search %q: got %v, want %s first", c.q, ids(hits), c.want)
			}
		})
	}
	t.Run("PostalCodeAllCommunes", func(t *testing.T) {
		hits := search(t, "88000", 100)
		got := ids(hits)
		slices.Sort(got)
		// Every commune whose postal codes hold 88000, from the official list.
		var want []string
		for _, f := range allFeatures(t, d) {
			if f.Properties.Kind == "commune" && slices.Contains(f.Properties.PostalCodes, "88000") {
				want = append(want, f.ID)
			}
		}
		slices.Sort(want)
		if len(want) < 2 || !slices.Equal(got, want) {
			t.Fatalf("88000: got %v, want %v", got, want)
		}
		if hits[0].ID != "commune-88160" {
			t.Fatalf("88000: %s first, want Épinal (the most populous)", hits[0].ID)
		}
	})
	t.Run("InseeBeforePostal", func(t *testing.T) {
		// 88160 is Épinal's INSEE code and the postal code of other communes.
		hits := search(t, "88160", 20)
		if len(hits) < 2 || hits[0].ID != "commune-88160" {
			t.Fatalf("88160: %v", ids(hits))
		}
		for _, h := range hits[1:] {
			var f feature
			json.Unmarshal(h.Feature, &f)
			if !slices.Contains(f.Properties.PostalCodes, "88160") {
				t.Errorf("88160 returned %s, which has neither the code nor the postal code", h.ID)
			}
		}
	})
	t.Run("CorrectSpellingIsNotCorrected", func(t *testing.T) {
		// A word that matches as typed is never taken for a typo: "nancy"
		// does not bring in Nancray.
		for _, h := range search(t, "nancy", 100) {
			if !strings.Contains(strings.ToLower(h.Name), "nancy") {
				t.Errorf("nancy returned %s (%s)", h.ID, h.Name)
			}
		}
	})
	t.Run("TypoAfterExact", func(t *testing.T) {
		// The corrected name ranks the commune first, its EPCI after.
		hits := search(t, "epinall", 10)
		if len(hits) < 2 || hits[0].ID != "commune-88160" {
			t.Fatalf("epinall: %v", ids(hits))
		}
	})
	t.Run("ViewsMatchFeatures", func(t *testing.T) {
		if n := checkViewsMatchFeatures(t, d); n < 36000 {
			t.Fatalf("compared %d actors, want the whole dataset", n)
		}
	})
	t.Run("ItemsFilter", func(t *testing.T) {
		for q, want := range map[string]string{"88160": "commune-88160", "218801603": "commune-88160", "brset": "commune-29019", "epinall": "commune-88160"} {
			page, err := d.FindActors(ctx, directory.ActorFilter{Q: q, Kinds: []string{"commune"}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, b := range page.Features {
				found = found || decode(t, b).ID == want
			}
			if !found {
				t.Errorf("items q=%s: %d features without %s", q, len(page.Features), want)
			}
		}
		page, err := d.FindActors(ctx, directory.ActorFilter{Q: "88000", Limit: 100})
		if err != nil || page.Matched != 9 {
			t.Errorf("items q=88000: %d matched, %v; want the 9 communes of postal code 88000", page.Matched, err)
		}
	})
}

// TestFindActorsByParent lists an EPCI's member communes through the filter.
func TestFindActorsByParent(t *testing.T) {
	d := directorytest.MustOpenFixture(t).D
	ctx := context.Background()
	raw, _, err := d.ActorFeature(ctx, "epci-200068757")
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, raw).Properties.Members
	if len(want) < 10 {
		t.Fatalf("the EPCI has %d members", len(want))
	}
	page, err := d.FindActors(ctx, directory.ActorFilter{Parents: []string{"epci-200068757"}, Limit: directory.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range page.Features {
		got = append(got, decode(t, b).ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if page.Matched != len(want) || !slices.Equal(got, want) {
		t.Fatalf("parent filter: %d matched %v, want the %d members %v", page.Matched, got, len(want), want)
	}
	// Combined with another filter.
	page, err = d.FindActors(ctx, directory.ActorFilter{Parents: []string{"epci-200068757"}, Q: "epinal", Limit: 10})
	if err != nil || page.Matched != 1 || decode(t, page.Features[0]).ID != "commune-88160" {
		t.Fatalf("parent + q: %v, %v", page, err)
	}
	_, err = d.FindActors(ctx, directory.ActorFilter{Parents: []string{"epci-000000000"}, Limit: 10})
	if directory.ErrorCode(err) != directory.EINVALID || directory.ErrorFields(err)["parent"] == "" {
		t.Fatalf("unknown parent: %v, want EINVALID naming parent", err)
	}
}

func TestTools(t *testing.T) {
	d := directorytest.MustOpenFixture(t).D
	ctx := context.Background()
	tools, err := d.FindTools(ctx, directory.ToolFilter{})
	if err != nil || len(tools) < 10 {
		t.Fatalf("FindTools = %d tools, %v", len(tools), err)
	}
	for _, tl := range tools {
		if len(tl.Themes) == 0 || tl.Name == "" {
			t.Errorf("tool %s lacks themes or a name", tl.Slug)
		}
		for _, th := range tl.Themes {
			if !directory.IsTheme(th) {
				t.Errorf("tool %s: theme %q", tl.Slug, th)
			}
		}
	}
	tool, adopters, err := d.FindToolBySlug(ctx, "albums-photo-en-ligne")
	if err != nil {
		t.Fatal(err)
	}
	if tool.Adopters == 0 || !slices.ContainsFunc(adopters, func(a directory.Adopter) bool { return a.ActorID == "commune-13004" }) {
		t.Fatalf("albums-photo-en-ligne adopters = %+v, want Arles", adopters)
	}
	if len(adopters[0].Adoption.Sources) == 0 {
		t.Errorf("adoption %s has no source", adopters[0].Adoption.PublicID())
	}
	if _, _, err := d.FindToolBySlug(ctx, "nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Errorf("unknown tool error = %v", err)
	}
	if _, err := d.FindTools(ctx, directory.ToolFilter{Theme: "sport"}); directory.ErrorCode(err) != directory.EINVALID {
		t.Errorf("unknown theme error = %v", err)
	}
	_ = fmt.Sprint
}
