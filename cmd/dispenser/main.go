// Command dispenser runs numerek's ticket machine: GPIO buttons (or a local
// press page, or the keyboard), tickets from the branch controller, ESC/POS
// printing with a QR code, a status LED and heartbeats.
//
//	dispenser -config configs/devices/dispenser-centrum.toml
//	dispenser -check -config FILE
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // an appliance may have no zoneinfo; the location's zone is Europe/Warsaw

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3"

	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/sdnotify"
)

func main() { devices.RunMain("dispenser", NewMain()) }

// version is set at build time with -ldflags '-X main.version=…'; else the
// module's version, else "dev".
var version = ""

// Main is the dispenser program, separate from main() so that a test can
// run it end to end with a temporary directory.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StdinTerminal says Stdin is a terminal, whose keys press buttons
	// (config keyboard = true). NewMain sets it.
	StdinTerminal bool
	// InitHost loads periph's host drivers; host.Init by default. It runs
	// only when the config names GPIO pins.
	InitHost func() error
	// Ready, when set, is called once everything runs.
	Ready func(Ready)

	Config Config
	cl     devices.CommandLine

	printer *devices.ESCPOS
}

// Ready is what a running dispenser tells Main.Ready.
type Ready struct {
	PageURL   string // the press page, "" when there is none
	TicketDir string // where the virtual printer saves PNGs, "" for a real printer
	Dispenser *devices.Dispenser
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StdinTerminal: isTerminal(os.Stdin),
		InitHost: func() error { _, err := host.Init(); return err }}
}

// ParseFlags reads the command line and the configuration file it names.
func (m *Main) ParseFlags(args []string) error {
	cfg, err := devices.ParseCommand(&m.cl, "dispenser", m.Stderr, args, LoadConfig)
	m.Config = cfg
	return err
}

// Run runs the dispenser until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	log, checked, err := m.cl.Start(m.Stdout, m.Stderr)
	if checked || err != nil {
		return err
	}
	cfg := m.Config
	ver := devices.Version(version)

	client, err := devices.NewClient(cfg.Controller, cfg.Token, cfg.Location, devices.ClientOptions{
		UserAgent: "numerek-dispenser/" + ver, Logger: log})
	if err != nil {
		return err
	}
	tc := cfg.Printer.TransportConfig()
	if tc.Kind == "virtual" {
		// Make the directory now, so a bad one stops the start.
		if err := os.MkdirAll(tc.Dir, 0o755); err != nil {
			return fmt.Errorf("printer.dir: %w", err)
		}
	}
	m.printer, err = devices.NewESCPOS(func() (printer.Transport, error) { return printer.OpenTransport(tc) }, cfg.Printer.Layout(), log)
	if err != nil {
		return fmt.Errorf("printer: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, tc.Timeout+time.Second)
	_, err = m.printer.Status(sctx)
	cancel()
	if err != nil {
		if tc.Kind == "virtual" {
			return fmt.Errorf("printer: %w", err)
		}
		// A printer switched on after the dispenser is no reason to stop:
		// the LED and the heartbeats show it, and it is opened again.
		log.Error("printer not reachable: running anyway, showing the fault and trying again", "component", "printer", "err", err)
	}

	presses := make(chan devices.Press)
	buttons, led, err := m.openGPIO(log)
	if err != nil {
		return err
	}
	d := devices.NewDispenser(client, m.printer, devices.DispenserOptions{
		Header: cfg.Texts.Header, Footer: cfg.Texts.Footer, Lang: cfg.Printer.Lang,
		IssueTimeout: cfg.IssueTimeout, HeartbeatEvery: cfg.Heartbeat, Version: ver, Logger: log})
	var ln net.Listener
	if cfg.LocalPage != "" {
		if ln, err = devices.ListenLoopback(cfg.LocalPage); err != nil {
			return fmt.Errorf("local_page: %w", err)
		}
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, 4+len(buttons))
	run := func(name string, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
				stop()
			}
		})
	}
	run("dispenser", func() error { return d.Run(ctx, presses) })
	for _, b := range buttons {
		run("button "+b.Service(), func() error { return b.Run(ctx, presses) })
	}
	if led != nil {
		run("led", func() error { return devices.NewLED(led, d.LEDMode, nil, log).Run(ctx) })
	}
	ready := Ready{Dispenser: d}
	if tc.Kind == "virtual" {
		ready.TicketDir, _ = filepath.Abs(tc.Dir)
	}
	if ln != nil {
		ready.PageURL = "http://" + ln.Addr().String() + "/"
		page := devices.NewPressPage(cfg.Services, presses, devices.PressPageOptions{
			State: d.State, Service: d.ServiceName, LastImage: m.printer.LastImage, Logger: log,
			PaperOut: func(out bool) bool {
				if tc.Kind != "virtual" {
					return false
				}
				return m.printer.SimulatePaperOut(out)
			}})
		run("local page", func() error { return page.Serve(ctx, ln) })
	}
	keyboard := cfg.Keyboard && m.StdinTerminal
	if keyboard {
		// Not waited for: a read from a terminal cannot be interrupted.
		// It stops at the next line or end of input after ctx ends, or
		// with the process.
		go func() {
			if err := devices.ReadKeys(ctx, m.Stdin, cfg.Services, presses, nil); err != nil {
				log.Warn("keyboard", "err", err)
			}
		}()
	}
	m.printStart(ready, keyboard)
	if len(buttons) == 0 && ln == nil && !keyboard {
		log.Warn("nothing can press a button: no [buttons], no local_page, and standard input is not a terminal")
	}
	log.Info("running", "component", "dispenser", "location", cfg.Location, "controller", cfg.Controller, "version", ver)
	if m.Ready != nil {
		m.Ready(ready)
	}
	// Under systemd (Type=notify): started; alive while the dispenser's
	// state can be read (its lock is not stuck).
	if err := sdnotify.Ready(); err != nil {
		log.Warn("systemd notification", "err", err)
	}
	go sdnotify.WatchdogLoop(ctx, func() error { d.Health(); return nil })
	<-ctx.Done()
	_ = sdnotify.Stopping()
	wg.Wait()
	log.Info("stopped", "component", "dispenser")
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// openGPIO loads periph's host drivers and opens the buttons and the LED,
// when the config has any. A pin that is not there is an error naming it.
func (m *Main) openGPIO(log *slog.Logger) ([]*devices.Button, gpio.PinIO, error) {
	cfg := m.Config
	if !cfg.UsesGPIO() {
		return nil, nil, nil
	}
	if err := m.InitHost(); err != nil {
		return nil, nil, fmt.Errorf("GPIO: periph host.Init: %w", err)
	}
	var buttons []*devices.Button
	seen := map[string]string{} // real pin name → config key
	use := func(field, name string) (gpio.PinIO, error) {
		p, err := devices.OpenPin(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		r := realPin(p)
		if prev, ok := seen[r.Name()]; ok {
			return nil, fmt.Errorf("%s: %s is the same pin (%s) as %s", field, name, r.Name(), prev)
		}
		seen[r.Name()] = field
		return p, nil
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Buttons)) {
		p, err := use("buttons."+name, name)
		if err != nil {
			return nil, nil, err
		}
		b, err := devices.NewButton(p, cfg.Buttons[name], devices.ButtonOptions{Debounce: cfg.Debounce, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("buttons.%s: %w", name, err)
		}
		buttons = append(buttons, b)
	}
	var led gpio.PinIO
	if cfg.LED != "" {
		p, err := use("led", cfg.LED)
		if err != nil {
			return nil, nil, err
		}
		led = p
	}
	return buttons, led, nil
}

// realPin is the pin behind aliases.
func realPin(p gpio.PinIO) gpio.PinIO {
	for {
		r, ok := p.(gpio.RealPin)
		if !ok {
			return p
		}
		p = r.Real()
	}
}

// printStart tells a newcomer where things are.
func (m *Main) printStart(r Ready, keyboard bool) {
	cfg := m.Config
	w := m.Stdout
	fmt.Fprintf(w, "numerek dispenser at %s, controller %s\n", cfg.Location, cfg.Controller)
	if r.PageURL != "" {
		fmt.Fprintf(w, "  %-16s %s\n", "press page", r.PageURL)
	}
	if r.TicketDir != "" {
		fmt.Fprintf(w, "  %-16s %s\n", "tickets (PNG)", r.TicketDir)
	} else {
		where := cfg.Printer.Path
		if cfg.Printer.Transport == "tcp" {
			where = cfg.Printer.Address
		}
		fmt.Fprintf(w, "  %-16s %s %s\n", "printer", cfg.Printer.Transport, where)
	}
	if len(cfg.Buttons) > 0 {
		var bs []string
		for _, pin := range slices.Sorted(maps.Keys(cfg.Buttons)) {
			bs = append(bs, pin+" → "+cfg.Buttons[pin])
		}
		fmt.Fprintf(w, "  %-16s %s\n", "buttons", strings.Join(bs, ", "))
	}
	if cfg.LED != "" {
		fmt.Fprintf(w, "  %-16s %s\n", "status LED", cfg.LED)
	}
	if keyboard {
		fmt.Fprintf(w, "  %-16s type a letter and Enter: %s\n", "keyboard", strings.Join(cfg.Services, " "))
	}
}

// Close releases the printer.
func (m *Main) Close() error {
	if m.printer != nil {
		return m.printer.Close()
	}
	return nil
}
