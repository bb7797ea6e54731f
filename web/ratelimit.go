package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/voisinage/voisinage/directory"
)

// Limit is a token bucket: Every is the time to earn one request, Burst how
// many can be spent at once.
type Limit struct {
	Every time.Duration
	Burst int
}

// RateLimits are per-client-IP limits on the routes people or bots abuse.
// One server (SQLite) keeps them in memory; servers sharing a PostgreSQL
// database keep them in it (directory.DB.TakeToken), so that they hold
// across servers.
type RateLimits struct {
	Login    Limit // login attempts
	Register Limit // account creations
	Report   Limit // reports (anonymous allowed)
	Write    Limit // any other write
}

// DefaultRateLimits suit a public deployment.
var DefaultRateLimits = RateLimits{
	Login:    Limit{Every: 15 * time.Second, Burst: 10},
	Register: Limit{Every: 6 * time.Minute, Burst: 5},
	Report:   Limit{Every: 2 * time.Minute, Burst: 10},
	Write:    Limit{Every: time.Second, Burst: 60},
}

// limiters keeps one token bucket per key (route class and client IP),
// forgetting idle ones so memory stays bounded.
type limiters struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// allow takes a token from key's bucket; when none is left it returns how
// long until one is.
func (l *limiters) allow(key string, lim Limit, now time.Time) (bool, time.Duration) {
	if lim.Every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	if now.Sub(l.sweep) > time.Minute {
		for k, b := range l.buckets {
			// A bucket idle long enough to be full again carries no state.
			if now.Sub(b.seen) > time.Duration(lim.Burst+1)*lim.Every && now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(lim.Every), lim.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, lim.Every
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// keyAddressRate refuses a request over its address's rate limit.
var keyAddressRate = directory.NewKey("rate.address", "too many requests from your address: wait a little and try again")

// allowIP applies the per-IP limit of a route class; it answers 429 with
// Retry-After and returns false when the client is over it.
func (s *Server) allowIP(c *gin.Context, class string) bool {
	var lim Limit
	switch class {
	case "login":
		lim = s.cfg.RateLimits.Login
	case "register":
		lim = s.cfg.RateLimits.Register
	case "report":
		lim = s.cfg.RateLimits.Report
	default:
		lim = s.cfg.RateLimits.Write
	}
	key := class + "|" + c.ClientIP()
	var ok bool
	var wait time.Duration
	if s.dir.DB().Shared() {
		// Several servers share the database: so does the bucket, or the
		// limit would be multiplied by the number of servers.
		var err error
		if ok, wait, err = s.dir.DB().TakeToken(c.Request.Context(), key, lim.Every, lim.Burst); err != nil {
			s.writeError(c, err)
			return false
		}
	} else {
		ok, wait = s.limits.allow(key, lim, s.cfg.Now())
	}
	if !ok {
		s.writeError(c, tooMany(keyAddressRate, wait))
	}
	return ok
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(max(d, time.Second).Seconds())))
}

// limitWrites applies the general per-IP write limit to every non-GET request.
func (s *Server) limitWrites() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !s.allowIP(c, "write") {
				return
			}
		}
		c.Next()
	}
}
