package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// csvColumn is one column of a CSV export: its header and its cell for a
// view (actor or adoption). Header and rows are made from the same list.
type csvColumn[T any] struct {
	name string
	cell func(v *T) string
}

// actorCSV are the columns of the actors CSV: the directory's actor
// fields (directory.ActorCSV), then the licence of the row.
var actorCSV = func() []csvColumn[directory.ActorView] {
	var out []csvColumn[directory.ActorView]
	for _, col := range directory.ActorCSV() {
		get := col.Cell
		if col.Number {
			out = append(out, csvColumn[directory.ActorView]{col.Name, get})
		} else {
			out = append(out, csvColumn[directory.ActorView]{col.Name, func(v *directory.ActorView) string { return cell(get(v)) }})
		}
	}
	return append(out, csvColumn[directory.ActorView]{"licence", func(v *directory.ActorView) string {
		if v.Synthetic {
			return "synthetic benchmark data"
		}
		licence := csvLicence(v.PointSource)
		for _, p := range v.Provenance {
			if strings.HasPrefix(p.Source, directory.SourceDILA) {
				return licence + "; contact: " + directory.DILAAttribution
			}
		}
		return licence
	}})
}()

// adoptionCSV are the columns of the adoptions CSV, in order.
var adoptionCSV = []csvColumn[directory.AdoptionView]{
	{"id", func(v *directory.AdoptionView) string { return cell(v.ID) }},
	{"actor", func(v *directory.AdoptionView) string { return cell(v.Actor) }},
	{"actor_name", func(v *directory.AdoptionView) string { return cell(v.ActorName) }},
	{"actor_kind", func(v *directory.AdoptionView) string { return cell(v.ActorKind) }},
	{"tool", func(v *directory.AdoptionView) string { return cell(v.Tool) }},
	{"tool_name", func(v *directory.AdoptionView) string { return cell(v.ToolName) }},
	{"usage", func(v *directory.AdoptionView) string { return cell(v.Usage) }},
	{"since", func(v *directory.AdoptionView) string { return num(v.Since) }},
	{"status", func(v *directory.AdoptionView) string { return cell(v.Status) }},
	{"as_of", func(v *directory.AdoptionView) string { return cell(v.AsOf) }},
	{"source", func(v *directory.AdoptionView) string { return cell(csvSources(v.Sources)) }},
	{"contact", func(v *directory.AdoptionView) string { return cell(v.Contact) }},
	{"url", func(v *directory.AdoptionView) string { return cell(v.URL) }},
	{"lon", func(v *directory.AdoptionView) string { return directory.CoordCell(v.HasPoint, v.Lon) }},
	{"lat", func(v *directory.AdoptionView) string { return directory.CoordCell(v.HasPoint, v.Lat) }},
	{"precision", func(v *directory.AdoptionView) string { return v.Precision }},
	{"version", func(v *directory.AdoptionView) string { return num(v.Version) }},
	{"licence", func(*directory.AdoptionView) string { return "Licence Ouverte 2.0 (Etalab)" }},
}

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

// writeCSV writes the rows of columns for views as a CSV attachment.
func writeCSV[T any](c *gin.Context, filename string, columns []csvColumn[T], views []T) {
	c.Header("Content-Type", mediaCSV+"; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	streamCSV(c.Writer, columns, func(fn func(*T) error) error {
		for i := range views {
			if err := fn(&views[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// streamCSV writes the header of columns, then a row for each view that
// each yields.
func streamCSV[T any](w io.Writer, columns []csvColumn[T], each func(func(*T) error) error) error {
	cw := csv.NewWriter(w)
	row := make([]string, len(columns))
	for i, col := range columns {
		row[i] = col.name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	err := each(func(v *T) error {
		for i, col := range columns {
			row[i] = col.cell(v)
		}
		return cw.Write(row)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
