package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/directory/pgtest"
)

// The PostgreSQL store's own tests. They run in both passes of make test
// (each starts the test binary's throwaway cluster if the run is on
// SQLite); the rest of the suite runs on PostgreSQL in the second pass.

// TestMigrationTwins fails when a SQLite migration has no PostgreSQL twin of
// the same number (or the reverse): whoever adds migrations/000NN_x.sql
// writes migrations/postgres/000NN_x.sql, the same tables and columns in
// PostgreSQL's dialect (see migrations/postgres/00001_core.sql for how the
// types map).
func TestMigrationTwins(t *testing.T) {
	versions := func(dir string) map[string]string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		num := regexp.MustCompile(`^(\d+)_.*\.sql$`)
		for _, e := range entries {
			if m := num.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
				out[m[1]] = e.Name()
			}
		}
		return out
	}
	sqlite, pg := versions("migrations"), versions(filepath.Join("migrations", "postgres"))
	if len(sqlite) == 0 {
		t.Fatal("no SQLite migrations found")
	}
	for v, name := range sqlite {
		if pg[v] == "" {
			t.Errorf("migrations/%s has no PostgreSQL twin: write migrations/postgres/%s (the same tables and columns in PostgreSQL's dialect)", name, name)
		}
	}
	for v, name := range pg {
		if sqlite[v] == "" {
			t.Errorf("migrations/postgres/%s has no SQLite migration of its number", name)
		}
	}
}

// TestPostgresSchemaParity proves that both stores, migrated, have the same
// tables with the same columns, generated keys and references, and that
// PostgreSQL's text columns compare byte by byte as SQLite's do.
func TestPostgresSchemaParity(t *testing.T) {
	c := pgtest.Shared(t)
	lite := directorytest.MustOpenEmptySQLiteDB(t)
	pg, err := directory.Open(context.Background(), c.NewDatabase(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	a, b := lite.SchemaShape(t), pg.SchemaShape(t)
	for name, shape := range a {
		if b[name] != shape {
			t.Errorf("table %s:\n\tSQLite     %s\n\tPostgreSQL %s", name, shape, b[name])
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("table %s exists in PostgreSQL only", name)
		}
	}
	rows, err := pg.Reader().Query(`SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'
		AND table_name <> 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		rows.Scan(&col)
		t.Errorf("text column %s is not COLLATE \"C\": it would sort and compare unlike SQLite's", col)
	}
}

// TestPostgresWriterLock proves that PostgreSQL write transactions are
// serialized across servers as SQLite's are across processes: a second
// server's write waits while a write transaction is open, goes through once
// it commits, and after the lock timeout is refused as EUNAVAILABLE (503:
// try again), having changed nothing. Reads are never blocked.
func TestPostgresWriterLock(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	url := c.NewDatabase(t, "")
	a, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// Server B waits at most half a second for the lock.
	b, err := directory.Open(ctx, url+"&lock_timeout=500")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	tx, err := a.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A's transaction has written nothing yet and already holds the lock.
	waiting := func() int {
		var n int
		if err := c.Exec(ctx, "postgres"); err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND (classid::bigint << 32 | objid::bigint) = $1`, directory.WriterLockKey).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	done := make(chan error, 1)
	go func() { done <- b.TryExec(`INSERT INTO meta (key, value) VALUES ('probe', 'b')`) }()
	for deadline := time.Now().Add(30 * time.Second); waiting() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B's write never waited for A's transaction")
		}
	}
	// B gives up after its lock timeout: EUNAVAILABLE, nothing written.
	err = <-done
	if directory.ErrorCode(err) != directory.EUNAVAILABLE || directory.ErrorRetryAfter(err) <= 0 {
		t.Fatalf("B's write beside A's transaction: %v (code %s), want EUNAVAILABLE with a Retry-After", err, directory.ErrorCode(err))
	}
	// Reads go on meanwhile.
	if _, err := b.ChangeSeq(ctx); err != nil {
		t.Fatalf("read beside a write transaction: %v", err)
	}
	go func() { done <- b.TryExec(`INSERT INTO meta (key, value) VALUES ('probe', 'b')`) }()
	for deadline := time.Now().Add(30 * time.Second); waiting() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B's second write never waited for A's transaction")
		}
	}
	if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('a', 'a')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil && directory.ErrorCode(err) == directory.EUNAVAILABLE {
		// The machine was slow enough for B to time out again: the lock is
		// free now.
		err = b.TryExec(`INSERT INTO meta (key, value) VALUES ('probe', 'b')`)
	} else if err != nil {
		t.Fatalf("B's write after A committed: %v", err)
	}
	if got := a.QueryString(t, `SELECT value FROM meta WHERE key = 'probe'`); got != "b" {
		t.Fatalf("probe = %q", got)
	}
}

// TestPostgresErrors proves the mapping of PostgreSQL's errors to domain
// codes: uniqueness → ECONFLICT, a missing reference or a value out of
// range → EINVALID, an unreachable server → EUNAVAILABLE.
func TestPostgresErrors(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	db, err := directory.Open(ctx, c.NewDatabase(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r := directory.Registration{Email: "a@errors.test", DisplayName: "Alice", Password: "a long passphrase"}
	if _, err := d.Register(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Register(ctx, r); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("second registration: %v, want ECONFLICT", err)
	}
	for _, q := range []string{
		`INSERT INTO actor_parents (actor_id, parent_id, rank) VALUES ('nobody', 'nobody', 0)`,
		`INSERT INTO tools (slug, name, created_at, updated_at) VALUES ('x', '', '', '')`,
	} {
		if code := directory.ErrorCode(directory.FormatError(db.TryExec(q))); code != directory.EINVALID {
			t.Errorf("%s: code %s, want EINVALID", q, code)
		}
	}
	// A server nobody listens on.
	_, err = directory.Open(ctx, "postgres://voisinage@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || directory.ErrorCode(err) != directory.EUNAVAILABLE {
		t.Fatalf("open an unreachable server: %v (code %s), want EUNAVAILABLE", err, directory.ErrorCode(err))
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatal("the error shows the password")
	}
	_, err = directory.Open(ctx, "postgres://voisinage:secret@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("open with a password: %v; the message must not show it", err)
	}
}

// TestPostgresNotifies proves that a commit by one server reaches the
// others as a notification carrying the new change sequence.
func TestPostgresNotifies(t *testing.T) {
	f := directorytest.MustOpenFixtureOn(t, directory.DialectPostgres)
	other, err := directory.Open(f.Ctx, f.DB.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	changes := other.Changes()
	if changes == nil {
		t.Fatal("a PostgreSQL store gives no change notifications")
	}
	// The listener connects in the background: write until it hears.
	deadline := time.After(60 * time.Second)
	for i := 0; ; i++ {
		p := f.MustPropose(t, f.Alice, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: agreeCommune,
			Action: directory.ActionUpdate, BaseVersion: actorVersion(t, f, agreeCommune), Changes: changes2("phone", fmt.Sprintf("03 29 00 00 %02d", i))})
		f.MustApprove(t, p.ID)
		seq, err := f.DB.ChangeSeq(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-changes:
			if got > seq || got == 0 {
				t.Fatalf("notified sequence %d, stored %d", got, seq)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notification of the commits")
		}
	}
}

func changes2(field, value string) map[string]json.RawMessage {
	b, _ := json.Marshal(value)
	return map[string]json.RawMessage{field: b}
}

// TestPostgresTryLock proves that a named lock is held by one server at a
// time, and freed when its holder releases it or goes away.
func TestPostgresTryLock(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	url := c.NewDatabase(t, "")
	a, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release, ok, err := a.TryLock(ctx, "sweep")
	if err != nil || !ok {
		t.Fatalf("A takes the lock: %v, %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "sweep"); err != nil || ok {
		t.Fatalf("B takes the lock A holds: %v, %v", ok, err)
	}
	if r, ok, err := b.TryLock(ctx, "other"); err != nil || !ok {
		t.Fatalf("B takes another lock: %v, %v", ok, err)
	} else {
		r()
	}
	release()
	r, ok, err := b.TryLock(ctx, "sweep")
	if err != nil || !ok {
		t.Fatalf("B takes the lock A released: %v, %v", ok, err)
	}
	r()
	// A server that goes away gives its locks back.
	if _, ok, err := a.TryLock(ctx, "sweep"); err != nil || !ok {
		t.Fatalf("A takes the lock again: %v, %v", ok, err)
	}
	a.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, ok, err := b.TryLock(ctx, "sweep")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			r()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock of a closed server was never freed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCopyRoundTrip copies a database with a history of edits (proposals
// approved, rejected and pending, votes, comments, reports, sessions,
// tokens) to the other store and back, and proves each copy holds the same
// rows as its source, table by table, and the last the same as the first.
// It refuses a destination that is not empty.
func TestCopyRoundTrip(t *testing.T) {
	pgtest.Require(t)
	first, other := directory.DialectSQLite, directory.DialectPostgres
	if directorytest.Postgres() {
		first, other = other, first
	}
	f := directorytest.MustOpenFixtureOn(t, first)
	editHistory(t, f)
	want, err := f.DB.Digests(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"actors", "versions", "proposals", "votes", "users", "sessions", "api_tokens", "reports", "proposal_comments"} {
		if want[name].Rows == 0 {
			t.Fatalf("the history left table %s empty: the round trip would prove little", name)
		}
	}
	mid := directorytest.MustOpenFixtureOn(t, other)
	if _, err := f.DB.CopyTo(f.Ctx, mid.DB); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("copy into a database that is not empty: %v, want ECONFLICT", err)
	}
	there := emptyOn(t, other)
	rep, err := f.DB.CopyTo(f.Ctx, there)
	if err != nil {
		t.Fatal(err)
	}
	if !equalDigests(rep.Digests, want) {
		t.Fatalf("the copy's report differs from the source's digests")
	}
	back := emptyOn(t, first)
	if _, err := there.CopyTo(f.Ctx, back); err != nil {
		t.Fatal(err)
	}
	got, err := back.Digests(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range want {
		if got[name] != d {
			t.Errorf("table %s: %d rows %s after the round trip, %d rows %s before", name, got[name].Rows, got[name].SHA256, d.Rows, d.SHA256)
		}
	}
	// The copy works: its read model serves the same features, and new
	// rows get new ids.
	d2, err := directory.New(f.Ctx, there)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := f.Feature(t, agreeCommune), mustFeature(t, d2, agreeCommune); string(a) != string(b) {
		t.Fatalf("feature of %s differs in the copy:\n%s\n%s", agreeCommune, a, b)
	}
	if _, err := d2.Register(f.Ctx, directory.Registration{Email: "new@copy.test", DisplayName: "Nouvelle", Password: "a long passphrase"}); err != nil {
		t.Fatalf("register in the copy: %v", err)
	}
}

func equalDigests(a, b map[string]directory.TableDigest) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func emptyOn(t *testing.T, dialect string) *directory.DB {
	t.Helper()
	if dialect == directory.DialectSQLite {
		return directorytest.MustOpenEmptySQLiteDB(t)
	}
	db, err := directory.Open(context.Background(), pgtest.Shared(t).NewDatabase(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// agreeCommune is Épinal, in the small dataset.
const agreeCommune = "commune-88160"

func actorVersion(t *testing.T, f *directorytest.Fixture, id string) int {
	t.Helper()
	a, err := f.D.FindActorByID(f.Ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Version
}

func mustFeature(t *testing.T, d *directory.Directory, id string) []byte {
	t.Helper()
	b, _, err := d.ActorFeature(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editHistory writes a history of every kind into the fixture's database.
func editHistory(t *testing.T, f *directorytest.Fixture) {
	t.Helper()
	ctx, d := f.Ctx, f.D
	for i := range 6 {
		f.Clock.Add(time.Hour)
		p := f.MustPropose(t, f.Alice, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: agreeCommune,
			Action: directory.ActionUpdate, BaseVersion: actorVersion(t, f, agreeCommune), Changes: changes2("phone", fmt.Sprintf("03 29 68 50 %02d", i))})
		switch i % 3 {
		case 0:
			f.MustApprove(t, p.ID)
		case 1:
			if _, err := d.RejectEdit(ctx, f.Mod, directory.Decision{ID: p.ID, Reason: "pas de source"}); err != nil {
				t.Fatal(err)
			}
		case 2:
			if _, err := d.Vote(ctx, f.Bob, p.ID, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := d.CommentOn(ctx, f.Carol, p.ID, "Je confirme, l'accueil répond à ce numéro."); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.CreateReport(ctx, f.Bob, directory.ReportInput{TargetType: directory.TypeActor, TargetID: agreeCommune,
		Reason: "outdated", Comment: "Le site a changé « d'adresse »."}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.CreateSession(ctx, f.Alice); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateAPIToken(ctx, f.Carol, "script d'import"); err != nil {
		t.Fatal(err)
	}
}

// TestStoresAgree drives the same random sequence of writes (the property
// test's: proposals, decisions, reverts, votes, other processes…) through
// a directory on SQLite and one on PostgreSQL, and proves that they make
// the same decisions, serve the same features and store the same content.
func TestStoresAgree(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	pgtest.Require(t)
	steps := 120
	for _, seed := range []uint64{uint64(time.Now().UnixNano()), 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			t.Logf("replay with VOISINAGE_PROPERTY_SEED=%d", seed)
			lite := newPropertyOn(t, seed, directorytest.MustOpenFixtureOn(t, directory.DialectSQLite))
			pg := newPropertyOn(t, seed, directorytest.MustOpenFixtureOn(t, directory.DialectPostgres))
			for i := 1; i <= steps; i++ {
				lite.step(i)
				pg.step(i)
				if n := len(lite.log); n != len(pg.log) || (n > 0 && lite.log[n-1] != pg.log[n-1]) {
					t.Fatalf("step %d differs:\n\tSQLite     %s\n\tPostgreSQL %s", i, last(lite.log), last(pg.log))
				}
			}
			lite.compare(steps)
			pg.compare(steps)
			a, b := rawFeatures2(t, lite.f), rawFeatures2(t, pg.f)
			if !slices.Equal(a, b) {
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("features differ:\n\tSQLite     %s\n\tPostgreSQL %s", a[i], b[i])
					}
				}
				t.Fatalf("%d features on SQLite, %d on PostgreSQL", len(a), len(b))
			}
			da, err := lite.f.DB.Digests(lite.f.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			db, err := pg.f.DB.Digests(pg.f.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Accounts hold salted password hashes: they differ by design.
			for _, name := range []string{"actors", "actor_parents", "tools", "adoptions", "versions", "proposals", "votes", "proposal_comments", "representatives", "meta"} {
				if da[name] != db[name] {
					t.Errorf("table %s: %d rows %s on SQLite, %d rows %s on PostgreSQL", name, da[name].Rows, da[name].SHA256, db[name].Rows, db[name].SHA256)
				}
			}
		})
	}
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

func rawFeatures2(t *testing.T, f *directorytest.Fixture) []string {
	t.Helper()
	var out []string
	if err := f.D.EachActorFeature(f.Ctx, func(b []byte) error {
		out = append(out, string(b))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFollowsTheFirstFill proves that a server started on an empty
// database follows when another process fills it with the bundled data
// (which is not in the change log): it loads it whole.
func TestFollowsTheFirstFill(t *testing.T) {
	ctx := context.Background()
	path := directorytest.EmptyPath(t)
	db, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	filler, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()
	b := directorytest.SmallDataset(t).Bundle()
	if err := filler.SeedBundle(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := d.Stats().Actors; got != len(b.Actors) {
		t.Fatalf("after the fill, the read model holds %d actors, want %d", got, len(b.Actors))
	}
}

// TestPostgresReplica runs servers with a streaming read replica
// (-db-replica): one started before the database is filled follows the
// fill and later edits through the replica; one started right after an
// edit loads a read model that holds it, however far the replica lags
// (it waits for the replica, or loads from the primary).
func TestPostgresReplica(t *testing.T) {
	pgtest.Require(t)
	ctx := context.Background()
	primary, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Stop()
	if err := primary.CreateDatabase(ctx, "v", ""); err != nil {
		t.Fatal(err)
	}
	standby, err := primary.StartStandby()
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Stop()
	url, replica := primary.URL("v"), standby.URL("v")

	open := func() *directory.Directory {
		db, err := directory.Open(ctx, url, directory.WithReplicas(replica))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		d, err := directory.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	early := open()
	writer, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	b := directorytest.SmallDataset(t).Bundle()
	if err := writer.SeedBundle(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	w, err := directory.New(ctx, writer)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := w.CreateUser(ctx, directory.Registration{Email: "mod@replica.test", DisplayName: "Modératrice", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: agreeCommune,
		Action: directory.ActionUpdate, BaseVersion: 1, Changes: changes2("phone", "03 29 68 50 00")})
	if err != nil || p.Status != directory.ProposalApproved {
		t.Fatalf("a moderator's edit: %+v, %v", p, err)
	}
	// Loaded right after the edit: the replica may not have replayed it yet.
	late := open()
	if a, err := late.FindActorByID(ctx, agreeCommune); err != nil || a.Phone != "03 29 68 50 00" {
		t.Fatalf("a server started after the edit serves %+v, %v", a, err)
	}
	// Started before the fill: follows it, and the edit, through the replica.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := early.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if a, err := early.FindActorByID(ctx, agreeCommune); err == nil && a.Phone == "03 29 68 50 00" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server started before the fill never followed it: %d actors", early.Stats().Actors)
		}
	}
	if got := early.Stats().Actors; got != len(b.Actors) {
		t.Fatalf("the server started before the fill holds %d actors, want %d", got, len(b.Actors))
	}
}

// TestPostgresLimits proves the shared per-address limits: a bucket gives
// its burst then refuses with the wait until the next token, for every
// server alike; failed logins lock an address at the limit; sweeping
// forgets what carries no state and keeps the rest. SQLite keeps them in
// the server's memory: the methods refuse there.
func TestPostgresLimits(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	url := c.NewDatabase(t, "")
	a, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := directory.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i, db := range []*directory.DB{a, b, a} {
		if ok, _, err := db.TakeToken(ctx, "write|192.0.2.1", time.Hour, 3); err != nil || !ok {
			t.Fatalf("token %d: %v, %v", i+1, ok, err)
		}
	}
	ok, wait, err := b.TakeToken(ctx, "write|192.0.2.1", time.Hour, 3)
	if err != nil || ok || wait < 59*time.Minute || wait > time.Hour+time.Second {
		t.Fatalf("4th token: %v, wait %v, %v; want refused for about an hour", ok, wait, err)
	}
	if ok, _, err := b.TakeToken(ctx, "write|192.0.2.2", time.Hour, 3); err != nil || !ok {
		t.Fatalf("another address: %v, %v", ok, err)
	}
	// Login attempts from one address: 3 free through either server, then
	// 15 minutes to wait; one that succeeded is given back.
	backoff := directory.LoginBackoff{Free: 3, Base: 15 * time.Minute, Max: time.Hour, Window: time.Hour}
	for i := range 3 {
		db := []*directory.DB{a, b}[i%2]
		if wait, err := db.LoginBegin(ctx, "login|198.51.100.1", backoff); err != nil || wait != 0 {
			t.Fatalf("attempt %d: wait %v, %v", i+1, wait, err)
		}
	}
	if wait, err := a.LoginBegin(ctx, "login|198.51.100.1", backoff); err != nil || wait < 14*time.Minute || wait > 15*time.Minute+time.Second {
		t.Fatalf("after 3 attempts: wait %v, %v; want 15 minutes", wait, err)
	}
	if err := b.LoginSucceeded(ctx, "login|198.51.100.1", backoff); err != nil {
		t.Fatal(err)
	}
	if wait, err := a.LoginBegin(ctx, "login|198.51.100.1", backoff); err != nil || wait != 0 {
		t.Fatalf("after one attempt given back: wait %v, %v; want none", wait, err)
	}
	if wait, err := b.LoginBegin(ctx, "login|198.51.100.1", backoff); err != nil || wait < 14*time.Minute {
		t.Fatalf("the 4th attempt counted again: wait %v, %v; want 15 minutes", wait, err)
	}
	if wait, err := a.LoginBegin(ctx, "login|198.51.100.2", backoff); err != nil || wait != 0 {
		t.Fatalf("another address: wait %v, %v", wait, err)
	}
	// Counters a day old carry nothing: swept; today's stay.
	if err := a.TryExec(`INSERT INTO rate_buckets (key, tokens, at) VALUES ('write|old', 1, 1000)`); err != nil {
		t.Fatal(err)
	}
	if n, err := a.SweepLimits(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v; want the old bucket only", n, err)
	}
	if ok, _, _ := b.TakeToken(ctx, "write|192.0.2.1", time.Hour, 3); ok {
		t.Fatal("the sweep forgot a live bucket")
	}
	lite := directorytest.MustOpenEmptySQLiteDB(t)
	if _, _, err := lite.TakeToken(ctx, "write|x", time.Hour, 3); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("TakeToken on SQLite: %v", err)
	}
}

// TestPortableFunctions proves that the scalar functions the domain's SQL
// may use answer alike on both stores (SQLite's two-argument max and min
// exist on PostgreSQL through migration 00001's twin).
func TestPortableFunctions(t *testing.T) {
	pgtest.Require(t)
	for _, db := range []*directory.DB{directorytest.MustOpenEmptySQLiteDB(t), emptyOn(t, directory.DialectPostgres)} {
		for q, want := range map[string]string{
			`SELECT max(3, 5)`:                                               "5",
			`SELECT min(3, 5)`:                                               "3",
			`SELECT max(CAST(7 AS BIGINT) - 1, 0)`:                           "6",
			`SELECT max(0 - 1, 0)`:                                           "0",
			`SELECT COALESCE(max(NULL, 1), -1)`:                              "-1",
			`SELECT max('2026-01-02', '2025-12-31')`:                         "2026-01-02",
			`SELECT 'adoption-' || 'commune-1' || '-x'`:                      "adoption-commune-1-x",
			`SELECT CASE WHEN EXISTS (SELECT 1 FROM meta) THEN 1 ELSE 0 END`: "0",
		} {
			if got := db.QueryString(t, q); got != want {
				t.Errorf("%s: %s = %q, want %q", db.Dialect(), q, got, want)
			}
		}
	}
}

// TestPostgresReconnectReloads proves that a server whose connection to
// the database is lost and made again (a restart, a failover) reloads its
// read model whole: what changed meanwhile without reaching it — here a row
// changed behind its back, as a standby promoted without the last commits
// would differ — is served afterwards.
func TestPostgresReconnectReloads(t *testing.T) {
	f := directorytest.MustOpenFixtureOn(t, directory.DialectPostgres)
	ctx, stop := context.WithCancel(f.Ctx)
	defer stop()
	go f.D.Follow(ctx, time.Hour) // no polling: only the listener wakes it
	conn, err := pgx.Connect(f.Ctx, f.DB.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(f.Ctx)
	listeners := func() int {
		var n int
		if err := conn.QueryRow(f.Ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE application_name = 'voisinage-listener' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); listeners() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the listener never connected")
		}
	}
	if err := f.DB.TryExec(`UPDATE actors SET phone = '03 29 99 99 99' WHERE id = ?`, agreeCommune); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(f.Ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'voisinage-listener' AND datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The feature comes from the read model in memory.
		if b, _, err := f.D.ActorFeature(f.Ctx, agreeCommune); err == nil && strings.Contains(string(b), "03 29 99 99 99") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the read model was not reloaded after the listener's connection came back")
		}
	}
}
