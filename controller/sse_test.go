package controller

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

const hubTestLoc = "ratusz"

// hubTestEvent is event seq of hubTestLoc, with secrets that must never be streamed.
func hubTestEvent(seq uint64) queue.Event {
	return queue.Event{
		ID:             queue.EventID(hubTestLoc, seq),
		Seq:            seq,
		Location:       hubTestLoc,
		Time:           time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Second),
		Type:           queue.Called,
		Ticket:         queue.TicketID(hubTestLoc, "2026-03-02", fmt.Sprintf("A%03d", seq)),
		Number:         fmt.Sprintf("A%03d", seq),
		Service:        "A",
		Counter:        3,
		Clerk:          "clerk-secret",
		Booking:        "booking-secret",
		Token:          "token-secret",
		IdempotencyKey: "idem-secret",
	}
}

func hubTestEvents(from, to uint64) []queue.Event {
	var evs []queue.Event
	for seq := from; seq <= to; seq++ {
		evs = append(evs, hubTestEvent(seq))
	}
	return evs
}

func hubTestLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// hubFixture is a hub served by an httptest server at /events.
type hubFixture struct {
	hub      *Hub
	srv      *httptest.Server
	snap     atomic.Pointer[func() (queue.View, error)]
	entered  chan struct{} // one value as each Serve starts
	returned chan struct{} // one value as each Serve returns
}

func newHubFixture(t *testing.T, o HubOptions) *hubFixture {
	t.Helper()
	if o.Logger == nil {
		o.Logger = hubTestLogger()
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = time.Hour // tests that want pings set their own
	}
	f := &hubFixture{
		hub:      NewHub(o),
		entered:  make(chan struct{}, 1000),
		returned: make(chan struct{}, 1000),
	}
	f.setSnapshot(func() (queue.View, error) { return queue.View{Location: hubTestLoc}, nil })
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.entered <- struct{}{}
		loc := r.URL.Query().Get("loc")
		if loc == "" {
			loc = hubTestLoc
		}
		f.hub.Serve(w, r, loc, *f.snap.Load())
		f.returned <- struct{}{}
	}))
	t.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

func (f *hubFixture) setSnapshot(fn func() (queue.View, error)) { f.snap.Store(&fn) }

// snapshotAt makes the snapshot report seq.
func (f *hubFixture) snapshotAt(seq uint64) {
	f.setSnapshot(func() (queue.View, error) { return queue.View{Location: hubTestLoc, Seq: seq}, nil })
}

// sseFrame is one parsed frame of a stream.
type sseFrame struct {
	event, id, data, retry, comment string
}

// String is "<event>:<id>", the form the tests compare.
func (f sseFrame) String() string { return f.event + ":" + f.id }

type sseStream struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// connect opens a stream; lastID, when not empty, is sent as Last-Event-ID.
func (f *hubFixture) connect(t testing.TB, query, lastID string) *sseStream {
	t.Helper()
	s, err := f.dial(query, lastID)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(s.close)
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", s.resp.StatusCode)
	}
	return s
}

func (f *hubFixture) dial(query, lastID string) (*sseStream, error) {
	// A safety net against a hanging test, not a measurement.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/events"+query, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	return &sseStream{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}, nil
}

func (s *sseStream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next frame, comments and retry frames included.
func (s *sseStream) next() (sseFrame, error) {
	var f sseFrame
	seen := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return f, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if seen {
				return f, nil
			}
			continue
		}
		seen = true
		if c, ok := strings.CutPrefix(line, ":"); ok {
			f.comment = strings.TrimSpace(c)
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			f.event = value
		case "id":
			f.id = value
		case "data":
			if f.data != "" {
				f.data += "\n"
			}
			f.data += value
		case "retry":
			f.retry = value
		}
	}
}

// nextEvent returns the next frame that carries data.
func (s *sseStream) nextEvent() (sseFrame, error) {
	for {
		f, err := s.next()
		if err != nil || f.data != "" {
			return f, err
		}
	}
}

// start reads the retry frame every stream begins with. Once it is read, the
// stream is registered with the hub.
func (s *sseStream) start(t testing.TB) {
	t.Helper()
	f, err := s.next()
	if err != nil {
		t.Fatalf("read retry frame: %v", err)
	}
	if f.retry != "2000" {
		t.Fatalf("got first frame %+v, want retry: 2000", f)
	}
}

// until reads data frames up to and including the one with id last.
func (s *sseStream) until(t testing.TB, last string) []string {
	t.Helper()
	var got []string
	for {
		f, err := s.nextEvent()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, f.String())
		if f.id == last {
			return got
		}
	}
}

func TestServeWireFormat(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	fx.hub.Publish(hubTestLoc, hubTestEvents(1, 3))
	view := queue.View{Location: hubTestLoc, Name: "Ratusz", Seq: 3, Day: "2026-03-02", Hours: "08:00-18:00"}
	fx.setSnapshot(func() (queue.View, error) { return view, nil })

	s := fx.connect(t, "", "")
	for _, tc := range []struct{ header, want string }{
		{"Content-Type", "text/event-stream"},
		{"Cache-Control", "no-store"},
		{"X-Accel-Buffering", "no"},
	} {
		if got := s.resp.Header.Get(tc.header); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.header, got, tc.want)
		}
	}
	s.start(t)

	snap, err := s.nextEvent()
	if err != nil {
		t.Fatal(err)
	}
	wantView, _ := json.Marshal(view)
	if got, want := snap.String(), "snapshot:3"; got != want {
		t.Errorf("got first frame %s, want %s", got, want)
	}
	if snap.data != string(wantView) {
		t.Errorf("got snapshot data %s, want %s", snap.data, wantView)
	}

	fx.hub.Publish(hubTestLoc, hubTestEvents(4, 5))
	for _, seq := range []uint64{4, 5} {
		f, err := s.nextEvent()
		if err != nil {
			t.Fatal(err)
		}
		ev := hubTestEvent(seq)
		wantData, _ := json.Marshal(ev.Public())
		if got, want := f.String(), fmt.Sprintf("called:%d", seq); got != want {
			t.Errorf("got frame %s, want %s", got, want)
		}
		if f.data != string(wantData) {
			t.Errorf("got data %s, want %s", f.data, wantData)
		}
	}
}

func TestServePublicOnly(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	s := fx.connect(t, "", "")
	s.start(t)
	if _, err := s.nextEvent(); err != nil { // snapshot
		t.Fatal(err)
	}
	fx.hub.Publish(hubTestLoc, hubTestEvents(1, 1))
	f, err := s.nextEvent()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"token-secret", "idem-secret", "booking-secret", "clerk-secret", "idempotency_key", `"token"`} {
		if strings.Contains(f.data, secret) {
			t.Errorf("got %q in the stream: %s", secret, f.data)
		}
	}
	var got queue.Event
	if err := json.Unmarshal([]byte(f.data), &got); err != nil {
		t.Fatal(err)
	}
	if got.Number != "A001" || got.Seq != 1 {
		t.Errorf("got event %+v, want A001 seq 1", got)
	}
}

func TestServeResume(t *testing.T) {
	// Ring of 4 holding 7..10; the engine's snapshot is at 10; after the
	// stream starts, event 11 is published and must follow.
	for _, tc := range []struct {
		name   string
		query  string
		lastID string
		want   []string
	}{
		{"no id", "", "", []string{"snapshot:10", "called:11"}},
		{"up to date", "", "10", []string{"called:11"}},
		{"inside ring", "", "8", []string{"called:9", "called:10", "called:11"}},
		{"oldest in ring", "", "6", []string{"called:7", "called:8", "called:9", "called:10", "called:11"}},
		{"too old", "", "5", []string{"snapshot:10", "called:11"}},
		{"zero", "", "0", []string{"snapshot:10", "called:11"}},
		{"from the future", "", "20", []string{"snapshot:10", "called:11"}},
		{"invalid", "", "abc", []string{"snapshot:10", "called:11"}},
		{"query parameter", "?last_event_id=9", "", []string{"called:10", "called:11"}},
		{"header wins over query", "?last_event_id=2", "9", []string{"called:10", "called:11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newHubFixture(t, HubOptions{Replay: 4})
			fx.hub.Publish(hubTestLoc, hubTestEvents(1, 10))
			fx.snapshotAt(10)
			s := fx.connect(t, tc.query, tc.lastID)
			s.start(t)
			fx.hub.Publish(hubTestLoc, hubTestEvents(11, 11))
			if got := s.until(t, "11"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestServeResumeBeforeFirstPublish(t *testing.T) {
	// A fresh hub has not seen the engine's sequence: any id gets a snapshot.
	fx := newHubFixture(t, HubOptions{})
	fx.snapshotAt(500)
	s := fx.connect(t, "", "500")
	s.start(t)
	fx.hub.Publish(hubTestLoc, hubTestEvents(501, 501))
	if got, want := s.until(t, "501"), []string{"snapshot:500", "called:501"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestServeSnapshotOutOfStep(t *testing.T) {
	// The hub has published 1..10. The snapshot is read from the engine,
	// which can be ahead of the hub (events committed, Publish not yet
	// called) or behind it (a lagging source). Afterwards 11..14 follow.
	for _, tc := range []struct {
		name  string
		seqs  []uint64 // seq of each snapshot taken, in turn
		want  []string
		after []queue.Event // published once the stream started
	}{
		{"in step", []uint64{10}, []string{"snapshot:10", "called:11", "called:12", "called:13", "called:14"}, hubTestEvents(11, 14)},
		{"ahead of the hub", []uint64{12}, []string{"snapshot:12", "called:13", "called:14"}, hubTestEvents(11, 14)},
		{"behind the hub", []uint64{8}, []string{"snapshot:8", "called:9", "called:10", "called:11", "called:12", "called:13", "called:14"}, hubTestEvents(11, 14)},
		{"behind the ring, then in step", []uint64{3, 10}, []string{"snapshot:10", "called:11", "called:12", "called:13", "called:14"}, hubTestEvents(11, 14)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newHubFixture(t, HubOptions{Replay: 4})
			fx.hub.Publish(hubTestLoc, hubTestEvents(1, 10))
			var calls atomic.Int32
			fx.setSnapshot(func() (queue.View, error) {
				i := int(calls.Add(1)) - 1
				return queue.View{Location: hubTestLoc, Seq: tc.seqs[min(i, len(tc.seqs)-1)]}, nil
			})
			s := fx.connect(t, "", "")
			s.start(t)
			fx.hub.Publish(hubTestLoc, tc.after)
			if got := s.until(t, "14"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestServeSnapshotUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap func() (queue.View, error)
	}{
		{"error", func() (queue.View, error) { return queue.View{}, errors.New("engine stopped") }},
		{"always behind the ring", func() (queue.View, error) { return queue.View{Seq: 3}, nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newHubFixture(t, HubOptions{Replay: 4})
			fx.hub.Publish(hubTestLoc, hubTestEvents(1, 10))
			fx.setSnapshot(tc.snap)
			s, err := fx.dial("", "")
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			if got, want := s.resp.StatusCode, http.StatusServiceUnavailable; got != want {
				t.Errorf("got status %d, want %d", got, want)
			}
			<-fx.returned
			if got := fx.hub.Subscribers(hubTestLoc); got != 0 {
				t.Errorf("got %d subscribers, want 0", got)
			}
		})
	}
}

// hubEngineSim publishes like the engine: under its lock, in seq order.
type hubEngineSim struct {
	hub       *Hub
	mu        sync.Mutex
	seq       uint64
	committed atomic.Uint64 // set before Publish
	applied   atomic.Uint64 // set after Publish, lagging
}

func (e *hubEngineSim) publish(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	evs := hubTestEvents(e.seq+1, e.seq+uint64(n))
	e.seq += uint64(n)
	e.committed.Store(e.seq)
	runtime.Gosched() // widen the window between commit and Publish
	e.hub.Publish(hubTestLoc, evs)
	e.applied.Store(e.seq - e.seq%8) // up to 7 behind the hub
}

func TestServeConnectDuringPublish(t *testing.T) {
	// Events are published while the stream registers and takes its
	// snapshot: whatever the interleaving and however the snapshot relates
	// to the hub, the stream must be a snapshot followed by every later seq
	// exactly once.
	iterations := 60
	if testing.Short() {
		iterations = 10
	}
	const before, during = 5, 300
	const last = before + during
	for _, tc := range []struct {
		name string
		snap func(e *hubEngineSim) func() (queue.View, error)
	}{
		{"snapshot under the engine lock", func(e *hubEngineSim) func() (queue.View, error) {
			return func() (queue.View, error) {
				e.mu.Lock()
				defer e.mu.Unlock()
				return queue.View{Seq: e.seq}, nil
			}
		}},
		{"snapshot ahead of the hub", func(e *hubEngineSim) func() (queue.View, error) {
			return func() (queue.View, error) { return queue.View{Seq: e.committed.Load()}, nil }
		}},
		{"snapshot behind the hub", func(e *hubEngineSim) func() (queue.View, error) {
			return func() (queue.View, error) { return queue.View{Seq: e.applied.Load()}, nil }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ahead, behind atomic.Int32 // snapshots out of step with the hub
			for i := range iterations {
				fx := newHubFixture(t, HubOptions{ClientBuffer: 4 * during})
				e := &hubEngineSim{hub: fx.hub}
				snap := tc.snap(e)
				// Take the snapshot at a point of the publishing that varies
				// from one iteration to the next.
				at := uint64(before + i*during/iterations)
				fx.setSnapshot(func() (queue.View, error) {
					for e.committed.Load() < at {
						runtime.Gosched()
					}
					v, err := snap()
					if hub := fx.hub.lastPublished(hubTestLoc); v.Seq > hub {
						ahead.Add(1)
					} else if v.Seq < hub {
						behind.Add(1)
					}
					return v, err
				})
				for range before {
					e.publish(1)
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					<-fx.entered // start publishing as the request arrives
					for n := 0; n < during; {
						k := min(1+n%3, during-n)
						e.publish(k)
						n += k
					}
				}()
				s := fx.connect(t, "", "")
				first, err := s.nextEvent()
				if err != nil {
					t.Fatal(err)
				}
				if first.event != "snapshot" {
					t.Fatalf("iteration %d: got first frame %s, want a snapshot", i, first)
				}
				var seen uint64
				fmt.Sscan(first.id, &seen)
				for seen < last {
					f, err := s.nextEvent()
					if err != nil {
						t.Fatalf("iteration %d: after seq %d: %v", i, seen, err)
					}
					if got, want := f.String(), fmt.Sprintf("called:%d", seen+1); got != want {
						t.Fatalf("iteration %d: got frame %s, want %s", i, got, want)
					}
					seen++
				}
				<-done
				s.close()
				fx.hub.Close()
				fx.srv.Close()
			}
			t.Logf("of %d snapshots, %d were ahead of the hub and %d behind it", iterations, ahead.Load(), behind.Load())
		})
	}
}

// lastPublished returns the seq of loc's last published event.
func (h *Hub) lastPublished(loc string) uint64 {
	l := h.location(loc)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// stuckWriter is a ResponseWriter whose Write blocks, once armed, until
// released: a client that stopped reading and whose TCP buffers are full.
type stuckWriter struct {
	header  http.Header
	flushed chan struct{} // a value per Flush
	armed   atomic.Bool
	blocked chan struct{} // closed when a Write first blocks
	release chan struct{}
	once    sync.Once
}

func newStuckWriter() *stuckWriter {
	return &stuckWriter{
		header:  make(http.Header),
		flushed: make(chan struct{}, 1000),
		blocked: make(chan struct{}),
		release: make(chan struct{}),
	}
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Flush()              { w.flushed <- struct{}{} }
func (w *stuckWriter) Write(b []byte) (int, error) {
	if w.armed.Load() {
		w.once.Do(func() { close(w.blocked) })
		<-w.release
	}
	return len(b), nil
}

func TestPublishDropsSlowClient(t *testing.T) {
	const buffer = 2
	fx := newHubFixture(t, HubOptions{ClientBuffer: buffer})

	// A client that keeps up, over HTTP.
	fast := fx.connect(t, "", "")
	fast.start(t)
	if got, want := fast.until(t, "0"), []string{"snapshot:0"}; !slices.Equal(got, want) {
		t.Fatalf("fast client: got %v, want %v", got, want)
	}

	// A client that never reads again once its stream started.
	slow := newStuckWriter()
	served := make(chan struct{})
	go func() {
		defer close(served)
		req := httptest.NewRequest(http.MethodGet, "/events", nil)
		fx.hub.Serve(slow, req, hubTestLoc, func() (queue.View, error) { return queue.View{}, nil })
	}()
	<-slow.flushed // retry and snapshot written: registered
	slow.armed.Store(true)
	if got, want := fx.hub.Subscribers(hubTestLoc), 2; got != want {
		t.Fatalf("got %d subscribers, want %d", got, want)
	}

	// Every Publish below returns although, after the first, the slow
	// handler is stuck in Write and takes no frame: if Publish blocked on
	// it, this test would hang, not pass.
	for seq := uint64(1); seq <= 10; seq++ {
		fx.hub.Publish(hubTestLoc, hubTestEvents(seq, seq))
		if seq == 1 {
			<-slow.blocked
		}
		if got, want := fast.until(t, fmt.Sprint(seq)), []string{fmt.Sprintf("called:%d", seq)}; !slices.Equal(got, want) {
			t.Fatalf("fast client: got %v, want %v", got, want)
		}
	}
	if got, want := fx.hub.Subscribers(hubTestLoc), 1; got != want {
		t.Errorf("got %d subscribers while the slow one is stuck, want %d", got, want)
	}

	close(slow.release)
	<-served // the dropped stream ends once its writes complete
}

func TestServeCloseEndsStreams(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	var streams []*sseStream
	for range 3 {
		s := fx.connect(t, "", "")
		s.start(t)
		streams = append(streams, s)
	}
	fx.hub.Close()
	for i, s := range streams {
		for {
			_, err := s.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("stream %d: got %v, want io.EOF", i, err)
			}
		}
	}
	for range streams {
		<-fx.returned
	}
	if got := fx.hub.Subscribers(hubTestLoc); got != 0 {
		t.Errorf("got %d subscribers after Close, want 0", got)
	}

	s, err := fx.dial("", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if got, want := s.resp.StatusCode, http.StatusServiceUnavailable; got != want {
		t.Errorf("after Close: got status %d, want %d", got, want)
	}
	fx.hub.Publish(hubTestLoc, hubTestEvents(1, 1)) // no stream, no panic
}

func TestServeClientGone(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	a1 := fx.connect(t, "?loc=a", "")
	a1.start(t)
	a2 := fx.connect(t, "?loc=a", "")
	a2.start(t)
	b := fx.connect(t, "?loc=b", "")
	b.start(t)

	for _, tc := range []struct {
		loc  string
		want int
	}{{"a", 2}, {"b", 1}, {"c", 0}} {
		if got := fx.hub.Subscribers(tc.loc); got != tc.want {
			t.Errorf("Subscribers(%q): got %d, want %d", tc.loc, got, tc.want)
		}
	}

	a1.close()
	<-fx.returned
	if got, want := fx.hub.Subscribers("a"), 1; got != want {
		t.Errorf("after a client left: got %d subscribers, want %d", got, want)
	}
}

func TestServeHeartbeat(t *testing.T) {
	fx := newHubFixture(t, HubOptions{Heartbeat: 5 * time.Millisecond})
	s := fx.connect(t, "", "")
	s.start(t)
	for {
		f, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		if f.comment == "ping" {
			break
		}
		if f.event != "snapshot" {
			t.Fatalf("got frame %+v, want a snapshot or a ping", f)
		}
	}
}

func TestPublishGapEndsStream(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	fx.hub.Publish(hubTestLoc, hubTestEvents(1, 5))
	s := fx.connect(t, "", "5")
	s.start(t)
	fx.hub.Publish(hubTestLoc, hubTestEvents(7, 7)) // 6 was never published
	if f, err := s.nextEvent(); err != io.EOF {
		t.Fatalf("got frame %s, err %v, want io.EOF", f, err)
	}

	// On reconnection the ring cannot bridge 6: the client gets a snapshot.
	fx.snapshotAt(7)
	s = fx.connect(t, "", "5")
	s.start(t)
	fx.hub.Publish(hubTestLoc, hubTestEvents(8, 8))
	if got, want := s.until(t, "8"), []string{"snapshot:7", "called:8"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPublishSkipsRepeatedEvents(t *testing.T) {
	fx := newHubFixture(t, HubOptions{})
	fx.hub.Publish(hubTestLoc, hubTestEvents(1, 3))
	s := fx.connect(t, "", "3")
	s.start(t)
	fx.hub.Publish(hubTestLoc, hubTestEvents(2, 5))
	if got, want := s.until(t, "5"), []string{"called:4", "called:5"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPublishSharesFrames(t *testing.T) {
	// The cost of Publish in allocations must not depend on the number of
	// subscribers: one frame per event, shared by all.
	allocs := func(subs int) float64 {
		h := NewHub(HubOptions{ClientBuffer: 200, Logger: hubTestLogger()})
		for range subs {
			h.subscribe(hubTestLoc, 0, false)
		}
		seq := uint64(1)
		h.Publish(hubTestLoc, hubTestEvents(seq, seq))
		return testing.AllocsPerRun(100, func() {
			seq++
			h.Publish(hubTestLoc, []queue.Event{hubTestEvent(seq)})
		})
	}
	// Not equal: the race detector shifts the count by one or two. A copy
	// per subscriber would add a thousand.
	const subs = 1000
	if got, want := allocs(subs), allocs(0)+5; got > want {
		t.Errorf("got %v allocations per Publish with %d subscribers, want at most %v", got, subs, want)
	}
}

// countingWriter is a ResponseWriter that counts the event frames written.
type countingWriter struct {
	header http.Header
	frames atomic.Int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(int)     {}
func (w *countingWriter) Flush()              {}

// SetWriteDeadline is there as on a real connection, where it does not
// allocate; http.ResponseController allocates an error when it is missing.
func (w *countingWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *countingWriter) Write(b []byte) (int, error) {
	if bytes.HasPrefix(b, []byte("event: called")) {
		w.frames.Add(1)
	}
	return len(b), nil
}

// BenchmarkPublishFanout publishes to 2,000 streams, each with its own Serve
// writing to a discarding writer. ns/op is per published event, delivery to
// every stream included; publish-ns/event is the time spent in Publish;
// mem-B/stream is the heap and stack of one stream, handler goroutine
// included (not the connection's buffers, which net/http adds).
func BenchmarkPublishFanout(b *testing.B) {
	const subs = 2000
	const batch = 64 // < ClientBuffer: no stream is dropped
	h := NewHub(HubOptions{Logger: hubTestLogger()})
	h.Publish(hubTestLoc, hubTestEvents(1, defaultReplay)) // a full ring, as in a long day
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	writers := make([]*countingWriter, subs)
	for i := range writers {
		w := &countingWriter{header: make(http.Header)}
		writers[i] = w
		wg.Go(func() {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)
			h.Serve(w, req, hubTestLoc, func() (queue.View, error) { return queue.View{Seq: defaultReplay}, nil })
		})
	}
	for h.Subscribers(hubTestLoc) < subs {
		runtime.Gosched()
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	perStream := (int64(m1.HeapAlloc+m1.StackInuse) - int64(m0.HeapAlloc+m0.StackInuse)) / subs
	ev := hubTestEvent(1)
	var inPublish time.Duration
	waitAll := func(n int64) {
		for _, w := range writers {
			for w.frames.Load() < n {
				runtime.Gosched()
			}
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev.Seq = uint64(defaultReplay + i + 1)
		t0 := time.Now()
		h.Publish(hubTestLoc, []queue.Event{ev})
		inPublish += time.Since(t0)
		if (i+1)%batch == 0 {
			waitAll(int64(i + 1))
		}
	}
	waitAll(int64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(inPublish.Nanoseconds())/float64(b.N), "publish-ns/event")
	b.ReportMetric(float64(perStream), "mem-B/stream")
	if got := h.Subscribers(hubTestLoc); got != subs {
		b.Errorf("got %d subscribers, want %d: streams were dropped", got, subs)
	}
	cancel()
	wg.Wait()
	h.Close()
}
