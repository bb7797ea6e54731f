package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
	"github.com/voisinage/voisinage/webhook"
)

// received is one request the test's webhook receiver got.
type received struct {
	Event, Delivery string
	Signed          bool // its X-Voisinage-Signature is the body's HMAC under the secret
	EventID         string
	Type            string
}

// TestBrowserWebhooks: a moderator registers a webhook to a receiver on this
// machine (the server allows loopback targets, as -webhook-allow-private
// does) from the account pages, copies its secret, approves a change; the
// receiver refuses the first delivery, which fails and disables the
// webhook (retries are cut short here); the moderator reads the failure and
// the notice, enables the webhook again and replays the delivery, which the
// receiver accepts after checking its signature. Each screen is checked
// with axe and shot at desktop and phone sizes.
func TestBrowserWebhooks(t *testing.T) {
	guard := webhook.Guard{AllowPrivate: true}
	br := startBrowserWith(t, web.Config{TileURL: "", WebhookGuard: guard})
	ctx, stop := context.WithCancel(context.Background())
	d := br.dir

	var mu sync.Mutex
	var secret string
	var got []received
	arrived := make(chan struct{}, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev directory.Event
		json.Unmarshal(body, &ev)
		mu.Lock()
		rec := received{Event: r.Header.Get(webhook.HeaderEvent), Delivery: r.Header.Get(webhook.HeaderDelivery), EventID: ev.ID, Type: ev.Type,
			Signed: secret != "" && r.Header.Get(webhook.HeaderSignature) == webhook.Sign(secret, body)}
		got = append(got, rec)
		first := len(got) == 1
		mu.Unlock()
		arrived <- struct{}{}
		switch {
		case first: // the receiver is down at first
			http.Error(w, "receiver down for maintenance", http.StatusServiceUnavailable)
		case !rec.Signed:
			http.Error(w, "bad signature", http.StatusUnauthorized)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(receiver.Close)
	// One attempt per delivery: a failure gives up at once and disables
	// the webhook, as a day of failures would.
	disp := webhook.New(d, webhook.Config{Guard: guard, Poll: 50 * time.Millisecond, RetryFor: time.Nanosecond, Timeout: 5 * time.Second}, nil)
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	const modEmail, modPass = "mod-webhooks@region.example", "moderation-webhooks-2026"
	mod, err := d.CreateUser(ctx, directory.Registration{Email: modEmail, DisplayName: "Modérateur webhooks", Password: modPass}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	author, err := d.CreateUser(ctx, directory.Registration{Email: "agent-webhooks@mairie.example", DisplayName: "Agent Épinal",
		Password: "contribution-webhooks-2026"}, directory.RoleContributor)
	if err != nil {
		t.Fatal(err)
	}
	b := br.session(t)
	b.login(modEmail, modPass)
	both := func(name string) {
		b.t.Helper()
		b.axe(name)
		b.shot(name + "-desktop")
		b.do(chromedp.EmulateViewport(390, 844))
		b.shot(name + "-phone")
		b.do(chromedp.EmulateViewport(1280, 860))
	}
	waitDelivery := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			select {
			case <-arrived:
			case <-time.After(15 * time.Second):
				t.Fatalf("the receiver got %d deliveries, want %d", i, n)
			}
		}
	}
	// settled waits for the dispatcher to record every attempt.
	settled := func(id int64) []*directory.Delivery {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			list, _, err := d.FindDeliveries(ctx, mod, id, directory.DeliveryPending, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				all, _, _ := d.FindDeliveries(ctx, mod, id, "", 10, 0)
				return all
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries still pending: %+v", list[0])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	var id int64
	t.Run("Register", func(t *testing.T) {
		b.t = t
		b.submitted(`a[href="/compte/webhooks"]`, `location.pathname === "/compte/webhooks"`)
		if s := b.text("main"); !strings.Contains(s, "aucun webhook") {
			t.Errorf("empty list: %q", s)
		}
		b.axe("/compte/webhooks (empty)")
		b.submitted(`a[href="/compte/webhooks/nouveau"]`, `document.querySelector("#wh-url")`)
		// A private address is refused (the flag is set here: a typo instead).
		b.set("#wh-url", "https//receiver")
		b.set("#wh-departements", "88, 9Z")
		b.submitted(`form[action="/compte/webhooks"] button[type=submit]`, `document.querySelector(".error-summary")`)
		if s := b.text(".error-summary"); !strings.Contains(s, "Adresse de réception") || !strings.Contains(s, "9Z") {
			t.Errorf("error summary: %q", s)
		}
		if !evalJS[bool](b, `document.activeElement === document.querySelector(".error-summary")`) {
			t.Error("the error summary does not take the focus")
		}
		both("webhook-new-errors")
		b.set("#wh-url", receiver.URL+"/voisinage")
		b.set("#wh-description", "Site des Vosges")
		b.set("#wh-departements", "88")
		b.click(`input[name=events][value="change.applied"]`)
		b.submitted(`form[action="/compte/webhooks"] button[type=submit]`, `document.querySelector("#webhook-secret")`)
		s := evalJS[string](b, `document.querySelector("#webhook-secret").value`)
		if !strings.HasPrefix(s, "whsec_") {
			t.Fatalf("secret shown: %q", s)
		}
		mu.Lock()
		secret = s
		mu.Unlock()
		if txt := b.text("#secret-title + p + .share__row + h3 + p"); !strings.Contains(txt, "X-Voisinage-Signature") {
			t.Errorf("how to check the signature: %q", txt)
		}
		both("webhook-created")
		list, err := d.FindWebhooks(ctx, mod)
		if err != nil || len(list) != 1 {
			t.Fatalf("webhooks: %v %d", err, len(list))
		}
		id = list[0].ID
	})

	t.Run("ApproveFailsAndDisables", func(t *testing.T) {
		b.t = t
		p, err := d.ProposeEdit(ctx, author, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
			BaseVersion: mustVersion(t, d, "commune-88160"), Changes: map[string]json.RawMessage{"website": mustJSONRaw(t, "https://www.epinal.fr/numerique")},
			Comment: "Nouvelle adresse du site"})
		if err != nil {
			t.Fatal(err)
		}
		b.nav("/moderation")
		card := "#proposition-" + itoa(p.ID, "%d")
		b.wait(`document.querySelector("` + card + `")`)
		b.set(card+" textarea[name=reason]", "Vérifié sur le site de la ville")
		b.submitted(card+` button[value=approve]`, `document.querySelector(".flash")`)
		waitDelivery(1)
		all := settled(id)
		if len(all) != 1 || all[0].Status != directory.DeliveryFailed || all[0].LastStatus != http.StatusServiceUnavailable {
			t.Fatalf("deliveries: %+v", all)
		}
		b.nav("/compte/webhooks")
		if s := b.text("#webhook-" + itoa(id, "%d")); !strings.Contains(s, "après des échecs") || !strings.Contains(s, "En échec") {
			t.Errorf("the list's row: %q", s)
		}
		both("webhooks-list")
		b.submitted(`a[href="/compte/webhooks/`+itoa(id, "%d")+`"]`, `document.querySelector("#envois")`)
		if s := b.text("#webhook-notice"); !strings.Contains(s, "désactivé") {
			t.Errorf("notice: %q", s)
		}
		row := "#envoi-" + all[0].DeliveryID
		if s := b.text(row); !strings.Contains(s, "Modification appliquée") || !strings.Contains(s, "En échec") ||
			!strings.Contains(s, "réponse HTTP 503") || strings.Contains(s, "Service Unavailable") {
			t.Errorf("the failed delivery's row: %q", s)
		}
		both("webhook-failed")
	})

	t.Run("EnableAndReplay", func(t *testing.T) {
		b.t = t
		// Replaying while disabled says to enable it first.
		first := settled(id)[0].DeliveryID
		b.submitted(`#envoi-`+first+` button`, `document.querySelector(".error-summary")`)
		if s := b.text(".error-summary"); !strings.Contains(s, "réactivez-le d'abord") {
			t.Errorf("replay while disabled: %q", s)
		}
		b.submitted(`form[action$="/etat"] button`, `document.querySelector(".flash")`)
		if s := b.text(".flash"); !strings.Contains(s, "réactivé") {
			t.Errorf("flash: %q", s)
		}
		b.submitted(`#envoi-`+first+` button`, `document.querySelector(".flash")`)
		if s := b.text(".flash"); !strings.Contains(s, "rejoué") {
			t.Errorf("flash: %q", s)
		}
		waitDelivery(1)
		all := settled(id)
		if len(all) != 2 || all[0].Status != directory.DeliveryDelivered || all[0].ReplayOf == 0 {
			t.Fatalf("deliveries after the replay: %+v", all)
		}
		b.nav("/compte/webhooks/" + itoa(id, "%d"))
		if s := b.text("#envoi-" + all[0].DeliveryID); !strings.Contains(s, "Livré") || !strings.Contains(s, "rejeu") {
			t.Errorf("the replay's row: %q", s)
		}
		if n := evalJS[int](b, `document.querySelectorAll("#envois tbody tr").length`); n != 2 {
			t.Errorf("%d rows of deliveries, want 2", n)
		}
		both("webhook-deliveries")
		b.nav("/compte/webhooks/" + itoa(id, "%d") + "?lang=en")
		if s := b.text("h1"); s != "Webhook "+itoa(id, "%d") {
			t.Errorf("English title: %q", s)
		}
		b.axe("/compte/webhooks/{id} in English")
		b.nav("/compte/webhooks/" + itoa(id, "%d") + "?lang=fr")

		mu.Lock()
		defer mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("the receiver got %d requests, want 2", len(got))
		}
		for i, r := range got {
			if !r.Signed || r.Event != directory.EventChangeApplied || r.Type != directory.EventChangeApplied {
				t.Errorf("request %d: %+v", i, r)
			}
		}
		if got[0].EventID != got[1].EventID || got[0].Delivery == got[1].Delivery {
			t.Errorf("a replay is the same event as a new delivery: %+v", got)
		}
	})
}
