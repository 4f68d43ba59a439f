package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func timeOf(samples int) time.Duration { return time.Duration(samples) * time.Second / SampleRate }

func TestWAVOutput(t *testing.T) {
	a, err := defaultBank(t).Render("A012", 5, true)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "calls")
	o, err := NewWAVOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.LastPath() != "" {
		t.Errorf("LastPath before Play = %q, want empty", o.LastPath())
	}
	for i, want := range []string{"0001-A012-5.wav", "0002-A012-5.wav"} {
		if err := o.Play(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if got := filepath.Base(o.LastPath()); got != want {
			t.Errorf("play %d wrote %s, want %s", i+1, got, want)
		}
	}
	data, err := os.ReadFile(o.LastPath())
	if err != nil {
		t.Fatal(err)
	}
	le16 := func(off int) int { return int(binary.LittleEndian.Uint16(data[off:])) }
	le32 := func(off int) int { return int(binary.LittleEndian.Uint32(data[off:])) }
	header := []struct {
		name      string
		got, want any
	}{
		{"RIFF", string(data[0:4]), "RIFF"},
		{"RIFF size", le32(4), len(data) - 8},
		{"WAVE", string(data[8:12]), "WAVE"},
		{"fmt", string(data[12:16]), "fmt "},
		{"format", le16(20), 1},
		{"channels", le16(22), 1},
		{"sample rate", le32(24), 22050},
		{"byte rate", le32(28), 44100},
		{"block align", le16(32), 2},
		{"bits", le16(34), 16},
		{"data", string(data[36:40]), "data"},
		{"data size", le32(40), 2 * len(a.Samples)},
		{"file size", len(data), 44 + 2*len(a.Samples)},
	}
	for _, h := range header {
		if h.got != h.want {
			t.Errorf("%s: got %v, want %v", h.name, h.got, h.want)
		}
	}
	back, err := decodeWAV(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(a.Samples) {
		t.Fatalf("read back %d samples, want %d", len(back), len(a.Samples))
	}
	for i := range back {
		if d := back[i] - a.Samples[i]; abs(d) > 1.0/16384 {
			t.Fatalf("sample %d: got %v, want %v", i, back[i], a.Samples[i])
		}
	}
	// No temporary files left; a new output carries on the numbering.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in the folder, want 2", len(entries))
	}
	o2, err := NewWAVOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := o2.Play(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(o2.LastPath()); got != "0003-A012-5.wav" {
		t.Errorf("reopened output wrote %s, want 0003-A012-5.wav", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o2.Play(ctx, a); !errors.Is(err, context.Canceled) {
		t.Errorf("Play with a cancelled context: got %v, want context.Canceled", err)
	}
}

// This machine has no sound card: NewSpeaker must say so, within its
// timeout, never hang.
func TestNewSpeakerWithoutSoundCard(t *testing.T) {
	// A hang here would be the bug this guards against: the test then
	// fails by go test's own timeout, not by a wall-clock assertion.
	const timeout = 3 * time.Second
	start := time.Now()
	s, err := NewSpeaker(timeout)
	took := time.Since(start)
	if err == nil {
		defer s.Close()
		t.Skip("this machine has an audio output; the no-sound-card path is not tested")
	}
	t.Logf("after %v: %v", took.Round(time.Millisecond), err)
	if !strings.HasPrefix(err.Error(), "audio: no audio output (") || !strings.HasSuffix(err.Error(), "): use a WAV folder output") {
		t.Errorf("got %q, want \"audio: no audio output (…): use a WAV folder output\"", err)
	}
}
