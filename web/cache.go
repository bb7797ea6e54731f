package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
)

// personal lists the path prefixes whose answers depend on who asks: they
// are never cached by shared caches nor readable from other origins.
var personal = []string{"/api/me", "/api/tokens", "/api/proposals", "/api/review", "/api/reports",
	"/api/users", "/api/imports", "/api/confirmations", "/api/stale", "/api/login", "/api/logout", "/api/register", "/feeds/queue.atom"}

func isPersonal(path string) bool {
	for _, p := range personal {
		if rest, ok := strings.CutPrefix(path, p); ok && (rest == "" || rest[0] == '/' || rest[0] == '.') {
			return true
		}
	}
	return false
}

// isData reports whether path serves shared, read-only data: the API's
// public routes and the change feeds.
func isData(path string) bool {
	return (strings.HasPrefix(path, "/api/") || path == "/api" || strings.HasPrefix(path, "/feeds/")) && !isPersonal(path)
}

// dataMaxAge is how long shared caches and browsers may reuse data without
// asking again; after it they revalidate with If-None-Match, which costs a
// 304 when nothing changed.
const dataMaxAge = 60 * time.Second

// conditional gives every read of shared data a strong ETag derived from the
// directory's change sequence (any applied edit changes it), the request
// and the encoding the answer will use, and answers If-None-Match with 304
// without running the handler.
func (s *Server) conditional() gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !isData(r.URL.Path) {
			c.Next()
			return
		}
		etag := s.etag(r, s.dir.Seq())
		h := c.Writer.Header()
		h["Etag"] = []string{etag}
		h["Cache-Control"] = dataCacheControl
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			c.AbortWithStatus(http.StatusNotModified)
			return
		}
		c.Next()
	}
}

// etag is the strong ETag of a read of shared data made at change sequence
// seq: the request, the base URL of links and the encoding (gzip or not,
// for compressible answers and tiles) decide the bytes, seq the data.
func (s *Server) etag(r *http.Request, seq uint64) string {
	h := fnvOffset
	if r.URL.RawPath != "" || r.URL.Opaque != "" || r.URL.ForceQuery {
		h = fnvString(h, r.URL.RequestURI())
	} else {
		// RequestURI's text, without making it.
		h = fnvString(h, r.URL.EscapedPath())
		if r.URL.RawQuery != "" {
			h = fnvString(fnvString(h, "?"), r.URL.RawQuery)
		}
	}
	h = fnvString(h, "\x00")
	if s.cfg.BaseURL != "" {
		h = fnvString(h, s.cfg.BaseURL)
	} else {
		h = fnvString(fnvString(h, s.scheme(r)), r.Host) // baseURL's text
	}
	if willGzip(r) || (strings.HasSuffix(r.URL.Path, ".mvt") && acceptsGzip(r)) {
		h = fnvString(h, "\x00gz")
	}
	var b [32]byte
	out := append(b[:0], '"')
	out = strconv.AppendUint(out, seq, 36)
	out = append(out, '-')
	out = strconv.AppendUint(out, h, 36)
	return string(append(out, '"'))
}

// dataCacheControl is the Cache-Control of shared data. Header values set
// from shared slices are never written to: net/http and gin replace them.
var dataCacheControl = []string{"public, max-age=" + strconv.Itoa(int(dataMaxAge.Seconds()))}

// FNV-1a, 64 bits, over strings, without hash.Hash's allocation.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// notModified replaces the ETag the conditional middleware set when the
// answer reflects another change sequence than the directory's latest —
// clusters and tiles are served from an index rebuilt in the background
// after a change, so they may lag it by a moment — and answers 304 if the
// client holds it.
func (s *Server) notModified(c *gin.Context, seq uint64) bool {
	etag := s.etag(c.Request, seq)
	c.Header("ETag", etag)
	if etagMatches(c.Request.Header.Get("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return true
	}
	return false
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// compressible says whether a path's answers are worth gzipping: text
// (JSON, GeoJSON, CSV, Atom, HTML), not static assets (compressed once, at
// start, by their handler), vector tiles (their handler compresses them)
// nor images.
func compressible(path string) bool {
	if strings.HasPrefix(path, "/static/") {
		return false
	}
	for _, ext := range []string{".mvt", ".png", ".jpg", ".webp", ".woff2", ".gz"} {
		if strings.HasSuffix(path, ext) {
			return false
		}
	}
	return true
}

func willGzip(r *http.Request) bool {
	return acceptsGzip(r) && compressible(r.URL.Path)
}

// compress gzips compressible answers for clients that accept it (Vary:
// Accept-Encoding is set).
func compress() gin.HandlerFunc {
	return gzip.Gzip(gzip.DefaultCompression, gzip.WithCustomShouldCompressFn(func(c *gin.Context) bool {
		return willGzip(c.Request) && c.Request.Method != http.MethodHead
	}))
}

// shareData lets any site read the shared data from its own pages
// (Access-Control-Allow-Origin: *, no credentials), so regional sites can
// use the API directly.
func shareData() gin.HandlerFunc {
	h := cors.New(cors.Config{
		AllowAllOrigins: true,
		AllowMethods:    []string{http.MethodGet, http.MethodHead, http.MethodOptions},
		AllowHeaders:    []string{"Accept", "If-None-Match", "Accept-Language"},
		ExposeHeaders:   []string{"ETag", "Link", "Content-Disposition"},
		MaxAge:          12 * time.Hour,
	})
	return func(c *gin.Context) {
		if isData(c.Request.URL.Path) {
			h(c)
			return
		}
		c.Next()
	}
}
