package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Why Enqueue refuses a message.
var (
	ErrQueueFull = errors.New("too many messages waiting to be sent; try again in a moment")
	ErrClosed    = errors.New("the dispatcher is closed")
)

// Backoff is how long to wait between attempts: Initial, then Multiplier
// times longer each time up to Max, each wait moved at random by up to
// Jitter of itself (0.2: ±20 %).
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64
}

// DefaultBackoff waits 2 s, 4 s, 8 s, 16 s, then 30 s, ±20 %.
var DefaultBackoff = Backoff{Initial: 2 * time.Second, Max: 30 * time.Second, Multiplier: 2, Jitter: 0.2}

// Delay is the wait after the given failed attempt (1 for the first), for
// a random r in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	d := float64(b.Initial)
	for i := 1; i < attempt && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	d = min(d, float64(b.Max))
	d *= 1 + b.Jitter*(2*r-1)
	return time.Duration(d)
}

// DispatcherOptions are a Dispatcher's settings; zero values are the
// defaults.
type DispatcherOptions struct {
	Workers        int           // sending at once; 2 when 0
	QueueSize      int           // messages waiting; 100 when 0
	MaxAttempts    int           // per message; 4 when 0
	AttemptTimeout time.Duration // bounds each attempt; 40 s when 0
	Backoff        Backoff       // between attempts; DefaultBackoff when zero
	Logger         *slog.Logger  // slog.Default when nil
	// Sleep waits d or until ctx ends, returning ctx's error then; a timer
	// when nil. Tests give one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); math/rand/v2's Float64 when nil.
	Jitter func() float64
}

// Dispatcher sends messages outside the request path: Enqueue returns at
// once, a few workers send with retries, and each message's final result
// goes to its done function. Close stops it.
type Dispatcher struct {
	sender Sender
	o      DispatcherOptions
	log    *slog.Logger

	mu      sync.RWMutex // guards closed against sends on jobs
	closed  bool
	jobs    chan job
	pending atomic.Int64 // queued or being sent, until done returns

	ctx    context.Context // ends when Close gives up
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type job struct {
	m    Message
	done func(error)
}

// NewDispatcher starts a dispatcher that sends with s.
func NewDispatcher(s Sender, o DispatcherOptions) *Dispatcher {
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 100
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 40 * time.Second
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{sender: s, o: o, log: o.Logger.With("component", "notify"),
		jobs: make(chan job, o.QueueSize), ctx: ctx, cancel: cancel}
	d.wg.Add(o.Workers)
	for range o.Workers {
		go d.work()
	}
	return d
}

// Enqueue queues m for sending and returns at once. done (when not nil)
// is called once with the final result, nil or why m could not be sent,
// from a worker goroutine: it must not block for long. When the queue
// is full Enqueue returns ErrQueueFull and done is not called.
func (d *Dispatcher) Enqueue(m Message, done func(error)) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return ErrClosed
	}
	d.pending.Add(1)
	select {
	case d.jobs <- job{m, done}:
		return nil
	default:
		d.pending.Add(-1)
		return ErrQueueFull
	}
}

// Pending returns how many messages are queued or being sent, counting
// each until its done function has returned.
func (d *Dispatcher) Pending() int { return int(d.pending.Load()) }

// Close stops taking messages and waits until those queued are sent or
// have failed, or until ctx ends: then it stops retrying, gives the
// messages still waiting ErrClosed, and returns ctx's error.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		close(d.jobs)
	}
	d.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		<-finished // attempts end with d.ctx, within AttemptTimeout at worst
		return ctx.Err()
	}
}

func (d *Dispatcher) work() {
	defer d.wg.Done()
	for j := range d.jobs {
		err := d.send(j.m)
		if j.done != nil {
			j.done(err)
		}
		d.pending.Add(-1)
	}
}

// send tries m until it is sent, fails for good, runs out of attempts or
// the dispatcher gives up.
func (d *Dispatcher) send(m Message) error {
	for n := 1; ; n++ {
		if d.ctx.Err() != nil {
			d.log.Warn("message not sent: closing", "to", m.To, "attempts", n-1)
			return fmt.Errorf("send to %s: %w", m.To.Kind, ErrClosed)
		}
		actx, cancel := context.WithTimeout(d.ctx, d.o.AttemptTimeout)
		err := d.sender.Send(actx, m)
		cancel()
		if err == nil {
			d.log.Info("message sent", "to", m.To, "attempts", n)
			return nil
		}
		if !IsTemporary(err) || n >= d.o.MaxAttempts {
			d.log.Warn("message not sent", "to", m.To, "attempts", n, "err", err)
			return fmt.Errorf("send to %s: %d attempt(s): %w", m.To.Kind, n, err)
		}
		wait := d.o.Backoff.Delay(n, d.o.Jitter())
		d.log.Info("send failed; retrying", "to", m.To, "attempt", n, "wait", wait.Round(time.Millisecond), "err", err)
		if d.o.Sleep(d.ctx, wait) != nil {
			d.log.Warn("message not sent: closing", "to", m.To, "attempts", n, "err", err)
			return fmt.Errorf("send to %s: gave up after %d attempt(s): %w: %w", m.To.Kind, n, ErrClosed, err)
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
