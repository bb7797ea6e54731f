package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// Write throughput on each store (docs/BENCHMARKS.md): an approval is one
// transaction (check the proposal is pending and its base current, write
// the record and its version, mark it approved, move the change sequence),
// then the read model follows. Run on SQLite and on PostgreSQL:
//
//	go test -run '^$' -bench 'Approve' -count 5 ./directory
//	VOISINAGE_TEST_STORE=postgres go test -run '^$' -bench 'Approve' -count 5 ./directory

// BenchmarkApprove proposes a change to an actor and approves it, one after
// the other, through one server.
func BenchmarkApprove(b *testing.B) {
	f := directorytest.MustOpenFixture(b)
	f.D.Policy.RatePerHour = 0
	ids := benchCommunes(b, f.D, 64)
	versions := map[string]int{}
	i := 0
	for b.Loop() {
		id := ids[i%len(ids)]
		if err := approveOnce(f.Ctx, f.D, f.Alice, f.Mod, id, versions, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "approvals/s")
}

// BenchmarkApproveTwoServers approves through two servers on one database
// at once (PostgreSQL: two directories on one database; SQLite: two
// directories on one file, as a second process would be), each on its own
// actors. The writer lock serializes them: the total is what one database
// takes, whatever the number of servers.
func BenchmarkApproveTwoServers(b *testing.B) {
	f := directorytest.MustOpenFixture(b)
	f.D.Policy.RatePerHour = 0
	db2, err := directory.Open(f.Ctx, f.DB.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db2.Close() })
	d2, err := directory.New(f.Ctx, db2)
	if err != nil {
		b.Fatal(err)
	}
	d2.Policy = f.D.Policy
	ids := benchCommunes(b, f.D, 128)
	alice2, err := d2.FindUserByID(f.Ctx, f.Alice.ID)
	if err != nil {
		b.Fatal(err)
	}
	mod2, err := d2.FindUserByID(f.Ctx, f.Mod.ID)
	if err != nil {
		b.Fatal(err)
	}
	var done atomic.Int64
	errs := make(chan error, 2)
	b.ResetTimer()
	var wg sync.WaitGroup
	for s, d := range []*directory.Directory{f.D, d2} {
		alice, mod := f.Alice, f.Mod
		if s == 1 {
			alice, mod = alice2, mod2
		}
		own := ids[s*len(ids)/2 : (s+1)*len(ids)/2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			versions := map[string]int{}
			for i := 0; i < b.N/2+s*(b.N%2); i++ {
				if err := approveOnce(f.Ctx, d, alice, mod, own[i%len(own)], versions, i); err != nil {
					errs <- err
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(done.Load())/b.Elapsed().Seconds(), "approvals/s")
}

func benchCommunes(b *testing.B, d *directory.Directory, n int) []string {
	b.Helper()
	page, err := d.FindActors(context.Background(), directory.ActorFilter{Kinds: []string{directory.KindCommune}, Limit: n})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, f := range page.Features {
		var ft struct{ ID string }
		json.Unmarshal(f, &ft)
		ids = append(ids, ft.ID)
	}
	if len(ids) < n/2 {
		b.Fatalf("only %d communes", len(ids))
	}
	return ids
}

// approveOnce proposes a new phone number for id (by author) and approves it (by mod).
func approveOnce(ctx context.Context, d *directory.Directory, author, mod *directory.User, id string, versions map[string]int, i int) error {
	v, ok := versions[id]
	if !ok {
		a, err := d.FindActorByID(ctx, id)
		if err != nil {
			return err
		}
		v = a.Version
	}
	phone, _ := json.Marshal(fmt.Sprintf("03 %02d %02d %02d %02d", i/1000000%100, i/10000%100, i/100%100, i%100))
	p, err := d.ProposeEdit(ctx, author, directory.ProposalInput{TargetType: directory.TypeActor, TargetID: id,
		Action: directory.ActionUpdate, BaseVersion: v, Changes: map[string]json.RawMessage{"phone": phone}})
	if err != nil {
		return err
	}
	if _, err := d.ApproveEdit(ctx, mod, directory.Decision{ID: p.ID}); err != nil {
		return err
	}
	versions[id] = v + 1
	return nil
}
