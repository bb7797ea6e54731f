package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// TestWebhookPages drives the account's webhook pages over the router: who
// may see them, registering one (refusals shown by field, the secret shown
// once), its deliveries, replaying one, disabling and enabling it again,
// the notice of a webhook disabled for failing, and deleting it.
func TestWebhookPages(t *testing.T) {
	h := newHarness(t, web.Config{})
	ctx := context.Background()
	mod, contrib := h.users[moderator], h.users[contributor]
	page := func(u *directory.User, path string, want int) string {
		t.Helper()
		w := h.send(u, "GET", path, nil)
		if w.Code != want {
			t.Fatalf("GET %s: %d, want %d: %.300s", path, w.Code, want, w.Body)
		}
		return html.UnescapeString(w.Body.String())
	}

	t.Run("Rights", func(t *testing.T) {
		if s := page(contrib, "/compte", http.StatusOK); strings.Contains(s, `href="/compte/webhooks"`) {
			t.Error("the account page of a contributor links to webhooks")
		}
		if s := page(mod, "/compte", http.StatusOK); !strings.Contains(s, `href="/compte/webhooks"`) {
			t.Error("the account page of a moderator does not link to webhooks")
		}
		for _, p := range []string{"/compte/webhooks", "/compte/webhooks/nouveau"} {
			if s := page(contrib, p, http.StatusForbidden); !strings.Contains(s, "réservés aux modérateurs") {
				t.Errorf("%s for a contributor does not say why: %.300s", p, s)
			}
			if w := h.send(nil, "GET", p, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/connexion") {
				t.Errorf("%s for a visitor: %d %s", p, w.Code, w.Header().Get("Location"))
			}
		}
		if s := page(mod, "/compte/webhooks", http.StatusOK); !strings.Contains(s, "aucun webhook") {
			t.Errorf("empty list: %.500s", s)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		before := h.digest()
		w := h.send(mod, "POST", "/compte/webhooks", url.Values{"url": {"http://127.0.0.1:9/hook"}, "departements": {"88, 9Z"},
			"themes": {"culture"}})
		s := html.UnescapeString(w.Body.String())
		if w.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %.300s", w.Code, s)
		}
		for _, want := range []string{"contient 2", "seules les adresses publiques", "9Z\u00a0» n'en est pas un", `value="http://127.0.0.1:9/hook"`} {
			if !strings.Contains(s, want) {
				t.Errorf("the refused form does not show %q", want)
			}
		}
		if h.digest() != before {
			t.Error("a refused registration changed what is stored")
		}
	})

	var id int64
	t.Run("Register", func(t *testing.T) {
		w := h.send(mod, "POST", "/compte/webhooks", url.Values{"url": {"https://93.184.216.34/hook"}, "description": {"Site des Vosges"},
			"departements": {"88 54"}, "events": {"change.applied", "report.filed"}})
		s := html.UnescapeString(w.Body.String())
		if w.Code != http.StatusCreated || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d, Cache-Control %q: %.300s", w.Code, w.Header().Get("Cache-Control"), s)
		}
		list, err := h.d.FindWebhooks(ctx, mod)
		if err != nil || len(list) != 1 {
			t.Fatalf("webhooks: %v %d", err, len(list))
		}
		wh := list[0]
		id = wh.ID
		if fmt.Sprint(wh.Filter.Departements, wh.Filter.Events, wh.Filter.Themes) != "[54 88] [change.applied report.filed] []" {
			t.Errorf("filter stored: %+v", wh.Filter)
		}
		if !strings.Contains(s, `id="webhook-secret" type="text" readonly value="whsec_`) || !strings.Contains(s, "X-Voisinage-Signature") {
			t.Error("the answer does not show the secret and how to check the signature")
		}
		if s := page(mod, fmt.Sprintf("/compte/webhooks/%d", id), http.StatusOK); strings.Contains(s, "whsec_") {
			t.Error("the webhook's page shows the secret again")
		}
		s = page(mod, "/compte/webhooks", http.StatusOK)
		for _, want := range []string{"https://93.184.216.34/hook", "Départements\u00a0: 54 – Meurthe-et-Moselle, 88 – Vosges",
			"Modification appliquée, Signalement", "Actif", "Aucun envoi pour l'instant"} {
			if !strings.Contains(s, want) {
				t.Errorf("the list does not show %q", want)
			}
		}
		if s := page(mod, "/compte/webhooks?lang=en", http.StatusOK); !strings.Contains(s, "Change applied, Report") || !strings.Contains(s, "<h1>My webhooks</h1>") {
			t.Error("the English list is not in English")
		}
	})

	var delivery string
	t.Run("DeliveriesAndReplay", func(t *testing.T) {
		h.report() // on Épinal (88): the webhook gets it
		list, _, err := h.d.FindDeliveries(ctx, mod, id, "", 10, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries: %v %d", err, len(list))
		}
		delivery = list[0].DeliveryID
		s := page(mod, fmt.Sprintf("/compte/webhooks/%d", id), http.StatusOK)
		if !strings.Contains(s, `id="envoi-`+delivery+`"`) || !strings.Contains(s, "En attente") {
			t.Errorf("the page does not list the pending delivery")
		}
		if err := h.d.RecordDelivery(ctx, list[0].ID, directory.DeliveryResult{At: time.Now(), StatusCode: 502, Error: "502 Bad Gateway"}); err != nil {
			t.Fatal(err)
		}
		s = page(mod, fmt.Sprintf("/compte/webhooks/%d", id), http.StatusOK)
		for _, want := range []string{"En échec", "réponse HTTP 502", "Rejouer l'envoi " + delivery} {
			if !strings.Contains(s, want) {
				t.Errorf("the failed delivery does not show %q", want)
			}
		}
		// The sender's text for an HTTP answer only repeats its status, in
		// English: the French page says the status and nothing else.
		if strings.Contains(s, "Bad Gateway") {
			t.Error("the failed delivery repeats the sender's English text beside its status")
		}
		w := h.send(mod, "POST", fmt.Sprintf("/compte/webhooks/%d/livraisons/%s/rejouer", id, delivery), url.Values{})
		if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "fait=deliveryReplayed") {
			t.Fatalf("replay: %d %s", w.Code, w.Header().Get("Location"))
		}
		if _, n, _ := h.d.FindDeliveries(ctx, mod, id, "", 10, 0); n != 2 {
			t.Errorf("%d deliveries after the replay, want 2", n)
		}
		if s := page(mod, strings.TrimSuffix(w.Header().Get("Location"), "#envois"), http.StatusOK); !strings.Contains(s, "L'envoi est rejoué") || !strings.Contains(s, ">rejeu<") {
			t.Error("the page after the replay does not confirm it or mark the replay")
		}
	})

	t.Run("DisableEnable", func(t *testing.T) {
		path := fmt.Sprintf("/compte/webhooks/%d", id)
		if w := h.send(mod, "POST", path+"/etat", url.Values{"active": {"0"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("disable: %d", w.Code)
		}
		if s := page(mod, path, http.StatusOK); !strings.Contains(s, "Désactivé") || !strings.Contains(s, ">Réactiver<") || strings.Contains(s, `id="webhook-notice"`) {
			t.Error("a webhook its owner disabled does not read as disabled (without a failure notice)")
		}
		w := h.send(mod, "POST", fmt.Sprintf("%s/livraisons/%s/rejouer", path, delivery), url.Values{})
		if s := html.UnescapeString(w.Body.String()); w.Code != http.StatusConflict || !strings.Contains(s, "réactivez-le d'abord") {
			t.Errorf("replay while disabled: %d %.300s", w.Code, s)
		}
		if w := h.send(mod, "POST", path+"/etat", url.Values{"active": {"1"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("enable: %d", w.Code)
		}
		if ok, err := h.d.DisableFailingWebhook(ctx, id, time.Now().Add(time.Hour), "disabled for failing"); err != nil || !ok {
			t.Fatalf("disable for failing: %v %v", ok, err)
		}
		if s := page(mod, path, http.StatusOK); !strings.Contains(s, `id="webhook-notice"`) || !strings.Contains(s, "échouaient depuis un jour") {
			t.Error("a webhook disabled for failing does not show the notice")
		}
		if s := page(mod, "/compte/webhooks", http.StatusOK); !strings.Contains(s, "après des échecs") {
			t.Error("the list does not say the webhook was disabled for failing")
		}
		if w := h.send(mod, "POST", path+"/etat", url.Values{"active": {"1"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("enable: %d", w.Code)
		}
		if wh, _ := h.d.FindWebhook(ctx, mod, id); !wh.Active || wh.DisabledReason != "" {
			t.Errorf("enabled again: %+v", wh)
		}
	})

	t.Run("OthersAndDelete", func(t *testing.T) {
		other := h.freshUser(directory.RoleModerator)
		path := fmt.Sprintf("/compte/webhooks/%d", id)
		page(other, path, http.StatusNotFound)
		before := h.digest()
		for _, p := range []string{path + "/etat", path + "/supprimer", fmt.Sprintf("%s/livraisons/%s/rejouer", path, delivery)} {
			if w := h.send(other, "POST", p, url.Values{"active": {"0"}}); w.Code != http.StatusNotFound {
				t.Errorf("POST %s by another moderator: %d, want 404", p, w.Code)
			}
		}
		if h.digest() != before {
			t.Error("another moderator changed the webhook")
		}
		// An administrator sees every account's webhooks, with their owner.
		if s := page(h.users[admin], "/compte/webhooks", http.StatusOK); !strings.Contains(s, "User moderator") {
			t.Error("the administrator's list does not name the owner")
		}
		w := h.send(mod, "POST", path+"/supprimer", url.Values{})
		if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "fait=webhookDeleted") {
			t.Fatalf("delete: %d %s", w.Code, w.Header().Get("Location"))
		}
		if _, err := h.d.FindWebhook(ctx, mod, id); directory.ErrorCode(err) != directory.ENOTFOUND {
			t.Errorf("after deleting: %v", err)
		}
	})
}
