package directory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Logging in is guarded against password guessing without handing
// attackers a way to lock owners out, as OWASP's "Slow down online guessing
// attacks with device cookies" describes:
//
//   - A browser that has logged in to an account before holds a device
//     cookie for it (signed with a key kept in the database). Its attempts
//     count against that cookie only: after LoginPolicy.MaxFailures wrong
//     passwords within LoginPolicy.Window, that cookie is locked for
//     LockFor, and the owner's other browsers are not.
//   - Every other client (no cookie, someone else's, a forged one) is
//     "untrusted" for the account: together, untrusted clients get at most
//     MaxFailures password evaluations per account per Window, after which
//     untrusted clients are locked out of the account for LockFor — but
//     the owner, from a browser she used before, still logs in.
//   - Each attempt reserves its evaluation in the database before the
//     password is checked (an immediate transaction: atomic even across
//     processes), so that two hundred simultaneous guesses get MaxFailures
//     evaluations, not two hundred.
//   - An unknown e-mail has its counter too, and its attempt costs one
//     argon2id evaluation like a known one: the answers and their timing do
//     not tell which accounts exist.

// LoginPolicy bounds password guessing.
type LoginPolicy struct {
	MaxFailures int           // password evaluations per account (untrusted clients) or per device cookie within Window…
	Window      time.Duration //
	LockFor     time.Duration // …beyond which they are refused for this long
}

// DefaultLoginPolicy allows 5 wrong passwords per account from untrusted
// clients (and 5 per device cookie) within 15 minutes, then locks those
// clients out of the account for 15 minutes.
var DefaultLoginPolicy = LoginPolicy{MaxFailures: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

// LoginAttempt is one try at logging in.
type LoginAttempt struct {
	Email    string
	Password string
	Device   string // the device cookie the client sent; "" if none
}

// Login checks an attempt. On success it returns the user and a new device
// cookie for the client to keep. It returns EUNAUTHORIZED for a wrong pair
// (the same whether or not the account exists) and ETOOMANY, with
// RetryAfter, while the client is locked out of the account.
func (d *Directory) Login(ctx context.Context, a LoginAttempt) (*User, string, error) {
	email := normalizeEmail(a.Email)
	var id int64
	var hash string
	err := d.db.read.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email = ?`, email).Scan(&id, &hash)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", err
	}
	key := "account:" + tokenHash(email)
	device := false
	if known {
		if nonce, ok := d.checkDeviceCookie(a.Device, id); ok {
			key, device = "device:"+tokenHash(nonce), true
		}
	}
	if err := d.reserveLogin(ctx, key, device); err != nil {
		return nil, "", err
	}
	if !known {
		checkPassword(dummyHash, a.Password) // the same cost as a known account
		return nil, "", wrongLogin()
	}
	if !checkPassword(hash, a.Password) {
		return nil, "", wrongLogin()
	}
	if err := d.releaseLogin(ctx, key, device); err != nil {
		return nil, "", err
	}
	u, err := d.FindUserByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	cookie, err := d.newDeviceCookie(id)
	if err != nil {
		return nil, "", err
	}
	return u, cookie, nil
}

// Authenticate is Login from a client without a device cookie.
func (d *Directory) Authenticate(ctx context.Context, email, password string) (*User, error) {
	u, _, err := d.Login(ctx, LoginAttempt{Email: email, Password: password})
	return u, err
}

func wrongLogin() error { return NewError(EUNAUTHORIZED, keyWrongLogin, nil) }

// reserveLogin counts an attempt against key before its password is
// checked, atomically; it returns ETOOMANY when key is locked or has had its
// evaluations for the window. A failed attempt keeps its reservation: it is
// the failure counted.
func (d *Directory) reserveLogin(ctx context.Context, key string, device bool) error {
	pol := d.Policy.Login
	if pol.MaxFailures <= 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := d.db.Now()
	var failures int
	var start string
	var locked sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT failures, window_start, locked_until FROM login_counters WHERE key = ?`, key).
		Scan(&failures, &start, &locked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if locked.Valid {
		if until := parseTime(locked.String); now.Before(until) {
			return lockedOut(device, until.Sub(now))
		}
		failures = 0 // the lock is over: a new window
		start = ""
	}
	if start == "" || !now.Before(parseTime(start).Add(pol.Window)) {
		failures, start = 0, formatTime(now)
	}
	failures++
	var lockUntil any
	if failures > pol.MaxFailures {
		lockUntil, failures, start = formatTime(now.Add(pol.LockFor)), 0, formatTime(now)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_counters (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
		locked_until = excluded.locked_until`, key, failures, start, lockUntil); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if lockUntil != nil {
		return lockedOut(device, pol.LockFor)
	}
	return nil
}

// releaseLogin gives back a successful attempt's reservation: the right
// password is not a failure. A device's count starts again; an account's
// only loses this attempt, so that the owner logging in from a new browser
// does not wipe out the failures of someone guessing meanwhile.
func (d *Directory) releaseLogin(ctx context.Context, key string, device bool) error {
	if d.Policy.Login.MaxFailures <= 0 {
		return nil
	}
	var err error
	if device {
		_, err = d.db.write.ExecContext(ctx, `DELETE FROM login_counters WHERE key = ?`, key)
	} else {
		_, err = d.db.write.ExecContext(ctx, `UPDATE login_counters SET failures = MAX(failures - 1, 0) WHERE key = ?`, key)
	}
	return err
}

func lockedOut(device bool, wait time.Duration) error {
	e := NewError(ETOOMANY, keyLockedUntrusted, WaitArgs(wait))
	if device {
		e = NewError(ETOOMANY, keyLockedDevice, nil)
	}
	e.RetryAfter = time.Duration(WaitSeconds(wait)) * time.Second
	return e
}

// SweepLoginCounters forgets the counters whose window and lock are over,
// so that guesses at random e-mails do not fill the table.
func (d *Directory) SweepLoginCounters(ctx context.Context) (int64, error) {
	now := d.db.Now()
	res, err := d.db.write.ExecContext(ctx, `DELETE FROM login_counters WHERE window_start < ?
		AND (locked_until IS NULL OR locked_until < ?)`, formatTime(now.Add(-d.Policy.Login.Window)), formatTime(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Device cookies are "v1.<user id>.<nonce>.<HMAC-SHA256 of what precedes>",
// signed with a key created with the database (migration 00003), so that
// they survive restarts and cannot be made without it.

func (d *Directory) deviceMAC(payload string) string {
	m := hmac.New(sha256.New, d.deviceKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (d *Directory) newDeviceCookie(userID int64) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	payload := "v1." + strconv.FormatInt(userID, 10) + "." + base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + d.deviceMAC(payload), nil
}

// checkDeviceCookie returns the nonce of a genuine device cookie of userID.
func (d *Directory) checkDeviceCookie(cookie string, userID int64) (string, bool) {
	if cookie == "" || len(cookie) > 200 || len(d.deviceKey) == 0 {
		return "", false
	}
	i := strings.LastIndexByte(cookie, '.')
	if i < 0 {
		return "", false
	}
	payload, mac := cookie[:i], cookie[i+1:]
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != "v1" || parts[1] != strconv.FormatInt(userID, 10) || parts[2] == "" {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(d.deviceMAC(payload))) {
		return "", false
	}
	return parts[2], true
}

// loadDeviceKey reads the key device cookies are signed with.
func (d *Directory) loadDeviceKey(ctx context.Context) error {
	var hexKey string
	err := d.db.read.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = 'device_cookie_key'`).Scan(&hexKey)
	if err != nil {
		return err
	}
	d.deviceKey = []byte(hexKey)
	return nil
}
