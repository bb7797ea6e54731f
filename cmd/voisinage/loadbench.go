// Loadbench: `voisinage loadbench` is an HTTP load generator for the read
// API of a running voisinage server. It measures, one scenario at a time,
// the throughput (requests a second), the latency distribution (p50, p90,
// p99, max: every request's latency is kept, none is sampled) and the
// bandwidth (body MB/s) that c keep-alive connections obtain in a closed
// loop — each connection sends its next request as soon as the previous
// answer's body is fully read. Compression is off on the client, because
// the performance targets are stated without compression.
//
// Build the binary, start the server to measure (for instance on a
// synthetic database: `voisinage synth -n 1000000 -db synthetic.db`, then
// `voisinage -db synthetic.db`), and in another terminal run exactly:
//
//	go build -o /tmp/voisinage ./cmd/voisinage && /tmp/voisinage loadbench -c 16 -d 20s
//
// Flags: -url (base URL, default http://127.0.0.1:8080), -c (connections,
// 16), -d (measured duration of each scenario, 20s), -warmup (unmeasured
// run before each scenario, 3s), -seed (1), -scenario (comma list, default
// all of items,nearby,clusters,tile,item), -json.
//
// Scenarios, each on places drawn at random — 95 % uniformly in
// metropolitan France's box, 5 % in La Réunion's, as the synthetic data are:
//
//   - items: /api/collections/actors/items?bbox=…&limit=100, a square of
//     about 50 km around the place;
//   - nearby: /api/nearby?lon=…&lat=…&limit=10;
//   - clusters: /api/clusters?bbox=…&zoom=6, the bbox of a 1280×800-pixel
//     map at zoom 6 centred on a metropolitan place;
//   - tile: /api/tiles/10/{x}/{y}.mvt, the z10 tile holding the place;
//   - item: /api/collections/actors/items/{id}, ids drawn from a sample
//     fetched before the scenario (a few pages of 1000 items at random
//     offsets).
//
// Reproducibility: worker i draws its places from a PCG generator seeded
// with (seed, i), anew for each scenario, so the same seed requests the same
// sequence of URLs (the warm-up draws from a stream of its own and does not
// shift it). Each scenario's line reads
//
//	items      16 conns  20.0 s  requests 71234  3561.7 req/s  p50 3.9 ms  p90 6.1 ms  p99 11.2 ms  max 40.2 ms  non-2xx 0  errors 0  MB/s 12.3
//
// where requests counts every request sent in the measured phase, whatever
// its outcome, and the latencies and rates are over all of them; MB/s is
// response-body bytes (10⁶ a MB) per second. A run in which any request
// failed — a transport error, or a status other than 2xx — is not a valid
// measurement: the command then exits with status 1 and says which
// scenarios failed and how. With -json, the human-readable lines go to
// stderr and stdout gets one JSON document with the configuration and the
// results, for scripts.
//
// (This comment is detached from the package clause on purpose: the
// command's own documentation stays main.go's.)

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// benchScenarios are the scenario names, in the order they run by default.
var benchScenarios = []string{"items", "nearby", "clusters", "tile", "item"}

const (
	// benchRequestTimeout bounds one request, so that a stuck server ends
	// the run with errors instead of hanging it.
	benchRequestTimeout = 30 * time.Second
	// warmupStream and sampleStream are PCG stream numbers kept apart from
	// the workers' (0 … c-1), so that neither the warm-up nor the id sample
	// shifts the measured URL sequence.
	warmupStream = 1 << 62
	sampleStream = 1 << 63
	// samplePages is how many pages of 1000 items the id sample is built
	// from (the first one included).
	samplePages = 5
	samplePage  = 1000
)

// benchConfig is the configuration of one load run.
type benchConfig struct {
	BaseURL   string
	Conns     int
	Duration  time.Duration // measured, per scenario
	Warmup    time.Duration // unmeasured, before each scenario
	Seed      uint64
	Scenarios []string
}

// benchResult is the measure of one scenario.
type benchResult struct {
	Scenario  string  `json:"scenario"`
	Conns     int     `json:"conns"`
	Seconds   float64 `json:"seconds"`
	Requests  int     `json:"requests"`
	PerSecond float64 `json:"req_per_s"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	Non2xx    int     `json:"non_2xx"`
	Errors    int     `json:"errors"`
	Bytes     int64   `json:"bytes"`
	MBps      float64 `json:"mb_per_s"`
	// FirstFailure describes one failed request (the first of the first
	// worker that had any), to say why a run is invalid without a debugger.
	FirstFailure string `json:"first_failure,omitempty"`
}

// runLoadbench runs `voisinage loadbench`: it parses the flags, runs the
// scenarios and reports; it returns an error when a scenario had failures.
func runLoadbench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, asJSON, err := parseLoadbenchFlags(args, stderr)
	if err != nil {
		return err
	}
	lines := stdout
	if asJSON {
		lines = stderr // stdout is kept for the JSON document alone
	}
	fmt.Fprintf(lines, "loadbench %s  seed %d  warm-up %s  %s per scenario\n", cfg.BaseURL, cfg.Seed, cfg.Warmup, cfg.Duration)
	results, err := runBench(ctx, cfg, lines)
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeBenchJSON(stdout, cfg, results); err != nil {
			return fmt.Errorf("write the JSON results: %w", err)
		}
	}
	return benchFailure(results)
}

// parseLoadbenchFlags reads the command line; asJSON reports -json.
func parseLoadbenchFlags(args []string, stderr io.Writer) (cfg benchConfig, asJSON bool, err error) {
	fs := flag.NewFlagSet("voisinage loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "base URL of the server to load")
	fs.IntVar(&cfg.Conns, "c", 16, "connections (one worker each, in a closed loop)")
	fs.DurationVar(&cfg.Duration, "d", 20*time.Second, "measured duration of each scenario")
	fs.DurationVar(&cfg.Warmup, "warmup", 3*time.Second, "unmeasured run before each scenario")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (the same seed requests the same URLs)")
	scenarios := fs.String("scenario", strings.Join(benchScenarios, ","), "comma-separated scenarios among "+strings.Join(benchScenarios, ","))
	fs.BoolVar(&asJSON, "json", false, "also print the results as JSON on stdout (the lines then go to stderr)")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("loadbench: unexpected argument %q", fs.Arg(0))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Scenarios, err = parseScenarios(*scenarios); err != nil {
		return cfg, false, err
	}
	return cfg, asJSON, cfg.validate()
}

// parseScenarios splits and checks the -scenario list.
func parseScenarios(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(benchScenarios, s) {
			return nil, fmt.Errorf("loadbench: unknown scenario %q (want some of %s)", s, strings.Join(benchScenarios, ","))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("loadbench: no scenario to run")
	}
	return out, nil
}

// validate rejects configurations that cannot give a measurement.
func (cfg benchConfig) validate() error {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("loadbench: -url %q is not an http(s) base URL", cfg.BaseURL)
	case cfg.Conns < 1:
		return fmt.Errorf("loadbench: -c %d: at least one connection", cfg.Conns)
	case cfg.Duration <= 0:
		return fmt.Errorf("loadbench: -d %s: the duration must be positive", cfg.Duration)
	case cfg.Warmup < 0:
		return fmt.Errorf("loadbench: -warmup %s: must not be negative", cfg.Warmup)
	}
	return nil
}

// runBench runs the configured scenarios one after the other, printing each
// one's line to lines as soon as it is measured.
func runBench(ctx context.Context, cfg benchConfig, lines io.Writer) ([]benchResult, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	client := newBenchClient(cfg.Conns)
	defer client.CloseIdleConnections()
	var results []benchResult
	for _, name := range cfg.Scenarios {
		next, err := prepareScenario(ctx, client, cfg, name)
		if err != nil {
			return results, fmt.Errorf("loadbench: prepare scenario %s: %w", name, err)
		}
		res, err := runScenario(ctx, client, cfg, name, next)
		if err != nil {
			return results, fmt.Errorf("loadbench: scenario %s: %w", name, err)
		}
		fmt.Fprintln(lines, res.line())
		results = append(results, res)
	}
	return results, nil
}

// newBenchClient returns a client for c connections to one host, kept
// alive between requests, without compression (the targets are stated
// without it) and without proxies or redirects, so that what is measured is
// the server's own answer.
func newBenchClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		DisableCompression:  true,
		DisableKeepAlives:   false,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       benchRequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// pathFunc returns a scenario's next request path (with its query),
// drawing the place from r.
type pathFunc func(r *rand.Rand) string

// prepareScenario returns the path generator of a scenario, fetching what it
// needs from the server first (the id sample of "item").
func prepareScenario(ctx context.Context, client *http.Client, cfg benchConfig, name string) (pathFunc, error) {
	if name != "item" {
		return scenarioPaths(name, nil)
	}
	ids, err := fetchIDSample(ctx, client, cfg.BaseURL, cfg.Seed)
	if err != nil {
		return nil, err
	}
	return scenarioPaths(name, ids)
}

// scenarioPaths returns the path generator of a named scenario; ids is the
// sample the "item" scenario draws from.
func scenarioPaths(name string, ids []string) (pathFunc, error) {
	switch name {
	case "items":
		return itemsPath, nil
	case "nearby":
		return nearbyPath, nil
	case "clusters":
		return clustersPath, nil
	case "tile":
		return tilePath, nil
	case "item":
		if len(ids) == 0 {
			return nil, errors.New("no actor ids to draw from")
		}
		return func(r *rand.Rand) string { return itemPath(ids[r.IntN(len(ids))]) }, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", name)
}

// workerRand returns worker i's generator for the measured phase: seeded
// from (seed, i) alone, so the URL sequence depends on nothing else.
func workerRand(seed uint64, worker int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(worker)))
}

// workerPaths returns the first n paths worker requests in a scenario's
// measured phase: what the run does, replayed without a server.
func workerPaths(next pathFunc, seed uint64, worker, n int) []string {
	r := workerRand(seed, worker)
	out := make([]string, n)
	for i := range out {
		out[i] = next(r)
	}
	return out
}

// Boxes the places are drawn from, as the synthetic data's actors are.
var (
	metroBox   = orb.Bound{Min: orb.Point{-5.2, 41.3}, Max: orb.Point{9.6, 51.1}}
	reunionBox = orb.Bound{Min: orb.Point{55.2, -21.4}, Max: orb.Point{55.85, -20.87}}
)

// overseasShare is the share of places drawn in La Réunion.
const overseasShare = 0.05

// randomPlace draws a place: 95 % in metropolitan France, 5 % in La Réunion.
func randomPlace(r *rand.Rand) orb.Point {
	if r.Float64() < overseasShare {
		return pointIn(r, reunionBox)
	}
	return pointIn(r, metroBox)
}

// pointIn draws a point uniformly (in degrees) in b.
func pointIn(r *rand.Rand, b orb.Bound) orb.Point {
	return orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
}

// itemsHalfLat is half the side of the items scenario's square in degrees
// of latitude: 0.225° ≈ 25 km, so the square is about 50 km wide.
const itemsHalfLat = 0.225

// itemsBound is the ~50 km square around p (the longitude span widened by
// 1/cos(lat) so that the square is square on the ground).
func itemsBound(p orb.Point) orb.Bound {
	halfLon := itemsHalfLat / math.Cos(p[1]*math.Pi/180)
	return orb.Bound{Min: orb.Point{p[0] - halfLon, p[1] - itemsHalfLat}, Max: orb.Point{p[0] + halfLon, p[1] + itemsHalfLat}}
}

func itemsPath(r *rand.Rand) string {
	return "/api/collections/actors/items?bbox=" + formatBBox(itemsBound(randomPlace(r))) + "&limit=100"
}

func nearbyPath(r *rand.Rand) string {
	p := randomPlace(r)
	return "/api/nearby?lon=" + formatCoord(p[0]) + "&lat=" + formatCoord(p[1]) + "&limit=10"
}

// The clusters scenario's map: a 1280×800-pixel viewport at zoom 6.
const (
	clustersZoom     = 6
	viewportWidthPx  = 1280
	viewportHeightPx = 800
	tileSizePx       = 256
	maxMercatorLat   = 85
)

// viewportBound is the bbox a Web Mercator map of w×h pixels at zoom z shows
// when centred on p (latitudes clamped to ±85°).
func viewportBound(p orb.Point, z, w, h int) orb.Bound {
	world := float64(tileSizePx) * math.Exp2(float64(z))
	cx := (p[0] + 180) / 360 * world
	cy := mercatorY(p[1]) * world
	return orb.Bound{
		Min: orb.Point{max(-180, pixelLon(cx-float64(w)/2, world)), pixelLat(cy+float64(h)/2, world)},
		Max: orb.Point{min(180, pixelLon(cx+float64(w)/2, world)), pixelLat(cy-float64(h)/2, world)},
	}
}

// mercatorY is the latitude's Web Mercator y as a fraction of the world
// (0 at the top, 1 at the bottom).
func mercatorY(lat float64) float64 {
	lat = max(-maxMercatorLat, min(maxMercatorLat, lat)) * math.Pi / 180
	return (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2
}

func pixelLon(x, world float64) float64 { return x/world*360 - 180 }

// pixelLat inverts mercatorY for a pixel row, clamped to ±85°.
func pixelLat(y, world float64) float64 {
	lat := math.Atan(math.Sinh(math.Pi*(1-2*y/world))) * 180 / math.Pi
	return max(-maxMercatorLat, min(maxMercatorLat, lat))
}

func clustersPath(r *rand.Rand) string {
	b := viewportBound(pointIn(r, metroBox), clustersZoom, viewportWidthPx, viewportHeightPx)
	return "/api/clusters?bbox=" + formatBBox(b) + "&zoom=" + strconv.Itoa(clustersZoom)
}

// tileZoom is the zoom of the tile scenario's vector tiles.
const tileZoom = 10

// placeTile is the z10 tile that holds p.
func placeTile(p orb.Point) maptile.Tile { return maptile.At(p, tileZoom) }

func tilePath(r *rand.Rand) string {
	t := placeTile(randomPlace(r))
	return fmt.Sprintf("/api/tiles/%d/%d/%d.mvt", t.Z, t.X, t.Y)
}

func itemPath(id string) string { return "/api/collections/actors/items/" + url.PathEscape(id) }

// formatBBox writes W,S,E,N with 6 decimals (about 10 cm), as the API
// rounds coordinates.
func formatBBox(b orb.Bound) string {
	return formatCoord(b.Min[0]) + "," + formatCoord(b.Min[1]) + "," + formatCoord(b.Max[0]) + "," + formatCoord(b.Max[1])
}

func formatCoord(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

// itemsPage is the part of an items page the id sample needs.
type itemsPage struct {
	NumberMatched int `json:"numberMatched"`
	Features      []struct {
		ID string `json:"id"`
	} `json:"features"`
}

// fetchIDSample collects actor ids for the item scenario: the first page of
// 1000 items (which also gives numberMatched), then pages at random offsets
// drawn from the seed, so the sample — and hence the URL sequence — is the
// same for the same seed and the same data.
func fetchIDSample(ctx context.Context, client *http.Client, base string, seed uint64) ([]string, error) {
	first, err := fetchItemsPage(ctx, client, base, 0)
	if err != nil {
		return nil, err
	}
	ids := appendPageIDs(nil, first)
	if lastOffset := first.NumberMatched - samplePage; lastOffset > 0 {
		r := rand.New(rand.NewPCG(seed, sampleStream))
		for range samplePages - 1 {
			page, err := fetchItemsPage(ctx, client, base, 1+r.IntN(lastOffset))
			if err != nil {
				return nil, err
			}
			ids = appendPageIDs(ids, page)
		}
	}
	ids = uniqueInOrder(ids)
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s lists no actor", base)
	}
	return ids, nil
}

// fetchItemsPage gets and decodes one page of 1000 actors.
func fetchItemsPage(ctx context.Context, client *http.Client, base string, offset int) (*itemsPage, error) {
	u := fmt.Sprintf("%s/api/collections/actors/items?limit=%d&offset=%d", base, samplePage, offset)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("sample ids: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sample ids: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, fmt.Errorf("sample ids: GET %s: %s", u, resp.Status)
	}
	var page itemsPage
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("sample ids: decode %s: %w", u, err)
	}
	return &page, nil
}

func appendPageIDs(ids []string, p *itemsPage) []string {
	for _, f := range p.Features {
		if f.ID != "" {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// uniqueInOrder drops repeated ids (overlapping pages) keeping the first,
// so the sample's order, and the draws from it, stay deterministic.
func uniqueInOrder(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// workerStats is what one worker records; merged after the phase, so the
// hot loop shares nothing.
type workerStats struct {
	latencies    []time.Duration
	non2xx       int
	errors       int
	bytes        int64
	firstFailure string
}

// runScenario warms up (unmeasured), then measures one scenario.
func runScenario(ctx context.Context, client *http.Client, cfg benchConfig, name string, next pathFunc) (benchResult, error) {
	if cfg.Warmup > 0 {
		warmupRand := func(i int) *rand.Rand { return rand.New(rand.NewPCG(cfg.Seed, warmupStream+uint64(i))) }
		runPhase(ctx, client, cfg.BaseURL, cfg.Conns, cfg.Warmup, next, warmupRand)
	}
	if err := ctx.Err(); err != nil {
		return benchResult{}, fmt.Errorf("interrupted: %w", err)
	}
	stats, elapsed := runPhase(ctx, client, cfg.BaseURL, cfg.Conns, cfg.Duration, next,
		func(i int) *rand.Rand { return workerRand(cfg.Seed, i) })
	if err := ctx.Err(); err != nil {
		return benchResult{}, fmt.Errorf("interrupted: %w", err)
	}
	return summarize(name, cfg.Conns, elapsed, stats), nil
}

// runPhase runs conns workers for d, each in a closed loop with its own
// generator, and returns their stats and the wall time until the last one
// finished (requests in flight at the deadline are completed and counted,
// so the rates divide by that time, not by d).
func runPhase(ctx context.Context, client *http.Client, base string, conns int, d time.Duration,
	next pathFunc, rng func(worker int) *rand.Rand) ([]workerStats, time.Duration) {
	stats := make([]workerStats, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { runWorker(ctx, client, base, deadline, next, rng(i), &stats[i]) })
	}
	wg.Wait()
	return stats, time.Since(start)
}

// runWorker sends requests one after the other until the deadline.
func runWorker(ctx context.Context, client *http.Client, base string, deadline time.Time,
	next pathFunc, r *rand.Rand, st *workerStats) {
	st.latencies = make([]time.Duration, 0, 4096)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		path := next(r)
		start := time.Now()
		status, n, err := fetchDiscard(ctx, client, base+path)
		st.latencies = append(st.latencies, time.Since(start))
		st.bytes += n
		switch {
		case err != nil:
			st.errors++
			st.noteFailure(fmt.Sprintf("GET %s: %v", path, err))
		case status < 200 || status > 299:
			st.non2xx++
			st.noteFailure(fmt.Sprintf("GET %s: status %d", path, status))
		}
	}
}

func (st *workerStats) noteFailure(msg string) {
	if st.firstFailure == "" {
		st.firstFailure = msg
	}
}

// fetchDiscard GETs u and reads the whole body (so the connection is
// reused and the transfer is part of the latency), returning the status and
// the body's size.
func fetchDiscard(ctx context.Context, client *http.Client, u string) (status int, n int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err = io.Copy(io.Discard, resp.Body)
	if err != nil {
		return resp.StatusCode, n, fmt.Errorf("read the body: %w", err)
	}
	return resp.StatusCode, n, nil
}

// summarize merges the workers' stats into a scenario's result.
func summarize(name string, conns int, elapsed time.Duration, stats []workerStats) benchResult {
	res := benchResult{Scenario: name, Conns: conns, Seconds: elapsed.Seconds()}
	var all []time.Duration
	for _, st := range stats {
		all = append(all, st.latencies...)
		res.Non2xx += st.non2xx
		res.Errors += st.errors
		res.Bytes += st.bytes
		if res.FirstFailure == "" {
			res.FirstFailure = st.firstFailure
		}
	}
	slices.Sort(all)
	res.Requests = len(all)
	if res.Seconds > 0 {
		res.PerSecond = float64(res.Requests) / res.Seconds
		res.MBps = float64(res.Bytes) / 1e6 / res.Seconds
	}
	res.P50ms = millis(percentile(all, 0.50))
	res.P90ms = millis(percentile(all, 0.90))
	res.P99ms = millis(percentile(all, 0.99))
	res.MaxMs = millis(percentile(all, 1))
	return res
}

// percentile is the nearest-rank percentile of sorted latencies (0 when
// there are none): the smallest latency at least a share p of requests
// did not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// line is the scenario's human-readable report line.
func (r benchResult) line() string {
	return fmt.Sprintf("%-8s %3d conns  %4.1f s  requests %d  %.1f req/s  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  non-2xx %d  errors %d  MB/s %.1f",
		r.Scenario, r.Conns, r.Seconds, r.Requests, r.PerSecond, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.Non2xx, r.Errors, r.MBps)
}

// writeBenchJSON writes the configuration and the results as one document.
func writeBenchJSON(w io.Writer, cfg benchConfig, results []benchResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		URL       string        `json:"url"`
		Conns     int           `json:"conns"`
		DurationS float64       `json:"duration_s"`
		WarmupS   float64       `json:"warmup_s"`
		Seed      uint64        `json:"seed"`
		Results   []benchResult `json:"results"`
	}{cfg.BaseURL, cfg.Conns, cfg.Duration.Seconds(), cfg.Warmup.Seconds(), cfg.Seed, results})
}

// benchFailure says which scenarios had failed requests, or nil: such a
// run is not a valid measurement.
func benchFailure(results []benchResult) error {
	var bad []string
	for _, r := range results {
		if r.Errors > 0 || r.Non2xx > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d non-2xx, %d errors (first: %s)", r.Scenario, r.Non2xx, r.Errors, r.FirstFailure))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("loadbench: failed requests, the measurement is not valid: %s", strings.Join(bad, "; "))
}
