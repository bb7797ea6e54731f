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
)

// Statuses lists every valid Adoption.Status.
var Statuses = []string{StatusInUse, StatusAbandoned, StatusPlanned}

// Precisions lists every valid Actor.Precision of a bundled point.
var Precisions = []string{PrecisionExact, PrecisionPostalArea, PrecisionEPCIArea, PrecisionDerived}
