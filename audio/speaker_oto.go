//go:build oto

package audio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gopxl/beep/v2"
	"github.com/gopxl/beep/v2/speaker"
)

// The speaker package holds one process-wide audio device that can be
// opened only once, and opening it can block forever where there is no
// sound card. So it is opened once, in its own goroutine, and every
// openSpeaker waits for that at most its timeout.
var speakerInit struct {
	once sync.Once
	done chan struct{}
	err  error
}

// speakerBuffer is the speaker's buffer: 100 ms, small enough that a call
// is heard at once, big enough not to stutter on a Raspberry Pi.
const speakerBuffer = SampleRate / 10

// afterPlay is how long play waits, past the last sample handed over, for
// the buffered audio to come out of the loudspeaker.
const afterPlay = 100 * time.Millisecond

type otoSpeaker struct{}

func openSpeaker(timeout time.Duration) (speakerBackend, error) {
	speakerInit.once.Do(func() {
		speakerInit.done = make(chan struct{})
		// Ends when speaker.Init returns. If the driver blocks forever so
		// does this goroutine: the price of never blocking the caller. A
		// later openSpeaker succeeds if it does finish.
		go func() {
			defer close(speakerInit.done)
			speakerInit.err = speaker.Init(beep.SampleRate(SampleRate), speakerBuffer)
		}()
	})
	deadline := time.Now().Add(timeout)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-speakerInit.done:
		if speakerInit.err != nil {
			return nil, speakerInit.err
		}
		// oto reports a device that fails to open (no card) only in its
		// own loop, which then never pulls samples: so prove the device
		// plays 50 ms of silence before saying yes.
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if err := (otoSpeaker{}).play(ctx, make([]float32, SampleRate/20)); err != nil {
			return nil, fmt.Errorf("the audio device opened but played nothing within %v", timeout)
		}
		return otoSpeaker{}, nil
	case <-t.C:
		return nil, errTimeout(timeout)
	}
}

func (otoSpeaker) play(ctx context.Context, samples []float32) error {
	done := make(chan struct{})
	ctrl := &beep.Ctrl{Streamer: beep.Seq(samplesStreamer(samples), beep.Callback(func() { close(done) }))}
	speaker.Play(ctrl)
	select {
	case <-done:
	case <-ctx.Done():
		speaker.Lock()
		ctrl.Streamer = nil
		speaker.Unlock()
		return ctx.Err()
	}
	select { // let the buffered tail reach the loudspeaker
	case <-time.After(afterPlay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (otoSpeaker) stop() { speaker.Clear() }

// samplesStreamer streams mono samples to both channels of the speaker.
func samplesStreamer(samples []float32) beep.Streamer {
	pos := 0
	return beep.StreamerFunc(func(out [][2]float64) (int, bool) {
		if pos >= len(samples) {
			return 0, false
		}
		n := min(len(out), len(samples)-pos)
		for i := range n {
			v := float64(samples[pos+i])
			out[i] = [2]float64{v, v}
		}
		pos += n
		return n, true
	})
}
