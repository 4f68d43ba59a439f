package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/store"
)

// TestBackupWhileRunning takes backups of a running controller's database
// with -backup while tickets are being issued: each copy is fetched from
// the controller, opens, and holds a gap-free prefix of the log. Once the
// writers stop, a last copy restored in place of the database starts a
// controller with the same state.
func TestBackupWhileRunning(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "numerek.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := NewMain()
	var stderr bytes.Buffer
	m.Stdout, m.Stderr = &bytes.Buffer{}, &stderr
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"-config", testConfig, "-db", db, "-listen", "127.0.0.1:0"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("main ended before serving: %v\n%s", err, stderr.String())
	}
	base := "http://" + addr

	var issued atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if status, _ := post(t, base+"/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", fmt.Sprintf("w%d-%d", w, i)); status == 201 {
					issued.Add(1)
				}
			}
		})
	}
	backup := func(name string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		var out bytes.Buffer
		b := NewMain()
		b.Stdout, b.Stderr = &out, &out
		if err := b.Run(context.Background(), []string{"-config", testConfig, "-db", db, "-listen", addr, "-backup", path}); err != nil {
			t.Fatalf("-backup: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "fetched from the running controller") {
			t.Fatalf("-backup did not fetch from the running controller:\n%s", out.String())
		}
		return path
	}
	for i := range 3 {
		waitFor(t, "tickets issued", func() bool { return issued.Load() > int64(20*(i+1)) })
		checkPrefix(t, backup(fmt.Sprintf("copy-%d.db", i)))
	}
	close(stop)
	wg.Wait()
	last := backup("last.db")
	want := events(t, last)
	if n := countIssued(want); n != int(issued.Load()) {
		t.Fatalf("the last copy has %d tickets, want the %d issued", n, issued.Load())
	}

	// A restore: the copy in place of the database.
	if status, _ := post(t, base+"/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "after-the-backup"); status != 201 {
		t.Fatal(status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("main: %v\n%s", err, stderr.String())
	}
	var out bytes.Buffer
	r := NewMain()
	r.Stdout, r.Stderr = &out, &out
	if err := r.Run(context.Background(), []string{"-config", testConfig, "-db", last, "-backup", db + ".restored"}); err != nil {
		t.Fatalf("-backup of a stopped file: %v\n%s", err, out.String())
	}
	if got := events(t, db+".restored"); len(got) != len(want) {
		t.Fatalf("restored: %d events, want %d", len(got), len(want))
	}
}

// events reads every event of centrum from the database at path.
func events(t *testing.T, path string) []queue.Event {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var evs []queue.Event
	if err := db.Events("centrum", 0, func(ev queue.Event) error { evs = append(evs, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

// checkPrefix checks that the copy's log has no gaps.
func checkPrefix(t *testing.T, path string) {
	t.Helper()
	for i, ev := range events(t, path) {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("%s: event %d has seq %d: a gap", path, i+1, ev.Seq)
		}
	}
}

func countIssued(evs []queue.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == queue.TicketIssued {
			n++
		}
	}
	return n
}
