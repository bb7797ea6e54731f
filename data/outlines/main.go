// Command outlines makes the département outlines the maps draw when no
// tile server answers: it reads France GeoJSON's departements file
// (github.com/gregoiredavid/france-geojson, IGN Admin Express COG under the
// Licence Ouverte), simplifies each shape (Douglas–Peucker), rounds the
// coordinates and writes a small GeoJSON FeatureCollection with each
// département's code, name and a point to write its name at.
//
//	go run ./data/outlines -src departements-avec-outre-mer.geojson -out web/static/geo/departements.geojson
//
// The output is deterministic: the same input gives the same bytes.
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"
)

func main() {
	src := flag.String("src", "", "France GeoJSON's departements-avec-outre-mer.geojson")
	out := flag.String("out", "web/static/geo/departements.geojson", "output file")
	tol := flag.Float64("tolerance", 0.002, "Douglas–Peucker tolerance, in degrees")
	flag.Parse()
	if err := run(*src, *out, *tol); err != nil {
		fmt.Fprintln(os.Stderr, "outlines:", err)
		os.Exit(1)
	}
}

func run(src, out string, tol float64) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return err
	}
	type feature struct {
		code, name string
		geom       orb.MultiPolygon
		label      orb.Point
	}
	var feats []feature
	for _, f := range fc.Features {
		code, _ := f.Properties["code"].(string)
		name, _ := f.Properties["nom"].(string)
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			return fmt.Errorf("%s: unexpected geometry %T", code, f.Geometry)
		}
		// The name goes at the centroid of the largest part (islands aside).
		largest := slices.MaxFunc(mp, func(a, b orb.Polygon) int {
			return cmp.Compare(planar.Area(a), planar.Area(b))
		})
		label, _ := planar.CentroidArea(largest)
		var kept orb.MultiPolygon
		for _, poly := range mp {
			p := simplify.DouglasPeucker(tol).Simplify(poly.Clone()).(orb.Polygon)
			var rings orb.Polygon
			for i, r := range p {
				r = roundRing(r)
				if len(r) < 4 {
					if i == 0 {
						break // the outer ring vanished: so does the part
					}
					continue
				}
				rings = append(rings, r)
			}
			if len(rings) > 0 {
				kept = append(kept, rings)
			}
		}
		if len(kept) == 0 {
			kept = orb.MultiPolygon{orb.Polygon{roundRing(largest[0])}}
		}
		feats = append(feats, feature{code, name, kept, orb.Point{round(label[0]), round(label[1])}})
	}
	slices.SortFunc(feats, func(a, b feature) int {
		if len(a.code) != len(b.code) {
			return len(a.code) - len(b.code)
		}
		return cmp.Compare(a.code, b.code)
	})
	// Written by hand so that numbers keep 4 decimals and the file stays small.
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","attribution":"IGN Admin Express COG 2018 via France GeoJSON (Licence Ouverte), simplified","features":[`)
	for i, f := range feats {
		if i > 0 {
			b.WriteString(",\n")
		}
		props, _ := json.Marshal(map[string]any{"code": f.code, "nom": f.name, "label": []float64{f.label[0], f.label[1]}})
		fmt.Fprintf(&b, `{"type":"Feature","properties":%s,"geometry":{"type":"MultiPolygon","coordinates":[`, props)
		for j, poly := range f.geom {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for k, r := range poly {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('[')
				for l, p := range r {
					if l > 0 {
						b.WriteByte(',')
					}
					b.WriteString("[" + num(p[0]) + "," + num(p[1]) + "]")
				}
				b.WriteByte(']')
			}
			b.WriteByte(']')
		}
		b.WriteString("]}}")
	}
	b.WriteString("]}\n")
	return os.WriteFile(out, b.Bytes(), 0o644)
}

func round(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// roundRing rounds a ring to 4 decimals (about 10 m) and drops the points
// that rounding made repeat.
func roundRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r))
	for _, p := range r {
		q := orb.Point{round(p[0]), round(p[1])}
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}
