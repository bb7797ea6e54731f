package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// checkViewsMatchFeatures checks that every live actor's view says what its
// feature says, property by property, and so does every adoption's: pages
// and the CSV read views, the JSON API features, and both are made from
// the same entries. It returns how many actors it compared.
func checkViewsMatchFeatures(t *testing.T, d *directory.Directory) int {
	t.Helper()
	ctx := context.Background()
	var features [][]byte
	if err := d.EachActorFeature(ctx, func(f []byte) error {
		features = append(features, bytes.Clone(f))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	i, failed := 0, 0
	if err := d.EachActorView(ctx, func(v *directory.ActorView) error {
		if i >= len(features) {
			return fmt.Errorf("more views than features")
		}
		if err := sameAsFeature(viewProperties(v), v.HasPoint, v.Lon, v.Lat, v.ID, features[i]); err != nil && failed < 5 {
			failed++
			t.Errorf("actor %s: %v", v.ID, err)
		}
		i++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if i != len(features) {
		t.Errorf("%d views, %d features", i, len(features))
	}
	f := directory.ActorFilter{Limit: directory.MaxLimit}
	fp, err := d.FindAdoptions(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	vp, err := d.FindAdoptionViews(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(fp.Features) != len(vp.Items) || fp.Matched != vp.Matched || fp.More != vp.More {
		t.Fatalf("adoptions: %d features (%d matched), %d views (%d matched)", len(fp.Features), fp.Matched, len(vp.Items), vp.Matched)
	}
	for j, a := range vp.Items {
		props := adoptionProperties(&a, true)
		props["actor_name"], props["actor_kind"] = a.ActorName, a.ActorKind
		if a.HasPoint {
			props["precision"] = a.Precision
		}
		if err := sameAsFeature(props, a.HasPoint, a.Lon, a.Lat, a.ID, fp.Features[j]); err != nil && failed < 5 {
			failed++
			t.Errorf("adoption %s: %v", a.ID, err)
		}
	}
	return i
}

// viewProperties are the feature properties a view stands for, as the
// feature gives them (empty ones left out).
func viewProperties(v *directory.ActorView) map[string]any {
	p := map[string]any{"id": v.ID}
	set := func(k string, val any, present bool) {
		if present {
			p[k] = val
		}
	}
	set("kind", v.Kind, v.Kind != "")
	set("name", v.Name, v.Name != "")
	set("departement", v.Departement, v.Departement != "")
	set("region", v.Region, v.Region != "")
	set("population", v.Population, v.Population != 0)
	set("precision", v.Precision, v.HasPoint)
	set("point_source", v.PointSource, v.HasPoint && v.PointSource != "")
	for k, s := range map[string]string{"code": v.Code, "siren": v.SIREN, "epci_type": v.EPCIType, "zone": v.Zone,
		"website": v.Website, "email": v.Email, "phone": v.Phone, "address": v.Address, "description": v.Description,
		"opening_hours": v.OpeningHours, "siret": v.SIRET} {
		set(k, s, s != "")
	}
	for k, l := range map[string][]string{"postal_codes": v.PostalCodes, "parents": v.Parents, "labels": v.Labels, "tools": v.Tools} {
		set(k, l, len(l) > 0)
	}
	if len(v.Adoptions) > 0 {
		ads := make([]any, len(v.Adoptions))
		for i := range v.Adoptions {
			ads[i] = adoptionProperties(&v.Adoptions[i], false)
		}
		p["adoptions"] = ads
	}
	if len(v.Provenance) > 0 {
		prov := map[string]any{}
		for _, fp := range v.Provenance {
			prov[fp.Field] = map[string]any{"source": fp.Source, "as_of": fp.AsOf}
		}
		p["provenance"] = prov
	}
	set("stale", true, v.Stale)
	set("synthetic", true, v.Synthetic)
	set("version", v.Version, v.Version != 0)
	set("updated_at", v.UpdatedAt.Format(time.RFC3339), !v.UpdatedAt.IsZero())
	return p
}

// adoptionProperties are the properties of an adoption as features give them.
func adoptionProperties(a *directory.AdoptionView, withActor bool) map[string]any {
	p := map[string]any{"id": a.ID, "tool": a.Tool, "version": a.Version}
	if withActor {
		p["actor"] = a.Actor
	}
	for k, s := range map[string]string{"tool_name": a.ToolName, "usage": a.Usage, "status": a.Status,
		"contact": a.Contact, "url": a.URL, "as_of": a.AsOf} {
		if s != "" {
			p[k] = s
		}
	}
	if a.Since != 0 {
		p["since"] = a.Since
	}
	if len(a.Sources) > 0 {
		p["sources"] = a.Sources
	}
	if !a.VerifiedAt.IsZero() {
		p["verified_at"] = a.VerifiedAt.UTC().Format(time.RFC3339)
		if a.VerifiedBy != nil {
			p["verified_by"] = map[string]any{"id": a.VerifiedBy.ID, "name": a.VerifiedBy.Name}
		}
	}
	if a.Stale {
		p["stale"] = true
	}
	return p
}

// sameAsFeature compares want, the properties a view stands for, with the
// feature's: every one of them must be there with the same value, and the
// feature may have others only among those views leave to the actor page.
func sameAsFeature(want map[string]any, hasPoint bool, lon, lat float64, id string, feature []byte) error {
	var f struct {
		ID       string `json:"id"`
		Geometry *struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(feature, &f); err != nil {
		return err
	}
	if f.ID != id {
		return fmt.Errorf("feature %s in its place", f.ID)
	}
	if hasPoint != (f.Geometry != nil) || (hasPoint && (f.Geometry.Coordinates[0] != round6(lon) || f.Geometry.Coordinates[1] != round6(lat))) {
		return fmt.Errorf("point %v %v,%v, feature's geometry %+v", hasPoint, lon, lat, f.Geometry)
	}
	if raw, ok := f.Properties["provenance"]; ok {
		// Views keep each field's source and date; the confirmations and
		// staleness per field are the actor page's.
		var prov map[string]map[string]any
		json.Unmarshal(raw, &prov)
		for _, p := range prov {
			for k := range p {
				if k != "source" && k != "as_of" {
					delete(p, k)
				}
			}
		}
		f.Properties["provenance"], _ = json.Marshal(prov)
	}
	for k, v := range want {
		b, _ := json.Marshal(v)
		got, ok := f.Properties[k]
		if !ok {
			return fmt.Errorf("the view has %s = %s, the feature none", k, b)
		}
		if !jsonEqual(b, got) {
			return fmt.Errorf("%s: view %s, feature %s", k, b, got)
		}
	}
	pageOnly := map[string]bool{"members": true, "links": true, "linked_by": true, "label_awards": true, "sources": true}
	for k, v := range f.Properties {
		if _, ok := want[k]; !ok && !pageOnly[k] {
			return fmt.Errorf("the feature has %s = %s, the view none", k, v)
		}
	}
	return nil
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	na, _ := json.Marshal(x)
	nb, _ := json.Marshal(y)
	return bytes.Equal(na, nb)
}

func round6(f float64) float64 {
	var r float64
	fmt.Sscanf(fmt.Sprintf("%.6f", f), "%g", &r)
	return r
}

// TestViewsMatchFeatures checks views against features on the small
// dataset, then again after changes of every kind of field (rare fields
// set and cleared, points, adoptions added and changed, a tool renamed).
func TestViewsMatchFeatures(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	if n := checkViewsMatchFeatures(t, f.D); n < 300 {
		t.Fatalf("compared %d actors: the small dataset should have hundreds", n)
	}
	set := func(typ, id string, changes map[string]any) {
		t.Helper()
		raw := map[string]json.RawMessage{}
		for k, v := range changes {
			raw[k], _ = json.Marshal(v)
		}
		version := 0
		switch typ {
		case directory.TypeActor:
			version = mustView(t, f.D, id).Version
		case directory.TypeTool:
			tl, _, err := f.D.FindToolBySlug(f.Ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			version = tl.Version
		}
		action := directory.ActionUpdate
		if version == 0 {
			action = directory.ActionCreate
		}
		if _, err := f.D.ProposeEdit(f.Ctx, f.Mod, directory.ProposalInput{TargetType: typ, TargetID: id, Action: action,
			BaseVersion: version, Changes: raw}); err != nil {
			t.Fatalf("%s %s: %v", typ, id, err)
		}
	}
	set(directory.TypeActor, "commune-88160", map[string]any{"website": "https://www.epinal.fr/a?b=1&c=2", "phone": "03 29 68 50 00",
		"description": "Préfecture des Vosges.\nDeux lignes, « guillemets » et \\ barre.", "labels": []string{"Villes Internet 2016 : 5@", "é\u00a0z"},
		"opening_hours": "Lundi au vendredi : 8 h 30 – 12 h", "siret": "21880160300015"})
	if v := mustView(t, f.D, "commune-88160"); v.OpeningHours == "" || v.SIRET == "" || len(v.Provenance) == 0 {
		t.Fatalf("Épinal's view after the change: hours %q, SIRET %q, provenance %v", v.OpeningHours, v.SIRET, v.Provenance)
	}
	checkViewsMatchFeatures(t, f.D)
	set(directory.TypeActor, "commune-88160", map[string]any{"website": "", "labels": []string{}})
	set(directory.TypeActor, "commune-88209", map[string]any{"lon": 6.4, "lat": 48.2, "email": "mairie@golbey.fr"})
	tool := toolNotUsedBy(t, f.D, "commune-88209")
	set(directory.TypeAdoption, "", map[string]any{"actor": "commune-88209", "tool": tool, "usage": "Un usage\t« cité »", "since": 2019})
	set(directory.TypeTool, tool, map[string]any{"name": "Nouveau nom « de l'outil »"})
	if v := mustView(t, f.D, "commune-88209"); len(v.Adoptions) == 0 || v.Adoptions[len(v.Adoptions)-1].ToolName == "" {
		t.Fatalf("Golbey's adoptions: %+v", v.Adoptions)
	}
	checkViewsMatchFeatures(t, f.D)
}

func mustView(t *testing.T, d *directory.Directory, id string) directory.ActorView {
	t.Helper()
	v, err := d.FindActorView(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// toolNotUsedBy returns the slug of a tool actor id has no adoption of.
func toolNotUsedBy(t *testing.T, d *directory.Directory, id string) string {
	t.Helper()
	tools, err := d.FindTools(context.Background(), directory.ToolFilter{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, a := range mustView(t, d, id).Adoptions {
		used[a.Tool] = true
	}
	for _, tl := range tools {
		if !used[tl.Slug] {
			return tl.Slug
		}
	}
	t.Fatalf("%s uses every tool", id)
	return ""
}

// TestActorFieldList checks that the actor field list names every column
// of the actors table, on the store of the run, and that a record written
// through it reads back whole.
func TestActorFieldList(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	table, listed, err := f.DB.ActorColumns(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(table)
	slices.Sort(listed)
	if !slices.Equal(table, listed) {
		t.Fatalf("actors has columns %v, the field list %v", table, listed)
	}
	// A new actor with every field a proposal may set.
	raw := map[string]json.RawMessage{}
	for k, v := range map[string]any{"kind": directory.KindAssociation, "name": "Association « Tout » d'essai",
		"website": "https://example.org/x", "email": "a@example.org", "phone": "+33 3 29 00 00 00", "address": "1 rue X",
		"description": "Deux\nlignes", "labels": []string{"A", "B"}, "parents": []string{"departement-88"},
		"postal_codes": []string{"88000"}, "population": 12, "lon": 6.45, "lat": 48.17} {
		raw[k], _ = json.Marshal(v)
	}
	p, err := f.D.ProposeEdit(f.Ctx, f.Mod, directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate, Changes: raw})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.D.FindActorByID(f.Ctx, p.TargetID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != directory.KindAssociation || a.Website != "https://example.org/x" || a.Email != "a@example.org" ||
		a.Phone != "+33 3 29 00 00 00" || a.Address != "1 rue X" || a.Description != "Deux\nlignes" ||
		!slices.Equal(a.Labels, []string{"A", "B"}) || !slices.Equal(a.Parents, []string{"departement-88"}) ||
		!slices.Equal(a.PostalCodes, []string{"88000"}) || a.Population != 12 || a.Location == nil ||
		a.Location.Lon != 6.45 || a.Location.Lat != 48.17 || a.Version != 1 || a.CreatedAt.IsZero() {
		t.Fatalf("read back: %+v %+v", a, a.Location)
	}
	checkViewsMatchFeatures(t, f.D)
}
