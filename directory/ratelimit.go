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
	ipLockedFor(ctx context.Context, key string) (time.Duration, error)
	ipFailed(ctx context.Context, key string, max int, window, lockFor time.Duration) error
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

// LoginLockedFor returns how long the address key stays locked out of
// logging in (0 when it is not).
func (db *DB) LoginLockedFor(ctx context.Context, key string) (time.Duration, error) {
	l := db.limits()
	if l == nil {
		return 0, NewError(EINVALID, keyLimitsInMemory, Args{"dialect": db.Dialect()})
	}
	return l.ipLockedFor(ctx, key)
}

// LoginFailed counts a failed login from the address key: after max within
// window, it is locked out for lockFor.
func (db *DB) LoginFailed(ctx context.Context, key string, max int, window, lockFor time.Duration) error {
	l := db.limits()
	if l == nil {
		return NewError(EINVALID, keyLimitsInMemory, Args{"dialect": db.Dialect()})
	}
	return l.ipFailed(ctx, key, max, window, lockFor)
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
