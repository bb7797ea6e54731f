package directorytest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

// Epoch is the time fixture databases are seeded at (their actors'
// created_at and updated_at); a Fixture's clock starts an hour later.
var Epoch = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// realBundle is the bundled dataset, decoded once per test binary. It is
// shared: nothing may change it.
var realBundle struct {
	once sync.Once
	b    *data.Bundle
	byID map[string]int
	err  error
}

func loadReal(tb testing.TB) (*data.Bundle, map[string]int) {
	tb.Helper()
	realBundle.once.Do(func() {
		realBundle.b, realBundle.err = data.Load()
		if realBundle.err == nil {
			realBundle.byID = make(map[string]int, len(realBundle.b.Actors))
			for i, a := range realBundle.b.Actors {
				realBundle.byID[a.ID] = i
			}
		}
	})
	if realBundle.err != nil {
		tb.Fatalf("load the bundled dataset: %v", realBundle.err)
	}
	return realBundle.b, realBundle.byID
}

// Dataset builds what a test database holds: real actors picked from the
// bundled dataset (each with its parents, and with its real adoptions),
// every real tool, and actors, tools and adoptions made for the test. The
// methods return the Dataset so that calls chain:
//
//	d := directorytest.NewDataset(t).
//		Pick("commune-88160").
//		Actor(data.Actor{ID: "association-test", Kind: "association", Name: "Test"}).
//		MustOpenDirectory(t)
type Dataset struct {
	tb        testing.TB
	real      *data.Bundle
	byID      map[string]int
	picked    map[string]bool
	actors    []data.Actor // made for the test
	tools     []data.Tool
	adoptions []data.Adoption
	labels    []data.Label
}

// NewDataset starts an empty dataset (with the real tools).
func NewDataset(tb testing.TB) *Dataset {
	tb.Helper()
	b, byID := loadReal(tb)
	return &Dataset{tb: tb, real: b, byID: byID, picked: map[string]bool{}}
}

// Pick adds the real actors ids and, recursively, their parents. An id the
// bundle does not hold fails the test.
func (s *Dataset) Pick(ids ...string) *Dataset {
	s.tb.Helper()
	for _, id := range ids {
		i, ok := s.byID[id]
		if !ok {
			s.tb.Fatalf("directorytest: the bundled dataset has no actor %q", id)
		}
		if s.picked[id] {
			continue
		}
		s.picked[id] = true
		s.Pick(s.real.Actors[i].Parents...)
	}
	return s
}

// PickWhere adds every real actor for which keep is true, with its parents.
func (s *Dataset) PickWhere(keep func(a *data.Actor) bool) *Dataset {
	s.tb.Helper()
	for i := range s.real.Actors {
		if a := &s.real.Actors[i]; keep(a) {
			s.Pick(a.ID)
		}
	}
	return s
}

// PickMembers adds every real actor whose parents include one of ids (the
// member communes of an EPCI), with the ids themselves.
func (s *Dataset) PickMembers(ids ...string) *Dataset {
	s.tb.Helper()
	s.Pick(ids...)
	return s.PickWhere(func(a *data.Actor) bool {
		return slices.ContainsFunc(a.Parents, func(p string) bool { return slices.Contains(ids, p) })
	})
}

// PickLargest adds, for each group of the real actors that keep accepts
// (grouped by the key group gives), the n most populous.
func (s *Dataset) PickLargest(n int, keep func(a *data.Actor) bool, group func(a *data.Actor) string) *Dataset {
	s.tb.Helper()
	groups := map[string][]*data.Actor{}
	for i := range s.real.Actors {
		if a := &s.real.Actors[i]; keep(a) {
			groups[group(a)] = append(groups[group(a)], a)
		}
	}
	for _, g := range groups {
		slices.SortFunc(g, func(a, b *data.Actor) int {
			if c := cmp.Compare(b.Population, a.Population); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		for _, a := range g[:min(n, len(g))] {
			s.Pick(a.ID)
		}
	}
	return s
}

// Actor adds an actor made for the test. Its parents that are real actors
// are picked; others must be added by the test.
func (s *Dataset) Actor(a data.Actor) *Dataset {
	s.tb.Helper()
	for _, p := range a.Parents {
		if _, ok := s.byID[p]; ok {
			s.Pick(p)
		}
	}
	s.actors = append(s.actors, a)
	return s
}

// Tool adds a tool made for the test.
func (s *Dataset) Tool(t data.Tool) *Dataset {
	s.tools = append(s.tools, t)
	return s
}

// Adoption adds an adoption made for the test.
func (s *Dataset) Adoption(a data.Adoption) *Dataset {
	s.adoptions = append(s.adoptions, a)
	return s
}

// Label adds a label award made for the test (no seed article states one
// yet, so tests of labels make their own).
func (s *Dataset) Label(l data.Label) *Dataset {
	s.labels = append(s.labels, l)
	return s
}

// Len is the number of actors the dataset holds.
func (s *Dataset) Len() int { return len(s.picked) + len(s.actors) }

// Bundle returns the dataset as a bundle: the picked real actors in the
// bundle's order, then the test's own; every real tool, then the test's;
// the real adoptions of the picked actors, then the test's.
func (s *Dataset) Bundle() *data.Bundle {
	b := &data.Bundle{Meta: s.real.Meta}
	for _, a := range s.real.Actors {
		if s.picked[a.ID] {
			b.Actors = append(b.Actors, a)
		}
	}
	b.Actors = append(b.Actors, s.actors...)
	b.Tools = append(slices.Clone(s.real.Tools), s.tools...)
	for _, a := range s.real.Adoptions {
		if s.picked[a.Actor] {
			b.Adoptions = append(b.Adoptions, a)
		}
	}
	b.Adoptions = append(b.Adoptions, s.adoptions...)
	// The real links and labels whose actors are all picked.
	for _, l := range s.real.Links {
		if s.picked[l.Actor] && (l.TargetType != directory.TypeActor || s.picked[l.Target]) {
			b.Links = append(b.Links, l)
		}
	}
	for _, l := range s.real.Labels {
		if s.picked[l.Actor] {
			b.Labels = append(b.Labels, l)
		}
	}
	b.Labels = append(b.Labels, s.labels...)
	return b
}

// seed fills the database at path with the dataset, at Epoch.
func (s *Dataset) seed(ctx context.Context, path string) (*directory.DB, error) {
	db, err := directory.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	db.Now = func() time.Time { return Epoch }
	if err := db.SeedBundle(ctx, s.Bundle(), "test"); err != nil {
		db.Close()
		return nil, fmt.Errorf("seed the test dataset: %w", err)
	}
	db.Now = func() time.Time { return time.Now().UTC() }
	return db, nil
}

// MustOpenDB seeds a new database in tb's temp dir with the dataset; it is
// closed when tb ends.
func (s *Dataset) MustOpenDB(tb testing.TB) *directory.DB {
	tb.Helper()
	db, err := s.seed(context.Background(), EmptyPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenDirectory opens the read model over a new database holding the dataset.
func (s *Dataset) MustOpenDirectory(tb testing.TB) *directory.Directory {
	tb.Helper()
	d, err := directory.New(context.Background(), s.MustOpenDB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// smallAnchors are the real actors the tests name (Épinal and its EPCI,
// Île-de-Sein with no point and no EPCI, namesakes, communes nouvelles…).
var smallAnchors = []string{
	"commune-88160", // Épinal
	"commune-88209", // Golbey
	"commune-88465", // Thaon-les-Vosges
	"commune-29083", // Île-de-Sein: no point, no EPCI
	"commune-29019", // Brest
	"commune-54395", // Nancy
	"commune-13004", // Arles
	"commune-55073", // Bras-sur-Meuse
	"commune-78551", // Saint-Germain-en-Laye
	"commune-94038", // L'Haÿ-les-Roses
	"commune-75056", // Paris
	"commune-51410", // Œuilly (Marne)
	"commune-02565", // Œuilly (Aisne), a namesake
	"commune-42218", // Saint-Étienne
	"commune-74010", // Annecy, a commune nouvelle
	"commune-50129", // Cherbourg-en-Cotentin, a commune nouvelle
}

// SmallDataset is the dataset most domain tests run on: a few hundred real
// actors chosen by rules, so that it follows the bundle as it changes, with
// the shapes that matter:
//
//   - the actors tests name (smallAnchors), including communes nouvelles
//     and namesakes;
//   - an EPCI with all its members (the CA d'Épinal, 78 communes of exact
//     and approximate points), and the EPCI, département and région of
//     every commune picked;
//   - every commune without a point, and the first commune of each point
//     precision;
//   - overseas: the four most populous communes of each overseas
//     département or collectivité (Wallis-et-Futuna across the
//     antimeridian, Polynesia, New Caledonia…);
//   - the most populous commune of each metropolitan région, for a spread
//     over the map;
//   - the préfectures and sous-préfectures of the Vosges and overseas
//     (derived points sharing their commune's);
//   - every actor that is not administrative (networks, associations…),
//     every tool and every adoption, and both ends of every link.
func SmallDataset(tb testing.TB) *Dataset {
	tb.Helper()
	s := NewDataset(tb).Pick(smallAnchors...).PickMembers("epci-200068757")
	commune := func(a *data.Actor) bool { return a.Kind == directory.KindCommune }
	s.PickWhere(func(a *data.Actor) bool { return commune(a) && a.Point == nil })
	precisions := map[string]bool{}
	s.PickWhere(func(a *data.Actor) bool {
		if !commune(a) || a.Point == nil || precisions[a.Precision] {
			return false
		}
		precisions[a.Precision] = true
		return true
	})
	s.PickLargest(4, func(a *data.Actor) bool { return commune(a) && a.Zone != "metro" },
		func(a *data.Actor) string { return a.Departement })
	s.PickLargest(1, func(a *data.Actor) bool { return commune(a) && a.Zone == "metro" },
		func(a *data.Actor) string { return a.Region })
	s.PickWhere(func(a *data.Actor) bool {
		seat := a.Kind == directory.KindPrefecture || a.Kind == directory.KindSousPrefecture
		return seat && (a.Departement == "88" || len(a.Departement) == 3)
	})
	s.PickWhere(func(a *data.Actor) bool { return !directory.IsAdministrative(a.Kind) })
	for _, ad := range s.real.Adoptions {
		s.Pick(ad.Actor)
	}
	for _, l := range s.real.Links {
		s.Pick(l.Actor)
		if l.TargetType == directory.TypeActor {
			s.Pick(l.Target)
		}
	}
	return s
}
