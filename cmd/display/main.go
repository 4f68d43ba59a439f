// Command display runs one of numerek's hall screens: a location's group
// screen (the newest call, the recent calls, the numbers waiting per
// service, the clock) or a counter's own screen (its number and the number
// it calls or serves, or "Przerwa"), full screen with Ebiten. It follows
// the location's event stream on the branch controller, keeps showing the
// last state with a small mark while the controller is out of reach, and
// sends heartbeats.
//
//	display -config configs/devices/display-centrum.toml
//	display -check -config FILE
//
// It needs an X server (DISPLAY) or, on a board without one, a framebuffer
// device, and the OpenGL libraries (Debian: libgl1 libgl1-mesa-dri).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // a Pi may have no zoneinfo; the location's zone is Europe/Warsaw

	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/display"
	"github.com/numerek/numerek/display/screen"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/sdnotify"
)

func main() { devices.RunMain("display", NewMain()) }

// version is set at build time with -ldflags '-X main.version=…'; else the
// module's version, else "dev".
var version = ""

// Main is the display program, separate from main() so that a test can
// run it end to end.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Show draws the scene until ctx ends or the window is closed, on the
	// calling (main) goroutine; screen.Run by default. Tests show it
	// without a window.
	Show func(ctx context.Context, s *display.Scene, o screen.Options) error
	// Drawn, when set, is called after each frame the screen draws, on its
	// thread; Run ends when it returns true. For tests and benchmarks.
	Drawn func(d screen.Drawn) bool
	// Clock tells the time of the clock and the blinking; the machine's
	// when nil.
	Clock devices.Clock
	// Ready, when set, is called once everything runs.
	Ready func(Ready)

	Config Config
	cl     devices.CommandLine
}

// Ready is what a running display tells Main.Ready.
type Ready struct {
	Scene   *display.Scene
	Display *devices.Display
}

// NewMain returns a Main on the process's standard streams that shows the
// screen with Ebiten.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Show: screen.Run}
}

// ParseFlags reads the command line and the configuration file it names.
func (m *Main) ParseFlags(args []string) error {
	cfg, err := devices.ParseCommand(&m.cl, "display", m.Stderr, args, LoadConfig)
	m.Config = cfg
	return err
}

// Run shows the screen until ctx ends or its window is closed. It must be
// called from the main goroutine: Ebiten draws on the main thread.
func (m *Main) Run(ctx context.Context) error {
	log, checked, err := m.cl.Start(m.Stdout, m.Stderr)
	if checked || err != nil {
		return err
	}
	cfg := m.Config
	ver := devices.Version(version)
	tz, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return fmt.Errorf("timezone: %w", err)
	}
	clock := m.Clock
	if clock == nil {
		clock = queue.SystemClock{}
	}
	so := display.Options{Role: display.Role(cfg.Role), Counter: cfg.Counter, Language: cfg.Language, Info: cfg.Info,
		TZ: tz, Recent: cfg.Recent, Blink: cfg.Blink}
	if cfg.Recent == 0 {
		so.Recent = -1 // the scene's 0 is its default
	}
	if cfg.Blink == 0 {
		so.Blink = -1
	}
	scene := display.NewScene(so, clock)

	agent := "numerek-display/" + ver
	client, err := devices.NewClient(cfg.Controller, cfg.Token, cfg.Location, devices.ClientOptions{UserAgent: agent, Logger: log})
	if err != nil {
		return err
	}
	var disp *devices.Display
	stream, err := devices.NewStream(cfg.Controller, cfg.Token, cfg.Location, devices.StreamOptions{UserAgent: agent, Logger: log,
		// The stream runs only inside disp.Run, after disp is set.
		OnState: func(st devices.StreamState) { disp.StreamState(st) }})
	if err != nil {
		return err
	}
	ww, wh, _ := cfg.WindowSize()
	shows := fmt.Sprintf("window %dx%d", ww, wh)
	if cfg.Fullscreen {
		shows = "full screen"
	}
	disp = devices.NewDisplay(stream, scene, client, devices.DisplayOptions{Counter: cfg.Counter, HeartbeatEvery: cfg.Heartbeat,
		Screen: shows, Version: ver, Clock: m.Clock, Logger: log})

	m.printStart(shows)
	log.Info("running", "component", "display", "role", cfg.Role, "location", cfg.Location, "controller", cfg.Controller,
		"screen", shows, "version", ver)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- disp.Run(ctx) }()
	if m.Ready != nil {
		m.Ready(Ready{Scene: scene, Display: disp})
	}
	// Under systemd (Type=notify): started at the first frame on the
	// screen; alive while the display's state can be read.
	go sdnotify.WatchdogLoop(ctx, func() error { disp.Health(); return nil })
	drawn := false
	title := "numerek – " + cfg.Location
	if cfg.Role == "desk" {
		title += fmt.Sprintf(" – %d", cfg.Counter)
	}
	onScreen := false
	err = m.Show(ctx, scene, screen.Options{Fullscreen: cfg.Fullscreen, Width: ww, Height: wh, Title: title,
		Drawn: func(d screen.Drawn) bool {
			if !drawn {
				drawn = true
				if err := sdnotify.Ready(); err != nil {
					log.Warn("systemd notification", "err", err)
				}
			}
			if d.Frame.Ready && !onScreen {
				onScreen = true
				log.Info("on screen", "component", "display", "size", fmt.Sprintf("%dx%d", d.Frame.Width, d.Frame.Height), "seq", d.Frame.Seq)
			}
			disp.Shown(d.Frame.Seq, d.At)
			return m.Drawn != nil && m.Drawn(d)
		}})
	closed := ctx.Err() == nil
	_ = sdnotify.Stopping()
	cancel()
	derr := <-done
	if err != nil {
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			err = fmt.Errorf("%w (DISPLAY is not set: run it in an X session, or with DISPLAY=:0)", err)
		}
		return err
	}
	if derr != nil {
		return derr
	}
	if closed {
		log.Info("stopped: the screen ended (its window was closed)", "component", "display")
	} else {
		log.Info("stopped", "component", "display")
	}
	return nil
}

// printStart tells a newcomer what shows where.
func (m *Main) printStart(shows string) {
	cfg := m.Config
	w := m.Stdout
	fmt.Fprintf(w, "numerek display at %s, controller %s\n", cfg.Location, cfg.Controller)
	role := "group screen of the hall"
	if cfg.Role == "desk" {
		role = fmt.Sprintf("screen of counter %d", cfg.Counter)
	}
	fmt.Fprintf(w, "  %-16s %s, %s, language %s\n", "screen", role, shows, cfg.Language)
}

// Close releases nothing: the screen closes with Run.
func (m *Main) Close() error { return nil }
