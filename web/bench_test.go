package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/web"
)

// The web stack's own cost, in process, without the network: the real
// router with its default middleware (request logs formatted as JSON, as the
// server does, then dropped) against a bare gin engine answering the same
// bytes — the ceiling of the stack. The ratio of the two is the share of
// the stack's best that the server reaches; docs/BENCHMARKS.md has the same
// comparison over HTTP.

func benchServer(b *testing.B) *web.Server {
	// As cmd/voisinage sets it up with its default flags: JSON logs, the
	// request lines written by the web layer itself.
	srv, _ := MustOpenServerDir(b, web.Config{BaseURL: "", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), AccessLog: io.Discard})
	return srv
}

func benchServe(b *testing.B, h http.Handler, target string) {
	b.ReportAllocs()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	start := cpuTime()
	b.Cleanup(func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, w.Code, w.Body)
		}
	}
}

// bareOf returns a gin engine without middleware that answers every GET
// with the body and headers srv gives target.
func bareOf(b *testing.B, srv http.Handler, target string) http.Handler {
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	body, header := w.Body.Bytes(), w.Header().Clone()
	ct := header.Get("Content-Type")
	header.Del("Content-Type")
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/*path", func(c *gin.Context) {
		h := c.Writer.Header()
		for k, v := range header {
			h[k] = v
		}
		c.Data(http.StatusOK, ct, body)
	})
	return e
}

// cpuTime is the process's CPU time (user and system): on a shared machine
// wall time grows with the waiting, CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const itemTarget = "/api/collections/actors/items/commune-88160"

func BenchmarkItem(b *testing.B) {
	srv := benchServer(b)
	b.Run("server", func(b *testing.B) { benchServe(b, srv, itemTarget) })
	b.Run("bare", func(b *testing.B) { benchServe(b, bareOf(b, srv, itemTarget), itemTarget) })
}

// BenchmarkItemNoLog is BenchmarkItem/server with request logs off: the
// difference is what the access log costs.
func BenchmarkItemNoLog(b *testing.B) {
	srv, _ := MustOpenServerDir(b, web.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	benchServe(b, srv, itemTarget)
}

func BenchmarkItemsFrance(b *testing.B) {
	srv := benchServer(b)
	const target = "/api/collections/actors/items?limit=1000&bbox=-5.21,41.29,9.61,51.12"
	b.Run("server", func(b *testing.B) { benchServe(b, srv, target) })
	b.Run("bare", func(b *testing.B) { benchServe(b, bareOf(b, srv, target), target) })
}

func BenchmarkItemsBBox(b *testing.B) {
	srv := benchServer(b)
	const target = "/api/collections/actors/items?limit=100&bbox=6.1,47.9,6.8,48.4"
	b.Run("server", func(b *testing.B) { benchServe(b, srv, target) })
	b.Run("bare", func(b *testing.B) { benchServe(b, bareOf(b, srv, target), target) })
}
