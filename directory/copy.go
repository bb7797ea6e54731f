package directory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Moving a directory between stores (voisinage migrate-db): every table
// the migrations made is copied, row by row, from one consistent snapshot
// of the source into an empty destination, in one transaction, then both
// sides are counted and checksummed table by table. The same digests prove
// that SQLite → PostgreSQL → SQLite gives back what it started from.

// tableInfo is what the copy needs to know of a table.
type tableInfo struct {
	Columns  []string // in the table's order
	Refs     []string // tables its foreign keys reference
	Identity string   // its generated integer key (PostgreSQL identity, SQLite rowid alias), if any
}

// querier is a pool, a connection or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// notCopied are tables that are not part of a directory's content: the
// migration tool's own, and PostgreSQL's per-address limits (counters of
// the last minutes, see ratelimit.go).
var notCopied = map[string]bool{"goose_db_version": true, "rate_buckets": true, "ip_failures": true}

// replacedOnCopy are tables the migrations fill in a new database (secrets:
// the device-cookie key, made by migration 00003). A copy replaces the
// destination's rows with the source's, so that what the source signed
// (browsers' device cookies) stays valid.
var replacedOnCopy = map[string]bool{"secrets": true}

// TableDigest is the row count and content checksum of one table: SHA-256
// over the sorted hashes of its rows, each row its values in column-name
// order, written the same way whatever the store (integers in decimal,
// reals in their shortest form, text as its bytes, NULL as NULL).
type TableDigest struct {
	Rows   int
	SHA256 string
}

// CopyReport is what a copy between stores did.
type CopyReport struct {
	Tables  []string               // in copy order
	Digests map[string]TableDigest // of the source's snapshot, equal to the destination's after the copy
	Took    time.Duration
}

// Digests counts and checksums every table of the directory (those a copy
// moves), in one snapshot.
func (db *DB) Digests(ctx context.Context) (map[string]TableDigest, error) {
	tx, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	schema, err := db.store.schema(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := map[string]TableDigest{}
	for name, t := range schema {
		if out[name], err = digestTable(ctx, tx, name, t.Columns); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// snapshot begins a read-only transaction that sees one committed state
// throughout.
func (db *DB) snapshot(ctx context.Context) (*sql.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect() == DialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.read.BeginTx(ctx, opts)
}

// CheckCopy refuses, before anything is opened, a copy from the database
// src to dst (each a SQLite path or a PostgreSQL URL) that cannot be made:
// the same database twice, a SQLite source that is not there, a SQLite
// destination that already is. CopyTo checks that a PostgreSQL destination
// is empty.
func CheckCopy(src, dst string) error {
	if src == dst {
		return NewError(EINVALID, keyCopySame, nil)
	}
	if !IsPostgresURL(src) {
		if _, err := os.Stat(src); err != nil {
			return NewError(EINVALID, keyNoDatabase, Args{"path": src})
		}
	}
	if !IsPostgresURL(dst) {
		if _, err := os.Stat(dst); err == nil {
			return NewError(ECONFLICT, keyCopyFileExists, Args{"path": dst})
		}
	}
	return nil
}

// CopyTo copies everything the directory holds into dst, which must be
// empty (freshly migrated), then checks that dst holds the same rows as the
// source's snapshot, table by table (ECONFLICT if not). The source may
// keep serving: what it changes after the snapshot is not copied.
func (db *DB) CopyTo(ctx context.Context, dst *DB) (*CopyReport, error) {
	start := time.Now()
	src, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	srcSchema, err := db.store.schema(ctx, src)
	if err != nil {
		return nil, err
	}
	dstSchema, err := dst.store.schema(ctx, dst.read)
	if err != nil {
		return nil, err
	}
	if err := sameSchema(srcSchema, dstSchema); err != nil {
		return nil, err
	}
	if err := dst.checkEmpty(ctx, dstSchema); err != nil {
		return nil, err
	}
	order, err := copyOrder(srcSchema)
	if err != nil {
		return nil, err
	}
	rep := &CopyReport{Tables: order, Digests: map[string]TableDigest{}}
	for _, name := range order {
		if rep.Digests[name], err = digestTable(ctx, src, name, srcSchema[name].Columns); err != nil {
			return nil, err
		}
	}

	tx, err := dst.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, name := range order {
		if replacedOnCopy[name] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(name)); err != nil {
				return nil, fmt.Errorf("copy table %s: %w", name, err)
			}
		}
		if err := copyTable(ctx, src, tx, name, srcSchema[name]); err != nil {
			return nil, fmt.Errorf("copy table %s: %w", name, err)
		}
	}
	if err := dst.store.afterCopy(ctx, tx, dstSchema); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	got, err := dst.Digests(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range order {
		if got[name] != rep.Digests[name] {
			return nil, NewError(ECONFLICT, keyCopyDiffers, Args{"table": name,
				"source_rows": rep.Digests[name].Rows, "source_sha256": rep.Digests[name].SHA256,
				"destination_rows": got[name].Rows, "destination_sha256": got[name].SHA256})
		}
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// sameSchema checks that both stores have the same tables and columns (the
// same release of voisinage migrated them).
func sameSchema(src, dst map[string]tableInfo) error {
	for name, t := range src {
		d, ok := dst[name]
		if !ok {
			return NewError(EINVALID, keyCopyNoTableDestination, Args{"table": name})
		}
		a, b := slices.Clone(t.Columns), slices.Clone(d.Columns)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			return NewError(EINVALID, keyCopyColumns, Args{"table": name, "source": a, "destination": b})
		}
	}
	for name := range dst {
		if _, ok := src[name]; !ok {
			return NewError(EINVALID, keyCopyNoTableSource, Args{"table": name})
		}
	}
	return nil
}

// checkEmpty refuses a destination that holds anything but what its
// migrations made.
func (db *DB) checkEmpty(ctx context.Context, schema map[string]tableInfo) error {
	for name := range schema {
		if replacedOnCopy[name] {
			continue
		}
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return NewError(ECONFLICT, keyCopyNotEmpty, Args{"table": name, "count": n})
		}
	}
	return nil
}

// copyOrder orders the tables so that each comes after those its foreign
// keys reference.
func copyOrder(schema map[string]tableInfo) ([]string, error) {
	names := make([]string, 0, len(schema))
	for n := range schema {
		names = append(names, n)
	}
	sort.Strings(names)
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("foreign keys make a cycle through table %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		refs := slices.Clone(schema[n].Refs)
		sort.Strings(refs)
		for _, r := range refs {
			if _, ok := schema[r]; ok && r != n {
				if err := visit(r); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// copyTable inserts every row of table from src into dst, several rows per
// statement, in the order of their generated keys (a row may reference an
// earlier one of its table: a replayed webhook delivery its original).
func copyTable(ctx context.Context, src querier, dst *sql.Tx, table string, t tableInfo) error {
	cols := t.Columns
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	list := strings.Join(quoted, ", ")
	order := ""
	if t.Identity != "" {
		order = ` ORDER BY ` + quoteIdent(t.Identity)
	}
	rows, err := src.QueryContext(ctx, `SELECT `+list+` FROM `+quoteIdent(table)+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	perStmt := max(1, min(500, 30000/len(cols)))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var batch []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := `INSERT INTO ` + quoteIdent(table) + ` (` + list + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		_, err := dst.ExecContext(ctx, q, batch...)
		batch, n = batch[:0], 0
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			batch = append(batch, v)
		}
		if n++; n == perStmt {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// digestTable counts and checksums one table (see TableDigest).
func digestTable(ctx context.Context, q querier, table string, cols []string) (TableDigest, error) {
	sorted := slices.Clone(cols)
	sort.Strings(sorted)
	quoted := make([]string, len(sorted))
	for i, c := range sorted {
		quoted[i] = quoteIdent(c)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(table))
	if err != nil {
		return TableDigest{}, err
	}
	defer rows.Close()
	vals := make([]any, len(sorted))
	ptrs := make([]any, len(sorted))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var hashes [][sha256.Size]byte
	var buf bytes.Buffer
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableDigest{}, err
		}
		buf.Reset()
		for _, v := range vals {
			writeCanonical(&buf, v)
		}
		hashes = append(hashes, sha256.Sum256(buf.Bytes()))
	}
	if err := rows.Err(); err != nil {
		return TableDigest{}, err
	}
	slices.SortFunc(hashes, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, r := range hashes {
		h.Write(r[:])
	}
	return TableDigest{Rows: len(hashes), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeCanonical writes one value with its type, the same for both stores.
func writeCanonical(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("N")
	case int64:
		buf.WriteString("I" + strconv.FormatInt(x, 10))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			// A real that holds an integer (SQLite may store 5.0 as 5).
			buf.WriteString("I" + strconv.FormatInt(int64(x), 10))
		} else {
			buf.WriteString("R" + strconv.FormatFloat(x, 'g', -1, 64))
		}
	case bool:
		if x {
			buf.WriteString("I1")
		} else {
			buf.WriteString("I0")
		}
	case []byte:
		buf.WriteString("T" + strconv.Itoa(len(x)) + ":")
		buf.Write(x)
	case string:
		buf.WriteString("T" + strconv.Itoa(len(x)) + ":")
		buf.WriteString(x)
	case time.Time:
		s := x.UTC().Format(time.RFC3339Nano)
		buf.WriteString("T" + strconv.Itoa(len(s)) + ":" + s)
	default:
		s := fmt.Sprint(x)
		buf.WriteString("T" + strconv.Itoa(len(s)) + ":" + s)
	}
	buf.WriteByte(0x1f)
}

// quoteIdent quotes an identifier the way both dialects read it.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
