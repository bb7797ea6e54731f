package main

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/fold"
)

// earthRadius is the mean Earth radius (IUGG), in metres.
const earthRadius = 6371008.8

// pt is a point, longitude and latitude in degrees.
type pt struct{ Lon, Lat float64 }

// round6 rounds a coordinate to 6 decimals (about 0.1 m), so that the output
// does not depend on the last bits of a float sum.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func (p pt) rounded() pt { return pt{round6(p.Lon), round6(p.Lat)} }

// haversine is the great-circle distance between a and b, in metres.
func haversine(a, b pt) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// mean is the plain mean of the longitudes and of the latitudes. Within
// France (no set of neighbours spans more than a few tens of kilometres, none
// crosses the antimeridian) it differs from the spherical centroid by far less
// than the error of the method itself.
func mean(ps []pt) pt {
	var lon, lat float64
	for _, p := range ps {
		lon += p.Lon
		lat += p.Lat
	}
	n := float64(len(ps))
	return pt{lon / n, lat / n}.rounded()
}

// exactPoint is the GeoNames point chosen for a commune.
type exactPoint struct {
	P     pt
	Place place
	Rule  string // which tie-break chose it, for the report
}

// featureRank orders GeoNames feature codes, best first; unknown codes rank last.
var featureRank = map[string]int{"PPLC": 0, "PPLA": 1, "PPLA2": 2, "PPLA3": 3, "PPLA4": 4, "PPLA5": 5, "PPL": 6}

func rankOf(code string) int {
	if r, ok := featureRank[code]; ok {
		return r
	}
	return len(featureRank)
}

// chooseExact picks, for every current commune, the GeoNames row that
// represents it. Several rows share an admin4 when a commune nouvelle absorbed
// places that GeoNames still lists: prefer the row named like the commune, then
// the one named like its chef-lieu (the commune déléguée or associée with the
// same code), then the best feature code, the largest population, the lowest
// geonameid.
func chooseExact(communes map[string]*commune, chefLieuName map[string]string, places []place) map[string]exactPoint {
	byCode := make(map[string][]place)
	for _, p := range places {
		if _, ok := communes[p.Code]; ok {
			byCode[p.Code] = append(byCode[p.Code], p)
		}
	}
	out := make(map[string]exactPoint, len(byCode))
	for code, cands := range byCode {
		c := communes[code]
		name := fold.String(c.Nom)
		sort.Slice(cands, func(i, j int) bool { return cands[i].ID < cands[j].ID })
		var best place
		rule := ""
		if len(cands) == 1 {
			best, rule = cands[0], "single"
		} else if p, ok := firstNamed(cands, name); ok {
			best, rule = p, "name"
		} else if p, ok := firstNamed(cands, fold.String(chefLieuName[code])); ok && chefLieuName[code] != "" {
			best, rule = p, "chef-lieu"
		} else {
			sort.SliceStable(cands, func(i, j int) bool {
				a, b := cands[i], cands[j]
				if ra, rb := rankOf(a.Feature), rankOf(b.Feature); ra != rb {
					return ra < rb
				}
				if a.Population != b.Population {
					return a.Population > b.Population
				}
				return a.ID < b.ID
			})
			best, rule = cands[0], "rank"
		}
		out[code] = exactPoint{P: pt{best.Lon, best.Lat}.rounded(), Place: best, Rule: rule}
	}
	return out
}

// firstNamed returns the candidate with the lowest geonameid whose folded name
// is name (cands is sorted by geonameid).
func firstNamed(cands []place, name string) (place, bool) {
	for _, p := range cands {
		if fold.String(p.Name) == name {
			return p, true
		}
	}
	return place{}, false
}

// located is the point a commune ends up with.
type located struct {
	P         pt
	Precision string
	Source    string
}

// approx computes the approximate points of the communes GeoNames lacks and
// measures each method by leave-one-out on the communes it places exactly.
type approx struct {
	codes   []string // current communes, sorted
	byCode  map[string]*commune
	exact   map[string]exactPoint
	postal  map[string][]string // postal code → commune codes, sorted
	epciOf  map[string]string   // commune code → EPCI SIREN
	members map[string][]string // EPCI SIREN → commune codes, sorted
}

// postalNeighbours returns the exactly-located communes other than code that
// share one of its postal codes (sorted, distinct), and the postal codes that
// contributed at least one of them.
func (a *approx) postalNeighbours(code string) (ns []string, used []string) {
	seen := map[string]bool{code: true}
	cps := append([]string(nil), a.byCode[code].CodesPostaux...)
	sort.Strings(cps)
	for i, cp := range cps {
		if i > 0 && cps[i-1] == cp {
			continue
		}
		contributed := false
		for _, other := range a.postal[cp] {
			if _, ok := a.exact[other]; !ok {
				continue
			}
			if other == code {
				continue
			}
			contributed = true
			if !seen[other] {
				seen[other] = true
				ns = append(ns, other)
			}
		}
		if contributed {
			used = append(used, cp)
		}
	}
	sort.Strings(ns)
	return ns, used
}

// epciNeighbours returns the exactly-located members of code's EPCI other
// than code, sorted.
func (a *approx) epciNeighbours(code string) []string {
	var ns []string
	for _, m := range a.members[a.epciOf[code]] {
		if _, ok := a.exact[m]; ok && m != code {
			ns = append(ns, m)
		}
	}
	return ns
}

func (a *approx) meanOf(codes []string) pt {
	ps := make([]pt, len(codes))
	for i, c := range codes {
		ps[i] = a.exact[c].P
	}
	return mean(ps)
}

// locate gives every commune its point: exact, else postal_area, else
// epci_area, else none.
func (a *approx) locate() map[string]located {
	out := make(map[string]located, len(a.codes))
	for _, code := range a.codes {
		if e, ok := a.exact[code]; ok {
			out[code] = located{e.P, data.PrecisionExact, "geonames:" + strconv.Itoa(e.Place.ID)}
			continue
		}
		if ns, used := a.postalNeighbours(code); len(ns) > 0 {
			out[code] = located{a.meanOf(ns), data.PrecisionPostalArea, "postal_area:" + strings.Join(used, ",")}
			continue
		}
		if siren := a.epciOf[code]; siren != "" {
			if ns := a.epciNeighbours(code); len(ns) > 0 {
				out[code] = located{a.meanOf(ns), data.PrecisionEPCIArea, "epci_area:" + siren}
			}
		}
	}
	return out
}

// leaveOneOut measures each method on the communes whose true point is known:
// the distance between the point the method would give a commune without its
// own point and that point.
func (a *approx) leaveOneOut() map[string]data.Err {
	var postal, epciD []float64
	for _, code := range a.codes {
		e, ok := a.exact[code]
		if !ok {
			continue
		}
		if ns, _ := a.postalNeighbours(code); len(ns) > 0 {
			postal = append(postal, haversine(a.meanOf(ns), e.P))
		}
		if a.epciOf[code] != "" {
			if ns := a.epciNeighbours(code); len(ns) > 0 {
				epciD = append(epciD, haversine(a.meanOf(ns), e.P))
			}
		}
	}
	return map[string]data.Err{
		data.PrecisionPostalArea: summarize(postal),
		data.PrecisionEPCIArea:   summarize(epciD),
	}
}

// summarize gives the nearest-rank median, p90 and p99 of ds, rounded to the metre.
func summarize(ds []float64) data.Err {
	if len(ds) == 0 {
		return data.Err{}
	}
	s := append([]float64(nil), ds...)
	sort.Float64s(s)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		i = max(0, min(i, len(s)-1))
		return math.Round(s[i])
	}
	return data.Err{N: len(s), Median: q(0.5), P90: q(0.9), P99: q(0.99)}
}
