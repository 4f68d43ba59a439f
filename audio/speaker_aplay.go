//go:build !oto

package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// aplayArgs play raw mono 16-bit PCM at SampleRate from standard input on
// ALSA's default device.
var aplayArgs = []string{"-q", "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", fmt.Sprint(SampleRate), "-"}

type aplaySpeaker struct {
	path string
	mu   sync.Mutex
	kill context.CancelFunc // of the aplay running now, if any
}

// openSpeaker finds aplay and proves the device opens by playing 50 ms of
// silence, within timeout.
func openSpeaker(timeout time.Duration) (speakerBackend, error) {
	path, err := exec.LookPath("aplay")
	if err != nil {
		return nil, errors.New("aplay not found: install alsa-utils, or build with -tags oto")
	}
	s := &aplaySpeaker{path: path}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.play(ctx, make([]float32, SampleRate/20)); err != nil {
		if ctx.Err() != nil {
			return nil, errTimeout(timeout)
		}
		return nil, err
	}
	return s, nil
}

func (s *aplaySpeaker) play(ctx context.Context, samples []float32) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.kill = cancel
	s.mu.Unlock()
	pcm := make([]byte, 2*len(samples))
	for i, x := range samples {
		v := toInt16(x)
		pcm[2*i], pcm[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	cmd := exec.CommandContext(ctx, s.path, aplayArgs...)
	cmd.Stdin = bytes.NewReader(pcm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second // if aplay leaves a child holding its pipes
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("aplay: %s", firstLine(msg))
		}
		return fmt.Errorf("aplay: %w", err)
	}
	return nil
}

func (s *aplaySpeaker) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kill != nil {
		s.kill()
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
