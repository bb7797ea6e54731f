package web

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/voisinage/voisinage/directory"
)

// metrics are the server's Prometheus metrics, in a registry of its own (not
// the global one) so that several servers in one process — tests — do not
// clash.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
	// saturated counts reads refused by the bound on expensive requests.
	saturated prometheus.Counter

	// The series of each method, route and status, found once: looking
	// them up by label values hashes the values at every request.
	seriesMu sync.RWMutex
	series   map[seriesKey]requestSeries
}

type seriesKey struct {
	method, route string
	status        int
}

type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// newMetrics registers the request metrics and the directory's gauges. The
// gauges are read at scrape time, so they cost nothing between scrapes.
func newMetrics(dir *directory.Directory, log *slog.Logger) (*metrics, error) {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voisinage_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "voisinage_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "voisinage_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		saturated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voisinage_http_saturated_total",
			Help: "Reads refused with 503 because the bound on reads served at once (-max-expensive) was reached.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inflight, m.saturated,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}

	// The queue counts come from SQLite; one query per scrape serves the
	// three gauges of a scrape, and a failure shows as NaN, not as a zero
	// that would look like an empty queue.
	queue := func(pick func(directory.QueueStats) int) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			q, err := dir.QueueStats(ctx)
			if err != nil {
				log.Error("metrics: reading the moderation queue", "err", err)
				return math.NaN()
			}
			return float64(pick(q))
		}
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_moderation_queue_length",
			Help: "Proposals waiting for review (pending)."}, queue(func(q directory.QueueStats) int { return q.Pending })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_moderation_needs_review",
			Help: "Proposals applied at once (trusted authors, representatives) still to be reviewed."},
			queue(func(q directory.QueueStats) int { return q.NeedsReview })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_reports_open",
			Help: "Reports not yet resolved."}, queue(func(q directory.QueueStats) int { return q.OpenReports })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_index_actors",
			Help: "Live actors in the in-memory read model."}, func() float64 { return float64(dir.Stats().Actors) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_index_located",
			Help: "Actors with a point, i.e. entries of the spatial index."}, func() float64 { return float64(dir.Stats().Located) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "voisinage_password_evaluations_total",
			Help: "argon2id evaluations (password checks and hashes), about 90 ms of a core each."},
			func() float64 { return float64(directory.PasswordEvaluations()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voisinage_change_sequence",
			Help: "The directory's change sequence: it grows with every applied change."}, func() float64 { return float64(dir.Seq()) }),
	} {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	k := seriesKey{method, route, status}
	m.seriesMu.RLock()
	rs, ok := m.series[k]
	m.seriesMu.RUnlock()
	if !ok {
		rs = requestSeries{m.requests.WithLabelValues(method, route, strconv.Itoa(status)),
			m.duration.WithLabelValues(method, route)}
		m.seriesMu.Lock()
		if m.series == nil {
			m.series = map[seriesKey]requestSeries{}
		}
		// Methods and routes are few (unknown paths are "unmatched",
		// unknown methods answered 405 by gin), and so are statuses.
		m.series[k] = rs
		m.seriesMu.Unlock()
	}
	rs.count.Inc()
	rs.duration.Observe(elapsed.Seconds())
}

// registerOpsRoutes registers what operators and their tools poll:
// readiness and metrics (/healthz is registered with the API).
func (s *Server) registerOpsRoutes() {
	s.get("/readyz", s.handleReady)
	// The compressing middleware gzips the answer when asked: promhttp must not too.
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{DisableCompression: true, ErrorLog: slogPrinter{s.log}})
	s.get("/metrics", func(c *gin.Context) {
		if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
			s.writeError(c, p.err())
			return
		}
		c.Header("Cache-Control", "no-store")
		h.ServeHTTP(c.Writer, c.Request)
	})
}

// handleReady answers 200 when the server can serve requests — the database
// answers and the read model is built — and 503 otherwise, so that a load
// balancer sends traffic only to a ready instance. /healthz only says the
// process is up.
func (s *Server) handleReady(c *gin.Context) {
	if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
		s.writeError(c, p.err())
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.dir.Ready(ctx); err != nil {
		s.writeError(c, err)
		return
	}
	st := s.dir.Stats()
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ready", "actors": st.Actors, "located": st.Located, "seq": st.Seq, "followed": st.Followed})
}

// slogPrinter lets promhttp report its errors through the server's logger.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Error("metrics", "err", v) }
