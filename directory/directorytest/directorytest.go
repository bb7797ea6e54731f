// Package directorytest gives tests a real SQLite database seeded with the
// real bundled dataset, in the test's temp dir. Seeding 36,000 actors takes
// seconds, so it is done once per test binary into a template file that each
// test copies.
package directorytest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

var template struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func seededTemplate(tb testing.TB) string {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "voisinage-template-")
		if err != nil {
			template.err = err
			return
		}
		template.dir = dir
		path := filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := directory.Open(ctx, path)
		if err != nil {
			template.err = err
			return
		}
		defer db.Close()
		b, err := data.Load()
		if err != nil {
			template.err = err
			return
		}
		if template.err = db.SeedBundle(ctx, b, "bundle"); template.err != nil {
			return
		}
		template.err = db.Checkpoint(ctx)
		template.path = path
	})
	if template.err != nil {
		tb.Fatalf("seed template database: %v", template.err)
	}
	return template.path
}

// Cleanup removes the template; call it from TestMain after m.Run.
func Cleanup() {
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
}

// SeededPath copies the seeded real database into tb's temp dir and returns its path.
func SeededPath(tb testing.TB) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), "voisinage.db")
	in, err := os.Open(seededTemplate(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// MustOpenDB opens a copy of the seeded real database; it is closed when tb ends.
func MustOpenDB(tb testing.TB) *directory.DB {
	tb.Helper()
	db, err := directory.Open(context.Background(), SeededPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenEmptyDB opens a new, migrated but empty database.
func MustOpenEmptyDB(tb testing.TB) *directory.DB {
	tb.Helper()
	db, err := directory.Open(context.Background(), filepath.Join(tb.TempDir(), "empty.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenDirectory opens the read model over a copy of the seeded database.
func MustOpenDirectory(tb testing.TB) *directory.Directory {
	tb.Helper()
	d, err := directory.New(context.Background(), MustOpenDB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
