package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

func (s *Server) registerModerationRoutes() {
	s.get("/api/actors/:id/history", s.handleHistory(directory.TypeActor))
	s.get("/api/tools/:slug/history", s.handleHistory(directory.TypeTool))
	s.get("/api/adoptions/:id/history", s.handleHistory(directory.TypeAdoption))
	s.engine.POST("/api/actors/:id/revert", s.handleRevert(directory.TypeActor))
	s.engine.POST("/api/tools/:slug/revert", s.handleRevert(directory.TypeTool))
	s.engine.POST("/api/adoptions/:id/revert", s.handleRevert(directory.TypeAdoption))
	s.engine.POST("/api/reports", s.handleReportCreate)
	s.get("/api/reports", s.handleReportIndex)
	s.engine.POST("/api/reports/:id/resolve", s.handleReportResolve)
	s.engine.POST("/api/users/:id/block", s.handleUserBlock)
	s.engine.POST("/api/users/:id/unblock", s.handleUserUnblock)
	s.engine.PUT("/api/users/:id/role", s.handleUserRole)
	s.engine.POST("/api/users/:id/representatives", s.handleRepresentative(true))
	s.engine.DELETE("/api/users/:id/representatives/:actor", s.handleRepresentative(false))
}

func recordID(c *gin.Context) string {
	if id := c.Param("id"); id != "" {
		return id
	}
	return c.Param("slug")
}

// versionJSON is one version of a record's history.
type versionJSON struct {
	Version    int                              `json:"version"`
	Action     string                           `json:"action"`
	Author     *directory.UserRef               `json:"author,omitempty"`
	ProposalID int64                            `json:"proposal_id,omitempty"`
	Reason     string                           `json:"reason,omitempty"`
	Changes    map[string]directory.FieldChange `json:"changes"`
	CreatedAt  string                           `json:"created_at"`
}

func (s *Server) handleHistory(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
			s.writeError(c, p.err())
			return
		}
		versions, err := s.dir.FindHistory(c.Request.Context(), typ, recordID(c))
		if err != nil {
			s.writeError(c, err)
			return
		}
		out := make([]versionJSON, len(versions))
		for i, v := range versions {
			out[i] = versionJSON{Version: v.Version, Action: v.Action, Author: v.Author, ProposalID: v.ProposalID,
				Reason: v.Reason, Changes: v.Changes, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
		}
		c.JSON(http.StatusOK, gin.H{"record_type": typ, "record_id": recordID(c), "versions": out})
	}
}

func (s *Server) handleRevert(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := s.requireUser(c)
		if u == nil {
			return
		}
		var b struct {
			Version int    `json:"version"`
			Reason  string `json:"reason"`
		}
		if !s.bindJSON(c, &b) {
			return
		}
		v, err := s.dir.Revert(c.Request.Context(), u, typ, recordID(c), b.Version, b.Reason)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"record_type": typ, "record_id": recordID(c), "version": v, "reverted_to": b.Version})
	}
}

type reportJSON struct {
	ID         int64              `json:"id"`
	TargetType string             `json:"target_type"`
	TargetID   string             `json:"target_id"`
	Reason     string             `json:"reason"`
	Comment    string             `json:"comment,omitempty"`
	Reporter   *directory.UserRef `json:"reporter,omitempty"`
	Status     string             `json:"status"`
	Resolver   *directory.UserRef `json:"resolver,omitempty"`
	Resolution string             `json:"resolution,omitempty"`
	ResolvedAt string             `json:"resolved_at,omitempty"`
	CreatedAt  string             `json:"created_at"`
}

func toReportJSON(r *directory.Report) reportJSON {
	j := reportJSON{ID: r.ID, TargetType: r.TargetType, TargetID: r.TargetID, Reason: r.Reason, Comment: r.Comment,
		Reporter: r.Reporter, Status: r.Status, Resolver: r.Resolver, Resolution: r.Resolution,
		CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339)}
	if !r.ResolvedAt.IsZero() {
		j.ResolvedAt = r.ResolvedAt.UTC().Format(time.RFC3339)
	}
	return j
}

// handleReportCreate takes a report from anyone, logged in or not (rate
// limited per address).
func (s *Server) handleReportCreate(c *gin.Context) {
	var b struct {
		TargetType string `json:"target_type"`
		TargetID   string `json:"target_id"`
		Reason     string `json:"reason"`
		Comment    string `json:"comment"`
	}
	if !s.bindJSON(c, &b) || !s.allowIP(c, "report") {
		return
	}
	r, err := s.dir.CreateReport(c.Request.Context(), currentUser(c), directory.ReportInput{TargetType: b.TargetType,
		TargetID: b.TargetID, Reason: b.Reason, Comment: b.Comment})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, toReportJSON(r))
}

func (s *Server) handleReportIndex(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	p := parseParams(c.Request.URL.RawQuery, []string{"status", "limit", "offset"})
	status := p.oneOf("status", "open", "open", "resolved", "dismissed", "all")
	limit := p.integer("limit", 50, 1, 500, false)
	offset := p.integer("offset", 0, 0, 1<<31-1, false)
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	if status == "all" {
		status = ""
	}
	list, total, err := s.dir.FindReports(c.Request.Context(), u, status, limit, offset)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]reportJSON, len(list))
	for i, r := range list {
		out[i] = toReportJSON(r)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"reports": out, "numberMatched": total, "numberReturned": len(out)})
}

func (s *Server) handleReportResolve(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b struct {
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	r, err := s.dir.ResolveReport(c.Request.Context(), u, id, b.Status, b.Note)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toReportJSON(r))
}

var (
	keyBlockDaysOrUntil = directory.NewKey("block.days_or_until", "give either days or until, not both")
	keyBlockUntil       = directory.NewKey("block.until", "must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z")
	keyBlockDays        = directory.NewKey("block.days", "must be a number of days between 1 and 3650 (or give until)")
)

func (s *Server) handleUserBlock(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b struct {
		Days   int    `json:"days"`
		Until  string `json:"until"`
		Reason string `json:"reason"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	var until time.Time
	switch {
	case b.Until != "" && b.Days != 0:
		s.writeError(c, directory.FieldError("until", keyBlockDaysOrUntil, nil))
		return
	case b.Until != "":
		t, err := time.Parse(time.RFC3339, b.Until)
		if err != nil {
			s.writeError(c, directory.FieldError("until", keyBlockUntil, nil))
			return
		}
		until = t
	case b.Days >= 1 && b.Days <= 3650:
		until = time.Now().Add(time.Duration(b.Days) * 24 * time.Hour)
	default:
		s.writeError(c, directory.FieldError("days", keyBlockDays, nil))
		return
	}
	if err := s.dir.BlockUser(c.Request.Context(), u, id, until, b.Reason); err != nil {
		s.writeError(c, err)
		return
	}
	s.writeUser(c, id)
}

func (s *Server) handleUserUnblock(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	if err := s.dir.BlockUser(c.Request.Context(), u, id, time.Time{}, ""); err != nil {
		s.writeError(c, err)
		return
	}
	s.writeUser(c, id)
}

func (s *Server) handleUserRole(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b struct {
		Role string `json:"role"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	if err := s.dir.SetRole(c.Request.Context(), u, id, strings.TrimSpace(b.Role)); err != nil {
		s.writeError(c, err)
		return
	}
	s.writeUser(c, id)
}

func (s *Server) handleRepresentative(add bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := s.requireUser(c)
		if u == nil {
			return
		}
		id, ok := s.proposalID(c)
		if !ok {
			return
		}
		actor := c.Param("actor")
		if add {
			var b struct {
				ActorID string `json:"actor_id"`
			}
			if !s.bindJSON(c, &b) {
				return
			}
			actor = b.ActorID
		}
		if err := s.dir.SetRepresentative(c.Request.Context(), u, id, actor, add); err != nil {
			s.writeError(c, err)
			return
		}
		s.writeUser(c, id)
	}
}

func (s *Server) writeUser(c *gin.Context, id int64) {
	target, err := s.dir.FindUserByID(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"user": toUserJSON(target, false)})
}
