package directory

import (
	"context"
	"time"
)

// QueueStats are the sizes of the moderators' queues.
type QueueStats struct {
	Pending     int // proposals waiting for review
	NeedsReview int // applied at once, still to be reviewed
	OpenReports int // reports not yet resolved
}

// QueueStats counts the moderators' queues (for metrics). The counts use the
// status indexes: they stay cheap however long the history grows.
func (d *Directory) QueueStats(ctx context.Context) (QueueStats, error) {
	var q QueueStats
	err := d.db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM proposals WHERE status = 'pending'),
		(SELECT COUNT(*) FROM proposals WHERE status = 'approved' AND needs_review = 1),
		(SELECT COUNT(*) FROM reports WHERE status = 'open')`).Scan(&q.Pending, &q.NeedsReview, &q.OpenReports)
	return q, err
}

// Ready reports whether the directory can serve: EUNAVAILABLE when the
// database does not answer or the read model is not built.
func (d *Directory) Ready(ctx context.Context) error {
	if err := d.db.Ping(ctx); err != nil {
		return NewError(EUNAVAILABLE, keyDBDown, nil)
	}
	if err := d.db.WriteProbe(ctx); err != nil {
		if e := asError(err); e != nil && e.Code == EUNAVAILABLE {
			return e
		}
		e := NewError(EUNAVAILABLE, keyStoreNoWrites, nil)
		e.RetryAfter = 5 * time.Second
		return e
	}
	d.mu.RLock()
	built := d.index != nil && d.entries != nil
	d.mu.RUnlock()
	if !built {
		return NewError(EUNAVAILABLE, keyIndexBuilding, nil)
	}
	return nil
}
