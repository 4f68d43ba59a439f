package devices

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/numerek/numerek/printer"
)

// lastByte is a transport that tells when the last byte of each ticket was
// written, optionally passing the bytes on to a virtual printer.
type lastByte struct {
	next  printer.Transport // nil: the bytes are dropped
	wrote chan time.Time
	mu    sync.Mutex
	n     int
}

func (l *lastByte) Write(p []byte) (int, error) {
	n := len(p)
	var err error
	if l.next != nil {
		n, err = l.next.Write(p)
	}
	l.mu.Lock()
	l.n += n
	l.mu.Unlock()
	l.wrote <- time.Now()
	return n, err
}

func (l *lastByte) Status(ctx context.Context) (printer.Status, error) {
	if l.next != nil {
		return l.next.Status(ctx)
	}
	return printer.Status{Online: true, Known: true}, nil
}

func (l *lastByte) Close() error { return nil }

// BenchmarkPressToLastByte measures a button's falling edge to the last
// byte of the ticket written to the printer's transport: the debounced
// button, the dispenser, a real controller on loopback (bbolt commit
// included) and the ESC/POS layout; "virtual" adds rendering the PNG.
// ns/op is the median; p90-ms the 90th percentile.
func BenchmarkPressToLastByte(b *testing.B) {
	for _, kind := range []string{"transport", "virtual"} {
		b.Run(kind, func(b *testing.B) {
			br := newBranch(b)
			tr := &lastByte{wrote: make(chan time.Time, 1)}
			if kind == "virtual" {
				v, err := printer.NewVirtual(b.TempDir(), 80)
				if err != nil {
					b.Fatal(err)
				}
				tr.next = v
			}
			prn, err := NewESCPOS(func() (printer.Transport, error) { return tr, nil }, printer.DefaultLayout(), quiet)
			if err != nil {
				b.Fatal(err)
			}
			d := NewDispenser(br.client(nil), prn, DispenserOptions{Logger: quiet, PollEvery: time.Hour, HeartbeatEvery: time.Hour})
			pin := &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level)}
			button, err := NewButton(pin, "A", ButtonOptions{Debounce: time.Millisecond, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			presses := make(chan Press)
			var wg sync.WaitGroup
			wg.Go(func() { d.Run(ctx, presses) })
			wg.Go(func() { button.Run(ctx, presses) })
			defer func() { cancel(); wg.Wait() }()

			idle := func() {
				for d.LEDMode() == LEDBusy || d.LEDMode() == LEDOff {
					time.Sleep(50 * time.Microsecond)
				}
			}
			idle()
			// One press outside the measurement: connections, fonts.
			pin.EdgesChan <- gpio.Low
			<-tr.wrote
			pin.EdgesChan <- gpio.High
			idle()
			time.Sleep(2 * time.Millisecond)

			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				pin.EdgesChan <- gpio.Low
				end := <-tr.wrote
				times = append(times, end.Sub(start))
				b.StopTimer()
				pin.EdgesChan <- gpio.High
				idle()
				time.Sleep(2 * time.Millisecond) // released for longer than the debounce time
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "ns/op")
			b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			if s := d.State(); s.Printed != b.N+1 {
				b.Errorf("%d tickets printed for %d presses", s.Printed, b.N+1)
			}
		})
	}
}
