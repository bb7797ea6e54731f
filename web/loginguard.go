package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// LoginGuard slows down one address that keeps failing to log in, with
// delays that grow with its failures. Accounts guard themselves
// (directory.LoginPolicy: a few evaluations per account for browsers that
// never logged in to it); this stops one address from guessing the
// passwords of many accounts, a few tries each, which no account's count
// would see — without locking out, for long, an office behind one address
// whose agents mistype.
type LoginGuard struct {
	FreeFailures int           // failures from an address before delays start
	BaseDelay    time.Duration // the first delay, doubled at each further failure…
	MaxDelay     time.Duration // …up to this
	Window       time.Duration // an address's failures are forgotten this long after its last attempt
}

// DefaultLoginGuard lets an address fail 5 times freely, then makes it wait
// 1 s, 2 s, 4 s… up to 15 minutes between attempts; 15 minutes without an
// attempt clear its record. Twenty failures cost an address about four
// hours of waiting.
var DefaultLoginGuard = LoginGuard{FreeFailures: 5, BaseDelay: time.Second, MaxDelay: 15 * time.Minute, Window: 15 * time.Minute}

// backoff is the guard as the directory's shared stores keep it.
func (g LoginGuard) backoff() directory.LoginBackoff {
	return directory.LoginBackoff{Free: g.FreeFailures, Base: g.BaseDelay, Max: g.MaxDelay, Window: g.Window}
}

// delay is how long an address with n failures waits before its next attempt.
func (g LoginGuard) delay(n int) time.Duration { return g.backoff().Delay(n) }

// loginFailures counts failed logins per client address. An attempt is
// counted when it starts (as a failure until it succeeds), under the lock,
// so that a burst of simultaneous attempts from one address gets its free
// ones and no more.
type loginFailures struct {
	mu    sync.Mutex
	byIP  map[string]*ipFailures
	sweep time.Time
}

type ipFailures struct {
	count int       // failures, and attempts under way
	last  time.Time // when the last attempt started
}

// begin counts an attempt from ip, or returns how long ip must still wait.
func (l *loginFailures) begin(ip string, g LoginGuard, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byIP == nil {
		l.byIP = map[string]*ipFailures{}
	}
	if now.Sub(l.sweep) > time.Minute {
		// Forget the addresses quiet for a window, so memory stays bounded.
		for k, f := range l.byIP {
			if now.Sub(f.last) > g.Window+g.MaxDelay {
				delete(l.byIP, k)
			}
		}
		l.sweep = now
	}
	f := l.byIP[ip]
	if f == nil {
		f = &ipFailures{}
		l.byIP[ip] = f
	} else if now.Sub(f.last) > g.Window+g.delay(f.count) {
		f.count = 0
	}
	if wait := f.last.Add(g.delay(f.count)).Sub(now); f.count > 0 && wait > 0 {
		return wait
	}
	f.count++
	f.last = now
	return 0
}

// succeeded gives back an attempt that did not fail.
func (l *loginFailures) succeeded(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.byIP[ip]; f != nil && f.count > 0 {
		f.count--
	}
}

// keyAddressLocked refuses a login from an address locked out by the LoginGuard.
var keyAddressLocked = directory.NewKey("login.address_locked", "too many failed logins from your address: try again in {wait}")

// loginRoutes are the routes that check a password: the API's and the login
// form's. Both answer 401 to a wrong one.
var loginRoutes = map[string]bool{"/api/login": true, "/connexion": true}

// guardLogin applies the LoginGuard to the login routes: an address that
// must wait gets 429 with Retry-After before any password is checked. An
// attempt that ends in 401 (wrong password) or 429 (the account locked for
// this client) stays counted; any other outcome is given back.
func (s *Server) guardLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost || !loginRoutes[c.FullPath()] || s.cfg.LoginGuard.FreeFailures <= 0 {
			c.Next()
			return
		}
		ip := c.ClientIP()
		shared := s.dir.DB().Shared() // several servers: the count lives in the database
		var wait time.Duration
		if shared {
			var err error
			if wait, err = s.dir.DB().LoginBegin(c.Request.Context(), "login|"+ip, s.cfg.LoginGuard.backoff()); err != nil {
				s.writeError(c, err)
				return
			}
		} else {
			wait = s.loginFailures.begin(ip, s.cfg.LoginGuard, s.cfg.Now())
		}
		if wait > 0 {
			// The login form's browser gets a page in its language, scripts JSON.
			s.writeError(c, tooMany(keyAddressLocked, wait))
			return
		}
		c.Next()
		if st := c.Writer.Status(); st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
			if !shared {
				s.loginFailures.succeeded(ip)
			} else if err := s.dir.DB().LoginSucceeded(context.WithoutCancel(c.Request.Context()), "login|"+ip, s.cfg.LoginGuard.backoff()); err != nil {
				s.log.ErrorContext(c.Request.Context(), "giving back a login attempt", "err", err)
			}
		}
	}
}
