package directory

import (
	"errors"
	"math"
	"time"

	"github.com/voisinage/voisinage/geo"
)

// The keys of the errors and field problems the directory returns, with
// their English wording (see "How to add an error" in error.go). The web
// layer's catalogs translate each under "err." + its name.
//
// The exported ones are shared with callers that check the same things
// (web's query parameters).
var (
	// KeyRequired: a field or parameter is missing.
	KeyRequired = NewKey("field.required", "is required")
	// KeyUTF8: a text is not valid UTF-8.
	KeyUTF8 = NewKey("field.utf8", "must be valid UTF-8 text")
	// KeyOneOfGot: a value is not among {choices}.
	KeyOneOfGot = NewKey("field.one_of_got", "must be one of {choices} (got {got:q})")
	// KeyBetween: a number is outside [{min}, {max}].
	KeyBetween = NewKey("field.between", "must be between {min} and {max}")
	// KeySearchQuery: a search without the start of a name.
	KeySearchQuery = NewKey("search.q_required", "is required: the start of a name, e.g. q=epinal")
	// KeyReasonRequired: a rejection or revert without its reason.
	KeyReasonRequired = NewKey("review.reason_required", "is required: say why, the author will read it")
)

// Field values (fields.go, and the same checks elsewhere).
var (
	keyNotAField       = NewKey("field.unknown", "is not a field of {type} records; fields: {fields}")
	keyOfficialField   = NewKey("field.official", "comes from the official list (Etalab) and cannot be changed here: report it if it is wrong")
	keyCreateOnly      = NewKey("field.create_only", "can only be set when the record is created")
	keyRequiredCreate  = NewKey("field.required_to_create", "is required to create a {type}")
	keyLonLatTogether  = NewKey("field.lon_lat_together", "lon and lat must be given together")
	keyString          = NewKey("field.string", "must be a string")
	keyStringList      = NewKey("field.string_list", "must be a list of strings")
	keyTooManyItems    = NewKey("field.too_many_items", "must have at most {max} items")
	keyNumber          = NewKey("field.number", "must be a number")
	keyTooLong         = NewKey("field.too_long", "must be at most {max} characters (got {got})")
	keyEmpty           = NewKey("field.empty", "must not be empty")
	keyControlChars    = NewKey("field.control_chars", "must not contain control characters")
	keyURL             = NewKey("field.url", "must be a web address starting with https:// or http:// (at most {max} characters)")
	keyEmail           = NewKey("field.email", "must be an e-mail address such as accueil@mairie.fr")
	keyPhone           = NewKey("field.phone", "must be a phone number of digits, spaces and + ( ) . - such as 03 29 68 50 00")
	keySIREN           = NewKey("field.siren", "must be 9 digits")
	keyPopulation      = NewKey("field.population", "must be a whole number between 0 and {max}")
	keyYear            = NewKey("field.year", "must be a year between 1970 and {max}, or 0 when unknown")
	keyBool            = NewKey("field.bool", "must be true or false")
	keyLabels          = NewKey("field.labels", "items must be 1 to 100 characters of text")
	keyOneOf           = NewKey("field.one_of", "must be one of {choices}")
	keyKindOfficial    = NewKey("field.kind_official", "{kind} actors come from the official list and cannot be created here; choose one of {choices}")
	keyThemesEmpty     = NewKey("field.themes_empty", "must name at least one theme among {choices}")
	keyThemeUnknown    = NewKey("field.theme_unknown", "must be themes among {choices} (got {got:q})")
	keyCodeUnknown     = NewKey("field.code_unknown", "must be a known {kind} code (got {got:q})")
	keyPostalCodes     = NewKey("field.postal_codes", "items must be 5-digit postal codes (got {got:q})")
	keyActorIDs        = NewKey("field.actor_ids", "items must be existing actor ids (got {got:q})")
	keyActorRef        = NewKey("field.actor_ref", "must be an existing actor id such as commune-88160 (got {got:q})")
	keyToolRef         = NewKey("field.tool_ref", "must be an existing tool slug, see /api/tools (got {got:q})")
	keyTextMax         = NewKey("field.text_max", "must be at most {max} characters of text")
	keyCharsMax        = NewKey("field.chars_max", "must be at most {max} characters")
	keyNonNegativeInt  = NewKey("field.non_negative_int", "must be a non-negative integer")
	keyNotNegative     = NewKey("field.not_negative", "must not be negative")
	keyPositiveIntGot  = NewKey("field.positive_int_got", "must be a positive integer (got {got:q})")
	keyIntBetween      = NewKey("field.int_between", "must be an integer between {min} and {max}")
	keyFuture          = NewKey("field.future", "must be in the future")
	keyAsOf            = NewKey("field.as_of", "must be a date as its source states it: YYYY, YYYY-MM or YYYY-MM-DD (got {got:q})")
	keyAsOfFuture      = NewKey("field.as_of_future", "must not be in the future (got {got})")
	keyCoordOutOfRange = NewKey("bbox.coord_range", "{coord} must be between {min} and {max}")
	keyMinLatAboveMax  = NewKey("bbox.lat_order", "minLat must not be greater than maxLat")
	keyTileOutOfRange  = NewKey("tile.out_of_range", "must be between {min} and {max} at zoom {zoom}")
)

// Filters and searches (query.go, history.go, tools.go, clusters.go).
var (
	keyToolSlug      = NewKey("filter.tool", "must be a known tool slug, see /api/tools (got {got:q})")
	keyDepartement   = NewKey("filter.departement", "must be a département code such as 88, 2A or 974 (got {got:q})")
	keyParent        = NewKey("filter.parent", "must be the id of an existing actor, such as epci-200068757 (got {got:q})")
	keyRegion        = NewKey("filter.region", "must be a région code such as 44 or 04 (got {got:q})")
	keyNoLetter      = NewKey("filter.no_letter", "must contain at least one letter or digit")
	keyPopulationMax = NewKey("filter.population_order", "must not be less than population_min")
	keyMaxKm         = NewKey("nearby.max_km", "must be a positive number of kilometres")
)

// Records.
var (
	keyNoRecord        = NewKey("record.not_found", "no {type} {id:q}")
	keyNoActor         = NewKey("actor.not_found", "no actor with id {id:q}")
	keyNoTool          = NewKey("tool.not_found", "no tool with slug {id:q}")
	keyNoAdoption      = NewKey("adoption.not_found", "no adoption with id {id:q}")
	keyRecordExists    = NewKey("record.exists", "{type} {id} already exists: propose a change to it instead")
	keyAlreadyExists   = NewKey("record.exists_field", "already exists")
	keyCreatedMeanwhle = NewKey("record.created_meanwhile", "{type} {id} was created meanwhile")
	keyDeletedMeanwhle = NewKey("record.deleted_meanwhile", "{type} {id} was deleted meanwhile")
	keyChangedDuring   = NewKey("record.changed_during", "{type} {id} changed while this change was being applied: try again")
)

// Proposals, votes, comments and review (proposal.go, review.go, history.go).
var (
	keyLoginToPropose   = NewKey("auth.propose", "log in to propose a change")
	keyLoginToSee       = NewKey("auth.see_proposals", "log in to see proposals")
	keyLoginToWithdraw  = NewKey("auth.withdraw", "log in to withdraw a proposal")
	keyLoginToVote      = NewKey("auth.vote", "log in to vote")
	keyLoginToComment   = NewKey("auth.comment", "log in to comment")
	keyBlocked          = NewKey("account.blocked", "your account is blocked until {until}")
	keyBlockedReason    = NewKey("account.blocked_reason", "your account is blocked until {until}: {reason}")
	keyPlaceActorsOnly  = NewKey("proposal.place_actors_only", "place applies to actors only")
	keySourceTooLong    = NewKey("proposal.source_too_long", "must be at most 500 characters of text (a web address or a reference)")
	keyTargetRequired   = NewKey("proposal.target_required", "is required: the id of the record to change")
	keyBaseRequired     = NewKey("proposal.base_required", "is required: the version you are correcting (properties.version of the record)")
	keyBaseAhead        = NewKey("proposal.base_ahead", "must not be greater than the current version {current}")
	keyDeleteChanges    = NewKey("proposal.delete_changes", "must be empty for a deletion")
	keyOfficialDelete   = NewKey("proposal.official_delete", "{kind} actors come from the official list and cannot be deleted; report the record instead")
	keyPlaceOnlyPoint   = NewKey("proposal.place_only_point", "placing an actor only sets lon and lat")
	keyPlaceRequired    = NewKey("proposal.place_required", "is required to place an actor")
	keyNoChanges        = NewKey("proposal.no_changes", "must name at least one field to change")
	keyCommuneOutside   = NewKey("proposal.commune_outside", "a commune must be placed inside France's territories")
	keyNotInFrance      = NewKey("proposal.not_in_france", "the point is not in France (metropolitan or overseas): check lon and lat (WGS 84 degrees, lon first)")
	keyNothingToChange  = NewKey("proposal.nothing", "nothing to change: the record already has these values")
	keyCurrentValues    = NewKey("proposal.nothing_field", "are the record's current values: nothing to change")
	keyDeleteStale      = NewKey("proposal.delete_stale", "{type} {id} changed since version {base} (now {current}): look at its history before deleting it")
	keyStale            = NewKey("proposal.stale", "{type} {id} changed since version {base} (now {current}): {fields} changed meanwhile")
	keyActorSlug        = NewKey("proposal.actor_slug", "must be {pattern}: lower-case letters, digits and hyphens (or leave it empty)")
	keyToolSlugNew      = NewKey("proposal.tool_slug", "must be a slug of lower-case letters, digits and hyphens (or leave it empty)")
	keyRateHour         = NewKey("proposal.rate_hour", "you have made {count} proposals in an hour, the limit for your account; it grows as your proposals are approved")
	keyRateDay          = NewKey("proposal.rate_day", "you have made {count} proposals in a day, the limit for your account; it grows as your proposals are approved")
	keyNoProposal       = NewKey("proposal.not_found", "no proposal {id}")
	keyAlreadyDecided   = NewKey("proposal.already", "proposal {id} is already {proposal_status}")
	keyNotAuthor        = NewKey("proposal.not_author", "only its author can withdraw a proposal")
	keyResolution       = NewKey("review.resolution", `must be "yours" (apply the proposal's value) or "current" (keep the current one)`)
	keyUndoConflict     = NewKey("review.undo_conflict", "{type} {id} changed again after proposal {proposal}: revert it to an earlier version from its history instead")
	keyApproveModerator = NewKey("moderation.approve", "only moderators can approve proposals")
	keyRejectModerator  = NewKey("moderation.reject", "only moderators can reject proposals")
	keyRevertModerator  = NewKey("moderation.revert", "only moderators can revert records")
	keyBlockModerators  = NewKey("moderation.block", "only moderators can block accounts")
	keyReviewAction     = NewKey("review.action", "must be approve or reject")
	keyReviewNoIDs      = NewKey("review.no_ids", "must list at least one proposal id")
	keyReviewIDs        = NewKey("review.ids", "must list at most {max} proposal ids")
	keyReviewModerator  = NewKey("moderation.review", "only moderators can review proposals")
	keyVoteValue        = NewKey("vote.value", "must be 1 (for), -1 (against) or 0 (take your vote back)")
	keyVotesClosed      = NewKey("vote.closed", "proposal {id} is {proposal_status}: votes are closed")
	keyOwnVote          = NewKey("vote.own", "you cannot vote on your own proposal")
	keyCommentBody      = NewKey("comment.body", "must be 1 to 2000 characters of text")
	keyBlockSelf        = NewKey("block.self", "you cannot block yourself")
	keyBlockModerator   = NewKey("block.moderator", "only an administrator can block a moderator")
	keyEarlierVersion   = NewKey("history.earlier_version", "must be an earlier version, between 1 and {max}")
	keyVersionMissing   = NewKey("history.version_missing", "version {version} of {type} {id} is not in its history")
	keyRevertOrphan     = NewKey("history.orphan", "its actor or tool no longer exists: restore them first")
)

// Names people choose (names.go).
var (
	keyInvisible  = NewKey("name.invisible", "must not contain invisible or direction-control characters (such as zero-width spaces or U+202E): retype it")
	keyNameLength = NewKey("name.length", "must be {min} to {max} characters")
)

// Bounded cost of a query (query.go; web's parameters too).
var (
	// KeyListValues: a list parameter names too many different values.
	KeyListValues = NewKey("filter.list_values", "lists more than {max} different values; at most {max} are accepted")
	keyQueryWords = NewKey("search.q_words", "has {count} different words; at most {max} are accepted")
)

// Reports (report.go).
var (
	keyTooManyReports     = NewKey("report.too_many", "you have made {count} reports in an hour, the limit for an account: try again later")
	keyTooManyAnonReports = NewKey("report.too_many_anonymous", "too many reports were made without an account in the last hour: log in to report, or try again later")
	keyNoReport           = NewKey("report.not_found", "no report {id}")
	keyReadReports        = NewKey("moderation.read_reports", "only moderators can read reports")
	keyResolveReports     = NewKey("moderation.resolve_reports", "only moderators can resolve reports")
	keyReportStatus       = NewKey("report.status", "must be open, resolved or dismissed")
	keyReportCloseState   = NewKey("report.close_status", "must be resolved or dismissed")
	keyReportClosed       = NewKey("report.closed", "report {id} is already closed")
)

// Accounts, sessions and tokens (user.go).
var (
	keyPasswordShort    = NewKey("password.too_short", "must be at least {min} characters long")
	keyPasswordLong     = NewKey("password.too_long", "must be at most {max} characters long")
	keyAccountEmail     = NewKey("account.email", "must be an e-mail address such as nom@mairie.fr")
	keyDisplayName      = NewKey("account.display_name", "must be {min} to 60 printable characters")
	keyAccountExists    = NewKey("account.exists", "an account with this e-mail already exists")
	keyEmailRegistered  = NewKey("account.email_registered", "is already registered: log in instead")
	keyNoUser           = NewKey("user.not_found", "no user {id}")
	keyWrongLogin       = NewKey("login.wrong", "wrong e-mail or password")
	keyLockedUntrusted  = NewKey("login.locked_untrusted", "too many failed logins to this account from browsers it has not logged in from: log in from a browser you have used before, or try again in {wait}")
	keyLockedDevice     = NewKey("login.locked_device", "this browser failed to log in too many times: wait a little and try again")
	keyTooManyAccounts  = NewKey("account.too_many", "too many accounts were created in the last hour: try again later")
	keyNameTaken        = NewKey("account.name_taken", "display_name looks like the name of another account")
	keyNameTakenField   = NewKey("account.name_taken_field", "looks like the name of another account (letters that look alike count as the same): choose another")
	keyNameLetters      = NewKey("account.name_letters", "must contain letters or digits")
	keyTokenBlocked     = NewKey("token.blocked", "your account is blocked until {until}: it cannot create API tokens")
	keyLastAdmin        = NewKey("account.last_admin", "this account is the last administrator: make another account administrator first")
	keyLastAdminSelf    = NewKey("account.last_admin_self", "you are the last administrator: make another account administrator first")
	keySessionEnded     = NewKey("session.ended", "your session has ended: log in again")
	keyCurrentPassword  = NewKey("account.current_password", "is not your current password")
	keyTokenName        = NewKey("token.name", `must be 1 to 80 printable characters, e.g. "import script"`)
	keyNoToken          = NewKey("token.not_found", "no active token {id}")
	keyUnknownToken     = NewKey("token.unknown", "unknown or revoked API token")
	keyRolesAdmin       = NewKey("role.admin_only", "only an administrator can change roles")
	keyRepresentativeAd = NewKey("representative.admin_only", "only an administrator can verify representatives")
)

// Storage, operations, seeding and backups (sqlite.go, ops.go, seed.go,
// synthetic.go, backup.go): mostly read by operators on the command line.
var (
	keyDBPath          = NewKey("db.path_required", "database path is required")
	keyDBMemory        = NewKey("db.memory", "in-memory databases are not supported: give a file path")
	keyDBUnique        = NewKey("db.unique", "a record with this identifier already exists")
	keyDBForeignKey    = NewKey("db.foreign_key", "a referenced record does not exist")
	keyDBCheck         = NewKey("db.check", "a value is out of its allowed range")
	keyDBDown          = NewKey("ops.db_down", "the database does not answer")
	keyIndexBuilding   = NewKey("ops.index_building", "the index is being built")
	keySeeded          = NewKey("seed.conflict", "database already holds dataset {dataset:q}")
	keySyntheticSeeded = NewKey("seed.synthetic_conflict", "database already holds dataset {dataset:q}: synthetic actors go in a database of their own")
	keyNoDatabase      = NewKey("backup.no_database", "no database at {path}")
	keyBackupSameFile  = NewKey("backup.same_file", "the backup must go to another file than the database")
	keyRestoreSameFile = NewKey("restore.same_file", "the backup and the database are the same file")
	keyUnreadable      = NewKey("backup.unreadable", "{path} is not a readable SQLite database: {err}")
	keyIntegrity       = NewKey("backup.integrity", "{path} fails integrity_check: {check}")
	keyNotVoisinage    = NewKey("backup.not_voisinage", "{path} is not a voisinage database: {err}")
	keyCheckFailed     = NewKey("backup.check_failed", "{path}: checking {what}: {err}")
	keyInconsistent    = NewKey("backup.inconsistent", "{path} is inconsistent: {count} {what}")
)

// Stores (store.go, postgres.go, ratelimit.go) and copies between them
// (copy.go, migrate-db).
var (
	keyStoreBusy              = NewKey("store.busy", "the database is busy: nothing was changed, try again in a few seconds")
	keyStoreUnavailable       = NewKey("store.unavailable", "the database is unavailable: nothing was changed, try again later")
	keyStoreDiskFull          = NewKey("store.disk_full", "the database is unavailable (its disk is full): nothing was changed, try again later")
	keyStoreNoWrites          = NewKey("store.no_writes", "the database cannot take writes now (busy or failing): try again in a few seconds")
	keyPostgresURL            = NewKey("db.postgres_url", "the PostgreSQL URL does not parse: {err}")
	keyReplicaNotPostgres     = NewKey("db.replica_not_postgres", "replica {url:q} is not a PostgreSQL URL (postgres://…)")
	keyReplicaURL             = NewKey("db.replica_url", "the replica URL {url} does not parse: {err}")
	keyReplicaSQLite          = NewKey("db.replica_sqlite", "read replicas need a PostgreSQL database: {path} is a SQLite file")
	keyLimitsInMemory         = NewKey("db.limits_in_memory", "per-address limits live in the server's memory with {dialect}")
	keyCopyDiffers            = NewKey("copy.differs", "table {table} differs after the copy: {source_rows} rows (sha256 {source_sha256}) in the source, {destination_rows} rows (sha256 {destination_sha256}) in the destination")
	keyCopyNoTableDestination = NewKey("copy.no_table_destination", "the destination has no table {table}: migrate both databases with the same release of voisinage")
	keyCopyNoTableSource      = NewKey("copy.no_table_source", "the source has no table {table}: migrate both databases with the same release of voisinage")
	keyCopyColumns            = NewKey("copy.columns", "table {table} has columns {source} in the source and {destination} in the destination: migrate both databases with the same release of voisinage")
	keyCopySame               = NewKey("copy.same_database", "the source and the destination are the same database")
	keyCopyFileExists         = NewKey("copy.file_exists", "{path} exists: give a new file")
	keyRestorePostgres        = NewKey("restore.postgres", "{url} is a PostgreSQL database: copy a backup into a new, empty one with `voisinage migrate-db -from BACKUP.db -to {url}` (or restore a pg_dump with pg_restore)")
	keyCopyNotEmpty           = NewKey("copy.not_empty", "the destination is not empty (table {table} has {count} rows): copy into a new, empty database")
)

// storeBusy is the refusal of a write the database could not take now
// (a lock held too long): nothing was changed, the client may retry.
func storeBusy(retry time.Duration) *Error {
	e := NewError(EUNAVAILABLE, keyStoreBusy, nil)
	e.RetryAfter = retry
	return e
}

// storeUnavailable is the refusal of a request while the database is down
// or read-only (a failover): nothing was changed.
func storeUnavailable() *Error {
	e := NewError(EUNAVAILABLE, keyStoreUnavailable, nil)
	e.RetryAfter = 10 * time.Second
	return e
}

// Webhooks (webhook.go).
var (
	// KeyWebhookURL: a webhook's URL is not an absolute http(s) URL.
	KeyWebhookURL         = NewKey("webhook.url", "must be an absolute http or https URL")
	keyWebhookLogin       = NewKey("webhook.login", "log in first (session cookie or Authorization: Bearer token)")
	keyWebhookRight       = NewKey("webhook.right", "webhooks are for moderators, and for accounts an administrator allows (a regional site, a network)")
	keyWebhookAdmin       = NewKey("webhook.admin_only", "only an administrator can give the webhooks right")
	keyWebhookURLRequired = NewKey("webhook.url_required", "is required: the address events are posted to, e.g. https://example.org/voisinage-hook")
	keyWebhookURLUser     = NewKey("webhook.url_user", "must not hold a user name or password: check the X-Voisinage-Signature header instead")
	keyWebhookURLFragment = NewKey("webhook.url_fragment", "must not have a #fragment")
	keyWebhookEvents      = NewKey("webhook.events", "must be event types among {choices} (got {got:q})")
	keyWebhookDepts       = NewKey("webhook.departements", "must be département codes such as 88, 2A or 974 (got {got:q})")
	keyWebhookRegions     = NewKey("webhook.regions", "must be région codes such as 44 (got {got:q})")
	keyWebhookEPCIs       = NewKey("webhook.epcis", "must be ids of EPCI actors, such as epci-200068757 (got {got:q})")
	keyWebhookTools       = NewKey("webhook.tools", "must be tool slugs (see /api/tools) (got {got:q})")
	keyWebhookThemes      = NewKey("webhook.themes", "must be themes among {choices} (got {got:q})")
	keyWebhookActors      = NewKey("webhook.actors", "must be actor ids, such as commune-88160 (got {got:q})")
	keyWebhookDescription = NewKey("webhook.description", "must be at most 200 printable characters")
	keyWebhookMax         = NewKey("webhook.max", "you have {count} webhooks, the most an account may have: delete one first")
	keyNoWebhook          = NewKey("webhook.not_found", "no webhook {id} among yours")
	keyDeliveryStatus     = NewKey("webhook.delivery_status", "must be pending, delivered or failed")
	keyNoDelivery         = NewKey("webhook.no_delivery", "no delivery {delivery:q} of webhook {id}")
	keyWebhookDisabled    = NewKey("webhook.disabled", `webhook {id} is disabled: enable it first (PATCH {"active": true})`)
)

// coordProblem adds to p the problem geo found with a coordinate, under
// field (or under the coordinate's own name when field is ""). It reports
// whether err was a *geo.CoordError.
func coordProblem(p *Problems, field string, err error) bool {
	var ce *geo.CoordError
	if !errors.As(err, &ce) {
		return false
	}
	name, prefix := ce.Field, field != ""
	if field == "" {
		field = name
	}
	lo, hi := number(ce.Min), number(ce.Max)
	switch {
	case ce.Kind == geo.MinAboveMax:
		p.Add(field, keyMinLatAboveMax, nil)
	case ce.Kind == geo.TileOutOfRange:
		p.Add(field, keyTileOutOfRange, Args{"min": lo, "max": hi, "zoom": ce.Zoom})
	case prefix:
		p.Add(field, keyCoordOutOfRange, Args{"coord": name, "min": lo, "max": hi})
	default:
		p.Add(field, KeyBetween, Args{"min": lo, "max": hi})
	}
	return true
}

// number returns f as an int64 when it is whole, so that it prints as
// digits (16777215, not 1.6777215e+07).
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// Imports: the DILA sync (dila.go, dila_import.go), batches of adoptions
// (batch.go), their runs (imports.go), confirmations and facts to check
// (confirm.go, freshness.go), and the explained empty answers (query.go).
var (
	keyDILANotService    = NewKey("dila.not_service_array", `not a DILA file: "service" must be an array of records`)
	keyDILANotFile       = NewKey("dila.not_file", `not a DILA file: expected a JSON object with a "service" array (the "Base de données locales" export): {err}`)
	keyDILACut           = NewKey("dila.cut", "the file is cut or malformed after byte {offset}: {err}")
	keyImportModerators  = NewKey("moderation.imports", "only moderators can read import reports")
	keyNoImportRun       = NewKey("import.not_found", "no import run {id}")
	keyNoAccountEmail    = NewKey("user.no_email", "no account with e-mail {email:q}: create it with voisinage user add")
	keyLoginToImport     = NewKey("auth.import", "log in to import adoptions")
	keyBatchUTF8         = NewKey("batch.utf8", "must be UTF-8 text (save the spreadsheet as CSV UTF-8)")
	keyBatchEmpty        = NewKey("batch.empty", "is empty: give a header line, then one line per adoption")
	keyBatchCSV          = NewKey("batch.csv", "is not readable CSV: {err}")
	keyBatchNoColumn     = NewKey("batch.no_column", "has no known column in its header line: use {columns}")
	keyBatchUnknownCols  = NewKey("batch.unknown_columns", "has unknown columns {unknown}: the columns are {columns}")
	keyBatchTooManyRows  = NewKey("batch.too_many_rows", "has more than {max} rows: split it")
	keyBatchGeoJSON      = NewKey("batch.geojson", "is not readable GeoJSON: {err}")
	keyBatchCSVBareQuote = NewKey("batch.csv_bare_quote", "is not readable CSV: line {line}, column {column}, a \" in a field that is not quoted (quote the field and double its \")")
	keyBatchCSVQuote     = NewKey("batch.csv_quote", "is not readable CSV: line {line}, column {column}, a quoted field is not closed, or its closing \" is followed by more text")
	keyBatchJSONSyntax   = NewKey("batch.geojson_syntax", "is not readable GeoJSON: invalid JSON at line {line} ({err})")
	keyBatchJSONType     = NewKey("batch.geojson_type", "is not readable GeoJSON: line {line}, {member:q} is a JSON {json_type}, which it cannot be")
	keyBatchJSONCut      = NewKey("batch.geojson_cut", "is not readable GeoJSON: it ends before its JSON does (is the file cut?)")
	keyBatchNotFC        = NewKey("batch.not_feature_collection", "must be a GeoJSON FeatureCollection, one feature per adoption")
	keyBatchTooManyFeats = NewKey("batch.too_many_features", "has more than {max} features: split it")
	keyBatchUnknownProp  = NewKey("batch.unknown_property", "feature {feature} has an unknown property {property:q}: the properties are {columns}")
	keyBatchNoRow        = NewKey("batch.no_row", "has no row: give one line (or feature) per adoption")
	keyBatchRowsToFix    = NewKey("batch.rows_to_fix", "{count} rows are ambiguous, unmatched or invalid: fix them (the report says how) and import the file again; nothing was stored")
	keyBatchNothingNew   = NewKey("batch.nothing_new", "every row is already in the directory: nothing to import")
	keyBatchLine         = NewKey("batch.line", "line {line}: {reason}; nothing was stored")
	keyBatchModerators   = NewKey("moderation.batch", "only moderators can decide a batch")
	keyBatchNoPending    = NewKey("batch.nothing_pending", "import run {id} has no pending proposal")
	keyBatchApply        = NewKey("batch.apply", "proposal {id} of the batch cannot be applied: {reason}; none was")
	keyRowToolRequired   = NewKey("batch.tool_required", "is required: the tool's slug (see /api/tools) or its name")
	keyRowUnknownTool    = NewKey("batch.unknown_tool", "{tool:q} is not a known tool: give its slug (see /api/tools), or its themes (tool_themes, among {choices}) to create it")
	keyRowToolSlug       = NewKey("batch.tool_slug", "cannot make a new tool's slug from {tool:q}: give an existing tool's slug")
	keyRowSince          = NewKey("batch.since", "must be a year such as 2019")
	keyRowSourceURL      = NewKey("batch.source_url", "must be a web address starting with https:// or http:// (where the fact can be read)")
	keyRowNoActorID      = NewKey("batch.no_actor_id", "no actor with id {id:q}")
	keyRowNoINSEE        = NewKey("batch.no_insee", "no commune with INSEE code {code:q}")
	keyRowNoSIREN        = NewKey("batch.no_siren", "no actor with SIREN {siren:q}")
	keyRowSeveralSIREN   = NewKey("batch.several_siren", "several actors have SIREN {siren:q}: give the actor's id")
	keyRowNameActor      = NewKey("batch.name_actor", "name the actor: actor (its id), insee, siren, or name with departement")
	keyRowNoNameDept     = NewKey("batch.no_name_dept", "no actor named {name:q} in département {departement}")
	keyRowNoName         = NewKey("batch.no_name", "no actor named {name:q}")
	keyRowSeveralNames   = NewKey("batch.several_names", "several actors are named {name:q}: give the departement, or the actor's id")
	keyAdoptionActorGone = NewKey("adoption.actor_gone", "actor {actor} does not exist (any more): the adoption cannot be created")
	keyAdoptionToolGone  = NewKey("adoption.tool_gone", "tool {tool} does not exist (yet or any more): approve the proposal creating it first")
	keySIRET             = NewKey("field.siret", "must be 14 digits (the establishment's SIRET number)")
	keyConfirmField      = NewKey("confirm.field", "must be one of {choices}")
	keyConfirmAdoption   = NewKey("confirm.adoption_field", "must be empty for an adoption (the adoption as a whole is confirmed)")
	keyConfirmType       = NewKey("confirm.target_type", "must be actor or adoption")
	keyConfirmTarget     = NewKey("confirm.target_id", "is required: the id of the actor or the adoption")
	keyLoginToConfirm    = NewKey("auth.confirm", "log in to confirm a fact")
	keyConfirmNoValue    = NewKey("confirm.no_value", "{field} of {id} has no value to confirm")
	keyConfirmModerators = NewKey("moderation.confirmations", "only moderators can decide confirmations")
	keyConfirmReaders    = NewKey("moderation.read_confirmations", "only moderators can read pending confirmations")
	keyNoConfirmation    = NewKey("confirmation.not_found", "no confirmation {id}")
	keyConfirmDecided    = NewKey("confirmation.already", "confirmation {id} is already {confirmation_status}")
	keyConfirmGone       = NewKey("confirmation.gone", "the fact confirmation {id} is about no longer exists: reject it")
	keyStaleModerators   = NewKey("moderation.stale", "only moderators can read the facts to check")
	keyExplainQuery      = NewKey("nearby.explain", "only a query about a tool or a theme is explained")
)

// What a DILA run's report says of the records it left out, and of values
// it did not take (DILAItem's Key): read by moderators on the run's page.
var (
	keyDILANoINSEE       = NewKey("dila.no_insee", "no INSEE code in the record")
	keyDILANoMainHall    = NewKey("dila.no_main_town_hall", "several town halls and no single main one (pivot -01)")
	keyDILAUnknownINSEE  = NewKey("dila.unknown_insee", "unknown INSEE code: no commune {code} in the directory")
	keyDILAEPCINoSIREN   = NewKey("dila.epci_no_siren", "EPCI record without SIREN or SIRET")
	keyDILAUnknownEPCI   = NewKey("dila.unknown_epci", "no EPCI with SIREN {siren} in the directory")
	keyDILAUnknownSeat   = NewKey("dila.unknown_seat", "unknown INSEE code for its seat: no commune {code}")
	keyDILANoSeatActor   = NewKey("dila.no_seat_actor", "no {kind} for its seat {town} ({code})")
	keyDILASeveralSeats  = NewKey("dila.several_seats", "several records for {actor} and no single main one (pivot -01)")
	keyDILACoordinates   = NewKey("dila.coordinates", "longitude and latitude must be numbers")
	keyDILANotOnEarth    = NewKey("dila.not_on_earth", "not a point on Earth")
	keyDILANotInFrance   = NewKey("dila.not_in_france", "the point is not in France (metropolitan or overseas)")
	keyDILAFarFromCommun = NewKey("dila.far_from_commune", "{km} km from the commune's point ({lon}, {lat}): not its town hall's, left out")
	keyDILAOlder         = NewKey("dila.older", "the directory has this field from a later record: left as it is")
	keyDILAUnreadable    = NewKey("dila.unreadable", "a record of an unexpected shape: {err}")
	keyDILAUnreadableAt  = NewKey("dila.unreadable_type", "a record of an unexpected shape: {member:q} is a JSON {json_type}, which it cannot be")
)
