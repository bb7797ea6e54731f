package directory

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is the SQLite store. Writes go through one connection (one writer path,
// immediate transactions, so a write never fails half-way on a lock upgrade);
// reads use a separate pool of query-only connections that WAL lets run
// beside the writer.
type DB struct {
	path   string // the SQLite file, or the PostgreSQL URL without its password
	store  Store
	write  *sql.DB
	read   *sql.DB
	follow []*sql.DB // PostgreSQL read replicas

	// Now returns the current time; tests replace it to control the clock.
	Now func() time.Time
}

// Open opens the database path names — a SQLite file (created if needed),
// or a PostgreSQL URL (postgres://…, see postgres.go) — and brings its
// schema up to date with the embedded migrations of its dialect.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	if path == "" {
		return nil, NewError(EINVALID, keyDBPath, nil)
	}
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, cfg)
	}
	if len(cfg.replicas) > 0 {
		return nil, NewError(EINVALID, keyReplicaSQLite, Args{"path": path})
	}
	if strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		// Each pooled connection would get its own empty database.
		return nil, NewError(EINVALID, keyDBMemory, nil)
	}
	if err := CheckFolder(path); err != nil {
		return nil, err
	}
	db := &DB{path: path, Now: func() time.Time { return time.Now().UTC() }}
	db.store = &sqliteStore{db: db}
	var err error
	if db.write, err = sql.Open("sqlite3", dsn(path, false)); err != nil {
		return nil, err
	}
	db.write.SetMaxOpenConns(1)
	if db.read, err = sql.Open("sqlite3", dsn(path, true)); err != nil {
		db.write.Close()
		return nil, err
	}
	db.read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.fillNameKeys(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// fillNameKeys gives the accounts made before migration 00003 the key of
// their display name (NameKey). Of older accounts whose names look alike,
// the first keeps the key and the others none: they keep their names, and
// no new account can take one like them.
func (db *DB) fillNameKeys(ctx context.Context) error {
	// Looked for on the read pool: on PostgreSQL a statement on the writer
	// pool takes the writer lock, which another server filling the database
	// may hold for longer than the lock timeout; the update below is
	// checked again under the lock.
	rows, err := db.read.QueryContext(ctx, `SELECT id, display_name FROM users WHERE name_key IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	type user struct {
		id   int64
		name string
	}
	var todo []user
	for rows.Next() {
		var u user
		if err := rows.Scan(&u.id, &u.name); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, u)
	}
	if err := rows.Close(); err != nil || len(todo) == 0 {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, u := range todo {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name_key = ? WHERE id = ? AND name_key IS NULL
			AND NOT EXISTS (SELECT 1 FROM users WHERE name_key = ?)`, NameKey(u.name), u.id, NameKey(u.name)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// CheckFolder checks that the folder of the database file path exists and
// is writable — SQLite creates its write-ahead log and shared-memory files
// beside the database, and the server its lock file — and returns an error
// naming the folder otherwise, which is what a person has to fix (rather
// than "unable to open database file", or a lock file's name).
func CheckFolder(path string) error {
	dir := filepath.Dir(path)
	abs, err := filepath.Abs(dir)
	if err == nil {
		dir = abs
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the database's folder %s does not exist: create it, or give -db a file in an existing folder", dir)
	case err != nil:
		return fmt.Errorf("the database's folder %s cannot be read: %w", dir, unwrapPath(err))
	case !fi.IsDir():
		return fmt.Errorf("the database's folder %s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, ".voisinage-write-check-*")
	if err != nil {
		return fmt.Errorf("the database's folder %s is not writable (%w): SQLite writes its journal beside the database, so the folder must be writable by this user", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		if f, err := os.OpenFile(path, os.O_RDWR, 0); err != nil {
			return fmt.Errorf("the database %s cannot be opened for writing: %w", path, unwrapPath(err))
		} else {
			f.Close()
		}
	}
	return nil
}

// unwrapPath drops the path an *fs.PathError repeats: the message names it already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dsn builds the go-sqlite3 connection string: WAL, foreign keys, a busy
// timeout and synchronous=FULL on every connection (in WAL mode the default,
// NORMAL, can lose the last commits on power loss).
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "FULL")
	if readOnly {
		q.Set("_query_only", "on")
	} else {
		q.Set("_busy_timeout", strconv.Itoa(int(writeBusyTimeout.Milliseconds())))
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	// Migration numbers are reserved per change and land in any order: a
	// database made while 00004 was on main and 00003 not yet gets 00003
	// later. Each migration touches its own tables and columns.
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, fsys, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// Path returns the database file path, or the PostgreSQL URL without its password.
func (db *DB) Path() string { return db.path }

// Close closes the pools.
func (db *DB) Close() error {
	var errs []error
	if db.store != nil {
		errs = append(errs, db.store.close())
	}
	for _, f := range db.follow {
		errs = append(errs, f.Close())
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// BeginTx starts an immediate write transaction on the single writer connection.
func (db *DB) BeginTx(ctx context.Context) (*sql.Tx, error) {
	return db.write.BeginTx(ctx, nil)
}

// WriteProbe checks that a write could start now: it takes the lock
// writes take, waiting half a second at most for another process or server
// to release it, and gives it back at once, writing nothing.
func (db *DB) WriteProbe(ctx context.Context) error { return db.store.writeProbe(ctx) }

// writeProbe takes the write lock in an immediate transaction.
func (s *sqliteStore) writeProbe(ctx context.Context) error {
	conn, err := s.db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 500`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `PRAGMA busy_timeout = `+strconv.Itoa(int(writeBusyTimeout.Milliseconds())))
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `ROLLBACK`)
	return err
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// IntegrityCheck checks the database's structures (PRAGMA integrity_check
// for SQLite) and returns "ok" when they are sound.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	return db.store.integrityCheck(ctx)
}

// writeBusyTimeout is how long a write waits for a lock another process
// holds (a `voisinage user add`, an operator's sqlite3 shell) before it is
// refused as EUNAVAILABLE: a person waits for the answer, which says to
// try again, rather than for a 10-second stall and a 500.
const writeBusyTimeout = 2 * time.Second

// storeError returns the domain error a failure of SQLite stands for, or
// nil: a lock held elsewhere (SQLITE_BUSY, SQLITE_LOCKED) is EUNAVAILABLE
// with a short Retry-After; a database that cannot be written (disk full,
// I/O error, read-only, gone) is EUNAVAILABLE with a longer one. Either way
// the transaction was rolled back: nothing was acknowledged.
func storeError(err error) *Error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return storeBusy(5 * time.Second)
	case sqlite3.ErrFull:
		e := NewError(EUNAVAILABLE, keyStoreDiskFull, nil)
		e.RetryAfter = 60 * time.Second
		return e
	case sqlite3.ErrIoErr, sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrCorrupt, sqlite3.ErrNotADB, sqlite3.ErrProtocol:
		e := storeUnavailable()
		e.RetryAfter = 30 * time.Second
		return e
	}
	return nil
}

// IsStoreFailure reports whether err is a failure of the store itself (a
// lock held elsewhere, a failing disk, a database that cannot be reached),
// which operators need to hear of.
func IsStoreFailure(err error) bool {
	if storeError(err) != nil {
		return true
	}
	e := postgresError(err)
	return e != nil && e.Code == EUNAVAILABLE
}

// formatError turns constraint failures into domain errors at the storage
// boundary; anything else stays an internal error.
func formatError(err error) error {
	if e := postgresError(err); e != nil {
		return e
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return NewError(ECONFLICT, keyDBUnique, nil)
	case sqlite3.ErrConstraintForeignKey:
		return NewError(EINVALID, keyDBForeignKey, nil)
	case sqlite3.ErrConstraintCheck, sqlite3.ErrConstraintNotNull:
		return NewError(EINVALID, keyDBCheck, nil)
	}
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// getMeta reads a meta value; "" when absent.
func getMeta(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func setMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Checkpoint copies the write-ahead log into the database file and truncates
// it, so that the file alone holds everything (for copies and backups).
// PostgreSQL manages its log itself: there it does nothing.
func (db *DB) Checkpoint(ctx context.Context) error {
	return db.store.checkpoint(ctx)
}

// sqliteStore is the Store of a SQLite file: one server (cmd holds a lock
// file), one writer connection with immediate transactions, WAL readers.
type sqliteStore struct {
	db    *DB
	locks processLocks
}

func (s *sqliteStore) Dialect() string { return DialectSQLite }
func (s *sqliteStore) Shared() bool    { return false }

func (s *sqliteStore) tryLock(_ context.Context, name string) (func(), bool, error) {
	release, ok := s.locks.tryLock(name)
	return release, ok, nil
}

func (s *sqliteStore) changes() <-chan uint64 { return nil }

func (s *sqliteStore) resetsChan() <-chan struct{} { return nil }

func (s *sqliteStore) integrityCheck(ctx context.Context) (string, error) {
	var r string
	err := s.db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&r)
	return r, err
}

func (s *sqliteStore) checkpoint(ctx context.Context) error {
	_, err := s.db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func (s *sqliteStore) close() error { return nil }

func (s *sqliteStore) schema(ctx context.Context, q querier) (map[string]tableInfo, error) {
	names, err := queryStrings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'`)
	if err != nil {
		return nil, err
	}
	out := map[string]tableInfo{}
	for _, n := range names {
		if notCopied[n] {
			continue
		}
		rows, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, n)
		if err != nil {
			return nil, err
		}
		var t tableInfo
		var pks []string
		var intPK bool
		for rows.Next() {
			var col, typ string
			var pk int
			if err := rows.Scan(&col, &typ, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			t.Columns = append(t.Columns, col)
			if pk > 0 {
				pks = append(pks, col)
				intPK = strings.EqualFold(typ, "INTEGER")
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if len(pks) == 1 && intPK {
			t.Identity = pks[0]
		}
		if t.Refs, err = queryStrings(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, n); err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

func (s *sqliteStore) afterCopy(context.Context, *sql.Tx, map[string]tableInfo) error { return nil }

// queryStrings reads a column of text.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
