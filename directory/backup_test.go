package directory_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

// committedState is what a database holds right after one commit.
type committedState struct{ proposals, versions, actors int }

func countState(tb testing.TB, db *sql.DB) (uint64, committedState) {
	tb.Helper()
	seq, s, err := readState(db)
	if err != nil {
		tb.Fatal(err)
	}
	return seq, s
}

func readState(db *sql.DB) (uint64, committedState, error) {
	var seq uint64
	var s committedState
	err := db.QueryRow(`SELECT CAST((SELECT value FROM meta WHERE key = 'change_seq') AS INTEGER),
		(SELECT COUNT(*) FROM proposals), (SELECT COUNT(*) FROM versions),
		(SELECT COUNT(*) FROM actors WHERE deleted = 0)`).Scan(&seq, &s.proposals, &s.versions, &s.actors)
	return seq, s, err
}

func openRaw(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=on&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestBackupUnderWrites takes backups while a writer applies changes as fast
// as it can, and proves each backup is the state right after one commit:
// it passes integrity_check and the consistency checks (every version a
// proposal references exists, no version without its applied proposal), and
// its counts are exactly those the writer saw after the commit of the
// backup's change sequence — a committed prefix, nothing half-applied.
func TestBackupUnderWrites(t *testing.T) {
	t.Parallel() // correctness alone, on its own database: it may overlap another
	ctx := context.Background()
	db := MustOpenSQLiteDB(t)
	d, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := d.CreateUser(ctx, directory.Registration{Email: "mod@backup.test", DisplayName: "Mod", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, db.Path())
	var ids []string
	rows, err := raw.Query(`SELECT id FROM actors WHERE kind = 'commune' ORDER BY ref LIMIT 50`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()

	var mu sync.Mutex
	states := map[uint64]committedState{}
	seq, st := countState(t, raw)
	states[seq] = st
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	var stopOnce sync.Once
	stopWriter := func() error {
		var err error
		stopOnce.Do(func() { close(stop); err = <-writerDone })
		return err
	}
	defer stopWriter()
	go func() {
		versions := map[string]int{}
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			id := ids[i%len(ids)]
			base := versions[id]
			if base == 0 {
				base = 1
			}
			phone, _ := json.Marshal(fmt.Sprintf("03 29 %02d %02d %02d", i/10000%100, i/100%100, i%100))
			p, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: id, Action: "update",
				BaseVersion: base, Changes: map[string]json.RawMessage{"phone": phone}})
			if err != nil {
				writerDone <- fmt.Errorf("write %d: %w", i, err)
				return
			}
			versions[id] = p.AppliedVersion
			// Only this goroutine writes: what it reads now is the state of that commit.
			seq, st, err := readState(raw)
			if err != nil {
				writerDone <- err
				return
			}
			mu.Lock()
			states[seq] = st
			mu.Unlock()
		}
	}()

	dir := t.TempDir()
	var backups []string
	for i := range 4 {
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		info, err := directory.Backup(ctx, db.Path(), path)
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		t.Logf("backup %d: seq %d, %d proposals, %d versions, %.1f MiB in %v", i, info.Seq, info.Proposals, info.Versions,
			float64(info.Bytes)/(1<<20), info.Took)
		backups = append(backups, path)
	}
	// A backup over an older one replaces it whole.
	if _, err := directory.Backup(ctx, db.Path(), backups[0]); err != nil {
		t.Fatalf("backup over an older backup: %v", err)
	}
	if err := stopWriter(); err != nil {
		t.Fatal(err)
	}

	distinct := map[uint64]bool{}
	for _, path := range backups {
		info, err := directory.Inspect(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b := openRaw(t, path)
		seq, got := countState(t, b)
		mu.Lock()
		want, ok := states[seq]
		mu.Unlock()
		if !ok {
			t.Fatalf("%s: change sequence %d was never committed", path, seq)
		}
		if got != want {
			t.Fatalf("%s at seq %d holds %+v, want the committed %+v", path, seq, got, want)
		}
		if info.Seq != seq {
			t.Fatalf("Inspect seq %d, counted %d", info.Seq, seq)
		}
		distinct[seq] = true
	}
	t.Logf("%d commits during the backups; backups at %d distinct sequences", len(states)-1, len(distinct))
	if len(states) < 3 {
		t.Fatalf("only %d commits happened during the backups: the test proved nothing", len(states)-1)
	}

	// Restore puts the backup in place and keeps the database it replaces.
	target := filepath.Join(dir, "restored.db")
	if err := os.WriteFile(target, []byte("the old database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target+"-wal", []byte("its log"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, kept, err := directory.Restore(ctx, backups[1], target)
	if err != nil {
		t.Fatal(err)
	}
	if old, _ := os.ReadFile(kept); string(old) != "the old database" {
		t.Fatalf("the replaced database was not kept: %q", old)
	}
	if _, err := os.Stat(target + "-wal"); !os.IsNotExist(err) {
		t.Fatalf("the replaced database's -wal is still beside the restored one: %v", err)
	}
	want, _ := directory.Inspect(ctx, backups[1])
	if info.Seq != want.Seq || info.Versions != want.Versions || info.Proposals != want.Proposals {
		t.Fatalf("restored %+v, backup %+v", info, want)
	}
	// The restored file opens as a directory with the backup's content.
	rdb, err := directory.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rd, err := directory.New(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Seq() != want.Seq || rd.Stats().Actors != want.Actors {
		t.Fatalf("restored directory: seq %d, %d actors; backup: %+v", rd.Seq(), rd.Stats().Actors, want)
	}
}

func TestBackupErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Run("ErrNoSource", func(t *testing.T) {
		_, err := directory.Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db"))
		if directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
			t.Fatal("backing up a missing database created it")
		}
	})
	t.Run("ErrSameFile", func(t *testing.T) {
		db := MustOpenEmptySQLiteDB(t)
		if _, err := directory.Backup(ctx, db.Path(), db.Path()); directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrRestoreGarbage", func(t *testing.T) {
		bad := filepath.Join(dir, "garbage.db")
		os.WriteFile(bad, []byte("not a database at all, not at all"), 0o600)
		target := filepath.Join(dir, "target.db")
		os.WriteFile(target, []byte("keep me"), 0o600)
		if _, _, err := directory.Restore(ctx, bad, target); directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("err = %v", err)
		}
		if b, _ := os.ReadFile(target); string(b) != "keep me" {
			t.Fatal("a refused restore touched the database")
		}
	})
}
