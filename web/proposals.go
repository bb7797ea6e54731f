package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

func (s *Server) registerProposalRoutes() {
	s.engine.POST("/api/proposals", userAPI(s, "", s.handleProposalCreate))
	s.engine.POST("/api/proposals/check", userAPI(s, "", s.handleProposalCheck))
	s.get("/api/proposals", userAPI(s, "", s.handleProposalIndex))
	s.get("/api/proposals/:id", userAPI(s, "id", s.handleProposalView))
	s.engine.POST("/api/proposals/:id/approve", userAPI(s, "id", s.handleProposalApprove))
	s.engine.POST("/api/proposals/:id/reject", userAPI(s, "id", s.handleProposalReject))
	s.engine.POST("/api/proposals/:id/vote", userAPI(s, "id", s.handleProposalVote))
	s.engine.POST("/api/proposals/:id/withdraw", userAPI(s, "id", s.handleProposalWithdraw))
	s.engine.POST("/api/proposals/:id/comments", userAPI(s, "id", s.handleProposalComment))
	s.engine.POST("/api/review", userAPI(s, "", s.handleReviewBulk))
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

// input is the proposal the body describes: a geometry becomes changes.lon
// and lat.
func (b *proposalBody) input() (directory.ProposalInput, error) {
	in := directory.ProposalInput{TargetType: b.TargetType, TargetID: b.TargetID, Action: b.Action,
		BaseVersion: b.BaseVersion, Changes: b.Changes, Comment: b.Comment, Source: b.Source}
	if b.Geometry != nil {
		if b.Geometry.Type != "Point" || len(b.Geometry.Coordinates) != 2 {
			return in, directory.FieldError("geometry", keyGeometryPoint, nil)
		}
		if _, ok := b.Changes["lon"]; ok {
			return in, directory.FieldError("geometry", keyGeometryTwice, nil)
		}
		if in.Changes == nil {
			in.Changes = map[string]json.RawMessage{}
		}
		in.Changes["lon"], _ = json.Marshal(b.Geometry.Coordinates[0])
		in.Changes["lat"], _ = json.Marshal(b.Geometry.Coordinates[1])
	}
	return in, nil
}

func (s *Server) handleProposalCreate(r *apiRequest, b *proposalBody) (reply, error) {
	in, err := b.input()
	if err != nil {
		return reply{}, err
	}
	p, err := s.dir.ProposeEdit(r.ctx, r.user, in)
	if err != nil {
		return reply{}, err
	}
	return created(toProposalJSON(p), "/api/proposals/"+itoa(p.ID)), nil
}

func (s *Server) handleProposalCheck(r *apiRequest, b *proposalBody) (reply, error) {
	in, err := b.input()
	if err != nil {
		return reply{}, err
	}
	dups, err := s.dir.CheckProposal(r.ctx, r.user, in)
	if err != nil {
		return reply{}, err
	}
	if dups == nil {
		dups = []directory.Duplicate{}
	}
	return ok(gin.H{"valid": true, "duplicates": dups}), nil
}

var proposalIndexParams = []string{"status", "target_type", "target_id", "kind", "department", "departement", "region",
	"author", "mine", "needs_review", "order", "limit", "offset"}

func (s *Server) handleProposalIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query(proposalIndexParams)
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
		f.AuthorID = r.user.ID
	}
	if err := p.err(); err != nil {
		return reply{}, err
	}
	list, total, err := s.dir.FindProposals(r.ctx, r.user, f)
	if err != nil {
		return reply{}, err
	}
	out := make([]proposalJSON, len(list))
	for i, pr := range list {
		out[i] = toProposalJSON(pr)
	}
	return ok(gin.H{"proposals": out, "numberMatched": total, "numberReturned": len(out)}), nil
}

// proposalReply answers a proposal, or the error that came instead.
func proposalReply(p *directory.Proposal, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	return ok(toProposalJSON(p)), nil
}

func (s *Server) handleProposalView(r *apiRequest, _ *noBody) (reply, error) {
	return proposalReply(s.dir.FindProposalByID(r.ctx, r.user, r.id))
}

// decisionBody is a moderator's decision on one proposal; it may be omitted.
type decisionBody struct {
	Reason      string            `json:"reason"`
	Resolutions map[string]string `json:"resolutions"`
}

func (decisionBody) optionalBody() {}

func (b *decisionBody) decision(id int64) directory.Decision {
	return directory.Decision{ID: id, Reason: b.Reason, Resolutions: b.Resolutions}
}

func (s *Server) handleProposalApprove(r *apiRequest, b *decisionBody) (reply, error) {
	return proposalReply(s.dir.ApproveEdit(r.ctx, r.user, b.decision(r.id)))
}

func (s *Server) handleProposalReject(r *apiRequest, b *decisionBody) (reply, error) {
	return proposalReply(s.dir.RejectEdit(r.ctx, r.user, b.decision(r.id)))
}

// bulkBody is a bulk review as posted.
type bulkBody struct {
	Action string  `json:"action"`
	IDs    []int64 `json:"ids"`
	Reason string  `json:"reason"`
}

// handleReviewBulk approves or rejects several proposals at once; each
// result has the status and error body it would have had alone.
func (s *Server) handleReviewBulk(r *apiRequest, b *bulkBody) (reply, error) {
	results, err := s.dir.ReviewProposals(r.ctx, r.user, directory.BulkReview{Action: b.Action, IDs: b.IDs, Reason: b.Reason})
	if err != nil {
		return reply{}, err
	}
	type result struct {
		ID     int64      `json:"id"`
		Status int        `json:"status"`
		Error  *errorBody `json:"error,omitempty"`
	}
	out := make([]result, len(results))
	done := 0
	for i, res := range results {
		out[i] = result{ID: res.ID, Status: http.StatusOK}
		if res.Err != nil {
			out[i].Status = errorStatus(directory.ErrorCode(res.Err))
			out[i].Error = newErrorBody(res.Err)
		} else {
			done++
		}
	}
	return ok(gin.H{"results": out, "done": done, "failed": len(out) - done}), nil
}

type voteBody struct {
	Value *int `json:"value"`
}

func (s *Server) handleProposalVote(r *apiRequest, b *voteBody) (reply, error) {
	if b.Value == nil {
		return reply{}, directory.FieldError("value", keyVoteRequired, nil)
	}
	return proposalReply(s.dir.Vote(r.ctx, r.user, r.id, *b.Value))
}

func (s *Server) handleProposalWithdraw(r *apiRequest, _ *noBody) (reply, error) {
	return proposalReply(s.dir.WithdrawEdit(r.ctx, r.user, r.id))
}

type commentBody struct {
	Body string `json:"body"`
}

func (s *Server) handleProposalComment(r *apiRequest, b *commentBody) (reply, error) {
	p, err := s.dir.CommentOn(r.ctx, r.user, r.id, b.Body)
	if err != nil {
		return reply{}, err
	}
	return created(toProposalJSON(p), ""), nil
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
