package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

func (s *Server) registerProposalRoutes() {
	s.engine.POST("/api/proposals", s.handleProposalCreate)
	s.engine.POST("/api/proposals/check", s.handleProposalCheck)
	s.get("/api/proposals", s.handleProposalIndex)
	s.get("/api/proposals/:id", s.handleProposalView)
	s.engine.POST("/api/proposals/:id/approve", s.handleProposalApprove)
	s.engine.POST("/api/proposals/:id/reject", s.handleProposalReject)
	s.engine.POST("/api/proposals/:id/vote", s.handleProposalVote)
	s.engine.POST("/api/proposals/:id/withdraw", s.handleProposalWithdraw)
	s.engine.POST("/api/proposals/:id/comments", s.handleProposalComment)
	s.engine.POST("/api/review", s.handleReviewBulk)
}

// proposalBody is a proposal as posted. A place proposal may give its point
// as changes.lon/lat or as a GeoJSON Point geometry.
type proposalBody struct {
	TargetType  string                     `json:"target_type"`
	TargetID    string                     `json:"target_id"`
	Action      string                     `json:"action"`
	BaseVersion int                        `json:"base_version"`
	Changes     map[string]json.RawMessage `json:"changes"`
	Geometry    *geometryBody              `json:"geometry"`
	Comment     string                     `json:"comment"`
	Source      string                     `json:"source"`
}

type geometryBody struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

var (
	keyGeometryPoint = directory.NewKey("proposal.geometry_point", `must be a GeoJSON Point: {"type":"Point","coordinates":[lon, lat]}`)
	keyGeometryTwice = directory.NewKey("proposal.geometry_twice", "give the point either as geometry or as changes.lon/lat, not both")
	keyVoteRequired  = directory.NewKey("vote.required", "is required: 1 (for), -1 (against) or 0 (take back)")
)

func (s *Server) proposalInput(c *gin.Context) (directory.ProposalInput, bool) {
	var b proposalBody
	if !s.bindJSON(c, &b) {
		return directory.ProposalInput{}, false
	}
	in := directory.ProposalInput{TargetType: b.TargetType, TargetID: b.TargetID, Action: b.Action,
		BaseVersion: b.BaseVersion, Changes: b.Changes, Comment: b.Comment, Source: b.Source}
	if b.Geometry != nil {
		if b.Geometry.Type != "Point" || len(b.Geometry.Coordinates) != 2 {
			s.writeError(c, directory.FieldError("geometry", keyGeometryPoint, nil))
			return in, false
		}
		if _, ok := b.Changes["lon"]; ok {
			s.writeError(c, directory.FieldError("geometry", keyGeometryTwice, nil))
			return in, false
		}
		if in.Changes == nil {
			in.Changes = map[string]json.RawMessage{}
		}
		in.Changes["lon"], _ = json.Marshal(b.Geometry.Coordinates[0])
		in.Changes["lat"], _ = json.Marshal(b.Geometry.Coordinates[1])
	}
	return in, true
}

func (s *Server) handleProposalCreate(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	in, ok := s.proposalInput(c)
	if !ok {
		return
	}
	p, err := s.dir.ProposeEdit(c.Request.Context(), u, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/proposals/"+itoa(p.ID))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, toProposalJSON(p))
}

func (s *Server) handleProposalCheck(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	in, ok := s.proposalInput(c)
	if !ok {
		return
	}
	dups, err := s.dir.CheckProposal(c.Request.Context(), u, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if dups == nil {
		dups = []directory.Duplicate{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"valid": true, "duplicates": dups})
}

var proposalIndexParams = []string{"status", "target_type", "target_id", "kind", "department", "departement", "region",
	"author", "mine", "needs_review", "order", "limit", "offset"}

func (s *Server) handleProposalIndex(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	p := parseParams(c.Request.URL.RawQuery, proposalIndexParams)
	f := directory.ProposalFilter{
		Statuses:    p.list("status"),
		TargetType:  p.str("target_type"),
		TargetID:    p.str("target_id"),
		Kind:        p.str("kind"),
		Departement: p.str("department") + p.str("departement"),
		Region:      p.str("region"),
		Limit:       p.integer("limit", 50, 1, 500, false),
		Offset:      p.integer("offset", 0, 0, 1<<31-1, false),
		NeedsReview: p.oneOf("needs_review", "0", "0", "1", "true", "false") == "1" || p.str("needs_review") == "true",
		NewestFirst: p.oneOf("order", "oldest", "oldest", "newest") == "newest",
	}
	if p.has("author") {
		f.AuthorID = int64(p.integer("author", 0, 1, 1<<31-1, false))
	}
	if p.oneOf("mine", "0", "0", "1", "true", "false") == "1" || p.str("mine") == "true" {
		f.AuthorID = u.ID
	}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	list, total, err := s.dir.FindProposals(c.Request.Context(), u, f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]proposalJSON, len(list))
	for i, pr := range list {
		out[i] = toProposalJSON(pr)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"proposals": out, "numberMatched": total, "numberReturned": len(out)})
}

func (s *Server) proposalID(c *gin.Context) (int64, bool) {
	id, err := directory.ParseID("id", c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return 0, false
	}
	return id, true
}

func (s *Server) handleProposalView(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	p, err := s.dir.FindProposalByID(c.Request.Context(), u, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toProposalJSON(p))
}

type decisionBody struct {
	Reason      string            `json:"reason"`
	Resolutions map[string]string `json:"resolutions"`
}

func (s *Server) handleProposalApprove(c *gin.Context) { s.decideOne(c, true) }
func (s *Server) handleProposalReject(c *gin.Context)  { s.decideOne(c, false) }

func (s *Server) decideOne(c *gin.Context, approve bool) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b decisionBody
	if c.Request.ContentLength != 0 && !s.bindJSON(c, &b) {
		return
	}
	dec := directory.Decision{ID: id, Reason: b.Reason, Resolutions: b.Resolutions}
	var p *directory.Proposal
	var err error
	if approve {
		p, err = s.dir.ApproveEdit(c.Request.Context(), u, dec)
	} else {
		p, err = s.dir.RejectEdit(c.Request.Context(), u, dec)
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toProposalJSON(p))
}

func (s *Server) handleReviewBulk(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	var b struct {
		Action string  `json:"action"`
		IDs    []int64 `json:"ids"`
		Reason string  `json:"reason"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	results, err := s.dir.ReviewProposals(c.Request.Context(), u, directory.BulkReview{Action: b.Action, IDs: b.IDs, Reason: b.Reason})
	if err != nil {
		s.writeError(c, err)
		return
	}
	type result struct {
		ID     int64      `json:"id"`
		Status int        `json:"status"`
		Error  *errorBody `json:"error,omitempty"`
	}
	out := make([]result, len(results))
	done := 0
	for i, r := range results {
		out[i] = result{ID: r.ID, Status: http.StatusOK}
		if r.Err != nil {
			code := directory.ErrorCode(r.Err)
			out[i].Status = errorStatus(code)
			out[i].Error = newErrorBody(r.Err)
		} else {
			done++
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"results": out, "done": done, "failed": len(out) - done})
}

func (s *Server) handleProposalVote(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b struct {
		Value *int `json:"value"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	if b.Value == nil {
		s.writeError(c, directory.FieldError("value", keyVoteRequired, nil))
		return
	}
	p, err := s.dir.Vote(c.Request.Context(), u, id, *b.Value)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toProposalJSON(p))
}

func (s *Server) handleProposalWithdraw(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	p, err := s.dir.WithdrawEdit(c.Request.Context(), u, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toProposalJSON(p))
}

func (s *Server) handleProposalComment(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	id, ok := s.proposalID(c)
	if !ok {
		return
	}
	var b struct {
		Body string `json:"body"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	p, err := s.dir.CommentOn(c.Request.Context(), u, id, b.Body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, toProposalJSON(p))
}

// proposalJSON is a proposal as the API shows it.
type proposalJSON struct {
	ID             int64                            `json:"id"`
	Author         directory.UserRef                `json:"author"`
	TargetType     string                           `json:"target_type"`
	TargetID       string                           `json:"target_id"`
	TargetName     string                           `json:"target_name,omitempty"`
	Action         string                           `json:"action"`
	BaseVersion    int                              `json:"base_version"`
	CurrentVersion int                              `json:"current_version"`
	Changes        map[string]directory.FieldChange `json:"changes"`
	Conflicts      map[string]directory.Conflict    `json:"conflicts,omitempty"`
	Comment        string                           `json:"comment,omitempty"`
	Source         string                           `json:"source,omitempty"`
	Duplicates     []directory.Duplicate            `json:"duplicates,omitempty"`
	Status         string                           `json:"status"`
	NeedsReview    bool                             `json:"needs_review"`
	ApprovedBy     string                           `json:"approved_by,omitempty"`
	AppliedVersion int                              `json:"applied_version,omitempty"`
	Reviewer       *directory.UserRef               `json:"reviewer,omitempty"`
	ReviewedAt     string                           `json:"reviewed_at,omitempty"`
	Reason         string                           `json:"reason,omitempty"`
	Votes          votesJSON                        `json:"votes"`
	Departement    string                           `json:"departement,omitempty"`
	Region         string                           `json:"region,omitempty"`
	Comments       []directory.Comment              `json:"comments,omitempty"`
	CreatedAt      string                           `json:"created_at"`
	UpdatedAt      string                           `json:"updated_at"`
}

type votesJSON struct {
	For     int `json:"for"`
	Against int `json:"against"`
	Mine    int `json:"mine"`
}

func toProposalJSON(p *directory.Proposal) proposalJSON {
	j := proposalJSON{ID: p.ID, Author: p.Author, TargetType: p.TargetType, TargetID: p.TargetID, TargetName: p.TargetName,
		Action: p.Action, BaseVersion: p.BaseVersion, CurrentVersion: p.CurrentVersion, Changes: p.Changes,
		Conflicts: p.Conflicts, Comment: p.Comment, Source: p.Source, Duplicates: p.Warnings, Status: p.Status,
		NeedsReview: p.NeedsReview, ApprovedBy: p.ApprovedBy, AppliedVersion: p.AppliedVersion, Reviewer: p.Reviewer,
		Reason: p.Reason, Votes: votesJSON{For: p.VotesFor, Against: p.VotesAgainst, Mine: p.MyVote},
		Departement: p.Departement, Region: p.Region, Comments: p.Comments,
		CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: p.UpdatedAt.UTC().Format(time.RFC3339)}
	if !p.ReviewedAt.IsZero() {
		j.ReviewedAt = p.ReviewedAt.UTC().Format(time.RFC3339)
	}
	return j
}
