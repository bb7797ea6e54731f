package web

import (
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// DefaultMaxExpensive is the number of expensive requests served at once
// unless Config.MaxExpensive says otherwise: four per core, at least 16.
// Each is bounded on its own (limit ≤ 10,000 features, lists ≤ 100 values,
// q ≤ 200 characters…), so a few dozen megabytes at most each; sixteen of
// them stay far below the server's 850 MiB memory limit, and more at once
// would only queue for the same cores.
func DefaultMaxExpensive() int { return max(16, 4*runtime.GOMAXPROCS(0)) }

// expensiveWait is how long a request waits for a slot before it is
// answered 503: a burst is absorbed, a flood is refused.
const expensiveWait = 2 * time.Second

// expensiveRetry is the Retry-After of a 503 for saturation.
const expensiveRetry = 2 * time.Second

// expensive bounds how many reads that do real work run at once, server
// wide: slots is a counting semaphore, and at most cap(slots) more requests
// wait for one; any request beyond those is refused at once. Without it
// enough simultaneous requests, each of bounded cost, would still add up
// to an unbounded amount of memory.
type expensive struct {
	slots   chan struct{}
	waiting atomic.Int64
	wait    time.Duration
}

func newExpensive(n int, wait time.Duration) *expensive {
	if n <= 0 {
		n = DefaultMaxExpensive()
	}
	return &expensive{slots: make(chan struct{}, n), wait: wait}
}

// cheap lists what is never bounded: operators' probes must answer when the
// server is saturated (that is when they matter), and static assets are
// bytes served from memory.
func cheapPath(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics" || strings.HasPrefix(path, "/static/")
}

// boundExpensive applies the bound to every read (GET, HEAD, and the MCP
// endpoint's POSTs, which are searches) except the cheap ones; answers a
// conditional request resolved by its ETag has already given (304) never
// reach it. Writes are not bounded here: their bodies are at most 1 MiB,
// they are limited per address, and SQLite runs them one at a time.
func (s *Server) boundExpensive() gin.HandlerFunc {
	return func(c *gin.Context) {
		read := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead ||
			(c.Request.Method == http.MethodPost && c.Request.URL.Path == "/mcp")
		if !read || cheapPath(c.Request.URL.Path) {
			c.Next()
			return
		}
		b := s.expensive
		select {
		case b.slots <- struct{}{}:
		default:
			if !b.queue(c) {
				s.saturated(c)
				return
			}
		}
		defer func() { <-b.slots }()
		c.Next()
	}
}

// queue waits for a slot, up to b.wait, unless as many requests already
// wait as there are slots; it reports whether it got one.
func (b *expensive) queue(c *gin.Context) bool {
	if b.waiting.Add(1) > int64(cap(b.slots)) {
		b.waiting.Add(-1)
		return false
	}
	defer b.waiting.Add(-1)
	t := time.NewTimer(b.wait)
	defer t.Stop()
	select {
	case b.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-c.Request.Context().Done():
		return false
	}
}

// keyBusy answers a request the server has no room for now.
var keyBusy = directory.NewKey("http.busy", "the server is busy with other requests: try again in a few seconds")

// saturated answers 503 with Retry-After: the request was fine, the server
// is busy.
func (s *Server) saturated(c *gin.Context) {
	s.metrics.saturated.Inc()
	err := directory.NewError(directory.EUNAVAILABLE, keyBusy, nil)
	err.RetryAfter = expensiveRetry
	s.writeError(c, err)
}
