package directory

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jackc/pgxlisten"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL: several servers on one primary, with read replicas.
//
// A DB on PostgreSQL holds four pools: the writer pool (every transaction
// holds the writer lock, see pgdriver.go), the reader pool (read-only
// transactions on the primary: what a server reads right after its own
// writes), one pool per read replica (loading the read model and following
// changes), and a plain pool for migrations and named locks. A listener
// connection to the primary receives the notifications of commits (NOTIFY
// voisinage_changes, sent by a trigger on the change sequence, migration
// 00002), which wake the followers; they also poll, in case a notification
// is lost with its connection.
//
// Failover: when the primary goes away, writes fail with EUNAVAILABLE
// (503, "try again") and nothing half-done is committed; connections are
// made again on the next request, to whichever host of the URL accepts
// writes (list the primary and the standby, postgres://a,b/voisinage: the
// writer and reader pools only keep connections to a server that accepts
// writes), so a promoted standby takes over without a restart.

//go:embed migrations/postgres/*.sql
var postgresMigrationFS embed.FS

// pgLockTimeout is how long a write waits for the writer lock (or a row
// lock) before it is refused as EUNAVAILABLE, as SQLite's busy timeout
// bounds its wait; a URL may set its own (…?lock_timeout=2000, in ms).
const pgLockTimeout = 5 * time.Second

type pgStore struct {
	db    *DB
	plain *sql.DB // migrations and named locks: no rebinding, no writer lock

	listenCfg *pgx.ConnConfig
	stop      context.CancelFunc
	done      chan struct{}
	notify    chan uint64
	resets    chan struct{} // the listener connected again (see resetsChan)

	mu   sync.Mutex
	held map[int64]func() // named locks held, released on close
}

func openPostgres(ctx context.Context, dsn string, cfg openConfig) (*DB, error) {
	base, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, NewError(EINVALID, keyPostgresURL, Args{"err": err.Error()})
	}
	db := &DB{path: redactURL(dsn), Now: func() time.Time { return time.Now().UTC() }}
	s := &pgStore{db: db, notify: make(chan uint64, 1), resets: make(chan struct{}, 1)}
	db.store = s

	primary := func(params map[string]string) *pgx.ConnConfig {
		c := base.Copy()
		c.RuntimeParams["application_name"] = "voisinage"
		c.RuntimeParams["TimeZone"] = "UTC"
		for k, v := range params {
			if _, set := c.RuntimeParams[k]; !set { // the URL's own settings win
				c.RuntimeParams[k] = v
			}
		}
		// With several hosts in the URL (primary and standby), keep only
		// connections to the one that accepts writes.
		if c.ValidateConnect == nil {
			c.ValidateConnect = pgconn.ValidateConnectTargetSessionAttrsPrimary
		}
		return c
	}
	ms := strconv.Itoa(int(pgLockTimeout.Milliseconds()))
	db.write = sql.OpenDB(&pgConnector{writer: true, inner: stdlib.GetConnector(*primary(map[string]string{
		"lock_timeout": ms,
		// A server that stops in the middle of a transaction (a frozen
		// process) must not hold the writer lock for ever.
		"idle_in_transaction_session_timeout": "60000",
	}))})
	db.write.SetMaxOpenConns(4)
	db.write.SetMaxIdleConns(4)
	db.write.SetConnMaxIdleTime(5 * time.Minute)
	db.read = sql.OpenDB(&pgConnector{inner: stdlib.GetConnector(*primary(map[string]string{
		"default_transaction_read_only": "on",
	}))})
	db.read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	db.read.SetConnMaxIdleTime(5 * time.Minute)
	s.plain = sql.OpenDB(&pgConnector{plain: true, inner: stdlib.GetConnector(*primary(nil))})
	s.plain.SetMaxOpenConns(8)
	s.plain.SetConnMaxIdleTime(time.Minute)
	s.listenCfg = primary(nil)
	s.listenCfg.RuntimeParams["application_name"] = "voisinage-listener"
	for _, r := range cfg.replicas {
		if !IsPostgresURL(r) {
			db.Close()
			return nil, NewError(EINVALID, keyReplicaNotPostgres, Args{"url": r})
		}
		rc, err := pgx.ParseConfig(r)
		if err != nil {
			db.Close()
			return nil, NewError(EINVALID, keyReplicaURL, Args{"url": redactURL(r), "err": err.Error()})
		}
		rc.RuntimeParams["application_name"] = "voisinage-follower"
		rc.RuntimeParams["TimeZone"] = "UTC"
		rc.RuntimeParams["default_transaction_read_only"] = "on"
		f := sql.OpenDB(&pgConnector{inner: stdlib.GetConnector(*rc)})
		f.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
		f.SetMaxIdleConns(2)
		f.SetConnMaxIdleTime(5 * time.Minute)
		db.follow = append(db.follow, f)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", db.path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.fillNameKeys(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", db.path, err)
	}
	s.listen()
	return db, nil
}

// migrate applies the PostgreSQL migrations; several servers starting at
// once wait for each other (goose's session lock).
func (s *pgStore) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(postgresMigrationFS, "migrations/postgres")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	// Numbers are reserved per change and land in any order, as SQLite's (see DB.migrate).
	p, err := goose.NewProvider(goose.DialectPostgres, s.plain, fsys, goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// listen receives the notifications of commits until the store closes.
func (s *pgStore) listen() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	connected := false
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			c, err := pgx.ConnectConfig(ctx, s.listenCfg)
			if err == nil {
				if connected {
					select {
					case s.resets <- struct{}{}:
					default:
					}
				}
				connected = true
			}
			return c, err
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				slog.WarnContext(ctx, "listening for changes on PostgreSQL (the server polls meanwhile)", "err", err)
			}
		},
		ReconnectDelay: time.Second,
	}
	l.Handle("voisinage_changes", pgxlisten.HandlerFunc(func(ctx context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
		seq, err := strconv.ParseUint(n.Payload, 10, 64)
		if err != nil {
			return nil
		}
		// Only the latest matters: a follower reads everything up to it.
		select {
		case s.notify <- seq:
		default:
			select {
			case <-s.notify:
			default:
			}
			select {
			case s.notify <- seq:
			default:
			}
		}
		return nil
	}))
	go func() {
		defer close(s.done)
		l.Listen(ctx)
	}()
}

func (s *pgStore) Dialect() string { return DialectPostgres }
func (s *pgStore) Shared() bool    { return true }

func (s *pgStore) changes() <-chan uint64 { return s.notify }

// resetsChan tells when the listener has connected again after losing its
// connection: the primary restarted, or another took over. Commits may
// have gone unnotified meanwhile and, after the failover to an
// asynchronous standby, the database may have lost commits a server had
// followed (and give their sequence numbers to new ones): the follower
// then reloads its read model whole.
func (s *pgStore) resetsChan() <-chan struct{} { return s.resets }

// tryLock takes a session-level advisory lock on a connection kept until
// release; PostgreSQL releases it too if this server dies.
func (s *pgStore) tryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := s.plain.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key := lockKey(name)
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, err
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.held, key)
			s.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
				// The lock goes with the connection.
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			conn.Close()
		})
	}
	s.mu.Lock()
	if s.held == nil {
		s.held = map[int64]func(){}
	}
	s.held[key] = release
	s.mu.Unlock()
	return release, true, nil
}

// lockKey is the advisory lock number of a named lock.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("voisinage:" + name))
	return int64(h.Sum64())
}

func (s *pgStore) integrityCheck(ctx context.Context) (string, error) {
	var one int
	if err := s.db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return "", err
	}
	return "ok", nil
}

func (s *pgStore) checkpoint(context.Context) error { return nil }

// writeProbe takes the writer lock every write transaction takes, waiting
// half a second at most for the server holding it, and gives it back at
// once, writing nothing; a standby (read-only after a failover) refuses.
func (s *pgStore) writeProbe(ctx context.Context) error {
	tx, err := s.plain.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`SET LOCAL lock_timeout = 500`, `SET LOCAL transaction_read_only = off`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writerLockKey)
	return err
}

func (s *pgStore) schema(ctx context.Context, q querier) (map[string]tableInfo, error) {
	names, err := queryStrings(ctx, q, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	out := map[string]tableInfo{}
	for _, n := range names {
		if notCopied[n] {
			continue
		}
		rows, err := q.QueryContext(ctx, `SELECT column_name, is_identity FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, n)
		if err != nil {
			return nil, err
		}
		var t tableInfo
		for rows.Next() {
			var col, identity string
			if err := rows.Scan(&col, &identity); err != nil {
				rows.Close()
				return nil, err
			}
			t.Columns = append(t.Columns, col)
			if identity == "YES" {
				t.Identity = col
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if t.Refs, err = queryStrings(ctx, q, `SELECT DISTINCT c.relname::text FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.confrelid
			WHERE k.contype = 'f' AND k.conrelid = (quote_ident(?) || '')::regclass`, n); err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

// afterCopy moves each identity sequence past the ids copied, so that the
// next row created gets a new one.
func (s *pgStore) afterCopy(ctx context.Context, tx *sql.Tx, schema map[string]tableInfo) error {
	for name, t := range schema {
		if t.Identity == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, ?),
			(SELECT COALESCE(MAX(`+quoteIdent(t.Identity)+`), 0) + 1 FROM `+quoteIdent(name)+`), false)`,
			quoteIdent(name), t.Identity); err != nil {
			return fmt.Errorf("identity of %s: %w", name, err)
		}
	}
	return nil
}

func (s *pgStore) close() error {
	s.mu.Lock()
	held := make([]func(), 0, len(s.held))
	for _, r := range s.held {
		held = append(held, r)
	}
	s.mu.Unlock()
	for _, r := range held {
		r()
	}
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	if s.plain != nil {
		return s.plain.Close()
	}
	return nil
}

// postgresError maps PostgreSQL's errors to domain errors: constraint
// violations as SQLite's are mapped (formatError), and the errors of a
// database that is busy or unreachable to EUNAVAILABLE — nothing was
// committed, the client may try again. It returns nil for other errors.
func postgresError(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return NewError(ECONFLICT, keyDBUnique, nil)
		case "23503": // foreign_key_violation
			return NewError(EINVALID, keyDBForeignKey, nil)
		case "23514", "23502": // check_violation, not_null_violation
			return NewError(EINVALID, keyDBCheck, nil)
		case "55P03", "40001", "40P01", "53300": // lock_not_available, serialization_failure, deadlock_detected, too_many_connections
			return storeBusy(5 * time.Second)
		case "25006", "57P01", "57P02", "57P03", "53100", "53200", "58030":
			// read_only_sql_transaction (a standby, after a failover),
			// admin_shutdown, crash_shutdown, cannot_connect_now,
			// disk_full, out_of_memory, io_error
			return storeUnavailable()
		}
		if strings.HasPrefix(pe.Code, "08") { // connection_exception
			return storeUnavailable()
		}
		return nil
	}
	var ce *pgconn.ConnectError
	var lost *pgConnLost
	if errors.As(err, &ce) || errors.As(err, &lost) {
		return storeUnavailable()
	}
	return nil
}

// pgConnLost is an error after which the connection to PostgreSQL is gone
// (the server stopped or the network failed mid-statement).
type pgConnLost struct{ err error }

func (e *pgConnLost) Error() string { return "connection to PostgreSQL lost: " + e.err.Error() }
func (e *pgConnLost) Unwrap() error { return e.err }

// redactURL returns a PostgreSQL URL without its password, for logs and
// messages.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// walPosition is the primary's write-ahead log position past every record
// inserted so far: the insert position, not pg_current_wal_lsn's write
// position, which lags behind commits made with synchronous_commit = off (a
// replica that has replayed up to the write position may still miss them —
// as a migration's columns were once missing from a replica under load).
func (s *pgStore) walPosition(ctx context.Context) (string, error) {
	var lsn string
	err := s.plain.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&lsn)
	return lsn, err
}

// replayed reports whether the replica f has replayed the log up to lsn
// (or is no longer a replica: promoted, it holds everything).
func (s *pgStore) replayed(ctx context.Context, f *sql.DB, lsn string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var ok bool
	err := f.QueryRowContext(ctx, `SELECT NOT pg_is_in_recovery() OR COALESCE(pg_last_wal_replay_lsn() >= CAST(? AS pg_lsn), false)`, lsn).Scan(&ok)
	return err == nil && ok
}

// pgNow is the database's clock, in Unix seconds: every server reads the same one.
const pgNow = `extract(epoch from clock_timestamp())::double precision`

func (s *pgStore) takeToken(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	if every <= 0 || burst <= 0 {
		return true, 0, nil
	}
	var left float64
	err := s.plain.QueryRowContext(ctx, `WITH now AS (SELECT `+pgNow+` AS t)
		INSERT INTO rate_buckets AS b (key, tokens, at) SELECT $1, $2::double precision - 1, t FROM now
		ON CONFLICT (key) DO UPDATE SET
			tokens = LEAST($2, b.tokens + ((SELECT t FROM now) - b.at) / $3) - 1,
			at = (SELECT t FROM now)
		WHERE LEAST($2, b.tokens + ((SELECT t FROM now) - b.at) / $3) >= 1
		RETURNING tokens`, key, float64(burst), secondsOf(every)).Scan(&left)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, err
	}
	// Empty: how long until the bucket holds a token again.
	var have float64
	if err := s.plain.QueryRowContext(ctx, `SELECT LEAST($2, tokens + (`+pgNow+` - at) / $3) FROM rate_buckets WHERE key = $1`,
		key, float64(burst), secondsOf(every)).Scan(&have); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, 0, err
	}
	return false, max(durationOf((1-have)*secondsOf(every)), time.Second), nil
}

// pgBackoff is LoginBackoff.Delay of the attempts n, in seconds, in SQL
// ($2 free attempts, $3 base and $4 maximum delay in seconds).
func pgBackoff(n string) string {
	return `(CASE WHEN ` + n + ` < $2::bigint THEN 0::double precision
		ELSE LEAST($3::double precision * power(2::double precision, LEAST(` + n + ` - $2::bigint, 60)), $4::double precision) END)`
}

// loginBegin keeps, per address, the attempts counted (failures), when the
// last one started (window_start) and when the next may (locked_until =
// the last + its delay). One statement counts the attempt if the address
// may try now: the row lock makes concurrent attempts count one by one, on
// the database's clock.
func (s *pgStore) loginBegin(ctx context.Context, key string, b LoginBackoff) (time.Duration, error) {
	var n int64
	err := s.plain.QueryRowContext(ctx, `WITH now AS (SELECT `+pgNow+` AS t)
		INSERT INTO ip_failures AS f (key, failures, window_start, locked_until)
			SELECT $1, 1, t, t + `+pgBackoff("1")+` FROM now
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN (SELECT t FROM now) > f.locked_until + $5 THEN 1 ELSE f.failures + 1 END,
			window_start = (SELECT t FROM now),
			locked_until = (SELECT t FROM now) +
				CASE WHEN (SELECT t FROM now) > f.locked_until + $5 THEN `+pgBackoff("1")+` ELSE `+pgBackoff("(f.failures + 1)")+` END
		WHERE (SELECT t FROM now) >= f.locked_until
		RETURNING failures`, key, int64(b.Free), secondsOf(b.Base), secondsOf(b.Max), secondsOf(b.Window)).Scan(&n)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	var left float64
	if err := s.plain.QueryRowContext(ctx, `SELECT locked_until - `+pgNow+` FROM ip_failures WHERE key = $1`, key).Scan(&left); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return max(durationOf(left), time.Second), nil
}

func (s *pgStore) loginSucceeded(ctx context.Context, key string, b LoginBackoff) error {
	_, err := s.plain.ExecContext(ctx, `UPDATE ip_failures SET failures = failures - 1,
			locked_until = window_start + `+pgBackoff("(failures - 1)")+`
		WHERE key = $1 AND failures > 0`, key, int64(b.Free), secondsOf(b.Base), secondsOf(b.Max))
	return err
}

func (s *pgStore) sweepLimits(ctx context.Context) (int64, error) {
	// A bucket idle for a day is full for any limit; a window over a day
	// old counts nothing.
	var n int64
	for _, q := range []string{
		`DELETE FROM rate_buckets WHERE at < ` + pgNow + ` - 86400`,
		`DELETE FROM ip_failures WHERE window_start < ` + pgNow + ` - 86400 AND locked_until < ` + pgNow,
	} {
		res, err := s.plain.ExecContext(ctx, q)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}
