package web

import (
	"fmt"

	"github.com/paulmach/orb"
)

// Longitude and latitude given the wrong way round are the commonest
// mistake with coordinates: /api/nearby?lon=48.17&lat=6.45 is a point in the
// Indian Ocean, answered from Réunion 3,000 km away. Such a request is still
// answered as given (it is valid), with a warning when the point (or box) is
// far from every French territory while its swap falls in one.

// territoryNames name the boxes of territories (params.go) in warnings.
var territoryNames = map[string]string{
	"metro": "metropolitan France", "971": "Guadeloupe", "972": "Martinique", "973": "French Guiana",
	"974": "La Réunion", "976": "Mayotte", "975": "Saint-Pierre-et-Miquelon", "977": "Saint-Barthélemy and Saint-Martin",
	"986": "Wallis-et-Futuna", "987": "French Polynesia", "988": "New Caledonia",
}

// farMargin is how far (in degrees, about 300 km) outside every
// territory's box a point must lie to be called far from France.
const farMargin = 3.0

// territoryOf returns the id of the territory whose box, grown by margin
// degrees, holds the box b; "" for none.
func territoryOf(b orb.Bound, margin float64) string {
	for _, t := range territories {
		if b.Max.Lon() >= t.BBox[0]-margin && b.Min.Lon() <= t.BBox[2]+margin &&
			b.Max.Lat() >= t.BBox[1]-margin && b.Min.Lat() <= t.BBox[3]+margin {
			return t.ID
		}
	}
	return ""
}

// swappedPointWarning returns a warning when (lon, lat) is far from every
// French territory and (lat, lon) lies in one; "" otherwise.
func swappedPointWarning(lon, lat float64) string {
	here := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon, lat}}
	if lat < -90 || lat > 90 || lon < -90 || lon > 90 || territoryOf(here, farMargin) != "" {
		return ""
	}
	t := territoryOf(orb.Bound{Min: orb.Point{lat, lon}, Max: orb.Point{lat, lon}}, 0.2)
	if t == "" {
		return ""
	}
	return fmt.Sprintf("lon and lat look swapped: lon=%g, lat=%g is far from every French territory, while lon=%g, lat=%g is in %s. "+
		"Answered as given; send lon=%g&lat=%g if that was meant.", lon, lat, lat, lon, territoryNames[t], lat, lon)
}

// swappedBoxWarning does the same for a bbox (minLon,minLat,maxLon,maxLat).
func swappedBoxWarning(b *orb.Bound) string {
	if b == nil || b.Min.Lon() > b.Max.Lon() || territoryOf(*b, farMargin) != "" {
		return ""
	}
	sw := orb.Bound{Min: orb.Point{b.Min.Lat(), b.Min.Lon()}, Max: orb.Point{b.Max.Lat(), b.Max.Lon()}}
	if sw.Min.Lon() < -180 || sw.Max.Lon() > 180 || sw.Min.Lat() < -90 || sw.Max.Lat() > 90 {
		return ""
	}
	t := territoryOf(sw, 0.2)
	if t == "" {
		return ""
	}
	return fmt.Sprintf("lon and lat look swapped in bbox: %g,%g,%g,%g is far from every French territory, while %g,%g,%g,%g (minLon,minLat,maxLon,maxLat) covers %s. "+
		"Answered as given; send bbox=%g,%g,%g,%g if that was meant.",
		b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat(), sw.Min.Lon(), sw.Min.Lat(), sw.Max.Lon(), sw.Max.Lat(), territoryNames[t],
		sw.Min.Lon(), sw.Min.Lat(), sw.Max.Lon(), sw.Max.Lat())
}

// warningsMember returns the extra members carrying warnings (nil for none).
func addWarnings(extra map[string]any, warnings ...string) map[string]any {
	var ws []string
	for _, w := range warnings {
		if w != "" {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return extra
	}
	if extra == nil {
		extra = map[string]any{}
	}
	extra["warnings"] = ws
	return extra
}
