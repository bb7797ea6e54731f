package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// An actor's adoptions of tools: add, correct, delete.

// adoptionFields adds an adoption's fields; tools is the menu when adding.
func adoptionFields(f *form, cat *catalog, ad *directory.Adoption, tools []option) {
	val := func(name string) string { return adoptionValue(ad, name) }
	if tools != nil {
		f.add(&formField{Name: "tool", Label: cat.T("field.tool"), Hint: cat.T("contrib.toolHint"), Type: "select", Options: tools, Required: true})
	}
	var statuses []option
	for _, s := range directory.Statuses {
		statuses = append(statuses, option{s, cat.T("status." + s)})
	}
	f.add(&formField{Name: "status", Label: cat.T("field.status"), Type: "radios", Options: statuses, Value: val("status")})
	f.add(&formField{Name: "usage", Label: cat.T("field.usage"), Hint: cat.T("contrib.usageHint"), Type: "textarea", Rows: 4, Value: val("usage")})
	f.add(&formField{Name: "since", Label: cat.T("field.since"), Hint: cat.T("contrib.sinceHint"), Type: "text", InputMode: "numeric", Value: val("since"), Class: "short"})
	f.add(&formField{Name: "contact", Label: cat.T("field.contact"), Hint: cat.T("contrib.contactHint"), Type: "text", Value: val("contact")})
	f.add(&formField{Name: "url", Label: cat.T("field.url"), Hint: cat.T("contrib.adoptionURLHint"), Type: "url", Value: val("url")})
	f.add(&formField{Name: "as_of", Label: cat.T("field.as_of"), Hint: cat.T("contrib.asOfHint"), Type: "text", Value: val("as_of"), Class: "short"})
}

// adoptionForm is the correction (or, with a nil adoption, creation) form
// of an adoption; tools is the menu when adding.
func adoptionForm(cat *catalog, ad *directory.Adoption, tools []option) recordForm {
	return recordForm{typ: directory.TypeAdoption, fields: func(f *form) { adoptionFields(f, cat, ad, tools) },
		value: func(name string) string { return adoptionValue(ad, name) }}
}

func adoptionValue(ad *directory.Adoption, name string) string {
	if ad == nil {
		if name == "status" {
			return directory.StatusInUse
		}
		return ""
	}
	switch name {
	case "tool":
		return ad.ToolSlug
	case "status":
		return ad.Status
	case "usage":
		return ad.Usage
	case "since":
		if ad.Since > 0 {
			return strconv.Itoa(ad.Since)
		}
	case "contact":
		return ad.Contact
	case "url":
		return ad.URL
	case "as_of":
		return ad.AsOf
	}
	return ""
}

// actorAdoptions lists an actor's adoptions with their tools' names.
func (p *pages) actorAdoptions(c *gin.Context, a *directory.Actor) []actorAdoption {
	names := &recordNames{ctx: c.Request.Context(), dir: p.s.dir}
	var out []actorAdoption
	for _, ad := range a.Adoptions {
		out = append(out, actorAdoption{Adoption: ad, ToolName: names.tool(ad.ToolSlug)})
	}
	return out
}

// handleAdoptionNew lists an actor's tools and takes the form that adds one.
func (p *pages) handleAdoptionNew(c *gin.Context, cat *catalog, u *directory.User, a *directory.Actor) {
	tools, err := p.s.dir.FindTools(c.Request.Context(), directory.ToolFilter{})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	var menu []option
	for _, t := range tools {
		if !slices.ContainsFunc(a.Adoptions, func(ad directory.Adoption) bool { return ad.ToolSlug == t.Slug }) {
			menu = append(menu, option{t.Slug, t.Name})
		}
	}
	d := &contribData{Heading: cat.Tf("adoption.newTitle", a.Name), Intro: cat.T("adoption.newIntro"), Action: contribURL("adoption", a.ID),
		Submit: cat.T("contrib.submitNew"), Cancel: "/acteurs/" + url.PathEscape(a.ID), Actor: a, Adoptions: p.actorAdoptions(c, a),
		Return: contribURL("adoption", a.ID), AdoptionPage: true}
	p.create(c, cat, u, adoptionForm(cat, nil, menu), d, map[string]json.RawMessage{"actor": jsonValue(a.ID)}, "tool")
}

// adoptionRecord is the adoption of a route, with its actor and its tool's name.
type adoptionRecord struct {
	actor    *directory.Actor
	adoption *directory.Adoption
	toolName string
}

// loadAdoption finds the route's actor and its adoption of the route's tool
// (see withRecord).
func (p *pages) loadAdoption(c *gin.Context) (adoptionRecord, error) {
	a, err := p.loadActor(c)
	if err != nil {
		return adoptionRecord{}, err
	}
	for i := range a.Adoptions {
		if a.Adoptions[i].ToolSlug == c.Param("tool") {
			names := &recordNames{ctx: c.Request.Context(), dir: p.s.dir}
			return adoptionRecord{a, &a.Adoptions[i], names.tool(c.Param("tool"))}, nil
		}
	}
	return adoptionRecord{}, directory.NewError(directory.ENOTFOUND, keyNoPage, directory.Args{"path": c.Request.URL.Path})
}

// handleAdoptionEdit serves and takes the correction form of an adoption,
// with its history.
func (p *pages) handleAdoptionEdit(c *gin.Context, cat *catalog, u *directory.User, r adoptionRecord) {
	a, ad, toolName := r.actor, r.adoption, r.toolName
	self := contribURL("adoption", a.ID) + "/" + url.PathEscape(ad.ToolSlug)
	d := &contribData{Heading: cat.Tf("adoption.editTitle", toolName, actorName(a.Kind, a.Code, a.Name)), Intro: cat.T("adoption.editIntro"), Action: self,
		Submit: cat.T("contrib.submitCorrection"), Cancel: "/acteurs/" + url.PathEscape(a.ID) + "#outils",
		Actor: a, Adoption: ad, Return: self}
	if hist, err := p.history(c, cat, directory.TypeAdoption, ad.PublicID()); err == nil {
		hist.Return = self
		d.History = hist
	}
	p.correct(c, cat, u, adoptionForm(cat, ad, nil), ad.PublicID(), ad.Version, d)
}

func (p *pages) handleAdoptionDelete(c *gin.Context, cat *catalog, u *directory.User, r adoptionRecord) {
	a, ad, toolName := r.actor, r.adoption, r.toolName
	d := &deleteData{Heading: cat.Tf("delete.adoptionTitle", toolName, actorName(a.Kind, a.Code, a.Name)), What: cat.T("delete.adoptionWhat"),
		Action: contribURL("adoption", a.ID) + "/" + url.PathEscape(ad.ToolSlug) + "/supprimer", Cancel: "/acteurs/" + url.PathEscape(a.ID) + "#outils",
		BaseVersion: ad.Version,
		Facts:       []officialFact{{cat.T("field.actor"), a.Name}, {cat.T("field.tool"), toolName}, {cat.T("field.status"), cat.T("status." + ad.Status)}}}
	if ad.Usage != "" {
		d.Facts = append(d.Facts, officialFact{cat.T("field.usage"), ad.Usage})
	}
	p.remove(c, cat, u, d, directory.TypeAdoption, ad.PublicID())
}
