package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

func TestTileBound(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y uint32
		want    orb.Bound // checked to 1e-9°
		wantErr string
	}{
		{"OK world", 0, 0, 0, orb.Bound{Min: orb.Point{-180, -MaxMercatorLat}, Max: orb.Point{180, MaxMercatorLat}}, ""},
		{"OK north-west quarter", 1, 0, 0, orb.Bound{Min: orb.Point{-180, 0}, Max: orb.Point{0, MaxMercatorLat}}, ""},
		{"OK south-east quarter", 1, 1, 1, orb.Bound{Min: orb.Point{0, -MaxMercatorLat}, Max: orb.Point{180, 0}}, ""},
		{"OK last tile at 22", 22, 1<<22 - 1, 1<<22 - 1, orb.Bound{Min: orb.Point{180 - 360.0/(1<<22), -MaxMercatorLat}, Max: orb.Point{180, latOfMercY(1 - 1.0/(1<<22))}}, ""},
		{"ErrZ", 23, 0, 0, orb.Bound{}, "z must be between 0 and 22"},
		{"ErrZHuge", math.MaxUint32, 0, 0, orb.Bound{}, "z must be between 0 and 22"},
		{"ErrX", 10, 1024, 0, orb.Bound{}, "x must be between 0 and 1023 at zoom 10"},
		{"ErrY", 2, 0, 4, orb.Bound{}, "y must be between 0 and 3 at zoom 2"},
		{"ErrXAtZoom0", 0, 1, 0, orb.Bound{}, "x must be between 0 and 0 at zoom 0"},
		{"ErrXBeforeY", 3, 8, 9, orb.Bound{}, "x must be between 0 and 7 at zoom 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TileBound(tt.z, tt.x, tt.y)
			checkErr(t, err, tt.wantErr)
			if !boundNear(got, tt.want, 1e-9) {
				t.Errorf("TileBound = %v, want %v", got, tt.want)
			}
			// The same tiles are refused everywhere.
			_, err = BufferedTileBound(tt.z, tt.x, tt.y)
			checkErr(t, err, tt.wantErr)
			_, err = EncodeTile(tt.z, tt.x, tt.y, nil, false)
			checkErr(t, err, tt.wantErr)
		})
	}
}

func boundNear(a, b orb.Bound, eps float64) bool {
	return math.Abs(a.Min[0]-b.Min[0]) <= eps && math.Abs(a.Min[1]-b.Min[1]) <= eps &&
		math.Abs(a.Max[0]-b.Max[0]) <= eps && math.Abs(a.Max[1]-b.Max[1]) <= eps
}

func TestBufferedTileBound(t *testing.T) {
	// A quarter of a tile on each side.
	q := func(z uint32) float64 { return 360.0 / float64(uint64(1)<<z) / 4 }
	tests := []struct {
		name    string
		z, x, y uint32
		want    orb.Bound
	}{
		{"world", 0, 0, 0, world},
		{"crosses the antimeridian westward", 1, 0, 0, orb.Bound{Min: orb.Point{180 - q(1), latOfMercY(0.625)}, Max: orb.Point{q(1), 90}}},
		{"crosses the antimeridian eastward", 1, 1, 1, orb.Bound{Min: orb.Point{-q(1), -90}, Max: orb.Point{-180 + q(1), latOfMercY(0.375)}}},
		{"Paris", 10, 518, 352, orb.Bound{
			Min: orb.Point{lonOfMercX(517.75 / 1024), latOfMercY(353.25 / 1024)},
			Max: orb.Point{lonOfMercX(519.25 / 1024), latOfMercY(351.75 / 1024)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BufferedTileBound(tt.z, tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			if !boundNear(got, tt.want, 1e-9) {
				t.Errorf("BufferedTileBound = %v, want %v", got, tt.want)
			}
			tb, _ := TileBound(tt.z, tt.x, tt.y)
			for _, p := range []orb.Point{tb.Min, tb.Max, tb.Center()} {
				if !boundHas(got, p) {
					t.Errorf("%v of the tile is not in %v", p, got)
				}
			}
		})
	}
}

// TestEncodeTileRandom encodes random points around random tiles, decodes
// the tile with orb, and expects exactly the points within the buffer, each
// back within a tile unit of where it was, with its id and properties; and
// those are the points in BufferedTileBound.
func TestEncodeTileRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 4))
	kept, dropped := 0, 0
	defer func() {
		// Points out of the buffer, and points wrapped round the world,
		// must have been met for the test to prove anything.
		if kept < 2000 || dropped < 2000 {
			t.Errorf("%d features kept and %d dropped: too few to tell", kept, dropped)
		}
	}()
	for i := range 200 {
		z := uint32(rnd.IntN(MaxTileZoom + 1))
		n := uint32(1) << z
		x, y := rnd.Uint32N(n), rnd.Uint32N(n)
		if i%5 == 0 {
			x = []uint32{0, n - 1}[i%2] // by the antimeridian
		}
		tb, _ := TileBound(z, x, y)
		// Points over the tile and three times as wide around it.
		w, h := tb.Max[0]-tb.Min[0], tb.Max[1]-tb.Min[1]
		var feats []TileFeature
		for j := range 60 {
			p := orb.Point{tb.Min[0] - w + rnd.Float64()*3*w, tb.Min[1] - h + rnd.Float64()*3*h}
			p[0] = math.Mod(p[0]+540, 360) - 180
			p[1] = max(-90, min(90, p[1]))
			feats = append(feats, TileFeature{ID: uint64(j + 1), Point: p, Properties: map[string]any{
				"name": fmt.Sprint("actor ", j), "count": j, "share": float64(j) / 7, "cluster": j%2 == 0,
			}})
		}
		bb, _ := BufferedTileBound(z, x, y)
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/%d/%d gzip=%v", z, x, y, gz), func(t *testing.T) {
				data, err := EncodeTile(z, x, y, []TileLayer{{Name: "actors", Features: feats}}, gz)
				if err != nil {
					t.Fatal(err)
				}
				layers := decodeTile(t, data, gz)
				var got []mvtPoint
				if len(layers) == 1 {
					got = tilePoints(t, layers[0], maptile.New(x, y, maptile.Zoom(z)))
				}
				var want []TileFeature
				for _, f := range feats {
					if boundHas(bb, f.Point) {
						want = append(want, f)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("%d features in the tile, want %d", len(got), len(want))
				}
				kept += len(got)
				dropped += len(feats) - len(got)
				for k, g := range got {
					f := want[k]
					if g.id != float64(f.ID) {
						t.Fatalf("feature %d has id %v, want %d", k, g.id, f.ID)
					}
					if d := unitsApart(z, g.point, f.Point); d > 1 {
						t.Errorf("feature %d at %v, %.2f units from %v", k, g.point, d, f.Point)
					}
					for key, v := range f.Properties {
						wantV := v
						if i, ok := v.(int); ok {
							wantV = float64(i) // orb decodes every number as a float64
						}
						if g.props[key] != wantV {
							t.Errorf("feature %d: %s = %v, want %v", k, key, g.props[key], wantV)
						}
					}
				}
			})
		}
	}
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
	if err != nil {
		t.Fatalf("decoding the tile: %v", err)
	}
	for _, l := range layers {
		if l.Version != 2 || l.Extent != TileExtent {
			t.Fatalf("layer %s: version %d, extent %d", l.Name, l.Version, l.Extent)
		}
	}
	return layers
}

type mvtPoint struct {
	id    any
	point orb.Point // [lon, lat], at the centre of its tile unit
	props map[string]any
}

// tilePoints returns the features of a decoded layer, back in [lon, lat].
func tilePoints(t *testing.T, l *mvt.Layer, tile maptile.Tile) []mvtPoint {
	t.Helper()
	l.ProjectToWGS84(tile)
	var out []mvtPoint
	for _, f := range l.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("feature %v is a %T", f.ID, f.Geometry)
		}
		out = append(out, mvtPoint{f.ID, p, f.Properties})
	}
	return out
}

// unitsApart returns how far apart a and b are in tile units at zoom z, the
// short way round the world.
func unitsApart(z uint32, a, b orb.Point) float64 {
	world := float64(uint64(TileExtent) << z)
	dx := math.Abs(mercX(a[0]) - mercX(b[0]))
	dx = min(dx, 1-dx)
	return math.Max(dx*world, math.Abs(mercY(a[1])-mercY(b[1]))*world)
}

func TestEncodeTile(t *testing.T) {
	paris := orb.Point{2.3522, 48.8566}
	tile := maptile.At(paris, 10)
	z, x, y := uint32(tile.Z), tile.X, tile.Y
	tests := []struct {
		name     string
		z, x, y  uint32
		layers   []TileLayer
		want     map[string][]any // ids per layer
		wantErr  string
		wantUnit *orb.Point // of the first feature, in tile units
	}{
		{"OK empty", z, x, y, nil, map[string][]any{}, "", nil},
		{"OK layer with nothing in the tile", z, x, y, []TileLayer{
			{Name: "actors", Features: []TileFeature{{ID: 1, Point: orb.Point{4.8357, 45.7640}}}},
		}, map[string][]any{}, "", nil},
		{"OK two layers", z, x, y, []TileLayer{
			{Name: "clusters", Features: []TileFeature{{ID: 33, Point: paris, Properties: map[string]any{"point_count": 12}}}},
			{Name: "actors", Features: []TileFeature{{ID: 7, Point: paris}, {Point: paris}}},
		}, map[string][]any{"clusters": {33.0}, "actors": {7.0, nil}}, "", nil},
		{"OK west of the antimeridian", 3, 0, 4, []TileLayer{
			{Name: "wallis", Features: []TileFeature{{ID: 1, Point: orb.Point{179.9, -13.3}}}},
		}, map[string][]any{"wallis": {1.0}}, "", &orb.Point{-10, 1221}},
		{"OK east of the antimeridian", 3, 7, 4, []TileLayer{
			{Name: "wallis", Features: []TileFeature{{ID: 1, Point: orb.Point{-179.9, -13.3}}}},
		}, map[string][]any{"wallis": {1.0}}, "", &orb.Point{4096 + 9, 1221}},
		{"OK the poles on the edge", 1, 0, 0, []TileLayer{
			{Name: "poles", Features: []TileFeature{{ID: 1, Point: orb.Point{-90, 90}}, {ID: 2, Point: orb.Point{-90, 89}}}},
		}, map[string][]any{"poles": {1.0, 2.0}}, "", &orb.Point{2048, 0}},
		{"OK NaN left out", z, x, y, []TileLayer{
			{Name: "actors", Features: []TileFeature{{ID: 1, Point: orb.Point{math.NaN(), 48}}, {ID: 2, Point: paris}}},
		}, map[string][]any{"actors": {2.0}}, "", nil},
		{"ErrNoName", z, x, y, []TileLayer{{Name: ""}}, nil, "geo: tile layer with no name", nil},
		{"ErrSameName", z, x, y, []TileLayer{{Name: "a"}, {Name: "a"}}, nil, `geo: two tile layers named "a"`, nil},
		{"ErrProperty", z, x, y, []TileLayer{
			{Name: "a", Features: []TileFeature{{Point: paris, Properties: map[string]any{"f": func() {}}}}},
		}, nil, "error encoding geometry", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				data, err := EncodeTile(tt.z, tt.x, tt.y, tt.layers, gz)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("error %v, want %q", err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got := make(map[string][]any)
				for _, l := range decodeTile(t, data, gz) {
					for k, f := range l.Features {
						got[l.Name] = append(got[l.Name], f.ID)
						if k == 0 && tt.wantUnit != nil {
							u := f.Geometry.(orb.Point)
							if math.Abs(u[0]-tt.wantUnit[0]) > 1 || math.Abs(u[1]-tt.wantUnit[1]) > 1 {
								t.Errorf("first feature at unit %v, want %v", u, *tt.wantUnit)
							}
						}
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("gzip=%v: ids %v, want %v", gz, got, tt.want)
				}
			}
		})
	}
}
