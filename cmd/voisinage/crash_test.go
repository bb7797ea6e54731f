package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// TestCrash runs the real server as a child process, drives a stream of
// proposals and approvals at it over HTTP, kills it with SIGKILL at a random
// moment, restarts it on the same database, and checks after every restart
// and at the end that:
//
//   - every approval the server acknowledged (200, or 201 applied at once)
//     is there, with its version in the record's history;
//   - every proposal it acknowledged (201) exists;
//   - nothing is half-applied: an approved proposal has its version row and
//     its record carries that version; a pending one made no version; every
//     record's version is the last of its history; the change sequence
//     matches the last version (directory.Inspect's consistency checks);
//   - the in-memory index rebuilt at start agrees with the database: each touched
//     actor's served version, phone and point are the stored ones, a placed
//     actor is the first answer of /api/nearby at its point, and the item
//     and located counts match the table;
//   - PRAGMA integrity_check is ok (SQLite);
//   - a backup taken from another process while the server writes (and is
//     killed) is sound.
//
// With VOISINAGE_TEST_STORE=postgres (the second pass of make test) the
// database is a PostgreSQL one, the backups are taken from it into SQLite
// files, and a second server runs on it throughout, never killed: after
// each kill of the first, it too must serve every acknowledged change.
//
// VOISINAGE_CRASH_CYCLES sets the number of kill/restart cycles (8 by
// default, for CI; docs/RELIABILITY.md records a run of 60).
func TestCrash(t *testing.T) {
	t.Parallel() // a server process of its own, on a database of its own
	skipShort(t, "starts and kills the server many times")
	cycles := envInt("VOISINAGE_CRASH_CYCLES", 8)
	seed := uint64(envInt("VOISINAGE_CRASH_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("%d cycles, seed %d (VOISINAGE_CRASH_SEED=%d reproduces the kill times)", cycles, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	dbPath := directorytest.SeededPath(t)

	// The moderator is made with the CLI; the contributor registers over the API.
	if _, errOut, err := runBinary(t, []string{"VOISINAGE_PASSWORD=moderator passphrase"}, "user", "add", "-db", dbPath,
		"-email", "mod@crash.test", "-name", "Modération", "-role", "moderator"); err != nil {
		t.Fatalf("user add: %v\n%s", err, errOut)
	}
	raw := openReadOnly(t, dbPath)
	pools := targetPools(t, raw, 3, 40)
	// On PostgreSQL, a second server runs on the same database throughout,
	// as the other instance behind a load balancer: it is never killed, and
	// after every kill of the first it must serve everything acknowledged.
	var other *serverProcess
	if directory.IsPostgresURL(dbPath) {
		other = startServer(t, dbPath)
		defer other.stop(t)
	}

	l := &ledger{approved: map[int64]approval{}, created: map[int64]string{}}
	var contrib, mod *apiClient
	stats := struct{ kills, inflightErrors, backups int }{}
	for cycle := 0; cycle <= cycles; cycle++ {
		p := startServer(t, dbPath)
		if cycle == 0 {
			contrib, mod = newAPIClient(p.base), newAPIClient(p.base)
			contrib.must(t, 202, "POST", "/api/register", map[string]string{"email": "contrib@crash.test",
				"display_name": "Contributrice", "password": "contributor passphrase"}, nil)
			contrib.must(t, 200, "POST", "/api/login", map[string]string{"email": "contrib@crash.test", "password": "contributor passphrase"}, nil)
			mod.must(t, 200, "POST", "/api/login", map[string]string{"email": "mod@crash.test", "password": "moderator passphrase"}, nil)
		}
		// Sessions live in the database: they survive the crash; only the port changes.
		contrib.base, mod.base = p.base, p.base

		// What was acknowledged before the crash is there, and the index agrees.
		if cycle > 0 {
			acks, ids := l.sinceLastCheck()
			l.verify(t, mod, raw, acks, ids)
			if other != nil {
				l.verify(t, followed(t, mod, other, raw), raw, acks, ids)
			}
		}
		if cycle == cycles {
			acks, ids := l.all()
			l.verify(t, mod, raw, acks, ids)
			if other != nil {
				l.verify(t, followed(t, mod, other, raw), raw, acks, ids)
			}
			p.stop(t)
			if _, err := directory.Inspect(context.Background(), dbPath); err != nil {
				t.Fatalf("after the final graceful stop: %v", err)
			}
			break
		}

		// Writers: two contributor → moderator chains and one moderator
		// editing directly, each on its own actors.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var errMu sync.Mutex
		for i, pool := range pools {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(cycle*10+i)))
				n := l.drive(stop, r, contrib, mod, pool, i == 2)
				errMu.Lock()
				stats.inflightErrors += n
				errMu.Unlock()
			}()
		}
		// Every third cycle, a backup from another process, during the writes.
		var backupErr error
		var backupPath string
		if cycle%3 == 1 {
			backupPath = filepath.Join(dir, fmt.Sprintf("backup-%d.db", cycle))
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(50 * time.Millisecond)
				_, errOut, err := runBinary(t, nil, "backup", "-db", dbPath, backupPath)
				if err != nil {
					backupErr = fmt.Errorf("%v: %s", err, errOut)
				}
			}()
		}
		time.Sleep(time.Duration(100+rng.IntN(1400)) * time.Millisecond)
		p.kill()
		stats.kills++
		close(stop)
		wg.Wait()
		if backupErr != nil {
			t.Fatalf("cycle %d: backup during writes: %v", cycle, backupErr)
		}
		if backupPath != "" {
			if _, err := directory.Inspect(context.Background(), backupPath); err != nil {
				t.Fatalf("cycle %d: backup taken during writes: %v", cycle, err)
			}
			stats.backups++
		}
		// The files as the crash left them: sound and consistent.
		if _, err := directory.Inspect(context.Background(), dbPath); err != nil {
			t.Fatalf("cycle %d, after SIGKILL: %v\nserver log:\n%s", cycle, err, trimLogs(p.logs.String()))
		}
	}
	t.Logf("%d SIGKILLs; %d proposals and %d approvals acknowledged, all present after restart; %d requests cut by the kills; %d backups under writes sound",
		stats.kills, len(l.created), len(l.approved), stats.inflightErrors, stats.backups)
	if len(l.approved) < cycles {
		t.Fatalf("only %d approvals acknowledged in %d cycles: the test exercised too little", len(l.approved), cycles)
	}
}

// followed returns c's session on server p, once p's read model has followed
// every change stored in the database (its /readyz "followed" sequence).
func followed(t *testing.T, c *apiClient, p *serverProcess, raw *sql.DB) *apiClient {
	t.Helper()
	var want uint64
	if err := raw.QueryRow(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	on := &apiClient{base: p.base, http: c.http}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var ready struct{ Followed uint64 }
		if code, _, err := on.do("GET", "/readyz", nil, &ready); err == nil && code == 200 && ready.Followed >= want {
			return on
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other server never followed the database up to change %d\n%s", want, trimLogs(p.logs.String()))
		}
	}
}

// approval is an acknowledged approval: the proposal, its target, the
// version it made and the values it set.
type approval struct {
	proposal int64
	target   string
	version  int
	phone    string // set by an update
	placed   bool   // set by a place, with lon and lat
	lon, lat float64
}

// ledger records what the server acknowledged.
type ledger struct {
	mu       sync.Mutex
	approved map[int64]approval
	created  map[int64]string // proposal id → target
	pending  []approval       // approvals acknowledged since the last check
	newIDs   []int64          // proposals acknowledged since the last check
}

func (l *ledger) ackCreated(id int64, target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.created[id] = target
	l.newIDs = append(l.newIDs, id)
}

func (l *ledger) ackApproved(a approval) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.approved[a.proposal] = a
	l.pending = append(l.pending, a)
}

// sinceLastCheck returns what was acknowledged since it was last called.
func (l *ledger) sinceLastCheck() ([]approval, []int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acks, ids := l.pending, l.newIDs
	l.pending, l.newIDs = nil, nil
	return acks, ids
}

// all returns everything acknowledged.
func (l *ledger) all() ([]approval, []int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acks := make([]approval, 0, len(l.approved))
	for _, a := range l.approved {
		acks = append(acks, a)
	}
	ids := make([]int64, 0, len(l.created))
	for id := range l.created {
		ids = append(ids, id)
	}
	return acks, ids
}

type proposalAnswer struct {
	ID             int64  `json:"id"`
	Status         string `json:"status"`
	AppliedVersion int    `json:"applied_version"`
}

type itemAnswer struct {
	ID       string `json:"id"`
	Geometry *struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Version   int    `json:"version"`
		Phone     string `json:"phone"`
		Precision string `json:"precision"`
	} `json:"properties"`
}

// drive proposes and approves changes to the actors of pool until stop or
// until the server is gone. A chain has the contributor propose and the
// moderator approve; direct has the moderator edit (applied at once). It
// returns how many requests failed without an answer.
func (l *ledger) drive(stop chan struct{}, r *rand.Rand, contrib, mod *apiClient, pool []string, direct bool) (failed int) {
	author := contrib
	if direct {
		author = mod
	}
	for i := r.IntN(len(pool)); ; i++ {
		select {
		case <-stop:
			return failed
		default:
		}
		target := pool[i%len(pool)]
		var item itemAnswer
		if st, _, err := author.do("GET", "/api/collections/actors/items/"+target, nil, &item); err != nil || st != 200 {
			failed++
			if waitOrStop(stop) {
				return failed
			}
			continue
		}
		a := approval{target: target}
		body := map[string]any{"target_type": "actor", "target_id": target, "base_version": item.Properties.Version,
			"comment": "crash test"}
		if r.IntN(2) == 0 && item.Geometry != nil {
			// A new point a few hundred metres away: unique, and still inside France.
			a.placed = true
			a.lon = round6(item.Geometry.Coordinates[0] + (r.Float64()-0.5)*0.004)
			a.lat = round6(item.Geometry.Coordinates[1] + (r.Float64()-0.5)*0.004)
			body["action"] = "place"
			body["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{a.lon, a.lat}}
		} else {
			a.phone = fmt.Sprintf("03 %02d %02d %02d %02d", r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
			body["action"] = "update"
			body["changes"] = map[string]any{"phone": a.phone}
		}
		var created proposalAnswer
		st, _, err := author.do("POST", "/api/proposals", body, &created)
		if err != nil {
			failed++
			if waitOrStop(stop) {
				return failed
			}
			continue
		}
		if st != 201 {
			continue // a 409 or a 429: nothing acknowledged
		}
		l.ackCreated(created.ID, target)
		a.proposal = created.ID
		if direct {
			if created.Status == directory.ProposalApproved {
				a.version = created.AppliedVersion
				l.ackApproved(a)
			}
			continue
		}
		var approved proposalAnswer
		st, _, err = mod.do("POST", fmt.Sprintf("/api/proposals/%d/approve", created.ID), map[string]string{"reason": "vérifié"}, &approved)
		if err != nil {
			failed++
			if waitOrStop(stop) {
				return failed
			}
			continue
		}
		if st == 200 && approved.Status == directory.ProposalApproved {
			a.version = approved.AppliedVersion
			l.ackApproved(a)
		}
	}
}

// waitOrStop pauses after a failed request (the server is being killed or
// restarted) and reports whether to stop.
func waitOrStop(stop chan struct{}) bool {
	select {
	case <-stop:
		return true
	case <-time.After(20 * time.Millisecond):
		return false
	}
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// verify checks acknowledged approvals over HTTP, and that the restarted
// server's index agrees with the database for every actor they touched.
func (l *ledger) verify(t *testing.T, mod *apiClient, raw *sql.DB, acks []approval, ids []int64) {
	t.Helper()
	// Every acknowledged proposal exists.
	for _, id := range ids {
		l.mu.Lock()
		target := l.created[id]
		l.mu.Unlock()
		var p struct {
			TargetID string `json:"target_id"`
		}
		mod.must(t, 200, "GET", fmt.Sprintf("/api/proposals/%d", id), nil, &p)
		if p.TargetID != target {
			t.Fatalf("proposal %d targets %s, acknowledged for %s", id, p.TargetID, target)
		}
	}
	// Every acknowledged approval is there with its version.
	last := map[string]approval{}
	for _, a := range acks {
		var p proposalAnswer
		mod.must(t, 200, "GET", fmt.Sprintf("/api/proposals/%d", a.proposal), nil, &p)
		if p.Status != directory.ProposalApproved || p.AppliedVersion != a.version {
			t.Fatalf("acknowledged approval of proposal %d (version %d) lost: now %s, version %d", a.proposal, a.version, p.Status, p.AppliedVersion)
		}
		var hist struct {
			Versions []struct {
				Version    int   `json:"version"`
				ProposalID int64 `json:"proposal_id"`
			} `json:"versions"`
		}
		mod.must(t, 200, "GET", "/api/actors/"+a.target+"/history", nil, &hist)
		found := false
		for _, v := range hist.Versions {
			found = found || (v.Version == a.version && v.ProposalID == a.proposal)
		}
		if !found {
			t.Fatalf("%s's history lacks version %d of proposal %d", a.target, a.version, a.proposal)
		}
		if prev, ok := last[a.target]; !ok || a.version > prev.version {
			last[a.target] = a
		}
	}
	// The index rebuilt at start serves what the database holds.
	targets := make([]string, 0, len(last))
	for id := range last {
		targets = append(targets, id)
	}
	sort.Strings(targets)
	for _, id := range targets {
		var version int
		var phone, precision string
		var lon, lat sql.NullFloat64
		if err := raw.QueryRow(`SELECT version, phone, precision, lon, lat FROM actors WHERE id = ?`, id).
			Scan(&version, &phone, &precision, &lon, &lat); err != nil {
			t.Fatal(err)
		}
		a := last[id]
		if version < a.version {
			t.Fatalf("%s is at version %d in the database, below the acknowledged %d", id, version, a.version)
		}
		if version == a.version && a.phone != "" && phone != a.phone {
			t.Fatalf("%s phone %q in the database, acknowledged %q", id, phone, a.phone)
		}
		if version == a.version && a.placed && (round6(lon.Float64) != a.lon || round6(lat.Float64) != a.lat) {
			t.Fatalf("%s at %v,%v in the database, acknowledged %v,%v", id, lon.Float64, lat.Float64, a.lon, a.lat)
		}
		var item itemAnswer
		mod.must(t, 200, "GET", "/api/collections/actors/items/"+id, nil, &item)
		if item.Properties.Version != version || item.Properties.Phone != phone {
			t.Fatalf("%s served at version %d phone %q; the database has %d %q", id, item.Properties.Version, item.Properties.Phone, version, phone)
		}
		if lon.Valid && (item.Geometry == nil || item.Geometry.Coordinates[0] != round6(lon.Float64) || item.Geometry.Coordinates[1] != round6(lat.Float64)) {
			t.Fatalf("%s served at %+v; the database has %v,%v", id, item.Geometry, lon.Float64, lat.Float64)
		}
		if precision == directory.PrecisionContributed {
			var near struct{ Features []itemAnswer }
			q := url.Values{"lon": {fmt.Sprint(round6(lon.Float64))}, "lat": {fmt.Sprint(round6(lat.Float64))}, "limit": {"1"}}
			mod.must(t, 200, "GET", "/api/nearby?"+q.Encode(), nil, &near)
			if len(near.Features) == 0 || near.Features[0].ID != id {
				t.Fatalf("the spatial index does not find %s at its stored point %v,%v", id, lon.Float64, lat.Float64)
			}
		}
	}
	var live, located int
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(lon) FROM actors WHERE deleted = 0`).Scan(&live, &located); err != nil {
		t.Fatal(err)
	}
	var items struct{ NumberMatched int }
	mod.must(t, 200, "GET", "/api/collections/actors/items?limit=1", nil, &items)
	var ready struct{ Actors, Located int }
	mod.must(t, 200, "GET", "/readyz", nil, &ready)
	if items.NumberMatched != live || ready.Actors != live || ready.Located != located {
		t.Fatalf("index: %d items, %d actors, %d located; database: %d live, %d located", items.NumberMatched, ready.Actors, ready.Located, live, located)
	}
}

// targetPools returns n disjoint pools of size communes that have a point.
func targetPools(tb testing.TB, raw *sql.DB, n, size int) [][]string {
	tb.Helper()
	rows, err := raw.Query(`SELECT id FROM actors WHERE kind = 'commune' AND lon IS NOT NULL AND departement IN ('88', '54', '57')
		ORDER BY ref LIMIT ?`, n*size)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if len(ids) < n*size {
		tb.Fatalf("only %d target communes", len(ids))
	}
	pools := make([][]string, n)
	for i := range pools {
		pools[i] = ids[i*size : (i+1)*size]
	}
	return pools
}

// openReadOnly opens the database file as another process would, beside the server.
func openReadOnly(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := directory.OpenSQL(path, true)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
