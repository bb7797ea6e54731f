package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// vectorDistance is an independent reference for Distance: the angle between
// the two points' unit vectors, by atan2 of the norms of their cross and dot
// products (the "Vincenty" special case for a sphere, stable at every range).
func vectorDistance(a, b orb.Point) float64 {
	unit := func(p orb.Point) [3]float64 {
		lon, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
		return [3]float64{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
	}
	u, v := unit(a), unit(b)
	cross := [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
	dot := u[0]*v[0] + u[1]*v[1] + u[2]*v[2]
	return EarthRadius * math.Atan2(math.Sqrt(cross[0]*cross[0]+cross[1]*cross[1]+cross[2]*cross[2]), dot)
}

var (
	paris     = orb.Point{2.3522, 48.8566}
	marseille = orb.Point{5.3698, 43.2965}
	epinal    = orb.Point{6.4503, 48.1724}
	nancy     = orb.Point{6.1844, 48.6921}
)

func TestDistance(t *testing.T) {
	halfTurn := math.Pi * EarthRadius
	tests := []struct {
		name string
		a, b orb.Point
		want float64 // metres, computed apart from Distance
	}{
		// Expected values come from vectorDistance's formula, run in Python.
		{"Paris-Marseille", paris, marseille, 660479.29},
		{"Épinal-Nancy", epinal, nancy, 61027.08},
		{"Wallis to lon 179.9 across the antimeridian", orb.Point{-176.2, -13.3}, orb.Point{179.9, -13.3}, 422025.23},
		{"0.2° of equator across the antimeridian", orb.Point{179.9, 0}, orb.Point{-179.9, 0}, 0.2 * math.Pi / 180 * EarthRadius},
		{"same point", paris, paris, 0},
		{"antipodes on the equator", orb.Point{0, 0}, orb.Point{180, 0}, halfTurn},
		{"pole to pole", orb.Point{12, 90}, orb.Point{-77, -90}, halfTurn},
		{"one degree of meridian", orb.Point{3, 45}, orb.Point{3, 46}, math.Pi / 180 * EarthRadius},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, got := range []float64{Distance(tt.a, tt.b), Distance(tt.b, tt.a)} {
				if math.Abs(got-tt.want) > tt.want*0.001 {
					t.Errorf("Distance = %.2f m, want %.2f m ±0.1%%", got, tt.want)
				}
			}
		})
	}
}

// TestDistanceRandom checks Distance against the vector formula everywhere,
// and checks that it is symmetric bit for bit, which Nearest relies on.
func TestDistanceRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		a, b := randomGlobePoint(r), randomGlobePoint(r)
		if r.IntN(2) == 0 { // near pairs too, where cancellation would show
			b = orb.Point{clampLon(a[0] + r.NormFloat64()*0.01), clampLat(a[1] + r.NormFloat64()*0.01)}
		}
		got, want := Distance(a, b), vectorDistance(a, b)
		if math.Abs(got-want) > 1e-6+want*1e-9 {
			t.Fatalf("Distance(%v, %v) = %v, vector formula says %v", a, b, got, want)
		}
		if back := Distance(b, a); back != got {
			t.Fatalf("Distance(%v, %v) = %v but Distance(b, a) = %v", a, b, got, back)
		}
	}
}

func randomGlobePoint(r *rand.Rand) orb.Point {
	// Uniform on the sphere, so the poles get their share and no more.
	return orb.Point{r.Float64()*360 - 180, math.Asin(r.Float64()*2-1) * 180 / math.Pi}
}

// clampLon wraps a longitude back into [-180, 180].
func clampLon(lon float64) float64 {
	for lon > 180 {
		lon -= 360
	}
	for lon < -180 {
		lon += 360
	}
	return lon
}

func clampLat(lat float64) float64 { return max(-90, min(90, lat)) }
