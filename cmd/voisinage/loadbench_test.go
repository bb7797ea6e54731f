package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

// TestLoadbenchRealServer runs the load generator against the real router
// over the real seeded database, served over loopback HTTP: every request
// of the items, nearby and item scenarios must succeed, and the report
// must be coherent.
func TestLoadbenchRealServer(t *testing.T) {
	dir := directorytest.MustOpenDirectory(t)
	handler, err := web.NewServer(web.Config{Logger: slog.New(slog.DiscardHandler)}, dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	cfg := benchConfig{BaseURL: srv.URL, Conns: 4, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Seed: 7, Scenarios: []string{"items", "nearby", "item"}}
	var lines bytes.Buffer
	results, err := runBench(t.Context(), cfg, &lines)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", lines.String())
	if len(results) != len(cfg.Scenarios) {
		t.Fatalf("%d results for %d scenarios", len(results), len(cfg.Scenarios))
	}
	for _, r := range results {
		checkSaneResult(t, r, cfg.Conns)
		if r.Errors != 0 || r.Non2xx != 0 {
			t.Errorf("%s: %d errors, %d non-2xx (first: %s)", r.Scenario, r.Errors, r.Non2xx, r.FirstFailure)
		}
		if !strings.Contains(lines.String(), r.line()) {
			t.Errorf("%s: its line was not printed", r.Scenario)
		}
	}
	if err := benchFailure(results); err != nil {
		t.Fatalf("a clean run reported a failure: %v", err)
	}

	// The id sample is deterministic too: same seed, same ids.
	client := newBenchClient(1)
	a, err := fetchIDSample(t.Context(), client, srv.URL, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fetchIDSample(t.Context(), client, srv.URL, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < samplePage || !slices.Equal(a, b) {
		t.Fatalf("id samples of the same seed: %d and %d ids, equal %v", len(a), len(b), slices.Equal(a, b))
	}
}

// checkSaneResult checks what any measured scenario's result must satisfy.
func checkSaneResult(t *testing.T, r benchResult, conns int) {
	t.Helper()
	if r.Requests <= 0 || r.Conns != conns || r.Seconds <= 0 || r.PerSecond <= 0 {
		t.Errorf("%s: %+v", r.Scenario, r)
	}
	if !(0 < r.P50ms && r.P50ms <= r.P90ms && r.P90ms <= r.P99ms && r.P99ms <= r.MaxMs) {
		t.Errorf("%s: percentiles out of order: p50 %v p90 %v p99 %v max %v", r.Scenario, r.P50ms, r.P90ms, r.P99ms, r.MaxMs)
	}
}

// TestLoadbenchSameSeedSameURLs checks that a worker's URL sequence
// depends on the seed and the worker's index alone.
func TestLoadbenchSameSeedSameURLs(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "é/f"}
	for _, name := range benchScenarios {
		next, err := scenarioPaths(name, ids)
		if err != nil {
			t.Fatal(err)
		}
		first := workerPaths(next, 1, 0, 50)
		if again := workerPaths(next, 1, 0, 50); !slices.Equal(first, again) {
			t.Errorf("%s: the same seed and worker gave different URLs:\n%v\n%v", name, first[:3], again[:3])
		}
		if other := workerPaths(next, 2, 0, 50); slices.Equal(first, other) {
			t.Errorf("%s: seeds 1 and 2 gave the same URLs", name)
		}
		if other := workerPaths(next, 1, 1, 50); slices.Equal(first, other) {
			t.Errorf("%s: workers 0 and 1 gave the same URLs", name)
		}
		for _, p := range first {
			if _, err := url.ParseRequestURI(p); err != nil || !strings.HasPrefix(p, "/api/") {
				t.Errorf("%s: bad path %q (%v)", name, p, err)
			}
		}
	}
	if p := itemPath("é/f"); p != "/api/collections/actors/items/%C3%A9%2Ff" {
		t.Errorf("itemPath escapes ids badly: %s", p)
	}
}

// TestLoadbenchRequestsFollowSequence checks that the run requests exactly
// the sequence workerPaths replays: with one connection and no warm-up,
// the server sees worker 0's sequence in order.
func TestLoadbenchRequestsFollowSequence(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		if r.Header.Get("Accept-Encoding") != "" {
			http.Error(w, "the load generator must not ask for compression", http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"type":"FeatureCollection","features":[]}`))
	}))
	defer srv.Close()

	cfg := benchConfig{BaseURL: srv.URL, Conns: 1, Duration: 100 * time.Millisecond, Seed: 3, Scenarios: []string{"nearby"}}
	results, err := runBench(t.Context(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	checkSaneResult(t, r, 1)
	if err := benchFailure(results); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != r.Requests {
		t.Fatalf("the server saw %d requests, the report says %d", len(seen), r.Requests)
	}
	want := workerPaths(nearbyPath, cfg.Seed, 0, len(seen))
	if !slices.Equal(seen, want) {
		t.Fatalf("requested paths differ from the replayed sequence:\n%v\n%v", seen[:min(3, len(seen))], want[:min(3, len(want))])
	}
	if wantBytes := int64(r.Requests * len(`{"type":"FeatureCollection","features":[]}`)); r.Bytes != wantBytes {
		t.Errorf("bytes = %d, want %d", r.Bytes, wantBytes)
	}
}

// TestLoadbenchServerErrorFails checks that answers of status 500 are
// counted as non-2xx (not as successes nor transport errors) and make the
// command fail, naming the scenario.
func TestLoadbenchServerErrorFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	err := runLoadbench(t.Context(), []string{"-url", srv.URL, "-c", "2", "-d", "100ms", "-warmup", "0",
		"-scenario", "items,nearby", "-json"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "items: ") || !strings.Contains(err.Error(), "nearby: ") ||
		!strings.Contains(err.Error(), "status 500") {
		t.Fatalf("a server answering 500: err = %v", err)
	}
	var doc struct {
		Results []benchResult
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("-json output: %v\n%s", err, stdout.String())
	}
	for _, r := range doc.Results {
		if r.Requests == 0 || r.Non2xx != r.Requests || r.Errors != 0 {
			t.Errorf("%s: %d requests, %d non-2xx, %d errors", r.Scenario, r.Requests, r.Non2xx, r.Errors)
		}
	}
	if !strings.Contains(stderr.String(), "non-2xx") {
		t.Errorf("with -json, the lines go to stderr:\n%s", stderr.String())
	}
}

// TestLoadbenchTransportErrors checks that a server that does not answer
// gives errors, not non-2xx, and fails the run.
func TestLoadbenchTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more

	cfg := benchConfig{BaseURL: base, Conns: 2, Duration: 50 * time.Millisecond, Seed: 1, Scenarios: []string{"tile"}}
	results, err := runBench(t.Context(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Errors == 0 || r.Errors != r.Requests || r.Non2xx != 0 {
		t.Fatalf("connection refused: %+v", r)
	}
	if err := benchFailure(results); err == nil || !strings.Contains(err.Error(), "tile: ") {
		t.Fatalf("benchFailure = %v", err)
	}
}

// TestLoadbenchClustersAndTileURLs checks the URLs of the scenarios whose
// endpoints may not exist yet: the clusters bbox is a valid 1280×800 zoom-6
// viewport around a metropolitan place, and the tile is the z10 tile that
// holds the place.
func TestLoadbenchClustersAndTileURLs(t *testing.T) {
	wantWidth := float64(viewportWidthPx) / (tileSizePx * 64) * 360 // 28.125°
	for worker := range 4 {
		draws, replay := workerRand(5, worker), workerRand(5, worker)
		for range 200 {
			path := clustersPath(draws)
			p := pointIn(replay, metroBox)
			q := mustQuery(t, path, "/api/clusters")
			if q.Get("zoom") != "6" {
				t.Fatalf("%s: zoom", path)
			}
			b := parseBBox(t, q.Get("bbox"))
			if !(b.Min[0] < b.Max[0] && b.Min[1] < b.Max[1]) {
				t.Fatalf("%s: W<E and S<N do not hold", path)
			}
			if !b.Contains(p) || math.Abs(b.Center()[0]-p[0]) > 1e-5 {
				t.Fatalf("%s: not centred on %v", path, p)
			}
			if w := b.Max[0] - b.Min[0]; math.Abs(w-wantWidth) > 1e-5 {
				t.Fatalf("%s: %v° wide, want %v°", path, w, wantWidth)
			}
			// Mercator stretches latitudes away from the equator: 800 px
			// span fewer degrees of latitude than of longitude.
			if h := b.Max[1] - b.Min[1]; h <= 0 || h >= wantWidth*800/1280 {
				t.Fatalf("%s: %v° tall", path, h)
			}
		}
		draws, replay = workerRand(5, worker), workerRand(5, worker)
		for range 200 {
			path := tilePath(draws)
			p := randomPlace(replay)
			var z, x, y uint32
			if _, err := fmt.Sscanf(path, "/api/tiles/%d/%d/%d.mvt", &z, &x, &y); err != nil || z != 10 {
				t.Fatalf("%s: %v", path, err)
			}
			if tile := (maptile.Tile{X: x, Y: y, Z: maptile.Zoom(z)}); !tile.Bound().Contains(p) {
				t.Fatalf("%s: tile %v does not hold %v", path, tile.Bound(), p)
			}
		}
	}
}

// TestLoadbenchPlacesAndItemsBBox checks the places' mix (about 5 % in La
// Réunion) and the items scenario's ~50 km square.
func TestLoadbenchPlacesAndItemsBBox(t *testing.T) {
	r := workerRand(1, 0)
	const n = 20000
	overseas := 0
	for range n {
		p := randomPlace(r)
		switch {
		case reunionBox.Contains(p):
			overseas++
		case !metroBox.Contains(p):
			t.Fatalf("%v is in neither box", p)
		}
	}
	if share := float64(overseas) / n; share < 0.04 || share > 0.06 {
		t.Errorf("overseas share %.3f, want about 0.05", share)
	}
	draws, replay := workerRand(9, 0), workerRand(9, 0)
	for range 200 {
		path := itemsPath(draws)
		p := randomPlace(replay)
		q := mustQuery(t, path, "/api/collections/actors/items")
		b := parseBBox(t, q.Get("bbox"))
		if q.Get("limit") != "100" || !b.Contains(p) {
			t.Fatalf("%s: around %v", path, p)
		}
		// About 50 km each way (1° of latitude ≈ 111.2 km).
		ns := (b.Max[1] - b.Min[1]) * 111.2
		ew := (b.Max[0] - b.Min[0]) * 111.2 * math.Cos(p[1]*math.Pi/180)
		if math.Abs(ns-50) > 1 || math.Abs(ew-50) > 1 {
			t.Fatalf("%s: %.1f km × %.1f km", path, ew, ns)
		}
	}
}

// TestLoadbenchFlags checks the defaults and the refusals.
func TestLoadbenchFlags(t *testing.T) {
	cfg, asJSON, err := parseLoadbenchFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := benchConfig{BaseURL: "http://127.0.0.1:8080", Conns: 16, Duration: 20 * time.Second, Warmup: 3 * time.Second,
		Seed: 1, Scenarios: []string{"items", "nearby", "clusters", "tile", "item"}}
	if asJSON || cfg.BaseURL != want.BaseURL || cfg.Conns != want.Conns || cfg.Duration != want.Duration ||
		cfg.Warmup != want.Warmup || cfg.Seed != want.Seed || !slices.Equal(cfg.Scenarios, want.Scenarios) {
		t.Fatalf("defaults = %+v (json %v)", cfg, asJSON)
	}
	for _, args := range [][]string{
		{"-scenario", "items,bogus"}, {"-scenario", ","}, {"-c", "0"}, {"-d", "0s"}, {"-warmup", "-1s"},
		{"-url", "127.0.0.1:8080"}, {"extra"},
	} {
		if _, _, err := parseLoadbenchFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// mustQuery parses a generated path, checking its route.
func mustQuery(t *testing.T, path, route string) url.Values {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil || u.Path != route {
		t.Fatalf("%s: want route %s (%v)", path, route, err)
	}
	return u.Query()
}

// parseBBox reads W,S,E,N.
func parseBBox(t *testing.T, s string) orb.Bound {
	t.Helper()
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		t.Fatalf("bbox %q", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			t.Fatalf("bbox %q: %v", s, err)
		}
		v[i] = f
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
}
