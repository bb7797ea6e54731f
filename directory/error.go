package directory

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// How to add an error a person may read
//
//  1. Declare its key once, at package level, with its English wording:
//     var errFooTooBig = NewKey("foo.too_big", "must be at most {max} foos (got {got})")
//     Keys are lower-case dotted names, area first ("field.", "proposal.",
//     "login."…); declared in keys.go for directory, beside their handler
//     for web. {name} prints an argument as fmt's %v, {name:q} quoted (%q).
//  2. Return it: NewError(ECONFLICT, key, Args{…}) for a whole-request
//     error, FieldError(field, key, Args{…}) for one field, or collect
//     several with Problems.Add and Problems.Err.
//  3. Translate it in web/i18n/fr.json and en.json under "err." + its name,
//     using the same {name} placeholders. TestErrorKeysTranslated (web) fails
//     until both catalogs have it.
//
// The English wording is what the JSON API's "description" and "fields"
// say; pages never read it: they translate the key with its arguments, so
// the wording stays free to change.

// Error codes. Only the web layer maps them to HTTP statuses.
const (
	EINVALID      = "invalid"      // bad input; the message says what to fix
	ENOTFOUND     = "not_found"    // no such record
	ECONFLICT     = "conflict"     // stale version or uniqueness clash
	EUNAUTHORIZED = "unauthorized" // not logged in
	EFORBIDDEN    = "forbidden"    // logged in, not allowed
	ETOOMANY      = "too_many"     // rate limited
	EUNAVAILABLE  = "unavailable"  // not ready yet (index building)
	EINTERNAL     = "internal"     // a bug or an outage; details are logged, not shown
)

// Args are the arguments of a key: the values its wording names ({max},
// {got}…), so that each language places them where it wants.
type Args map[string]any

// Key is a kind of error or field problem that people read: a stable name
// the interface translates, and its English wording with {name}
// placeholders for the Args. Declare keys with NewKey.
type Key struct {
	name, english string
}

var (
	keysMu  sync.Mutex
	keys    = map[string]Key{}
	keyName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

// NewKey declares a key with its English wording and records it, so that
// Keys lists it. It panics on a malformed or already declared name: call it
// at package level, where such a mistake stops every test.
func NewKey(name, english string) Key {
	keysMu.Lock()
	defer keysMu.Unlock()
	if !keyName.MatchString(name) {
		panic("directory: malformed error key " + name)
	}
	if _, dup := keys[name]; dup {
		panic("directory: error key declared twice: " + name)
	}
	k := Key{name: name, english: english}
	keys[name] = k
	return k
}

// Keys returns every declared key (the directory's and its callers'), by name.
func Keys() []Key {
	keysMu.Lock()
	defer keysMu.Unlock()
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Name returns the key's stable name, e.g. "field.too_long".
func (k Key) Name() string { return k.name }

// English returns the key's English wording, placeholders unfilled.
func (k Key) English() string { return k.english }

// Message returns the English wording with args filled in.
func (k Key) Message(args Args) string { return Expand(k.english, args) }

var placeholder = regexp.MustCompile(`\{([a-z_]+)(:q)?\}`)

// Expand fills text's placeholders from args: {name} prints the argument
// as fmt's %v does, {name:q} as %q. A placeholder without an argument stays
// as it is, visible rather than blank. Translations use the same syntax.
func Expand(text string, args Args) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		v, ok := args[sub[1]]
		if !ok {
			return m
		}
		if sub[2] != "" {
			return fmt.Sprintf("%q", fmt.Sprint(v))
		}
		return fmt.Sprint(v)
	})
}

// Placeholders lists the argument names text refers to, each once, sorted.
func Placeholders(text string) []string {
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		seen[m[1]] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Keys used by this file.
var (
	keyInternal      = NewKey("internal", "internal error")
	keyInvalidFields = NewKey("fields.invalid", "invalid {what}: see fields")
)

// Error is the domain error: a code, a key with its arguments and the
// English message they make, and, for validation failures, one problem
// per offending field.
type Error struct {
	Code    string
	Key     string // the Key's name; "" only for errors built by hand
	Args    Args
	Message string             // English, safe to show to users
	Fields  map[string]Problem // field or parameter name → what to fix

	// Conflicts lists, for an ECONFLICT on a stale version, each field that
	// someone else changed meanwhile, with both values.
	Conflicts map[string]Conflict
	// RetryAfter says, for ETOOMANY, when trying again may succeed.
	RetryAfter time.Duration
}

// Problem is what is wrong with one field: a key, its arguments and the
// English message they make (without the field's name).
type Problem struct {
	Key     string `json:"key"`
	Args    Args   `json:"args,omitempty"`
	Message string `json:"-"`
}

// Conflict is one field changed both by a proposal and, meanwhile, by someone else.
type Conflict struct {
	Base    any `json:"base"`    // the value the proposal was made against
	Yours   any `json:"yours"`   // the value the proposal sets
	Current any `json:"current"` // the value it has now
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + ": " + e.Fields[k].Message
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// NewError returns an *Error with the given code, key and arguments.
func NewError(code string, k Key, args Args) *Error {
	return &Error{Code: code, Key: k.name, Args: args, Message: k.Message(args)}
}

// FieldError returns an EINVALID error about one field or parameter. Its
// key and arguments are the problem's; its message names the field.
func FieldError(field string, k Key, args Args) *Error {
	p := Problem{Key: k.name, Args: args, Message: k.Message(args)}
	return &Error{Code: EINVALID, Key: p.Key, Args: args, Message: field + " " + p.Message,
		Fields: map[string]Problem{field: p}}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	} else if e := asError(err); e != nil {
		return e.Code
	}
	return EINTERNAL
}

// asError returns the *Error err is or wraps, or the one a failure of the
// store stands for (a busy, failing or unreachable database: EUNAVAILABLE,
// see storeError and postgresError), or nil.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e := storeError(err); e != nil {
		return e
	}
	if e := postgresError(err); e != nil && e.Code == EUNAVAILABLE {
		return e
	}
	return nil
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or
// "internal error" for anything else so that internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	} else if e := asError(err); e != nil && e.Code != EINTERNAL {
		return e.Message
	}
	return keyInternal.english
}

// ErrorKey returns the key and arguments of err: the *Error's, or
// "internal" for anything else (and for EINTERNAL). "" for nil.
func ErrorKey(err error) (string, Args) {
	if err == nil {
		return "", nil
	} else if e := asError(err); e != nil && e.Code != EINTERNAL {
		return e.Key, e.Args
	}
	return keyInternal.name, nil
}

// ErrorFields returns the per-field English messages of err, if any.
func ErrorFields(err error) map[string]string {
	e := asError(err)
	if e == nil || e.Fields == nil {
		return nil
	}
	out := make(map[string]string, len(e.Fields))
	for k, p := range e.Fields {
		out[k] = p.Message
	}
	return out
}

// ErrorProblems returns the per-field problems of err, with their keys, if any.
func ErrorProblems(err error) map[string]Problem {
	if e := asError(err); e != nil {
		return e.Fields
	}
	return nil
}

// ErrorConflicts returns the conflicting fields of an ECONFLICT error, if any.
func ErrorConflicts(err error) map[string]Conflict {
	if e := asError(err); e != nil {
		return e.Conflicts
	}
	return nil
}

// ErrorRetryAfter returns how long to wait before retrying, for ETOOMANY.
func ErrorRetryAfter(err error) time.Duration {
	if e := asError(err); e != nil {
		return e.RetryAfter
	}
	return 0
}

// Problems collects per-field problems and turns them into one EINVALID
// error.
type Problems map[string]Problem

// Add records a problem with field unless one is already recorded for it.
// The zero Problems is ready to use: its map is made on the first problem,
// so that checking valid input allocates nothing.
func (p *Problems) Add(field string, k Key, args Args) {
	if *p == nil {
		*p = Problems{}
	}
	if _, ok := (*p)[field]; !ok {
		(*p)[field] = Problem{Key: k.name, Args: args, Message: k.Message(args)}
	}
}

// Has reports whether a problem is recorded for field.
func (p Problems) Has(field string) bool {
	_, ok := p[field]
	return ok
}

// Fail returns an error with code, its own key and arguments, and p's
// problems as its fields: for a refusal that also points at fields (an
// e-mail already registered: ECONFLICT, with the e-mail field marked).
func (p Problems) Fail(code string, k Key, args Args) *Error {
	e := NewError(code, k, args)
	if len(p) > 0 {
		e.Fields = map[string]Problem(p)
	}
	return e
}

// withConflicts adds the conflicting fields of a stale write to e.
func withConflicts(e *Error, conflicts map[string]Conflict) *Error {
	e.Conflicts = conflicts
	return e
}

// alreadyDecided refuses to act on a proposal that is no longer pending.
func alreadyDecided(id int64, status string) *Error {
	return NewError(ECONFLICT, keyAlreadyDecided, Args{"id": id, "proposal_status": status})
}

// blockedError refuses a write by a blocked account.
func blockedError(u *User) *Error {
	return NewError(EFORBIDDEN, keyBlocked, Args{"until": u.BlockedUntil.Format("2006-01-02")})
}

// WaitSeconds rounds a wait up to whole seconds, at least one: what
// Retry-After says, and what a message says when the wait is under a
// minute (a client that retries when told is never refused for being early).
func WaitSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// WaitArgs are the arguments of a message that says how long to wait:
// "wait" as English says it ("30 seconds" under a minute, else whole
// minutes rounded up: "2 minutes"), and "wait_s", the seconds Retry-After
// gives, from which the pages say it in their language.
func WaitArgs(d time.Duration) Args {
	s := WaitSeconds(d)
	n, unit := s, "second"
	if s >= 60 {
		n, unit = (s+59)/60, "minute"
	}
	if n != 1 {
		unit += "s"
	}
	return Args{"wait": fmt.Sprintf("%d %s", n, unit), "wait_s": s}
}

// Err returns nil when there is no problem, else an EINVALID *Error: with
// the problem's key when there is one, else keyed "fields.invalid" with
// what (e.g. "filter") as its argument.
func (p Problems) Err(what string) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) == 1 {
		for k, v := range p {
			return &Error{Code: EINVALID, Key: v.Key, Args: v.Args, Message: k + " " + v.Message, Fields: map[string]Problem(p)}
		}
	}
	args := Args{"what": what}
	return &Error{Code: EINVALID, Key: keyInvalidFields.name, Args: args, Message: keyInvalidFields.Message(args),
		Fields: map[string]Problem(p)}
}
