package directory_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

func TestOpen(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := MustOpenEmptyDB(t)
		if ok, err := db.Seeded(context.Background()); err != nil || ok {
			t.Fatalf("new database: Seeded = %v, %v; want false, nil", ok, err)
		}
		if s, err := db.IntegrityCheck(context.Background()); err != nil || s != "ok" {
			t.Fatalf("integrity_check = %q, %v", s, err)
		}
	})
	t.Run("Pragmas", func(t *testing.T) {
		db := MustOpenEmptySQLiteDB(t)
		for pragma, want := range map[string]string{
			// The writer waits 2 s for a lock held by another process, then the
			// write is refused as busy (503), not stalled for 10 s.
			"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "2000",
		} {
			if got := db.Pragma(t, pragma); got != want {
				t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
			}
		}
	})
	t.Run("ErrMemory", func(t *testing.T) {
		_, err := directory.Open(context.Background(), ":memory:")
		if directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("Open(:memory:) error = %v, want EINVALID", err)
		}
	})
	t.Run("Reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "v.db")
		for i := 0; i < 2; i++ { // migrations run once, then are recorded
			db, err := directory.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open #%d: %v", i+1, err)
			}
			db.Close()
		}
	})
}

func TestSeedBundle(t *testing.T) {
	t.Run("ErrAlreadySeeded", func(t *testing.T) {
		db := MustOpenDB(t)
		b, err := data.Load()
		if err != nil {
			t.Fatal(err)
		}
		err = db.SeedBundle(context.Background(), b, "again")
		if directory.ErrorCode(err) != directory.ECONFLICT {
			t.Fatalf("second seed error = %v, want ECONFLICT", err)
		}
	})
	t.Run("ErrBadBundleLeavesNothing", func(t *testing.T) {
		db := MustOpenEmptyDB(t)
		b := &data.Bundle{Actors: []data.Actor{
			{ID: "commune-00001", Kind: "commune", Name: "Une"},
			{ID: "commune-00002", Kind: "commune", Name: "Deux", Parents: []string{"epci-missing"}},
		}}
		if err := db.SeedBundle(context.Background(), b, "bad"); err == nil {
			t.Fatal("seeding a bundle with a dangling parent succeeded")
		}
		if ok, _ := db.Seeded(context.Background()); ok {
			t.Fatal("a failed seed left the database marked as seeded")
		}
		d, err := directory.New(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.Stats().Actors; n != 0 {
			t.Fatalf("a failed seed left %d actors", n)
		}
	})
}
