package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadius is the mean Earth radius in metres (IUGG R1, 6,371,008.8 m):
// the radius of the sphere on which Distance and Index.Nearest measure.
const EarthRadius = 6371008.8

const (
	rad     = math.Pi / 180
	halfRad = math.Pi / 360 // the haversine works on half angles
)

// Distance returns the great-circle distance in metres between a and b on a
// sphere of radius EarthRadius (6,371,008.8 m), by the haversine formula.
// Points are [lon, lat] in degrees. The sphere is off the WGS 84 ellipsoid by
// up to 0.5 %, which is plenty for "what is near me" and keeps Distance exact
// and cheap enough for the index to rank candidates with it.
func Distance(a, b orb.Point) float64 {
	return meters(havLat(a[1], b[1]) + havLon(a[0], math.Cos(a[1]*rad), b[0], math.Cos(b[1]*rad)))
}

// havLat and havLon are the two terms of the haversine of the central angle,
//
//	hav(θ) = hav(Δlat) + cos(lat1)·cos(lat2)·hav(Δlon),  hav(x) = sin²(x/2),
//
// split so that Nearest can give up on a candidate after the first one. The
// float64 conversions forbid fused multiply-adds, so that Nearest and Distance
// round alike and return bit-identical distances on every architecture.
func havLat(lat1, lat2 float64) float64 {
	s := math.Sin((lat2 - lat1) * halfRad)
	return float64(s * s)
}

func havLon(lon1, cosLat1, lon2, cosLat2 float64) float64 {
	s := math.Sin((lon2 - lon1) * halfRad)
	return float64(cosLat1 * cosLat2 * float64(s*s))
}

// meters turns the haversine of a central angle into metres. Rounding can
// push h a hair above 1 for antipodes, where Asin would return NaN.
func meters(h float64) float64 {
	return 2 * EarthRadius * math.Asin(math.Sqrt(min(h, 1)))
}

// havBound returns a haversine at least as large as that of every pair of
// points at most m metres apart, so that ranking by haversine never drops a
// point that Distance puts within m. The slack covers rounding in meters.
func havBound(m float64) float64 {
	theta := m / EarthRadius
	if theta >= math.Pi {
		return math.Inf(1)
	}
	s := math.Sin(theta / 2)
	return s*s*(1+1e-9) + 1e-20
}
