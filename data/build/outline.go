package main

import (
	"encoding/json"
	"fmt"
	"math"
)

// topology is the part of a TopoJSON file the outline needs.
type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects map[string]struct {
		Geometries []struct {
			Type       string            `json:"type"`
			ID         string            `json:"id"`
			Arcs       json.RawMessage   `json:"arcs"`
			Properties map[string]string `json:"properties"`
		} `json:"geometries"`
	} `json:"objects"`
}

// outlinePart is a Natural Earth country (ISO 3166-1 numeric id) and what
// the bundle says of it.
type outlinePart struct{ ID, Name, Zone string }

// outlineParts are the Natural Earth countries drawn as France: first France
// itself (metropolitan France, Corsica and the five DROM), then the
// collectivités d'outre-mer, which Natural Earth keeps apart.
var outlineParts = []outlinePart{
	{"250", "France", "metro+drom"},
	{"666", "Saint-Pierre-et-Miquelon", "com"},
	{"652", "Saint-Barthélemy", "com"},
	{"663", "Saint-Martin", "com"},
	{"876", "Wallis-et-Futuna", "com"},
	{"258", "Polynésie française", "com"},
	{"540", "Nouvelle-Calédonie", "com"},
	{"260", "Terres australes et antarctiques françaises", "com"},
}

// neighbourParts are the countries a map of France, of a DROM or of
// Saint-Martin shows beside it, with their French names (Zone holds the
// part of France they border): drawn as land on a map without tiles, so
// that Germany does not look like sea from Strasbourg.
var neighbourParts = []outlinePart{
	{"056", "Belgique", "metro"},
	{"442", "Luxembourg", "metro"},
	{"276", "Allemagne", "metro"},
	{"756", "Suisse", "metro"},
	{"438", "Liechtenstein", "metro"},
	{"040", "Autriche", "metro"},
	{"380", "Italie", "metro"},
	{"674", "Saint-Marin", "metro"},
	{"336", "Vatican", "metro"},
	{"492", "Monaco", "metro"},
	{"724", "Espagne", "metro"},
	{"020", "Andorre", "metro"},
	{"620", "Portugal", "metro"},
	{"528", "Pays-Bas", "metro"},
	{"826", "Royaume-Uni", "metro"},
	{"372", "Irlande", "metro"},
	{"740", "Suriname", "973"},
	{"076", "Brésil", "973"},
	{"534", "Sint Maarten", "978"},
	{"212", "Dominique", "971"},
	{"662", "Sainte-Lucie", "972"},
	{"480", "Maurice", "974"},
	{"174", "Comores", "976"},
	{"450", "Madagascar", "976"},
}

// round4 rounds a coordinate to 4 decimals (about 10 m), well below the
// 1:50m source's own precision.
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

type geoFeature struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	Geometry   struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	} `json:"geometry"`
}

// franceOutline decodes countries-50m.json (TopoJSON: quantized, delta-encoded
// arcs and a transform) and returns France's outline as a GeoJSON
// FeatureCollection, one MultiPolygon feature per part of outlineParts, with
// RFC 7946 winding (exterior rings counterclockwise).
func franceOutline(raw []byte) ([]byte, error) { return countries(raw, outlineParts, "zone") }

// neighboursOutline is the neighbouring countries (neighbourParts), each
// with its French name and the part of France it borders ("borders").
func neighboursOutline(raw []byte) ([]byte, error) { return countries(raw, neighbourParts, "borders") }

// countries returns the parts of countries-50m.json as a GeoJSON
// FeatureCollection, in the order given; each part's Zone goes in the
// property zoneKey.
func countries(raw []byte, parts []outlinePart, zoneKey string) ([]byte, error) {
	var topo topology
	if err := json.Unmarshal(raw, &topo); err != nil {
		return nil, fmt.Errorf("countries-50m.json: %w", err)
	}
	if topo.Type != "Topology" || topo.Transform == nil {
		return nil, fmt.Errorf("countries-50m.json: not a quantized TopoJSON topology")
	}
	// Decode every arc once: undo the delta encoding, then the quantization.
	arcs := make([][][2]float64, len(topo.Arcs))
	sc, tr := topo.Transform.Scale, topo.Transform.Translate
	for i, arc := range topo.Arcs {
		var x, y float64
		pts := make([][2]float64, len(arc))
		for j, d := range arc {
			x += d[0]
			y += d[1]
			pts[j] = [2]float64{x*sc[0] + tr[0], y*sc[1] + tr[1]}
		}
		arcs[i] = pts
	}
	ring := func(idx []int) ([][2]float64, error) {
		var out [][2]float64
		for k, a := range idx {
			rev := a < 0
			if rev {
				a = ^a
			}
			if a >= len(arcs) {
				return nil, fmt.Errorf("arc %d out of range", a)
			}
			pts := arcs[a]
			for j := range pts {
				p := pts[j]
				if rev {
					p = pts[len(pts)-1-j]
				}
				if k > 0 && j == 0 {
					continue // shared with the previous arc's last point
				}
				out = append(out, [2]float64{round4(p[0]), round4(p[1])})
			}
		}
		// Rounding can make neighbours equal: drop the repeats.
		clean := out[:0]
		for i, p := range out {
			if i == 0 || p != out[i-1] {
				clean = append(clean, p)
			}
		}
		if len(clean) > 0 && clean[0] != clean[len(clean)-1] {
			clean = append(clean, clean[0])
		}
		return clean, nil
	}

	countries, ok := topo.Objects["countries"]
	if !ok {
		return nil, fmt.Errorf("countries-50m.json: no countries object")
	}
	fc := struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}{Type: "FeatureCollection"}
	for _, part := range parts {
		found := false
		for _, g := range countries.Geometries {
			if g.ID != part.ID {
				continue
			}
			found = true
			var polys [][][]int
			switch g.Type {
			case "Polygon":
				var p [][]int
				if err := json.Unmarshal(g.Arcs, &p); err != nil {
					return nil, fmt.Errorf("countries-50m.json %s: %w", part.ID, err)
				}
				polys = [][][]int{p}
			case "MultiPolygon":
				if err := json.Unmarshal(g.Arcs, &polys); err != nil {
					return nil, fmt.Errorf("countries-50m.json %s: %w", part.ID, err)
				}
			default:
				return nil, fmt.Errorf("countries-50m.json %s: unexpected geometry %s", part.ID, g.Type)
			}
			f := geoFeature{Type: "Feature", ID: part.ID, Properties: map[string]string{
				"name": part.Name, zoneKey: part.Zone, "source": "Natural Earth 1:50m (world-atlas 2.0.2), public domain",
			}}
			if en := g.Properties["name"]; en != "" && zoneKey != "zone" {
				f.Properties["name_en"] = en
			}
			f.Geometry.Type = "MultiPolygon"
			for _, poly := range polys {
				var rings [][][2]float64
				for ri, idx := range poly {
					r, err := ring(idx)
					if err != nil {
						return nil, fmt.Errorf("countries-50m.json %s: %w", part.ID, err)
					}
					area := signedArea(r)
					if len(r) < 4 || area == 0 {
						if ri == 0 {
							break // the exterior vanished at this precision: drop the polygon
						}
						continue
					}
					if (ri == 0) != (area > 0) {
						reverse(r)
					}
					rings = append(rings, r)
				}
				if len(rings) > 0 {
					f.Geometry.Coordinates = append(f.Geometry.Coordinates, rings)
				}
			}
			fc.Features = append(fc.Features, f)
		}
		if !found {
			return nil, fmt.Errorf("countries-50m.json: no country with id %s (%s)", part.ID, part.Name)
		}
	}
	return json.Marshal(fc)
}

// signedArea is the shoelace area of a closed ring in degrees², positive when
// counterclockwise.
func signedArea(r [][2]float64) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

func reverse(r [][2]float64) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
