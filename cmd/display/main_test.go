package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/display"
	"github.com/numerek/numerek/display/screen"
	"github.com/numerek/numerek/display/screentest"
)

// childEnv marks this test binary re-executed as a display that draws
// under Xvfb: Ebiten runs once per process, on the main thread, which only
// TestMain has.
const childEnv = "NUMEREK_DISPLAY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "empty" {
		emptyWindow() // BenchmarkDisplay's baseline
		os.Exit(0)
	}
	if os.Getenv(childEnv) != "" {
		if err := child(os.Getenv("NUMEREK_DISPLAY_CONFIG"), os.Getenv("NUMEREK_DISPLAY_WANT"), os.Getenv("NUMEREK_DISPLAY_OUT")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child runs the display with the config at path and the real renderer.
// It prints "shown" once the first frame with the stream's state is on
// the screen; when the newest call is want, it writes the screen to out
// and ends.
func child(path, want, out string) error {
	m := NewMain()
	m.Stdout = io.Discard
	var saveErr error
	ready := false
	m.Drawn = func(d screen.Drawn) bool {
		if d.Frame.Ready && !ready {
			ready = true
			fmt.Println("shown")
		}
		if it, ok := d.Frame.Find("newest.number"); !ok || it.Text != want {
			return false
		}
		saveErr = screentest.WriteRaw(out, d.Pixels())
		return true
	}
	if err := m.ParseFlags([]string{"-config", path, "-log", "debug"}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s was not shown within 30 s", want)
	}
	return saveErr
}

// headless returns a Show that draws no window: it makes a width × height
// frame whenever the scene changes or its next step is due, as the
// renderer does, and keeps the last one.
func headless(width, height int, last *frames) func(ctx context.Context, s *display.Scene, o screen.Options) error {
	return func(ctx context.Context, s *display.Scene, o screen.Options) error {
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-s.Changed():
			case <-t.C:
			}
			if f, changed := s.Frame(width, height); changed {
				last.set(f)
				if o.Drawn != nil && o.Drawn(screen.Drawn{Frame: &f, At: time.Now()}) {
					return nil
				}
			}
			t.Reset(min(max(time.Until(s.Next()), 10*time.Millisecond), time.Second))
		}
	}
}

// frames keeps the last frame a headless screen made.
type frames struct {
	mu   sync.Mutex
	last display.Frame
}

func (f *frames) set(fr display.Frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = fr
}

// wait waits until the last frame's item tagged tag reads text.
func (f *frames) wait(t *testing.T, tag, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		it, _ := f.last.Find(tag)
		texts := f.last.Texts()
		f.mu.Unlock()
		if it.Text == text {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not show %q within 10 s; the screen shows %q", tag, text, texts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running is a display Main running headless in the background.
type running struct {
	m      *Main
	ready  Ready
	shown  frames
	out    *devicetest.SyncBuffer
	logs   *devicetest.SyncBuffer
	cancel context.CancelFunc
}

// start runs Main with config until the test ends.
func start(t *testing.T, config string, b *controllertest.Branch) *running {
	t.Helper()
	path := filepath.Join(t.TempDir(), "display.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &running{m: NewMain(), out: &devicetest.SyncBuffer{}, logs: &devicetest.SyncBuffer{}}
	r.m.Stdout, r.m.Stderr = r.out, r.logs
	r.m.Show = headless(1920, 1080, &r.shown)
	r.m.Clock = b.Clock
	if err := r.m.ParseFlags([]string{"-config", path, "-log", "debug"}); err != nil {
		t.Fatal(err)
	}
	readyc := make(chan Ready, 1)
	r.m.Ready = func(rd Ready) { readyc <- rd }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	done := make(chan error, 1)
	go func() { done <- r.m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop within 10 s")
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nlogs:\n%s", r.out, r.logs)
		}
	})
	select {
	case r.ready = <-readyc:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready within 10 s")
	}
	return r
}

func config(base, token string, extra string) string {
	return fmt.Sprintf("controller = %q\ntoken = %q\nlocation = \"centrum\"\nfullscreen = false\nheartbeat = \"1s\"\n%s", base, token, extra)
}

// clerk is a logged-in clerk of the test branch, and its dispenser.
type clerk struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func login(t testing.TB, base string) *clerk {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &clerk{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	out := c.do("POST", "/api/v1/session", `{"login":"anna","password":"numerek"}`)
	c.csrf, _ = out["csrf"].(string)
	return c
}

// do sends a JSON request and decodes the answer; a status other than 2xx
// fails the test.
func (c *clerk) do(method, path, body string, header ...string) map[string]any {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		c.t.Fatalf("%s %s: got %d %s, want 2xx", method, path, resp.StatusCode, data)
	}
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}

// issue takes a ticket of service at the dispenser.
func (c *clerk) issue(service, key string) {
	c.t.Helper()
	c.do("POST", "/api/v1/locations/centrum/tickets", `{"service":"`+service+`"}`,
		"Authorization", "Bearer "+controllertest.DispenserToken, "Idempotency-Key", key)
}

// deviceState is what the clerks see of the device name's health.
func (c *clerk) deviceState(name string) string {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/locations/centrum/devices", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct{ Name, State, Detail string }
	json.NewDecoder(resp.Body).Decode(&list)
	for _, d := range list {
		if d.Name == name {
			return d.State + ": " + d.Detail
		}
	}
	return "missing"
}

var opened = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// TestGroupShowsCall runs the group screen against a real controller: the
// snapshot shows, a ticket issued joins the numbers waiting, a call made
// through the API becomes the newest call, and the controller hears the
// screen's heartbeats.
func TestGroupShowsCall(t *testing.T) {
	b := controllertest.Start(t, opened)
	r := start(t, config(b.URL, "demo-centrum-display", ""), b)
	if !strings.Contains(r.out.String(), "group screen of the hall") {
		t.Errorf("got stdout %q, want it to say what it shows", r.out)
	}
	r.shown.wait(t, "waiting.none", "Nikt nie czeka")
	c := login(t, b.URL)
	c.issue("A", "k1")
	c.issue("B", "k2")
	r.shown.wait(t, "waiting.A.number", "A001")
	r.shown.wait(t, "waiting.B.number", "B001")
	c.do("POST", "/api/v1/locations/centrum/counters/1/open", "")
	c.do("POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	r.shown.wait(t, "newest.number", "A001")
	r.shown.wait(t, "newest.counter", "Stanowisko 1")
	r.shown.wait(t, "waiting.A.number", "") // A001 left the queue; B001 waits
	deadline := time.Now().Add(10 * time.Second)
	for !callLogged(r.logs.String(), "A001") {
		if time.Now().After(deadline) {
			t.Fatal("the call's latency is not logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for state := c.deviceState("centrum-display"); !strings.HasPrefix(state, "ok: group screen"); state = c.deviceState("centrum-display") {
		if time.Now().After(deadline) {
			t.Fatalf("the controller sees the display as %q, want ok: group screen", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeskShowsCall runs counter 1's screen: a break while nobody is at
// the counter, then the number called to it.
func TestDeskShowsCall(t *testing.T) {
	b := controllertest.Start(t, opened)
	r := start(t, config(b.URL, "demo-centrum-display-1", "role = \"desk\"\ncounter = 1\n"), b)
	r.shown.wait(t, "desk.status", "Przerwa")
	c := login(t, b.URL)
	c.issue("A", "k1")
	c.do("POST", "/api/v1/locations/centrum/counters/1/open", "")
	r.shown.wait(t, "desk.status", "Proszę czekać na wezwanie")
	c.do("POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	r.shown.wait(t, "desk.number", "A001")
	r.shown.wait(t, "desk.status", "Zapraszamy")
	c.do("POST", "/api/v1/locations/centrum/counters/1/came", "")
	r.shown.wait(t, "desk.status", "Obsługiwany numer")
}

// TestOfflineKeepsState takes the controller away under a running
// screen: the last state stays, with the offline mark, until the stream is
// back.
func TestOfflineKeepsState(t *testing.T) {
	b := controllertest.Start(t, opened)
	r := start(t, config(b.URL, "demo-centrum-display", ""), b)
	c := login(t, b.URL)
	c.issue("A", "k1")
	r.shown.wait(t, "waiting.A.number", "A001")
	b.FailNext(1 << 30) // a controller that is restarting: every request fails
	b.Restart()         // which ends the stream
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.logs.String(), "stream not connected") {
		if time.Now().After(deadline) {
			t.Fatal("the stream did not notice within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Clock.Advance(5 * time.Second)
	r.shown.wait(t, "offline.text", "Brak połączenia")
	r.shown.wait(t, "waiting.A.number", "A001") // the last state, not a blank screen
	b.FailNext(0)
	r.shown.wait(t, "offline.text", "")
}

// callLogged reports whether logs say that number's call was shown, with
// its latency.
func callLogged(logs, number string) bool {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `msg="call shown"`) && strings.Contains(line, " number="+number+" ") && strings.Contains(line, " latency=") {
			return true
		}
	}
	return false
}

func TestCheck(t *testing.T) {
	m := NewMain()
	var out strings.Builder
	m.Stdout = &out
	if err := m.ParseFlags([]string{"-check", "-config", "../../configs/devices/display-centrum.toml"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "display-centrum.toml: OK") {
		t.Errorf("got %q, want it to say the file is OK", got)
	}
}

// TestScreenShowsCall runs the whole display, real renderer and all, in a
// child process under Xvfb against a real controller: a call made through
// the API once the display shows the hall is drawn, and the screen read
// back is the call's yellow where the newest call stands.
func TestScreenShowsCall(t *testing.T) {
	x := screentest.StartX(t, 1280, 720)
	b := controllertest.Start(t, opened)
	dir := t.TempDir()
	path := filepath.Join(dir, "display.toml")
	cfg := fmt.Sprintf("controller = %q\ntoken = \"demo-centrum-display\"\nlocation = \"centrum\"\n", b.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := login(t, b.URL)
	c.issue("A", "k1")
	c.do("POST", "/api/v1/locations/centrum/counters/1/open", "")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := filepath.Join(dir, "screen.rgba")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(screentest.Env(x, childEnv), "NUMEREK_DISPLAY_CONFIG="+path, "NUMEREK_DISPLAY_WANT=A001", "NUMEREK_DISPLAY_OUT="+out)
	var stderr devicetest.SyncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !bufio.NewScanner(stdout).Scan() {
		cmd.Wait()
		t.Fatalf("the display did not show the hall:\n%s", &stderr)
	}
	c.do("POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("display: %v\n%s", err, &stderr)
	}
	img, err := screentest.ReadRaw(out)
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	if bounds.Dx() != 1280 || bounds.Dy() != 720 {
		t.Errorf("got a %v screen, want 1280x720: full screen", bounds.Size())
	}
	yellow, ground, total := 0, 0, 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 3 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case r>>8 == 0x0a && g>>8 == 0x1a && bl>>8 == 0x2f:
				ground++
			case r>>8 > 0xf0 && g>>8 > 0xc0 && bl>>8 < 0x60:
				yellow++
			}
			total++
		}
	}
	if ground == total {
		t.Fatal("the screen is all background")
	}
	if yellow < total/100 {
		t.Errorf("got %d of %d sampled pixels in the call's yellow, want at least %d", yellow, total, total/100)
	}
	if !callLogged(stderr.String(), "A001") {
		t.Errorf("the display did not log the call shown:\n%s", &stderr)
	}
}
