package directory_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/mattn/go-sqlite3"
)

// TestDurabilitySettings proves the settings the crash safety rests on, on
// both pools: WAL, synchronous=FULL (in WAL mode the default, NORMAL, may
// lose the last commits on power loss), a busy timeout, foreign keys, one
// writer connection, query-only readers.
func TestDurabilitySettings(t *testing.T) {
	db := MustOpenEmptySQLiteDB(t)
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "10000", "foreign_keys": "1"}
	for pragma, v := range want {
		w := v
		if pragma == "busy_timeout" {
			// The writer waits 2 s for another process's lock, then the
			// write is refused as busy (503) rather than stalled.
			w = "2000"
		}
		if got := db.Pragma(t, pragma); got != w {
			t.Errorf("writer: PRAGMA %s = %q, want %q", pragma, got, w)
		}
		if got := db.ReaderPragma(t, pragma); got != v {
			t.Errorf("reader: PRAGMA %s = %q, want %q", pragma, got, v)
		}
	}
	if got := db.ReaderPragma(t, "query_only"); got != "1" {
		t.Errorf("reader: PRAGMA query_only = %q, want 1", got)
	}
	if got := db.Pragma(t, "query_only"); got != "0" {
		t.Errorf("writer: PRAGMA query_only = %q, want 0", got)
	}
	if n := db.WriterStats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1 (one writer path)", n)
	}
}

// TestImmediateTransactions proves that a write transaction takes SQLite's
// write lock when it begins (BEGIN IMMEDIATE), not at its first write: a
// deferred transaction that read first could fail half-way with SQLITE_BUSY
// when it tries to upgrade its lock, while another process writes.
func TestImmediateTransactions(t *testing.T) {
	db := MustOpenEmptySQLiteDB(t)
	ctx := context.Background()
	// Another process, as `voisinage user add` would be: its own connection,
	// no busy timeout, so a held lock shows at once.
	other, err := sql.Open("sqlite3", "file:"+db.Path()+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)

	tx, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The transaction has not written anything yet, and already holds the lock.
	_, err = other.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('probe', 'x')`)
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrBusy {
		t.Fatalf("write beside an open write transaction: err = %v, want SQLITE_BUSY (BeginTx is not immediate)", err)
	}
	tx.Rollback()
	if _, err := other.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('probe', 'x')`); err != nil {
		t.Fatalf("write after the transaction ended: %v", err)
	}

	// Readers are not blocked by the writer (WAL): a read during an open
	// write transaction answers with the last committed state. The other
	// connection has no busy timeout: a read the lock blocked would fail
	// at once with SQLITE_BUSY rather than wait.
	tx, err = db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = 'y' WHERE key = 'probe'`); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := other.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'probe'`).Scan(&v); err != nil {
		t.Fatalf("read beside a write transaction: %v (blocked by the writer?)", err)
	}
	if v != "x" {
		t.Fatalf("read beside a write transaction saw %q; want the committed %q", v, "x")
	}
}
