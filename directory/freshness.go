package directory

import (
	"context"
	"encoding/json"
	"time"
)

// NewOption configures a Directory at New (Option configures Open).
type NewOption func(*Directory)

// WithStaleYears sets how old (in years) a fact must be, unconfirmed, to be
// stale ("à vérifier"); DefaultStaleYears unless set. 0 turns staleness off.
func WithStaleYears(years int) NewOption {
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

// StaleFact is a fact older than the threshold and not confirmed since:
// an actor's field (Field set) or an adoption (Tool set).
type StaleFact struct {
	ActorID     string
	ActorName   string
	Kind        string // the actor's kind
	Departement string
	Field       string // website, email, phone, address, opening_hours, siret, point
	Value       string
	Tool        string // for an adoption: the tool's slug
	ToolName    string
	Status      string // for an adoption
	AsOf        string
	Source      string // a field's provenance source
	Sources     []Source
}

// StaleFilter narrows the list of stale facts.
type StaleFilter struct {
	Departement string
	Region      string
	Offset      int
	Limit       int
}

// FindStaleFacts lists the stale facts, actor by actor (moderators only),
// and how many there are in all: the queue of facts to check.
func (d *Directory) FindStaleFacts(ctx context.Context, moderator *User, f StaleFilter) ([]StaleFact, int, error) {
	if !moderator.IsModerator() {
		return nil, 0, NewError(EFORBIDDEN, keyStaleModerators, nil)
	}
	if f.Limit < 1 || f.Limit > 500 {
		f.Limit = 50
	}
	d.mu.RLock()
	var features [][]byte
	for _, ref := range d.live {
		e := &d.entries[ref]
		if !e.stale || (f.Departement != "" && d.sym(e.dept) != f.Departement) || (f.Region != "" && d.sym(e.region) != f.Region) {
			continue
		}
		features = append(features, d.featureLocked(ref, -1))
	}
	d.mu.RUnlock()
	var all []StaleFact
	for _, b := range features {
		var feat struct {
			Properties struct {
				ID          string                     `json:"id"`
				Name        string                     `json:"name"`
				Kind        string                     `json:"kind"`
				Departement string                     `json:"departement"`
				Provenance  map[string]json.RawMessage `json:"provenance"`
				Adoptions   []struct {
					Tool     string   `json:"tool"`
					ToolName string   `json:"tool_name"`
					Status   string   `json:"status"`
					AsOf     string   `json:"as_of"`
					Sources  []Source `json:"sources"`
					Stale    bool     `json:"stale"`
				} `json:"adoptions"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &feat); err != nil {
			return nil, 0, err
		}
		p := feat.Properties
		var props map[string]any
		json.Unmarshal(b, &struct {
			Properties *map[string]any `json:"properties"`
		}{&props})
		for _, field := range ProvenanceFields {
			raw, ok := p.Provenance[field]
			if !ok {
				continue
			}
			var pr struct {
				Provenance
				Stale bool `json:"stale"`
			}
			if json.Unmarshal(raw, &pr) != nil || !pr.Stale {
				continue
			}
			value, _ := props[field].(string)
			all = append(all, StaleFact{ActorID: p.ID, ActorName: p.Name, Kind: p.Kind, Departement: p.Departement,
				Field: field, Value: value, AsOf: pr.AsOf, Source: pr.Source})
		}
		for _, ad := range p.Adoptions {
			if ad.Stale {
				all = append(all, StaleFact{ActorID: p.ID, ActorName: p.Name, Kind: p.Kind, Departement: p.Departement,
					Tool: ad.Tool, ToolName: ad.ToolName, Value: ad.ToolName, Status: ad.Status, AsOf: ad.AsOf, Sources: ad.Sources})
			}
		}
	}
	total := len(all)
	if f.Offset >= total {
		return nil, total, nil
	}
	return all[f.Offset:min(total, f.Offset+f.Limit)], total, nil
}
