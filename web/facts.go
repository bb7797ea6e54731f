package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// factView is how a page says where a fact comes from and whether it is
// still to be trusted: "selon l'annuaire Service-Public.fr, 18 novembre
// 2026", "à vérifier", "confirmé le … par …".
type factView struct {
	Said     string // where it comes from and as of when; "" when unknown
	Stale    bool   // older than the threshold and not confirmed since
	Verified string // the last confirmation by a person, "" if none
}

// provenanceSaid is the "according to" text of a provenance.
func provenanceSaid(cat *catalog, p directory.Provenance) string {
	var said string
	switch {
	case strings.HasPrefix(p.Source, directory.SourceDILA):
		said = cat.T("prov.dila")
	case strings.HasPrefix(p.Source, directory.SourceProposal):
		said = cat.Tf("prov.proposal", strings.TrimPrefix(p.Source, directory.SourceProposal))
	case strings.HasPrefix(p.Source, directory.SourceImport):
		said = cat.Tf("prov.import", strings.TrimPrefix(p.Source, directory.SourceImport))
	case p.Source != "":
		said = cat.Tf("prov.other", p.Source)
	case p.AsOf == "":
		return "" // nothing known
	default:
		said = cat.T("prov.none")
	}
	if p.AsOf == "" {
		return said // no dangling ", " for a date nobody gave
	}
	return cat.Tf("prov.dated", said, asOfText(cat, p.AsOf))
}

// asOfText shows an as_of date as precise as it is: "2009", "juin 2009",
// "18 novembre 2026".
func asOfText(cat *catalog, asOf string) string {
	switch len(asOf) {
	case 4:
		return asOf
	case 7:
		if t, err := time.Parse("2006-01", asOf); err == nil {
			return cat.T("month."+strconv.Itoa(int(t.Month()))) + " " + asOf[:4]
		}
	case 10:
		if t, err := time.Parse(time.DateOnly, asOf); err == nil {
			return cat.Date(t)
		}
	}
	return asOf
}

// verifiedText says who confirmed a fact and when.
func verifiedText(cat *catalog, at time.Time, by *directory.UserRef) string {
	if at.IsZero() {
		return ""
	}
	if by != nil {
		return cat.Tf("prov.verifiedBy", cat.Date(at), by.Name)
	}
	return cat.Tf("prov.verified", cat.Date(at))
}

// actorFact is the factView of an actor's field ("point" for its location).
func (p *pages) actorFact(cat *catalog, a *directory.Actor, field string) *factView {
	pr, ok := a.Provenance[field]
	if !ok {
		return nil
	}
	verifiedAt, _ := time.Parse(time.RFC3339Nano, pr.VerifiedAt)
	return &factView{
		Said:     provenanceSaid(cat, pr),
		Stale:    p.s.dir.IsStale(pr.AsOf, verifiedAt),
		Verified: verifiedText(cat, verifiedAt, pr.VerifiedBy),
	}
}

// adoptionFact is the factView of an adoption: its last confirmation and
// whether it is to be checked.
func (p *pages) adoptionFact(cat *catalog, ad *directory.Adoption) *factView {
	f := &factView{Stale: p.s.dir.IsStale(directory.AdoptionAsOf(ad), ad.VerifiedAt),
		Verified: verifiedText(cat, ad.VerifiedAt, ad.VerifiedBy)}
	if !f.Stale && f.Verified == "" {
		return nil
	}
	return f
}

// provenanceValue shows an actor's provenance (as a diff shows it) field by
// field: "Téléphone : selon l'annuaire Service-Public.fr, 18 novembre 2026".
func provenanceValue(cat *catalog, v any) string {
	b, _ := json.Marshal(v)
	var prov map[string]directory.Provenance
	if json.Unmarshal(b, &prov) != nil || len(prov) == 0 {
		return ""
	}
	var parts []string
	for _, field := range directory.ProvenanceFields {
		p, ok := prov[field]
		if !ok {
			continue
		}
		label := cat.T("field." + field)
		if field == "point" {
			label = cat.T("actor.location")
		}
		part := label + "\u00a0: " + provenanceSaid(cat, p)
		if cat.lang == "en" {
			part = label + ": " + provenanceSaid(cat, p)
		}
		if p.VerifiedAt != "" {
			at, _ := time.Parse(time.RFC3339Nano, p.VerifiedAt)
			part += " (" + verifiedText(cat, at, p.VerifiedBy) + ")"
		}
		parts = append(parts, part)
	}
	if cat.lang == "en" {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, "\u00a0; ")
}

// provenanceChanges keeps, of two provenance values (before and after a
// version), the fields whose provenance differs: a history shows what
// changed, not every field's unchanged source again.
func provenanceChanges(old, new json.RawMessage) (json.RawMessage, json.RawMessage) {
	var o, n map[string]json.RawMessage
	if json.Unmarshal(old, &o) != nil || json.Unmarshal(new, &n) != nil {
		return old, new
	}
	for k, v := range o {
		if w, ok := n[k]; ok && bytes.Equal(v, w) {
			delete(o, k)
			delete(n, k)
		}
	}
	ob, _ := json.Marshal(o)
	nb, _ := json.Marshal(n)
	return ob, nb
}
