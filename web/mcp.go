package web

import (
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/mcpserver"
)

// Keys of the MCP route's own refusals.
var (
	keyMCPContentType = directory.NewKey("mcp.content_type", "send a JSON-RPC message with Content-Type: application/json")
	keyMCPNoSessions  = directory.NewKey("mcp.no_sessions", "this MCP server is stateless: POST each JSON-RPC message to /mcp; there is no session to open or close")
)

// registerMCPRoutes serves the directory to AI assistants at /mcp, over
// MCP's Streamable HTTP transport (see package mcpserver). The server is
// stateless: each POST carries a JSON-RPC message and gets its answer as
// JSON; there are no sessions to open (GET) or close (DELETE). The tools
// authenticate each call by its bearer token, never by the session cookie.
func (s *Server) registerMCPRoutes() {
	h := mcpserver.Handler(mcpserver.New(s.dir, mcpserver.Config{BaseURL: s.cfg.BaseURL, Logger: s.log}), s.log)
	s.engine.POST("/mcp", func(c *gin.Context) {
		if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
			p := directory.Problems{}
			p.Add("Content-Type", keyContentType, nil)
			s.writeError(c, withStatus(http.StatusUnsupportedMediaType, p.Fail(directory.EINVALID, keyMCPContentType, nil)))
			return
		}
		// A client that says nothing of what it accepts takes the JSON
		// answer (the SDK otherwise wants both media types named).
		if c.GetHeader("Accept") == "" {
			c.Request.Header.Set("Accept", "application/json, text/event-stream")
		}
		// The page URLs in results point to the site the client reached;
		// a client cannot choose them: this overwrites what it sent.
		c.Request.Header.Set(mcpserver.BaseURLHeader, s.baseURL(c.Request))
		c.Header("Cache-Control", "no-store")
		h.ServeHTTP(c.Writer, c.Request)
	})
	noSessions := func(c *gin.Context) {
		c.Header("Allow", "POST")
		s.writeError(c, httpError(http.StatusMethodNotAllowed, "method_not_allowed", keyMCPNoSessions, nil))
	}
	s.engine.GET("/mcp", noSessions)
	s.engine.DELETE("/mcp", noSessions)
}
