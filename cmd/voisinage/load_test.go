package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// TestLoad runs the real server as a child process on loopback and sends it
// concurrent readers (items by bbox, nearby, clusters at zooms 6 to
// 11), first alone, then with concurrent writers (moderators' edits and
// contributors' proposals approved by a moderator). It checks correctness
// under load: no 5xx and no failed request, and every acknowledged write is
// there afterwards. It measures, and logs without asserting (the machine is
// shared and noisy: a timed assertion would flake), the latencies with and
// without writes and the server's resident memory; docs/BENCHMARKS.md
// records them with their commands.
//
// VOISINAGE_LOAD_SECONDS sets each phase's length (3 s by default, for CI;
// docs/RELIABILITY.md records longer runs). VOISINAGE_LOAD_READERS and
// VOISINAGE_LOAD_WRITERS set the concurrency.
func TestLoad(t *testing.T) {
	skipShort(t, "a load test")
	phase := time.Duration(envInt("VOISINAGE_LOAD_SECONDS", 3)) * time.Second
	readers := envInt("VOISINAGE_LOAD_READERS", 4)
	writers := envInt("VOISINAGE_LOAD_WRITERS", 4)
	dbPath := directorytest.SeededPath(t)
	// One moderator account; each writer logs in with its own session.
	if _, errOut, err := runBinary(t, []string{"VOISINAGE_PASSWORD=moderator passphrase"}, "user", "add", "-db", dbPath,
		"-email", "mod@load.test", "-name", "Modération", "-role", "moderator"); err != nil {
		t.Fatalf("user add: %v\n%s", err, errOut)
	}
	p := startServer(t, dbPath)
	defer p.stop(t)
	pid := p.cmd.Process.Pid

	// Each reader has its own loopback address, as distinct clients would.
	// A writer connects anew for each request, from the next of many
	// addresses: the per-address write limit (a burst of 60, then one a
	// second) would otherwise cap the write load at a few writes a second.
	client := func(n int) *apiClient {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250+1), byte(n%250+2))}
		tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local}).DialContext, MaxIdleConnsPerHost: 4}
		jar, _ := cookiejar.New(nil)
		return &apiClient{base: p.base, http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}}
	}
	var nextAddr atomic.Uint32
	writerClient := func() *apiClient {
		tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			n := nextAddr.Add(1)
			local := &net.TCPAddr{IP: net.IPv4(127, byte(10+n/62500%200), byte(n/250%250), byte(n%250+2))}
			return (&net.Dialer{LocalAddr: local}).DialContext(ctx, network, addr)
		}}
		jar, _ := cookiejar.New(nil)
		return &apiClient{base: p.base, http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}}
	}
	if st, _, _ := client(0).do("GET", "/api/clusters?bbox=-5,41,10,51&zoom=5", nil, nil); st != 200 {
		t.Fatalf("/api/clusters answers %d", st)
	}
	hasClusters := true

	var fails, server5xx atomic.Int64
	type sample struct {
		at  time.Time
		dur time.Duration
	}
	var latMu sync.Mutex
	var lat []sample
	read := func(c *apiClient, r *rand.Rand) {
		lon, lat0 := -1.5+r.Float64()*8.5, 43.5+r.Float64()*6
		var path string
		switch k := r.IntN(10); {
		case k < 4:
			path = fmt.Sprintf("/api/collections/actors/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", lon, lat0, lon+0.3, lat0+0.2)
		case k < 8 || !hasClusters:
			path = fmt.Sprintf("/api/nearby?lon=%.4f&lat=%.4f&limit=10", lon, lat0)
		default:
			path = fmt.Sprintf("/api/clusters?bbox=%.4f,%.4f,%.4f,%.4f&zoom=%d", lon, lat0, lon+2, lat0+1.5, 6+r.IntN(6))
		}
		start := time.Now()
		st, _, err := c.do("GET", path, nil, nil)
		d := time.Since(start)
		switch {
		case err != nil:
			fails.Add(1)
		case st >= 500:
			server5xx.Add(1)
		case st != 200:
			fails.Add(1)
		}
		latMu.Lock()
		lat = append(lat, sample{start, d})
		latMu.Unlock()
	}

	// Memory: the server's resident size, sampled as it runs.
	var memMu sync.Mutex
	var rss []int64
	stopMem := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopMem:
				return
			case <-time.After(200 * time.Millisecond):
				if v := residentBytes(pid); v > 0 {
					memMu.Lock()
					rss = append(rss, v)
					memMu.Unlock()
				}
			}
		}
	}()
	defer close(stopMem)

	runReaders := func(d time.Duration) (from, to time.Time) {
		from = time.Now()
		var wg sync.WaitGroup
		for i := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client(100 + i)
				r := rand.New(rand.NewPCG(uint64(i), uint64(from.UnixNano())))
				for time.Since(from) < d {
					read(c, r)
				}
			}()
		}
		wg.Wait()
		return from, time.Now()
	}

	// Warm-up, then reads alone.
	runReaders(phase / 2)
	memMu.Lock()
	rssWarm := slices.Max(append([]int64{0}, rss...))
	memMu.Unlock()
	aFrom, aTo := runReaders(phase)

	// Reads with writes.
	l := &ledger{approved: map[int64]approval{}, created: map[int64]string{}}
	pools := targetPools(t, openReadOnly(t, dbPath), writers, 40)
	stop := make(chan struct{})
	var wwg sync.WaitGroup
	var writeFails atomic.Int64
	for i := range writers {
		mod := writerClient()
		mod.must(t, 200, "POST", "/api/login", map[string]string{"email": "mod@load.test", "password": "moderator passphrase"}, nil)
		var contrib *apiClient
		if i%2 == 1 { // half the writers are contributor → moderator chains
			contrib = writerClient()
			contrib.must(t, 202, "POST", "/api/register", map[string]string{"email": fmt.Sprintf("contrib%d@load.test", i),
				"display_name": fmt.Sprintf("Contrib %d", i), "password": "contributor passphrase"}, nil)
			contrib.must(t, 200, "POST", "/api/login", map[string]string{"email": fmt.Sprintf("contrib%d@load.test", i), "password": "contributor passphrase"}, nil)
		}
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 99))
			writeFails.Add(int64(l.drive(stop, r, contrib, mod, pools[i], contrib == nil)))
		}()
	}
	bFrom, bTo := runReaders(phase)
	close(stop)
	wwg.Wait()
	memMu.Lock()
	rss = append([]int64{0}, rss...) // none where /proc is missing
	rssEnd, rssMax := rss[len(rss)-1], slices.Max(rss)
	memMu.Unlock()

	// Verdicts.
	if n := server5xx.Load(); n > 0 {
		t.Errorf("%d reads answered 5xx", n)
	}
	if n := fails.Load() + writeFails.Load(); n > 0 {
		t.Errorf("%d requests failed without an answer or with an unexpected status", n)
	}
	acks, ids := l.all()
	mod := client(0)
	mod.must(t, 200, "POST", "/api/login", map[string]string{"email": "mod@load.test", "password": "moderator passphrase"}, nil)
	for _, a := range acks {
		var pr proposalAnswer
		mod.must(t, 200, "GET", fmt.Sprintf("/api/proposals/%d", a.proposal), nil, &pr)
		if pr.Status != directory.ProposalApproved || pr.AppliedVersion != a.version {
			t.Errorf("acknowledged approval of proposal %d lost: %+v", a.proposal, pr)
		}
	}
	quantiles := func(from, to time.Time) (n int, p50, p99, worst time.Duration) {
		var ds []time.Duration
		latMu.Lock()
		for _, s := range lat {
			if !s.at.Before(from) && s.at.Before(to) {
				ds = append(ds, s.dur)
			}
		}
		latMu.Unlock()
		slices.Sort(ds)
		if len(ds) == 0 {
			return 0, 0, 0, 0
		}
		return len(ds), ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1]
	}
	na, a50, a99, aMax := quantiles(aFrom, aTo)
	nb, b50, b99, bMax := quantiles(bFrom, bTo)
	t.Logf("reads alone:       %6d reads (%4.0f/s), p50 %v, p99 %v, max %v", na, float64(na)/aTo.Sub(aFrom).Seconds(), a50, a99, aMax)
	t.Logf("reads with writes: %6d reads (%4.0f/s), p50 %v, p99 %v, max %v; p99 ratio %.2f", nb, float64(nb)/bTo.Sub(bFrom).Seconds(),
		b50, b99, bMax, float64(b99)/float64(max(a99, 1)))
	t.Logf("writes: %d acknowledged approvals (%.0f/s), %d proposals, all present; clusters read: %v", len(acks),
		float64(len(acks))/bTo.Sub(bFrom).Seconds(), len(ids), hasClusters)
	t.Logf("server RSS: %.0f MiB after warm-up, %.0f MiB at the end, %.0f MiB at most", mib(rssWarm), mib(rssEnd), mib(rssMax))
	if len(acks) == 0 {
		t.Error("no write was acknowledged: the write load did not run")
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// residentBytes reads a process's resident set size from /proc (0 where
// there is none).
func residentBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
