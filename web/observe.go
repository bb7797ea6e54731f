package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// requestIDHeader carries the request id in and out: a reverse proxy's id is
// kept so that its logs and ours can be joined; otherwise one is made.
const requestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts the ids proxies and tracing tools send (UUIDs, hex,
// base64url) and nothing that could forge or break a log line.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// appendRequestID appends a new request id to dst: 12 random hex digits
// drawn when the process starts, then a counter in 12 hex digits. Ids are
// unique within a process, and two processes' share their prefix with odds
// of one in 2^48; making one costs neither a system call nor a lock.
func appendRequestID(dst []byte) []byte {
	n := requestCounter.Add(1)
	dst = append(dst, requestIDPrefix...)
	var b [12]byte
	for i := 11; i >= 0; i-- {
		b[i] = hexDigits[n&0xf]
		n >>= 4
	}
	return append(dst, b[:]...)
}

// requestContext is a request's context with its id: one allocation holds
// the context, the id made for it and the value of the X-Request-Id header
// (context.WithValue, the id's string and the header's slice would be
// three, on every request).
type requestContext struct {
	context.Context
	id  string
	hdr [1]string
	buf [24]byte
}

func (c *requestContext) Value(key any) any {
	if _, ok := key.(requestIDKey); ok {
		return c.id
	}
	return c.Context.Value(key)
}

// withRequestID returns ctx with the request id given (if valid) or a new
// one, and that id as a header value.
func withRequestID(ctx context.Context, given string) (*requestContext, []string) {
	rc := &requestContext{Context: ctx}
	if validRequestID(given) {
		rc.id = given
	} else {
		b := appendRequestID(rc.buf[:0])
		rc.id = unsafe.String(unsafe.SliceData(b), len(b)) // rc.buf is never written again
	}
	rc.hdr[0] = rc.id
	return rc, rc.hdr[:]
}

const hexDigits = "0123456789abcdef"

var (
	requestIDPrefix = func() string {
		var b [6]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	requestCounter atomic.Uint64
)

// requestIDHandler adds the request id of the context to every record, so
// that a handler's error log and the request's access log share it.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// withRequestIDs wraps a logger so that records logged with a request's
// context carry its id.
func withRequestIDs(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(requestIDHandler); ok {
		return l
	}
	return slog.New(requestIDHandler{l.Handler()})
}

// secretParams are query parameters that carry credentials (the queue feed
// takes an API token as ?token= because feed readers cannot send headers):
// their values never reach the logs.
var secretParams = []string{"token", "access_token", "api_key", "password"}

// redactQuery returns rawQuery with the values of secret parameters replaced.
// A query that does not parse is not logged at all: it may hide a secret.
func redactQuery(rawQuery string) string {
	if rawQuery == "" || !mayHoldSecret(rawQuery) {
		return rawQuery
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "(malformed, not logged)"
	}
	redacted := false
	for name := range values {
		for _, secret := range secretParams {
			if strings.EqualFold(name, secret) {
				for i := range values[name] {
					values[name][i] = "REDACTED"
				}
				redacted = true
			}
		}
	}
	if !redacted {
		return rawQuery
	}
	return values.Encode()
}

// mayHoldSecret reports whether rawQuery may name a secret parameter, in
// any case and escaped or not; false means it certainly does not, without
// parsing it.
func mayHoldSecret(rawQuery string) bool {
	if strings.IndexByte(rawQuery, '%') >= 0 {
		return true // an escaped name: parse to know
	}
	for _, secret := range secretParams {
		for i := 0; i+len(secret) <= len(rawQuery); i++ {
			if strings.EqualFold(rawQuery[i:i+len(secret)], secret) {
				return true
			}
		}
	}
	return false
}

var (
	nosniff        = []string{"nosniff"}
	referrerPolicy = []string{"strict-origin-when-cross-origin"}
	apiCSP         = []string{"default-src 'none'; frame-ancestors 'none'"}
)

// quietRoutes are polled by probes and scrapers: their successes are logged
// at DEBUG so that they do not drown the access log.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the first middleware: it gives the request an id (X-Request-Id
// in and out), sets the security headers every answer carries, and once the
// request is done logs it (never its credentials: no header, no cookie, the
// token query parameter redacted) and counts it in the metrics by route
// pattern.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		rc, idHeader := withRequestID(c.Request.Context(), c.GetHeader(requestIDHeader))
		id := rc.id
		c.Request = c.Request.WithContext(rc)
		h := c.Writer.Header()
		h["X-Request-Id"] = idHeader
		// Defaults for every answer; the pages replace the CSP with their
		// own (scripts, styles and tiles from known origins) and the embed
		// its frame-ancestors. An API answer opened as a document runs
		// nothing and cannot be framed. The values are shared, never
		// written to: Set and Del replace them.
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = referrerPolicy
		h["Content-Security-Policy"] = apiCSP

		s.metrics.inflight.Inc()
		c.Next()
		s.metrics.inflight.Dec()

		route := c.FullPath()
		if route == "" {
			route = "unmatched" // 404s: one label, whatever was asked
		}
		status := c.Writer.Status()
		elapsed := time.Since(start)
		s.metrics.observe(c.Request.Method, route, status, elapsed)

		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case quietRoutes[route] && status < 400:
			level = slog.LevelDebug
		}
		ctx := c.Request.Context()
		if !s.log.Enabled(ctx, level) {
			return
		}
		a := accessEntry{level: level, method: c.Request.Method, route: route, path: c.Request.URL.Path,
			status: status, durationMS: float64(elapsed.Microseconds()) / 1000, bytes: max(c.Writer.Size(), 0),
			ip: c.ClientIP(), query: redactQuery(c.Request.URL.RawQuery)}
		if u := currentUser(c); u != nil {
			a.userID, a.hasUser = u.ID, true
		}
		if len(c.Errors) > 0 {
			a.errors = c.Errors.String()
		}
		if s.cfg.AccessLog != nil {
			a.requestID = id
			writeAccessLine(s.cfg.AccessLog, time.Now(), &a)
			return
		}
		s.log.LogAttrs(ctx, level, "request", a.attrs()...)
	}
}
