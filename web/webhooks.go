package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Webhooks: moderators, and accounts an administrator allows, register URLs
// to be told of proposals, applied and reverted changes and reports in
// their area (see package webhook for the deliveries).

func (s *Server) registerWebhookRoutes() {
	s.get("/api/webhooks", userAPI(s, "", s.handleWebhookIndex))
	s.engine.POST("/api/webhooks", userAPI(s, "", s.handleWebhookCreate))
	s.get("/api/webhooks/:id", userAPI(s, "id", s.handleWebhookView))
	s.engine.PATCH("/api/webhooks/:id", userAPI(s, "id", s.handleWebhookUpdate))
	s.engine.DELETE("/api/webhooks/:id", userAPI(s, "id", s.handleWebhookDelete))
	s.get("/api/webhooks/:id/deliveries", userAPI(s, "id", s.handleDeliveryIndex))
	s.get("/api/webhooks/:id/deliveries/:delivery", userAPI(s, "id", s.handleDeliveryView))
	s.engine.POST("/api/webhooks/:id/deliveries/:delivery/replay", userAPI(s, "id", s.handleDeliveryReplay))
	s.engine.PUT("/api/users/:id/webhooks", userAPI(s, "id", s.handleWebhookRight))
}

// webhookBody is a webhook as posted (every field) or patched (those given).
type webhookBody struct {
	URL          *string   `json:"url"`
	Description  *string   `json:"description"`
	Events       *[]string `json:"events"`
	Departements *[]string `json:"departements"`
	Regions      *[]string `json:"regions"`
	EPCIs        *[]string `json:"epcis"`
	Tools        *[]string `json:"tools"`
	Themes       *[]string `json:"themes"`
	Actors       *[]string `json:"actors"`
	Active       *bool     `json:"active"`
}

// filter applies the body's filter fields over f, and says whether it had any.
func (b *webhookBody) filter(f directory.WebhookFilter) (directory.WebhookFilter, bool) {
	given := false
	for _, x := range []struct {
		src *[]string
		dst *[]string
	}{{b.Events, &f.Events}, {b.Departements, &f.Departements}, {b.Regions, &f.Regions}, {b.EPCIs, &f.EPCIs},
		{b.Tools, &f.Tools}, {b.Themes, &f.Themes}, {b.Actors, &f.Actors}} {
		if x.src != nil {
			*x.dst, given = *x.src, true
		}
	}
	return f, given
}

type webhookJSON struct {
	ID             int64             `json:"id"`
	Owner          directory.UserRef `json:"owner"`
	URL            string            `json:"url"`
	Description    string            `json:"description,omitempty"`
	Events         []string          `json:"events"`
	Departements   []string          `json:"departements"`
	Regions        []string          `json:"regions"`
	EPCIs          []string          `json:"epcis"`
	Tools          []string          `json:"tools"`
	Themes         []string          `json:"themes"`
	Actors         []string          `json:"actors"`
	Active         bool              `json:"active"`
	DisabledAt     string            `json:"disabled_at,omitempty"`
	DisabledReason string            `json:"disabled_reason,omitempty"`
	Secret         string            `json:"secret,omitempty"`
	Deliveries     map[string]int    `json:"deliveries"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
	Links          []link            `json:"links"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) webhookJSON(c *gin.Context, w *directory.Webhook) webhookJSON {
	base := s.baseURL(c.Request) + "/api/webhooks/" + itoa(w.ID)
	f := w.Filter
	return webhookJSON{ID: w.ID, Owner: w.Owner, URL: w.URL, Description: w.Description, Events: nonNil(f.Events),
		Departements: nonNil(f.Departements), Regions: nonNil(f.Regions), EPCIs: nonNil(f.EPCIs), Tools: nonNil(f.Tools),
		Themes: nonNil(f.Themes), Actors: nonNil(f.Actors), Active: w.Active, DisabledAt: rfc3339(w.DisabledAt),
		DisabledReason: w.DisabledReason, Secret: w.Secret,
		Deliveries: map[string]int{"pending": w.Pending, "delivered": w.Delivered, "failed": w.Failed},
		CreatedAt:  rfc3339(w.CreatedAt), UpdatedAt: rfc3339(w.UpdatedAt),
		Links: []link{{Href: base, Rel: "self", Type: mediaJSON}, {Href: base + "/deliveries", Rel: "deliveries", Type: mediaJSON}}}
}

type deliveryJSON struct {
	ID            string          `json:"id"`
	Event         string          `json:"event"`
	EventID       string          `json:"event_id"`
	Status        string          `json:"status"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt string          `json:"next_attempt_at,omitempty"`
	LastAttemptAt string          `json:"last_attempt_at,omitempty"`
	LastStatus    int             `json:"last_status,omitempty"`
	LastError     string          `json:"last_error,omitempty"`
	Replay        bool            `json:"replay,omitempty"`
	CreatedAt     string          `json:"created_at"`
	DeliveredAt   string          `json:"delivered_at,omitempty"`
	Payload       json.RawMessage `json:"payload,omitempty"`
}

func toDeliveryJSON(x *directory.Delivery, withPayload bool) deliveryJSON {
	j := deliveryJSON{ID: x.DeliveryID, Event: x.Event, EventID: x.EventID, Status: x.Status, Attempts: x.Attempts,
		LastAttemptAt: rfc3339(x.LastAttemptAt), LastStatus: x.LastStatus, LastError: x.LastError, Replay: x.ReplayOf != 0,
		CreatedAt: rfc3339(x.CreatedAt), DeliveredAt: rfc3339(x.DeliveredAt)}
	if x.Status == directory.DeliveryPending {
		j.NextAttemptAt = rfc3339(x.NextAttemptAt)
	}
	if withPayload {
		j.Payload = x.Payload
	}
	return j
}

func (s *Server) handleWebhookIndex(r *apiRequest, _ *noBody) (reply, error) {
	list, err := s.dir.FindWebhooks(r.ctx, r.user)
	if err != nil {
		return reply{}, err
	}
	out := make([]webhookJSON, len(list))
	for i, w := range list {
		out[i] = s.webhookJSON(r.c, w)
	}
	return ok(gin.H{"webhooks": out, "event_types": directory.EventTypes}), nil
}

// The problems of the webhook routes' own checks.
var (
	keyWebhookActive  = directory.NewKey("webhook.active", "is not set when registering: a new webhook is active")
	keyWebhookAllowed = directory.NewKey("webhook.allowed", "is required: true to let the account manage webhooks, false to take the right back")
)

func (s *Server) handleWebhookCreate(r *apiRequest, b *webhookBody) (reply, error) {
	if b.Active != nil {
		return reply{}, directory.FieldError("active", keyWebhookActive, nil)
	}
	in := directory.WebhookInput{}
	if b.URL != nil {
		in.URL = *b.URL
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	in.Filter, _ = b.filter(directory.WebhookFilter{})
	// The right first, then the address: an account without the right
	// learns nothing of which hosts resolve.
	if err := s.dir.MayManageWebhooks(r.ctx, r.user); err != nil {
		return reply{}, err
	}
	if in.URL != "" {
		if err := s.cfg.WebhookGuard.CheckURL(r.ctx, in.URL); err != nil {
			return reply{}, err
		}
	}
	w, err := s.dir.CreateWebhook(r.ctx, r.user, in)
	if err != nil {
		return reply{}, err
	}
	return created(gin.H{"webhook": s.webhookJSON(r.c, w),
		"note": "copy the secret now: it is not shown again. Each delivery carries X-Voisinage-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>."},
		"/api/webhooks/"+itoa(w.ID)), nil
}

func (s *Server) handleWebhookView(r *apiRequest, _ *noBody) (reply, error) {
	w, err := s.dir.FindWebhook(r.ctx, r.user, r.id)
	if err != nil {
		return reply{}, err
	}
	return ok(gin.H{"webhook": s.webhookJSON(r.c, w)}), nil
}

func (s *Server) handleWebhookUpdate(r *apiRequest, b *webhookBody) (reply, error) {
	w, err := s.dir.FindWebhook(r.ctx, r.user, r.id)
	if err != nil {
		return reply{}, err
	}
	patch := directory.WebhookPatch{URL: b.URL, Description: b.Description, Active: b.Active}
	if f, ok := b.filter(w.Filter); ok {
		patch.Filter = &f
	}
	if b.URL != nil {
		if err := s.cfg.WebhookGuard.CheckURL(r.ctx, *b.URL); err != nil {
			return reply{}, err
		}
	}
	if w, err = s.dir.UpdateWebhook(r.ctx, r.user, r.id, patch); err != nil {
		return reply{}, err
	}
	return ok(gin.H{"webhook": s.webhookJSON(r.c, w)}), nil
}

func (s *Server) handleWebhookDelete(r *apiRequest, _ *noBody) (reply, error) {
	return noContent, s.dir.DeleteWebhook(r.ctx, r.user, r.id)
}

var deliveryIndexParams = []string{"status", "limit", "offset"}

func (s *Server) handleDeliveryIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query(deliveryIndexParams)
	status := p.oneOf("status", "", "", directory.DeliveryPending, directory.DeliveryDelivered, directory.DeliveryFailed)
	limit := p.integer("limit", 50, 1, 500, false)
	offset := p.integer("offset", 0, 0, 1<<31-1, false)
	if err := p.err(); err != nil {
		return reply{}, err
	}
	list, total, err := s.dir.FindDeliveries(r.ctx, r.user, r.id, status, limit, offset)
	if err != nil {
		return reply{}, err
	}
	out := make([]deliveryJSON, len(list))
	for i, x := range list {
		out[i] = toDeliveryJSON(x, false)
	}
	return ok(gin.H{"deliveries": out, "numberMatched": total, "numberReturned": len(out)}), nil
}

func (s *Server) handleDeliveryView(r *apiRequest, _ *noBody) (reply, error) {
	x, err := s.dir.FindDelivery(r.ctx, r.user, r.id, r.param("delivery"))
	if err != nil {
		return reply{}, err
	}
	return ok(gin.H{"delivery": toDeliveryJSON(x, true)}), nil
}

func (s *Server) handleDeliveryReplay(r *apiRequest, _ *noBody) (reply, error) {
	x, err := s.dir.ReplayDelivery(r.ctx, r.user, r.id, r.param("delivery"))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: gin.H{"delivery": toDeliveryJSON(x, false)}}, nil
}

// webhookRightBody gives or takes back an account's right to manage webhooks.
type webhookRightBody struct {
	Allowed *bool `json:"allowed"`
}

func (s *Server) handleWebhookRight(r *apiRequest, b *webhookRightBody) (reply, error) {
	if b.Allowed == nil {
		return reply{}, directory.FieldError("allowed", keyWebhookAllowed, nil)
	}
	if err := s.dir.SetWebhookRight(r.ctx, r.user, r.id, *b.Allowed); err != nil {
		return reply{}, err
	}
	return ok(gin.H{"user_id": r.id, "webhooks": *b.Allowed}), nil
}
