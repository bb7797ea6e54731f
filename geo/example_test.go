package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/voisinage/voisinage/geo"
)

func ExampleDistance() {
	epinal := orb.Point{6.4503, 48.1724} // [lon, lat]
	nancy := orb.Point{6.1844, 48.6921}
	fmt.Printf("%.1f km\n", geo.Distance(epinal, nancy)/1000)
	// Output: 61.0 km
}

func ExampleCheckPoint() {
	fmt.Println(geo.CheckPoint(6.45, 48.17))
	fmt.Println(geo.CheckPoint(6.45, 91))
	// Output:
	// <nil>
	// lat must be between -90 and 90
}

func ExampleCheckBound() {
	// West of east is allowed: the box crosses the antimeridian.
	fmt.Println(geo.CheckBound(179, -15, -176, -12))
	fmt.Println(geo.CheckBound(6, 49, 7, 48))
	// Output:
	// <nil>
	// minLat must not be greater than maxLat
}

func ExampleIndex_Nearest() {
	// Refs are positions in the caller's own table.
	names := []string{"Épinal", "Nancy", "Metz", "Strasbourg"}
	ix := geo.NewIndex()
	ix.Insert(0, orb.Point{6.4503, 48.1724})
	ix.Insert(1, orb.Point{6.1844, 48.6921})
	ix.Insert(2, orb.Point{6.1757, 49.1193})
	ix.Insert(3, orb.Point{7.7521, 48.5734})

	near := ix.Nearest(orb.Point{6.4503, 48.1724}, geo.NearestOptions{
		K:         2,
		MaxMeters: 150e3,
		Accept:    func(ref uint32) bool { return ref != 0 }, // not Épinal itself
	})
	for _, n := range near {
		fmt.Printf("%s %.0f km\n", names[n.Ref], n.Meters/1000)
	}
	// Output:
	// Nancy 61 km
	// Strasbourg 106 km
}

func ExampleIndex_Nearest_antimeridian() {
	ix := geo.NewIndex()
	ix.Insert(1, orb.Point{179.9, -13.3})
	ix.Insert(2, orb.Point{-170, -13.3})

	// From Wallis, 179.9° E is 422 km to the west, not 356° away.
	for _, n := range ix.Nearest(orb.Point{-176.2, -13.3}, geo.NearestOptions{K: 2}) {
		fmt.Printf("ref %d at %.0f km\n", n.Ref, n.Meters/1000)
	}
	// Output:
	// ref 1 at 422 km
	// ref 2 at 671 km
}

func ExampleIndex_Search() {
	ix := geo.NewIndex()
	ix.Insert(1, orb.Point{179.9, -13.3})
	ix.Insert(2, orb.Point{-176.2, -13.3})
	ix.Insert(3, orb.Point{2.35, 48.85})

	// Min.Lon > Max.Lon: from 179° E eastward across the antimeridian to 176° W.
	b := orb.Bound{Min: orb.Point{179, -15}, Max: orb.Point{-176, -12}}
	n := 0
	ix.Search(b, func(ref uint32, p orb.Point) bool {
		n++
		return true
	})
	fmt.Println(n, "points")
	// Output: 2 points
}
