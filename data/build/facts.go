package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/voisinage/voisinage/data"
)

// facts is the hand-made file data/seeds/facts.json: what the seed articles
// say, each fact with its source.
type facts struct {
	// Documents are the sources the facts cite: the seed articles (id: their
	// file name) and the public pages a seat is read from (id: "page-…").
	Documents []document `json:"documents"`
	// Actors the administrative list does not hold (networks, agencies, media…).
	Actors []data.Actor `json:"actors"`
	// Updates add what an article states to an administrative actor.
	Updates   []update        `json:"updates"`
	Tools     []data.Tool     `json:"tools"`
	Adoptions []data.Adoption `json:"adoptions"`
	Links     []data.Link     `json:"links"`
	Labels    []data.Label    `json:"labels"`
	// Seats place networks, associations and agencies at their seat.
	Seats []seat `json:"seats"`
}

// document is a source as a person cites it. Note says where each part of
// the citation was read (the article's own text, the address it is
// published at); it stays in facts.json.
type document struct {
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Publication string `json:"publication"`
	Author      string `json:"author,omitempty"`
	Date        string `json:"date,omitempty"`
	URL         string `json:"url,omitempty"`
	Note        string `json:"note"`
}

// update adds article facts to an actor of the administrative list. Only
// contact fields, a description and labels can be added; the official fields
// stay the official list's.
type update struct {
	ID          string        `json:"id"`
	Website     string        `json:"website,omitempty"`
	Email       string        `json:"email,omitempty"`
	Phone       string        `json:"phone,omitempty"`
	Address     string        `json:"address,omitempty"`
	Description string        `json:"description,omitempty"`
	Labels      []string      `json:"labels,omitempty"`
	Sources     []data.Source `json:"sources"`
}

// seat says in which commune an actor of the facts has its seat, and where
// that is written.
type seat struct {
	Actor   string        `json:"actor"`
	Commune string        `json:"commune"` // INSEE code of the seat's commune
	Sources []data.Source `json:"sources"`
}

// seedKinds are the kinds a seed actor may have; administrative kinds come
// from the official list only.
var seedKinds = []string{"association", "public-agency", "syndicat", "media", "organisation"}

var (
	slugRe     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	articleRe  = regexp.MustCompile(`^[0-9]{3}_[0-9a-f]{16}\.txt$`)
	pageRe     = regexp.MustCompile(`^page-[a-z0-9]+(-[a-z0-9]+)*$`)
	dateRe     = regexp.MustCompile(`^(19|20)[0-9]{2}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`)
	httpURLRe  = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)
	levelsByID = func() map[string][]string {
		m := map[string][]string{}
		for _, s := range data.LabelSchemes {
			m[s.ID] = s.Levels
		}
		return m
	}()
)

// readFacts decodes the facts file, refusing unknown fields so that a typo is
// an error rather than a silently dropped fact.
func readFacts(path string) (*facts, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := decodeFacts(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func decodeFacts(raw []byte) (*facts, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f facts
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the facts object")
	}
	return &f, nil
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// citer resolves the sources of facts against the documents.
type citer map[string]document

func newCiter(docs []document) (citer, error) {
	c := citer{}
	for _, d := range docs {
		what := "facts document " + d.ID
		switch {
		case articleRe.MatchString(d.ID):
		case pageRe.MatchString(d.ID):
			if d.URL == "" {
				return nil, fmt.Errorf("%s: a page is cited by its address: url is required", what)
			}
		default:
			return nil, fmt.Errorf("%s: id must be a seed article's file name (NNN_hex16.txt) or page-<slug>", what)
		}
		if _, dup := c[d.ID]; dup {
			return nil, fmt.Errorf("%s: listed twice", what)
		}
		if strings.TrimSpace(d.Publication) == "" {
			return nil, fmt.Errorf("%s: no publication (a source is cited by its title and publication, never by its file name)", what)
		}
		if d.Date != "" && !dateRe.MatchString(d.Date) {
			return nil, fmt.Errorf("%s: date %q must be YYYY, YYYY-MM or YYYY-MM-DD", what, d.Date)
		}
		if d.URL != "" && !httpURLRe.MatchString(d.URL) {
			return nil, fmt.Errorf("%s: url %q is not an http(s) address", what, d.URL)
		}
		if strings.TrimSpace(d.Note) == "" {
			return nil, fmt.Errorf("%s: no note saying where the title, publication and date were read", what)
		}
		c[d.ID] = d
	}
	return c, nil
}

// cite checks a fact's sources (at least one, each naming a known document
// and quoting it) and returns them with their citation filled in from the
// documents. Facts name the document and quote it; everything else comes
// from the document entry.
func (c citer) cite(what string, ss []data.Source) ([]data.Source, error) {
	if len(ss) == 0 {
		return nil, fmt.Errorf("%s: no source (every seed fact needs the article it comes from)", what)
	}
	out := make([]data.Source, len(ss))
	for i, s := range ss {
		d, ok := c[s.Document]
		if !ok {
			if !articleRe.MatchString(s.Document) && !pageRe.MatchString(s.Document) {
				return nil, fmt.Errorf("%s: source document %q is not a seed article file name (NNN_hex16.txt) nor a page id", what, s.Document)
			}
			return nil, fmt.Errorf("%s: source document %q is not listed in documents", what, s.Document)
		}
		if strings.TrimSpace(s.Quote) == "" {
			return nil, fmt.Errorf("%s: source %s has no quote", what, s.Document)
		}
		if s.Title != "" || s.Publication != "" || s.Author != "" || s.Date != "" || s.URL != "" {
			return nil, fmt.Errorf("%s: source %s: the citation comes from its document entry; give only document and quote", what, s.Document)
		}
		out[i] = data.Source{Document: d.ID, Title: d.Title, Publication: d.Publication, Author: d.Author,
			Date: d.Date, URL: d.URL, Quote: s.Quote}
	}
	return out, nil
}

// asOf is the latest date the sources state ("" when none states one).
// Dates of different precision compare as text: "2016" < "2016-02-25", so
// the more precise one wins within a year.
func asOf(ss []data.Source) string {
	latest := ""
	for _, s := range ss {
		if s.Date > latest {
			latest = s.Date
		}
	}
	return latest
}

// applied is the result of the facts: every actor (official ones with the
// article updates, seed ones added), tools, adoptions, links and labels,
// each sorted as the bundle wants them.
type applied struct {
	actors    []data.Actor
	tools     []data.Tool
	adoptions []data.Adoption
	links     []data.Link
	labels    []data.Label
	seats     int // seed actors placed at their seat
}

// apply checks the facts against the administrative actors (by id) and
// returns what the bundle holds. Any reference to an unknown actor, tool,
// document or theme is an error.
func (f *facts) apply(actors []data.Actor) (*applied, error) {
	cite, err := newCiter(f.Documents)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(actors)+len(f.Actors))
	for i, a := range actors {
		index[a.ID] = i
	}
	admin := len(actors)
	out := append([]data.Actor(nil), actors...)
	for _, a := range f.Actors {
		what := "facts actor " + a.ID
		if !contains(seedKinds, a.Kind) {
			return nil, fmt.Errorf("%s: kind %q is not one of %s", what, a.Kind, strings.Join(seedKinds, ", "))
		}
		slug, ok := strings.CutPrefix(a.ID, a.Kind+"-")
		if !ok || !slugRe.MatchString(slug) {
			return nil, fmt.Errorf("%s: id must be %q followed by a lower-case ASCII slug", what, a.Kind+"-")
		}
		if _, dup := index[a.ID]; dup {
			return nil, fmt.Errorf("%s: id already exists", what)
		}
		if strings.TrimSpace(a.Name) == "" {
			return nil, fmt.Errorf("%s: no name", what)
		}
		if a.Point != nil || a.Precision != "" || a.PointSource != "" {
			return nil, fmt.Errorf("%s: seed actors carry no point of their own: give their seat in seats", what)
		}
		if len(a.Members) > 0 || len(a.PostalCodes) > 0 || a.Code != "" || a.SIREN != "" || a.EPCIType != "" {
			return nil, fmt.Errorf("%s: official codes, members and postal codes come from the official list only", what)
		}
		if a.Sources, err = cite.cite(what, a.Sources); err != nil {
			return nil, err
		}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	// References between actors are checked once all seed actors are known.
	for _, a := range out[admin:] {
		what := "facts actor " + a.ID
		for _, p := range a.Parents {
			if _, ok := index[p]; !ok {
				return nil, fmt.Errorf("%s: parent %q does not exist", what, p)
			}
		}
		if a.Departement != "" {
			if _, ok := index["departement-"+a.Departement]; !ok {
				return nil, fmt.Errorf("%s: département %q does not exist", what, a.Departement)
			}
		}
		if a.Region != "" {
			if _, ok := index["region-"+a.Region]; !ok {
				return nil, fmt.Errorf("%s: région %q does not exist", what, a.Region)
			}
		}
	}
	updated := make(map[string]bool)
	for _, u := range f.Updates {
		what := "facts update " + u.ID
		i, ok := index[u.ID]
		if !ok || i >= admin {
			return nil, fmt.Errorf("%s: no actor of the official list has this id", what)
		}
		if updated[u.ID] {
			return nil, fmt.Errorf("%s: updated twice; merge the entries", what)
		}
		updated[u.ID] = true
		srcs, err := cite.cite(what, u.Sources)
		if err != nil {
			return nil, err
		}
		a := &out[i]
		a.Website, a.Email, a.Phone, a.Address, a.Description = u.Website, u.Email, u.Phone, u.Address, u.Description
		a.Labels = append([]string(nil), u.Labels...)
		a.Sources = srcs
	}

	seated := map[string]bool{}
	for _, s := range f.Seats {
		what := "facts seat of " + s.Actor
		i, ok := index[s.Actor]
		if !ok || i < admin {
			return nil, fmt.Errorf("%s: no seed actor has this id (official actors have their points from the official list)", what)
		}
		if seated[s.Actor] {
			return nil, fmt.Errorf("%s: given twice", what)
		}
		seated[s.Actor] = true
		ci, ok := index["commune-"+s.Commune]
		if !ok || ci >= admin {
			return nil, fmt.Errorf("%s: commune %q is not a current commune's INSEE code", what, s.Commune)
		}
		srcs, err := cite.cite(what, s.Sources)
		if err != nil {
			return nil, err
		}
		c := out[ci]
		if c.Point == nil {
			return nil, fmt.Errorf("%s: commune %s has no point to place the seat at", what, s.Commune)
		}
		a := &out[i]
		p := *c.Point
		a.Point, a.PointSource = &p, "seat:commune-"+s.Commune
		// A seat in a commune placed only approximately is no better
		// placed than its commune: it keeps that precision.
		a.Precision = data.PrecisionSeat
		if c.Precision != data.PrecisionExact {
			a.Precision = c.Precision
		}
		a.Sources = append(a.Sources, srcs...)
	}

	tools := append([]data.Tool(nil), f.Tools...)
	slugs := make(map[string]bool, len(tools))
	for i := range tools {
		t := &tools[i]
		what := "facts tool " + t.Slug
		if !slugRe.MatchString(t.Slug) {
			return nil, fmt.Errorf("%s: slug must be lower-case ASCII words joined by '-'", what)
		}
		if slugs[t.Slug] {
			return nil, fmt.Errorf("%s: slug already used", what)
		}
		slugs[t.Slug] = true
		if strings.TrimSpace(t.Name) == "" {
			return nil, fmt.Errorf("%s: no name", what)
		}
		if len(t.Themes) == 0 {
			return nil, fmt.Errorf("%s: no theme", what)
		}
		for _, th := range t.Themes {
			if !contains(data.Themes, th) {
				return nil, fmt.Errorf("%s: theme %q is not one of the eight: %s", what, th, strings.Join(data.Themes, ", "))
			}
		}
		if t.Free && (t.Licence == "" || t.Licence == "proprietary") {
			return nil, fmt.Errorf("%s: free software needs its licence's SPDX id", what)
		}
		if !t.Free && t.Licence != "" && t.Licence != "proprietary" {
			return nil, fmt.Errorf("%s: licence %q but free_software is false", what, t.Licence)
		}
		if t.Sources, err = cite.cite(what, t.Sources); err != nil {
			return nil, err
		}
	}

	adoptions := append([]data.Adoption(nil), f.Adoptions...)
	pairs := make(map[[2]string]bool, len(adoptions))
	for i := range adoptions {
		ad := &adoptions[i]
		what := fmt.Sprintf("facts adoption %s → %s", ad.Actor, ad.Tool)
		if _, ok := index[ad.Actor]; !ok {
			return nil, fmt.Errorf("%s: actor %q does not exist", what, ad.Actor)
		}
		if !slugs[ad.Tool] {
			return nil, fmt.Errorf("%s: tool %q does not exist", what, ad.Tool)
		}
		if !contains(data.Statuses, ad.Status) {
			return nil, fmt.Errorf("%s: status %q is not one of %s", what, ad.Status, strings.Join(data.Statuses, ", "))
		}
		if ad.Since != 0 && (ad.Since < 1990 || ad.Since > 2100) {
			return nil, fmt.Errorf("%s: implausible year %d", what, ad.Since)
		}
		if ad.AsOf != "" {
			return nil, fmt.Errorf("%s: as_of is the latest date of its sources, computed: do not give it", what)
		}
		key := [2]string{ad.Actor, ad.Tool}
		if pairs[key] {
			return nil, fmt.Errorf("%s: listed twice; merge the entries", what)
		}
		pairs[key] = true
		if ad.Sources, err = cite.cite(what, ad.Sources); err != nil {
			return nil, err
		}
		ad.AsOf = asOf(ad.Sources)
	}

	links := append([]data.Link(nil), f.Links...)
	seenLinks := map[[4]string]bool{}
	for i := range links {
		l := &links[i]
		what := fmt.Sprintf("facts link %s %s %s", l.Actor, l.Type, l.Target)
		if _, ok := index[l.Actor]; !ok {
			return nil, fmt.Errorf("%s: actor %q does not exist", what, l.Actor)
		}
		if !contains(data.LinkTypes, l.Type) {
			return nil, fmt.Errorf("%s: type %q is not one of %s", what, l.Type, strings.Join(data.LinkTypes, ", "))
		}
		switch l.TargetType {
		case "actor":
			if _, ok := index[l.Target]; !ok {
				return nil, fmt.Errorf("%s: target actor %q does not exist", what, l.Target)
			}
			if l.Target == l.Actor {
				return nil, fmt.Errorf("%s: an actor is not linked to itself", what)
			}
		case "tool":
			if !slugs[l.Target] {
				return nil, fmt.Errorf("%s: target tool %q does not exist", what, l.Target)
			}
		default:
			return nil, fmt.Errorf("%s: target_type %q must be actor or tool", what, l.TargetType)
		}
		if !contains(data.LinkStatuses, l.Status) {
			return nil, fmt.Errorf("%s: status %q is not one of %s", what, l.Status, strings.Join(data.LinkStatuses, ", "))
		}
		if l.AsOf != "" {
			return nil, fmt.Errorf("%s: as_of is the latest date of its sources, computed: do not give it", what)
		}
		key := [4]string{l.Actor, l.Type, l.TargetType, l.Target}
		if seenLinks[key] {
			return nil, fmt.Errorf("%s: listed twice; merge the entries", what)
		}
		seenLinks[key] = true
		if l.Sources, err = cite.cite(what, l.Sources); err != nil {
			return nil, err
		}
		l.AsOf = asOf(l.Sources)
	}

	labels := append([]data.Label(nil), f.Labels...)
	seenLabels := map[string]bool{}
	for i := range labels {
		l := &labels[i]
		what := fmt.Sprintf("facts label %s %s %d", l.Actor, l.Label, l.Year)
		if _, ok := index[l.Actor]; !ok {
			return nil, fmt.Errorf("%s: actor %q does not exist", what, l.Actor)
		}
		levels, ok := levelsByID[l.Label]
		if !ok {
			return nil, fmt.Errorf("%s: label %q is not one of data.LabelSchemes", what, l.Label)
		}
		if l.Level != "" && !contains(levels, l.Level) {
			return nil, fmt.Errorf("%s: level %q is not one of %s", what, l.Level, strings.Join(levels, ", "))
		}
		if l.Year < 1990 || l.Year > 2100 {
			return nil, fmt.Errorf("%s: implausible year", what)
		}
		key := fmt.Sprint(l.Actor, "|", l.Label, "|", l.Year)
		if seenLabels[key] {
			return nil, fmt.Errorf("%s: listed twice", what)
		}
		seenLabels[key] = true
		if l.Sources, err = cite.cite(what, l.Sources); err != nil {
			return nil, err
		}
	}

	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	sort.Slice(tools, func(i, j int) bool { return tools[i].Slug < tools[j].Slug })
	sort.Slice(adoptions, func(i, j int) bool {
		if adoptions[i].Actor != adoptions[j].Actor {
			return adoptions[i].Actor < adoptions[j].Actor
		}
		return adoptions[i].Tool < adoptions[j].Tool
	})
	sort.Slice(links, func(i, j int) bool {
		a, b := links[i], links[j]
		return strings.Compare(a.Actor+"\x00"+a.Type+"\x00"+a.TargetType+"\x00"+a.Target,
			b.Actor+"\x00"+b.Type+"\x00"+b.TargetType+"\x00"+b.Target) < 0
	})
	sort.Slice(labels, func(i, j int) bool {
		a, b := labels[i], labels[j]
		if a.Actor != b.Actor {
			return a.Actor < b.Actor
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return a.Year < b.Year
	})
	if links == nil {
		links = []data.Link{}
	}
	if labels == nil {
		labels = []data.Label{}
	}
	return &applied{actors: out, tools: tools, adoptions: adoptions, links: links, labels: labels, seats: len(seated)}, nil
}
