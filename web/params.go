package web

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/directory"
)

// The problems a query parameter may have (see directory/error.go).
var (
	keyQueryMalformed = directory.NewKey("param.malformed", "is malformed ({err}): escape special characters with %XX")
	keyParamName      = directory.NewKey("param.bad_name", "has a parameter without a valid name (names are short UTF-8 words such as bbox or limit)")
	keyParamNone      = directory.NewKey("param.none_taken", "is not a parameter of this endpoint, which takes none")
	keyParamUnknown   = directory.NewKey("param.unknown", "is not a parameter of this endpoint; accepted: {accepted}")
	keyParamTwice     = directory.NewKey("param.twice", "must be given once (use commas for several values)")
	keyParamInt       = directory.NewKey("param.int_between", "must be an integer between {min} and {max} (got {got})")
	keyParamDecimal   = directory.NewKey("param.decimal", "must be a decimal number (got {got:q})")
	keyParamLon       = directory.NewKey("param.lon", "must be a longitude between -180 and 180 (got {got})")
	keyParamLat       = directory.NewKey("param.lat", "must be a latitude between -90 and 90 (got {got})")
	keyParamKm        = directory.NewKey("param.km", "must be a distance in kilometres between 0 and 20040 (got {got})")
	keyBboxCount      = directory.NewKey("bbox.count", bboxHelp+"; got {count} values")
	keyBboxNumber     = directory.NewKey("bbox.number", bboxHelp+"; value {index} ({got:q}) is not a number")
	keyBboxLon        = directory.NewKey("bbox.lon", "longitudes must be between -180 and 180")
	keyBboxLat        = directory.NewKey("bbox.lat", "latitudes must be between -90 and 90")
	keyBboxOrder      = directory.NewKey("bbox.order", "minLat ({min_lat}) must not be greater than maxLat ({max_lat})")
	keyDatetime       = directory.NewKey("param.datetime", "must be an RFC 3339 date-time or date, or an interval start/end with .. for an open end (got {got:q})")
	keyDatetimeOrder  = directory.NewKey("param.datetime_order", "start must not be after end")
	keyParamBool      = directory.NewKey("param.bool", "must be true or false (got {got:q})")
	keyParamSince     = directory.NewKey("param.since", "must be an RFC 3339 date-time or a date such as 2026-01-31 (got {got:q})")
)

const bboxHelp = "must be minLon,minLat,maxLon,maxLat in WGS 84 degrees (4 numbers, or 6 with heights), e.g. 6.3,48.1,6.6,48.3"

// params reads a request's query parameters strictly: an unknown or repeated
// parameter, or a value of the wrong shape, is a problem named after the
// parameter, and all problems are reported at once as one 400.
type params struct {
	values   []param // in the order given
	problems directory.Problems
}

// param is one name=value of a query.
type param struct{ name, value string }

// parseParams parses rawQuery and refuses parameters outside allowed. It
// reads the query as url.ParseQuery does, into a slice: no map per request.
func parseParams(rawQuery string, allowed []string) *params {
	p := &params{}
	var err error
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if strings.Contains(kv, ";") {
			if err == nil {
				err = errors.New("invalid semicolon separator in query")
			}
			continue
		}
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		if err1 == nil {
			v, err1 = url.QueryUnescape(v)
		}
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		p.values = append(p.values, param{k, v})
	}
	if err != nil {
		p.problems.Add("query", keyQueryMalformed, directory.Args{"err": shortErr(err)})
		p.values = nil
	}
	for i, v := range p.values {
		name := v.name
		switch {
		case name == "" || len(name) > 100 || !utf8.ValidString(name):
			// Named after the query: a 400 must name what to fix, and such a
			// name cannot be shown (or is a flood).
			p.problems.Add("query", keyParamName, nil)
		case !slices.Contains(allowed, name):
			if len(allowed) == 0 {
				p.problems.Add(name, keyParamNone, nil)
			} else {
				p.problems.Add(name, keyParamUnknown, directory.Args{"accepted": strings.Join(allowed, ", ")})
			}
		case slices.ContainsFunc(p.values[:i], func(o param) bool { return o.name == name }):
			// Allowed names are few: the look back is short.
			p.problems.Add(name, keyParamTwice, nil)
		case !utf8.ValidString(v.value):
			p.problems.Add(name, directory.KeyUTF8, nil)
		}
	}
	return p
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// err returns the collected problems as one EINVALID error, or nil.
func (p *params) err() error { return p.problems.Err("query parameters") }

// has reports whether the parameter was given (even empty).
func (p *params) has(name string) bool {
	return slices.ContainsFunc(p.values, func(v param) bool { return v.name == name })
}

// get returns the first value of the parameter, "" if absent.
func (p *params) get(name string) string {
	for _, v := range p.values {
		if v.name == name {
			return v.value
		}
	}
	return ""
}

// str returns the parameter's value, "" if absent.
func (p *params) str(name string) string { return p.get(name) }

// list returns the comma-separated values of a parameter, trimmed, empties
// and repeats dropped; more than directory.MaxListValues different values
// is a problem named after the parameter. The work a request makes follows
// what it asks, not how many times it says it.
func (p *params) list(name string) []string {
	v := p.get(name)
	if v == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			if len(out) == directory.MaxListValues {
				p.problems.Add(name, directory.KeyListValues, directory.Args{"max": directory.MaxListValues})
				return out
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// integer returns the parameter as an integer in [lo, hi], def when absent.
// Values above hi are clamped to hi when clamp is set (OGC's rule for limit).
func (p *params) integer(name string, def, lo, hi int, clamp bool) int {
	if !p.has(name) {
		return def
	}
	s := p.get(name)
	n, err := strconv.Atoi(s)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !strings.HasPrefix(s, "-") && clamp {
			return hi
		}
		p.problems.Add(name, keyParamInt, directory.Args{"min": lo, "max": hi, "got": strconv.Quote(truncate(s))})
		return def
	}
	if n > hi && clamp {
		return hi
	}
	if n < lo || n > hi {
		p.problems.Add(name, keyParamInt, directory.Args{"min": lo, "max": hi, "got": n})
		return def
	}
	return n
}

// number returns the parameter as a finite float, or ok=false (and a problem
// when it is present but not a number). required adds a problem when absent.
func (p *params) number(name string, required bool) (float64, bool) {
	if !p.has(name) || p.get(name) == "" {
		if required {
			p.problems.Add(name, directory.KeyRequired, nil)
		}
		return 0, false
	}
	f, ok := parseFinite(p.get(name))
	if !ok {
		p.problems.Add(name, keyParamDecimal, directory.Args{"got": truncate(p.get(name))})
	}
	return f, ok
}

// parseFinite parses a decimal number, refusing NaN, infinities and hex forms
// that strconv would accept.
func parseFinite(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// lon and lat read a coordinate and check its range.
func (p *params) lon(name string, required bool) (float64, bool) {
	v, ok := p.number(name, required)
	if ok && (v < -180 || v > 180) {
		p.problems.Add(name, keyParamLon, directory.Args{"got": v})
		return 0, false
	}
	return v, ok
}

func (p *params) lat(name string, required bool) (float64, bool) {
	v, ok := p.number(name, required)
	if ok && (v < -90 || v > 90) {
		p.problems.Add(name, keyParamLat, directory.Args{"got": v})
		return 0, false
	}
	return v, ok
}

// bbox reads an OGC bbox: 4 numbers (or 6 with heights, which are ignored),
// lon/lat in range, minLat ≤ maxLat; minLon > maxLon crosses the antimeridian.
func (p *params) bbox(name string) *orb.Bound {
	if !p.has(name) {
		return nil
	}
	parts := strings.Split(p.get(name), ",")
	if len(parts) != 4 && len(parts) != 6 {
		p.problems.Add(name, keyBboxCount, directory.Args{"count": len(parts)})
		return nil
	}
	nums := make([]float64, len(parts))
	for i, s := range parts {
		f, ok := parseFinite(s)
		if !ok {
			p.problems.Add(name, keyBboxNumber, directory.Args{"index": i + 1, "got": truncate(s)})
			return nil
		}
		nums[i] = f
	}
	if len(nums) == 6 {
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	minLon, minLat, maxLon, maxLat := nums[0], nums[1], nums[2], nums[3]
	switch {
	case minLon < -180 || minLon > 180 || maxLon < -180 || maxLon > 180:
		p.problems.Add(name, keyBboxLon, nil)
	case minLat < -90 || minLat > 90 || maxLat < -90 || maxLat > 90:
		p.problems.Add(name, keyBboxLat, nil)
	case minLat > maxLat:
		p.problems.Add(name, keyBboxOrder, directory.Args{"min_lat": minLat, "max_lat": maxLat})
	default:
		return &orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}
	}
	return nil
}

// datetime reads an OGC datetime: an RFC 3339 instant or a closed or
// half-bounded interval ("a/b", "../b", "a/.."). Dates alone mean the whole day.
func (p *params) datetime(name string) (from, to time.Time) {
	if !p.has(name) {
		return
	}
	v := p.get(name)
	bad := func() {
		p.problems.Add(name, keyDatetime, directory.Args{"got": truncate(v)})
	}
	start, end, interval := strings.Cut(v, "/")
	parse := func(s string, endOfDay bool) (time.Time, bool) {
		if s == ".." || (interval && s == "") {
			return time.Time{}, true
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, true
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			if endOfDay {
				t = t.Add(24*time.Hour - time.Second)
			}
			return t, true
		}
		return time.Time{}, false
	}
	var ok1, ok2 bool
	if !interval {
		if from, ok1 = parse(start, false); !ok1 || start == ".." {
			bad()
			return time.Time{}, time.Time{}
		}
		to, _ = parse(start, true)
		if !strings.Contains(start, "T") {
			return from, to
		}
		return from, from
	}
	from, ok1 = parse(start, false)
	to, ok2 = parse(end, true)
	if !ok1 || !ok2 || (start == ".." && end == "..") {
		bad()
		return time.Time{}, time.Time{}
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		p.problems.Add(name, keyDatetimeOrder, nil)
	}
	return from, to
}

// boolean reads true or false; nil when the parameter is absent.
func (p *params) boolean(name string) *bool {
	if !p.has(name) {
		return nil
	}
	switch v := p.get(name); v {
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	default:
		p.problems.Add(name, keyParamBool, directory.Args{"got": truncate(v)})
		return nil
	}
}

// since reads an RFC 3339 date-time or a date (its start); zero when absent.
func (p *params) since(name string) time.Time {
	if !p.has(name) {
		return time.Time{}
	}
	v := p.get(name)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t
	}
	p.problems.Add(name, keyParamSince, directory.Args{"got": truncate(v)})
	return time.Time{}
}

// oneOf reads a parameter restricted to a few values.
func (p *params) oneOf(name, def string, values ...string) string {
	if !p.has(name) {
		return def
	}
	v := p.get(name)
	if !slices.Contains(values, v) {
		p.problems.Add(name, directory.KeyOneOfGot, directory.Args{"choices": strings.Join(values, ", "), "got": truncate(v)})
		return def
	}
	return v
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		return string(r[:40]) + "…"
	}
	return s
}

// kilometres converts a max_km parameter to metres.
func (p *params) kilometres(name string) float64 {
	v, ok := p.number(name, false)
	if !ok {
		return 0
	}
	if v <= 0 || v > 20040 {
		p.problems.Add(name, keyParamKm, directory.Args{"got": v})
		return 0
	}
	return v * 1000
}
