// Package pintest fakes periph GPIO pins for tests: an input whose edges a
// test pushes through EdgesChan, as with periph's gpiotest.Pin, and an
// output that keeps every level it was set to.
//
// It exists because periph.io/x/conn/v3/gpio/gpiotest imports
// github.com/jonboulle/clockwork, which is not in numerek's go.sum; the
// fields and the behaviour follow gpiotest.Pin so that tests can move to it
// by changing the import.
package pintest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
)

// Pin implements gpio.PinIO. A test pushes levels to EdgesChan; the next
// WaitForEdge takes one, sets the pin to it and returns true.
type Pin struct {
	N   string
	Num int

	// EdgesChan fakes edges, as in gpiotest.Pin. Make it before In.
	EdgesChan chan gpio.Level

	mu   sync.Mutex
	l    gpio.Level
	pull gpio.Pull
	edge gpio.Edge
	outs []gpio.Level
	outc chan gpio.Level
}

// New returns an input pin called name, with an unbuffered EdgesChan, so
// that a send returns only once the pin's reader has taken the edge.
func New(name string, num int) *Pin {
	return &Pin{N: name, Num: num, EdgesChan: make(chan gpio.Level)}
}

// String implements conn.Resource.
func (p *Pin) String() string { return fmt.Sprintf("%s(%d)", p.N, p.Num) }

// Halt implements conn.Resource.
func (p *Pin) Halt() error { return nil }

// Name implements pin.Pin.
func (p *Pin) Name() string { return p.N }

// Number implements pin.Pin.
func (p *Pin) Number() int { return p.Num }

// Function implements pin.Pin.
func (p *Pin) Function() string { return string(p.Func()) }

// Func implements pin.PinFunc.
func (p *Pin) Func() pin.Func {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.outs != nil {
		return gpio.OUT
	}
	return gpio.IN
}

// In implements gpio.PinIn: a pull-up reads High and a pull-down Low, as
// gpiotest.Pin does; edges already pushed are dropped.
func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pull, p.edge = pull, edge
	switch pull {
	case gpio.PullUp:
		p.l = gpio.High
	case gpio.PullDown:
		p.l = gpio.Low
	}
	if edge != gpio.NoEdge && p.EdgesChan == nil {
		return errors.New("pintest: set EdgesChan before In with an edge")
	}
	for {
		select {
		case <-p.EdgesChan:
		default:
			return nil
		}
	}
}

// Edge returns the edge In was last called with.
func (p *Pin) Edge() gpio.Edge {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.edge
}

// Read implements gpio.PinIn.
func (p *Pin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.l
}

// Set sets the level Read returns, without an edge (a button held down
// before the program started).
func (p *Pin) Set(l gpio.Level) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l = l
}

// WaitForEdge implements gpio.PinIn on the real clock: a negative timeout
// waits for ever.
func (p *Pin) WaitForEdge(timeout time.Duration) bool {
	var after <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-after:
		return false
	case l := <-p.EdgesChan:
		p.Set(l)
		return true
	}
}

// Pull implements gpio.PinIn.
func (p *Pin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

// DefaultPull implements gpio.PinIn.
func (p *Pin) DefaultPull() gpio.Pull { return gpio.PullNoChange }

// Out implements gpio.PinOut: it sets the level and keeps it in Outs, and
// sends it to the channel Watch returned, if any, without blocking.
func (p *Pin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l = l
	p.outs = append(p.outs, l)
	if p.outc != nil {
		select {
		case p.outc <- l:
		default:
		}
	}
	return nil
}

// Outs returns every level Out was called with, oldest first.
func (p *Pin) Outs() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]gpio.Level(nil), p.outs...)
}

// Watch returns a channel that receives the levels Out is called with
// from now on (up to n buffered; more are dropped).
func (p *Pin) Watch(n int) <-chan gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outc = make(chan gpio.Level, n)
	return p.outc
}

// PWM implements gpio.PinOut; the fake has no PWM.
func (p *Pin) PWM(duty gpio.Duty, f physic.Frequency) error {
	return errors.New("pintest: no PWM")
}

var _ gpio.PinIO = (*Pin)(nil)
