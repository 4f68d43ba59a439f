package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/notify/notifytest"
)

// sleeps records the waits a dispatcher asks for and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

var testBackoff = notify.Backoff{Initial: time.Second, Max: 3 * time.Second, Multiplier: 2, Jitter: 0.2}

// sendOne sends m through a dispatcher and returns the result given to
// done.
func sendOne(t *testing.T, s notify.Sender, o notify.DispatcherOptions, m notify.Message) error {
	t.Helper()
	d := notify.NewDispatcher(s, o)
	result := make(chan error, 1)
	if err := d.Enqueue(m, func(err error) { result <- err }); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		return err
	default:
		t.Fatal("Close returned before done was called")
		return nil
	}
}

func TestDispatcherRetries(t *testing.T) {
	tests := []struct {
		name     string
		fail     int // requests that fail
		status   int
		body     string
		wantErr  bool
		requests int
		waits    []time.Duration
	}{
		{"sent at once", 0, 0, "", false, 1, nil},
		{"5xx retried", 2, 503, "", false, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"429 retried", 1, 429, "", false, 2, []time.Duration{time.Second}},
		{"SMSAPI busy retried", 1, 200, notifytest.SMSAPIError(203, "Too many requests"), false, 2, []time.Duration{time.Second}},
		{"gives up", 10, 500, "", true, 4, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{"4xx not retried", 1, 400, notifytest.SMSAPIError(8, "Error in request"), true, 1, nil},
		{"invalid number not retried", 1, 200, notifytest.SMSAPIError(13, "No correct phone numbers"), true, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := notifytest.NewSMSAPI(t, "tok")
			if tt.fail > 0 {
				fake.FailNext(tt.fail, tt.status, tt.body)
			}
			var s sleeps
			var log bytes.Buffer
			o := notify.DispatcherOptions{Workers: 1, MaxAttempts: 4, Backoff: testBackoff, Sleep: s.sleep,
				Jitter: func() float64 { return 0.5 }, Logger: slog.New(slog.NewTextHandler(&log, nil))}
			err := sendOne(t, &notify.SMSAPI{BaseURL: fake.URL, Token: "tok"}, o,
				notify.Message{To: phone(t, "600 700 800"), Text: polishText})
			if (err != nil) != tt.wantErr {
				t.Fatalf("done got %v, want error %v", err, tt.wantErr)
			}
			if n := len(fake.Requests()); n != tt.requests {
				t.Errorf("got %d requests, want %d", n, tt.requests)
			}
			if got := s.got(); !equalDurations(got, tt.waits) {
				t.Errorf("got waits %v, want %v", got, tt.waits)
			}
			for _, secret := range []string{"600700800", "Zapraszamy"} {
				if strings.Contains(log.String(), secret) {
					t.Errorf("the log shows %q:\n%s", secret, log.String())
				}
			}
			if !strings.Contains(log.String(), "+48 *** *** 800") {
				t.Errorf("the log does not name the masked number:\n%s", log.String())
			}
			if err != nil {
				checkNoPersonalData(t, err, "600700800", "Zapraszamy")
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{3, 0.5, 3 * time.Second},
		{9, 0.5, 3 * time.Second},
		{1, 0, 800 * time.Millisecond},
		{2, 1, 2400 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := testBackoff.Delay(tt.attempt, tt.r); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.r, got, tt.want)
		}
	}
}

// gate is a Sender that blocks each Send until released or ctx ends.
type gate struct {
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	sent    int
}

func newGate() *gate { return &gate{started: make(chan struct{}, 100), release: make(chan struct{})} }

func (g *gate) Send(ctx context.Context, m notify.Message) error {
	g.started <- struct{}{}
	select {
	case <-g.release:
		g.mu.Lock()
		g.sent++
		g.mu.Unlock()
		return nil
	case <-ctx.Done():
		return &notify.ProviderError{Provider: "gate", Temporary: true, Err: ctx.Err()}
	}
}

// results collects what done functions are given.
type results struct {
	mu   sync.Mutex
	errs []error
}

func (r *results) done(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *results) get() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func TestDispatcherQueueFullThenDrains(t *testing.T) {
	g := newGate()
	d := notify.NewDispatcher(g, notify.DispatcherOptions{Workers: 1, QueueSize: 2, Logger: slog.New(slog.DiscardHandler)})
	var r results
	m := notify.Message{To: phone(t, "600 700 800"), Text: "x"}
	if err := d.Enqueue(m, r.done); err != nil {
		t.Fatal(err)
	}
	<-g.started // the worker holds the first; two more fill the queue
	for i := range 2 {
		if err := d.Enqueue(m, r.done); err != nil {
			t.Fatalf("Enqueue %d: %v", i+2, err)
		}
	}
	if err := d.Enqueue(m, r.done); !errors.Is(err, notify.ErrQueueFull) {
		t.Fatalf("Enqueue to a full queue: got %v, want ErrQueueFull", err)
	}
	if n := d.Pending(); n != 3 {
		t.Errorf("Pending() = %d, want 3", n)
	}
	close(g.release)
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := r.get()
	if len(got) != 3 {
		t.Fatalf("done was called %d times, want 3", len(got))
	}
	for _, err := range got {
		if err != nil {
			t.Errorf("done got %v, want nil", err)
		}
	}
	if n := d.Pending(); n != 0 {
		t.Errorf("Pending() after Close = %d, want 0", n)
	}
	if err := d.Enqueue(m, r.done); !errors.Is(err, notify.ErrClosed) {
		t.Errorf("Enqueue after Close: got %v, want ErrClosed", err)
	}
}

func TestDispatcherCloseGivesUp(t *testing.T) {
	g := newGate() // never released
	d := notify.NewDispatcher(g, notify.DispatcherOptions{Workers: 1, QueueSize: 5, Logger: slog.New(slog.DiscardHandler)})
	var r results
	m := notify.Message{To: email(t, "jan@example.com"), Text: "x"}
	for range 3 {
		if err := d.Enqueue(m, r.done); err != nil {
			t.Fatal(err)
		}
	}
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close: got %v, want context.Canceled", err)
	}
	got := r.get()
	if len(got) != 3 {
		t.Fatalf("done was called %d times, want 3", len(got))
	}
	for _, err := range got {
		if !errors.Is(err, notify.ErrClosed) {
			t.Errorf("done got %v, want ErrClosed", err)
		}
	}
}
