package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/audio"
	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices/devicetest"
)

// running is an announcer Main running in the background.
type running struct {
	m      *Main
	ready  Ready
	out    *devicetest.SyncBuffer
	logs   *devicetest.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs Main with the config text (%DIR% replaced by a temporary
// folder) until the test ends, and waits until it is ready or has failed.
func start(t *testing.T, config string, setup func(m *Main)) (*running, error) {
	t.Helper()
	dir := t.TempDir()
	config = strings.NewReplacer("%DIR%", filepath.ToSlash(dir)).Replace(config)
	path := filepath.Join(dir, "announcer.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &running{m: NewMain(), out: &devicetest.SyncBuffer{}, logs: &devicetest.SyncBuffer{}, done: make(chan error, 1)}
	r.m.Stdout, r.m.Stderr = r.out, r.logs
	r.m.OpenSpeaker = func(time.Duration) (audio.Output, error) {
		return nil, errors.New("audio: no audio output (no sound card in the test): use a WAV folder output")
	}
	if setup != nil {
		setup(r.m)
	}
	if err := r.m.ParseFlags([]string{"-config", path, "-log", "debug"}); err != nil {
		return nil, err
	}
	readyc := make(chan Ready, 1)
	r.m.Ready = func(rd Ready) { readyc <- rd }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop within 10 s")
		}
		r.m.Close()
		if t.Failed() {
			t.Logf("stdout:\n%s\nlogs:\n%s", r.out, r.logs)
		}
	})
	select {
	case r.ready = <-readyc:
		return r, nil
	case err := <-r.done:
		r.done <- nil
		return nil, err
	case <-time.After(10 * time.Second):
		t.Fatal("not ready within 10 s")
		return nil, nil
	}
}

// clerk is a logged-in clerk of the test branch.
type clerk struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func (c *clerk) post(path, body string, header ...string) map[string]any {
	c.t.Helper()
	out, err := c.tryPost(path, body, header...)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// tryPost sends a JSON POST and decodes the answer; a status other than
// 2xx is an error.
func (c *clerk) tryPost(path, body string, header ...string) (map[string]any, error) {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: got %d %s, want 2xx", path, resp.StatusCode, data)
	}
	var out map[string]any
	json.Unmarshal(data, &out)
	return out, nil
}

// callFirst issues a ticket of service A and calls it to counter 1, as a
// dispenser and a clerk do.
func callFirst(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &clerk{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	c.post("/api/v1/locations/centrum/tickets", `{"service":"A"}`,
		"Authorization", "Bearer "+controllertest.DispenserToken, "Idempotency-Key", "k1")
	out := c.post("/api/v1/session", `{"login":"anna","password":"numerek"}`)
	c.csrf, _ = out["csrf"].(string)
	c.post("/api/v1/locations/centrum/counters/1/open", "")
	c.post("/api/v1/locations/centrum/counters/1/call-next", "")
}

func config(base, output string) string {
	return fmt.Sprintf("controller = %q\ntoken = %q\nlocation = \"centrum\"\noutput = %q\nwav_dir = \"%%DIR%%/wav\"\n",
		base, controllertest.DispenserToken, output)
}

// waitFile waits for path to exist.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("no %s within 10 s; the folder has %v", path, entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCallWritesWAV(t *testing.T) {
	b := controllertest.Start(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	r, err := start(t, config(b.URL, "wav"), func(m *Main) { m.Clock = b.Clock })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.out.String(), "WAV files in "+r.ready.WAVDir) {
		t.Errorf("got stdout %q, want it to name the WAV folder", r.out)
	}
	waitConnected(t, r)
	callFirst(t, b.URL)
	path := filepath.Join(r.ready.WAVDir, "0001-A001-1.wav")
	waitFile(t, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 44+audio.SampleRate || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		t.Errorf("got %d bytes starting %q, want a WAV file of over half a second", len(data), data[:min(12, len(data))])
	}
	if !strings.Contains(r.logs.String(), "msg=announced") {
		t.Errorf("the announcement is not logged")
	}
}

// waitConnected waits until the announcer has the stream's snapshot.
func waitConnected(t *testing.T, r *running) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.logs.String(), "voice on") {
		if time.Now().After(deadline) {
			t.Fatal("the stream did not connect within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSpeakerFallsBackToWAV(t *testing.T) {
	b := controllertest.Start(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	r, err := start(t, config(b.URL, "speaker"), func(m *Main) { m.Clock = b.Clock })
	if err != nil {
		t.Fatal(err)
	}
	if r.ready.Output != "wav" {
		t.Fatalf("got output %q, want the wav fallback", r.ready.Output)
	}
	n := 0
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if strings.HasPrefix(line, "announcer: no sound card") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d lines saying there is no sound card, want 1:\n%s", n, r.logs)
	}
	waitConnected(t, r)
	callFirst(t, b.URL)
	waitFile(t, filepath.Join(r.ready.WAVDir, "0001-A001-1.wav"))
}

func TestSpeakerWithoutFallbackFails(t *testing.T) {
	cfg := "controller = \"http://127.0.0.1:1\"\ntoken = \"t\"\nlocation = \"centrum\"\noutput = \"speaker\"\n"
	_, err := start(t, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "no audio output") || !strings.Contains(err.Error(), "wav_dir") {
		t.Errorf("got %v, want a clear error: no audio output, set wav_dir", err)
	}
}

// recordingOutput is an audio output that keeps what it is given.
type recordingOutput struct {
	mu     sync.Mutex
	played []*audio.Announcement
}

func (o *recordingOutput) Play(ctx context.Context, a *audio.Announcement) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.played = append(o.played, a)
	return nil
}

func (o *recordingOutput) Close() error { return nil }

func TestSpeakerVolume(t *testing.T) {
	b := controllertest.Start(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	out := &recordingOutput{}
	r, err := start(t, config(b.URL, "speaker")+"volume = 0.5\nchime = false\n", func(m *Main) {
		m.Clock = b.Clock
		m.OpenSpeaker = func(time.Duration) (audio.Output, error) { return out, nil }
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ready.Output != "speaker" || !strings.Contains(r.out.String(), "speaker") {
		t.Errorf("got output %q, stdout %q, want the speaker", r.ready.Output, r.out)
	}
	waitConnected(t, r)
	callFirst(t, b.URL)
	deadline := time.Now().Add(10 * time.Second)
	for r.ready.Announcer.Played() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing played within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	bank, err := audio.DefaultBank()
	if err != nil {
		t.Fatal(err)
	}
	full, err := bank.Render("A001", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	got := out.played[0]
	if got.Number != "A001" || got.Counter != 1 || len(got.Samples) != len(full.Samples) {
		t.Fatalf("got %s at %d, %d samples, want A001 at 1, %d samples", got.Number, got.Counter, len(got.Samples), len(full.Samples))
	}
	for i, s := range got.Samples {
		if s != full.Samples[i]*0.5 {
			t.Fatalf("got sample %d = %v, want %v (half)", i, s, full.Samples[i]*0.5)
		}
	}
}
