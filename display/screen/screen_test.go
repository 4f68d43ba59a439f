package screen_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/numerek/numerek/display"
	"github.com/numerek/numerek/display/screen"
	"github.com/numerek/numerek/display/screentest"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// childEnv marks the test binary re-executed as the child that draws:
// Ebiten runs once per process, on the main thread, which TestMain has.
const childEnv = "NUMEREK_SCREEN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := child(os.Getenv("NUMEREK_SCREEN_MODE"), os.Getenv("NUMEREK_SCREEN_OUT")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(mode, out string) error {
	switch mode {
	case "golden":
		return drawGoldens(out)
	case "run":
		return runCall(out)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

var warsaw = func() *time.Location {
	tz, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		panic(err)
	}
	return tz
}()

// t0 is a Tuesday morning at the office.
var t0 = time.Date(2026, 11, 24, 9, 41, 20, 0, warsaw)

// fixture is one golden screen: a scene at a size.
type fixture struct {
	name          string
	width, height int
	scene         func() *display.Scene
}

func hallScene(o display.Options, online bool, events ...queue.Event) *display.Scene {
	o.TZ = warsaw
	s := display.NewScene(o, queuetest.NewClock(t0))
	s.Snapshot(screentest.Hall(t0))
	if online {
		s.SetOnline(true)
	}
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// call is the event of number called to counter, at t0.
func call(seq uint64, typ queue.EventType, number string, counter int) queue.Event {
	return queue.Event{Seq: seq, Type: typ, Time: t0, Ticket: queue.TicketID("centrum", t0.Format("2006-01-02"), number),
		Number: number, Service: number[:1], Counter: counter, Attempt: 1}
}

var info = "Wnioski o dowód osobisty można złożyć także przez internet: gov.pl"

var fixtures = []fixture{
	{"group-1920x1080", 1920, 1080, func() *display.Scene {
		return hallScene(display.Options{Info: info}, true)
	}},
	{"group-1920x1080-call", 1920, 1080, func() *display.Scene {
		// A new call, in the bright half of its blinking.
		return hallScene(display.Options{Info: info}, true, call(401, queue.Called, "A030", 5))
	}},
	{"group-1080x1920-offline", 1080, 1920, func() *display.Scene {
		// Portrait, the stream lost 10 s ago: the last state with the mark.
		c := queuetest.NewClock(t0.Add(-10 * time.Second))
		s := display.NewScene(display.Options{TZ: warsaw}, c)
		s.Snapshot(screentest.Hall(t0))
		c.Advance(10 * time.Second)
		return s
	}},
	{"group-1280x720-en", 1280, 720, func() *display.Scene {
		return hallScene(display.Options{Language: "en"}, true)
	}},
	{"desk-1280x720-call", 1280, 720, func() *display.Scene {
		return hallScene(display.Options{Role: display.Desk, Counter: 1}, true, call(401, queue.Recalled, "A029", 1))
	}},
	{"desk-1920x1080-break", 1920, 1080, func() *display.Scene {
		return hallScene(display.Options{Role: display.Desk, Counter: 4}, true)
	}},
	{"desk-720x1280-serving", 720, 1280, func() *display.Scene {
		return hallScene(display.Options{Role: display.Desk, Counter: 2}, true)
	}},
	{"desk-800x480-idle", 800, 480, func() *display.Scene {
		// A small screen over counter 5: staffed, nobody called yet.
		return hallScene(display.Options{Role: display.Desk, Counter: 5}, true)
	}},
}

// drawGoldens is the child's work: every fixture drawn offscreen by the
// real renderer, read back and written to dir.
func drawGoldens(dir string) error {
	r, err := screen.NewRenderer()
	if err != nil {
		return err
	}
	g := &oneShot{do: func() error {
		for _, fx := range fixtures {
			f, _ := fx.scene().Frame(fx.width, fx.height)
			img := ebiten.NewImage(fx.width, fx.height)
			r.Draw(img, &f)
			px := image.NewRGBA(image.Rect(0, 0, fx.width, fx.height))
			img.ReadPixels(px.Pix)
			img.Deallocate()
			if err := screentest.WriteRaw(filepath.Join(dir, fx.name+".rgba"), px); err != nil {
				return err
			}
		}
		return nil
	}}
	ebiten.SetWindowSize(320, 240)
	if err := ebiten.RunGame(g); err != nil {
		return err
	}
	return g.err
}

// oneShot is a game that does its work in its first Update and ends.
type oneShot struct {
	do  func() error
	err error
}

func (g *oneShot) Update() error {
	g.err = g.do()
	return ebiten.Termination
}
func (g *oneShot) Draw(*ebiten.Image)         {}
func (g *oneShot) Layout(w, h int) (int, int) { return w, h }

// runChild runs this test binary as the child in mode under the X display
// x, writing to out.
func runChild(t *testing.T, x, mode, out string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(screentest.Env(x, childEnv), "NUMEREK_SCREEN_MODE="+mode, "NUMEREK_SCREEN_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, b)
	}
}

// TestGolden draws every fixture with the real renderer under Xvfb and
// compares it with its golden PNG in testdata.
func TestGolden(t *testing.T) {
	x := screentest.StartX(t, 1280, 720)
	dir := t.TempDir()
	runChild(t, x, "golden", dir)
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			img, err := screentest.ReadRaw(filepath.Join(dir, fx.name+".rgba"))
			if err != nil {
				t.Fatal(err)
			}
			screentest.ComparePNG(t, filepath.Join("testdata", fx.name+".png"), img, *update)
		})
	}
}

// runCall is the child of TestRunShowsCall: Run shows a hall scene in a
// full-screen window; a call arrives while it runs; the first frame that
// shows it is read back and written to out, which ends Run.
func runCall(out string) error {
	s := display.NewScene(display.Options{TZ: warsaw}, queue.SystemClock{})
	s.Snapshot(screentest.Hall(t0))
	s.SetOnline(true)
	var saveErr error
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := screen.Run(ctx, s, screen.Options{Fullscreen: true, Drawn: func(d screen.Drawn) bool {
		if it, ok := d.Frame.Find("newest.number"); !ok || it.Text != "A030" {
			// The snapshot is on the screen: now the call comes, from
			// another goroutine, as the stream's would.
			go s.Apply(call(401, queue.Called, "A030", 5))
			return false
		}
		saveErr = screentest.WriteRaw(out, d.Pixels())
		return true
	}})
	if err == nil && ctx.Err() != nil {
		err = errors.New("the call was not drawn within 30 s")
	}
	if err != nil {
		return err
	}
	return saveErr
}

// TestRunShowsCall runs the full-screen renderer on a 1920 × 1080 X
// screen: a call made while it runs is drawn, and the screen read back
// shows it in the call's yellow (the whole box in the bright half of the
// blinking, its frame and the number in the other).
func TestRunShowsCall(t *testing.T) {
	x := screentest.StartX(t, 1920, 1080)
	out := filepath.Join(t.TempDir(), "run.rgba")
	runChild(t, x, "run", out)
	img, err := screentest.ReadRaw(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(1920, 1080) {
		t.Errorf("got a %v screen, want 1920x1080 (full screen)", got)
	}
	ground, call := 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case r>>8 == 0x0a && g>>8 == 0x1a && bl>>8 == 0x2f:
				ground++
			case r>>8 > 0xf0 && g>>8 > 0xc0 && bl>>8 < 0x60:
				call++
			}
		}
	}
	total := (b.Dx() / 4) * (b.Dy() / 4)
	if ground == total {
		t.Fatal("the screen is all background")
	}
	if call < total/100 {
		t.Errorf("got %d of %d sampled pixels in the call's yellow, want at least %d: the call is not shown", call, total, total/100)
	}
	if testing.Verbose() {
		t.Logf("screen: %s (ground %d, call yellow %d of %d samples)", out, ground, call, total)
	}
}
