package directory

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Provenance says where a value comes from and as of when, and when a
// person last confirmed it.
type Provenance struct {
	// Source is "dila:<record id>" for the official directory of public
	// offices, "proposal:<id>" for a person's contribution, "import:<run
	// id>" for a batch import.
	Source string `json:"source"`
	// AsOf is the date the source states for the value (YYYY-MM-DD): the
	// official record's date_modification, the day a person contributed it.
	AsOf string `json:"as_of,omitempty"`
	// VerifiedAt is when a person last confirmed the value is still true
	// (RFC 3339); VerifiedBy is who.
	VerifiedAt string   `json:"verified_at,omitempty"`
	VerifiedBy *UserRef `json:"verified_by,omitempty"`
}

// ProvenanceFields are the actor fields whose provenance is kept: the
// contact fields and the point ("point" stands for lon and lat).
var ProvenanceFields = []string{"website", "email", "phone", "address", "opening_hours", "siret", "point"}

// provenanceKey is the provenance entry of an actor field ("lon" and "lat"
// share "point"); "" for a field without one.
func provenanceKey(field string) string {
	if field == "lon" || field == "lat" {
		return "point"
	}
	if slices.Contains(ProvenanceFields, field) {
		return field
	}
	return ""
}

// Source prefixes.
const (
	SourceDILA     = "dila:"
	SourceProposal = "proposal:"
	SourceImport   = "import:"
)

// ByPerson reports whether the value was set by a person (a contribution or
// a batch import by a network), not by the official sync.
func (p Provenance) ByPerson() bool {
	return strings.HasPrefix(p.Source, SourceProposal) || strings.HasPrefix(p.Source, SourceImport)
}

// DefaultStaleYears is how old (in years) an unconfirmed fact must be to be
// shown as "à vérifier".
const DefaultStaleYears = 3

// freshAsOf returns the later of a fact's as_of date and its last
// confirmation; zero when neither is known.
func freshAsOf(asOf string, verifiedAt time.Time) time.Time {
	t, _ := AsOfEnd(asOf)
	if verifiedAt.After(t) {
		return verifiedAt
	}
	return t
}

// staleAt is when a fact as of t (and confirmed at v) becomes stale; zero
// when it never does (staleness off). A fact whose source gives no date and
// that nobody confirmed is stale from the start: it cannot be shown as
// current, only as "à vérifier" until a person confirms it.
func staleAt(asOf string, verifiedAt time.Time, years int) time.Time {
	if years <= 0 {
		return time.Time{}
	}
	t := freshAsOf(asOf, verifiedAt)
	if t.IsZero() {
		return undatedStale
	}
	return t.AddDate(years, 0, 0)
}

// undatedStale is when an undated, unconfirmed fact became stale: always.
var undatedStale = time.Unix(0, 0).UTC()

// isStale reports whether a fact as of asOf, confirmed at verifiedAt, is
// stale at now.
func isStale(asOf string, verifiedAt time.Time, years int, now time.Time) bool {
	at := staleAt(asOf, verifiedAt, years)
	return !at.IsZero() && !now.Before(at)
}

// parseProvenance decodes a provenance column; nil when empty.
func parseProvenance(s []byte) (map[string]Provenance, error) {
	if len(s) == 0 || string(s) == "{}" {
		return nil, nil
	}
	var m map[string]Provenance
	err := json.Unmarshal(s, &m)
	return m, err
}

func jsonProvenance(m map[string]Provenance) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// proposalSource is the provenance source of a person's proposal.
func proposalSource(id int64) string { return SourceProposal + strconv.FormatInt(id, 10) }
