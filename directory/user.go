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

// NormalizeEmail returns an e-mail as accounts store it: trimmed, lower case.
func NormalizeEmail(s string) string { return normalizeEmail(s) }

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

// Register creates a contributor account. EINVALID with a message per
// field; ECONFLICT on display_name when it looks like another account's
// name; ECONFLICT on email when the e-mail is taken (callers that must not
// tell which e-mails are registered answer it as a success: the cost is
// the same, one argon2id hash); ETOOMANY when the server-wide limit on new
// accounts (Policy.RegistrationsPerHour) is reached.
func (d *Directory) Register(ctx context.Context, r Registration) (*User, error) {
	p := Problems{}
	email := normalizeEmail(r.Email)
	if !validEmail(email) {
		p.Add("email", keyAccountEmail, nil)
	}
	name := checkDisplayName(&p, r.DisplayName, 2)
	checkPasswordRules(&p, "password", r.Password)
	if err := p.Err("registration"); err != nil {
		return nil, err
	}
	return d.createUser(ctx, email, name, r.Password, RoleContributor, d.Policy.RegistrationsPerHour)
}

// checkDisplayName adds display_name's problem to p, if any, and returns
// the name normalised.
func checkDisplayName(p *Problems, raw string, min int) string {
	name, problem, _ := checkName(raw, min, 60)
	switch {
	case problem == keyInvisible:
		p.Add("display_name", keyInvisible, nil)
	case problem != Key{} || !printable(name):
		p.Add("display_name", keyDisplayName, Args{"min": min})
	case NameKey(name) == "":
		p.Add("display_name", keyNameLetters, nil)
	}
	return name
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
	name := checkDisplayName(&p, r.DisplayName, 1)
	checkPasswordRules(&p, "password", r.Password)
	if !contains(Roles, role) {
		p.Add("role", keyOneOf, Args{"choices": strings.Join(Roles, ", ")})
	}
	if err := p.Err("user"); err != nil {
		return nil, err
	}
	return d.createUser(ctx, normalizeEmail(r.Email), name, r.Password, role, 0)
}

// createUser inserts an account in one immediate transaction that also
// checks the display name against the others and, when perHour > 0, the
// number of accounts made in the last hour: checks and insert are atomic.
func (d *Directory) createUser(ctx context.Context, email, name, password, role string, perHour int) (*User, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	key := NameKey(name)
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := d.db.Now()
	if perHour > 0 {
		var n int
		var oldest sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM users WHERE created_at > ?`,
			formatTime(now.Add(-time.Hour))).Scan(&n, &oldest); err != nil {
			return nil, err
		}
		if n >= perHour {
			e := NewError(ETOOMANY, keyTooManyAccounts, nil)
			e.RetryAfter = max(parseTime(oldest.String).Add(time.Hour).Sub(now).Round(time.Second), time.Second)
			return nil, e
		}
	}
	var other int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE name_key = ?`, key).Scan(&other); {
	case err == nil:
		return nil, nameTaken()
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO users (email, display_name, name_key, password_hash, role,
		password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING id`,
		email, name, key, hash, role, formatTime(now), formatTime(now)).Scan(&id)
	taken := errors.Is(err, sql.ErrNoRows)
	if taken {
		err = nil
	}
	if err != nil {
		if ErrorCode(formatError(err)) == ECONFLICT && strings.Contains(err.Error(), "name_key") {
			return nil, nameTaken()
		}
		return nil, err
	}
	if taken {
		// The e-mail is taken. Callers answer this as a success, so it
		// costs what a creation costs: a committed write (the same fsync:
		// it counts these attempts, which probe for accounts) and the
		// same read after it; only then is it refused.
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_counters (key, failures, window_start) VALUES ('register:taken', 1, ?)
			ON CONFLICT (key) DO UPDATE SET failures = login_counters.failures + 1, window_start = excluded.window_start`, formatTime(now)); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
		if err := d.db.read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&id); err != nil {
			return nil, err
		}
		if _, err := d.FindUserByID(ctx, id); err != nil {
			return nil, err
		}
		p := Problems{}
		p.Add("email", keyEmailRegistered, nil)
		return nil, p.Fail(ECONFLICT, keyAccountExists, nil)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return d.FindUserByID(ctx, id)
}

func nameTaken() error {
	p := Problems{}
	p.Add("display_name", keyNameTakenField, nil)
	return p.Fail(ECONFLICT, keyNameTaken, nil)
}

// IsEmailTaken reports whether err is Register's refusal of an e-mail
// already registered, which callers answer as a success.
func IsEmailTaken(err error) bool {
	return ErrorCode(err) == ECONFLICT && ErrorFields(err)["email"] != ""
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

// FindUserByEmail returns the user with this e-mail address (for the
// command line's -as). ENOTFOUND if none.
func (d *Directory) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	var id int64
	err := d.db.read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, normalizeEmail(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoAccountEmail, Args{"email": email})
	} else if err != nil {
		return nil, err
	}
	return d.FindUserByID(ctx, id)
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

// ChangePassword replaces u's password after checking the current one,
// ends every session of u (the caller starts a fresh one) and revokes
// every API token of u.
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
	// A token made by whoever knew the old password must not outlive it.
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		formatTime(d.db.Now()), u.ID); err != nil {
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
// only its hash is kept. EFORBIDDEN while u is blocked.
func (d *Directory) CreateAPIToken(ctx context.Context, u *User, name string) (*APIToken, error) {
	if u.Blocked(d.db.Now()) {
		return nil, NewError(EFORBIDDEN, keyTokenBlocked, Args{"until": u.BlockedUntil.Format("2006-01-02")})
	}
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

// SetRole changes a user's role (admins only). ECONFLICT when it would
// leave no administrator who is not blocked: the check and the change are
// one transaction, so two administrators demoting each other at once
// cannot both succeed.
func (d *Directory) SetRole(ctx context.Context, by *User, userID int64, role string) error {
	if !by.IsAdmin() {
		return NewError(EFORBIDDEN, keyRolesAdmin, nil)
	}
	if !contains(Roles, role) {
		return FieldError("role", keyOneOf, Args{"choices": strings.Join(Roles, ", ")})
	}
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var current string
	if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&current); errors.Is(err, sql.ErrNoRows) {
		return NewError(ENOTFOUND, keyNoUser, Args{"id": userID})
	} else if err != nil {
		return err
	}
	if current == RoleAdmin && role != RoleAdmin {
		if err := checkOtherAdmin(ctx, tx, userID, by.ID, d.db.Now()); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID); err != nil {
		return err
	}
	return tx.Commit()
}

// checkOtherAdmin returns ECONFLICT unless an administrator other than
// userID, not blocked, would remain.
func checkOtherAdmin(ctx context.Context, tx *sql.Tx, userID, byID int64, now time.Time) error {
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != ?
		AND (blocked_until IS NULL OR blocked_until <= ?)`, userID, formatTime(now)).Scan(&others); err != nil {
		return err
	}
	if others > 0 {
		return nil
	}
	if userID == byID {
		return NewError(ECONFLICT, keyLastAdminSelf, nil)
	}
	return NewError(ECONFLICT, keyLastAdmin, nil)
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
		return FieldError("actor_id", keyActorRef, Args{"got": truncateRunes(actorID, 40)})
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
