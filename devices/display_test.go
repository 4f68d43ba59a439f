package devices

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/display"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// stateFeed is a fake feed whose state the test sets; handle is called
// from the test's goroutine.
type stateFeed struct {
	mu sync.Mutex
	st StreamState
}

func (f *stateFeed) Run(ctx context.Context, handle func(StreamMessage)) error {
	<-ctx.Done()
	return nil
}

func (f *stateFeed) State() StreamState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *stateFeed) set(connected bool, err string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st = StreamState{Connected: connected, Err: err}
}

var dispT0 = time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw)

func hallView(seq uint64) queue.View {
	return queue.View{Location: "centrum", Name: "BOM Centrum", Seq: seq, Day: "2026-11-24", Open: true, Hours: "00:00-24:00",
		Services: []queue.ServiceView{{Prefix: "A", NamePL: "Rejestracja pojazdów"}},
		Counters: []queue.CounterView{{Number: 1, Open: true}, {Number: 2}}}
}

func called(seq uint64, number string, counter int) *queue.Event {
	return &queue.Event{Seq: seq, Type: queue.Called, Time: dispT0, Ticket: "centrum/2026-11-24/" + number, Number: number,
		Service: "A", Counter: counter, Attempt: 1}
}

// TestDisplayFeedsScene hands a display the stream's messages and checks
// what its scene shows, and that each call's latency is logged once a
// frame shows it.
func TestDisplayFeedsScene(t *testing.T) {
	logs := &devicetest.SyncBuffer{}
	clock := queuetest.NewClock(dispT0)
	scene := display.NewScene(display.Options{TZ: queuetest.Warsaw}, clock)
	feed := &stateFeed{}
	d := NewDisplay(feed, scene, nil, DisplayOptions{Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	newest := func() string {
		f, _ := scene.Frame(1920, 1080)
		it, _ := f.Find("newest.number")
		return it.Text
	}

	d.Handle(StreamMessage{Event: called(5, "A001", 1)}) // before the snapshot: nothing to apply it to
	d.Handle(StreamMessage{Snapshot: ptr(hallView(10)), Received: time.Now()})
	if got := newest(); got != "" {
		t.Errorf("got newest %q, want none", got)
	}
	received := time.Now()
	d.Handle(StreamMessage{Event: called(11, "A001", 1), Received: received})
	d.Handle(StreamMessage{Event: called(11, "A001", 1), Received: received}) // a repeat after a resume
	d.Handle(StreamMessage{Event: called(12, "A002", 2), Received: received})
	if got := newest(); got != "A002" {
		t.Errorf("got newest %q, want A002", got)
	}
	d.Shown(11, received.Add(20*time.Millisecond))
	if got := d.CallsShown(); got != 1 {
		t.Errorf("got %d calls shown, want 1 (A002 is not drawn yet)", got)
	}
	d.Shown(12, received.Add(30*time.Millisecond))
	if got := d.CallsShown(); got != 2 {
		t.Errorf("got %d calls shown, want 2", got)
	}
	if got := strings.Count(logs.String(), `msg="call shown"`); got != 2 {
		t.Errorf("got %d call lines, want 2 (a repeat is not a call):\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), "number=A002 counter=2 seq=12 latency=30ms") {
		t.Errorf("the latency of A002 is not logged as 30ms:\n%s", logs)
	}

	// The stream's state reaches the scene: offline, then the mark.
	d.StreamState(StreamState{Connected: true})
	d.StreamState(StreamState{Connected: false, Err: "connection refused"})
	clock.Advance(10 * time.Second)
	f, _ := scene.Frame(1920, 1080)
	if it, ok := f.Find("offline.text"); !ok || it.Text != "Brak połączenia" {
		t.Errorf("offline for 10 s: got mark %+v, want Brak połączenia", it)
	}
	// The skew of the stream corrects the clock.
	d.Handle(StreamMessage{Snapshot: ptr(hallView(12)), Skew: time.Hour})
	f, _ = scene.Frame(1920, 1080)
	if it, _ := f.Find("clock"); it.Text != "10:00" {
		t.Errorf("with the controller an hour ahead: got clock %q, want 10:00", it.Text)
	}
}

func ptr[T any](v T) *T { return &v }

// TestDisplayHealth checks what the heartbeats say in each state.
func TestDisplayHealth(t *testing.T) {
	feed := &stateFeed{}
	scene := display.NewScene(display.Options{Role: display.Desk, Counter: 3}, queuetest.NewClock(dispT0))
	d := NewDisplay(feed, scene, nil, DisplayOptions{Counter: 3, Screen: "full screen", Version: "1.2", Logger: quiet})
	if h := d.Health(); h.Status != "degraded" || h.Detail != "counter 3 screen: waiting for the stream" {
		t.Errorf("before the stream: got %+v, want degraded, waiting for the stream", h)
	}
	feed.set(true, "")
	d.Handle(StreamMessage{Snapshot: ptr(hallView(1))})
	if h := d.Health(); h.Status != "error" || !strings.Contains(h.Detail, "no counter 3") {
		t.Errorf("a counter the location lacks: got %+v, want error naming counter 3", h)
	}
	v := hallView(2)
	v.Counters = append(v.Counters, queue.CounterView{Number: 3})
	d.Handle(StreamMessage{Snapshot: &v})
	if h := d.Health(); h.Status != "ok" || h.Detail != "counter 3 screen, full screen" || h.Version != "1.2" {
		t.Errorf("showing: got %+v, want ok, counter 3 screen, full screen", h)
	}
	feed.set(false, "connection refused")
	if h := d.Health(); h.Status != "degraded" || h.Controller != "stream offline: connection refused" {
		t.Errorf("offline: got %+v, want degraded, stream offline", h)
	}
}

// failingBeats refuses heartbeats as a controller without them does.
type failingBeats struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (f *failingBeats) Heartbeat(ctx context.Context, h Health) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.err
}

// TestDisplayHeartbeats checks that a heartbeat goes at once and again
// when the health changes, and that a controller without heartbeats is
// said once.
func TestDisplayHeartbeats(t *testing.T) {
	hb := &fakeHeartbeats{ch: make(chan Health, 100)}
	feed := &stateFeed{}
	feed.set(true, "")
	d := NewDisplay(feed, display.NewScene(display.Options{}, queuetest.NewClock(dispT0)), hb, DisplayOptions{HeartbeatEvery: time.Hour, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	next := func() Health {
		t.Helper()
		select {
		case h := <-hb.ch:
			return h
		case <-time.After(5 * time.Second):
			t.Fatal("no heartbeat within 5 s")
			return Health{}
		}
	}
	if h := next(); !strings.Contains(h.Detail, "waiting for the stream") {
		t.Errorf("first: got %+v, want waiting for the stream", h)
	}
	d.Handle(StreamMessage{Snapshot: ptr(hallView(1))})
	if h := next(); h.Status != "ok" || h.Detail != "group screen" {
		t.Errorf("after the snapshot: got %+v, want ok, group screen", h)
	}

	logs := &devicetest.SyncBuffer{}
	fb := &failingBeats{err: &APIError{Status: 404}}
	d2 := NewDisplay(feed, display.NewScene(display.Options{}, queuetest.NewClock(dispT0)), fb,
		DisplayOptions{HeartbeatEvery: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	d2.Run(ctx2)
	if got := strings.Count(logs.String(), "takes no heartbeats"); got != 1 {
		t.Errorf("got %d lines saying the controller takes no heartbeats, want 1:\n%s", got, logs)
	}
	if fb.calls < 3 {
		t.Errorf("got %d heartbeats tried, want them kept trying", fb.calls)
	}
}

// TestDisplayFollowsController runs the display loop on a real
// controller's stream, without a window: the scene shows what the
// controller's queue does, calls included, for a group and a desk screen.
func TestDisplayFollowsController(t *testing.T) {
	b := controllertest.Start(t, dispT0)
	group := display.NewScene(display.Options{TZ: queuetest.Warsaw}, b.Clock)
	desk := display.NewScene(display.Options{Role: display.Desk, Counter: 1, TZ: queuetest.Warsaw}, b.Clock)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, sc := range []struct {
		scene   *display.Scene
		token   string
		counter int
	}{{group, "demo-centrum-display", 0}, {desk, "demo-centrum-display-1", 1}} {
		var d *Display
		stream, err := NewStream(b.URL, sc.token, "centrum", StreamOptions{Backoff: fastBackoff, Logger: quiet,
			OnState: func(st StreamState) { d.StreamState(st) }})
		if err != nil {
			t.Fatal(err)
		}
		client, err := NewClient(b.URL, sc.token, "centrum", ClientOptions{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		d = NewDisplay(stream, sc.scene, client, DisplayOptions{Counter: sc.counter, Clock: b.Clock, Logger: quiet})
		wg.Go(func() {
			if err := d.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	shows := func(s *display.Scene, tag, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			f, _ := s.Frame(1280, 720)
			it, _ := f.Find(tag)
			if it.Text == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: got %q, want %q; the screen shows %q", tag, it.Text, want, f.Texts())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	shows(group, "waiting.none", "Nikt nie czeka")
	shows(desk, "desk.status", "Przerwa")
	e := b.Controller().Engine()
	bg := context.Background()
	counter := queue.CounterRef{Location: "centrum", Number: 1, Clerk: "anna"}
	for _, step := range []func() error{
		func() error {
			_, err := e.Issue(bg, queue.IssueRequest{Location: "centrum", Service: "A", IdempotencyKey: "k1"})
			return err
		},
		func() error {
			_, err := e.Issue(bg, queue.IssueRequest{Location: "centrum", Service: "A", IdempotencyKey: "k2"})
			return err
		},
		func() error { return e.OpenCounter(bg, counter, "anna") },
		func() error { _, err := e.CallNext(bg, counter); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	shows(group, "newest.number", "A001")
	shows(group, "waiting.A.number", "A002")
	shows(desk, "desk.number", "A001")
	shows(desk, "desk.status", "Zapraszamy")
	if _, err := e.NoShow(bg, counter); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CallNext(bg, counter); err != nil {
		t.Fatal(err)
	}
	shows(group, "newest.number", "A002")
	shows(desk, "desk.number", "A002")
	if _, err := e.Finish(bg, counter); err != nil {
		t.Fatal(err)
	}
	// The no-show rule calls A001 again at once.
	shows(desk, "desk.number", "A001")
	shows(group, "newest.number", "A001")
	shows(group, "recent.0.number", "A002")
}
