package devices

import (
	"context"
	"log/slog"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/numerek/numerek/queue"
)

// LEDMode is what the dispenser's status LED shows.
type LEDMode int

// The LED's modes.
const (
	LEDOff   LEDMode = iota // not running
	LEDReady                // steady on: press for a ticket
	LEDBusy                 // slow blink (1 Hz): a ticket is being asked for or printed; presses are ignored
	LEDFault                // fast blink (4 Hz): controller unreachable, printer offline, out of paper or cover open
)

func (m LEDMode) String() string {
	switch m {
	case LEDReady:
		return "ready"
	case LEDBusy:
		return "busy"
	case LEDFault:
		return "fault"
	}
	return "off"
}

// Blink half-periods.
const (
	slowBlink = 500 * time.Millisecond
	fastBlink = 125 * time.Millisecond
)

// Level is the LED's level in mode m at t: a pure function of the time, so
// blinking needs no state and tests need no timers.
func (m LEDMode) Level(t time.Time) gpio.Level {
	half := time.Duration(0)
	switch m {
	case LEDReady:
		return gpio.High
	case LEDBusy:
		half = slowBlink
	case LEDFault:
		half = fastBlink
	default:
		return gpio.Low
	}
	return gpio.Level((t.UnixNano()/int64(half))%2 == 0)
}

// LED drives a status LED (active high) from a mode that can change at any
// time.
type LED struct {
	pin   gpio.PinOut
	mode  func() LEDMode
	clock Clock
	every time.Duration
	log   *slog.Logger
}

// NewLED returns an LED on pin showing mode(), read every 25 ms.
func NewLED(pin gpio.PinOut, mode func() LEDMode, clock Clock, log *slog.Logger) *LED {
	if clock == nil {
		clock = queue.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &LED{pin: pin, mode: mode, clock: clock, every: 25 * time.Millisecond,
		log: log.With("component", "led", "pin", pin.Name())}
}

// Run sets the LED until ctx ends, then turns it off and returns nil.
func (l *LED) Run(ctx context.Context) error {
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	var last gpio.Level
	set := func(v gpio.Level, force bool) {
		if v == last && !force {
			return
		}
		if err := l.pin.Out(v); err != nil {
			l.log.Warn("set LED", "err", err)
		}
		last = v
	}
	set(l.mode().Level(l.clock.Now()), true)
	for {
		select {
		case <-ctx.Done():
			set(gpio.Low, true)
			return nil
		case <-tick.C:
			set(l.mode().Level(l.clock.Now()), false)
		}
	}
}
