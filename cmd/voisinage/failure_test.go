package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The failure paths of starting and stopping: a server that cannot listen,
// or whose database folder cannot be used, says so and exits at once with
// a non-zero status; Close after a failed Run returns; Close stops every
// goroutine the server started.

// runToExit runs the binary and returns its exit code and stderr. The
// deadline only keeps a hang from blocking the test run: a process still
// running at it fails the test, which is what the fix is about.
func runToExit(t *testing.T, cred *syscall.Credential, args ...string) (int, string) {
	t.Helper()
	bin := mustBuildBinary(t) // before the clock starts: the first build takes a while
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after 60 s (killed):\n%s", args, trimLogs(stderr.String()))
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestStartFailures(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	dir := t.TempDir()

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"port taken", []string{"-addr", busy}, "cannot listen on -addr " + busy + ": address already in use"},
		{"bad address", []string{"-addr", "127.0.0.1:99999"}, "cannot listen on -addr 127.0.0.1:99999"},
		{"unresolvable host", []string{"-addr", "no-such-host.invalid:8080"}, "cannot listen on -addr no-such-host.invalid:8080"},
		{"profiler port taken", []string{"-addr", "127.0.0.1:0", "-pprof", busy}, "cannot listen on -pprof " + busy + ": address already in use"},
		{"bad trusted proxy", []string{"-addr", "127.0.0.1:0", "-trusted-proxy", "not-an-address"}, "trusted proxies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".db")
			code, stderr := runToExit(t, nil, append(tc.args, "-db", db, "-tile-url", "")...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, trimLogs(stderr), tc.want)
			}
			if tc.name != "bad trusted proxy" {
				// It failed before touching the database: nothing to fill, nothing to clean.
				if _, err := os.Stat(db); !os.IsNotExist(err) {
					t.Fatalf("the database was created (%v) before the listen failure", err)
				}
			}
		})
	}

	t.Run("missing folder", func(t *testing.T) {
		missing := filepath.Join(dir, "no", "such", "folder")
		code, stderr := runToExit(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(missing, "v.db"))
		if code != 1 || !strings.Contains(stderr, "the database's folder "+missing+" does not exist") {
			t.Fatalf("exit %d, stderr:\n%s", code, trimLogs(stderr))
		}
	})

	t.Run("read-only folder", func(t *testing.T) {
		// Root writes anywhere: the server then runs as nobody, as a
		// service account would.
		var cred *syscall.Credential
		ro := filepath.Join(dir, "read-only")
		if err := os.MkdirAll(ro, 0o755); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			cred = &syscall.Credential{Uid: 65534, Gid: 65534}
			// nobody must reach the binary and the folder.
			for _, d := range []string{filepath.Dir(mustBuildBinary(t)), dir, filepath.Dir(dir)} {
				os.Chmod(d, 0o755)
			}
		}
		if err := os.Chmod(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(ro, 0o755)
		code, stderr := runToExit(t, cred, "-addr", "127.0.0.1:0", "-db", filepath.Join(ro, "v.db"))
		if code != 1 || !strings.Contains(stderr, "the database's folder "+ro+" is not writable") || strings.Contains(stderr, ".lock") {
			t.Fatalf("exit %d, stderr:\n%s", code, trimLogs(stderr))
		}
	})
}

// TestCloseAfterFailedRun: Run fails on a port already taken; Close then
// returns (it used to wait for ever on a server that never served) and
// releases the database for the next start.
func TestCloseAfterFailedRun(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	m := NewMain()
	m.Stderr = &syncBuffer{}
	db := filepath.Join(t.TempDir(), "v.db")
	if err := m.ParseFlags([]string{"-addr", taken.Addr().String(), "-db", db}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run = %v, want address already in use", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close after a failed Run has not returned after 30 s")
	}
}

// TestCloseStopsGoroutines: after Close, none of the goroutines the server
// started runs any more — the HTTP server, the profiler's, the vote
// sweeper, the directory's cluster rebuilder.
func TestCloseStopsGoroutines(t *testing.T) {
	// Counted against the goroutines running before: other tests of the
	// package may have left theirs.
	ours := []string{"cmd/voisinage.(*Main).sweepVotes", "cmd/voisinage.(*Main).servePprof", "directory.(*Directory).Follow", "directory.(*Directory).warmClusters", "net/http.(*Server).Serve"}
	count := func() map[string]int {
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 2)
		n := map[string]int{}
		for _, g := range strings.Split(b.String(), "\n\n") {
			for _, f := range ours {
				if strings.Contains(g, f) {
					n[f]++
				}
			}
		}
		return n
	}
	m := NewMain()
	m.Stderr = &syncBuffer{}
	db := filepath.Join(t.TempDir(), "v.db")
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-pprof", "127.0.0.1:0", "-db", db}); err != nil {
		t.Fatal(err)
	}
	before := count()
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A goroutine just started may not have run yet: wait until each shows.
	for deadline := time.Now().Add(20 * time.Second); ; {
		serving, missing := count(), ""
		for _, f := range ours {
			if serving[f] <= before[f] {
				missing = f
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while serving, %s runs in no goroutine of its own", missing)
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	after := count()
	for _, f := range ours {
		if after[f] != before[f] {
			t.Fatalf("after Close, %s runs in %d goroutines (%d before Run)", f, after[f], before[f])
		}
	}
}
