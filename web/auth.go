package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// sessionCookie holds the session token; the database stores only its hash.
const sessionCookie = "voisinage_session"

type userKey struct{}

// authenticate identifies the caller from the session cookie or an
// "Authorization: Bearer" API token, and puts the user in the request
// context. A bad credential is not an error here: the request goes on
// anonymous, and routes that need a user answer 401. A database that
// cannot be asked (EUNAVAILABLE) is: 503, not a 401 that would tell the
// client its credential is wrong.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		var u *directory.User
		var err error
		if h := c.GetHeader("Authorization"); strings.HasPrefix(h, "Bearer ") {
			u, err = s.dir.FindUserByAPIToken(ctx, strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		} else if tok, cerr := c.Cookie(sessionCookie); cerr == nil && tok != "" {
			u, err = s.dir.FindUserBySession(ctx, tok)
		}
		if directory.ErrorCode(err) == directory.EUNAVAILABLE {
			s.writeError(c, err)
			return
		}
		if u != nil {
			c.Request = c.Request.WithContext(context.WithValue(ctx, userKey{}, u))
		}
		c.Next()
	}
}

// currentUser returns the authenticated user, or nil.
func currentUser(c *gin.Context) *directory.User {
	u, _ := c.Request.Context().Value(userKey{}).(*directory.User)
	return u
}

// keyLogInFirst refuses an API write by nobody.
var keyLogInFirst = directory.NewKey("auth.required", "log in first (session cookie or Authorization: Bearer token)")

// requireUser answers 401 and returns nil when nobody is logged in.
func (s *Server) requireUser(c *gin.Context) *directory.User {
	u := currentUser(c)
	if u == nil {
		s.writeError(c, directory.NewError(directory.EUNAUTHORIZED, keyLogInFirst, nil))
	}
	return u
}

func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) setSession(c *gin.Context, token string, expires time.Time) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		MaxAge: int(time.Until(expires).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c.Request)})
}

func (s *Server) clearSession(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c.Request)})
}

func (s *Server) registerAuthRoutes() {
	s.engine.POST("/api/register", s.handleRegister)
	s.engine.POST("/api/login", s.handleLogin)
	s.engine.POST("/api/logout", s.handleLogout)
	s.get("/api/me", userAPI(s, "", s.handleMe))
	s.engine.POST("/api/me/password", s.handlePassword)
	s.get("/api/tokens", userAPI(s, "", s.handleTokenIndex))
	s.engine.POST("/api/tokens", userAPI(s, "", s.handleTokenCreate))
	s.engine.DELETE("/api/tokens/:id", userAPI(s, "id", s.handleTokenRevoke))
}

// userJSON is a user as the API shows it.
type userJSON struct {
	ID           int64    `json:"id"`
	Email        string   `json:"email,omitempty"`
	DisplayName  string   `json:"display_name"`
	Role         string   `json:"role"`
	BlockedUntil string   `json:"blocked_until,omitempty"`
	Represents   []string `json:"represents,omitempty"`
}

func toUserJSON(u *directory.User, withEmail bool) userJSON {
	j := userJSON{ID: u.ID, DisplayName: u.DisplayName, Role: u.Role, Represents: u.Represents}
	if withEmail {
		j.Email = u.Email
	}
	if !u.BlockedUntil.IsZero() {
		j.BlockedUntil = u.BlockedUntil.UTC().Format(time.RFC3339)
	}
	return j
}

type credentials struct {
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

// registeredMessage is the answer to every registration that passed
// validation, whether the e-mail was new (the account is made) or already
// registered (nothing changes): the answer must not tell which accounts
// exist, so a registration does not log in.
const registeredMessage = "registration received: if this e-mail was not registered yet, the account is created; log in with it. If it was, nothing changed: log in with its password."

func (s *Server) handleRegister(c *gin.Context) {
	var in credentials
	if !s.bindJSON(c, &in) {
		return
	}
	if !s.allowIP(c, "register") {
		return
	}
	_, err := s.dir.Register(c.Request.Context(), directory.Registration{Email: in.Email, DisplayName: in.DisplayName, Password: in.Password})
	if err != nil && !directory.IsEmailTaken(err) {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusAccepted, gin.H{"status": "accepted", "description": registeredMessage, "login": "/api/login"})
}

func (s *Server) handleLogin(c *gin.Context) {
	var in credentials
	if !s.bindJSON(c, &in) {
		return
	}
	if !s.allowIP(c, "login") {
		return
	}
	u, err := s.login(c, in.Email, in.Password)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.startSession(c, u, http.StatusOK)
}

// deviceCookie marks a browser that has logged in to an account: its
// attempts to log in again are not subject to the lock that guesses from
// other clients put on the account (see directory.Login).
const deviceCookie = "voisinage_device"

// login checks a password with the client's device cookie, and gives the
// client a new one on success.
func (s *Server) login(c *gin.Context, email, password string) (*directory.User, error) {
	dev, _ := c.Cookie(deviceCookie)
	u, cookie, err := s.dir.Login(c.Request.Context(), directory.LoginAttempt{Email: email, Password: password, Device: dev})
	if err != nil {
		return nil, err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookie, Value: cookie, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c.Request)})
	return u, nil
}

// startSession rotates the session: any session the browser held ends and a
// new token is issued, so a token fixed before login is worthless after it.
func (s *Server) startSession(c *gin.Context, u *directory.User, status int) {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		s.dir.DeleteSession(ctx, old)
	}
	token, expires, err := s.dir.CreateSession(ctx, u)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.setSession(c, token, expires)
	c.Header("Cache-Control", "no-store")
	c.JSON(status, gin.H{"user": toUserJSON(u, true)})
}

func (s *Server) handleLogout(c *gin.Context) {
	if tok, err := c.Cookie(sessionCookie); err == nil && tok != "" {
		if err := s.dir.DeleteSession(c.Request.Context(), tok); err != nil {
			s.writeError(c, err)
			return
		}
	}
	s.clearSession(c)
	c.Status(http.StatusNoContent)
}

func (s *Server) handleMe(r *apiRequest, _ *noBody) (reply, error) {
	return ok(gin.H{"user": toUserJSON(r.user, true)}), nil
}

func (s *Server) handlePassword(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if !s.bindJSON(c, &in) {
		return
	}
	if err := s.dir.ChangePassword(c.Request.Context(), u, in.Current, in.New); err != nil {
		s.writeError(c, err)
		return
	}
	// Every session ended with the change, and every API token was
	// revoked; this browser gets a fresh session.
	s.startSession(c, u, http.StatusOK)
}

type tokenJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Token      string `json:"token,omitempty"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt string `json:"last_used_at,omitempty"`
	RevokedAt  string `json:"revoked_at,omitempty"`
}

func toTokenJSON(t directory.APIToken) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Token: t.Token, CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339)}
	if !t.LastUsedAt.IsZero() {
		j.LastUsedAt = t.LastUsedAt.UTC().Format(time.RFC3339)
	}
	if !t.RevokedAt.IsZero() {
		j.RevokedAt = t.RevokedAt.UTC().Format(time.RFC3339)
	}
	return j
}

func (s *Server) handleTokenIndex(r *apiRequest, _ *noBody) (reply, error) {
	tokens, err := s.dir.FindAPITokens(r.ctx, r.user)
	if err != nil {
		return reply{}, err
	}
	out := make([]tokenJSON, len(tokens))
	for i, t := range tokens {
		out[i] = toTokenJSON(t)
	}
	return ok(gin.H{"tokens": out}), nil
}

type tokenBody struct {
	Name string `json:"name"`
}

func (s *Server) handleTokenCreate(r *apiRequest, b *tokenBody) (reply, error) {
	t, err := s.dir.CreateAPIToken(r.ctx, r.user, b.Name)
	if err != nil {
		return reply{}, err
	}
	return created(gin.H{"token": toTokenJSON(*t), "note": "copy the token now: it is not shown again"}, ""), nil
}

func (s *Server) handleTokenRevoke(r *apiRequest, _ *noBody) (reply, error) {
	if err := s.dir.RevokeAPIToken(r.ctx, r.user, r.id); err != nil {
		return reply{}, err
	}
	return noContent, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
