package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// runSynth runs `voisinage synth -n N -db FILE`: it creates a database of N
// synthetic actors for benchmarks. The file must not exist yet (a
// PostgreSQL database must be empty): synthetic actors are never mixed with
// real data.
func runSynth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1_000_000, "number of synthetic actors")
	dbPath := fs.String("db", "synthetic.db", "new database to fill: a SQLite file, or an empty PostgreSQL database (URL)")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same actors)")
	overseas := fs.Float64("overseas", 0.05, "share of actors placed overseas")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*dbPath); err == nil {
		return fmt.Errorf("%s exists: synthetic actors go in a new database file of their own", *dbPath)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	start := time.Now()
	db, err := directory.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.SeedSynthetic(ctx, directory.SyntheticOptions{N: *n, Seed: *seed, Overseas: *overseas}, func(done int) {
		fmt.Fprintf(stderr, "%d actors…\n", done)
	})
	if err != nil {
		db.Close()
		os.Remove(*dbPath)
		return err
	}
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s: %d synthetic actors (seed %d) in %s\n", *dbPath, *n, *seed, time.Since(start).Round(time.Second))
	return nil
}
