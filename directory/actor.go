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
	PrecisionSeat        = "seat"        // a network's, association's or agency's seat: the point of the seat's commune, the seat cited in a source
)

// Precisions lists every precision, most precise first.
var Precisions = []string{PrecisionExact, PrecisionContributed, PrecisionDerived, PrecisionSeat, PrecisionPostalArea, PrecisionEPCIArea}

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

	// Filled by the read model from the bundle's typed facts.
	Links       []Link  // its relations to other actors and tools
	LinkedBy    []Link  // relations of other actors to it (the members of a network)
	LabelAwards []Label // labels it was awarded, by year

	// OpeningHours is a readable summary of the opening hours ("Lundi au
	// vendredi : 9h00–12h00, 13h30–17h00 ; samedi : 9h00–12h00").
	OpeningHours string
	// SIRET identifies the establishment (a town hall, a seat): 14 digits.
	SIRET string
	// Provenance says, for each of ProvenanceFields, where its value comes
	// from and as of when. UpdatedAt is zero for a record never changed
	// since the bundled data.
	Provenance map[string]Provenance
}

// Location is a point with how it was made.
type Location struct {
	Lon, Lat  float64
	Precision string
	Source    string // e.g. "geonames:3020035", "postal_area:88000"
}

// Source says where a fact comes from, as a person cites it: the title,
// the publication, its date and address where known, and what it says.
// Document is an internal reference (a seed article's file name), shown only
// when a source has nothing else (what a contributor typed as their source).
type Source struct {
	Document    string `json:"document,omitempty"`
	Title       string `json:"title,omitempty"`
	Publication string `json:"publication,omitempty"`
	Author      string `json:"author,omitempty"`
	Date        string `json:"date,omitempty"` // as the source states it: YYYY, YYYY-MM or YYYY-MM-DD
	URL         string `json:"url,omitempty"`
	Year        int    `json:"year,omitempty"` // the year a contributor's source was given
	Quote       string `json:"quote,omitempty"`
}

// Cited reports whether s names a publication (a title, a publication or
// an address): then it is cited by those, never by its Document.
func (s Source) Cited() bool { return s.Title != "" || s.Publication != "" || s.URL != "" }

// Themes are the eight themes of the Artesi workshops.
var Themes = []string{"organisation", "communication", "democratie", "economie", "tourisme", "e-inclusion", "animation", "culture"}

// ThemeLabels names each theme in French, then English (the API's and the
// MCP server's labels; pages word them from their catalogs).
var ThemeLabels = map[string][2]string{
	"organisation":  {"Organisation", "Organisation"},
	"communication": {"Communication", "Communication"},
	"democratie":    {"Démocratie", "Democracy"},
	"economie":      {"Économie", "Economy"},
	"tourisme":      {"Tourisme", "Tourism"},
	"e-inclusion":   {"E-inclusion", "Digital inclusion"},
	"animation":     {"Animation", "Community life"},
	"culture":       {"Culture", "Culture"},
}

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
	// StatusOneOff is a use for a one-off event or experiment at the
	// adoption's as_of date (a festival held once on Second Life): never
	// counted as current use.
	StatusOneOff = "one_off"
)

// Statuses lists every adoption status.
var Statuses = []string{StatusInUse, StatusAbandoned, StatusPlanned, StatusOneOff}

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
	AsOf      string // the date its source states: YYYY, YYYY-MM or YYYY-MM-DD; "" when unknown
	Sources   []Source
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time

	// VerifiedAt is the last time a person confirmed the adoption is still
	// true ("toujours d'actualité"); zero if never. VerifiedBy is who.
	VerifiedAt time.Time
	VerifiedBy *UserRef
}

// PublicID is the adoption's stable public identifier.
func (a *Adoption) PublicID() string { return "adoption-" + a.ActorID + "-" + a.ToolSlug }

// Link types: how an actor relates to another actor (or to a tool).
const (
	LinkMemberOf  = "member_of"  // a member of a network, a club
	LinkPartnerOf = "partner_of" // a partner in a project or a network
	LinkFounded   = "founded"    // launched or founded the target (a network)
)

// LinkTypes lists every link type.
var LinkTypes = []string{LinkMemberOf, LinkPartnerOf, LinkFounded}

// Link statuses, as of the link's sources.
const (
	LinkActive  = "active"  // stated as current
	LinkPlanned = "planned" // being set up, or agreed in principle
	LinkPast    = "past"    // stated in the past (a project that took place)
)

// LinkStatuses lists every link status.
var LinkStatuses = []string{LinkActive, LinkPlanned, LinkPast}

// Link is a typed relation from an actor to another actor or to a tool.
type Link struct {
	ActorID    string
	Type       string // one of LinkTypes
	TargetType string // TypeActor or TypeTool
	TargetID   string // actor id or tool slug
	Status     string // one of LinkStatuses
	Note       string
	AsOf       string
	Sources    []Source
}

// Label is a label awarded to an actor for a year, at a level.
type Label struct {
	ActorID string
	Label   string // a label scheme id, e.g. "villes-internet"
	Year    int
	Level   string // e.g. "5@"; "" when none is given
	Sources []Source
}

// PublicSources returns sources as they are shown: a source with a citation
// loses its internal document reference (a seed article's file name).
func PublicSources(ss []Source) []Source {
	if len(ss) == 0 {
		return ss
	}
	out := make([]Source, len(ss))
	for i, s := range ss {
		if s.Cited() {
			s.Document = ""
		}
		out[i] = s
	}
	return out
}
