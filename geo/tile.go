package geo

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// MaxTileZoom is the deepest zoom of the tiles geo makes, as deep as web
// maps go: a tile there is 10 m wide at the equator.
const MaxTileZoom = 22

// TileExtent is the size of a vector tile in its own units, the Mapbox
// Vector Tile default.
const TileExtent = mvt.DefaultExtent

// TileBuffer is how far beyond its edges, in tile units, a tile keeps points:
// 1024 of 4096, 64 pixels of a 256-pixel tile (32 of a 512-pixel one). A
// symbol is drawn with the tile holding its point, and clipped at the
// tile's edge; a point just outside the tile, kept in the buffer, lets the
// tile draw its share of the symbol, so that a cluster's disc is not cut in
// half where two tiles meet.
const TileBuffer = 1024

// TileLayer is a layer of a vector tile.
type TileLayer struct {
	Name     string // what the map style refers to; unique within the tile
	Features []TileFeature
}

// TileFeature is a point of a vector tile.
type TileFeature struct {
	// ID is the feature's id in the tile, such as a Cluster ID for the map
	// to ask for its expansion zoom or leaves; 0 means none, as in the
	// format, where the id is optional.
	ID uint64
	// Point is [lon, lat].
	Point orb.Point
	// Properties are the feature's attributes: strings, numbers and
	// booleans are kept as such (and fmt.Stringers as strings), maps and
	// slices are written as JSON strings, and other values are an error.
	Properties map[string]any
}

// checkTile returns a *CoordError naming the field and its range unless the
// tile exists: z at most MaxTileZoom, x and y below 2^z. Tile numbers come
// straight from URLs, so the message is for the user.
func checkTile(z, x, y uint32) error {
	if z > MaxTileZoom {
		return &CoordError{Field: "z", Reason: fmt.Sprintf("must be between 0 and %d", MaxTileZoom), Max: MaxTileZoom}
	}
	last := uint32(1)<<z - 1
	if x > last {
		return &CoordError{Field: "x", Reason: fmt.Sprintf("must be between 0 and %d at zoom %d", last, z),
			Kind: TileOutOfRange, Max: float64(last), Zoom: int(z)}
	}
	if y > last {
		return &CoordError{Field: "y", Reason: fmt.Sprintf("must be between 0 and %d at zoom %d", last, z),
			Kind: TileOutOfRange, Max: float64(last), Zoom: int(z)}
	}
	return nil
}

// TileBound returns the [lon, lat] bound of the web map tile z/x/y (y
// counted from the north, as in XYZ tile URLs), or a *CoordError if there is
// no such tile.
func TileBound(z, x, y uint32) (orb.Bound, error) {
	if err := checkTile(z, x, y); err != nil {
		return orb.Bound{}, err
	}
	return maptile.New(x, y, maptile.Zoom(z)).Bound(), nil
}

// BufferedTileBound returns the bound of the points that EncodeTile keeps
// for the tile z/x/y: the tile grown by TileBuffer on every side, what to
// pass to ClusterIndex.Clusters or Index.Search to fetch a tile's points. By
// the antimeridian it crosses it (Min.Lon > Max.Lon); when it spans the
// world's width it is -180 to 180; along the top and bottom rows of tiles it
// reaches the poles, since points beyond MaxMercatorLat are drawn on the
// map's edge. It returns a *CoordError if there is no such tile.
func BufferedTileBound(z, x, y uint32) (orb.Bound, error) {
	if err := checkTile(z, x, y); err != nil {
		return orb.Bound{}, err
	}
	n := float64(uint64(1) << z)
	buf := float64(TileBuffer) / TileExtent
	x0, x1 := (float64(x)-buf)/n, (float64(x)+1+buf)/n
	y0, y1 := (float64(y)-buf)/n, (float64(y)+1+buf)/n
	b := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	if x1-x0 < 1 {
		// At most one side goes past the antimeridian, and comes back
		// from the other.
		b.Min[0], b.Max[0] = lonOfMercX(x0), lonOfMercX(x1)
		if x0 < 0 {
			b.Min[0] = lonOfMercX(x0 + 1)
		}
		if x1 > 1 {
			b.Max[0] = lonOfMercX(x1 - 1)
		}
	}
	if y0 > 0 {
		b.Max[1] = latOfMercY(y0)
	}
	if y1 < 1 {
		b.Min[1] = latOfMercY(y1)
	}
	return b, nil
}

// EncodeTile writes a Mapbox Vector Tile (version 2.1) for the tile z/x/y
// with the given layers, gzipped if gzipped is true (as tiles are stored
// and often served, with Content-Encoding: gzip). Points are placed on the
// tile's 4096-unit grid (TileExtent), and those beyond TileBuffer of the
// tile are left out: the caller may pass more than the tile needs, such as
// the points of BufferedTileBound. By the antimeridian, a point is placed
// on whichever side of the world keeps it near the tile. Layers left with no
// feature are left out, as the format asks; a tile with none is empty, and
// valid.
//
// It returns a *CoordError if there is no such tile, and an error for a
// layer with no name or the name of another, or for a property value that
// cannot be written.
func EncodeTile(z, x, y uint32, layers []TileLayer, gzipped bool) ([]byte, error) {
	if err := checkTile(z, x, y); err != nil {
		return nil, err
	}
	world := float64(uint64(TileExtent) << z)
	left, top := float64(x)*TileExtent, float64(y)*TileExtent
	out := make(mvt.Layers, 0, len(layers))
	names := make(map[string]bool, len(layers))
	for _, l := range layers {
		if l.Name == "" {
			return nil, errors.New("geo: tile layer with no name")
		}
		if names[l.Name] {
			return nil, fmt.Errorf("geo: two tile layers named %q", l.Name)
		}
		names[l.Name] = true
		ml := &mvt.Layer{Name: l.Name, Version: 2, Extent: TileExtent}
		for _, f := range l.Features {
			p, ok := tilePoint(f.Point, world, left, top)
			if !ok {
				continue
			}
			gf := &geojson.Feature{Type: "Feature", Geometry: p, Properties: f.Properties}
			if f.ID != 0 {
				gf.ID = f.ID
			}
			ml.Features = append(ml.Features, gf)
		}
		if len(ml.Features) > 0 {
			out = append(out, ml)
		}
	}
	data, err := mvt.Marshal(out)
	if err != nil || !gzipped {
		return data, err
	}
	// Not mvt.MarshalGzipped, which makes a new gzip.Writer every time.
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipWriters recycles gzip writers: each holds some 800 KB of compression
// tables, hundreds of times the size of a tile, which would otherwise be
// allocated and cleared for every tile. It is the only state geo keeps
// between calls, and none that a caller can see.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// tilePoint returns the tile units of p in the tile whose top left corner
// is at left, top in a world world units wide, and whether it is within
// TileBuffer of the tile. Units are floored, as orb's decoder expects (it
// places a point at the centre of its unit).
func tilePoint(p orb.Point, world, left, top float64) (orb.Point, bool) {
	tx := math.Floor(mercX(p[0])*world - left)
	ty := math.Floor(mercY(p[1])*world - top)
	if !inBuffer(ty) {
		return orb.Point{}, false
	}
	if !inBuffer(tx) {
		// The world wraps: try the copy of p one world east or west.
		if tx < 0 {
			tx += world
		} else {
			tx -= world
		}
		if !inBuffer(tx) {
			return orb.Point{}, false
		}
	}
	return orb.Point{tx, ty}, true
}

// inBuffer is written so that NaN fails it.
func inBuffer(v float64) bool { return v >= -TileBuffer && v < TileExtent+TileBuffer }
