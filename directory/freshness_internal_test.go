package directory

import (
	"testing"
	"time"
)

func TestStale(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		asOf     string
		verified time.Time
		years    int
		stale    bool
	}{
		{"2009", time.Time{}, 3, true},
		{"2023-12-02", time.Time{}, 3, false},     // not yet three years
		{"2023-11-30", time.Time{}, 3, true},      // three years and a day
		{"2009", now.AddDate(0, -1, 0), 3, false}, // confirmed last month
		{"", time.Time{}, 3, true},                // no date, never confirmed: to check
		{"", now.AddDate(0, -1, 0), 3, false},     // no date, confirmed last month
		{"", time.Time{}, 0, false},               // staleness off
		{"2009", time.Time{}, 0, false},           // staleness off
	} {
		if got := isStale(c.asOf, c.verified, c.years, now); got != c.stale {
			t.Errorf("isStale(%q, %v, %d) = %v", c.asOf, c.verified, c.years, got)
		}
	}
}

func TestOpeningHoursSummary(t *testing.T) {
	got := openingHoursSummary([]dilaHours{
		{DayFrom: "Lundi", DayTo: "Vendredi", From1: "08:30:00", To1: "12:00:00", From2: "13:30:00", To2: "17:30:00"},
		{DayFrom: "Samedi", DayTo: "Samedi", From1: "09:00:00", To1: "12:00:00", Comment: "Accueil ouvert\nle 1er samedi"},
	}, "Fermé en août.")
	want := "Lundi au vendredi : 8h30–12h, 13h30–17h30 ; samedi : 9h–12h (Accueil ouvert le 1er samedi). Fermé en août."
	if got != want {
		t.Errorf("summary = %q\nwant      %q", got, want)
	}
	if got := openingHoursSummary(nil, ""); got != "" {
		t.Errorf("no hours: %q", got)
	}
}
