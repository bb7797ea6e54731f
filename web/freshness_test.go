package web_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/web"
)

type fcDoc struct {
	NumberMatched *int `json:"numberMatched"`
	Features      []struct {
		ID         string `json:"id"`
		Properties struct {
			Stale     bool   `json:"stale"`
			UpdatedAt string `json:"updated_at"`
			Adoptions []struct {
				ID         string `json:"id"`
				Stale      bool   `json:"stale"`
				VerifiedAt string `json:"verified_at"`
			} `json:"adoptions"`
		} `json:"properties"`
	} `json:"features"`
}

func getDoc(t *testing.T, h *harness, path string) fcDoc {
	t.Helper()
	w := h.send(nil, "GET", path, nil)
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	var d fcDoc
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Staleness and confirmations through the API and the pages: the stale=
// and verified_since= filters, "toujours d'actualité" from a contributor
// (waits) and a moderator (applies), the moderators' queue of facts to
// check, and "last updated" as the last real change.
func TestFreshnessThroughAPIAndPages(t *testing.T) {
	h := newSeededHarness(t, web.Config{})

	// The seed adoptions (2009–2016) are stale.
	stale := getDoc(t, h, "/api/collections/actors/items?stale=true&limit=100")
	if len(stale.Features) == 0 {
		t.Fatal("stale=true matches nothing")
	}
	var actor, adoption string
	for _, f := range stale.Features {
		if !f.Properties.Stale {
			t.Fatalf("%s matched stale=true without stale: true", f.ID)
		}
		for _, ad := range f.Properties.Adoptions {
			if ad.Stale && actor == "" {
				actor, adoption = f.ID, ad.ID
			}
		}
	}
	// (numberMatched is given only when it is exact and cheap: count pages.)
	notStale := getDoc(t, h, "/api/collections/actors/items?stale=false&limit=100")
	if len(notStale.Features) != 100 {
		t.Errorf("stale=false returned %d", len(notStale.Features))
	}
	for _, f := range notStale.Features {
		if f.Properties.Stale || f.ID == actor {
			t.Errorf("stale=false returned %s, stale", f.ID)
		}
	}
	near := getDoc(t, h, "/api/nearby?actor="+actor+"&stale=true&limit=5")
	for _, f := range near.Features {
		if !f.Properties.Stale {
			t.Errorf("nearby stale=true returned %s", f.ID)
		}
	}
	for _, q := range []string{"stale=maybe", "verified_since=yesterday"} {
		w := h.send(nil, "GET", "/api/collections/actors/items?"+q, nil)
		var e apiError
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Fields[strings.Split(q, "=")[0]] == "" {
			t.Errorf("%s: %d %+v", q, w.Code, e)
		}
	}
	var openapi struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name string } `json:"parameters"`
		} `json:"paths"`
	}
	json.Unmarshal(h.send(nil, "GET", "/api/openapi.json", nil).Body.Bytes(), &openapi)
	for _, path := range []string{"/api/collections/{collection}/items", "/api/nearby"} {
		var names []string
		for _, p := range openapi.Paths[path]["get"].Parameters {
			names = append(names, p.Name)
		}
		if !strings.Contains(strings.Join(names, ","), "stale") || !strings.Contains(strings.Join(names, ","), "verified_since") {
			t.Errorf("OpenAPI %s lacks stale or verified_since: %v", path, names)
		}
	}

	t.Run("ContributorConfirms", func(t *testing.T) {
		w := h.send(h.users[contributor], "POST", "/api/confirmations", map[string]string{"target_type": "adoption", "target_id": adoption})
		if w.Code != 202 {
			t.Fatalf("contributor's confirmation: %d %s", w.Code, w.Body)
		}
		var c struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		json.Unmarshal(w.Body.Bytes(), &c)
		// The page of facts to check lists it; the moderator validates it there.
		page := h.send(h.mod, "GET", "/moderation/a-verifier", nil).Body.String()
		if !strings.Contains(page, "confirmation-"+itoa(c.ID, "%d")) || !strings.Contains(page, "User contributor") {
			t.Fatalf("the queue page does not list the confirmation")
		}
		w = h.send(h.mod, "POST", "/moderation/confirmations/"+itoa(c.ID, "%d"), url.Values{"decision": {"approve"}, "retour": {"/moderation/a-verifier"}})
		if w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "fait=confirmationApproved") {
			t.Fatalf("approve from the page: %d %s", w.Code, w.Header().Get("Location"))
		}
		doc := getDoc(t, h, "/api/collections/actors/items?verified_since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		if len(doc.Features) != 1 || doc.Features[0].ID != actor {
			t.Fatalf("verified_since matched %d", len(doc.Features))
		}
		for _, ad := range doc.Features[0].Properties.Adoptions {
			if ad.ID == adoption && (ad.Stale || ad.VerifiedAt == "") {
				t.Fatalf("the confirmed adoption: %+v", ad)
			}
		}
	})

	t.Run("ModeratorConfirms", func(t *testing.T) {
		w := h.send(h.mod, "POST", "/api/confirmations", map[string]string{"target_type": "actor", "target_id": "commune-88160", "field": "phone"})
		if w.Code != 400 || !strings.Contains(w.Body.String(), "no value") {
			t.Fatalf("confirming a field without value: %d %s", w.Code, w.Body)
		}
		h.propose(h.mod, "actor", "commune-88160", "phone", "03 29 00 00 02")
		w = h.send(h.mod, "POST", "/api/confirmations", map[string]string{"target_type": "actor", "target_id": "commune-88160", "field": "phone"})
		if w.Code != 201 {
			t.Fatalf("moderator's confirmation: %d %s", w.Code, w.Body)
		}
		// The history says so.
		hist := h.send(nil, "GET", "/api/actors/commune-88160/history", nil).Body.String()
		if !strings.Contains(hist, `"confirm"`) || !strings.Contains(hist, "toujours d'actualité") {
			t.Errorf("history lacks the confirmation: %.400s", hist)
		}
	})

	t.Run("Pages", func(t *testing.T) {
		body := h.send(h.users[contributor], "GET", "/acteurs/"+actor, nil).Body.String()
		for _, want := range []string{"Toujours d&#39;actualité", `action="/confirmer"`} {
			if !strings.Contains(body, want) {
				t.Errorf("actor page lacks %q", want)
			}
		}
		if anon := h.send(nil, "GET", "/acteurs/"+actor, nil).Body.String(); strings.Contains(anon, `action="/confirmer"`) {
			t.Errorf("a visitor sees the confirm button")
		}
		w := h.send(h.users[contributor], "POST", "/confirmer", url.Values{"type": {"actor"}, "id": {"commune-88160"},
			"field": {"phone"}, "retour": {"/acteurs/commune-88160"}})
		if w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "fait=confirmPending") {
			t.Fatalf("confirm from the page: %d %s", w.Code, w.Header().Get("Location"))
		}
		w = h.send(h.users[contributor], "POST", "/confirmer", url.Values{"type": {"actor"}, "id": {"commune-88160"},
			"field": {"nonsense"}, "retour": {"/acteurs/commune-88160"}})
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Choisissez un champ parmi website, email") {
			t.Fatalf("a bad field: %d", w.Code)
		}
		// The stale facts show "à vérifier" with their date and source.
		body = h.send(nil, "GET", "/acteurs/commune-88160", nil).Body.String()
		if !strings.Contains(body, "à vérifier") || !strings.Contains(body, "En 2009") {
			t.Errorf("Épinal's page does not show its 2009 adoption as to be checked")
		}
		if w := h.send(h.users[contributor], "GET", "/api/stale", nil); w.Code != 403 {
			t.Errorf("a contributor read /api/stale: %d", w.Code)
		}
		var facts struct {
			NumberMatched int `json:"numberMatched"`
			Facts         []struct {
				Actor string `json:"actor"`
				AsOf  string `json:"as_of"`
			} `json:"facts"`
		}
		json.Unmarshal(h.send(h.mod, "GET", "/api/stale?departement=88", nil).Body.Bytes(), &facts)
		if facts.NumberMatched == 0 || facts.Facts[0].AsOf == "" {
			t.Errorf("/api/stale?departement=88 = %+v", facts)
		}
	})

	t.Run("LastUpdated", func(t *testing.T) {
		// Only records changed since the bundled data have a date.
		doc := getDoc(t, h, "/api/collections/actors/items?datetime=2000-01-01T00:00:00Z/..&limit=100")
		if len(doc.Features) == 0 || len(doc.Features) > 20 {
			t.Fatalf("datetime after 2000 matches %d, want the few records changed in this test", len(doc.Features))
		}
		for _, f := range doc.Features {
			if f.Properties.UpdatedAt == "" {
				t.Errorf("%s matched without an update date", f.ID)
			}
		}
		var item struct {
			Properties map[string]any `json:"properties"`
		}
		json.Unmarshal(h.send(nil, "GET", "/api/collections/actors/items/commune-88161", nil).Body.Bytes(), &item)
		if _, ok := item.Properties["updated_at"]; ok || item.Properties["version"] != 1.0 {
			t.Errorf("a record never changed: %v", item.Properties)
		}
	})
}
