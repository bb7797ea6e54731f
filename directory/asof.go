package directory

import (
	"fmt"
	"regexp"
	"time"
)

// The as_of date of a fact is the date its source states, as precise as the
// source is: a year ("2009", an article that gives only its year), a month,
// or a day ("2016-02-25", a dated post; "YYYY-MM-DD" for an official record).
// It is stored as that text, which compares in time order ("2009" <
// "2016-02-25" < "2016-03").

// AsOf precisions.
const (
	AsOfYear  = "year"
	AsOfMonth = "month"
	AsOfDay   = "day"
)

var asOfRe = regexp.MustCompile(`^([12][0-9]{3})(?:-([01][0-9])(?:-([0-3][0-9]))?)?$`)

// ParseAsOf reads an as_of date. It returns the first day the text can
// mean (1 January for a year, the 1st for a month) and its precision.
func ParseAsOf(s string) (time.Time, string, error) {
	m := asOfRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, "", fmt.Errorf("as_of %q is not YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	layout, prec := "2006", AsOfYear
	switch {
	case m[3] != "":
		layout, prec = "2006-01-02", AsOfDay
	case m[2] != "":
		layout, prec = "2006-01", AsOfMonth
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("as_of %q is not a valid date", s)
	}
	return t, prec, nil
}

// AsOfEnd returns the last moment an as_of date can mean (31 December
// 23:59:59 for a year, the month's last second for a month). A freshness
// threshold compares against it, so that a fact is never called older than
// its source surely makes it.
func AsOfEnd(s string) (time.Time, error) {
	t, prec, err := ParseAsOf(s)
	if err != nil {
		return time.Time{}, err
	}
	switch prec {
	case AsOfYear:
		return t.AddDate(1, 0, 0).Add(-time.Second), nil
	case AsOfMonth:
		return t.AddDate(0, 1, 0).Add(-time.Second), nil
	}
	return t.AddDate(0, 0, 1).Add(-time.Second), nil
}
