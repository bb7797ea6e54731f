package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// On a terminal the log is for a person: one short line per request
// ("14:03:07 GET /voisins?actor=commune-88160 200 3.1ms"), and other records
// as time, level, message and key=value pairs. JSON (for log collectors) is
// the default everywhere else; -log-format chooses.

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// consoleHandler is a slog.Handler writing short text lines.
type consoleHandler struct {
	mu    *sync.Mutex
	out   io.Writer
	opts  slog.HandlerOptions
	attrs []slog.Attr
}

func newConsoleHandler(out io.Writer, opts *slog.HandlerOptions) *consoleHandler {
	h := &consoleHandler{mu: &sync.Mutex{}, out: out}
	if opts != nil {
		h.opts = *opts
	}
	return h
}

func (h *consoleHandler) Enabled(_ context.Context, l slog.Level) bool {
	min := slog.LevelInfo
	if h.opts.Level != nil {
		min = h.opts.Level.Level()
	}
	return l >= min
}

func (h *consoleHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup flattens groups: a console line has no room for them.
func (h *consoleHandler) WithGroup(string) slog.Handler { return h }

func (h *consoleHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]slog.Value{}
	var order []string
	add := func(a slog.Attr) bool {
		if _, seen := attrs[a.Key]; !seen {
			order = append(order, a.Key)
		}
		attrs[a.Key] = a.Value.Resolve()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	var b strings.Builder
	b.WriteString(r.Time.Format(time.TimeOnly))
	b.WriteByte(' ')
	if r.Message == "request" {
		// One short line: method, path and query, status, duration, size.
		b.WriteString(attrs["method"].String())
		b.WriteByte(' ')
		b.WriteString(attrs["path"].String())
		if q, ok := attrs["query"]; ok && q.String() != "" {
			b.WriteByte('?')
			b.WriteString(q.String())
		}
		fmt.Fprintf(&b, " %d %.1fms", attrs["status"].Int64(), attrs["duration_ms"].Float64())
		if e, ok := attrs["errors"]; ok {
			b.WriteString(" " + e.String())
		}
	} else {
		if r.Level != slog.LevelInfo {
			b.WriteString(r.Level.String())
			b.WriteByte(' ')
		}
		b.WriteString(r.Message)
		for _, k := range order {
			if k == "request_id" {
				continue
			}
			v := attrs[k].String()
			if strings.ContainsAny(v, " \t\"=") {
				v = fmt.Sprintf("%q", v)
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.out, b.String())
	return err
}
