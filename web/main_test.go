package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

func TestMain(m *testing.M) {
	code := m.Run()
	directorytest.Cleanup()
	os.Exit(code)
}

// MustOpenServer returns the real router over a copy of the seeded real database.
func MustOpenServer(tb testing.TB) *web.Server {
	tb.Helper()
	return MustOpenServerAt(tb, "http://voisinage.test")
}

// MustOpenServerAt is MustOpenServer with another base URL ("" = from each request's Host).
func MustOpenServerAt(tb testing.TB, baseURL string) *web.Server {
	tb.Helper()
	srv, _ := MustOpenServerDir(tb, web.Config{BaseURL: baseURL})
	return srv
}

// MustOpenServerDir returns the router and its directory, for tests that
// prepare accounts or data directly.
func MustOpenServerDir(tb testing.TB, cfg web.Config) (*web.Server, *directory.Directory) {
	tb.Helper()
	d, err := directory.New(context.Background(), directorytest.MustOpenDB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := web.NewServer(cfg, d)
	if err != nil {
		tb.Fatal(err)
	}
	return srv, d
}

// MustOpenSmallServerDir is MustOpenServerDir over a copy of the small
// dataset (directorytest.SmallDataset: a few hundred real actors, every
// tool and adoption, and the fixture's accounts), for tests that need real
// records but not the real counts: it opens in milliseconds.
func MustOpenSmallServerDir(tb testing.TB, cfg web.Config) (*web.Server, *directory.Directory) {
	tb.Helper()
	db, err := directory.Open(context.Background(), directorytest.SmallPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	d, err := directory.New(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := web.NewServer(cfg, d)
	if err != nil {
		tb.Fatal(err)
	}
	return srv, d
}

// response is a recorded response with helpers.
type response struct {
	*httptest.ResponseRecorder
	t testing.TB
}

// request sends one request through the router.
func request(t testing.TB, srv http.Handler, method, url string, body io.Reader, headers ...string) response {
	t.Helper()
	r := httptest.NewRequest(method, url, body)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return response{w, t}
}

func (r response) status(want int) response {
	r.t.Helper()
	if r.Code != want {
		r.t.Fatalf("status %d, want %d; body: %.600s", r.Code, want, r.Body.String())
	}
	return r
}

func (r response) contentType(want string) response {
	r.t.Helper()
	if got := r.Header().Get("Content-Type"); !strings.HasPrefix(got, want) {
		r.t.Fatalf("Content-Type %q, want %q", got, want)
	}
	return r
}

func (r response) json(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		r.t.Fatalf("body is not JSON: %v; %.300s", err, r.Body.String())
	}
}

// featureCollection is the decoded shape of GeoJSON responses.
type featureCollection struct {
	Type           string    `json:"type"`
	NumberMatched  *int      `json:"numberMatched"`
	NumberReturned int       `json:"numberReturned"`
	Links          []link    `json:"links"`
	Features       []feature `json:"features"`
	License        string    `json:"license"`
	Attribution    string    `json:"attribution"`
}

type link struct {
	Href, Rel, Type, Title string
}

type feature struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
	Links      []link         `json:"links"`
}

func (fc featureCollection) link(rel string) (link, bool) {
	for _, l := range fc.Links {
		if l.Rel == rel {
			return l, true
		}
	}
	return link{}, false
}

// errorBody is the decoded shape of error responses.
type errorBody struct {
	Code        string            `json:"code"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
}

func parseURL(s string) (*neturl.URL, error) { return neturl.Parse(s) }

func itoa(id int64, format string) string { return fmt.Sprintf(format, id) }

func itoa2(i int) string { return fmt.Sprintf("%02d", i) }
