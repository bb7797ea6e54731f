package geo

import "math"

// MaxMercatorLat is the latitude, in degrees, where the Web Mercator square
// of web maps ends: atan(sinh(π)). The cluster index and the tiles place
// points beyond it on the top or bottom edge of the world.
const MaxMercatorLat = 85.05112877980659

// mercX and mercY project [lon, lat] to Web Mercator scaled to the unit
// square, x eastward from the antimeridian and y southward from the top
// edge, as map tiles count them.
func mercX(lon float64) float64 { return lon/360 + 0.5 }

func mercY(lat float64) float64 {
	lat = max(-MaxMercatorLat, min(MaxMercatorLat, lat))
	s := math.Sin(lat * rad)
	y := 0.5 - 0.25*math.Log((1+s)/(1-s))/math.Pi
	return max(0, min(1, y))
}

// lonOfMercX and latOfMercY undo mercX and mercY.
func lonOfMercX(x float64) float64 { return (x - 0.5) * 360 }

func latOfMercY(y float64) float64 {
	return 360*math.Atan(math.Exp((0.5-y)*2*math.Pi))/math.Pi - 90
}

// The cluster index keeps positions in the unit square as 32-bit fixed
// point: the same 8 bytes as two float32, but a step of 2^-32 of the world
// (9 mm at the equator) where a float32 near 0.5 steps by 2 m, which is
// several pixels at zoom 19.
const fixedOne = 1 << 32

// toFixed rounds a unit-square coordinate to fixed point. Rounding is
// monotonic, which the index relies on: a point inside a box stays inside
// the box once both are rounded. NaN becomes 0.
func toFixed(v float64) uint32 {
	f := math.Round(v * fixedOne)
	if !(f > 0) {
		return 0
	}
	if f >= math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(f)
}

func fromFixed(u uint32) float64 { return float64(u) / fixedOne }

func fixedX(lon float64) uint32 { return toFixed(mercX(lon)) }
func fixedY(lat float64) uint32 { return toFixed(mercY(lat)) }
