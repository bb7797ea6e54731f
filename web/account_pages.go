package web

import (
	"context"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The account pages: log in, register, log out, the account (password and
// API tokens) and the user's own proposals. They share the API's session
// cookie: a session started here works for the API and the other way round.

func (p *pages) registerAccountRoutes() {
	s := p.s
	s.get("/connexion", p.handleLoginPage)
	s.engine.POST("/connexion", p.handleLoginPost)
	s.get("/inscription", p.handleRegisterPage)
	s.engine.POST("/inscription", p.handleRegisterPost)
	s.engine.POST("/deconnexion", p.handleLogoutPost)
	s.get("/compte", p.handleAccountPage)
	s.engine.POST("/compte/mot-de-passe", p.handlePasswordPost)
	s.engine.POST("/compte/jetons", p.handleTokenCreatePost)
	s.engine.POST("/compte/jetons/:id/revoquer", p.handleTokenRevokePost)
	s.get("/compte/propositions", p.handleMyProposals)
	s.engine.POST("/compte/propositions/:id/retirer", p.handleWithdrawPost)
}

// authData is the login and register pages'.
type authData struct {
	Form   *form
	Return string
}

func loginForm(cat *catalog) *form {
	f := &form{}
	f.add(&formField{Name: "email", Label: cat.T("auth.email"), Type: "email", Autocomplete: "username", Required: true})
	f.add(&formField{Name: "password", Label: cat.T("auth.password"), Type: "password", Autocomplete: "current-password", Required: true})
	return f
}

func registerForm(cat *catalog) *form {
	f := &form{}
	f.add(&formField{Name: "email", Label: cat.T("auth.email"), Hint: cat.T("auth.emailHint"), Type: "email", Autocomplete: "email", Required: true})
	f.add(&formField{Name: "display_name", Label: cat.T("auth.displayName"), Hint: cat.T("auth.displayNameHint"), Type: "text", Autocomplete: "name", Required: true})
	f.add(&formField{Name: "password", Label: cat.T("auth.password"), Hint: cat.Tf("auth.passwordHint", directory.MinPasswordLength), Type: "password", Autocomplete: "new-password", Required: true})
	f.add(&formField{Name: "password_confirm", Label: cat.T("auth.passwordConfirm"), Type: "password", Autocomplete: "new-password", Required: true})
	return f
}

// returnTo is where to go after logging in: the ?retour= (or posted
// retour) if it stays on this site, else the account page.
func returnTo(c *gin.Context) string {
	if r := localPath(c.Request.PostForm.Get("retour")); r != "" {
		return r
	}
	if r := localPath(c.Query("retour")); r != "" {
		return r
	}
	return ""
}

func (p *pages) renderAuth(c *gin.Context, cat *catalog, status int, name string, f *form, back string) {
	title := cat.T("auth.loginTitle")
	if name == "register" {
		title = cat.T("auth.registerTitle")
	}
	pg := p.newPage(c, cat, name, "", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = authData{Form: f, Return: back}
	c.Header("Cache-Control", "no-store")
	p.render(c, status, name, pg)
}

func (p *pages) handleLoginPage(c *gin.Context) {
	cat := p.lang(c, true)
	if currentUser(c) != nil {
		redirectTo(c, orDefault(returnTo(c), "/compte"), "")
		return
	}
	f := loginForm(cat)
	if e := c.Query("email"); len(e) <= 254 {
		f.field("email").Value = e // after registering
	}
	p.renderAuth(c, cat, http.StatusOK, "login", f, returnTo(c))
}

// allowPage applies a per-IP limit (login, register, report) for a page:
// it says how long to wait when the client is over it.
func (p *pages) allowPage(c *gin.Context, class string) (bool, time.Duration) {
	lim := p.s.cfg.RateLimits.Write
	switch class {
	case "login":
		lim = p.s.cfg.RateLimits.Login
	case "register":
		lim = p.s.cfg.RateLimits.Register
	case "report":
		lim = p.s.cfg.RateLimits.Report
	}
	ok, wait := p.s.limits.allow(class+"|"+c.ClientIP(), lim, p.s.cfg.Now())
	if !ok {
		c.Header("Retry-After", retryAfterSeconds(wait))
	}
	return ok, wait
}

func (p *pages) handleLoginPost(c *gin.Context) {
	cat := p.lang(c, false)
	if !p.parseForm(c, cat) {
		return
	}
	f := loginForm(cat)
	f.fill(c)
	back := returnTo(c)
	f.field("password").Value = "" // never sent back
	if ok, wait := p.allowPage(c, "login"); !ok {
		f.Message = cat.Tf("problem.ipRateWait", int(wait.Seconds()+0.999))
		p.renderAuth(c, cat, http.StatusTooManyRequests, "login", f, back)
		return
	}
	u, err := p.s.login(c, postValue(c, "email"), c.Request.PostForm.Get("password"))
	if err != nil {
		f.Message = errorText(cat, err)
		if directory.ErrorCode(err) == directory.ETOOMANY {
			c.Header("Retry-After", retryAfterSeconds(directory.ErrorRetryAfter(err)))
		}
		p.renderAuth(c, cat, errorStatus(directory.ErrorCode(err)), "login", f, back)
		return
	}
	if err := p.startPageSession(c, u); err != nil {
		p.s.writeError(c, err)
		return
	}
	redirectTo(c, orDefault(back, "/compte"), "", "fait", "login")
}

// startPageSession rotates the session as the API's login does: the
// session the browser held ends and a new token is issued.
func (p *pages) startPageSession(c *gin.Context, u *directory.User) error {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		p.s.dir.DeleteSession(ctx, old)
	}
	token, expires, err := p.s.dir.CreateSession(ctx, u)
	if err != nil {
		return err
	}
	p.s.setSession(c, token, expires)
	return nil
}

func (p *pages) handleRegisterPage(c *gin.Context) {
	cat := p.lang(c, true)
	if currentUser(c) != nil {
		redirectTo(c, "/compte", "")
		return
	}
	p.renderAuth(c, cat, http.StatusOK, "register", registerForm(cat), returnTo(c))
}

func (p *pages) handleRegisterPost(c *gin.Context) {
	cat := p.lang(c, false)
	if !p.parseForm(c, cat) {
		return
	}
	f := registerForm(cat)
	f.fill(c)
	back := returnTo(c)
	password := c.Request.PostForm.Get("password")
	f.field("password").Value, f.field("password_confirm").Value = "", ""
	if password != c.Request.PostForm.Get("password_confirm") {
		f.field("password_confirm").Error = cat.T("problem.passwordConfirm")
	}
	reg := directory.Registration{Email: postValue(c, "email"), DisplayName: postValue(c, "display_name"), Password: password}
	if f.HasErrors() {
		// Check the other fields too, so that every message shows at once.
		if _, err := p.s.dir.Register(c.Request.Context(), directory.Registration{Email: reg.Email, DisplayName: reg.DisplayName,
			Password: ""}); err != nil {
			// The empty password makes sure no account is created; its
			// length is checked here with the domain's limits.
			for k, pr := range directory.ErrorProblems(err) {
				if ff := f.field(k); ff != nil && k != "password" {
					ff.Error = cat.Problem(pr)
				}
			}
		}
		if n := utf8.RuneCountInString(password); n < directory.MinPasswordLength {
			f.field("password").Error = cat.Tf("problem.passwordShort", directory.MinPasswordLength)
		} else if n > directory.MaxPasswordLength {
			f.field("password").Error = cat.Tf("problem.passwordLong", directory.MaxPasswordLength)
		}
		p.renderAuth(c, cat, http.StatusBadRequest, "register", f, back)
		return
	}
	// Only attempts to create an account count against the per-address
	// limit: typing mistakes do not lock anyone out.
	if ok, wait := p.allowPage(c, "register"); !ok {
		f.Message = cat.Tf("problem.ipRateWait", int(wait.Seconds()+0.999))
		p.renderAuth(c, cat, http.StatusTooManyRequests, "register", f, back)
		return
	}
	// An e-mail already registered gets the same answer as a new one (see
	// registeredMessage): the login page, with the address filled in.
	if _, err := p.s.dir.Register(c.Request.Context(), reg); err != nil && !directory.IsEmailTaken(err) {
		f.setError(cat, err)
		p.renderAuth(c, cat, errorStatus(directory.ErrorCode(err)), "register", f, back)
		return
	}
	q := []string{"fait", "registered", "email", directory.NormalizeEmail(reg.Email)}
	if back != "" {
		q = append(q, "retour", back)
	}
	redirectTo(c, "/connexion", "", q...)
}

func (p *pages) handleLogoutPost(c *gin.Context) {
	if tok, err := c.Cookie(sessionCookie); err == nil && tok != "" {
		if err := p.s.dir.DeleteSession(c.Request.Context(), tok); err != nil {
			p.s.writeError(c, err)
			return
		}
	}
	p.s.clearSession(c)
	redirectTo(c, "/", "", "fait", "logout")
}

// accountData is the account page's.
type accountData struct {
	User       *directory.User
	Represents []directory.ActorRef
	Tokens     []directory.APIToken
	NewToken   *directory.APIToken
	Password   *form
	Token      *form
	Pending    int
	Webhooks   bool // may manage webhooks: the account page links to them
}

func passwordForm(cat *catalog) *form {
	f := &form{}
	f.add(&formField{Name: "current_password", ID: "pw-current", Label: cat.T("account.currentPassword"), Type: "password", Autocomplete: "current-password", Required: true})
	f.add(&formField{Name: "new_password", ID: "pw-new", Label: cat.T("account.newPassword"), Hint: cat.Tf("auth.passwordHint", directory.MinPasswordLength), Type: "password", Autocomplete: "new-password", Required: true})
	f.add(&formField{Name: "new_password_confirm", ID: "pw-confirm", Label: cat.T("account.newPasswordConfirm"), Type: "password", Autocomplete: "new-password", Required: true})
	return f
}

func tokenForm(cat *catalog) *form {
	f := &form{}
	f.add(&formField{Name: "name", ID: "token-name", Label: cat.T("account.tokenName"), Hint: cat.T("account.tokenNameHint"), Type: "text", Required: true})
	return f
}

func (p *pages) handleAccountPage(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.pageUser(c)
	if u == nil {
		return
	}
	p.renderAccount(c, cat, u, http.StatusOK, passwordForm(cat), tokenForm(cat), nil)
}

func (p *pages) renderAccount(c *gin.Context, cat *catalog, u *directory.User, status int, pw, tok *form, created *directory.APIToken) {
	ctx := c.Request.Context()
	tokens, err := p.s.dir.FindAPITokens(ctx, u)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := accountData{User: u, Represents: p.s.dir.FindActorRefs(ctx, u.Represents), Tokens: tokens, NewToken: created,
		Password: pw, Token: tok, Webhooks: p.s.dir.MayManageWebhooks(ctx, u) == nil}
	if _, total, err := p.s.dir.FindProposals(ctx, u, directory.ProposalFilter{AuthorID: u.ID,
		Statuses: []string{directory.ProposalPending}, Limit: 1}); err == nil {
		d.Pending = total
	}
	pg := p.newPage(c, cat, "account", "account", cat.T("account.title"))
	pg.setHere("/compte")
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "account", pg)
}

func (p *pages) handlePasswordPost(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	f := passwordForm(cat)
	current, next := c.Request.PostForm.Get("current_password"), c.Request.PostForm.Get("new_password")
	if next != c.Request.PostForm.Get("new_password_confirm") {
		f.field("new_password_confirm").Error = cat.T("problem.passwordConfirm")
	}
	var err error
	if !f.HasErrors() {
		err = p.s.dir.ChangePassword(c.Request.Context(), u, current, next)
		if err != nil {
			f.setError(cat, err)
		}
	}
	if f.HasErrors() {
		status := http.StatusBadRequest
		if err != nil {
			status = errorStatus(directory.ErrorCode(err))
		}
		p.renderAccount(c, cat, u, status, f, tokenForm(cat), nil)
		return
	}
	// Every session ended with the change; this browser gets a fresh one.
	if err := p.startPageSession(c, u); err != nil {
		p.s.writeError(c, err)
		return
	}
	redirectTo(c, "/compte", "", "fait", "password")
}

func (p *pages) handleTokenCreatePost(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	f := tokenForm(cat)
	f.fill(c)
	t, err := p.s.dir.CreateAPIToken(c.Request.Context(), u, postValue(c, "name"))
	if err != nil {
		f.setError(cat, err)
		p.renderAccount(c, cat, u, errorStatus(directory.ErrorCode(err)), passwordForm(cat), f, nil)
		return
	}
	// Shown once, on this answer only: no redirect, nothing cached.
	p.renderAccount(c, cat, u, http.StatusCreated, passwordForm(cat), tokenForm(cat), t)
}

func (p *pages) handleTokenRevokePost(c *gin.Context) {
	_, u := p.begin(c, false)
	if u == nil {
		return
	}
	id, err := directory.ParseID("id", c.Param("id"))
	if err == nil {
		err = p.s.dir.RevokeAPIToken(c.Request.Context(), u, id)
	}
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	redirectTo(c, "/compte", "#jetons", "fait", "tokenRevoked")
}

// proposalsData is the data of the pages that list proposals: one's own,
// the community's, the moderators' queue and after-the-fact review.
type proposalsData struct {
	View      string // mine, community, queue, review
	Items     []proposalView
	Total     int
	Status    string   // mine: the status shown ("" for all)
	Statuses  []option // mine: the status tabs
	Filter    queueFilter
	Menus     filterMenus
	Author    *directory.User // queue filtered by author: who
	Prev      string
	Next      string
	Return    string
	Counts    queueCounts
	Message   string // why the last action failed
	Bulk      *bulkResult
	Moderator bool
}

// queueCounts are the moderation tabs' counts.
type queueCounts struct {
	Pending, Review, Reports int
	Confirmations            int // "toujours d'actualité" waiting for a moderator
}

// modCounts counts what the moderation screens' tabs show.
func (p *pages) modCounts(ctx context.Context, u *directory.User) queueCounts {
	var c queueCounts
	c.Pending, c.Review, _ = p.s.dir.QueueLength(ctx)
	if _, n, err := p.s.dir.FindReports(ctx, u, "open", 1, 0); err == nil {
		c.Reports = n
	}
	if _, n, err := p.s.dir.FindPendingConfirmations(ctx, u, 1, 0); err == nil {
		c.Confirmations = n
	}
	return c
}

// pageSize is how many proposals a list shows at once.
const pageSize = 20

func (p *pages) handleMyProposals(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.pageUser(c)
	if u == nil {
		return
	}
	p.renderMine(c, cat, u, http.StatusOK, nil)
}

// renderMine lists the user's proposals, newest first, with their fate;
// failed is the error of a withdrawal that did not happen.
func (p *pages) renderMine(c *gin.Context, cat *catalog, u *directory.User, status int, failed map[int64]string) {
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	st := q.Get("statut")
	if !containsString(directory.ProposalStatuses, st) {
		st = ""
	}
	offset, _ := parseInt(q.Get("depart"))
	f := directory.ProposalFilter{AuthorID: u.ID, NewestFirst: true, Limit: pageSize, Offset: offset}
	if st != "" {
		f.Statuses = []string{st}
	}
	list, total, err := p.s.dir.FindProposals(ctx, u, f)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	names := &recordNames{ctx: ctx, dir: p.s.dir}
	d := proposalsData{View: "mine", Total: total, Status: st, Return: c.Request.URL.RequestURI(), Moderator: u.IsModerator()}
	d.Statuses = append(d.Statuses, option{"", cat.T("mine.all")})
	for _, s := range directory.ProposalStatuses {
		d.Statuses = append(d.Statuses, option{s, cat.T("mine.tab." + s)})
	}
	for _, pr := range list {
		v := newProposalView(cat, names, pr, u)
		v.Error = failed[pr.ID]
		d.Items = append(d.Items, v)
	}
	d.Prev, d.Next = pager(c, offset, total)
	pg := p.newPage(c, cat, "proposals", "mine", cat.T("mine.title"))
	if c.Request.Method == http.MethodPost {
		pg.setHere("/compte/propositions")
	}
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "proposals", pg)
}

// pager gives the previous and next pages' URLs of a list.
func pager(c *gin.Context, offset, total int) (prev, next string) {
	q := c.Request.URL.Query()
	q.Del("fait")
	q.Del("n")
	if offset > 0 {
		q.Set("depart", strconv.Itoa(max(0, offset-pageSize)))
		if offset-pageSize <= 0 {
			q.Del("depart")
		}
		prev = c.Request.URL.Path + "?" + q.Encode()
	}
	if offset+pageSize < total {
		q.Set("depart", strconv.Itoa(offset+pageSize))
		next = c.Request.URL.Path + "?" + q.Encode()
	}
	return prev, next
}

func (p *pages) handleWithdrawPost(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	id, err := directory.ParseID("id", c.Param("id"))
	if err == nil {
		_, err = p.s.dir.WithdrawEdit(c.Request.Context(), u, id)
	}
	back := orDefault(localPath(postValue(c, "retour")), "/compte/propositions")
	switch code := directory.ErrorCode(err); code {
	case "":
		redirectTo(c, back, "#proposition-"+itoa(id), "fait", "withdrawn", "n", itoa(id))
	case directory.ECONFLICT, directory.EFORBIDDEN:
		p.renderMine(c, cat, u, errorStatus(code), map[int64]string{id: errorText(cat, err)})
	default:
		p.s.writeError(c, err)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
