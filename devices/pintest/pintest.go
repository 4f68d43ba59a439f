// Package pintest keeps what periph's gpiotest.Pin lacks for numerek's
// tests: the levels an output pin (the status LED) was set to over time.
// gpiotest.Pin's Out only overwrites L, so a test polling it can miss a
// blink; Recorder keeps every level and can hand them to the test as they
// come.
//
// Fake inputs (buttons: edges, bounces, a button held at start) use
// periph.io/x/conn/v3/gpio/gpiotest.Pin directly.
package pintest

import (
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// Recorder is a gpiotest.Pin whose Out also records the level.
type Recorder struct {
	gpiotest.Pin

	mu    sync.Mutex
	outs  []gpio.Level
	watch chan gpio.Level
}

// NewRecorder returns an output pin called name.
func NewRecorder(name string, num int) *Recorder {
	return &Recorder{Pin: gpiotest.Pin{N: name, Num: num, Fn: string(gpio.OUT)}}
}

// Out implements gpio.PinOut: it sets L as gpiotest.Pin does, keeps the
// level in Outs, and sends it to the channel Watch returned, if any,
// without blocking.
func (p *Recorder) Out(l gpio.Level) error {
	if err := p.Pin.Out(l); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outs = append(p.outs, l)
	if p.watch != nil {
		select {
		case p.watch <- l:
		default:
		}
	}
	return nil
}

// Outs returns every level Out was called with, oldest first.
func (p *Recorder) Outs() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]gpio.Level(nil), p.outs...)
}

// Watch returns a channel that receives the levels Out is called with
// from now on (up to n buffered; more are dropped).
func (p *Recorder) Watch(n int) <-chan gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.watch = make(chan gpio.Level, n)
	return p.watch
}

var _ gpio.PinIO = (*Recorder)(nil)
