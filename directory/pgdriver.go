package directory

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The domain's SQL is written once, for both stores: `?` placeholders,
// integers for flags, text for times, and the subset of SQL that SQLite and
// PostgreSQL both understand. The PostgreSQL store runs it through this
// thin database/sql connector over pgx's, which owns what differs at the
// level of a statement:
//
//   - placeholders: `?` becomes `$1`, `$2`… (outside string literals,
//     quoted identifiers and comments);
//   - arguments: a Go bool is stored as 1 or 0 and a time.Time as the text
//     go-sqlite3 writes, as SQLite stores them;
//   - the single writer: SQLite lets one transaction write at a time, and
//     the domain's check-then-act steps (is the proposal still pending? is
//     the base version current? how many proposals this hour?) rely on it.
//     On the writer pool every transaction first takes a transaction-level
//     advisory lock (pg_advisory_xact_lock), held until it commits, and a
//     statement run outside a transaction is wrapped in one that takes it:
//     writes are serialized across every instance on the database, exactly
//     as SQLite serializes them across processes, and the change sequence is
//     handed out in commit order. Reads never take it.

// writerLockKey is the advisory lock every write transaction holds (any
// number: advisory locks are scoped to the database).
const writerLockKey int64 = 0x766f6973_01 // "vois" 1

// pgConnector wraps pgx's connector.
type pgConnector struct {
	inner  driver.Connector
	writer bool // serialize transactions with the writer lock
	plain  bool // PostgreSQL's own SQL ($1 placeholders, Go values as they are): only lost connections are marked
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	ic, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{inner: ic.(*stdlib.Conn), writer: c.writer, plain: c.plain}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is one connection; database/sql never uses it from two goroutines at once.
type pgConn struct {
	inner  *stdlib.Conn
	writer bool
	plain  bool
	inTx   bool
}

// rebind is the package's rebind, except on a plain connection.
func (c *pgConn) rebind(query string) string {
	if c.plain {
		return query
	}
	return rebind(query)
}

var (
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
)

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	q := c.rebind(query)
	s, err := c.inner.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &pgStmt{conn: c, inner: s, query: q}, nil
}

func (c *pgConn) Close() error { return c.inner.Close() }

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.lost(err)
	}
	if c.writer && !opts.ReadOnly {
		if err := c.lockWriter(ctx); err != nil {
			tx.Rollback()
			return nil, c.lost(err)
		}
	}
	c.inTx = true
	return &pgTx{conn: c, inner: tx}, nil
}

// lockWriter takes the writer lock for the current transaction; it waits
// up to the connection's lock_timeout, then fails (EUNAVAILABLE).
func (c *pgConn) lockWriter(ctx context.Context) error {
	_, err := c.inner.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, []driver.NamedValue{{Ordinal: 1, Value: writerLockKey}})
	return err
}

type pgTx struct {
	conn  *pgConn
	inner driver.Tx
}

func (t *pgTx) Commit() error   { t.conn.inTx = false; return t.conn.lost(t.inner.Commit()) }
func (t *pgTx) Rollback() error { t.conn.inTx = false; return t.inner.Rollback() }

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.exec(ctx, c.rebind(query), args)
}

func (c *pgConn) exec(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if !c.writer || c.inTx {
		res, err := c.inner.ExecContext(ctx, q, args)
		return res, c.lost(err)
	}
	var res driver.Result
	err := c.autocommit(ctx, func() (err error) {
		res, err = c.inner.ExecContext(ctx, q, args)
		return err
	})
	return res, c.lost(err)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.query(ctx, c.rebind(query), args)
}

// lost marks the errors after which the connection is gone, so that they
// read as an unavailable database (postgresError) rather than a bug.
func (c *pgConn) lost(err error) error {
	if err == nil || err == driver.ErrBadConn || !c.inner.Conn().IsClosed() {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "08") && !strings.HasPrefix(pe.Code, "57P") {
		return err
	}
	return &pgConnLost{err: err}
}

func (c *pgConn) query(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if !c.writer || c.inTx {
		rows, err := c.inner.QueryContext(ctx, q, args)
		return rows, c.lost(err)
	}
	// The rows are read before the wrapping transaction commits.
	var rows *bufferedRows
	err := c.autocommit(ctx, func() error {
		r, err := c.inner.QueryContext(ctx, q, args)
		if err != nil {
			return err
		}
		rows, err = bufferRows(r)
		return err
	})
	if err != nil {
		return nil, c.lost(err)
	}
	return rows, nil
}

// autocommit runs one statement of the writer pool in a transaction of its
// own that holds the writer lock.
func (c *pgConn) autocommit(ctx context.Context, fn func() error) error {
	tx, err := c.inner.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return err
	}
	if err := c.lockWriter(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := fn(); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (c *pgConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

func (c *pgConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

// CheckNamedValue stores Go values as the SQLite store does.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c.plain {
		return nil
	}
	switch v := nv.Value.(type) {
	case bool:
		if v {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
	case time.Time:
		nv.Value = v.Format(sqliteTimeFormat)
	case int:
		nv.Value = int64(v)
	}
	return nil
}

// sqliteTimeFormat is how go-sqlite3 writes a time.Time argument.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

type pgStmt struct {
	conn  *pgConn
	inner driver.Stmt
	query string
}

func (s *pgStmt) Close() error  { return s.inner.Close() }
func (s *pgStmt) NumInput() int { return s.inner.NumInput() }

func (s *pgStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *pgStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.exec(ctx, s.query, args)
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.query(ctx, s.query, args)
}

func namedValues(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// bufferedRows are rows read in full.
type bufferedRows struct {
	cols []string
	rows [][]driver.Value
}

func bufferRows(r driver.Rows) (*bufferedRows, error) {
	defer r.Close()
	b := &bufferedRows{cols: r.Columns()}
	for {
		dest := make([]driver.Value, len(b.cols))
		if err := r.Next(dest); err == io.EOF {
			return b, nil
		} else if err != nil {
			return nil, err
		}
		for i, v := range dest {
			if bs, ok := v.([]byte); ok {
				dest[i] = append([]byte(nil), bs...)
			}
		}
		b.rows = append(b.rows, dest)
	}
}

func (b *bufferedRows) Columns() []string { return b.cols }
func (b *bufferedRows) Close() error      { return nil }
func (b *bufferedRows) Next(dest []driver.Value) error {
	if len(b.rows) == 0 {
		return io.EOF
	}
	copy(dest, b.rows[0])
	b.rows = b.rows[1:]
	return nil
}

// rebind turns the `?` placeholders of query into PostgreSQL's `$1`, `$2`…
// (and SQLite's numbered `?3` into `$3`), leaving string literals, quoted
// identifiers and comments alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		switch ch := query[i]; ch {
		case '?':
			// ?NNN is SQLite's numbered placeholder: the same number.
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
		case '\'', '"':
			j := i + 1
			for j < len(query) {
				if query[j] == ch {
					if j+1 < len(query) && query[j+1] == ch { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					j = len(query) - i
				}
				b.WriteString(query[i : i+j])
				i += j - 1
			} else {
				b.WriteByte(ch)
			}
		case '/':
			if i+1 < len(query) && query[i+1] == '*' {
				j := strings.Index(query[i+2:], "*/")
				end := len(query)
				if j >= 0 {
					end = i + 2 + j + 2
				}
				b.WriteString(query[i:end])
				i = end - 1
			} else {
				b.WriteByte(ch)
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
