package web

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The contribution forms: correct, place, add and delete actors, their
// adoptions and tools (contrib_actor.go, contrib_adoption.go,
// contrib_tool.go), and report a record (contrib_report.go). This file is
// their common flow; the form plumbing (filling, orig_* values, changes,
// conflicts) is in forms.go. Each form carries the version it was made from
// (base_version) and the values it showed (orig_*), so that only the fields
// the contributor changed are proposed; a proposal refused because someone
// changed the same field meanwhile comes back with both values and starts
// again from the current version.

func (p *pages) registerContribRoutes() {
	s := p.s
	for path, h := range map[string]gin.HandlerFunc{
		"/contribuer/acteurs/:id/corriger":               withRecord(p, p.loadActor, p.handleActorCorrect),
		"/contribuer/acteurs/:id/placer":                 withRecord(p, p.loadActor, p.handleActorPlace),
		"/contribuer/acteurs/:id/supprimer":              withRecord(p, p.loadActor, p.handleActorDelete),
		"/contribuer/acteurs/:id/outils":                 withRecord(p, p.loadActor, p.handleAdoptionNew),
		"/contribuer/acteurs/:id/outils/:tool":           withRecord(p, p.loadAdoption, p.handleAdoptionEdit),
		"/contribuer/acteurs/:id/outils/:tool/supprimer": withRecord(p, p.loadAdoption, p.handleAdoptionDelete),
		"/contribuer/nouvel-acteur":                      withRecord(p, none, p.handleActorNew),
		"/contribuer/nouvel-outil":                       withRecord(p, none, p.handleToolNew),
		"/contribuer/outils/:slug/corriger":              withRecord(p, p.loadTool, p.handleToolEdit),
		"/contribuer/outils/:slug/supprimer":             withRecord(p, p.loadTool, p.handleToolDelete),
		"/contribuer/signaler":                           p.handleReport,
	} {
		s.get(path, h)
		s.engine.POST(path, h)
	}
	s.get("/contribuer/merci/:id", p.handleThanks)
	s.get("/contribuer/signalement-envoye", p.handleReportThanks)
	s.engine.POST("/historique/retablir", p.handleRevertPost)
}

// withRecord adapts a contribution page to a route: it starts the request
// (see begin: the language, the posted form, the logged-in user, visitors
// being sent to log in), loads the route's record with load (its error,
// a 404, is answered), then runs h.
func withRecord[R any](p *pages, load func(*gin.Context) (R, error),
	h func(c *gin.Context, cat *catalog, u *directory.User, r R)) gin.HandlerFunc {
	return func(c *gin.Context) {
		cat, u := p.begin(c, false)
		if u == nil {
			return
		}
		r, err := load(c)
		if err != nil {
			p.s.writeError(c, err)
			return
		}
		h(c, cat, u, r)
	}
}

// noRecord is the record of the pages that add one.
type noRecord struct{}

func none(*gin.Context) (noRecord, error) { return noRecord{}, nil }

// contribData is the data of the contribution form pages.
type contribData struct {
	Heading     string
	Intro       string
	Action      string // the form's action
	Submit      string
	Cancel      string // where "cancel" goes
	BaseVersion int
	Form        *form
	Actor       *directory.Actor
	Tool        *directory.Tool
	Adoption    *directory.Adoption
	Official    []officialFact // an administrative actor's read-only facts
	Duplicates  []duplicateView
	Adoptions   []actorAdoption // the actor's tools, on the adoption page
	History     *historyView
	Anonymous   bool   // a report by a visitor
	Picker      bool   // the form has a point picker
	Check       string // "actor": the page checks duplicates as the contributor types
	ReportLink  string
	Return      string
	// AdoptionPage: the page that adds a tool to an actor (lists its tools).
	AdoptionPage bool
	Creating     bool // the form adds a record (its help differs)
}

// officialFact is one read-only line of an administrative actor.
type officialFact struct {
	Label string
	Value string
}

// contribPage renders a contribution form page.
func (p *pages) contribPage(c *gin.Context, cat *catalog, status int, tmpl, title string, d *contribData) {
	pg := p.newPage(c, cat, tmpl, "", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	pg.Map = d.Picker || tmpl == "place"
	c.Header("Cache-Control", "no-store")
	p.render(c, status, tmpl, pg)
}

// metaFields are the comment and source every proposal may carry.
func metaFields(f *form, cat *catalog, commentRequired bool) {
	label, hint := cat.T("contrib.comment"), cat.T("contrib.commentHint")
	if commentRequired {
		label, hint = cat.T("contrib.commentDelete"), cat.T("contrib.commentHintDelete")
	}
	f.add(&formField{Name: "comment", Label: label, Hint: hint, Type: "textarea", Rows: 3,
		Required: commentRequired, Section: "meta"})
	f.add(&formField{Name: "source", Label: cat.T("contrib.source"), Hint: cat.T("contrib.sourceHint"), Type: "text",
		Section: "meta"})
}

// recordForm is one record type's contribution form: the data fields it
// adds, and the current value of each (for orig_* and after a conflict).
type recordForm struct {
	typ    string
	fields func(f *form)
	value  func(name string) string
}

// correct serves and takes the correction form of a record: its fields
// with their current values, proposed as an update of version.
func (p *pages) correct(c *gin.Context, cat *catalog, u *directory.User, rf recordForm, id string, version int, d *contribData) {
	f := &form{}
	rf.fields(f)
	metaFields(f, cat, false)
	d.Form, d.BaseVersion = f, version
	f.setOrig()
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.proposeUpdate(c, cat, u, f, d, rf.typ, id, version, rf.value); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// create serves and takes the form that adds a record: the fields that
// have a value (and the always ones) are proposed, with fixed changes
// (an adoption's actor).
func (p *pages) create(c *gin.Context, cat *catalog, u *directory.User, rf recordForm, d *contribData,
	fixed map[string]json.RawMessage, always ...string) {
	f := &form{}
	rf.fields(f)
	metaFields(f, cat, false)
	d.Form, d.Creating = f, true
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		changes := f.creation(cat, always...)
		for k, v := range fixed {
			changes[k] = v
		}
		var done bool
		if status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: rf.typ,
			Action: directory.ActionCreate, Changes: changes}); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// propose submits a proposal from a form, and either redirects to the
// confirmation or returns the status to render the form again with.
// proposeUpdate submits a correction form of a record: the posted fields,
// with the moderator's per-field choices after a conflict, as an update
// against the version the form was made from. It returns the status to
// render the form again with, or done when the answer has been written (a
// redirect). After a conflict the form shows both values and is based on
// the record's current version.
func (p *pages) proposeUpdate(c *gin.Context, cat *catalog, u *directory.User, f *form, d *contribData,
	typ, id string, current int, cur func(name string) string) (status int, done bool) {
	f.fill(c)
	f.applyResolutions(c, cur)
	status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: typ, TargetID: id,
		Action: directory.ActionUpdate, BaseVersion: postedVersion(c), Changes: f.changes(c, cat)})
	if done {
		return status, true
	}
	d.BaseVersion = postedVersion(c)
	if status == http.StatusConflict {
		f.afterConflict(c, cur)
		d.BaseVersion = current
	}
	return status, false
}

func (p *pages) propose(c *gin.Context, cat *catalog, u *directory.User, f *form, in directory.ProposalInput) (int, bool) {
	in.Comment, in.Source = f.value("comment"), f.value("source")
	if f.HasErrors() {
		return http.StatusBadRequest, false
	}
	if len(in.Changes) == 0 && in.Action != directory.ActionDelete {
		f.Message = cat.T("problem.nothingChanged")
		return http.StatusBadRequest, false
	}
	pr, err := p.s.dir.ProposeEdit(c.Request.Context(), u, in)
	if err != nil {
		f.setError(cat, err)
		if directory.ErrorCode(err) == directory.ETOOMANY {
			c.Header("Retry-After", retryAfterSeconds(directory.ErrorRetryAfter(err)))
		}
		return errorStatus(directory.ErrorCode(err)), false
	}
	redirectTo(c, "/contribuer/merci/"+itoa(pr.ID), "")
	return 0, true
}

func postedVersion(c *gin.Context) int {
	v, _ := parseInt(postValue(c, "base_version"))
	return v
}

// deleteData is the deletion pages'.
type deleteData struct {
	Heading     string
	What        string
	Action      string
	Cancel      string
	BaseVersion int
	Form        *form
	Refused     string // why it cannot be deleted
	ReportLink  string
	Facts       []officialFact
}

func (p *pages) renderDelete(c *gin.Context, cat *catalog, status int, d *deleteData) {
	pg := p.newPage(c, cat, "delete", "", d.Heading)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "delete", pg)
}

// remove serves and takes the deletion form of a record; a reason is
// required. A page that refuses the deletion (d.Refused) only explains.
func (p *pages) remove(c *gin.Context, cat *catalog, u *directory.User, d *deleteData, typ, id string) {
	d.Form = &form{}
	metaFields(d.Form, cat, true)
	status := http.StatusOK
	if c.Request.Method == http.MethodPost && d.Refused == "" {
		d.Form.fill(c)
		if d.Form.value("comment") == "" {
			d.Form.field("comment").Error = cat.T("problem.reasonRequired")
		}
		var done bool
		if status, done = p.propose(c, cat, u, d.Form, directory.ProposalInput{TargetType: typ, TargetID: id,
			Action: directory.ActionDelete, BaseVersion: postedVersion(c)}); done {
			return
		}
		if status == http.StatusConflict {
			d.Form.Message = cat.T("problem.deleteChanged")
		}
	}
	p.renderDelete(c, cat, status, d)
}
