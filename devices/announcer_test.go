package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// fakeFeed hands the test's messages to the announcer; send returns
// after the announcer has handled it.
type fakeFeed struct {
	msgs    chan StreamMessage
	handled chan struct{}
}

func (f *fakeFeed) send(m StreamMessage) {
	f.msgs <- m
	<-f.handled
}

func (f *fakeFeed) Run(ctx context.Context, handle func(StreamMessage)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-f.msgs:
			handle(m)
			f.handled <- struct{}{}
		}
	}
}

func (f *fakeFeed) State() StreamState { return StreamState{Connected: true} }

// fakeVoice records what it announces. When block is set, each
// announcement lasts until the test releases it.
type fakeVoice struct {
	block   bool
	release chan struct{}
	started chan string // "A001@1" when an announcement starts

	mu      sync.Mutex
	said    []string
	active  int
	overlap bool
	fail    error
}

func newFakeVoice(block bool) *fakeVoice {
	return &fakeVoice{block: block, release: make(chan struct{}), started: make(chan string, 100)}
}

func (v *fakeVoice) Announce(ctx context.Context, number string, counter int) error {
	s := fmt.Sprintf("%s@%d", number, counter)
	v.mu.Lock()
	v.active++
	if v.active > 1 {
		v.overlap = true
	}
	fail := v.fail
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		v.active--
		v.said = append(v.said, s)
		v.mu.Unlock()
	}()
	v.started <- s
	if v.block {
		select {
		case <-v.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return fail
}

func (v *fakeVoice) Said() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.said...)
}

var annT0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type announcerRig struct {
	feed  *fakeFeed
	voice *fakeVoice
	clock *queuetest.Clock
	a     *Announcer
	logs  *devicetest.SyncBuffer
}

func startAnnouncer(t *testing.T, voice *fakeVoice, hb HeartbeatSender, o AnnouncerOptions) *announcerRig {
	t.Helper()
	r := &announcerRig{feed: &fakeFeed{msgs: make(chan StreamMessage), handled: make(chan struct{})}, voice: voice, clock: queuetest.NewClock(annT0), logs: &devicetest.SyncBuffer{}}
	o.Clock = r.clock
	o.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.a = NewAnnouncer(r.feed, voice, hb, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop within 5 s of its context's end")
		}
	})
	return r
}

func (r *announcerRig) snapshot(seq uint64, voice bool) {
	r.feed.send(StreamMessage{Snapshot: &queue.View{Location: "centrum", Seq: seq, Voice: voice}, Received: time.Now()})
}

func (r *announcerRig) event(seq uint64, typ queue.EventType, number string, counter int, age time.Duration) {
	e := queue.Event{Seq: seq, Type: typ, Number: number, Counter: counter, Time: r.clock.Now().Add(-age)}
	r.feed.send(StreamMessage{Event: &e, Received: time.Now()})
}

func (v *fakeVoice) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-v.started:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement started within 5 s")
		return ""
	}
}

func (v *fakeVoice) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case s := <-v.started:
		t.Fatalf("got announcement %s, want none", s)
	case <-time.After(d):
	}
}

func TestAnnouncerInOrderNeverOverlapping(t *testing.T) {
	v := newFakeVoice(true)
	r := startAnnouncer(t, v, nil, AnnouncerOptions{})
	r.snapshot(10, true)
	r.event(11, queue.Called, "A001", 1, 0)
	r.event(12, queue.TicketIssued, "A004", 0, 0) // not a call
	r.event(13, queue.Called, "B002", 2, 0)
	r.event(14, queue.Recalled, "A001", 1, 0) // a recall is announced again
	r.event(15, queue.Called, "C003", 5, 0)

	for _, want := range []string{"A001@1", "B002@2", "A001@1", "C003@5"} {
		if got := v.next(t); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
		v.none(t, 20*time.Millisecond) // the next waits for this one to end
		v.release <- struct{}{}
	}
	v.none(t, 20*time.Millisecond)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.overlap {
		t.Error("announcements overlapped")
	}
	if !strings.Contains(r.logs.String(), "msg=announced") || !strings.Contains(r.logs.String(), "latency=") {
		t.Errorf("got no announcement logged with its latency:\n%s", r.logs)
	}
}

func TestAnnouncerSkips(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(r *announcerRig)
		want []string
	}{
		{"old call", func(r *announcerRig) {
			r.snapshot(10, true)
			r.event(11, queue.Called, "A001", 1, 31*time.Second)
			r.event(12, queue.Called, "A002", 2, 29*time.Second)
		}, []string{"A002@2"}},
		{"reconnect replays nothing old", func(r *announcerRig) {
			r.snapshot(10, true)
			r.event(11, queue.Called, "A001", 1, 0)
			r.clock.Advance(2 * time.Minute) // offline a while
			r.snapshot(12, true)             // a fresh snapshot: nothing replayed
			r.event(11, queue.Called, "A001", 1, 2*time.Minute)
			r.event(12, queue.Called, "A002", 2, time.Minute) // replayed, but old
			r.event(13, queue.Recalled, "A001", 1, 0)
		}, []string{"A001@1", "A001@1"}},
		{"duplicate seq", func(r *announcerRig) {
			r.snapshot(10, true)
			r.event(10, queue.Called, "A000", 1, 0)
			r.event(11, queue.Called, "A001", 1, 0)
			r.event(11, queue.Called, "A001", 1, 0)
		}, []string{"A001@1"}},
		{"voice off", func(r *announcerRig) {
			r.snapshot(10, false)
			r.event(11, queue.Called, "A001", 1, 0)
			r.event(12, queue.Recalled, "A001", 1, 0)
		}, nil},
		{"no snapshot yet", func(r *announcerRig) {
			r.event(11, queue.Called, "A001", 1, 0)
		}, nil},
		{"voice turned on", func(r *announcerRig) {
			r.snapshot(10, false)
			r.event(11, queue.Called, "A001", 1, 0)
			r.snapshot(11, true)
			r.event(12, queue.Called, "A002", 1, 0)
		}, []string{"A002@1"}},
		{"device clock wrong: a Pi at 1970 before NTP", func(r *announcerRig) {
			r.snapshot(10, true)
			// The controller's clock is 56 years ahead of this device's; the
			// stream measured it. By the device's clock alone every replayed
			// call would look new.
			skew := r.clock.Now().AddDate(56, 0, 0).Sub(r.clock.Now())
			fresh := queue.Event{Seq: 11, Type: queue.Called, Number: "A001", Counter: 1, Time: r.clock.Now().Add(skew).Add(-time.Second)}
			stale := queue.Event{Seq: 12, Type: queue.Called, Number: "A002", Counter: 2, Time: r.clock.Now().Add(skew).Add(-2 * time.Minute)}
			r.feed.send(StreamMessage{Event: &fresh, Received: time.Now(), Skew: skew})
			r.feed.send(StreamMessage{Event: &stale, Received: time.Now(), Skew: skew})
		}, []string{"A001@1"}},
		{"max age 5s", func(r *announcerRig) {
			r.a.opts.MaxAge = 5 * time.Second
			r.snapshot(10, true)
			r.event(11, queue.Called, "A001", 1, 6*time.Second)
			r.event(12, queue.Called, "A002", 1, 4*time.Second)
		}, []string{"A002@1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newFakeVoice(false)
			r := startAnnouncer(t, v, nil, AnnouncerOptions{})
			t.Cleanup(func() {
				if t.Failed() {
					t.Log(r.logs)
				}
			})
			tc.run(r)
			var got []string
			for range tc.want {
				got = append(got, v.next(t))
			}
			v.none(t, 30*time.Millisecond)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAnnouncerVoiceOffWhileWaiting(t *testing.T) {
	v := newFakeVoice(true)
	r := startAnnouncer(t, v, nil, AnnouncerOptions{})
	r.snapshot(10, true)
	r.event(11, queue.Called, "A001", 1, 0)
	r.event(12, queue.Called, "A002", 1, 0)
	if got := v.next(t); got != "A001@1" {
		t.Fatalf("got %s, want A001@1", got)
	}
	r.snapshot(12, false)
	v.release <- struct{}{}
	v.none(t, 30*time.Millisecond)
}

// fakeHeartbeats records heartbeats.
type fakeHeartbeats struct {
	ch chan Health
}

func (f *fakeHeartbeats) Heartbeat(ctx context.Context, h Health) error {
	select {
	case f.ch <- h:
	default:
	}
	return nil
}

func TestAnnouncerHealth(t *testing.T) {
	v := newFakeVoice(false)
	hb := &fakeHeartbeats{ch: make(chan Health, 100)}
	r := startAnnouncer(t, v, hb, AnnouncerOptions{Output: "wav var/announcements", Version: "1.2"})
	wait := func(want func(Health) bool) Health {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case h := <-hb.ch:
				if want(h) {
					return h
				}
			case <-deadline:
				t.Fatal("no such heartbeat within 5 s")
			}
		}
	}
	r.snapshot(10, true)
	h := wait(func(h Health) bool { return h.Detail == "output: wav var/announcements" })
	if h.Status != "ok" || h.Controller != "ok" || h.Version != "1.2" {
		t.Errorf("got %+v, want ok", h)
	}
	v.mu.Lock()
	v.fail = errors.New("speaker: no sound card")
	v.mu.Unlock()
	r.event(11, queue.Called, "A001", 1, 0)
	h = wait(func(h Health) bool { return h.Status == "error" })
	if !strings.Contains(h.Detail, "no sound card") {
		t.Errorf("got detail %q, want the playback's error", h.Detail)
	}
	v.mu.Lock()
	v.fail = nil
	v.mu.Unlock()
	r.event(12, queue.Called, "A002", 1, 0)
	wait(func(h Health) bool { return h.Status == "ok" })
	r.snapshot(12, false)
	wait(func(h Health) bool { return h.Detail == "voice off at this location: silent" })
}

func TestAnnouncerPlayTimeout(t *testing.T) {
	v := newFakeVoice(true) // a speaker that never finishes
	r := startAnnouncer(t, v, nil, AnnouncerOptions{PlayTimeout: 50 * time.Millisecond})
	r.snapshot(10, true)
	r.event(11, queue.Called, "A001", 1, 0)
	r.event(12, queue.Called, "A002", 1, 0)
	v.next(t)
	if got := v.next(t); got != "A002@1" {
		t.Fatalf("got %s, want A002@1 after the first timed out", got)
	}
	if h := r.a.Health(); h.Status != "error" || !strings.Contains(h.Detail, "no audio output") {
		t.Errorf("got %+v, want error: no audio output", h)
	}
}
