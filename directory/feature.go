package directory

import (
	"strconv"
	"sync"
	"time"
)

// An actor's GeoJSON feature is assembled at read time from its compact
// entry: the properties every actor has (id, kind, name, territory,
// population, point precision, version) come from the entry's fields, the
// rare ones (codes, parents, contact, labels, adoptions, sources) from a
// fragment pre-encoded when the entry is built, and an EPCI's members from
// the parent → children links. Keeping a whole pre-encoded feature per actor
// would cost some 300 bytes each, too much at a million actors.

// freshness is what staleness is judged against: facts as of more than
// years before now, and not confirmed since, are stale.
type freshness struct {
	years int
	now   time.Time
}

// factDates sums up the dated facts of an actor for its entry.
type factDates struct {
	stale    bool  // one of its facts is stale now
	staleAt  int64 // Unix time the next of its fresh facts turns stale; 0 = none will
	verified int64 // Unix time of its latest confirmation by a person; 0 = none
}

// fact notes one dated fact; it returns whether it is stale.
func (fd *factDates) fact(fr freshness, asOf string, verifiedAt time.Time) bool {
	if !verifiedAt.IsZero() && verifiedAt.Unix() > fd.verified {
		fd.verified = verifiedAt.Unix()
	}
	at := staleAt(asOf, verifiedAt, fr.years)
	if at.IsZero() {
		return false
	}
	if !fr.now.Before(at) {
		fd.stale = true
		return true
	}
	if fd.staleAt == 0 || at.Unix() < fd.staleAt {
		fd.staleAt = at.Unix()
	}
	return false
}

// extraProperties pre-encodes the members of a's properties that are not in
// its entry, each preceded by a comma; nil when there are none. It also sums
// up the dates of a's facts.
func extraProperties(a *Actor, adoptions []*Adoption, toolNames map[string]string, fr freshness) ([]byte, factDates) {
	var fd factDates
	o := jsonObject{buf: nil, empty: false}
	for _, f := range typedFields { // code, siren… labels, provenance: the rare fields, in the list's order
		switch f.kind {
		case valueText:
			o.str(f.name, *f.text(a))
		case valueList:
			o.list(f.name, *f.list(a))
		case valueProvenance:
			if len(a.Provenance) > 0 {
				o.key(f.name)
				o.buf = appendProvenance(o.buf, a.Provenance, fr, &fd)
			}
		}
	}
	if len(adoptions) > 0 {
		var inUse []string
		for _, ad := range adoptions {
			if ad.Status == StatusInUse {
				inUse = append(inUse, ad.ToolSlug)
			}
		}
		o.list("tools", inUse)
		o.key("adoptions")
		o.buf = append(o.buf, '[')
		for i, ad := range adoptions {
			if i > 0 {
				o.buf = append(o.buf, ',')
			}
			o.buf = appendAdoptionProps(o.buf, ad, toolNames[ad.ToolSlug], false, fr, &fd)
		}
		o.buf = append(o.buf, ']')
	}
	if len(a.Links) > 0 {
		o.raw("links", appendLinks(nil, a.Links, false))
	}
	if len(a.LinkedBy) > 0 {
		o.raw("linked_by", appendLinks(nil, a.LinkedBy, true))
	}
	if len(a.LabelAwards) > 0 {
		o.raw("label_awards", appendLabels(nil, a.LabelAwards))
	}
	if len(a.Sources) > 0 {
		o.raw("sources", appendSources(nil, a.Sources))
	}
	if fd.stale {
		o.raw("stale", []byte("true"))
	}
	return o.buf, fd
}

// appendProvenance appends the provenance object of an actor's fields, in
// ProvenanceFields order, each with its stale flag.
func appendProvenance(dst []byte, prov map[string]Provenance, fr freshness, fd *factDates) []byte {
	o := jsonObject{buf: append(dst, '{'), empty: true}
	for _, field := range ProvenanceFields {
		p, ok := prov[field]
		if !ok {
			continue
		}
		o.key(field)
		po := jsonObject{buf: append(o.buf, '{'), empty: true}
		po.str("source", p.Source)
		po.str("as_of", p.AsOf)
		po.str("verified_at", p.VerifiedAt)
		if p.VerifiedBy != nil {
			po.key("verified_by")
			po.buf = appendUserRef(po.buf, p.VerifiedBy)
		}
		if fd.fact(fr, p.AsOf, parseTime(p.VerifiedAt)) {
			po.raw("stale", []byte("true"))
		}
		o.buf = append(po.buf, '}')
	}
	return append(o.buf, '}')
}

func appendUserRef(dst []byte, u *UserRef) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, u.ID, 10)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, u.Name)
	return append(dst, '}')
}

// appendFeatureLocked appends the GeoJSON feature of entry ref (RFC 7946:
// [lon, lat] rounded to 6 decimals, null geometry when the actor has no
// point). With distance >= 0, distance_m comes first in the properties.
// Everything is appended as pre-encoded bytes where it can be: the keys,
// the symbols' JSON, the texts that need no escaping (most of them).
func (d *Directory) appendFeatureLocked(dst []byte, ref uint32, distance float64) []byte {
	e := &d.entries[ref]
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = d.appendText(dst, e.id, e.plain&plainID != 0)
	if e.hasPoint() {
		dst = append(dst, `,"geometry":{"type":"Point","coordinates":[`...)
		dst = appendCoord(dst, e.lon)
		dst = append(dst, ',')
		dst = appendCoord(dst, e.lat)
		dst = append(dst, `]},"properties":{`...)
	} else {
		dst = append(dst, `,"geometry":null,"properties":{`...)
	}
	if distance >= 0 {
		dst = append(dst, `"distance_m":`...)
		dst = strconv.AppendFloat(dst, distance, 'f', 0, 64)
		dst = append(dst, ',')
	}
	dst = append(dst, `"id":`...)
	dst = d.appendText(dst, e.id, e.plain&plainID != 0)
	if e.kind != 0 {
		dst = append(dst, `,"kind":`...)
		dst = d.syms.appendJSON(dst, e.kind)
	}
	if e.name.n != 0 {
		dst = append(dst, `,"name":`...)
		dst = d.appendText(dst, e.name, e.plain&plainName != 0)
	}
	if e.dept != 0 {
		dst = append(dst, `,"departement":`...)
		dst = d.syms.appendJSON(dst, e.dept)
	}
	if e.region != 0 {
		dst = append(dst, `,"region":`...)
		dst = d.syms.appendJSON(dst, e.region)
	}
	if e.population != 0 {
		dst = append(dst, `,"population":`...)
		dst = strconv.AppendInt(dst, int64(e.population), 10)
	}
	if e.hasPoint() {
		dst = append(dst, `,"precision":`...)
		dst = append(dst, precisionJSON[e.precision]...)
		if e.pointSource != 0 {
			dst = append(dst, `,"point_source":`...)
			dst = d.syms.appendJSON(dst, e.pointSource)
		}
	}
	if kids := d.children[ref]; len(kids) > 0 {
		dst = append(dst, `,"members":[`...)
		first := true
		for _, k := range kids {
			if c := &d.entries[k]; !c.deleted {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = d.appendText(dst, c.id, c.plain&plainID != 0)
			}
		}
		dst = append(dst, ']')
	}
	dst = append(dst, d.text.bytes(e.extra)...)
	if e.synthetic {
		dst = append(dst, `,"synthetic":true`...)
	}
	if e.version != 0 {
		dst = append(dst, `,"version":`...)
		dst = strconv.AppendInt(dst, int64(e.version), 10)
	}
	if e.updated != 0 {
		dst = append(dst, `,"updated_at":"`...)
		dst = appendTime(dst, e.updated)
		dst = append(dst, '"')
	}
	return append(dst, `}}`...)
}

// appendText appends t as a JSON string; plain says it needs no escaping.
func (d *Directory) appendText(dst []byte, t text, plain bool) []byte {
	if !plain {
		return appendString(dst, d.str(t))
	}
	dst = append(dst, '"')
	dst = append(dst, d.text.bytes(t)...)
	return append(dst, '"')
}

// precisionJSON is each precision code's name as a JSON string.
var precisionJSON = func() []string {
	out := []string{`""`}
	for _, p := range Precisions {
		out = append(out, string(appendString(nil, p)))
	}
	return out
}()

// featureLocked returns entry ref's feature in a buffer of its own.
func (d *Directory) featureLocked(ref uint32, distance float64) []byte {
	return d.appendFeatureLocked(make([]byte, 0, featureSize+int(d.entries[ref].extra.n)), ref, distance)
}

// featureSize is the usual size of a feature without rare properties
// (a synthetic one is 430 bytes): buffers start with room for it, since
// growing them was most of the garbage of a busy server.
const featureSize = 448

// featuresLocked encodes the features of refs into one buffer and returns
// a slice per feature, sharing it.
func (d *Directory) featuresLocked(refs []uint32) [][]byte {
	out, _, _ := d.featuresIntoLocked(refs, nil, false)
	return out
}

// featuresDistLocked is featuresLocked with distance_m from meters, if
// given (one per ref).
func (d *Directory) featuresDistLocked(refs []uint32, meters []float64) [][]byte {
	out, _, _ := d.featuresIntoLocked(refs, meters, false)
	return out
}

// featureBufs keeps the buffers of large pages of features (a page of a
// thousand is about 400 KiB) for FeaturePage.Release: a server answering
// many such pages would otherwise allocate, zero and collect one per
// request. Buffers beyond maxPooledFeatures are left to the collector.
var featureBufs sync.Pool // of *[]byte

const (
	minPooledFeatures = 32 << 10
	maxPooledFeatures = 8 << 20
)

// featuresIntoLocked encodes the features of refs, with distance_m from
// meters if given, into one buffer — taken from featureBufs for a large
// page if pool is set — separated by commas. It returns a slice per
// feature, the whole of them (joined: the inside of their JSON array), all
// sharing the buffer, and the buffer to give back to featureBufs once they
// are written (nil if it is not to be).
func (d *Directory) featuresIntoLocked(refs []uint32, meters []float64, pool bool) (out [][]byte, joined []byte, bp *[]byte) {
	size := 0
	// Touching the first byte of each feature's id here, in a loop whose
	// loads do not wait for one another, brings the entries and their texts
	// into the cache several at a time: refs in Hilbert order are scattered
	// over the table and its text blocks, and encoding them one after the
	// other would wait for each of these misses in turn.
	var touched uint32
	for _, r := range refs {
		e := &d.entries[r]
		size += featureSize + 1 + int(e.extra.n)
		if e.id.n != 0 {
			touched += uint32(d.text.blocks[e.id.off>>textBlockBits][e.id.off&(textBlockSize-1)])
		}
	}
	size += int(touched >> 31) // 0: at most MaxLimit bytes are summed; keeps the loads
	var buf []byte
	if pool && size >= minPooledFeatures && size <= maxPooledFeatures {
		if v, _ := featureBufs.Get().(*[]byte); v != nil && cap(*v) >= size {
			bp, buf = v, (*v)[:0]
		} else {
			b := make([]byte, 0, size)
			bp, buf = &b, b
		}
	} else {
		buf = make([]byte, 0, size)
	}
	ends := make([]int, len(refs))
	for i, r := range refs {
		dist := -1.0
		if meters != nil {
			dist = meters[i]
		}
		if i > 0 {
			buf = append(buf, ',') // so that the buffer is the features' JSON array, see FeaturePage.Joined
		}
		buf = d.appendFeatureLocked(buf, r, dist)
		ends[i] = len(buf)
	}
	if bp != nil {
		*bp = buf[:0] // it may have grown
	}
	out = make([][]byte, len(refs))
	start := 0
	for i, end := range ends {
		out[i] = buf[start:end:end]
		start = end + 1
	}
	return out, buf[:len(buf):len(buf)], bp
}

// appendAdoptionProps appends an adoption as a JSON object; its dates are
// noted in fd.
func appendAdoptionProps(dst []byte, ad *Adoption, toolName string, withActor bool, fr freshness, fd *factDates) []byte {
	o := jsonObject{buf: append(dst, '{'), empty: true}
	o.str("id", ad.PublicID())
	if withActor {
		o.str("actor", ad.ActorID)
	}
	o.str("tool", ad.ToolSlug)
	o.str("tool_name", toolName)
	o.str("usage", ad.Usage)
	o.num("since", ad.Since)
	o.str("status", ad.Status)
	o.str("contact", ad.Contact)
	o.str("url", ad.URL)
	o.str("as_of", ad.AsOf)
	if len(ad.Sources) > 0 {
		o.raw("sources", appendSources(nil, ad.Sources))
	}
	if !ad.VerifiedAt.IsZero() {
		o.str("verified_at", ad.VerifiedAt.UTC().Format(time.RFC3339))
		if ad.VerifiedBy != nil {
			o.key("verified_by")
			o.buf = appendUserRef(o.buf, ad.VerifiedBy)
		}
	}
	if fd.fact(fr, AdoptionAsOf(ad), ad.VerifiedAt) {
		o.raw("stale", []byte("true"))
	}
	o.num("version", ad.Version)
	return append(o.buf, '}')
}

// AdoptionAsOf is the date an adoption's source states for it ("" when
// none does).
func AdoptionAsOf(ad *Adoption) string { return ad.AsOf }

// appendSources appends sources as a JSON array, each cited as a person
// would: title, publication, author, date, url, quote. A source with a
// citation never shows its internal document reference (a seed article's
// file name); one without (what a contributor typed) shows it as given.
func appendSources(dst []byte, src []Source) []byte {
	dst = append(dst, '[')
	for i, s := range src {
		if i > 0 {
			dst = append(dst, ',')
		}
		o := jsonObject{buf: append(dst, '{'), empty: true}
		if !s.Cited() {
			o.str("document", s.Document)
		}
		o.str("title", s.Title)
		o.str("publication", s.Publication)
		o.str("author", s.Author)
		o.str("date", s.Date)
		o.str("url", s.URL)
		o.num("year", s.Year)
		o.str("quote", s.Quote)
		dst = append(o.buf, '}')
	}
	return append(dst, ']')
}
