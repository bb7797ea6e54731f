package web_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// The harness gives the security tests and the fuzzers a real router over
// a copy of the small real dataset (directorytest.SmallDataset), one user per role with a fresh session for
// each request, fixtures (pending proposals, edited records, reports,
// users) made directly through the directory, and a digest of everything
// stored to prove that a refused request changed nothing.

type role string

const (
	anonymous   role = "anonymous"
	contributor role = "contributor"
	blockedUser role = "blocked"
	moderator   role = "moderator"
	admin       role = "admin"
)

var roles = []role{anonymous, contributor, blockedUser, moderator, admin}

// generousLimits keep the per-IP limits out of the way of tests that send
// many requests from one address (the limits have tests of their own).
var generousLimits = web.RateLimits{
	Login:    web.Limit{Every: time.Millisecond, Burst: 100000},
	Register: web.Limit{Every: time.Millisecond, Burst: 100000},
	Report:   web.Limit{Every: time.Millisecond, Burst: 100000},
	Write:    web.Limit{Every: time.Millisecond, Burst: 100000},
}

type harness struct {
	tb        testing.TB
	srv       *web.Server
	d         *directory.Directory
	raw       *sql.DB // a reader of its own on the database file
	users     map[role]*directory.User
	passwords map[role]string
	author    *directory.User // writes the fixture proposals
	mod       *directory.User // makes the fixture edits
	communes  []string        // actors for fixtures, used once each
	next      int
	tools     []string
	adoptions []string
	sessions  map[int64]string // a live session per user, reused
}

// newHarness opens the router with cfg (its rate limits generous unless set,
// logs discarded unless a logger is given) over the small dataset, and
// makes the users.
func newHarness(tb testing.TB, cfg web.Config) *harness {
	tb.Helper()
	return newHarnessOn(tb, cfg, MustOpenSmallServerDir)
}

// newSeededHarness is newHarness over the whole bundled dataset, for the
// integration tests that need its real actors and counts.
func newSeededHarness(tb testing.TB, cfg web.Config) *harness {
	tb.Helper()
	return newHarnessOn(tb, cfg, MustOpenServerDir)
}

func newHarnessOn(tb testing.TB, cfg web.Config, open func(testing.TB, web.Config) (*web.Server, *directory.Directory)) *harness {
	tb.Helper()
	if cfg.RateLimits == (web.RateLimits{}) {
		cfg.RateLimits = generousLimits
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, d := open(tb, cfg)
	// The per-account and server-wide limits have their own tests.
	d.Policy.RatePerHour, d.Policy.ReportsPerHour, d.Policy.AnonymousReportsPerHour, d.Policy.RegistrationsPerHour = 0, 0, 0, 0
	h := &harness{tb: tb, srv: srv, d: d, users: map[role]*directory.User{}, passwords: map[role]string{}, sessions: map[int64]string{}}
	raw, err := directory.OpenSQL(d.DB().Path(), true)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	h.raw = raw
	ctx := context.Background()
	for _, r := range []role{contributor, blockedUser, moderator, admin} {
		dbRole := string(r)
		if r == blockedUser {
			dbRole = directory.RoleContributor
		}
		h.passwords[r] = string(r) + " passphrase"
		u, err := d.CreateUser(ctx, directory.Registration{Email: string(r) + "@harness.test", DisplayName: "User " + string(r),
			Password: h.passwords[r]}, dbRole)
		if err != nil {
			tb.Fatal(err)
		}
		h.users[r] = u
	}
	if err := d.BlockUser(ctx, h.users[admin], h.users[blockedUser].ID, time.Now().Add(24*time.Hour), "harness"); err != nil {
		tb.Fatal(err)
	}
	h.users[blockedUser], _ = d.FindUserByID(ctx, h.users[blockedUser].ID)
	h.author = h.freshUser(directory.RoleContributor)
	h.mod = h.users[moderator]
	h.communes = h.column(`SELECT id FROM actors WHERE kind = 'commune' AND lon IS NOT NULL ORDER BY ref LIMIT 2000`)
	h.tools = h.column(`SELECT slug FROM tools WHERE deleted = 0 ORDER BY slug`)
	h.adoptions = h.column(`SELECT 'adoption-' || actor_id || '-' || tool_slug FROM adoptions WHERE deleted = 0 ORDER BY id`)
	return h
}

func (h *harness) column(query string) []string {
	h.tb.Helper()
	rows, err := h.raw.Query(query)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func (h *harness) unique() int { h.next++; return h.next }

// commune returns an actor no fixture has used yet: a located commune
// while there are some, then a new association the moderator creates.
func (h *harness) commune() string {
	h.tb.Helper()
	if len(h.communes) == 0 {
		n := h.unique()
		raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
		p, err := h.d.ProposeEdit(context.Background(), h.mod, directory.ProposalInput{TargetType: "actor", Action: "create",
			Changes: map[string]json.RawMessage{"kind": raw(directory.KindAssociation), "name": raw(fmt.Sprintf("Association témoin %d", n)),
				"lon": raw(6.4 + float64(n%100)/1000), "lat": raw(48.1)}})
		if err != nil {
			h.tb.Fatalf("fixture actor: %v", err)
		}
		return p.TargetID
	}
	id := h.communes[0]
	h.communes = h.communes[1:]
	return id
}

// freshUser creates a user with a role.
func (h *harness) freshUser(dbRole string) *directory.User {
	h.tb.Helper()
	n := h.unique()
	u, err := h.d.CreateUser(context.Background(), directory.Registration{Email: fmt.Sprintf("fresh%d@harness.test", n),
		DisplayName: fmt.Sprintf("Fresh %d", n), Password: "fresh passphrase"}, dbRole)
	if err != nil {
		h.tb.Fatal(err)
	}
	return u
}

// session starts a new session for u and returns its token.
func (h *harness) session(u *directory.User) string {
	h.tb.Helper()
	if u == nil {
		return ""
	}
	tok, _, err := h.d.CreateSession(context.Background(), u)
	if err != nil {
		h.tb.Fatal(err)
	}
	return tok
}

// live returns a live session of u, the same while it lasts (a logout or a
// password change ends it). Call it before taking a digest: starting a
// session is a write.
func (h *harness) live(u *directory.User) string {
	h.tb.Helper()
	if u == nil {
		return ""
	}
	if tok, ok := h.sessions[u.ID]; ok {
		if _, err := h.d.FindUserBySession(context.Background(), tok); err == nil {
			return tok
		}
	}
	tok := h.session(u)
	h.sessions[u.ID] = tok
	return tok
}

func (h *harness) version(typ, id string) int {
	h.tb.Helper()
	q := map[string]string{
		"actor":    `SELECT version FROM actors WHERE id = ?`,
		"tool":     `SELECT version FROM tools WHERE slug = ?`,
		"adoption": `SELECT version FROM adoptions WHERE 'adoption-' || actor_id || '-' || tool_slug = ?`,
	}[typ]
	var v int
	if err := h.raw.QueryRow(q, id).Scan(&v); err != nil {
		h.tb.Fatalf("version of %s %s: %v", typ, id, err)
	}
	return v
}

// propose has u propose a change and returns the proposal.
func (h *harness) propose(u *directory.User, typ, id, field string, value any) *directory.Proposal {
	h.tb.Helper()
	raw, _ := json.Marshal(value)
	p, err := h.d.ProposeEdit(context.Background(), u, directory.ProposalInput{TargetType: typ, TargetID: id, Action: "update",
		BaseVersion: h.version(typ, id), Changes: map[string]json.RawMessage{field: raw}, Comment: "fixture"})
	if err != nil {
		h.tb.Fatalf("fixture proposal on %s %s: %v", typ, id, err)
	}
	return p
}

// pending returns the id of a new pending proposal by the fixture author.
func (h *harness) pending() int64 {
	return h.propose(h.author, "actor", h.commune(), "phone", fmt.Sprintf("03 29 00 %02d %02d", h.unique()%100, h.unique()%100)).ID
}

// edited returns a record of typ that a moderator changed (version ≥ 2).
func (h *harness) edited(typ string) string {
	h.tb.Helper()
	n := h.unique()
	switch typ {
	case "tool":
		slug := h.tools[n%len(h.tools)]
		h.propose(h.mod, typ, slug, "description", fmt.Sprintf("Description %d", n))
		return slug
	case "adoption":
		id := h.adoptions[n%len(h.adoptions)]
		h.propose(h.mod, typ, id, "usage", fmt.Sprintf("Usage %d", n))
		return id
	}
	id := h.commune()
	h.propose(h.mod, "actor", id, "phone", fmt.Sprintf("03 83 00 %02d %02d", n/100%100, n%100))
	return id
}

// report returns the id of a new open report.
func (h *harness) report() int64 {
	h.tb.Helper()
	r, err := h.d.CreateReport(context.Background(), nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160",
		Reason: "outdated", Comment: "fixture"})
	if err != nil {
		h.tb.Fatal(err)
	}
	return r.ID
}

// webhook returns the id of a new webhook of the moderator, on every event.
// The moderator's oldest webhook makes way when they have the most an
// account may have (the matrix makes many).
func (h *harness) webhook() int64 {
	h.tb.Helper()
	ctx := context.Background()
	if list, err := h.d.FindWebhooks(ctx, h.users[moderator]); err == nil && len(list) >= directory.MaxWebhooksPerUser {
		if err := h.d.DeleteWebhook(ctx, h.users[moderator], list[0].ID); err != nil {
			h.tb.Fatal(err)
		}
	}
	w, err := h.d.CreateWebhook(context.Background(), h.users[moderator], directory.WebhookInput{URL: "https://93.184.216.34/hook"})
	if err != nil {
		h.tb.Fatal(err)
	}
	return w.ID
}

// delivery returns a new webhook of the moderator and the id of a delivery
// queued for it (a report made to trigger one).
func (h *harness) delivery() (int64, string) {
	h.tb.Helper()
	id := h.webhook()
	h.report()
	list, _, err := h.d.FindDeliveries(context.Background(), h.users[moderator], id, "", 1, 0)
	if err != nil || len(list) == 0 {
		h.tb.Fatalf("no delivery queued for webhook %d: %v", id, err)
	}
	return id, list[0].DeliveryID
}

// pendingConfirmation returns the id of a new confirmation waiting for a
// moderator (by a fresh contributor, on an adoption).
func (h *harness) pendingConfirmation() int64 {
	h.tb.Helper()
	c, err := h.d.ConfirmFact(context.Background(), h.freshUser(directory.RoleContributor), directory.ConfirmInput{
		TargetType: "adoption", TargetID: h.adoptions[h.unique()%len(h.adoptions)]})
	if err != nil || c.Status != "pending" {
		h.tb.Fatalf("fixture confirmation: %+v %v", c, err)
	}
	return c.ID
}

// pendingBatch returns the id of a new batch of adoptions waiting for
// review (by a fresh contributor).
func (h *harness) pendingBatch() int64 {
	h.tb.Helper()
	rep, err := h.d.ImportAdoptions(context.Background(), h.freshUser(directory.RoleContributor),
		strings.NewReader(fmt.Sprintf("actor;tool;usage\n%s;wiki;Wiki %d\n", h.commune(), h.unique())), directory.BatchOptions{FileName: "fixture.csv"})
	if err != nil || rep.RunID == 0 {
		h.tb.Fatalf("fixture batch: %+v %v", rep, err)
	}
	return rep.RunID
}

// token returns the id of a new API token of u.
func (h *harness) token(u *directory.User) int64 {
	h.tb.Helper()
	if u == nil {
		u = h.author
	}
	maker := u
	if u.Blocked(time.Now()) {
		// A blocked account cannot make tokens: its token is one it made
		// before it was blocked.
		ctx := context.Background()
		if err := h.d.BlockUser(ctx, h.users[admin], u.ID, time.Time{}, ""); err != nil {
			h.tb.Fatal(err)
		}
		maker, _ = h.d.FindUserByID(ctx, u.ID)
		defer func() {
			if err := h.d.BlockUser(ctx, h.users[admin], u.ID, u.BlockedUntil, "harness"); err != nil {
				h.tb.Fatal(err)
			}
		}()
	}
	t, err := h.d.CreateAPIToken(context.Background(), maker, fmt.Sprintf("fixture %d", h.unique()))
	if err != nil {
		h.tb.Fatal(err)
	}
	return t.ID
}

// send sends one request through the router with a session for u (nil:
// anonymous). A string or []byte body is sent as it is, url.Values as a
// form, anything else as JSON.
func (h *harness) send(u *directory.User, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	h.tb.Helper()
	var r io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = strings.NewReader(string(b))
	case url.Values:
		r = strings.NewReader(b.Encode())
		ctype = "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		r = strings.NewReader(string(j))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := h.live(u); tok != "" {
		req.AddCookie(&http.Cookie{Name: "voisinage_session", Value: tok})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.srv.ServeHTTP(w, req)
	return w
}

// digest hashes everything a request could change, to prove that a refused
// request changed nothing. Failed-login counters and token last-use times
// are left out: refused logins and token uses record them on purpose.
// Actors, tools and adoptions are summed (any change bumps a version and
// writes a versions row, which is hashed whole).
func (h *harness) digest() string {
	h.tb.Helper()
	sum := sha256.New()
	for _, q := range []string{
		`SELECT COUNT(*), SUM(version), MAX(updated_at), SUM(deleted) FROM actors`,
		`SELECT COUNT(*), SUM(version), MAX(updated_at), SUM(deleted) FROM tools`,
		`SELECT COUNT(*), SUM(version), MAX(updated_at), SUM(deleted) FROM adoptions`,
		`SELECT id, email, display_name, password_hash, role, blocked_until, blocked_reason, password_changed_at FROM users ORDER BY id`,
		`SELECT token_hash, user_id, expires_at FROM sessions ORDER BY token_hash`,
		`SELECT id, user_id, name, token_hash, revoked_at FROM api_tokens ORDER BY id`,
		`SELECT * FROM representatives ORDER BY user_id, actor_id`,
		`SELECT * FROM proposals ORDER BY id`,
		`SELECT * FROM votes ORDER BY proposal_id, user_id`,
		`SELECT * FROM proposal_comments ORDER BY id`,
		`SELECT record_type, record_id, version, seq, proposal_id FROM versions ORDER BY record_type, record_id, version`,
		`SELECT * FROM reports ORDER BY id`,
		`SELECT * FROM webhooks ORDER BY id`,
		`SELECT * FROM webhook_deliveries ORDER BY id`,
		`SELECT id, can_webhooks FROM users ORDER BY id`,
		`SELECT * FROM import_runs ORDER BY id`,
		`SELECT * FROM confirmations ORDER BY id`,
		`SELECT * FROM meta ORDER BY key`,
	} {
		rows, err := h.raw.Query(q)
		if err != nil {
			h.tb.Fatalf("digest %q: %v", q, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintln(sum, q)
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				h.tb.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(sum, "%v\x1f", v)
			}
			fmt.Fprintln(sum)
		}
		rows.Close()
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// apiError is the decoded shape of error answers.
type apiError struct {
	Code        string            `json:"code"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
}
