package directory

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"
)

// MigrateTo creates the database at path with the migrations up to
// version only, as a database made by an older release would be, and
// returns a connection to it (closed when tb ends).
func MigrateTo(tb testing.TB, path string, version int64) *sql.DB {
	tb.Helper()
	conn, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	fsys, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		tb.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, conn, fsys)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// Exec runs a statement on the writer connection (test helper).
func (db *DB) Exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := db.write.Exec(query, args...); err != nil {
		tb.Fatal(err)
	}
}

// QueryString reads one text value (test helper).
func (db *DB) QueryString(tb testing.TB, query string, args ...any) string {
	tb.Helper()
	var s string
	if err := db.read.QueryRow(query, args...).Scan(&s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TryExec runs a statement on the writer connection and returns its error.
func (db *DB) TryExec(query string, args ...any) error {
	_, err := db.write.Exec(query, args...)
	return err
}
