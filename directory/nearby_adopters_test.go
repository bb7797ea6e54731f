package directory_test

import (
	"encoding/json"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

type adopterProps struct {
	ID      string `json:"id"`
	Adopter string `json:"adopter"`
	Matched []struct {
		Tool   string `json:"tool"`
		Status string `json:"status"`
		AsOf   string `json:"as_of"`
		Usage  string `json:"usage"`
	} `json:"matched_adoptions"`
	Tools []string `json:"tools"`
}

func adopters(t *testing.T, found []directory.Neighbor) []adopterProps {
	t.Helper()
	out := make([]adopterProps, len(found))
	for i, n := range found {
		var f struct {
			Properties adopterProps `json:"properties"`
		}
		if err := json.Unmarshal(n.Feature, &f); err != nil {
			t.Fatal(err)
		}
		if f.Properties.Adopter != n.Adopter {
			t.Errorf("%s: feature says adopter %q, neighbour %q", n.ID, f.Properties.Adopter, n.Adopter)
		}
		out[i] = f.Properties
	}
	return out
}

// The answer an agent gets: asking from a small Vosges commune for open-data
// portals finds the planned adopter (marked), with what it plans and as of
// when; within 30 km, the answer says none is that near and names the
// nearest; for a tool nobody uses, the nearest adopters of tools of the
// same themes; "any tool" means actors using at least one.
func TestNearbyAdopters(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	// Near Mirecourt (Vosges), a small commune's place.
	q := directory.NearbyQuery{Lon: 6.13, Lat: 48.3, Limit: 5,
		Filter: directory.ActorFilter{Tools: []string{"portail-open-data"}, IncludePlanned: true}}
	found, _, err := f.d.Nearby(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	a := adopters(t, found)
	if len(a) != 1 || a[0].ID != "commune-29177" || a[0].Adopter != "planned" || len(a[0].Matched) != 1 ||
		a[0].Matched[0].Status != "planned" || a[0].Matched[0].AsOf != "2011-07-07" {
		t.Fatalf("open-data portals from the Vosges: %+v", a)
	}
	// Without planned adoptions (the items' filter), nobody.
	q2 := q
	q2.Filter.IncludePlanned = false
	if found, _, _ := f.d.Nearby(ctx, q2); len(found) != 0 {
		t.Fatalf("in-use only: %d", len(found))
	}

	t.Run("NoneWithinDistance", func(t *testing.T) {
		near := q
		near.MaxMeters = 30000
		found, _, err := f.d.Nearby(ctx, near)
		if err != nil || len(found) != 0 {
			t.Fatalf("within 30 km: %d, %v", len(found), err)
		}
		ans, err := f.d.ExplainEmptyNearby(ctx, near)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Reason != "none_within_distance" || ans.NearestMeters < 500_000 || len(ans.Suggestions) != 1 ||
			ans.Suggestions[0].ID != "commune-29177" || ans.Suggestions[0].Adopter != "planned" {
			t.Fatalf("explanation: %+v", ans)
		}
	})

	// Artesi plans to use Affinitiz but has no point: the answer names it
	// rather than saying nobody uses the tool.
	t.Run("AdoptersWithoutPoint", func(t *testing.T) {
		unplaced := directory.NearbyQuery{Lon: 6.13, Lat: 48.3, Limit: 5,
			Filter: directory.ActorFilter{Tools: []string{"affinitiz"}, IncludePlanned: true}}
		found, _, err := f.d.Nearby(ctx, unplaced)
		if err != nil || len(found) != 0 {
			t.Fatalf("affinitiz: %d, %v", len(found), err)
		}
		ans, err := f.d.ExplainEmptyNearby(ctx, unplaced)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Reason != "adopters_without_point" || ans.UnplacedCount != 1 || len(ans.Unplaced) != 1 ||
			ans.Unplaced[0].ID != "public-agency-artesi-ile-de-france" || len(ans.SuggestedThemes) == 0 {
			t.Fatalf("explanation: %+v", ans)
		}
		// In use only, Artesi's plan does not count: nobody.
		unplaced.Filter.IncludePlanned = false
		if ans, err := f.d.ExplainEmptyNearby(ctx, unplaced); err != nil || ans.Reason != "no_adopter" || ans.UnplacedCount != 0 {
			t.Fatalf("in use only: %+v, %v", ans, err)
		}
	})

	t.Run("NoAdopterSuggestsSameTheme", func(t *testing.T) {
		none := directory.NearbyQuery{Lon: 6.13, Lat: 48.3, Limit: 5,
			Filter: directory.ActorFilter{Tools: []string{"click2map"}, IncludePlanned: true}}
		found, _, err := f.d.Nearby(ctx, none)
		if err != nil || len(found) != 0 {
			t.Fatalf("click2map: %d, %v", len(found), err)
		}
		ans, err := f.d.ExplainEmptyNearby(ctx, none)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Reason != "no_adopter" || len(ans.SuggestedThemes) != 1 || ans.SuggestedThemes[0] != "communication" || len(ans.Suggestions) == 0 {
			t.Fatalf("explanation: %+v", ans)
		}
		themes := map[string][]string{}
		tools, _ := f.d.FindTools(ctx, directory.ToolFilter{})
		for _, tl := range tools {
			themes[tl.Slug] = tl.Themes
		}
		prev := 0.0
		for i, s := range adopters(t, ans.Suggestions) {
			if ans.Suggestions[i].Meters < prev {
				t.Errorf("suggestions not nearest first")
			}
			prev = ans.Suggestions[i].Meters
			ok := false
			for _, m := range s.Matched {
				for _, th := range themes[m.Tool] {
					ok = ok || th == "communication"
				}
			}
			if !ok {
				t.Errorf("suggestion %s uses no communication tool: %+v", s.ID, s.Matched)
			}
		}
	})

	t.Run("AnyTool", func(t *testing.T) {
		any := directory.NearbyQuery{Lon: 6.13, Lat: 48.3, Limit: 10,
			Filter: directory.ActorFilter{AnyTool: true, IncludePlanned: true}}
		found, _, err := f.d.Nearby(ctx, any)
		if err != nil || len(found) == 0 {
			t.Fatalf("any tool: %d, %v", len(found), err)
		}
		for _, a := range adopters(t, found) {
			if len(a.Matched) == 0 {
				t.Errorf("%s uses no tool", a.ID)
			}
		}
		if found[0].ID != "commune-88160" {
			t.Errorf("the nearest adopter from the Vosges is %s, want Épinal", found[0].ID)
		}
		if _, err := f.d.ExplainEmptyNearby(ctx, directory.NearbyQuery{Lon: 6, Lat: 48, Limit: 5}); directory.ErrorCode(err) != directory.EINVALID {
			t.Errorf("explaining a question about no tool: %v", err)
		}
	})

	t.Run("ThemeIncludesPlanned", func(t *testing.T) {
		th := directory.NearbyQuery{Lon: 6.13, Lat: 48.3, Limit: 10,
			Filter: directory.ActorFilter{Themes: []string{"economie"}, IncludePlanned: true}}
		found, _, err := f.d.Nearby(ctx, th)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, a := range adopters(t, found) {
			seen[a.ID] = a.Adopter
		}
		if seen["commune-29177"] != "planned" || seen["commune-47001"] != "in_use" {
			t.Fatalf("economie adopters: %v", seen)
		}
	})
}
