package directory

import "testing"

// Pragma reads a PRAGMA's value from a writer connection (test helper).
func (db *DB) Pragma(tb testing.TB, name string) string {
	tb.Helper()
	var v string
	if err := db.write.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}
