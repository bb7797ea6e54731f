package data_test

import (
	"encoding/json"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/data"
)

// loadOnce decodes the committed bundle once for all the tests (about a
// second); the tests only read it.
var loadOnce = sync.OnceValues(data.Load)

func load(t *testing.T) *data.Bundle {
	t.Helper()
	b, err := loadOnce()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return b
}

func haversine(a, b [2]float64) float64 {
	const rad = math.Pi / 180
	dLat := (b[1] - a[1]) * rad
	dLon := (b[0] - a[0]) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(h))
}

func TestBundleCounts(t *testing.T) {
	b := load(t)
	kinds := map[string]int{}
	exact, communesWithout := 0, 0
	for _, a := range b.Actors {
		kinds[a.Kind]++
		if a.Kind == "commune" {
			if a.Point == nil {
				communesWithout++
			} else if a.Precision == data.PrecisionExact {
				exact++
			}
		}
	}
	for kind, want := range map[string]int{"commune": 34969, "epci": 1255, "departement": 109, "region": 26} {
		if kinds[kind] != want {
			t.Errorf("%d actors of kind %s, want %d", kinds[kind], kind, want)
		}
	}
	if kinds["prefecture"] == 0 || kinds["sous-prefecture"] == 0 {
		t.Errorf("no préfectures (%d) or sous-préfectures (%d)", kinds["prefecture"], kinds["sous-prefecture"])
	}
	if exact < 14700 {
		t.Errorf("%d communes with an exact point, want at least 14,700", exact)
	}
	if communesWithout >= 300 {
		t.Errorf("%d communes without a point, want fewer than 300", communesWithout)
	}
	for _, k := range []string{"kind:commune", "commune:exact", "tools", "adoptions"} {
		if b.Meta.Counts[k] == 0 {
			t.Errorf("meta counts %q is zero or missing", k)
		}
	}
	if b.Meta.Counts["kind:commune"] != kinds["commune"] || b.Meta.Counts["actors"] != len(b.Actors) {
		t.Errorf("meta counts disagree with the actors: %v", b.Meta.Counts)
	}
}

func TestBundleEpinal(t *testing.T) {
	b := load(t)
	i, ok := slices.BinarySearchFunc(b.Actors, "commune-88160", func(a data.Actor, id string) int {
		switch {
		case a.ID < id:
			return -1
		case a.ID > id:
			return 1
		}
		return 0
	})
	if !ok {
		t.Fatal("commune-88160 (Épinal) missing")
	}
	a := b.Actors[i]
	if a.Name != "Épinal" || a.Point == nil {
		t.Fatalf("commune-88160 = %+v", a)
	}
	if d := haversine(*a.Point, [2]float64{6.450, 48.174}); d > 3000 {
		t.Errorf("Épinal at %v, %.0f m from 6.450 E 48.174 N", *a.Point, d)
	}
	if a.Precision != data.PrecisionExact {
		t.Errorf("Épinal precision %q, want exact", a.Precision)
	}
}

func TestBundleIntegrity(t *testing.T) {
	b := load(t)
	ids := make(map[string]bool, len(b.Actors))
	for i, a := range b.Actors {
		if ids[a.ID] {
			t.Errorf("actor %s listed twice", a.ID)
		}
		ids[a.ID] = true
		if i > 0 && b.Actors[i-1].ID >= a.ID {
			t.Errorf("actors not sorted by id at %s", a.ID)
		}
	}
	for _, a := range b.Actors {
		if a.Name == "" || a.Kind == "" {
			t.Errorf("actor %s: empty name or kind", a.ID)
		}
		for _, p := range a.Parents {
			if !ids[p] {
				t.Errorf("actor %s: parent %s does not exist", a.ID, p)
			}
		}
		for _, m := range a.Members {
			if !ids[m] {
				t.Errorf("actor %s: member %s does not exist", a.ID, m)
			}
		}
		if a.Point == nil {
			if a.Precision != "" || a.PointSource != "" {
				t.Errorf("actor %s: precision %q / source %q without a point", a.ID, a.Precision, a.PointSource)
			}
			continue
		}
		lon, lat := a.Point[0], a.Point[1]
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			t.Errorf("actor %s: point %v out of range", a.ID, *a.Point)
		}
		if !slices.Contains(data.Precisions, a.Precision) {
			t.Errorf("actor %s: precision %q is not valid", a.ID, a.Precision)
		}
		if a.PointSource == "" {
			t.Errorf("actor %s: point without a source", a.ID)
		}
	}

	slugs := map[string]bool{}
	for i, tl := range b.Tools {
		slugs[tl.Slug] = true
		if i > 0 && b.Tools[i-1].Slug >= tl.Slug {
			t.Errorf("tools not sorted by slug at %s", tl.Slug)
		}
		if len(tl.Themes) == 0 {
			t.Errorf("tool %s: no theme", tl.Slug)
		}
		for _, th := range tl.Themes {
			if !slices.Contains(data.Themes, th) {
				t.Errorf("tool %s: theme %q is not one of the eight", tl.Slug, th)
			}
		}
	}
	if !sort.SliceIsSorted(b.Adoptions, func(i, j int) bool {
		x, y := b.Adoptions[i], b.Adoptions[j]
		return x.Actor < y.Actor || x.Actor == y.Actor && x.Tool < y.Tool
	}) {
		t.Error("adoptions not sorted by actor then tool")
	}
	for _, ad := range b.Adoptions {
		if !ids[ad.Actor] {
			t.Errorf("adoption %s → %s: actor does not exist", ad.Actor, ad.Tool)
		}
		if !slugs[ad.Tool] {
			t.Errorf("adoption %s → %s: tool does not exist", ad.Actor, ad.Tool)
		}
		if !slices.Contains(data.Statuses, ad.Status) {
			t.Errorf("adoption %s → %s: status %q", ad.Actor, ad.Tool, ad.Status)
		}
	}
}

// TestBundleSeedSources checks that every seed fact names its article. The
// articles themselves are not in the repository, so the name's shape is
// checked; data/build's TestSeedQuotes checks the quotes when they are.
func TestBundleSeedSources(t *testing.T) {
	b := load(t)
	doc := regexp.MustCompile(`^([0-9]{3}_[0-9a-f]{16}\.txt|page-[a-z0-9-]+)$`)
	date := regexp.MustCompile(`^$|^(19|20)[0-9]{2}(-[01][0-9](-[0-3][0-9])?)?$`)
	check := func(what string, ss []data.Source) {
		if len(ss) == 0 {
			t.Errorf("%s: no source", what)
		}
		for _, s := range ss {
			if !doc.MatchString(s.Document) {
				t.Errorf("%s: document %q is not NNN_hex.txt nor page-…", what, s.Document)
			}
			if s.Quote == "" {
				t.Errorf("%s: source %s without a quote", what, s.Document)
			}
			// Cited as a person would: never by its file name alone.
			if s.Publication == "" {
				t.Errorf("%s: source %s has no publication", what, s.Document)
			}
			if !date.MatchString(s.Date) {
				t.Errorf("%s: source %s: date %q", what, s.Document, s.Date)
			}
		}
	}
	seedActors := 0
	for _, a := range b.Actors {
		switch a.Kind {
		case "commune", "epci", "departement", "region", "prefecture", "sous-prefecture":
			if len(a.Sources) > 0 {
				check("actor "+a.ID, a.Sources)
			}
		default:
			seedActors++
			check("actor "+a.ID, a.Sources)
		}
	}
	if seedActors == 0 {
		t.Error("no seed actors")
	}
	for _, tl := range b.Tools {
		check("tool "+tl.Slug, tl.Sources)
	}
	for _, ad := range b.Adoptions {
		check("adoption "+ad.Actor+" → "+ad.Tool, ad.Sources)
		latest := ""
		for _, s := range ad.Sources {
			latest = max(latest, s.Date)
		}
		if ad.AsOf != latest {
			t.Errorf("adoption %s → %s: as_of %q, its sources' latest date is %q", ad.Actor, ad.Tool, ad.AsOf, latest)
		}
	}
	for _, l := range b.Links {
		check("link "+l.Actor+" "+l.Type+" "+l.Target, l.Sources)
	}
	for _, l := range b.Labels {
		check("label "+l.Actor+" "+l.Label, l.Sources)
	}
}

func TestBundleMeta(t *testing.T) {
	b := load(t)
	if len(b.Meta.Sources) < 3 {
		t.Errorf("meta credits %d datasets, want GeoNames, Etalab and Natural Earth", len(b.Meta.Sources))
	}
	for _, s := range b.Meta.Sources {
		if s.Licence == "" || s.Attribution == "" || s.Package == "" {
			t.Errorf("dataset %q: licence, attribution or package missing", s.Name)
		}
	}
	for _, k := range []string{data.PrecisionPostalArea, data.PrecisionEPCIArea} {
		e, ok := b.Meta.LeaveOne[k]
		if !ok || e.N == 0 {
			t.Errorf("leave_one_out %s missing", k)
			continue
		}
		if !(0 < e.Median && e.Median <= e.P90 && e.P90 <= e.P99) {
			t.Errorf("leave_one_out %s: %+v is not ordered", k, e)
		}
	}
}

func TestBundleOutline(t *testing.T) {
	raw, err := fs.ReadFile(data.FS(), data.OutlineFile)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			Geometry struct {
				Type        string           `json:"type"`
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
		t.Fatalf("outline: type %q, %d features", fc.Type, len(fc.Features))
	}
	france := fc.Features[0]
	if france.Geometry.Type != "MultiPolygon" {
		t.Fatalf("first feature is a %s, want France's MultiPolygon", france.Geometry.Type)
	}
	// Épinal must fall inside one of France's exterior rings.
	inside := false
	for _, poly := range france.Geometry.Coordinates {
		for ri, ring := range poly {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				t.Errorf("ring not closed or too short: %d points", len(ring))
			}
			if ri == 0 && pointInRing([2]float64{6.45, 48.18}, ring) {
				inside = true
			}
		}
	}
	if !inside {
		t.Error("Épinal is not inside France's outline")
	}
}

// TestBundleNeighbours: the countries beside France are there, named in
// French, as closed polygons holding their own towns and not France's.
func TestBundleNeighbours(t *testing.T) {
	raw, err := fs.ReadFile(data.FS(), data.NeighboursFile)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID         string            `json:"id"`
			Properties map[string]string `json:"properties"`
			Geometry   struct {
				Type        string           `json:"type"`
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	contains := func(coords [][][][2]float64, p [2]float64) bool {
		for _, poly := range coords {
			if len(poly) > 0 && pointInRing(p, poly[0]) {
				return true
			}
		}
		return false
	}
	byName := map[string]int{}
	for i, f := range fc.Features {
		byName[f.Properties["name"]] = i
		if f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) == 0 {
			t.Errorf("%s: %s with %d polygons", f.Properties["name"], f.Geometry.Type, len(f.Geometry.Coordinates))
		}
		if contains(f.Geometry.Coordinates, [2]float64{6.45, 48.18}) || contains(f.Geometry.Coordinates, [2]float64{2.35, 48.86}) {
			t.Errorf("%s holds Épinal or Paris", f.Properties["name"])
		}
	}
	for name, town := range map[string][2]float64{
		"Allemagne": {7.85, 48.0},  // Freiburg im Breisgau
		"Belgique":  {4.35, 50.85}, // Brussels
		"Suisse":    {6.14, 46.20}, // Geneva
		"Italie":    {7.68, 45.07}, // Turin
		"Espagne":   {2.17, 41.39}, // Barcelona
		"Suriname":  {-55.2, 5.85}, // Paramaribo
	} {
		i, ok := byName[name]
		if !ok {
			t.Errorf("no %s among the neighbours", name)
			continue
		}
		if !contains(fc.Features[i].Geometry.Coordinates, town) {
			t.Errorf("%s does not hold %v", name, town)
		}
	}
}

func pointInRing(p [2]float64, ring [][2]float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// TestBundleOverseas: GeoNames files the overseas territories under their
// own country codes; the rows are joined by each one's rule, so that all of
// Mayotte (17 communes, its département, région and préfecture) and the
// single-commune collectivities have a point, with the INSEE code read from
// the right column (Mamoudzou from admin1).
func TestBundleOverseas(t *testing.T) {
	b := load(t)
	byID := map[string]data.Actor{}
	mayotte := 0
	for _, a := range b.Actors {
		byID[a.ID] = a
		if a.Kind == "commune" && a.Departement == "976" {
			mayotte++
			if a.Point == nil || a.Precision != data.PrecisionExact {
				t.Errorf("%s %s: point %v precision %q, want exact", a.ID, a.Name, a.Point, a.Precision)
			}
		}
	}
	if mayotte != 17 {
		t.Errorf("%d communes in Mayotte, want 17", mayotte)
	}
	for id, src := range map[string]string{
		"commune-97611": "geonames:921815",  // Mamoudzou: INSEE code in admin1
		"commune-97701": "geonames:3579132", // Saint-Barthélemy: its capital Gustavia
		"commune-97801": "geonames:3578851", // Saint-Martin: Marigot
		"commune-98818": "geonames:2139521", // Nouméa: INSEE code in admin2
		"commune-98735": "geonames:4033936", // Papeete: by name
		"commune-97502": "geonames:3424934", // Saint-Pierre
		"commune-98613": "geonames:4034821", // Uvea: Mata-Utu, the capital
	} {
		if a := byID[id]; a.PointSource != src {
			t.Errorf("%s %s: point source %q, want %s", id, a.Name, a.PointSource, src)
		}
	}
	for _, id := range []string{"departement-976", "prefecture-976"} {
		a := byID[id]
		if a.Point == nil || a.PointSource != "derived:commune-97611" {
			t.Errorf("%s: point %v source %q, want Mamoudzou's", id, a.Point, a.PointSource)
		}
	}
	if r := byID["region-"+byID["departement-976"].Region]; r.Point == nil {
		t.Errorf("Mayotte's région %s has no point", r.ID)
	}
	// Mamoudzou, about 45.23 E 12.78 S.
	if p := byID["commune-97611"].Point; p == nil || haversine(*p, [2]float64{45.227, -12.780}) > 5000 {
		t.Errorf("Mamoudzou at %v", p)
	}
}

// TestBundleSeats: networks and agencies whose seat a cited page gives are
// placed at their seat's commune, with precision seat and that page among
// their sources.
func TestBundleSeats(t *testing.T) {
	b := load(t)
	byID := map[string]data.Actor{}
	for _, a := range b.Actors {
		byID[a.ID] = a
	}
	seats := 0
	for _, a := range b.Actors {
		if a.Precision != data.PrecisionSeat {
			continue
		}
		seats++
		commune, ok := strings.CutPrefix(a.PointSource, "seat:")
		if !ok || byID[commune].Point == nil || *byID[commune].Point != *a.Point {
			t.Errorf("%s: seat point %v from %q is not its commune's", a.ID, a.Point, a.PointSource)
		}
		page := false
		for _, s := range a.Sources {
			page = page || (strings.HasPrefix(s.Document, "page-") && s.URL != "")
		}
		if !page {
			t.Errorf("%s: placed at a seat no cited page gives", a.ID)
		}
	}
	if seats == 0 {
		t.Error("no actor is placed at its seat")
	}
	if a := byID["syndicat-megalis-bretagne"]; a.PointSource != "seat:commune-35051" {
		t.Errorf("Mégalis Bretagne: %q, want its seat in Cesson-Sévigné", a.PointSource)
	}
}

// TestBundleLinks: the partners of the Réseau du Net public breton are
// typed member_of links, each with its article.
func TestBundleLinks(t *testing.T) {
	b := load(t)
	members := map[string]bool{}
	for _, l := range b.Links {
		if l.Type == data.LinkMemberOf && l.Target == "organisation-reseau-du-net-public-breton" {
			members[l.Actor] = true
		}
		if !slices.Contains(data.LinkTypes, l.Type) || !slices.Contains(data.LinkStatuses, l.Status) {
			t.Errorf("link %+v: type or status outside the vocabulary", l)
		}
	}
	for _, id := range []string{"association-adullact", "association-fing", "association-oten", "association-villes-internet", "association-apronet", "association-creatif"} {
		if !members[id] {
			t.Errorf("%s is not a member of the Réseau du Net public breton", id)
		}
	}
}

// TestLiaisons: how names join "de" comes from INSEE's type de liaison:
// départements and régions carry it, communes beginning with an h muet are
// listed, and the spelling gives every other commune's.
func TestLiaisons(t *testing.T) {
	terr, err := data.LoadTerritories()
	if err != nil {
		t.Fatal(err)
	}
	liaison := map[string]int{}
	for _, p := range terr.Departements {
		liaison["departement:"+p.Name] = p.Liaison
	}
	for _, p := range terr.Regions {
		liaison["region:"+p.Name] = p.Liaison
	}
	for key, want := range map[string]int{
		"departement:Vosges": data.LiaisonLes, "departement:Ain": data.LiaisonLApos, "departement:Calvados": data.LiaisonLe,
		"departement:Charente": data.LiaisonLa, "departement:Paris": data.LiaisonDe, "departement:Eure-et-Loir": data.LiaisonDApos,
		"region:Grand Est": data.LiaisonLe, "region:Île-de-France": data.LiaisonDApos, "region:Hauts-de-France": data.LiaisonLes,
	} {
		if got, ok := liaison[key]; !ok || got != want {
			t.Errorf("%s: liaison %d (listed %v), want %d", key, got, ok, want)
		}
	}
	muet := map[string]bool{}
	for _, c := range terr.HMuet {
		muet[c] = true
	}
	for code, want := range map[string]bool{"14327": true, "83069": true, "67180": false, "88160": false} { // Hérouville-Saint-Clair, Hyères, Haguenau, Épinal
		if muet[code] != want {
			t.Errorf("commune %s listed with an h muet: %v, want %v", code, muet[code], want)
		}
	}
	if len(terr.HMuet) < 400 || !slices.IsSorted(terr.HMuet) {
		t.Errorf("%d communes with an h muet (want about 428, sorted)", len(terr.HMuet))
	}
	for name, want := range map[string]int{
		"Le Havre": data.LiaisonLe, "La Rochelle": data.LiaisonLa, "Les Mureaux": data.LiaisonLes, "L'Haÿ-les-Roses": data.LiaisonLApos,
		"Aux Marais": data.LiaisonAux, "Los Masos": data.LiaisonLos, "Épinal": data.LiaisonDApos, "Yvetot": data.LiaisonDApos,
		"Yenne": data.LiaisonDApos, "Brest": data.LiaisonDe, "Lens": data.LiaisonDe, "Le": data.LiaisonDe,
	} {
		if got, ok := data.SpelledLiaison(name); !ok || got != want {
			t.Errorf("SpelledLiaison(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := data.SpelledLiaison("Hyères"); ok {
		t.Error("SpelledLiaison decides an initial h; it cannot")
	}
}
