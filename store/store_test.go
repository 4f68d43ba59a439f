package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/numerek/numerek/queue"
)

// The store is the queue engine's journal.
var _ interface {
	Append(ctx context.Context, events []queue.Event) error
} = (*DB)(nil)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "numerek.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var warsaw = time.FixedZone("CEST", 2*60*60)

// ev returns a fully populated event of loc with sequence number seq.
func ev(loc string, seq uint64) queue.Event {
	return queue.Event{
		ID:             queue.EventID(loc, seq),
		Seq:            seq,
		Location:       loc,
		Time:           time.Date(2026, 5, 4, 9, 30, 15, 123456789, warsaw).Add(time.Duration(seq) * time.Second),
		Type:           queue.Called,
		Day:            "2026-05-04",
		Ticket:         queue.TicketID(loc, "2026-05-04", fmt.Sprintf("A%03d", seq)),
		Number:         fmt.Sprintf("A%03d", seq),
		Service:        "A",
		From:           "B",
		Kind:           queue.Booked,
		Key:            time.Date(2026, 5, 4, 9, 0, 0, 0, warsaw),
		Counter:        3,
		Clerk:          "anna",
		Attempt:        2,
		Reason:         queue.CallAfterNoShow,
		Booking:        "BK-7QX2",
		Token:          "tok-secret",
		IdempotencyKey: "idem-1",
	}
}

// diffEvent says how got differs from want, "" if it does not. Times are
// compared as instants with the same UTC offset (the decoded zone is a
// fixed zone, and the monotonic reading is never stored).
func diffEvent(got, want queue.Event) string {
	for _, p := range []struct {
		name      string
		got, want time.Time
	}{{"Time", got.Time, want.Time}, {"Key", got.Key, want.Key}} {
		_, goff := p.got.Zone()
		_, woff := p.want.Zone()
		if !p.got.Equal(p.want) || goff != woff {
			return fmt.Sprintf("%s: got %v, want %v", p.name, p.got, p.want)
		}
	}
	got.Time, want.Time, got.Key, want.Key = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func readAll(t *testing.T, db *DB, loc string, after uint64) []queue.Event {
	t.Helper()
	var got []queue.Event
	if err := db.Events(loc, after, func(e queue.Event) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatalf("Events(%q, %d): %v", loc, after, err)
	}
	return got
}

func checkEvents(t *testing.T, got, want []queue.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if d := diffEvent(got[i], want[i]); d != "" {
			t.Errorf("event %d: %s", i, d)
		}
	}
}

func TestAppendReadBack(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()

	now := ev("um-centrum", 1)
	now.Time = time.Now() // has a monotonic reading, which must not matter
	if err := db.Append(ctx, []queue.Event{now, ev("um-centrum", 2)}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := db.Append(ctx, []queue.Event{ev("um-centrum", 3), ev("filia-nowa-huta", 1), ev("um-centrum", 4)}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := db.Append(ctx, nil); err != nil {
		t.Fatalf("Append(nil): got %v, want nil", err)
	}

	centrum := []queue.Event{now, ev("um-centrum", 2), ev("um-centrum", 3), ev("um-centrum", 4)}
	tests := []struct {
		name  string
		loc   string
		after uint64
		want  []queue.Event
	}{
		{"all of one location", "um-centrum", 0, centrum},
		{"after a seq", "um-centrum", 2, centrum[2:]},
		{"after the last", "um-centrum", 4, nil},
		{"other location", "filia-nowa-huta", 0, []queue.Event{ev("filia-nowa-huta", 1)}},
		{"unknown location", "nowhere", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkEvents(t, readAll(t, db, tt.loc, tt.after), tt.want)
		})
	}

	t.Run("monotonic stripped", func(t *testing.T) {
		got := readAll(t, db, "um-centrum", 0)[0].Time
		if want := now.Time.Round(0); !got.Equal(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if s := got.String(); strings.Contains(s, "m=") {
			t.Errorf("got %q, want no monotonic reading", s)
		}
	})

	seqs := []struct {
		loc  string
		want uint64
	}{{"um-centrum", 4}, {"filia-nowa-huta", 1}, {"nowhere", 0}}
	for _, tt := range seqs {
		got, err := db.LastSeq(tt.loc)
		if err != nil || got != tt.want {
			t.Errorf("LastSeq(%q): got %d, %v, want %d, nil", tt.loc, got, err, tt.want)
		}
	}

	if err := db.SaveSnapshot("snap-only", 1, []byte("x")); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	locs, err := db.Locations()
	if want := []string{"filia-nowa-huta", "snap-only", "um-centrum"}; err != nil || !slices.Equal(locs, want) {
		t.Errorf("Locations: got %q, %v, want %q, nil", locs, err, want)
	}
}

func TestEventsStop(t *testing.T) {
	db := openTemp(t)
	for i := uint64(1); i <= 3; i++ {
		if err := db.Append(context.Background(), []queue.Event{ev("a", i)}); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	stop := errors.New("stop")
	var n int
	err := db.Events("a", 0, func(queue.Event) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("got %v after %d calls, want %v after 2", err, n, stop)
	}
}

func TestEventsManyChunks(t *testing.T) {
	db := openTemp(t)
	const total = 2*eventsPerRead + 7
	batch := make([]queue.Event, 0, total)
	for i := uint64(1); i <= total; i++ {
		batch = append(batch, ev("a", i))
	}
	if err := db.Append(context.Background(), batch); err != nil {
		t.Fatalf("Append: %v", err)
	}
	var want uint64 = 11
	err := db.Events("a", 10, func(e queue.Event) error {
		if e.Seq != want {
			return fmt.Errorf("got seq %d, want %d", e.Seq, want)
		}
		// fn runs outside any transaction, so it may write.
		if e.Seq == eventsPerRead {
			if err := db.PutSession("s", nil, time.Now().Add(time.Hour)); err != nil {
				return err
			}
		}
		want++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want != total+1 {
		t.Errorf("got last seq %d, want %d", want-1, total)
	}
}

func TestAppendRefused(t *testing.T) {
	tests := []struct {
		name  string
		batch []queue.Event
	}{
		{"gap", []queue.Event{ev("a", 4)}},
		{"gap on a new location", []queue.Event{ev("b", 2)}},
		{"duplicate of stored", []queue.Event{ev("a", 2)}},
		{"seq zero", []queue.Event{ev("b", 0)}},
		{"duplicate in batch", []queue.Event{ev("a", 3), ev("a", 3)}},
		{"gap in batch after good ones", []queue.Event{ev("a", 3), ev("b", 1), ev("a", 5)}},
		{"empty location", []queue.Event{ev("a", 3), ev("", 1)}},
		{"going back", []queue.Event{ev("a", 3), ev("a", 4), ev("a", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			stored := []queue.Event{ev("a", 1), ev("a", 2)}
			if err := db.Append(context.Background(), stored); err != nil {
				t.Fatalf("Append: %v", err)
			}
			err := db.Append(context.Background(), tt.batch)
			if err == nil {
				t.Fatalf("got nil error, want refusal")
			}
			if !strings.HasPrefix(err.Error(), "store: append: ") {
				t.Errorf("got error %q, want it to start with %q", err, "store: append: ")
			}
			checkEvents(t, readAll(t, db, "a", 0), stored)
			if got := readAll(t, db, "b", 0); len(got) != 0 {
				t.Errorf("location b: got %d events, want 0", len(got))
			}
			if got, _ := db.LastSeq("a"); got != 2 {
				t.Errorf("LastSeq: got %d, want 2", got)
			}
		})
	}
}

func TestAppendContextDone(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Append(ctx, []queue.Event{ev("a", 1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want %v", err, context.Canceled)
	}
	if got := readAll(t, db, "a", 0); len(got) != 0 {
		t.Errorf("got %d events, want 0", len(got))
	}
	if locs, _ := db.Locations(); len(locs) != 0 {
		t.Errorf("Locations: got %q, want none", locs)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numerek.db")
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := db.Path(); got != path {
		t.Errorf("Path: got %q, want %q", got, path)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Errorf("Stat: %v", err)
	} else if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode: got %v, want %v", got, os.FileMode(0o600))
	}
	events := []queue.Event{ev("a", 1), ev("a", 2), ev("b", 1)}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []error{
		db.Append(context.Background(), events),
		db.SaveSnapshot("a", 2, []byte("state-a")),
		db.PutSession("s1", []byte(`{"clerk":"anna"}`), exp),
		db.PutPersonal("BK-1", []byte(`{"name":"Jan"}`), exp),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	// A second open of the same file, as another process would do it. It
	// must give up after the lock timeout: were it to hang, go test's own
	// timeout would fail the test (no wall-clock assertion here).
	second, err := Open(path)
	if err == nil {
		second.Close()
		t.Fatal("second Open: got nil error, want locked")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second Open: got %v, want %v", err, ErrLocked)
	}

	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()

	checkEvents(t, readAll(t, db, "a", 0), events[:2])
	checkEvents(t, readAll(t, db, "b", 0), events[2:])
	if seq, data, err := db.LatestSnapshot("a"); seq != 2 || string(data) != "state-a" || err != nil {
		t.Errorf("LatestSnapshot: got %d, %q, %v, want 2, %q, nil", seq, data, err, "state-a")
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if data, ok, err := db.Session("s1", now); !ok || string(data) != `{"clerk":"anna"}` || err != nil {
		t.Errorf("Session: got %q, %v, %v, want %q, true, nil", data, ok, err, `{"clerk":"anna"}`)
	}
	if data, ok, err := db.Personal("BK-1"); !ok || string(data) != `{"name":"Jan"}` || err != nil {
		t.Errorf("Personal: got %q, %v, %v, want %q, true, nil", data, ok, err, `{"name":"Jan"}`)
	}
	// The log continues where it stopped.
	if err := db.Append(context.Background(), []queue.Event{ev("a", 3)}); err != nil {
		t.Errorf("Append after reopen: %v", err)
	}
}

func TestSnapshots(t *testing.T) {
	tests := []struct {
		name     string
		saves    []uint64 // seqs saved, in order
		wantSeq  uint64
		wantKept []uint64
	}{
		{"none", nil, 0, nil},
		{"one", []uint64{5}, 5, []uint64{5}},
		{"keeps latest three", []uint64{1, 2, 3, 4, 5}, 5, []uint64{3, 4, 5}},
		{"older one saved late is dropped", []uint64{10, 20, 30, 5}, 30, []uint64{10, 20, 30}},
		{"same seq replaced", []uint64{1, 2, 2}, 2, []uint64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			for _, s := range tt.saves {
				if err := db.SaveSnapshot("a", s, fmt.Appendf(nil, "state@%d", s)); err != nil {
					t.Fatalf("SaveSnapshot(%d): %v", s, err)
				}
			}
			seq, data, err := db.LatestSnapshot("a")
			if err != nil {
				t.Fatalf("LatestSnapshot: %v", err)
			}
			var wantData []byte
			if tt.wantSeq != 0 {
				wantData = fmt.Appendf(nil, "state@%d", tt.wantSeq)
			}
			if seq != tt.wantSeq || !bytes.Equal(data, wantData) || (wantData == nil) != (data == nil) {
				t.Errorf("LatestSnapshot: got %d, %q, want %d, %q", seq, data, tt.wantSeq, wantData)
			}
			if got := snapshotSeqs(t, db, "a"); !slices.Equal(got, tt.wantKept) {
				t.Errorf("kept: got %v, want %v", got, tt.wantKept)
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		db := openTemp(t)
		if err := db.SaveSnapshot("", 1, nil); err == nil {
			t.Error("empty location: got nil error, want one")
		}
		if err := db.SaveSnapshot("a", 0, nil); err == nil {
			t.Error("seq 0: got nil error, want one")
		}
	})
}

func snapshotSeqs(t *testing.T, db *DB, loc string) []uint64 {
	t.Helper()
	var seqs []uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshots).Bucket([]byte(loc))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

func TestSessions(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		expires time.Time
		at      time.Time
		wantOK  bool
	}{
		{"valid", t0.Add(8 * time.Hour), t0.Add(time.Hour), true},
		{"a microsecond before expiry", t0.Add(time.Hour), t0.Add(time.Hour - time.Microsecond), true},
		{"at expiry", t0.Add(time.Hour), t0.Add(time.Hour), false},
		{"after expiry", t0.Add(time.Hour), t0.Add(2 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			if err := db.PutSession("s", []byte(`{"clerk":"anna"}`), tt.expires); err != nil {
				t.Fatalf("PutSession: %v", err)
			}
			data, ok, err := db.Session("s", tt.at)
			if err != nil || ok != tt.wantOK {
				t.Fatalf("Session: got %v, %v, want %v, nil", ok, err, tt.wantOK)
			}
			if ok && string(data) != `{"clerk":"anna"}` {
				t.Errorf("Session data: got %q, want %q", data, `{"clerk":"anna"}`)
			}
			if !tt.wantOK {
				// An expired session is gone, even when asked about earlier.
				if _, ok, _ := db.Session("s", t0); ok {
					t.Error("expired session: got it again, want it deleted")
				}
			}
		})
	}

	t.Run("missing, delete and purge", func(t *testing.T) {
		db := openTemp(t)
		if _, ok, err := db.Session("nope", t0); ok || err != nil {
			t.Errorf("missing: got %v, %v, want false, nil", ok, err)
		}
		for i, h := range []int{1, 2, 3, 10} {
			if err := db.PutSession(fmt.Sprint("s", i), nil, t0.Add(time.Duration(h)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.DeleteSession("s3"); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		if err := db.DeleteSession("s3"); err != nil {
			t.Errorf("DeleteSession twice: got %v, want nil", err)
		}
		if _, ok, _ := db.Session("s3", t0); ok {
			t.Error("deleted session: got found, want gone")
		}
		n, err := db.PurgeSessions(t0.Add(2 * time.Hour))
		if n != 2 || err != nil {
			t.Errorf("PurgeSessions: got %d, %v, want 2, nil", n, err)
		}
		for _, tt := range []struct {
			id     string
			wantOK bool
		}{{"s0", false}, {"s1", false}, {"s2", true}, {"s3", false}} {
			if _, ok, err := db.Session(tt.id, t0); ok != tt.wantOK || err != nil {
				t.Errorf("Session(%q) after purge: got %v, %v, want %v, nil", tt.id, ok, err, tt.wantOK)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		db := openTemp(t)
		if err := db.PutSession("", nil, t0); err == nil {
			t.Error("empty id: got nil error, want one")
		}
		if err := db.PutSession("s", nil, time.Time{}); err == nil {
			t.Error("zero expiry: got nil error, want one")
		}
	})
}

func TestPersonal(t *testing.T) {
	db := openTemp(t)
	t0 := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	records := []struct {
		ref        string
		purgeAfter time.Time
	}{
		{"BK-1", t0.AddDate(0, 0, -1)},
		{"BK-2", t0},
		{"BK-3", t0.AddDate(0, 0, 30)},
	}
	for _, r := range records {
		if err := db.PutPersonal(r.ref, []byte("Jan Kowalski "+r.ref), r.purgeAfter); err != nil {
			t.Fatalf("PutPersonal(%q): %v", r.ref, err)
		}
	}
	// Until purged, data past its purge time is still there.
	if _, ok, err := db.Personal("BK-1"); !ok || err != nil {
		t.Errorf("Personal before purge: got %v, %v, want true, nil", ok, err)
	}
	n, err := db.PurgePersonal(t0)
	if n != 2 || err != nil {
		t.Errorf("PurgePersonal: got %d, %v, want 2, nil", n, err)
	}
	tests := []struct {
		ref    string
		wantOK bool
	}{{"BK-1", false}, {"BK-2", false}, {"BK-3", true}, {"BK-404", false}}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			data, ok, err := db.Personal(tt.ref)
			if ok != tt.wantOK || err != nil {
				t.Fatalf("got %v, %v, want %v, nil", ok, err, tt.wantOK)
			}
			if want := "Jan Kowalski " + tt.ref; ok && string(data) != want {
				t.Errorf("got %q, want %q", data, want)
			}
		})
	}
	if n, err := db.PurgePersonal(t0); n != 0 || err != nil {
		t.Errorf("second PurgePersonal: got %d, %v, want 0, nil", n, err)
	}
}

func TestPersonalPrefixAndDelete(t *testing.T) {
	db := openTemp(t)
	t0 := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	for _, ref := range []string{"eticket/b", "booking/x", "eticket/a", "eticketz"} {
		if err := db.PutPersonal(ref, []byte("data "+ref), t0); err != nil {
			t.Fatal(err)
		}
	}
	list := func() string {
		var got []string
		err := db.PersonalPrefix("eticket/", func(ref string, data []byte, purge time.Time) error {
			if string(data) != "data "+ref || !purge.Equal(t0) {
				t.Errorf("%s: got %q purged after %v", ref, data, purge)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.PersonalPrefix("eticket/", func(ref string, _ []byte, _ time.Time) error {
			got = append(got, ref)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, " ")
	}
	if got, want := list(), "eticket/a eticket/b"; got != want {
		t.Errorf("prefix: got %q, want %q", got, want)
	}
	if err := db.DeletePersonal("eticket/a"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePersonal("eticket/none"); err != nil {
		t.Errorf("deleting what is not there: %v", err)
	}
	if got, want := list(), "eticket/b"; got != want {
		t.Errorf("after delete: got %q, want %q", got, want)
	}
	stop := errors.New("stop")
	if err := db.PersonalPrefix("", func(string, []byte, time.Time) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error: got %v, want it returned", err)
	}
}

func TestBenchBareCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.db")
	lat, err := BenchBareCommit(path, 3)
	if err != nil || len(lat) != 3 {
		t.Fatalf("got %d latencies, %v, want 3, nil", len(lat), err)
	}
	if _, err := BenchBareCommit(path, 1); err == nil {
		t.Error("existing file: got nil error, want one")
	}
}
