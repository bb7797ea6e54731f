package directory_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// The domain's side of issue 11: chosen names, the last administrator,
// tokens and passwords, login counters and device cookies, a busy store,
// stale temporary files.

func TestNames(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	register := func(email, name string) (*directory.User, error) {
		return f.D.Register(f.Ctx, directory.Registration{Email: email, DisplayName: name, Password: "a long passphrase"})
	}
	t.Run("NFKC", func(t *testing.T) {
		u, err := register("wide@mairie.test", "Ｊｅａｎｎｅ　Ｍａｒｔｉｎ")
		if err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != "Jeanne Martin" {
			t.Fatalf("stored %q, want the NFKC form", u.DisplayName)
		}
	})
	t.Run("ErrInvisible", func(t *testing.T) {
		for _, name := range []string{"Ali\u200bce", "\u202eecilA", "Al\u200dice", "Alice\u2066", "Al\u00adice", "A\ufe0flice", "\u3164Alice", "Ali\u2060ce"} {
			_, err := register("inv"+strconv.Itoa(len(name))+"@mairie.test", name)
			if directory.ErrorCode(err) != directory.EINVALID || !strings.Contains(directory.ErrorFields(err)["display_name"], "invisible") {
				t.Errorf("%q: %v, want EINVALID naming display_name", name, err)
			}
		}
	})
	t.Run("ErrLooksLikeAnother", func(t *testing.T) {
		// The fixture has "Alice".
		for i, name := range []string{"ALICE", "alice", "Alicé", "A l i c e", "Аlice" /* Cyrillic А */, "AIice" /* capital i */, "A1ice", "Ａｌｉｃｅ", "A|ice", "Alice."} {
			_, err := register("dup"+strconv.Itoa(i)+"@mairie.test", name)
			if directory.ErrorCode(err) != directory.ECONFLICT || directory.ErrorFields(err)["display_name"] == "" {
				t.Errorf("%q: %v, want ECONFLICT on display_name", name, err)
			}
		}
		if _, err := register("alison@mairie.test", "Alison"); err != nil {
			t.Errorf("a name that only starts alike: %v", err)
		}
	})
	t.Run("Keys", func(t *testing.T) {
		for a, b := range map[string]string{"rnarie": "marie", "vvilliam": "william", "Épinal": "EPINAL", "Ｅｐｉｎａｌ": "Epinal",
			"Еpinal": "Epinal", "ISABELLE": "isabelle", "lsabelle": "Isabelle"} {
			if directory.NameKey(a) != directory.NameKey(b) {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q: want the same", a, directory.NameKey(a), b, directory.NameKey(b))
			}
		}
		if directory.NameKey("Anne") == directory.NameKey("Annie") {
			t.Error("different names share a key")
		}
	})
	t.Run("ActorName", func(t *testing.T) {
		// An actor's name is a chosen name too: NFKC, no invisible character.
		in := directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate,
			Changes: map[string]json.RawMessage{"kind": json.RawMessage(`"association"`), "name": json.RawMessage(`"Asso\u202eciation"`)}}
		_, err := f.D.CheckProposal(f.Ctx, f.Alice, in)
		if directory.ErrorCode(err) != directory.EINVALID || !strings.Contains(directory.ErrorFields(err)["changes.name"], "invisible") {
			t.Fatalf("U+202E in an actor name: %v", err)
		}
	})
}

// TestDuplicateFolded: a new actor named "Ｅｐｉｎａｌ" (full width) or with a
// Cyrillic "Е" is flagged as a likely duplicate of Épinal.
func TestDuplicateFolded(t *testing.T) {
	f := directorytest.NewDataset(t).Pick("commune-88160").MustOpenFixture(t)
	for _, name := range []string{"Ｅｐｉｎａｌ", "Еpinal", "ÉPINAL"} {
		in := directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate,
			Changes: map[string]json.RawMessage{"kind": json.RawMessage(`"association"`), "name": mustMarshal(t, name)}}
		dups, err := f.D.CheckProposal(f.Ctx, f.Alice, in)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range dups {
			found = found || (d.ID == "commune-88160" && d.Reason == "same_name")
		}
		if !found {
			t.Errorf("%q: duplicates %+v, want Épinal (same_name)", name, dups)
		}
	}
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLastAdmin(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	err := f.D.SetRole(f.Ctx, f.Admin, f.Admin.ID, directory.RoleModerator)
	if directory.ErrorCode(err) != directory.ECONFLICT || !strings.Contains(directory.ErrorMessage(err), "last administrator") {
		t.Fatalf("the last admin demotes herself: %v, want ECONFLICT", err)
	}
	if err := f.D.BlockUser(f.Ctx, f.Admin, f.Admin.ID, f.Clock.Now().Add(time.Hour), "test"); directory.ErrorCode(err) != directory.ECONFLICT {
		t.Fatalf("the last admin blocks herself: %v, want ECONFLICT", err)
	}
	// With a second admin, either may step down — but not both at once.
	if err := f.D.SetRole(f.Ctx, f.Admin, f.Mod.ID, directory.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	second, _ := f.D.FindUserByID(f.Ctx, f.Mod.ID)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]*directory.User{{f.Admin, second}, {second, f.Admin}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.D.SetRole(f.Ctx, pair[0], pair[1].ID, directory.RoleContributor)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if directory.ErrorCode(err) != directory.ECONFLICT {
			t.Fatal(err)
		}
	}
	admins := f.DB.QueryString(t, `SELECT COUNT(*) FROM users WHERE role = 'admin'`)
	if ok != 1 || admins != "1" {
		t.Fatalf("two admins demoting each other: %d succeeded, %s admins left (%v)", ok, admins, errs)
	}
}

func TestTokensAndPassword(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	tok, err := f.D.CreateAPIToken(f.Ctx, f.Alice, "script")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.D.ChangePassword(f.Ctx, f.Alice, directorytest.Password, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.D.FindUserByAPIToken(f.Ctx, tok.Token); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
		t.Fatalf("a token made before the password change still works: %v", err)
	}
	if err := f.D.BlockUser(f.Ctx, f.Mod, f.Bob.ID, f.Clock.Now().Add(time.Hour), "spam"); err != nil {
		t.Fatal(err)
	}
	bob, _ := f.D.FindUserByID(f.Ctx, f.Bob.ID)
	if _, err := f.D.CreateAPIToken(f.Ctx, bob, "script"); directory.ErrorCode(err) != directory.EFORBIDDEN {
		t.Fatalf("a blocked account creates a token: %v", err)
	}
}

// TestLoginCounters: the untrusted clients of an account get MaxFailures
// evaluations per window; a browser that logged in before (its device
// cookie) still logs in, and has its own count; an unknown e-mail is
// counted and costs the same one evaluation.
func TestLoginCounters(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	login := func(email, password, device string) (string, error) {
		_, cookie, err := f.D.Login(f.Ctx, directory.LoginAttempt{Email: email, Password: password, Device: device})
		return cookie, err
	}
	device, err := login("alice@mairie.test", directorytest.Password, "")
	if err != nil || device == "" {
		t.Fatalf("first login: %q, %v", device, err)
	}
	for i := 0; i < 5; i++ {
		before := directory.PasswordEvaluations()
		if _, err := login("alice@mairie.test", "wrong", ""); directory.ErrorCode(err) != directory.EUNAUTHORIZED {
			t.Fatalf("guess %d: %v", i, err)
		}
		if n := directory.PasswordEvaluations() - before; n != 1 {
			t.Fatalf("guess %d: %d evaluations, want 1", i, n)
		}
	}
	before := directory.PasswordEvaluations()
	if _, err := login("alice@mairie.test", directorytest.Password, ""); directory.ErrorCode(err) != directory.ETOOMANY {
		t.Fatalf("untrusted client after 5 failures: %v, want ETOOMANY", err)
	}
	if n := directory.PasswordEvaluations() - before; n != 0 {
		t.Fatalf("a locked attempt made %d evaluations", n)
	}
	// The owner's browser is not locked out; a forged or another user's
	// cookie is no device cookie.
	if _, err := login("alice@mairie.test", directorytest.Password, device); err != nil {
		t.Fatalf("the owner's browser: %v", err)
	}
	bobDevice, _ := login("bob@mairie.test", directorytest.Password, "")
	for _, forged := range []string{bobDevice, strings.Replace(device, "v1.1.", "v1.2.", 1), device[:len(device)-2] + "xx", "v1.1.nonce.mac"} {
		if _, err := login("alice@mairie.test", directorytest.Password, forged); directory.ErrorCode(err) != directory.ETOOMANY {
			t.Errorf("cookie %q: %v, want ETOOMANY", forged, err)
		}
	}
	// The device has a count of its own: five failures lock that browser.
	for i := 0; i < 5; i++ {
		login("alice@mairie.test", "wrong", device)
	}
	if _, err := login("alice@mairie.test", directorytest.Password, device); directory.ErrorCode(err) != directory.ETOOMANY ||
		!strings.Contains(directory.ErrorMessage(err), "this browser") {
		t.Fatalf("device after 5 failures: %v", err)
	}
	// Known and unknown e-mails: the same answers, the same cost.
	var answers []string
	for _, email := range []string{"carol@mairie.test", "nobody@mairie.test"} {
		before := directory.PasswordEvaluations()
		_, err := login(email, "wrong", "")
		answers = append(answers, directory.ErrorCode(err)+": "+directory.ErrorMessage(err))
		if n := directory.PasswordEvaluations() - before; n != 1 {
			t.Errorf("%s: %d evaluations, want 1", email, n)
		}
		for range 5 {
			login(email, "wrong", "")
		}
		_, err = login(email, "wrong", "")
		answers = append(answers, directory.ErrorCode(err)+": "+directory.ErrorMessage(err)+" "+directory.ErrorRetryAfter(err).String())
	}
	if answers[0] != answers[2] || answers[1] != answers[3] {
		t.Errorf("known and unknown e-mails answer differently:\n%q", answers)
	}
	// The window passes: the counters are swept, the lock is over.
	f.Clock.Add(16 * time.Minute)
	if n, err := f.D.SweepLoginCounters(f.Ctx); err != nil || n == 0 {
		t.Errorf("sweep: %d, %v", n, err)
	}
	if _, err := login("alice@mairie.test", directorytest.Password, ""); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

// TestStoreBusy: with another connection holding the database's write lock
// (as a sqlite3 shell's BEGIN EXCLUSIVE would; on PostgreSQL, another
// server's write transaction holding the writer lock), a write is refused
// promptly as EUNAVAILABLE with a Retry-After and a message, Ready says so,
// nothing is half-written, and the write passes once the lock is released.
func TestStoreBusy(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	var release func() error
	if f.DB.Dialect() == directory.DialectPostgres {
		other, err := directory.Open(f.Ctx, f.DB.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		tx, err := other.BeginTx(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		release = tx.Rollback
	} else {
		other, err := sql.Open("sqlite3", "file:"+f.DB.Path()+"?_busy_timeout=100")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		conn, err := other.Conn(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(f.Ctx, `BEGIN EXCLUSIVE`); err != nil {
			t.Fatal(err)
		}
		release = func() error { _, err := conn.ExecContext(f.Ctx, `ROLLBACK`); return err }
	}
	in := directory.ProposalInput{TargetType: directory.TypeActor, Action: directory.ActionCreate,
		Changes: map[string]json.RawMessage{"kind": json.RawMessage(`"association"`), "name": json.RawMessage(`"Association occupée"`)}}
	_, err := f.D.ProposeEdit(f.Ctx, f.Mod, in)
	if directory.ErrorCode(err) != directory.EUNAVAILABLE || directory.ErrorRetryAfter(err) <= 0 ||
		!strings.Contains(directory.ErrorMessage(err), "busy") {
		t.Fatalf("a write under another's lock: %v (code %s, retry %v)", err, directory.ErrorCode(err), directory.ErrorRetryAfter(err))
	}
	if err := f.D.Ready(f.Ctx); directory.ErrorCode(err) != directory.EUNAVAILABLE {
		t.Fatalf("Ready under another's lock: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := f.D.Ready(f.Ctx); err != nil {
		t.Fatalf("Ready after the lock: %v", err)
	}
	p, err := f.D.ProposeEdit(f.Ctx, f.Mod, in)
	if err != nil {
		t.Fatalf("the write after the lock: %v", err)
	}
	n := f.DB.QueryString(t, `SELECT COUNT(*) FROM proposals WHERE target_type = 'actor' AND action = 'create'`)
	if n != "1" || p.Status != directory.ProposalApproved {
		t.Fatalf("%s creations stored (want the one acknowledged), status %s", n, p.Status)
	}
}

// TestStaleBackupTemps: a backup killed mid-way leaves its temporary copy
// (named after its process); the next backup removes it, and leaves alone
// the copy of a backup still running.
func TestStaleBackupTemps(t *testing.T) {
	src := directorytest.SmallPath(t)
	dir := t.TempDir()
	dst := filepath.Join(dir, "backup.db")
	// A process that ended: its id is free.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	running := exec.Command("sleep", "60")
	if err := running.Start(); err != nil {
		t.Fatal(err)
	}
	defer running.Process.Kill()
	stale := dst + ".tmp-" + strconv.Itoa(done.Process.Pid)
	live := dst + ".tmp-" + strconv.Itoa(running.Process.Pid)
	for _, p := range []string{stale, stale + "-journal", stale + "-wal", live} {
		if err := os.WriteFile(p, make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := directory.Backup(context.Background(), src, dst); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stale, stale + "-journal", stale + "-wal"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the next backup", filepath.Base(p))
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the copy of a running backup was removed: %v", err)
	}
}

// TestNameKeysFilledOnOpen: accounts made before migration 00003 (no name
// key) get theirs when the database is opened, on either store, so that a
// new account cannot take a name that looks like theirs.
func TestNameKeysFilledOnOpen(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	if err := f.DB.TryExec(`UPDATE users SET name_key = NULL`); err != nil {
		t.Fatal(err)
	}
	db, err := directory.Open(f.Ctx, f.DB.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var missing int
	if err := db.Reader().QueryRow(`SELECT COUNT(*) FROM users WHERE name_key IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d accounts without a name key after opening (%v)", missing, err)
	}
	d, err := directory.New(f.Ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.CreateUser(f.Ctx, directory.Registration{Email: "lookalike@keys.test", DisplayName: strings.ToUpper(f.Mod.DisplayName),
		Password: "a long passphrase"}, directory.RoleContributor)
	if directory.ErrorCode(err) != directory.ECONFLICT || directory.ErrorFields(err)["display_name"] == "" {
		t.Fatalf("a name like an older account's %q: %v", f.Mod.DisplayName, err)
	}
}
