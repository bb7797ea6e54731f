package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/webhook"
)

func TestMain(m *testing.M) {
	code := m.Run()
	directorytest.Cleanup()
	os.Exit(code)
}

// received is one request a receiver got.
type received struct {
	Event, Delivery, Signature, ContentType string
	Body                                    []byte
}

// receiver is a real HTTP server that records what it receives and answers
// with status (200 unless set).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	block  chan struct{} // when set, requests wait for it to close
	refuse string        // a body holding this is answered 400
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		block, status := r.block, r.status
		if r.refuse != "" && strings.Contains(string(body), r.refuse) {
			status = http.StatusBadRequest
		}
		r.got = append(r.got, received{Event: req.Header.Get("X-Voisinage-Event"), Delivery: req.Header.Get("X-Voisinage-Delivery"),
			Signature: req.Header.Get("X-Voisinage-Signature"), ContentType: req.Header.Get("Content-Type"), Body: body})
		r.mu.Unlock()
		if block != nil {
			<-block
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) answer(status int) { r.mu.Lock(); r.status = status; r.mu.Unlock() }

// verify checks a request's signature as a receiver does: HMAC-SHA256 of
// the raw body with the webhook's secret, compared in constant time.
func verify(secret string, r received) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(r.Body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Signature))
}

// setup opens a fixture, a receiver, and a dispatcher allowed to reach it
// (the operator's flag: the receiver is on loopback), on a clock of its own.
func setup(t *testing.T) (*directorytest.Fixture, *receiver, *webhook.Dispatcher) {
	f := directorytest.MustOpenFixture(t)
	rcv := newReceiver(t)
	d := webhook.New(f.D, webhook.Config{Guard: webhook.Guard{AllowPrivate: true}, Timeout: 5 * time.Second}, nil)
	d.Now = f.Clock.Now
	return f, rcv, d
}

// drain runs the dispatcher until nothing is due at its clock's time.
func drain(t *testing.T, d *webhook.Dispatcher) int {
	t.Helper()
	total := 0
	for {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func raw(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// version returns actor id's current version.
func version(t *testing.T, f *directorytest.Fixture, id string) int {
	t.Helper()
	var feat struct {
		Properties struct{ Version int }
	}
	if err := json.Unmarshal(f.Feature(t, id), &feat); err != nil || feat.Properties.Version < 1 {
		t.Fatalf("version of %s: %v", id, err)
	}
	return feat.Properties.Version
}

func TestDeliveries(t *testing.T) {
	f, rcv, d := setup(t)
	ctx := f.Ctx
	// The Vosges (88): every event there.
	vosges, err := f.D.CreateWebhook(ctx, f.Mod, directory.WebhookInput{URL: rcv.URL + "/vosges", Description: "Vosges",
		Filter: directory.WebhookFilter{Departements: []string{"88"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vosges.Secret, "whsec_") || len(vosges.Secret) < 40 {
		t.Fatalf("secret %q", vosges.Secret)
	}
	// Only reports, anywhere.
	reports, err := f.D.CreateWebhook(ctx, f.Mod, directory.WebhookInput{URL: rcv.URL + "/reports",
		Filter: directory.WebhookFilter{Events: []string{directory.EventReportFiled}}})
	if err != nil {
		t.Fatal(err)
	}
	// The CA d'Épinal (an EPCI): its communes' events.
	epci, err := f.D.CreateWebhook(ctx, f.Mod, directory.WebhookInput{URL: rcv.URL + "/epci",
		Filter: directory.WebhookFilter{EPCIs: []string{"epci-200068757"}, Events: []string{directory.EventProposalCreated}}})
	if err != nil {
		t.Fatal(err)
	}

	// Four events on Épinal, one on Brest (Finistère).
	v := version(t, f, "commune-88160")
	p := f.MustPropose(t, f.Alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: v, Changes: map[string]json.RawMessage{"website": raw("https://www.epinal.fr/")}, Source: "https://www.epinal.fr/"})
	f.MustApprove(t, p.ID)
	if _, err := f.D.Revert(ctx, f.Mod, "actor", "commune-88160", v, "retour à la version publiée"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.D.CreateReport(ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "outdated"}); err != nil {
		t.Fatal(err)
	}
	f.MustPropose(t, f.Alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-29019", Action: "update",
		BaseVersion: version(t, f, "commune-29019"), Changes: map[string]json.RawMessage{"phone": raw("02 98 00 80 80")}})

	if n := drain(t, d); n != 6 {
		t.Fatalf("sent %d deliveries, want 4 (Vosges) + 1 (reports) + 1 (EPCI)", n)
	}
	byPath := map[string][]received{}
	for _, r := range rcv.requests() {
		var ev directory.Event
		if err := json.Unmarshal(r.Body, &ev); err != nil {
			t.Fatalf("body is not an event: %s", r.Body)
		}
		if r.ContentType != "application/json" || r.Event != ev.Type || r.Delivery == "" || !strings.HasPrefix(ev.ID, "evt_") {
			t.Errorf("headers %+v for event %s %s", r, ev.Type, ev.ID)
		}
		secret, path := vosges.Secret, "/vosges"
		// Which webhook: its secret verifies the signature; the others' do not.
		switch {
		case verify(vosges.Secret, r):
		case verify(reports.Secret, r):
			secret, path = reports.Secret, "/reports"
		case verify(epci.Secret, r):
			secret, path = epci.Secret, "/epci"
		default:
			t.Fatalf("delivery %s: no secret verifies its signature %s", r.Delivery, r.Signature)
		}
		if verify(secret+"x", r) {
			t.Fatal("a wrong secret verifies the signature")
		}
		byPath[path] = append(byPath[path], r)
		if ev.Record.ID != "commune-88160" || ev.Territory.Departement != "88" || !slices.Contains(ev.Territory.EPCIs, "epci-200068757") {
			t.Errorf("event %s is about %+v in %+v", ev.Type, ev.Record, ev.Territory)
		}
		switch ev.Type {
		case directory.EventProposalCreated:
			if ev.Proposal == nil || ev.Proposal.ID != p.ID || ev.Proposal.Author.Name != "Alice" || ev.Proposal.Status != "pending" ||
				string(ev.Proposal.Changes["website"].New) != `"https://www.epinal.fr/"` {
				t.Errorf("proposal.created: %+v", ev.Proposal)
			}
		case directory.EventChangeApplied:
			if ev.Proposal == nil || ev.Proposal.Status != "approved" || ev.Proposal.AppliedVersion != v+1 || ev.Record.Version != v+1 {
				t.Errorf("change.applied: %+v, record %+v", ev.Proposal, ev.Record)
			}
		case directory.EventChangeReverted:
			if ev.Revert == nil || ev.Revert.RevertedTo != v || ev.Revert.Version != v+2 || ev.Revert.By.ID != f.Mod.ID {
				t.Errorf("change.reverted: %+v", ev.Revert)
			}
		case directory.EventReportFiled:
			if ev.Report == nil || ev.Report.Reason != "outdated" || ev.Report.Reporter != nil {
				t.Errorf("report.filed: %+v", ev.Report)
			}
		}
		if ev.Links["page"] != "/acteurs/commune-88160" {
			t.Errorf("links %v", ev.Links)
		}
	}
	types := func(rs []received) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Event)
		}
		slices.Sort(out)
		return out
	}
	if got := types(byPath["/vosges"]); !slices.Equal(got, []string{"change.applied", "change.reverted", "proposal.created", "report.filed"}) {
		t.Errorf("Vosges webhook got %v", got)
	}
	if got := types(byPath["/reports"]); !slices.Equal(got, []string{"report.filed"}) {
		t.Errorf("reports webhook got %v", got)
	}
	if got := types(byPath["/epci"]); !slices.Equal(got, []string{"proposal.created"}) {
		t.Errorf("EPCI webhook got %v", got)
	}
	// Recorded: delivered at the first attempt, visible to the owner.
	list, total, err := f.D.FindDeliveries(ctx, f.Mod, vosges.ID, "", 50, 0)
	if err != nil || total != 4 {
		t.Fatalf("deliveries: %d, %v", total, err)
	}
	for _, x := range list {
		if x.Status != directory.DeliveryDelivered || x.Attempts != 1 || x.LastStatus != 200 || x.DeliveredAt.IsZero() {
			t.Errorf("delivery %+v", x)
		}
	}
	// Another moderator does not see them; a contributor may not manage webhooks.
	other, _ := f.D.CreateUser(ctx, directory.Registration{Email: "other@region.test", DisplayName: "Autre", Password: directorytest.Password}, directory.RoleModerator)
	if _, err := f.D.FindWebhook(ctx, other, vosges.ID); directory.ErrorCode(err) != directory.ENOTFOUND {
		t.Errorf("another moderator's view: %v", err)
	}
	if _, err := f.D.CreateWebhook(ctx, f.Alice, directory.WebhookInput{URL: rcv.URL}); directory.ErrorCode(err) != directory.EFORBIDDEN {
		t.Errorf("a contributor's webhook: %v", err)
	}
	// Until an administrator gives the right.
	if err := f.D.SetWebhookRight(ctx, f.Admin, f.Alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.D.CreateWebhook(ctx, f.Alice, directory.WebhookInput{URL: rcv.URL}); err != nil {
		t.Errorf("with the right: %v", err)
	}

	// A replay is a new delivery of the same event and body.
	first := byPath["/reports"][0]
	rep, err := f.D.ReplayDelivery(ctx, f.Mod, reports.ID, first.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	if drain(t, d) != 1 {
		t.Fatal("the replay was not sent")
	}
	last := rcv.requests()[len(rcv.requests())-1]
	if last.Delivery != rep.DeliveryID || last.Delivery == first.Delivery || string(last.Body) != string(first.Body) || !verify(reports.Secret, last) {
		t.Fatalf("replay: %+v", last)
	}
}

func TestBackoffAndDisabling(t *testing.T) {
	f, rcv, d := setup(t)
	ctx := f.Ctx
	rcv.answer(http.StatusServiceUnavailable)
	w, err := f.D.CreateWebhook(ctx, f.Mod, directory.WebhookInput{URL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	report := func() {
		if _, err := f.D.CreateReport(ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "wrong"}); err != nil {
			t.Fatal(err)
		}
	}
	report()
	start := f.Clock.Now()
	one := func() *directory.Delivery {
		list, _, err := f.D.FindDeliveries(ctx, f.Mod, w.ID, "", 10, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries: %v, %v", list, err)
		}
		return list[0]
	}
	// Attempts at 0, +30 s, +1 min 30 (30 + 60), +3 min 30 (+120)…: each
	// wait doubles, and nothing is sent before it is due.
	wantWaits := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, wait := range wantWaits {
		if n := drain(t, d); n != 1 {
			t.Fatalf("attempt %d: sent %d", i+1, n)
		}
		x := one()
		if x.Attempts != i+1 || x.Status != directory.DeliveryPending || x.LastStatus != 503 || !strings.Contains(x.LastError, "503") {
			t.Fatalf("after attempt %d: %+v", i+1, x)
		}
		if got := x.NextAttemptAt.Sub(f.Clock.Now()); got != wait {
			t.Fatalf("after attempt %d the next is in %s, want %s", i+1, got, wait)
		}
		f.Clock.Add(wait - time.Second)
		if n := drain(t, d); n != 0 {
			t.Fatalf("a delivery was sent %s before it was due", time.Second)
		}
		f.Clock.Add(time.Second)
	}
	if d.Backoff(20) != time.Hour {
		t.Errorf("the wait grows past an hour: %s", d.Backoff(20))
	}
	// A day later it fails for good, and the webhook, failing all along,
	// is disabled with a notice.
	f.Clock.Add(24*time.Hour - f.Clock.Now().Sub(start))
	drain(t, d)
	x := one()
	if x.Status != directory.DeliveryFailed || !strings.Contains(x.LastError, "503") {
		t.Fatalf("after a day: %+v", x)
	}
	got, err := f.D.FindWebhook(ctx, f.Mod, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Active || got.DisabledAt.IsZero() || !strings.Contains(got.DisabledReason, "failed for 24h0m0s") || !strings.Contains(got.DisabledReason, "503") {
		t.Fatalf("webhook after a day of failures: active %v, notice %q", got.Active, got.DisabledReason)
	}
	// Disabled: new events are not queued for it, replays are refused.
	report()
	if n := drain(t, d); n != 0 {
		t.Fatalf("a disabled webhook got %d deliveries", n)
	}
	if _, err := f.D.ReplayDelivery(ctx, f.Mod, w.ID, x.DeliveryID); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("replay while disabled: %v", err)
	}
	// Fixed and enabled again, the failed delivery is replayed and arrives.
	rcv.answer(http.StatusNoContent)
	active := true
	if got, err = f.D.UpdateWebhook(ctx, f.Mod, w.ID, directory.WebhookPatch{Active: &active}); err != nil || !got.Active || got.DisabledReason != "" {
		t.Fatalf("enable: %+v, %v", got, err)
	}
	if _, err := f.D.ReplayDelivery(ctx, f.Mod, w.ID, x.DeliveryID); err != nil {
		t.Fatal(err)
	}
	if n := drain(t, d); n != 1 {
		t.Fatalf("replay sent %d", n)
	}
	list, _, _ := f.D.FindDeliveries(ctx, f.Mod, w.ID, directory.DeliveryDelivered, 10, 0)
	if len(list) != 1 || list[0].ReplayOf != x.ID {
		t.Fatalf("delivered: %+v", list)
	}
}

// TestWebhookThatPartlyWorksStaysActive checks that a delivery failing for
// a day (an event the receiver refuses) does not disable a webhook whose
// other deliveries arrive meanwhile.
func TestWebhookThatPartlyWorksStaysActive(t *testing.T) {
	f, rcv, d := setup(t)
	rcv.refuse = "commune-88465" // the receiver refuses the events about Thaon-les-Vosges
	w, _ := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL})
	report := func(id string) {
		if _, err := f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: id, Reason: "wrong"}); err != nil {
			t.Fatal(err)
		}
	}
	report("commune-88465")
	for range 26 {
		drain(t, d)
		f.Clock.Add(time.Hour)
		report("commune-88160")
	}
	drain(t, d)
	got, _ := f.D.FindWebhook(f.Ctx, f.Mod, w.ID)
	if !got.Active || got.Failed != 1 || got.Delivered != 26 {
		t.Fatalf("webhook: active %v, %d failed, %d delivered: %s", got.Active, got.Failed, got.Delivered, got.DisabledReason)
	}
}

func TestTimeoutIsAFailure(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	rcv := newReceiver(t)
	rcv.block = make(chan struct{})
	defer close(rcv.block)
	d := webhook.New(f.D, webhook.Config{Guard: webhook.Guard{AllowPrivate: true}, Timeout: 100 * time.Millisecond}, nil)
	d.Now = f.Clock.Now
	w, _ := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL})
	f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "wrong"})
	drain(t, d)
	list, _, _ := f.D.FindDeliveries(f.Ctx, f.Mod, w.ID, "", 10, 0)
	if len(list) != 1 || list[0].Status != directory.DeliveryPending || list[0].LastStatus != 0 || !strings.Contains(list[0].LastError, "no answer within") {
		t.Fatalf("delivery to a receiver that never answers: %+v", list)
	}
}

// TestConnectTimeGuard checks the guard at connect time: a webhook whose
// address passed registration (a name that resolved to a public address,
// or an address allowed then) but now leads to a loopback address is not
// reached: the delivery fails, saying why, and the receiver gets nothing.
func TestConnectTimeGuard(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	rcv := newReceiver(t)
	// Registered as a DNS rebinding would have it: the name resolved to a
	// public address when checked, and resolves to 127.0.0.1 now.
	url := strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)
	g := webhook.Guard{Resolver: resolver{"localhost": {"93.184.216.34"}}}
	if err := g.CheckURL(f.Ctx, url); err != nil {
		t.Fatalf("registration: %v", err)
	}
	w, err := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	d := webhook.New(f.D, webhook.Config{Guard: webhook.Guard{}}, nil)
	d.Now = f.Clock.Now
	f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "wrong"})
	drain(t, d)
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("the receiver on loopback got %d requests", n)
	}
	list, _, _ := f.D.FindDeliveries(f.Ctx, f.Mod, w.ID, "", 10, 0)
	if len(list) != 1 || !strings.Contains(list[0].LastError, "refused") || !strings.Contains(list[0].LastError, "loopback") {
		t.Fatalf("delivery: %+v", list)
	}
}

// TestDeliveriesSurviveARestart queues deliveries, closes everything, and
// opens the same database file again: the new dispatcher sends them.
func TestDeliveriesSurviveARestart(t *testing.T) {
	path := directorytest.SmallPath(t)
	rcv := newReceiver(t)
	ctx := context.Background()
	db, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := d1.FindUserByID(ctx, 4)
	w, err := d1.CreateWebhook(ctx, mod, directory.WebhookInput{URL: rcv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"commune-88160", "commune-29019"} {
		if _, err := d1.CreateReport(ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: id, Reason: "outdated"}); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing sent; the process stops.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d2, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	disp := webhook.New(d2, webhook.Config{Guard: webhook.Guard{AllowPrivate: true}}, nil)
	if n := drain(t, disp); n != 2 || len(rcv.requests()) != 2 {
		t.Fatalf("after the restart: sent %d, received %d", n, len(rcv.requests()))
	}
	for _, r := range rcv.requests() {
		if !verify(w.Secret, r) {
			t.Errorf("delivery %s does not verify", r.Delivery)
		}
	}
}

// TestWritesNeverWait checks that a change commits and answers while its
// webhook's receiver hangs: deliveries go out after the commit, apart.
func TestWritesNeverWait(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	rcv := newReceiver(t)
	rcv.block = make(chan struct{})
	defer close(rcv.block)
	f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := webhook.New(f.D, webhook.Config{Guard: webhook.Guard{AllowPrivate: true}, Poll: 10 * time.Millisecond}, nil)
	go d.Run(ctx)
	for i, id := range []string{"commune-88160", "commune-88209", "commune-88465"} {
		// Each write returns although the receiver holds every delivery.
		if _, err := f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: id, Reason: "wrong"}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	p := f.MustPropose(t, f.Alice, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160", Action: "update",
		BaseVersion: version(t, f, "commune-88160"), Changes: map[string]json.RawMessage{"phone": raw("03 29 68 50 00")}})
	if p.Status != directory.ProposalPending {
		t.Fatalf("proposal %+v", p)
	}
}

// TestReportsRedactedForNonModerators checks that only moderators' webhooks
// learn who reported a record and what they wrote.
func TestReportsRedactedForNonModerators(t *testing.T) {
	f, rcv, d := setup(t)
	if err := f.D.SetWebhookRight(f.Ctx, f.Admin, f.Alice.ID, true); err != nil {
		t.Fatal(err)
	}
	site, _ := f.D.CreateWebhook(f.Ctx, f.Alice, directory.WebhookInput{URL: rcv.URL + "/site"})
	mod, _ := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL + "/mod"})
	if _, err := f.D.CreateReport(f.Ctx, f.Bob, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160",
		Reason: "abusive", Comment: "mon voisin écrit n'importe quoi"}); err != nil {
		t.Fatal(err)
	}
	drain(t, d)
	for _, r := range rcv.requests() {
		var ev directory.Event
		json.Unmarshal(r.Body, &ev)
		switch {
		case verify(mod.Secret, r):
			if ev.Report.Reporter == nil || ev.Report.Reporter.Name != "Bob" || ev.Report.Comment == "" {
				t.Errorf("the moderator's webhook lacks the reporter or the comment: %+v", ev.Report)
			}
		case verify(site.Secret, r):
			if ev.Report.Reporter != nil || ev.Report.Comment != "" || ev.Report.Reason != "abusive" || ev.ID == "" {
				t.Errorf("a non-moderator's webhook got %+v", ev.Report)
			}
		default:
			t.Fatal("a delivery no secret verifies")
		}
	}
	if len(rcv.requests()) != 2 {
		t.Fatalf("%d deliveries", len(rcv.requests()))
	}
}

// TestPruneDeliveries checks that deliveries done long ago are deleted and
// waiting ones kept.
func TestPruneDeliveries(t *testing.T) {
	f, rcv, d := setup(t)
	w, _ := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL})
	f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "wrong"})
	drain(t, d)
	rcv.answer(http.StatusInternalServerError)
	f.D.CreateReport(f.Ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88209", Reason: "wrong"})
	drain(t, d)
	f.Clock.Add(31 * 24 * time.Hour)
	n, err := f.D.PruneDeliveries(f.Ctx, f.Clock.Now().Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the delivered one", n, err)
	}
	list, _, _ := f.D.FindDeliveries(f.Ctx, f.Mod, w.ID, "", 10, 0)
	if len(list) != 1 || list[0].Status != directory.DeliveryPending {
		t.Fatalf("left: %+v", list)
	}
}
