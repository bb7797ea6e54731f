// Package directorytest gives tests real SQLite databases in their temp dir:
//
//   - MustOpenFixture: the small dataset (a few hundred real actors with
//     the shapes that matter, see SmallDataset) with five accounts and a
//     settable clock. Most domain tests use it: it opens in milliseconds.
//   - Dataset: a builder for tests that need other actors, tools or
//     adoptions, real ones picked from the bundle or made for the test, in
//     the spirit of wtf's MustCreateDial helpers.
//   - MustOpenDB, MustOpenDirectory, SeededPath: the whole bundled dataset
//     (36,000 actors), for the few integration tests that need the real
//     counts, the real density or the real thresholds.
//
// Each standard database is built once per test binary into a template file
// (seeding takes seconds for the whole dataset) that each test copies; call
// Cleanup from TestMain after m.Run to remove the templates.
//
// With VOISINAGE_TEST_STORE=postgres the same helpers give PostgreSQL
// databases instead (see Postgres): a throwaway cluster per test binary,
// the templates as template databases, each test's database a copy of one.
package directorytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/pgtest"
)

// template is a database file built once per test binary and copied by
// each test that wants it.
type template struct {
	once  sync.Once
	name  string
	build func(ctx context.Context, tb testing.TB, path string) error
	path  string
	err   error
}

var (
	templatesMu  sync.Mutex
	templatesDir string
)

// file returns the template's path, building it on first use.
func (t *template) file(tb testing.TB) string {
	tb.Helper()
	t.once.Do(func() {
		templatesMu.Lock()
		if templatesDir == "" {
			templatesDir, t.err = os.MkdirTemp("", "voisinage-templates-")
		}
		dir := templatesDir
		templatesMu.Unlock()
		if t.err != nil {
			return
		}
		path := filepath.Join(dir, t.name+".db")
		if t.err = t.buildWith(tb, path); t.err == nil {
			t.path = path
		}
	})
	if t.err != nil {
		tb.Fatalf("build the %s template database: %v", t.name, t.err)
	}
	return t.path
}

// buildWith runs the build, turning a tb.Fatal of the helpers it calls into
// an error: the template is shared by every test of the binary, so its
// failure is remembered and reported to each.
func (t *template) buildWith(tb testing.TB, path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(buildFailure)
			if !ok {
				panic(r)
			}
			err = errors.New(string(f))
		}
	}()
	return t.build(context.Background(), failTB{tb}, path)
}

// failTB is the tb given to template builds: its failures panic with a
// buildFailure, which buildWith recovers.
type failTB struct{ testing.TB }

type buildFailure string

func (failTB) Helper()           {}
func (failTB) Fatal(args ...any) { panic(buildFailure(fmt.Sprint(args...))) }
func (failTB) Fatalf(format string, args ...any) {
	panic(buildFailure(fmt.Sprintf(format, args...)))
}

// copyTo copies the template into tb's temp dir and returns the copy's path
// (with PostgreSQL, into a new database, and returns its URL).
func (t *template) copyTo(tb testing.TB) string {
	tb.Helper()
	if Postgres() {
		return pgtest.Shared(tb).NewDatabase(tb, t.database(tb))
	}
	return t.copyFileTo(tb)
}

// copyFileTo copies the template's SQLite file into tb's temp dir, whatever
// the store of the run.
func (t *template) copyFileTo(tb testing.TB) string {
	tb.Helper()
	src := t.file(tb)
	dst := filepath.Join(tb.TempDir(), "voisinage.db")
	if err := copyFile(src, dst); err != nil {
		tb.Fatal(err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Cleanup removes the template databases (and stops the PostgreSQL cluster
// of the test binary, if one was started); call it from TestMain after m.Run.
func Cleanup() {
	pgtest.Cleanup()
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if templatesDir != "" {
		os.RemoveAll(templatesDir)
		templatesDir = ""
	}
}

// seeded is the whole bundled dataset.
var seeded = &template{name: "seeded", build: func(ctx context.Context, _ testing.TB, path string) error {
	db, err := directory.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := data.Load()
	if err != nil {
		return err
	}
	if err := db.SeedBundle(ctx, b, "bundle"); err != nil {
		return err
	}
	return db.Checkpoint(ctx)
}}

// SeededPath copies the database seeded with the whole bundled dataset into
// tb's temp dir and returns its path.
func SeededPath(tb testing.TB) string {
	tb.Helper()
	return seeded.copyTo(tb)
}

// MustOpenDB opens a copy of the database seeded with the whole bundled
// dataset; it is closed when tb ends.
func MustOpenDB(tb testing.TB) *directory.DB {
	tb.Helper()
	return mustOpen(tb, SeededPath(tb))
}

func mustOpen(tb testing.TB, path string) *directory.DB {
	tb.Helper()
	db, err := directory.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// SeededSQLitePath is SeededPath on SQLite whatever the store of the run,
// for tests of what only the SQLite store does (its files, backups, pragmas).
func SeededSQLitePath(tb testing.TB) string {
	tb.Helper()
	return seeded.copyFileTo(tb)
}

// MustOpenSQLiteDB is MustOpenDB on SQLite whatever the store of the run.
func MustOpenSQLiteDB(tb testing.TB) *directory.DB {
	tb.Helper()
	return mustOpen(tb, SeededSQLitePath(tb))
}

// MustOpenEmptySQLiteDB is MustOpenEmptyDB on SQLite whatever the store of the run.
func MustOpenEmptySQLiteDB(tb testing.TB) *directory.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), "empty.db"))
}

// MustOpenEmptyDB opens a new, migrated but empty database.
func MustOpenEmptyDB(tb testing.TB) *directory.DB {
	tb.Helper()
	return mustOpen(tb, EmptyPath(tb))
}

// EmptyPath returns the path of a database that does not exist yet (with
// PostgreSQL, the URL of a new, empty database).
func EmptyPath(tb testing.TB) string {
	tb.Helper()
	if Postgres() {
		return pgtest.Shared(tb).NewDatabase(tb, "")
	}
	return filepath.Join(tb.TempDir(), "empty.db")
}

// MustOpenDirectory opens the read model over a copy of the database seeded
// with the whole bundled dataset.
func MustOpenDirectory(tb testing.TB) *directory.Directory {
	tb.Helper()
	d, err := directory.New(context.Background(), MustOpenDB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
