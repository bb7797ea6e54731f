package directory

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// Reads that the web pages need besides the API's: names for lists of ids,
// and the départements and régions for filter menus. All answer from memory.

// ActorRef names an actor: enough to link to it and say what it is.
type ActorRef struct {
	ID   string
	Kind string
	Name string
}

// FindActorRefs returns the id, kind and name of each of ids that is a live
// actor, in the order given; unknown or deleted ids are left out.
func (d *Directory) FindActorRefs(ctx context.Context, ids []string) []ActorRef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]ActorRef, 0, len(ids))
	for _, id := range ids {
		ref, ok := d.refOf(id)
		if !ok || d.entries[ref].deleted {
			continue
		}
		e := &d.entries[ref]
		out = append(out, ActorRef{ID: d.str(e.id), Kind: d.sym(e.kind), Name: d.str(e.name)})
	}
	return out
}

// Place is a département or a région: its official code and its name.
type Place struct {
	Code string
	Name string
}

// Places returns the départements (kind KindDepartement) or the régions
// (KindRegion) by code, metropolitan codes first as the official list
// orders them ("01" … "95", "2A", "2B", then "971" …).
func (d *Directory) Places(kind string) []Place {
	d.mu.RLock()
	defer d.mu.RUnlock()
	prefix := kind + ":"
	var out []Place
	for k, name := range d.names {
		if code, ok := strings.CutPrefix(k, prefix); ok {
			out = append(out, Place{Code: code, Name: name})
		}
	}
	slices.SortFunc(out, func(a, b Place) int {
		if c := cmp.Compare(len(a.Code), len(b.Code)); c != 0 && (len(a.Code) > 2 || len(b.Code) > 2) {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}
