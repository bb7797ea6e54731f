package directory

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// fieldKind says how a proposed value is checked and normalised.
type fieldKind int

const (
	fText       fieldKind = iota // one line of text
	fLongText                    // several lines
	fURL                         // absolute http(s) URL, or "" to clear
	fEmail                       // e-mail address, or ""
	fPhone                       // phone number, or ""
	fPopulation                  // non-negative integer
	fYear                        // a year, or 0 when unknown
	fBool
	fLabels     // list of short texts
	fKind       // an actor kind
	fThemes     // non-empty list of themes
	fStatus     // an adoption status
	fDept       // a département code, or ""
	fRegion     // a région code, or ""
	fParents    // list of existing actor ids
	fPostalCode // list of 5-digit postal codes
	fSIREN      // 9 digits, or ""
	fSIRET      // 14 digits, or ""
	fLon
	fLat
	fActorRef // an existing actor id
	fToolRef  // an existing tool slug
	fAsOf     // the date a source states: YYYY, YYYY-MM or YYYY-MM-DD, not in the future, or ""
)

// fieldSpec is one field a proposal may set.
type fieldSpec struct {
	name     string
	kind     fieldKind
	max      int  // characters, or items for lists
	official bool // actors: comes from the official list, read-only for administrative kinds
	create   bool // may only be set when creating the record
	required bool // must be given when creating the record
}

var actorFields = []fieldSpec{
	{name: "name", kind: fText, max: 200, official: true, required: true},
	{name: "kind", kind: fKind, official: true, create: true, required: true},
	{name: "code", kind: fText, max: 20, official: true},
	{name: "siren", kind: fSIREN, official: true},
	{name: "departement", kind: fDept, official: true},
	{name: "region", kind: fRegion, official: true},
	{name: "parents", kind: fParents, max: 10, official: true},
	{name: "postal_codes", kind: fPostalCode, max: 50, official: true},
	{name: "population", kind: fPopulation, official: true},
	{name: "website", kind: fURL, max: 500},
	{name: "email", kind: fEmail},
	{name: "phone", kind: fPhone},
	{name: "address", kind: fText, max: 300},
	{name: "opening_hours", kind: fLongText, max: 1000},
	{name: "siret", kind: fSIRET},
	{name: "description", kind: fLongText, max: 2000},
	{name: "labels", kind: fLabels, max: 20},
	{name: "lon", kind: fLon},
	{name: "lat", kind: fLat},
}

var toolFields = []fieldSpec{
	{name: "name", kind: fText, max: 120, required: true},
	{name: "description", kind: fLongText, max: 2000},
	{name: "url", kind: fURL, max: 500},
	{name: "tutorial_url", kind: fURL, max: 500},
	{name: "licence", kind: fText, max: 60},
	{name: "free_software", kind: fBool},
	{name: "themes", kind: fThemes, max: len(Themes), required: true},
}

var adoptionFields = []fieldSpec{
	{name: "actor", kind: fActorRef, create: true, required: true},
	{name: "tool", kind: fToolRef, create: true, required: true},
	{name: "usage", kind: fLongText, max: 2000},
	{name: "since", kind: fYear},
	{name: "status", kind: fStatus},
	{name: "contact", kind: fText, max: 300},
	{name: "url", kind: fURL, max: 500},
	{name: "as_of", kind: fAsOf},
}

func fieldSpecs(typ string) []fieldSpec {
	switch typ {
	case TypeActor:
		return actorFields
	case TypeTool:
		return toolFields
	case TypeAdoption:
		return adoptionFields
	}
	return nil
}

// administrativeKinds come from the official list: they are neither created
// nor deleted by proposals, and their official fields are read-only.
var administrativeKinds = []string{KindCommune, KindEPCI, KindDepartement, KindRegion, KindPrefecture, KindSousPrefecture}

// IsAdministrative reports whether actors of kind k come from the official list.
func IsAdministrative(k string) bool { return slices.Contains(administrativeKinds, k) }

// maxPopulation bounds an actor's population (France has 68 million people;
// the largest commune, Paris, 2.1 million).
const maxPopulation = 20_000_000

var (
	phoneRe  = regexp.MustCompile(`^\+?[0-9 ().-]{6,30}$`)
	sirenRe  = regexp.MustCompile(`^[0-9]{9}$`)
	siretRe  = regexp.MustCompile(`^[0-9]{14}$`)
	postalRe = regexp.MustCompile(`^[0-9]{5}$`)
)

// checker validates proposed values against the field specs and what the
// directory knows (kinds, themes, codes, existing actors and tools).
type checker struct {
	d   *Directory // read under d.mu held by the caller
	p   Problems
	now time.Time
}

func fieldNames(specs []fieldSpec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// check validates and normalises raw changes for a record of type typ.
// official is set when the target is an administrative actor; creating
// when the proposal creates the record.
func (c *checker) check(typ string, raw map[string]json.RawMessage, official, creating bool) map[string]json.RawMessage {
	specs := fieldSpecs(typ)
	out := map[string]json.RawMessage{}
	for name, v := range raw {
		i := slices.IndexFunc(specs, func(s fieldSpec) bool { return s.name == name })
		if i < 0 {
			c.p.Add("changes."+name, keyNotAField, Args{"type": typ, "fields": fieldNames(specs)})
			continue
		}
		spec := specs[i]
		switch {
		case spec.official && official:
			c.p.Add("changes."+name, keyOfficialField, nil)
			continue
		case spec.create && !creating:
			c.p.Add("changes."+name, keyCreateOnly, nil)
			continue
		}
		if nv, ok := c.value(spec, "changes."+name, v); ok {
			out[name] = nv
		}
	}
	if creating {
		for _, s := range specs {
			if _, ok := raw[s.name]; s.required && !ok {
				c.p.Add("changes."+s.name, keyRequiredCreate, Args{"type": typ})
			}
		}
	}
	_, hasLon := raw["lon"]
	_, hasLat := raw["lat"]
	if hasLon != hasLat {
		c.p.Add("changes.lon", keyLonLatTogether, nil)
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// value checks one value; field is the name used in messages.
func (c *checker) value(spec fieldSpec, field string, raw json.RawMessage) (json.RawMessage, bool) {
	str := func() (string, bool) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			c.p.Add(field, keyString, nil)
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	list := func() ([]string, bool) {
		var l []string
		if string(raw) == "null" {
			return nil, true
		}
		if err := json.Unmarshal(raw, &l); err != nil {
			c.p.Add(field, keyStringList, nil)
			return nil, false
		}
		if spec.max > 0 && len(l) > spec.max {
			c.p.Add(field, keyTooManyItems, Args{"max": spec.max})
			return nil, false
		}
		for i := range l {
			l[i] = strings.TrimSpace(l[i])
		}
		return l, true
	}
	number := func() (float64, bool) {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			c.p.Add(field, keyNumber, nil)
			return 0, false
		}
		return f, true
	}
	switch spec.kind {
	case fText, fLongText:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if spec.name == "name" {
			// A name people choose: NFKC, and no invisible or
			// direction-control character (see names.go).
			n, problem, _ := checkName(s, 0, spec.max)
			if problem == keyInvisible {
				c.p.Add(field, keyInvisible, nil)
				return nil, false
			}
			s = n
		}
		if n := utf8.RuneCountInString(s); n > spec.max {
			c.p.Add(field, keyTooLong, Args{"max": spec.max, "got": n})
			return nil, false
		}
		if spec.required && s == "" {
			c.p.Add(field, keyEmpty, nil)
			return nil, false
		}
		if !validText(s, spec.kind == fLongText) {
			c.p.Add(field, keyControlChars, nil)
			return nil, false
		}
		return mustJSON(s), true
	case fURL:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if s != "" && !validURL(s, spec.max) {
			c.p.Add(field, keyURL, Args{"max": spec.max})
			return nil, false
		}
		return mustJSON(s), true
	case fEmail:
		s, ok := str()
		if !ok {
			return nil, false
		}
		s = strings.ToLower(s)
		if s != "" && !validEmail(s) {
			c.p.Add(field, keyEmail, nil)
			return nil, false
		}
		return mustJSON(s), true
	case fPhone:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if s != "" && (!phoneRe.MatchString(s) || countDigits(s) < 6) {
			c.p.Add(field, keyPhone, nil)
			return nil, false
		}
		return mustJSON(s), true
	case fSIREN:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if s != "" && !sirenRe.MatchString(s) {
			c.p.Add(field, keySIREN, nil)
			return nil, false
		}
		return mustJSON(s), true
	case fSIRET:
		s, ok := str()
		if !ok {
			return nil, false
		}
		s = strings.ReplaceAll(s, " ", "")
		if s != "" && !siretRe.MatchString(s) {
			c.p.Add(field, keySIRET, nil)
			return nil, false
		}
		return mustJSON(s), true
	case fPopulation:
		f, ok := number()
		if !ok {
			return nil, false
		}
		if f != math.Trunc(f) || f < 0 || f > maxPopulation {
			c.p.Add(field, keyPopulation, Args{"max": maxPopulation})
			return nil, false
		}
		return mustJSON(int(f)), true
	case fYear:
		f, ok := number()
		if !ok {
			return nil, false
		}
		if f != 0 && (f != math.Trunc(f) || f < 1970 || f > float64(c.now.Year()+1)) {
			c.p.Add(field, keyYear, Args{"max": c.now.Year() + 1})
			return nil, false
		}
		return mustJSON(int(f)), true
	case fBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			c.p.Add(field, keyBool, nil)
			return nil, false
		}
		return mustJSON(b), true
	case fLabels:
		l, ok := list()
		if !ok {
			return nil, false
		}
		for _, s := range l {
			if s == "" || utf8.RuneCountInString(s) > 100 || !validText(s, false) {
				c.p.Add(field, keyLabels, nil)
				return nil, false
			}
		}
		return mustJSON(l), true
	case fKind:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if !IsKind(s) {
			c.p.Add(field, keyOneOf, Args{"choices": strings.Join(Kinds, ", ")})
			return nil, false
		}
		if IsAdministrative(s) {
			c.p.Add(field, keyKindOfficial, Args{"kind": s,
				"choices": strings.Join(slices.DeleteFunc(slices.Clone(Kinds), IsAdministrative), ", ")})
			return nil, false
		}
		return mustJSON(s), true
	case fThemes:
		l, ok := list()
		if !ok {
			return nil, false
		}
		if len(l) == 0 {
			c.p.Add(field, keyThemesEmpty, Args{"choices": strings.Join(Themes, ", ")})
			return nil, false
		}
		for _, t := range l {
			if !IsTheme(t) {
				c.p.Add(field, keyThemeUnknown, Args{"choices": strings.Join(Themes, ", "), "got": truncateRunes(t, 40)})
				return nil, false
			}
		}
		slices.Sort(l)
		return mustJSON(slices.Compact(l)), true
	case fStatus:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if !slices.Contains(Statuses, s) {
			c.p.Add(field, keyOneOf, Args{"choices": strings.Join(Statuses, ", ")})
			return nil, false
		}
		return mustJSON(s), true
	case fDept, fRegion:
		s, ok := str()
		if !ok {
			return nil, false
		}
		kind := KindDepartement
		if spec.kind == fRegion {
			kind = KindRegion
		}
		if s != "" && c.d.names[kind+":"+s] == "" {
			c.p.Add(field, keyCodeUnknown, Args{"kind": kind, "got": truncateRunes(s, 40)})
			return nil, false
		}
		return mustJSON(s), true
	case fPostalCode:
		l, ok := list()
		if !ok {
			return nil, false
		}
		for _, s := range l {
			if !postalRe.MatchString(s) {
				c.p.Add(field, keyPostalCodes, Args{"got": truncateRunes(s, 40)})
				return nil, false
			}
		}
		return mustJSON(l), true
	case fParents:
		l, ok := list()
		if !ok {
			return nil, false
		}
		for _, id := range l {
			if ref, ok := c.d.refOf(id); !ok || c.d.entries[ref].deleted {
				c.p.Add(field, keyActorIDs, Args{"got": truncateRunes(id, 40)})
				return nil, false
			}
		}
		return mustJSON(l), true
	case fLon, fLat:
		f, ok := number()
		if !ok {
			return nil, false
		}
		lim := 180.0
		if spec.kind == fLat {
			lim = 90
		}
		if f < -lim || f > lim {
			c.p.Add(field, KeyBetween, Args{"min": -lim, "max": lim})
			return nil, false
		}
		return mustJSON(Round6(f)), true
	case fActorRef:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if ref, ok := c.d.refOf(s); !ok || c.d.entries[ref].deleted {
			c.p.Add(field, keyActorRef, Args{"got": truncateRunes(s, 40)})
			return nil, false
		}
		return mustJSON(s), true
	case fAsOf:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if s != "" {
			t, _, err := ParseAsOf(s)
			if err != nil {
				c.p.Add(field, keyAsOf, Args{"got": truncateRunes(s, 40)})
				return nil, false
			}
			if t.After(c.now) {
				c.p.Add(field, keyAsOfFuture, Args{"got": s})
				return nil, false
			}
		}
		return mustJSON(s), true
	case fToolRef:
		s, ok := str()
		if !ok {
			return nil, false
		}
		if c.d.tools[s] == nil {
			c.p.Add(field, keyToolRef, Args{"got": truncateRunes(s, 40)})
			return nil, false
		}
		return mustJSON(s), true
	}
	panic(fmt.Sprintf("field kind %d", spec.kind))
}

// validText refuses control characters (and, unless multiline, line breaks).
func validText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && !(multiline && (r == '\n' || r == '\t' || r == '\r'))) || r == 0x7f ||
			(r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return false
		}
	}
	return true
}

// validURL accepts absolute http and https URLs with a host, and nothing
// that a browser could run (javascript:, data:…).
func validURL(s string, max int) bool {
	if len(s) > max || strings.ContainsAny(s, " \t\r\n<>\"`") || !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http"
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// slugify makes an identifier from a name: folded, words joined by '-'.
func slugify(name string) string {
	s := strings.ReplaceAll(Fold(name), " ", "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}
