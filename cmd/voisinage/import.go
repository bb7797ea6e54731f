package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/voisinage/voisinage/directory"
)

// runImport runs `voisinage import dila|adoptions …`.
func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: voisinage import dila [-db FILE] [-dry-run] [-url URL] [-json] PATH\n" +
			"       voisinage import adoptions [-db FILE] -as EMAIL [-dry-run] [-json] PATH")
	}
	switch args[0] {
	case "dila":
		return runImportDILA(ctx, args[1:], stdin, stdout, stderr)
	case "adoptions":
		return runImportAdoptions(ctx, args[1:], stdin, stdout, stderr)
	}
	return fmt.Errorf("import: unknown kind %q: dila or adoptions", args[0])
}

// runImportDILA runs `voisinage import dila`: it reads the DILA "Base de
// données locales" (JSON, gzip, zip or tar.bz2 as published; - for stdin)
// and brings the directory in step with it. A server running on the same
// database serves the changes within a second.
func runImportDILA(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage import dila", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage import dila [-db voisinage.db] [-dry-run] [-url URL] [-json] PATH")
		fmt.Fprintln(stderr, "PATH is the file downloaded from", directory.DILADownloadURL)
		fmt.Fprintln(stderr, "(all_latest.tar.bz2, a .zip, a .json or .json.gz), or - for stdin.")
		fs.PrintDefaults()
	}
	dbPath := fs.String("db", "voisinage.db", "SQLite database file (a server may be running on it)")
	dryRun := fs.Bool("dry-run", false, "print the report without writing anything")
	url := fs.String("url", directory.DILADownloadURL, "where the file was downloaded, for the attribution")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import dila: give the file's path (or - for stdin)")
	}
	in, name, cleanup, err := openDILA(fs.Arg(0), stdin)
	if err != nil {
		return fmt.Errorf("import dila: %w", err)
	}
	defer cleanup()
	d, closeDir, err := openDirectory(ctx, *dbPath, nil)
	if err != nil {
		return err
	}
	defer closeDir()
	rep, err := d.ImportDILA(ctx, in, directory.DILAOptions{FileName: name, SourceURL: *url, DryRun: *dryRun})
	if err != nil {
		return fmt.Errorf("import dila: %s", errorText(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printDILAReport(stdout, rep)
	return nil
}

// openDILA opens the file as the DILA publishes it and returns the JSON
// inside, with the JSON file's own name (it carries the file's date).
func openDILA(path string, stdin io.Reader) (io.Reader, string, func(), error) {
	var f *os.File
	name := filepath.Base(path)
	cleanup := func() {}
	if path == "-" {
		// A zip needs random access: stdin is kept in a temporary file.
		tmp, err := os.CreateTemp("", "voisinage-import-*")
		if err != nil {
			return nil, "", nil, err
		}
		cleanup = func() { tmp.Close(); os.Remove(tmp.Name()) }
		if _, err := io.Copy(tmp, stdin); err != nil {
			cleanup()
			return nil, "", nil, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			cleanup()
			return nil, "", nil, err
		}
		f, name = tmp, "-"
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, "", nil, err
		}
		cleanup = func() { f.Close() }
	}
	r, inner, err := unwrap(f, name)
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return r, inner, cleanup, nil
}

// unwrap detects the format by its first bytes (not the file name, which
// stdin has not): JSON, gzip, bzip2, zip or tar, nested as published
// (all_latest.tar.bz2 holds YYYY-MM-DD_HHMMSS-data.gouv_local.json).
func unwrap(f *os.File, name string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		info, err := f.Stat()
		if err != nil {
			return nil, "", err
		}
		zr, err := zip.NewReader(f, info.Size())
		if err != nil {
			return nil, "", fmt.Errorf("%s: not a readable zip: %w", name, err)
		}
		var pick *zip.File
		for _, zf := range zr.File {
			if isDILAJSON(zf.Name) && (pick == nil || strings.HasSuffix(zf.Name, "data.gouv_local.json")) {
				pick = zf
			}
		}
		if pick == nil {
			return nil, "", fmt.Errorf("%s: the zip holds no .json file", name)
		}
		rc, err := pick.Open()
		if err != nil {
			return nil, "", err
		}
		return rc, filepath.Base(pick.Name), nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		return unwrapStream(zr, strings.TrimSuffix(name, ".gz"))
	case bytes.HasPrefix(head, []byte("BZh")):
		return unwrapStream(bzip2.NewReader(br), strings.TrimSuffix(name, ".bz2"))
	}
	return unwrapStream(br, name)
}

// unwrapStream reads a decompressed stream: a tar archive or the JSON itself.
func unwrapStream(r io.Reader, name string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(512)
	if len(head) >= 262 && string(head[257:262]) == "ustar" {
		tr := tar.NewReader(br)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil, "", fmt.Errorf("%s: the archive holds no *data.gouv_local.json file", name)
			} else if err != nil {
				return nil, "", fmt.Errorf("%s: %w", name, err)
			}
			if h.Typeflag == tar.TypeReg && isDILAJSON(h.Name) && strings.HasSuffix(h.Name, "data.gouv_local.json") {
				return tr, filepath.Base(h.Name), nil
			}
		}
	}
	return br, name, nil
}

func isDILAJSON(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".json") && !strings.Contains(name, "__MACOSX")
}

// printDILAReport writes the report for a person at a terminal.
func printDILAReport(w io.Writer, r *directory.DILAReport) {
	mode := "run " + fmt.Sprint(r.RunID)
	if r.DryRun {
		mode = "DRY RUN: nothing written"
	}
	fmt.Fprintf(w, "DILA import (%s) of %s", mode, r.File)
	if r.FileDate != "" {
		fmt.Fprintf(w, " dated %s", r.FileDate)
	}
	fmt.Fprintf(w, ", in %s\nsource: %s — %s\n", r.Took, r.Attribution, r.SourceURL)
	fmt.Fprintf(w, "records read: %d\n", r.Records)
	fmt.Fprintf(w, "matched to an actor: %d\n", r.Matched)
	fmt.Fprintf(w, "mairies déléguées (never a commune's town hall): %d\n", r.Delegated)
	fmt.Fprintf(w, "ignored by type: %s\n", countList(r.Ignored))
	fmt.Fprintf(w, "actors changed: %d (unchanged: %d); fields changed: %s\n", r.ActorsChanged, r.Unchanged, countList(r.FieldsChanged))
	fmt.Fprintf(w, "conflicts sent to review: %d\n", len(r.Conflicts))
	for _, c := range r.Conflicts {
		fmt.Fprintf(w, "  %s %s: a person's %q, official %q → proposal %d (%s)\n", c.Actor, c.Field, c.Current, c.Official, c.ProposalID, c.Status)
	}
	fmt.Fprintf(w, "unmatched: %d\n", len(r.Unmatched))
	for _, u := range r.Unmatched {
		fmt.Fprintf(w, "  %s %q (%s %s): %s\n", u.ID, u.Name, u.Type, u.Code, u.Reason)
	}
	if len(r.Ambiguous) > 0 {
		fmt.Fprintf(w, "ambiguous: %d\n", len(r.Ambiguous))
		for _, a := range r.Ambiguous {
			fmt.Fprintf(w, "  %s %s: %s: %s\n", a.Code, a.Actor, a.Reason, strings.Join(a.Candidates, "; "))
		}
	}
	if len(r.InvalidValues) > 0 {
		fmt.Fprintf(w, "invalid values left out: %d\n", len(r.InvalidValues))
		for _, v := range r.InvalidValues {
			fmt.Fprintf(w, "  %s %s %q: %s\n", v.Actor, v.Field, v.Value, v.Reason)
		}
	}
	if len(r.Older) > 0 {
		fmt.Fprintf(w, "left as they are (the directory has them from a later record): %d\n", len(r.Older))
		for _, v := range r.Older {
			fmt.Fprintf(w, "  %s %s (record of %s)\n", v.Actor, v.Field, v.Value)
		}
	}
	if len(r.Unreadable) > 0 {
		fmt.Fprintf(w, "unreadable records: %d\n", len(r.Unreadable))
		for _, u := range r.Unreadable {
			fmt.Fprintf(w, "  %s %q: %s\n", u.ID, u.Name, u.Reason)
		}
	}
}

func countList(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// runImportAdoptions runs `voisinage import adoptions`: a batch of
// adoptions (CSV with ; or , or GeoJSON; - for stdin) filed as one batch of
// proposals by the account -as names (applied at once for a moderator).
// Nothing is stored unless every row is good; the report says which rows
// to fix, and the command exits non-zero (with -dry-run too). A server running on the database serves the changes within a
// second.
func runImportAdoptions(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage import adoptions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage import adoptions [-db voisinage.db] -as EMAIL [-dry-run] [-json] PATH")
		fmt.Fprintln(stderr, "PATH is a CSV (UTF-8, ; or ,) or GeoJSON file, one row per adoption, or - for stdin.")
		fs.PrintDefaults()
	}
	dbPath := fs.String("db", "voisinage.db", "SQLite database file (a server may be running on it)")
	as := fs.String("as", "", "e-mail of the account the batch is filed by (a moderator's batch applies at once)")
	dryRun := fs.Bool("dry-run", false, "match and check every row and print the report, store nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *as == "" {
		fs.Usage()
		return errors.New("import adoptions: give -as EMAIL and the file's path (or - for stdin)")
	}
	var in io.Reader = stdin
	name := "-"
	if p := fs.Arg(0); p != "-" {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("import adoptions: %w", err)
		}
		defer f.Close()
		in, name = f, filepath.Base(p)
	}
	d, closeDir, err := openDirectory(ctx, *dbPath, nil)
	if err != nil {
		return err
	}
	defer closeDir()
	u, err := d.FindUserByEmail(ctx, *as)
	if err != nil {
		return fmt.Errorf("import adoptions: %s", errorText(err))
	}
	rep, err := d.ImportAdoptions(ctx, u, in, directory.BatchOptions{FileName: name, DryRun: *dryRun})
	if err == nil && rep != nil && rep.DryRun {
		err = rep.Refusal() // a dry run fails where the real run would
	}
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if e := enc.Encode(rep); e != nil {
				return e
			}
		} else {
			printBatchReport(stdout, rep)
		}
	}
	if err != nil {
		return fmt.Errorf("import adoptions: %s", errorText(err))
	}
	return nil
}

// printBatchReport writes a batch's report for a person at a terminal.
func printBatchReport(w io.Writer, r *directory.BatchReport) {
	switch {
	case r.DryRun:
		fmt.Fprintf(w, "Batch of adoptions (DRY RUN: nothing stored) from %s (%s), by %s\n", r.File, r.Format, r.Author.Name)
	case r.RunID == 0:
		fmt.Fprintf(w, "Batch of adoptions from %s (%s), by %s: NOT stored\n", r.File, r.Format, r.Author.Name)
	case r.Applied:
		fmt.Fprintf(w, "Batch of adoptions no. %d from %s (%s), by %s: applied at once (moderator)\n", r.RunID, r.File, r.Format, r.Author.Name)
	default:
		fmt.Fprintf(w, "Batch of adoptions no. %d from %s (%s), by %s: %d proposals wait for a moderator\n", r.RunID, r.File, r.Format,
			r.Author.Name, r.Proposals)
	}
	fmt.Fprintf(w, "rows: %d; matched: %d; already there: %d; ambiguous: %d; unmatched: %d; invalid: %d\n",
		len(r.Rows), r.OK, r.Unchanged, r.Ambiguous, r.Unmatched, r.Invalid)
	if len(r.NewTools) > 0 {
		fmt.Fprintf(w, "new tools: %s\n", strings.Join(r.NewTools, ", "))
	}
	for _, row := range r.Rows {
		if row.Status == directory.RowOK || row.Status == directory.RowUnchanged {
			continue
		}
		var errs []string
		for _, f := range []string{"actor", "tool", "tool_themes", "usage", "since", "status", "contact", "url", "source_url", "as_of"} {
			if e, ok := row.Errors[f]; ok {
				errs = append(errs, f+": "+e)
			}
		}
		fmt.Fprintf(w, "  line %d %s: %s\n", row.Line, row.Status, strings.Join(errs, "; "))
		for _, c := range row.Candidates {
			fmt.Fprintf(w, "    candidate %s %q (%s, %s)\n", c.ID, c.Name, c.Kind, c.Departement)
		}
	}
}
