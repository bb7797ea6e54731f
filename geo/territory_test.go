package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestTerritory(t *testing.T) {
	// A square of about 111 km around (5, 45).
	square := orb.Polygon{{{4.5, 44.5}, {5.5, 44.5}, {5.5, 45.5}, {4.5, 45.5}, {4.5, 44.5}}}
	tr := NewTerritory(square)
	for _, c := range []struct {
		name string
		p    orb.Point
		tol  float64
		want bool
	}{
		{"Inside", orb.Point{5, 45}, 0, true},
		{"OutsideNoTolerance", orb.Point{5.52, 45}, 0, false},
		{"OutsideWithinTolerance", orb.Point{5.52, 45}, 3000, true}, // ~1.6 km east of the edge
		{"OutsideBeyondTolerance", orb.Point{5.7, 45}, 3000, false}, // ~16 km east
		{"NearCorner", orb.Point{5.51, 45.51}, 2000, true},
		{"FarAway", orb.Point{-60, 15}, 10000, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := tr.Contains(c.p, c.tol); got != c.want {
				t.Fatalf("Contains(%v, %v) = %v, want %v", c.p, c.tol, got, c.want)
			}
		})
	}
	if NewTerritory(orb.Polygon{}).Len() != 0 {
		t.Error("empty polygon kept")
	}
}
