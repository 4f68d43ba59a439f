package store

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/numerek/numerek/queue"
)

// dump is every key and value of every bucket of db, nested buckets as
// "outer/inner/key": what a copy must equal, byte for byte.
func dump(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			name := prefix + "/" + string(k)
			if v == nil {
				return walk(name, b.Bucket(k))
			}
			out[name] = string(v) // string() copies
			return nil
		})
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name), b) })
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return out
}

func checkSameDump(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: missing from the copy", k)
		} else if g != want[k] {
			t.Errorf("%s: got %q, want %q", k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: in the copy, not in the original", k)
		}
	}
}

func openFile(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writer appends events to the locations "a" and "b" until stopped, both
// of each step in ONE Append (so a consistent copy has as many of one as
// of the other), with a snapshot and personal data now and then.
type writer struct {
	db   *DB
	stop chan struct{}
	done chan error

	mu    sync.Mutex
	steps int
	moved *sync.Cond
}

func startWriter(db *DB) *writer {
	w := &writer{db: db, stop: make(chan struct{}), done: make(chan error, 1)}
	w.moved = sync.NewCond(&w.mu)
	go func() { w.done <- w.run() }()
	return w
}

func (w *writer) run() error {
	purge := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for seq := uint64(1); ; seq++ {
		select {
		case <-w.stop:
			return nil
		default:
		}
		if err := w.db.Append(context.Background(), []queue.Event{ev("a", seq), ev("b", seq)}); err != nil {
			return err
		}
		if seq%10 == 0 {
			if err := w.db.SaveSnapshot("a", seq, fmt.Appendf(nil, "state of a at %d", seq)); err != nil {
				return err
			}
		}
		if seq%7 == 0 {
			if err := w.db.PutPersonal(fmt.Sprintf("BK-%d", seq), fmt.Appendf(nil, `{"name":"Jan %d"}`, seq), purge); err != nil {
				return err
			}
		}
		w.mu.Lock()
		w.steps = int(seq)
		w.moved.Broadcast()
		w.mu.Unlock()
	}
}

// waitPast waits until the writer has finished more than n steps and
// returns how many it has.
func (w *writer) waitPast(n int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.steps <= n {
		w.moved.Wait()
	}
	return w.steps
}

// pausingWriter keeps a backup's bytes; its first Write waits (within a
// bound, so that a mistake fails rather than hangs) for the writer to
// commit, inside the backup's read transaction. The writer counts a step
// after its commit, so when the first Write sees n steps, step n+1 may
// already be in the copy, but step n+2 begins only later: the wait is for
// it, and the copy must not have it.
type pausingWriter struct {
	w          *writer
	buf        bytes.Buffer
	before     int  // the writer's steps at the first Write
	overlapped bool // the writer committed step before+2 during the backup
}

func (p *pausingWriter) Write(b []byte) (int, error) {
	if p.buf.Len() == 0 {
		p.w.mu.Lock()
		p.before = p.w.steps
		p.w.mu.Unlock()
		moved := make(chan struct{})
		go func() { p.w.waitPast(p.before + 1); close(moved) }()
		select {
		case <-moved:
			p.overlapped = true
		case <-time.After(10 * time.Second):
		}
	}
	return p.buf.Write(b)
}

// checkPrefix checks that the events of loc in cp are 1…n without a gap,
// each equal to the live log's, and returns n.
func checkPrefix(t *testing.T, cp *DB, loc string, live []queue.Event) int {
	t.Helper()
	got := readAll(t, cp, loc, 0)
	if len(got) > len(live) {
		t.Fatalf("location %s: the copy has %d events, the live log only %d", loc, len(got), len(live))
	}
	for i, e := range got {
		if e.Seq != uint64(i+1) {
			t.Fatalf("location %s: event %d has seq %d, want %d (a gap)", loc, i, e.Seq, i+1)
		}
		if d := diffEvent(e, live[i]); d != "" {
			t.Fatalf("location %s, seq %d: %s", loc, e.Seq, d)
		}
	}
	return len(got)
}

// TestBackupWhileWriting takes copies while a goroutine appends events as
// fast as it can: each copy opens, holds a gap-free prefix of the live log
// and never half of one Append; a copy taken after the writer stopped
// equals the live file in every bucket.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := openFile(t, filepath.Join(dir, "live.db"))
	// Room in the file's memory map for the writes to come: a commit that
	// must grow the map waits for open read transactions, and so for the
	// overlapping copy below, which waits for a commit.
	filler := make([]queue.Event, 400)
	for i := range filler {
		filler[i] = ev("filler", uint64(i+1))
	}
	if err := db.Append(context.Background(), filler); err != nil {
		t.Fatal(err)
	}
	w := startWriter(db)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			close(w.stop)
			if err := <-w.done; err != nil {
				t.Fatalf("writer: %v", err)
			}
		}
	}
	defer stop()

	const copies = 6
	var (
		paths      []string
		overlapped = map[int]int{} // copy → the writer's steps when it began
	)
	seen := 0
	for i := range copies {
		seen = w.waitPast(seen + 3) // each copy while the log has grown
		p := filepath.Join(dir, fmt.Sprintf("copy-%d.db", i))
		switch i % 3 {
		case 0:
			if err := db.BackupFile(p); err != nil {
				t.Fatalf("BackupFile %d: %v", i, err)
			}
		case 1:
			var buf bytes.Buffer
			n, err := db.Backup(&buf)
			if err != nil {
				t.Fatalf("Backup %d: %v", i, err)
			}
			if n != int64(buf.Len()) {
				t.Errorf("Backup %d: says %d bytes, wrote %d", i, n, buf.Len())
			}
			if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
		case 2:
			// A copy that certainly overlaps a commit: its first write
			// waits until the writer has committed once more.
			pw := &pausingWriter{w: w}
			if _, err := db.Backup(pw); err != nil {
				t.Fatalf("Backup %d: %v", i, err)
			}
			if !pw.overlapped {
				t.Fatalf("Backup %d: the writer committed nothing during the backup", i)
			}
			if err := os.WriteFile(p, pw.buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			overlapped[i] = pw.before
		}
		paths = append(paths, p)
	}
	w.waitPast(seen) // the writer goes on after the last copy
	stop()

	live := map[string][]queue.Event{"a": readAll(t, db, "a", 0), "b": readAll(t, db, "b", 0)}
	prev := 0
	var counts []int
	for i, p := range paths {
		cp := openFile(t, p)
		na, nb := checkPrefix(t, cp, "a", live["a"]), checkPrefix(t, cp, "b", live["b"])
		if na != nb {
			t.Errorf("copy %d: %d events of a, %d of b: half of an Append", i, na, nb)
		}
		if na < prev {
			t.Errorf("copy %d: %d events, fewer than the copy before (%d)", i, na, prev)
		}
		prev = na
		counts = append(counts, na)
		t.Logf("copy %d: %d events of each location", i, na)
		cp.Close()
	}
	for i, before := range overlapped {
		if counts[i] > before+1 {
			t.Errorf("copy %d: %d events, want at most %d: it has a step committed during the backup", i, counts[i], before+1)
		}
	}
	if prev >= len(live["a"]) {
		t.Errorf("the last copy during the writes has all %d events: nothing was written during the backups?", prev)
	}

	t.Logf("live log: %d events of each location", len(live["a"]))
	final := filepath.Join(dir, "final.db")
	if err := db.BackupFile(final); err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	want := dump(t, db)
	cp := openFile(t, final)
	checkSameDump(t, dump(t, cp), want)
	for _, loc := range []string{"a", "b"} {
		checkEvents(t, readAll(t, cp, loc, 0), live[loc])
	}
	if seq, data, err := cp.LatestSnapshot("a"); err != nil || data == nil {
		t.Errorf("LatestSnapshot of the copy: got %d, %q, %v, want a snapshot", seq, data, err)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if ref, ok := strings.CutPrefix(k, "personal/"); ok {
			got, found, err := cp.Personal(ref)
			wantData, _, _ := db.Personal(ref)
			if err != nil || !found || !bytes.Equal(got, wantData) {
				t.Errorf("Personal(%s) of the copy: got %q, %t, %v, want %q", ref, got, found, err, wantData)
			}
		}
	}
}

// TestRestore follows docs/operations.md: back up, write on, stop, put the
// copy in the database's place, start. The restored database is the one
// backed up, in every bucket.
func TestRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "numerek.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for i, err := range []error{
		db.Append(ctx, []queue.Event{ev("centrum", 1), ev("centrum", 2), ev("plaza", 1)}),
		db.SaveSnapshot("centrum", 2, []byte("state-centrum")),
		db.PutSession("s1", []byte(`{"clerk":"anna"}`), exp),
		db.PutPersonal("BK-1", []byte(`{"name":"Jan","phone":"+48600100200"}`), exp),
	} {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	backup := filepath.Join(dir, "backup", "numerek-2026-05-04.db")
	if err := os.Mkdir(filepath.Dir(backup), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := db.BackupFile(backup); err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	want := dump(t, db)
	wantEvents := map[string][]queue.Event{"centrum": readAll(t, db, "centrum", 0), "plaza": readAll(t, db, "plaza", 0)}
	// Work goes on after the backup; a restore loses it.
	if err := db.Append(ctx, []queue.Event{ev("centrum", 3)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePersonal("BK-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // systemctl stop
		t.Fatal(err)
	}
	data, err := os.ReadFile(backup) // cp backup numerek.db
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := openFile(t, path) // systemctl start
	checkSameDump(t, dump(t, restored), want)
	for loc, events := range wantEvents {
		checkEvents(t, readAll(t, restored, loc, 0), events)
	}
	if got, ok, err := restored.Personal("BK-1"); err != nil || !ok {
		t.Errorf("Personal(BK-1) after the restore: got %q, %t, %v, want the backed-up record", got, ok, err)
	}
	// The log goes on from the backup.
	if err := restored.Append(ctx, []queue.Event{ev("centrum", 3)}); err != nil {
		t.Errorf("Append after the restore: %v", err)
	}
}

func TestBackupFile(t *testing.T) {
	tests := []struct {
		name    string
		path    func(dir, live string) string
		before  func(t *testing.T, path string) // sets the scene
		wantErr string                          // "" for success
	}{
		{"new file", func(dir, _ string) string { return filepath.Join(dir, "copy.db") }, nil, ""},
		{"replaces an older copy", func(dir, _ string) string { return filepath.Join(dir, "copy.db") },
			func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte("an old copy"), 0o644); err != nil {
					t.Fatal(err)
				}
			}, ""},
		{"over a temporary file left by a failed backup", func(dir, _ string) string { return filepath.Join(dir, "copy.db") },
			func(t *testing.T, path string) {
				if err := os.WriteFile(path+".tmp", []byte("half a copy"), 0o644); err != nil {
					t.Fatal(err)
				}
			}, ""},
		{"the database itself", func(_, live string) string { return live }, nil, "the database itself"},
		{"the database by another name", func(dir, _ string) string { return filepath.Join(dir, ".", "live.db") }, nil, "the database itself"},
		{"no such directory", func(dir, _ string) string { return filepath.Join(dir, "missing", "copy.db") }, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			live := filepath.Join(dir, "live.db")
			db := openFile(t, live)
			if err := db.Append(context.Background(), []queue.Event{ev("a", 1)}); err != nil {
				t.Fatal(err)
			}
			path := tt.path(dir, live)
			if tt.before != nil {
				tt.before(t, path)
			}
			err := db.BackupFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
				}
				if _, err := os.Stat(path + ".tmp"); err == nil {
					t.Error("a failed backup left its temporary file")
				}
				checkEvents(t, readAll(t, db, "a", 0), []queue.Event{ev("a", 1)})
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("mode: got %v, want %v (personal data)", got, os.FileMode(0o600))
			}
			if _, err := os.Stat(path + ".tmp"); err == nil {
				t.Error("the temporary file is still there")
			}
			cp := openFile(t, path)
			checkEvents(t, readAll(t, cp, "a", 0), []queue.Event{ev("a", 1)})
		})
	}
}

// TestOpenReadOnly checks a copy without changing it, and refuses a file
// that is not a numerek database.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	db := openFile(t, filepath.Join(dir, "live.db"))
	if err := db.Append(context.Background(), []queue.Event{ev("a", 1), ev("a", 2)}); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.db")
	if err := db.BackupFile(cp); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(cp)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := Open(cp, ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := ro.LastSeq("a"); err != nil || seq != 2 {
		t.Fatalf("the copy's last event: %d, %v; want 2", seq, err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(cp); !bytes.Equal(before, after) {
		t.Fatalf("reading the copy changed it: %d bytes before, %d after", len(before), len(after))
	}
	other := filepath.Join(dir, "other.db")
	if err := os.WriteFile(other, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(other, ReadOnly()); err == nil {
		t.Fatalf("a file that is no database opened")
	}
}
