package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Territory is an area made of polygons, such as France's metropolitan and
// overseas outline, that points can be checked against. Outlines at map
// scale miss small islands and cut coastal towns, so Contains takes a
// tolerance: a point in the sea close enough to the outline is in.
type Territory struct {
	polygons []orb.Polygon
	bounds   []orb.Bound
}

// NewTerritory builds a territory from polygons (lon/lat rings).
func NewTerritory(polygons ...orb.Polygon) *Territory {
	t := &Territory{}
	for _, p := range polygons {
		if len(p) == 0 || len(p[0]) < 3 {
			continue
		}
		t.polygons = append(t.polygons, p)
		t.bounds = append(t.bounds, p.Bound())
	}
	return t
}

// Len returns the number of polygons.
func (t *Territory) Len() int { return len(t.polygons) }

// Contains reports whether p lies inside the territory or within
// toleranceMeters of its outline.
func (t *Territory) Contains(p orb.Point, toleranceMeters float64) bool {
	// Degrees of latitude spanned by the tolerance; longitude degrees shrink
	// with cos(lat), so the box is widened accordingly (capped near the poles).
	dLat := toleranceMeters / (EarthRadius * math.Pi / 180)
	dLon := dLat / math.Max(math.Cos(p.Lat()*math.Pi/180), 0.01)
	for i, poly := range t.polygons {
		b := t.bounds[i]
		if p.Lon() < b.Min.Lon()-dLon || p.Lon() > b.Max.Lon()+dLon || p.Lat() < b.Min.Lat()-dLat || p.Lat() > b.Max.Lat()+dLat {
			continue
		}
		if planar.PolygonContains(poly, p) {
			return true
		}
		if toleranceMeters > 0 && ringsWithin(poly, p, toleranceMeters) {
			return true
		}
	}
	return false
}

// ringsWithin reports whether some edge of poly passes within m metres of p,
// measured in a local equirectangular projection around p (accurate to well
// under a percent at the tens of kilometres this is used for).
func ringsWithin(poly orb.Polygon, p orb.Point, m float64) bool {
	k := EarthRadius * math.Pi / 180
	cos := math.Cos(p.Lat() * math.Pi / 180)
	proj := func(q orb.Point) (float64, float64) {
		return (q.Lon() - p.Lon()) * k * cos, (q.Lat() - p.Lat()) * k
	}
	for _, ring := range poly {
		for j := 1; j < len(ring); j++ {
			ax, ay := proj(ring[j-1])
			bx, by := proj(ring[j])
			if segmentDistance(ax, ay, bx, by) <= m {
				return true
			}
		}
	}
	return false
}

// segmentDistance is the distance from the origin to segment a–b in the plane.
func segmentDistance(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}
