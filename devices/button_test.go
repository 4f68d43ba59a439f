package devices

import (
	"context"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/numerek/numerek/devices/pintest"
	"github.com/numerek/numerek/queue/queuetest"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// sample is a level read at an offset from t0, in milliseconds.
type sample struct {
	ms    int
	level gpio.Level
}

const (
	L = gpio.Low  // pressed
	H = gpio.High // released
)

func TestDebouncer(t *testing.T) {
	tests := []struct {
		name    string
		start   gpio.Level
		samples []sample
		presses []int // indexes of the samples that are presses
	}{
		{"clean press", H, []sample{{0, L}, {200, H}}, []int{0}},
		{"bounce on press", H, []sample{{0, L}, {1, H}, {2, L}, {3, H}, {5, L}, {200, H}}, []int{0}},
		{"bounce on release", H, []sample{{0, L}, {200, H}, {201, L}, {203, H}, {204, L}, {206, H}}, []int{0}},
		{"bounce on press and release", H, []sample{{0, L}, {2, H}, {3, L}, {150, H}, {151, L}, {152, H}, {400, L}}, []int{0, 6}},
		{"held for ten seconds does not repeat", H, []sample{{0, L}, {10_000, H}}, []int{0}},
		{"held, polled while held", H, []sample{{0, L}, {1000, L}, {2000, L}, {3000, L}, {3100, H}}, []int{0}},
		{"fast double press", H, []sample{{0, L}, {80, H}, {120, L}, {200, H}}, []int{0, 2}},
		{"second press exactly the debounce time after release", H, []sample{{0, L}, {50, H}, {80, L}}, []int{0, 2}},
		{"second press too soon after release is bounce", H, []sample{{0, L}, {80, H}, {100, L}, {300, H}}, []int{0}},
		{"bounce after a too-short release needs a new release", H, []sample{{0, L}, {80, H}, {100, L}, {120, L}, {200, H}, {240, L}}, []int{0, 5}},
		{"repeated release samples keep the first", H, []sample{{0, L}, {50, H}, {70, H}, {85, L}}, []int{0, 3}},
		{"held at start counts only after a release", L, []sample{{0, L}, {100, H}, {200, L}}, []int{2}},
		{"held at start and bouncing", L, []sample{{10, H}, {11, L}, {12, H}, {60, L}}, []int{3}},
		{"released samples alone are no press", H, []sample{{0, H}, {10, H}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDebouncer(30*time.Millisecond, tt.start, t0)
			var got []int
			for i, s := range tt.samples {
				if d.Sample(s.level, t0.Add(time.Duration(s.ms)*time.Millisecond)) {
					got = append(got, i)
				}
			}
			if !equalInts(got, tt.presses) {
				t.Errorf("presses at samples %v, want %v", got, tt.presses)
			}
		})
	}
}

func TestDebouncerHeld(t *testing.T) {
	d := NewDebouncer(30*time.Millisecond, H, t0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	if d.Held(at(0)) {
		t.Fatal("held before any press")
	}
	d.Sample(L, at(0))
	if !d.Held(at(5000)) {
		t.Error("not held while down")
	}
	d.Sample(H, at(5000))
	if !d.Held(at(5010)) {
		t.Error("not held 10 ms after release, within the debounce time")
	}
	if d.Held(at(5030)) {
		t.Error("held 30 ms after release")
	}
}

func equalInts(a, b []int) bool {
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

// buttonPin is a fake button pin: periph's gpiotest.Pin with an unbuffered
// EdgesChan, so that a send returns only once the button has taken the
// edge, and with the edge In was last asked for, which gpiotest.Pin does
// not keep.
type buttonPin struct {
	*gpiotest.Pin
	edge gpio.Edge
}

// newButtonPin returns a buttonPin called name. Its Clock is nil, the real
// clock: it bounds only the button's poll for its context ending; the
// debounce times come from the fake clock given to NewButton.
func newButtonPin(name string, num int) *buttonPin {
	return &buttonPin{Pin: &gpiotest.Pin{N: name, Num: num, EdgesChan: make(chan gpio.Level)}}
}

func (p *buttonPin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.edge = edge
	return p.Pin.In(pull, edge)
}

// set sets the level Read returns, without an edge (a button held down
// before the program started).
func (p *buttonPin) set(l gpio.Level) {
	p.Lock()
	defer p.Unlock()
	p.L = l
}

// buttonRig is a Button on a fake pin and a fake clock, running.
type buttonRig struct {
	t       *testing.T
	pin     *buttonPin
	clock   *queuetest.Clock
	presses chan Press
	sampled chan bool
	cancel  context.CancelFunc
	done    chan error
}

func newButtonRig(t *testing.T, held bool) *buttonRig {
	t.Helper()
	r := &buttonRig{t: t, pin: newButtonPin("GPIO17", 17), clock: queuetest.NewClock(t0),
		presses: make(chan Press, 16), sampled: make(chan bool, 16), done: make(chan error, 1)}
	b, err := NewButton(r.pin, "A", ButtonOptions{Debounce: 30 * time.Millisecond, Clock: r.clock, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.pin.Pull(); got != gpio.PullUp {
		t.Errorf("pull %s, want %s", got, gpio.PullUp)
	}
	if got := r.pin.edge; got != gpio.BothEdges {
		t.Errorf("edge %s, want %s", got, gpio.BothEdges)
	}
	if held {
		r.pin.set(L)
	}
	b.sampled = func(_ gpio.Level, _ time.Time, press bool) { r.sampled <- press }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- b.Run(ctx, r.presses) }()
	t.Cleanup(r.stop)
	return r
}

// edge pushes an edge to level at ms after t0 and waits until the button
// has taken it.
func (r *buttonRig) edge(ms int, level gpio.Level) {
	r.t.Helper()
	r.clock.Set(t0.Add(time.Duration(ms) * time.Millisecond))
	r.pin.EdgesChan <- level
	select {
	case <-r.sampled:
	case <-time.After(5 * time.Second):
		r.t.Fatalf("edge at %d ms not taken", ms)
	}
}

func (r *buttonRig) stop() {
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
		r.done <- nil // for a second stop
	case <-time.After(5 * time.Second):
		r.t.Fatal("Run did not stop within 5 s of its context ending")
	}
}

// count stops the button and returns the presses it sent.
func (r *buttonRig) count() []Press {
	r.stop()
	var ps []Press
	for {
		select {
		case p := <-r.presses:
			ps = append(ps, p)
		default:
			return ps
		}
	}
}

func TestButtonOnFakePin(t *testing.T) {
	tests := []struct {
		name  string
		held  bool
		edges []sample
		want  []int // ms of the presses
	}{
		{"bounce sequence is one press", false, []sample{{0, L}, {1, H}, {2, L}, {4, H}, {5, L}, {300, H}, {301, L}, {302, H}}, []int{0}},
		{"long press is one press", false, []sample{{0, L}, {60_000, H}}, []int{0}},
		{"fast double press is two", false, []sample{{0, L}, {2, H}, {3, L}, {90, H}, {91, L}, {92, H}, {130, L}, {131, H}, {132, L}, {220, H}}, []int{0, 130}},
		{"press during the debounce time after release is bounce", false, []sample{{0, L}, {90, H}, {100, L}, {200, H}}, []int{0}},
		{"held at start is no press until released", true, []sample{{500, H}, {900, L}, {1000, H}}, []int{900}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newButtonRig(t, tt.held)
			for _, e := range tt.edges {
				r.edge(e.ms, e.level)
			}
			var got []int
			for _, p := range r.count() {
				if p.Service != "A" || p.Source != "GPIO17" {
					t.Errorf("press %+v, want service A from GPIO17", p)
				}
				got = append(got, int(p.At.Sub(t0)/time.Millisecond))
			}
			if !equalInts(got, tt.want) {
				t.Errorf("presses at %v ms, want %v", got, tt.want)
			}
		})
	}
}

func TestButtonStopsOnContext(t *testing.T) {
	r := newButtonRig(t, false)
	r.stop() // fails the test unless Run returns within 5 s
}

func TestOpenPin(t *testing.T) {
	if _, err := OpenPin("NUMEREK_NO_SUCH_PIN"); err == nil {
		t.Fatal("no error for a pin that does not exist")
	} else if msg := err.Error(); !strings.Contains(msg, `"NUMEREK_NO_SUCH_PIN"`) || !strings.Contains(msg, "Raspberry Pi") {
		t.Errorf("error %q does not name the pin and the likely cause", msg)
	}
	p := &gpiotest.Pin{N: "NUMEREK_TEST_PIN", Num: 990}
	if err := gpioreg.Register(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gpioreg.Unregister("NUMEREK_TEST_PIN") })
	got, err := OpenPin("NUMEREK_TEST_PIN")
	if err != nil || got.Name() != "NUMEREK_TEST_PIN" {
		t.Errorf("OpenPin: got %v, %v, want the registered pin", got, err)
	}
}

func TestLEDLevels(t *testing.T) {
	ms := func(n int) time.Time { return time.UnixMilli(int64(n)) }
	tests := []struct {
		mode LEDMode
		at   []int
		want []gpio.Level
	}{
		{LEDOff, []int{0, 300, 700}, []gpio.Level{L, L, L}},
		{LEDReady, []int{0, 300, 700}, []gpio.Level{H, H, H}},
		{LEDBusy, []int{0, 499, 500, 999, 1000}, []gpio.Level{H, H, L, L, H}},
		{LEDFault, []int{0, 124, 125, 249, 250}, []gpio.Level{H, H, L, L, H}},
	}
	for _, tt := range tests {
		for i, at := range tt.at {
			if got := tt.mode.Level(ms(at)); got != tt.want[i] {
				t.Errorf("%s at %d ms: got %s, want %s", tt.mode, at, got, tt.want[i])
			}
		}
	}
}

func TestLEDRun(t *testing.T) {
	pin := pintest.NewRecorder("GPIO27", 27)
	levels := pin.Watch(64)
	clock := queuetest.NewClock(time.UnixMilli(0))
	mode := make(chan LEDMode, 1)
	mode <- LEDReady
	current := LEDReady
	get := func() LEDMode {
		select {
		case current = <-mode:
		default:
		}
		return current
	}
	led := NewLED(pin, get, clock, nil)
	led.every = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- led.Run(ctx) }()
	want := func(l gpio.Level) {
		t.Helper()
		select {
		case got := <-levels:
			if got != l {
				t.Fatalf("LED set to %s, want %s", got, l)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("LED not set to %s", l)
		}
	}
	want(H) // ready: steady on
	clock.Set(time.UnixMilli(130))
	mode <- LEDFault
	want(L) // fault, second half-period: off
	clock.Set(time.UnixMilli(250))
	want(H)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if outs := pin.Outs(); outs[len(outs)-1] != L {
		t.Errorf("LED left %s after stop, want off", outs[len(outs)-1])
	}
}
