package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/directory/pgtest"
	"github.com/voisinage/voisinage/webhook"
)

// TestDeliveriesOnceAcrossServers runs two servers' dispatchers on one
// PostgreSQL database at once: every delivery is claimed by one of them
// and sent once, whichever made the change.
func TestDeliveriesOnceAcrossServers(t *testing.T) {
	pgtest.Require(t)
	f := directorytest.MustOpenFixtureOn(t, directory.DialectPostgres)
	rcv := newReceiver(t)
	db2, err := directory.Open(f.Ctx, f.DB.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	d2, err := directory.New(f.Ctx, db2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.D.CreateWebhook(f.Ctx, f.Mod, directory.WebhookInput{URL: rcv.URL + "/all"}); err != nil {
		t.Fatal(err)
	}
	mod2, err := d2.FindUserByID(f.Ctx, f.Mod.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := webhook.Config{Guard: webhook.Guard{AllowPrivate: true}, Timeout: 5 * time.Second}
	dispatchers := []*webhook.Dispatcher{webhook.New(f.D, cfg, nil), webhook.New(d2, cfg, nil)}

	// Changes made through both servers while both dispatchers run.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range dispatchers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	const changes = 12
	for i := range changes {
		dir, mod, id := f.D, f.Mod, "commune-88160"
		if i%2 == 1 {
			dir, mod, id = d2, mod2, "commune-54395"
		}
		a, err := dir.FindActorByID(f.Ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dir.ProposeEdit(f.Ctx, mod, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: id,
			Action: directory.ActionUpdate, BaseVersion: a.Version, Changes: map[string]json.RawMessage{"phone": raw(fmt.Sprintf("03 29 00 00 %02d", i))}}); err != nil {
			t.Fatal(err)
		}
	}
	// Every delivery sent, once.
	var total int
	if err := f.DB.Reader().QueryRow(`SELECT COUNT(*) FROM webhook_deliveries`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total < changes {
		t.Fatalf("%d deliveries queued for %d changes", total, changes)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var pending int
		if err := f.DB.Reader().QueryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still not delivered", pending)
		}
	}
	stop()
	wg.Wait()
	seen := map[string]int{}
	for _, r := range rcv.requests() {
		seen[r.Delivery]++
	}
	if len(seen) != total {
		t.Fatalf("%d distinct deliveries received, %d queued", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
}
