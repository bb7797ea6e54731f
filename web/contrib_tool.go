package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The tools' contribution pages: add, correct, delete.

// toolFields adds a tool's fields with its current values.
func toolFields(f *form, cat *catalog, t *directory.Tool) {
	val := func(name string) string { return toolValue(t, name) }
	var themes []option
	for _, th := range directory.Themes {
		themes = append(themes, option{th, cat.T("theme." + th)})
	}
	f.add(&formField{Name: "name", Label: cat.T("field.name"), Type: "text", Required: true, Value: val("name"), Autocomplete: "off"})
	f.add(&formField{Name: "description", Label: cat.T("field.description"), Hint: cat.T("contrib.toolDescriptionHint"), Type: "textarea", Rows: 4, Value: val("description")})
	f.add(&formField{Name: "themes", Label: cat.T("field.themes"), Hint: cat.T("contrib.themesHint"), Type: "checkboxes", Options: themes, Required: true, Values: splitList(val("themes"), true)})
	f.add(&formField{Name: "url", Label: cat.T("field.url"), Type: "url", Value: val("url")})
	f.add(&formField{Name: "tutorial_url", Label: cat.T("field.tutorial_url"), Type: "url", Value: val("tutorial_url")})
	f.add(&formField{Name: "licence", Label: cat.T("field.licence"), Hint: cat.T("contrib.licenceHint"), Type: "text", Value: val("licence"), Class: "short"})
	f.add(&formField{Name: "free_software", Label: cat.T("contrib.freeSoftware"), Type: "checkbox", Value: val("free_software")})
}

// toolForm is the correction (or, with a nil tool, creation) form of a tool.
func toolForm(cat *catalog, t *directory.Tool) recordForm {
	return recordForm{typ: directory.TypeTool, fields: func(f *form) { toolFields(f, cat, t) },
		value: func(name string) string { return toolValue(t, name) }}
}

func toolValue(t *directory.Tool, name string) string {
	if t == nil {
		return ""
	}
	switch name {
	case "name":
		return t.Name
	case "description":
		return t.Description
	case "themes":
		v := slices.Clone(t.Themes)
		slices.Sort(v)
		return strings.Join(v, ",")
	case "url":
		return t.URL
	case "tutorial_url":
		return t.TutorialURL
	case "licence":
		return t.Licence
	case "free_software":
		if t.Free {
			return "1"
		}
	}
	return ""
}

func (p *pages) handleToolNew(c *gin.Context, cat *catalog, u *directory.User, _ noRecord) {
	back := "/outils"
	if id := c.Query("acteur"); id != "" {
		back = contribURL("adoption", id)
	}
	d := &contribData{Heading: cat.T("tool.newTitle"), Intro: cat.T("tool.newIntro"), Action: "/contribuer/nouvel-outil",
		Submit: cat.T("contrib.submitNew"), Cancel: back}
	p.create(c, cat, u, toolForm(cat, nil), d, nil, "name", "themes")
}

func (p *pages) loadTool(c *gin.Context) (*directory.Tool, error) {
	t, _, err := p.s.dir.FindToolBySlug(c.Request.Context(), c.Param("slug"))
	return t, err
}

func (p *pages) handleToolEdit(c *gin.Context, cat *catalog, u *directory.User, t *directory.Tool) {
	self := "/contribuer/outils/" + url.PathEscape(t.Slug) + "/corriger"
	d := &contribData{Heading: cat.Tf("tool.editTitle", t.Name), Intro: cat.T("tool.editIntro"), Action: self,
		Submit: cat.T("contrib.submitCorrection"), Cancel: "/outils/" + url.PathEscape(t.Slug), Tool: t,
		ReportLink: "/contribuer/signaler?outil=" + url.QueryEscape(t.Slug)}
	p.correct(c, cat, u, toolForm(cat, t), t.Slug, t.Version, d)
}

func (p *pages) handleToolDelete(c *gin.Context, cat *catalog, u *directory.User, t *directory.Tool) {
	d := &deleteData{Heading: cat.Tf("delete.toolTitle", t.Name), What: cat.T("delete.toolWhat"),
		Action: "/contribuer/outils/" + url.PathEscape(t.Slug) + "/supprimer", Cancel: "/outils/" + url.PathEscape(t.Slug),
		BaseVersion: t.Version, Facts: []officialFact{{cat.T("field.name"), t.Name}}}
	if t.Adopters > 0 {
		d.Facts = append(d.Facts, officialFact{cat.T("delete.adopters"), cat.Int(t.Adopters)})
	}
	p.remove(c, cat, u, d, directory.TypeTool, t.Slug)
}
