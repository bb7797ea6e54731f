package directory

import (
	"database/sql"
	"testing"
)

// ReaderPragma reads a PRAGMA's value from a reader connection (test helper).
func (db *DB) ReaderPragma(tb testing.TB, name string) string {
	tb.Helper()
	var v string
	if err := db.read.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// WriterStats returns the writer pool's statistics (test helper).
func (db *DB) WriterStats() sql.DBStats { return db.write.Stats() }
