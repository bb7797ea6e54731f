package web

import (
	"testing"
	"time"
)

// French writes the first day of a month "1er" ("1er décembre 2026"),
// English "December 1, 2026"; in dates of moments and of sources alike.
func TestDatesFirstOfMonth(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := cats["fr"], cats["en"]
	first := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{fr.Date(first), "1er décembre 2026"},
		{fr.Date(first.AddDate(0, 0, 1)), "2 décembre 2026"},
		{en.Date(first), "December 1, 2026"},
		{fr.SourceDate("2026-12-01"), "1er décembre 2026"},
		{fr.SourceDate("2016-02-25"), "25 février 2016"},
		{en.SourceDate("2026-12-01"), "December 1, 2026"},
		{fr.AsOf("2026-12-01"), "le 1er décembre 2026"},
		{fr.AsOf("2026-12-02"), "le 2 décembre 2026"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
