package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

// Static assets — Leaflet (vendored from npm into static/vendor, see
// package.json's "vendor" script), the project's scripts and styles, the
// icons and France's outline — are embedded in the binary and served under
// content-hash URLs (/static/{hash}/{name}) with a one-year immutable cache
// lifetime: a new version of a file gets a new URL. The asset template
// function gives a file's current URL.

// bundles are scripts served as one file, concatenated from the sources in
// static/js in this order: a page loads Leaflet and one of them.
var bundles = map[string][]string{
	"app.js":   {"js/util.js", "js/map.js", "js/combobox.js", "js/home.js", "js/nearby.js", "js/pages.js", "js/builder.js"},
	"embed.js": {"js/util.js", "js/map.js", "js/embed.js"},
}

// outlineAsset is the name under which France's outline is served;
// departementsAsset holds the outlines of the départements (static/geo);
// neighboursAsset the countries beside France (from the bundle).
const (
	outlineAsset      = "data/france.geojson"
	departementsAsset = "geo/departements.geojson"
	neighboursAsset   = "data/neighbours.geojson"
)

// asset is one servable file.
type asset struct {
	name  string
	hash  string
	body  []byte
	gzip  []byte // nil when compression does not pay
	ctype string
}

// assetSet holds every asset by name.
type assetSet struct {
	byName map[string]*asset
}

var cssURL = regexp.MustCompile(`url\((['"]?)([^)'"#:]+)(['"]?)\)`)

// loadAssets reads the embedded static files, builds the bundles and hashes
// everything. CSS url() references to other assets are rewritten to their
// hashed URLs, so that they are cached as long as the style sheet.
func loadAssets(static fs.FS) (*assetSet, error) {
	set := &assetSet{byName: map[string]*asset{}}
	files := map[string][]byte{}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	outline, err := fs.ReadFile(data.FS(), data.OutlineFile)
	if err != nil {
		return nil, err
	}
	files[outlineAsset] = outline
	neighbours, err := fs.ReadFile(data.FS(), data.NeighboursFile)
	if err != nil {
		return nil, err
	}
	files[neighboursAsset] = neighbours
	for name, parts := range bundles {
		var b bytes.Buffer
		for _, p := range parts {
			src, ok := files[p]
			if !ok {
				return nil, fmt.Errorf("bundle %s: no file %s", name, p)
			}
			fmt.Fprintf(&b, "/* %s */\n", p)
			b.Write(src)
			b.WriteString("\n;\n")
		}
		files[name] = b.Bytes()
	}
	// Everything but CSS first, so that style sheets can point at hashed names.
	for name, body := range files {
		if path.Ext(name) != ".css" {
			set.add(name, body)
		}
	}
	for name, body := range files {
		if path.Ext(name) != ".css" {
			continue
		}
		dir := path.Dir(name)
		var missing error
		body = cssURL.ReplaceAllFunc(body, func(m []byte) []byte {
			sub := cssURL.FindSubmatch(m)
			target := path.Join(dir, string(sub[2]))
			a, ok := set.byName[target]
			if !ok {
				missing = fmt.Errorf("%s: url(%s) is not an asset", name, sub[2])
				return m
			}
			return []byte("url(" + a.url() + ")")
		})
		if missing != nil {
			return nil, missing
		}
		set.add(name, body)
	}
	return set, nil
}

func (set *assetSet) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	a := &asset{name: name, hash: hex.EncodeToString(sum[:5]), body: body, ctype: assetType(name)}
	if strings.HasPrefix(a.ctype, "text/") || strings.Contains(a.ctype, "json") || strings.Contains(a.ctype, "svg") {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(body)
		w.Close()
		if z.Len() < len(body)*9/10 {
			a.gzip = z.Bytes()
		}
	}
	set.byName[name] = a
}

func assetType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".geojson":
		return mediaGeoJSON
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (a *asset) url() string { return "/static/" + a.hash + "/" + a.name }

// URL returns the hashed URL of the named asset; it panics on an unknown
// name so that a typo in a template fails the first render (and the tests).
func (set *assetSet) URL(name string) string {
	a, ok := set.byName[name]
	if !ok {
		panic("web: no static asset " + name)
	}
	return a.url()
}

// keyNoFile answers a static path that names no asset.
var keyNoFile = directory.NewKey("static.not_found", "no such file: {path}")

// handleStatic serves /static/{hash}/{name}. With the current hash the file
// may be cached for a year; an old hash (a page cached across a deploy) still
// gets the current file, but not cached.
func (p *pages) handleStatic(c *gin.Context) {
	a, ok := p.assets.byName[strings.TrimPrefix(c.Param("name"), "/")]
	if !ok {
		p.s.writeError(c, directory.NewError(directory.ENOTFOUND, keyNoFile, directory.Args{"path": c.Request.URL.Path}))
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	// Assets are fetched by the embed from any site.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if c.Param("hash") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	body := a.body
	switch {
	case h.Get("Content-Encoding") != "":
		// A compressing middleware already wraps the writer: give it the file.
	case a.gzip != nil && acceptsGzip(c.Request):
		h.Set("Content-Encoding", "gzip")
		body = a.gzip
		h.Set("Content-Length", fmt.Sprint(len(body)))
	default:
		h.Set("Content-Length", fmt.Sprint(len(body)))
	}
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	ae := r.Header.Get("Accept-Encoding")
	if !strings.Contains(ae, "gzip") {
		return false // the common answer, without splitting anything
	}
	for part := range strings.SplitSeq(ae, ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) != "gzip" {
			continue
		}
		if v, ok := strings.CutPrefix(strings.ReplaceAll(q, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}
