package geo

import (
	"errors"
	"math"
	"testing"
)

func TestCheckPoint(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name     string
		lon, lat float64
		wantErr  string // "" for none
	}{
		{"OK", 6.4503, 48.1724, ""},
		{"OK origin", 0, 0, ""},
		{"OK lat 90", 0, 90, ""},
		{"OK lat -90", 0, -90, ""},
		{"OK lon -180", -180, 0, ""},
		{"OK lon 180", 180, 0, ""},
		{"ErrLatAbove90", 0, 90.0001, "lat must be between -90 and 90"},
		{"ErrLatBelow-90", 0, -90.5, "lat must be between -90 and 90"},
		{"ErrLonAbove180", 180.5, 0, "lon must be between -180 and 180"},
		{"ErrLonBelow-180", -180.0001, 0, "lon must be between -180 and 180"},
		{"ErrLatNaN", 0, nan, "lat must be between -90 and 90"},
		{"ErrLonNaN", nan, 0, "lon must be between -180 and 180"},
		{"ErrLatInf", 0, inf, "lat must be between -90 and 90"},
		{"ErrLonMinusInf", -inf, 0, "lon must be between -180 and 180"},
		{"ErrBothNamesLonFirst", 200, 100, "lon must be between -180 and 180"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckPoint(tt.lon, tt.lat), tt.wantErr)
		})
	}
}

func TestCheckBound(t *testing.T) {
	tests := []struct {
		name                           string
		minLon, minLat, maxLon, maxLat float64
		wantErr                        string
	}{
		{"OK France", -5.2, 41.3, 9.6, 51.1, ""},
		{"OK whole world", -180, -90, 180, 90, ""},
		{"OK a point", 2, 48, 2, 48, ""},
		{"OK crossing the antimeridian", 177, -15, -176, -12, ""},
		{"ErrMinLatAboveMaxLat", 2, 49, 3, 48, "minLat must not be greater than maxLat"},
		{"ErrMinLon", -181, 0, 0, 1, "minLon must be between -180 and 180"},
		{"ErrMinLat", 0, -91, 1, 1, "minLat must be between -90 and 90"},
		{"ErrMaxLon", 0, 0, math.NaN(), 1, "maxLon must be between -180 and 180"},
		{"ErrMaxLat", 0, 0, 1, math.Inf(1), "maxLat must be between -90 and 90"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckBound(tt.minLon, tt.minLat, tt.maxLon, tt.maxLat), tt.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %q", err)
		}
		return
	}
	var ce *CoordError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *CoordError %q", err, want)
	}
	if err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
}
