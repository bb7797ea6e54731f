package directory

import (
	"slices"
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

// CheckEntryCodes compares, for every entry, the codes read by the fast
// scan with those of a full decoding; it returns how many entries have
// codes and the first entry where they differ ("" if none).
func (d *Directory) CheckEntryCodes() (withCodes int, differs string) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for i := range d.entries {
		e := &d.entries[i]
		c1, p1 := d.entryCodes(e)
		c2, p2 := d.entryCodesSlow(e)
		if !slices.Equal(c1, c2) || !slices.Equal(p1, p2) {
			return withCodes, d.str(e.id)
		}
		if len(c1)+len(p1) > 0 {
			withCodes++
		}
	}
	return withCodes, ""
}
