package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// TestWebhookAPI registers, reads, changes, replays and deletes webhooks
// through the API, with the default guard (no private addresses).
func TestWebhookAPI(t *testing.T) {
	h := newHarness(t, web.Config{})
	mod := h.users[moderator]
	type hookAnswer struct {
		Webhook struct {
			ID         int64
			URL        string
			Secret     string
			Active     bool
			Events     []string
			Deliveries map[string]int
		}
		Note string
	}
	// SSRF: loopback, private and link-local targets are refused at registration.
	for _, url := range []string{"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://10.0.0.2/hook", "http://169.254.169.254/latest/meta-data/", "http://localhost/hook"} {
		w := h.send(mod, "POST", "/api/webhooks", map[string]any{"url": url})
		var e apiError
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Fields["url"] == "" {
			t.Errorf("%s: %d %s, want 400 naming url", url, w.Code, w.Body)
		}
	}
	for body, field := range map[string]string{
		`{"url":"ftp://93.184.216.34/"}`:                                                    "url",
		`{"url":"https://user:pw@93.184.216.34/"}`:                                          "url",
		`{"url":"https://93.184.216.34/","departements":["999"]}`:                           "departements",
		`{"url":"https://93.184.216.34/","events":["change.deleted"]}`:                      "events",
		`{"url":"https://93.184.216.34/","epcis":["commune-88160"]}`:                        "epcis",
		`{"url":"https://93.184.216.34/","tools":["nope"]}`:                                 "tools",
		`{"url":"https://93.184.216.34/","active":false}`:                                   "active",
		`{"url":"https://93.184.216.34/","departement":["88"]}`:                             "departement",
		`{"url":"https://93.184.216.34/","themes":["sport"]}`:                               "themes",
		`{"url":"https://93.184.216.34/","actors":["commune-00000"]}`:                       "actors",
		`{"url":"https://93.184.216.34/","description":"` + strings.Repeat("x", 201) + `"}`: "description",
	} {
		w := h.send(mod, "POST", "/api/webhooks", body)
		var e apiError
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Fields[field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", body, w.Code, w.Body, field)
		}
	}

	var created hookAnswer
	w := h.send(mod, "POST", "/api/webhooks", map[string]any{"url": "https://93.184.216.34/voisinage", "description": "Vosges",
		"departements": []string{"88"}, "events": []string{"report.filed", "change.applied"}})
	if w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	json.Unmarshal(w.Body.Bytes(), &created)
	if !strings.HasPrefix(created.Webhook.Secret, "whsec_") || !created.Webhook.Active || !strings.Contains(created.Note, "X-Voisinage-Signature") {
		t.Fatalf("created: %+v", created)
	}
	id := created.Webhook.ID
	// The secret is shown once.
	var list struct{ Webhooks []map[string]any }
	json.Unmarshal(h.send(mod, "GET", "/api/webhooks", nil).Body.Bytes(), &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0]["secret"] != nil {
		t.Fatalf("list: %+v", list)
	}
	// An event in the Vosges queues a delivery the owner sees, with its body.
	h.report()
	var deliveries struct {
		Deliveries []struct {
			ID, Event, Status string
			Attempts          int
		}
		NumberMatched int
	}
	w = h.send(mod, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", id), nil)
	json.Unmarshal(w.Body.Bytes(), &deliveries)
	if w.Code != 200 || deliveries.NumberMatched != 1 || deliveries.Deliveries[0].Event != "report.filed" || deliveries.Deliveries[0].Status != "pending" {
		t.Fatalf("deliveries: %d %s", w.Code, w.Body)
	}
	did := deliveries.Deliveries[0].ID
	var one struct {
		Delivery struct {
			ID      string
			Payload directory.Event
		}
	}
	json.Unmarshal(h.send(mod, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries/%s", id, did), nil).Body.Bytes(), &one)
	if one.Delivery.ID != did || one.Delivery.Payload.Type != "report.filed" || one.Delivery.Payload.Report == nil ||
		one.Delivery.Payload.Links["page"] != "/acteurs/"+one.Delivery.Payload.Record.ID { // paths: no -base-url here
		t.Fatalf("one delivery: %+v", one)
	}
	if w := h.send(mod, "POST", fmt.Sprintf("/api/webhooks/%d/deliveries/%s/replay", id, did), nil); w.Code != 201 {
		t.Fatalf("replay: %d %s", w.Code, w.Body)
	}
	if w := h.send(mod, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries?status=bogus", id), nil); w.Code != 400 {
		t.Errorf("bad status filter: %d", w.Code)
	}
	// Changes: the filter, a refused URL.
	if w := h.send(mod, "PATCH", fmt.Sprintf("/api/webhooks/%d", id), map[string]any{"events": []string{}}); w.Code != 200 {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	if w := h.send(mod, "PATCH", fmt.Sprintf("/api/webhooks/%d", id), map[string]any{"url": "http://192.168.1.1/"}); w.Code != 400 {
		t.Fatalf("patch to a private address: %d %s", w.Code, w.Body)
	}
	// Others: another moderator does not see it; a contributor may not manage webhooks.
	other := h.freshUser(directory.RoleModerator)
	if w := h.send(other, "GET", fmt.Sprintf("/api/webhooks/%d", id), nil); w.Code != 404 {
		t.Errorf("another moderator: %d", w.Code)
	}
	if w := h.send(h.users[contributor], "POST", "/api/webhooks", map[string]any{"url": "https://93.184.216.34/"}); w.Code != 403 {
		t.Errorf("a contributor: %d %s", w.Code, w.Body)
	}
	// An admin gives a contributor the right; the contributor's API token then may.
	site := h.freshUser(directory.RoleContributor)
	if w := h.send(h.users[admin], "PUT", fmt.Sprintf("/api/users/%d/webhooks", site.ID), map[string]bool{"allowed": true}); w.Code != 200 {
		t.Fatalf("grant: %d %s", w.Code, w.Body)
	}
	tok, _ := h.d.CreateAPIToken(context.Background(), site, "regional site")
	if w := h.send(nil, "POST", "/api/webhooks", map[string]any{"url": "https://93.184.216.34/site"}, "Authorization", "Bearer "+tok.Token); w.Code != 201 {
		t.Fatalf("a regional site's token: %d %s", w.Code, w.Body)
	}
	if w := h.send(mod, "DELETE", fmt.Sprintf("/api/webhooks/%d", id), nil); w.Code != 204 {
		t.Fatalf("delete: %d", w.Code)
	}
	if w := h.send(mod, "GET", fmt.Sprintf("/api/webhooks/%d", id), nil); w.Code != 404 {
		t.Errorf("after delete: %d", w.Code)
	}
}
