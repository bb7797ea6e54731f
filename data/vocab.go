package data

// Themes are the ids of the eight Artesi workshop themes (organisation,
// communication, démocratie, économie, tourisme, e-inclusion, animation,
// culture), the only themes a Tool may carry.
var Themes = []string{"organisation", "communication", "democratie", "economie", "tourisme", "e-inclusion", "animation", "culture"}

// Adoption statuses.
const (
	StatusInUse     = "in_use"    // the actor uses the tool
	StatusAbandoned = "abandoned" // the actor used it and stopped
	StatusPlanned   = "planned"   // the source says the actor plans to use it
	// StatusOneOff: the actor used the tool for a one-off event or experiment
	// at the date its source gives (a festival held once on Second Life). It
	// says nothing about use since, and is never counted as current use.
	StatusOneOff = "one_off"
)

// Statuses lists every valid Adoption.Status.
var Statuses = []string{StatusInUse, StatusAbandoned, StatusPlanned, StatusOneOff}

// Precisions lists every valid Actor.Precision of a bundled point.
var Precisions = []string{PrecisionExact, PrecisionPostalArea, PrecisionEPCIArea, PrecisionDerived, PrecisionSeat}

// Link types.
const (
	LinkMemberOf  = "member_of"  // the actor is a member of the target (a network, a club)
	LinkPartnerOf = "partner_of" // the actor is a partner of the target in a project or a network
	LinkFounded   = "founded"    // the actor launched or founded the target (a network)
)

// LinkTypes lists every valid Link.Type.
var LinkTypes = []string{LinkMemberOf, LinkPartnerOf, LinkFounded}

// Link statuses: as of the link's sources.
const (
	LinkActive  = "active"  // the source states the relation as current
	LinkPlanned = "planned" // the source states it as being set up, or agreed in principle
	LinkPast    = "past"    // the source states it in the past (a project that took place)
)

// LinkStatuses lists every valid Link.Status.
var LinkStatuses = []string{LinkActive, LinkPlanned, LinkPast}

// LabelScheme is a label actors are awarded, with its levels.
type LabelScheme struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	By     string   `json:"by"`               // actor id of who awards it
	Levels []string `json:"levels,omitempty"` // valid Label.Level values, lowest first
}

// LabelSchemes lists the labels a Label may carry.
var LabelSchemes = []LabelScheme{
	{ID: "villes-internet", Name: "Territoires, villages et villes internet", By: "association-villes-internet",
		Levels: []string{"1@", "2@", "3@", "4@", "5@"}},
}

// AdministrativeKinds are the kinds of actor that come from the official
// list; every other kind comes from the seed facts.
var AdministrativeKinds = []string{"commune", "epci", "departement", "region", "prefecture", "sous-prefecture"}

// IsAdministrativeKind reports whether actors of kind k come from the official list.
func IsAdministrativeKind(k string) bool {
	for _, a := range AdministrativeKinds {
		if a == k {
			return true
		}
	}
	return false
}
