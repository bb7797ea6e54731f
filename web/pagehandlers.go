package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// option is one entry of a filter menu.
type option struct {
	Value string
	Label string
}

// filterMenus are the choices of the map's and the finder's filters.
type filterMenus struct {
	Kinds        []option
	Tools        []option
	Themes       []option
	Departements []option
	Regions      []option
}

func (p *pages) menus(c *gin.Context, cat *catalog) (filterMenus, error) {
	var m filterMenus
	for _, k := range directory.Kinds {
		m.Kinds = append(m.Kinds, option{k, cat.T("kind." + k)})
	}
	tools, err := p.s.dir.FindTools(c.Request.Context(), directory.ToolFilter{})
	if err != nil {
		return m, err
	}
	for _, t := range tools {
		m.Tools = append(m.Tools, option{t.Slug, t.Name})
	}
	for _, t := range directory.Themes {
		m.Themes = append(m.Themes, option{t, cat.T("theme." + t)})
	}
	for _, pl := range p.s.dir.Places(directory.KindDepartement) {
		m.Departements = append(m.Departements, option{pl.Code, pl.Code + " – " + pl.Name})
	}
	for _, pl := range p.s.dir.Places(directory.KindRegion) {
		m.Regions = append(m.Regions, option{pl.Code, pl.Name})
	}
	return m, nil
}

// mapFilter is the filter part of a map or embed URL: one value each,
// kept only when it is a known value (pages ignore bad values).
type mapFilter struct {
	Kind       string `json:"kind,omitempty"`
	Tool       string `json:"tool,omitempty"`
	Theme      string `json:"theme,omitempty"`
	Department string `json:"department,omitempty"`
	Region     string `json:"region,omitempty"`
}

func (p *pages) readFilter(c *gin.Context) mapFilter {
	q := c.Request.URL.Query()
	f := mapFilter{Kind: q.Get("kind"), Tool: q.Get("tool"), Theme: q.Get("theme"),
		Department: cmp.Or(q.Get("department"), q.Get("departement")), Region: q.Get("region")}
	if !directory.IsKind(f.Kind) {
		f.Kind = ""
	}
	if !directory.IsTheme(f.Theme) {
		f.Theme = ""
	}
	if f.Tool != "" {
		if _, _, err := p.s.dir.FindToolBySlug(c.Request.Context(), f.Tool); err != nil {
			f.Tool = ""
		}
	}
	if f.Department != "" && p.s.dir.PlaceName(directory.KindDepartement, f.Department) == "" {
		f.Department = ""
	}
	if f.Region != "" && p.s.dir.PlaceName(directory.KindRegion, f.Region) == "" {
		f.Region = ""
	}
	return f
}

func (f mapFilter) actorFilter() directory.ActorFilter {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	return directory.ActorFilter{Kinds: one(f.Kind), Tools: one(f.Tool), Themes: one(f.Theme),
		Departements: one(f.Department), Regions: one(f.Region)}
}

func (f mapFilter) empty() bool { return f == mapFilter{} }

// mapView is a map's initial view: a centre and zoom, or a box.
type mapView struct {
	Lat  *float64  `json:"lat,omitempty"`
	Lon  *float64  `json:"lon,omitempty"`
	Zoom *int      `json:"zoom,omitempty"`
	BBox []float64 `json:"bbox,omitempty"`
	Sel  string    `json:"sel,omitempty"`
}

func readView(c *gin.Context) mapView {
	q := c.Request.URL.Query()
	var v mapView
	lat, okLat := parseFinite(q.Get("lat"))
	lon, okLon := parseFinite(q.Get("lon"))
	if okLat && okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		v.Lat, v.Lon = &lat, &lon
		if z, err := strconv.Atoi(q.Get("zoom")); err == nil && z >= 2 && z <= 19 {
			v.Zoom = &z
		}
	}
	if b := strings.Split(q.Get("bbox"), ","); len(b) == 4 {
		var box []float64
		for _, s := range b {
			if f, ok := parseFinite(s); ok {
				box = append(box, f)
			}
		}
		if len(box) == 4 && box[0] >= -180 && box[2] <= 180 && box[1] >= -90 && box[3] <= 90 && box[0] < box[2] && box[1] < box[3] {
			v.BBox = box
		}
	}
	if s := q.Get("sel"); len(s) < 100 {
		v.Sel = s
	}
	return v
}

// territories are the map's quick links: metropolitan France and the
// overseas territories, each as a box [w, s, e, n].
var territories = []struct {
	ID   string
	BBox [4]float64
}{
	{"metro", [4]float64{-5.2, 41.3, 9.6, 51.1}},
	{"971", [4]float64{-61.85, 15.8, -61.0, 16.55}},
	{"972", [4]float64{-61.25, 14.38, -60.8, 14.9}},
	{"973", [4]float64{-54.6, 2.1, -51.6, 5.8}},
	{"974", [4]float64{55.2, -21.4, 55.85, -20.85}},
	{"976", [4]float64{44.95, -13.05, 45.35, -12.6}},
	{"975", [4]float64{-56.45, 46.74, -56.1, 47.15}},
	{"977", [4]float64{-63.2, 17.85, -62.75, 18.15}},
	{"986", [4]float64{-178.25, -14.4, -176.1, -13.15}},
	{"987", [4]float64{-152.0, -18.0, -149.0, -16.4}},
	{"988", [4]float64{163.5, -22.8, 168.2, -19.5}},
}

// territoryView is a territory for a template.
type territoryView struct {
	ID    string
	Label string
	BBox  string
}

func territoryViews(cat *catalog) []territoryView {
	out := make([]territoryView, len(territories))
	for i, t := range territories {
		b := make([]string, 4)
		for j, f := range t.BBox {
			b[j] = strconv.FormatFloat(f, 'f', -1, 64)
		}
		out[i] = territoryView{t.ID, cat.T("territory." + t.ID), strings.Join(b, ",")}
	}
	return out
}

// homeData is the home page's.
type homeData struct {
	Menus       filterMenus
	Filter      mapFilter
	Territories []territoryView
	Legend      []legendEntry
}

type legendEntry struct {
	Group string
	Shape shape
}

func legend() []legendEntry {
	out := make([]legendEntry, len(legendGroups))
	for i, g := range legendGroups {
		out[i] = legendEntry{g.Group, kindShapes[g.Kinds[0]]}
	}
	return out
}

// handleHome serves the map.
func (p *pages) handleHome(c *gin.Context) {
	cat := p.lang(c, true)
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := p.readFilter(c)
	view := readView(c)
	pg := p.newPage(c, cat, "home", "map", cat.T("home.title"))
	pg.OEmbed = p.oembedDiscovery(c, c.Request.URL.RequestURI())
	pg.Config = p.config(c, cat, map[string]any{"filter": f, "view": view})
	pg.Data = homeData{Menus: menus, Filter: f, Territories: territoryViews(cat), Legend: legend()}
	p.render(c, http.StatusOK, "home", pg)
}

// nearbyData is the peer finder's.
type nearbyData struct {
	Menus      filterMenus
	Filter     mapFilter
	Pop        string
	MaxKm      string
	Origin     *nearbyOrigin
	Results    []directory.ActorView
	Searched   bool
	Message    string
	ShareURL   string
	PopBands   []option
	Distances  []option
	HasResults bool
	SwappedURL string // the search from the swapped point, when lat and lon look swapped
	SwappedLat string
	SwappedLon string
	// Empty says why a question about a tool or a theme found nobody
	// nearby, and whom to ask instead.
	Empty *nearbyEmpty
}

type nearbyEmpty struct {
	Reason        string
	NearestKm     float64
	Themes        []string
	Suggestions   []directory.ActorView
	Unplaced      []directory.ActorRef
	UnplacedCount int
}

type nearbyOrigin struct {
	ActorID   string
	Name      string
	Kind      string
	Code      string // the actor's official code
	Lon, Lat  float64
	Precision string
}

// french is the origin's name as French joins it ("Voisins d'Épinal").
func (o *nearbyOrigin) french() frName {
	if o.ActorID == "" {
		return plainName(o.Name) // "le point 48,17, 6,45"
	}
	return actorName(o.Kind, o.Code, o.Name)
}

// popBands are the population bands of the finder ("min-max", either open).
var popBands = []string{"0-1999", "2000-9999", "10000-49999", "50000-"}

var maxDistances = []string{"10", "20", "30", "50", "100", "200"}

// handleNearbyPage serves the peer finder: from a chosen actor or point, the
// nearest actors using a tool or a theme, rendered on the server so that the
// result is a shareable URL (and works without JavaScript).
func (p *pages) handleNearbyPage(c *gin.Context) {
	cat := p.lang(c, true)
	ctx := c.Request.Context()
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	q := c.Request.URL.Query()
	f := p.readFilter(c)
	d := nearbyData{Menus: menus, Filter: f}
	for _, b := range popBands {
		d.PopBands = append(d.PopBands, option{b, cat.T("pop." + b)})
	}
	for _, km := range maxDistances {
		d.Distances = append(d.Distances, option{km, km + "\u00a0km"})
	}
	nq := directory.NearbyQuery{Limit: 20, Filter: f.actorFilter()}
	// The finder asks for adopters: of the tool or theme chosen, or of any
	// tool; planned adoptions count, marked as such.
	nq.Filter.IncludePlanned = true
	nq.Filter.AnyTool = f.Tool == "" && f.Theme == ""
	if pop := q.Get("pop"); slices.Contains(popBands, pop) {
		d.Pop = pop
		lo, hi, _ := strings.Cut(pop, "-")
		nq.Filter.PopulationMin, _ = strconv.Atoi(lo)
		nq.Filter.PopulationMax, _ = strconv.Atoi(hi)
	}
	if km := q.Get("max_km"); slices.Contains(maxDistances, km) {
		d.MaxKm = km
		v, _ := strconv.Atoi(km)
		nq.MaxMeters = float64(v) * 1000
	}
	if id := q.Get("actor"); id != "" {
		a, err := p.s.dir.FindActorByID(ctx, id)
		switch {
		case directory.ErrorCode(err) == directory.ENOTFOUND:
			d.Message = cat.T("nearby.unknownActor")
		case err != nil:
			p.s.writeError(c, err)
			return
		case a.Location == nil:
			d.Origin = &nearbyOrigin{ActorID: a.ID, Name: a.Name, Kind: a.Kind, Code: a.Code}
			d.Message = cat.T("nearby.noLocation")
		default:
			d.Origin = &nearbyOrigin{ActorID: a.ID, Name: a.Name, Kind: a.Kind, Code: a.Code, Lon: a.Location.Lon, Lat: a.Location.Lat, Precision: a.Location.Precision}
			nq.Lon, nq.Lat, nq.ExcludeID = a.Location.Lon, a.Location.Lat, a.ID
		}
	} else if lat, okLat := parseFinite(q.Get("lat")); okLat {
		if lon, okLon := parseFinite(q.Get("lon")); okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			d.Origin = &nearbyOrigin{Lon: lon, Lat: lat, Name: cat.Tf("nearby.point", cat.Coord(lat), cat.Coord(lon))}
			nq.Lon, nq.Lat = lon, lat
			if swappedPointWarning(lon, lat) != "" {
				sq := c.Request.URL.Query()
				sq.Set("lat", formatCoord(lon))
				sq.Set("lon", formatCoord(lat))
				d.SwappedURL, d.SwappedLat, d.SwappedLon = "/voisins?"+sq.Encode(), cat.Coord(lon), cat.Coord(lat)
			}
		}
	}
	if d.Origin != nil && d.Message == "" {
		d.Searched = true
		found, _, err := p.s.dir.NearbyViews(ctx, nq)
		if code := directory.ErrorCode(err); code == directory.EINVALID {
			d.Message = directory.ErrorMessage(err)
		} else if err != nil {
			p.s.writeError(c, err)
			return
		}
		for _, v := range found {
			v.Adoptions = v.Matched
			d.Results = append(d.Results, v)
		}
		d.HasResults = len(d.Results) > 0
		if !d.HasResults && d.Message == "" {
			ans, err := p.s.dir.ExplainEmptyNearby(ctx, nq)
			if err != nil {
				p.s.writeError(c, err)
				return
			}
			d.Empty = &nearbyEmpty{Reason: ans.Reason, NearestKm: ans.NearestMeters / 1000, Themes: ans.SuggestedThemes,
				Unplaced: ans.Unplaced, UnplacedCount: ans.UnplacedCount}
			if len(ans.Suggestions) > 0 {
				if d.Empty.Suggestions, _, err = p.s.dir.NearbyViews(ctx, ans.SuggestionQuery); err != nil {
					p.s.writeError(c, err)
					return
				}
				for i := range d.Empty.Suggestions {
					d.Empty.Suggestions[i].Adoptions = d.Empty.Suggestions[i].Matched
				}
			}
		}
		share := url.Values{}
		for k, v := range map[string]string{"tool": f.Tool, "theme": f.Theme, "kind": f.Kind, "pop": d.Pop, "max_km": d.MaxKm} {
			if v != "" {
				share.Set(k, v)
			}
		}
		if d.Origin.ActorID != "" {
			share.Set("actor", d.Origin.ActorID)
		} else {
			share.Set("lat", formatCoord(d.Origin.Lat))
			share.Set("lon", formatCoord(d.Origin.Lon))
		}
		d.ShareURL = p.s.baseURL(c.Request) + "/voisins?" + share.Encode()
	}
	title := cat.T("nearby.title")
	if d.Origin != nil {
		title = cat.Tf("nearby.titleFrom", d.Origin.french())
	}
	pg := p.newPage(c, cat, "nearby", "nearby", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	p.render(c, http.StatusOK, "nearby", pg)
}

func formatCoord(f float64) string { return strconv.FormatFloat(f, 'f', 5, 64) }

// actorData is the actor page's.
type actorData struct {
	Actor       *directory.Actor
	Parents     []directory.ActorRef
	Members     []directory.ActorRef
	Adoptions   []actorAdoption
	Links       []linkView
	Labels      []directory.Label
	Departement string
	Region      string
	History     *historyView
	Official    bool // from the official list: not deleted by proposals

	// Facts say where each contact field and the point come from, and
	// whether they are to be checked (by field name; "point").
	Facts map[string]*factView
	// DILA is the last sync with the official directory when some value
	// comes from it: its licence asks for a credit with the file's URL,
	// name and date.
	DILA *directory.ImportRun
}

// linkView is a link of the actor page, seen from the actor: to the
// target of its own links, from the actor of links to it.
type linkView struct {
	directory.Link
	Incoming bool
	Href     string // the other end's page
	Name     string // the other end's name
	Kind     string // the other end's actor kind ("" for a tool)
}

// actorLinks makes the links of a's page, its own first, each naming its
// other end; ends that no longer exist are left out.
func (p *pages) actorLinks(c *gin.Context, a *directory.Actor, toolNames map[string]string) []linkView {
	var ids []string
	for _, l := range a.Links {
		if l.TargetType == directory.TypeActor {
			ids = append(ids, l.TargetID)
		}
	}
	for _, l := range a.LinkedBy {
		ids = append(ids, l.ActorID)
	}
	refs := map[string]directory.ActorRef{}
	for _, r := range p.s.dir.FindActorRefs(c.Request.Context(), ids) {
		refs[r.ID] = r
	}
	var out []linkView
	for _, l := range a.Links {
		v := linkView{Link: l}
		if l.TargetType == directory.TypeTool {
			name, ok := toolNames[l.TargetID]
			if !ok {
				continue
			}
			v.Href, v.Name = "/outils/"+url.PathEscape(l.TargetID), name
		} else {
			r, ok := refs[l.TargetID]
			if !ok {
				continue
			}
			v.Href, v.Name, v.Kind = "/acteurs/"+url.PathEscape(r.ID), r.Name, r.Kind
		}
		out = append(out, v)
	}
	for _, l := range a.LinkedBy {
		r, ok := refs[l.ActorID]
		if !ok {
			continue
		}
		out = append(out, linkView{Link: l, Incoming: true, Href: "/acteurs/" + url.PathEscape(r.ID), Name: r.Name, Kind: r.Kind})
	}
	return out
}

type actorAdoption struct {
	directory.Adoption
	ToolName string
	Fact     *factView
}

// handleActorPage serves an actor's page.
func (p *pages) handleActorPage(c *gin.Context) {
	cat := p.lang(c, true)
	ctx := c.Request.Context()
	a, err := p.s.dir.FindActorByID(ctx, c.Param("id"))
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	tools, err := p.s.dir.FindTools(ctx, directory.ToolFilter{})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	names := map[string]string{}
	for _, t := range tools {
		names[t.Slug] = t.Name
	}
	d := actorData{Actor: a, Parents: p.s.dir.FindActorRefs(ctx, a.Parents), Members: p.s.dir.FindActorRefs(ctx, a.Members),
		Facts: map[string]*factView{}}
	for _, ad := range a.Adoptions {
		d.Adoptions = append(d.Adoptions, actorAdoption{ad, cmp.Or(names[ad.ToolSlug], ad.ToolSlug), p.adoptionFact(cat, &ad)})
	}
	for _, field := range directory.ProvenanceFields {
		if f := p.actorFact(cat, a, field); f != nil {
			d.Facts[field] = f
		}
		if strings.HasPrefix(a.Provenance[field].Source, directory.SourceDILA) && d.DILA == nil {
			if d.DILA, err = p.s.dir.LatestDILARun(ctx); err != nil {
				p.s.writeError(c, err)
				return
			}
		}
	}
	slices.SortStableFunc(d.Adoptions, func(x, y actorAdoption) int {
		return cmp.Compare(slices.Index(directory.Statuses, x.Status), slices.Index(directory.Statuses, y.Status))
	})
	d.Links = p.actorLinks(c, a, names)
	d.Labels = a.LabelAwards
	if a.Departement != "" {
		d.Departement = p.s.dir.PlaceName(directory.KindDepartement, a.Departement)
	}
	if a.Region != "" {
		d.Region = p.s.dir.PlaceName(directory.KindRegion, a.Region)
	}
	d.Official = isOfficial(a.Kind)
	if d.History, err = p.history(c, cat, directory.TypeActor, a.ID); err != nil {
		p.s.writeError(c, err)
		return
	}
	pg := p.newPage(c, cat, "actor", "", a.Name)
	pg.OEmbed = p.oembedDiscovery(c, c.Request.URL.Path)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	p.render(c, http.StatusOK, "actor", pg)
}

// toolData is the tool page's.
type toolData struct {
	Tool     *directory.Tool
	Adopters []directory.Adopter
	History  *historyView
	// Counts by status of the adopters listed, so that the figures the page
	// gives are those of its own list.
	InUse, Planned, Abandoned int
}

// handleToolPage serves a tool's page: what it is and who uses it.
func (p *pages) handleToolPage(c *gin.Context) {
	cat := p.lang(c, true)
	t, adopters, err := p.s.dir.FindToolBySlug(c.Request.Context(), c.Param("slug"))
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := toolData{Tool: t}
	if d.History, err = p.history(c, cat, directory.TypeTool, t.Slug); err != nil {
		p.s.writeError(c, err)
		return
	}
	d.Adopters = adopters
	for _, a := range adopters {
		switch a.Adoption.Status {
		case directory.StatusInUse:
			d.InUse++
		case directory.StatusPlanned:
			d.Planned++
		case directory.StatusAbandoned:
			d.Abandoned++
		}
	}
	pg := p.newPage(c, cat, "tool", "tools", t.Name)
	pg.OEmbed = p.oembedDiscovery(c, c.Request.URL.Path)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	p.render(c, http.StatusOK, "tool", pg)
}

// themeSection is one theme of the tool catalogue with its tools.
type themeSection struct {
	Theme string
	Tools []directory.Tool
}

// handleToolIndexPage serves the tool catalogue, by theme.
func (p *pages) handleToolIndexPage(c *gin.Context) {
	cat := p.lang(c, true)
	tools, err := p.s.dir.FindTools(c.Request.Context(), directory.ToolFilter{})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	var sections []themeSection
	for _, th := range directory.Themes {
		s := themeSection{Theme: th}
		for _, t := range tools {
			if slices.Contains(t.Themes, th) {
				s.Tools = append(s.Tools, t)
			}
		}
		sections = append(sections, s)
	}
	pg := p.newPage(c, cat, "tools", "tools", cat.T("tools.title"))
	pg.Config = p.config(c, cat, nil)
	pg.Data = struct {
		Sections []themeSection
		Count    int
	}{sections, len(tools)}
	p.render(c, http.StatusOK, "tools", pg)
}

// handleSearchPage lists the actors whose name matches q: the search box's
// answer when scripts do not run.
func (p *pages) handleSearchPage(c *gin.Context) {
	cat := p.lang(c, true)
	q := strings.TrimSpace(c.Query("q"))
	var hits []directory.ActorView
	var msg string
	if q != "" {
		found, err := p.s.dir.SearchViews(c.Request.Context(), q, 50, nil)
		if directory.ErrorCode(err) == directory.EINVALID {
			msg = directory.ErrorMessage(err)
		} else if err != nil {
			p.s.writeError(c, err)
			return
		}
		hits = found
	}
	pg := p.newPage(c, cat, "search", "", cat.T("search.title"))
	pg.Config = p.config(c, cat, nil)
	pg.Data = struct {
		Q       string
		Hits    []directory.ActorView
		Message string
	}{q, hits, msg}
	p.render(c, http.StatusOK, "search", pg)
}
