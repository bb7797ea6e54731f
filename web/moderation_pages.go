package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The moderation screens (moderators only): the queue of pending proposals
// with their field-level diffs, approve or reject one or many with a
// reason, the changes applied at once that await review, the reports, and
// blocks. And the community's view of the pending proposals, where any
// logged-in contributor votes on the others' proposals and comments.

func (p *pages) registerModerationPageRoutes() {
	s := p.s
	s.get("/moderation", p.handleQueue)
	s.get("/moderation/relecture", p.handleReviewQueue)
	s.get("/moderation/signalements", p.handleReports)
	s.engine.POST("/moderation/propositions/:id", p.handleDecidePost)
	s.engine.POST("/moderation/lot", p.handleBulkPost)
	s.engine.POST("/moderation/signalements/:id", p.handleReportResolvePost)
	s.engine.POST("/moderation/utilisateurs/:id/bloquer", p.handleBlockPost)
	s.engine.POST("/moderation/utilisateurs/:id/debloquer", p.handleUnblockPost)
	s.get("/propositions", p.handleCommunity)
	s.engine.POST("/propositions/:id/vote", p.handleVotePost)
	s.engine.POST("/propositions/:id/commentaire", p.handleCommentPost)
}

// queueFilter is what a proposal list is narrowed to.
type queueFilter struct {
	Kind        string
	Departement string
	Region      string
	Author      int64
	All         bool  // every status (an author's history), not only pending
	Batch       int64 // proposals an import run filed (?lot=)
}

func readQueueFilter(p *pages, q url.Values) queueFilter {
	f := queueFilter{Kind: q.Get("type"), Departement: q.Get("departement"), Region: q.Get("region"), All: q.Get("statut") == "tous"}
	if !directory.IsKind(f.Kind) {
		f.Kind = ""
	}
	if f.Departement != "" && p.s.dir.PlaceName(directory.KindDepartement, f.Departement) == "" {
		f.Departement = ""
	}
	if f.Region != "" && p.s.dir.PlaceName(directory.KindRegion, f.Region) == "" {
		f.Region = ""
	}
	if id, err := directory.ParseID("auteur", q.Get("auteur")); err == nil {
		f.Author = id
	}
	if id, err := directory.ParseID("lot", q.Get("lot")); err == nil {
		f.Batch = id
	}
	return f
}

// bulkResult is the outcome of a bulk decision with failures.
type bulkResult struct {
	Done, Failed int
	Approve      bool
}

// listing is what a proposal list failed action re-renders: which list,
// with which query, and the errors to show on cards.
type listing struct {
	view    string // queue, review, community, mine
	query   url.Values
	back    string
	errors  map[int64]cardError
	message string
	bulk    *bulkResult
	status  int
}

// cardError is why an action on one proposal failed, with what was typed.
type cardError struct {
	Message string
	Reason  string
}

// listingFrom reads the list a form came from (its retour field).
func listingFrom(c *gin.Context, def string) listing {
	back := localPath(postValue(c, "retour"))
	if back == "" {
		back = def
	}
	u, _ := url.Parse(back)
	l := listing{back: back, query: u.Query(), errors: map[int64]cardError{}, status: http.StatusOK}
	switch {
	case strings.HasPrefix(u.Path, "/moderation/relecture"):
		l.view = "review"
	case strings.HasPrefix(u.Path, "/moderation"):
		l.view = "queue"
	case strings.HasPrefix(u.Path, "/compte/propositions"):
		l.view = "mine"
	default:
		l.view = "community"
	}
	return l
}

func (p *pages) handleQueue(c *gin.Context) {
	cat := p.lang(c, true)
	if u := p.moderatorPage(c, cat); u != nil {
		p.renderListing(c, cat, u, listing{view: "queue", query: c.Request.URL.Query(), back: c.Request.URL.RequestURI(), status: http.StatusOK})
	}
}

func (p *pages) handleReviewQueue(c *gin.Context) {
	cat := p.lang(c, true)
	if u := p.moderatorPage(c, cat); u != nil {
		p.renderListing(c, cat, u, listing{view: "review", query: c.Request.URL.Query(), back: c.Request.URL.RequestURI(), status: http.StatusOK})
	}
}

func (p *pages) handleCommunity(c *gin.Context) {
	cat := p.lang(c, true)
	if u := p.pageUser(c); u != nil {
		p.renderListing(c, cat, u, listing{view: "community", query: c.Request.URL.Query(), back: c.Request.URL.RequestURI(), status: http.StatusOK})
	}
}

// renderListing renders a list of proposals (queue, review, community).
func (p *pages) renderListing(c *gin.Context, cat *catalog, u *directory.User, l listing) {
	if l.view == "mine" {
		failed := map[int64]string{}
		for id, e := range l.errors {
			failed[id] = e.Message
		}
		p.renderMine(c, cat, u, l.status, failed)
		return
	}
	ctx := c.Request.Context()
	qf := readQueueFilter(p, l.query)
	offset, _ := parseInt(l.query.Get("depart"))
	f := directory.ProposalFilter{Statuses: []string{directory.ProposalPending}, Kind: qf.Kind, Departement: qf.Departement,
		Region: qf.Region, AuthorID: qf.Author, BatchID: qf.Batch, Limit: pageSize, Offset: offset}
	switch {
	case l.view == "review":
		f.Statuses, f.NeedsReview = []string{directory.ProposalApproved}, true
	case qf.All && qf.Author != 0 && l.view == "queue":
		f.Statuses, f.NewestFirst = nil, true
	}
	list, total, err := p.s.dir.FindProposals(ctx, u, f)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := proposalsData{View: l.view, Total: total, Filter: qf, Menus: menus, Return: l.back, Message: l.message, Bulk: l.bulk,
		Moderator: u.IsModerator()}
	names := &recordNames{ctx: ctx, dir: p.s.dir}
	shown := map[int64]bool{}
	for _, pr := range list {
		v := newProposalView(cat, names, pr, u)
		if e, ok := l.errors[pr.ID]; ok {
			v.Error, v.Reason = e.Message, e.Reason
			shown[pr.ID] = true
		}
		d.Items = append(d.Items, v)
	}
	d.Message = joinUnshown(cat, d.Message, l.errors, shown)
	if qf.Author != 0 {
		if a, err := p.s.dir.FindUserByID(ctx, qf.Author); err == nil {
			d.Author = a
		}
	}
	if u.IsModerator() {
		d.Counts = p.modCounts(ctx, u)
	}
	d.Prev, d.Next = listPager(l, offset, total)
	title, nav := cat.T("queue.title"), "moderation"
	switch l.view {
	case "review":
		title = cat.T("review.title")
	case "community":
		title, nav = cat.T("community.title"), "community"
	}
	pg := p.newPage(c, cat, "moderation", nav, title)
	pg.setHere(l.back)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	pg.Map = slices.ContainsFunc(d.Items, func(v proposalView) bool { return v.Move != nil })
	c.Header("Cache-Control", "no-store")
	p.render(c, l.status, "moderation", pg)
}

// listPager gives a listing's previous and next pages.
func listPager(l listing, offset, total int) (prev, next string) {
	u, _ := url.Parse(l.back)
	q := u.Query()
	q.Del("fait")
	q.Del("n")
	if offset > 0 {
		if offset-pageSize <= 0 {
			q.Del("depart")
		} else {
			q.Set("depart", strconv.Itoa(offset-pageSize))
		}
		prev = u.Path + "?" + q.Encode()
	}
	if offset+pageSize < total {
		q.Set("depart", strconv.Itoa(offset+pageSize))
		next = u.Path + "?" + q.Encode()
	}
	return prev, next
}

// begin opens a handler of the pages for logged-in people: the language,
// the posted form (on a POST), the user (visitors are sent to log in) and,
// when mod is set, a moderator (others get 403). With a nil user the
// answer is given: the handler stops.
func (p *pages) begin(c *gin.Context, mod bool) (*catalog, *directory.User) {
	post := c.Request.Method == http.MethodPost
	cat := p.lang(c, !post)
	if post && !p.parseForm(c, cat) {
		return cat, nil
	}
	u := p.pageUser(c)
	if u == nil {
		return cat, nil
	}
	if mod && !u.IsModerator() {
		p.renderForbidden(c, cat)
		return cat, nil
	}
	return cat, u
}

// beginID is begin for a form posted about the record of the URL's :id:
// u is nil when the answer is given (not logged in, not allowed, a malformed id).
func (p *pages) beginID(c *gin.Context, mod bool) (*catalog, *directory.User, int64) {
	cat, u := p.begin(c, mod)
	if u == nil {
		return cat, nil, 0
	}
	id, err := directory.ParseID("id", c.Param("id"))
	if err != nil {
		p.s.writeError(c, err)
		return cat, nil, 0
	}
	return cat, u, id
}

// handleDecidePost approves or rejects one proposal.
func (p *pages) handleDecidePost(c *gin.Context) {
	cat, u, id := p.beginID(c, true)
	if u == nil {
		return
	}
	l := listingFrom(c, "/moderation")
	dec := directory.Decision{ID: id, Reason: postValue(c, "reason"), Resolutions: map[string]string{}}
	for k, v := range c.Request.PostForm {
		if field, ok := strings.CutPrefix(k, "resolve_"); ok && len(v) > 0 && v[0] != "" {
			dec.Resolutions[field] = v[0]
		}
	}
	action := postValue(c, "action")
	_, err := p.s.dir.Decide(c.Request.Context(), u, action, dec)
	done := map[string]string{directory.ReviewApprove: "approved", directory.ReviewReject: "rejected"}[action]
	if err == nil {
		redirectTo(c, l.back, "", "fait", done, "n", itoa(id))
		return
	}
	if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
		p.s.writeError(c, err)
		return
	}
	l.errors[id] = cardError{Message: decisionError(cat, err), Reason: dec.Reason}
	l.status = errorStatus(directory.ErrorCode(err))
	p.renderListing(c, cat, u, l)
}

// decisionError explains a refused decision; a conflict names its fields.
func decisionError(cat *catalog, err error) string {
	if cf := directory.ErrorConflicts(err); len(cf) > 0 {
		var names []string
		for k := range cf {
			names = append(names, cat.T("field."+k))
		}
		slices.Sort(names)
		return cat.Tf("queue.conflictError", strings.Join(names, ", "))
	}
	if pr, ok := directory.ErrorProblems(err)["reason"]; ok {
		return cat.Problem(pr)
	}
	return errorText(cat, err)
}

// handleBulkPost approves or rejects the checked proposals with one reason.
func (p *pages) handleBulkPost(c *gin.Context) {
	cat, u := p.begin(c, true)
	if u == nil {
		return
	}
	l := listingFrom(c, "/moderation")
	action := postValue(c, "bulk_action")
	// Repeats are dropped with a set and the reading stops past the limit:
	// a form of a megabyte of ids costs what its first ids cost.
	var ids []int64
	seen := map[int64]bool{}
	for _, s := range c.Request.PostForm["ids"] {
		if id, err := directory.ParseID("ids", s); err == nil && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
			if len(ids) > directory.MaxBulkReview {
				break
			}
		}
	}
	results, err := p.s.dir.ReviewProposals(c.Request.Context(), u,
		directory.BulkReview{Action: action, IDs: ids, Reason: postValue(c, "bulk_reason")})
	if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.EFORBIDDEN {
		p.s.writeError(c, err)
		return
	} else if err != nil {
		l.message, l.status = problemsText(cat, err), errorStatus(code)
		p.renderListing(c, cat, u, l)
		return
	}
	b := &bulkResult{Approve: action == directory.ReviewApprove}
	for _, r := range results {
		if r.Err != nil {
			b.Failed++
			l.errors[r.ID] = cardError{Message: decisionError(cat, r.Err)}
		} else {
			b.Done++
		}
	}
	if b.Failed == 0 {
		key := "bulkApproved"
		if !b.Approve {
			key = "bulkRejected"
		}
		redirectTo(c, l.back, "", "fait", key, "n", strconv.Itoa(b.Done))
		return
	}
	l.bulk = b
	p.renderListing(c, cat, u, l)
}

// handleBlockPost blocks an author for a number of days, with a reason.
func (p *pages) handleBlockPost(c *gin.Context) {
	cat, u, id := p.beginID(c, true)
	if u == nil {
		return
	}
	l := listingFrom(c, "/moderation")
	days, ok := parseInt(postValue(c, "days"))
	if !ok || days < 1 || days > 3650 {
		l.message, l.status = cat.T("problem.days"), http.StatusBadRequest
		p.renderListing(c, cat, u, l)
		return
	}
	err := p.s.dir.BlockUser(c.Request.Context(), u, id, time.Now().Add(time.Duration(days)*24*time.Hour), postValue(c, "reason"))
	if err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		l.message, l.status = cat.Tf("block.failed", decisionError(cat, err)), errorStatus(directory.ErrorCode(err))
		p.renderListing(c, cat, u, l)
		return
	}
	redirectTo(c, l.back, "", "fait", "blocked", "n", strconv.Itoa(days))
}

func (p *pages) handleUnblockPost(c *gin.Context) {
	_, u := p.begin(c, true)
	if u == nil {
		return
	}
	l := listingFrom(c, "/moderation")
	id, err := directory.ParseID("id", c.Param("id"))
	if err == nil {
		err = p.s.dir.BlockUser(c.Request.Context(), u, id, time.Time{}, "")
	}
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	redirectTo(c, l.back, "", "fait", "unblocked")
}

// handleVotePost records the user's vote on a pending proposal.
func (p *pages) handleVotePost(c *gin.Context) {
	cat, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	l := listingFrom(c, "/propositions")
	value, err := strconv.Atoi(postValue(c, "value"))
	if err != nil {
		value = 99 // refused by the domain with its message
	}
	if _, err := p.s.dir.Vote(c.Request.Context(), u, id, value); err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		l.errors[id] = cardError{Message: errorText(cat, err)}
		l.status = errorStatus(directory.ErrorCode(err))
		p.renderListing(c, cat, u, l)
		return
	}
	key := "voted"
	if value == 0 {
		key = "unvoted"
	}
	redirectTo(c, l.back, "#proposition-"+itoa(id), "fait", key, "n", itoa(id))
}

// handleCommentPost adds a comment to a proposal.
func (p *pages) handleCommentPost(c *gin.Context) {
	cat, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	l := listingFrom(c, "/propositions")
	body := strings.TrimSpace(strings.ReplaceAll(c.Request.PostForm.Get("body"), "\r\n", "\n"))
	if _, err := p.s.dir.CommentOn(c.Request.Context(), u, id, body); err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		l.errors[id] = cardError{Message: cat.Tf("comment.failed", errorText(cat, err)), Reason: body}
		l.status = errorStatus(directory.ErrorCode(err))
		p.renderListing(c, cat, u, l)
		return
	}
	redirectTo(c, l.back, "#proposition-"+itoa(id), "fait", "commented", "n", itoa(id))
}

// joinUnshown adds to msg the errors of items the list does not show (a
// proposal decided meanwhile is no longer in the queue), each with its number.
func joinUnshown(cat *catalog, msg string, errs map[int64]cardError, shown map[int64]bool) string {
	ids := make([]int64, 0, len(errs))
	for id := range errs {
		if !shown[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if msg != "" {
			msg += " "
		}
		msg += cat.Tf("list.itemError", id, errs[id].Message)
	}
	return msg
}

// reportsData is the reports screen's.
type reportsData struct {
	Message  string
	Status   string
	Statuses []option
	Items    []reportView
	Total    int
	Counts   queueCounts
	Return   string
	Prev     string
	Next     string
}

// reportView is a report for the template.
type reportView struct {
	R         *directory.Report
	Target    string
	TargetURL string
	Error     string
	Note      string
	Links     []option // where to fix it: correct, history
}

func (p *pages) handleReports(c *gin.Context) {
	cat := p.lang(c, true)
	if u := p.moderatorPage(c, cat); u != nil {
		p.renderReports(c, cat, u, c.Request.URL.RequestURI(), http.StatusOK, nil)
	}
}

func (p *pages) renderReports(c *gin.Context, cat *catalog, u *directory.User, back string, status int, failed map[int64]cardError) {
	ctx := c.Request.Context()
	bu, _ := url.Parse(back)
	q := bu.Query()
	st := q.Get("statut")
	if st != "resolved" && st != "dismissed" {
		st = "open"
	}
	offset, _ := parseInt(q.Get("depart"))
	list, total, err := p.s.dir.FindReports(ctx, u, st, pageSize, offset)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := reportsData{Status: st, Total: total, Return: back}
	for _, s := range []string{"open", "resolved", "dismissed"} {
		d.Statuses = append(d.Statuses, option{s, cat.T("reports.status." + s)})
	}
	names := &recordNames{ctx: ctx, dir: p.s.dir}
	shown := map[int64]bool{}
	for _, r := range list {
		v := reportView{R: r, Target: r.TargetID}
		switch r.TargetType {
		case directory.TypeActor:
			if n, ok := names.actor(r.TargetID); ok {
				v.Target, v.TargetURL = n, "/acteurs/"+url.PathEscape(r.TargetID)
				v.Links = []option{{contribURL("correct", r.TargetID), cat.T("reports.correct")},
					{v.TargetURL + "#historique", cat.T("reports.history")}}
			}
		case directory.TypeTool:
			v.Target, v.TargetURL = names.tool(r.TargetID), "/outils/"+url.PathEscape(r.TargetID)
			v.Links = []option{{"/contribuer/outils/" + url.PathEscape(r.TargetID) + "/corriger", cat.T("reports.correct")},
				{v.TargetURL + "#historique", cat.T("reports.history")}}
		case directory.TypeAdoption:
			for _, k := range directory.Kinds {
				rest, ok := strings.CutPrefix(r.TargetID, "adoption-"+k+"-")
				if !ok {
					continue
				}
				// The actor id is the longest prefix that is an actor.
				parts := strings.Split(rest, "-")
				for i := len(parts) - 1; i >= 1; i-- {
					actor := k + "-" + strings.Join(parts[:i], "-")
					if n, ok := names.actor(actor); ok {
						v.Target = n + " × " + names.tool(strings.Join(parts[i:], "-"))
						v.TargetURL = "/acteurs/" + url.PathEscape(actor) + "#outils"
						break
					}
				}
			}
		}
		if e, ok := failed[r.ID]; ok {
			v.Error, v.Note = e.Message, e.Reason
			shown[r.ID] = true
		}
		d.Items = append(d.Items, v)
	}
	d.Message = joinUnshown(cat, "", failed, shown)
	d.Prev, d.Next = listPager(listing{back: back}, offset, total)
	p.renderModeration(c, cat, u, status, "reports", cat.T("reports.title"), back, &d.Counts, d)
}

// renderModeration renders a page of the moderators' space, never cached:
// counts (the page data's) gets the queues' counts its tabs show; here, if
// not "", is the page's own address, which its forms come back to.
func (p *pages) renderModeration(c *gin.Context, cat *catalog, u *directory.User, status int, name, title, here string, counts *queueCounts, data any) {
	*counts = p.modCounts(c.Request.Context(), u)
	pg := p.newPage(c, cat, name, "moderation", title)
	if here != "" {
		pg.setHere(here)
	}
	pg.Config = p.config(c, cat, nil)
	pg.Data = data
	c.Header("Cache-Control", "no-store")
	p.render(c, status, name, pg)
}

// handleReportResolvePost closes a report as resolved or dismissed.
func (p *pages) handleReportResolvePost(c *gin.Context) {
	cat, u, id := p.beginID(c, true)
	if u == nil {
		return
	}
	back := orDefault(localPath(postValue(c, "retour")), "/moderation/signalements")
	st, note := postValue(c, "status"), postValue(c, "note")
	if _, err := p.s.dir.ResolveReport(c.Request.Context(), u, id, st, note); err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		p.renderReports(c, cat, u, back, errorStatus(directory.ErrorCode(err)), map[int64]cardError{id: {Message: errorText(cat, err), Reason: note}})
		return
	}
	key := "reportResolved"
	if st == "dismissed" {
		key = "reportDismissed"
	}
	redirectTo(c, back, "", "fait", key, "n", itoa(id))
}
