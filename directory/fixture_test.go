package directory_test

import (
	"encoding/json"
	"testing"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// TestSmallDataset checks that the small dataset most tests run on still
// has the shapes they rely on, whatever the bundle becomes: if this fails,
// change the rules of directorytest.SmallDataset, not the tests.
func TestSmallDataset(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	type actor struct {
		feature
		zone        string
		postalCodes []string
	}
	var all []actor
	if err := f.D.EachActorFeature(f.Ctx, func(b []byte) error {
		var extra struct {
			Properties struct {
				Zone        string   `json:"zone"`
				PostalCodes []string `json:"postal_codes"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &extra); err != nil {
			return err
		}
		all = append(all, actor{decode(t, b), extra.Properties.Zone, extra.Properties.PostalCodes})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 || len(all) > 1000 {
		t.Errorf("%d actors: the small dataset should hold a few hundred", len(all))
	}
	kinds, precisions, zones := map[string]int{}, map[string]int{}, map[string]int{}
	unlocated, withTools, merged := 0, 0, 0
	members := map[string]int{}
	for _, a := range all {
		p := a.Properties
		kinds[p.Kind]++
		precisions[p.Precision]++
		if p.Kind == directory.KindCommune {
			zones[a.zone]++
			if a.Geometry == nil {
				unlocated++
			}
			if len(a.postalCodes) > 1 {
				merged++
			}
		}
		if len(p.Tools) > 0 {
			withTools++
		}
		if p.Kind == directory.KindEPCI {
			members[a.ID] = len(p.Members)
		}
	}
	for _, k := range []string{directory.KindCommune, directory.KindEPCI, directory.KindDepartement, directory.KindRegion,
		directory.KindPrefecture, directory.KindSousPrefecture, directory.KindAssociation} {
		if kinds[k] == 0 {
			t.Errorf("no actor of kind %s", k)
		}
	}
	for _, p := range []string{data.PrecisionExact, data.PrecisionPostalArea, data.PrecisionEPCIArea, data.PrecisionDerived} {
		if precisions[p] == 0 {
			t.Errorf("no point of precision %s", p)
		}
	}
	if zones["drom"] == 0 || zones["com"] == 0 {
		t.Errorf("communes by zone = %v, want overseas départements and collectivités", zones)
	}
	if unlocated == 0 {
		t.Error("no commune without a point")
	}
	if merged == 0 {
		t.Error("no commune with several postal codes (communes nouvelles)")
	}
	if members["epci-200068757"] < 50 {
		t.Errorf("the CA d'Épinal has %d members, want all of them", members["epci-200068757"])
	}
	tools, err := f.D.FindTools(f.Ctx, directory.ToolFilter{})
	if err != nil || len(tools) < 10 || withTools < 5 {
		t.Errorf("%d tools (%v), %d actors using one", len(tools), err, withTools)
	}
	for _, u := range []*directory.User{f.Alice, f.Bob, f.Carol, f.Mod, f.Admin} {
		if u == nil {
			t.Fatal("a fixture account is missing")
		}
	}
	if f.Mod.Role != directory.RoleModerator || f.Admin.Role != directory.RoleAdmin || f.Alice.Role != directory.RoleContributor {
		t.Errorf("fixture roles: %s, %s, %s", f.Alice.Role, f.Mod.Role, f.Admin.Role)
	}
	if _, err := f.D.Authenticate(f.Ctx, f.Alice.Email, directorytest.Password); err != nil {
		t.Errorf("the fixture password does not log Alice in: %v", err)
	}
}

// TestDataset checks the builder: picked actors come with their parents and
// real adoptions, made ones with the test's tools and adoptions.
func TestDataset(t *testing.T) {
	s := directorytest.NewDataset(t).Pick("commune-13004"). // Arles, which publishes photo albums online
								Actor(data.Actor{ID: "association-essai", Kind: directory.KindAssociation, Name: "Essai",
			Parents: []string{"region-93"}, Point: &[2]float64{4.63, 43.68}, Precision: data.PrecisionExact}).
		Tool(data.Tool{Slug: "outil-essai", Name: "Outil d'essai", Themes: []string{directory.Themes[0]}}).
		Adoption(data.Adoption{Actor: "association-essai", Tool: "outil-essai", Status: directory.StatusInUse})
	d := s.MustOpenDirectory(t)
	ctx := t.Context()
	st := d.Stats()
	// Arles, its EPCI, département and région, and the association.
	if st.Actors != 5 || s.Len() != 5 {
		t.Fatalf("%d actors (dataset says %d), want 5: %v", st.Actors, s.Len(), st.ByKind)
	}
	b, _, err := d.ActorFeature(ctx, "commune-13004")
	if err != nil {
		t.Fatal(err)
	}
	if f := decode(t, b); len(f.Properties.Tools) == 0 {
		t.Errorf("Arles lost its real adoptions: %+v", f.Properties)
	}
	b, _, err = d.ActorFeature(ctx, "association-essai")
	if err != nil {
		t.Fatal(err)
	}
	if f := decode(t, b); len(f.Properties.Tools) != 1 || f.Properties.Tools[0] != "outil-essai" {
		t.Errorf("the test's adoption: %+v", f.Properties)
	}
}
