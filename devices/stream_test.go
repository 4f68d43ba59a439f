package devices

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/queue"
)

// sseServer is a fake controller's event stream: each connection gets the
// frames the test gives it, and the Last-Event-ID it sent is kept.
type sseServer struct {
	*httptest.Server
	date    string // the Date header of answers, when set
	mu      sync.Mutex
	lastIDs []string // of each connection, in order
	auth    []string
	conns   chan chan string // a connection asks for its frames
}

func newSSEServer(t *testing.T) *sseServer {
	s := &sseServer{conns: make(chan chan string)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/locations/centrum/events" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.lastIDs = append(s.lastIDs, r.Header.Get("Last-Event-ID"))
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		frames := make(chan string)
		select {
		case s.conns <- frames:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		if s.date != "" {
			w.Header().Set("Date", s.date)
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case f, ok := <-frames:
				if !ok {
					return // the controller ends the connection
				}
				if _, err := w.Write([]byte(f)); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// next waits for the next connection and returns where its frames go.
func (s *sseServer) next(t *testing.T) chan string {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no connection within 5 s")
		return nil
	}
}

func (s *sseServer) LastIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lastIDs...)
}

func snapshotFrame(v queue.View) string {
	b, _ := json.Marshal(v)
	return fmt.Sprintf("event: snapshot\nid: %d\ndata: %s\n\n", v.Seq, b)
}

func eventFrame(e queue.Event) string {
	b, _ := json.Marshal(e)
	return fmt.Sprintf("event: %s\nid: %d\ndata: %s\n\n", e.Type, e.Seq, b)
}

// received collects what a stream hands over.
type received struct {
	mu   sync.Mutex
	msgs []StreamMessage
	ch   chan StreamMessage
}

func newReceived() *received { return &received{ch: make(chan StreamMessage, 100)} }

func (r *received) handle(m StreamMessage) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.ch <- m
}

func (r *received) wait(t *testing.T) StreamMessage {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5 s")
		return StreamMessage{}
	}
}

func runStream(t *testing.T, url string, o StreamOptions) (*Stream, *received) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, Multiplier: 2}
	}
	s, err := NewStream(url, "tok", "centrum", o)
	if err != nil {
		t.Fatal(err)
	}
	r := newReceived()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, r.handle) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop within 5 s of its context's end")
		}
	})
	return s, r
}

func TestStreamSnapshotThenEvents(t *testing.T) {
	srv := newSSEServer(t)
	s, r := runStream(t, srv.URL, StreamOptions{})
	c := srv.next(t)
	c <- ": ping\n\n"
	c <- snapshotFrame(queue.View{Location: "centrum", Seq: 41, Voice: true})
	c <- eventFrame(queue.Event{Seq: 42, Type: queue.Called, Number: "A003", Counter: 4})
	// Multi-line data, CRLF line ends, no space after the colon.
	c <- "event: recalled\r\nid: 43\r\ndata:{\"seq\":43,\r\ndata: \"type\":\"recalled\",\"number\":\"A003\",\"counter\":4}\r\n\r\n"

	m := r.wait(t)
	if m.Snapshot == nil || m.Snapshot.Seq != 41 || !m.Snapshot.Voice {
		t.Fatalf("got %+v, want the snapshot at seq 41 with voice on", m)
	}
	for _, want := range []struct {
		seq    uint64
		typ    queue.EventType
		number string
	}{{42, queue.Called, "A003"}, {43, queue.Recalled, "A003"}} {
		m := r.wait(t)
		if m.Event == nil || m.Event.Seq != want.seq || m.Event.Type != want.typ || m.Event.Number != want.number || m.Event.Counter != 4 {
			t.Fatalf("got %+v, want %s %s at seq %d", m.Event, want.typ, want.number, want.seq)
		}
		if m.Received.IsZero() {
			t.Error("got no Received time")
		}
	}
	st := s.State()
	if !st.Connected || st.LastID != "43" {
		t.Errorf("got state %+v, want connected with last id 43", st)
	}
	if got := srv.auth[0]; got != "Bearer tok" {
		t.Errorf("got Authorization %q, want %q", got, "Bearer tok")
	}
}

func TestStreamReconnectSendsLastEventID(t *testing.T) {
	srv := newSSEServer(t)
	var states []bool
	var mu sync.Mutex
	s, r := runStream(t, srv.URL, StreamOptions{OnState: func(st StreamState) {
		mu.Lock()
		states = append(states, st.Connected)
		mu.Unlock()
	}})
	c := srv.next(t)
	c <- snapshotFrame(queue.View{Seq: 41, Voice: true})
	c <- eventFrame(queue.Event{Seq: 42, Type: queue.Called, Number: "A003", Counter: 4})
	r.wait(t)
	r.wait(t)
	close(c) // the controller ends the connection (a restart, a slow client)

	c = srv.next(t)
	c <- eventFrame(queue.Event{Seq: 43, Type: queue.Finished, Number: "A003", Counter: 4})
	if m := r.wait(t); m.Event == nil || m.Event.Seq != 43 {
		t.Fatalf("got %+v after the reconnect, want event 43", m)
	}
	if got, want := srv.LastIDs(), []string{"", "42"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got Last-Event-IDs %q, want %q", got, want)
	}
	if st := s.State(); !st.Connected {
		t.Errorf("got state %+v, want connected", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(states) != "[true false true]" {
		t.Errorf("got connected states %v, want [true false true]", states)
	}
}

func TestStreamSilentConnectionIsMadeAgain(t *testing.T) {
	srv := newSSEServer(t)
	_, r := runStream(t, srv.URL, StreamOptions{IdleTimeout: 100 * time.Millisecond})
	c := srv.next(t)
	c <- snapshotFrame(queue.View{Seq: 7})
	r.wait(t)
	// Pings keep it alive …
	for range 4 {
		time.Sleep(50 * time.Millisecond)
		c <- ": ping\n\n"
	}
	select {
	case <-srv.conns:
		t.Fatal("reconnected although pings came")
	default:
	}
	// … silence does not.
	c = srv.next(t)
	c <- eventFrame(queue.Event{Seq: 8, Type: queue.Called, Number: "B001", Counter: 2})
	if m := r.wait(t); m.Event == nil || m.Event.Seq != 8 {
		t.Fatalf("got %+v, want event 8", m)
	}
	if got := srv.LastIDs(); len(got) != 2 || got[1] != "7" {
		t.Errorf("got Last-Event-IDs %q, want the second to be 7", got)
	}
}

func TestStreamLongSnapshot(t *testing.T) {
	srv := newSSEServer(t)
	_, r := runStream(t, srv.URL, StreamOptions{})
	v := queue.View{Seq: 5, Name: strings.Repeat("ż", 100_000)} // 200 KB on one line
	for i := range 2000 {
		v.Waiting = append(v.Waiting, queue.TicketView{Number: fmt.Sprintf("A%03d", i%1000)})
	}
	frame := snapshotFrame(v)
	if len(frame) < 200<<10 {
		t.Fatalf("the frame is %d bytes, want over 200 KB", len(frame))
	}
	c := srv.next(t)
	c <- frame
	c <- eventFrame(queue.Event{Seq: 6, Type: queue.Called, Number: "A001", Counter: 1})
	m := r.wait(t)
	if m.Snapshot == nil || m.Snapshot.Name != v.Name || len(m.Snapshot.Waiting) != 2000 {
		t.Fatalf("got a snapshot of %d waiting, want the whole view", len(m.Snapshot.Waiting))
	}
	if m := r.wait(t); m.Event == nil || m.Event.Seq != 6 {
		t.Fatalf("got %+v, want event 6", m)
	}
}

func TestStreamMalformedFramesSkipped(t *testing.T) {
	srv := newSSEServer(t)
	var logs devicetest.SyncBuffer
	_, r := runStream(t, srv.URL, StreamOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := srv.next(t)
	c <- snapshotFrame(queue.View{Seq: 1})
	c <- "event: called\nid: 2\ndata: {not json\n\n"
	c <- "event: snapshot\nid: 3\ndata: [1,2\n\n"
	c <- "data: {\"seq\":4}\n\n"                                             // no event name
	c <- "event: called\nid: 5\ndata: {\"seq\":5,\"type\":\"finished\"}\n\n" // name and type differ
	c <- "retry: 10\nunknown: x\nnocolon\n\n"                                // fields to ignore, no data
	c <- eventFrame(queue.Event{Seq: 6, Type: queue.Called, Number: "A001", Counter: 1})
	if m := r.wait(t); m.Snapshot == nil {
		t.Fatalf("got %+v, want the snapshot", m)
	}
	if m := r.wait(t); m.Event == nil || m.Event.Seq != 6 {
		t.Fatalf("got %+v, want event 6: the malformed frames skipped", m)
	}
	if n := strings.Count(logs.String(), "malformed frame skipped"); n != 4 {
		t.Errorf("got %d malformed frames logged, want 4:\n%s", n, logs.String())
	}
	if got := srv.LastIDs(); len(got) != 1 {
		t.Errorf("got %d connections, want 1: a malformed frame does not end the stream", len(got))
	}
}

func TestStreamRefusedIsRetried(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n <= 2
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"restarting"}}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(snapshotFrame(queue.View{Seq: 9})))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close) // after the stream stops: cleanups run last first
	s, r := runStream(t, srv.URL, StreamOptions{})
	if m := r.wait(t); m.Snapshot == nil || m.Snapshot.Seq != 9 {
		t.Fatalf("got %+v, want the snapshot after two refusals", m)
	}
	if st := s.State(); !st.Connected {
		t.Errorf("got %+v, want connected", st)
	}
}

func TestClockSkew(t *testing.T) {
	now := time.Date(1970, 1, 1, 0, 1, 0, 0, time.UTC)
	controller := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		date string
		want time.Duration
	}{
		{"a Pi before NTP", controller.Format(http.TimeFormat), controller.Sub(now)},
		{"within the header's resolution", now.Add(time.Second).Format(http.TimeFormat), 0},
		{"device ahead", now.Add(-time.Hour).Format(http.TimeFormat), -time.Hour},
		{"no Date", "", 0},
		{"garbage", "yesterday", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			if tt.date != "" {
				resp.Header.Set("Date", tt.date)
			}
			if got := clockSkew(resp, now); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestStreamMeasuresClockSkew: messages carry the skew of the controller's
// clock (its Date header) against this machine's.
func TestStreamMeasuresClockSkew(t *testing.T) {
	srv := newSSEServer(t)
	srv.date = time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat)
	_, r := runStream(t, srv.URL, StreamOptions{})
	srv.next(t) <- snapshotFrame(queue.View{Location: "centrum", Seq: 1, Voice: true})
	m := r.wait(t)
	if d := m.Skew - 3*time.Hour; d < -2*time.Second || d > 2*time.Second {
		t.Fatalf("got skew %v, want about 3h", m.Skew)
	}
}
