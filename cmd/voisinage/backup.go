package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// runBackup runs `voisinage backup [-db FILE] PATH`: a consistent copy of the
// database, taken while the server goes on serving and writing (it may run
// from cron or a systemd timer, as another process). PATH is replaced
// atomically: it is always a complete backup.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage backup [-db voisinage.db] PATH")
		fs.PrintDefaults()
	}
	dbPath := fs.String("db", "voisinage.db", "the database to back up (the servers may be running on it): a SQLite file, or a PostgreSQL URL, copied into a SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: give the backup file's path")
	}
	info, err := directory.Backup(ctx, *dbPath, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("backup: %s", errorText(err))
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %s, change sequence %d, %d actors, %d proposals, %d versions, %d users, in %s (integrity_check ok)\n",
		*dbPath, info.Path, mebibytes(info.Bytes), info.Seq, info.Actors, info.Proposals, info.Versions, info.Users,
		info.Took.Round(time.Millisecond))
	return nil
}

// runRestore runs `voisinage restore [-db FILE] [-force] PATH`: it checks the
// backup at PATH, then puts a copy of it in place as the database, keeping
// the database it replaces beside it. It refuses while a server runs on the
// database (the server would go on writing to the file moved aside): stop
// the server first, or give -force and restart it right after.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage restore [-db voisinage.db] [-force] PATH")
		fs.PrintDefaults()
	}
	dbPath := fs.String("db", "voisinage.db", "SQLite database file to replace")
	force := fs.Bool("force", false, "restore even though a server is running on the database (restart it right after)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("restore: give the backup file's path")
	}
	if err := directory.CheckRestore(*dbPath); err != nil {
		return fmt.Errorf("restore: %s", errorText(err))
	}
	unlock, err := lockDatabase(*dbPath)
	switch {
	case err == nil:
		defer unlock()
	case errors.Is(err, errDatabaseInUse) && *force:
		fmt.Fprintf(stderr, "warning: a server is running on %s: restart it now, or it goes on writing to the replaced file\n", *dbPath)
	default:
		return fmt.Errorf("restore: %w; stop the server first (or give -force and restart it right after)", err)
	}
	info, kept, err := directory.Restore(ctx, fs.Arg(0), *dbPath)
	if err != nil {
		return fmt.Errorf("restore: %s", errorText(err))
	}
	fmt.Fprintf(stdout, "restored %s from %s: change sequence %d, %d actors, %d proposals, %d versions, %d users (integrity_check ok)\n",
		*dbPath, fs.Arg(0), info.Seq, info.Actors, info.Proposals, info.Versions, info.Users)
	if kept != "" {
		fmt.Fprintf(stdout, "the replaced database is kept as %s\n", kept)
	}
	return nil
}

// errorText is a domain error's message, or the error itself.
func errorText(err error) string {
	if directory.ErrorCode(err) == directory.EINTERNAL {
		return err.Error()
	}
	return directory.ErrorMessage(err)
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
