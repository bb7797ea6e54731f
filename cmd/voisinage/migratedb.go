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

// runMigrateDB runs `voisinage migrate-db -from A -to B`: it copies a whole
// directory — actors, versions, proposals, votes, accounts, sessions,
// tokens, reports, counters — from one database to another, each a SQLite
// file or a PostgreSQL URL, in either direction, then checks that both hold
// the same rows, table by table (counts and SHA-256 checksums). The
// destination must be empty (a new file, or a new PostgreSQL database); it
// is migrated first. The copy reads one consistent snapshot of the source:
// stop the servers first, or what they write meanwhile stays behind.
func runMigrateDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage migrate-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage migrate-db -from voisinage.db -to postgres://user@host/voisinage")
		fmt.Fprintln(stderr, "       voisinage migrate-db -from postgres://user@host/voisinage -to copy.db")
		fs.PrintDefaults()
	}
	from := fs.String("from", "", "the database to copy: a SQLite file or a PostgreSQL URL")
	to := fs.String("to", "", "the empty database to copy into: a new SQLite file or a PostgreSQL URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("migrate-db: give -from and -to")
	}
	if err := directory.CheckCopy(*from, *to); err != nil {
		return fmt.Errorf("migrate-db: %s", errorText(err))
	}
	if !directory.IsPostgresURL(*from) {
		// A server on the file would go on writing what the copy misses.
		unlock, err := lockDatabase(*from)
		if err != nil {
			return fmt.Errorf("migrate-db: %w: stop it first", err)
		}
		defer unlock()
	}
	if !directory.IsPostgresURL(*to) {
		unlock, err := lockDatabase(*to)
		if err != nil {
			return fmt.Errorf("migrate-db: %w", err)
		}
		defer func() { unlock(); os.Remove(*to + ".lock") }()
	}
	start := time.Now()
	src, err := directory.Open(ctx, *from)
	if err != nil {
		return fmt.Errorf("migrate-db: open %s: %s", *from, errorText(err))
	}
	defer src.Close()
	dst, err := directory.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("migrate-db: open %s: %s", *to, errorText(err))
	}
	defer dst.Close()
	rep, err := src.CopyTo(ctx, dst)
	if err != nil {
		return fmt.Errorf("migrate-db: %s", errorText(err))
	}
	if err := dst.Checkpoint(ctx); err != nil {
		return fmt.Errorf("migrate-db: %w", err)
	}
	fmt.Fprintf(stdout, "copied %s to %s in %s; both hold, table by table:\n", src.Path(), dst.Path(), time.Since(start).Round(time.Millisecond))
	for _, t := range rep.Tables {
		d := rep.Digests[t]
		fmt.Fprintf(stdout, "  %-20s %9d rows  sha256 %s\n", t, d.Rows, d.SHA256)
	}
	return nil
}
