package directory

import (
	"context"
	"math"
	"time"
)

// Per-address limits (token buckets per route class, failed logins per
// address) must not be multiplied by the number of servers: with several
// servers on one PostgreSQL database they live in it, changed by one
// atomic statement each (PostgreSQL locks the row), on the database's
// clock. A SQLite file has one server, which keeps them in memory: these
// methods are for shared stores only (DB.Shared).

// sharedLimits is implemented by the stores that keep per-address limits.
type sharedLimits interface {
	takeToken(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error)
	loginBegin(ctx context.Context, key string, b LoginBackoff) (time.Duration, error)
	loginSucceeded(ctx context.Context, key string, b LoginBackoff) error
	sweepLimits(ctx context.Context) (int64, error)
}

func (db *DB) limits() sharedLimits {
	if l, ok := db.store.(sharedLimits); ok {
		return l
	}
	return nil
}

// TakeToken takes a token from the bucket key (refilled one token every
// every, holding at most burst); when none is left it returns false and how
// long until one is. EINVALID on a store that is not shared.
func (db *DB) TakeToken(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	l := db.limits()
	if l == nil {
		return false, 0, NewError(EINVALID, keyLimitsInMemory, Args{"dialect": db.Dialect()})
	}
	return l.takeToken(ctx, key, every, burst)
}

// LoginBackoff is the progressive delay between the login attempts of one
// address (web.LoginGuard): Free attempts, then Base, doubled at each
// further attempt up to Max; an address quiet for Window after its delay is
// forgotten.
type LoginBackoff struct {
	Free      int
	Base, Max time.Duration
	Window    time.Duration
}

// Delay is how long an address with n attempts counted waits before its next.
func (b LoginBackoff) Delay(n int) time.Duration {
	if n < b.Free {
		return 0
	}
	d := b.Base
	for i := b.Free; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// LoginBegin counts a login attempt from the address key before its
// password is checked (as a failure until LoginSucceeded gives it back), or
// returns how long the address must still wait. Counting and checking are
// one statement, so that a burst of simultaneous attempts through any
// number of servers gets the free attempts and no more.
func (db *DB) LoginBegin(ctx context.Context, key string, b LoginBackoff) (time.Duration, error) {
	l := db.limits()
	if l == nil {
		return 0, NewError(EINVALID, keyLimitsInMemory, Args{"dialect": db.Dialect()})
	}
	return l.loginBegin(ctx, key, b)
}

// LoginSucceeded gives back an attempt LoginBegin counted that did not fail.
func (db *DB) LoginSucceeded(ctx context.Context, key string, b LoginBackoff) error {
	l := db.limits()
	if l == nil {
		return NewError(EINVALID, keyLimitsInMemory, Args{"dialect": db.Dialect()})
	}
	return l.loginSucceeded(ctx, key, b)
}

// SweepLimits forgets the per-address counters that carry no state any
// more (full buckets, windows and locks over), and returns how many.
func (db *DB) SweepLimits(ctx context.Context) (int64, error) {
	l := db.limits()
	if l == nil {
		return 0, nil
	}
	return l.sweepLimits(ctx)
}

// secondsOf converts a duration to PostgreSQL's Unix-time arithmetic.
func secondsOf(d time.Duration) float64 { return d.Seconds() }

func durationOf(seconds float64) time.Duration {
	if seconds <= 0 || math.IsNaN(seconds) {
		return 0
	}
	return time.Duration(math.Ceil(seconds * float64(time.Second)))
}
