package directorytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/pgtest"
)

// Password is the password of every fixture account.
const Password = "correct horse battery"

// accounts are the fixture's accounts, made in this order (so their ids are
// 1 to 5 in a fixture database).
var accounts = []struct{ email, name, role string }{
	{"alice@mairie.test", "Alice", directory.RoleContributor},
	{"bob@mairie.test", "Bob", directory.RoleContributor},
	{"carol@mairie.test", "Carol", directory.RoleContributor},
	{"mod@region.test", "Modératrice", directory.RoleModerator},
	{"admin@voisinage.test", "Admin", directory.RoleAdmin},
}

// Clock is a settable time source for the store.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Fixture is a directory over a test database, with a clock that starts an
// hour after Epoch and moves only when told, and five accounts (password
// Password): three contributors, a moderator and an admin. The trust policy
// is off (tests that need it set it).
type Fixture struct {
	Ctx   context.Context
	DB    *directory.DB
	D     *directory.Directory
	Clock *Clock

	Alice, Bob, Carol *directory.User // contributors
	Mod               *directory.User // a moderator
	Admin             *directory.User
}

// makeAccounts creates the fixture's accounts in d.
func makeAccounts(ctx context.Context, d *directory.Directory) error {
	for _, a := range accounts {
		r := directory.Registration{Email: a.email, DisplayName: a.name, Password: Password}
		var err error
		if a.role == directory.RoleContributor {
			_, err = d.Register(ctx, r)
		} else {
			_, err = d.CreateUser(ctx, r, a.role)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// small is SmallDataset with the fixture's accounts, made at Epoch.
var small = &template{name: "small", build: func(ctx context.Context, tb testing.TB, path string) error {
	s := SmallDataset(tb)
	db, err := s.seed(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Now = func() time.Time { return Epoch }
	d, err := directory.New(ctx, db)
	if err != nil {
		return err
	}
	if err := makeAccounts(ctx, d); err != nil {
		return err
	}
	return db.Checkpoint(ctx)
}}

// SmallPath copies the database holding SmallDataset and the fixture's
// accounts into tb's temp dir and returns its path.
func SmallPath(tb testing.TB) string {
	tb.Helper()
	return small.copyTo(tb)
}

// MustOpenFixture opens a Fixture over a copy of the small dataset (see
// SmallDataset), with its accounts already made: it takes milliseconds.
func MustOpenFixture(tb testing.TB) *Fixture {
	tb.Helper()
	return openFixture(tb, mustOpen(tb, SmallPath(tb)), false)
}

// SmallPathOn is SmallPath on the store named (DialectSQLite or
// DialectPostgres) whatever the store of the run.
func SmallPathOn(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case directory.DialectSQLite:
		return small.copyFileTo(tb)
	case directory.DialectPostgres:
		return pgtest.Shared(tb).NewDatabase(tb, small.database(tb))
	}
	tb.Fatalf("directorytest: no store %q", dialect)
	return ""
}

// MustOpenFixtureOn is MustOpenFixture on the store named (DialectSQLite
// or DialectPostgres) whatever the store of the run, for tests that compare
// the two.
func MustOpenFixtureOn(tb testing.TB, dialect string) *Fixture {
	tb.Helper()
	return openFixture(tb, mustOpen(tb, SmallPathOn(tb, dialect)), false)
}

// MustOpenFixture opens a Fixture over a new database holding the dataset
// (making its accounts hashes five passwords: about half a second).
func (s *Dataset) MustOpenFixture(tb testing.TB) *Fixture {
	tb.Helper()
	return openFixture(tb, s.MustOpenDB(tb), true)
}

// MustOpenSeededFixture opens a Fixture over a copy of the whole bundled
// dataset, for integration tests.
func MustOpenSeededFixture(tb testing.TB) *Fixture {
	tb.Helper()
	return openFixture(tb, MustOpenDB(tb), true)
}

func openFixture(tb testing.TB, db *directory.DB, makeUsers bool) *Fixture {
	tb.Helper()
	ctx := context.Background()
	clk := &Clock{now: Epoch.Add(time.Hour)}
	db.Now = clk.Now
	d, err := directory.New(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	d.Policy.TrustMinApproved = 0
	if makeUsers {
		if err := makeAccounts(ctx, d); err != nil {
			tb.Fatal(err)
		}
	}
	f := &Fixture{Ctx: ctx, DB: db, D: d, Clock: clk}
	for i, u := range []**directory.User{&f.Alice, &f.Bob, &f.Carol, &f.Mod, &f.Admin} {
		if *u, err = d.FindUserByID(ctx, int64(i+1)); err != nil {
			tb.Fatalf("fixture account %s: %v", accounts[i].email, err)
		}
	}
	return f
}

// MustPropose submits a proposal by u and fails the test if it is refused.
func (f *Fixture) MustPropose(tb testing.TB, u *directory.User, in directory.ProposalInput) *directory.Proposal {
	tb.Helper()
	p, err := f.D.ProposeEdit(f.Ctx, u, in)
	if err != nil {
		tb.Fatalf("propose %+v: %v", in, err)
	}
	return p
}

// MustApprove approves proposal id as the fixture's moderator.
func (f *Fixture) MustApprove(tb testing.TB, id int64) *directory.Proposal {
	tb.Helper()
	p, err := f.D.ApproveEdit(f.Ctx, f.Mod, directory.Decision{ID: id})
	if err != nil {
		tb.Fatalf("approve proposal %d: %v", id, err)
	}
	return p
}

// Feature returns actor id's GeoJSON feature.
func (f *Fixture) Feature(tb testing.TB, id string) []byte {
	tb.Helper()
	b, _, err := f.D.ActorFeature(f.Ctx, id)
	if err != nil {
		tb.Fatalf("feature of %s: %v", id, err)
	}
	return b
}
