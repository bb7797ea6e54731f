package web

import (
	"strconv"
	"strings"

	"github.com/voisinage/voisinage/directory"
)

// Facts are shown with where they come from and how old they are, as a
// person would cite them: "En 2009, selon « Titre », Publication". The
// internal reference of a seed article (its file name) is never shown.

// AsOf says when a fact was true, from its as_of date as precise as the
// source gives it: "en 2009", "en février 2016", "le 25 février 2016"
// ("in 2009", "in February 2016", "on February 25, 2016"). "" when unknown
// or malformed.
func (c *catalog) AsOf(asOf string) string {
	parts := strings.Split(asOf, "-")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(parts) > 3 {
			return ""
		}
		nums[i] = n
	}
	switch len(nums) {
	case 1:
		if len(parts[0]) != 4 {
			return ""
		}
		return c.Tf("asof.year", nums[0])
	case 2:
		if nums[1] < 1 || nums[1] > 12 {
			return ""
		}
		return c.Tf("asof.month", c.T("month."+strconv.Itoa(nums[1])), nums[0])
	default:
		if nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 {
			return ""
		}
		day := strconv.Itoa(nums[2])
		if c.lang != "en" {
			day = frenchDay(nums[2])
		}
		return c.Tf("asof.day", day, c.T("month."+strconv.Itoa(nums[1])), nums[0])
	}
}

// Cite names a source as a person would: « Title », Publication, Author.
// A source with no citation (what a contributor typed as their source) is
// shown as given.
func (c *catalog) Cite(s directory.Source) string {
	if !s.Cited() {
		return s.Document
	}
	var parts []string
	if s.Title != "" {
		parts = append(parts, c.Tf("cite.title", s.Title))
	}
	if s.Publication != "" {
		parts = append(parts, s.Publication)
	}
	if s.Author != "" {
		parts = append(parts, s.Author)
	}
	if len(parts) == 0 { // only an address
		return s.URL
	}
	return typo(strings.Join(parts, ", "))
}

// SourceDate is a source's own date for a citation line: "25 février 2016",
// "février 2016", "2009"; "" when it states none.
func (c *catalog) SourceDate(date string) string {
	parts := strings.Split(date, "-")
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		m, _ := strconv.Atoi(parts[1])
		return c.T("month."+strconv.Itoa(m)) + " " + parts[0]
	case 3:
		m, _ := strconv.Atoi(parts[1])
		d, _ := strconv.Atoi(parts[2])
		if c.lang == "en" {
			return c.T("month."+strconv.Itoa(m)) + " " + strconv.Itoa(d) + ", " + parts[0]
		}
		return frenchDay(d) + " " + c.T("month."+strconv.Itoa(m)) + " " + parts[0]
	}
	return ""
}

// Provenance is the sentence that says how old a fact is and who says it:
// "En 2009, selon Paperblog", "Selon « Huit ateliers… », Localtis (non
// daté)", "En 2009, sans source citée" when no source can be named (none,
// or only a quote). The source cited is the one whose date gives as_of,
// else the first that can be named. "" when neither a date nor a source is
// known.
func (c *catalog) Provenance(asOf string, sources []directory.Source) string {
	var name string
	for _, s := range sources {
		if n := c.Cite(s); n != "" && (name == "" || (asOf != "" && s.Date == asOf)) {
			name = n
			if asOf != "" && s.Date == asOf {
				break
			}
		}
	}
	when := c.AsOf(asOf)
	switch {
	case name == "" && when == "":
		return ""
	case name == "":
		return capitalize(c.Tf("provenance.unsourced", when))
	case when == "":
		return capitalize(c.Tf("provenance.undated", name))
	}
	return capitalize(c.Tf("provenance.dated", when, name))
}

// linkKey is the catalog key naming a link type, seen from the linking
// actor ("membre de") or from the linked one ("membres").
func linkKey(typ string, incoming bool) string {
	if incoming {
		return "linkType.in." + typ
	}
	return "linkType." + typ
}
