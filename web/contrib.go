package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The contribution forms: correct, place, add and delete actors, their
// adoptions and tools, and report a record. Each form carries the version
// it was made from (base_version) and the values it showed (orig_*), so that
// only the fields the contributor changed are proposed; a proposal refused
// because someone changed the same field meanwhile comes back with both
// values and starts again from the current version.

func (p *pages) registerContribRoutes() {
	s := p.s
	for path, h := range map[string]gin.HandlerFunc{
		"/contribuer/acteurs/:id/corriger":               p.handleActorCorrect,
		"/contribuer/acteurs/:id/placer":                 p.handleActorPlace,
		"/contribuer/acteurs/:id/supprimer":              p.handleActorDelete,
		"/contribuer/acteurs/:id/outils":                 p.handleAdoptionNew,
		"/contribuer/acteurs/:id/outils/:tool":           p.handleAdoptionEdit,
		"/contribuer/acteurs/:id/outils/:tool/supprimer": p.handleAdoptionDelete,
		"/contribuer/nouvel-acteur":                      p.handleActorNew,
		"/contribuer/nouvel-outil":                       p.handleToolNew,
		"/contribuer/outils/:slug/corriger":              p.handleToolEdit,
		"/contribuer/outils/:slug/supprimer":             p.handleToolDelete,
		"/contribuer/signaler":                           p.handleReport,
	} {
		s.get(path, h)
		s.engine.POST(path, h)
	}
	s.get("/contribuer/merci/:id", p.handleThanks)
	s.get("/contribuer/signalement-envoye", p.handleReportThanks)
	s.engine.POST("/historique/retablir", p.handleRevertPost)
}

// contribData is the data of the contribution form pages.
type contribData struct {
	Heading     string
	Intro       string
	Action      string // the form's action
	Submit      string
	Cancel      string // where "cancel" goes
	BaseVersion int
	Form        *form
	Actor       *directory.Actor
	Tool        *directory.Tool
	Adoption    *directory.Adoption
	Official    []officialFact // an administrative actor's read-only facts
	Duplicates  []duplicateView
	Adoptions   []actorAdoption // the actor's tools, on the adoption page
	History     *historyView
	Anonymous   bool   // a report by a visitor
	Picker      bool   // the form has a point picker
	Check       string // "actor": the page checks duplicates as the contributor types
	ReportLink  string
	Return      string
	// AdoptionPage: the page that adds a tool to an actor (lists its tools).
	AdoptionPage bool
	Creating     bool // the form adds a record (its help differs)
}

// officialFact is one read-only line of an administrative actor.
type officialFact struct {
	Label string
	Value string
}

// duplicateView is an existing actor a new one may duplicate.
type duplicateView struct {
	directory.Duplicate
	Why string
	Far string
}

// contribPage renders a contribution form page.
func (p *pages) contribPage(c *gin.Context, cat *catalog, status int, tmpl, title string, d *contribData) {
	pg := p.newPage(c, cat, tmpl, "", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	pg.Map = d.Picker || tmpl == "place"
	c.Header("Cache-Control", "no-store")
	p.render(c, status, tmpl, pg)
}

// metaFields are the comment and source every proposal may carry.
func metaFields(f *form, cat *catalog, commentRequired bool) {
	label, hint := cat.T("contrib.comment"), cat.T("contrib.commentHint")
	if commentRequired {
		label, hint = cat.T("contrib.commentDelete"), cat.T("contrib.commentHintDelete")
	}
	f.add(&formField{Name: "comment", Label: label, Hint: hint, Type: "textarea", Rows: 3,
		Required: commentRequired, Section: "meta"})
	f.add(&formField{Name: "source", Label: cat.T("contrib.source"), Hint: cat.T("contrib.sourceHint"), Type: "text",
		Section: "meta"})
}

// Sections groups a form's fields by their section, in order, for fieldsets.
func (f *form) Sections() []formSection {
	var out []formSection
	for _, ff := range f.Fields {
		name := ff.Section
		if name == "" {
			name = "main"
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, formSection{Name: name})
		}
		out[len(out)-1].Fields = append(out[len(out)-1].Fields, ff)
	}
	return out
}

// formSection is a run of fields in one fieldset.
type formSection struct {
	Name   string
	Fields []*formField
}

// Orig is the value a field showed when the form was first drawn (posted
// back as orig_{name}): what the proposal is made against.
func (f *formField) Orig() string { return f.orig }

// actorFields adds an actor's editable fields, with their current values.
func actorFields(f *form, cat *catalog, a *directory.Actor, menus filterMenus, creating bool) {
	official := a != nil && isOfficial(a.Kind)
	val := func(name string) string {
		if a == nil {
			return ""
		}
		return actorValue(a, name)
	}
	if creating {
		var kinds []option
		for _, k := range nonOfficialKinds() {
			kinds = append(kinds, option{k, cat.T("kind." + k)})
		}
		f.add(&formField{Name: "kind", Label: cat.T("field.kind"), Hint: cat.T("contrib.kindHint"), Type: "select", Options: kinds, Required: true})
	}
	if !official {
		f.add(&formField{Name: "name", Label: cat.T("field.name"), Type: "text", Required: true, Value: val("name"), Autocomplete: "off"})
	}
	f.add(&formField{Name: "website", Label: cat.T("field.website"), Hint: cat.T("contrib.websiteHint"), Type: "url", Value: val("website"), Autocomplete: "url", Section: "contact"})
	f.add(&formField{Name: "email", Label: cat.T("field.email"), Hint: cat.T("contrib.emailHint"), Type: "email", Value: val("email"), Autocomplete: "email", Section: "contact"})
	f.add(&formField{Name: "phone", Label: cat.T("field.phone"), Hint: cat.T("contrib.phoneHint"), Type: "tel", Value: val("phone"), Autocomplete: "tel", Section: "contact"})
	f.add(&formField{Name: "address", Label: cat.T("field.address"), Type: "text", Value: val("address"), Autocomplete: "street-address", Section: "contact"})
	f.add(&formField{Name: "description", Label: cat.T("field.description"), Hint: cat.T("contrib.descriptionHint"), Type: "textarea", Rows: 4, Value: val("description"), Section: "about"})
	f.add(&formField{Name: "labels", Label: cat.T("field.labels"), Hint: cat.T("contrib.labelsHint"), Type: "textarea", Rows: 2, Value: val("labels"), Section: "about"})
	if !official {
		f.add(&formField{Name: "code", Label: cat.T("field.code"), Hint: cat.T("contrib.codeHint"), Type: "text", Value: val("code"), Section: "codes"})
		f.add(&formField{Name: "siren", Label: cat.T("field.siren"), Hint: cat.T("contrib.sirenHint"), Type: "text", InputMode: "numeric", Value: val("siren"), Section: "codes"})
		f.add(&formField{Name: "departement", Label: cat.T("field.departement"), Type: "select", Options: menus.Departements, Value: val("departement"), Section: "codes"})
		f.add(&formField{Name: "region", Label: cat.T("field.region"), Type: "select", Options: menus.Regions, Value: val("region"), Section: "codes"})
		if !creating {
			f.add(&formField{Name: "population", Label: cat.T("field.population"), Type: "text", InputMode: "numeric", Value: val("population"), Section: "codes"})
		}
	}
}

// actorValue is an actor's field as a form shows it.
func actorValue(a *directory.Actor, name string) string {
	switch name {
	case "name":
		return a.Name
	case "code":
		return a.Code
	case "siren":
		return a.SIREN
	case "departement":
		return a.Departement
	case "region":
		return a.Region
	case "population":
		if a.Population > 0 {
			return strconv.Itoa(a.Population)
		}
		return ""
	case "postal_codes":
		return strings.Join(a.PostalCodes, ", ")
	case "website":
		return a.Website
	case "email":
		return a.Email
	case "phone":
		return a.Phone
	case "address":
		return a.Address
	case "description":
		return a.Description
	case "labels":
		return strings.Join(a.Labels, "\n")
	}
	return ""
}

// officialFacts are the read-only facts of an administrative actor.
func (p *pages) officialFacts(cat *catalog, a *directory.Actor) []officialFact {
	var out []officialFact
	add := func(key, v string) {
		if v != "" {
			out = append(out, officialFact{cat.T(key), v})
		}
	}
	add("field.name", a.Name)
	add("field.kind", cat.T("kind."+a.Kind))
	add("field.code", a.Code)
	if a.SIREN != a.Code {
		add("field.siren", a.SIREN)
	}
	if a.Departement != "" {
		add("field.departement", a.Departement+" – "+p.s.dir.PlaceName(directory.KindDepartement, a.Departement))
	}
	if a.Region != "" {
		add("field.region", p.s.dir.PlaceName(directory.KindRegion, a.Region))
	}
	if a.Population > 0 {
		add("field.population", cat.Int(a.Population))
	}
	add("field.postal_codes", strings.Join(a.PostalCodes, ", "))
	return out
}

// formChange converts a posted value to the JSON a proposal carries; the
// second result is a message when the value cannot be read.
func formChange(cat *catalog, ff *formField) (json.RawMessage, string) {
	v := ff.Value
	switch ff.Name {
	case "population", "since":
		v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(v)
		if v == "" {
			return jsonValue(0), ""
		}
		n, ok := parseInt(v)
		if !ok {
			if ff.Name == "since" {
				return nil, cat.T("problem.yearFormat")
			}
			return nil, cat.T("problem.integer")
		}
		return jsonValue(n), ""
	case "labels":
		return jsonValue(orEmpty(splitList(v, false))), ""
	case "postal_codes":
		return jsonValue(orEmpty(strings.Fields(strings.NewReplacer(",", " ", ";", " ").Replace(v)))), ""
	case "free_software":
		return jsonValue(v != ""), ""
	case "themes":
		return jsonValue(orEmpty(ff.Values)), ""
	}
	return jsonValue(v), ""
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// fieldString is a field's value as one string (for orig_*).
func fieldString(ff *formField) string {
	if ff.Type == "checkboxes" {
		v := slices.Clone(ff.Values)
		slices.Sort(v)
		return strings.Join(v, ",")
	}
	return ff.Value
}

// setOrig records what each data field showed when drawn.
func (f *form) setOrig() {
	for _, ff := range f.Fields {
		if ff.Section != "meta" {
			ff.orig = fieldString(ff)
		}
	}
}

// changes reads the posted orig_* values and returns the data fields
// whose value differs from them, as proposal changes. Field errors for
// unreadable values are set on the form.
func (f *form) changes(c *gin.Context, cat *catalog, skip ...string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, ff := range f.Fields {
		if ff.Section == "meta" || slices.Contains(skip, ff.Name) {
			continue
		}
		ff.orig = c.Request.PostForm.Get("orig_" + ff.Name)
		if ff.Type == "checkboxes" {
			ff.orig = strings.Join(sortedSplit(ff.orig), ",")
		}
		if normalizeNL(fieldString(ff)) == normalizeNL(ff.orig) {
			continue
		}
		v, msg := formChange(cat, ff)
		if msg != "" {
			ff.Error = msg
			continue
		}
		out[ff.Name] = v
	}
	return out
}

func sortedSplit(s string) []string {
	l := splitList(s, true)
	slices.Sort(l)
	return l
}

func normalizeNL(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// afterConflict prepares a form refused for a stale version to be proposed
// again against the current version: fields left as they were take the
// current value, fields changed keep the contributor's value (or the
// current one where they chose so), and every orig_* becomes the current
// value.
func (f *form) afterConflict(c *gin.Context, current func(name string) string) {
	for _, ff := range f.Fields {
		if ff.Section == "meta" {
			continue
		}
		now := current(ff.Name)
		if normalizeNL(fieldString(ff)) == normalizeNL(ff.orig) {
			setFieldString(ff, now)
		}
		ff.orig = now
	}
}

func setFieldString(ff *formField, s string) {
	if ff.Type == "checkboxes" {
		ff.Values = splitList(s, true)
		return
	}
	ff.Value = s
}

// applyResolutions applies the contributor's choices on conflicting fields
// ("resolve_{name}=current": take the value saved meanwhile).
func (f *form) applyResolutions(c *gin.Context, current func(name string) string) {
	for _, ff := range f.Fields {
		if c.Request.PostForm.Get("resolve_"+ff.Name) == "current" {
			setFieldString(ff, current(ff.Name))
		}
	}
}

// propose submits a proposal from a form, and either redirects to the
// confirmation or returns the status to render the form again with.
// proposeUpdate submits a correction form of a record: the posted fields,
// with the moderator's per-field choices after a conflict, as an update
// against the version the form was made from. It returns the status to
// render the form again with, or done when the answer has been written (a
// redirect). After a conflict the form shows both values and is based on
// the record's current version.
func (p *pages) proposeUpdate(c *gin.Context, cat *catalog, u *directory.User, f *form, d *contribData,
	typ, id string, current int, cur func(name string) string) (status int, done bool) {
	f.fill(c)
	f.applyResolutions(c, cur)
	status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: typ, TargetID: id,
		Action: directory.ActionUpdate, BaseVersion: postedVersion(c), Changes: f.changes(c, cat)})
	if done {
		return status, true
	}
	d.BaseVersion = postedVersion(c)
	if status == http.StatusConflict {
		f.afterConflict(c, cur)
		d.BaseVersion = current
	}
	return status, false
}

func (p *pages) propose(c *gin.Context, cat *catalog, u *directory.User, f *form, in directory.ProposalInput) (int, bool) {
	in.Comment, in.Source = f.value("comment"), f.value("source")
	if f.HasErrors() {
		return http.StatusBadRequest, false
	}
	if len(in.Changes) == 0 && in.Action != directory.ActionDelete {
		f.Message = cat.T("problem.nothingChanged")
		return http.StatusBadRequest, false
	}
	pr, err := p.s.dir.ProposeEdit(c.Request.Context(), u, in)
	if err != nil {
		f.setError(cat, err)
		if directory.ErrorCode(err) == directory.ETOOMANY {
			c.Header("Retry-After", retryAfterSeconds(directory.ErrorRetryAfter(err)))
		}
		return errorStatus(directory.ErrorCode(err)), false
	}
	redirectTo(c, "/contribuer/merci/"+itoa(pr.ID), "")
	return 0, true
}

func (f *form) value(name string) string {
	if ff := f.field(name); ff != nil {
		return ff.Value
	}
	return ""
}

// loadActor finds the actor of the route, rendering 404 when there is none.
func (p *pages) loadActor(c *gin.Context, cat *catalog) *directory.Actor {
	a, err := p.s.dir.FindActorByID(c.Request.Context(), c.Param("id"))
	if err != nil {
		p.s.writeError(c, err)
		return nil
	}
	return a
}

// begin starts a contribution handler: the language, the posted form, the
// logged-in user (visitors are sent to log in).
func (p *pages) begin(c *gin.Context) (*catalog, *directory.User, bool) {
	post := c.Request.Method == http.MethodPost
	cat := p.lang(c, !post)
	if post && !p.parseForm(c, cat) {
		return cat, nil, false
	}
	u := p.pageUser(c)
	return cat, u, u != nil
}

func postedVersion(c *gin.Context) int {
	v, _ := parseInt(postValue(c, "base_version"))
	return v
}

// handleActorCorrect serves and takes the correction form of an actor.
func (p *pages) handleActorCorrect(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a := p.loadActor(c, cat)
	if a == nil {
		return
	}
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := &form{}
	actorFields(f, cat, a, menus, false)
	metaFields(f, cat, false)
	d := &contribData{Heading: cat.Tf("contrib.correctTitle", a.Name), Intro: cat.T("contrib.correctIntro"),
		Action: contribURL("correct", a.ID), Submit: cat.T("contrib.submitCorrection"), Cancel: "/acteurs/" + url.PathEscape(a.ID),
		BaseVersion: a.Version, Form: f, Actor: a, ReportLink: contribURL("report", a.ID)}
	if isOfficial(a.Kind) {
		d.Official = p.officialFacts(cat, a)
	}
	f.setOrig()
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.proposeUpdate(c, cat, u, f, d, directory.TypeActor, a.ID, a.Version,
			func(name string) string { return actorValue(a, name) }); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// placeData is the place page's.
type placeData struct {
	Actor       *directory.Actor
	Form        *form
	BaseVersion int
	Action      string
	Cancel      string
	// Where the map opens: the actor's point, else its nearest located parent's.
	CenterLon, CenterLat float64
	Zoom                 int
	HasPoint             bool
	Approximate          bool
	BBox                 []float64 // an unlocated actor: its département's located communes [w, s, e, n]
	Context              string    // the parent the map opens on, for an unlocated actor
	Departement          string
}

// handleActorPlace serves and takes the form that places an actor on the
// map: a click on the map (or typed coordinates) proposes its point.
func (p *pages) handleActorPlace(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a := p.loadActor(c, cat)
	if a == nil {
		return
	}
	f := &form{}
	f.add(&formField{Name: "lat", Label: cat.T("field.lat"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Required: true, Autocomplete: "off"})
	f.add(&formField{Name: "lon", Label: cat.T("field.lon"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Required: true, Autocomplete: "off"})
	metaFields(f, cat, false)
	f.field("comment").Hint = cat.T("place.commentHint")
	d := &placeData{Actor: a, Form: f, BaseVersion: a.Version, Action: contribURL("place", a.ID), Cancel: "/acteurs/" + url.PathEscape(a.ID), Zoom: 14}
	if d.Departement = a.Departement; d.Departement != "" {
		d.Departement = p.s.dir.PlaceName(directory.KindDepartement, a.Departement)
	}
	if l := a.Location; l != nil {
		d.HasPoint, d.CenterLon, d.CenterLat, d.Approximate = true, l.Lon, l.Lat, directory.IsApproximate(l.Precision)
		if d.Approximate {
			d.Zoom = 12
		}
	} else {
		d.CenterLon, d.CenterLat, d.Zoom = 2.4, 46.6, 6
		d.BBox = p.departementBox(c, a.Departement)
		for _, id := range a.Parents {
			if pa, err := p.s.dir.FindActorByID(c.Request.Context(), id); err == nil && pa.Location != nil {
				d.CenterLon, d.CenterLat, d.Context = pa.Location.Lon, pa.Location.Lat, pa.Name
				d.Zoom = 10
				if pa.Kind == directory.KindDepartement || pa.Kind == directory.KindRegion {
					d.Zoom = 8
				}
				break
			}
		}
	}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		f.applyResolutions(c, func(name string) string {
			if a.Location == nil {
				return ""
			}
			if name == "lat" {
				return coordString(a.Location.Lat)
			}
			return coordString(a.Location.Lon)
		})
		changes := map[string]json.RawMessage{}
		for _, name := range []string{"lon", "lat"} {
			ff := f.field(name)
			if ff.Value == "" {
				ff.Error = cat.T("problem.required")
				continue
			}
			v, ok := parseDecimal(ff.Value)
			if !ok {
				ff.Error = cat.T("problem.decimal")
				continue
			}
			changes[name] = jsonValue(v)
		}
		var done bool
		status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: a.ID,
			Action: directory.ActionPlace, BaseVersion: postedVersion(c), Changes: changes})
		if done {
			return
		}
		d.BaseVersion = postedVersion(c)
		if status == http.StatusConflict {
			d.BaseVersion = a.Version
		}
	}
	pg := p.newPage(c, cat, "place", "", cat.Tf("place.title", a.Name))
	pg.Config = p.config(c, cat, map[string]any{"lon": d.CenterLon, "lat": d.CenterLat, "zoom": d.Zoom, "hasPoint": d.HasPoint,
		"approximate": d.Approximate, "kind": a.Kind, "name": a.Name, "bbox": d.BBox})
	pg.Data = d
	pg.Map = true
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "place", pg)
}

func coordString(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// departementBox is the box of a département's precisely located communes,
// where the map opens for an actor of it with no point; nil if unknown.
func (p *pages) departementBox(c *gin.Context, dept string) []float64 {
	if dept == "" {
		return nil
	}
	page, err := p.s.dir.FindActors(c.Request.Context(), directory.ActorFilter{Departements: []string{dept},
		Kinds: []string{directory.KindCommune}, Precisions: []string{directory.PrecisionExact}, Limit: 2000})
	if err != nil || len(page.Features) == 0 {
		return nil
	}
	box := []float64{180, 90, -180, -90}
	for _, raw := range page.Features {
		if f, err := decodeFeature(raw); err == nil && f.HasPoint {
			box[0], box[1] = min(box[0], f.Lon), min(box[1], f.Lat)
			box[2], box[3] = max(box[2], f.Lon), max(box[3], f.Lat)
		}
	}
	if box[0] > box[2] || box[2]-box[0] > 20 {
		return nil
	}
	return box
}

// handleActorNew serves and takes the form that adds an actor (of a kind
// that is not in the official list), warning of likely duplicates first.
func (p *pages) handleActorNew(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	menus, err := p.menus(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := &form{}
	actorFields(f, cat, nil, menus, true)
	f.add(&formField{Name: "lat", ID: "f-lat", Label: cat.T("field.lat"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Autocomplete: "off", Section: "place"})
	f.add(&formField{Name: "lon", ID: "f-lon", Label: cat.T("field.lon"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Autocomplete: "off", Section: "place"})
	metaFields(f, cat, false)
	f.field("source").Required = true
	d := &contribData{Heading: cat.T("contrib.newActorTitle"), Intro: cat.T("contrib.newActorIntro"), Action: "/contribuer/nouvel-acteur",
		Submit: cat.T("contrib.submitNew"), Cancel: "/", Form: f, Picker: true, Check: "actor", Creating: true}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		changes := map[string]json.RawMessage{}
		for _, ff := range f.Fields {
			if ff.Section == "meta" || ff.Name == "lat" || ff.Name == "lon" || (ff.Value == "" && ff.Name != "kind" && ff.Name != "name") {
				continue
			}
			v, msg := formChange(cat, ff)
			if msg != "" {
				ff.Error = msg
				continue
			}
			changes[ff.Name] = v
		}
		if lat, lon := f.field("lat").Value, f.field("lon").Value; lat != "" || lon != "" {
			for _, ff := range []*formField{f.field("lat"), f.field("lon")} {
				if v, ok := parseDecimal(ff.Value); ok {
					changes[ff.Name] = jsonValue(v)
				} else {
					ff.Error = cat.T("problem.decimal")
				}
			}
		}
		if f.value("source") == "" {
			f.field("source").Error = cat.T("problem.sourceRequired")
		}
		in := directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate, Changes: changes,
			Comment: f.value("comment"), Source: f.value("source")}
		// The domain checks every field even when the form found a problem,
		// so that all the messages show at once.
		dups, err := p.s.dir.CheckProposal(c.Request.Context(), u, in)
		switch {
		case err != nil:
			f.setError(cat, err)
			status = errorStatus(directory.ErrorCode(err))
		case len(dups) > 0 && c.Request.PostForm.Get("confirm_duplicates") == "":
			d.Duplicates = p.duplicateViews(cat, dups)
			status = http.StatusConflict
		}
		if !f.HasErrors() && d.Duplicates == nil {
			var done bool
			if status, done = p.propose(c, cat, u, f, in); done {
				return
			}
		} else if status == http.StatusOK {
			status = http.StatusBadRequest
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

func (p *pages) duplicateViews(cat *catalog, dups []directory.Duplicate) []duplicateView {
	out := make([]duplicateView, len(dups))
	for i, d := range dups {
		out[i] = duplicateView{Duplicate: d, Why: cat.T("duplicate." + d.Reason)}
		if d.Meters > 0 {
			out[i].Far = cat.Km(d.Meters)
		}
	}
	return out
}

// deleteData is the deletion pages'.
type deleteData struct {
	Heading     string
	What        string
	Action      string
	Cancel      string
	BaseVersion int
	Form        *form
	Refused     string // why it cannot be deleted
	ReportLink  string
	Facts       []officialFact
}

func (p *pages) renderDelete(c *gin.Context, cat *catalog, status int, d *deleteData) {
	pg := p.newPage(c, cat, "delete", "", d.Heading)
	pg.Config = p.config(c, cat, nil)
	pg.Data = d
	c.Header("Cache-Control", "no-store")
	p.render(c, status, "delete", pg)
}

func deleteForm(cat *catalog) *form {
	f := &form{}
	metaFields(f, cat, true)
	return f
}

// deleteRecord runs a deletion form's post: a reason is required.
func (p *pages) deleteRecord(c *gin.Context, cat *catalog, u *directory.User, d *deleteData, typ, id string) (int, bool) {
	d.Form.fill(c)
	if d.Form.value("comment") == "" {
		d.Form.field("comment").Error = cat.T("problem.reasonRequired")
	}
	status, done := p.propose(c, cat, u, d.Form, directory.ProposalInput{TargetType: typ, TargetID: id,
		Action: directory.ActionDelete, BaseVersion: postedVersion(c)})
	if status == http.StatusConflict {
		d.Form.Message = cat.T("problem.deleteChanged")
	}
	return status, done
}

func (p *pages) handleActorDelete(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a := p.loadActor(c, cat)
	if a == nil {
		return
	}
	d := &deleteData{Heading: cat.Tf("delete.actorTitle", a.Name), What: cat.T("delete.actorWhat"), Action: contribURL("delete", a.ID),
		Cancel: "/acteurs/" + url.PathEscape(a.ID), BaseVersion: a.Version, Form: deleteForm(cat), ReportLink: contribURL("report", a.ID),
		Facts: []officialFact{{cat.T("field.name"), a.Name}, {cat.T("field.kind"), cat.T("kind." + a.Kind)}}}
	if n := len(a.Adoptions); n > 0 {
		d.Facts = append(d.Facts, officialFact{cat.T("delete.adoptions"), cat.Int(n)})
	}
	if isOfficial(a.Kind) {
		d.Refused = cat.T("delete.official")
		p.renderDelete(c, cat, http.StatusOK, d)
		return
	}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.deleteRecord(c, cat, u, d, directory.TypeActor, a.ID); done {
			return
		}
	}
	p.renderDelete(c, cat, status, d)
}

// adoptionFields adds an adoption's fields; tools is the menu when adding.
func adoptionFields(f *form, cat *catalog, ad *directory.Adoption, tools []option) {
	val := func(name string) string {
		if ad == nil {
			if name == "status" {
				return directory.StatusInUse
			}
			return ""
		}
		return adoptionValue(ad, name)
	}
	if tools != nil {
		f.add(&formField{Name: "tool", Label: cat.T("field.tool"), Hint: cat.T("contrib.toolHint"), Type: "select", Options: tools, Required: true})
	}
	var statuses []option
	for _, s := range directory.Statuses {
		statuses = append(statuses, option{s, cat.T("status." + s)})
	}
	f.add(&formField{Name: "status", Label: cat.T("field.status"), Type: "radios", Options: statuses, Value: val("status")})
	f.add(&formField{Name: "usage", Label: cat.T("field.usage"), Hint: cat.T("contrib.usageHint"), Type: "textarea", Rows: 4, Value: val("usage")})
	f.add(&formField{Name: "since", Label: cat.T("field.since"), Hint: cat.T("contrib.sinceHint"), Type: "text", InputMode: "numeric", Value: val("since"), Class: "short"})
	f.add(&formField{Name: "contact", Label: cat.T("field.contact"), Hint: cat.T("contrib.contactHint"), Type: "text", Value: val("contact")})
	f.add(&formField{Name: "url", Label: cat.T("field.url"), Hint: cat.T("contrib.adoptionURLHint"), Type: "url", Value: val("url")})
}

func adoptionValue(ad *directory.Adoption, name string) string {
	switch name {
	case "tool":
		return ad.ToolSlug
	case "status":
		return ad.Status
	case "usage":
		return ad.Usage
	case "since":
		if ad.Since > 0 {
			return strconv.Itoa(ad.Since)
		}
	case "contact":
		return ad.Contact
	case "url":
		return ad.URL
	}
	return ""
}

// actorAdoptions lists an actor's adoptions with their tools' names.
func (p *pages) actorAdoptions(c *gin.Context, a *directory.Actor) []actorAdoption {
	names := &recordNames{ctx: c.Request.Context(), dir: p.s.dir}
	var out []actorAdoption
	for _, ad := range a.Adoptions {
		out = append(out, actorAdoption{ad, names.tool(ad.ToolSlug)})
	}
	return out
}

// handleAdoptionNew lists an actor's tools and takes the form that adds one.
func (p *pages) handleAdoptionNew(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a := p.loadActor(c, cat)
	if a == nil {
		return
	}
	tools, err := p.s.dir.FindTools(c.Request.Context(), directory.ToolFilter{})
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	var menu []option
	for _, t := range tools {
		if !slices.ContainsFunc(a.Adoptions, func(ad directory.Adoption) bool { return ad.ToolSlug == t.Slug }) {
			menu = append(menu, option{t.Slug, t.Name})
		}
	}
	f := &form{}
	adoptionFields(f, cat, nil, menu)
	metaFields(f, cat, false)
	d := &contribData{Heading: cat.Tf("adoption.newTitle", a.Name), Intro: cat.T("adoption.newIntro"), Action: contribURL("adoption", a.ID),
		Submit: cat.T("contrib.submitNew"), Cancel: "/acteurs/" + url.PathEscape(a.ID), Form: f, Actor: a, Adoptions: p.actorAdoptions(c, a),
		Return: contribURL("adoption", a.ID), AdoptionPage: true, Creating: true}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		changes := map[string]json.RawMessage{"actor": jsonValue(a.ID)}
		for _, ff := range f.Fields {
			if ff.Section == "meta" || (ff.Value == "" && ff.Name != "tool") {
				continue
			}
			if ff.Name == "tool" && ff.Value == "" {
				ff.Error = cat.T("problem.toolRequired")
				continue
			}
			v, msg := formChange(cat, ff)
			if msg != "" {
				ff.Error = msg
				continue
			}
			changes[ff.Name] = v
		}
		var done bool
		if status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: directory.TypeAdoption,
			Action: directory.ActionCreate, Changes: changes}); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// loadAdoption finds the route's actor and its adoption of the route's tool.
func (p *pages) loadAdoption(c *gin.Context, cat *catalog) (*directory.Actor, *directory.Adoption, string) {
	a := p.loadActor(c, cat)
	if a == nil {
		return nil, nil, ""
	}
	for i := range a.Adoptions {
		if a.Adoptions[i].ToolSlug == c.Param("tool") {
			names := &recordNames{ctx: c.Request.Context(), dir: p.s.dir}
			return a, &a.Adoptions[i], names.tool(c.Param("tool"))
		}
	}
	p.s.writeError(c, directory.NewError(directory.ENOTFOUND, keyNoPage, directory.Args{"path": c.Request.URL.Path}))
	return nil, nil, ""
}

// handleAdoptionEdit serves and takes the correction form of an adoption,
// with its history.
func (p *pages) handleAdoptionEdit(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a, ad, toolName := p.loadAdoption(c, cat)
	if ad == nil {
		return
	}
	f := &form{}
	adoptionFields(f, cat, ad, nil)
	metaFields(f, cat, false)
	self := contribURL("adoption", a.ID) + "/" + url.PathEscape(ad.ToolSlug)
	d := &contribData{Heading: cat.Tf("adoption.editTitle", toolName, actorName(a.Kind, a.Code, a.Name)), Intro: cat.T("adoption.editIntro"), Action: self,
		Submit: cat.T("contrib.submitCorrection"), Cancel: "/acteurs/" + url.PathEscape(a.ID) + "#outils", BaseVersion: ad.Version, Form: f,
		Actor: a, Adoption: ad, Return: self}
	hist, err := p.history(c, cat, directory.TypeAdoption, ad.PublicID())
	if err == nil {
		hist.Return = self
		d.History = hist
	}
	f.setOrig()
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.proposeUpdate(c, cat, u, f, d, directory.TypeAdoption, ad.PublicID(), ad.Version,
			func(name string) string { return adoptionValue(ad, name) }); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

func (p *pages) handleAdoptionDelete(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	a, ad, toolName := p.loadAdoption(c, cat)
	if ad == nil {
		return
	}
	d := &deleteData{Heading: cat.Tf("delete.adoptionTitle", toolName, actorName(a.Kind, a.Code, a.Name)), What: cat.T("delete.adoptionWhat"),
		Action: contribURL("adoption", a.ID) + "/" + url.PathEscape(ad.ToolSlug) + "/supprimer", Cancel: "/acteurs/" + url.PathEscape(a.ID) + "#outils",
		BaseVersion: ad.Version, Form: deleteForm(cat),
		Facts: []officialFact{{cat.T("field.actor"), a.Name}, {cat.T("field.tool"), toolName}, {cat.T("field.status"), cat.T("status." + ad.Status)}}}
	if ad.Usage != "" {
		d.Facts = append(d.Facts, officialFact{cat.T("field.usage"), ad.Usage})
	}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.deleteRecord(c, cat, u, d, directory.TypeAdoption, ad.PublicID()); done {
			return
		}
	}
	p.renderDelete(c, cat, status, d)
}

// toolFields adds a tool's fields with its current values.
func toolFields(f *form, cat *catalog, t *directory.Tool) {
	val := func(name string) string {
		if t == nil {
			return ""
		}
		return toolValue(t, name)
	}
	var themes []option
	for _, th := range directory.Themes {
		themes = append(themes, option{th, cat.T("theme." + th)})
	}
	f.add(&formField{Name: "name", Label: cat.T("field.name"), Type: "text", Required: true, Value: val("name"), Autocomplete: "off"})
	f.add(&formField{Name: "description", Label: cat.T("field.description"), Hint: cat.T("contrib.toolDescriptionHint"), Type: "textarea", Rows: 4, Value: val("description")})
	f.add(&formField{Name: "themes", Label: cat.T("field.themes"), Hint: cat.T("contrib.themesHint"), Type: "checkboxes", Options: themes, Required: true, Values: splitList(val("themes"), true)})
	f.add(&formField{Name: "url", Label: cat.T("field.url"), Type: "url", Value: val("url")})
	f.add(&formField{Name: "tutorial_url", Label: cat.T("field.tutorial_url"), Type: "url", Value: val("tutorial_url")})
	f.add(&formField{Name: "licence", Label: cat.T("field.licence"), Hint: cat.T("contrib.licenceHint"), Type: "text", Value: val("licence"), Class: "short"})
	f.add(&formField{Name: "free_software", Label: cat.T("contrib.freeSoftware"), Type: "checkbox", Value: val("free_software")})
}

func toolValue(t *directory.Tool, name string) string {
	switch name {
	case "name":
		return t.Name
	case "description":
		return t.Description
	case "themes":
		v := slices.Clone(t.Themes)
		slices.Sort(v)
		return strings.Join(v, ",")
	case "url":
		return t.URL
	case "tutorial_url":
		return t.TutorialURL
	case "licence":
		return t.Licence
	case "free_software":
		if t.Free {
			return "1"
		}
	}
	return ""
}

func (p *pages) handleToolNew(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	f := &form{}
	toolFields(f, cat, nil)
	metaFields(f, cat, false)
	back := "/outils"
	if id := c.Query("acteur"); id != "" {
		back = contribURL("adoption", id)
	}
	d := &contribData{Heading: cat.T("tool.newTitle"), Intro: cat.T("tool.newIntro"), Action: "/contribuer/nouvel-outil",
		Submit: cat.T("contrib.submitNew"), Cancel: back, Form: f, Creating: true}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		changes := map[string]json.RawMessage{}
		for _, ff := range f.Fields {
			if ff.Section == "meta" || (ff.Value == "" && len(ff.Values) == 0 && ff.Name != "name" && ff.Name != "themes") {
				continue
			}
			v, _ := formChange(cat, ff)
			changes[ff.Name] = v
		}
		var done bool
		if status, done = p.propose(c, cat, u, f, directory.ProposalInput{TargetType: directory.TypeTool,
			Action: directory.ActionCreate, Changes: changes}); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

func (p *pages) loadTool(c *gin.Context, cat *catalog) *directory.Tool {
	t, _, err := p.s.dir.FindToolBySlug(c.Request.Context(), c.Param("slug"))
	if err != nil {
		p.s.writeError(c, err)
		return nil
	}
	return t
}

func (p *pages) handleToolEdit(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	t := p.loadTool(c, cat)
	if t == nil {
		return
	}
	f := &form{}
	toolFields(f, cat, t)
	metaFields(f, cat, false)
	self := "/contribuer/outils/" + url.PathEscape(t.Slug) + "/corriger"
	d := &contribData{Heading: cat.Tf("tool.editTitle", t.Name), Intro: cat.T("tool.editIntro"), Action: self,
		Submit: cat.T("contrib.submitCorrection"), Cancel: "/outils/" + url.PathEscape(t.Slug), BaseVersion: t.Version, Form: f, Tool: t,
		ReportLink: "/contribuer/signaler?outil=" + url.QueryEscape(t.Slug)}
	f.setOrig()
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.proposeUpdate(c, cat, u, f, d, directory.TypeTool, t.Slug, t.Version,
			func(name string) string { return toolValue(t, name) }); done {
			return
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

func (p *pages) handleToolDelete(c *gin.Context) {
	cat, u, ok := p.begin(c)
	if !ok {
		return
	}
	t := p.loadTool(c, cat)
	if t == nil {
		return
	}
	d := &deleteData{Heading: cat.Tf("delete.toolTitle", t.Name), What: cat.T("delete.toolWhat"),
		Action: "/contribuer/outils/" + url.PathEscape(t.Slug) + "/supprimer", Cancel: "/outils/" + url.PathEscape(t.Slug),
		BaseVersion: t.Version, Form: deleteForm(cat), Facts: []officialFact{{cat.T("field.name"), t.Name}}}
	if t.Adopters > 0 {
		d.Facts = append(d.Facts, officialFact{cat.T("delete.adopters"), cat.Int(t.Adopters)})
	}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		var done bool
		if status, done = p.deleteRecord(c, cat, u, d, directory.TypeTool, t.Slug); done {
			return
		}
	}
	p.renderDelete(c, cat, status, d)
}

// keyReportTarget: the report form was opened without a record to report.
var keyReportTarget = directory.NewKey("report.no_target", "say what you are reporting (an actor or a tool)")

// reportTarget reads which record a report is about: ?acteur=, ?outil=
// (and ?acteur=&outil= for an adoption), or the posted equivalents.
func (p *pages) reportTarget(c *gin.Context, cat *catalog) (typ, id, name, back string, err error) {
	get := func(k string) string {
		if v := c.Request.PostForm.Get(k); v != "" {
			return strings.TrimSpace(v)
		}
		return strings.TrimSpace(c.Query(k))
	}
	actor, tool := get("acteur"), get("outil")
	ctx := c.Request.Context()
	switch {
	case actor != "" && tool != "":
		a, err := p.s.dir.FindActorByID(ctx, actor)
		if err != nil {
			return "", "", "", "", err
		}
		names := &recordNames{ctx: ctx, dir: p.s.dir}
		return directory.TypeAdoption, "adoption-" + actor + "-" + tool, a.Name + " × " + names.tool(tool), "/acteurs/" + url.PathEscape(actor) + "#outils", nil
	case actor != "":
		a, err := p.s.dir.FindActorByID(ctx, actor)
		if err != nil {
			return "", "", "", "", err
		}
		return directory.TypeActor, a.ID, a.Name, "/acteurs/" + url.PathEscape(a.ID), nil
	case tool != "":
		t, _, err := p.s.dir.FindToolBySlug(ctx, tool)
		if err != nil {
			return "", "", "", "", err
		}
		return directory.TypeTool, t.Slug, t.Name, "/outils/" + url.PathEscape(t.Slug), nil
	}
	return "", "", "", "", directory.NewError(directory.ENOTFOUND, keyReportTarget, nil)
}

// handleReport serves and takes the report form; visitors may report
// anonymously (limited per address).
func (p *pages) handleReport(c *gin.Context) {
	post := c.Request.Method == http.MethodPost
	cat := p.lang(c, !post)
	if post && !p.parseForm(c, cat) {
		return
	}
	typ, id, name, back, err := p.reportTarget(c, cat)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := &form{}
	var reasons []option
	for _, r := range directory.ReportReasons {
		reasons = append(reasons, option{r, cat.T("report.reason." + r)})
	}
	f.add(&formField{Name: "reason", Label: cat.T("report.reason"), Type: "radios", Options: reasons, Required: true})
	f.add(&formField{Name: "comment", Label: cat.T("report.comment"), Hint: cat.T("report.commentHint"), Type: "textarea", Rows: 4})
	q := url.Values{}
	if a := c.Query("acteur") + c.Request.PostForm.Get("acteur"); a != "" {
		q.Set("acteur", a)
	}
	if t := c.Query("outil") + c.Request.PostForm.Get("outil"); t != "" {
		q.Set("outil", t)
	}
	d := &contribData{Heading: cat.Tf("report.title", name), Intro: cat.T("report.intro"), Action: "/contribuer/signaler?" + q.Encode(),
		Submit: cat.T("report.submit"), Cancel: back, Form: f, Anonymous: currentUser(c) == nil, Return: back}
	status := http.StatusOK
	if post {
		f.fill(c)
		if f.value("reason") == "" {
			f.field("reason").Error = cat.T("report.reasonRequired")
		}
		if !f.HasErrors() {
			if ok, wait := p.allowPage(c, "report"); !ok {
				f.Message = cat.Tf("problem.ipRateWait", int(wait.Seconds()+0.999))
				p.contribPage(c, cat, http.StatusTooManyRequests, "contrib", d.Heading, d)
				return
			}
			_, err := p.s.dir.CreateReport(c.Request.Context(), currentUser(c), directory.ReportInput{TargetType: typ, TargetID: id,
				Reason: f.value("reason"), Comment: f.value("comment")})
			if err == nil {
				redirectTo(c, "/contribuer/signalement-envoye?"+q.Encode(), "")
				return
			}
			f.setError(cat, err)
			status = errorStatus(directory.ErrorCode(err))
		} else {
			status = http.StatusBadRequest
		}
	}
	p.contribPage(c, cat, status, "contrib", d.Heading, d)
}

// thanksData is the confirmation page's.
type thanksData struct {
	Proposal *proposalView
	Report   bool
	Back     string
	Name     string
}

// handleThanks confirms a proposal: pending review, or applied at once (and
// why).
func (p *pages) handleThanks(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.pageUser(c)
	if u == nil {
		return
	}
	id, err := directory.ParseID("id", c.Param("id"))
	var pr *directory.Proposal
	if err == nil {
		pr, err = p.s.dir.FindProposalByID(c.Request.Context(), u, id)
	}
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	v := newProposalView(cat, &recordNames{ctx: c.Request.Context(), dir: p.s.dir}, pr, u)
	title := cat.T("thanks.pendingTitle")
	if pr.Status == directory.ProposalApproved {
		title = cat.T("thanks.appliedTitle")
	}
	pg := p.newPage(c, cat, "thanks", "", title)
	pg.Config = p.config(c, cat, nil)
	pg.Data = thanksData{Proposal: &v}
	c.Header("Cache-Control", "no-store")
	p.render(c, http.StatusOK, "thanks", pg)
}

// handleReportThanks confirms a report.
func (p *pages) handleReportThanks(c *gin.Context) {
	cat := p.lang(c, true)
	_, _, name, back, err := p.reportTarget(c, cat)
	if err != nil {
		back, name = "/", ""
	}
	pg := p.newPage(c, cat, "thanks", "", cat.T("thanks.reportTitle"))
	pg.Config = p.config(c, cat, nil)
	pg.Data = thanksData{Report: true, Back: back, Name: name}
	c.Header("Cache-Control", "no-store")
	p.render(c, http.StatusOK, "thanks", pg)
}
