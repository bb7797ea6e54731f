package directory

import (
	"slices"
	"time"
)

// Actor kinds.
const (
	KindCommune        = "commune"
	KindEPCI           = "epci"
	KindDepartement    = "departement"
	KindRegion         = "region"
	KindPrefecture     = "prefecture"
	KindSousPrefecture = "sous-prefecture"
	KindStateService   = "state-service"
	KindMinistry       = "ministry"
	KindPublicAgency   = "public-agency"
	KindSyndicat       = "syndicat"
	KindAssociation    = "association"
	KindMedia          = "media"
	KindOrganisation   = "organisation"
)

// Kinds lists every actor kind, in display order.
var Kinds = []string{
	KindCommune, KindEPCI, KindDepartement, KindRegion, KindPrefecture, KindSousPrefecture,
	KindStateService, KindMinistry, KindPublicAgency, KindSyndicat, KindAssociation,
	KindMedia, KindOrganisation,
}

// IsKind reports whether k is a known actor kind.
func IsKind(k string) bool { return slices.Contains(Kinds, k) }

// Point precisions: how a location was made.
const (
	PrecisionExact       = "exact"       // GeoNames point of the place itself
	PrecisionPostalArea  = "postal_area" // mean of the points of communes sharing a postal code
	PrecisionEPCIArea    = "epci_area"   // mean of the located members of the commune's EPCI
	PrecisionDerived     = "derived"     // copied from another actor (a seat, an EPCI's largest member)
	PrecisionContributed = "contributed" // placed by a contributor, reviewed
)

// Precisions lists every precision, most precise first.
var Precisions = []string{PrecisionExact, PrecisionContributed, PrecisionDerived, PrecisionPostalArea, PrecisionEPCIArea}

// IsPrecision reports whether p is a known precision.
func IsPrecision(p string) bool { return slices.Contains(Precisions, p) }

// IsApproximate reports whether a point of precision p is only an estimate of
// where the actor is (drawn differently on the map, and the first thing
// contributors are asked to fix).
func IsApproximate(p string) bool { return p == PrecisionPostalArea || p == PrecisionEPCIArea }

// Actor is a public actor: a commune, an EPCI, a préfecture, a network…
type Actor struct {
	ID          string
	Kind        string
	Name        string
	Code        string // INSEE COG code, or SIREN for an EPCI
	SIREN       string
	EPCIType    string
	Departement string
	Region      string
	Parents     []string // actor ids, nearest first
	Members     []string // for an EPCI: member communes (derived from their parent links)
	PostalCodes []string
	Population  int // 0 when unknown
	Zone        string
	Location    *Location // nil when nobody knows where it is yet
	Website     string
	Email       string
	Phone       string
	Address     string
	Description string
	Labels      []string
	Sources     []Source
	Synthetic   bool
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Adoptions []Adoption // filled by the read model: what this actor uses
}

// Location is a point with how it was made.
type Location struct {
	Lon, Lat  float64
	Precision string
	Source    string // e.g. "geonames:3020035", "postal_area:88000"
}

// Source says where a fact comes from.
type Source struct {
	Document string `json:"document"`
	Year     int    `json:"year,omitempty"`
	Quote    string `json:"quote,omitempty"`
}

// Themes are the eight themes of the Artesi workshops.
var Themes = []string{"organisation", "communication", "democratie", "economie", "tourisme", "e-inclusion", "animation", "culture"}

// IsTheme reports whether t is a known theme.
func IsTheme(t string) bool { return slices.Contains(Themes, t) }

// themeBit returns the bit of theme t in a theme mask, 0 if unknown.
func themeBit(t string) uint8 {
	if i := slices.Index(Themes, t); i >= 0 {
		return 1 << i
	}
	return 0
}

// Tool is a web service or a piece of software.
type Tool struct {
	Slug        string
	Name        string
	Description string
	URL         string
	TutorialURL string
	Licence     string
	Free        bool
	Themes      []string
	Sources     []Source
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Adopters int // number of actors with an in-use adoption (read model)
}

// Adoption statuses.
const (
	StatusInUse     = "in_use"
	StatusAbandoned = "abandoned"
	StatusPlanned   = "planned"
)

// Statuses lists every adoption status.
var Statuses = []string{StatusInUse, StatusAbandoned, StatusPlanned}

// Adoption says an actor uses (or used, or plans to use) a tool.
type Adoption struct {
	ID        int64
	ActorID   string
	ToolSlug  string
	Usage     string
	Since     int // year; 0 when unknown
	Status    string
	Contact   string
	URL       string
	Sources   []Source
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PublicID is the adoption's stable public identifier.
func (a *Adoption) PublicID() string { return "adoption-" + a.ActorID + "-" + a.ToolSlug }
