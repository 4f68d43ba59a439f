package audio

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed clips/*.wav
var defaultClips embed.FS

// Gaps of silence between the clips of an announcement.
const (
	// WordGap separates words: short, so the phrase flows.
	WordGap = SampleRate * 60 / 1000 // 60 ms
	// PhraseGap comes before "stanowisko": the comma in "Numer A dwanaście,
	// stanowisko numer pięć", so the ticket number stands on its own.
	PhraseGap = SampleRate * 250 / 1000 // 250 ms
)

// peakLevel is the peak of every rendered announcement: -1 dBFS, loud and
// never clipped whatever the clips' own levels.
const peakLevel = 0.891

// Bank holds one clip per word, decoded to samples at SampleRate. It is
// read-only once made, so one Bank serves any number of goroutines.
type Bank struct {
	clips map[string][]float32
}

// DefaultBank returns the clips built into the binary, made by
// scripts/clips.sh with espeak-ng's Polish voice.
func DefaultBank() (*Bank, error) {
	b := &Bank{clips: map[string][]float32{}}
	if err := b.addFS(defaultClips, "clips"); err != nil {
		return nil, fmt.Errorf("audio: default bank: %w", err)
	}
	return b, b.complete()
}

// LoadBank returns the default bank with the clips in dir in place of those
// of the same name: dir/dwanascie.wav replaces "dwanascie". Every clip must
// be a mono 22050 Hz 16-bit PCM WAV named after a word of the bank; errors
// name the file.
func LoadBank(dir string) (*Bank, error) {
	b, err := DefaultBank()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("audio: clip folder: %w", err)
	}
	if err := b.addFS(os.DirFS(dir), "."); err != nil {
		return nil, fmt.Errorf("audio: clip folder %s: %w", dir, err)
	}
	return b, nil
}

// addFS decodes every *.wav in dir of fsys into b. Outside the first load
// (b empty), only names the bank knows are accepted, to catch typos.
func (b *Bank) addFS(fsys fs.FS, dir string) error {
	known := len(b.clips) > 0
	files, err := fs.Glob(fsys, pathJoin(dir, "*.wav"))
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wav")
		if _, ok := b.clips[name]; known && !ok {
			return fmt.Errorf("%s: no word %q in the bank (see scripts/clips.sh for the names)", filepath.Base(f), name)
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		s, err := decodeWAV(data)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		if len(s) == 0 {
			return fmt.Errorf("%s: no samples", filepath.Base(f))
		}
		b.clips[name] = s
	}
	return nil
}

func pathJoin(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// complete checks that the bank has every word Phrase can produce.
func (b *Bank) complete() error {
	var missing []string
	for _, n := range clipNames() {
		if _, ok := b.clips[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("audio: bank has no clip for %s: run scripts/clips.sh", strings.Join(missing, ", "))
	}
	return nil
}

// Names returns the names of the bank's clips, sorted.
func (b *Bank) Names() []string {
	names := make([]string, 0, len(b.clips))
	for n := range b.clips {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SampleBytes is the memory the bank's samples take.
func (b *Bank) SampleBytes() int {
	n := 0
	for _, s := range b.clips {
		n += 4 * len(s)
	}
	return n
}

// Render makes the announcement of a call, ticket number to counter: the
// chime (when chime is true), then the clips of Phrase with WordGap between
// words and PhraseGap before "stanowisko", peak-normalised to -1 dBFS.
func (b *Bank) Render(number string, counter int, chime bool) (*Announcement, error) {
	words, err := Phrase(number, counter)
	if err != nil {
		return nil, err
	}
	parts := make([][]float32, 0, len(words))
	names := make([]string, 0, len(words))
	total := 0
	for _, w := range words {
		var s []float32
		if w == ChimeName {
			if !chime {
				continue
			}
			s = chimeSamples()
		} else if s = b.clips[w]; s == nil {
			return nil, fmt.Errorf("audio: render %s: bank has no clip %q", number, w)
		}
		if len(parts) > 0 {
			total += gapBefore(w)
		}
		parts = append(parts, s)
		names = append(names, w)
		total += len(s)
	}
	a := &Announcement{
		Number:  number,
		Counter: counter,
		Samples: make([]float32, total),
		Clips:   make([]ClipSpan, len(parts)),
	}
	pos := 0
	var peak float32
	for i, s := range parts {
		if i > 0 {
			pos += gapBefore(names[i])
		}
		copy(a.Samples[pos:], s)
		a.Clips[i] = ClipSpan{Name: names[i], Start: pos, End: pos + len(s)}
		pos += len(s)
		for _, x := range s {
			peak = max(peak, x, -x)
		}
	}
	if peak > 0 {
		g := peakLevel / peak
		for i := range a.Samples {
			a.Samples[i] *= g
		}
	}
	return a, nil
}

// gapBefore is the silence, in samples, before clip w when it is not first.
func gapBefore(w string) int {
	if w == CounterWord {
		return PhraseGap
	}
	return WordGap
}

// The chime: "ding-dong", E5 (659.3 Hz) then C5 (523.3 Hz), the falling
// major third of station and airport chimes, each a struck-bell tone with an
// exponential decay and a soft octave overtone; 5 ms fade-in and 30 ms
// fade-out per tone, so it starts and ends at zero without a click.
const (
	chimeTone  = SampleRate * 450 / 1000 // each tone 450 ms, 900 ms in all
	chimeLevel = 0.6                     // under the voice, before normalising
)

var chimeOnce = sync.OnceValue(func() []float32 {
	s := make([]float32, 2*chimeTone)
	tone(s[:chimeTone], 659.26)
	tone(s[chimeTone:], 523.25)
	return s
})

// chimeSamples returns the chime, computed once; callers must not modify it.
func chimeSamples() []float32 { return chimeOnce() }

func tone(s []float32, f float64) {
	const (
		attack  = SampleRate * 5 / 1000
		release = SampleRate * 30 / 1000
		tau     = 0.18 // seconds for the tone to fall to 1/e
	)
	for i := range s {
		t := float64(i) / SampleRate
		env := math.Exp(-t / tau)
		if i < attack {
			env *= float64(i) / attack
		}
		if r := len(s) - 1 - i; r < release {
			env *= float64(r) / release
		}
		v := math.Sin(2*math.Pi*f*t) + 0.25*math.Sin(4*math.Pi*f*t)
		s[i] = float32(chimeLevel * env * v / 1.25)
	}
}
