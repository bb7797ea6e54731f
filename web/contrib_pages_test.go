package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// The account, contribution and moderation pages over HTTP: who may open
// them, what a form answers when it is wrong, and that a right one calls
// the directory and redirects.

// pageClient posts forms to the router as a browser on this site would,
// with a session cookie (or none).
type pageClient struct {
	t      *testing.T
	srv    http.Handler
	cookie string
}

func (c pageClient) get(path string, headers ...string) response {
	c.t.Helper()
	if c.cookie != "" {
		headers = append(headers, "Cookie", c.cookie)
	}
	return request(c.t, c.srv, "GET", path, nil, headers...)
}

func (c pageClient) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	headers = append([]string{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin"}, headers...)
	if c.cookie != "" {
		headers = append(headers, "Cookie", c.cookie)
	}
	return request(c.t, c.srv, "POST", path, strings.NewReader(form.Encode()), headers...)
}

// redirect checks a 303 and returns its Location.
func (r response) redirect() string {
	r.t.Helper()
	r.status(http.StatusSeeOther)
	return r.Header().Get("Location")
}

// has checks that the body contains every string.
func (r response) has(subs ...string) response {
	r.t.Helper()
	body := r.Body.String()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			main := body
			if i := strings.Index(body, "<main"); i >= 0 {
				main = body[i:]
			}
			r.t.Fatalf("the page does not contain %q; main: %.2500s", s, main)
		}
	}
	return r
}

// sessionFor logs u in directly and returns the cookie header value.
func sessionFor(t *testing.T, d *directory.Directory, u *directory.User) string {
	t.Helper()
	tok, _, err := d.CreateSession(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return "voisinage_session=" + tok
}

func newUser(t *testing.T, d *directory.Directory, email, role string) *directory.User {
	t.Helper()
	u, err := d.CreateUser(context.Background(), directory.Registration{Email: email, DisplayName: strings.Split(email, "@")[0],
		Password: "a-long-enough-password"}, role)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// pageKey finds a catalog key left in the pages added for contribution.
var pageKey = regexp.MustCompile(`[>"]\s*(list|search|tools|auth|account|user|form|conflict|section|field|problem|flash|pstatus|ptitle|fate|proposal|diff|comments|queue|review|bulk|block|community|vote|reports|report|thanks|mine|pager|history|revert|contrib|duplicate|adoption|delete|place|role|value|forbidden)\.[a-zA-Z0-9_.-]+\s*[<"]`)

func checkPage(t *testing.T, r response) {
	t.Helper()
	body := r.Body.String()
	html, _, _ := strings.Cut(body, `<script type="application/json" id="config">`)
	if m := pageKey.FindStringSubmatch(html); m != nil {
		t.Errorf("a message key shows instead of its text: %q", m[0])
	}
	if csp := r.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestContribPages_LoginRequired(t *testing.T) {
	srv, _ := MustOpenServerDir(t, web.Config{})
	anon := pageClient{t: t, srv: srv}
	for _, path := range []string{"/compte", "/compte/propositions", "/propositions", "/moderation", "/moderation/relecture",
		"/moderation/signalements", "/contribuer/acteurs/commune-88160/corriger", "/contribuer/acteurs/commune-88160/placer",
		"/contribuer/acteurs/commune-88160/outils", "/contribuer/acteurs/commune-55073/outils/wiki",
		"/contribuer/acteurs/commune-55073/outils/wiki/supprimer", "/contribuer/acteurs/association-villes-internet/supprimer",
		"/contribuer/nouvel-acteur", "/contribuer/nouvel-outil", "/contribuer/outils/wiki/corriger", "/contribuer/outils/wiki/supprimer",
		"/contribuer/merci/1", "/moderation?type=commune&departement=88"} {
		loc := anon.get(path).redirect()
		if loc != "/connexion?retour="+url.QueryEscape(path) {
			t.Errorf("GET %s: Location %q", path, loc)
		}
	}
	for _, path := range []string{"/compte/mot-de-passe", "/compte/jetons", "/compte/jetons/1/revoquer", "/compte/propositions/1/retirer",
		"/contribuer/acteurs/commune-88160/corriger", "/contribuer/acteurs/commune-88160/placer", "/contribuer/nouvel-acteur",
		"/moderation/propositions/1", "/moderation/lot", "/moderation/signalements/1", "/moderation/utilisateurs/1/bloquer",
		"/moderation/utilisateurs/1/debloquer", "/propositions/1/vote", "/propositions/1/commentaire", "/historique/retablir"} {
		loc := anon.post(path, url.Values{"retour": {"/acteurs/commune-88160"}}).redirect()
		if loc != "/connexion?retour=%2Facteurs%2Fcommune-88160" {
			t.Errorf("POST %s: Location %q", path, loc)
		}
	}
	// A return address that leaves the site is not followed.
	if loc := anon.post("/propositions/1/vote", url.Values{"retour": {"//evil.example/x"}}).redirect(); loc != "/connexion?retour=%2F" {
		t.Errorf("foreign return: Location %q", loc)
	}
	// Reports and the account forms are for everyone.
	for _, path := range []string{"/connexion", "/inscription", "/contribuer/signaler?acteur=commune-88160", "/contribuer/signaler?outil=wiki"} {
		checkPage(t, anon.get(path).status(200))
	}
	anon.get("/contribuer/signaler").status(404)
	anon.get("/contribuer/signaler?acteur=commune-99999").status(404)
}

func TestContribPages_ModeratorsOnly(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, newUser(t, d, "contrib@example.org", directory.RoleContributor))}
	for _, path := range []string{"/moderation", "/moderation/relecture", "/moderation/signalements"} {
		r := c.get(path).status(http.StatusForbidden).contentType("text/html").has("réservée aux modérateurs")
		checkPage(t, r)
	}
	for _, path := range []string{"/moderation/propositions/1", "/moderation/lot", "/moderation/signalements/1",
		"/moderation/utilisateurs/1/bloquer", "/moderation/utilisateurs/1/debloquer", "/historique/retablir"} {
		c.post(path, url.Values{"action": {"approve"}, "ids": {"1"}, "bulk_action": {"approve"}, "status": {"resolved"},
			"days": {"3"}, "reason": {"x"}, "type": {"actor"}, "id": {"commune-88160"}, "version": {"1"}}).status(http.StatusForbidden)
	}
	// A contributor sees the community's list, without moderation forms.
	r := c.get("/propositions").status(200)
	checkPage(t, r)
	if strings.Contains(r.Body.String(), `action="/moderation/lot"`) {
		t.Error("the community list has the bulk moderation form")
	}
}

func TestContribPages_CrossSiteRefused(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, newUser(t, d, "contrib@example.org", directory.RoleContributor))}
	form := url.Values{"website": {"https://evil.example"}, "orig_website": {""}, "base_version": {"1"}}
	for _, path := range []string{"/connexion", "/inscription", "/deconnexion", "/contribuer/acteurs/commune-88160/corriger",
		"/contribuer/signaler?acteur=commune-88160", "/moderation/lot", "/compte/jetons"} {
		c.post(path, form, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").status(http.StatusForbidden)
	}
	// Without Sec-Fetch-Site, an Origin that is not this host is refused too.
	r := request(t, srv, "POST", "/contribuer/acteurs/commune-88160/corriger", strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Cookie", c.cookie)
	r.status(http.StatusForbidden)
	if ps, _, _ := d.FindProposals(context.Background(), newUser(t, d, "mod@example.org", directory.RoleModerator),
		directory.ProposalFilter{Limit: 10}); len(ps) != 0 {
		t.Fatalf("a cross-site post made %d proposals", len(ps))
	}
}

func TestContribPages_LoginRegisterLogout(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	anon := pageClient{t: t, srv: srv}
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)

	// Register: a message per field, the page again with what was typed.
	r := anon.post("/inscription", url.Values{"email": {"pas-une-adresse"}, "display_name": {"A"}, "password": {"court"},
		"password_confirm": {"autre"}}).status(http.StatusBadRequest)
	r.has(`id="f-email-error"`, `id="f-display_name-error"`, `id="f-password-error"`, `id="f-password_confirm-error"`,
		`aria-describedby="f-email-hint f-email-error"`, `value="pas-une-adresse"`, "Le formulaire contient 4 erreurs")
	if strings.Contains(r.Body.String(), `value="court"`) {
		t.Error("the password is sent back")
	}
	checkPage(t, r)
	// A name with an invisible character, or like another account's: said in French.
	anon.post("/inscription", url.Values{"email": {"x1@mairie.example"}, "display_name": {"Ali\u202ece"}, "password": {"a-long-enough-password"},
		"password_confirm": {"a-long-enough-password"}}).status(http.StatusBadRequest).has("caractère invisible")
	anon.post("/inscription", url.Values{"email": {"x2@mairie.example"}, "display_name": {"AGENT"}, "password": {"a-long-enough-password"},
		"password_confirm": {"a-long-enough-password"}}).status(http.StatusConflict).has("ressemble à celui d")
	// An e-mail already registered gets the answer a new one gets (the
	// login page with a notice), not "this account exists"; neither logs in.
	taken := anon.post("/inscription", url.Values{"email": {"agent@mairie.example"}, "display_name": {"Agent Dupont"}, "password": {"a-long-enough-password"},
		"password_confirm": {"a-long-enough-password"}, "retour": {"/acteurs/commune-88160"}})
	r = anon.post("/inscription", url.Values{"email": {"nouveau@mairie.example"}, "display_name": {"Nouvel agent"},
		"password": {"a-long-enough-password"}, "password_confirm": {"a-long-enough-password"}, "retour": {"/acteurs/commune-88160"}})
	if loc := r.redirect(); loc != "/connexion?email=nouveau%40mairie.example&fait=registered&retour=%2Facteurs%2Fcommune-88160" {
		t.Fatalf("after registering: %q", loc)
	}
	if loc := taken.redirect(); loc != "/connexion?email=agent%40mairie.example&fait=registered&retour=%2Facteurs%2Fcommune-88160" {
		t.Fatalf("after registering a taken e-mail: %q", loc)
	}
	for _, resp := range []response{r, taken} {
		for _, c := range resp.Result().Cookies() {
			if c.Name == "voisinage_session" {
				t.Fatal("registering logged in")
			}
		}
	}
	anon.get("/connexion?email=nouveau%40mairie.example&fait=registered").status(200).
		has("Si cette adresse n&#39;était pas encore inscrite", `value="nouveau@mairie.example"`)
	r = anon.post("/connexion", url.Values{"email": {"nouveau@mairie.example"}, "password": {"a-long-enough-password"}, "retour": {"/acteurs/commune-88160"}})
	if loc := r.redirect(); loc != "/acteurs/commune-88160?fait=login" {
		t.Fatalf("after logging in: %q", loc)
	}
	cookie := sessionCookieOf(t, r)
	me := pageClient{t: t, srv: srv, cookie: cookie}
	me.get("/compte").status(200).has("Nouvel agent", "nouveau@mairie.example")
	// The page's session is the API's.
	request(t, srv, "GET", "/api/me", nil, "Cookie", cookie).status(200)

	// Login: wrong password, then right, with the session rotated.
	anon.post("/connexion", url.Values{"email": {"agent@mairie.example"}, "password": {"wrong-password"}}).
		status(http.StatusUnauthorized).has("Adresse électronique ou mot de passe incorrect", `value="agent@mairie.example"`)
	old := sessionFor(t, d, u)
	r = pageClient{t: t, srv: srv, cookie: old}.post("/connexion", url.Values{"email": {"agent@mairie.example"},
		"password": {"a-long-enough-password"}, "retour": {"/moderation"}})
	if loc := r.redirect(); loc != "/moderation?fait=login" {
		t.Fatalf("after login: %q", loc)
	}
	fresh := sessionCookieOf(t, r)
	if fresh == old {
		t.Fatal("login did not rotate the session")
	}
	request(t, srv, "GET", "/api/me", nil, "Cookie", old).status(http.StatusUnauthorized)
	request(t, srv, "GET", "/api/me", nil, "Cookie", fresh).status(200)
	// A foreign return address is ignored.
	for _, back := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/"} {
		r = anon.post("/connexion", url.Values{"email": {"agent@mairie.example"}, "password": {"a-long-enough-password"}, "retour": {back}})
		if loc := r.redirect(); loc != "/compte?fait=login" {
			t.Fatalf("return %q: Location %q", back, loc)
		}
	}
	// Logout ends the session.
	if loc := (pageClient{t: t, srv: srv, cookie: fresh}).post("/deconnexion", nil).redirect(); loc != "/?fait=logout" {
		t.Fatalf("logout: %q", loc)
	}
	request(t, srv, "GET", "/api/me", nil, "Cookie", fresh).status(http.StatusUnauthorized)
	// Too many attempts from one address: the page says how long to wait.
	for i := 0; i < 4; i++ {
		anon.post("/connexion", url.Values{"email": {"x@example.org"}, "password": {"wrong-password"}})
	}
	r = anon.post("/connexion", url.Values{"email": {"x@example.org"}, "password": {"wrong-password"}}).
		status(http.StatusTooManyRequests).has("depuis votre adresse")
	if r.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After when the address is over its limit")
	}
	// Five failures lock the account for browsers that never logged in to
	// it, and the page says for how long and what to do (on a server of
	// its own, whose per-address delays leave these attempts alone).
	srv, d = MustOpenServerDir(t, web.Config{LoginGuard: web.LoginGuard{FreeFailures: 100, BaseDelay: time.Second, MaxDelay: time.Second, Window: time.Minute}})
	anon = pageClient{t: t, srv: srv}
	newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	for i := 0; i < 5; i++ {
		anon.post("/connexion", url.Values{"email": {"agent@mairie.example"}, "password": {"wrong-password"}})
	}
	r = anon.post("/connexion", url.Values{"email": {"agent@mairie.example"}, "password": {"a-long-enough-password"}}).
		status(http.StatusTooManyRequests).has("réessayez dans 15\u00a0min", "navigateur déjà utilisé")
	if r.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on a locked account")
	}
}

func sessionCookieOf(t *testing.T, r response) string {
	t.Helper()
	for _, c := range r.Result().Cookies() {
		if c.Name == "voisinage_session" && c.Value != "" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v", c)
			}
			return "voisinage_session=" + c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestContribPages_Account(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, u)}
	r := c.get("/compte").status(200)
	checkPage(t, r)
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("account Cache-Control %q", cc)
	}
	c.post("/compte/mot-de-passe", url.Values{"current_password": {"nope"}, "new_password": {"another-long-password"},
		"new_password_confirm": {"another-long-password"}}).status(http.StatusBadRequest).has(`id="pw-current-error"`, "pas votre mot de passe actuel")
	c.post("/compte/mot-de-passe", url.Values{"current_password": {"a-long-enough-password"}, "new_password": {"another-long-password"},
		"new_password_confirm": {"different"}}).status(http.StatusBadRequest).has(`id="pw-confirm-error"`)
	r = c.post("/compte/mot-de-passe", url.Values{"current_password": {"a-long-enough-password"}, "new_password": {"another-long-password"},
		"new_password_confirm": {"another-long-password"}})
	if loc := r.redirect(); loc != "/compte?fait=password" {
		t.Fatalf("password: %q", loc)
	}
	request(t, srv, "GET", "/api/me", nil, "Cookie", c.cookie).status(http.StatusUnauthorized) // the other session ended
	c.cookie = sessionCookieOf(t, r)
	c.get("/compte?fait=password").status(200).has("Votre mot de passe est changé")

	// API tokens: created (shown once), listed, revoked.
	c.post("/compte/jetons", url.Values{"name": {""}}).status(http.StatusBadRequest).has(`id="token-name-error"`)
	r = c.post("/compte/jetons", url.Values{"name": {"script d'import"}}).status(http.StatusCreated)
	token := regexp.MustCompile(`value="(vsn_[^"]+)"`).FindStringSubmatch(r.Body.String())
	if token == nil {
		t.Fatal("the new token is not shown")
	}
	request(t, srv, "GET", "/api/me", nil, "Authorization", "Bearer "+token[1]).status(200)
	if strings.Count(c.get("/compte").Body.String(), token[1]) != 0 {
		t.Fatal("the token is shown again")
	}
	tokens, _ := d.FindAPITokens(context.Background(), u)
	if loc := c.post("/compte/jetons/"+itoa(tokens[0].ID, "%d")+"/revoquer", nil).redirect(); !strings.HasPrefix(loc, "/compte?fait=tokenRevoked") {
		t.Fatalf("revoke: %q", loc)
	}
	request(t, srv, "GET", "/api/me", nil, "Authorization", "Bearer "+token[1]).status(http.StatusUnauthorized)
	c.post("/compte/jetons/99999/revoquer", nil).status(http.StatusNotFound)
}

func TestContribPages_Correction(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	ctx := context.Background()
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	mod := newUser(t, d, "mod@region.example", directory.RoleModerator)
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, u)}
	path := "/contribuer/acteurs/commune-88160/corriger"

	r := c.get(path).status(200)
	checkPage(t, r)
	r.has("Données officielles", "88160", `name="base_version" value="1"`, `name="orig_website" value=""`)
	if strings.Contains(r.Body.String(), `id="f-name"`) {
		t.Error("a commune's name is editable")
	}
	// Invalid: each message next to its field, nothing stored.
	r = c.post(path, url.Values{"base_version": {"1"}, "website": {"www.epinal.fr"}, "phone": {"abc"}, "orig_website": {""}, "orig_phone": {""}}).
		status(http.StatusBadRequest)
	r.has(`id="f-website-error"`, "commençant par https://", `id="f-phone-error"`, `aria-invalid="true"`, `value="www.epinal.fr"`)
	checkPage(t, r)
	// Nothing changed.
	c.post(path, url.Values{"base_version": {"1"}, "website": {""}, "orig_website": {""}}).status(http.StatusBadRequest).has("Vous n&#39;avez rien modifié")
	// Official fields cannot be slipped in.
	c.post(path, url.Values{"base_version": {"1"}, "name": {"Pirate"}, "orig_name": {"Épinal"}}).status(http.StatusBadRequest)
	// Valid: pending, only the changed field proposed.
	loc := c.post(path, url.Values{"base_version": {"1"}, "website": {"https://www.epinal.fr"}, "orig_website": {""},
		"email": {""}, "orig_email": {""}, "comment": {"site officiel"}, "source": {"https://www.epinal.fr"}}).redirect()
	if !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("Location %q", loc)
	}
	c.get(loc).status(200).has("en attente de relecture", "https://www.epinal.fr")
	ps, _, _ := d.FindProposals(ctx, mod, directory.ProposalFilter{Limit: 10})
	if len(ps) != 1 || len(ps[0].Changes) != 1 || ps[0].Status != "pending" {
		t.Fatalf("proposals: %+v", ps)
	}
	// Stale: a moderator changed the phone meanwhile; the same field conflicts.
	if _, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: 1, Changes: map[string]json.RawMessage{"phone": json.RawMessage(`"03 29 00 00 00"`)}}); err != nil {
		t.Fatal(err)
	}
	r = c.post(path, url.Values{"base_version": {"1"}, "phone": {"03 29 68 50 00"}, "orig_phone": {""}, "website": {""}, "orig_website": {""}}).
		status(http.StatusConflict)
	r.has(`id="f-phone-conflict"`, "03 29 00 00 00", "03 29 68 50 00", `name="base_version" value="2"`, `name="orig_phone" value="03 29 00 00 00"`,
		`name="resolve_phone"`, "Cette fiche a changé entre-temps")
	// Proposed again against the current version, keeping one's value.
	loc = c.post(path, url.Values{"base_version": {"2"}, "phone": {"03 29 68 50 00"}, "orig_phone": {"03 29 00 00 00"}, "resolve_phone": {"mine"}}).redirect()
	if !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("re-proposal: %q", loc)
	}
	// Or taking the current value: nothing left to change.
	c.post(path, url.Values{"base_version": {"2"}, "phone": {"03 29 68 50 00"}, "orig_phone": {"03 29 00 00 00"}, "resolve_phone": {"current"}}).
		status(http.StatusBadRequest)
	c.get("/contribuer/acteurs/commune-99999/corriger").status(404)
}

func TestContribPages_PlaceAddDeleteReport(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	ctx := context.Background()
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	mod := newUser(t, d, "mod@region.example", directory.RoleModerator)
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, u)}
	m := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, mod)}

	// Place: French decimals accepted; bad numbers and points abroad refused.
	place := "/contribuer/acteurs/commune-29083/placer"
	checkPage(t, c.get(place).status(200).has("Position inconnue", `"bbox":[`))
	c.post(place, url.Values{"base_version": {"1"}, "lat": {"quarante-huit"}, "lon": {"-4,85"}}).status(http.StatusBadRequest).
		has(`id="f-lat-error"`, "nombre décimal")
	c.post(place, url.Values{"base_version": {"1"}, "lat": {"40,7"}, "lon": {"-74,0"}}).status(http.StatusBadRequest).has("pas en France")
	if loc := c.post(place, url.Values{"base_version": {"1"}, "lat": {"48,0375"}, "lon": {"-4,8512"}}).redirect(); !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("place: %q", loc)
	}

	// A new actor: required fields, duplicates shown before it is stored.
	add := "/contribuer/nouvel-acteur"
	checkPage(t, c.get(add).status(200))
	c.post(add, url.Values{"kind": {"commune"}, "name": {""}}).status(http.StatusBadRequest).
		has(`id="f-name-error"`, `id="f-kind-error"`, `id="f-source-error"`)
	r := c.post(add, url.Values{"kind": {"association"}, "name": {"Villes Internet"}, "source": {"https://www.villes-internet.net"}}).
		status(http.StatusConflict)
	r.has("Un acteur semblable existe déjà", `href="/acteurs/association-villes-internet"`, `name="confirm_duplicates"`)
	checkPage(t, r)
	if loc := c.post(add, url.Values{"kind": {"association"}, "name": {"Villes Internet"}, "source": {"https://www.villes-internet.net"},
		"confirm_duplicates": {"1"}, "lat": {"48,85"}, "lon": {"2,35"}}).redirect(); !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("new actor: %q", loc)
	}

	// An adoption: added, corrected, deleted.
	tools := "/contribuer/acteurs/commune-88160/outils"
	checkPage(t, c.get(tools).status(200).has("Outils déjà connus"))
	c.post(tools, url.Values{"tool": {""}, "status": {"in_use"}}).status(http.StatusBadRequest).has(`id="f-tool-error"`)
	c.post(tools, url.Values{"tool": {"wiki"}, "status": {"in_use"}, "since": {"l'an dernier"}}).status(http.StatusBadRequest).has(`id="f-since-error"`)
	if loc := c.post(tools, url.Values{"tool": {"wiki"}, "status": {"in_use"}, "since": {"2014"}, "usage": {"Un wiki municipal"}}).redirect(); !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("adoption: %q", loc)
	}
	edit := "/contribuer/acteurs/commune-55073/outils/wiki"
	checkPage(t, m.get(edit).status(200).has("Historique des versions", `name="orig_usage"`))
	if loc := m.post(edit, url.Values{"base_version": {"1"}, "status": {"abandoned"}, "orig_status": {"in_use"}}).redirect(); !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("adoption edit: %q", loc)
	}
	c.get("/contribuer/acteurs/commune-88160/outils/nope").status(404)
	checkPage(t, c.get(edit+"/supprimer").status(200))
	c.post(edit+"/supprimer", url.Values{"base_version": {"2"}}).status(http.StatusBadRequest).has(`id="f-comment-error"`)

	// Deleting an actor of the official list is refused and explained.
	c.get("/contribuer/acteurs/commune-88160/supprimer").status(200).has("ne peut pas être supprimé ici")
	c.get("/contribuer/acteurs/association-villes-internet/supprimer").status(200).has("Proposer la suppression")

	// A tool.
	newTool := "/contribuer/nouvel-outil"
	c.post(newTool, url.Values{"name": {"Decidim"}}).status(http.StatusBadRequest).has(`id="f-themes-error"`)
	if loc := c.post(newTool, url.Values{"name": {"Decidim"}, "themes": {"democratie"}, "url": {"https://decidim.org"},
		"free_software": {"1"}}).redirect(); !strings.HasPrefix(loc, "/contribuer/merci/") {
		t.Fatalf("new tool: %q", loc)
	}
	checkPage(t, c.get("/contribuer/outils/wiki/corriger").status(200))
	c.post("/contribuer/outils/wiki/corriger", url.Values{"base_version": {"1"}, "themes": {"culture"}, "orig_themes": {"communication,organisation"}}).
		status(http.StatusSeeOther)

	// Reports: anonymous allowed, the reason required.
	anon := pageClient{t: t, srv: srv}
	anon.post("/contribuer/signaler?acteur=commune-88160", url.Values{"comment": {"faux"}}).status(http.StatusBadRequest).has(`id="f-reason-error"`)
	if loc := anon.post("/contribuer/signaler?acteur=commune-88160", url.Values{"reason": {"outdated"}, "comment": {"le numéro a changé"}}).redirect(); loc != "/contribuer/signalement-envoye?acteur=commune-88160" {
		t.Fatalf("report: %q", loc)
	}
	anon.get("/contribuer/signalement-envoye?acteur=commune-88160").status(200).has("Merci, votre signalement est envoyé", "Épinal")
	reports, _, _ := d.FindReports(ctx, mod, "open", 10, 0)
	if len(reports) != 1 || reports[0].Reporter != nil || reports[0].Reason != "outdated" {
		t.Fatalf("reports: %+v", reports)
	}
	m.get("/moderation/signalements").status(200).has("Signalement anonyme", "le numéro a changé")
	m.post("/moderation/signalements/"+itoa(reports[0].ID, "%d"), url.Values{"status": {"nope"}}).status(http.StatusBadRequest)
	if loc := m.post("/moderation/signalements/"+itoa(reports[0].ID, "%d"), url.Values{"status": {"dismissed"}}).redirect(); !strings.Contains(loc, "fait=reportDismissed") {
		t.Fatalf("dismiss: %q", loc)
	}
	m.post("/moderation/signalements/"+itoa(reports[0].ID, "%d"), url.Values{"status": {"resolved"}}).status(http.StatusConflict).has("déjà traité")
}

func TestContribPages_Moderation(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	ctx := context.Background()
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	other := newUser(t, d, "voisin@mairie.example", directory.RoleContributor)
	mod := newUser(t, d, "mod@region.example", directory.RoleModerator)
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, u)}
	o := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, other)}
	m := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, mod)}
	propose := func(who *directory.User, id, field, value string) *directory.Proposal {
		t.Helper()
		a, err := d.FindActorByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := json.Marshal(value)
		p, err := d.ProposeEdit(ctx, who, directory.ProposalInput{TargetType: "actor", TargetID: id, Action: "update",
			BaseVersion: a.Version, Changes: map[string]json.RawMessage{field: v}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := propose(u, "commune-88160", "website", "https://www.epinal.fr")
	p2 := propose(u, "commune-88209", "website", "https://www.golbey.fr")
	p3 := propose(u, "commune-88465", "website", "https://spam.example")
	p4 := propose(other, "commune-88160", "phone", "03 29 68 50 00")

	r := m.get("/moderation").status(200)
	checkPage(t, r)
	r.has(`id="proposition-`+itoa(p1.ID, "%d")+`"`, "https://www.epinal.fr", `form="bulk"`, "4 propositions")
	m.get("/moderation?type=commune&departement=88").status(200).has("4 propositions")
	m.get("/moderation?region=53").status(200).has("Aucune proposition en attente")
	m.get("/moderation?auteur="+itoa(other.ID, "%d")).status(200).has("1 proposition", "Bloquer voisin")

	// Reject needs a reason: the card says so, the page keeps the filters.
	back := "/moderation?type=commune"
	r = m.post("/moderation/propositions/"+itoa(p3.ID, "%d"), url.Values{"action": {"reject"}, "retour": {back}}).status(http.StatusBadRequest)
	r.has("Dites pourquoi", `name="retour" value="/moderation?type=commune"`)
	if loc := m.post("/moderation/propositions/"+itoa(p1.ID, "%d"), url.Values{"action": {"approve"}, "reason": {"vérifié"}, "retour": {back}}).redirect(); loc != "/moderation?fait=approved&n="+itoa(p1.ID, "%d")+"&type=commune" {
		t.Fatalf("approve: %q", loc)
	}
	m.get("/acteurs/commune-88160").status(200).has(`href="https://www.epinal.fr"`, "Historique des versions", "Rétablir la version 1")
	// Already decided.
	m.post("/moderation/propositions/"+itoa(p1.ID, "%d"), url.Values{"action": {"approve"}}).status(http.StatusConflict).has("déjà approuvée")

	// A conflict: the moderator picks a value per field.
	mine := propose(mod, "commune-88160", "phone", "03 29 00 00 00")
	_ = mine
	r = m.get("/moderation").status(200)
	r.has(`name="resolve_phone"`, "conflit")
	m.post("/moderation/propositions/"+itoa(p4.ID, "%d"), url.Values{"action": {"approve"}}).status(http.StatusConflict).has("Non appliquée\u00a0: Téléphone a changé")
	if loc := m.post("/moderation/propositions/"+itoa(p4.ID, "%d"), url.Values{"action": {"approve"}, "resolve_phone": {"yours"}}).redirect(); !strings.Contains(loc, "fait=approved") {
		t.Fatalf("resolve: %q", loc)
	}

	// Bulk: nothing ticked, no reason to reject, then done.
	m.post("/moderation/lot", url.Values{"bulk_action": {"reject"}, "bulk_reason": {"x"}}).status(http.StatusBadRequest).has("Cochez au moins une proposition")
	m.post("/moderation/lot", url.Values{"bulk_action": {"reject"}, "ids": {itoa(p2.ID, "%d"), itoa(p3.ID, "%d")}}).status(http.StatusBadRequest).has("motif est obligatoire")
	if loc := m.post("/moderation/lot", url.Values{"bulk_action": {"reject"}, "bulk_reason": {"hors sujet"}, "ids": {itoa(p2.ID, "%d"), itoa(p3.ID, "%d")}}).redirect(); loc != "/moderation?fait=bulkRejected&n=2" {
		t.Fatalf("bulk: %q", loc)
	}
	c.get("/compte/propositions").status(200).has("Rejetée", "hors sujet", "Approuvée par un modérateur")

	// Community: votes on others' proposals, not one's own; comments.
	p5 := propose(u, "commune-88209", "phone", "03 29 31 33 75")
	r = c.get("/propositions").status(200)
	checkPage(t, r)
	r.has("C&#39;est votre proposition")
	c.post("/propositions/"+itoa(p5.ID, "%d")+"/vote", url.Values{"value": {"1"}, "retour": {"/propositions"}}).status(http.StatusForbidden).has("propre proposition")
	if loc := o.post("/propositions/"+itoa(p5.ID, "%d")+"/vote", url.Values{"value": {"-1"}, "retour": {"/propositions"}}).redirect(); loc != "/propositions?fait=voted&n="+itoa(p5.ID, "%d")+"#proposition-"+itoa(p5.ID, "%d") {
		t.Fatalf("vote: %q", loc)
	}
	o.get("/propositions").status(200).has(`aria-pressed="true"`, "0 pour · 1 contre")
	o.post("/propositions/"+itoa(p5.ID, "%d")+"/commentaire", url.Values{"body": {""}}).status(http.StatusBadRequest).has("Commentaire non publié")
	o.post("/propositions/"+itoa(p5.ID, "%d")+"/commentaire", url.Values{"body": {"Le numéro est sur le site"}}).status(http.StatusSeeOther)
	m.get("/moderation").status(200).has("Le numéro est sur le site")

	// The author withdraws; others cannot.
	o.post("/compte/propositions/"+itoa(p5.ID, "%d")+"/retirer", nil).status(http.StatusForbidden)
	if loc := c.post("/compte/propositions/"+itoa(p5.ID, "%d")+"/retirer", nil).redirect(); !strings.Contains(loc, "fait=withdrawn") {
		t.Fatalf("withdraw: %q", loc)
	}

	// Block from the queue; the blocked author's pending work is withdrawn.
	p6 := propose(other, "commune-88465", "phone", "03 29 39 10 10")
	m.post("/moderation/utilisateurs/"+itoa(other.ID, "%d")+"/bloquer", url.Values{"days": {"0"}, "reason": {"spam"}}).status(http.StatusBadRequest)
	m.post("/moderation/utilisateurs/"+itoa(other.ID, "%d")+"/bloquer", url.Values{"days": {"7"}}).status(http.StatusBadRequest).has("Blocage refusé")
	m.post("/moderation/utilisateurs/"+itoa(mod.ID, "%d")+"/bloquer", url.Values{"days": {"7"}, "reason": {"x"}}).status(http.StatusConflict).has("vous bloquer vous-même")
	if loc := m.post("/moderation/utilisateurs/"+itoa(other.ID, "%d")+"/bloquer", url.Values{"days": {"7"}, "reason": {"spam"}}).redirect(); !strings.Contains(loc, "fait=blocked") {
		t.Fatalf("block: %q", loc)
	}
	if p, _ := d.FindProposalByID(ctx, mod, p6.ID); p.Status != "withdrawn" {
		t.Fatalf("the blocked author's proposal is %s", p.Status)
	}
	m.get("/moderation?auteur=" + itoa(other.ID, "%d") + "&statut=tous").status(200).has("Débloquer voisin")
	if loc := m.post("/moderation/utilisateurs/"+itoa(other.ID, "%d")+"/debloquer", nil).redirect(); !strings.Contains(loc, "fait=unblocked") {
		t.Fatalf("unblock: %q", loc)
	}

	// Revert from the history: a reason is required.
	loc := m.post("/historique/retablir", url.Values{"type": {"actor"}, "id": {"commune-88160"}, "version": {"1"}, "retour": {"/acteurs/commune-88160"}}).redirect()
	if loc != "/acteurs/commune-88160?revert_error=reason&v=1#version-1" {
		t.Fatalf("revert without reason: %q", loc)
	}
	m.get(strings.Split(loc, "#")[0]).status(200).has("Indiquez le motif du rétablissement")
	cur := mustVersion(t, d, "commune-88160")
	loc = m.post("/historique/retablir", url.Values{"type": {"actor"}, "id": {"commune-88160"}, "version": {"1"}, "reason": {"vandalisme"},
		"retour": {"/acteurs/commune-88160"}}).redirect()
	if loc != "/acteurs/commune-88160?fait=reverted&n="+itoa(int64(cur+1), "%d")+"#historique" {
		t.Fatalf("revert: %q", loc)
	}
	if strings.Contains(m.get("/acteurs/commune-88160").Body.String(), `href="https://www.epinal.fr"`) {
		t.Fatal("the revert did not restore version 1")
	}
	// Contributors see the history without revert buttons.
	if strings.Contains(c.get("/acteurs/commune-88160").Body.String(), "/historique/retablir") {
		t.Fatal("a contributor sees revert forms")
	}
	// Review after the fact: a verified representative's change applies at
	// once and is listed; undoing it restores the value it replaced.
	admin := newUser(t, d, "admin@region.example", directory.RoleAdmin)
	if err := d.SetRepresentative(ctx, admin, u.ID, "commune-88209", true); err != nil {
		t.Fatal(err)
	}
	u, _ = d.FindUserByID(ctx, u.ID)
	rep := propose(u, "commune-88209", "email", "accueil@golbey.example")
	if rep.Status != "approved" || !rep.NeedsReview {
		t.Fatalf("representative's proposal: %+v", rep)
	}
	r = m.get("/moderation/relecture").status(200)
	checkPage(t, r)
	r.has("accueil@golbey.example", "Annuler la modification", "1 modification à relire")
	m.post("/moderation/propositions/"+itoa(rep.ID, "%d"), url.Values{"action": {"reject"}, "retour": {"/moderation/relecture"}}).
		status(http.StatusBadRequest).has("Dites pourquoi")
	if loc := m.post("/moderation/propositions/"+itoa(rep.ID, "%d"), url.Values{"action": {"reject"}, "reason": {"adresse personnelle"},
		"retour": {"/moderation/relecture"}}).redirect(); !strings.HasPrefix(loc, "/moderation/relecture?fait=rejected") {
		t.Fatalf("undo: %q", loc)
	}
	if strings.Contains(m.get("/acteurs/commune-88209").Body.String(), `href="mailto:accueil@golbey.example"`) {
		t.Fatal("the undone change is still public")
	}
	m.get("/moderation/relecture").status(200).has("Rien à relire")
}

func TestContribPages_English(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, newUser(t, d, "agent@mairie.example", directory.RoleModerator)) + "; lang=en"}
	for _, path := range []string{"/compte", "/compte/propositions", "/propositions", "/moderation", "/moderation/signalements",
		"/contribuer/acteurs/commune-88160/corriger", "/contribuer/acteurs/commune-29083/placer", "/contribuer/nouvel-acteur",
		"/acteurs/commune-88160"} {
		r := c.get(path).status(200).has(`<html lang="en">`)
		checkPage(t, r)
	}
	c.post("/contribuer/acteurs/commune-88160/corriger", url.Values{"base_version": {"1"}, "website": {"x"}, "orig_website": {""}}).
		status(http.StatusBadRequest).has("Give a complete web address starting with https://")
}
