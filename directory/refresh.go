package directory

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
)

// refresh brings the read model up to date with what a committed write
// touched. The store is the truth: if reading it back fails, the whole
// read model is rebuilt from it.
func (d *Directory) refresh(ctx context.Context, t touchSet) {
	if t.seq == 0 && len(t.actors) == 0 && len(t.tools) == 0 {
		return
	}
	// Changes that other processes committed before this write and that
	// this directory has not followed yet are taken in with it: the read
	// model is then the store's state at t.seq, which the sequence (and the
	// ETags derived from it) stands for, and actors created meanwhile get
	// their refs in the store's order. Callers hold d.wmu: followed cannot
	// move meanwhile.
	d.mu.RLock()
	from := d.followed
	d.mu.RUnlock()
	if t.first > from+1 {
		others, _, err := d.changedBetween(ctx, d.db.read, from, t.first-1)
		if err != nil {
			slog.ErrorContext(ctx, "reading changes written by another process", "err", err)
		} else {
			t.merge(others)
		}
	}
	if err := d.refreshTouched(ctx, t); err != nil {
		slog.ErrorContext(ctx, "read model update failed; rebuilding it from the store", "err", err)
		if err := d.load(ctx); err != nil {
			slog.ErrorContext(ctx, "read model rebuild failed", "err", err)
		}
	}
	d.clustersChanged()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func inClause(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func anyArgs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (d *Directory) refreshTouched(ctx context.Context, t touchSet) error {
	slices.Sort(t.tools)
	t.tools = slices.Compact(t.tools)
	// Tools as they are now.
	tools := map[string]*Tool{}
	if len(t.tools) > 0 {
		rows, err := d.db.read.QueryContext(ctx, `SELECT `+toolColumns+` FROM tools WHERE slug IN (`+inClause(len(t.tools))+`)`, anyArgs(t.tools)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			tl, deleted, err := scanTool(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if !deleted {
				tools[tl.Slug] = tl
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		// Their adopters show the tool's name and themes: they change too.
		rows, err = d.db.read.QueryContext(ctx, `SELECT DISTINCT actor_id FROM adoptions WHERE tool_slug IN (`+inClause(len(t.tools))+`)`, anyArgs(t.tools)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return err
			}
			t.actors = append(t.actors, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	slices.Sort(t.actors)
	t.actors = slices.Compact(t.actors)

	// Actors, their parents and their adoptions as they are now.
	type loaded struct {
		a       *Actor
		ref     int64 // the row's position in the store
		deleted bool
		ads     []*Adoption
	}
	actors := map[string]*loaded{}
	for chunk := range slices.Chunk(t.actors, 500) {
		rows, err := d.db.read.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE id IN (`+inClause(len(chunk))+`)`, anyArgs(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			a, ref, deleted, err := scanActor(rows)
			if err != nil {
				rows.Close()
				return err
			}
			actors[a.ID] = &loaded{a: a, ref: ref, deleted: deleted}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = d.db.read.QueryContext(ctx, `SELECT actor_id, parent_id FROM actor_parents WHERE actor_id IN (`+inClause(len(chunk))+`) ORDER BY actor_id, rank`, anyArgs(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a, p string
			if err := rows.Scan(&a, &p); err != nil {
				rows.Close()
				return err
			}
			if l := actors[a]; l != nil {
				l.a.Parents = append(l.a.Parents, p)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = d.db.read.QueryContext(ctx, `SELECT `+adoptionColumns+` FROM adoptions WHERE deleted = 0 AND actor_id IN (`+inClause(len(chunk))+`) ORDER BY actor_id, tool_slug`, anyArgs(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			ad, _, err := scanAdoption(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if l := actors[ad.ActorID]; l != nil {
				l.ads = append(l.ads, ad)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}

	// Actors new to the read model are appended in the store's order, as a
	// full load would number them.
	slices.SortStableFunc(t.actors, func(a, b string) int {
		la, lb := actors[a], actors[b]
		switch {
		case la == nil || lb == nil: // not in the store: nothing to append
			return cmp.Compare(boolInt(la == nil), boolInt(lb == nil))
		}
		return cmp.Compare(la.ref, lb.ref)
	})

	d.mu.Lock()
	defer d.mu.Unlock()
	for _, slug := range t.tools {
		if tl := tools[slug]; tl != nil {
			d.tools[slug] = tl
		} else {
			delete(d.tools, slug)
		}
	}
	// First take the touched actors out and fix the parent → children links,
	// then rebuild their entries, so that member lists see every move.
	for _, id := range t.actors {
		l := actors[id]
		if l == nil {
			continue
		}
		ref, ok := d.refOf(id)
		if !ok {
			ref = uint32(len(d.entries))
			d.entries = append(d.entries, entry{id: d.tw.addString(id), deleted: true})
			d.byID.put(id, ref, d.idOf)
		}
		if e := &d.entries[ref]; !e.deleted {
			d.removeLocked(ref)
		}
		for _, p := range d.parentsOf(ref) {
			d.children[p] = removeSorted(d.children[p], ref)
		}
		var prefs []uint32
		if !l.deleted {
			for _, p := range l.a.Parents {
				if pr, ok := d.refOf(p); ok {
					d.children[pr] = insertSorted(d.children[pr], ref)
					prefs = append(prefs, pr)
				}
			}
		}
		d.setParents(ref, prefs)
	}
	b := newEntryBuilder(d, &d.tw)
	for _, id := range t.actors {
		l := actors[id]
		if l == nil {
			continue
		}
		ref, _ := d.refOf(id)
		var ads []*Adoption
		for _, ad := range l.ads {
			if d.tools[ad.ToolSlug] != nil {
				ads = append(ads, ad)
			}
		}
		if len(ads) > 0 {
			d.adopt[ref] = ads
		} else {
			delete(d.adopt, ref)
		}
		parents := d.parentsOf(ref)
		if l.deleted {
			d.entries[ref] = entry{id: d.entries[ref].id, deleted: true}
			d.setMore(ref, nil, nil, parents)
			continue
		}
		var tools, planned []string
		d.entries[ref], tools, planned = b.build(l.a, ads)
		d.setMore(ref, tools, planned, parents)
		d.addLocked(ref, true)
	}
	if t.seq > d.seq {
		d.seq = t.seq
	} else {
		// Changes another process made before this directory's last own
		// write: the state is new, so is the sequence.
		d.seq++
	}
	// With no change by another process in between, what this write
	// applied is all there is up to its sequence.
	if t.first != 0 && t.first == d.followed+1 {
		d.followed = t.seq
	}
	return nil
}
