package directory

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

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

// Error is the domain error: a code, a message safe to show to users, and,
// for validation failures, one message per offending field.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string // field or parameter name → what to fix

	// Conflicts lists, for an ECONFLICT on a stale version, each field that
	// someone else changed meanwhile, with both values.
	Conflicts map[string]Conflict
	// RetryAfter says, for ETOOMANY, when trying again may succeed.
	RetryAfter time.Duration
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
		parts[i] = k + ": " + e.Fields[k]
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one field or parameter.
func FieldError(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + " " + msg, Fields: map[string]string{field: msg}}
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
// store stands for (a database busy or unreachable: EUNAVAILABLE), or nil.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
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
	return "internal error"
}

// ErrorFields returns the per-field messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorConflicts returns the conflicting fields of an ECONFLICT error, if any.
func ErrorConflicts(err error) map[string]Conflict {
	var e *Error
	if errors.As(err, &e) {
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

// Problems collects per-field validation messages and turns them into one
// EINVALID error.
type Problems map[string]string

// Add records a problem with field unless one is already recorded for it.
// The zero Problems is ready to use: its map is made on the first problem,
// so that checking valid input allocates nothing.
func (p *Problems) Add(field, format string, args ...any) {
	if *p == nil {
		*p = Problems{}
	}
	if _, ok := (*p)[field]; !ok {
		(*p)[field] = fmt.Sprintf(format, args...)
	}
}

// Err returns nil when there is no problem, else an EINVALID *Error.
func (p Problems) Err(what string) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) == 1 {
		for k, v := range p {
			return &Error{Code: EINVALID, Message: k + " " + v, Fields: map[string]string(p)}
		}
	}
	return &Error{Code: EINVALID, Message: "invalid " + what + ": see fields", Fields: map[string]string(p)}
}
