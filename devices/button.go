package devices

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"

	"github.com/numerek/numerek/queue"
)

// DefaultDebounce is how long a button must read released before its next
// press counts. Contact bounce of push buttons lasts a few milliseconds; a
// person's fastest deliberate double press is about 100 ms apart.
const DefaultDebounce = 30 * time.Millisecond

// Press is one press of a ticket button: the service letter it asks for.
type Press struct {
	Service string    // "A"
	At      time.Time // when the button went down (the first edge)
	Source  string    // "GPIO17", "page", "stdin"
}

// OpenPin returns the GPIO pin called name ("GPIO17", "P1_11", "17") from
// periph's registry. host.Init must have run (the main does it). A name
// that is not found is an error that names it.
func OpenPin(name string) (gpio.PinIO, error) {
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("GPIO pin %q not found: check the name (e.g. GPIO17); "+
			"is this a Raspberry Pi? periph's host.Init works on other machines too, but their pins come back nil", name)
	}
	return p, nil
}

// Debouncer turns the raw levels of an active-low push button (a pull-up,
// pressed connects the pin to ground) into presses, by time alone:
//
//   - the first Low after the button was released is a press, at once;
//   - Lows and Highs after it (contact bounce, or a button held down) are
//     not, until the button has read High for at least Wait;
//   - so a held button never repeats, and a quick real double press (up
//     for Wait or longer between the two) counts twice.
//
// The release is judged when the next Low comes, so the Debouncer needs
// no timer: it is a pure state machine fed (level, time) samples. Samples
// that repeat the last level change nothing, so a reader may also poll.
// The zero Debouncer starts released and counts any release as long enough.
type Debouncer struct {
	Wait time.Duration

	down    bool      // a press was counted and has not been released for Wait
	upSince time.Time // while down: when it read High; zero while it reads Low
}

// NewDebouncer returns a Debouncer that needs wait of release between
// presses and starts from level, read at t: a button already down when the
// program starts must be released before it counts.
func NewDebouncer(wait time.Duration, level gpio.Level, t time.Time) *Debouncer {
	d := &Debouncer{Wait: wait}
	if level == gpio.Low {
		d.down = true
	}
	return d
}

// Sample feeds the level read at t and reports whether it is a new press.
func (d *Debouncer) Sample(level gpio.Level, t time.Time) bool {
	if level == gpio.High {
		if d.down && d.upSince.IsZero() {
			d.upSince = t
		}
		return false
	}
	released := !d.down || (!d.upSince.IsZero() && t.Sub(d.upSince) >= d.Wait)
	d.down = true
	d.upSince = time.Time{}
	return released
}

// Held reports whether the button counts as down at t: pressed and not yet
// released for Wait.
func (d *Debouncer) Held(t time.Time) bool {
	return d.down && (d.upSince.IsZero() || t.Sub(d.upSince) < d.Wait)
}

// ButtonOptions are a Button's settings; zero values are the defaults.
type ButtonOptions struct {
	Debounce time.Duration // DefaultDebounce when 0
	Clock    Clock         // the system clock when nil
	Logger   *slog.Logger  // slog.Default when nil
	// Poll bounds each wait for an edge, so that Run notices its context
	// ending and reads the level in case an edge was lost. 100 ms when 0.
	Poll time.Duration
}

// Button is a ticket button on a GPIO pin: active low with the pin's
// pull-up, edges from the kernel, debounced by a Debouncer.
type Button struct {
	pin     gpio.PinIn
	service string
	wait    time.Duration
	poll    time.Duration
	clock   Clock
	log     *slog.Logger
	both    bool // edges both ways; else falling only, and releases are polled

	// sampled, when set (by tests), is called after each sample.
	sampled func(level gpio.Level, t time.Time, press bool)
}

// NewButton sets pin up as an input with its pull-up, reporting edges both
// ways (falling edges only, with the release polled, where the driver
// cannot do both), for the service letter service.
func NewButton(pin gpio.PinIn, service string, o ButtonOptions) (*Button, error) {
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	b := &Button{pin: pin, service: service, wait: o.Debounce, poll: o.Poll, clock: o.Clock,
		log: o.Logger.With("component", "button", "pin", pin.Name(), "service", service), both: true}
	if err := pin.In(gpio.PullUp, gpio.BothEdges); err != nil {
		if err2 := pin.In(gpio.PullUp, gpio.FallingEdge); err2 != nil {
			return nil, fmt.Errorf("button %s (service %s): set up as input with pull-up and falling edges: %w", pin.Name(), service, err2)
		}
		b.both = false
		b.log.Info("pin reports falling edges only; releases are polled", "err", err)
	}
	return b, nil
}

// Service is the letter the button asks for.
func (b *Button) Service() string { return b.service }

// Run sends a Press to presses for every debounced press until ctx ends,
// then returns nil. It waits for edges at most Poll at a time, so it stops
// within Poll of ctx ending.
func (b *Button) Run(ctx context.Context, presses chan<- Press) error {
	now := b.clock.Now()
	last := b.pin.Read()
	deb := NewDebouncer(b.wait, last, now)
	if last == gpio.Low {
		b.log.Warn("button reads pressed at start: it counts only after it is released (stuck or wired to the wrong pin?)")
	}
	var stuck stuckWatch
	for ctx.Err() == nil {
		wait := b.poll
		if !b.both && deb.Held(b.clock.Now()) && b.wait/2 < wait {
			wait = max(b.wait/2, time.Millisecond) // watch for the release
		}
		edge := b.pin.WaitForEdge(wait)
		level, t := b.pin.Read(), b.clock.Now()
		if !edge && level == last {
			if stuck.check(deb.Held(t) && level == gpio.Low, t) {
				b.log.Warn("button held down for a minute: stuck?")
			}
			continue
		}
		last = level
		press := deb.Sample(level, t)
		if b.sampled != nil {
			b.sampled(level, t, press)
		}
		if !press {
			continue
		}
		b.log.Debug("press")
		select {
		case presses <- Press{Service: b.service, At: t, Source: b.pin.Name()}:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// stuckAfter is how long a button may read pressed before it is logged as
// stuck.
const stuckAfter = time.Minute

// stuckWatch tells, once per hold, that a button is held for stuckAfter.
type stuckWatch struct {
	since  time.Time
	warned bool
}

// check takes whether the button is held at t and reports whether to warn.
func (w *stuckWatch) check(held bool, t time.Time) bool {
	switch {
	case !held:
		*w = stuckWatch{}
	case w.since.IsZero():
		w.since = t
	case !w.warned && t.Sub(w.since) >= stuckAfter:
		w.warned = true
		return true
	}
	return false
}
