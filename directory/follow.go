package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"
)

// The read model follows the store, whoever writes to it. Every applied
// change bumps the change sequence stored in meta and writes version rows
// tagged with it, in the same transaction; SQLite serializes writers, so the
// sequence numbers are given in commit order. A directory remembers the
// sequence up to which every change is in its read model (followed):
// CatchUp reads the version rows after it, refreshes the records they name
// through the same incremental path as its own writes, and moves it on.
// Another process (an import, a second instance on the same file) thus
// reaches a running server within one poll, and the poll costs one indexed
// read of the meta table when nothing changed.

// maxIncrementalCatchUp is the number of touched actors above which
// catching up rebuilds the whole read model: each incremental update moves
// the sorted filter lists, which a full load builds once.
const maxIncrementalCatchUp = 20000

// Follow catches up with the store every interval until ctx is done, and
// at once when the store notifies a commit (PostgreSQL's NOTIFY, see
// postgres.go), and rebuilds the entries whose facts have turned stale
// meanwhile. Errors are logged and retried at the next tick.
//
// With read replicas, a notification may arrive before the replica has
// replayed the commit: the follower then tries again every 50 ms, and
// after half a second reads from the primary, so that a change approved
// through another server is served within a second.
func (d *Directory) Follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	changes, resets := d.db.Changes(), d.db.Resets()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var want uint64 // the latest sequence notified, until followed
	var since time.Time
	for {
		primary := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case seq := <-changes:
			if seq > want {
				want, since = seq, time.Now()
			}
		case <-retry.C:
			primary = time.Since(since) > 500*time.Millisecond
		case <-resets:
			if err := d.Reload(ctx); err != nil {
				if ctx.Err() == nil {
					slog.ErrorContext(ctx, "reloading the read model after the database came back", "err", err)
				}
			} else {
				slog.InfoContext(ctx, "the database came back (a restart or a failover): read model reloaded", "seq", d.Seq())
			}
			continue
		}
		n, err := d.catchUp(ctx, primary)
		if err != nil {
			if ctx.Err() == nil {
				slog.ErrorContext(ctx, "following the store's changes", "err", err)
			}
		} else if n > 0 {
			slog.InfoContext(ctx, "read model followed changes written by another process", "records", n, "seq", d.Seq())
		}
		if n := d.RefreshStale(ctx); n > 0 {
			slog.InfoContext(ctx, "facts turned stale", "actors", n)
		}
		d.mu.RLock()
		behind := want > d.followed
		d.mu.RUnlock()
		if behind {
			retry.Reset(50 * time.Millisecond)
		} else {
			want = 0
		}
	}
}

// Reload rebuilds the whole read model from the store, and follows the
// store's change sequence from there, even if it is lower than the one
// followed until now (a database restored, or promoted from a standby that
// had not received the last commits).
func (d *Directory) Reload(ctx context.Context) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.mu.Lock()
	d.followed = 0
	d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return err
	}
	d.clustersChanged()
	return nil
}

// CatchUp brings the read model up to date with every change committed to
// the store since it last followed it, including those written by other
// processes, and returns how many records it refreshed (0 when nothing
// changed, or only what this directory wrote itself).
func (d *Directory) CatchUp(ctx context.Context) (int, error) { return d.catchUp(ctx, false) }

// catchUp is CatchUp reading from a read replica (the first that answers),
// or from the primary when primary is true or no replica answers.
func (d *Directory) catchUp(ctx context.Context, primary bool) (int, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.mu.RLock()
	from := d.followed
	d.mu.RUnlock()

	// One read transaction: the sequence and the versions it covers come
	// from the same snapshot.
	pools := d.db.followers()
	if primary {
		pools = pools[len(pools)-1:]
	}
	var tx *sql.Tx
	var err error
	for _, p := range pools {
		if tx, err = p.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}); err == nil {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var to uint64
	if v, err := getMeta(ctx, tx, metaChangeSeq); err != nil {
		return 0, err
	} else if v != "" {
		if to, err = strconv.ParseUint(v, 10, 64); err != nil {
			return 0, err
		}
	}
	if to <= from {
		return 0, nil
	}
	if from == 0 {
		// The database was filled after this read model was loaded (the
		// bundle is not in the change log): load it whole.
		tx.Rollback()
		if err := d.load(ctx); err != nil {
			return 0, err
		}
		d.clustersChanged()
		return d.Stats().Actors, nil
	}
	t, records, err := d.changedBetween(ctx, tx, from, to)
	if err != nil {
		return 0, err
	}
	tx.Rollback()

	if len(t.actors) > maxIncrementalCatchUp {
		if err := d.load(ctx); err != nil {
			return 0, err
		}
		d.mu.Lock()
		d.followed = max(d.followed, to)
		d.mu.Unlock()
		d.clustersChanged()
		return records, nil
	}
	d.refresh(ctx, t)
	d.mu.Lock()
	d.followed = max(d.followed, to)
	d.mu.Unlock()
	return records, nil
}

// parentsField returns the read model's parents of actor id as record
// fields, for touchSet.add.
func (d *Directory) parentsField(id string) map[string]json.RawMessage {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ref, ok := d.refOf(id)
	if !ok {
		return nil
	}
	var ids []string
	for _, p := range d.parentsOf(ref) {
		ids = append(ids, d.idOf(p))
	}
	if len(ids) == 0 {
		return nil
	}
	return map[string]json.RawMessage{"parents": mustJSON(ids)}
}

// changedBetween reads what the changes committed with a sequence in
// (from, to] touched, and how many records they changed.
func (d *Directory) changedBetween(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, from, to uint64) (touchSet, int, error) {
	rows, err := q.QueryContext(ctx, `SELECT record_type, record_id, data FROM versions WHERE seq > ? AND seq <= ?`, from, to)
	if err != nil {
		return touchSet{}, 0, err
	}
	defer rows.Close()
	t := touchSet{seq: to, first: from + 1}
	records := map[string]bool{}
	for rows.Next() {
		var typ, id string
		var data []byte
		if err := rows.Scan(&typ, &id, &data); err != nil {
			return touchSet{}, 0, err
		}
		if records[typ+":"+id] {
			continue
		}
		records[typ+":"+id] = true
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			return touchSet{}, 0, err
		}
		// The previous parents of an actor are in the read model; the new
		// ones in the version.
		t.add(&record{Type: typ, ID: id, Fields: d.parentsField(id)}, fields)
	}
	return t, len(records), rows.Err()
}

// follow brings the read model up to date with what this directory wrote
// in several transactions (an import's): incrementally, or by a full load
// when so many actors changed that moving each in the sorted lists would
// cost more.
func (d *Directory) follow(ctx context.Context, t touchSet) {
	if t.seq == 0 && len(t.actors) == 0 && len(t.tools) == 0 {
		return
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if len(t.actors) <= maxIncrementalCatchUp {
		d.refresh(ctx, t)
		return
	}
	if err := d.load(ctx); err != nil {
		slog.ErrorContext(ctx, "read model rebuild failed", "err", err)
	}
	d.clustersChanged()
}
