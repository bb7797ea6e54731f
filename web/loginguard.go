package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// LoginGuard locks an address out of logging in after repeated failures.
// Accounts lock themselves after a few failures (directory.LoginPolicy); this
// stops one address from guessing the passwords of many accounts, a few
// tries each, which no account lock would see.
type LoginGuard struct {
	MaxFailures int           // failed logins from one address within Window…
	Window      time.Duration //
	LockFor     time.Duration // …lock it out of logging in for this long
}

// DefaultLoginGuard locks an address for 15 minutes after 20 failed logins
// within 15 minutes: generous for an office behind one NAT address whose
// agents mistype, far below what guessing needs.
var DefaultLoginGuard = LoginGuard{MaxFailures: 20, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

// loginFailures counts failed logins per client address.
type loginFailures struct {
	mu    sync.Mutex
	byIP  map[string]*ipFailures
	sweep time.Time
}

type ipFailures struct {
	count       int
	first       time.Time // start of the counting window
	lockedUntil time.Time
}

// lockedFor returns how long ip stays locked out (0 when it is not).
func (l *loginFailures) lockedFor(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.byIP[ip]; f != nil && now.Before(f.lockedUntil) {
		return f.lockedUntil.Sub(now)
	}
	return 0
}

// fail records a failed login from ip.
func (l *loginFailures) fail(ip string, g LoginGuard, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byIP == nil {
		l.byIP = map[string]*ipFailures{}
	}
	if now.Sub(l.sweep) > time.Minute {
		// Forget addresses whose window and lock are over, so memory stays bounded.
		for k, f := range l.byIP {
			if now.Sub(f.first) > g.Window && !now.Before(f.lockedUntil) {
				delete(l.byIP, k)
			}
		}
		l.sweep = now
	}
	f := l.byIP[ip]
	if f == nil || now.Sub(f.first) > g.Window {
		f = &ipFailures{first: now, lockedUntil: timeOrZero(f)}
		l.byIP[ip] = f
	}
	f.count++
	if f.count >= g.MaxFailures {
		f.lockedUntil = now.Add(g.LockFor)
		f.count, f.first = 0, now
	}
}

func timeOrZero(f *ipFailures) time.Time {
	if f == nil {
		return time.Time{}
	}
	return f.lockedUntil
}

// keyAddressLocked refuses a login from an address locked out by the LoginGuard.
var keyAddressLocked = directory.NewKey("login.address_locked", "too many failed logins from your address: try again in {minutes} minutes")

// loginRoutes are the routes that check a password: the API's and the login
// form's. Both answer 401 to a wrong one.
var loginRoutes = map[string]bool{"/api/login": true, "/connexion": true}

// guardLogin applies the LoginGuard to the login routes: a locked-out
// address gets 429 with Retry-After before its password is even checked; a
// 401 answer counts as a failure. Success does not reset the count, or one
// valid account would let its owner guess others' passwords for ever.
func (s *Server) guardLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost || !loginRoutes[c.FullPath()] || s.cfg.LoginGuard.MaxFailures <= 0 {
			c.Next()
			return
		}
		ip := c.ClientIP()
		shared := s.dir.DB().Shared() // several servers: the count lives in the database
		var wait time.Duration
		if shared {
			var err error
			if wait, err = s.dir.DB().LoginLockedFor(c.Request.Context(), "login|"+ip); err != nil {
				s.writeError(c, err)
				return
			}
		} else {
			wait = s.loginFailures.lockedFor(ip, time.Now())
		}
		if wait > 0 {
			// The login form's browser gets a page in its language, scripts JSON.
			s.writeError(c, tooMany(keyAddressLocked, wait.Round(time.Second)))
			return
		}
		c.Next()
		if c.Writer.Status() == http.StatusUnauthorized {
			if !shared {
				s.loginFailures.fail(ip, s.cfg.LoginGuard, time.Now())
			} else if err := s.dir.DB().LoginFailed(c.Request.Context(), "login|"+ip, s.cfg.LoginGuard.MaxFailures,
				s.cfg.LoginGuard.Window, s.cfg.LoginGuard.LockFor); err != nil {
				s.log.ErrorContext(c.Request.Context(), "counting a failed login", "err", err)
			}
		}
	}
}
