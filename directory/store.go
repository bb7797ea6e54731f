package directory

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Dialects of the stores a DB runs on.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is what differs between the databases voisinage persists to:
// SQLite, the embedded default (one file, one server), and PostgreSQL (one
// primary shared by several servers, with read replicas). Everything else —
// the domain's SQL, the transactions, the migrations' numbers — is one: the
// domain writes portable SQL with `?` placeholders on the *sql.DB pools a
// DB holds, and each Store owns what cannot be portable: opening and
// configuring connections, placeholder rebinding, migrations in its
// dialect, the mapping of its errors to domain codes (constraint
// violations; busy or unreachable → EUNAVAILABLE, which the web layer
// answers with 503: formatError, postgresError, error.go's asError), how
// writers are serialized, locks that make a job run once across servers,
// change notifications, copies between stores, and integrity checks.
type Store interface {
	// Dialect is DialectSQLite or DialectPostgres.
	Dialect() string
	// Shared reports whether several servers may run on the database at
	// once (PostgreSQL): then sessions, counters and limits must live in it,
	// and jobs that must run once take a lock (DB.TryLock).
	Shared() bool

	// tryLock takes the named lock if nobody holds it, across every server
	// on the database; release gives it back.
	tryLock(ctx context.Context, name string) (release func(), ok bool, err error)
	// changes delivers the change sequence of commits made by any server,
	// soon after they commit; nil when the store cannot notify (the
	// followers then poll).
	changes() <-chan uint64
	// resetsChan tells when the followers must reload their read models
	// whole (the database may have gone back in time); nil when never.
	resetsChan() <-chan struct{}
	// schema describes the directory's tables (those a copy moves).
	schema(ctx context.Context, q querier) (map[string]tableInfo, error)
	// afterCopy runs in the transaction that copied rows into the store
	// (PostgreSQL moves its identity sequences past the copied ids).
	afterCopy(ctx context.Context, tx *sql.Tx, schema map[string]tableInfo) error
	integrityCheck(ctx context.Context) (string, error)
	// writeProbe takes, for an instant, the lock writes take (DB.WriteProbe).
	writeProbe(ctx context.Context) error
	checkpoint(ctx context.Context) error
	close() error
}

// Option configures Open.
type Option func(*openConfig)

type openConfig struct {
	replicas []string
}

// WithReplicas names read replicas of a PostgreSQL primary (URLs): the read
// model is loaded from them and follows changes through them, sparing the
// primary. SQLite has no replicas: Open refuses them.
func WithReplicas(urls ...string) Option {
	return func(c *openConfig) { c.replicas = append(c.replicas, urls...) }
}

// IsPostgresURL reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Dialect returns the store's dialect.
func (db *DB) Dialect() string { return db.store.Dialect() }

// Shared reports whether several servers may run on this database at once.
func (db *DB) Shared() bool { return db.store.Shared() }

// TryLock takes the lock named name if no server on the database holds it
// (PostgreSQL advisory locks; within this process for SQLite, whose file
// one server serves). Jobs that must run once across servers — sweepers,
// deliveries — run only while holding theirs; release it when done.
func (db *DB) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	return db.store.tryLock(ctx, name)
}

// Changes delivers the change sequence of commits made by any server on
// the database, soon after they commit, or nil when the store cannot
// notify: followers then only poll.
func (db *DB) Changes() <-chan uint64 { return db.store.changes() }

// Resets tells when the read models following the database must be
// reloaded whole: PostgreSQL's connection was lost and made again (a
// restart, a failover). Nil for SQLite.
func (db *DB) Resets() <-chan struct{} { return db.store.resetsChan() }

// followers returns the pools the read model is loaded from and follows
// changes through: the replicas, then the primary.
func (db *DB) followers() []*sql.DB {
	return append(append([]*sql.DB(nil), db.follow...), db.read)
}

// source returns a view of db that reads from the first read replica that
// has replayed everything the primary had committed when it was called (to
// load the read model from), waiting a moment for one to catch up, or db
// itself. A replica that lags would give a read model older than what the
// change sequence it shows can bring up to date (a migration, or the
// bundled data, is not in the change log).
func (db *DB) source(ctx context.Context) *DB {
	pg, ok := db.store.(*pgStore)
	if !ok || len(db.follow) == 0 {
		return db
	}
	lsn, err := pg.walPosition(ctx)
	if err != nil {
		return db
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		for _, f := range db.follow {
			if pg.replayed(ctx, f, lsn) {
				return &DB{path: db.path, store: db.store, write: db.write, read: f, Now: db.Now}
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return db
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Reader returns the pool of read-only connections to the primary, for
// tools that inspect the database (tests, migrate-db). The domain's SQL runs
// on it in either dialect.
func (db *DB) Reader() *sql.DB { return db.read }

// sqlJSONArray is the name of the function that makes a JSON array of its
// arguments, the one function of the domain's SQL whose name differs.
func (db *DB) sqlJSONArray() string {
	if db.Dialect() == DialectPostgres {
		return "json_build_array"
	}
	return "json_array"
}

// processLocks are the named locks of stores that one server serves.
type processLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *processLocks) tryLock(name string) (func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return nil, false
	}
	if l.held == nil {
		l.held = map[string]bool{}
	}
	l.held[name] = true
	return func() {
		l.mu.Lock()
		delete(l.held, name)
		l.mu.Unlock()
	}, true
}

// OpenSQL opens a plain database/sql pool on the database dsn names (a
// SQLite file, or a PostgreSQL URL), without migrating it, for tools and
// tests that read or change it directly: portable SQL with `?`
// placeholders runs on it in either dialect. readOnly refuses writes.
func OpenSQL(dsn string, readOnly bool) (*sql.DB, error) {
	if !IsPostgresURL(dsn) {
		q := "?_busy_timeout=10000"
		if readOnly {
			q = "?mode=ro&_query_only=on&_busy_timeout=10000"
		}
		return sql.Open("sqlite3", "file:"+dsn+q)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, NewError(EINVALID, keyPostgresURL, Args{"err": err.Error()})
	}
	cfg.RuntimeParams["TimeZone"] = "UTC"
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	return sql.OpenDB(&pgConnector{inner: stdlib.GetConnector(*cfg)}), nil
}

// RedactURL returns a database name fit for logs and messages: a
// PostgreSQL URL without its password, or a file path as it is.
func RedactURL(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	return redactURL(dsn)
}
