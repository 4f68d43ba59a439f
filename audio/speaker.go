package audio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Speaker plays announcements on the machine's default audio output, one
// at a time. There are two ways to the loudspeaker, chosen when building:
//
//   - default (pure Go, CGO_ENABLED=0, as shipped): ALSA's aplay
//     (Debian: alsa-utils) fed raw PCM on its standard input.
//   - -tags oto, with CGO_ENABLED=1 and ALSA's headers (Debian:
//     libasound2-dev): github.com/gopxl/beep/v2/speaker on oto v3, which on
//     Linux reaches ALSA through cgo, so it cannot be in a CGO_ENABLED=0
//     build.
//
// Either way opening and playing are bounded by timeouts: with no sound
// card the device says so instead of hanging.
type Speaker struct {
	mu      sync.Mutex // one announcement at a time
	closed  bool
	backend speakerBackend
}

// speakerBackend is one way to the loudspeaker. play returns when the
// samples have been played or when ctx ends (then cutting them off).
type speakerBackend interface {
	play(ctx context.Context, samples []float32) error
	stop()
}

var _ Output = (*Speaker)(nil)

// ErrClosed is returned by Play after Close.
var ErrClosed = errors.New("audio: output closed")

// NewSpeaker opens the audio output, waiting at most timeout. Where there is
// none (no sound card, no ALSA device, no aplay) it fails with an error
// "audio: no audio output (why): use a WAV folder output".
func NewSpeaker(timeout time.Duration) (*Speaker, error) {
	b, err := openSpeaker(timeout)
	if err != nil {
		return nil, fmt.Errorf("audio: no audio output (%v): use a WAV folder output", err)
	}
	return &Speaker{backend: b}, nil
}

// Play plays a and returns when it has been heard, when ctx ends, or after
// a's duration plus 2 s, whichever is first; in the last two cases the
// announcement is cut off.
func (s *Speaker) Play(ctx context.Context, a *Announcement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	limit := a.Duration() + 2*time.Second
	pctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := s.backend.play(pctx, a.Samples)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case pctx.Err() != nil:
		return fmt.Errorf("audio: speaker: %s to counter %d did not finish playing within %v", a.Number, a.Counter, limit)
	default:
		return fmt.Errorf("audio: speaker: %s to counter %d: %w", a.Number, a.Counter, err)
	}
}

// Close stops anything playing; Play then returns ErrClosed.
func (s *Speaker) Close() error {
	s.backend.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func errTimeout(d time.Duration) error {
	return fmt.Errorf("the audio device did not open within %v", d)
}
