package directory

// Property describes one property of the GeoJSON features the directory
// serves: its name, its JSON type and what it means. The OGC API serves
// these lists as each collection's schema and queryables, so that clients
// (GDAL, QGIS) create every column, whatever the first page holds; a test
// checks that every property of every feature is listed here with its type.
type Property struct {
	Name        string
	Type        string   // JSON Schema type: string, integer, number, boolean, array, object
	Items       string   // for an array: the type of its items
	Format      string   // JSON Schema format (date-time, uri, email), or ""
	Enum        []string // the values it takes, when they are a closed list
	Description string
	Filter      string // the items parameter that filters on it by equality, or "" (the queryables)
}

// sourceProps describe a source as features cite it.
var sourceProps = "each source as cited: title, publication, author, date (YYYY, YYYY-MM or YYYY-MM-DD), url, quote; or document and year as a contributor gave them"

// ActorProperties lists the properties of actor features (collection actors,
// /api/nearby adds distance_m first).
var ActorProperties = []Property{
	{Name: "id", Type: "string", Description: "Actor id: {kind}-{official code} (commune-88160, epci-200068757) or {kind}-{slug}."},
	{Name: "kind", Type: "string", Enum: Kinds, Filter: "kind", Description: "Kind of actor."},
	{Name: "name", Type: "string", Description: "Name."},
	{Name: "departement", Type: "string", Filter: "departement", Description: "Département code (INSEE): 88, 2A, 974."},
	{Name: "region", Type: "string", Filter: "region", Description: "Région code (INSEE): 44."},
	{Name: "population", Type: "integer", Description: "Population, where it applies (absent when unknown)."},
	{Name: "precision", Type: "string", Enum: Precisions, Filter: "precision", Description: "How the point was made: exact (the place's own point), contributed, derived (a seat's, an EPCI's largest member's), postal_area and epci_area (estimates)."},
	{Name: "point_source", Type: "string", Description: "Where the point comes from: geonames:{id}, postal_area:{code}, contributed:proposal-{id}…"},
	{Name: "members", Type: "array", Items: "string", Description: "An EPCI's member communes (actor ids)."},
	{Name: "code", Type: "string", Description: "Official code: INSEE COG code, or SIREN for an EPCI."},
	{Name: "siren", Type: "string", Description: "SIREN number (9 digits)."},
	{Name: "epci_type", Type: "string", Description: "EPCI legal form: CC, CA, CU, METRO."},
	{Name: "zone", Type: "string", Description: "metro, drom or com."},
	{Name: "postal_codes", Type: "array", Items: "string", Description: "Postal codes."},
	{Name: "parents", Type: "array", Items: "string", Description: "Enclosing actors, nearest first (EPCI, département, région ids)."},
	{Name: "website", Type: "string", Format: "uri", Description: "Website."},
	{Name: "email", Type: "string", Format: "email", Description: "Contact e-mail."},
	{Name: "phone", Type: "string", Description: "Contact phone."},
	{Name: "address", Type: "string", Description: "Postal address."},
	{Name: "opening_hours", Type: "string", Description: "Opening hours, a readable summary (\"Lundi au vendredi : 8h30–12h, 13h30–17h30\")."},
	{Name: "siret", Type: "string", Description: "SIRET of the establishment (the town hall, the seat): 14 digits."},
	{Name: "provenance", Type: "object", Description: "Where each contact field and the point come from, by field (website, email, phone, address, opening_hours, siret, point): source (dila:{record id} for the Service-Public.fr directory, proposal:{id} for a contribution, import:{id}), as_of (YYYY-MM-DD), verified_at and verified_by (the last confirmation by a person), stale."},
	{Name: "stale", Type: "boolean", Description: "True when one of its facts (a contact field, the point, an adoption) is older than the threshold (3 years by default) and nobody confirmed it since: shown as \"à vérifier\"; items and nearby filter on it with stale=true or false."},
	{Name: "description", Type: "string", Description: "Description."},
	{Name: "labels", Type: "array", Items: "string", Description: "Labels as text (\"Villes Internet 2016: 5@\")."},
	{Name: "tools", Type: "array", Items: "string", Description: "Slugs of the tools in use (see /api/tools)."},
	{Name: "adoptions", Type: "array", Items: "object", Description: "Every adoption of a tool by this actor: id, tool, tool_name, usage, since, status, contact, url, as_of, sources, verified_at, verified_by, stale, version."},
	{Name: "links", Type: "array", Items: "object", Description: "Typed relations to other records (member_of…): type, target_type, target, status, as_of, note, sources."},
	{Name: "linked_by", Type: "array", Items: "object", Description: "Typed relations from other actors to this one: type, actor, status, as_of, note, sources."},
	{Name: "label_awards", Type: "array", Items: "object", Description: "Labels as facts: label, year, level, sources."},
	{Name: "sources", Type: "array", Items: "object", Description: "Where the record's facts come from: " + sourceProps + "."},
	{Name: "synthetic", Type: "boolean", Description: "True for benchmark actors, never mixed with real data."},
	{Name: "version", Type: "integer", Description: "Version of the record (1, then +1 per applied change): the base_version of a proposal."},
	{Name: "updated_at", Type: "string", Format: "date-time", Description: "When the record last changed; absent for a record never changed since the bundled data (loading it is not a change)."},
	{Name: "adopter", Type: "string", Enum: []string{StatusInUse, StatusPlanned}, Description: "/api/nearby about a tool or a theme: whether the actor uses it (in_use) or plans to (planned)."},
	{Name: "matched_adoptions", Type: "array", Items: "object", Description: "/api/nearby about a tool or a theme: the adoptions that answer it (in use or planned), as in adoptions."},
}

// AdoptionProperties lists the properties of adoption features (collection
// adoptions: an actor's use of a tool, at the adopter's point).
var AdoptionProperties = []Property{
	{Name: "id", Type: "string", Description: "Adoption id: adoption-{actor}-{tool}."},
	{Name: "actor", Type: "string", Description: "The adopter's actor id."},
	{Name: "tool", Type: "string", Filter: "tool", Description: "The tool's slug (see /api/tools)."},
	{Name: "tool_name", Type: "string", Description: "The tool's name."},
	{Name: "usage", Type: "string", Description: "What the actor uses it for."},
	{Name: "since", Type: "integer", Description: "Year it started."},
	{Name: "status", Type: "string", Enum: Statuses, Description: "in_use, planned, abandoned, one_off."},
	{Name: "contact", Type: "string", Description: "Whom to contact about it."},
	{Name: "url", Type: "string", Format: "uri", Description: "Where to see it."},
	{Name: "as_of", Type: "string", Description: "The date the fact is true as of, as its latest source states it: YYYY, YYYY-MM or YYYY-MM-DD."},
	{Name: "sources", Type: "array", Items: "object", Description: "Where the fact comes from: " + sourceProps + "."},
	{Name: "verified_at", Type: "string", Format: "date-time", Description: "When a person last confirmed it is still true (\"toujours d'actualité\")."},
	{Name: "verified_by", Type: "object", Description: "Who confirmed it: id, name."},
	{Name: "stale", Type: "boolean", Description: "True when its as_of is older than the threshold (3 years by default) and nobody confirmed it since."},
	{Name: "version", Type: "integer", Description: "Version of the adoption record."},
	{Name: "actor_name", Type: "string", Description: "The adopter's name."},
	{Name: "actor_kind", Type: "string", Enum: Kinds, Description: "The adopter's kind."},
	{Name: "precision", Type: "string", Enum: Precisions, Description: "Precision of the adopter's point."},
}
