package directory

import (
	"fmt"
	"io/fs"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/geo"
)

// FranceTerritory returns France's metropolitan and overseas outline from the
// bundle (Natural Earth via world-atlas), where communes may be placed.
func FranceTerritory() (*geo.Territory, error) {
	raw, err := fs.ReadFile(data.FS(), data.OutlineFile)
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("outline: %w", err)
	}
	var polys []orb.Polygon
	for _, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			polys = append(polys, g)
		case orb.MultiPolygon:
			polys = append(polys, g...)
		}
	}
	return geo.NewTerritory(polys...), nil
}
