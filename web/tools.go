package web

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

var (
	toolsParams = []string{"theme", "q"}
	toolParams  = []string{}
)

func (s *Server) registerToolRoutes() {
	s.get("/api/tools", s.handleToolIndex)
	s.get("/api/tools/:slug", s.handleToolView)
	s.get("/api/themes", s.handleThemes)
}

// toolJSON is a tool as the API shows it.
type toolJSON struct {
	Slug        string             `json:"slug"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	URL         string             `json:"url,omitempty"`
	TutorialURL string             `json:"tutorial_url,omitempty"`
	Licence     string             `json:"licence,omitempty"`
	Free        bool               `json:"free_software"`
	Themes      []string           `json:"themes"`
	Adopters    int                `json:"adopters"`
	Sources     []directory.Source `json:"sources,omitempty"`
	Version     int                `json:"version"`
	UpdatedAt   string             `json:"updated_at"`
	Links       []link             `json:"links"`
}

func (s *Server) toolJSON(base string, t *directory.Tool) toolJSON {
	themes := t.Themes
	if themes == nil {
		themes = []string{}
	}
	return toolJSON{Slug: t.Slug, Name: t.Name, Description: t.Description, URL: t.URL,
		TutorialURL: t.TutorialURL, Licence: t.Licence, Free: t.Free, Themes: themes,
		Adopters: t.Adopters, Sources: directory.PublicSources(t.Sources), Version: t.Version,
		UpdatedAt: t.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Links: []link{
			{Href: base + "/api/tools/" + t.Slug, Rel: "self", Type: mediaJSON},
			{Href: base + "/api/collections/adoptions/items?tool=" + t.Slug, Rel: "items", Type: mediaGeoJSON, Title: "Adoptions of this tool"},
			{Href: base + "/api/collections/actors/items?tool=" + t.Slug, Rel: "items", Type: mediaGeoJSON, Title: "Actors using this tool"},
		}}
}

func (s *Server) handleToolIndex(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, toolsParams)
	f := directory.ToolFilter{Theme: p.str("theme"), Q: p.str("q")}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	tools, err := s.dir.FindTools(c.Request.Context(), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	base := s.baseURL(c.Request)
	out := make([]toolJSON, len(tools))
	for i := range tools {
		out[i] = s.toolJSON(base, &tools[i])
	}
	s.writeJSON(c, http.StatusOK, mediaJSON, gin.H{"tools": out, "themes": themeList(), "numberReturned": len(out)})
}

func (s *Server) handleToolView(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, toolParams)
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	t, adopters, err := s.dir.FindToolBySlug(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	base := s.baseURL(c.Request)
	features := make([][]byte, len(adopters))
	for i, a := range adopters {
		features[i] = a.Feature
	}
	doc := s.toolJSON(base, t)
	body, err := json.Marshal(doc)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// The adopters follow as a FeatureCollection of adoptions (point = adopter).
	c.Header("Content-Type", mediaJSON)
	c.Status(http.StatusOK)
	w := c.Writer
	w.Write(body[:len(body)-1])
	w.Write([]byte(`,"adopters_collection":`))
	writeFeatureCollection(w, features, collectionMembers{})
	w.Write([]byte("}"))
}

type themeJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	En    string `json:"label_en"`
}

func themeList() []themeJSON {
	out := make([]themeJSON, len(directory.Themes))
	for i, t := range directory.Themes {
		out[i] = themeJSON{ID: t, Label: directory.ThemeLabels[t][0], En: directory.ThemeLabels[t][1]}
	}
	return out
}

func (s *Server) handleThemes(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, nil)
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, mediaJSON, gin.H{"themes": themeList()})
}
