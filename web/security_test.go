package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// writeCase is one write route of the role × route matrix: how to build a
// valid request for a role (fixtures included), and the status each role
// must get. A valid body makes authentication and the role the only
// reasons for a refusal.
type writeCase struct {
	req  func(h *harness, r role) (path string, body any)
	want map[role]int
}

// statuses builds a want map in the order of roles: anonymous, contributor,
// blocked contributor, moderator, admin.
func statuses(anon, contrib, blocked, mod, adm int) map[role]int {
	return map[role]int{anonymous: anon, contributor: contrib, blockedUser: blocked, moderator: mod, admin: adm}
}

// writeMatrix lists EVERY write route of the router. TestRoleRouteMatrix
// fails for a write route missing here, so a new route cannot escape it.
var writeMatrix = map[string]writeCase{
	"POST /api/register": {
		func(h *harness, r role) (string, any) {
			n := h.unique()
			return "/api/register", map[string]string{"email": fmt.Sprintf("new%d@matrix.test", n), "display_name": fmt.Sprintf("Nouvelle %d", n),
				"password": "new account passphrase"}
		}, statuses(202, 202, 202, 202, 202)},
	"POST /api/login": {
		func(h *harness, r role) (string, any) {
			who := r
			if r == anonymous {
				who = contributor
			}
			return "/api/login", map[string]string{"email": string(who) + "@harness.test", "password": h.passwords[who]}
		}, statuses(200, 200, 200, 200, 200)},
	"POST /api/logout": {
		func(h *harness, r role) (string, any) { return "/api/logout", nil },
		statuses(204, 204, 204, 204, 204)},
	"POST /api/me/password": {
		func(h *harness, r role) (string, any) {
			return "/api/me/password", map[string]string{"current_password": h.passwords[r], "new_password": "a brand new passphrase"}
		}, statuses(401, 200, 200, 200, 200)},
	"POST /api/tokens": {
		func(h *harness, r role) (string, any) { return "/api/tokens", map[string]string{"name": "matrix"} },
		statuses(401, 201, 403, 201, 201)}, // a blocked account cannot make tokens
	"DELETE /api/tokens/:id": {
		func(h *harness, r role) (string, any) { return fmt.Sprintf("/api/tokens/%d", h.token(h.users[r])), nil },
		statuses(401, 204, 204, 204, 204)},
	"POST /api/proposals": {
		func(h *harness, r role) (string, any) {
			return "/api/proposals", map[string]any{"target_type": "actor", "target_id": h.commune(), "action": "update",
				"base_version": 1, "changes": map[string]any{"website": "https://mairie.example"}}
		}, statuses(401, 201, 403, 201, 201)},
	"POST /api/proposals/check": {
		func(h *harness, r role) (string, any) {
			return "/api/proposals/check", map[string]any{"target_type": "actor", "action": "create",
				"changes": map[string]any{"kind": "association", "name": "Association du numérique", "lon": 6.4, "lat": 48.2}}
		}, statuses(401, 200, 200, 200, 200)},
	"POST /api/proposals/:id/approve": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/proposals/%d/approve", h.pending()), map[string]string{"reason": "vérifié"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/proposals/:id/reject": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/proposals/%d/reject", h.pending()), map[string]string{"reason": "source manquante"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/proposals/:id/vote": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/proposals/%d/vote", h.pending()), map[string]int{"value": 1}
		}, statuses(401, 200, 403, 200, 200)},
	// Only its author may withdraw a proposal: here, another user's.
	"POST /api/proposals/:id/withdraw": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/proposals/%d/withdraw", h.pending()), nil
		},
		statuses(401, 403, 403, 403, 403)},
	"POST /api/proposals/:id/comments": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/proposals/%d/comments", h.pending()), map[string]string{"body": "Vu sur le site de la mairie."}
		}, statuses(401, 201, 403, 201, 201)},
	"POST /api/review": {
		func(h *harness, r role) (string, any) {
			return "/api/review", map[string]any{"action": "approve", "ids": []int64{h.pending()}}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/actors/:id/revert": {
		func(h *harness, r role) (string, any) {
			return "/api/actors/" + h.edited("actor") + "/revert", map[string]any{"version": 1, "reason": "retour"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/tools/:slug/revert": {
		func(h *harness, r role) (string, any) {
			return "/api/tools/" + h.edited("tool") + "/revert", map[string]any{"version": 1, "reason": "retour"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/adoptions/:id/revert": {
		func(h *harness, r role) (string, any) {
			return "/api/adoptions/" + h.edited("adoption") + "/revert", map[string]any{"version": 1, "reason": "retour"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/reports": {
		func(h *harness, r role) (string, any) {
			return "/api/reports", map[string]string{"target_type": "actor", "target_id": "commune-88160", "reason": "wrong"}
		}, statuses(201, 201, 403, 201, 201)},
	"POST /api/reports/:id/resolve": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/reports/%d/resolve", h.report()), map[string]string{"status": "resolved", "note": "corrigé"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/users/:id/block": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/users/%d/block", h.freshUser(directory.RoleContributor).ID), map[string]any{"days": 7, "reason": "spam"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/users/:id/unblock": {
		func(h *harness, r role) (string, any) {
			u := h.freshUser(directory.RoleContributor)
			h.d.BlockUser(context.Background(), h.users[admin], u.ID, time.Now().Add(time.Hour), "spam")
			return fmt.Sprintf("/api/users/%d/unblock", u.ID), nil
		}, statuses(401, 403, 403, 200, 200)},
	"PUT /api/users/:id/role": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/users/%d/role", h.freshUser(directory.RoleContributor).ID), map[string]string{"role": "moderator"}
		}, statuses(401, 403, 403, 403, 200)},
	"POST /api/users/:id/representatives": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/users/%d/representatives", h.freshUser(directory.RoleContributor).ID), map[string]string{"actor_id": "commune-88160"}
		}, statuses(401, 403, 403, 403, 200)},
	// Webhooks: moderators and admins (and accounts an admin allows); a
	// moderator's own webhook, which an admin may also manage.
	"POST /api/webhooks": {
		func(h *harness, r role) (string, any) {
			return "/api/webhooks", map[string]any{"url": "https://93.184.216.34/voisinage", "departements": []string{"88"}}
		}, statuses(401, 403, 403, 201, 201)},
	"PATCH /api/webhooks/:id": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/webhooks/%d", h.webhook()), map[string]any{"description": "Vosges", "events": []string{"change.applied"}}
		}, statuses(401, 403, 403, 200, 200)},
	"DELETE /api/webhooks/:id": {
		func(h *harness, r role) (string, any) { return fmt.Sprintf("/api/webhooks/%d", h.webhook()), nil },
		statuses(401, 403, 403, 204, 204)},
	"POST /api/webhooks/:id/deliveries/:delivery/replay": {
		func(h *harness, r role) (string, any) {
			id, delivery := h.delivery()
			return fmt.Sprintf("/api/webhooks/%d/deliveries/%s/replay", id, delivery), nil
		}, statuses(401, 403, 403, 201, 201)},
	"PUT /api/users/:id/webhooks": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/users/%d/webhooks", h.freshUser(directory.RoleContributor).ID), map[string]bool{"allowed": true}
		}, statuses(401, 403, 403, 403, 200)},
	// MCP calls are authenticated by their bearer token, inside the tool
	// (propose_change); the route itself is open to every client.
	"POST /mcp": {
		func(h *harness, r role) (string, any) {
			return "/mcp", map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
				"params": map[string]any{"name": "search_actors", "arguments": map[string]any{"q": "epinal"}}}
		}, statuses(200, 200, 200, 200, 200)},
	"DELETE /mcp": {
		func(h *harness, r role) (string, any) { return "/mcp", nil },
		statuses(405, 405, 405, 405, 405)},
	"POST /api/imports/adoptions": {
		func(h *harness, r role) (string, any) {
			return "/api/imports/adoptions?file=matrix.csv", fmt.Sprintf("actor;tool;usage\n%s;wiki;Wiki %d\n", h.commune(), h.unique())
		}, statuses(401, 201, 403, 201, 201)},
	"POST /api/imports/:id/approve": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/imports/%d/approve", h.pendingBatch()), nil
		},
		statuses(401, 403, 403, 200, 200)},
	"POST /api/imports/:id/reject": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/imports/%d/reject", h.pendingBatch()), map[string]string{"reason": "liste à revoir"}
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/confirmations": {
		func(h *harness, r role) (string, any) {
			return "/api/confirmations", map[string]string{"target_type": "adoption", "target_id": h.adoptions[h.unique()%len(h.adoptions)]}
		}, statuses(401, 202, 403, 201, 201)},
	"POST /api/confirmations/:id/approve": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/confirmations/%d/approve", h.pendingConfirmation()), nil
		}, statuses(401, 403, 403, 200, 200)},
	"POST /api/confirmations/:id/reject": {
		func(h *harness, r role) (string, any) {
			return fmt.Sprintf("/api/confirmations/%d/reject", h.pendingConfirmation()), nil
		}, statuses(401, 403, 403, 200, 200)},
	"DELETE /api/users/:id/representatives/:actor": {
		func(h *harness, r role) (string, any) {
			u := h.freshUser(directory.RoleContributor)
			h.d.SetRepresentative(context.Background(), h.users[admin], u.ID, "commune-88160", true)
			return fmt.Sprintf("/api/users/%d/representatives/commune-88160", u.ID), nil
		}, statuses(401, 403, 403, 403, 200)},
}

// formMatrix lists the write routes of the pages' forms with the least role
// that may use them ("" anyone, "user", "moderator", "admin"). The pages
// answer forms with pages and redirects, not API statuses: below the role,
// a request must be refused (401, 403, or a redirect to the login page) and
// change nothing; at or above it, it must get past the role check (any
// other answer; an empty form is then refused by validation).
var formMatrix = map[string]string{
	"POST /connexion":                                     "",
	"POST /inscription":                                   "",
	"POST /deconnexion":                                   "",
	"POST /contribuer/signaler":                           "",
	"POST /compte/mot-de-passe":                           "user",
	"POST /compte/jetons":                                 "user",
	"POST /compte/jetons/:id/revoquer":                    "user",
	"POST /compte/propositions/:id/retirer":               "owner", // another user\'s proposal: refused to all
	"POST /contribuer/acteurs/:id/corriger":               "user",
	"POST /contribuer/acteurs/:id/placer":                 "user",
	"POST /contribuer/acteurs/:id/supprimer":              "user",
	"POST /contribuer/acteurs/:id/outils":                 "user",
	"POST /contribuer/acteurs/:id/outils/:tool":           "user",
	"POST /contribuer/acteurs/:id/outils/:tool/supprimer": "user",
	"POST /contribuer/nouvel-acteur":                      "user",
	"POST /contribuer/nouvel-outil":                       "user",
	"POST /contribuer/outils/:slug/corriger":              "user",
	"POST /contribuer/outils/:slug/supprimer":             "user",
	"POST /propositions/:id/vote":                         "user",
	"POST /propositions/:id/commentaire":                  "user",
	"POST /historique/retablir":                           "moderator",
	"POST /moderation/propositions/:id":                   "moderator",
	"POST /moderation/lot":                                "moderator",
	"POST /moderation/signalements/:id":                   "moderator",
	"POST /moderation/utilisateurs/:id/bloquer":           "moderator",
	"POST /moderation/utilisateurs/:id/debloquer":         "moderator",
	"POST /confirmer":                                     "user",
	"POST /moderation/imports/adoptions":                  "moderator",
	"POST /moderation/imports/:id/decision":               "moderator",
	"POST /moderation/confirmations/:id":                  "moderator",
	// Webhooks: moderators and admins (and accounts an admin allows); a
	// moderator's webhook, which an admin may also manage.
	"POST /compte/webhooks":                                  "moderator",
	"POST /compte/webhooks/:id/etat":                         "moderator",
	"POST /compte/webhooks/:id/supprimer":                    "moderator",
	"POST /compte/webhooks/:id/livraisons/:delivery/rejouer": "moderator",
}

// formPath fills a form route's parameters with fixtures.
func formPath(h *harness, route string) string {
	_, p, _ := strings.Cut(route, " ")
	if strings.Contains(p, "/livraisons/:delivery") {
		id, delivery := h.delivery()
		p = strings.Replace(p, "/webhooks/:id/livraisons/:delivery", fmt.Sprintf("/webhooks/%d/livraisons/%s", id, delivery), 1)
	} else if strings.Contains(p, "/webhooks/:id") {
		p = strings.Replace(p, "/webhooks/:id", fmt.Sprintf("/webhooks/%d", h.webhook()), 1)
	}
	return strings.NewReplacer(":id/outils", "commune-13004/outils", ":tool", "albums-photo-en-ligne", ":slug", "flickr").Replace(
		strings.NewReplacer("/acteurs/:id", "/acteurs/commune-88160", "/signalements/:id", fmt.Sprintf("/signalements/%d", h.report()),
			"/utilisateurs/:id", fmt.Sprintf("/utilisateurs/%d", h.freshUser(directory.RoleContributor).ID),
			"/jetons/:id", fmt.Sprintf("/jetons/%d", h.token(h.author)), ":id", fmt.Sprint(h.pending())).Replace(p))
}

// roleRank orders roles for formMatrix.
func roleRank(r role) int {
	switch r {
	case contributor:
		return 1
	case moderator:
		return 2
	case admin:
		return 3
	}
	return 0
}

var minRank = map[string]int{"": 0, "user": 1, "moderator": 2, "admin": 3, "owner": 4}

// refusedForm reports whether a page answer refuses the request for lack of
// a login or a role.
func refusedForm(w *httptest.ResponseRecorder) bool {
	loc := w.Header().Get("Location")
	return w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden ||
		(w.Code >= 300 && w.Code < 400 && strings.HasPrefix(loc, "/connexion"))
}

// isWrite reports whether a method changes state.
func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// TestRoleRouteMatrix walks every write route of the router with every role
// and checks the status; a refused request must change nothing stored. It
// also sends each route a cross-site request with an admin's session: the
// cross-origin protection must refuse it before any handler runs.
func TestRoleRouteMatrix(t *testing.T) {
	h := newHarness(t, web.Config{})
	var routes []string
	for _, ri := range h.srv.Routes() {
		if isWrite(ri.Method) {
			routes = append(routes, ri.Method+" "+ri.Path)
		}
	}
	slices.Sort(routes)
	for _, route := range routes {
		_, api := writeMatrix[route]
		_, form := formMatrix[route]
		if !api && !form {
			t.Errorf("write route %s is not in the security matrix (writeMatrix, or formMatrix for a page's form, in web/security_test.go): add it with the status or the least role each needs", route)
		}
	}
	for route := range writeMatrix {
		if !slices.Contains(routes, route) {
			t.Errorf("the security matrix lists %s, which the router does not have", route)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, route := range routes {
		if least, ok := formMatrix[route]; ok {
			t.Run(strings.ReplaceAll(route, "/", "_"), func(t *testing.T) { checkForm(t, h, route, least) })
			continue
		}
		tc := writeMatrix[route]
		method, _, _ := strings.Cut(route, " ")
		t.Run(strings.ReplaceAll(route, "/", "_"), func(t *testing.T) {
			for _, r := range roles {
				path, body := tc.req(h, r)
				h.live(h.users[r])
				before := h.digest()
				w := h.send(h.users[r], method, path, body)
				if w.Code != tc.want[r] {
					t.Errorf("%s as %s: status %d, want %d: %.300s", route, r, w.Code, tc.want[r], w.Body)
				}
				if w.Code >= 400 {
					var e apiError
					if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Description == "" {
						t.Errorf("%s as %s: %d without an error message: %.300s", route, r, w.Code, w.Body)
					}
					if after := h.digest(); after != before {
						t.Errorf("%s as %s was refused (%d) but changed what is stored", route, r, w.Code)
					}
				}
			}
			// A form another site posts with an admin's session is refused.
			path, body := tc.req(h, admin)
			h.live(h.users[admin])
			before := h.digest()
			for _, hdr := range [][]string{
				{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
				{"Origin", "https://evil.example"}, // older browsers send no Sec-Fetch-Site
			} {
				w := h.send(h.users[admin], method, path, body, hdr...)
				if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "cross-origin") {
					t.Errorf("%s cross-site (%v): status %d, want 403 cross-origin: %.200s", route, hdr, w.Code, w.Body)
				}
			}
			form := h.send(h.users[admin], method, path, url.Values{"a": {"b"}}, "Sec-Fetch-Site", "cross-site")
			if form.Code != http.StatusForbidden {
				t.Errorf("%s cross-site form: status %d, want 403", route, form.Code)
			}
			if h.digest() != before {
				t.Errorf("%s: a refused cross-site request changed what is stored", route)
			}
		})
	}
}

// checkForm checks a page's form route: refused below its role, without a
// change; past the role check at or above it; refused cross-site always.
func checkForm(t *testing.T, h *harness, route, least string) {
	for _, r := range []role{anonymous, contributor, moderator, admin} {
		path := formPath(h, route)
		h.live(h.users[r])
		before := h.digest()
		w := h.send(h.users[r], "POST", path, url.Values{})
		switch {
		case w.Code >= 500:
			t.Errorf("%s as %s: %d", route, r, w.Code)
		case roleRank(r) < minRank[least] && !refusedForm(w):
			t.Errorf("%s as %s: %d (Location %q), want a refusal (401, 403 or a redirect to /connexion)", route, r, w.Code, w.Header().Get("Location"))
		case least != "" && roleRank(r) >= minRank[least] && refusedForm(w):
			// (A form anyone may post answers 401 to a wrong password: not a role check.)
			t.Errorf("%s as %s: refused (%d, Location %q), though the role may use it", route, r, w.Code, w.Header().Get("Location"))
		}
		if refusedForm(w) && h.digest() != before {
			t.Errorf("%s as %s was refused but changed what is stored", route, r)
		}
	}
	path := formPath(h, route)
	h.live(h.users[admin])
	before := h.digest()
	w := h.send(h.users[admin], "POST", path, url.Values{"a": {"b"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if w.Code != http.StatusForbidden || h.digest() != before {
		t.Errorf("%s cross-site: %d, want 403 and no change", route, w.Code)
	}
}

// personalReads are GET routes whose answers depend on who asks: anonymous
// callers get 401. TestPersonalReads fails for a GET route under these
// prefixes that is not listed with a sample path.
var personalReads = map[string]string{
	"/api/me":            "/api/me",
	"/api/tokens":        "/api/tokens",
	"/api/proposals":     "/api/proposals",
	"/api/proposals/:id": "/api/proposals/1",
	"/api/reports":       "/api/reports",
	"/feeds/queue.atom":  "/feeds/queue.atom",
}

func TestPersonalReads(t *testing.T) {
	h := newHarness(t, web.Config{})
	for _, ri := range h.srv.Routes() {
		if ri.Method != http.MethodGet {
			continue
		}
		for _, prefix := range []string{"/api/me", "/api/tokens", "/api/proposals", "/api/reports", "/api/users", "/api/review", "/feeds/queue"} {
			if strings.HasPrefix(ri.Path, prefix) {
				if _, ok := personalReads[ri.Path]; !ok {
					t.Errorf("GET %s is personal and not in personalReads", ri.Path)
				}
			}
		}
	}
	for route, path := range personalReads {
		if w := h.send(nil, "GET", path, nil); w.Code != http.StatusUnauthorized {
			t.Errorf("GET %s anonymous: %d, want 401", route, w.Code)
		}
		if w := h.send(nil, "GET", path, nil); w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", route, w.Header().Get("Cache-Control"))
		}
	}
	// The moderators' queue feed: a contributor's token is refused.
	tok, err := h.d.CreateAPIToken(context.Background(), h.users[contributor], "feed")
	if err != nil {
		t.Fatal(err)
	}
	if w := h.send(nil, "GET", "/feeds/queue.atom?token="+tok.Token, nil); w.Code != http.StatusForbidden {
		t.Errorf("queue feed with a contributor's token: %d, want 403", w.Code)
	}
}

// TestOwnership: what belongs to a user cannot be touched by another, of
// the same role.
func TestOwnership(t *testing.T) {
	h := newHarness(t, web.Config{})
	other := h.freshUser(directory.RoleContributor)
	tokID := h.token(other)
	h.live(h.users[contributor])
	h.live(h.author)
	before := h.digest()
	if w := h.send(h.users[contributor], "DELETE", fmt.Sprintf("/api/tokens/%d", tokID), nil); w.Code != http.StatusNotFound {
		t.Errorf("revoking another user's token: %d, want 404", w.Code)
	}
	p := h.pending()
	before = h.digest()
	if w := h.send(h.users[contributor], "POST", fmt.Sprintf("/api/proposals/%d/withdraw", p), nil); w.Code != http.StatusForbidden {
		t.Errorf("withdrawing another user's proposal: %d, want 403", w.Code)
	}
	if w := h.send(h.author, "POST", fmt.Sprintf("/api/proposals/%d/vote", p), map[string]int{"value": 1}); w.Code != http.StatusForbidden {
		t.Errorf("voting on one's own proposal: %d, want 403", w.Code)
	}
	if h.digest() != before {
		t.Error("a refused request changed what is stored")
	}
	// A moderator cannot block another moderator, nor promote anyone.
	if w := h.send(h.users[moderator], "POST", fmt.Sprintf("/api/users/%d/block", h.users[admin].ID), map[string]any{"days": 1, "reason": "x"}); w.Code != http.StatusForbidden {
		t.Errorf("a moderator blocking an admin: %d, want 403", w.Code)
	}
	if w := h.send(h.author, "POST", fmt.Sprintf("/api/proposals/%d/withdraw", p), nil); w.Code != http.StatusOK {
		t.Errorf("withdrawing one's own proposal: %d, want 200", w.Code)
	}
}

// sessionCookie returns the session cookie a response sets.
func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == "voisinage_session" {
			return c
		}
	}
	return nil
}

// sendCookie sends a request carrying a given session token.
func sendCookie(srv http.Handler, token, method, path string, body any) *httptest.ResponseRecorder {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "voisinage_session", Value: token})
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	return w
}

func TestSessionCookies(t *testing.T) {
	h := newHarness(t, web.Config{})
	login := map[string]string{"email": "contributor@harness.test", "password": h.passwords[contributor]}

	// Attributes: not readable by scripts, not sent on cross-site posts.
	w := sendCookie(h.srv, "", "POST", "/api/login", login)
	c := sessionCookie(w)
	if w.Code != 200 || c == nil {
		t.Fatalf("login: %d, cookie %v", w.Code, c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", c)
	}
	if c.Secure {
		t.Error("Secure cookie over plain HTTP: the browser would drop it")
	}
	first := c.Value

	// Over HTTPS (behind a proxy: the base URL says so) it is Secure.
	hs := newHarness(t, web.Config{BaseURL: "https://voisinage.example"})
	if c := sessionCookie(sendCookie(hs.srv, "", "POST", "/api/login", login)); c == nil || !c.Secure {
		t.Errorf("session cookie over HTTPS: %+v, want Secure", c)
	}

	// Rotated on login: a token planted before login (fixation) or held
	// from an earlier login is replaced, and ends server-side.
	planted := h.session(h.users[contributor])
	w = sendCookie(h.srv, planted, "POST", "/api/login", login)
	rotated := sessionCookie(w)
	if rotated == nil || rotated.Value == planted || rotated.Value == first {
		t.Fatalf("login did not rotate the session: %v", rotated)
	}
	if w := sendCookie(h.srv, planted, "GET", "/api/me", nil); w.Code != 401 {
		t.Errorf("the session held before login still works after it: %d", w.Code)
	}
	if w := sendCookie(h.srv, rotated.Value, "GET", "/api/me", nil); w.Code != 200 {
		t.Errorf("the rotated session does not work: %d", w.Code)
	}

	// Invalidated on logout, server-side: a copy of the cookie is worthless.
	if w := sendCookie(h.srv, rotated.Value, "POST", "/api/logout", nil); w.Code != 204 {
		t.Fatalf("logout: %d", w.Code)
	} else if c := sessionCookie(w); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout does not clear the cookie: %+v", c)
	}
	if w := sendCookie(h.srv, rotated.Value, "GET", "/api/me", nil); w.Code != 401 {
		t.Errorf("the session still works after logout: %d", w.Code)
	}

	// A password change ends every session of the user, this browser's
	// included, and gives this browser a new one.
	u := h.freshUser(directory.RoleContributor)
	here, elsewhere := h.session(u), h.session(u)
	w = sendCookie(h.srv, here, "POST", "/api/me/password", map[string]string{"current_password": "fresh passphrase", "new_password": "another passphrase"})
	if w.Code != 200 || sessionCookie(w) == nil {
		t.Fatalf("password change: %d %s", w.Code, w.Body)
	}
	for name, tok := range map[string]string{"this browser's old": here, "another browser's": elsewhere} {
		if w := sendCookie(h.srv, tok, "GET", "/api/me", nil); w.Code != 401 {
			t.Errorf("%s session still works after the password change: %d", name, w.Code)
		}
	}
	if w := sendCookie(h.srv, sessionCookie(w).Value, "GET", "/api/me", nil); w.Code != 200 {
		t.Errorf("the new session after the password change does not work: %d", w.Code)
	}

	// Tokens are stored hashed: neither the session token nor an API token
	// appears in the database.
	var tok struct{ Token struct{ Token string } }
	w = sendCookie(h.srv, h.session(u), "POST", "/api/tokens", map[string]string{"name": "script"})
	json.Unmarshal(w.Body.Bytes(), &tok)
	if tok.Token.Token == "" {
		t.Fatalf("token creation: %s", w.Body)
	}
	for name, secret := range map[string]string{"session": first, "API token": tok.Token.Token} {
		var n int
		err := h.raw.QueryRow(`SELECT (SELECT COUNT(*) FROM sessions WHERE token_hash = ?1 OR token_hash LIKE '%' || ?1 || '%')
			+ (SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?1 OR name = ?1 OR prefix = ?1)`, secret).Scan(&n)
		if err != nil || n != 0 {
			t.Errorf("the %s is stored in clear (%d rows, %v)", name, n, err)
		}
	}
}

// rawRequest sends a request from a given client address.
func rawRequest(srv http.Handler, remote, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	return w
}

func retryAfter(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", w.Code, w.Body)
	}
	if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want a number of seconds", w.Header().Get("Retry-After"))
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Run("PerAccountLockout", func(t *testing.T) {
		h := newHarness(t, web.Config{})
		bad := map[string]string{"email": "contributor@harness.test", "password": "wrong passphrase"}
		for i := 0; i < directory.DefaultLoginPolicy.MaxFailures; i++ {
			if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", bad); w.Code != 401 {
				t.Fatalf("failure %d: %d", i+1, w.Code)
			}
		}
		// Locked: even the right password is refused, from any address.
		good := map[string]string{"email": "contributor@harness.test", "password": h.passwords[contributor]}
		retryAfter(t, rawRequest(h.srv, "198.51.100.7:1000", "POST", "/api/login", good))
	})
	t.Run("PerAddressLimit", func(t *testing.T) {
		h := newHarness(t, web.Config{RateLimits: web.RateLimits{Login: web.Limit{Every: time.Hour, Burst: 3},
			Write: generousLimits.Write, Register: generousLimits.Register, Report: generousLimits.Report}})
		good := map[string]string{"email": "moderator@harness.test", "password": h.passwords[moderator]}
		for i := 0; i < 3; i++ {
			// A forged X-Forwarded-For does not make a new client: no proxy is trusted by default.
			if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good, "X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i)); w.Code != 200 {
				t.Fatalf("login %d: %d", i+1, w.Code)
			}
		}
		retryAfter(t, rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good, "X-Forwarded-For", "10.0.0.99", "X-Real-Ip", "10.0.0.98"))
		// Another address is not affected.
		if w := rawRequest(h.srv, "192.0.2.2:1000", "POST", "/api/login", good); w.Code != 200 {
			t.Fatalf("another address: %d", w.Code)
		}
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		h := newHarness(t, web.Config{TrustedProxies: []string{"192.0.2.1"}, RateLimits: web.RateLimits{Login: web.Limit{Every: time.Hour, Burst: 1},
			Write: generousLimits.Write, Register: generousLimits.Register, Report: generousLimits.Report}})
		good := map[string]string{"email": "moderator@harness.test", "password": h.passwords[moderator]}
		for i := 0; i < 3; i++ {
			// Behind a trusted proxy, each client has its own limit.
			if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)); w.Code != 200 {
				t.Fatalf("client %d behind the proxy: %d", i, w.Code)
			}
		}
		retryAfter(t, rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good, "X-Forwarded-For", "203.0.113.0"))
	})
	t.Run("PerAddressDelays", func(t *testing.T) {
		// Guessing a few passwords of many accounts locks no account, but
		// makes the address wait, longer at each failure.
		now := time.Now()
		h := newHarness(t, web.Config{Now: func() time.Time { return now },
			LoginGuard: web.LoginGuard{FreeFailures: 8, BaseDelay: time.Minute, MaxDelay: time.Hour, Window: 2 * time.Hour}})
		var victims []*directory.User
		for range 4 {
			victims = append(victims, h.freshUser(directory.RoleContributor))
		}
		for i := 0; i < 8; i++ {
			v := victims[i%len(victims)]
			if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", map[string]string{"email": v.Email, "password": fmt.Sprintf("guess %d xxxx", i)}); w.Code != 401 {
				t.Fatalf("guess %d: %d", i+1, w.Code)
			}
		}
		good := map[string]string{"email": victims[0].Email, "password": "fresh passphrase"}
		w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good)
		retryAfter(t, w)
		if !strings.Contains(w.Body.String(), "your address") || w.Header().Get("Retry-After") != "60" {
			t.Fatalf("first delay: Retry-After %s, %s", w.Header().Get("Retry-After"), w.Body)
		}
		// The accounts are not locked: their owners log in from elsewhere.
		if w := rawRequest(h.srv, "198.51.100.7:1000", "POST", "/api/login", good); w.Code != 200 {
			t.Fatalf("the account owner from another address: %d %s", w.Code, w.Body)
		}
		// The login form makes that address wait too.
		for _, ri := range h.srv.Routes() {
			if ri.Method == "POST" && ri.Path == "/connexion" {
				req := httptest.NewRequest("POST", "/connexion", strings.NewReader(url.Values{"email": {victims[0].Email}, "password": {"fresh passphrase"}}.Encode()))
				req.RemoteAddr = "192.0.2.1:1000"
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				h.srv.ServeHTTP(w, req)
				retryAfter(t, w)
			}
		}
		// The delays run on the server's clock (moved here), or, with
		// PostgreSQL, where the servers share them, on the database's: there
		// the address's record is moved back in time instead.
		advance := func(d time.Duration) {
			now = now.Add(d)
			if h.d.DB().Dialect() != directory.DialectPostgres {
				return
			}
			db, err := directory.OpenSQL(h.d.DB().Path(), false)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`UPDATE ip_failures SET window_start = window_start - ?, locked_until = locked_until - ?`,
				d.Seconds(), d.Seconds()); err != nil {
				t.Fatal(err)
			}
		}
		// After the delay, one more attempt; failing, it doubles the delay.
		advance(time.Minute)
		if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", map[string]string{"email": victims[1].Email, "password": "guess 9 xxxx"}); w.Code != 401 {
			t.Fatalf("attempt after the delay: %d %s", w.Code, w.Body)
		}
		w = rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good)
		retryAfter(t, w)
		if w.Header().Get("Retry-After") != "120" {
			t.Fatalf("second delay: Retry-After %s, want 120", w.Header().Get("Retry-After"))
		}
		// A success gives its attempt back, so an office whose agents
		// mistype is not slowed by the ones who log in.
		advance(2 * time.Minute)
		if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good); w.Code != 200 {
			t.Fatalf("after the second delay: %d %s", w.Code, w.Body)
		}
		if w := rawRequest(h.srv, "192.0.2.1:1000", "POST", "/api/login", good); w.Code == 200 {
			t.Fatal("a success cleared the failures of the address")
		}
	})
}

func TestRateLimits(t *testing.T) {
	t.Run("PerAddress", func(t *testing.T) {
		h := newHarness(t, web.Config{RateLimits: web.RateLimits{Write: web.Limit{Every: time.Hour, Burst: 3},
			Login: generousLimits.Login, Register: generousLimits.Register, Report: generousLimits.Report}})
		for i := 0; i < 3; i++ {
			if w := h.send(h.users[moderator], "POST", "/api/tokens", map[string]string{"name": "t"}); w.Code != 201 {
				t.Fatalf("write %d: %d", i+1, w.Code)
			}
		}
		w := h.send(h.users[moderator], "POST", "/api/tokens", map[string]string{"name": "t"}, "X-Forwarded-For", "10.9.9.9")
		retryAfter(t, w)
		var e apiError
		json.Unmarshal(w.Body.Bytes(), &e)
		if e.Code != "too_many" || e.Description == "" {
			t.Fatalf("429 body: %s", w.Body)
		}
	})
	t.Run("PerAccount", func(t *testing.T) {
		h := newHarness(t, web.Config{})
		h.d.Policy.RatePerHour = 2
		u := h.freshUser(directory.RoleContributor)
		for i := 0; i < 2; i++ {
			if w := h.send(u, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": h.commune(),
				"action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}); w.Code != 201 {
				t.Fatalf("proposal %d: %d %s", i+1, w.Code, w.Body)
			}
		}
		h.live(u)
		before := h.digest()
		retryAfter(t, h.send(u, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": h.commune(),
			"action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}))
		if h.digest() != before {
			t.Fatal("a rate-limited proposal was stored")
		}
		// Another account is not limited by this one's work.
		if w := h.send(h.freshUser(directory.RoleContributor), "POST", "/api/proposals", map[string]any{"target_type": "actor",
			"target_id": h.commune(), "action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}); w.Code != 201 {
			t.Fatalf("another account: %d", w.Code)
		}
	})
}

// logSink collects a server's logs.
type logSink struct{ bytes.Buffer }

func TestRequestLogs(t *testing.T) {
	var logs logSink
	h := newHarness(t, web.Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	tok, err := h.d.CreateAPIToken(context.Background(), h.users[moderator], "feed reader")
	if err != nil {
		t.Fatal(err)
	}
	session := h.session(h.users[contributor])
	for _, req := range []struct {
		method, path string
		body         any
		headers      []string
	}{
		{"GET", "/api/me", nil, []string{"Authorization", "Bearer " + tok.Token}},
		{"GET", "/feeds/queue.atom?token=" + url.QueryEscape(tok.Token), nil, nil},
		{"GET", "/feeds/queue.atom?Token=" + url.QueryEscape(tok.Token) + "&region=44", nil, nil},
		{"GET", "/api/me", nil, []string{"Cookie", "voisinage_session=" + session}},
		{"POST", "/api/login", map[string]string{"email": "admin@harness.test", "password": h.passwords[admin]}, nil},
		{"POST", "/api/login", map[string]string{"email": "admin@harness.test", "password": "wrong but secret"}, nil},
		{"GET", "/api/search?q=epinal", nil, []string{"X-Request-Id", "proxy-id-42"}},
		{"GET", "/no/such/page", nil, nil},
	} {
		h.send(nil, req.method, req.path, req.body, req.headers...)
	}
	out := logs.String()
	for name, secret := range map[string]string{"API token": tok.Token, "session token": session,
		"password": h.passwords[admin], "wrong password": "wrong but secret"} {
		if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) {
			t.Errorf("the %s is in the logs", name)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 8 {
		t.Fatalf("%d request log lines, want 8:\n%s", len(lines), out)
	}
	for _, m := range lines {
		for _, k := range []string{"request_id", "method", "route", "path", "status", "duration_ms", "bytes", "ip"} {
			if _, ok := m[k]; !ok {
				t.Errorf("request log line lacks %s: %v", k, m)
			}
		}
	}
	if lines[1]["query"] != "token=REDACTED" || lines[1]["route"] != "/feeds/queue.atom" || lines[1]["status"] != float64(200) {
		t.Errorf("queue feed line: %v", lines[1])
	}
	if q, _ := lines[2]["query"].(string); !strings.Contains(q, "REDACTED") || !strings.Contains(q, "region=44") {
		t.Errorf("queue feed line with Token=: %v", lines[2])
	}
	if lines[6]["request_id"] != "proxy-id-42" || lines[7]["route"] != "unmatched" || lines[3]["user_id"] == nil {
		t.Errorf("request ids and routes: %v / %v / %v", lines[6], lines[7], lines[3])
	}
}

// TestSecurityHeaders sends every GET route (and an unknown path) a request
// and checks the headers every answer must carry, errors included: no MIME
// sniffing, a referrer policy, a CSP (the pages' own, or one that runs
// nothing and forbids framing on the API), and a request id.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, web.Config{})
	samples := map[string]string{":id": "commune-88160", ":slug": "flickr", ":collection": "actors", ":hash": "x", "*name": "app.js",
		":actor": "commune-88160", ":z": "5", ":x": "16", ":y": "11", ":y.mvt": "11.mvt"}
	paths := []string{"/no/such/page", "/api/no/such"}
	for _, ri := range h.srv.Routes() {
		if ri.Method != http.MethodGet {
			continue
		}
		p := ri.Path
		for k, v := range samples {
			p = strings.ReplaceAll(p, k, v)
		}
		paths = append(paths, p)
	}
	for _, p := range paths {
		for _, u := range []*directory.User{nil, h.users[moderator]} {
			w := h.send(u, "GET", p, nil)
			hd := w.Header()
			csp := hd.Get("Content-Security-Policy")
			switch {
			case hd.Get("X-Content-Type-Options") != "nosniff":
				t.Errorf("GET %s (%d): X-Content-Type-Options %q", p, w.Code, hd.Get("X-Content-Type-Options"))
			case hd.Get("Referrer-Policy") == "":
				t.Errorf("GET %s (%d): no Referrer-Policy", p, w.Code)
			case csp == "" || !strings.Contains(csp, "frame-ancestors"):
				t.Errorf("GET %s (%d): CSP %q", p, w.Code, csp)
			case hd.Get("X-Request-Id") == "":
				t.Errorf("GET %s (%d): no X-Request-Id", p, w.Code)
			case strings.HasPrefix(hd.Get("Content-Type"), "text/html") && !strings.Contains(csp, "script-src 'self'") && !strings.Contains(csp, "default-src 'none'"):
				t.Errorf("GET %s: an HTML page whose CSP allows foreign scripts: %q", p, csp)
			case !strings.HasPrefix(hd.Get("Content-Type"), "text/html") && hd.Get("Content-Type") != "" &&
				!strings.HasPrefix(p, "/static/") && !strings.Contains(csp, "default-src 'none'"):
				t.Errorf("GET %s (%s): CSP %q, want default-src 'none'", p, hd.Get("Content-Type"), csp)
			}
		}
	}
	// A request id sent by a proxy is kept; a hostile one is replaced.
	if id := h.send(nil, "GET", "/healthz", nil, "X-Request-Id", "abc-123").Header().Get("X-Request-Id"); id != "abc-123" {
		t.Errorf("request id %q, want the proxy's", id)
	}
	if id := h.send(nil, "GET", "/healthz", nil, "X-Request-Id", "bad id\"\n{").Header().Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \"\n{") {
		t.Errorf("hostile request id kept: %q", id)
	}
}

// xssPayloads are stored in every user-editable field.
var xssPayloads = []string{
	`<script>alert("xss-1")</script>`,
	`"><img src=x onerror=alert("xss-2")>`,
	`' onmouseover='alert("xss-3")' x='`,
	`javascript:alert("xss-4")`,
	`</textarea><svg onload=alert("xss-5")>`,
}

// formulaPayloads would run in a spreadsheet opened from the CSV export.
var formulaPayloads = []string{`=HYPERLINK("http://evil.example","x")`, `+SUM(1;1)`, `-2+3`, `@SUM(A1)`}

func TestStoredXSS(t *testing.T) {
	h := newHarness(t, web.Config{BaseURL: "http://voisinage.test"})
	ctx := context.Background()
	mod := h.users[moderator]
	payload := strings.Join(xssPayloads, " ")
	propose := func(u *directory.User, body map[string]any) (int, []byte) {
		w := h.send(u, "POST", "/api/proposals", body)
		return w.Code, w.Body.Bytes()
	}

	// URL fields refuse javascript: and other schemes, naming the field.
	for _, field := range []string{"website"} {
		for _, bad := range []string{`javascript:alert(1)`, ` javascript:alert(1)`, `JaVaScRiPt:alert(1)`, `data:text/html,<script>alert(1)</script>`, `vbscript:x`} {
			code, body := propose(mod, map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
				"base_version": 1, "changes": map[string]any{field: bad}})
			var e apiError
			json.Unmarshal(body, &e)
			if code != 400 || e.Fields["changes."+field] == "" {
				t.Errorf("%s %q: %d %s, want 400 naming changes.%s", field, bad, code, body, field)
			}
		}
	}
	for _, tc := range []struct{ typ, id, field string }{{"tool", "flickr", "url"}, {"tool", "flickr", "tutorial_url"}, {"adoption", h.adoptions[0], "url"}} {
		code, body := propose(mod, map[string]any{"target_type": tc.typ, "target_id": tc.id, "action": "update",
			"base_version": h.version(tc.typ, tc.id), "changes": map[string]any{tc.field: "javascript:alert(1)"}})
		if code != 400 || !strings.Contains(string(body), "changes."+tc.field) {
			t.Errorf("%s.%s javascript: URL: %d %s", tc.typ, tc.field, code, body)
		}
	}

	// Text fields keep the payload as text: an actor, its tool adoption, a
	// proposal with comment and source, a comment, a report, a display name.
	code, body := propose(mod, map[string]any{"target_type": "actor", "action": "create", "changes": map[string]any{
		"kind": "association", "name": "Asso " + xssPayloads[0] + xssPayloads[1], "lon": 6.45, "lat": 48.17,
		"description": payload, "address": xssPayloads[2], "labels": []string{xssPayloads[0], formulaPayloads[0]},
		"website": "https://asso.example/?q=%22%3E%3Cscript%3E"}, "comment": payload, "source": "https://source.example/" + xssPayloads[1]})
	if code != 201 {
		t.Fatalf("create the payload actor: %d %s", code, body)
	}
	var created struct {
		ID       int64  `json:"id"`
		TargetID string `json:"target_id"`
	}
	json.Unmarshal(body, &created)
	actorID := created.TargetID
	code, body = propose(mod, map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update", "base_version": 1,
		"changes": map[string]any{"address": formulaPayloads[0], "description": payload, "phone": "+33 3 29 68 50 00",
			"labels": []string{formulaPayloads[1], formulaPayloads[2], formulaPayloads[3]}}, "comment": payload})
	if code != 201 {
		t.Fatalf("update with payloads: %d %s", code, body)
	}
	code, body = propose(mod, map[string]any{"target_type": "adoption", "action": "create", "changes": map[string]any{
		"actor": "commune-88160", "tool": "flickr", "usage": payload, "contact": xssPayloads[1] + " " + formulaPayloads[0], "status": "in_use"}})
	if code != 201 {
		t.Fatalf("adoption with payloads: %d %s", code, body)
	}
	code, body = propose(mod, map[string]any{"target_type": "tool", "target_id": "flickr", "action": "update",
		"base_version": h.version("tool", "flickr"), "changes": map[string]any{"description": payload, "licence": xssPayloads[2]}})
	if code != 201 {
		t.Fatalf("tool with payloads: %d %s", code, body)
	}
	evil := h.freshUser(directory.RoleContributor)
	evilName, err := h.d.Register(ctx, directory.Registration{Email: "evil@xss.test", DisplayName: `<img src=x onerror=alert(9)>`, Password: "evil passphrase"})
	if err != nil {
		t.Fatalf("register a payload display name: %v", err)
	}
	pending := h.propose(evilName, "actor", "commune-54395", "description", payload)
	if w := h.send(evilName, "POST", fmt.Sprintf("/api/proposals/%d/comments", pending.ID), map[string]string{"body": payload}); w.Code != 201 {
		t.Fatalf("comment: %d %s", w.Code, w.Body)
	}
	if w := h.send(nil, "POST", "/api/reports", map[string]string{"target_type": "actor", "target_id": actorID, "reason": "abusive", "comment": payload}); w.Code != 201 {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	if w := h.send(evil, "POST", "/api/tokens", map[string]string{"name": xssPayloads[0]}); w.Code != 201 {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}

	// JSON: the text comes back exactly, and no markup is ever raw in the body.
	jsonPaths := []string{"/api/collections/actors/items/" + actorID, "/api/collections/actors/items/commune-88160",
		"/api/collections/actors/items?kind=association&limit=1000", "/api/search?q=asso+script", "/api/nearby?lon=6.45&lat=48.17&limit=5",
		"/api/tools/flickr", "/api/tools", "/api/collections/adoptions/items?limit=1000", "/api/actors/" + actorID + "/history",
		"/api/actors/commune-88160/history", "/api/proposals?status=pending", fmt.Sprintf("/api/proposals/%d", pending.ID),
		"/api/reports?status=open", "/api/tokens", "/api/export/actors.geojson"}
	for _, p := range jsonPaths {
		w := h.send(mod, "GET", p, nil)
		if w.Code != 200 {
			t.Errorf("GET %s: %d", p, w.Code)
			continue
		}
		if bytes.Contains(w.Body.Bytes(), []byte("<script")) || bytes.Contains(w.Body.Bytes(), []byte("<img")) || bytes.Contains(w.Body.Bytes(), []byte("<svg")) {
			t.Errorf("GET %s: markup raw in JSON", p)
		}
		if !strings.Contains(w.Header().Get("Content-Type"), "json") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: served as %q without nosniff", p, w.Header().Get("Content-Type"))
		}
	}
	var item struct {
		Properties struct {
			Name, Description string
		}
	}
	json.Unmarshal(h.send(nil, "GET", "/api/collections/actors/items/"+actorID, nil).Body.Bytes(), &item)
	if item.Properties.Description != payload || !strings.Contains(item.Properties.Name, xssPayloads[0]) {
		t.Errorf("payload not kept as text: %+v", item.Properties)
	}

	// Pages and embeds: no element, attribute, handler or javascript: URL
	// comes from the payloads.
	pagePaths := []string{"/acteurs/" + actorID, "/acteurs/commune-88160", "/outils/flickr", "/outils", "/recherche?q=asso",
		"/recherche?q=" + url.QueryEscape(xssPayloads[1]), "/voisins?lon=6.45&lat=48.17", "/?q=" + url.QueryEscape(xssPayloads[0]),
		"/embed?kind=association&mode=list", "/embed?tool=flickr&mode=both", "/integrer?kind=association"}
	for _, p := range pagePaths {
		for _, lang := range []string{"", "&lang=en"} {
			path := p
			if lang != "" {
				if strings.Contains(path, "?") {
					path += lang
				} else {
					path += "?" + lang[1:]
				}
			}
			w := h.send(nil, "GET", path, nil)
			if w.Code != 200 {
				t.Errorf("GET %s: %d", path, w.Code)
				continue
			}
			if problem := activeContent(w.Body.String()); problem != "" {
				t.Errorf("GET %s: %s", path, problem)
			}
		}
	}
	var oe struct{ HTML, Title string }
	w := h.send(nil, "GET", "/oembed?url="+url.QueryEscape("http://voisinage.test/acteurs/"+actorID), nil)
	json.Unmarshal(w.Body.Bytes(), &oe)
	if w.Code != 200 || oe.HTML == "" {
		t.Errorf("oembed: %d %s", w.Code, w.Body)
	} else if problem := activeContent(oe.HTML); problem != "" {
		t.Errorf("oembed html: %s: %s", problem, oe.HTML)
	}

	// Feeds: the payloads are XML-escaped text in text summaries.
	for _, p := range []string{"/feeds/changes.atom", "/feeds/changes.atom?department=88", "/feeds/queue.atom"} {
		w := h.send(mod, "GET", p, nil)
		if w.Code != 200 {
			t.Errorf("GET %s: %d", p, w.Code)
			continue
		}
		if bytes.Contains(w.Body.Bytes(), []byte("<script")) || bytes.Contains(w.Body.Bytes(), []byte("<img")) {
			t.Errorf("GET %s: markup raw in the feed", p)
		}
		var feed struct {
			Entries []struct {
				Title   string `xml:"title"`
				Summary struct {
					Type string `xml:"type,attr"`
					Body string `xml:",chardata"`
				} `xml:"summary"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &feed); err != nil {
			t.Errorf("GET %s: %v", p, err)
			continue
		}
		found := false
		for _, e := range feed.Entries {
			if e.Summary.Type != "text" {
				t.Errorf("GET %s: summary of type %q; text summaries are never rendered as HTML", p, e.Summary.Type)
			}
			found = found || strings.Contains(e.Summary.Body, xssPayloads[0]) || strings.Contains(e.Title, xssPayloads[0])
		}
		if !found {
			t.Errorf("GET %s: the payload is not in the feed as text", p)
		}
	}

	// CSV: every text cell that a spreadsheet would run is neutralised.
	for _, p := range []string{"/api/export/actors.csv", "/api/collections/actors/items?f=csv&department=88&limit=10000", "/api/collections/adoptions/items?f=csv&limit=1000"} {
		w := h.send(nil, "GET", p, nil)
		rows, err := csv.NewReader(w.Body).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("GET %s: %v", p, err)
			continue
		}
		header := rows[0]
		seen := 0
		for _, row := range rows[1:] {
			for i, cell := range row {
				if header[i] == "lon" || header[i] == "lat" || cell == "" {
					continue
				}
				if strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("GET %s: column %s cell %q would run as a formula", p, header[i], cell)
				}
				for _, f := range formulaPayloads {
					if strings.Contains(cell, f) {
						seen++
					}
				}
			}
		}
		if seen == 0 {
			t.Errorf("GET %s: no formula payload in the export: the check proved nothing", p)
		}
	}
}

var jsURL = regexp.MustCompile(`(?i)^\s*(javascript:|vbscript:|data:text/html)`)

// activeContent returns what in an HTML document could run a payload: an
// inline script mentioning one, an event-handler attribute, a javascript:
// URL, or an element the payloads inject (img src=x). "" if none.
func activeContent(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	inScript := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.TextToken:
			if inScript && strings.Contains(string(z.Text()), "xss-") {
				return "a payload inside a script element"
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tn, hasAttr := z.TagName()
			tag := string(tn)
			inScript = tag == "script"
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key, val := string(k), string(v)
				switch {
				case strings.HasPrefix(key, "on"):
					return fmt.Sprintf("<%s %s=%q>: an event-handler attribute", tag, key, val)
				case (key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href") && jsURL.MatchString(val):
					return fmt.Sprintf("<%s %s=%q>: a script URL", tag, key, val)
				case tag == "img" && key == "src" && val == "x":
					return "an injected img element"
				}
			}
		}
	}
}
