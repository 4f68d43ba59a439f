package main

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/devices/pintest"
)

// startController runs a real controller, open around the clock, on
// loopback and returns its URL.
func startController(t testing.TB) string {
	t.Helper()
	return controllertest.Start(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)).URL
}

// running is a dispenser Main running in the background.
type running struct {
	t      *testing.T
	m      *Main
	ready  Ready
	out    *devicetest.SyncBuffer
	logs   *devicetest.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs Main with the config text (%CONTROLLER% and %DIR% replaced)
// until the test ends, and waits until it is ready or has failed.
func start(t *testing.T, config string, setup func(m *Main)) (*running, error) {
	t.Helper()
	dir := t.TempDir()
	config = strings.NewReplacer("%DIR%", filepath.ToSlash(dir)).Replace(config)
	path := filepath.Join(dir, "dispenser.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &running{t: t, m: NewMain(), out: &devicetest.SyncBuffer{}, logs: &devicetest.SyncBuffer{}, done: make(chan error, 1)}
	r.m.Stdin, r.m.Stdout, r.m.Stderr, r.m.StdinTerminal = strings.NewReader(""), r.out, r.logs, false
	r.m.InitHost = func() error { return nil }
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
	go func() {
		err := r.m.Run(ctx)
		if cerr := r.m.Close(); err == nil {
			err = cerr
		}
		r.done <- err
	}()
	select {
	case r.ready = <-readyc:
	case err := <-r.done:
		cancel()
		return nil, err
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("the dispenser did not start within 10 s")
	}
	t.Cleanup(r.stop)
	return r, nil
}

func (r *running) stop() {
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
		r.done <- nil
	case <-time.After(20 * time.Second):
		r.t.Fatal("Run did not return within 20 s of its context ending")
	}
}

// until polls the dispenser's state for at most 10 s.
func (r *running) until(what string, cond func(devices.State) bool) devices.State {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := r.ready.Dispenser.State()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within 10 s; state %+v\nlog:\n%s", what, s, r.logs.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const pageConfig = `
controller = "%CONTROLLER%"
token = "demo-centrum-dispenser"
location = "centrum"
local_page = "127.0.0.1:0"
services = ["A", "B"]
keyboard = false
[printer]
transport = "virtual"
dir = "%DIR%/tickets"
width_mm = 58
code_page = "wpc1250"
[texts]
header = ["Urząd Miasta Testowego"]
footer = ["Dziękujemy"]
`

func TestRunPressPageVirtualPrinter(t *testing.T) {
	base := startController(t)
	r, err := start(t, strings.ReplaceAll(pageConfig, "%CONTROLLER%", base), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := r.out.String()
	if !strings.Contains(out, r.ready.PageURL) || !strings.Contains(out, r.ready.TicketDir) || r.ready.TicketDir == "" {
		t.Errorf("start message %q does not say where the press page (%s) and the tickets (%s) are", out, r.ready.PageURL, r.ready.TicketDir)
	}
	resp, err := http.PostForm(r.ready.PageURL+"press", url.Values{"service": {"A"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("press: status %d", resp.StatusCode)
	}
	s := r.until("A001 printed", func(s devices.State) bool { return s.Last == "A001" })
	if s.Printed != 1 || s.Location != "BOM Centrum" {
		t.Errorf("state %+v, want 1 printed at BOM Centrum", s)
	}
	pngs, _ := filepath.Glob(filepath.Join(r.ready.TicketDir, "*.png"))
	if len(pngs) != 1 {
		t.Fatalf("%d PNGs in %s, want 1", len(pngs), r.ready.TicketDir)
	}
	if got := decodeQR(t, pngs[0]); !strings.HasPrefix(got, "http://localhost:8080/t/") {
		t.Errorf("QR code says %q, want the e-ticket URL", got)
	}
	page, err := http.Get(r.ready.PageURL)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(page.Body)
	page.Body.Close()
	for _, want := range []string{"A001 printed", "Rejestracja pojazdów", `src="/last.png`} {
		if !strings.Contains(body.String(), want) {
			t.Errorf("press page lacks %q", want)
		}
	}
}

func decodeQR(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code in %s: %v", path, err)
	}
	return res.GetText()
}

const gpioConfig = `
controller = "%CONTROLLER%"
token = "demo-centrum-dispenser"
location = "centrum"
keyboard = false
debounce = "1s"  # the test's bounces are surely within it
led = "NUMEREK_TEST_LED"
[buttons]
NUMEREK_TEST_BUTTON = "B"
[printer]
transport = "virtual"
dir = "%DIR%/tickets"
`

func TestRunGPIOButtonAndLED(t *testing.T) {
	base := startController(t)
	button := &gpiotest.Pin{N: "NUMEREK_TEST_BUTTON", Num: 917, EdgesChan: make(chan gpio.Level)} // unbuffered: a send returns once the button took it
	led := pintest.NewRecorder("NUMEREK_TEST_LED", 927)
	for _, p := range []gpio.PinIO{button, led} {
		if err := gpioreg.Register(p); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = gpioreg.Unregister(p.Name()) })
	}
	lit := led.Watch(256)
	cfg := strings.ReplaceAll(gpioConfig, "%CONTROLLER%", base)
	initialised := false
	r, err := start(t, cfg, func(m *Main) { m.InitHost = func() error { initialised = true; return nil } })
	if err != nil {
		t.Fatal(err)
	}
	if !initialised {
		t.Error("host.Init not called for a config with GPIO pins")
	}
	for on := false; !on; {
		select {
		case l := <-lit:
			on = l == gpio.High // ready: steady on
		case <-time.After(10 * time.Second):
			t.Fatal("LED never on")
		}
	}
	button.EdgesChan <- gpio.Low // pressed, with some bounce
	button.EdgesChan <- gpio.High
	button.EdgesChan <- gpio.Low
	r.until("B001 printed", func(s devices.State) bool { return s.Last == "B001" && s.LED == devices.LEDReady })
	button.EdgesChan <- gpio.High
	if s := r.ready.Dispenser.State(); s.Printed != 1 {
		t.Errorf("%d tickets printed for one bouncing press, want 1", s.Printed)
	}
	if !strings.Contains(r.out.String(), "NUMEREK_TEST_BUTTON → B") {
		t.Errorf("start message %q does not list the buttons", r.out.String())
	}
}

func TestRunUnreachablePrinterKeepsRunning(t *testing.T) {
	base := startController(t)
	cfg := strings.ReplaceAll(pageConfig, "%CONTROLLER%", base)
	cfg = strings.Replace(cfg, `transport = "virtual"`, `transport = "usb"`+"\n"+`path = "%DIR%/no-such-printer/lp0"`+"\n"+`timeout = "200ms"`, 1)
	r, err := start(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if logs := r.logs.String(); !strings.Contains(logs, "no-such-printer/lp0: no such file or directory") || !strings.Contains(logs, "is the printer connected") {
		t.Errorf("log does not say clearly that the printer's device file is missing:\n%s", logs)
	}
	s := r.until("fault shown", func(s devices.State) bool { return s.LED == devices.LEDFault })
	if s.Health.Printer != "offline" || !strings.Contains(s.Health.Detail, "no-such-printer") {
		t.Errorf("health %+v, want the printer offline with the path", s.Health)
	}
	resp, err := http.PostForm(r.ready.PageURL+"press", url.Values{"service": {"A"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r.until("press refused", func(s devices.State) bool { return strings.Contains(s.Note, "refused") })
	if s := r.ready.Dispenser.State(); s.Printed != 0 || s.Owed != "" {
		t.Errorf("state %+v: no ticket may be asked for without a printer", s)
	}
}

func TestRunStartErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:1" // nothing needs to answer
	tests := []struct {
		name   string
		config string
		want   []string
	}{
		{"pin not on this machine",
			strings.Replace(gpioConfig, "NUMEREK_TEST_BUTTON", "GPIO17", 1),
			[]string{"buttons.GPIO17", `"GPIO17" not found`, "Raspberry Pi"}},
		{"virtual printer directory in the way",
			strings.Replace(pageConfig, `dir = "%DIR%/tickets"`, `dir = "`+filepath.ToSlash(blocker)+`/tickets"`, 1),
			[]string{"printer.dir", "not a directory"}},
		{"press page address taken", "", []string{"local_page", "address already in use"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := strings.ReplaceAll(tt.config, "%CONTROLLER%", base)
			if tt.config == "" {
				ln, err := devices.ListenLoopback("127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				cfg = strings.Replace(strings.ReplaceAll(pageConfig, "%CONTROLLER%", base), "127.0.0.1:0", ln.Addr().String(), 1)
			}
			_, err := start(t, cfg, nil)
			if err == nil {
				t.Fatal("started, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestCheckFlag(t *testing.T) {
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	path := "../../configs/devices/dispenser-centrum.toml"
	if err := m.ParseFlags([]string{"-check", "-config", path}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != path+": OK\n" {
		t.Errorf("got %q, want %q", got, path+": OK\n")
	}
	if err := NewMain().ParseFlags([]string{"-config", filepath.Join(t.TempDir(), "missing.toml")}); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing config: got %v, want an error naming the file", err)
	}
}
