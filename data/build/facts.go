package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/voisinage/voisinage/data"
)

// facts is the hand-made file data/seeds/facts.json: what the seed articles
// say, each fact with its source.
type facts struct {
	// Actors the administrative list does not hold (networks, agencies, media…).
	Actors []data.Actor `json:"actors"`
	// Updates add what an article states to an administrative actor.
	Updates   []update        `json:"updates"`
	Tools     []data.Tool     `json:"tools"`
	Adoptions []data.Adoption `json:"adoptions"`
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

// seedKinds are the kinds a seed actor may have; administrative kinds come
// from the official list only.
var seedKinds = []string{"association", "public-agency", "syndicat", "media", "organisation"}

var (
	slugRe     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	documentRe = regexp.MustCompile(`^[0-9]{3}_[0-9a-f]{16}\.txt$`)
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkSources requires at least one source, each naming a seed article.
func checkSources(what string, ss []data.Source) error {
	if len(ss) == 0 {
		return fmt.Errorf("%s: no source (every seed fact needs the article it comes from)", what)
	}
	for _, s := range ss {
		if !documentRe.MatchString(s.Document) {
			return fmt.Errorf("%s: source document %q is not a seed article file name (NNN_hex16.txt)", what, s.Document)
		}
		if strings.TrimSpace(s.Quote) == "" {
			return fmt.Errorf("%s: source %s has no quote", what, s.Document)
		}
		if s.Year != 0 && (s.Year < 1990 || s.Year > 2100) {
			return fmt.Errorf("%s: source %s: implausible year %d", what, s.Document, s.Year)
		}
	}
	return nil
}

// apply checks the facts against the administrative actors (by id) and
// returns the actors with the seed actors added and the updates applied, the
// tools and the adoptions, each sorted as the bundle wants them. Any
// reference to an unknown actor, tool or theme is an error.
func (f *facts) apply(actors []data.Actor) ([]data.Actor, []data.Tool, []data.Adoption, error) {
	index := make(map[string]int, len(actors)+len(f.Actors))
	for i, a := range actors {
		index[a.ID] = i
	}
	admin := len(actors)
	out := append([]data.Actor(nil), actors...)
	for _, a := range f.Actors {
		what := "facts actor " + a.ID
		if !contains(seedKinds, a.Kind) {
			return nil, nil, nil, fmt.Errorf("%s: kind %q is not one of %s", what, a.Kind, strings.Join(seedKinds, ", "))
		}
		slug, ok := strings.CutPrefix(a.ID, a.Kind+"-")
		if !ok || !slugRe.MatchString(slug) {
			return nil, nil, nil, fmt.Errorf("%s: id must be %q followed by a lower-case ASCII slug", what, a.Kind+"-")
		}
		if _, dup := index[a.ID]; dup {
			return nil, nil, nil, fmt.Errorf("%s: id already exists", what)
		}
		if strings.TrimSpace(a.Name) == "" {
			return nil, nil, nil, fmt.Errorf("%s: no name", what)
		}
		if a.Point != nil || a.Precision != "" || a.PointSource != "" {
			return nil, nil, nil, fmt.Errorf("%s: seed actors carry no point (no article gives coordinates)", what)
		}
		if len(a.Members) > 0 || len(a.PostalCodes) > 0 || a.Code != "" || a.SIREN != "" || a.EPCIType != "" {
			return nil, nil, nil, fmt.Errorf("%s: official codes, members and postal codes come from the official list only", what)
		}
		if err := checkSources(what, a.Sources); err != nil {
			return nil, nil, nil, err
		}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	// References between actors are checked once all seed actors are known.
	for _, a := range out[admin:] {
		what := "facts actor " + a.ID
		for _, p := range a.Parents {
			if _, ok := index[p]; !ok {
				return nil, nil, nil, fmt.Errorf("%s: parent %q does not exist", what, p)
			}
		}
		if a.Departement != "" {
			if _, ok := index["departement-"+a.Departement]; !ok {
				return nil, nil, nil, fmt.Errorf("%s: département %q does not exist", what, a.Departement)
			}
		}
		if a.Region != "" {
			if _, ok := index["region-"+a.Region]; !ok {
				return nil, nil, nil, fmt.Errorf("%s: région %q does not exist", what, a.Region)
			}
		}
	}
	updated := make(map[string]bool)
	for _, u := range f.Updates {
		what := "facts update " + u.ID
		i, ok := index[u.ID]
		if !ok || i >= admin {
			return nil, nil, nil, fmt.Errorf("%s: no actor of the official list has this id", what)
		}
		if updated[u.ID] {
			return nil, nil, nil, fmt.Errorf("%s: updated twice; merge the entries", what)
		}
		updated[u.ID] = true
		if err := checkSources(what, u.Sources); err != nil {
			return nil, nil, nil, err
		}
		a := &out[i]
		a.Website, a.Email, a.Phone, a.Address, a.Description = u.Website, u.Email, u.Phone, u.Address, u.Description
		a.Labels = append([]string(nil), u.Labels...)
		a.Sources = append([]data.Source(nil), u.Sources...)
	}

	tools := append([]data.Tool(nil), f.Tools...)
	slugs := make(map[string]bool, len(tools))
	for _, t := range tools {
		what := "facts tool " + t.Slug
		if !slugRe.MatchString(t.Slug) {
			return nil, nil, nil, fmt.Errorf("%s: slug must be lower-case ASCII words joined by '-'", what)
		}
		if slugs[t.Slug] {
			return nil, nil, nil, fmt.Errorf("%s: slug already used", what)
		}
		slugs[t.Slug] = true
		if strings.TrimSpace(t.Name) == "" {
			return nil, nil, nil, fmt.Errorf("%s: no name", what)
		}
		if len(t.Themes) == 0 {
			return nil, nil, nil, fmt.Errorf("%s: no theme", what)
		}
		for _, th := range t.Themes {
			if !contains(data.Themes, th) {
				return nil, nil, nil, fmt.Errorf("%s: theme %q is not one of the eight: %s", what, th, strings.Join(data.Themes, ", "))
			}
		}
		if t.Free && (t.Licence == "" || t.Licence == "proprietary") {
			return nil, nil, nil, fmt.Errorf("%s: free software needs its licence's SPDX id", what)
		}
		if !t.Free && t.Licence != "" && t.Licence != "proprietary" {
			return nil, nil, nil, fmt.Errorf("%s: licence %q but free_software is false", what, t.Licence)
		}
		if err := checkSources(what, t.Sources); err != nil {
			return nil, nil, nil, err
		}
	}

	adoptions := append([]data.Adoption(nil), f.Adoptions...)
	pairs := make(map[[2]string]bool, len(adoptions))
	for _, ad := range adoptions {
		what := fmt.Sprintf("facts adoption %s → %s", ad.Actor, ad.Tool)
		if _, ok := index[ad.Actor]; !ok {
			return nil, nil, nil, fmt.Errorf("%s: actor %q does not exist", what, ad.Actor)
		}
		if !slugs[ad.Tool] {
			return nil, nil, nil, fmt.Errorf("%s: tool %q does not exist", what, ad.Tool)
		}
		if !contains(data.Statuses, ad.Status) {
			return nil, nil, nil, fmt.Errorf("%s: status %q is not one of %s", what, ad.Status, strings.Join(data.Statuses, ", "))
		}
		if ad.Since != 0 && (ad.Since < 1990 || ad.Since > 2100) {
			return nil, nil, nil, fmt.Errorf("%s: implausible year %d", what, ad.Since)
		}
		key := [2]string{ad.Actor, ad.Tool}
		if pairs[key] {
			return nil, nil, nil, fmt.Errorf("%s: listed twice; merge the entries", what)
		}
		pairs[key] = true
		if err := checkSources(what, ad.Sources); err != nil {
			return nil, nil, nil, err
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
	return out, tools, adoptions, nil
}
