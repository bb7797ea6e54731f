package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleLog checks the terminal log: one short line per request,
// key=value pairs for the rest.
func TestConsoleLog(t *testing.T) {
	var out bytes.Buffer
	l := slog.New(newConsoleHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	l.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("method", "GET"), slog.String("route", "/api/nearby"),
		slog.String("path", "/api/nearby"), slog.Int("status", 200), slog.Float64("duration_ms", 3.14), slog.Int("bytes", 626),
		slog.String("ip", "127.0.0.1"), slog.String("query", "lon=6.45&lat=48.17"), slog.String("request_id", "abc"))
	l.Info("directory loaded", "actors", 36709, "took", "1.3s")
	l.Debug("hidden")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), out.String())
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d GET /api/nearby\?lon=6\.45&lat=48\.17 200 3\.1ms$`).MatchString(lines[0]) {
		t.Errorf("request line = %q", lines[0])
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d directory loaded actors=36709 took=1\.3s$`).MatchString(lines[1]) {
		t.Errorf("other line = %q", lines[1])
	}
}

// TestBasemapFlags checks -basemap and -log-format.
func TestBasemapFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		ids  string
		bad  bool
	}{
		{nil, "osm", false},
		{[]string{"-basemap", "ign,osm"}, "ign,osm", false},
		{[]string{"-basemap", "none"}, "", false},
		{[]string{"-tile-url", "https://tiles.example.org/{z}/{x}/{y}.png", "-basemap", "ign"}, "custom,ign", false},
		{[]string{"-basemap", "google"}, "", true},
		{[]string{"-log-format", "xml"}, "", true},
	} {
		m := NewMain()
		m.Stderr = &bytes.Buffer{}
		err := m.ParseFlags(c.args)
		if (err != nil) != c.bad {
			t.Errorf("%v: err = %v", c.args, err)
			continue
		}
		if c.bad {
			continue
		}
		bs, _ := m.Config.basemaps()
		var ids []string
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		if got := strings.Join(ids, ","); got != c.ids {
			t.Errorf("%v: base maps %q, want %q", c.args, got, c.ids)
		}
	}
}
