package directorytest

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/voisinage/voisinage/directory/pgtest"
)

// StoreEnv names the environment variable that picks the store the tests
// run on: "sqlite" (the default) or "postgres".
const StoreEnv = "VOISINAGE_TEST_STORE"

// Postgres reports whether the tests run on PostgreSQL
// (VOISINAGE_TEST_STORE=postgres). make test runs the directory, web and
// cmd suites once on each store.
func Postgres() bool { return os.Getenv(StoreEnv) == "postgres" }

// pgTemplates are the template databases built on the shared cluster.
var pgTemplates struct {
	mu    sync.Mutex
	built map[string]string // template name → database name
	errs  map[string]error
}

// database returns the name of the template database on the shared
// cluster, building it on first use. Nobody stays connected to it: CREATE
// DATABASE … TEMPLATE copies it for each test.
func (t *template) database(tb testing.TB) string {
	tb.Helper()
	c := pgtest.Shared(tb)
	pgTemplates.mu.Lock()
	defer pgTemplates.mu.Unlock()
	if pgTemplates.built == nil {
		pgTemplates.built, pgTemplates.errs = map[string]string{}, map[string]error{}
	}
	if name, ok := pgTemplates.built[t.name]; ok {
		return name
	}
	if err := pgTemplates.errs[t.name]; err != nil {
		tb.Fatalf("build the %s template database: %v", t.name, err)
	}
	name := "tmpl_" + t.name
	err := c.CreateDatabase(context.Background(), name, "")
	if err == nil {
		err = t.buildWith(tb, c.URL(name))
	}
	if err != nil {
		pgTemplates.errs[t.name] = err
		tb.Fatalf("build the %s template database: %v", t.name, err)
	}
	pgTemplates.built[t.name] = name
	return name
}
