package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// runCeiling runs `voisinage ceiling -url URL [-addr ADDR]`: the ceiling of
// the web stack for the load benchmarks (docs/BENCHMARKS.md). It fetches
// URL once, then answers every GET with the same bytes — the body and the
// headers the server sent — from a bare gin engine: no middleware, no
// directory, nothing computed. The server's rate on the same URL, divided
// by this one's, is the share of the stack's best that it reaches.
func runCeiling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "address to listen on")
	src := fs.String("url", "", "URL whose answer is served (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" {
		return errors.New("ceiling: -url is required")
	}
	resp, err := http.Get(*src)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ceiling: %s answered %s", *src, resp.Status)
	}
	h := ceilingHandler(resp.Header, body)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ceiling: serving the %d bytes of %s on http://%s\n", len(body), *src, ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ceilingHandler is a gin engine without middleware answering every GET
// with header and body.
func ceilingHandler(header http.Header, body []byte) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	kept := http.Header{}
	for k, v := range header {
		switch strings.ToLower(k) {
		case "date", "content-length", "content-type":
		default:
			kept[k] = v
		}
	}
	ct := header.Get("Content-Type")
	e.GET("/*path", func(c *gin.Context) {
		h := c.Writer.Header()
		for k, v := range kept {
			h[k] = v
		}
		c.Data(http.StatusOK, ct, body)
	})
	return e
}
