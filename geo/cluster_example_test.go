package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/voisinage/voisinage/geo"
)

// Refs are positions in the caller's own table.
var places = []struct {
	name  string
	point orb.Point
}{
	{"Mairie de Paris", orb.Point{2.3522, 48.8566}},
	{"Mairie du 4e", orb.Point{2.3570, 48.8553}},
	{"Mairie de Montreuil", orb.Point{2.4410, 48.8616}},
	{"Mairie de Lyon", orb.Point{4.8357, 45.7640}},
	{"Mairie de Saint-Denis (Réunion)", orb.Point{55.4481, -20.8789}},
}

func placeIndex() *geo.ClusterIndex {
	pts := make([]geo.ClusterPoint, len(places))
	for i, p := range places {
		pts[i] = geo.ClusterPoint{Ref: uint32(i), Point: p.point}
	}
	ix, err := geo.NewClusterIndex(pts, geo.DefaultClusterOptions())
	if err != nil {
		panic(err)
	}
	return ix
}

func ExampleClusterIndex_Clusters() {
	ix := placeIndex()
	france := orb.Bound{Min: orb.Point{-5.2, 41.3}, Max: orb.Point{9.6, 51.1}}
	// Entries come in an order that is stable, and means nothing.
	for _, zoom := range []int{5, 10, 14} {
		fmt.Printf("zoom %d:", zoom)
		for _, c := range ix.Clusters(france, zoom) {
			if c.Count == 1 {
				fmt.Printf(" %s;", places[c.Ref].name)
			} else {
				fmt.Printf(" %d places;", c.Count)
			}
		}
		fmt.Println()
	}
	// Output:
	// zoom 5: 3 places; Mairie de Lyon;
	// zoom 10: 2 places; Mairie de Montreuil; Mairie de Lyon;
	// zoom 14: Mairie de Paris; Mairie du 4e; Mairie de Montreuil; Mairie de Lyon;
}

func ExampleClusterIndex_ExpansionZoom() {
	ix := placeIndex()
	// The map shows the cluster over Paris at zoom 5; a click on it zooms
	// to where it breaks apart, and lists its places.
	c := ix.Clusters(orb.Bound{Min: orb.Point{2, 48.5}, Max: orb.Point{3, 49}}, 5)[0]
	zoom, _ := ix.ExpansionZoom(c.ID)
	leaves, _ := ix.Leaves(c.ID, 10, 0)
	fmt.Printf("%d places, apart from zoom %d:", c.Count, zoom)
	for _, ref := range leaves {
		fmt.Printf(" %s;", places[ref].name)
	}
	fmt.Println()
	// Output: 3 places, apart from zoom 10: Mairie de Paris; Mairie du 4e; Mairie de Montreuil;
}

func ExampleEncodeTile() {
	ix := placeIndex()
	// The tile of Paris at zoom 10, with the clusters in and around it.
	z, x, y := uint32(10), uint32(518), uint32(352)
	b, err := geo.BufferedTileBound(z, x, y)
	if err != nil {
		panic(err)
	}
	var feats []geo.TileFeature
	for _, c := range ix.Clusters(b, int(z)) {
		feats = append(feats, geo.TileFeature{
			ID:         c.ID,
			Point:      c.Point,
			Properties: map[string]any{"count": c.Count},
		})
	}
	data, err := geo.EncodeTile(z, x, y, []geo.TileLayer{{Name: "actors", Features: feats}}, true)
	if err != nil {
		panic(err)
	}

	layers, _ := mvt.UnmarshalGzipped(data)
	// Features are in tile units, 0 to 4096 from the top left corner.
	for _, f := range layers[0].Features {
		fmt.Println(f.Geometry, f.Properties["count"])
	}
	// Output:
	// [2857 1179] 2
	// [3863 1079] 1
}

func ExampleTileBound() {
	fmt.Println(geo.TileBound(1, 1, 0))
	fmt.Println(geo.TileBound(10, 1024, 0))
	// Output:
	// {[0 0] [180 85.05112877980659]} <nil>
	// {[0 0] [0 0]} x must be between 0 and 1023 at zoom 10
}
