// Command voisinage runs the voisinage server: the directory of French public
// actors and the digital tools they use, its API and its pages.
//
//	voisinage [-addr 127.0.0.1:8080] [-db voisinage.db | -db postgres://…] [-base-url URL] [-basemap osm,ign] [-log-format auto]
//
// On first start it creates the database (a SQLite file, or the tables of
// a PostgreSQL database) and fills it with the bundled real dataset; later
// starts reuse it. Several servers may share one PostgreSQL database.
//
// Where things live: main.go holds Main (ParseFlags, Run, Close), which
// wires the store, the directory, the web server and the webhook
// dispatcher, runs the background sweeps (every) and dispatches the
// subcommands, each in its own file: user.go, import.go (dila, adoptions),
// backup.go (backup, restore), migratedb.go, synth.go, mcp.go,
// loadbench.go, ceiling.go. The one-off commands open their database with
// openDirectory. The log's writers are logbuf.go (batched JSON lines) and
// consolelog.go (short lines on a terminal); lock_*.go keep two servers off
// one SQLite file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
	"github.com/voisinage/voisinage/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		var run func() error
		switch os.Args[1] {
		case "user":
			run = func() error { return runUser(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr) }
		case "synth":
			run = func() error { return runSynth(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "backup":
			run = func() error { return runBackup(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "loadbench":
			run = func() error { return runLoadbench(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "ceiling":
			run = func() error { return runCeiling(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "restore":
			run = func() error { return runRestore(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "mcp":
			run = func() error { return runMCP(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr) }
		case "migrate-db":
			run = func() error { return runMigrateDB(ctx, os.Args[2:], os.Stdout, os.Stderr) }
		case "import":
			run = func() error { return runImport(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr) }
		}
		if run != nil {
			if err := run(); err != nil {
				fmt.Fprintln(os.Stderr, "voisinage:", err)
				os.Exit(1)
			}
			return
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The read model of a million actors holds about 600 MiB; with
		// Go's default GOGC=100 alone, the heap of a cluster rebuild would
		// take the process past 1 GiB. A soft limit makes the collector
		// work harder near it instead (GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "voisinage:", err)
		os.Exit(2)
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "voisinage:", err)
		m.Close()
		os.Exit(1)
	}
	<-ctx.Done()
	// A second SIGINT or SIGTERM now ends the process at once, should the
	// graceful stop take too long.
	stop()
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "voisinage:", err)
		os.Exit(1)
	}
}

// defaultMemoryLimit is the server's soft memory limit unless GOMEMLIMIT is
// set: a million actors then run within 1 GiB of resident memory.
const defaultMemoryLimit = 850 << 20

// Config is the command's configuration, from flags.
type Config struct {
	Addr            string
	DBPath          string   // a SQLite file, or a PostgreSQL URL
	DBReplicas      []string // PostgreSQL read replicas (URLs)
	BaseURL         string
	Basemap         string // comma-separated presets (osm, ign) or none
	TileURL         string // a custom tile server, shown first
	TileAttribution string
	LogLevel        slog.Level
	LogFormat       string   // auto, text or json
	Contact         string   // e-mail or URL the accessibility statement gives
	TrustedProxies  []string // reverse proxies whose X-Forwarded-For is believed
	PprofAddr       string   // where to serve net/http/pprof; empty for nowhere
	// FollowEvery is how often the server looks for changes other
	// processes (an import, another instance) wrote to the database.
	FollowEvery  time.Duration
	MaxExpensive int // expensive requests served at once (0: web's default)
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses (refused by default, against SSRF).
	WebhookAllowPrivate bool
	// StaleYears is how old an unconfirmed fact must be to be shown as
	// "à vérifier" (0: never).
	StaleYears int
}

// Main wires the store, the directory and the web server together.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer

	db       *directory.DB
	dir      *directory.Directory
	srv      *http.Server
	listener net.Listener
	log      *slog.Logger
	served   chan error // nil until the server serves
	unlock   func()     // releases the database's server lock
	logs     *logWriter // batches log lines to stderr; nil when logging elsewhere

	pprofListener net.Listener
	pprofSrv      *http.Server

	stopBackground context.CancelFunc
	background     sync.WaitGroup // the vote sweeper and the profiler's server
}

// NewMain returns a Main with default configuration.
func NewMain() *Main {
	return &Main{
		Config: Config{Addr: "127.0.0.1:8080", DBPath: "voisinage.db", FollowEvery: time.Second, Basemap: "osm", LogFormat: "auto",
			StaleYears: directory.DefaultStaleYears},
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
}

// ParseFlags reads the command line into m.Config.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("voisinage", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&m.Config.DBPath, "db", m.Config.DBPath, "the database: a SQLite file, or a PostgreSQL URL (postgres://user:password@host/dbname; several servers may share it); created and filled with the bundled data on first start")
	fs.Func("db-replica", "URL of a PostgreSQL read replica of -db, to load the read model from and follow changes through (repeatable)", func(v string) error {
		if !directory.IsPostgresURL(v) {
			return fmt.Errorf("-db-replica %q: give a PostgreSQL URL (postgres://…)", v)
		}
		m.Config.DBReplicas = append(m.Config.DBReplicas, v)
		return nil
	})
	fs.StringVar(&m.Config.BaseURL, "base-url", m.Config.BaseURL, "public URL of the site, for links in API responses (default: from each request's Host)")
	fs.StringVar(&m.Config.Basemap, "basemap", m.Config.Basemap, "base maps the visitor can choose from, the first by default: osm (OpenStreetMap), ign (Plan IGN of the Géoplateforme), both as osm,ign or ign,osm, or none (the maps then draw the départements and the names of the communes from the bundled data, as they do while no tile loads)")
	fs.StringVar(&m.Config.TileURL, "tile-url", m.Config.TileURL, "a custom base-map tile URL template ({z}/{x}/{y}), shown before the -basemap ones")
	fs.StringVar(&m.Config.TileAttribution, "tile-attribution", m.Config.TileAttribution, "attribution (HTML) of the -tile-url base map")
	fs.StringVar(&m.Config.Contact, "accessibility-contact", m.Config.Contact, "e-mail address or URL the accessibility statement (/accessibilite) gives for reporting a barrier (default: the site's report form)")
	fs.StringVar(&m.Config.LogFormat, "log-format", m.Config.LogFormat, "log format: text (one short line per request), json, or auto (text on a terminal, JSON otherwise)")
	fs.StringVar(&m.Config.PprofAddr, "pprof", m.Config.PprofAddr, "address for Go's profiler (net/http/pprof), such as 127.0.0.1:6060; keep it private (default: off)")
	fs.IntVar(&m.Config.StaleYears, "stale-years", m.Config.StaleYears, "facts older than this many years and not confirmed since are shown as \"à vérifier\" (0: never)")
	fs.DurationVar(&m.Config.FollowEvery, "follow", m.Config.FollowEvery, "how often to look for changes written to the database by other processes (imports, other instances)")
	fs.IntVar(&m.Config.MaxExpensive, "max-expensive", m.Config.MaxExpensive, "reads served at once, server wide; more wait up to 2 s, then get 503 with Retry-After (default: 4 per core, at least 16)")
	fs.BoolVar(&m.Config.WebhookAllowPrivate, "webhook-allow-private", m.Config.WebhookAllowPrivate, "let webhooks reach loopback, private and link-local addresses (refused by default, at registration and at connect time, against SSRF)")
	fs.TextVar(&m.Config.LogLevel, "log-level", m.Config.LogLevel, "log level: DEBUG, INFO, WARN or ERROR")
	fs.Func("trusted-proxy", "address or CIDR of a reverse proxy whose X-Forwarded-For gives the client's address (repeatable; default none)", func(v string) error {
		m.Config.TrustedProxies = append(m.Config.TrustedProxies, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if m.Config.StaleYears < 0 || m.Config.StaleYears > 100 {
		return fmt.Errorf("-stale-years must be between 0 and 100 (got %d)", m.Config.StaleYears)
	}
	if m.Config.FollowEvery < 10*time.Millisecond {
		return fmt.Errorf("-follow must be at least 10ms (got %s)", m.Config.FollowEvery)
	}
	if _, err := m.Config.basemaps(); err != nil {
		return err
	}
	switch m.Config.LogFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("-log-format must be auto, text or json (got %q)", m.Config.LogFormat)
	}
	if len(m.Config.DBReplicas) > 0 && !directory.IsPostgresURL(m.Config.DBPath) {
		return fmt.Errorf("-db-replica needs a PostgreSQL -db (postgres://…), not the SQLite file %s", m.Config.DBPath)
	}
	return nil
}

// basemaps turns -tile-url and -basemap into the web layer's base maps.
func (c Config) basemaps() ([]web.Basemap, error) {
	var out []web.Basemap
	if c.TileURL != "" {
		out = append(out, web.Basemap{ID: "custom", Name: "Fond de carte", URL: c.TileURL, Attribution: c.TileAttribution, MaxZoom: 19})
	}
	for _, id := range strings.Split(c.Basemap, ",") {
		id = strings.TrimSpace(id)
		if id == "" || id == "none" {
			continue
		}
		b, ok := web.BasemapPresets[id]
		if !ok {
			return nil, fmt.Errorf("-basemap: unknown base map %q (choose among osm, ign, none)", id)
		}
		out = append(out, b)
	}
	return out, nil
}

// Run opens (and on first start fills) the database, builds the read model
// and starts serving; it returns once the server listens. It listens first:
// a port already taken or an address that cannot be used (for the site or
// the profiler) fails at once, before the database is opened or filled.
func (m *Main) Run(ctx context.Context) error {
	out := m.Stderr
	terminal := false
	if f, ok := out.(*os.File); ok && f == os.Stderr {
		terminal = isTerminal(f)
		m.logs = newLogWriter(f, 100*time.Millisecond)
		out = m.logs
	}
	opts := &slog.HandlerOptions{Level: m.Config.LogLevel}
	var accessLog io.Writer
	if m.Config.LogFormat == "text" || (m.Config.LogFormat == "auto" && terminal) {
		m.log = slog.New(newConsoleHandler(out, opts))
	} else {
		m.log = slog.New(slog.NewJSONHandler(out, opts))
		if m.logs != nil {
			// The same JSON lines, written by the web layer itself (see
			// web/accesslog.go); the batching writer takes lines from
			// several writers without mixing them.
			accessLog = m.logs
		}
	}
	// The directory logs through slog's default logger (its load phases,
	// cluster rebuilds, read-model repairs): the same JSON lines, then.
	slog.SetDefault(m.log)
	start := time.Now()
	var err error
	if m.listener, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", m.Config.Addr, unwrapListen(err))
	}
	if m.Config.PprofAddr != "" {
		if m.pprofListener, err = net.Listen("tcp", m.Config.PprofAddr); err != nil {
			return fmt.Errorf("cannot listen on -pprof %s: %w", m.Config.PprofAddr, unwrapListen(err))
		}
	}
	// One server per SQLite file; PostgreSQL is shared by design.
	if !directory.IsPostgresURL(m.Config.DBPath) {
		if err := directory.CheckFolder(m.Config.DBPath); err != nil {
			return err
		}
		unlock, err := lockDatabase(m.Config.DBPath)
		if err != nil {
			return err
		}
		m.unlock = unlock
		// A restore killed mid-way leaves its copy beside the database.
		for _, f := range directory.RemoveStaleTemps(m.Config.DBPath + directory.RestoreTemp) {
			m.log.Warn("removed the temporary file of an interrupted restore", "file", f)
		}
	}
	db, err := directory.Open(ctx, m.Config.DBPath, directory.WithReplicas(m.Config.DBReplicas...))
	if err != nil {
		return err
	}
	m.db = db
	if err := ensureSeeded(ctx, db, m.log); err != nil {
		return err
	}
	// Building the read model allocates what it keeps and little garbage:
	// collecting while it runs (a dozen cycles over a growing heap at a
	// million actors) was a third of its CPU for nothing. The memory limit
	// still makes the collector run if the heap nears it.
	gcPercent := debug.SetGCPercent(-1)
	m.dir, err = directory.New(ctx, db, directory.WithStaleYears(m.Config.StaleYears))
	debug.SetGCPercent(gcPercent)
	if err != nil {
		return err
	}
	m.dir.SiteURL = m.Config.BaseURL
	st := m.dir.Stats()
	m.log.Info("directory loaded", "actors", st.Actors, "located", st.Located, "tools", st.Tools,
		"took", time.Since(start).Round(time.Millisecond).String())

	basemaps, err := m.Config.basemaps()
	if err != nil {
		return err
	}
	guard := webhook.Guard{AllowPrivate: m.Config.WebhookAllowPrivate}
	handler, err := web.NewServer(web.Config{BaseURL: m.Config.BaseURL, Logger: m.log, AccessLog: accessLog,
		Basemaps: basemaps, AccessibilityContact: m.Config.Contact, TrustedProxies: m.Config.TrustedProxies,
		MaxExpensive: m.Config.MaxExpensive, WebhookGuard: guard}, m.dir)
	if err != nil {
		return err
	}
	m.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second, // the full exports stream for a few seconds on slow links
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.srv.Serve(m.listener) }()
	if m.pprofListener != nil {
		m.servePprof()
	}
	bg, cancel := context.WithCancel(context.Background())
	m.stopBackground = cancel
	m.background.Add(1)
	go m.sweepVotes(bg)
	if m.db.Shared() {
		m.background.Add(1)
		go m.sweepLimits(bg)
	}
	m.background.Add(1)
	go func() {
		defer m.background.Done()
		m.dir.Follow(bg, m.Config.FollowEvery)
	}()
	// Webhook deliveries queued by changes (in this process or another)
	// go out from here; an instance that stops leaves them queued.
	m.background.Add(1)
	go func() {
		defer m.background.Done()
		webhook.New(m.dir, webhook.Config{Guard: guard}, m.log).Run(bg)
	}()
	m.log.Info("serving", "addr", "http://"+m.listener.Addr().String(), "startup", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// unwrapListen keeps what a person can act on from a listen error: "listen
// tcp 127.0.0.1:8080: bind: address already in use" becomes "address
// already in use".
func unwrapListen(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return sys.Err
		}
		return op.Err
	}
	return err
}

// servePprof serves Go's profiles on their own listener, apart from the
// site, for operators to see what the server spends its time and memory on.
func (m *Main) servePprof() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprofSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := m.pprofListener
	m.background.Add(1)
	go func() {
		defer m.background.Done()
		m.pprofSrv.Serve(ln)
	}()
	m.log.Info("profiler", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
}

// openDirectory opens the database of a one-off command (user, import,
// mcp), seeds it if it is new and loads the directory over it; closing
// closes both.
func openDirectory(ctx context.Context, dbPath string, log *slog.Logger) (*directory.Directory, func(), error) {
	db, err := directory.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, err
	}
	if err := ensureSeeded(ctx, db, log); err != nil {
		db.Close()
		return nil, nil, err
	}
	d, err := directory.New(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return d, func() { d.Close(); db.Close() }, nil
}

// ensureSeeded fills a new database with the bundled data (once). Servers
// starting together on one PostgreSQL database take turns: one fills it,
// the others wait for it.
func ensureSeeded(ctx context.Context, db *directory.DB, log *slog.Logger) error {
	for {
		seeded, err := db.Seeded(ctx)
		if err != nil || seeded {
			return err
		}
		release, ok, err := db.TryLock(ctx, "seed")
		if err != nil {
			return err
		}
		if ok {
			err := seedOnce(ctx, db, log)
			release()
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func seedOnce(ctx context.Context, db *directory.DB, log *slog.Logger) error {
	seeded, err := db.Seeded(ctx)
	if err != nil || seeded {
		return err
	}
	start := time.Now()
	b, err := data.Load()
	if err != nil {
		return err
	}
	if err := db.SeedBundle(ctx, b, "bundle"); err != nil {
		return fmt.Errorf("fill %s with the bundled data: %w", db.Path(), err)
	}
	if log != nil {
		log.Info("database created and filled with the bundled data", "db", db.Path(),
			"actors", len(b.Actors), "tools", len(b.Tools), "adoptions", len(b.Adoptions),
			"took", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

// sweepVotes applies, every minute, the community votes of proposals that
// have become old enough to pass, and forgets the login counters that are
// over, until ctx ends; it is one of m.background. Of several servers on one
// database, one sweeps at a time (the others find the lock taken and skip the
// round).
func (m *Main) sweepVotes(ctx context.Context) {
	m.every(ctx, time.Minute, "sweep-votes", func() {
		if n, err := m.dir.ApplyVotes(ctx); err != nil {
			m.log.Error("applying votes", "err", err)
		} else if n > 0 {
			m.log.Info("proposals approved by votes", "count", n)
		}
		// Login counters whose window is over (guesses at random
		// e-mails each leave one) are forgotten.
		if _, err := m.dir.SweepLoginCounters(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("sweeping login counters", "err", err)
		}
	})
}

// sweepLimits forgets, every ten minutes, the per-address counters kept in a
// shared database that carry no state any more (one server sweeps at a time).
func (m *Main) sweepLimits(ctx context.Context) {
	m.every(ctx, 10*time.Minute, "sweep-limits", func() {
		if n, err := m.db.SweepLimits(ctx); err != nil {
			m.log.Error("sweeping the per-address limits", "err", err)
		} else if n > 0 {
			m.log.Debug("per-address limits swept", "counters", n)
		}
	})
}

// every runs job once per interval, through once, until ctx ends; it is one
// of m.background.
func (m *Main) every(ctx context.Context, interval time.Duration, name string, job func()) {
	defer m.background.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.once(ctx, name, job)
		}
	}
}

// once runs job if no server on the database runs the job named name.
func (m *Main) once(ctx context.Context, name string, job func()) {
	release, ok, err := m.db.TryLock(ctx, name)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("taking the lock of a background job", "job", name, "err", err)
		}
		return
	}
	if !ok {
		m.log.Debug("another server runs this job", "job", name)
		return
	}
	defer release()
	job()
}

// Addr returns the address the server listens on (useful with port 0).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Close drains in-flight requests (up to 20 s), stops the background work
// (the vote sweeper, the profiler, the directory's cluster rebuilds) and
// waits for it, then closes the database. It is safe after a Run that
// failed part-way, and never waits on something Run did not start.
func (m *Main) Close() error {
	var errs []error
	if m.stopBackground != nil {
		m.stopBackground()
	}
	if m.srv != nil && m.served != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	} else if m.listener != nil {
		m.listener.Close() // listening, but Run failed before serving
	}
	m.srv, m.served, m.listener = nil, nil, nil
	if m.pprofSrv != nil {
		m.pprofSrv.Close()
	} else if m.pprofListener != nil {
		m.pprofListener.Close()
	}
	m.pprofSrv, m.pprofListener = nil, nil
	m.background.Wait()
	if m.dir != nil {
		m.dir.Close()
		m.dir = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
		m.db = nil
	}
	if m.unlock != nil {
		m.unlock()
		m.unlock = nil
	}
	if m.log != nil {
		m.log.Info("stopped")
	}
	if m.logs != nil {
		m.logs.Close()
		m.logs = nil
	}
	return errors.Join(errs...)
}
