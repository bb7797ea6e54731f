package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// The actor's contribution pages: correct, place, add, delete.

// actorFields adds an actor's editable fields, with their current values.
func actorFields(f *form, cat *catalog, a *directory.Actor, menus filterMenus, creating bool) {
	official := a != nil && isOfficial(a.Kind)
	val := func(name string) string { return actorValue(a, name) }
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

// actorForm is the correction (or, with a nil actor, creation) form of an actor.
func (p *pages) actorForm(c *gin.Context, cat *catalog, a *directory.Actor) (recordForm, error) {
	menus, err := p.menus(c, cat)
	rf := recordForm{typ: directory.TypeActor, fields: func(f *form) { actorFields(f, cat, a, menus, a == nil) },
		value: func(name string) string { return actorValue(a, name) }}
	return rf, err
}

// actorValue is an actor's field as a form shows it.
func actorValue(a *directory.Actor, name string) string {
	if a == nil {
		return ""
	}
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

// loadActor finds the actor of the route (see withRecord).
func (p *pages) loadActor(c *gin.Context) (*directory.Actor, error) {
	return p.s.dir.FindActorByID(c.Request.Context(), c.Param("id"))
}

// handleActorCorrect serves and takes the correction form of an actor.
func (p *pages) handleActorCorrect(c *gin.Context, cat *catalog, u *directory.User, a *directory.Actor) {
	rf, err := p.actorForm(c, cat, a)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := &contribData{Heading: cat.Tf("contrib.correctTitle", a.Name), Intro: cat.T("contrib.correctIntro"),
		Action: contribURL("correct", a.ID), Submit: cat.T("contrib.submitCorrection"), Cancel: "/acteurs/" + url.PathEscape(a.ID),
		Actor: a, ReportLink: contribURL("report", a.ID)}
	if isOfficial(a.Kind) {
		d.Official = p.officialFacts(cat, a)
	}
	p.correct(c, cat, u, rf, a.ID, a.Version, d)
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
func (p *pages) handleActorPlace(c *gin.Context, cat *catalog, u *directory.User, a *directory.Actor) {
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
		for _, name := range []string{"lon", "lat"} {
			if ff := f.field(name); ff.Value == "" {
				ff.Error = cat.T("problem.required")
			}
		}
		changes := f.creation(cat)
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
	b, n, err := p.s.dir.ExtentOf(c.Request.Context(), directory.ActorFilter{Departements: []string{dept},
		Kinds: []string{directory.KindCommune}, Precisions: []string{directory.PrecisionExact}})
	if err != nil || n == 0 || b.Max[0]-b.Min[0] > 20 {
		return nil
	}
	return []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
}

// handleActorNew serves and takes the form that adds an actor (of a kind
// that is not in the official list), warning of likely duplicates first.
func (p *pages) handleActorNew(c *gin.Context, cat *catalog, u *directory.User, _ noRecord) {
	rf, err := p.actorForm(c, cat, nil)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	f := &form{}
	rf.fields(f)
	f.add(&formField{Name: "lat", ID: "f-lat", Label: cat.T("field.lat"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Autocomplete: "off", Section: "place"})
	f.add(&formField{Name: "lon", ID: "f-lon", Label: cat.T("field.lon"), HintRef: "coords-hint", Type: "text", InputMode: "decimal", Autocomplete: "off", Section: "place"})
	metaFields(f, cat, false)
	f.field("source").Required = true
	d := &contribData{Heading: cat.T("contrib.newActorTitle"), Intro: cat.T("contrib.newActorIntro"), Action: "/contribuer/nouvel-acteur",
		Submit: cat.T("contrib.submitNew"), Cancel: "/", Form: f, Picker: true, Check: "actor", Creating: true}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		f.fill(c)
		if f.value("source") == "" {
			f.field("source").Error = cat.T("problem.sourceRequired")
		}
		in := directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate,
			Changes: f.creation(cat, "kind", "name"), Comment: f.value("comment"), Source: f.value("source")}
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

// duplicateView is an existing actor a new one may duplicate.
type duplicateView struct {
	directory.Duplicate
	Why string
	Far string
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

func (p *pages) handleActorDelete(c *gin.Context, cat *catalog, u *directory.User, a *directory.Actor) {
	d := &deleteData{Heading: cat.Tf("delete.actorTitle", a.Name), What: cat.T("delete.actorWhat"), Action: contribURL("delete", a.ID),
		Cancel: "/acteurs/" + url.PathEscape(a.ID), BaseVersion: a.Version, ReportLink: contribURL("report", a.ID),
		Facts: []officialFact{{cat.T("field.name"), a.Name}, {cat.T("field.kind"), cat.T("kind." + a.Kind)}}}
	if n := len(a.Adoptions); n > 0 {
		d.Facts = append(d.Facts, officialFact{cat.T("delete.adoptions"), cat.Int(n)})
	}
	if isOfficial(a.Kind) {
		d.Refused = cat.T("delete.official")
	}
	p.remove(c, cat, u, d, directory.TypeActor, a.ID)
}
