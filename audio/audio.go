// Package audio speaks numerek's calls in Polish: numbers and letters to
// words, the phrase of a call, a bank of one short clip per word (made with
// espeak-ng by scripts/clips.sh, or recorded), a chime made in Go, and the
// outputs: the speakers (github.com/gopxl/beep/v2 on oto, guarded by a
// timeout) or a folder of WAV files.
package audio

import (
	"context"
	"time"
)

// SampleRate is the rate of the clip bank and of every announcement.
const SampleRate = 22050

// Announcement is one call made audible: mono samples in [-1, 1] at
// SampleRate, and where each clip sits in them.
type Announcement struct {
	Number  string // "A012"
	Counter int
	Samples []float32
	Clips   []ClipSpan
}

// ClipSpan is one clip of an announcement: its name and its sample range.
type ClipSpan struct {
	Name       string
	Start, End int
}

// Duration is how long the announcement plays.
func (a *Announcement) Duration() time.Duration {
	return time.Duration(len(a.Samples)) * time.Second / SampleRate
}

// Output plays announcements, one at a time: Play returns when the
// announcement has been played (or written), or with an error.
type Output interface {
	Play(ctx context.Context, a *Announcement) error
	Close() error
}
