package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the flusher and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogWriter checks that lines written at once by many goroutines all
// come out whole, that a line is out within the flush interval, and that
// Close writes what is left.
func TestLogWriter(t *testing.T) {
	out := &lockedBuffer{}
	l := newLogWriter(out, 20*time.Millisecond)
	l.Write([]byte("first\n"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "first\n") {
		if time.Now().After(deadline) {
			t.Fatal("a line was never flushed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var wg sync.WaitGroup
	long := strings.Repeat("x", 3000) // lines that straddle the 64 KiB buffer
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				fmt.Fprintf(l, "g%d i%d %s end\n", g, i, long)
			}
		}()
	}
	wg.Wait()
	l.Write([]byte("last\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Close() // twice is harmless
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2+8*500 || lines[len(lines)-1] != "last" {
		t.Fatalf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	seen := map[string]bool{}
	for _, line := range lines[1 : len(lines)-1] {
		var g, i int
		var body, end string
		if n, _ := fmt.Sscanf(line, "g%d i%d %s %s", &g, &i, &body, &end); n != 4 || body != long || end != "end" {
			t.Fatalf("a line was cut or mixed: %.60q…", line)
		}
		key := fmt.Sprintf("g%d i%d", g, i)
		if seen[key] {
			t.Fatalf("line %q written twice", key)
		}
		seen[key] = true
	}
	if len(seen) != 8*500 {
		t.Fatalf("%d distinct lines, want %d", len(seen), 8*500)
	}
}
