package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// oEmbed (https://oembed.com): a CMS given the URL of a map view, a tool page
// or an actor page asks /oembed for the iframe that embeds it ("rich" type).
// Pages that can be embedded announce the endpoint with a discovery link.

var oembedParams = []string{"url", "maxwidth", "maxheight", "format"}

// Default and smallest sizes of an oEmbed iframe, in pixels.
const (
	oembedWidth     = 640
	oembedHeight    = 480
	oembedMinWidth  = 200
	oembedMinHeight = 200
)

// oembedDiscovery returns the oEmbed URL of the page at requestURI.
func (p *pages) oembedDiscovery(c *gin.Context, requestURI string) string {
	base := p.s.baseURL(c.Request)
	return base + "/oembed?" + url.Values{"url": {base + requestURI}, "format": {"json"}}.Encode()
}

// oembedResponse is the oEmbed JSON for a rich embed.
type oembedResponse struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	CacheAge     int    `json:"cache_age"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

var (
	keyOEmbedURL    = directory.NewKey("oembed.url", "is required: the URL of a map, tool or actor page of this site")
	keyOEmbedSite   = directory.NewKey("oembed.site", "url must be a page of this site ({base})")
	keyOEmbedFormat = directory.NewKey("oembed.format", "format {format} is not supported: use format=json")
	keyOEmbedView   = directory.NewKey("oembed.view", "no embeddable view at {path}: use the map (/), a tool (/outils/…) or an actor (/acteurs/…)")
)

// handleOEmbed answers /oembed?url=…&maxwidth=&maxheight=&format=json.
func (p *pages) handleOEmbed(c *gin.Context) {
	pr := parseParams(c.Request.URL.RawQuery, oembedParams)
	raw := pr.str("url")
	if raw == "" {
		pr.problems.Add("url", keyOEmbedURL, nil)
	}
	maxW := pr.integer("maxwidth", 0, 1, 10000, true)
	maxH := pr.integer("maxheight", 0, 1, 10000, true)
	format := pr.str("format")
	if err := pr.err(); err != nil {
		p.s.writeError(c, err)
		return
	}
	if format != "" && format != "json" {
		// The oEmbed specification's answer to an unsupported format.
		p.s.writeError(c, httpError(http.StatusNotImplemented, "not_implemented", keyOEmbedFormat, directory.Args{"format": format}))
		return
	}
	base := p.s.baseURL(c.Request)
	u, err := url.Parse(raw)
	bu, _ := url.Parse(base)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, bu.Host) {
		p.s.writeError(c, directory.NewError(directory.ENOTFOUND, keyOEmbedSite, directory.Args{"base": base}))
		return
	}
	in := u.Query()
	q := url.Values{}
	keep := func(names ...string) {
		for _, n := range names {
			if v := in.Get(n); v != "" {
				q.Set(n, v)
			}
		}
	}
	switch {
	case u.Path == "/embed":
		q = in
	case u.Path == "/" || u.Path == "":
		keep("kind", "tool", "theme", "department", "region", "lat", "lon", "zoom", "bbox", "lang")
	case strings.HasPrefix(u.Path, "/outils/"):
		slug := strings.TrimPrefix(u.Path, "/outils/")
		if _, _, err := p.s.dir.FindToolBySlug(c.Request.Context(), slug); err != nil {
			p.s.writeError(c, err)
			return
		}
		q.Set("tool", slug)
		q.Set("view", "both")
		keep("lang")
	case strings.HasPrefix(u.Path, "/acteurs/"):
		id := strings.TrimPrefix(u.Path, "/acteurs/")
		if _, err := p.s.dir.FindActorByID(c.Request.Context(), id); err != nil {
			p.s.writeError(c, err)
			return
		}
		q.Set("actor", id)
		q.Set("radius_km", "20")
		keep("lang")
	default:
		p.s.writeError(c, directory.NewError(directory.ENOTFOUND, keyOEmbedView, directory.Args{"path": u.Path}))
		return
	}
	w, h := oembedWidth, oembedHeight
	if maxW > 0 {
		w = max(min(w, maxW), min(oembedMinWidth, maxW))
	}
	if maxH > 0 {
		h = max(min(h, maxH), min(oembedMinHeight, maxH))
	}
	cat := p.cats[languages[0]]
	if l := q.Get("lang"); isLang(l) {
		cat = p.cats[l]
	}
	src := base + "/embed"
	if len(q) > 0 {
		src += "?" + q.Encode()
	}
	title := p.embedTitle(c, cat, q)
	c.Header("Cache-Control", "public, max-age=3600")
	s := p.s
	s.writeJSON(c, http.StatusOK, mediaJSON, oembedResponse{
		Version: "1.0", Type: "rich", Title: title, ProviderName: "voisinage", ProviderURL: base + "/",
		CacheAge: 3600, HTML: iframeHTML(src, title, w, h), Width: w, Height: h,
	})
}

// embedTitle describes the view an embed URL's query shows.
func (p *pages) embedTitle(c *gin.Context, cat *catalog, q url.Values) string {
	f := mapFilter{Kind: q.Get("kind"), Tool: q.Get("tool"), Theme: q.Get("theme"), Department: q.Get("department"), Region: q.Get("region")}
	if !directory.IsKind(f.Kind) {
		f.Kind = ""
	}
	if !directory.IsTheme(f.Theme) {
		f.Theme = ""
	}
	var origin *nearbyOrigin
	radius := 20.0
	if id := q.Get("actor"); id != "" {
		if a, err := p.s.dir.FindActorByID(c.Request.Context(), id); err == nil {
			origin = &nearbyOrigin{ActorID: a.ID, Name: a.Name, Kind: a.Kind, Code: a.Code}
		}
		if r, err := strconv.ParseFloat(q.Get("radius_km"), 64); err == nil && r > 0 {
			radius = r
		}
	}
	return cat.Tf("oembed.title", cat.T("site.name"), p.describe(c, cat, f, origin, radius))
}
