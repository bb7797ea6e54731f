package web

import "github.com/gin-gonic/gin"

// Routes lists every route of the router (method and pattern), so that tests
// that must cover every route — the role × route matrix, the fuzzers —
// cannot miss one added later.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }
