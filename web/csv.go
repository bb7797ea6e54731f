package web

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// featureDoc is the decoded shape of a pre-encoded feature, for CSV rows.
type featureDoc struct {
	ID       string `json:"id"`
	Geometry *struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Kind        string   `json:"kind"`
		Name        string   `json:"name"`
		Code        string   `json:"code"`
		SIREN       string   `json:"siren"`
		EPCIType    string   `json:"epci_type"`
		Departement string   `json:"departement"`
		Region      string   `json:"region"`
		Zone        string   `json:"zone"`
		Population  int      `json:"population"`
		PostalCodes []string `json:"postal_codes"`
		Parents     []string `json:"parents"`
		Precision   string   `json:"precision"`
		PointSource string   `json:"point_source"`
		Website     string   `json:"website"`
		Email       string   `json:"email"`
		Phone       string   `json:"phone"`
		Address     string   `json:"address"`
		Hours       string   `json:"opening_hours"`
		SIRET       string   `json:"siret"`
		Provenance  map[string]struct {
			Source string `json:"source"`
			AsOf   string `json:"as_of"`
		} `json:"provenance"`
		Stale     bool     `json:"stale"`
		Tools     []string `json:"tools"`
		Labels    []string `json:"labels"`
		Synthetic bool     `json:"synthetic"`
		Version   int      `json:"version"`
		UpdatedAt string   `json:"updated_at"`
		// adoptions
		Actor     string             `json:"actor"`
		ActorName string             `json:"actor_name"`
		ActorKind string             `json:"actor_kind"`
		Tool      string             `json:"tool"`
		ToolName  string             `json:"tool_name"`
		Usage     string             `json:"usage"`
		Since     int                `json:"since"`
		Status    string             `json:"status"`
		Contact   string             `json:"contact"`
		URL       string             `json:"url"`
		AsOf      string             `json:"as_of"`
		Sources   []directory.Source `json:"sources"`
	} `json:"properties"`
}

var (
	actorCSVHeader = []string{"id", "kind", "name", "code", "siren", "epci_type", "departement", "region",
		"zone", "population", "postal_codes", "parents", "lon", "lat", "precision", "point_source",
		"website", "email", "phone", "address", "opening_hours", "siret", "tools", "labels", "version", "updated_at",
		"provenance", "stale", "licence"}
	adoptionCSVHeader = []string{"id", "actor", "actor_name", "actor_kind", "tool", "tool_name", "usage",
		"since", "status", "as_of", "source", "contact", "url", "lon", "lat", "precision", "version", "licence"}
)

// csvLicence is stated on each row, since CSV has no place for a header note.
func csvLicence(pointSource string) string {
	if strings.HasPrefix(pointSource, "geonames:") || strings.HasPrefix(pointSource, "postal_area") ||
		strings.HasPrefix(pointSource, "epci_area") || strings.HasPrefix(pointSource, "derived") ||
		strings.HasPrefix(pointSource, "seat:") {
		return "Licence Ouverte 2.0 (Etalab); point: GeoNames CC BY 4.0"
	}
	return "Licence Ouverte 2.0 (Etalab)"
}

// cell neutralises spreadsheet formula injection: a text cell starting with
// =, +, -, @, tab or carriage return is prefixed with a quote so that
// spreadsheets show it as text instead of running it.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func coord(g *struct {
	Coordinates []float64 `json:"coordinates"`
}) (string, string) {
	if g == nil || len(g.Coordinates) < 2 {
		return "", ""
	}
	return strconv.FormatFloat(g.Coordinates[0], 'f', -1, 64), strconv.FormatFloat(g.Coordinates[1], 'f', -1, 64)
}

// csvRow turns one feature of collection col into a CSV record.
func csvRow(feature []byte, col string) ([]string, error) {
	var f featureDoc
	if err := json.Unmarshal(feature, &f); err != nil {
		return nil, err
	}
	p := &f.Properties
	lon, lat := coord(f.Geometry)
	if col == "adoptions" {
		return []string{cell(f.ID), cell(p.Actor), cell(p.ActorName), cell(p.ActorKind), cell(p.Tool),
			cell(p.ToolName), cell(p.Usage), num(p.Since), cell(p.Status), cell(p.AsOf), cell(csvSources(p.Sources)),
			cell(p.Contact), cell(p.URL),
			lon, lat, p.Precision, num(p.Version), "Licence Ouverte 2.0 (Etalab)"}, nil
	}
	licence := csvLicence(p.PointSource)
	var prov []string
	fromDILA := false
	for _, field := range directory.ProvenanceFields {
		if pr, ok := p.Provenance[field]; ok {
			prov = append(prov, field+"="+pr.Source+"@"+pr.AsOf)
			fromDILA = fromDILA || strings.HasPrefix(pr.Source, directory.SourceDILA)
		}
	}
	if fromDILA {
		licence += "; contact: " + directory.DILAAttribution
	}
	if p.Synthetic {
		licence = "synthetic benchmark data"
	}
	stale := ""
	if p.Stale {
		stale = "true"
	}
	return []string{cell(f.ID), cell(p.Kind), cell(p.Name), cell(p.Code), cell(p.SIREN), cell(p.EPCIType),
		cell(p.Departement), cell(p.Region), cell(p.Zone), num(p.Population),
		cell(strings.Join(p.PostalCodes, " ")), cell(strings.Join(p.Parents, " ")), lon, lat,
		cell(p.Precision), cell(p.PointSource), cell(p.Website), cell(p.Email), cell(p.Phone),
		cell(p.Address), cell(p.Hours), cell(p.SIRET), cell(strings.Join(p.Tools, " ")), cell(strings.Join(p.Labels, " | ")),
		num(p.Version), cell(p.UpdatedAt), cell(strings.Join(prov, " ")), stale, licence}, nil
}

// csvSources cites sources in one cell: "Title — Publication, date, URL",
// several separated by " | " (as the API gives them: no internal file names).
func csvSources(ss []directory.Source) string {
	var out []string
	for _, s := range ss {
		var parts []string
		for _, v := range []string{s.Title, s.Publication, s.Author, s.Date, s.URL} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		if len(parts) == 0 && s.Document != "" {
			parts = append(parts, s.Document)
		}
		out = append(out, strings.Join(parts, ", "))
	}
	return strings.Join(out, " | ")
}

func csvHeader(col string) []string {
	if col == "adoptions" {
		return adoptionCSVHeader
	}
	return actorCSVHeader
}

// writeCSV writes features of collection col as a CSV attachment.
func (s *Server) writeCSV(c *gin.Context, filename string, features [][]byte, col string) {
	c.Header("Content-Type", mediaCSV+"; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	i := 0
	s.streamCSV(c.Writer, col, func(fn func([]byte) error) error {
		for ; i < len(features); i++ {
			if err := fn(features[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// streamCSV writes a header then one row per feature that each yields.
func (s *Server) streamCSV(w io.Writer, col string, each func(func([]byte) error) error) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader(col)); err != nil {
		return err
	}
	err := each(func(f []byte) error {
		row, err := csvRow(f, col)
		if err != nil {
			return err
		}
		return cw.Write(row)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
