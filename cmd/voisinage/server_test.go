package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// TestServerLimits checks the HTTP server's protections against slow and
// oversized clients: every timeout is set, the header size is bounded, and
// both are enforced.
func TestServerLimits(t *testing.T) {
	t.Parallel() // a server process of its own, on a database of its own
	m, _ := MustRunMain(t, directorytest.SeededPath(t))
	defer m.Close()
	srv := m.srv
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v: want a bound", name, d)
		}
	}
	if srv.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("ReadHeaderTimeout = %v: a slowloris client holds a connection that long", srv.ReadHeaderTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes = %d, want at most 64 KiB", srv.MaxHeaderBytes)
	}

	t.Run("HeaderTooLarge", func(t *testing.T) {
		conn, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		go io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: "+strings.Repeat("a", 128<<10)+"\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("128 KiB of headers: %d, want 431", resp.StatusCode)
		}
	})
	t.Run("SlowHeaders", func(t *testing.T) {
		// A client that never finishes its headers is cut off after
		// ReadHeaderTimeout, not kept for ever.
		conn, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		conn.SetReadDeadline(time.Now().Add(srv.ReadHeaderTimeout + 10*time.Second))
		for {
			if _, err := conn.Read(make([]byte, 512)); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("the server kept a connection with unfinished headers for %v", time.Since(start))
				}
				break // closed by the server
			}
		}
		if took := time.Since(start); took < srv.ReadHeaderTimeout-time.Second {
			t.Fatalf("connection closed after %v, before ReadHeaderTimeout", took)
		}
	})
	t.Run("SecondServer", func(t *testing.T) {
		// One server per SQLite file (see lockDatabase): the second refuses
		// to start. Several servers share a PostgreSQL database.
		m2 := NewMain()
		m2.Stderr = io.Discard
		if err := m2.ParseFlags([]string{"-addr", "127.0.0.1:0", "-db", m.Config.DBPath}); err != nil {
			t.Fatal(err)
		}
		err := m2.Run(t.Context())
		m2.Close()
		if directory.IsPostgresURL(m.Config.DBPath) {
			if err != nil {
				t.Fatalf("a second server on the same PostgreSQL database: %v", err)
			}
		} else if err == nil || !strings.Contains(err.Error(), "running") {
			t.Fatalf("a second server on the same database: %v", err)
		}
	})
	t.Run("Ready", func(t *testing.T) {
		var ready struct {
			Status string
			Actors int
		}
		getJSON(t, "http://"+m.Addr()+"/readyz", &ready)
		if ready.Status != "ready" || ready.Actors < 36000 {
			t.Fatalf("readyz = %+v", ready)
		}
		resp, err := http.Get("http://" + m.Addr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, metric := range []string{`voisinage_http_requests_total{code="200",method="GET",route="/readyz"} 1`,
			"voisinage_moderation_queue_length 0", "voisinage_index_actors 3", "voisinage_change_sequence 1",
			"voisinage_http_request_duration_seconds_bucket", "go_goroutines", "process_resident_memory_bytes"} {
			if !strings.Contains(string(body), metric) {
				t.Errorf("/metrics lacks %q", metric)
			}
		}
	})
}
