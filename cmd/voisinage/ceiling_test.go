package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCeilingServesTheSameBytes checks that the ceiling of the load
// benchmarks answers any path with the body and headers it was given.
func TestCeilingServesTheSameBytes(t *testing.T) {
	body := []byte(`{"type":"Feature","id":"commune-88160"}`)
	h := http.Header{"Content-Type": {"application/geo+json"}, "Etag": {`"1-x"`}, "Date": {"yesterday"}}
	srv := httptest.NewServer(ceilingHandler(h, body))
	defer srv.Close()
	for _, path := range []string{"/", "/api/collections/actors/items/commune-88160"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != string(body) || resp.Header.Get("Content-Type") != "application/geo+json" ||
			resp.Header.Get("Etag") != `"1-x"` || resp.Header.Get("Date") == "yesterday" {
			t.Fatalf("%s: %s %v %q", path, resp.Status, resp.Header, got)
		}
	}
}
