package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Reporting a record, and the confirmations after a proposal or a report.

// keyReportTarget: the report form was opened without a record to report.
var keyReportTarget = directory.NewKey("report.no_target", "say what you are reporting (an actor or a tool)")

// reportTarget reads which record a report is about: ?acteur=, ?outil=
// (and ?acteur=&outil= for an adoption), or the posted equivalents.
func (p *pages) reportTarget(c *gin.Context, cat *catalog) (typ, id, name, back string, err error) {
	get := func(k string) string {
		if v := c.Request.PostForm.Get(k); v != "" {
			return strings.TrimSpace(v)
		}
		return strings.TrimSpace(c.Query(k))
	}
	actor, tool := get("acteur"), get("outil")
	ctx := c.Request.Context()
	switch {
	case actor != "" && tool != "":
		a, err := p.s.dir.FindActorByID(ctx, actor)
		if err != nil {
			return "", "", "", "", err
		}
		names := &recordNames{ctx: ctx, dir: p.s.dir}
		return directory.TypeAdoption, "adoption-" + actor + "-" + tool, a.Name + " × " + names.tool(tool), "/acteurs/" + url.PathEscape(actor) + "#outils", nil
	case actor != "":
		a, err := p.s.dir.FindActorByID(ctx, actor)
		if err != nil {
			return "", "", "", "", err
		}
		return directory.TypeActor, a.ID, a.Name, "/acteurs/" + url.PathEscape(a.ID), nil
	case tool != "":
		t, _, err := p.s.dir.FindToolBySlug(ctx, tool)
		if err != nil {
			return "", "", "", "", err
		}
		return directory.TypeTool, t.Slug, t.Name, "/outils/" + url.PathEscape(t.Slug), nil
	}
	return "", "", "", "", directory.NewError(directory.ENOTFOUND, keyReportTarget, nil)
}

// handleReport serves and takes the report form; visitors may report
// anonymously (limited per address).
func (p *pages) handleReport(c *gin.Context) {
	post := c.Request.Method == http.MethodPost
	cat := p.lang(c, !post)
	if post && !p.parseForm(c, cat) {
		return
	}
	typ, id, name, back, err := p.reportTarget(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := &form{}
	var reasons []option
	for _, r := range directory.ReportReasons {
		reasons = append(reasons, option{r, cat.T("report.reason." + r)})
	}
	f.add(&formField{Name: "reason", Label: cat.T("report.reason"), Type: "radios", Options: reasons, Required: true})
	f.add(&formField{Name: "comment", Label: cat.T("report.comment"), Hint: cat.T("report.commentHint"), Type: "textarea", Rows: 4})
	q := url.Values{}
	if a := c.Query("acteur") + c.Request.PostForm.Get("acteur"); a != "" {
		q.Set("acteur", a)
	}
	if t := c.Query("outil") + c.Request.PostForm.Get("outil"); t != "" {
		q.Set("outil", t)
	}
	d := &contribData{Heading: cat.Tf("report.title", name), Intro: cat.T("report.intro"), Action: "/contribuer/signaler?" + q.Encode(),
		Submit: cat.T("report.submit"), Cancel: back, Form: f, Anonymous: currentUser(c) == nil, Return: back}
	status := http.StatusOK
	if post {
		f.fill(c)
		if f.value("reason") == "" {
			f.field("reason").Error = cat.T("report.reasonRequired")
		}
		if !f.HasErrors() {
			if ok, wait := p.allowPage(c, "report"); !ok {
				f.Message = cat.Tf("problem.ipRateWait", int(wait.Seconds()+0.999))
				p.contribPage(c, cat, http.StatusTooManyRequests, "contrib", d.Heading, d)
				return
			}
			_, err := p.s.dir.CreateReport(c.Request.Context(), currentUser(c), directory.ReportInput{TargetType: typ, TargetID: id,
				Reason: f.value("reason"), Comment: f.value("comment")})
			if err == nil {
				redirectTo(c, "/contribuer/signalement-envoye?"+q.Encode(), "")
				return
			}
			f.setError(cat, err)
			status = errorStatus(directory.ErrorCode(err))
		} else {
			status = http.StatusBadRequest
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// thanksData is the confirmation page's.
type thanksData struct {
	Proposal *proposalView
	Report   bool
	Back     string
	Name     frName // the page Back opens, as French joins it to « Retour à »; empty: the home page
}

// handleThanks confirms a proposal: pending review, or applied at once (and
// why).
func (p *pages) handleThanks(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.pageUser(c)
	if u == nil {
		return
	}
	id, err := directory.ParseID("id", c.Param("id"))
	var pr *directory.Proposal
	if err == nil {
		pr, err = p.s.dir.FindProposalByID(c.Request.Context(), u, id)
	}
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	v := newProposalView(cat, &recordNames{ctx: c.Request.Context(), dir: p.s.dir}, pr, u)
	title := cat.T("thanks.pendingTitle")
	if pr.Status == directory.ProposalApproved {
		title = cat.T("thanks.appliedTitle")
	}
	pg := p.newPage(c, cat, "thanks", "", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = thanksData{Proposal: &v}
	c.Header("Cache-Control", "no-store")
	p.render(c, http.StatusOK, "thanks", pg)
}

// handleReportThanks confirms a report.
func (p *pages) handleReportThanks(c *gin.Context) {
	cat := p.lang(c, true)
	typ, id, name, back, err := p.reportTarget(c, cat)
	var backName frName
	switch {
	case err != nil:
		back = "/"
	case typ == directory.TypeTool:
		backName = plainName(name)
	default: // an actor's page, or its tools for an adoption
		if id = c.Query("acteur"); id == "" {
			id = c.Request.PostForm.Get("acteur")
		}
		_, backName, _ = (&recordNames{ctx: c.Request.Context(), dir: p.s.dir}).actorRef(strings.TrimSpace(id))
	}
	pg := p.newPage(c, cat, "thanks", "", cat.T("thanks.reportTitle"))
	pg.Config = p.config(c, cat, nil)
	pg.Data = thanksData{Report: true, Back: back, Name: backName}
	c.Header("Cache-Control", "no-store")
	p.render(c, http.StatusOK, "thanks", pg)
}
