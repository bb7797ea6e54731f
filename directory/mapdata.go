package directory

import (
	"cmp"
	"context"
	"slices"

	"github.com/paulmach/orb"
)

// What the maps need besides features: the box a view must frame, and the
// names of communes for a base map drawn without a tile server.

// ExtentOf returns the bounding box of the located actors matching f (its
// paging fields are ignored) and how many of them have a point; with none,
// the bound is the zero value. It returns EINVALID for bad filter values.
func (d *Directory) ExtentOf(ctx context.Context, f ActorFilter) (orb.Bound, int, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.validateFilterLocked(&f); err != nil {
		return orb.Bound{}, 0, err
	}
	refs, _ := d.matchAnyOrderLocked(&f)
	var b orb.Bound
	n := 0
	for _, r := range refs {
		e := &d.entries[r]
		if e.precision == 0 || e.deleted {
			continue
		}
		p := orb.Point{e.lon, e.lat}
		if n == 0 {
			b = orb.Bound{Min: p, Max: p}
		} else {
			b = b.Extend(p)
		}
		n++
	}
	return b, n, nil
}

// PlaceLabel is a commune's name at its point, for a map's labels.
type PlaceLabel struct {
	Name        string
	Lon, Lat    float64
	Population  int
	Approximate bool // the point is an approximation (postal or EPCI area)
}

// CommuneLabels returns the communes of a département that have a point,
// most populous first (the order in which a map places labels).
func (d *Directory) CommuneLabels(ctx context.Context, departement string) []PlaceLabel {
	d.mu.RLock()
	defer d.mu.RUnlock()
	f := ActorFilter{Kinds: []string{KindCommune}, Departements: []string{departement}}
	refs, _ := d.matchAnyOrderLocked(&f)
	out := make([]PlaceLabel, 0, len(refs))
	for _, r := range refs {
		e := &d.entries[r]
		if e.precision == 0 || e.deleted {
			continue
		}
		out = append(out, PlaceLabel{Name: d.str(e.name), Lon: e.lon, Lat: e.lat, Population: int(e.population),
			Approximate: IsApproximate(e.precisionName())})
	}
	slices.SortFunc(out, func(a, b PlaceLabel) int {
		return cmp.Or(cmp.Compare(b.Population, a.Population), cmp.Compare(a.Name, b.Name))
	})
	return out
}
