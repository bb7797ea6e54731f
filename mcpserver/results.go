package mcpserver

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Actor is an actor as the tools return it: its ids and codes, where it is
// and how precisely, whom to contact, what it uses, where each fact comes
// from and as of when, and the URLs of its page and API record.
type Actor struct {
	ID          string         `json:"id" jsonschema:"identifiant de l'acteur / actor id, e.g. commune-88160"`
	Name        string         `json:"name"`
	Kind        string         `json:"kind" jsonschema:"nature / kind: commune, epci, departement, region, prefecture, association…"`
	Code        string         `json:"code,omitempty" jsonschema:"code officiel INSEE (SIREN pour un EPCI) / official INSEE code (SIREN for an EPCI)"`
	SIREN       string         `json:"siren,omitempty"`
	PostalCodes []string       `json:"postal_codes,omitempty"`
	Departement string         `json:"departement,omitempty"`
	Region      string         `json:"region,omitempty"`
	Parents     []string       `json:"parents,omitempty" jsonschema:"ids des échelons englobants, du plus proche au plus large / ids of the enclosing actors, nearest first"`
	Members     []string       `json:"members,omitempty" jsonschema:"ids des communes membres (EPCI) / ids of member communes (EPCI)"`
	Population  int            `json:"population,omitempty"`
	Lon         *float64       `json:"lon,omitempty" jsonschema:"longitude WGS 84"`
	Lat         *float64       `json:"lat,omitempty" jsonschema:"latitude WGS 84"`
	Precision   string         `json:"precision,omitempty" jsonschema:"précision du point / point precision: exact, contributed, derived, postal_area, epci_area (the last two are estimates)"`
	DistanceM   *int           `json:"distance_m,omitempty" jsonschema:"distance orthodromique en mètres / great-circle distance in metres"`
	DistanceKm  *float64       `json:"distance_km,omitempty" jsonschema:"la même en kilomètres / the same in kilometres"`
	Website     string         `json:"website,omitempty"`
	Email       string         `json:"email,omitempty"`
	Phone       string         `json:"phone,omitempty"`
	Address     string         `json:"address,omitempty"`
	Description string         `json:"description,omitempty"`
	Labels      any            `json:"labels,omitempty"`
	Tools       []string       `json:"tools,omitempty" jsonschema:"outils en service / slugs of the tools in use"`
	Adoptions   []Adoption     `json:"adoptions,omitempty"`
	Sources     []Source       `json:"sources,omitempty" jsonschema:"d'où viennent les faits de la fiche / where the record's facts come from"`
	Version     int            `json:"version,omitempty"`
	UpdatedAt   string         `json:"updated_at,omitempty" jsonschema:"dernière modification de la fiche / when the record last changed"`
	AsOf        string         `json:"as_of,omitempty" jsonschema:"date à laquelle la fiche est établie, quand une source la donne (les faits datés sont ceux des adoptions) / as of when the record is established, when a source gives it (dated facts are the adoptions')"`
	PageURL     string         `json:"page_url"`
	APIURL      string         `json:"api_url"`
	Extra       map[string]any `json:"other,omitempty" jsonschema:"autres propriétés de la fiche / other properties of the record"`
}

// Adoption is one tool an actor uses (or used, or plans to use).
type Adoption struct {
	ID          string   `json:"id"`
	Tool        string   `json:"tool"`
	ToolName    string   `json:"tool_name,omitempty"`
	Usage       string   `json:"usage,omitempty" jsonschema:"ce que l'acteur en fait / what the actor uses it for"`
	Since       int      `json:"since,omitempty" jsonschema:"année de mise en service / year it started"`
	Status      string   `json:"status" jsonschema:"in_use, planned or abandoned"`
	Contact     string   `json:"contact,omitempty" jsonschema:"qui appeler / whom to call"`
	URL         string   `json:"url,omitempty"`
	Sources     []Source `json:"sources,omitempty"`
	AsOf        string   `json:"as_of,omitempty" jsonschema:"date à laquelle le fait est établi (sa source la plus récente) / as of when the fact is established (its latest source)"`
	ToolPageURL string   `json:"tool_page_url"`
}

// Source says where a fact comes from. Its members are those the data
// holds: a document (an article's title or file name, an official record),
// its year, what it says, and, when known, its publication and address.
type Source = map[string]any

// feature is the decoded GeoJSON feature of an actor, the public shape the
// API serves: the tools read the same facts.
type feature struct {
	ID       string `json:"id"`
	Geometry *struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// known are the feature properties Actor has fields for; the others go to Extra.
var known = map[string]bool{"id": true, "kind": true, "name": true, "code": true, "siren": true, "postal_codes": true,
	"departement": true, "region": true, "parents": true, "members": true, "population": true, "precision": true,
	"distance_m": true, "website": true, "email": true, "phone": true, "address": true, "description": true,
	"labels": true, "tools": true, "adoptions": true, "sources": true, "version": true, "updated_at": true, "as_of": true}

// actorFromFeature decodes an actor's feature into the tools' shape.
func actorFromFeature(base string, raw []byte) (Actor, error) {
	var f feature
	if err := json.Unmarshal(raw, &f); err != nil {
		return Actor{}, fmt.Errorf("decode feature: %w", err)
	}
	p := f.Properties
	a := Actor{ID: f.ID}
	get := func(k string, dst any) {
		if v, ok := p[k]; ok {
			json.Unmarshal(v, dst)
		}
	}
	get("kind", &a.Kind)
	get("name", &a.Name)
	get("code", &a.Code)
	get("siren", &a.SIREN)
	get("postal_codes", &a.PostalCodes)
	get("departement", &a.Departement)
	get("region", &a.Region)
	get("parents", &a.Parents)
	get("members", &a.Members)
	get("population", &a.Population)
	get("precision", &a.Precision)
	get("website", &a.Website)
	get("email", &a.Email)
	get("phone", &a.Phone)
	get("address", &a.Address)
	get("description", &a.Description)
	get("labels", &a.Labels)
	get("tools", &a.Tools)
	get("sources", &a.Sources)
	get("version", &a.Version)
	get("updated_at", &a.UpdatedAt)
	get("as_of", &a.AsOf)
	if v, ok := p["distance_m"]; ok {
		var m float64
		if json.Unmarshal(v, &m) == nil {
			im := int(math.Round(m))
			km := math.Round(m/100) / 10
			a.DistanceM, a.DistanceKm = &im, &km
		}
	}
	if f.Geometry != nil && len(f.Geometry.Coordinates) == 2 {
		lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
		a.Lon, a.Lat = &lon, &lat
	}
	var ads []map[string]json.RawMessage
	get("adoptions", &ads)
	for _, ap := range ads {
		a.Adoptions = append(a.Adoptions, adoptionFromProps(base, ap))
	}
	for k, v := range p {
		if known[k] {
			continue
		}
		if a.Extra == nil {
			a.Extra = map[string]any{}
		}
		var x any
		json.Unmarshal(v, &x)
		a.Extra[k] = x
	}
	a.PageURL = base + "/acteurs/" + url.PathEscape(a.ID)
	a.APIURL = base + "/api/collections/actors/items/" + url.PathEscape(a.ID)
	return a, nil
}

// adoptionFromProps decodes an adoption's properties.
func adoptionFromProps(base string, p map[string]json.RawMessage) Adoption {
	var ad Adoption
	get := func(k string, dst any) {
		if v, ok := p[k]; ok {
			json.Unmarshal(v, dst)
		}
	}
	get("id", &ad.ID)
	get("tool", &ad.Tool)
	get("tool_name", &ad.ToolName)
	get("usage", &ad.Usage)
	get("since", &ad.Since)
	get("status", &ad.Status)
	get("contact", &ad.Contact)
	get("url", &ad.URL)
	get("sources", &ad.Sources)
	get("as_of", &ad.AsOf)
	if ad.AsOf == "" {
		ad.AsOf = latestSourceDate(ad.Sources)
	}
	ad.ToolPageURL = base + "/outils/" + url.PathEscape(ad.Tool)
	return ad
}

// latestSourceDate is the date of the most recent source of a fact (its
// "date", else its "year"), "" when its sources give none.
func latestSourceDate(sources []Source) string {
	latest := ""
	for _, s := range sources {
		d := ""
		switch v := s["date"].(type) {
		case string:
			d = v
		}
		if d == "" {
			if y, ok := s["year"].(float64); ok && y > 0 {
				d = strconv.Itoa(int(y))
			}
		}
		if d > latest {
			latest = d
		}
	}
	return latest
}

// Tool is a digital tool with its adopters.
type Tool struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	URL          string   `json:"url,omitempty"`
	TutorialURL  string   `json:"tutorial_url,omitempty"`
	Licence      string   `json:"licence,omitempty"`
	FreeSoftware bool     `json:"free_software"`
	Themes       []string `json:"themes"`
	Adopters     int      `json:"adopters" jsonschema:"nombre d'acteurs qui l'utilisent / number of actors using it"`
	Sources      []Source `json:"sources,omitempty"`
	Version      int      `json:"version,omitempty"`
	UpdatedAt    string   `json:"updated_at,omitempty"`
	AsOf         string   `json:"as_of,omitempty"`
	PageURL      string   `json:"page_url"`
	APIURL       string   `json:"api_url"`
}

// Adopter is an actor's adoption of a tool.
type Adopter struct {
	ActorID      string   `json:"actor_id"`
	ActorName    string   `json:"actor_name"`
	ActorKind    string   `json:"actor_kind"`
	Adoption     Adoption `json:"adoption"`
	ActorPageURL string   `json:"actor_page_url"`
}

// trimText shortens s to at most n characters, on a word boundary.
func trimText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
