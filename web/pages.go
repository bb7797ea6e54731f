package web

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The pages: server-rendered html/template with a little JavaScript, French
// by default. Handlers stay thin: they read the query leniently (a page never
// answers 400; a bad value is ignored or shown as a message), call the
// directory's read methods and render.

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults for the base map (cmd's flags use them; an empty Config.TileURL
// means no base map: the map then draws France's outline on a plain
// background).
const (
	DefaultTileURL         = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	DefaultTileAttribution = `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`
)

// Basemap is a tile layer the maps can draw under the actors.
type Basemap struct {
	ID          string `json:"id"`          // short name, as in -basemap
	Name        string `json:"name"`        // shown in the map's layer menu
	URL         string `json:"url"`         // Leaflet URL template ({s}, {z}, {x}, {y})
	Attribution string `json:"attribution"` // HTML, shown only once one of its tiles has loaded
	MaxZoom     int    `json:"maxZoom"`
}

// BasemapPresets are the base maps -basemap names: OpenStreetMap's standard
// tiles and the IGN's "Plan IGN" from the Géoplateforme (its WMTS service in
// the Web Mercator "PM" matrix set, open without a key).
var BasemapPresets = map[string]Basemap{
	"osm": {ID: "osm", Name: "OpenStreetMap", URL: DefaultTileURL, Attribution: DefaultTileAttribution, MaxZoom: 19},
	"ign": {ID: "ign", Name: "Plan IGN",
		URL: "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" +
			"&STYLE=normal&FORMAT=image/png&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
		Attribution: `&copy; <a href="https://www.ign.fr/">IGN</a> – Plan IGN (Géoplateforme)`, MaxZoom: 19},
}

// basemaps returns the configured base maps (TileURL alone makes one).
func (cfg Config) basemaps() []Basemap {
	if len(cfg.Basemaps) > 0 {
		return cfg.Basemaps
	}
	if cfg.TileURL == "" {
		return nil
	}
	for _, b := range BasemapPresets {
		if b.URL == cfg.TileURL {
			b.Attribution = cmp.Or(cfg.TileAttribution, b.Attribution)
			return []Basemap{b}
		}
	}
	return []Basemap{{ID: "custom", Name: "Fond de carte", URL: cfg.TileURL, Attribution: cfg.TileAttribution, MaxZoom: 19}}
}

// pageNames are the page templates; each is parsed with the shared ones.
var pageNames = []string{"home", "nearby", "actor", "tool", "tools", "search", "embed", "builder", "error",
	"login", "register", "account", "proposals", "contrib", "place", "delete", "thanks",
	"moderation", "reports", "accessibility", "imports", "stale", "batch", "webhooks", "webhook-new", "webhook"}

// sharedTemplates are parsed with every page: the layout and the partials.
var sharedTemplates = []string{"templates/layout.html", "templates/partials.html", "templates/forms.html", "templates/proposal.html"}

// pages renders the HTML pages. It is built once by registerPageRoutes and
// holds what every page needs: catalogs, templates, assets.
type pages struct {
	s          *Server
	assets     *assetSet
	cats       map[string]*catalog
	tmpl       map[string]map[string]*template.Template // lang → page → template
	tileOrigin string                                   // CSP sources of the tile servers, "" without one
}

// registerPageRoutes registers the pages, the embed, oEmbed and the static
// assets. The embedded files are checked here: a broken template or catalog
// (or a bad tile URL) fails NewServer rather than the first request.
func (s *Server) registerPageRoutes() error {
	p, err := newPages(s)
	if err != nil {
		return fmt.Errorf("web: pages: %w", err)
	}
	s.pages = p
	s.get("/static/:hash/*name", p.handleStatic)
	s.get("/", p.handleHome)
	s.get("/voisins", p.handleNearbyPage)
	s.get("/acteurs/:id", p.handleActorPage)
	s.get("/outils", p.handleToolIndexPage)
	s.get("/outils/:slug", p.handleToolPage)
	s.get("/recherche", p.handleSearchPage)
	s.get("/integrer", p.handleBuilder)
	s.get("/embed", p.handleEmbed)
	s.get("/oembed", p.handleOEmbed)
	s.get("/carte/noms/:file", p.handleCommuneLabels)
	p.registerStatementRoutes()
	p.registerAccountRoutes()
	p.registerContribRoutes()
	p.registerModerationPageRoutes()
	p.registerImportPageRoutes()
	p.registerBatchPageRoutes()
	p.registerConfirmPageRoutes()
	p.registerWebhookPageRoutes()
	return nil
}

func newPages(s *Server) (*pages, error) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	p := &pages{s: s, tmpl: map[string]map[string]*template.Template{}}
	if p.assets, err = loadAssets(static); err != nil {
		return nil, err
	}
	if p.cats, err = loadCatalogs(); err != nil {
		return nil, err
	}
	var origins []string
	for _, b := range s.cfg.basemaps() {
		o, err := tileOrigin(b.URL)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	p.tileOrigin = strings.Join(origins, " ")
	for lang, cat := range p.cats {
		p.tmpl[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(p.funcs(cat)).ParseFS(templateFS,
				append(slices.Clone(sharedTemplates), "templates/"+name+".html")...)
			if err != nil {
				return nil, err
			}
			p.tmpl[lang][name] = t
		}
	}
	return p, nil
}

// tileOrigin returns the CSP source that lets the pages load tiles from the
// tile URL template ({s} subdomains become a wildcard).
func tileOrigin(tileURL string) (string, error) {
	if tileURL == "" {
		return "", nil
	}
	scheme, rest, ok := strings.Cut(tileURL, "://")
	host, _, _ := strings.Cut(rest, "/")
	host = strings.Replace(host, "{s}", "*", 1)
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "{}; '\"") {
		return "", fmt.Errorf("tile URL %q must be an http(s) URL template such as %s", tileURL, DefaultTileURL)
	}
	return scheme + "://" + host, nil
}

// funcs are the template functions of one language.
func (p *pages) funcs(c *catalog) template.FuncMap {
	return template.FuncMap{
		"t":  c.T,
		"tf": c.Tf,
		// actorName gives tf an actor's name with its kind and code, so that
		// French joins it right ("Position de la Préfecture des Vosges").
		"actorName":  actorName,
		"personName": personName,
		"tn":         c.Tn,
		"num":        c.Int,
		"km":         c.Km,
		"date":       c.Date,
		"asset":      p.assets.URL,
		"kind":       func(k string) string { return c.T("kind." + k) },
		"theme":      func(t string) string { return c.T("theme." + t) },
		"precision": func(pr string) string {
			if pr == "" {
				return c.T("precision.none")
			}
			return c.T("precision." + pr)
		},
		"status":      func(st string) string { return c.T("status." + st) },
		"asOf":        c.AsOf,
		"cite":        c.Cite,
		"typo":        typo,
		"coord":       c.Coord,
		"took":        c.Took,
		"colon":       func(label, text string) string { return label + c.T("label.sep") + text },
		"sourceDate":  c.SourceDate,
		"provenance":  c.Provenance,
		"linkType":    func(typ string, incoming bool) string { return c.T(linkKey(typ, incoming)) },
		"linkStatus":  func(st string) string { return c.T("linkStatus." + st) },
		"labelName":   func(id string) string { return c.T("label." + id) },
		"approximate": directory.IsApproximate,
		"shape":       shapeOf,
		"shapeAt":     shapeAt,
		"contrib":     contribURL,
		"placeName":   p.s.dir.PlaceName,
		"pathEscape":  url.PathEscape,
		"telURL": func(phone string) template.URL {
			return template.URL("tel:" + strings.Map(func(r rune) rune {
				if r == '+' || (r >= '0' && r <= '9') {
					return r
				}
				return -1
			}, phone))
		},
		"mailURL": func(email string) template.URL {
			if strings.ContainsAny(email, "<>\"'\\ ") || !strings.Contains(email, "@") {
				return ""
			}
			return template.URL("mailto:" + email)
		},
		"webURL":     safeWebURL,
		"field":      func(name string) string { return c.T("field." + name) },
		"pstatus":    func(st string) string { return c.T("pstatus." + st) },
		"dateTime":   c.DateTime,
		"problem":    c.Problem,
		"keyed":      c.keyed,
		"actorURL":   func(id string) string { return "/acteurs/" + url.PathEscape(id) },
		"toolURL":    func(slug string) string { return "/outils/" + url.PathEscape(slug) },
		"itoa":       strconv.Itoa,
		"formatID":   func(id int64) string { return strconv.FormatInt(id, 10) },
		"hasPrefix":  strings.HasPrefix,
		"join":       strings.Join,
		"coordinate": func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"add":        func(a, b int) int { return a + b },
		"mul":        func(a, b float64) float64 { return a * b },
		"themes": func(ts []string) string {
			names := make([]string, len(ts))
			for i, t := range ts {
				names[i] = c.T("theme." + t)
			}
			return strings.Join(names, ", ")
		},
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}
}

// safeWebURL returns u if it is an http(s) URL, "" otherwise (data from
// contributors must not turn into javascript: links).
func safeWebURL(u string) string {
	pu, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return ""
	}
	return pu.String()
}

// contribURL gives the URL of a contribution route for an actor (contrib.go
// serves them).
func contribURL(what, actorID string) string {
	id := url.PathEscape(actorID)
	switch what {
	case "correct":
		return "/contribuer/acteurs/" + id + "/corriger"
	case "place":
		return "/contribuer/acteurs/" + id + "/placer"
	case "adoption":
		return "/contribuer/acteurs/" + id + "/outils"
	case "delete":
		return "/contribuer/acteurs/" + id + "/supprimer"
	case "report":
		return "/contribuer/signaler?acteur=" + url.QueryEscape(actorID)
	}
	panic("web: unknown contribution route " + what)
}

// page is what the layout needs, around a page's own data.
type page struct {
	Lang    string
	Title   string // the page's own title; the layout adds the site name
	Nav     string // current item of the main navigation
	Kind    string // data-page of <body>: which script part runs
	AltLang string // the other language
	AltURL  string // this page in the other language
	OEmbed  string // oEmbed discovery URL, "" on pages that cannot be embedded
	Config  any    // JSON for the scripts
	Data    any

	User    *directory.User // who is logged in, nil for visitors
	Pending int             // for moderators: proposals waiting in the queue
	Here    string          // this page's address, where logging in returns
	Flash   string          // the confirmation of what was just done (post/redirect/get)
	Map     bool            // the page draws a map without being a map page
}

// lang picks the request's language and remembers an explicit choice in a cookie.
func (p *pages) lang(c *gin.Context, sticky bool) *catalog {
	lang, remember := requestLang(c.Request)
	if remember && sticky {
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: c.Request.TLS != nil})
	}
	return p.cats[lang]
}

// newPage fills the layout fields of a page for the request.
func (p *pages) newPage(c *gin.Context, cat *catalog, kind, nav, title string) *page {
	alt := "en"
	if cat.lang == "en" {
		alt = "fr"
	}
	q := c.Request.URL.Query()
	flash := flashText(cat, q)
	q.Del("fait")
	q.Del("n")
	q.Set("lang", alt)
	pg := &page{Lang: cat.lang, Title: title, Nav: nav, Kind: kind, AltLang: alt,
		AltURL: c.Request.URL.Path + "?" + q.Encode(), Here: c.Request.URL.RequestURI(), Flash: flash}
	if kind == "embed" {
		return pg
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		pg.setHere(c.Request.URL.Path)
	}
	if u := currentUser(c); u != nil {
		pg.User = u
		// The page shows who is logged in: no shared cache may keep it.
		c.Header("Cache-Control", "private, no-cache")
		if u.IsModerator() {
			pg.Pending, _, _ = p.s.dir.QueueLength(c.Request.Context())
		}
	}
	return pg
}

// setHere makes a page rendered for a post (a form with its errors) behave
// as the page at path: where logging in and the language switch lead.
func (pg *page) setHere(path string) {
	pg.Here = path
	u, err := url.Parse(path)
	if err != nil {
		return
	}
	q := u.Query()
	q.Del("fait")
	q.Del("n")
	q.Set("lang", pg.AltLang)
	pg.AltURL = u.Path + "?" + q.Encode()
}

// flashText is the confirmation named by ?fait= (with ?n= for a number),
// after a form redirected; unknown names show nothing.
func flashText(cat *catalog, q url.Values) string {
	key := q.Get("fait")
	if key == "" || !cat.Has("flash."+key) {
		return ""
	}
	n, _ := strconv.Atoi(q.Get("n"))
	return cat.Tf("flash."+key, n)
}

// securityHeaders are sent with every page. Only the embed may be framed,
// by any site; every other page refuses framing.
func (p *pages) securityHeaders(c *gin.Context, framable bool) {
	h := c.Writer.Header()
	img := "'self' data:"
	if p.tileOrigin != "" {
		img += " " + p.tileOrigin
	}
	ancestors := "'none'"
	if framable {
		ancestors = "*"
	} else {
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src "+img+
		"; connect-src 'self'; font-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+ancestors)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Vary", "Accept-Language, Cookie")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
}

// render executes a page template with status. A template that fails is
// an internal error, answered by the error writer (and, should the error
// page fail too, by a line of plain text).
func (p *pages) render(c *gin.Context, status int, name string, pg *page) {
	var buf bytes.Buffer
	if err := p.tmpl[pg.Lang][name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		err = fmt.Errorf("render page %s: %w", name, err)
		if name != "error" {
			p.s.writeError(c, err)
			return
		}
		p.s.log.ErrorContext(c.Request.Context(), "render error page", "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	p.securityHeaders(c, name == "embed")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorView is what the error page shows besides its title.
type errorView struct {
	Status   int
	Message  string
	Problems []fieldProblem // each parameter or field in error, by name
	Login    string         // for a 401: the login page, coming back here
	API      bool           // the page answers an API path: link to its documentation
}

// fieldProblem is a parameter or field in error and what to fix, translated.
type fieldProblem struct{ Field, Text string }

// errorPage shows err as a page with status, in the visitor's language: a
// title for the status, the error's message translated from its key (a
// 404 says the page does not exist; an internal error only that it
// happened), and ways back. Only writeError calls it.
func (p *pages) errorPage(c *gin.Context, status int, err error) {
	cat := p.lang(c, false)
	title, msg := cat.T("error.title"), errorText(cat, err)
	if k := "error.status." + strconv.Itoa(status); cat.Has(k) {
		title = cat.T(k)
	}
	switch {
	case status == http.StatusNotFound:
		title, msg = cat.T("error.notfound.title"), cat.T("error.notfound")
	case directory.ErrorCode(err) == directory.EINTERNAL:
		msg = cat.T("error.internal")
	}
	pg := p.newPage(c, cat, "error", "", title)
	v := errorView{Status: status, Message: msg, API: machineRoute(c.Request.URL.Path)}
	if probs := directory.ErrorProblems(err); len(probs) > 1 {
		for _, name := range slices.Sorted(maps.Keys(probs)) {
			v.Problems = append(v.Problems, fieldProblem{Field: name, Text: cat.Problem(probs[name])})
		}
	}
	if status == http.StatusUnauthorized && !v.API {
		v.Login = "/connexion?" + url.Values{"retour": {pg.Here}}.Encode()
	}
	pg.Data = v
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "error", pg)
}

// config is the JSON block every page gives its script: where the API is,
// the base map, the legend's styles and the script's strings.
type config struct {
	Lang            string            `json:"lang"`
	Basemaps        []Basemap         `json:"basemaps"`
	DataAttribution string            `json:"dataAttribution"`
	OutlineURL      string            `json:"outlineURL"`
	NeighboursURL   string            `json:"neighboursURL"` // the countries beside France, drawn with the départements
	LabelsURL       string            `json:"labelsURL"`     // commune names by département: {code} is replaced
	Kinds           map[string]shape  `json:"kinds"`
	Tools           map[string]string `json:"tools"`
	Themes          []string          `json:"themes"`
	Strings         map[string]string `json:"strings"`
	Page            any               `json:"page,omitempty"`
}

func (p *pages) config(c *gin.Context, cat *catalog, pageCfg any) config {
	tools, _ := p.s.dir.FindTools(c.Request.Context(), directory.ToolFilter{})
	names := make(map[string]string, len(tools))
	for _, t := range tools {
		names[t.Slug] = t.Name
	}
	strs := cat.Prefixed("js.")
	for _, k := range directory.Kinds {
		strs["kind."+k] = cat.T("kind." + k)
	}
	for _, pr := range directory.Precisions {
		strs["precision."+pr] = cat.T("precision." + pr)
	}
	for _, st := range directory.Statuses {
		strs["status."+st] = cat.T("status." + st)
	}
	for k, v := range cat.Prefixed("duplicate.") {
		strs[k] = v
	}
	return config{
		Lang:            cat.lang,
		Basemaps:        p.s.cfg.basemaps(),
		DataAttribution: cat.T("map.attribution"),
		OutlineURL:      p.assets.URL(departementsAsset),
		NeighboursURL:   p.assets.URL(neighboursAsset),
		LabelsURL:       "/carte/noms/{code}.json",
		Kinds:           kindShapes,
		Tools:           names,
		Themes:          directory.Themes,
		Strings:         strs,
		Page:            pageCfg,
	}
}

// shape is how an actor kind is drawn: the map and the legend share it.
type shape struct {
	Group  string `json:"group"`
	Shape  string `json:"shape"` // circle, square, diamond, triangle, pentagon, hexagon
	Color  string `json:"color"`
	Size   int    `json:"size"`             // pixels
	Approx bool   `json:"approx,omitempty"` // drawn hollow and dashed, as the map draws an approximate point
}

// legendGroups are the legend's entries, in order, each with the kinds it covers.
var legendGroups = []struct {
	Group string
	Kinds []string
}{
	{"commune", []string{directory.KindCommune}},
	{"epci", []string{directory.KindEPCI}},
	{"territory", []string{directory.KindDepartement, directory.KindRegion}},
	{"state", []string{directory.KindPrefecture, directory.KindSousPrefecture}},
	{"agency", []string{directory.KindStateService, directory.KindMinistry, directory.KindPublicAgency}},
	{"network", []string{directory.KindSyndicat, directory.KindAssociation, directory.KindMedia, directory.KindOrganisation}},
}

// groupShapes: colours meet 3:1 against white and the map background
// (WCAG 1.4.11), and each group also has its own shape, so colour is never
// the only cue.
var groupShapes = map[string]shape{
	"commune":   {Shape: "circle", Color: "#000091", Size: 16},
	"epci":      {Shape: "square", Color: "#00745f", Size: 17},
	"territory": {Shape: "diamond", Color: "#8b3a87", Size: 20},
	"state":     {Shape: "triangle", Color: "#b34000", Size: 19},
	"agency":    {Shape: "pentagon", Color: "#3a3a3a", Size: 18},
	"network":   {Shape: "hexagon", Color: "#7a5c00", Size: 18},
}

var kindShapes = func() map[string]shape {
	m := map[string]shape{}
	for _, g := range legendGroups {
		for _, k := range g.Kinds {
			sh := groupShapes[g.Group]
			sh.Group = g.Group
			m[k] = sh
		}
	}
	return m
}()

// shapeAt is a kind's shape for a point of the given precision: hollow
// and dashed when the point is approximate, as on the map.
func shapeAt(kind, precision string) shape {
	sh := shapeOf(kind)
	sh.Approx = directory.IsApproximate(precision)
	return sh
}

func shapeOf(kind string) shape {
	if sh, ok := kindShapes[kind]; ok {
		return sh
	}
	return kindShapes[directory.KindOrganisation]
}
