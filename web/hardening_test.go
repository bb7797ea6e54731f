package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// The limits of issue 11 under the attack that defeated them: bursts of
// simultaneous real HTTP requests, each from its own client address (a
// trusted proxy's X-Forwarded-For, as behind a reverse proxy), so that no
// per-address limit plays a part.

// attackServer is the real server on a loopback port behind which every
// request may claim its own client address.
type attackServer struct {
	t   *testing.T
	url string
	srv *web.Server
	d   *directory.Directory
	raw *sql.DB // the database's read pool (either store), for counting what was stored
}

// count runs a COUNT query on the database.
func (a *attackServer) count(query string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.raw.QueryRow(query, args...).Scan(&n); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func newAttackServer(t *testing.T, cfg web.Config) *attackServer {
	t.Helper()
	cfg.TrustedProxies = []string{"127.0.0.1"}
	if cfg.RateLimits == (web.RateLimits{}) {
		cfg.RateLimits = generousLimits
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, d := MustOpenServerDir(t, cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &attackServer{t: t, url: ts.URL, srv: srv, d: d, raw: d.DB().Reader()}
}

// call sends one request from client address ip with an optional session
// (or device) cookie header; it returns the status, body and response.
func (a *attackServer) call(ip, method, path string, body any, cookies ...*http.Cookie) (int, string, *http.Response) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.url+path, r)
	if err != nil {
		a.t.Error(err)
		return 0, "", nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Error(err)
		return 0, "", nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

// burst runs n requests at once (released together) and returns their statuses.
func burst(n int, fn func(i int) int) []int {
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func count(statuses []int) map[int]int {
	m := map[int]int{}
	for _, s := range statuses {
		m[s]++
	}
	return m
}

func clientIP(i int) string { return fmt.Sprintf("10.%d.%d.%d", 1+i/65536, (i/256)%256, i%256) }

// userCookie starts a session for u directly and returns its cookie.
func userCookie(t *testing.T, d *directory.Directory, u *directory.User) *http.Cookie {
	t.Helper()
	tok, _, err := d.CreateSession(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "voisinage_session", Value: tok}
}

func mustUser(t *testing.T, d *directory.Directory, email, name, role string) *directory.User {
	t.Helper()
	u, err := d.CreateUser(context.Background(), directory.Registration{Email: email, DisplayName: name, Password: "a long passphrase"}, role)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLoginBurst: 60 wrong passwords and the right one, at once, from 61
// addresses: at most MaxFailures passwords are evaluated, every other
// attempt is refused before, and the account is then locked for clients
// it has not seen.
func TestLoginBurst(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	mustUser(t, a.d, "target@burst.test", "Target", directory.RoleModerator)
	before := directory.PasswordEvaluations()
	st := burst(61, func(i int) int {
		pw := fmt.Sprintf("guess number %d", i)
		if i == 30 {
			pw = "a long passphrase"
		}
		s, _, _ := a.call(clientIP(i), "POST", "/api/login", map[string]string{"email": "target@burst.test", "password": pw})
		return s
	})
	c := count(st)
	max := directory.DefaultLoginPolicy.MaxFailures
	if c[401]+c[200] > max || c[429] < 61-max || c[401]+c[200]+c[429] != 61 {
		t.Fatalf("61 simultaneous attempts: %v; want at most %d evaluated (401 or 200), the rest 429", c, max)
	}
	if n := directory.PasswordEvaluations() - before; n > uint64(max) {
		t.Fatalf("%d password evaluations, want at most %d", n, max)
	}
}

// TestProposalBurst: a new account posts 50 proposals at once from 50
// addresses; its limit is 10 an hour: 10 are stored.
func TestProposalBurst(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	u := mustUser(t, a.d, "new@burst.test", "Nouvelle", directory.RoleContributor)
	cookie := userCookie(t, a.d, u)
	var fc struct {
		Features []struct {
			ID         string
			Properties struct{ Version int }
		}
	}
	_, body, _ := a.call("10.0.0.1", "GET", "/api/collections/actors/items?kind=commune&limit=50", nil)
	json.Unmarshal([]byte(body), &fc)
	if len(fc.Features) != 50 {
		t.Fatalf("%d communes", len(fc.Features))
	}
	st := burst(50, func(i int) int {
		f := fc.Features[i]
		s, _, _ := a.call(clientIP(i), "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": f.ID,
			"action": "update", "base_version": f.Properties.Version, "changes": map[string]string{"website": fmt.Sprintf("https://mairie%d.example.fr", i)}}, cookie)
		return s
	})
	c := count(st)
	limit := directory.DefaultPolicy.RatePerHour
	stored := a.count(`SELECT COUNT(*) FROM proposals WHERE author_id = ?`, u.ID)
	if c[201] != limit || c[429] != 50-limit || stored != limit {
		t.Fatalf("50 simultaneous proposals: %v, %d stored; want %d accepted, the rest 429", c, stored, limit)
	}
}

// TestReportBurst: an account's reports and anonymous reports, each a
// burst from many addresses, stop at their limits.
func TestReportBurst(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	a.d.Policy.ReportsPerHour, a.d.Policy.AnonymousReportsPerHour = 20, 10
	u := mustUser(t, a.d, "reporter@burst.test", "Reporter", directory.RoleContributor)
	cookie := userCookie(t, a.d, u)
	report := map[string]string{"target_type": "actor", "target_id": "commune-88160", "reason": "wrong", "comment": "burst"}
	st := burst(40, func(i int) int {
		s, _, _ := a.call(clientIP(i), "POST", "/api/reports", report, cookie)
		return s
	})
	if c := count(st); c[201] != 20 || c[429] != 20 {
		t.Fatalf("40 simultaneous reports by one account: %v, want 20 accepted", c)
	}
	st = burst(30, func(i int) int {
		s, _, _ := a.call(clientIP(1000+i), "POST", "/api/reports", report)
		return s
	})
	if c := count(st); c[201] != 10 || c[429] != 20 {
		t.Fatalf("30 simultaneous anonymous reports: %v, want 10 accepted", c)
	}
	stored := a.count(`SELECT COUNT(*) FROM reports`)
	if stored != 30 {
		t.Fatalf("%d reports stored, want 30", stored)
	}
}

// TestRegistrationBurst: the server-wide limit on new accounts holds
// under a burst from many addresses, and of names that look alike
// registered at once only one is taken.
func TestRegistrationBurst(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	a.d.Policy.RegistrationsPerHour = 10
	users0 := a.count(`SELECT COUNT(*) FROM users`)
	st := burst(30, func(i int) int {
		s, _, _ := a.call(clientIP(i), "POST", "/api/register", map[string]string{"email": fmt.Sprintf("r%d@burst.test", i),
			"display_name": fmt.Sprintf("Agent %d", i+2), "password": "a long passphrase"})
		return s
	})
	users := a.count(`SELECT COUNT(*) FROM users`)
	if c := count(st); c[202] != 10 || c[429] != 20 || users-users0 != 10 {
		t.Fatalf("30 simultaneous registrations: %v, %d accounts made; want 10", c, users-users0)
	}

	// A normal burst the size of an outside test's (150 at once, from as
	// many addresses) is served: accounts made up to the limit, 429 after,
	// never 503. Its 150 password hashes (about 90 ms of a core each) used
	// to starve the transactions holding PostgreSQL's writer lock, whose
	// waiters then gave up after the lock timeout.
	a.d.Policy.RegistrationsPerHour = 130
	users0 = a.count(`SELECT COUNT(*) FROM users`)
	st = burst(150, func(i int) int {
		s, _, _ := a.call(clientIP(1000+i), "POST", "/api/register", map[string]string{"email": fmt.Sprintf("b%d@burst.test", i),
			"display_name": fmt.Sprintf("Agente %d", i+2), "password": "a long passphrase"})
		return s
	})
	users = a.count(`SELECT COUNT(*) FROM users`)
	if c := count(st); c[202]+c[429] != 150 || c[202] != users-users0 || c[202] != 120 {
		t.Fatalf("150 simultaneous registrations: %v, %d accounts made; want 120 made (202), 30 refused (429), never 503", c, users-users0)
	}

	a.d.Policy.RegistrationsPerHour = 0
	names := []string{"Zoé Martin", "ZOE MARTIN", "Zoe  Martin", "Ｚｏé Ｍａｒｔｉｎ", "Zoë Martín", "zoe martin", "Zoé-Martin", "Z0é Martin"}
	st = burst(len(names), func(i int) int {
		s, _, _ := a.call(clientIP(100+i), "POST", "/api/register", map[string]string{"email": fmt.Sprintf("zoe%d@burst.test", i),
			"display_name": names[i], "password": "a long passphrase"})
		return s
	})
	zoes := a.count(`SELECT COUNT(*) FROM users WHERE email LIKE 'zoe%@burst.test'`)
	if c := count(st); c[202] != 1 || c[409] != len(names)-1 || zoes != 1 {
		t.Fatalf("%d look-alike names at once: %v, %d accounts; want one", len(names), c, zoes)
	}
}

// TestVoteBurst: twenty members vote for a proposal while a moderator
// votes against it, all at once. A moderator's vote against stops the
// community from approving: either it was counted and the proposal is
// still pending, or the proposal had been approved before it came and the
// vote was refused (409). Never both accepted and overruled.
func TestVoteBurst(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	a.d.Policy.VoteMinAge = 0
	ctx := context.Background()
	author := mustUser(t, a.d, "author@burst.test", "Auteur", directory.RoleContributor)
	mod := mustUser(t, a.d, "mod@burst.test", "Modérateur", directory.RoleModerator)
	modCookie := userCookie(t, a.d, mod)
	var voters []*http.Cookie
	for i := range 20 {
		voters = append(voters, userCookie(t, a.d, mustUser(t, a.d, fmt.Sprintf("v%d@burst.test", i), fmt.Sprintf("Votant %d", i+2), directory.RoleContributor)))
	}
	for round := range 5 {
		id := fmt.Sprintf("commune-8816%d", round)
		p, err := a.d.ProposeEdit(ctx, author, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
			BaseVersion: currentVersion(t, a.d, "commune-88160"), Changes: map[string]json.RawMessage{"website": json.RawMessage(fmt.Sprintf(`"https://%s.example.fr"`, id))}})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/proposals/%d/vote", p.ID)
		st := burst(21, func(i int) int {
			if i == 20 {
				s, _, _ := a.call(clientIP(500+i), "POST", path, map[string]int{"value": -1}, modCookie)
				return s
			}
			s, _, _ := a.call(clientIP(i), "POST", path, map[string]int{"value": 1}, voters[i])
			return s
		})
		got, err := a.d.FindProposalByID(ctx, author, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		vetoed := st[20] == 200
		if vetoed && got.Status == directory.ProposalApproved {
			t.Fatalf("round %d: the moderator's vote against was accepted, and the proposal approved anyway", round)
		}
		if !vetoed && (st[20] != 409 || got.Status != directory.ProposalApproved) {
			t.Fatalf("round %d: moderator's vote %d, proposal %s", round, st[20], got.Status)
		}
		applied := a.count(`SELECT COUNT(*) FROM versions WHERE proposal_id = ?`, p.ID)
		if applied > 1 {
			t.Fatalf("round %d: the proposal was applied %d times", round, applied)
		}
		if got.Status == directory.ProposalPending {
			// Settle it, for the next round's base version.
			a.d.RejectEdit(ctx, mod, directory.Decision{ID: p.ID, Reason: "test"})
		}
	}
}

func currentVersion(t *testing.T, d *directory.Directory, id string) int {
	t.Helper()
	a, err := d.FindActorByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Version
}

// TestDeviceCookies: someone guesses an account's password from many
// addresses until it is locked for unknown clients; its owner, from the
// browser she logged in with before, still logs in.
func TestDeviceCookies(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	mustUser(t, a.d, "owner@burst.test", "Owner", directory.RoleModerator)
	jar, _ := cookiejar.New(nil)
	owner := &http.Client{Jar: jar}
	login := func(c *http.Client, ip, password string) (int, string) {
		b, _ := json.Marshal(map[string]string{"email": "owner@burst.test", "password": password})
		req, _ := http.NewRequest("POST", a.url+"/api/login", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if s, b := login(owner, "192.0.2.10", "a long passphrase"); s != 200 {
		t.Fatalf("owner's first login: %d %s", s, b)
	}
	u, _ := url.Parse(a.url)
	var device *http.Cookie
	for _, c := range jar.Cookies(u) {
		if c.Name == "voisinage_device" {
			device = c
		}
	}
	if device == nil {
		t.Fatal("no device cookie after a login")
	}
	st := burst(20, func(i int) int {
		s, _ := login(http.DefaultClient, clientIP(i), fmt.Sprintf("guess %d xxxxxxx", i))
		return s
	})
	if c := count(st); c[429] < 15 {
		t.Fatalf("the guesses: %v, want the account locked for them", c)
	}
	s, b := login(http.DefaultClient, "192.0.2.11", "a long passphrase")
	if s != 429 || !strings.Contains(b, "browser you have used before") {
		t.Fatalf("a new browser with the right password: %d %s, want 429 saying what to do", s, b)
	}
	if s, b := login(owner, "192.0.2.10", "a long passphrase"); s != 200 {
		t.Fatalf("the owner's browser while the account is under attack: %d %s", s, b)
	}
}

// TestSameAnswers: login and registration answer the same for an e-mail
// that has an account and one that has not, at the same cost (one
// argon2id evaluation), and registration logs nobody in.
func TestSameAnswers(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	mustUser(t, a.d, "known@same.test", "Known", directory.RoleContributor)
	answer := func(ip, path string, body map[string]string) string {
		before := directory.PasswordEvaluations()
		s, b, resp := a.call(ip, "POST", path, body)
		if n := directory.PasswordEvaluations() - before; n != 1 {
			t.Errorf("%s %v: %d password evaluations, want 1", path, body, n)
		}
		for _, c := range resp.Cookies() {
			if c.Name == "voisinage_session" {
				t.Errorf("%s %v logged in", path, body)
			}
		}
		return fmt.Sprintf("%d %s retry=%s", s, b, resp.Header.Get("Retry-After"))
	}
	known := answer("192.0.2.1", "/api/login", map[string]string{"email": "known@same.test", "password": "wrong password"})
	unknown := answer("192.0.2.2", "/api/login", map[string]string{"email": "unknown@same.test", "password": "wrong password"})
	if known != unknown || !strings.HasPrefix(known, "401") {
		t.Errorf("login:\nknown   %s\nunknown %s", known, unknown)
	}
	known = answer("192.0.2.3", "/api/register", map[string]string{"email": "known@same.test", "display_name": "Someone", "password": "a long passphrase"})
	unknown = answer("192.0.2.4", "/api/register", map[string]string{"email": "unknown@same.test", "display_name": "Someone Else", "password": "a long passphrase"})
	if known != unknown || !strings.HasPrefix(known, "202") {
		t.Errorf("register:\nknown   %s\nunknown %s", known, unknown)
	}
}

// TestListParams: repeated values of a list cost what one costs; more
// than 100 different values is a 400 naming the parameter.
func TestListParams(t *testing.T) {
	srv := MustOpenServer(t)
	one := request(t, srv, "GET", "/api/collections/actors/items?kind=commune&limit=1", nil).status(200).Body.String()
	many := request(t, srv, "GET", "/api/collections/actors/items?limit=1&kind="+strings.Repeat("commune,", 3000)+"commune", nil).status(200).Body.String()
	var a, b struct{ NumberMatched int }
	json.Unmarshal([]byte(one), &a)
	json.Unmarshal([]byte(many), &b)
	if a.NumberMatched == 0 || a.NumberMatched != b.NumberMatched {
		t.Fatalf("kind=commune matched %d, repeated %d", a.NumberMatched, b.NumberMatched)
	}
	var codes []string
	for i := range 101 {
		codes = append(codes, fmt.Sprintf("%02d", i))
	}
	for _, path := range []string{"/api/collections/actors/items?department=", "/api/nearby?lon=6.4&lat=48.2&department=",
		"/api/clusters?zoom=5&department=", "/api/collections/adoptions/items?department="} {
		r := request(t, srv, "GET", path+strings.Join(codes, ","), nil).status(400)
		var e struct{ Fields map[string]string }
		json.Unmarshal(r.Body.Bytes(), &e)
		if !strings.Contains(e.Fields["department"], "at most 100") {
			t.Errorf("%s…: %s", path, r.Body)
		}
	}
	r := request(t, srv, "GET", "/api/search?q="+url.QueryEscape(strings.Repeat("a b c d e f g h i j k l m n o p q ", 2)), nil).status(400)
	if !strings.Contains(r.Body.String(), `"q"`) {
		t.Errorf("a query of 17 different words: %s", r.Body)
	}
}

// holdWriteLock takes the lock writes take on db's database, as another
// process would (a sqlite3 shell's BEGIN EXCLUSIVE; on PostgreSQL, another
// server's write transaction, which holds the writer lock), until release.
func holdWriteLock(t *testing.T, db *directory.DB) (release func()) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == directory.DialectPostgres {
		other, err := directory.Open(ctx, db.Path())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		tx, err := other.BeginTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback() })
		return func() { tx.Rollback() }
	}
	other, err := sql.Open("sqlite3", "file:"+db.Path()+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	return func() { conn.ExecContext(ctx, `ROLLBACK`) }
}

// TestDatabaseBusy: while another process holds the database's write lock
// (a sqlite3 shell's BEGIN EXCLUSIVE, another server's write transaction
// on PostgreSQL), writes get a prompt 503 with
// Retry-After and a message, /readyz says not ready, reads still work;
// once the lock is released, writes pass and nothing refused was stored.
func TestDatabaseBusy(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	mod := mustUser(t, a.d, "mod@busy.test", "Moderator", directory.RoleModerator)
	cookie := userCookie(t, a.d, mod)
	release := holdWriteLock(t, a.d.DB())
	create := map[string]any{"target_type": "actor", "action": "create", "changes": map[string]string{"kind": "association", "name": "Association verrouillée"}}
	s, b, resp := a.call("192.0.2.1", "POST", "/api/proposals", create, cookie)
	if s != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(b, "busy") {
		t.Fatalf("a write under another's lock: %d %s (Retry-After %q)", s, b, resp.Header.Get("Retry-After"))
	}
	if s, b, _ := a.call("192.0.2.1", "GET", "/readyz", nil); s != 503 || !strings.Contains(b, "busy") {
		t.Fatalf("/readyz under another's lock: %d %s", s, b)
	}
	if s, _, _ := a.call("192.0.2.1", "GET", "/api/collections/actors/items/commune-88160", nil); s != 200 {
		t.Fatalf("a read under another's lock: %d", s)
	}
	release()
	if s, b, _ := a.call("192.0.2.1", "GET", "/readyz", nil); s != 200 {
		t.Fatalf("/readyz after the lock: %d %s", s, b)
	}
	if s, b, _ := a.call("192.0.2.1", "POST", "/api/proposals", create, cookie); s != 201 {
		t.Fatalf("the write after the lock: %d %s", s, b)
	}
	stored := a.count(`SELECT COUNT(*) FROM proposals WHERE author_id = ?`, mod.ID)
	if stored != 1 {
		t.Fatalf("%d proposals stored, want the one acknowledged", stored)
	}
}

// TestAccountRules: over HTTP, the last admin cannot demote or block
// herself (409 with a message); a password change revokes the API tokens.
func TestAccountRules(t *testing.T) {
	a := newAttackServer(t, web.Config{})
	admin := mustUser(t, a.d, "admin@rules.test", "Admin", directory.RoleAdmin)
	cookie := userCookie(t, a.d, admin)
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"PUT", fmt.Sprintf("/api/users/%d/role", admin.ID), map[string]string{"role": "moderator"}},
		{"POST", fmt.Sprintf("/api/users/%d/block", admin.ID), map[string]any{"days": 1, "reason": "test"}},
	} {
		if s, b, _ := a.call("192.0.2.1", req.method, req.path, req.body, cookie); s != 409 || !strings.Contains(b, `"description":"`) {
			t.Errorf("%s %s by the last admin: %d %s, want 409 with a message", req.method, req.path, s, b)
		}
	}
	var tok struct{ Token struct{ Token string } }
	_, b, _ := a.call("192.0.2.1", "POST", "/api/tokens", map[string]string{"name": "script"}, cookie)
	json.Unmarshal([]byte(b), &tok)
	bearer := func() int {
		req, _ := http.NewRequest("GET", a.url+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := bearer(); s != 200 {
		t.Fatalf("the new token: %d", s)
	}
	if s, b, _ := a.call("192.0.2.1", "POST", "/api/me/password", map[string]string{"current_password": "a long passphrase",
		"new_password": "another long passphrase"}, cookie); s != 200 {
		t.Fatalf("password change: %d %s", s, b)
	}
	if s := bearer(); s != 401 {
		t.Fatalf("the token after a password change: %d, want 401", s)
	}
}

// TestBulkIDs: a bulk review names each proposal once, however many times
// the body repeats it, and at most 200 different ones.
func TestBulkIDs(t *testing.T) {
	h := newHarness(t, web.Config{})
	p := h.pending()
	ids := make([]int64, 5000)
	for i := range ids {
		ids[i] = p
	}
	w := h.send(h.users[moderator], "POST", "/api/review", map[string]any{"action": "reject", "ids": ids, "reason": "doublon"})
	var out struct{ Results []json.RawMessage }
	json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code != 200 || len(out.Results) != 1 {
		t.Fatalf("one id repeated 5000 times: %d, %d results; want one decision", w.Code, len(out.Results))
	}
	many := make([]int64, 201)
	for i := range many {
		many[i] = int64(i + 1)
	}
	w = h.send(h.users[moderator], "POST", "/api/review", map[string]any{"action": "reject", "ids": many, "reason": "lot"})
	var e apiError
	json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.Fields["ids"] == "" {
		t.Fatalf("201 different ids: %d %s", w.Code, w.Body)
	}
}
