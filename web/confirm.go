package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// "Toujours d'actualité": a signed-in person confirms a fact is still true
// (API and pages); moderators decide the confirmations that wait and read
// the facts to check (older than the threshold and never confirmed).

func (s *Server) registerConfirmRoutes() {
	s.engine.POST("/api/confirmations", userAPI(s, "", s.handleConfirmCreate))
	s.get("/api/confirmations", userAPI(s, "", s.handleConfirmIndex))
	s.engine.POST("/api/confirmations/:id/approve", userAPI(s, "id", s.handleConfirmDecide(true)))
	s.engine.POST("/api/confirmations/:id/reject", userAPI(s, "id", s.handleConfirmDecide(false)))
	s.get("/api/stale", userAPI(s, "", s.handleStaleIndex))
}

// confirmationJSON is a confirmation as the API gives it.
type confirmationJSON struct {
	ID         int64              `json:"id"`
	TargetType string             `json:"target_type"`
	TargetID   string             `json:"target_id"`
	Field      string             `json:"field,omitempty"`
	Actor      string             `json:"actor"`
	ActorName  string             `json:"actor_name"`
	Value      string             `json:"value"`
	User       directory.UserRef  `json:"user"`
	Status     string             `json:"status"`
	Reviewer   *directory.UserRef `json:"reviewer,omitempty"`
	ReviewedAt string             `json:"reviewed_at,omitempty"`
	CreatedAt  string             `json:"created_at"`
}

func toConfirmationJSON(c *directory.Confirmation) confirmationJSON {
	out := confirmationJSON{ID: c.ID, TargetType: c.TargetType, TargetID: c.TargetID, Field: c.Field, Actor: c.ActorID,
		ActorName: c.TargetName, Value: c.Value, User: c.User, Status: c.Status, Reviewer: c.Reviewer,
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
	if !c.ReviewedAt.IsZero() {
		out.ReviewedAt = c.ReviewedAt.UTC().Format(time.RFC3339)
	}
	return out
}

// handleConfirmCreate records a confirmation: 201 when it applied at once
// (moderators, representatives), 202 when it waits for a moderator.
// confirmBody is a confirmation as posted.
type confirmBody struct {
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	Field      string `json:"field"`
}

func (s *Server) handleConfirmCreate(r *apiRequest, b *confirmBody) (reply, error) {
	conf, err := s.dir.ConfirmFact(r.ctx, r.user, directory.ConfirmInput{TargetType: b.TargetType,
		TargetID: b.TargetID, Field: b.Field})
	if err != nil {
		return reply{}, err
	}
	status := http.StatusAccepted
	if conf.Status == directory.ConfirmationApplied {
		status = http.StatusCreated
	}
	return reply{status: status, body: toConfirmationJSON(conf)}, nil
}

func (s *Server) handleConfirmIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query([]string{"limit", "offset"})
	limit := p.integer("limit", 50, 1, 500, false)
	offset := p.integer("offset", 0, 0, 1<<31-1, false)
	if err := p.err(); err != nil {
		return reply{}, err
	}
	list, total, err := s.dir.FindPendingConfirmations(r.ctx, r.user, limit, offset)
	if err != nil {
		return reply{}, err
	}
	out := make([]confirmationJSON, len(list))
	for i, conf := range list {
		out[i] = toConfirmationJSON(conf)
	}
	return ok(gin.H{"confirmations": out, "numberMatched": total, "numberReturned": len(out)}), nil
}

func (s *Server) handleConfirmDecide(approve bool) func(*apiRequest, *noBody) (reply, error) {
	return func(r *apiRequest, _ *noBody) (reply, error) {
		decide := s.dir.RejectConfirmation
		if approve {
			decide = s.dir.ApproveConfirmation
		}
		conf, err := decide(r.ctx, r.user, r.id)
		if err != nil {
			return reply{}, err
		}
		return ok(toConfirmationJSON(conf)), nil
	}
}

// staleJSON is a fact to check as the API gives it.
type staleJSON struct {
	Actor       string `json:"actor"`
	ActorName   string `json:"actor_name"`
	Kind        string `json:"kind"`
	Departement string `json:"departement"`
	Field       string `json:"field,omitempty"`
	Tool        string `json:"tool,omitempty"`
	Value       string `json:"value"`
	AsOf        string `json:"as_of"`
	Source      string `json:"source,omitempty"`
}

func (s *Server) handleStaleIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query([]string{"departement", "department", "region", "limit", "offset"})
	f := directory.StaleFilter{Departement: p.str("departement") + p.str("department"), Region: p.str("region"),
		Limit: p.integer("limit", 50, 1, 500, false), Offset: p.integer("offset", 0, 0, 1<<31-1, false)}
	if err := p.err(); err != nil {
		return reply{}, err
	}
	list, total, err := s.dir.FindStaleFacts(r.ctx, r.user, f)
	if err != nil {
		return reply{}, err
	}
	out := make([]staleJSON, len(list))
	for i, f := range list {
		out[i] = staleJSON{Actor: f.ActorID, ActorName: f.ActorName, Kind: f.Kind, Departement: f.Departement,
			Field: f.Field, Tool: f.Tool, Value: f.Value, AsOf: f.AsOf, Source: f.Source}
	}
	return ok(gin.H{"facts": out, "numberMatched": total, "numberReturned": len(out),
		"stale_after_years": s.dir.StaleYears()}), nil
}

// Pages.

func (p *pages) registerConfirmPageRoutes() {
	p.s.engine.POST("/confirmer", p.handleConfirmPost)
	p.s.get("/moderation/a-verifier", p.handleStalePage)
	p.s.engine.POST("/moderation/confirmations/:id", p.handleConfirmDecidePost)
}

// handleConfirmPost records a person's "toujours d'actualité" from a page
// and goes back to it.
func (p *pages) handleConfirmPost(c *gin.Context) {
	_, u := p.begin(c, false)
	if u == nil {
		return
	}
	back := localPath(postValue(c, "retour"))
	if back == "" {
		back = "/"
	}
	conf, err := p.s.dir.ConfirmFact(c.Request.Context(), u, directory.ConfirmInput{TargetType: postValue(c, "type"),
		TargetID: postValue(c, "id"), Field: postValue(c, "field")})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	key := "confirmPending"
	if conf.Status == directory.ConfirmationApplied {
		key = "confirmApplied"
	}
	redirectTo(c, back, "", "fait", key)
}

// staleData is the page of facts to check.
type staleData struct {
	Counts       queueCounts
	Pending      []*directory.Confirmation
	PendingTotal int
	Facts        []staleFactView
	Total        int
	Years        int
	Filter       queueFilter
	Menus        filterMenus
	Return       string
	Prev, Next   string
	Error        string
	ErrorID      int64
}

type staleFactView struct {
	directory.StaleFact
	Said string
}

func (p *pages) handleStalePage(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.moderatorPage(c, cat)
	if u == nil {
		return
	}
	p.renderStale(c, cat, u, c.Request.URL.RequestURI(), http.StatusOK, "", 0)
}

func (p *pages) renderStale(c *gin.Context, cat *catalog, u *directory.User, back string, status int, failure string, failedID int64) {
	ctx := c.Request.Context()
	bu, _ := url.Parse(back)
	q := bu.Query()
	qf := readQueueFilter(p, q)
	offset, _ := parseInt(q.Get("depart"))
	d := staleData{Years: p.s.dir.StaleYears(), Filter: qf, Return: back, Error: failure, ErrorID: failedID}
	var err error
	if d.Pending, d.PendingTotal, err = p.s.dir.FindPendingConfirmations(ctx, u, 100, 0); err != nil {
		p.s.writeError(c, err)
		return
	}
	facts, total, err := p.s.dir.FindStaleFacts(ctx, u, directory.StaleFilter{Departement: qf.Departement, Region: qf.Region,
		Limit: pageSize, Offset: offset})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d.Total = total
	for _, f := range facts {
		v := staleFactView{StaleFact: f}
		if f.Field != "" {
			v.Said = provenanceSaid(cat, directory.Provenance{Source: f.Source, AsOf: f.AsOf})
		} else {
			v.Said = cat.Provenance(f.AsOf, f.Sources)
		}
		d.Facts = append(d.Facts, v)
	}
	if d.Menus, err = p.menus(c, cat); err != nil {
		p.s.writeError(c, err)
		return
	}
	d.Prev, d.Next = listPager(listing{back: back}, offset, total)
	p.renderModeration(c, cat, u, status, "stale", cat.T("stale.title"), back, &d.Counts, d)
}

// handleConfirmDecidePost approves or rejects a waiting confirmation.
func (p *pages) handleConfirmDecidePost(c *gin.Context) {
	cat, u, id := p.beginID(c, true)
	if u == nil {
		return
	}
	back := localPath(postValue(c, "retour"))
	if back == "" {
		back = "/moderation/a-verifier"
	}
	approve := postValue(c, "decision") == "approve"
	var err error
	if approve {
		_, err = p.s.dir.ApproveConfirmation(c.Request.Context(), u, id)
	} else {
		_, err = p.s.dir.RejectConfirmation(c.Request.Context(), u, id)
	}
	if err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		p.renderStale(c, cat, u, back, errorStatus(directory.ErrorCode(err)), errorText(cat, err), id)
		return
	}
	key := "confirmationRejected"
	if approve {
		key = "confirmationApproved"
	}
	redirectTo(c, back, "", "fait", key, "n", itoa(id))
}
