package directory

import (
	"context"
	"encoding/binary"
	"time"
)

// Views are what pages and the CSV export read: typed values made from the
// read model's entries, as the JSON API's features are appended from them
// (feature.go). Nothing is decoded back from JSON: an entry's rare
// properties are kept twice, pre-encoded for the features and, right after
// in the same block, as typed values (the texts of typedFields,
// length-prefixed) for views and the code indexes (addExtra). A view's strings share the read model's
// memory, which is never written to once made, so a view stays valid after
// the lock is released.

// ActorView is an actor as pages and CSV rows show it. It holds what the
// read model keeps; the actor page, which also shows sources, links and
// label awards, reads the whole record with FindActorByID.
type ActorView struct {
	ID, Kind, Name      string
	Departement, Region string
	Population          int // 0 when unknown
	HasPoint            bool
	Lon, Lat            float64
	Precision           string  // one of Precisions when HasPoint
	PointSource         string  // geonames:{id}, postal_area:{code}…
	Distance            float64 // metres from the query point, for NearbyViews; 0 otherwise

	// The rare properties (see actorFieldList).
	Code, SIREN, EPCIType, Zone string
	PostalCodes, Parents        []string
	Website, Email, Phone       string
	Address, OpeningHours       string
	SIRET, Description          string
	Labels                      []string
	Provenance                  []FieldProvenance // in ProvenanceFields order

	Tools     []string       // slugs of the tools in use, sorted
	Adoptions []AdoptionView // every adoption of the actor, by tool slug
	Stale     bool           // one of its dated facts is to be checked
	Synthetic bool
	Version   int
	UpdatedAt time.Time // zero when never changed since the bundled data

	// For NearbyViews of a query about a tool or a theme: the adoptions
	// that answer it, and "in_use" or "planned".
	Matched []AdoptionView
	Adopter string
}

// FieldProvenance says where the value of an actor's field comes from
// (Provenance.Source) and as of when.
type FieldProvenance struct {
	Field, Source, AsOf string
}

// AdoptionView is an adoption as pages and CSV rows show it: with its
// tool's name, and its adopter's name, kind and point (where an adoption
// feature is drawn).
type AdoptionView struct {
	ID                   string // adoption-{actor}-{tool}
	Actor                string
	ActorName, ActorKind string
	Tool, ToolName       string
	Usage                string
	Since                int // year; 0 when unknown
	Status               string
	Contact, URL, AsOf   string
	Sources              []Source // as cited (PublicSources)
	VerifiedAt           time.Time
	VerifiedBy           *UserRef
	Stale                bool // to be checked: old, or undated, and not confirmed since
	Version              int
	HasPoint             bool
	Lon, Lat             float64
	Precision            string
}

// Positions in typedFields of the fields the code indexes read.
var typedCode, typedSIREN, typedPostal = typedIndex("code"), typedIndex("siren"), typedIndex("postal_codes")

func typedIndex(name string) int {
	for i, f := range typedFields {
		if f.name == name {
			return i
		}
	}
	panic("directory: no typed field " + name)
}

// addExtra writes the extra text of an entry for a through w, and returns
// it: the pre-encoded JSON properties props, which the features append
// (feature.go), followed in the same block by the typed part, which views
// and the code indexes read (typedOf): its length, then each of
// typedFields, a text as its length and bytes, a list as its count and
// texts, the provenance as its count and (field, source, as of) texts.
// The text returned covers the JSON alone, so that features pay
// nothing for the typed part. An actor without JSON properties has no rare
// field: nothing is written.
func (b *entryBuilder) addExtra(a *Actor, props []byte) text {
	if len(props) == 0 {
		return text{}
	}
	typed := b.typed[:0]
	for _, f := range typedFields {
		switch f.kind {
		case valueText:
			typed = appendText(typed, *f.text(a))
		case valueList:
			l := *f.list(a)
			typed = binary.AppendUvarint(typed, uint64(len(l)))
			for _, s := range l {
				typed = appendText(typed, s)
			}
		case valueProvenance:
			n := 0
			for _, field := range ProvenanceFields {
				if _, ok := a.Provenance[field]; ok {
					n++
				}
			}
			typed = binary.AppendUvarint(typed, uint64(n))
			for _, field := range ProvenanceFields {
				if p, ok := a.Provenance[field]; ok {
					typed = appendText(appendText(appendText(typed, field), p.Source), p.AsOf)
				}
			}
		}
	}
	buf := append(b.extra[:0], props...)
	buf = append(binary.AppendUvarint(buf, uint64(len(typed))), typed...)
	b.typed, b.extra = typed, buf
	t := b.w.add(buf)
	t.n = uint32(len(props))
	return t
}

func appendText(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// typedOf returns the typed part of entry e's rare properties (see addExtra).
func (d *Directory) typedOf(e *entry) []byte {
	if e.extra.n == 0 {
		return nil
	}
	b := d.text.after(e.extra)
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

// rareReader reads the typed part of an extra text, field after field.
type rareReader struct{ b []byte }

// text reads one text; it shares the bytes' memory.
func (r *rareReader) text() string {
	n, k := binary.Uvarint(r.b)
	s := unsafeString(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

// list reads one list (nil when empty).
func (r *rareReader) list() []string {
	n, k := binary.Uvarint(r.b)
	r.b = r.b[k:]
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.text()
	}
	return out
}

// provenance reads a provenance (nil when empty).
func (r *rareReader) provenance() []FieldProvenance {
	n, k := binary.Uvarint(r.b)
	r.b = r.b[k:]
	if n == 0 {
		return nil
	}
	out := make([]FieldProvenance, n)
	for i := range out {
		out[i] = FieldProvenance{Field: r.text(), Source: r.text(), AsOf: r.text()}
	}
	return out
}

// rareValue is the value of one typed field: text, list or provenance,
// as its kind says.
type rareValue struct {
	text string
	list []string
	prov []FieldProvenance
}

// rareOf calls fn with the position in typedFields of each field entry e
// keeps typed and its value, in order, and stops when fn returns false.
func (d *Directory) rareOf(e *entry, fn func(i int, v rareValue) bool) {
	typed := d.typedOf(e)
	if len(typed) == 0 {
		return
	}
	r := rareReader{typed}
	for i, f := range typedFields {
		var v rareValue
		switch f.kind {
		case valueText:
			v.text = r.text()
		case valueList:
			v.list = r.list()
		case valueProvenance:
			v.prov = r.provenance()
		}
		if !fn(i, v) {
			return
		}
	}
}

// viewLocked returns the view of entry ref; distance is its distance from
// a query point, or 0.
func (d *Directory) viewLocked(ref uint32, distance float64, fr freshness) ActorView {
	e := &d.entries[ref]
	v := ActorView{ID: d.str(e.id), Kind: d.sym(e.kind), Name: d.str(e.name), Departement: d.sym(e.dept),
		Region: d.sym(e.region), Population: int(e.population), Distance: distance, Synthetic: e.synthetic,
		Version: int(e.version), Tools: d.toolsOf(ref), Stale: e.stale}
	if e.updated != 0 {
		v.UpdatedAt = time.Unix(e.updated, 0).UTC()
	}
	if e.hasPoint() {
		v.HasPoint, v.Lon, v.Lat = true, e.lon, e.lat
		v.Precision, v.PointSource = e.precisionName(), d.sym(e.pointSource)
	}
	d.rareOf(e, func(i int, rv rareValue) bool {
		switch f := typedFields[i]; f.kind {
		case valueText:
			*f.viewText(&v) = rv.text
		case valueList:
			*f.viewList(&v) = rv.list
		case valueProvenance:
			v.Provenance = rv.prov
		}
		return true
	})
	if ads := d.adopt[ref]; len(ads) > 0 {
		v.Adoptions = make([]AdoptionView, len(ads))
		for i, ad := range ads {
			v.Adoptions[i] = d.adoptionViewLocked(ad, e, fr)
		}
	}
	return v
}

// viewsLocked returns the views of refs; meters, if given, their distances.
func (d *Directory) viewsLocked(refs []uint32, meters []float64) []ActorView {
	out := make([]ActorView, len(refs))
	fr := d.freshness()
	for i, r := range refs {
		dist := 0.0
		if meters != nil {
			dist = meters[i]
		}
		out[i] = d.viewLocked(r, dist, fr)
	}
	return out
}

// adoptionViewLocked returns the view of ad, whose adopter is entry e.
func (d *Directory) adoptionViewLocked(ad *Adoption, e *entry, fr freshness) AdoptionView {
	var fd factDates
	v := AdoptionView{ID: ad.PublicID(), Actor: ad.ActorID, ActorName: d.str(e.name), ActorKind: d.sym(e.kind),
		Tool: ad.ToolSlug, Usage: ad.Usage, Since: ad.Since, Status: ad.Status, Contact: ad.Contact,
		URL: ad.URL, AsOf: ad.AsOf, Sources: PublicSources(ad.Sources), VerifiedAt: ad.VerifiedAt,
		VerifiedBy: ad.VerifiedBy, Stale: fd.fact(fr, AdoptionAsOf(ad), ad.VerifiedAt), Version: ad.Version}
	if t := d.tools[ad.ToolSlug]; t != nil {
		v.ToolName = t.Name
	}
	if e.hasPoint() {
		v.HasPoint, v.Lon, v.Lat, v.Precision = true, e.lon, e.lat, e.precisionName()
	}
	return v
}

// ViewPage is one page of views, as FeaturePage is one of features.
type ViewPage[T ActorView | AdoptionView] struct {
	Matched int // how many match in all, when Counted
	Counted bool
	More    bool // matches follow this page
	Items   []T
	Seq     uint64 // the change sequence the page was read at
}

// FindActorViews is FindActors answering views: the same page of the same
// actors in the same order.
func (d *Directory) FindActorViews(ctx context.Context, f ActorFilter) (*ViewPage[ActorView], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.validateFilterLocked(&f); err != nil {
		return nil, err
	}
	p := d.findPageLocked(&f)
	return &ViewPage[ActorView]{Matched: p.matched, Counted: p.counted, More: p.more,
		Items: d.viewsLocked(p.refs, nil), Seq: d.seq}, nil
}

// FindActorView returns the view of actor id, or ENOTFOUND.
func (d *Directory) FindActorView(ctx context.Context, id string) (ActorView, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ref, ok := d.refOf(id)
	if !ok || d.entries[ref].deleted {
		return ActorView{}, NewError(ENOTFOUND, keyNoActor, Args{"id": id})
	}
	return d.viewLocked(ref, 0, d.freshness()), nil
}

// NearbyViews is Nearby answering views, each with its Distance.
func (d *Directory) NearbyViews(ctx context.Context, q NearbyQuery) ([]ActorView, uint64, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	refs, meters, err := d.nearbyLocked(&q)
	if err != nil {
		return nil, 0, err
	}
	views := d.viewsLocked(refs, meters)
	if asksAdopters(&q.Filter) {
		fr := d.freshness()
		for i, r := range refs {
			matched, adopter := d.matchedAdoptionsLocked(r, &q.Filter)
			views[i].Adopter = adopter
			for _, ad := range matched {
				views[i].Matched = append(views[i].Matched, d.adoptionViewLocked(ad, &d.entries[r], fr))
			}
		}
	}
	return views, d.seq, nil
}

// SearchViews is Search answering views, best match first.
func (d *Directory) SearchViews(ctx context.Context, q string, limit int, kinds []string) ([]ActorView, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	refs, err := d.searchLocked(q, limit, kinds)
	if err != nil {
		return nil, err
	}
	return d.viewsLocked(refs, nil), nil
}

// EachActorView calls fn with the view of every live actor, in ref order,
// for exports, as EachActorFeature does with features.
func (d *Directory) EachActorView(ctx context.Context, fn func(v *ActorView) error) error {
	return d.eachLive(ctx, func(live []uint32) func() error {
		views := d.viewsLocked(live, nil)
		return func() error {
			for i := range views {
				if err := fn(&views[i]); err != nil {
					return err
				}
			}
			return nil
		}
	})
}

// FindAdoptionViews is FindAdoptions answering views.
func (d *Directory) FindAdoptionViews(ctx context.Context, f ActorFilter) (*ViewPage[AdoptionView], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	all, err := d.findAdoptionsLocked(&f)
	if err != nil {
		return nil, err
	}
	page := &ViewPage[AdoptionView]{Matched: len(all), Counted: true, Seq: d.seq}
	fr := d.freshness()
	if f.Offset < len(all) {
		for _, a := range all[f.Offset:min(len(all), f.Offset+f.Limit)] {
			page.Items = append(page.Items, d.adoptionViewLocked(a.ad, &d.entries[a.ref], fr))
		}
	}
	page.More = f.Offset+len(page.Items) < len(all)
	return page, nil
}
