package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

const dilaFixture = "../../directory/testdata/dila/2026-11-18_053120-data.gouv_local.json"

// The DILA import, run by an operator beside a running server, as the
// issue checks it: a fresh database, the fixture imported while the server
// runs (the server serves the changes without a restart), then again in
// each form the DILA publishes (changing nothing), a dry run and a file
// that is not one.
func TestImportDILA_BesideARunningServer(t *testing.T) {
	skipShort(t, "builds and runs the binary")
	dir := t.TempDir()
	dbPath := directorytest.EmptyPath(t) // a fresh database (PostgreSQL in make test's second pass)
	srv := startServer(t, dbPath)
	defer srv.stop(t)

	out, errOut, err := runBinary(t, nil, "import", "dila", "-db", dbPath, dilaFixture)
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	for _, want := range []string{"DILA import (run 1) of 2026-11-18_053120-data.gouv_local.json dated 2026-11-18",
		"records read: 14", "matched to an actor: 9", "mairies déléguées (never a commune's town hall): 2",
		"ignored by type: caf 1, ccas 1", "actors changed: 9", "unmatched: 1", "74268", "Service-Public.fr / DILA"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	// The running server follows the import's writes.
	var f struct {
		Properties struct {
			Phone      string `json:"phone"`
			Precision  string `json:"precision"`
			Provenance map[string]struct {
				Source string `json:"source"`
				AsOf   string `json:"as_of"`
			} `json:"provenance"`
		} `json:"properties"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, srv.base+"/api/collections/actors/items/commune-74010", &f)
		if f.Properties.Phone != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running server never served the import's changes\n%s", trimLogs(srv.logs.String()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p := f.Properties; p.Phone != "04 50 00 00 20" || p.Precision != "exact" ||
		p.Provenance["phone"].Source != "dila:f0a1c2d3-0002-4e5f-8a9b-000000074010" || p.Provenance["phone"].AsOf != "2026-11-18" {
		t.Fatalf("Annecy as served: %+v", p)
	}

	// The same file again, in each published form, changes nothing.
	fixture, err := os.ReadFile(dilaFixture)
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "2026-11-18_053120-data.gouv_local.json.gz")
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(fixture)
	zw.Close()
	os.WriteFile(gz, b.Bytes(), 0o600)
	zipPath := filepath.Join(dir, "annuaire.zip")
	b.Reset()
	zipw := zip.NewWriter(&b)
	w, _ := zipw.Create("2026-11-18_053120-data.gouv_local.json")
	w.Write(fixture)
	zipw.Close()
	os.WriteFile(zipPath, b.Bytes(), 0o600)
	for _, path := range []string{gz, zipPath, "testdata/all_latest.tar.bz2"} {
		out, errOut, err := runBinary(t, nil, "import", "dila", "-db", dbPath, path)
		if err != nil || !strings.Contains(out, "actors changed: 0 (unchanged: 9)") ||
			!strings.Contains(out, "of 2026-11-18_053120-data.gouv_local.json dated 2026-11-18") {
			t.Fatalf("import of %s: %v\n%s\n%s", path, err, out, errOut)
		}
	}
	// From stdin, as JSON.
	cmd := exec.Command(mustBuildBinary(t), "import", "dila", "-db", dbPath, "-json", "-")
	cmd.Stdin = bytes.NewReader(fixture)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("import from stdin: %v", err)
	}
	var rep struct {
		Records       int `json:"records"`
		ActorsChanged int `json:"actors_changed"`
		Conflicts     []struct{ Status string }
	}
	if err := json.Unmarshal(raw, &rep); err != nil || rep.Records != 14 || rep.ActorsChanged != 0 {
		t.Fatalf("JSON report from stdin: %v %+v\n%s", err, rep, raw)
	}

	// A dry run of a newer file says what would change and writes nothing.
	db, err := directory.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq, err := db.ChangeSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "2026-11-25_053120-data.gouv_local.json")
	os.WriteFile(newer, bytes.Replace(fixture, []byte(`"04 50 00 00 20"`), []byte(`"04 50 00 00 21"`), 1), 0o600)
	out, _, err = runBinary(t, nil, "import", "dila", "-db", dbPath, "-dry-run", newer)
	if err != nil || !strings.Contains(out, "DRY RUN: nothing written") || !strings.Contains(out, "actors changed: 1") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if after, err := db.ChangeSeq(t.Context()); err != nil || after != seq {
		t.Fatalf("the dry run wrote: change sequence %d → %d (%v)", seq, after, err)
	}

	// Not a DILA file: an error that says what is expected, exit status 1.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"records": []}`), 0o600)
	_, errOut, err = runBinary(t, nil, "import", "dila", "-db", dbPath, bad)
	if err == nil || !strings.Contains(errOut, `expected a JSON object with a "service" array`) {
		t.Fatalf("bad file: %v\n%s", err, errOut)
	}
}

// A batch of adoptions from the command line, beside a running server: a
// moderator's batch applies at once and the server serves it; a batch with
// an unmatched row stores nothing and says which line to fix, with or
// without -dry-run (both exit non-zero).
func TestImportAdoptions_CommandLine(t *testing.T) {
	skipShort(t, "builds and runs the binary")
	dir := t.TempDir()
	dbPath := directorytest.EmptyPath(t) // a fresh database (PostgreSQL in make test's second pass)
	srv := startServer(t, dbPath)
	defer srv.stop(t)
	if out, errOut, err := runBinary(t, []string{"VOISINAGE_PASSWORD=a moderator passphrase"}, "user", "add", "-db", dbPath,
		"-email", "reseau@megalis.example", "-name", "Mégalis Bretagne", "-role", "moderator"); err != nil {
		t.Fatalf("user add: %v\n%s\n%s", err, out, errOut)
	}
	bad := filepath.Join(dir, "membres-erreur.csv")
	os.WriteFile(bad, []byte("insee;outil;statut\n29019;wiki;in_use\n99999;wiki;in_use\n"), 0o600)
	out, _, err := runBinary(t, nil, "import", "adoptions", "-db", dbPath, "-as", "reseau@megalis.example", bad)
	if err == nil || !strings.Contains(out, "NOT stored") || !strings.Contains(out, "line 3 unmatched") {
		t.Fatalf("a batch with an unmatched row: %v\n%s", err, out)
	}
	// The dry run reports the same rows and fails like the real run, so a
	// script that previews a file before importing it stops there.
	out, errOut, err := runBinary(t, nil, "import", "adoptions", "-db", dbPath, "-as", "reseau@megalis.example", "-dry-run", bad)
	if err == nil || !strings.Contains(out, "DRY RUN") || !strings.Contains(out, "line 3 unmatched") || !strings.Contains(errOut, "import adoptions:") {
		t.Fatalf("a dry run of a batch with an unmatched row: %v\n%s\n%s", err, out, errOut)
	}
	good := filepath.Join(dir, "membres.csv")
	os.WriteFile(good, []byte("insee;outil;statut;usage;as_of\n29019;opendatasoft;planned;Portail de données de la métropole;2026-10\n"), 0o600)
	out, _, err = runBinary(t, nil, "import", "adoptions", "-db", dbPath, "-as", "reseau@megalis.example", "-dry-run", good)
	if err != nil || !strings.Contains(out, "DRY RUN") || !strings.Contains(out, "matched: 1") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, _, err = runBinary(t, nil, "import", "adoptions", "-db", dbPath, "-as", "reseau@megalis.example", good)
	if err != nil || !strings.Contains(out, "applied at once") {
		t.Fatalf("moderator's batch: %v\n%s", err, out)
	}
	var f struct {
		Properties struct {
			Adoptions []struct {
				Tool   string `json:"tool"`
				Status string `json:"status"`
				AsOf   string `json:"as_of"`
			} `json:"adoptions"`
		} `json:"properties"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, srv.base+"/api/collections/actors/items/commune-29019", &f)
		found := false
		for _, ad := range f.Properties.Adoptions {
			found = found || (ad.Tool == "opendatasoft" && ad.Status == "planned" && ad.AsOf == "2026-10")
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running server never served the batch: %+v", f.Properties.Adoptions)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, errOut, err := runBinary(t, nil, "import", "adoptions", "-db", dbPath, "-as", "nobody@example.org", good); err == nil ||
		!strings.Contains(errOut, "no account") {
		t.Fatalf("an unknown -as: %v %s", err, errOut)
	}
}
