package data

import (
	"bufio"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
)

// The bundle is the committed output of the rebuild program (./data/build).
// It is embedded so that a server with no network still starts with real data.
//
//go:embed bundle
var bundle embed.FS

// Files of the bundle, relative to the bundle directory.
const (
	ActorsFile      = "actors.jsonl.gz"    // one Actor per line, sorted by ID
	ToolsFile       = "tools.json"         // []Tool, sorted by Slug
	AdoptionsFile   = "adoptions.json"     // []Adoption, sorted by Actor then Tool
	MetaFile        = "meta.json"          // Meta
	OutlineFile     = "france.geojson"     // France's outline (Natural Earth via world-atlas), a FeatureCollection
	NeighboursFile  = "neighbours.geojson" // the countries beside France and its DROM (Natural Earth), French names
	TerritoriesFile = "territories.json"   // Territories: the official départements and régions
	LinksFile       = "links.json"         // []Link, sorted by Actor, Type, TargetType, Target
	LabelsFile      = "labels.json"        // []Label, sorted by Actor, Label, Year
)

// Point precisions. Every point in the bundle carries one.
const (
	PrecisionExact      = "exact"       // GeoNames point of the commune itself
	PrecisionPostalArea = "postal_area" // mean of the GeoNames points of communes sharing a postal code
	PrecisionEPCIArea   = "epci_area"   // mean of the located members of the commune's EPCI
	PrecisionDerived    = "derived"     // copied from another actor (a seat's commune, an EPCI's largest member)
	PrecisionSeat       = "seat"        // a network's, association's or agency's seat: its seat commune's point, the seat cited in a source
)

// Actor is one public actor of the bundle.
type Actor struct {
	ID          string   `json:"id"`                     // "{kind}-{official code}" or "{kind}-{slug}"
	Kind        string   `json:"kind"`                   // commune, epci, departement, region, prefecture, sous-prefecture, association, …
	Name        string   `json:"name"`                   // official name, with its accents
	Code        string   `json:"code,omitempty"`         // INSEE COG code (commune, département, région, arrondissement) or SIREN for an EPCI
	SIREN       string   `json:"siren,omitempty"`        // SIREN where the official list gives one
	EPCIType    string   `json:"epci_type,omitempty"`    // CC, CA, CU, METRO for an EPCI
	Departement string   `json:"departement,omitempty"`  // département code
	Region      string   `json:"region,omitempty"`       // région code
	Parents     []string `json:"parents,omitempty"`      // actor ids, nearest first (commune → EPCI → département → région)
	Members     []string `json:"members,omitempty"`      // actor ids of the member communes of an EPCI
	PostalCodes []string `json:"postal_codes,omitempty"` // postal codes of a commune
	Population  int      `json:"population,omitempty"`   // municipal or total population where the official list gives it
	Zone        string   `json:"zone,omitempty"`         // metro, drom, com
	// Point is [lon, lat] (RFC 7946 order); nil when no source gives one.
	Point       *[2]float64 `json:"point,omitempty"`
	Precision   string      `json:"precision,omitempty"`    // one of the Precision constants when Point is set
	PointSource string      `json:"point_source,omitempty"` // e.g. "geonames:3020035", "postal_area:88000", "epci_area:200068120", "derived:commune-88160"
	Website     string      `json:"website,omitempty"`
	Email       string      `json:"email,omitempty"`
	Phone       string      `json:"phone,omitempty"`
	Address     string      `json:"address,omitempty"`
	Description string      `json:"description,omitempty"`
	Labels      []string    `json:"labels,omitempty"`
	Sources     []Source    `json:"sources,omitempty"` // for facts from the seed articles; the administrative list is credited once in Meta
}

// Source says where a fact comes from, as a person would cite it: the
// article's title, its publication, its date and its address where known.
// Document is an internal reference (the seed article's file name): it is
// never shown as the source.
type Source struct {
	Document    string `json:"document,omitempty"`    // internal: seed article file name, e.g. "001_bdba8e0e9f58fa06.txt", or a page id
	Title       string `json:"title,omitempty"`       // the article's title, as it gives it
	Publication string `json:"publication,omitempty"` // where it was published: "Localtis", "GreenSI"…
	Author      string `json:"author,omitempty"`      // as the article signs it
	Date        string `json:"date,omitempty"`        // the date it states: YYYY, YYYY-MM or YYYY-MM-DD; "" when it states none
	URL         string `json:"url,omitempty"`         // where it can be read, when known
	Quote       string `json:"quote,omitempty"`       // what it says, in its own words (short)
}

// Tool is a web service or a piece of software adopted by actors.
type Tool struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	URL         string   `json:"url,omitempty"`
	TutorialURL string   `json:"tutorial_url,omitempty"`
	Licence     string   `json:"licence,omitempty"` // e.g. "proprietary", "GPL-2.0-or-later"
	Free        bool     `json:"free_software"`     // free/open-source software
	Themes      []string `json:"themes,omitempty"`  // among the eight Artesi themes
	Sources     []Source `json:"sources,omitempty"`
}

// Adoption says an actor uses (or used, or plans to use) a tool.
type Adoption struct {
	Actor   string   `json:"actor"` // actor id
	Tool    string   `json:"tool"`  // tool slug
	Usage   string   `json:"usage,omitempty"`
	Since   int      `json:"since,omitempty"`   // year, when known
	Status  string   `json:"status"`            // in_use, abandoned, planned, one_off
	Contact string   `json:"contact,omitempty"` // as the source gives it
	URL     string   `json:"url,omitempty"`
	AsOf    string   `json:"as_of,omitempty"` // the latest date its sources state (YYYY, YYYY-MM or YYYY-MM-DD); "" when none states one
	Sources []Source `json:"sources,omitempty"`
}

// Link is a typed relation between an actor and another actor (or a tool):
// a member of a network, a partner of a syndicate. Like an adoption, it is
// true as of its sources' date.
type Link struct {
	Actor      string   `json:"actor"`       // actor id (the subject)
	Type       string   `json:"type"`        // one of LinkTypes
	TargetType string   `json:"target_type"` // "actor" or "tool"
	Target     string   `json:"target"`      // actor id or tool slug
	Status     string   `json:"status"`      // one of LinkStatuses
	Note       string   `json:"note,omitempty"`
	AsOf       string   `json:"as_of,omitempty"`
	Sources    []Source `json:"sources"`
}

// Label is a distinction awarded to an actor for a year, at a level: the
// Villes Internet label "5@" of 2016.
type Label struct {
	Actor   string   `json:"actor"`
	Label   string   `json:"label"` // one of the LabelSchemes ids
	Year    int      `json:"year"`
	Level   string   `json:"level,omitempty"` // e.g. "5@"; "" when the label has no levels or the source gives none
	Sources []Source `json:"sources"`
}

// Meta describes the bundle as a whole: what it was built from and what it holds.
type Meta struct {
	Sources  []DatasetSource `json:"sources"`
	Counts   map[string]int  `json:"counts"`        // actors by kind, tools, adoptions, points by precision
	LeaveOne map[string]Err  `json:"leave_one_out"` // measured error of each approximation method, in metres
	Notes    []string        `json:"notes,omitempty"`
}

// DatasetSource credits a dataset the bundle was built from.
type DatasetSource struct {
	Name        string `json:"name"`
	Package     string `json:"package"` // npm name@version
	Licence     string `json:"licence"`
	Attribution string `json:"attribution"`
	URL         string `json:"url,omitempty"`
}

// Err summarises a leave-one-out error distribution, in metres.
type Err struct {
	N      int     `json:"n"`
	Median float64 `json:"median_m"`
	P90    float64 `json:"p90_m"`
	P99    float64 `json:"p99_m"`
}

// Bundle is the whole bundled dataset, decoded.
type Bundle struct {
	Meta      Meta
	Actors    []Actor
	Tools     []Tool
	Adoptions []Adoption
	Links     []Link
	Labels    []Label
}

// Territories is the official list of départements and régions, so that
// filters can be checked against it whatever actors a database holds.
type Territories struct {
	Regions      []Place `json:"regions"`
	Departements []Place `json:"departements"`
	// HMuet holds the INSEE codes of the current communes whose name begins
	// with an h muet (liaison LiaisonDApos: "d'Hérouville-Saint-Clair"),
	// sorted. A commune beginning with an h that is not listed takes "de"
	// ("de Haguenau"); every other commune's liaison is SpelledLiaison of its
	// name. The same name may differ between communes (Hauteville).
	HMuet []string `json:"communes_h_muet"`
}

// Place is a département or a région.
type Place struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"` // for a département
	Zone   string `json:"zone,omitempty"`   // metro, drom, com
	// Liaison is INSEE's type de liaison (one of the Liaison constants): how
	// French joins the name, which carries no article, to "de" ("des
	// Vosges", "du Grand Est", "de l'Ain").
	Liaison int `json:"liaison"`
}

// LoadTerritories decodes the embedded list of départements and régions.
func LoadTerritories() (*Territories, error) {
	var t Territories
	if err := readJSON(FS(), TerritoriesFile, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// FS returns the embedded bundle directory.
func FS() fs.FS {
	sub, err := fs.Sub(bundle, "bundle")
	if err != nil {
		panic(err) // the directory is embedded at build time; this cannot fail
	}
	return sub
}

// Load decodes the embedded bundle.
func Load() (*Bundle, error) { return LoadFS(FS()) }

// LoadFS decodes a bundle from fsys (the embedded one, or a freshly built one in tests).
func LoadFS(fsys fs.FS) (*Bundle, error) {
	var b Bundle
	if err := readJSON(fsys, MetaFile, &b.Meta); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, ToolsFile, &b.Tools); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, AdoptionsFile, &b.Adoptions); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, LinksFile, &b.Links); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, LabelsFile, &b.Labels); err != nil {
		return nil, err
	}
	f, err := fsys.Open(ActorsFile)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", ActorsFile, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var a Actor
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("bundle %s line %d: %w", ActorsFile, line, err)
		}
		b.Actors = append(b.Actors, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", ActorsFile, err)
	}
	return &b, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("bundle %s: %w", name, err)
	}
	return nil
}
