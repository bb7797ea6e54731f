package web_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

func TestConditionalRequests(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{BaseURL: "http://voisinage.test"})
	const item = "/api/collections/actors/items/commune-88160"
	first := request(t, srv, "GET", item, nil).status(200)
	etag := first.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Fatalf("ETag %q is not strong", etag)
	}
	if cc := first.Header().Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=") {
		t.Fatalf("Cache-Control %q", cc)
	}
	r := request(t, srv, "GET", item, nil, "If-None-Match", etag).status(304)
	if r.Body.Len() != 0 {
		t.Fatal("304 with a body")
	}
	request(t, srv, "GET", item, nil, "If-None-Match", `"other"`).status(200)
	// Another URL has another ETag.
	if other := request(t, srv, "GET", item+"?f=json", nil).Header().Get("ETag"); other == etag {
		t.Fatal("two URLs share an ETag")
	}

	// An applied edit changes every ETag.
	ctx := context.Background()
	mod, err := d.CreateUser(ctx, directory.Registration{Email: "m@x.test", DisplayName: "M", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal("03 29 68 50 00")
	if _, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160",
		Action: "update", BaseVersion: 1, Changes: map[string]json.RawMessage{"phone": raw}}); err != nil {
		t.Fatal(err)
	}
	after := request(t, srv, "GET", item, nil, "If-None-Match", etag).status(200)
	if after.Header().Get("ETag") == etag || !strings.Contains(after.Body.String(), "03 29 68 50 00") {
		t.Fatalf("after an edit: ETag %s, body %.200s", after.Header().Get("ETag"), after.Body.String())
	}
	// Errors and personal answers are not cached.
	if e := request(t, srv, "GET", "/api/collections/actors/items/nope", nil).status(404); e.Header().Get("ETag") != "" ||
		e.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("404 cache headers: %v", e.Header())
	}
	if me := request(t, srv, "GET", "/api/me", nil).status(401); me.Header().Get("ETag") != "" {
		t.Fatal("personal route has an ETag")
	}
}

func TestCompression(t *testing.T) {
	srv := MustOpenServer(t)
	const url = "/api/collections/actors/items?kind=commune&department=88&limit=100"
	plain := request(t, srv, "GET", url, nil).status(200)
	gz := request(t, srv, "GET", url, nil, "Accept-Encoding", "gzip").status(200)
	if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip headers: %v", gz.Header())
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatal("gzip and identity answers share a strong ETag")
	}
	compressed := gz.Body.Len()
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if string(body) != plain.Body.String() && !jsonEqualExceptTimestamp(body, plain.Body.Bytes()) {
		t.Fatal("gzip body differs from the plain one")
	}
	if compressed == 0 || len(body) < 3*compressed {
		t.Fatalf("GeoJSON compressed from %d to %d bytes only", len(body), compressed)
	}
}

// jsonEqualExceptTimestamp compares two FeatureCollections but for timeStamp.
func jsonEqualExceptTimestamp(a, b []byte) bool {
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	delete(x, "timeStamp")
	delete(y, "timeStamp")
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestCORS(t *testing.T) {
	srv := MustOpenServer(t)
	for _, url := range []string{"/api/collections/actors/items?limit=1", "/api/nearby?lon=6.45&lat=48.17", "/api/search?q=epinal", "/api/tools"} {
		r := request(t, srv, "GET", url, nil, "Origin", "https://www.region-grand-est.example").status(200)
		if r.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", url, r.Header().Get("Access-Control-Allow-Origin"))
		}
	}
	pre := request(t, srv, "OPTIONS", "/api/collections/actors/items", nil, "Origin", "https://site.example",
		"Access-Control-Request-Method", "GET")
	if pre.Code >= 300 || pre.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %d %v", pre.Code, pre.Header())
	}
	if r := request(t, srv, "GET", "/api/me", nil, "Origin", "https://site.example"); r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("a personal route is readable from other origins")
	}
}
