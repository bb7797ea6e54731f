package directory

import (
	"context"
	"time"
)

// Option configures a Directory at New.
type Option func(*Directory)

// WithStaleYears sets how old (in years) a fact must be, unconfirmed, to be
// stale ("à vérifier"); DefaultStaleYears unless set. 0 turns staleness off.
func WithStaleYears(years int) Option {
	return func(d *Directory) { d.staleYears = max(0, years) }
}

// StaleYears returns the staleness threshold in years.
func (d *Directory) StaleYears() int { return d.staleYears }

func (d *Directory) freshness() freshness {
	return freshness{years: d.staleYears, now: d.db.Now()}
}

// Facts turn stale as time passes, with no write: the entries whose facts
// have turned stale since they were built are rebuilt. Each entry knows when
// its next fact turns stale; the directory knows the earliest of them.

// noteStaleLocked keeps the earliest time a fact turns stale.
func (d *Directory) noteStaleLocked(e *entry) {
	if e.staleAt != 0 && (d.nextStale == 0 || e.staleAt < d.nextStale) {
		d.nextStale = e.staleAt
	}
}

// RefreshStale rebuilds the entries whose facts have turned stale since they
// were built, and returns how many. Cheap when none has: one comparison.
// Follow calls it at every tick.
func (d *Directory) RefreshStale(ctx context.Context) int {
	now := d.db.Now().Unix()
	d.mu.RLock()
	due := d.nextStale != 0 && d.nextStale <= now
	var ids []string
	if due {
		for _, ref := range d.live {
			if e := &d.entries[ref]; e.staleAt != 0 && e.staleAt <= now {
				ids = append(ids, d.str(e.id))
			}
		}
	}
	d.mu.RUnlock()
	if !due {
		return 0
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.mu.Lock()
	d.nextStale = 0
	for _, ref := range d.live {
		if e := &d.entries[ref]; e.staleAt > now {
			d.noteStaleLocked(e)
		}
	}
	d.mu.Unlock()
	if len(ids) > 0 {
		d.refresh(ctx, touchSet{actors: ids})
	}
	return len(ids)
}

// IsStale reports whether a fact as of asOf ("2009", "2009-06",
// "2009-06-15"), last confirmed at verifiedAt (zero if never), is stale now.
func (d *Directory) IsStale(asOf string, verifiedAt time.Time) bool {
	return isStale(asOf, verifiedAt, d.staleYears, d.db.Now())
}

// Now returns the directory's current time (its store's clock).
func (d *Directory) Now() time.Time { return d.db.Now() }
