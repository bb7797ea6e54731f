package directory

import (
	"context"
	"slices"
)

// Typed facts about actors that come with the bundle: links between actors
// (a member of a network, a partner of a syndicate) and labels awarded to
// them. They are read once when the read model loads and are not edited
// through proposals; a page or a feature shows them with their sources.

// actorFacts are the links and labels of the directory, by actor id.
type actorFacts struct {
	out    map[string][]Link  // by the linking actor
	in     map[string][]Link  // by the linked actor (target_type actor)
	labels map[string][]Label // by the labelled actor
}

func (f *actorFacts) has(id string) bool {
	return f != nil && (len(f.out[id]) > 0 || len(f.in[id]) > 0 || len(f.labels[id]) > 0)
}

// loadActorFacts reads every link and label.
func (db *DB) loadActorFacts(ctx context.Context) (*actorFacts, error) {
	f := &actorFacts{out: map[string][]Link{}, in: map[string][]Link{}, labels: map[string][]Label{}}
	rows, err := db.read.QueryContext(ctx, `SELECT actor_id, type, target_type, target_id, status, note, as_of, sources
		FROM actor_links ORDER BY actor_id, type, target_type, target_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Link
		var sources string
		if err := rows.Scan(&l.ActorID, &l.Type, &l.TargetType, &l.TargetID, &l.Status, &l.Note, &l.AsOf, &sources); err != nil {
			return nil, err
		}
		if err := unmarshalList(sources, &l.Sources); err != nil {
			return nil, err
		}
		f.out[l.ActorID] = append(f.out[l.ActorID], l)
		if l.TargetType == TypeActor {
			f.in[l.TargetID] = append(f.in[l.TargetID], l)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	lrows, err := db.read.QueryContext(ctx, `SELECT actor_id, label, year, level, sources FROM actor_labels
		ORDER BY actor_id, year DESC, label`)
	if err != nil {
		return nil, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var l Label
		var sources string
		if err := lrows.Scan(&l.ActorID, &l.Label, &l.Year, &l.Level, &sources); err != nil {
			return nil, err
		}
		if err := unmarshalList(sources, &l.Sources); err != nil {
			return nil, err
		}
		f.labels[l.ActorID] = append(f.labels[l.ActorID], l)
	}
	return f, lrows.Err()
}

// linksOf returns the links from and to actor id, and its labels (copies).
func (f *actorFacts) of(id string) (out, in []Link, labels []Label) {
	if f == nil {
		return nil, nil, nil
	}
	return slices.Clone(f.out[id]), slices.Clone(f.in[id]), slices.Clone(f.labels[id])
}

// appendLinks appends links as a JSON array: each with its type, its other
// end (target for outgoing links, actor for incoming ones), status, as_of,
// note and sources.
func appendLinks(dst []byte, links []Link, incoming bool) []byte {
	dst = append(dst, '[')
	for i, l := range links {
		if i > 0 {
			dst = append(dst, ',')
		}
		o := jsonObject{buf: append(dst, '{'), empty: true}
		o.str("type", l.Type)
		if incoming {
			o.str("actor", l.ActorID)
		} else {
			o.str("target_type", l.TargetType)
			o.str("target", l.TargetID)
		}
		o.str("status", l.Status)
		o.str("as_of", l.AsOf)
		o.str("note", l.Note)
		if len(l.Sources) > 0 {
			o.raw("sources", appendSources(nil, l.Sources))
		}
		dst = append(o.buf, '}')
	}
	return append(dst, ']')
}

// appendLabels appends labels as a JSON array.
func appendLabels(dst []byte, labels []Label) []byte {
	dst = append(dst, '[')
	for i, l := range labels {
		if i > 0 {
			dst = append(dst, ',')
		}
		o := jsonObject{buf: append(dst, '{'), empty: true}
		o.str("label", l.Label)
		o.num("year", l.Year)
		o.str("level", l.Level)
		if len(l.Sources) > 0 {
			o.raw("sources", appendSources(nil, l.Sources))
		}
		dst = append(o.buf, '}')
	}
	return append(dst, ']')
}
