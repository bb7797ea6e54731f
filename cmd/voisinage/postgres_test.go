package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/directory/pgtest"
)

// TestTwoServersOnePostgres runs two server processes on one PostgreSQL
// database, as two instances behind a reverse proxy, and checks what must
// hold across them:
//
//   - started together on an empty database, one fills it with the bundled
//     data while the other waits, and both serve;
//   - a session made through one works through the other;
//   - the per-account proposal limit counts proposals made through both;
//   - an approval made through one is served by the other, woken by the
//     database's notification (the delay observed is logged; the
//     benchmarks record it).
func TestTwoServersOnePostgres(t *testing.T) {
	pgtest.Require(t)
	t.Parallel()
	skipShort(t, "starts two servers that fill a PostgreSQL database")
	url := pgtest.Shared(t).NewDatabase(t, "")
	var a, b *serverProcess
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startServer(t, url) }()
	go func() { defer wg.Done(); b = startServer(t, url) }()
	wg.Wait()
	defer a.stop(t)
	defer b.stop(t)
	filled := strings.Count(a.logs.String()+b.logs.String(), "database created and filled with the bundled data")
	if filled != 1 {
		t.Fatalf("the database was filled %d times, want once", filled)
	}
	if _, errOut, err := runBinary(t, []string{"VOISINAGE_PASSWORD=moderator passphrase"}, "user", "add", "-db", url,
		"-email", "mod@two.test", "-name", "Modération", "-role", "moderator"); err != nil {
		t.Fatalf("user add: %v\n%s", err, errOut)
	}

	// A session made through A works through B (one cookie jar, two servers).
	contrib := newAPIClient(a.base)
	contrib.must(t, 202, "POST", "/api/register", map[string]string{"email": "contrib@two.test",
		"display_name": "Contributrice", "password": "contributor passphrase"}, nil)
	contrib.must(t, 200, "POST", "/api/login", map[string]string{"email": "contrib@two.test", "password": "contributor passphrase"}, nil)
	onB := &apiClient{base: b.base, http: contrib.http}
	var me struct{ User struct{ Email string } }
	onB.must(t, 200, "GET", "/api/me", nil, &me)
	if me.User.Email != "contrib@two.test" {
		t.Fatalf("B sees the session as %q", me.User.Email)
	}

	// The per-account limit (10 proposals an hour for a new account) counts
	// proposals made through both servers.
	raw := openReadOnly(t, url)
	targets := targetPools(t, raw, 1, 12)[0]
	accepted, refused := 0, 0
	for i, id := range targets {
		c := contrib
		if i%2 == 1 {
			c = onB
		}
		code, body, err := c.do("POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": id,
			"action": "update", "base_version": 1, "changes": map[string]any{"phone": fmt.Sprintf("03 29 00 00 %02d", i)}}, nil)
		switch {
		case err != nil:
			t.Fatal(err)
		case code == 201:
			accepted++
		case code == 429:
			refused++
		default:
			t.Fatalf("proposal %d: %d %s", i, code, body)
		}
	}
	if accepted != directory.DefaultPolicy.RatePerHour || refused != len(targets)-accepted {
		t.Fatalf("%d proposals accepted and %d refused across both servers; the limit is %d an hour", accepted, refused, directory.DefaultPolicy.RatePerHour)
	}

	// An approval through A is served by B.
	mod := newAPIClient(a.base)
	mod.must(t, 200, "POST", "/api/login", map[string]string{"email": "mod@two.test", "password": "moderator passphrase"}, nil)
	var queue struct {
		Proposals []struct {
			ID       int64  `json:"id"`
			TargetID string `json:"target_id"`
		} `json:"proposals"`
	}
	mod.must(t, 200, "GET", "/api/proposals?status=pending&limit=1", nil, &queue)
	if len(queue.Proposals) == 0 {
		t.Fatal("no pending proposal")
	}
	p := queue.Proposals[0]
	mod.must(t, 200, "POST", fmt.Sprintf("/api/proposals/%d/approve", p.ID), map[string]string{}, nil)
	approved := time.Now()
	reader := newAPIClient(b.base)
	for deadline := approved.Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var item itemAnswer
		if code, _, err := reader.do("GET", "/api/collections/actors/items/"+p.TargetID, nil, &item); err == nil && code == 200 &&
			strings.HasPrefix(item.Properties.Phone, "03 29 00 00") {
			t.Logf("the approval made through A was served by B %s later", time.Since(approved).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never served the approval of proposal %d made through A\n%s", p.ID, trimLogs(b.logs.String()))
		}
	}
}

// TestMigrateDB copies the bundled data with a history of edits from SQLite
// to PostgreSQL and back with `voisinage migrate-db`, and checks the result
// is the original, table by table, by checksum; it refuses a destination
// that exists or holds data.
func TestMigrateDB(t *testing.T) {
	pgtest.Require(t)
	t.Parallel()
	ctx := context.Background()
	src := directorytest.SeededSQLitePath(t)
	writeHistory(t, src)
	want := digestsOf(t, src)
	if want["versions"].Rows == 0 || want["proposals"].Rows == 0 || want["actors"].Rows < 30000 {
		t.Fatalf("the source holds too little to prove anything: %+v", want)
	}
	pg := pgtest.Shared(t).NewDatabase(t, "")
	var out, errOut bytes.Buffer
	if err := runMigrateDB(ctx, []string{"-from", src, "-to", pg}, &out, &errOut); err != nil {
		t.Fatalf("migrate-db to PostgreSQL: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), want["actors"].SHA256) {
		t.Fatalf("the report does not give the actors' checksum:\n%s", out.String())
	}
	back := filepath.Join(t.TempDir(), "back.db")
	out.Reset()
	if err := runMigrateDB(ctx, []string{"-from", pg, "-to", back}, &out, &errOut); err != nil {
		t.Fatalf("migrate-db back to SQLite: %v\n%s", err, errOut.String())
	}
	got := digestsOf(t, back)
	for name, d := range want {
		if got[name] != d {
			t.Errorf("table %s: %d rows %s after the round trip, %d rows %s before", name, got[name].Rows, got[name].SHA256, d.Rows, d.SHA256)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tables after the round trip, %d before", len(got), len(want))
	}
	// The copy serves: a server starts on it.
	p := startServer(t, back)
	p.stop(t)

	if err := runMigrateDB(ctx, []string{"-from", src, "-to", pg}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("migrate-db into a database that holds data: %v", err)
	}
	if err := runMigrateDB(ctx, []string{"-from", pg, "-to", back}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("migrate-db onto an existing file: %v", err)
	}
}

func digestsOf(t *testing.T, path string) map[string]directory.TableDigest {
	t.Helper()
	db, err := directory.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := db.Digests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeHistory writes accounts, sessions, tokens, proposals approved,
// rejected and pending, votes, comments and a report into the database.
func writeHistory(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := d.CreateUser(ctx, directory.Registration{Email: "mod@migrate.test", DisplayName: "Modératrice", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	var users []*directory.User
	for i := range 3 {
		u, err := d.Register(ctx, directory.Registration{Email: fmt.Sprintf("c%d@migrate.test", i), DisplayName: fmt.Sprintf("Contributrice %d", i), Password: "contributor passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	if _, _, err := d.CreateSession(ctx, users[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateAPIToken(ctx, mod, "import"); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"commune-88160", "commune-54395", "commune-29019", "commune-13004", "commune-35238", "commune-75056"} {
		a, err := d.FindActorByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		phone, _ := json.Marshal(fmt.Sprintf("03 29 68 50 %02d", i))
		p, err := d.ProposeEdit(ctx, users[i%3], directory.ProposalInput{TargetType: directory.TypeActor, TargetID: id,
			Action: directory.ActionUpdate, BaseVersion: a.Version, Changes: map[string]json.RawMessage{"phone": phone},
			Comment: "« Mairie » : standard"})
		if err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			_, err = d.ApproveEdit(ctx, mod, directory.Decision{ID: p.ID})
		case 1:
			_, err = d.RejectEdit(ctx, mod, directory.Decision{ID: p.ID, Reason: "pas de source"})
		case 2:
			if _, err = d.Vote(ctx, users[(i+1)%3], p.ID, 1); err == nil {
				_, err = d.CommentOn(ctx, mod, p.ID, "À vérifier auprès de l'accueil.")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateReport(ctx, users[1], directory.ReportInput{TargetType: directory.TypeActor, TargetID: "commune-88160",
		Reason: "outdated", Comment: "Le site a changé."}); err != nil {
		t.Fatal(err)
	}
}
