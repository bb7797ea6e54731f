package web_test

import (
	"compress/gzip"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

// The pages over HTTP: statuses, security headers, languages, assets, oEmbed.

// messageKey finds a catalog key left in a page's text or attributes.
var messageKey = regexp.MustCompile(`[>"]\s*(js|kind|theme|precision|status|nav|actor|tool|tools|nearby|builder|embed|filters|search|legend|map|site|footer|error|sources|adoption|describe|pop|territory|month|lang|a11y|breadcrumb|home|inview|q)\.[a-zA-Z0-9_.-]+\s*[<"]`)

func TestPages(t *testing.T) {
	srv := MustOpenServer(t)
	for _, path := range []string{"/", "/?tool=wiki&lat=48.2&lon=6.4&zoom=9", "/?kind=nope&lat=x", "/voisins",
		"/voisins?actor=commune-88160&tool=wiki", "/voisins?lat=48.18&lon=6.45&theme=democratie&pop=2000-9999&max_km=200",
		"/voisins?actor=commune-99999", "/acteurs/commune-88160", "/acteurs/epci-200068757", "/outils", "/outils/wiki",
		"/recherche?q=epinal", "/recherche", "/integrer", "/integrer?tool=wiki", "/embed", "/embed?tool=wiki&view=both",
		"/embed?actor=commune-88160&radius_km=30&view=list&basemap=0"} {
		t.Run(path, func(t *testing.T) {
			r := request(t, srv, "GET", path, nil).status(200).contentType("text/html")
			body := r.Body.String()
			if !strings.Contains(body, `<html lang="fr">`) {
				t.Error("not French by default")
			}
			html, _, _ := strings.Cut(body, `<script type="application/json" id="config">`)
			if m := messageKey.FindStringSubmatch(html); m != nil {
				t.Errorf("a message key shows instead of its text: %q", m[0])
			}
			csp := r.Header().Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP = %q", csp)
			}
			if r.Header().Get("X-Content-Type-Options") != "nosniff" || r.Header().Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
				t.Errorf("headers: %v", r.Header())
			}
			embed := strings.HasPrefix(path, "/embed")
			if embed != strings.Contains(csp, "frame-ancestors *") {
				t.Errorf("frame-ancestors in %q", csp)
			}
			if embed != (r.Header().Get("X-Frame-Options") == "") {
				t.Errorf("X-Frame-Options = %q", r.Header().Get("X-Frame-Options"))
			}
			if !embed && !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("a page that may not be framed has CSP %q", csp)
			}
			if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(strings.ReplaceAll(body, `<script type="application/json" id="config">`, "")) {
				t.Error("an inline script is in the page")
			}
		})
	}
	request(t, srv, "GET", "/acteurs/commune-99999", nil).status(404).contentType("text/html")
	request(t, srv, "GET", "/outils/nope", nil).status(404).contentType("text/html")
	request(t, srv, "HEAD", "/", nil).status(200)
}

func TestPages_Language(t *testing.T) {
	srv := MustOpenServer(t)
	r := request(t, srv, "GET", "/?lang=en", nil).status(200)
	if !strings.Contains(r.Body.String(), `<html lang="en">`) {
		t.Fatal("?lang=en is not English")
	}
	cookie := r.Header().Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "lang=en") {
		t.Fatalf("Set-Cookie = %q", cookie)
	}
	r = request(t, srv, "GET", "/outils", nil, "Cookie", "lang=en").status(200)
	if !strings.Contains(r.Body.String(), `<html lang="en">`) || !strings.Contains(r.Body.String(), "Tool catalogue") {
		t.Fatal("the cookie does not keep English")
	}
	for header, want := range map[string]string{"en-US,en;q=0.9": "en", "fr-FR,fr;q=0.9,en;q=0.8": "fr", "de-DE": "fr", "": "fr", "en;q=0.5,fr;q=0.9": "fr"} {
		r := request(t, srv, "GET", "/outils", nil, "Accept-Language", header).status(200)
		if !strings.Contains(r.Body.String(), `<html lang="`+want+`">`) {
			t.Errorf("Accept-Language %q: want %s", header, want)
		}
	}
	if !strings.Contains(request(t, srv, "GET", "/outils?lang=fr", nil, "Accept-Language", "en").Body.String(), `<html lang="fr">`) {
		t.Error("?lang=fr does not win over Accept-Language")
	}
	if got := request(t, srv, "GET", "/embed?lang=en", nil).Header().Get("Set-Cookie"); got != "" {
		t.Errorf("the embed sets a cookie: %q", got)
	}
}

var assetURL = regexp.MustCompile(`(?:src|href)="(/static/[0-9a-f]{10}/[^"]+)"`)

func TestPages_Assets(t *testing.T) {
	srv := MustOpenServer(t)
	body := request(t, srv, "GET", "/", nil).status(200).Body.String()
	urls := assetURL.FindAllStringSubmatch(body, -1)
	if len(urls) < 5 {
		t.Fatalf("assets in the home page: %v", urls)
	}
	for _, m := range urls {
		r := request(t, srv, "GET", m[1], nil).status(200)
		if cc := r.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", m[1], cc)
		}
		if r.Header().Get("X-Content-Type-Options") != "nosniff" || r.Header().Get("ETag") == "" {
			t.Errorf("%s: headers %v", m[1], r.Header())
		}
		etag := r.Header().Get("ETag")
		request(t, srv, "GET", m[1], nil, "If-None-Match", etag).status(304)
	}
	// Leaflet's CSS points at its images by their hashed URLs.
	var css string
	for _, m := range urls {
		if strings.HasSuffix(m[1], "leaflet.css") {
			css = request(t, srv, "GET", m[1], nil).status(200).Body.String()
		}
	}
	if !regexp.MustCompile(`url\(/static/[0-9a-f]{10}/vendor/leaflet/images/layers\.png\)`).MatchString(css) {
		t.Error("leaflet.css does not point at hashed image URLs")
	}
	// Compressed when asked; an old hash still gets the file, not cached.
	js := urls[len(urls)-1][1]
	r := request(t, srv, "GET", js, nil, "Accept-Encoding", "gzip").status(200)
	if r.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s not compressed", js)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); !strings.HasPrefix(string(b), "/* js/util.js */") {
		t.Fatalf("the compressed script decodes to %.40q", b)
	}
	old := regexp.MustCompile(`/static/[0-9a-f]{10}/`).ReplaceAllString(js, "/static/0000000000/")
	if cc := request(t, srv, "GET", old, nil).status(200).Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("old hash: Cache-Control %q", cc)
	}
	request(t, srv, "GET", "/static/0000000000/nope.js", nil).status(404)
	// The embed loads Leaflet and its own script, nothing else.
	embed := request(t, srv, "GET", "/embed?tool=wiki", nil).status(200).Body.String()
	var scripts []string
	for _, m := range regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(embed, -1) {
		scripts = append(scripts, m[1])
	}
	if len(scripts) != 2 || !strings.HasSuffix(scripts[0], "/leaflet.js") || !strings.HasSuffix(scripts[1], "/embed.js") {
		t.Errorf("embed scripts: %v", scripts)
	}
}

func TestPages_OEmbed(t *testing.T) {
	srv := MustOpenServerAt(t, "http://voisinage.test")
	page := request(t, srv, "GET", "/outils/wiki", nil).status(200).Body.String()
	m := regexp.MustCompile(`<link rel="alternate" type="application/json\+oembed" href="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no oEmbed discovery link on the tool page")
	}
	discovery, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	request(t, srv, "GET", discovery.RequestURI(), nil).status(200).contentType("application/json").json(&raw)
	if raw["version"] != "1.0" || raw["type"] != "rich" || raw["width"].(float64) != 640 || raw["height"].(float64) != 480 {
		t.Fatalf("oEmbed = %v", raw)
	}
	html := raw["html"].(string)
	if !strings.HasPrefix(html, `<iframe src="http://voisinage.test/embed?`) || !strings.Contains(html, "tool=wiki") {
		t.Fatalf("oEmbed html = %s", html)
	}
	q := url.Values{"url": {"http://voisinage.test/?tool=wiki&lat=48&lon=6&zoom=8"}, "maxwidth": {"400"}, "maxheight": {"300"}}
	request(t, srv, "GET", "/oembed?"+q.Encode(), nil).status(200).json(&raw)
	if raw["width"].(float64) != 400 || raw["height"].(float64) != 300 || !strings.Contains(raw["html"].(string), "zoom=8") {
		t.Fatalf("oEmbed with max sizes = %v", raw)
	}
	request(t, srv, "GET", "/oembed?"+url.Values{"url": {"http://voisinage.test/acteurs/commune-88160"}}.Encode(), nil).status(200)
	request(t, srv, "GET", "/oembed?"+url.Values{"url": {"https://elsewhere.example/outils/wiki"}}.Encode(), nil).status(404)
	request(t, srv, "GET", "/oembed?"+url.Values{"url": {"http://voisinage.test/outils/nope"}}.Encode(), nil).status(404)
	request(t, srv, "GET", "/oembed?"+url.Values{"url": {"http://voisinage.test/outils/wiki"}, "format": {"xml"}}.Encode(), nil).status(501)
	request(t, srv, "GET", "/oembed", nil).status(400)
	request(t, srv, "GET", "/oembed?url=x&bogus=1", nil).status(400)
}

func TestPages_TileServer(t *testing.T) {
	srv := newServerWithTiles(t, "https://{s}.tile.example.org/{z}/{x}/{y}.png")
	r := request(t, srv, "GET", "/", nil).status(200)
	if csp := r.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://*.tile.example.org;") {
		t.Fatalf("CSP = %q", csp)
	}
	if !strings.Contains(r.Body.String(), `https://{s}.tile.example.org/{z}/{x}/{y}.png`) {
		t.Fatal("the tile URL is not given to the map script")
	}
}

func newServerWithTiles(t *testing.T, tileURL string) *web.Server {
	t.Helper()
	d := directorytest.MustOpenDirectory(t)
	srv, err := web.NewServer(web.Config{TileURL: tileURL, TileAttribution: web.DefaultTileAttribution}, d)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}
