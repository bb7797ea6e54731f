package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

// TestNewServerErrors: a configuration that cannot work is an error from
// NewServer, not a panic nor a warning in the logs.
func TestNewServerErrors(t *testing.T) {
	d := directorytest.MustOpenDirectory(t)
	for name, cfg := range map[string]web.Config{
		"trusted proxy": {TrustedProxies: []string{"not-an-address"}},
		"tile URL":      {TileURL: "ht tp://bad url/{z}/{x}/{y}.png"},
	} {
		srv, err := web.NewServer(cfg, d)
		if err == nil || srv != nil {
			t.Errorf("%s: NewServer = %v, %v; want an error", name, srv, err)
		}
	}
	if _, err := web.NewServer(web.Config{}, nil); err == nil {
		t.Error("NewServer without a directory: no error")
	}
}

// TestExpensiveBound: with one slot for expensive reads, a client that
// asks for the export and does not read it holds the slot (the server's
// writes block on the full socket); other reads then get 503 with
// Retry-After and a message, while the operators' probes still answer; once
// the slow client goes, reads are served again.
func TestExpensiveBound(t *testing.T) {
	d := directorytest.MustOpenDirectory(t)
	srv, err := web.NewServer(web.Config{MaxExpensive: 1, ExpensiveWait: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	slow, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(slow, "GET /api/export/actors.geojson HTTP/1.1\r\nHost: voisinage.test\r\n\r\n")

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// The export takes the slot as soon as the server reads its request;
	// until then reads pass.
	var resp *http.Response
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, body = get("/api/collections/actors/items?limit=1")
		if resp.StatusCode != http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("with the only slot held: %d %s, want 503", resp.StatusCode, body)
	}
	if resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "busy") || !strings.Contains(body, `"code":"unavailable"`) {
		t.Fatalf("503 without Retry-After or message: %v %s", resp.Header, body)
	}
	for _, path := range []string{"/api/nearby?lon=6.45&lat=48.17", "/api/search?q=epinal", "/", "/api/clusters?zoom=5&bbox=-5,41,9,51"} {
		if resp, body := get(path); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s while saturated: %d %.200s, want 503 with Retry-After", path, resp.StatusCode, body)
		}
	}
	// The MCP endpoint's posts are searches: bounded too.
	if resp, err := http.Post(ts.URL+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /mcp while saturated: %d, want 503", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if resp, body := get(path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s while saturated: %d %.200s, want 200", path, resp.StatusCode, body)
		}
	}
	if _, body := get("/metrics"); !strings.Contains(body, "voisinage_http_saturated_total") {
		t.Error("no saturation counter in /metrics")
	}

	// The slow client leaves: its write fails, its slot is released.
	slow.Close()
	deadline = time.Now().Add(30 * time.Second)
	for {
		resp, body = get("/api/collections/actors/items?limit=1")
		if resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the slow client left: %d %s", resp.StatusCode, body)
	}
}
