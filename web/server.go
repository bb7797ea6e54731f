package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/webhook"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// BaseURL is the public URL the site is reached at (e.g.
	// "https://voisinage.example.org"), used in links. Empty: derived from
	// each request's Host.
	BaseURL string
	// Logger receives request and error logs; nil means slog.Default().
	Logger *slog.Logger
	// AccessLog, when set, receives the request lines instead of Logger,
	// written directly in the format of slog.NewJSONHandler (the same
	// bytes, at a fraction of the cost): set it only when Logger is a
	// JSONHandler writing to it, with no options but its level (Logger
	// still decides which lines are written).
	AccessLog io.Writer
	// TileURL is the base map's tile URL template (Leaflet syntax, e.g.
	// DefaultTileURL). Empty: no base map; the maps draw France's outline on
	// a plain background.
	TileURL string
	// TileAttribution is the base map's attribution, HTML as Leaflet takes it
	// (e.g. DefaultTileAttribution), shown on every map with the data's.
	TileAttribution string
	// Basemaps are the base maps a visitor can choose from, the first shown
	// by default (see BasemapPresets); when empty, TileURL (if set) is the
	// only one. With none at all, or while no tile of the chosen one has
	// loaded, the maps draw the bundled outlines of the départements and the
	// names of the communes on a plain background.
	Basemaps []Basemap
	// AccessibilityContact is the e-mail address or URL the accessibility
	// statement gives for reporting a barrier; empty: the site's report form.
	AccessibilityContact string
	// RateLimits are the per-IP limits; the zero value means DefaultRateLimits.
	RateLimits RateLimits
	// TrustedProxies are the addresses (or CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed; none by default, so clients cannot forge
	// their address to dodge rate limits.
	TrustedProxies []string
	// LoginGuard locks an address out of logging in after repeated
	// failures; the zero value means DefaultLoginGuard.
	LoginGuard LoginGuard
	// MaxExpensive bounds the reads served at once, server wide (others
	// wait a moment, then get 503 with Retry-After); 0 means
	// DefaultMaxExpensive().
	MaxExpensive int
	// ExpensiveWait is how long a read waits for one of those slots; 0
	// means 2 s.
	ExpensiveWait time.Duration
	// WebhookGuard decides which addresses webhooks may be registered
	// with; the zero value refuses every address that is not public.
	WebhookGuard webhook.Guard
	// Now is the clock of the per-address limits; nil means time.Now.
	// Tests move it on instead of sleeping.
	Now func() time.Time
}

// Server is the HTTP handler of voisinage.
type Server struct {
	cfg     Config
	dir     *directory.Directory
	log     *slog.Logger
	engine  *gin.Engine
	handler http.Handler // the engine, its middleware chain included
	limits  limiters
	metrics *metrics
	pages   *pages // the HTML pages, error pages included

	loginFailures loginFailures
	expensive     *expensive
}

// NewServer builds the router over dir. It returns an error, never panics,
// when the configuration is wrong (a trusted proxy that is not an address
// or CIDR, a tile URL that cannot be parsed) or an embedded template or
// catalog is broken.
func NewServer(cfg Config, dir *directory.Directory) (*Server, error) {
	if dir == nil {
		return nil, errors.New("web: no directory to serve")
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, dir: dir, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = withRequestIDs(s.log)
	var err error
	if s.metrics, err = newMetrics(dir, s.log); err != nil {
		return nil, err
	}
	s.cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if s.cfg.RateLimits == (RateLimits{}) {
		s.cfg.RateLimits = DefaultRateLimits
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	if s.cfg.ExpensiveWait <= 0 {
		s.cfg.ExpensiveWait = expensiveWait
	}
	s.expensive = newExpensive(cfg.MaxExpensive, s.cfg.ExpensiveWait)
	if s.cfg.LoginGuard == (LoginGuard{}) {
		s.cfg.LoginGuard = DefaultLoginGuard
	}
	e := gin.New()
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w (give addresses or CIDRs such as 10.0.0.1 or 10.0.0.0/8)", err)
	}
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = true
	e.RedirectFixedPath = false
	e.Use(s.observe(), s.recovery(), s.crossOrigin(), shareData(), s.conditional(), compress(), s.authenticate(),
		s.limitWrites(), s.guardLogin(), s.boundExpensive())
	e.NoRoute(func(c *gin.Context) {
		s.writeError(c, directory.NewError(directory.ENOTFOUND, keyNoPage, directory.Args{"path": c.Request.URL.Path}))
	})
	e.NoMethod(func(c *gin.Context) {
		c.Header("Allow", "GET, HEAD")
		s.writeError(c, httpError(http.StatusMethodNotAllowed, "method_not_allowed", keyMethod, directory.Args{"method": c.Request.Method}))
	})
	s.engine = e
	if err := s.registerRoutes(); err != nil {
		return nil, err
	}
	s.handler = e
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) registerRoutes() error {
	s.get("/healthz", s.handleHealth)
	s.registerOpsRoutes()
	s.registerOGCRoutes()
	s.registerNearbyRoutes()
	s.registerClusterRoutes()
	s.registerToolRoutes()
	s.registerExportRoutes()
	s.registerAuthRoutes()
	s.registerProposalRoutes()
	s.registerModerationRoutes()
	s.registerImportRoutes()
	s.registerBatchRoutes()
	s.registerConfirmRoutes()
	s.registerFeedRoutes()
	s.registerMCPRoutes()
	s.registerWebhookRoutes()
	return s.registerPageRoutes()
}

// get registers a read-only route for GET and HEAD.
func (s *Server) get(path string, h gin.HandlerFunc) {
	s.engine.GET(path, h)
	s.engine.HEAD(path, h)
}

// baseURL returns the URL prefix for absolute links in responses.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	return s.scheme(r) + r.Host
}

// scheme is the start of baseURL when it comes from the request.
func (s *Server) scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https://"
	}
	return "http://"
}

// crossOrigin refuses cross-site writes. Browsers say where a request comes
// from (Sec-Fetch-Site, Origin), so another site cannot post forms with a
// visitor's session; scripts with API tokens send neither header. It runs
// inside gin, after observe, so that refusals are logged and counted.
func (s *Server) crossOrigin() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			s.writeError(c, directory.NewError(directory.EFORBIDDEN, keyCrossOrigin, nil))
			return
		}
		c.Next()
	}
}

func (s *Server) handleHealth(c *gin.Context) {
	if p := parseParams(c.Request.URL.RawQuery, nil); p.err() != nil {
		s.writeError(c, p.err())
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
