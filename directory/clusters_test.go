package directory_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/geo"
)

// clusterFeature is a feature of a cluster page: a cluster or an actor.
type clusterFeature struct {
	ID       string `json:"id"`
	Geometry struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Cluster       bool      `json:"cluster"`
		ClusterID     uint64    `json:"cluster_id"`
		Count         int       `json:"count"`
		ExpansionZoom int       `json:"expansion_zoom"`
		BBox          []float64 `json:"bbox"`
		IDs           []string  `json:"ids"`
		Kind          string    `json:"kind"`
	} `json:"properties"`
}

func decodeClusters(t *testing.T, page *directory.ClusterPage) []clusterFeature {
	t.Helper()
	out := make([]clusterFeature, len(page.Features))
	for i, b := range page.Features {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("feature %d is not JSON: %v\n%s", i, err, b)
		}
	}
	return out
}

var world = orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}

// locatedCount is the brute-force answer: the actors matching f that have a
// point, from the items query (which scans, not clusters).
func locatedCount(t *testing.T, f *fixture, filter directory.ActorFilter) (int, map[string]bool) {
	t.Helper()
	if filter.Bound == nil {
		filter.Bound = &world
	}
	filter.Limit = directory.MaxLimit
	ids := map[string]bool{}
	for {
		page, err := f.d.FindActors(f.ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Features {
			var ft clusterFeature
			json.Unmarshal(b, &ft)
			ids[ft.ID] = true
		}
		filter.Offset += len(page.Features)
		if !page.More {
			return len(ids), ids
		}
	}
}

// TestClustersCountEveryActorOnce checks, at every zoom and for several
// filters, that the clusters and lone actors of the whole world count each
// located actor exactly once, against a brute-force count; that each
// cluster's point is inside its bounding box; and that small clusters list
// exactly their actors.
func TestClustersCountEveryActorOnce(t *testing.T) {
	f := newFixture(t)
	filters := map[string]directory.ActorFilter{
		"all":        {},
		"epci":       {Kinds: []string{directory.KindEPCI}},
		"vosges":     {Departements: []string{"88"}},
		"grand-est":  {Regions: []string{"44"}, Kinds: []string{directory.KindCommune, directory.KindEPCI}},
		"with-tools": {Themes: directory.Themes},
	}
	for name, filter := range filters {
		want, wantIDs := locatedCount(t, f, filter)
		if want == 0 {
			t.Fatalf("%s: no actor matches; the test proves nothing", name)
		}
		for zoom := 0; zoom <= directory.ClusterMaxZoom+1; zoom++ {
			page, err := f.d.Clusters(f.ctx, directory.ClusterQuery{Filter: filter, Zoom: zoom})
			if err != nil {
				t.Fatal(err)
			}
			total, clusters := 0, 0
			seen := map[string]bool{}
			for _, c := range decodeClusters(t, page) {
				if !c.Properties.Cluster {
					total++
					if seen[c.ID] || !wantIDs[c.ID] {
						t.Fatalf("%s zoom %d: actor %s twice, or not matching", name, zoom, c.ID)
					}
					seen[c.ID] = true
					continue
				}
				clusters++
				total += c.Properties.Count
				p, b := c.Geometry.Coordinates, c.Properties.BBox
				if c.Properties.Count < 2 || len(b) != 4 || p[0] < b[0] || p[0] > b[2] || p[1] < b[1] || p[1] > b[3] {
					t.Fatalf("%s zoom %d: cluster %+v: point outside its bbox or too small", name, zoom, c)
				}
				if c.Properties.ExpansionZoom <= zoom || c.Properties.ExpansionZoom > directory.ClusterMaxZoom+1 {
					t.Fatalf("%s zoom %d: expansion zoom %d", name, zoom, c.Properties.ExpansionZoom)
				}
				if c.Properties.Count <= 10 {
					if len(c.Properties.IDs) != c.Properties.Count {
						t.Fatalf("%s zoom %d: cluster of %d lists %v", name, zoom, c.Properties.Count, c.Properties.IDs)
					}
					for _, id := range c.Properties.IDs {
						if seen[id] || !wantIDs[id] {
							t.Fatalf("%s zoom %d: actor %s twice, or not matching", name, zoom, id)
						}
						seen[id] = true
					}
				} else if c.Properties.IDs != nil {
					t.Fatalf("%s zoom %d: a cluster of %d lists ids", name, zoom, c.Properties.Count)
				}
			}
			if total != want || page.Actors != want || page.Clusters != clusters {
				t.Fatalf("%s zoom %d: clusters count %d actors (page says %d), brute force %d", name, zoom, total, page.Actors, want)
			}
			if zoom == directory.ClusterMaxZoom+1 && clusters != 0 {
				t.Fatalf("%s: %d clusters above the last clustered zoom", name, clusters)
			}
		}
	}
}

// TestClustersInView checks a map view: every feature returned is in the
// box, and the clusters of the view hold all the actors of the box and
// only a few more (those of clusters straddling its edges).
func TestClustersInView(t *testing.T) {
	f := newFixture(t)
	view := orb.Bound{Min: orb.Point{5.4, 47.8}, Max: orb.Point{7.2, 48.6}} // the Vosges and around
	filter := directory.ActorFilter{Bound: &view}
	want, _ := locatedCount(t, f, filter)
	for _, zoom := range []int{7, 9, 11, 13} {
		page, err := f.d.Clusters(f.ctx, directory.ClusterQuery{Filter: filter, Zoom: zoom})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range decodeClusters(t, page) {
			p := c.Geometry.Coordinates
			if !view.Contains(orb.Point{p[0], p[1]}) {
				t.Fatalf("zoom %d: feature at %v outside the view %v", zoom, p, view)
			}
		}
		// Clusters are placed at their centre: those at the edges hold
		// actors outside the view, and miss some inside. At zoom 13 the
		// clusters are small, so the counts agree closely.
		if zoom == 13 && math.Abs(float64(page.Actors-want)) > 0.05*float64(want) {
			t.Fatalf("zoom 13: clusters count %d actors in view, brute force %d", page.Actors, want)
		}
	}
}

// TestClustersFollowEdits places an actor that had no point, and checks
// that the clusters show it at once, with the new change sequence.
func TestClustersFollowEdits(t *testing.T) {
	f := newFixture(t)
	near := orb.Bound{Min: orb.Point{-4.9, 48.0}, Max: orb.Point{-4.8, 48.07}}
	q := directory.ClusterQuery{Filter: directory.ActorFilter{Bound: &near}, Zoom: 19}
	before, err := f.d.Clusters(f.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	has := func(p *directory.ClusterPage) bool {
		return slices.ContainsFunc(decodeClusters(t, p), func(c clusterFeature) bool { return c.ID == sein })
	}
	if has(before) {
		t.Fatal("Île-de-Sein is on the map before anyone placed it")
	}
	p := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: sein, Action: "place",
		BaseVersion: 1, Changes: changes("lon", -4.8512, "lat", 48.0375)})
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: p.ID}); err != nil {
		t.Fatal(err)
	}
	after, err := f.d.Clusters(f.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !has(after) || after.Seq <= before.Seq || after.Seq != f.d.Seq() {
		t.Fatalf("after placing: on the map %v, seq %d → %d (directory at %d)", has(after), before.Seq, after.Seq, f.d.Seq())
	}
}

// TestClustersStaleWhileRebuilding makes every index "large", as at a
// million actors: after an edit, the previous index is served with its own
// change sequence (never a half-built one) until the rebuild lands.
func TestClustersStaleWhileRebuilding(t *testing.T) {
	f := newFixture(t)
	f.d.SetClusterSyncMax(0)
	q := directory.ClusterQuery{Filter: directory.ActorFilter{Departements: []string{"29"}}, Zoom: 19}
	before, err := f.d.Clusters(f.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	p := f.propose(t, f.alice, directory.ProposalInput{TargetType: "actor", TargetID: sein, Action: "place",
		BaseVersion: 1, Changes: changes("lon", -4.8512, "lat", 48.0375)})
	if _, err := f.d.ApproveEdit(f.ctx, f.mod, directory.Decision{ID: p.ID}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, err := f.d.Clusters(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		switch page.Seq {
		case before.Seq:
			if page.Actors != before.Actors {
				t.Fatalf("a stale page counts %d actors, its index %d", page.Actors, before.Actors)
			}
		case f.d.Seq():
			if page.Actors != before.Actors+1 {
				t.Fatalf("after placing Île-de-Sein: %d actors in the Finistère, before %d", page.Actors, before.Actors)
			}
			return
		default:
			t.Fatalf("page at seq %d, neither %d nor %d", page.Seq, before.Seq, f.d.Seq())
		}
		if time.Now().After(deadline) {
			t.Fatal("the rebuild never landed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClustersBadInput(t *testing.T) {
	f := newFixture(t)
	for _, q := range []directory.ClusterQuery{
		{Zoom: -1},
		{Zoom: geo.MaxClusterZoom + 1},
		{Zoom: 5, Filter: directory.ActorFilter{Kinds: []string{"château"}}},
		{Zoom: 5, Filter: directory.ActorFilter{Tools: []string{"no-such-tool"}}},
	} {
		_, err := f.d.Clusters(f.ctx, q)
		wantCode(t, err, directory.EINVALID)
	}
	for _, zxy := range [][3]uint32{{23, 0, 0}, {3, 8, 0}, {3, 0, 8}} {
		_, _, err := f.d.Tile(f.ctx, directory.ActorFilter{}, zxy[0], zxy[1], zxy[2], false)
		wantCode(t, err, directory.EINVALID)
	}
}

// TestTile decodes tiles: clusters at a low zoom, whose counts add up to the
// located actors of the tile's area, and the actor with its id, kind and
// name at a high one.
func TestTile(t *testing.T) {
	f := newFixture(t)
	for _, gz := range []bool{false, true} {
		// The tile holding Épinal, at the first zoom where every actor is
		// alone (the préfecture shares the commune's point).
		z := uint32(directory.ClusterMaxZoom + 1)
		tl := maptileAt(t, 6.45304, 48.18324, z)
		data, seq, err := f.d.Tile(f.ctx, directory.ActorFilter{}, z, tl[0], tl[1], gz)
		if err != nil {
			t.Fatal(err)
		}
		if seq != f.d.Seq() {
			t.Fatalf("tile at seq %d, directory at %d", seq, f.d.Seq())
		}
		layers := decodeTile(t, data, gz)
		found := false
		for _, ft := range layers[0].Features {
			if ft.Properties["id"] == "commune-88160" {
				found = ft.Properties["kind"] == "commune" && ft.Properties["name"] == "Épinal"
			}
		}
		if layers[0].Name != directory.TileLayerName || !found {
			t.Fatalf("gzip %v: zoom 19 tile without Épinal as commune: %v", gz, layers[0].Features)
		}
	}
	// Zoom 2: the tile holding France has clusters whose counts, with the
	// actors alone, hold every actor in the tile.
	data, _, err := f.d.Tile(f.ctx, directory.ActorFilter{Kinds: []string{directory.KindCommune}}, 2, 2, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	total, clusters := 0, 0
	for _, ft := range decodeTile(t, data, false)[0].Features {
		if ft.Properties["cluster"] == true {
			clusters++
			total += int(ft.Properties["count"].(float64))
			if ft.Properties["expansion_zoom"].(float64) <= 2 {
				t.Fatalf("expansion zoom %v at zoom 2", ft.Properties["expansion_zoom"])
			}
		} else {
			total++
		}
	}
	tileBound, _ := geo.TileBound(2, 2, 1)
	want, err := f.d.FindActors(f.ctx, directory.ActorFilter{Kinds: []string{directory.KindCommune}, Bound: &tileBound, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if clusters == 0 || total < want.Matched {
		t.Fatalf("zoom 2 tile: %d clusters counting %d communes, %d in the tile", clusters, total, want.Matched)
	}
}

func maptileAt(t *testing.T, lon, lat float64, z uint32) [2]uint32 {
	t.Helper()
	n := float64(uint32(1) << z)
	x := (lon + 180) / 360 * n
	y := (1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * n
	return [2]uint32{uint32(x), uint32(y)}
}

func decodeTile(t *testing.T, data []byte, gz bool) mvt.Layers {
	t.Helper()
	var layers mvt.Layers
	var err error
	if gz {
		layers, err = mvt.UnmarshalGzipped(data)
	} else {
		layers, err = mvt.Unmarshal(data)
	}
	if err != nil || len(layers) != 1 {
		t.Fatalf("tile does not decode to one layer: %v %v", layers, err)
	}
	return layers
}

// TestTileFollowsEdits checks that a tile kept in the cache is not served
// once the actors it shows have changed: Île-de-Sein, placed on the map,
// appears in the tile that had none.
func TestTileFollowsEdits(t *testing.T) {
	f := newFixture(t)
	z := uint32(directory.ClusterMaxZoom + 1)
	tl := maptileAt(t, -4.8512, 48.0375, z)
	hasSein := func() bool {
		data, _, err := f.d.Tile(f.ctx, directory.ActorFilter{}, z, tl[0], tl[1], false)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			for _, ft := range l.Features {
				if ft.Properties["id"] == sein {
					return true
				}
			}
		}
		return false
	}
	if hasSein() || hasSein() { // the second answer comes from the cache
		t.Fatal("Île-de-Sein is in the tile before anyone placed it")
	}
	f.propose(t, f.mod, directory.ProposalInput{TargetType: "actor", TargetID: sein, Action: "place",
		BaseVersion: 1, Changes: changes("lon", -4.8512, "lat", 48.0375)})
	if !hasSein() {
		t.Fatal("after placing Île-de-Sein, the tile still lacks it")
	}
}
