package mcpserver

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/directory"
)

// Resource URIs.
const (
	themesURI = "voisinage://themes"
	toolsURI  = "voisinage://tools"
)

// Theme is one theme of the tool catalogue.
type Theme struct {
	ID    string `json:"id"`
	Fr    string `json:"fr"`
	En    string `json:"en"`
	Tools int    `json:"tools" jsonschema:"nombre d'outils de ce thème / number of tools of this theme"`
}

func (s *server) addResources(srv *mcp.Server) {
	srv.AddResource(&mcp.Resource{URI: themesURI, Name: "themes", MIMEType: "application/json",
		Title:       "Thèmes / Themes",
		Description: "Les huit thèmes des ateliers Artesi, en français et en anglais, avec leur nombre d'outils. The eight themes of the Artesi workshops, in French and English, with their number of tools."},
		s.readThemes)
	srv.AddResource(&mcp.Resource{URI: toolsURI, Name: "tools", MIMEType: "application/json",
		Title:       "Catalogue des outils / Tool catalogue",
		Description: "Tous les outils numériques, avec leurs thèmes, leur licence, leurs sources et leur nombre d'utilisateurs. Every digital tool, with its themes, licence, sources and number of users."},
		s.readTools)
}

func (s *server) readThemes(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	tools, err := s.dir.FindTools(ctx, directory.ToolFilter{})
	if err != nil {
		return nil, toolError(err)
	}
	out := make([]Theme, 0, len(directory.Themes))
	for _, id := range directory.Themes {
		t := Theme{ID: id, Fr: directory.ThemeLabels[id][0], En: directory.ThemeLabels[id][1]}
		for _, tl := range tools {
			for _, th := range tl.Themes {
				if th == id {
					t.Tools++
				}
			}
		}
		out = append(out, t)
	}
	return jsonResource(themesURI, map[string]any{"themes": out})
}

func (s *server) readTools(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	tools, err := s.dir.FindTools(ctx, directory.ToolFilter{})
	if err != nil {
		return nil, toolError(err)
	}
	base := s.resourceBase(req)
	out := make([]Tool, len(tools))
	for i := range tools {
		out[i] = toolOut(base, &tools[i])
	}
	return jsonResource(toolsURI, map[string]any{"tools": out, "count": len(out)})
}

// resourceBase is baseURL for a resource read.
func (s *server) resourceBase(req *mcp.ReadResourceRequest) string {
	if s.cfg.BaseURL == "" && req != nil && req.Extra != nil && req.Extra.Header != nil {
		if b := req.Extra.Header.Get(BaseURLHeader); b != "" {
			return b
		}
	}
	return s.baseURL(nil)
}

func jsonResource(uri string, v any) (*mcp.ReadResourceResult, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}
