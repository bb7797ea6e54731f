package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// SchemaShape describes each table of the directory — its columns (sorted),
// its generated key, the tables it references — for comparing the stores'
// schemas (test helper).
func (db *DB) SchemaShape(tb testing.TB) map[string]string {
	tb.Helper()
	schema, err := db.store.schema(context.Background(), db.read)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for name, t := range schema {
		cols, refs := slices.Clone(t.Columns), slices.Clone(t.Refs)
		slices.Sort(cols)
		slices.Sort(refs)
		out[name] = fmt.Sprintf("columns %s; key %q; references %s", strings.Join(cols, ","), t.Identity, strings.Join(refs, ","))
	}
	return out
}

// LockKey exposes the advisory lock number of a named lock.
func LockKey(name string) int64 { return lockKey(name) }

// WriterLockKey is the advisory lock every PostgreSQL write transaction holds.
const WriterLockKey = writerLockKey

// FormatError exposes formatError, the mapping of constraint violations.
func FormatError(err error) error { return formatError(err) }
