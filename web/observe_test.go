package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/web"
)

// TestMetrics checks /metrics: requests are counted by route pattern (never
// by raw path, which would make a series per actor), and the gauges follow
// the moderation queue and the change sequence.
func TestMetrics(t *testing.T) {
	h := newHarness(t, web.Config{})
	h.send(nil, "GET", "/api/collections/actors/items/commune-88160", nil)
	h.send(nil, "GET", "/api/collections/actors/items/commune-54395", nil)
	h.send(nil, "GET", "/no/such/page/12345", nil)
	h.pending()
	h.pending()
	h.edited("actor")
	w := h.send(nil, "GET", "/metrics", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	for _, want := range []string{
		`voisinage_http_requests_total{code="200",method="GET",route="/api/collections/:collection/items/:id"} 2`,
		`voisinage_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`voisinage_http_request_duration_seconds_count{method="GET",route="/api/collections/:collection/items/:id"} 2`,
		"voisinage_moderation_queue_length 2",
		"voisinage_change_sequence 2",
		"voisinage_reports_open 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Only the label sets are looked at: a number such as 12345 may well be
	// the value of some gauge (bytes, goroutines), never a label.
	for _, line := range strings.Split(body, "\n") {
		open, end := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
		if strings.HasPrefix(line, "#") || open < 0 || end < open {
			continue
		}
		if labels := line[open:end]; strings.Contains(labels, "commune-88160") || strings.Contains(labels, "/no/such") {
			t.Errorf("/metrics labels a series with a raw path: %s", line)
		}
	}
	if st := h.d.Stats(); !strings.Contains(body, fmt.Sprintf("voisinage_index_actors %d\n", st.Actors)) ||
		!strings.Contains(body, fmt.Sprintf("voisinage_index_located %d\n", st.Located)) || st.Located < 100 {
		t.Errorf("/metrics lacks the index size (%d actors, %d located)", st.Actors, st.Located)
	}
	if w := h.send(nil, "GET", "/metrics?x=1", nil); w.Code != http.StatusBadRequest {
		t.Errorf("/metrics?x=1: %d", w.Code)
	}
}

// TestReady: /readyz answers 200 while the database answers and 503 when it
// does not, while /healthz (the process is up) still answers 200.
func TestReady(t *testing.T) {
	h := newHarness(t, web.Config{})
	if w := h.send(nil, "GET", "/readyz", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"ready"`) {
		t.Fatalf("/readyz: %d %s", w.Code, w.Body)
	}
	h.d.DB().Close()
	w := h.send(nil, "GET", "/readyz", nil)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"code":"unavailable"`) {
		t.Fatalf("/readyz with the database closed: %d %s", w.Code, w.Body)
	}
	if w := h.send(nil, "GET", "/healthz", nil); w.Code != http.StatusOK {
		t.Fatalf("/healthz: %d", w.Code)
	}
}
