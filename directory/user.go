package directory

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Roles, in increasing order of power.
const (
	RoleContributor = "contributor"
	RoleModerator   = "moderator"
	RoleAdmin       = "admin"
)

// Roles lists every role.
var Roles = []string{RoleContributor, RoleModerator, RoleAdmin}

// User is an account.
type User struct {
	ID           int64
	Email        string
	DisplayName  string
	Role         string
	BlockedUntil time.Time // zero when not blocked
	BlockReason  string
	CreatedAt    time.Time

	Represents []string // actor ids this user verifiably represents
}

// IsModerator reports whether u may review proposals.
func (u *User) IsModerator() bool {
	return u != nil && (u.Role == RoleModerator || u.Role == RoleAdmin)
}

// IsAdmin reports whether u may manage roles and representatives.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Blocked reports whether u is blocked at time now.
func (u *User) Blocked(now time.Time) bool {
	return u != nil && !u.BlockedUntil.IsZero() && now.Before(u.BlockedUntil)
}

// Limits on account fields.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 200
	SessionLifetime   = 30 * 24 * time.Hour
)

// Registration is what a new account gives.
type Registration struct {
	Email       string
	DisplayName string
	Password    string
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>\"(),;:\\[]") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

func checkPasswordRules(p *Problems, field, password string) {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		p.Add(field, KeyUTF8, nil)
	case n < MinPasswordLength:
		p.Add(field, keyPasswordShort, Args{"min": MinPasswordLength})
	case n > MaxPasswordLength:
		p.Add(field, keyPasswordLong, Args{"max": MaxPasswordLength})
	}
}

// Register creates a contributor account. EINVALID with a message per field;
// ECONFLICT if the e-mail is taken.
func (d *Directory) Register(ctx context.Context, r Registration) (*User, error) {
	p := Problems{}
	email := normalizeEmail(r.Email)
	if !validEmail(email) {
		p.Add("email", keyAccountEmail, nil)
	}
	name := strings.TrimSpace(r.DisplayName)
	if n := utf8.RuneCountInString(name); n < 2 || n > 60 || !printable(name) {
		p.Add("display_name", keyDisplayName, nil)
	}
	checkPasswordRules(&p, "password", r.Password)
	if err := p.Err("registration"); err != nil {
		return nil, err
	}
	return d.createUser(ctx, email, name, r.Password, RoleContributor)
}

// CreateUser creates an account with any role (for the `user add` command).
func (d *Directory) CreateUser(ctx context.Context, r Registration, role string) (*User, error) {
	p := Problems{}
	if !validEmail(normalizeEmail(r.Email)) {
		p.Add("email", keyAccountEmail, nil)
	}
	if strings.TrimSpace(r.DisplayName) == "" {
		p.Add("display_name", KeyRequired, nil)
	}
	checkPasswordRules(&p, "password", r.Password)
	if !contains(Roles, role) {
		p.Add("role", keyOneOf, Args{"choices": strings.Join(Roles, ", ")})
	}
	if err := p.Err("user"); err != nil {
		return nil, err
	}
	return d.createUser(ctx, normalizeEmail(r.Email), strings.TrimSpace(r.DisplayName), r.Password, role)
}

func (d *Directory) createUser(ctx context.Context, email, name, password, role string) (*User, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	now := d.db.Now()
	var id int64
	err = d.db.write.QueryRowContext(ctx, `INSERT INTO users (email, display_name, password_hash, role,
		password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, email, name, hash, role, formatTime(now), formatTime(now)).Scan(&id)
	if err != nil {
		if ErrorCode(formatError(err)) == ECONFLICT {
			p := Problems{}
			p.Add("email", keyEmailRegistered, nil)
			return nil, p.Fail(ECONFLICT, keyAccountExists, nil)
		}
		return nil, err
	}
	return d.FindUserByID(ctx, id)
}

const userColumns = `id, email, display_name, role, blocked_until, blocked_reason, created_at`

func scanUser(s rowScanner) (*User, error) {
	u := &User{}
	var blocked sql.NullString
	var created string
	if err := s.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &blocked, &u.BlockReason, &created); err != nil {
		return nil, err
	}
	if blocked.Valid {
		u.BlockedUntil = parseTime(blocked.String)
	}
	u.CreatedAt = parseTime(created)
	return u, nil
}

// FindUserByID returns a user with the actors they represent. ENOTFOUND if none.
func (d *Directory) FindUserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(d.db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoUser, Args{"id": id})
	} else if err != nil {
		return nil, err
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT actor_id FROM representatives WHERE user_id = ? ORDER BY actor_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		u.Represents = append(u.Represents, a)
	}
	return u, rows.Err()
}

// LoginPolicy bounds password guessing.
type LoginPolicy struct {
	MaxFailures int           // failures in a row before the account is locked
	LockFor     time.Duration // how long it stays locked
}

// DefaultLoginPolicy locks an account for 15 minutes after 5 failures in a row.
var DefaultLoginPolicy = LoginPolicy{MaxFailures: 5, LockFor: 15 * time.Minute}

// Authenticate checks an e-mail and password. It returns EUNAUTHORIZED for
// a wrong pair (the same message whether or not the account exists) and
// ETOOMANY while the account is locked after repeated failures.
func (d *Directory) Authenticate(ctx context.Context, email, password string) (*User, error) {
	email = normalizeEmail(email)
	var id int64
	var hash string
	var failures int
	var locked sql.NullString
	err := d.db.read.QueryRowContext(ctx, `SELECT id, password_hash, failed_logins, locked_until FROM users WHERE email = ?`,
		email).Scan(&id, &hash, &failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummyHash, password)
		return nil, NewError(EUNAUTHORIZED, keyWrongLogin, nil)
	} else if err != nil {
		return nil, err
	}
	now := d.db.Now()
	if locked.Valid {
		if until := parseTime(locked.String); now.Before(until) {
			wait := until.Sub(now).Round(time.Second)
			err := NewError(ETOOMANY, keyAccountLocked, Args{"minutes": WaitMinutes(wait)})
			err.RetryAfter = wait
			return nil, err
		}
	}
	if !checkPassword(hash, password) {
		failures++
		var lockUntil any
		if failures >= d.Policy.Login.MaxFailures {
			lockUntil, failures = formatTime(now.Add(d.Policy.Login.LockFor)), 0
		}
		if _, err := d.db.write.ExecContext(ctx, `UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`,
			failures, lockUntil, id); err != nil {
			return nil, err
		}
		return nil, NewError(EUNAUTHORIZED, keyWrongLogin, nil)
	}
	if failures > 0 || locked.Valid {
		if _, err := d.db.write.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`, id); err != nil {
			return nil, err
		}
	}
	return d.FindUserByID(ctx, id)
}

// CreateSession starts a session for u and returns its token (for the cookie).
func (d *Directory) CreateSession(ctx context.Context, u *User) (token string, expires time.Time, err error) {
	token, hash, err := newToken("s_")
	if err != nil {
		return "", time.Time{}, err
	}
	now := d.db.Now()
	expires = now.Add(SessionLifetime)
	_, err = d.db.write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, u.ID, formatTime(now), formatTime(expires))
	return token, expires, err
}

// FindUserBySession returns the user of a live session. EUNAUTHORIZED if the
// token is unknown or expired.
func (d *Directory) FindUserBySession(ctx context.Context, token string) (*User, error) {
	var id int64
	var expires string
	err := d.db.read.QueryRowContext(ctx, `SELECT user_id, expires_at FROM sessions WHERE token_hash = ?`, tokenHash(token)).Scan(&id, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !d.db.Now().Before(parseTime(expires))) {
		return nil, NewError(EUNAUTHORIZED, keySessionEnded, nil)
	} else if err != nil {
		return nil, err
	}
	return d.FindUserByID(ctx, id)
}

// DeleteSession ends a session (logout).
func (d *Directory) DeleteSession(ctx context.Context, token string) error {
	_, err := d.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
	return err
}

// ChangePassword replaces u's password after checking the current one, and
// ends every session of u (the caller starts a fresh one).
func (d *Directory) ChangePassword(ctx context.Context, u *User, current, next string) error {
	var hash string
	if err := d.db.read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash); err != nil {
		return err
	}
	p := Problems{}
	if !checkPassword(hash, current) {
		p.Add("current_password", keyCurrentPassword, nil)
	}
	checkPasswordRules(&p, "new_password", next)
	if err := p.Err("password change"); err != nil {
		return err
	}
	newHash, err := hashPassword(next)
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`,
		newHash, formatTime(d.db.Now()), u.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// APIToken is a token for scripts. The secret is only known when created.
type APIToken struct {
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
	Token      string // only set by CreateAPIToken
}

// CreateAPIToken creates a token for u; the returned Token is shown once and
// only its hash is kept.
func (d *Directory) CreateAPIToken(ctx context.Context, u *User, name string) (*APIToken, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 || !printable(name) {
		return nil, FieldError("name", keyTokenName, nil)
	}
	token, hash, err := newToken("vsn_")
	if err != nil {
		return nil, err
	}
	now := d.db.Now()
	var id int64
	if err := d.db.write.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, u.ID, name, hash, token[:10], formatTime(now)).Scan(&id); err != nil {
		return nil, err
	}
	return &APIToken{ID: id, Name: name, Prefix: token[:10], CreatedAt: now, Token: token}, nil
}

// FindAPITokens lists u's tokens (without their secrets).
func (d *Directory) FindAPITokens(ctx context.Context, u *User) ([]APIToken, error) {
	rows, err := d.db.read.QueryContext(ctx, `SELECT id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY id`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created string
		var used, revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = parseTime(created), parseTime(used.String), parseTime(revoked.String)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes one of u's tokens. ENOTFOUND if u has no such token.
func (d *Directory) RevokeAPIToken(ctx context.Context, u *User, id int64) error {
	res, err := d.db.write.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
		formatTime(d.db.Now()), id, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NewError(ENOTFOUND, keyNoToken, Args{"id": id})
	}
	return nil
}

// FindUserByAPIToken returns the owner of a live token. EUNAUTHORIZED otherwise.
func (d *Directory) FindUserByAPIToken(ctx context.Context, token string) (*User, error) {
	var id, userID int64
	err := d.db.read.QueryRowContext(ctx, `SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
		tokenHash(token)).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(EUNAUTHORIZED, keyUnknownToken, nil)
	} else if err != nil {
		return nil, err
	}
	if _, err := d.db.write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, formatTime(d.db.Now()), id); err != nil {
		return nil, err
	}
	return d.FindUserByID(ctx, userID)
}

// SetRole changes a user's role (admins only).
func (d *Directory) SetRole(ctx context.Context, by *User, userID int64, role string) error {
	if !by.IsAdmin() {
		return NewError(EFORBIDDEN, keyRolesAdmin, nil)
	}
	if !contains(Roles, role) {
		return FieldError("role", keyOneOf, Args{"choices": strings.Join(Roles, ", ")})
	}
	res, err := d.db.write.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NewError(ENOTFOUND, keyNoUser, Args{"id": userID})
	}
	return nil
}

// SetRepresentative marks (or unmarks) a user as the verified representative
// of an actor (admins only).
func (d *Directory) SetRepresentative(ctx context.Context, by *User, userID int64, actorID string, represents bool) error {
	if !by.IsAdmin() {
		return NewError(EFORBIDDEN, keyRepresentativeAd, nil)
	}
	if _, err := d.FindUserByID(ctx, userID); err != nil {
		return err
	}
	if !represents {
		_, err := d.db.write.ExecContext(ctx, `DELETE FROM representatives WHERE user_id = ? AND actor_id = ?`, userID, actorID)
		return err
	}
	if _, _, err := d.ActorFeature(ctx, actorID); err != nil {
		return FieldError("actor_id", keyActorRef, Args{"got": actorID})
	}
	_, err := d.db.write.ExecContext(ctx, `INSERT INTO representatives (user_id, actor_id, granted_by, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, userID, actorID, by.ID, formatTime(d.db.Now()))
	return err
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return utf8.ValidString(s)
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
