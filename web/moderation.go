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
	s.engine.POST("/api/actors/:id/revert", userAPI(s, "", s.handleRevert(directory.TypeActor)))
	s.engine.POST("/api/tools/:slug/revert", userAPI(s, "", s.handleRevert(directory.TypeTool)))
	s.engine.POST("/api/adoptions/:id/revert", userAPI(s, "", s.handleRevert(directory.TypeAdoption)))
	s.engine.POST("/api/reports", s.handleReportCreate)
	s.get("/api/reports", userAPI(s, "", s.handleReportIndex))
	s.engine.POST("/api/reports/:id/resolve", userAPI(s, "id", s.handleReportResolve))
	s.engine.POST("/api/users/:id/block", userAPI(s, "id", s.handleUserBlock))
	s.engine.POST("/api/users/:id/unblock", userAPI(s, "id", s.handleUserUnblock))
	s.engine.PUT("/api/users/:id/role", userAPI(s, "id", s.handleUserRole))
	s.engine.POST("/api/users/:id/representatives", userAPI(s, "id", s.handleRepresentativeAdd))
	s.engine.DELETE("/api/users/:id/representatives/:actor", userAPI(s, "id", s.handleRepresentativeRemove))
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

type revertBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Server) handleRevert(typ string) func(r *apiRequest, b *revertBody) (reply, error) {
	return func(r *apiRequest, b *revertBody) (reply, error) {
		id := recordID(r.c)
		v, err := s.dir.Revert(r.ctx, r.user, typ, id, b.Version, b.Reason)
		if err != nil {
			return reply{}, err
		}
		return ok(gin.H{"record_type": typ, "record_id": id, "version": v, "reverted_to": b.Version}), nil
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

func (s *Server) handleReportIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query([]string{"status", "limit", "offset"})
	status := p.oneOf("status", "open", "open", "resolved", "dismissed", "all")
	limit := p.integer("limit", 50, 1, 500, false)
	offset := p.integer("offset", 0, 0, 1<<31-1, false)
	if err := p.err(); err != nil {
		return reply{}, err
	}
	if status == "all" {
		status = ""
	}
	list, total, err := s.dir.FindReports(r.ctx, r.user, status, limit, offset)
	if err != nil {
		return reply{}, err
	}
	out := make([]reportJSON, len(list))
	for i, rep := range list {
		out[i] = toReportJSON(rep)
	}
	return ok(gin.H{"reports": out, "numberMatched": total, "numberReturned": len(out)}), nil
}

type resolveBody struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (s *Server) handleReportResolve(r *apiRequest, b *resolveBody) (reply, error) {
	rep, err := s.dir.ResolveReport(r.ctx, r.user, r.id, b.Status, b.Note)
	if err != nil {
		return reply{}, err
	}
	return ok(toReportJSON(rep)), nil
}

var (
	keyBlockDaysOrUntil = directory.NewKey("block.days_or_until", "give either days or until, not both")
	keyBlockUntil       = directory.NewKey("block.until", "must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z")
	keyBlockDays        = directory.NewKey("block.days", "must be a number of days between 1 and 3650 (or give until)")
)

type blockBody struct {
	Days   int    `json:"days"`
	Until  string `json:"until"`
	Reason string `json:"reason"`
}

func (s *Server) handleUserBlock(r *apiRequest, b *blockBody) (reply, error) {
	var until time.Time
	switch {
	case b.Until != "" && b.Days != 0:
		return reply{}, directory.FieldError("until", keyBlockDaysOrUntil, nil)
	case b.Until != "":
		t, err := time.Parse(time.RFC3339, b.Until)
		if err != nil {
			return reply{}, directory.FieldError("until", keyBlockUntil, nil)
		}
		until = t
	case b.Days >= 1 && b.Days <= 3650:
		until = time.Now().Add(time.Duration(b.Days) * 24 * time.Hour)
	default:
		return reply{}, directory.FieldError("days", keyBlockDays, nil)
	}
	return s.userReply(r, s.dir.BlockUser(r.ctx, r.user, r.id, until, b.Reason))
}

func (s *Server) handleUserUnblock(r *apiRequest, _ *noBody) (reply, error) {
	return s.userReply(r, s.dir.BlockUser(r.ctx, r.user, r.id, time.Time{}, ""))
}

type roleBody struct {
	Role string `json:"role"`
}

func (s *Server) handleUserRole(r *apiRequest, b *roleBody) (reply, error) {
	return s.userReply(r, s.dir.SetRole(r.ctx, r.user, r.id, strings.TrimSpace(b.Role)))
}

type representativeBody struct {
	ActorID string `json:"actor_id"`
}

func (s *Server) handleRepresentativeAdd(r *apiRequest, b *representativeBody) (reply, error) {
	return s.userReply(r, s.dir.SetRepresentative(r.ctx, r.user, r.id, b.ActorID, true))
}

func (s *Server) handleRepresentativeRemove(r *apiRequest, _ *noBody) (reply, error) {
	return s.userReply(r, s.dir.SetRepresentative(r.ctx, r.user, r.id, r.param("actor"), false))
}

// userReply answers the user r.id as a moderator sees it after a change
// to their account, or the error that came instead of the change.
func (s *Server) userReply(r *apiRequest, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	target, err := s.dir.FindUserByID(r.ctx, r.id)
	if err != nil {
		return reply{}, err
	}
	return ok(gin.H{"user": toUserJSON(target, false)}), nil
}
