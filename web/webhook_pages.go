package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The webhook pages: an owner (a moderator, an administrator, or an account
// an administrator allowed) lists their webhooks, registers one and reads
// its secret once, reads a webhook's deliveries, replays one, disables or
// enables it again and deletes it. They call what the API's webhook routes
// call; the directory checks the right and the ownership.

func (p *pages) registerWebhookPageRoutes() {
	s := p.s
	s.get("/compte/webhooks", p.handleWebhooksPage)
	s.get("/compte/webhooks/nouveau", p.handleWebhookNewPage)
	s.engine.POST("/compte/webhooks", p.handleWebhookCreatePost)
	s.get("/compte/webhooks/:id", p.handleWebhookPage)
	s.engine.POST("/compte/webhooks/:id/etat", p.handleWebhookStatePost)
	s.engine.POST("/compte/webhooks/:id/supprimer", p.handleWebhookDeletePost)
	s.engine.POST("/compte/webhooks/:id/livraisons/:delivery/rejouer", p.handleDeliveryReplayPost)
}

// webhookView is a webhook as the pages show it: its filter in words.
type webhookView struct {
	*directory.Webhook
	Events  []string   // the event types' labels; none: every event
	Filter  []labelled // each condition of the filter, named
	Last    *directory.Delivery
	Manual  bool // disabled by its owner, not for failing
	Foreign bool // another account's (an administrator's view)
}

// labelled is a condition of a filter: what it is about and its values.
type labelled struct {
	Label  string
	Values string // joined with commas
}

func (p *pages) webhookView(c *gin.Context, cat *catalog, u *directory.User, w *directory.Webhook) webhookView {
	ctx := c.Request.Context()
	v := webhookView{Webhook: w, Manual: !w.Active && w.DisabledAt.IsZero(), Foreign: w.Owner.ID != u.ID}
	for _, e := range w.Filter.Events {
		v.Events = append(v.Events, cat.T("event."+e))
	}
	add := func(label string, values []string, name func(string) string) {
		if len(values) == 0 {
			return
		}
		names := make([]string, len(values))
		for i, x := range values {
			names[i] = name(x)
		}
		v.Filter = append(v.Filter, labelled{Label: cat.T(label), Values: strings.Join(names, ", ")})
	}
	place := func(kind string) func(string) string {
		return func(code string) string {
			if n := p.s.dir.PlaceName(kind, code); n != "" {
				if kind == directory.KindDepartement {
					return code + " – " + n
				}
				return n
			}
			return code
		}
	}
	actor := func(id string) string {
		if refs := p.s.dir.FindActorRefs(ctx, []string{id}); len(refs) == 1 {
			return refs[0].Name
		}
		return id
	}
	tool := func(slug string) string {
		if t, _, err := p.s.dir.FindToolBySlug(ctx, slug); err == nil {
			return t.Name
		}
		return slug
	}
	add("webhooks.departements", w.Filter.Departements, place(directory.KindDepartement))
	add("webhooks.regions", w.Filter.Regions, place(directory.KindRegion))
	add("webhooks.epcis", w.Filter.EPCIs, actor)
	add("webhooks.tools", w.Filter.Tools, tool)
	add("webhooks.themes", w.Filter.Themes, func(t string) string { return cat.T("theme." + t) })
	add("webhooks.actors", w.Filter.Actors, actor)
	return v
}

// webhooksData is the list page's.
type webhooksData struct {
	Items   []webhookView
	Foreign bool // some are other accounts' (an administrator's view)
	Max     int
}

func (p *pages) handleWebhooksPage(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	list, err := p.s.dir.FindWebhooks(ctx, u)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := webhooksData{Max: directory.MaxWebhooksPerUser}
	for _, w := range list {
		v := p.webhookView(c, cat, u, w)
		if last, _, err := p.s.dir.FindDeliveries(ctx, u, w.ID, "", 1, 0); err == nil && len(last) == 1 {
			v.Last = last[0]
		}
		d.Foreign = d.Foreign || v.Foreign
		d.Items = append(d.Items, v)
	}
	pg := p.newPage(c, cat, "webhooks", "account", cat.T("webhooks.title"))
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, http.StatusOK, "webhooks", pg)
}

// webhookForm is the registration form: the address, a description, the
// event types, then the filter by territory and by subject. Lists are typed
// as codes or ids separated by commas or spaces.
func webhookForm(cat *catalog) *form {
	f := &form{}
	f.add(&formField{Name: "url", ID: "wh-url", Label: cat.T("webhooks.url"), Hint: cat.T("webhooks.urlHint"), Type: "url", Required: true})
	f.add(&formField{Name: "description", ID: "wh-description", Label: cat.T("webhooks.description"), Hint: cat.T("webhooks.descriptionHint"), Type: "text"})
	events := &formField{Name: "events", ID: "wh-events", Label: cat.T("webhooks.events"), Hint: cat.T("webhooks.eventsHint"), Type: "checkboxes"}
	for _, e := range directory.EventTypes {
		events.Options = append(events.Options, option{e, cat.T("event." + e)})
	}
	f.add(events)
	f.add(&formField{Name: "departements", ID: "wh-departements", Label: cat.T("webhooks.departements"), Hint: cat.T("webhooks.departementsHint"), Type: "text", Section: "territory"})
	f.add(&formField{Name: "regions", ID: "wh-regions", Label: cat.T("webhooks.regions"), Hint: cat.T("webhooks.regionsHint"), Type: "text", Section: "territory"})
	f.add(&formField{Name: "epcis", ID: "wh-epcis", Label: cat.T("webhooks.epcis"), Hint: cat.T("webhooks.epcisHint"), Type: "text", Section: "territory"})
	f.add(&formField{Name: "tools", ID: "wh-tools", Label: cat.T("webhooks.tools"), Hint: cat.T("webhooks.toolsHint"), Type: "text", Section: "subjects"})
	themes := &formField{Name: "themes", ID: "wh-themes", Label: cat.T("webhooks.themes"), Hint: cat.T("webhooks.themesHint"), Type: "checkboxes", Section: "subjects"}
	for _, t := range directory.Themes {
		themes.Options = append(themes.Options, option{t, cat.T("theme." + t)})
	}
	f.add(themes)
	f.add(&formField{Name: "actors", ID: "wh-actors", Label: cat.T("webhooks.actors"), Hint: cat.T("webhooks.actorsHint"), Type: "text", Section: "subjects"})
	return f
}

// splitCodes reads typed codes or ids: values separated by commas, semicolons or
// spaces.
func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' })
}

// webhookFormData is the registration page's.
type webhookFormData struct {
	Form *form
}

func (p *pages) renderWebhookForm(c *gin.Context, cat *catalog, status int, f *form) {
	pg := p.newPage(c, cat, "webhook-new", "account", cat.T("webhooks.newTitle"))
	pg.setHere("/compte/webhooks/nouveau")
	pg.Config = p.config(c, cat, nil)
	pg.Data = webhookFormData{Form: f}
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "webhook-new", pg)
}

func (p *pages) handleWebhookNewPage(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	// The right first: an account without it gets the refusal, not a form.
	if err := p.s.dir.MayManageWebhooks(c.Request.Context(), u); err != nil {
		p.s.writeError(c, err)
		return
	}
	p.renderWebhookForm(c, cat, http.StatusOK, webhookForm(cat))
}

func (p *pages) handleWebhookCreatePost(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	if err := p.s.dir.MayManageWebhooks(ctx, u); err != nil {
		p.s.writeError(c, err)
		return
	}
	f := webhookForm(cat)
	f.fill(c)
	pf := c.Request.PostForm
	in := directory.WebhookInput{URL: postValue(c, "url"), Description: postValue(c, "description"), Filter: directory.WebhookFilter{
		Events: pf["events"], Departements: splitCodes(pf.Get("departements")), Regions: splitCodes(pf.Get("regions")),
		EPCIs: splitCodes(pf.Get("epcis")), Tools: splitCodes(pf.Get("tools")), Themes: pf["themes"], Actors: splitCodes(pf.Get("actors"))}}
	var err error
	if in.URL != "" {
		err = p.s.cfg.WebhookGuard.CheckURL(ctx, in.URL)
	}
	var w *directory.Webhook
	if err == nil {
		w, err = p.s.dir.CreateWebhook(ctx, u, in)
	} else if _, verr := p.s.dir.CreateWebhook(ctx, u, directory.WebhookInput{Description: in.Description, Filter: in.Filter}); verr != nil {
		// The address is refused: the other fields' problems show at once
		// too (without an address nothing is created).
		f.setError(cat, verr)
	}
	if err != nil {
		f.setError(cat, err)
		p.renderWebhookForm(c, cat, errorStatus(directory.ErrorCode(err)), f)
		return
	}
	// The secret is shown once, on this answer only: no redirect, nothing cached.
	p.renderWebhook(c, cat, u, w, http.StatusCreated, "")
}

// webhookData is a webhook's page.
type webhookData struct {
	Webhook    webhookView
	Secret     string // just registered: shown this once
	Deliveries []*directory.Delivery
	Total      int
	Prev, Next string
	Message    string // why the last action failed
}

func (p *pages) handleWebhookPage(c *gin.Context) {
	cat, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	w, err := p.s.dir.FindWebhook(c.Request.Context(), u, id)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	p.renderWebhook(c, cat, u, w, http.StatusOK, "")
}

// renderWebhook shows webhook w with its deliveries, newest first; the
// secret when it was just registered, and message when an action failed.
func (p *pages) renderWebhook(c *gin.Context, cat *catalog, u *directory.User, w *directory.Webhook, status int, message string) {
	offset, _ := parseInt(c.Query("depart"))
	list, total, err := p.s.dir.FindDeliveries(c.Request.Context(), u, w.ID, "", pageSize, max(offset, 0))
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := webhookData{Webhook: p.webhookView(c, cat, u, w), Secret: w.Secret, Deliveries: list, Total: total, Message: message}
	if c.Request.Method == http.MethodGet {
		d.Prev, d.Next = pager(c, offset, total)
	}
	pg := p.newPage(c, cat, "webhook", "account", cat.Tf("webhooks.oneTitle", w.ID))
	if c.Request.Method != http.MethodGet {
		pg.setHere("/compte/webhooks/" + itoa(w.ID))
	}
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "webhook", pg)
}

// handleWebhookStatePost disables a webhook (active=0) or enables it again
// (active=1), which clears the notice of a disabling for failures.
func (p *pages) handleWebhookStatePost(c *gin.Context) {
	_, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	active := postValue(c, "active") == "1"
	if _, err := p.s.dir.UpdateWebhook(c.Request.Context(), u, id, directory.WebhookPatch{Active: &active}); err != nil {
		p.s.writeError(c, err)
		return
	}
	done := "webhookDisabled"
	if active {
		done = "webhookEnabled"
	}
	redirectTo(c, "/compte/webhooks/"+itoa(id), "", "fait", done)
}

func (p *pages) handleWebhookDeletePost(c *gin.Context) {
	_, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	if err := p.s.dir.DeleteWebhook(c.Request.Context(), u, id); err != nil {
		p.s.writeError(c, err)
		return
	}
	redirectTo(c, "/compte/webhooks", "", "fait", "webhookDeleted", "n", itoa(id))
}

// handleDeliveryReplayPost queues a delivery again (a new delivery of the
// same event); a disabled webhook says to enable it first.
func (p *pages) handleDeliveryReplayPost(c *gin.Context) {
	cat, u, id := p.beginID(c, false)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	_, err := p.s.dir.ReplayDelivery(ctx, u, id, c.Param("delivery"))
	switch directory.ErrorCode(err) {
	case "":
		redirectTo(c, "/compte/webhooks/"+itoa(id), "#envois", "fait", "deliveryReplayed")
	case directory.ECONFLICT:
		w, ferr := p.s.dir.FindWebhook(ctx, u, id)
		if ferr != nil {
			p.s.writeError(c, ferr)
			return
		}
		p.renderWebhook(c, cat, u, w, http.StatusConflict, errorText(cat, err))
	default:
		p.s.writeError(c, err)
	}
}
