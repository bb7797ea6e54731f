package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// TestBackupRestore runs `voisinage backup` from another process while the
// server serves and writes, then `voisinage restore`: refused while the
// server runs, done once it is stopped, and the server restarted on the
// restored database serves the backup's content.
func TestBackupRestore(t *testing.T) {
	t.Parallel() // a server process of its own, on a database of its own
	skipShort(t, "runs the binary")
	dir := t.TempDir()
	dbPath := directorytest.SeededPath(t)
	backupPath := filepath.Join(dir, "backup.db")
	p := startServer(t, dbPath)
	// An account made from the command line while the server runs.
	if _, errOut, err := runBinary(t, []string{"VOISINAGE_PASSWORD=moderator passphrase"}, "user", "add", "-db", dbPath,
		"-email", "mod@backup.test", "-name", "Mod", "-role", "moderator"); err != nil {
		t.Fatalf("user add beside the server: %v\n%s", err, errOut)
	}
	mod := newAPIClient(p.base)
	mod.must(t, 200, "POST", "/api/login", map[string]string{"email": "mod@backup.test", "password": "moderator passphrase"}, nil)

	// A moderator edits while the backup runs.
	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	done := make(chan struct{})
	pool := targetPools(t, openReadOnly(t, dbPath), 1, 40)[0]
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			target := pool[i%len(pool)]
			var item itemAnswer
			if st, _, err := mod.do("GET", "/api/collections/actors/items/"+target, nil, &item); err != nil || st != 200 {
				continue
			}
			var pr proposalAnswer
			st, _, err := mod.do("POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": target, "action": "update",
				"base_version": item.Properties.Version, "changes": map[string]any{"phone": fmt.Sprintf("03 29 %02d %02d %02d", i/10000%100, i/100%100, i%100)}}, &pr)
			if err == nil && st == 201 && pr.Status == directory.ProposalApproved {
				mu.Lock()
				acked = append(acked, pr.ID)
				mu.Unlock()
			}
		}
	}()
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for ackedCount() < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if ackedCount() < n {
			t.Fatalf("only %d edits acknowledged, want %d:\n%s", ackedCount(), n, trimLogs(p.logs.String()))
		}
	}
	waitFor(10)
	before := ackedCount()
	out, errOut, err := runBinary(t, nil, "backup", "-db", dbPath, backupPath)
	after := ackedCount()
	waitFor(after + 3)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("backup during writes: %v\n%s", err, errOut)
	}
	t.Log(strings.TrimSpace(out))

	// The backup holds every edit acknowledged before it began, and no more
	// than those acknowledged by its end (plus the one in flight).
	info, err := directory.Inspect(context.Background(), backupPath)
	if err != nil {
		t.Fatal(err)
	}
	b := openReadOnly(t, backupPath)
	mu.Lock()
	for _, id := range acked[:before] {
		var status string
		if err := b.QueryRow(`SELECT status FROM proposals WHERE id = ?`, id).Scan(&status); err != nil || status != directory.ProposalApproved {
			t.Fatalf("proposal %d, acknowledged before the backup began, is %q in it (%v)", id, status, err)
		}
	}
	mu.Unlock()
	var approved int
	b.QueryRow(`SELECT COUNT(*) FROM proposals WHERE status = 'approved'`).Scan(&approved)
	if approved < before || approved > after+1 {
		t.Fatalf("the backup holds %d approved proposals; %d were acknowledged when it began, %d when it ended", approved, before, after)
	}

	// Restore refuses while the server runs on the database.
	_, errOut, err = runBinary(t, nil, "restore", "-db", dbPath, backupPath)
	if err == nil || !strings.Contains(errOut, "running") {
		t.Fatalf("restore under a running server: %v\n%s", err, errOut)
	}
	p.stop(t)
	out, errOut, err = runBinary(t, nil, "restore", "-db", dbPath, backupPath)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "kept as") {
		t.Fatalf("restore output: %s", out)
	}
	kept := strings.TrimSpace(out[strings.LastIndex(out, "kept as ")+len("kept as "):])
	if _, err := directory.Inspect(context.Background(), kept); err != nil {
		t.Fatalf("the database replaced by the restore, kept as %s: %v", kept, err)
	}

	// The server restarted on the restored database serves the backup.
	p = startServer(t, dbPath)
	defer p.stop(t)
	var ready struct {
		Seq    uint64
		Actors int
	}
	c := newAPIClient(p.base)
	c.must(t, 200, "GET", "/readyz", nil, &ready)
	if ready.Seq != info.Seq || ready.Actors != info.Actors {
		t.Fatalf("restored server: %+v; backup: %+v", ready, info)
	}
	// Sessions come back with the data: the moderator is still logged in.
	mod.base = p.base
	var pr proposalAnswer
	mod.must(t, 200, "GET", fmt.Sprintf("/api/proposals/%d", acked[0]), nil, &pr)
	if pr.Status != directory.ProposalApproved {
		t.Fatalf("proposal %d after restore: %+v", acked[0], pr)
	}

	// -force restores under a running server, with a warning to restart it.
	_, errOut, err = runBinary(t, nil, "restore", "-force", "-db", dbPath, backupPath)
	if err != nil || !strings.Contains(errOut, "restart") {
		t.Fatalf("restore -force: %v\n%s", err, errOut)
	}
}
