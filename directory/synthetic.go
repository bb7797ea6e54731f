package directory

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/geo"
)

// SyntheticOptions describe a synthetic benchmark dataset.
type SyntheticOptions struct {
	N    int    // number of actors
	Seed uint64 // random seed: the same seed gives the same actors
	// Overseas is the share of actors placed in the overseas départements
	// (the rest are spread over metropolitan France's bounding box).
	Overseas float64
}

// Boxes the synthetic actors are drawn in: metropolitan France's bounding
// box and the five overseas départements.
var (
	metroBox    = orb.Bound{Min: orb.Point{-5.2, 41.3}, Max: orb.Point{9.6, 51.1}}
	overseasBox = []orb.Bound{
		{Min: orb.Point{55.2, -21.4}, Max: orb.Point{55.85, -20.87}},   // La Réunion
		{Min: orb.Point{-54.6, 2.1}, Max: orb.Point{-51.6, 5.8}},       // Guyane
		{Min: orb.Point{-61.81, 15.83}, Max: orb.Point{-61.0, 16.52}},  // Guadeloupe
		{Min: orb.Point{-61.23, 14.39}, Max: orb.Point{-60.81, 14.88}}, // Martinique
		{Min: orb.Point{45.01, -13.0}, Max: orb.Point{45.3, -12.63}},   // Mayotte
	}
	syntheticKinds = []struct {
		kind  string
		share float64
	}{
		{KindCommune, 0.85}, {KindEPCI, 0.03}, {KindAssociation, 0.06}, {KindStateService, 0.02},
		{KindPublicAgency, 0.02}, {KindSyndicat, 0.02},
	}
	syntheticPrecisions = []struct {
		precision string
		share     float64
	}{
		{PrecisionExact, 0.45}, {PrecisionPostalArea, 0.50}, {PrecisionEPCIArea, 0.05},
	}
)

// SeedSynthetic fills an empty database with synthetic actors for benchmarks:
// random points over France (fixed seed), each actor marked synthetic, in
// one transaction. It refuses a database that already holds data, so that
// synthetic actors are never mixed with real ones. Each actor takes the
// département and région of the nearest real préfecture, so that territory
// filters behave as on real data; a tenth of a percent of actors adopt each
// of ten synthetic tools, so that tool filters do too.
func (db *DB) SeedSynthetic(ctx context.Context, o SyntheticOptions, progress func(done int)) error {
	if o.N < 1 || o.N > 10_000_000 {
		return FieldError("n", KeyBetween, Args{"min": 1, "max": 10000000})
	}
	b, err := data.Load()
	if err != nil {
		return err
	}
	// The real préfectures, to give each synthetic actor a territory.
	seats := geo.NewIndex()
	var seatPlaces [][2]string
	for _, a := range b.Actors {
		if a.Kind == KindPrefecture && a.Point != nil {
			seats.Insert(uint32(len(seatPlaces)), orb.Point{a.Point[0], a.Point[1]})
			seatPlaces = append(seatPlaces, [2]string{a.Departement, a.Region})
		}
	}

	tx, err := db.beginSeed(ctx, keySyntheticSeeded)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(db.Now())
	const tools = 10
	for i := 1; i <= tools; i++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tools (slug, name, description, licence, themes, created_at, updated_at)
			VALUES (?, ?, 'Synthetic benchmark tool: not a real service.', 'synthetic', ?, ?, ?)`,
			fmt.Sprintf("outil-synthetique-%d", i), fmt.Sprintf("Outil synthétique %d", i),
			jsonList([]string{Themes[i%len(Themes)]}), now, now); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, insertActorSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	adopt, err := tx.PrepareContext(ctx, `INSERT INTO adoptions (actor_id, tool_slug, usage, status, created_at, updated_at)
		VALUES (?, ?, 'synthetic', 'in_use', ?, ?)`)
	if err != nil {
		return err
	}
	defer adopt.Close()

	rnd := rand.New(rand.NewPCG(o.Seed, 0x766f6973696e6167)) // "voisinag"
	pick := func(share []float64) int {
		x := rnd.Float64()
		for i, s := range share {
			if x < s {
				return i
			}
			x -= s
		}
		return len(share) - 1
	}
	kindShares := make([]float64, len(syntheticKinds))
	for i, k := range syntheticKinds {
		kindShares[i] = k.share
	}
	precShares := make([]float64, len(syntheticPrecisions))
	for i, p := range syntheticPrecisions {
		precShares[i] = p.share
	}
	width := len(strconv.Itoa(o.N))
	for i := 1; i <= o.N; i++ {
		box := metroBox
		if rnd.Float64() < o.Overseas {
			box = overseasBox[rnd.IntN(len(overseasBox))]
		}
		lon := Round6(box.Min.Lon() + rnd.Float64()*(box.Max.Lon()-box.Min.Lon()))
		lat := Round6(box.Min.Lat() + rnd.Float64()*(box.Max.Lat()-box.Min.Lat()))
		kind := syntheticKinds[pick(kindShares)].kind
		precision := syntheticPrecisions[pick(precShares)].precision
		place := seatPlaces[seats.Nearest(orb.Point{lon, lat}, geo.NearestOptions{K: 1})[0].Ref]
		population := int(math.Exp(4 + rnd.Float64()*8)) // 55 to 160,000, log-uniform
		id := fmt.Sprintf("%s-synthetique-%0*d", kind, width, i)
		a := Actor{ID: id, Kind: kind, Name: fmt.Sprintf("Lieu synthétique %0*d", width, i), Departement: place[0],
			Region: place[1], Population: population, Synthetic: true, Version: 1,
			Location: &Location{Lon: lon, Lat: lat, Precision: precision, Source: "synthetic"}}
		if _, err := ins.ExecContext(ctx, insertArgs(&actorRow{a: &a, created: now, updated: now})...); err != nil {
			return fmt.Errorf("synthetic actor %d: %w", i, err)
		}
		if rnd.Float64() < 0.001*tools {
			if _, err := adopt.ExecContext(ctx, id, fmt.Sprintf("outil-synthetique-%d", 1+rnd.IntN(tools)), now, now); err != nil {
				return err
			}
		}
		if progress != nil && i%100_000 == 0 {
			progress(i)
		}
	}
	if err := setMeta(ctx, tx, metaDataset, fmt.Sprintf("synthetic n=%d seed=%d", o.N, o.Seed)); err != nil {
		return err
	}
	if err := setMeta(ctx, tx, metaChangeSeq, "1"); err != nil {
		return err
	}
	return tx.Commit()
}

// Dataset returns the label of the data the database was filled with
// ("bundle", or "synthetic n=… seed=…").
func (db *DB) Dataset(ctx context.Context) (string, error) { return getMeta(ctx, db.read, metaDataset) }
