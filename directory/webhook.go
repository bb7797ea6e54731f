package directory

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook event types.
const (
	EventProposalCreated = "proposal.created"
	EventChangeApplied   = "change.applied"
	EventChangeReverted  = "change.reverted"
	EventReportFiled     = "report.filed"
)

// EventTypes lists every webhook event type.
var EventTypes = []string{EventProposalCreated, EventChangeApplied, EventChangeReverted, EventReportFiled}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Limits on webhooks.
const (
	MaxWebhooksPerUser = 20
	maxFilterValues    = 200
)

// WebhookFilter says which events a webhook receives. Empty lists do not
// filter. The territory — départements, régions, EPCIs — is one condition
// (an event in any of them matches); each other list is its own condition
// (tools, themes, actors), and every condition must hold.
type WebhookFilter struct {
	Events       []string `json:"events"`       // event types; empty = every type
	Departements []string `json:"departements"` // département codes
	Regions      []string `json:"regions"`      // région codes
	EPCIs        []string `json:"epcis"`        // EPCI actor ids: events on their member communes and on themselves
	Tools        []string `json:"tools"`        // tool slugs: events on the tool, its adoptions, its adopters
	Themes       []string `json:"themes"`       // themes of those tools
	Actors       []string `json:"actors"`       // actor ids: events on them and their adoptions
}

// Webhook is an account's subscription to events.
type Webhook struct {
	ID             int64
	Owner          UserRef
	URL            string
	Secret         string // only set when created
	Description    string
	Filter         WebhookFilter
	Active         bool
	DisabledAt     time.Time
	DisabledReason string // the notice its owner reads when it was disabled for failing
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Pending        int // deliveries waiting
	Delivered      int
	Failed         int
}

// WebhookInput is a webhook as its owner registers it.
type WebhookInput struct {
	URL         string
	Description string
	Filter      WebhookFilter
}

// WebhookPatch changes a webhook: nil fields stay as they are. Active true
// re-enables a webhook that was disabled for failing.
type WebhookPatch struct {
	URL         *string
	Description *string
	Filter      *WebhookFilter
	Active      *bool
}

// Delivery is one event sent (or to send) to a webhook.
type Delivery struct {
	ID            int64
	WebhookID     int64
	DeliveryID    string // the X-Voisinage-Delivery header
	Event         string
	EventID       string
	Payload       json.RawMessage
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastAttemptAt time.Time
	LastStatus    int // 0 when no answer came
	LastError     string
	ReplayOf      int64
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// mayManageWebhooks reports whether u may register webhooks: moderators and
// administrators, and the accounts an administrator gave the right to.
func (d *Directory) mayManageWebhooks(ctx context.Context, u *User) error {
	if u == nil {
		return NewError(EUNAUTHORIZED, keyWebhookLogin, nil)
	}
	if u.IsModerator() {
		return nil
	}
	var can bool
	if err := d.db.read.QueryRowContext(ctx, `SELECT can_webhooks FROM users WHERE id = ?`, u.ID).Scan(&can); err != nil {
		return err
	}
	if !can {
		return NewError(EFORBIDDEN, keyWebhookRight, nil)
	}
	return nil
}

// SetWebhookRight lets an account that does not moderate manage webhooks,
// or takes the right back (administrators only).
func (d *Directory) SetWebhookRight(ctx context.Context, by *User, userID int64, allowed bool) error {
	if !by.IsAdmin() {
		return NewError(EFORBIDDEN, keyWebhookAdmin, nil)
	}
	res, err := d.db.write.ExecContext(ctx, `UPDATE users SET can_webhooks = ? WHERE id = ?`, allowed, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return NewError(ENOTFOUND, keyNoUser, Args{"id": userID})
	}
	return nil
}

// MayManageWebhooks returns nil if u may manage webhooks: moderators and
// administrators, and the accounts an administrator gave the right to
// (their API tokens too); EUNAUTHORIZED or EFORBIDDEN otherwise.
func (d *Directory) MayManageWebhooks(ctx context.Context, u *User) error {
	return d.mayManageWebhooks(ctx, u)
}

// checkWebhookURL checks the form of a webhook's URL; whether its host may
// be reached (SSRF) is the caller's to check, before and at connect time.
func checkWebhookURL(p *Problems, raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		p.Add("url", keyWebhookURLRequired, nil)
	case len(raw) > 2000 || !utf8.ValidString(raw):
		p.Add("url", keyCharsMax, Args{"max": 2000})
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		p.Add("url", KeyWebhookURL, nil)
	case u.User != nil:
		p.Add("url", keyWebhookURLUser, nil)
	case u.Fragment != "":
		p.Add("url", keyWebhookURLFragment, nil)
	}
	return raw
}

// checkFilterLocked validates and normalises a filter (d.mu held for reading).
func (d *Directory) checkFilterLocked(p *Problems, f WebhookFilter) WebhookFilter {
	clean := func(field string, list []string, ok func(string) bool, what Key, choices []string) []string {
		if len(list) > maxFilterValues {
			p.Add(field, keyTooManyItems, Args{"max": maxFilterValues})
			return nil
		}
		out := []string{}
		for _, v := range list {
			v = strings.TrimSpace(v)
			if !ok(v) {
				args := Args{"got": v}
				if choices != nil {
					args["choices"] = strings.Join(choices, ", ")
				}
				p.Add(field, what, args)
				continue
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return out
	}
	live := func(kind string) func(string) bool {
		return func(id string) bool {
			ref, ok := d.refOf(id)
			return ok && !d.entries[ref].deleted && (kind == "" || d.sym(d.entries[ref].kind) == kind)
		}
	}
	return WebhookFilter{
		Events: clean("events", f.Events, func(v string) bool { return slices.Contains(EventTypes, v) },
			keyWebhookEvents, EventTypes),
		Departements: clean("departements", f.Departements, func(v string) bool { return d.names[KindDepartement+":"+v] != "" },
			keyWebhookDepts, nil),
		Regions: clean("regions", f.Regions, func(v string) bool { return d.names[KindRegion+":"+v] != "" },
			keyWebhookRegions, nil),
		EPCIs:  clean("epcis", f.EPCIs, live(KindEPCI), keyWebhookEPCIs, nil),
		Tools:  clean("tools", f.Tools, func(v string) bool { return d.tools[v] != nil }, keyWebhookTools, nil),
		Themes: clean("themes", f.Themes, IsTheme, keyWebhookThemes, Themes),
		Actors: clean("actors", f.Actors, live(""), keyWebhookActors, nil),
	}
}

// CreateWebhook registers a webhook for u and returns it with its secret,
// which is shown this once. EFORBIDDEN unless u may manage webhooks;
// EINVALID per field; ETOOMANY beyond MaxWebhooksPerUser.
func (d *Directory) CreateWebhook(ctx context.Context, u *User, in WebhookInput) (*Webhook, error) {
	if err := d.mayManageWebhooks(ctx, u); err != nil {
		return nil, err
	}
	p := Problems{}
	rawURL := checkWebhookURL(&p, in.URL)
	desc := strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(desc) > 200 || !printable(desc) {
		p.Add("description", keyWebhookDescription, nil)
	}
	d.mu.RLock()
	f := d.checkFilterLocked(&p, in.Filter)
	d.mu.RUnlock()
	if err := p.Err("webhook"); err != nil {
		return nil, err
	}
	var n int
	if err := d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE owner_id = ?`, u.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxWebhooksPerUser {
		return nil, NewError(ETOOMANY, keyWebhookMax, Args{"count": n})
	}
	secret, err := randomHex("whsec_", 32)
	if err != nil {
		return nil, err
	}
	now := formatTime(d.db.Now())
	lists := filterJSON(f)
	var id int64
	if err := d.db.write.QueryRowContext(ctx, `INSERT INTO webhooks (owner_id, url, secret, description, events, departements,
		regions, epcis, tools, themes, actors, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.ID, rawURL, secret, desc, lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6], now, now).Scan(&id); err != nil {
		return nil, err
	}
	w, err := d.FindWebhook(ctx, u, id)
	if err != nil {
		return nil, err
	}
	w.Secret = secret
	return w, nil
}

func filterJSON(f WebhookFilter) [7]string {
	var out [7]string
	for i, l := range [][]string{f.Events, f.Departements, f.Regions, f.EPCIs, f.Tools, f.Themes, f.Actors} {
		if l == nil {
			l = []string{}
		}
		b, _ := json.Marshal(l)
		out[i] = string(b)
	}
	return out
}

func randomHex(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}

const webhookColumns = `w.id, w.owner_id, u.display_name, w.url, w.description, w.events, w.departements, w.regions, w.epcis,
	w.tools, w.themes, w.actors, w.active, w.disabled_at, w.disabled_reason, w.created_at, w.updated_at,
	(SELECT COUNT(*) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.status = 'pending'),
	(SELECT COUNT(*) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.status = 'delivered'),
	(SELECT COUNT(*) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.status = 'failed')`

func scanWebhook(s rowScanner) (*Webhook, error) {
	w := &Webhook{}
	var lists [7]string
	var disabled sql.NullString
	var created, updated string
	if err := s.Scan(&w.ID, &w.Owner.ID, &w.Owner.Name, &w.URL, &w.Description, &lists[0], &lists[1], &lists[2], &lists[3],
		&lists[4], &lists[5], &lists[6], &w.Active, &disabled, &w.DisabledReason, &created, &updated,
		&w.Pending, &w.Delivered, &w.Failed); err != nil {
		return nil, err
	}
	for i, dst := range []*[]string{&w.Filter.Events, &w.Filter.Departements, &w.Filter.Regions, &w.Filter.EPCIs,
		&w.Filter.Tools, &w.Filter.Themes, &w.Filter.Actors} {
		json.Unmarshal([]byte(lists[i]), dst)
	}
	w.DisabledAt, w.CreatedAt, w.UpdatedAt = parseTime(disabled.String), parseTime(created), parseTime(updated)
	return w, nil
}

// FindWebhooks lists u's webhooks (every account's for an administrator).
func (d *Directory) FindWebhooks(ctx context.Context, u *User) ([]*Webhook, error) {
	if err := d.mayManageWebhooks(ctx, u); err != nil {
		return nil, err
	}
	where, args := "w.owner_id = ?", []any{u.ID}
	if u.IsAdmin() {
		where, args = "1 = 1", nil
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks w JOIN users u ON u.id = w.owner_id
		WHERE `+where+` ORDER BY w.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// FindWebhook returns webhook id if u owns it (or is an administrator);
// ENOTFOUND otherwise, so that others' webhooks are not even confirmed.
func (d *Directory) FindWebhook(ctx context.Context, u *User, id int64) (*Webhook, error) {
	if err := d.mayManageWebhooks(ctx, u); err != nil {
		return nil, err
	}
	w, err := scanWebhook(d.db.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks w
		JOIN users u ON u.id = w.owner_id WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && w.Owner.ID != u.ID && !u.IsAdmin()) {
		return nil, NewError(ENOTFOUND, keyNoWebhook, Args{"id": id})
	}
	return w, err
}

// UpdateWebhook changes u's webhook id. Making it active again clears the
// notice of its disabling.
func (d *Directory) UpdateWebhook(ctx context.Context, u *User, id int64, patch WebhookPatch) (*Webhook, error) {
	w, err := d.FindWebhook(ctx, u, id)
	if err != nil {
		return nil, err
	}
	p := Problems{}
	if patch.URL != nil {
		w.URL = checkWebhookURL(&p, *patch.URL)
	}
	if patch.Description != nil {
		w.Description = strings.TrimSpace(*patch.Description)
		if utf8.RuneCountInString(w.Description) > 200 || !printable(w.Description) {
			p.Add("description", keyWebhookDescription, nil)
		}
	}
	if patch.Filter != nil {
		d.mu.RLock()
		w.Filter = d.checkFilterLocked(&p, *patch.Filter)
		d.mu.RUnlock()
	}
	if err := p.Err("webhook"); err != nil {
		return nil, err
	}
	active, disabledAt, reason := w.Active, any(nil), w.DisabledReason
	if !w.DisabledAt.IsZero() {
		disabledAt = formatTime(w.DisabledAt)
	}
	if patch.Active != nil {
		active = *patch.Active
		if active {
			disabledAt, reason = nil, ""
		}
	}
	lists := filterJSON(w.Filter)
	if _, err := d.db.write.ExecContext(ctx, `UPDATE webhooks SET url = ?, description = ?, events = ?, departements = ?,
		regions = ?, epcis = ?, tools = ?, themes = ?, actors = ?, active = ?, disabled_at = ?, disabled_reason = ?, updated_at = ?
		WHERE id = ?`, w.URL, w.Description, lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6],
		active, disabledAt, reason, formatTime(d.db.Now()), id); err != nil {
		return nil, err
	}
	return d.FindWebhook(ctx, u, id)
}

// DeleteWebhook deletes u's webhook id and its deliveries.
func (d *Directory) DeleteWebhook(ctx context.Context, u *User, id int64) error {
	if _, err := d.FindWebhook(ctx, u, id); err != nil {
		return err
	}
	_, err := d.db.write.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	return err
}

const deliveryColumns = `id, webhook_id, delivery_id, event, event_id, payload, status, attempts, next_attempt_at,
	last_attempt_at, last_status, last_error, replay_of, created_at, delivered_at`

func scanDelivery(s rowScanner) (*Delivery, error) {
	x := &Delivery{}
	var payload, created string
	var next, last, delivered sql.NullString
	var status, replay sql.NullInt64
	if err := s.Scan(&x.ID, &x.WebhookID, &x.DeliveryID, &x.Event, &x.EventID, &payload, &x.Status, &x.Attempts, &next,
		&last, &status, &x.LastError, &replay, &created, &delivered); err != nil {
		return nil, err
	}
	x.Payload = json.RawMessage(payload)
	x.NextAttemptAt, x.LastAttemptAt, x.CreatedAt, x.DeliveredAt = parseTime(next.String), parseTime(last.String), parseTime(created), parseTime(delivered.String)
	x.LastStatus, x.ReplayOf = int(status.Int64), replay.Int64
	return x, nil
}

// FindDeliveries lists the deliveries of u's webhook, newest first, with a
// status ("" for all); the total comes second.
func (d *Directory) FindDeliveries(ctx context.Context, u *User, webhookID int64, status string, limit, offset int) ([]*Delivery, int, error) {
	if _, err := d.FindWebhook(ctx, u, webhookID); err != nil {
		return nil, 0, err
	}
	if status != "" && status != DeliveryPending && status != DeliveryDelivered && status != DeliveryFailed {
		return nil, 0, FieldError("status", keyDeliveryStatus, nil)
	}
	where, args := "webhook_id = ?", []any{webhookID}
	if status != "" {
		where, args = where+" AND status = ?", append(args, status)
	}
	var total int
	if err := d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE `+where+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Delivery{}
	for rows.Next() {
		x, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// FindDelivery returns one delivery of u's webhook, by its delivery id.
func (d *Directory) FindDelivery(ctx context.Context, u *User, webhookID int64, deliveryID string) (*Delivery, error) {
	if _, err := d.FindWebhook(ctx, u, webhookID); err != nil {
		return nil, err
	}
	x, err := scanDelivery(d.db.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE webhook_id = ? AND delivery_id = ?`, webhookID, deliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoDelivery, Args{"delivery": deliveryID, "id": webhookID})
	}
	return x, err
}

// ReplayDelivery queues a delivery again, as a new delivery (its own
// delivery id) of the same event and payload, to send at once. ECONFLICT
// while the webhook is disabled.
func (d *Directory) ReplayDelivery(ctx context.Context, u *User, webhookID int64, deliveryID string) (*Delivery, error) {
	w, err := d.FindWebhook(ctx, u, webhookID)
	if err != nil {
		return nil, err
	}
	if !w.Active {
		return nil, NewError(ECONFLICT, keyWebhookDisabled, Args{"id": webhookID})
	}
	old, err := d.FindDelivery(ctx, u, webhookID, deliveryID)
	if err != nil {
		return nil, err
	}
	id, err := randomHex("", 16)
	if err != nil {
		return nil, err
	}
	now := formatTime(d.db.Now())
	var n int64
	if err := d.db.write.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, delivery_id, event, event_id, payload,
		next_attempt_at, replay_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		webhookID, id, old.Event, old.EventID, string(old.Payload), now, old.ID, now).Scan(&n); err != nil {
		return nil, err
	}
	return scanDelivery(d.db.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, n))
}

// OutgoingDelivery is a delivery to send now, with its webhook's address
// and secret.
type OutgoingDelivery struct {
	ID         int64
	WebhookID  int64
	DeliveryID string
	Event      string
	Payload    []byte
	URL        string
	Secret     string
	Attempts   int // before this one
	CreatedAt  time.Time
}

// ClaimDeliveries takes up to limit pending deliveries that are due at now,
// oldest first, and holds them until lease has passed: another dispatcher
// (another process on the same database) does not send them meanwhile, and
// they come back by themselves if this one stops before recording them.
func (d *Directory) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutgoingDelivery, error) {
	rows, err := d.db.write.QueryContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?
		WHERE id IN (SELECT x.id FROM webhook_deliveries x JOIN webhooks w ON w.id = x.webhook_id
			WHERE x.status = 'pending' AND x.next_attempt_at <= ? AND w.active = 1
			ORDER BY x.next_attempt_at, x.id LIMIT ?)
		RETURNING id`, formatTime(now.Add(lease)), formatTime(now), limit)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	out := make([]OutgoingDelivery, 0, len(ids))
	for _, id := range ids {
		var o OutgoingDelivery
		var payload, created string
		if err := d.db.read.QueryRowContext(ctx, `SELECT x.id, x.webhook_id, x.delivery_id, x.event, x.payload, w.url, w.secret,
			x.attempts, x.created_at FROM webhook_deliveries x JOIN webhooks w ON w.id = x.webhook_id WHERE x.id = ?`, id).Scan(
			&o.ID, &o.WebhookID, &o.DeliveryID, &o.Event, &payload, &o.URL, &o.Secret, &o.Attempts, &created); err != nil {
			return nil, err
		}
		o.Payload, o.CreatedAt = []byte(payload), parseTime(created)
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b OutgoingDelivery) int { return int(a.ID - b.ID) })
	return out, nil
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	At          time.Time
	StatusCode  int    // 0 when no answer came
	Error       string // why it failed; "" when delivered
	Delivered   bool
	NextAttempt time.Time // when to try again; zero: give up (the delivery fails)
}

// RecordDelivery records an attempt of delivery id.
func (d *Directory) RecordDelivery(ctx context.Context, id int64, r DeliveryResult) error {
	at := formatTime(r.At)
	var status any
	if r.StatusCode != 0 {
		status = r.StatusCode
	}
	switch {
	case r.Delivered:
		_, err := d.db.write.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
			last_attempt_at = ?, last_status = ?, last_error = '', next_attempt_at = NULL, delivered_at = ? WHERE id = ?`,
			at, status, at, id)
		return err
	case r.NextAttempt.IsZero():
		_, err := d.db.write.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1,
			last_attempt_at = ?, last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?`,
			at, status, trimError(r.Error), id)
		return err
	default:
		_, err := d.db.write.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?,
			last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
			at, status, trimError(r.Error), formatTime(r.NextAttempt), id)
		return err
	}
}

func trimError(s string) string {
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "?")
}

// DisableFailingWebhook disables webhook id, with the notice its owner
// reads, unless one of its deliveries succeeded since then (the webhook
// works, only some events fail); its waiting deliveries fail with it (the
// owner replays them once it works again). It reports whether it disabled it.
func (d *Directory) DisableFailingWebhook(ctx context.Context, id int64, since time.Time, notice string) (bool, error) {
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	now := formatTime(d.db.Now())
	res, err := tx.ExecContext(ctx, `UPDATE webhooks SET active = 0, disabled_at = ?, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND active = 1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries
			WHERE webhook_id = ? AND status = 'delivered' AND delivered_at >= ?)`, now, notice, now, id, id, formatTime(since))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
		last_error = CASE WHEN last_error = '' THEN 'not sent: the webhook was disabled' ELSE last_error END
		WHERE webhook_id = ? AND status = 'pending'`, id); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// --- events ---

// Event is what a webhook receives: the JSON body of a delivery.
type Event struct {
	ID        string            `json:"id"`   // the same in every copy of the event (replays included)
	Type      string            `json:"type"` // one of EventTypes
	CreatedAt string            `json:"created_at"`
	Record    EventRecord       `json:"record"`
	Proposal  *EventProposal    `json:"proposal,omitempty"`
	Revert    *EventRevert      `json:"revert,omitempty"`
	Sync      *EventSync        `json:"sync,omitempty"`
	Report    *EventReport      `json:"report,omitempty"`
	Territory EventTerritory    `json:"territory"`
	Actors    []string          `json:"actors"` // the actors concerned (the record's, an adoption's adopter)
	Tools     []string          `json:"tools"`  // the tools concerned (the record, an adoption's, an actor's in use)
	Themes    []string          `json:"themes"` // the themes of those tools
	Links     map[string]string `json:"links"`  // page, api, history…: absolute when the site's URL is known
}

// EventRecord is the record an event is about, as it is after the event.
type EventRecord struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Version int    `json:"version"`
	Deleted bool   `json:"deleted,omitempty"`
}

// EventProposal is the proposal an event is about.
type EventProposal struct {
	ID             int64                  `json:"id"`
	Action         string                 `json:"action"`
	Status         string                 `json:"status"`
	ApprovedBy     string                 `json:"approved_by,omitempty"`
	NeedsReview    bool                   `json:"needs_review,omitempty"`
	Author         UserRef                `json:"author"`
	BaseVersion    int                    `json:"base_version"`
	AppliedVersion int                    `json:"applied_version,omitempty"`
	Changes        map[string]FieldChange `json:"changes"`
	Comment        string                 `json:"comment,omitempty"`
	Source         string                 `json:"source,omitempty"`
}

// EventRevert says what a revert restored.
type EventRevert struct {
	Version    int     `json:"version"`               // the new version
	RevertedTo int     `json:"reverted_to,omitempty"` // the version restored (a moderator's revert)
	ProposalID int64   `json:"proposal_id,omitempty"` // the proposal undone (a rejected change)
	Reason     string  `json:"reason"`
	By         UserRef `json:"by"`
}

// EventSync is a change an import from an official source wrote by
// itself (a DILA sync), without a proposal.
type EventSync struct {
	Source  string                 `json:"source"` // dila:<id>
	Reason  string                 `json:"reason"` // as in the history
	By      UserRef                `json:"by"`     // the import's system account
	Changes map[string]FieldChange `json:"changes"`
}

// EventReport is the report an event is about.
type EventReport struct {
	ID       int64    `json:"id"`
	Reason   string   `json:"reason"`
	Comment  string   `json:"comment,omitempty"`
	Reporter *UserRef `json:"reporter,omitempty"`
}

// EventTerritory is where the record is.
type EventTerritory struct {
	Departement string   `json:"departement,omitempty"`
	Region      string   `json:"region,omitempty"`
	EPCIs       []string `json:"epcis,omitempty"`
}

// matches reports whether a webhook with filter f receives ev.
func (f *WebhookFilter) matches(ev *Event) bool {
	if len(f.Events) > 0 && !slices.Contains(f.Events, ev.Type) {
		return false
	}
	if len(f.Departements)+len(f.Regions)+len(f.EPCIs) > 0 {
		t := ev.Territory
		in := (t.Departement != "" && slices.Contains(f.Departements, t.Departement)) ||
			(t.Region != "" && slices.Contains(f.Regions, t.Region)) ||
			slices.ContainsFunc(t.EPCIs, func(e string) bool { return slices.Contains(f.EPCIs, e) }) ||
			slices.ContainsFunc(ev.Actors, func(a string) bool { return slices.Contains(f.EPCIs, a) })
		if !in {
			return false
		}
	}
	anyOf := func(want, have []string) bool {
		return len(want) == 0 || slices.ContainsFunc(have, func(v string) bool { return slices.Contains(want, v) })
	}
	return anyOf(f.Tools, ev.Tools) && anyOf(f.Themes, ev.Themes) && anyOf(f.Actors, ev.Actors)
}

// eventFor describes record r (as it is after the change) for an event of
// type typ, with what webhook filters look at: its territory, the actors
// and tools it concerns, their themes.
func (d *Directory) eventFor(ctx context.Context, tx *sql.Tx, typ string, r *record, now time.Time) (*Event, error) {
	id, err := randomHex("evt_", 12)
	if err != nil {
		return nil, err
	}
	ev := &Event{ID: id, Type: typ, CreatedAt: formatTime(now), Actors: []string{}, Tools: []string{}, Themes: []string{},
		Record: EventRecord{Type: r.Type, ID: r.ID, Name: r.str("name"), Version: r.Version, Deleted: r.deleted()}}
	actor := ""
	switch r.Type {
	case TypeActor:
		actor = r.ID
	case TypeAdoption:
		actor = r.str("actor")
		ev.Tools = append(ev.Tools, r.str("tool"))
	case TypeTool:
		ev.Tools = append(ev.Tools, r.ID)
	}
	if actor != "" {
		ev.Actors = append(ev.Actors, actor)
		a := r
		if r.Type != TypeActor {
			if a, err = loadRecord(ctx, tx, TypeActor, actor); err != nil {
				return nil, err
			}
		}
		if r.Type == TypeAdoption {
			ev.Record.Name = a.str("name") + " — " + r.str("tool")
		}
		ev.Territory.Departement, ev.Territory.Region = a.str("departement"), a.str("region")
		var parents []string
		json.Unmarshal(a.Fields["parents"], &parents)
		for _, p := range parents {
			if strings.HasPrefix(p, KindEPCI+"-") {
				ev.Territory.EPCIs = append(ev.Territory.EPCIs, p)
			}
		}
		if r.Type == TypeActor {
			rows, err := tx.QueryContext(ctx, `SELECT tool_slug FROM adoptions WHERE actor_id = ? AND deleted = 0 AND status = ? ORDER BY tool_slug`,
				actor, StatusInUse)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var t string
				if err := rows.Scan(&t); err != nil {
					rows.Close()
					return nil, err
				}
				ev.Tools = append(ev.Tools, t)
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
	}
	for _, t := range ev.Tools {
		var themes string
		err := tx.QueryRowContext(ctx, `SELECT themes FROM tools WHERE slug = ?`, t).Scan(&themes)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, err
		}
		var list []string
		json.Unmarshal([]byte(themes), &list)
		for _, th := range list {
			if !slices.Contains(ev.Themes, th) {
				ev.Themes = append(ev.Themes, th)
			}
		}
	}
	slices.Sort(ev.Themes)
	ev.Links = d.eventLinks(r)
	return ev, nil
}

// eventLinks are the addresses of record r's page, API record and history.
func (d *Directory) eventLinks(r *record) map[string]string {
	base := strings.TrimRight(d.SiteURL, "/")
	esc := url.PathEscape(r.ID)
	switch r.Type {
	case TypeActor:
		return map[string]string{"page": base + "/acteurs/" + esc, "api": base + "/api/collections/actors/items/" + esc,
			"history": base + "/api/actors/" + esc + "/history"}
	case TypeTool:
		return map[string]string{"page": base + "/outils/" + esc, "api": base + "/api/tools/" + esc,
			"history": base + "/api/tools/" + esc + "/history"}
	default:
		return map[string]string{"page": base + "/acteurs/" + url.PathEscape(r.str("actor")),
			"api": base + "/api/collections/adoptions/items/" + esc, "history": base + "/api/adoptions/" + esc + "/history"}
	}
}

// userRef names user id inside tx.
func userRef(ctx context.Context, tx *sql.Tx, id int64) (UserRef, error) {
	ref := UserRef{ID: id}
	err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, id).Scan(&ref.Name)
	return ref, err
}

// proposalEvent describes proposal p (its record as it is now) for an event.
func (d *Directory) proposalEvent(ctx context.Context, tx *sql.Tx, typ string, p *storedProposal, r *record, now time.Time) (*Event, error) {
	ev, err := d.eventFor(ctx, tx, typ, r, now)
	if err != nil {
		return nil, err
	}
	author, err := userRef(ctx, tx, p.AuthorID)
	if err != nil {
		return nil, err
	}
	ep := &EventProposal{ID: p.ID, Action: p.Action, Author: author, BaseVersion: p.BaseVersion, Changes: map[string]FieldChange{}, Source: p.Source}
	if err := tx.QueryRowContext(ctx, `SELECT status, approved_by, needs_review, COALESCE(applied_version, 0), comment FROM proposals WHERE id = ?`,
		p.ID).Scan(&ep.Status, &ep.ApprovedBy, &ep.NeedsReview, &ep.AppliedVersion, &ep.Comment); err != nil {
		return nil, err
	}
	for k, c := range p.Changes {
		ep.Changes[k] = FieldChange{Old: c.Old, New: c.New}
	}
	ev.Proposal = ep
	ev.Links["proposal"] = strings.TrimRight(d.SiteURL, "/") + "/api/proposals/" + strconv.FormatInt(p.ID, 10)
	return ev, nil
}

// enqueueEvent queues ev for every active webhook whose filter it matches,
// inside the transaction of the change it reports: the deliveries exist if
// and only if the change does, and nothing is sent before the commit.
func enqueueEvent(ctx context.Context, tx *sql.Tx, ev *Event, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT w.id, w.events, w.departements, w.regions, w.epcis, w.tools, w.themes, w.actors,
		u.role IN ('moderator', 'admin') FROM webhooks w JOIN users u ON u.id = w.owner_id WHERE w.active = 1`)
	if err != nil {
		return err
	}
	type hook struct {
		id        int64
		moderator bool
	}
	var hooks []hook
	for rows.Next() {
		var h hook
		var lists [7]string
		if err := rows.Scan(&h.id, &lists[0], &lists[1], &lists[2], &lists[3], &lists[4], &lists[5], &lists[6], &h.moderator); err != nil {
			rows.Close()
			return err
		}
		var f WebhookFilter
		for i, dst := range []*[]string{&f.Events, &f.Departements, &f.Regions, &f.EPCIs, &f.Tools, &f.Themes, &f.Actors} {
			json.Unmarshal([]byte(lists[i]), dst)
		}
		if f.matches(ev) {
			hooks = append(hooks, h)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	full, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	// Reports are moderators' business: who reported and what they wrote
	// go only to webhooks of moderators and administrators; the others
	// learn that a record was reported, and why.
	public := full
	if ev.Report != nil && (ev.Report.Reporter != nil || ev.Report.Comment != "") {
		redacted := *ev
		r := *ev.Report
		r.Reporter, r.Comment = nil, ""
		redacted.Report = &r
		if public, err = json.Marshal(&redacted); err != nil {
			return err
		}
	}
	nowS := formatTime(now)
	for _, h := range hooks {
		id, err := randomHex("", 16)
		if err != nil {
			return err
		}
		payload := public
		if h.moderator {
			payload = full
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, delivery_id, event, event_id, payload,
			next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, h.id, id, ev.Type, ev.ID, string(payload), nowS, nowS); err != nil {
			return fmt.Errorf("queue webhook delivery: %w", err)
		}
	}
	return nil
}

// hasWebhooks reports whether any webhook is active: without one, no event
// is even described.
func hasWebhooks(ctx context.Context, tx *sql.Tx) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE active = 1) THEN 1 ELSE 0 END`).Scan(&n)
	return n == 1, err
}

// emit describes and queues an event built by build, if any webhook is active.
func emit(ctx context.Context, tx *sql.Tx, now time.Time, build func() (*Event, error)) error {
	ok, err := hasWebhooks(ctx, tx)
	if err != nil || !ok {
		return err
	}
	ev, err := build()
	if err != nil {
		return err
	}
	return enqueueEvent(ctx, tx, ev, now)
}

// revertEvent describes the revert of record typ id (as it is now, after
// the revert) by u.
func (d *Directory) revertEvent(ctx context.Context, tx *sql.Tx, typ, id string, rv *EventRevert, u *User, now time.Time) (*Event, error) {
	r, err := loadRecord(ctx, tx, typ, id)
	if err != nil {
		return nil, err
	}
	ev, err := d.eventFor(ctx, tx, EventChangeReverted, r, now)
	if err != nil {
		return nil, err
	}
	rv.Version, rv.By = r.Version, UserRef{ID: u.ID, Name: u.DisplayName}
	ev.Revert = rv
	return ev, nil
}

// PruneDeliveries deletes the deliveries delivered or failed before cutoff
// (their outcome no longer matters; the queue stays small) and returns how
// many it deleted. Pending ones are kept whatever their age.
func (d *Directory) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := d.db.write.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?`, formatTime(cutoff))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
