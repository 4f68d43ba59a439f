package audio

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// WAVOutput writes each announcement to a folder as a WAV file, for tests,
// demos and silent test rooms. Files are numbered in order,
// "0001-A012-5.wav", carrying on after the highest number already there.
type WAVOutput struct {
	dir  string
	mu   sync.Mutex
	seq  int
	last string
}

var _ Output = (*WAVOutput)(nil)

// NewWAVOutput returns an output writing to dir, made if missing.
func NewWAVOutput(dir string) (*WAVOutput, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("audio: wav output: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audio: wav output: %w", err)
	}
	o := &WAVOutput{dir: dir}
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "-")
		if n, err := strconv.Atoi(prefix); ok && err == nil && strings.HasSuffix(e.Name(), ".wav") {
			o.seq = max(o.seq, n)
		}
	}
	return o, nil
}

// Play writes a as the next file, atomically (a temporary file renamed
// into place), so a reader never sees half a file.
func (o *WAVOutput) Play(ctx context.Context, a *Announcement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := encodeWAV(&buf, a.Samples); err != nil {
		return fmt.Errorf("audio: wav output: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	name := fmt.Sprintf("%04d-%s-%d.wav", o.seq+1, a.Number, a.Counter)
	path := filepath.Join(o.dir, name)
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("audio: wav output: %w", err)
	}
	o.seq++
	o.last = path
	return nil
}

// LastPath is the file the last Play wrote, "" before the first.
func (o *WAVOutput) LastPath() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Close does nothing: every file is complete when Play returns.
func (o *WAVOutput) Close() error { return nil }

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.wav")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
