package directory

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// ToolFilter selects tools.
type ToolFilter struct {
	Theme string
	Q     string
}

// FindTools returns the tools matching f, by name, each with its adopter count.
func (d *Directory) FindTools(ctx context.Context, f ToolFilter) ([]Tool, error) {
	if f.Theme != "" && !IsTheme(f.Theme) {
		return nil, FieldError("theme", KeyOneOfGot, Args{"choices": strings.Join(Themes, ", "), "got": truncateRunes(f.Theme, 40)})
	}
	q := Fold(f.Q)
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []Tool
	for _, t := range d.tools {
		if f.Theme != "" && !slices.Contains(t.Themes, f.Theme) {
			continue
		}
		if q != "" && !strings.Contains(Fold(t.Name+" "+t.Description), q) {
			continue
		}
		c := *t
		c.Adopters = len(d.byTool[t.Slug])
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Tool) int {
		if c := strings.Compare(Fold(a.Name), Fold(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	return out, nil
}

// Adopter is one adoption of a tool, with the adoption as a GeoJSON feature
// whose point is the adopter's.
type Adopter struct {
	Adoption Adoption
	ActorID  string
	Name     string
	Kind     string
	Feature  []byte       // for the JSON API
	View     AdoptionView // for pages
}

// FindToolBySlug returns the tool and every adoption of it (in use first,
// then planned, then abandoned; by actor name within each). ENOTFOUND if
// there is no such tool.
func (d *Directory) FindToolBySlug(ctx context.Context, slug string) (*Tool, []Adopter, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	t := d.tools[slug]
	if t == nil {
		return nil, nil, NewError(ENOTFOUND, keyNoTool, Args{"id": slug})
	}
	c := *t
	c.Adopters = len(d.byTool[slug])
	var out []Adopter
	fr := d.freshness()
	for ref, ads := range d.adopt {
		e := &d.entries[ref]
		if e.deleted {
			continue
		}
		for _, ad := range ads {
			if ad.ToolSlug == slug {
				out = append(out, Adopter{Adoption: *ad, ActorID: d.str(e.id), Name: d.str(e.name), Kind: d.sym(e.kind),
					Feature: d.encodeAdoptionFeature(ad, t.Name, e, fr), View: d.adoptionViewLocked(ad, e, fr)})
			}
		}
	}
	slices.SortFunc(out, func(a, b Adopter) int {
		if c := cmp.Compare(slices.Index(Statuses, a.Adoption.Status), slices.Index(Statuses, b.Adoption.Status)); c != 0 {
			return c
		}
		if c := strings.Compare(Fold(a.Name), Fold(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ActorID, b.ActorID)
	})
	return &c, out, nil
}

// AdoptionFeature returns adoption id ("adoption-{actor}-{tool}") as a
// GeoJSON feature whose point is the adopter's. ENOTFOUND if there is none.
func (d *Directory) AdoptionFeature(ctx context.Context, id string) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for ref, ads := range d.adopt {
		e := &d.entries[ref]
		if e.deleted {
			continue
		}
		for _, ad := range ads {
			if ad.PublicID() == id {
				return d.encodeAdoptionFeature(ad, d.tools[ad.ToolSlug].Name, e, d.freshness()), nil
			}
		}
	}
	return nil, NewError(ENOTFOUND, keyNoAdoption, Args{"id": id})
}

// FindAdoptions returns adoptions as GeoJSON features (point = the adopter),
// filtered like actors (the filter applies to the adopter) and by tool.
func (d *Directory) FindAdoptions(ctx context.Context, f ActorFilter) (*FeaturePage, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	all, err := d.findAdoptionsLocked(&f)
	if err != nil {
		return nil, err
	}
	page := &FeaturePage{Matched: len(all), Counted: true, Seq: d.seq}
	fr := d.freshness()
	if f.Offset < len(all) {
		for _, a := range all[f.Offset:min(len(all), f.Offset+f.Limit)] {
			page.Features = append(page.Features, d.encodeAdoptionFeature(a.ad, d.tools[a.ad.ToolSlug].Name, &d.entries[a.ref], fr))
		}
	}
	page.More = f.Offset+len(page.Features) < len(all)
	return page, nil
}

// adoptionAt is an adoption and the ref of its adopter.
type adoptionAt struct {
	ad  *Adoption
	ref uint32
}

// findAdoptionsLocked returns the adoptions FindAdoptions answers, all of
// them, in adopter ref order then by tool slug.
func (d *Directory) findAdoptionsLocked(f *ActorFilter) ([]adoptionAt, error) {
	af := *f
	af.Tools, af.Themes = nil, nil
	if err := d.validateFilterLocked(f); err != nil {
		return nil, err
	}
	m := d.newMatcherLocked(&af)
	themes := uint8(0)
	for _, th := range f.Themes {
		themes |= themeBit(th)
	}
	refs := make([]uint32, 0, len(d.adopt))
	for ref := range d.adopt {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	var all []adoptionAt
	for _, ref := range refs {
		if !m.match(ref) {
			continue
		}
		for _, ad := range d.adopt[ref] {
			t := d.tools[ad.ToolSlug]
			if len(f.Tools) > 0 && !slices.Contains(f.Tools, ad.ToolSlug) {
				continue
			}
			if themes != 0 {
				var tm uint8
				for _, th := range t.Themes {
					tm |= themeBit(th)
				}
				if tm&themes == 0 {
					continue
				}
			}
			all = append(all, adoptionAt{ad, ref})
		}
	}
	return all, nil
}

func (d *Directory) encodeAdoptionFeature(ad *Adoption, toolName string, e *entry, fr freshness) []byte {
	buf := []byte(`{"type":"Feature","id":`)
	buf = appendString(buf, ad.PublicID())
	buf = append(buf, `,"geometry":`...)
	if e.hasPoint() {
		buf = append(buf, `{"type":"Point","coordinates":[`...)
		buf = appendCoord(buf, e.lon)
		buf = append(buf, ',')
		buf = appendCoord(buf, e.lat)
		buf = append(buf, `]}`...)
	} else {
		buf = append(buf, `null`...)
	}
	buf = append(buf, `,"properties":`...)
	var fd factDates
	props := appendAdoptionProps(nil, ad, toolName, true, fr, &fd)
	// Add the adopter's name, kind and point precision for map popups and lists.
	o := jsonObject{buf: props[:len(props)-1], empty: false}
	o.str("actor_name", d.str(e.name))
	o.str("actor_kind", d.sym(e.kind))
	o.str("precision", e.precisionName())
	buf = append(buf, o.buf...)
	return append(buf, `}}`...)
}
