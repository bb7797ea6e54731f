package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The API's handlers for logged-in users all open the same way: require the
// user, read the route's numeric id, bind the JSON body, call the
// directory, answer its error or its result as JSON that no cache keeps.
// userAPI does that once; a handler is the call alone.

// apiRequest is what userAPI has read of a request before the call.
type apiRequest struct {
	c    *gin.Context
	ctx  context.Context
	user *directory.User
	id   int64 // the route's :id, when the handler asked for one
}

// param returns a route parameter other than the numeric id.
func (r *apiRequest) param(name string) string { return r.c.Param(name) }

// query parses the query string, accepting only the allowed parameters.
func (r *apiRequest) query(allowed []string) *params {
	return parseParams(r.c.Request.URL.RawQuery, allowed)
}

// reply is a handler's answer: a status and a value written as JSON (none
// when nil), with a Location for a created resource.
type reply struct {
	status   int
	body     any
	location string
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }
func created(body any, location string) reply {
	return reply{status: http.StatusCreated, body: body, location: location}
}

var noContent = reply{status: http.StatusNoContent}

// noBody is the body type of handlers that read none.
type noBody struct{}

// optionalBody is implemented by body types that a request may omit (an
// empty body then leaves the zero value).
type optionalBody interface{ optionalBody() }

// userAPI adapts call to a route: it answers 401 to nobody, reads the
// route's numeric :id when idParam is not "" (400 if it is not one), binds
// the JSON body into a B (see bindJSON; none for noBody), then answers the
// call's error through writeError or its reply as no-store JSON.
func userAPI[B any](s *Server, idParam string, call func(r *apiRequest, b *B) (reply, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := s.requireUser(c)
		if u == nil {
			return
		}
		r := &apiRequest{c: c, ctx: c.Request.Context(), user: u}
		if idParam != "" {
			id, err := directory.ParseID(idParam, c.Param(idParam))
			if err != nil {
				s.writeError(c, err)
				return
			}
			r.id = id
		}
		var b B
		_, none := any(&b).(*noBody)
		_, optional := any(&b).(optionalBody)
		if !none && !(optional && c.Request.ContentLength == 0) && !s.bindJSON(c, &b) {
			return
		}
		out, err := call(r, &b)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		if out.location != "" {
			c.Header("Location", out.location)
		}
		if out.body == nil {
			c.Status(out.status)
			return
		}
		c.JSON(out.status, out.body)
	}
}
