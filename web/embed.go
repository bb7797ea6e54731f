package web

import (
	"cmp"
	"html"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/directory"
)

// The embed: /embed renders a minimal map (and/or the same actors as a list,
// its accessible alternative) for an iframe on any site, configured by its
// URL. It loads Leaflet, one small script and the data in view, nothing else.
// /integrer builds its snippet; /oembed lets a CMS embed a view from its URL.

// embedListMax is how many actors the embed lists (and draws from the list
// without calling the API); beyond it the list asks to narrow the filters
// and the map loads what is in view.
const embedListMax = 500

// embedData is the embed's.
type embedData struct {
	Filter      mapFilter
	Mode        string // map, list or both
	Basemap     bool
	Origin      *nearbyOrigin
	RadiusKm    float64
	Items       []directory.ActorView
	Matched     int
	Complete    bool // Items holds every matching actor
	Title       string
	FullURL     string
	ListURL     string
	MapURL      string
	WithDistRow bool
	Zone        bool   // a zone, tool or actor was asked for: never "choose a zone"
	Members     string // the EPCI whose members are shown, "" otherwise
}

// embedConfig is the embed script's part of the config.
type embedConfig struct {
	Filter   mapFilter `json:"filter"`
	View     mapView   `json:"view"`
	Basemap  bool      `json:"basemap"`
	Mode     string    `json:"mode"`
	Complete bool      `json:"complete"`
	// Frame is the box [w, s, e, n] the map shows before and after its data
	// loads, at any size: what was asked for (a circle, an EPCI's members,
	// the actors a filter matches); nil for all of France.
	Frame  []float64 `json:"frame,omitempty"`
	Radius *struct {
		Lon float64 `json:"lon"`
		Lat float64 `json:"lat"`
		Km  float64 `json:"km"`
	} `json:"radius,omitempty"`
}

// handleEmbed serves /embed.
func (p *pages) handleEmbed(c *gin.Context) {
	cat := p.lang(c, false) // no cookie: an iframe's language is in its URL
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	f := p.readFilter(c)
	view := readView(c)
	d := embedData{Filter: f, Mode: q.Get("view"), Basemap: q.Get("basemap") != "0" && q.Get("basemap") != "false"}
	if d.Mode != "list" && d.Mode != "both" {
		d.Mode = "map"
	}
	cfg := embedConfig{Filter: f, View: view, Basemap: d.Basemap, Mode: d.Mode}
	var members []string
	if id := q.Get("actor"); id != "" {
		if a, err := p.s.dir.FindActorByID(ctx, id); err == nil {
			_, hasRadius := parseFinite(q.Get("radius_km"))
			switch {
			case !hasRadius && a.Kind == directory.KindDepartement && a.Code != "":
				f.Department = a.Code // a département: its actors
			case !hasRadius && a.Kind == directory.KindRegion && a.Code != "":
				f.Region = a.Code
			case !hasRadius && len(a.Members) > 0:
				members, d.Members = append([]string{a.ID}, a.Members...), a.Name // an EPCI: it and its communes
			case a.Location != nil:
				d.Origin = &nearbyOrigin{ActorID: a.ID, Name: a.Name, Kind: a.Kind, Code: a.Code, Lon: a.Location.Lon, Lat: a.Location.Lat, Precision: a.Location.Precision}
				d.RadiusKm = 20
				if r, ok := parseFinite(q.Get("radius_km")); ok && r > 0 && r <= 1000 {
					d.RadiusKm = r
				}
			}
		}
	}
	cfg.Filter, d.Filter = f, f
	switch {
	case d.Origin != nil:
		found, _, err := p.s.dir.NearbyViews(ctx, directory.NearbyQuery{Lon: d.Origin.Lon, Lat: d.Origin.Lat,
			Limit: embedListMax, MaxMeters: d.RadiusKm * 1000, Filter: f.actorFilter()})
		if err != nil {
			p.s.writeError(c, err)
			return
		}
		d.Items = found
		d.Matched, d.Complete, d.WithDistRow = len(d.Items), len(d.Items) < embedListMax, true
		cfg.Radius = &struct {
			Lon float64 `json:"lon"`
			Lat float64 `json:"lat"`
			Km  float64 `json:"km"`
		}{d.Origin.Lon, d.Origin.Lat, d.RadiusKm}
		cfg.Frame = circleBox(d.Origin.Lon, d.Origin.Lat, d.RadiusKm)
	case members != nil:
		var box *orb.Bound
		for _, id := range members {
			v, err := p.s.dir.FindActorView(ctx, id)
			if err != nil {
				continue
			}
			if v.HasPoint {
				pt := orb.Point{v.Lon, v.Lat}
				if box == nil {
					box = &orb.Bound{Min: pt, Max: pt}
				} else {
					*box = box.Extend(pt)
				}
			}
			d.Items = append(d.Items, v)
		}
		d.Matched, d.Complete = len(d.Items), true
		if box != nil {
			cfg.Frame = boundBox(*box)
		}
	default:
		af := f.actorFilter()
		if len(view.BBox) == 4 {
			af.Bound = &orb.Bound{Min: orb.Point{view.BBox[0], view.BBox[1]}, Max: orb.Point{view.BBox[2], view.BBox[3]}}
		}
		af.Limit = embedListMax
		page, err := p.s.dir.FindActorViews(ctx, af)
		if err != nil {
			p.s.writeError(c, err)
			return
		}
		d.Matched = page.Matched
		if !page.Counted {
			// The embed states a total: count, whatever it costs.
			if d.Matched, err = p.s.dir.CountActors(ctx, af); err != nil {
				p.s.writeError(c, err)
				return
			}
		}
		if !page.More {
			d.Items, d.Complete = page.Items, true
			slices.SortFunc(d.Items, func(a, b directory.ActorView) int {
				return cmp.Or(strings.Compare(directory.Fold(a.Name), directory.Fold(b.Name)), strings.Compare(a.ID, b.ID))
			})
		}
		if !f.empty() && af.Bound == nil {
			if box, n, err := p.s.dir.ExtentOf(ctx, af); err == nil && n > 0 {
				cfg.Frame = boundBox(box)
			}
		}
	}
	d.Zone = !f.empty() || d.Origin != nil || members != nil || len(view.BBox) == 4 || view.Lat != nil
	cfg.Complete = d.Complete
	d.Title = p.describe(c, cat, f, d.Origin, d.RadiusKm)
	if d.Members != "" {
		d.Title = cat.Tf("describe.members", d.Members)
	}
	full := url.Values{}
	for k, v := range map[string]string{"kind": f.Kind, "tool": f.Tool, "theme": f.Theme, "department": f.Department, "region": f.Region} {
		if v != "" {
			full.Set(k, v)
		}
	}
	d.FullURL = p.s.baseURL(c.Request) + "/?" + full.Encode()
	if d.Origin != nil {
		nf := url.Values{"actor": {d.Origin.ActorID}}
		for k, v := range map[string]string{"kind": f.Kind, "tool": f.Tool, "theme": f.Theme} {
			if v != "" {
				nf.Set(k, v)
			}
		}
		d.FullURL = p.s.baseURL(c.Request) + "/voisins?" + nf.Encode()
	}
	switchTo := func(mode string) string {
		v := c.Request.URL.Query()
		v.Set("view", mode)
		return "/embed?" + v.Encode()
	}
	d.ListURL, d.MapURL = switchTo("list"), switchTo("map")
	pg := p.newPage(c, cat, "embed", "", d.Title)
	pg.OEmbed = p.oembedDiscovery(c, c.Request.URL.RequestURI())
	pg.Config = p.config(c, cat, cfg)
	pg.Data = d
	c.Header("Cache-Control", "public, max-age=300")
	p.render(c, http.StatusOK, "embed", pg)
}

// circleBox is the box [w, s, e, n] around a circle of radius km.
func circleBox(lon, lat, km float64) []float64 {
	dLat := km / 111.195
	dLon := dLat / math.Max(0.01, math.Cos(lat*math.Pi/180))
	return []float64{directory.Round6(lon - dLon), directory.Round6(lat - dLat), directory.Round6(lon + dLon), directory.Round6(lat + dLat)}
}

func boundBox(b orb.Bound) []float64 {
	return []float64{directory.Round6(b.Min.Lon()), directory.Round6(b.Min.Lat()), directory.Round6(b.Max.Lon()), directory.Round6(b.Max.Lat())}
}

// describe says in words what a map shows ("Acteurs utilisant Wiki — Grand Est").
func (p *pages) describe(c *gin.Context, cat *catalog, f mapFilter, origin *nearbyOrigin, radiusKm float64) string {
	parts := []string{cat.T("describe.actors")}
	if f.Kind != "" {
		parts[0] = cat.T("kindPlural." + f.Kind)
	}
	if f.Tool != "" {
		if t, _, err := p.s.dir.FindToolBySlug(c.Request.Context(), f.Tool); err == nil {
			parts = append(parts, cat.Tf("describe.tool", t.Name))
		}
	} else if f.Theme != "" {
		parts = append(parts, cat.Tf("describe.theme", cat.T("theme."+f.Theme)))
	}
	s := strings.Join(parts, " ")
	var where []string
	if f.Department != "" {
		where = append(where, p.s.dir.PlaceName(directory.KindDepartement, f.Department))
	}
	if f.Region != "" {
		where = append(where, p.s.dir.PlaceName(directory.KindRegion, f.Region))
	}
	if origin != nil {
		where = append(where, cat.Tf("describe.radius", strconv.FormatFloat(radiusKm, 'f', -1, 64), origin.french()))
	}
	if len(where) > 0 {
		s += " — " + strings.Join(where, ", ")
	}
	return s
}

// builderData is the embed builder's.
type builderData struct {
	Menus   filterMenus
	Filter  mapFilter
	Preview string
}

// handleBuilder serves /integrer: choose the embed's options, see it live,
// copy the iframe code.
func (p *pages) handleBuilder(c *gin.Context) {
	cat := p.lang(c, true)
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	base := p.s.baseURL(c.Request)
	pg := p.newPage(c, cat, "builder", "embed", cat.T("builder.title"))
	pg.Config = p.config(c, cat, map[string]string{"embedURL": base + "/embed"})
	f := p.readFilter(c)
	pq := url.Values{}
	for k, v := range map[string]string{"kind": f.Kind, "tool": f.Tool, "theme": f.Theme, "department": f.Department, "region": f.Region} {
		if v != "" {
			pq.Set(k, v)
		}
	}
	if cat.lang != languages[0] {
		pq.Set("lang", cat.lang)
	}
	preview := "/embed"
	if len(pq) > 0 {
		preview += "?" + pq.Encode()
	}
	pg.Data = builderData{Menus: menus, Filter: f, Preview: preview}
	p.render(c, http.StatusOK, "builder", pg)
}

// iframeHTML is the snippet that embeds src.
func iframeHTML(src, title string, width, height int) string {
	return `<iframe src="` + html.EscapeString(src) + `" width="` + strconv.Itoa(width) + `" height="` + strconv.Itoa(height) +
		`" title="` + html.EscapeString(title) + `" style="border:0" loading="lazy"></iframe>`
}
