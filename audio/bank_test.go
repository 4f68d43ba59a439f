package audio

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func defaultBank(tb testing.TB) *Bank {
	tb.Helper()
	b, err := DefaultBank()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRender(t *testing.T) {
	b := defaultBank(t)
	tests := []struct {
		name    string
		number  string
		counter int
		chime   bool
		want    string
	}{
		{"with chime", "A012", 5, true, "chime numer a dwanascie stanowisko numer piec"},
		{"without chime", "A012", 5, false, "numer a dwanascie stanowisko numer piec"},
		{"long", "W999", 321, true, "chime numer wu dziewiecset dziewiecdziesiat dziewiec stanowisko numer trzysta dwadziescia jeden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := b.Render(tt.number, tt.counter, tt.chime)
			if err != nil {
				t.Fatal(err)
			}
			if a.Number != tt.number || a.Counter != tt.counter {
				t.Errorf("got %s/%d, want %s/%d", a.Number, a.Counter, tt.number, tt.counter)
			}
			var names []string
			for _, c := range a.Clips {
				names = append(names, c.Name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Fatalf("clips %q, want %q", got, tt.want)
			}
			// Total length, exact: clips + gaps (+ chime).
			want := 0
			for i, c := range a.Clips {
				n := len(b.clips[c.Name])
				if c.Name == ChimeName {
					n = len(chimeSamples())
				}
				if c.End-c.Start != n {
					t.Errorf("clip %d %s: %d samples, want %d", i, c.Name, c.End-c.Start, n)
				}
				gap := 0
				if i > 0 {
					gap = WordGap
					if c.Name == CounterWord {
						gap = PhraseGap
					}
					if c.Start != a.Clips[i-1].End+gap {
						t.Errorf("clip %d %s starts at %d, want %d", i, c.Name, c.Start, a.Clips[i-1].End+gap)
					}
					// The gap is silence.
					for j := a.Clips[i-1].End; j < c.Start; j++ {
						if a.Samples[j] != 0 {
							t.Fatalf("gap before %s: sample %d = %v, want 0", c.Name, j, a.Samples[j])
						}
					}
				} else if c.Start != 0 {
					t.Errorf("first clip starts at %d, want 0", c.Start)
				}
				want += gap + n
			}
			if len(a.Samples) != want {
				t.Errorf("got %d samples, want %d", len(a.Samples), want)
			}
			if last := a.Clips[len(a.Clips)-1].End; last != len(a.Samples) {
				t.Errorf("last clip ends at %d, want %d", last, len(a.Samples))
			}
			if got, want := a.Duration(), timeOf(want); got != want {
				t.Errorf("duration %v, want %v", got, want)
			}
			var peak float32
			for _, x := range a.Samples {
				peak = max(peak, x, -x)
			}
			if peak > 1 || peak < peakLevel-0.001 {
				t.Errorf("peak %v, want %v", peak, peakLevel)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	b := defaultBank(t)
	if _, err := b.Render("A01x", 1, true); err == nil {
		t.Error("Render(A01x): got no error, want one")
	}
	if _, err := b.Render("A012", 0, true); err == nil {
		t.Error("Render(A012, 0): got no error, want one")
	}
	delete(b.clips, "dwanascie")
	if _, err := b.Render("A012", 1, true); err == nil || !strings.Contains(err.Error(), `"dwanascie"`) {
		t.Errorf("Render with a clip missing: got %v, want an error naming dwanascie", err)
	}
}

func TestChime(t *testing.T) {
	s := chimeSamples()
	if d := timeOf(len(s)); d < 850e6 || d > 950e6 {
		t.Errorf("chime lasts %v, want about 0.9s", d)
	}
	// No clicks: it starts and ends at zero, and each tone's edges are quiet.
	for _, i := range []int{0, chimeTone - 1, chimeTone, len(s) - 1} {
		if abs(s[i]) > 1e-3 {
			t.Errorf("chime sample %d = %v, want ~0", i, s[i])
		}
	}
}

func TestDefaultBankFormat(t *testing.T) {
	entries, err := defaultClips.ReadDir("clips")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range entries {
		data, _ := defaultClips.ReadFile("clips/" + e.Name())
		total += len(data)
		if _, err := decodeWAV(data); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	b := defaultBank(t)
	t.Logf("default bank: %d clips, %d bytes of WAV files, %d bytes of samples in memory", len(entries), total, b.SampleBytes())
}

func TestLoadBank(t *testing.T) {
	def := defaultBank(t)
	dir := t.TempDir()
	own := make([]float32, 1000)
	for i := range own {
		own[i] = 0.5
	}
	writeWAV(t, filepath.Join(dir, "dwanascie.wav"), own)
	b, err := LoadBank(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.clips["dwanascie"]); got != len(own) {
		t.Errorf("dwanascie: %d samples, want the folder's %d", got, len(own))
	}
	if got, want := len(b.clips["piec"]), len(def.clips["piec"]); got != want {
		t.Errorf("piec: %d samples, want the default's %d", got, want)
	}
	a, err := b.Render("A012", 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Clips[2]; c.Name != "dwanascie" || c.End-c.Start != len(own) {
		t.Errorf("rendered clip %s of %d samples, want dwanascie of %d", c.Name, c.End-c.Start, len(own))
	}
}

func TestLoadBankErrors(t *testing.T) {
	good := func(t *testing.T) []byte {
		var buf bytes.Buffer
		if err := encodeWAV(&buf, make([]float32, 100)); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name    string
		file    string
		patch   func(b []byte) []byte
		wantErr string
	}{
		{"sample rate", "piec.wav", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[24:], 44100); return b }, "piec.wav: sample rate 44100 Hz"},
		{"stereo", "sto.wav", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[22:], 2); return b }, "sto.wav: 2 channels"},
		{"8 bit", "a.wav", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[34:], 8); return b }, "a.wav: 8 bits"},
		{"float", "zet.wav", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[20:], 3); return b }, "zet.wav: format 3 is not PCM"},
		{"not wav", "numer.wav", func([]byte) []byte { return []byte("ID3 an mp3") }, "numer.wav: not a RIFF/WAVE"},
		{"empty", "dwa.wav", func(b []byte) []byte { return b[:44] }, "dwa.wav: no samples"},
		{"unknown name", "dwanasice.wav", func(b []byte) []byte { return b }, `dwanasice.wav: no word "dwanasice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), tt.patch(good(t)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadBank(dir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := LoadBank(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadBank(missing folder): got no error, want one")
	}
}

func writeWAV(t *testing.T, path string, s []float32) {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeWAV(&buf, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func abs(x float32) float32 { return max(x, -x) }

func BenchmarkRender(b *testing.B) {
	bank := defaultBank(b)
	b.ReportMetric(float64(bank.SampleBytes()), "bank-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bank.Render("A123", 12, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDefaultBank(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		defaultBank(b)
	}
}
