package directory

import (
	"context"
	"strings"
	"testing"
)

// Pragma reads a PRAGMA's value from a writer connection (test helper).
func (db *DB) Pragma(tb testing.TB, name string) string {
	tb.Helper()
	var v string
	if err := db.write.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// ContainsText reports whether any text column of the security tables holds s.
func (db *DB) ContainsText(tb testing.TB, s string) bool {
	tb.Helper()
	var n int
	err := db.read.QueryRow(`SELECT
		(SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?1 OR prefix = ?1 OR name = ?1) +
		(SELECT COUNT(*) FROM sessions WHERE token_hash = ?1) +
		(SELECT COUNT(*) FROM users WHERE password_hash LIKE '%' || ?1 || '%')`, s).Scan(&n)
	if err != nil {
		tb.Fatal(err)
	}
	return n > 0
}

// SetClusterSyncMax sets the size above which a stale cluster index is
// served while it is rebuilt in the background, so that tests on the real
// data (15 k actors) can exercise what happens at a million.
func (d *Directory) SetClusterSyncMax(n int) { d.clusters.syncMax = n }

// LoadFold folds a name as the read model's loader does (word by word,
// with a memory of words seen): it must agree with Fold.
func LoadFold(s string) string {
	store := newTextStore()
	return store.str(newEntryBuilder(nil, &textWriter{s: store}).fold(s))
}

// ActorColumns returns the columns of the store's actors table and those
// the actor field list reads and writes (ref first).
func (db *DB) ActorColumns(ctx context.Context) (table, listed []string, err error) {
	schema, err := db.store.schema(ctx, db.read)
	if err != nil {
		return nil, nil, err
	}
	return schema["actors"].Columns, strings.Split(actorColumns, ", "), nil
}
