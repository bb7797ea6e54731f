package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// browserAccept is what Chromium and Firefox send when they open a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// TestErrorPages checks that every route family answers errors with a page
// to browsers (in their language, with the site's layout and a way back) and
// with the JSON error body to API clients, chosen by Accept and, when Accept
// says neither, by the family.
func TestErrorPages(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{RateLimits: generousLimits})
	u := newUser(t, d, "pages@example.org", directory.RoleContributor)
	session := sessionFor(t, d, u)
	json1MiB := `{"comment":"` + strings.Repeat("x", 1<<20) + `"}`
	for _, c := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string // the JSON body's
		fr, en                   string // in the page
		defaultHTML              bool   // with Accept: */*, a page (else JSON)
		bareHTML                 bool   // without Accept, a page (else JSON)
	}{
		{"page 404", "GET", "/acteurs/nope", "", nil, 404, "not_found", "Page introuvable", "Page not found", true, true},
		{"unknown page", "GET", "/nulle-part", "", nil, 404, "not_found", "Page introuvable", "Page not found", true, false},
		{"unknown API path", "GET", "/api/nulle-part", "", nil, 404, "not_found", "Page introuvable", "Page not found", false, false},
		{"static 404", "GET", "/static/x/nope.js", "", nil, 404, "not_found", "Page introuvable", "Page not found", true, true},
		{"405", "DELETE", "/acteurs/commune-88160", "", nil, 405, "method_not_allowed", "La méthode DELETE", "DELETE is not allowed here", true, false},
		{"API 405", "PATCH", "/api/collections", "", nil, 405, "method_not_allowed", "La méthode PATCH", "PATCH is not allowed here", false, false},
		{"400", "GET", "/api/collections/actors/items?bogus=1", "", nil, 400, "invalid", "paramètres possibles", "This parameter does not exist here", false, false},
		{"401", "GET", "/api/me", "", nil, 401, "unauthorized", "Connectez-vous", "Log in first", false, false},
		{"403 cross-site", "POST", "/connexion", "email=a", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"},
			403, "forbidden", "Requête refusée", "Request refused", true, true},
		{"413", "POST", "/api/proposals", json1MiB, []string{"Content-Type", "application/json", "Cookie", session},
			413, "invalid", "Le corps est trop gros", "The body is too large", false, false},
		{"415", "POST", "/api/proposals", "{}", []string{"Content-Type", "text/plain", "Cookie", session},
			415, "invalid", "Envoyez le corps en JSON", "Send the body as JSON", false, false},
		{"501", "GET", "/oembed?url=http%3A%2F%2Fvoisinage.test%2F&format=xml", "", nil, 501, "not_implemented", "format=json", "format=json", false, false},
		{"feed 401", "GET", "/feeds/queue.atom", "", nil, 401, "unauthorized", "Ce flux demande le jeton", "This feed needs a moderator", false, false},
		{"MCP 405", "GET", "/mcp", "", nil, 405, "method_not_allowed", "sans état", "stateless", false, false},
		{"MCP 415", "POST", "/mcp", "{}", []string{"Content-Type", "text/plain"}, 415, "invalid", "Envoyez un message JSON-RPC", "Send a JSON-RPC message", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			send := func(accept, lang string) response {
				h := append([]string{}, c.headers...)
				if accept != "" {
					h = append(h, "Accept", accept)
				}
				if lang != "" {
					h = append(h, "Accept-Language", lang)
				}
				return request(t, srv, c.method, c.path, strings.NewReader(c.body), h...)
			}
			for _, lang := range []struct{ header, want, html string }{{"fr-FR,fr;q=0.9", c.fr, `lang="fr"`}, {"en-GB,en;q=0.8", c.en, `lang="en"`}} {
				r := send(browserAccept, lang.header).status(c.status).contentType("text/html")
				// The site's layout, the status's title, the message, a way back.
				r.has(lang.html, `<header`, `class="site-footer`, `href="/" class="button`, lang.want)
				if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q", cc)
				}
			}
			var e struct{ Code, Description string }
			send("application/json", "").status(c.status).contentType("application/json").json(&e)
			if e.Code != c.code || e.Description == "" {
				t.Errorf("JSON: %+v", e)
			}
			if r := send("", ""); strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") != c.bareHTML {
				t.Errorf("without Accept: %s", r.Header().Get("Content-Type"))
			}
			if r := send("*/*", ""); strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") != c.defaultHTML {
				t.Errorf("Accept */*: %s", r.Header().Get("Content-Type"))
			}
		})
	}
}

// TestErrorPages_LoginGuard checks the login lockout through the one writer:
// the form's browser gets a page in its language, the API JSON, both 429
// with Retry-After.
func TestErrorPages_LoginGuard(t *testing.T) {
	srv, _ := MustOpenServerDir(t, web.Config{RateLimits: generousLimits,
		LoginGuard: web.LoginGuard{FreeFailures: 1, BaseDelay: 10 * time.Minute, MaxDelay: 10 * time.Minute, Window: time.Hour}})
	form := url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}}.Encode()
	post := func(path, body, ctype string, h ...string) response {
		return request(t, srv, "POST", path, strings.NewReader(body), append([]string{"Content-Type", ctype, "Sec-Fetch-Site", "same-origin"}, h...)...)
	}
	post("/connexion", form, "application/x-www-form-urlencoded").status(http.StatusUnauthorized)
	r := post("/connexion", form, "application/x-www-form-urlencoded", "Accept", browserAccept).status(http.StatusTooManyRequests).
		contentType("text/html").has(`lang="fr"`, "Trop de connexions échouées depuis votre adresse", "10\u00a0minutes", `href="/" class="button`)
	if r.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on the page")
	}
	post("/connexion?lang=en", form, "application/x-www-form-urlencoded", "Accept", browserAccept).status(http.StatusTooManyRequests).
		has(`lang="en"`, "Too many failed logins from your address: try again in 10 minutes")
	var e struct {
		Code       string
		Key        string
		RetryAfter int `json:"retry_after_s"`
	}
	body, _ := json.Marshal(map[string]string{"email": "nobody@example.org", "password": "wrong password"})
	post("/api/login", string(body), "application/json").status(http.StatusTooManyRequests).contentType("application/json").json(&e)
	if e.Code != directory.ETOOMANY || e.Key != "login.address_locked" || e.RetryAfter < 500 {
		t.Errorf("API: %+v", e)
	}
}

// TestErrorPages_LoginDelay checks that the progressive delay is told as
// it is: seconds under a minute (not "1 min" for a one-second wait), whole
// minutes rounded up beyond, in French and English, and that Retry-After
// and retry_after_s give the seconds the message gives.
func TestErrorPages_LoginDelay(t *testing.T) {
	// The seconds left are read from Retry-After (on PostgreSQL the
	// database's clock runs while the test does); the texts follow from them.
	say := func(n int, fr bool) string {
		unit, count := "second", n
		if n >= 60 {
			unit, count = "minute", (n+59)/60
		}
		if count > 1 {
			unit += "s"
		}
		if fr {
			return fmt.Sprintf("réessayez dans %d\u00a0%s.", count, strings.Replace(unit, "second", "seconde", 1))
		}
		return fmt.Sprintf("try again in %d %s.", count, unit)
	}
	for _, tc := range []struct {
		delay time.Duration
		want  string // what the French page says when no time has passed
	}{
		{time.Second, "1\u00a0seconde."},
		{30 * time.Second, "30\u00a0secondes."},
		{90 * time.Second, "2\u00a0minutes."},
		{10 * time.Minute, "10\u00a0minutes."},
	} {
		t.Run(tc.delay.String(), func(t *testing.T) {
			srv, _ := MustOpenServerDir(t, web.Config{RateLimits: generousLimits,
				LoginGuard: web.LoginGuard{FreeFailures: 1, BaseDelay: tc.delay, MaxDelay: tc.delay, Window: time.Hour}})
			form := url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}}.Encode()
			post := func(path string) response {
				return request(t, srv, "POST", path, strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded",
					"Sec-Fetch-Site", "same-origin", "Accept", browserAccept)
			}
			post("/connexion").status(http.StatusUnauthorized)
			r := post("/connexion").status(http.StatusTooManyRequests)
			n, err := strconv.Atoi(r.Header().Get("Retry-After"))
			if err != nil || n > int(tc.delay/time.Second) || n < int(tc.delay/time.Second)-2 {
				t.Fatalf("Retry-After %q after a delay of %v", r.Header().Get("Retry-After"), tc.delay)
			}
			r.has(say(n, true))
			if n == int(tc.delay/time.Second) {
				r.has(tc.want)
			}
			post("/connexion?lang=en").status(http.StatusTooManyRequests).has(say(n, false))
			var e struct {
				Description string
				RetryAfter  int `json:"retry_after_s"`
			}
			body, _ := json.Marshal(map[string]string{"email": "nobody@example.org", "password": "wrong password"})
			request(t, srv, "POST", "/api/login", bytes.NewReader(body), "Content-Type", "application/json").
				status(http.StatusTooManyRequests).json(&e)
			if e.RetryAfter > n || e.RetryAfter < n-2 || !strings.Contains(e.Description, strings.TrimSuffix(say(e.RetryAfter, false), ".")) {
				t.Errorf("API: %+v, want about %d s, said so", e, n)
			}
		})
	}
}

// TestErrorPages_Internal checks that an internal error shows as such,
// nothing more, on a page and in JSON.
func TestErrorPages_Internal(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{RateLimits: generousLimits})
	if err := d.DB().Close(); err != nil {
		t.Fatal(err)
	}
	// The actor page reads the actor's row from the database.
	r := request(t, srv, "GET", "/acteurs/commune-88160", nil, "Accept", browserAccept)
	r.status(http.StatusInternalServerError).contentType("text/html").has(`<header`, `href="/" class="button`,
		"Erreur interne", "Une erreur interne est survenue")
	var e struct{ Code, Description string }
	request(t, srv, "GET", "/acteurs/commune-88160", nil, "Accept", "application/json").status(http.StatusInternalServerError).json(&e)
	if e.Code != directory.EINTERNAL || e.Description != "internal error" {
		t.Errorf("JSON: %+v", e)
	}
	if bytes.Contains(r.Body.Bytes(), []byte("sql")) {
		t.Errorf("internals shown: %s", r.Body.String())
	}
}
