package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The access log is one line per request: with the default settings, the
// most frequent thing the server does besides answering. Through slog, a
// line cost about a third of the CPU of answering a single actor (pprof on
// BenchmarkItem: the record's attributes, json.Marshal for the duration,
// the handler's buffers). When Config.AccessLog is set, observe writes the
// same line itself — the bytes slog's JSONHandler writes for that record,
// which accesslog_test.go checks — in one Write to it.

// accessEntry is what a request line says.
type accessEntry struct {
	level      slog.Level
	method     string
	route      string
	path       string
	status     int
	durationMS float64
	bytes      int
	ip         string
	query      string // redacted; "" for none
	userID     int64
	hasUser    bool
	errors     string // "" for none
	requestID  string
}

// attrs returns the entry's attributes, in the order of the line (the
// request id is added by the requestIDHandler).
func (a *accessEntry) attrs() []slog.Attr {
	attrs := []slog.Attr{
		slog.String("method", a.method),
		slog.String("route", a.route),
		slog.String("path", a.path),
		slog.Int("status", a.status),
		slog.Float64("duration_ms", a.durationMS),
		slog.Int("bytes", a.bytes),
		slog.String("ip", a.ip),
	}
	if a.query != "" {
		attrs = append(attrs, slog.String("query", a.query))
	}
	if a.hasUser {
		attrs = append(attrs, slog.Int64("user_id", a.userID))
	}
	if a.errors != "" {
		attrs = append(attrs, slog.String("errors", a.errors))
	}
	return attrs
}

var accessBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeAccessLine writes the entry's line, as of t, to w.
func writeAccessLine(w io.Writer, t time.Time, a *accessEntry) {
	bp := accessBuffers.Get().(*[]byte)
	b := appendAccessLine((*bp)[:0], t, a)
	w.Write(b)
	*bp = b
	accessBuffers.Put(bp)
}

// appendAccessLine appends the line slog.NewJSONHandler writes for the
// record "request" with the entry's attributes and then request_id.
func appendAccessLine(b []byte, t time.Time, a *accessEntry) []byte {
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, a.level.String()...)
	b = append(b, `","msg":"request","method":`...)
	b = appendLogString(b, a.method)
	b = append(b, `,"route":`...)
	b = appendLogString(b, a.route)
	b = append(b, `,"path":`...)
	b = appendLogString(b, a.path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(a.status), 10)
	b = append(b, `,"duration_ms":`...)
	b = appendLogFloat(b, a.durationMS)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(a.bytes), 10)
	b = append(b, `,"ip":`...)
	b = appendLogString(b, a.ip)
	if a.query != "" {
		b = append(b, `,"query":`...)
		b = appendLogString(b, a.query)
	}
	if a.hasUser {
		b = append(b, `,"user_id":`...)
		b = strconv.AppendInt(b, a.userID, 10)
	}
	if a.errors != "" {
		b = append(b, `,"errors":`...)
		b = appendLogString(b, a.errors)
	}
	if a.requestID != "" {
		b = append(b, `,"request_id":`...)
		b = appendLogString(b, a.requestID)
	}
	return append(b, "}\n"...)
}

// appendLogFloat appends v as encoding/json does (which slog calls for
// floats).
func appendLogFloat(b []byte, v float64) []byte {
	if abs := math.Abs(v); abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, `"!ERROR:`...) // NaN or ±Inf: never a duration
	}
	return append(b, j...)
}

// appendLogString appends s as a JSON string escaped as slog's JSONHandler
// escapes it: no HTML escaping, U+2028 and U+2029 escaped, invalid UTF-8
// replaced.
func appendLogString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			switch c {
			case '\\', '"':
				b = append(b, c)
			case '\n':
				b = append(b, 'n')
			case '\r':
				b = append(b, 'r')
			case '\t':
				b = append(b, 't')
			default:
				b = append(b, 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
