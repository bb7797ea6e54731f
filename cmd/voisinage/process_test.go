package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/voisinage/voisinage/directory/directorytest"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests of this file's family run the real binary as a child process,
// as an operator would: built once per test run with `go build`.

var builtBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the binary built for the process tests.
func TestMain(m *testing.M) {
	code := m.Run()
	directorytest.Cleanup()
	if builtBinary.dir != "" {
		os.RemoveAll(builtBinary.dir)
	}
	os.Exit(code)
}

// skipShort skips a long test under -short, except when CI=true: CI runs
// everything, and a -short there would drop the tests it exists to run.
func skipShort(t *testing.T, why string) {
	t.Helper()
	if !testing.Short() {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: not skipped under CI=true (run without -short)", why)
	}
	t.Skip(why)
}

// mustBuildBinary builds ./cmd/voisinage into a temp dir (once) and returns its path.
func mustBuildBinary(tb testing.TB) string {
	tb.Helper()
	builtBinary.once.Do(func() {
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			goBin = "go"
		}
		builtBinary.dir, builtBinary.err = os.MkdirTemp("", "voisinage-bin-")
		if builtBinary.err != nil {
			return
		}
		path := filepath.Join(builtBinary.dir, "voisinage")
		out, err := exec.Command(goBin, "build", "-o", path, ".").CombinedOutput()
		if err != nil {
			builtBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		builtBinary.path = path
	})
	if builtBinary.err != nil {
		tb.Fatal(builtBinary.err)
	}
	return builtBinary.path
}

// runBinary runs a subcommand of the binary to completion.
func runBinary(tb testing.TB, env []string, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	cmd := exec.Command(mustBuildBinary(tb), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// serverProcess is the server running as a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs *syncBuffer
	done chan struct{} // closed when the process has exited
}

// startServer starts the binary on port 0 and the given database, and waits
// for its "serving" log line, which gives the address it listens on.
func startServer(tb testing.TB, dbPath string, extra ...string) *serverProcess {
	tb.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-db", dbPath, "-tile-url", ""}, extra...)
	cmd := exec.Command(mustBuildBinary(tb), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			p.logs.Write(append(line, '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "serving" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case p.base = <-addr:
		return p
	case <-p.done:
		tb.Fatalf("server exited before serving:\n%s", p.logs)
	case <-time.After(90 * time.Second):
		p.kill()
		tb.Fatalf("server not serving after 90 s:\n%s", p.logs)
	}
	return nil
}

// kill sends SIGKILL and waits until the process is gone.
func (p *serverProcess) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// stop sends SIGTERM and waits for the graceful exit.
func (p *serverProcess) stop(tb testing.TB) {
	tb.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
		tb.Fatalf("server did not stop within 30 s of SIGINT:\n%s", p.logs)
	}
}

// apiClient is an HTTP client with its own cookie jar, as a browser or a
// script would have.
type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient(base string) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out; it returns the status (0 with err when the request failed).
func (c *apiClient) do(method, path string, body, out any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, b, err // the answer was cut: not an acknowledgement
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, b, err
		}
	}
	return resp.StatusCode, b, nil
}

func (c *apiClient) must(tb testing.TB, status int, method, path string, body, out any) {
	tb.Helper()
	got, b, err := c.do(method, path, body, out)
	if err != nil || got != status {
		tb.Fatalf("%s %s: %d %v, want %d: %.500s", method, path, got, err, status, b)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func trimLogs(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}
