package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// codes maps domain error codes to HTTP statuses. It is the only place that does.
var codes = map[string]int{
	directory.EINVALID:      http.StatusBadRequest,
	directory.ENOTFOUND:     http.StatusNotFound,
	directory.ECONFLICT:     http.StatusConflict,
	directory.EUNAUTHORIZED: http.StatusUnauthorized,
	directory.EFORBIDDEN:    http.StatusForbidden,
	directory.ETOOMANY:      http.StatusTooManyRequests,
	directory.EUNAVAILABLE:  http.StatusServiceUnavailable,
	directory.EINTERNAL:     http.StatusInternalServerError,
}

// errorStatus returns the HTTP status for a domain error code.
func errorStatus(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error response. code and description
// follow the OGC API exception schema; fields names each offending
// parameter or field with what to fix.
type errorBody struct {
	Code        string                        `json:"code"`
	Description string                        `json:"description"`
	Fields      map[string]string             `json:"fields,omitempty"`
	Conflicts   map[string]directory.Conflict `json:"conflicts,omitempty"`
	RetryAfter  int                           `json:"retry_after_s,omitempty"`
}

// writeError writes err as JSON with its status. Internal errors are logged
// and shown only as "internal error".
func (s *Server) writeError(c *gin.Context, err error) {
	code := directory.ErrorCode(err)
	if code == directory.EINTERNAL {
		s.log.ErrorContext(c.Request.Context(), "internal error", "method", c.Request.Method,
			"path", c.Request.URL.Path, "err", err)
	}
	c.Header("Cache-Control", "no-store")
	c.Writer.Header().Del("ETag")
	body := errorBody{
		Code:        code,
		Description: directory.ErrorMessage(err),
		Fields:      directory.ErrorFields(err),
		Conflicts:   directory.ErrorConflicts(err),
	}
	if d := directory.ErrorRetryAfter(err); d > 0 || code == directory.ETOOMANY {
		c.Header("Retry-After", retryAfterSeconds(d))
		body.RetryAfter, _ = strconv.Atoi(retryAfterSeconds(d))
	}
	c.AbortWithStatusJSON(errorStatus(code), body)
}

// recovery turns a panic into a logged 500 with the usual error body instead
// of a dropped connection.
func (s *Server) recovery() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, rec any) {
		s.log.ErrorContext(c.Request.Context(), "panic", "method", c.Request.Method,
			"path", c.Request.URL.Path, "panic", rec)
		s.writeError(c, directory.Errorf(directory.EINTERNAL, "panic"))
	})
}
