package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// codes maps domain error codes to HTTP statuses. It is the only place that does.
var codes = map[string]int{
	directory.EINVALID:      http.StatusBadRequest,
	directory.ENOTFOUND:     http.StatusNotFound,
	directory.ECONFLICT:     http.StatusConflict,
	directory.EUNAUTHORIZED: http.StatusUnauthorized,
	directory.EFORBIDDEN:    http.StatusForbidden,
	directory.ETOOMANY:      http.StatusTooManyRequests,
	directory.EUNAVAILABLE:  http.StatusServiceUnavailable,
	directory.EINTERNAL:     http.StatusInternalServerError,
}

// keyNoPage answers a path that no route serves.
var keyNoPage = directory.NewKey("page.not_found", "no such page: {path}")

// tooMany is an ETOOMANY error that says when to try again.
func tooMany(k directory.Key, wait time.Duration) *directory.Error {
	err := directory.NewError(directory.ETOOMANY, k, directory.WaitArgs(wait))
	err.RetryAfter = time.Duration(directory.WaitSeconds(wait)) * time.Second // what the message says
	return err
}

// errorStatus returns the HTTP status for a domain error code.
func errorStatus(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// statusError is a domain error answered with a status more precise than
// its code's (413 for a body too large, 415 for a wrong media type, 405, 501),
// and, for the last two, a code of HTTP's rather than the domain's.
type statusError struct {
	status int
	code   string // the body's code; "" = the domain error's
	err    *directory.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus makes err answer with status instead of its code's.
func withStatus(status int, err *directory.Error) error {
	return &statusError{status: status, err: err}
}

// httpError is an error that only HTTP has (405, 501): status and code
// are HTTP's, the key and message say what to do.
func httpError(status int, code string, k directory.Key, args directory.Args) error {
	return &statusError{status: status, code: code, err: directory.NewError(directory.EINVALID, k, args)}
}

// Keys of the errors only HTTP has.
var (
	keyMethod      = directory.NewKey("http.method", "{method} is not allowed here")
	keyCrossOrigin = directory.NewKey("http.cross_origin", "cross-origin request refused: submit forms from this site's own pages")
)

// errorBody is the JSON body of every error response. code and description
// follow the OGC API exception schema; fields names each offending
// parameter or field with what to fix.
type errorBody struct {
	Code        string                        `json:"code"`
	Description string                        `json:"description"`
	Key         string                        `json:"key,omitempty"`
	Args        directory.Args                `json:"args,omitempty"`
	Fields      map[string]string             `json:"fields,omitempty"`
	FieldKeys   map[string]directory.Problem  `json:"field_keys,omitempty"`
	Conflicts   map[string]directory.Conflict `json:"conflicts,omitempty"`
	RetryAfter  int                           `json:"retry_after_s,omitempty"`
}

// newErrorBody is the JSON body of err: its English message (and each
// field's) for people, its key and arguments (and each field's) for
// programs that word or translate errors themselves.
func newErrorBody(err error) *errorBody {
	key, args := directory.ErrorKey(err)
	return &errorBody{
		Code:        directory.ErrorCode(err),
		Description: directory.ErrorMessage(err),
		Key:         key,
		Args:        args,
		Fields:      directory.ErrorFields(err),
		FieldKeys:   directory.ErrorProblems(err),
		Conflicts:   directory.ErrorConflicts(err),
	}
}

// writeError answers err; every error response goes through it. A browser
// (an Accept that prefers HTML) gets an error page in its language with the
// site's layout and a way back; API clients get the JSON error body. When Accept takes both alike (*/*)
// or is absent, the route's family decides: JSON under /api and the other
// machine routes, a page elsewhere (see wantsHTML). Internal errors are logged and shown only as "internal error".
func (s *Server) writeError(c *gin.Context, err error) {
	code := directory.ErrorCode(err)
	if code == directory.EINTERNAL {
		s.log.ErrorContext(c.Request.Context(), "internal error", "method", c.Request.Method,
			"path", c.Request.URL.Path, "err", err)
	} else if directory.IsStoreFailure(err) {
		s.log.WarnContext(c.Request.Context(), "database unavailable", "method", c.Request.Method,
			"path", c.Request.URL.Path, "err", err)
	}
	status := errorStatus(code)
	var se *statusError
	if errors.As(err, &se) {
		status = se.status
	}
	c.Header("Cache-Control", "no-store")
	c.Writer.Header().Del("ETag")
	retry := ""
	if d := directory.ErrorRetryAfter(err); d > 0 || code == directory.ETOOMANY {
		retry = retryAfterSeconds(d)
		c.Header("Retry-After", retry)
	}
	if s.pages != nil && wantsHTML(c) {
		s.pages.errorPage(c, status, err)
		c.Abort()
		return
	}
	body := newErrorBody(err)
	if se != nil && se.code != "" {
		body.Code = se.code
	}
	body.RetryAfter, _ = strconv.Atoi(retry)
	c.AbortWithStatusJSON(status, body)
}

// wantsHTML reports whether the client would rather read an error as a
// page than as JSON: its Accept header says so, or accepts both alike
// (*/*) and the path is not one of the machine routes. Without Accept (a
// program: browsers always send one), only the pages' own routes answer
// with a page; a path no route serves answers JSON.
func wantsHTML(c *gin.Context) bool {
	if c.GetHeader("Accept") == "" {
		return c.FullPath() != "" && !machineRoute(c.Request.URL.Path)
	}
	offers := []string{mediaHTML, mediaJSON}
	if machineRoute(c.Request.URL.Path) {
		offers = []string{mediaJSON, mediaHTML}
	}
	return c.NegotiateFormat(offers...) == mediaHTML
}

// machineRoute reports whether path is read by programs rather than people:
// the API, the feeds, oEmbed, the map's data files and the operations routes.
func machineRoute(path string) bool {
	switch path {
	case "/api", "/healthz", "/readyz", "/metrics", "/oembed", "/mcp":
		return true
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/feeds/") || strings.HasPrefix(path, "/carte/")
}

// recovery turns a panic into a logged 500 with the usual error body instead
// of a dropped connection.
func (s *Server) recovery() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, rec any) {
		s.log.ErrorContext(c.Request.Context(), "panic", "method", c.Request.Method,
			"path", c.Request.URL.Path, "panic", rec)
		s.writeError(c, fmt.Errorf("panic: %v", rec))
	})
}
