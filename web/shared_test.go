package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/directory/pgtest"
	"github.com/voisinage/voisinage/web"
)

// TestServersShareState runs two servers on one PostgreSQL database, as two
// instances behind a load balancer, and proves that what must hold across
// them does: a session made on one works on the other, the per-address
// limits and the per-account proposal limit are not multiplied by two, the
// login lockout of an address holds on both, and an approval made through
// one is served by the other once it follows the database.
func TestServersShareState(t *testing.T) {
	pgtest.Require(t)
	url := directorytest.SmallPathOn(t, directory.DialectPostgres)
	cfg := web.Config{
		RateLimits: web.RateLimits{Write: web.Limit{Every: time.Hour, Burst: 4}, Login: generousLimits.Login,
			Register: generousLimits.Register, Report: generousLimits.Report},
		LoginGuard: web.LoginGuard{FreeFailures: 4, BaseDelay: time.Hour, MaxDelay: time.Hour, Window: time.Hour},
	}
	open := func() (*web.Server, *directory.Directory) {
		db, err := directory.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		d, err := directory.New(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		d.Policy.RatePerHour = 3
		srv, err := web.NewServer(cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		return srv, d
	}
	a, da := open()
	b, db := open()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go db.Follow(ctx, time.Second)

	// A session made on A works on B.
	w := rawRequest(a, "192.0.2.10:1000", "POST", "/api/login", map[string]string{"email": "alice@mairie.test", "password": directorytest.Password})
	if w.Code != 200 {
		t.Fatalf("login on A: %d %s", w.Code, w.Body)
	}
	var cookie string
	for _, c := range w.Result().Cookies() {
		if c.Name == "voisinage_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie from A")
	}
	if w := rawRequest(b, "192.0.2.10:1000", "GET", "/api/me", nil, "Cookie", cookie); w.Code != 200 || !strings.Contains(w.Body.String(), "alice@mairie.test") {
		t.Fatalf("A's session on B: %d %s", w.Code, w.Body)
	}

	// The per-account proposal limit (3 an hour) counts proposals made through both.
	propose := func(srv http.Handler, remote, commune string) int {
		return rawRequest(srv, remote, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": commune,
			"action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}, "Cookie", cookie).Code
	}
	communes := []string{"commune-88160", "commune-54395", "commune-29019", "commune-13004"}
	for i, srv := range []http.Handler{a, b, a} {
		if code := propose(srv, fmt.Sprintf("192.0.2.%d:1000", 20+i), communes[i]); code != 201 {
			t.Fatalf("proposal %d: %d", i+1, code)
		}
	}
	if code := propose(b, "192.0.2.30:1000", communes[3]); code != http.StatusTooManyRequests {
		t.Fatalf("4th proposal of the hour, through B: %d, want 429", code)
	}

	// The per-address write limit (4 an hour) counts writes to both.
	for i, srv := range []http.Handler{a, b, a, b} {
		if w := rawRequest(srv, "198.51.100.1:1000", "POST", "/api/tokens", map[string]string{"name": "t"}, "Cookie", cookie); w.Code != 201 {
			t.Fatalf("write %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	retryAfter(t, rawRequest(a, "198.51.100.1:1000", "POST", "/api/tokens", map[string]string{"name": "t"}, "Cookie", cookie))
	retryAfter(t, rawRequest(b, "198.51.100.1:1000", "POST", "/api/tokens", map[string]string{"name": "t"}, "Cookie", cookie))
	if w := rawRequest(b, "198.51.100.2:1000", "POST", "/api/tokens", map[string]string{"name": "t"}, "Cookie", cookie); w.Code != 201 {
		t.Fatalf("another address: %d", w.Code)
	}

	// Four failed logins from one address, through both, lock it out of both.
	for i, srv := range []http.Handler{a, b, a, b} {
		if w := rawRequest(srv, "203.0.113.5:1000", "POST", "/api/login", map[string]string{"email": "bob@mairie.test",
			"password": fmt.Sprintf("guess %d xxxxxx", i)}); w.Code != 401 {
			t.Fatalf("guess %d: %d", i+1, w.Code)
		}
	}
	good := map[string]string{"email": "bob@mairie.test", "password": directorytest.Password}
	retryAfter(t, rawRequest(a, "203.0.113.5:1000", "POST", "/api/login", good))
	retryAfter(t, rawRequest(b, "203.0.113.5:1000", "POST", "/api/login", good))

	// An approval through A reaches B's read model.
	mod, err := da.Authenticate(context.Background(), "mod@region.test", directorytest.Password)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := da.FindProposals(context.Background(), mod, directory.ProposalFilter{Statuses: []string{directory.ProposalPending}, Limit: 10})
	if err != nil || len(list) == 0 {
		t.Fatalf("pending proposals: %v, %v", list, err)
	}
	p, err := da.ApproveEdit(context.Background(), mod, directory.Decision{ID: list[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		w := rawRequest(b, "192.0.2.99:1000", "GET", "/api/collections/actors/items/"+p.TargetID, nil)
		if w.Code == 200 && strings.Contains(w.Body.String(), "03 29 00 00 00") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never served the approval made through A: %s", w.Body)
		}
	}
}

// TestDatabaseOutage stops the PostgreSQL server under a running server, as
// a crash or the first seconds of a failover would, then starts it again:
// meanwhile writes are refused with 503 and Retry-After (nothing changed),
// reads go on from memory, /readyz says 503; afterwards writes succeed
// again without a restart, and every write acknowledged before is there.
func TestDatabaseOutage(t *testing.T) {
	pgtest.Require(t)
	ctx := context.Background()
	c, err := pgtest.Start(pgtest.Options{Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if err := c.CreateDatabase(ctx, "v", ""); err != nil {
		t.Fatal(err)
	}
	db, err := directory.Open(ctx, c.URL("v"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SeedBundle(ctx, directorytest.SmallDataset(t).Bundle(), "test"); err != nil {
		t.Fatal(err)
	}
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser(ctx, directory.Registration{Email: "mod@outage.test", DisplayName: "Modératrice", Password: "moderator passphrase"}, directory.RoleModerator); err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Config{RateLimits: generousLimits}, d)
	if err != nil {
		t.Fatal(err)
	}
	w := rawRequest(srv, "192.0.2.1:1000", "POST", "/api/login", map[string]string{"email": "mod@outage.test", "password": "moderator passphrase"})
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	cookie := ""
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "voisinage_session" {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	version := map[string]int{}
	edit := func(id, phone string) *httptest.ResponseRecorder {
		return rawRequest(srv, "192.0.2.1:1000", "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": id,
			"action": "update", "base_version": max(1, version[id]), "changes": map[string]any{"phone": phone}}, "Cookie", cookie)
	}
	acked := map[string]string{}
	for i, id := range []string{"commune-88160", "commune-54395"} {
		phone := fmt.Sprintf("03 29 00 00 %02d", i)
		if w := edit(id, phone); w.Code != 201 {
			t.Fatalf("edit before the outage: %d %s", w.Code, w.Body)
		}
		acked[id], version[id] = phone, 2
	}

	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	w = edit("commune-29019", "03 29 00 00 99")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "nothing was changed") {
		t.Fatalf("a write while the database is down: %d %q %s, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := rawRequest(srv, "192.0.2.2:1000", "GET", "/api/collections/actors/items/commune-88160", nil); w.Code != 200 || !strings.Contains(w.Body.String(), acked["commune-88160"]) {
		t.Fatalf("a read while the database is down: %d %s", w.Code, w.Body)
	}
	if w := rawRequest(srv, "192.0.2.2:1000", "GET", "/readyz", nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while the database is down: %d", w.Code)
	}
	// A session that cannot be checked is not a wrong one: 503, not 401.
	if w := rawRequest(srv, "192.0.2.1:1000", "GET", "/api/me", nil, "Cookie", cookie); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("a logged-in read while the database is down: %d %s, want 503", w.Code, w.Body)
	}

	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		w := edit("commune-13004", "03 29 00 00 42")
		if w.Code == 201 {
			acked["commune-13004"] = "03 29 00 00 42"
			break
		}
		if w.Code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("a write after the database came back: %d %s", w.Code, w.Body)
		}
	}
	phoneOf := func(id string) string {
		var p string
		if err := db.Reader().QueryRow(`SELECT phone FROM actors WHERE id = ?`, id).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for id, phone := range acked {
		if got := phoneOf(id); got != phone {
			t.Errorf("%s: phone %q in the database, %q acknowledged", id, got, phone)
		}
	}
	if got := phoneOf("commune-29019"); got == "03 29 00 00 99" {
		t.Error("the write refused during the outage was stored")
	}
}
