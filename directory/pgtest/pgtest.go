// Package pgtest starts throwaway PostgreSQL servers for tests: initdb in a
// temporary folder, a server listening on a Unix socket in that folder only
// (no port to clash with), trust authentication, and a quick stop that
// removes everything. It needs Debian's postgresql package (the binaries
// under /usr/lib/postgresql/N/bin); the Makefile's test-deps installs it.
//
// initdb refuses to run as root: as root, the cluster is made and run as
// the postgres user (runuser), in a folder that user owns; as any other
// user, as that user.
//
// A test binary shares one cluster (Shared) and gives each test a database
// of its own, copied from a template database with CREATE DATABASE …
// TEMPLATE, which copies files and takes milliseconds. Call Cleanup from
// TestMain. Clusters left behind by a test binary that was killed are
// stopped and removed by the next Start.
//
// It imports nothing of the project.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bin returns the folder of the PostgreSQL server binaries (initdb,
// pg_ctl, postgres): $VOISINAGE_PG_BIN, or the newest
// /usr/lib/postgresql/N/bin, or the folder of initdb on the PATH.
func Bin() (string, error) {
	if b := os.Getenv("VOISINAGE_PG_BIN"); b != "" {
		if _, err := os.Stat(filepath.Join(b, "initdb")); err != nil {
			return "", fmt.Errorf("VOISINAGE_PG_BIN=%s has no initdb", b)
		}
		return b, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin nor on the PATH): install Debian's postgresql package (make test-deps does)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Require returns the binaries' folder, or ends tb: with CI=true a missing
// PostgreSQL fails the test, elsewhere it skips it.
func Require(tb testing.TB) string {
	tb.Helper()
	bin, err := Bin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	return bin
}

// Options tune a cluster.
type Options struct {
	// Durable keeps fsync and synchronous commits on (tests that kill the
	// server itself need them); otherwise they are off, for speed.
	Durable bool
	// Port makes the server also listen on 127.0.0.1:Port (0: socket only).
	Port int
	// Settings are extra postgresql.conf lines ("name = value").
	Settings []string
}

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	Bin  string // folder of the server binaries
	Dir  string // holds data/ (the cluster) and the socket
	Port int    // the socket's number (and the TCP port when Options.Port is set)
	asPG bool   // run as the postgres user (we are root)

	mu      sync.Mutex
	stopped bool
}

// Start makes and starts a cluster in a new folder under the system's temp dir.
func Start(opts Options) (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", "voisinage-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: dir, Port: opts.Port, asPG: os.Geteuid() == 0}
	if c.Port == 0 {
		c.Port = 5432
	}
	// The folder names the process that owns it, so that a later Start can
	// tell a cluster whose test binary died.
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if c.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, the cluster must run as the postgres user, which does not exist: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		os.Chmod(dir, 0o755)
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "-N"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	conf := []string{
		"listen_addresses = ''",
		"unix_socket_directories = '" + dir + "'",
		"port = " + strconv.Itoa(c.Port),
		"max_connections = 200",
		"shared_buffers = 32MB",
		"max_wal_size = 256MB",
		"log_min_messages = warning",
		"logging_collector = off",
	}
	if opts.Port != 0 {
		conf[0] = "listen_addresses = '127.0.0.1'"
	}
	if !opts.Durable {
		conf = append(conf, "fsync = off", "synchronous_commit = off", "full_page_writes = off")
	}
	conf = append(conf, opts.Settings...)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString("\n# pgtest\n" + strings.Join(conf, "\n") + "\n")
		f.Close()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// StartStandby makes a streaming standby of c (pg_basebackup) in a folder of
// its own and starts it: a read replica that replays c's commits. The
// primary must allow replication (Options.Settings "wal_level = replica",
// the default, and max_wal_senders > 0, also the default).
func (c *Cluster) StartStandby() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "voisinage-pg-")
	if err != nil {
		return nil, err
	}
	sb := &Cluster{Bin: c.Bin, Dir: dir, Port: c.Port, asPG: c.asPG}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if c.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		os.Chmod(dir, 0o755)
	}
	data := filepath.Join(dir, "data")
	if out, err := sb.run("pg_basebackup", "-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_basebackup: %v: %s", err, out)
	}
	// The copied configuration names the primary's socket folder: the
	// standby listens in its own (postgresql.auto.conf comes last).
	f, err := os.OpenFile(filepath.Join(data, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString("unix_socket_directories = '" + dir + "'\nlisten_addresses = ''\nhot_standby = on\n")
		f.Close()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := sb.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return sb, nil
}

// start starts the server of an existing cluster and waits until it accepts connections.
func (c *Cluster) start() error {
	data := filepath.Join(c.Dir, "data")
	if out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	c.mu.Lock()
	c.stopped = false
	c.mu.Unlock()
	return nil
}

// Restart starts the server again after Kill or StopServer, on the same cluster.
func (c *Cluster) Restart() error { return c.start() }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.Bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.Dir
	return cmd.CombinedOutput()
}

// URL returns the connection URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	q := url.Values{}
	q.Set("host", c.Dir)
	q.Set("port", strconv.Itoa(c.Port))
	q.Set("sslmode", "disable")
	return "postgres://postgres@/" + url.PathEscape(db) + "?" + q.Encode()
}

// Exec runs statements on database db (outside any transaction: CREATE
// DATABASE cannot run inside one).
func (c *Cluster) Exec(ctx context.Context, db string, statements ...string) error {
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range statements {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// CreateDatabase creates database name, copied from template when it is
// not empty (which nobody may be connected to meanwhile).
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	s := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		s += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	return c.Exec(ctx, "postgres", s)
}

// DropDatabase drops database name, closing the connections still open to it.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	return c.Exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// NewDatabase creates a database with a fresh name (a copy of template if
// not empty), dropped when tb ends, and returns its URL.
func (c *Cluster) NewDatabase(tb testing.TB, template string) string {
	tb.Helper()
	name := "t_" + randomHex(8)
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, name, template); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.DropDatabase(context.Background(), name) })
	return c.URL(name)
}

// Kill stops the server at once, as a crash would (SIGQUIT: no checkpoint,
// clients cut off); Restart brings it back and it recovers from its log.
func (c *Cluster) Kill() error {
	_, err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	return err
}

// Stop stops the server and removes the cluster's folder.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil && !strings.Contains(string(out), "not running") && !strings.Contains(string(out), "No such file") {
		err = fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	} else {
		err = nil
	}
	os.RemoveAll(c.Dir)
	return err
}

// sweepStale stops and removes the clusters whose test binary is gone (a
// binary killed by a timeout never runs its Cleanup).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "voisinage-pg-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		// The postmaster's pid is the first line of postmaster.pid.
		if pm, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			if p, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pm), "\n", 2)[0])); err == nil && p > 0 {
				syscall.Kill(p, syscall.SIGQUIT)
				for i := 0; i < 50 && processAlive(p); i++ {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
		os.RemoveAll(d)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var shared struct {
	mu  sync.Mutex
	c   *Cluster
	err error
}

// Shared returns the test binary's cluster, starting it on first use (or
// ends tb as Require does when PostgreSQL is missing). Its fsync and
// synchronous commits are off, for speed, unless VOISINAGE_PG_DURABLE=1
// (the write benchmarks).
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	Require(tb)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c == nil && shared.err == nil {
		// Benchmarks of writes want the durability a deployment has.
		shared.c, shared.err = Start(Options{Durable: os.Getenv("VOISINAGE_PG_DURABLE") == "1"})
	}
	if shared.err != nil {
		tb.Fatalf("start a PostgreSQL cluster: %v", shared.err)
	}
	return shared.c
}

// Cleanup stops the shared cluster; call it from TestMain after m.Run.
func Cleanup() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c != nil {
		shared.c.Stop()
		shared.c = nil
	}
}
