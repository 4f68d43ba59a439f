package main

import (
	"context"

	"github.com/numerek/numerek/audio"
	"github.com/numerek/numerek/devices"
)

// renderer makes the announcement of a call. *audio.Bank is the real one.
type renderer interface {
	Render(number string, counter int, chime bool) (*audio.Announcement, error)
}

// audioVoice is devices.Voice made of a clip bank and an audio output.
type audioVoice struct {
	bank   renderer
	out    audio.Output
	chime  bool
	volume float32 // 0..1
}

var _ devices.Voice = (*audioVoice)(nil)

// Announce renders the call, scales it to the volume and plays it.
func (v *audioVoice) Announce(ctx context.Context, number string, counter int) error {
	a, err := v.bank.Render(number, counter, v.chime)
	if err != nil {
		return err
	}
	if v.volume != 1 {
		scaled := *a // a bank may keep what it returns: scale a copy
		scaled.Samples = make([]float32, len(a.Samples))
		for i, s := range a.Samples {
			scaled.Samples[i] = s * v.volume
		}
		a = &scaled
	}
	return v.out.Play(ctx, a)
}
