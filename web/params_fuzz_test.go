package web

import (
	"math"
	"strings"
	"testing"
)

// FuzzParseParams fuzzes the strict query parser on its own, much faster
// than through the router: whatever the query, it never panics, and what
// it returns is what the handlers rely on — numbers finite and in range, a
// bbox well-ordered, and a problem named for every value it refuses.
func FuzzParseParams(f *testing.F) {
	for _, q := range []string{
		"bbox=6.3,48.1,6.6,48.3&limit=100&offset=20", "bbox=170,-10,-170,10", "bbox=0,0,1,1,0,5", "bbox=1,2,3", "bbox=NaN,0,1,1",
		"bbox=+Inf,0,1,1", "bbox=0x1p4,0,1,1", "bbox=1_0,0,1,1", "bbox= 1 , 2 , 3 , 4 ", "bbox=-180,-90,180,90", "bbox=,,,",
		"limit=10001", "limit=-0", "limit=99999999999999999999", "limit=-99999999999999999999", "offset=2147483648", "limit=",
		"lon=-180&lat=90", "lon=180.0000001&lat=0", "lon=1e-400&lat=-0", "lon=.5&lat=5.", "lon=1e&lat=", "max_km=0.0001",
		"max_km=20040", "max_km=-1", "datetime=2026-01-01", "datetime=2026-01-01T00:00:00Z/2026-02-01", "datetime=../2026-01-01",
		"datetime=/", "datetime=2026-01-01T00:00:00+25:00", "f=csv", "f=json&f=csv", "%", "a=%zz", "lon=%C3%A9", "kind=,,,",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p := parseParams(raw, []string{"bbox", "limit", "offset", "lon", "lat", "max_km", "datetime", "f", "kind"})
		if b := p.bbox("bbox"); b != nil {
			for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q: bbox %v not finite", raw, b)
				}
			}
			if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[1] > b.Max[1] {
				t.Fatalf("%q: bbox %v out of range or upside down", raw, b)
			}
		} else if p.has("bbox") && !p.problems.Has("bbox") && !p.problems.Has("query") {
			t.Fatalf("%q: bbox refused without a problem named bbox", raw)
		}
		if n := p.integer("limit", 10, 1, 10000, true); n < 1 || n > 10000 {
			t.Fatalf("%q: limit %d out of [1, 10000]", raw, n)
		}
		if n := p.integer("offset", 0, 0, 1<<31-1, false); n < 0 {
			t.Fatalf("%q: offset %d", raw, n)
		}
		if v, ok := p.lon("lon", false); ok && (v < -180 || v > 180 || math.IsNaN(v)) {
			t.Fatalf("%q: lon %v accepted", raw, v)
		}
		if v, ok := p.lat("lat", false); ok && (v < -90 || v > 90 || math.IsNaN(v)) {
			t.Fatalf("%q: lat %v accepted", raw, v)
		}
		if m := p.kilometres("max_km"); m < 0 || m > 20040*1000 || math.IsNaN(m) {
			t.Fatalf("%q: max_km → %v m", raw, m)
		}
		from, to := p.datetime("datetime")
		if !p.problems.Has("datetime") && !from.IsZero() && !to.IsZero() && from.After(to) {
			t.Fatalf("%q: datetime from %v after to %v accepted", raw, from, to)
		}
		p.oneOf("f", "json", "json", "csv")
		for name, msg := range p.problems {
			if name == "" || msg.Key == "" || msg.Message == "" || strings.ContainsAny(name, "\n") && !p.has(name) {
				t.Fatalf("%q: problem %q: %q", raw, name, msg)
			}
		}
		if err := p.err(); (err == nil) != (len(p.problems) == 0) {
			t.Fatalf("%q: err %v with problems %v", raw, err, p.problems)
		}
	})
}
