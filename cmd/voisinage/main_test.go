package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// MustRunMain runs the command as a user would, on port 0 and the given database.
func MustRunMain(tb testing.TB, dbPath string) (*Main, *syncBuffer) {
	tb.Helper()
	m := NewMain()
	logs := &syncBuffer{}
	m.Stderr = logs
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-db", dbPath}); err != nil {
		tb.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("run: %v\n%s", err, logs)
	}
	return m, logs
}

func getJSON(tb testing.TB, url string, v any) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
}

func TestMain_FirstAndSecondStart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "voisinage.db")

	// First start: creates the database and fills it with the bundled data.
	m, logs := MustRunMain(t, dbPath)
	if !strings.Contains(logs.String(), "filled with the bundled data") {
		t.Fatalf("first start did not fill the database:\n%s", logs)
	}
	base := "http://" + m.Addr()
	var fc struct {
		NumberMatched int `json:"numberMatched"`
	}
	getJSON(t, base+"/api/collections/actors/items?kind=commune&limit=1", &fc)
	if fc.NumberMatched != 34969 {
		t.Fatalf("communes = %d, want 34969", fc.NumberMatched)
	}
	var health struct{ Status string }
	getJSON(t, base+"/healthz", &health)
	if health.Status != "ok" {
		t.Fatalf("healthz = %+v", health)
	}

	// Graceful shutdown waits for a request in flight. The export is
	// streamed, uncompressed, and far larger than the socket buffers: while
	// the client reads nothing past its first bytes, the handler is blocked
	// writing. Close starts (the listener refuses new connections) while it
	// is, and the export still completes.
	req, _ := http.NewRequest("GET", base+"/api/export/actors.geojson", nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatalf("the export's first bytes: %v", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	for {
		c, err := net.Dial("tcp", m.Addr())
		if err != nil {
			break // shutting down: the listener is closed
		}
		c.Close()
		select {
		case err := <-closed:
			t.Fatalf("Close returned (%v) while a request was in flight", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("request in flight during shutdown: %v", err)
	}
	var all struct{ Features []json.RawMessage }
	if err := json.Unmarshal(append(head, rest...), &all); err != nil || len(all.Features) < 36000 {
		t.Fatalf("export cut by the shutdown: %d features, %v", len(all.Features), err)
	}
	if n := len(head) + len(rest); n < 8<<20 {
		// Smaller, it could sit whole in the socket buffers (4 MiB at most
		// for sending here, 128 KiB to receive from an idle reader), the
		// handler done before Close: the test would prove nothing.
		t.Fatalf("the export is %d bytes: too small to keep its handler in flight", n)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	// Second start: reuses the database, does not fill it again.
	m2, logs2 := MustRunMain(t, dbPath)
	defer m2.Close()
	if strings.Contains(logs2.String(), "filled with the bundled data") {
		t.Fatalf("second start filled the database again:\n%s", logs2)
	}
	getJSON(t, "http://"+m2.Addr()+"/api/collections/actors/items?kind=commune&limit=1", &fc)
	if fc.NumberMatched != 34969 {
		t.Fatalf("after restart, communes = %d", fc.NumberMatched)
	}
}

func TestMain_ParseFlags(t *testing.T) {
	m := NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-addr", ":9999", "-db", "x.db", "-base-url", "https://v.example"}); err != nil {
		t.Fatal(err)
	}
	if m.Config.Addr != ":9999" || m.Config.DBPath != "x.db" || m.Config.BaseURL != "https://v.example" {
		t.Fatalf("config = %+v", m.Config)
	}
	if err := m.ParseFlags([]string{"-nope"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if err := NewMain().ParseFlags([]string{"extra"}); err == nil {
		t.Fatal("stray argument accepted")
	}
}

// A change written to the database by another process reaches the running
// server's answers without a restart.
func TestMain_FollowsOtherWriters(t *testing.T) {
	dbPath := directorytest.SeededPath(t)
	m, logs := MustRunMain(t, dbPath)
	defer m.Close()
	base := "http://" + m.Addr()

	ctx := t.Context()
	db, err := directory.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := directory.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := other.CreateUser(ctx, directory.Registration{Email: "mod@follow.test", DisplayName: "Mod",
		Password: "correct horse battery"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88160",
		Action: "update", BaseVersion: 1, Changes: map[string]json.RawMessage{"phone": json.RawMessage(`"03 29 68 50 00"`)}}); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Properties struct {
			Phone   string `json:"phone"`
			Version int    `json:"version"`
		} `json:"properties"`
	}
	// The server polls every second; the deadline only bounds a failure.
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, base+"/api/collections/actors/items/commune-88160", &f)
		if f.Properties.Phone == "03 29 68 50 00" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never saw the change written by another process: %+v\n%s", f, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if f.Properties.Version != 2 {
		t.Fatalf("version = %d, want 2", f.Properties.Version)
	}
}
