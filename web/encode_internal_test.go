package web

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"
)

// appendLinks must write what encoding/json writes for the same links.
func TestAppendLinks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	pick := func() string {
		return []string{"", "self", "http://h/api?a=1&b=<x>", "Épinal \u2028 \"q\"", "\xff", "a\tb"}[rnd.IntN(6)]
	}
	for range 2000 {
		links := make([]link, rnd.IntN(4))
		for i := range links {
			links[i] = link{Href: pick(), Rel: pick(), Type: pick(), Title: pick()}
		}
		want, _ := json.Marshal(links)
		if len(links) == 0 {
			want = []byte("[]")
		}
		if got := appendLinks(nil, links); string(got) != string(want) {
			t.Fatalf("appendLinks = %s, want %s", got, want)
		}
	}
}

// pageURL must give the URL url.Values would: the same query, sorted by name.
func TestPageURL(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	names := []string{"bbox", "limit", "offset", "f", "kind", "q", "é t&=", "datetime"}
	for range 2000 {
		var q []param
		old := url.Values{}
		for _, n := range names {
			if rnd.IntN(2) == 0 {
				v := []string{"1", "a b", "x&y=z", "Épinal", "-5.2,41.3,9.6,51.1"}[rnd.IntN(5)]
				q = append(q, param{n, v})
				old.Set(n, v)
			}
		}
		offset, limit := rnd.IntN(3)*10, 1+rnd.IntN(100)
		format := []string{"", "csv"}[rnd.IntN(2)]
		old.Set("limit", strconv.Itoa(limit))
		if offset > 0 {
			old.Set("offset", strconv.Itoa(offset))
		} else {
			old.Del("offset")
		}
		if format != "" {
			old.Set("f", format)
		} else {
			old.Del("f")
		}
		if got, want := pageURL("http://h/api/collections/actors/items", q, offset, limit, format),
			"http://h/api/collections/actors/items?"+old.Encode(); got != want {
			t.Fatalf("pageURL = %s, want %s", got, want)
		}
	}
}

// parseParams must read a query as url.ParseQuery does.
func TestParseParamsLikeParseQuery(t *testing.T) {
	for _, raw := range []string{"", "a=1&b=2", "a=1&a=2", "a", "a=", "=1", "a=%zz", "a;b=1", "&&a=1&", "a=x+y%20z", "%C3%A9=1"} {
		want, werr := url.ParseQuery(raw)
		p := parseParams(raw, []string{"a", "b", "é"})
		got := url.Values{}
		for _, v := range p.values {
			got[v.name] = append(got[v.name], v.value)
		}
		if (werr != nil) != (p.problems["query"].Key == "param.malformed") {
			t.Errorf("%q: error %v, problems %v", raw, werr, p.problems)
		}
		if werr == nil && got.Encode() != want.Encode() {
			t.Errorf("%q: %v, want %v", raw, got, want)
		}
	}
}
