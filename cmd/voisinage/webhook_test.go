package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// hookReceiver is a webhook receiver as a regional site would run one: it
// checks the signature of each delivery with the secret, then keeps it.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	got    []map[string]any
	bad    []string
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write(body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(req.Header.Get("X-Voisinage-Signature"))) {
		r.bad = append(r.bad, req.Header.Get("X-Voisinage-Delivery"))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	json.Unmarshal(body, &ev)
	if ev["type"] != req.Header.Get("X-Voisinage-Event") || req.Header.Get("X-Voisinage-Delivery") == "" {
		r.bad = append(r.bad, "headers of "+req.Header.Get("X-Voisinage-Delivery"))
	}
	r.got = append(r.got, ev)
	w.WriteHeader(http.StatusNoContent)
}

// await waits (up to a generous deadline, the machine being shared) for an
// event of type typ to arrive, and returns it.
func (r *hookReceiver) await(t *testing.T, typ string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, ev := range r.got {
			if ev["type"] == typ {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s event arrived; got %v", typ, r.got)
	return nil
}

func runMainWith(t *testing.T, args ...string) *Main {
	t.Helper()
	m := NewMain()
	m.Stderr = &syncBuffer{}
	if err := m.ParseFlags(append([]string{"-addr", "127.0.0.1:0"}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v\n%s", err, m.Stderr)
	}
	return m
}

// TestWebhooksEndToEnd registers a webhook through the API of the real
// server, makes a change through the API, and receives it signed; then
// queues an event while the server is stopped and receives it once the
// server runs again.
func TestWebhooksEndToEnd(t *testing.T) {
	dbPath := directorytest.SmallPath(t)
	ctx := context.Background()
	tokens := map[int64]string{}
	withDirectory := func(fn func(d *directory.Directory)) {
		db, err := directory.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		d, err := directory.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		fn(d)
	}
	withDirectory(func(d *directory.Directory) {
		for _, id := range []int64{1, 4} { // Alice, a contributor; the moderator
			u, _ := d.FindUserByID(ctx, id)
			tok, err := d.CreateAPIToken(ctx, u, "test")
			if err != nil {
				t.Fatal(err)
			}
			tokens[id] = tok.Token
		}
	})
	rcv := &hookReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	// The receiver is on loopback: the operator allows it.
	m := runMainWith(t, "-db", dbPath, "-base-url", "https://voisinage.example.org", "-webhook-allow-private")
	base := "http://" + m.Addr()
	call := func(method, path, token string, body any) (int, []byte) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	code, out := call("POST", "/api/webhooks", tokens[4], map[string]any{"url": srv.URL + "/voisinage", "departements": []string{"88"}})
	if code != 201 {
		t.Fatalf("register: %d %s", code, out)
	}
	var created struct{ Webhook struct{ Secret string } }
	json.Unmarshal(out, &created)
	rcv.mu.Lock()
	rcv.secret = created.Webhook.Secret
	rcv.mu.Unlock()

	code, out = call("POST", "/api/proposals", tokens[1], map[string]any{"target_type": "actor", "target_id": "commune-88160",
		"action": "update", "base_version": 1, "changes": map[string]any{"website": "https://www.epinal.fr/"}})
	if code != 201 {
		t.Fatalf("propose: %d %s", code, out)
	}
	ev := rcv.await(t, "proposal.created")
	links, _ := ev["links"].(map[string]any)
	if links["page"] != "https://voisinage.example.org/acteurs/commune-88160" || ev["proposal"].(map[string]any)["author"].(map[string]any)["name"] != "Alice" {
		t.Fatalf("event: %v", ev)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// While the server is stopped, another process reports a record: the
	// delivery waits in the database, and the next server sends it.
	withDirectory(func(d *directory.Directory) {
		if _, err := d.CreateReport(ctx, nil, directory.ReportInput{TargetType: "actor", TargetID: "commune-88160", Reason: "outdated"}); err != nil {
			t.Fatal(err)
		}
	})
	m = runMainWith(t, "-db", dbPath, "-webhook-allow-private")
	defer m.Close()
	rcv.await(t, "report.filed")
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 || len(rcv.got) != 2 {
		t.Fatalf("bad deliveries %v; received %d events", rcv.bad, len(rcv.got))
	}
	if strings.Contains(m.Stderr.(*syncBuffer).String(), `"level":"ERROR"`) {
		t.Errorf("errors logged:\n%s", m.Stderr)
	}
}

// TestWebhooksRefusePrivateByDefault checks that, without the operator's
// flag, the server refuses to register a webhook on loopback.
func TestWebhooksRefusePrivateByDefault(t *testing.T) {
	dbPath := directorytest.SmallPath(t)
	ctx := context.Background()
	db, err := directory.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := directory.New(ctx, db)
	mod, _ := d.FindUserByID(ctx, 4)
	tok, _ := d.CreateAPIToken(ctx, mod, "test")
	db.Close()
	m := runMainWith(t, "-db", dbPath)
	defer m.Close()
	req, _ := http.NewRequest("POST", "http://"+m.Addr()+"/api/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:9/hook"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "loopback") {
		t.Fatalf("register a loopback webhook: %d %s", resp.StatusCode, body)
	}
}
