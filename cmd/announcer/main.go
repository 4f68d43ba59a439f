// Command announcer runs numerek's spoken calls: it follows a location's
// event stream on the branch controller and says each call and recall in
// Polish ("Numer A dwanaście, stanowisko numer pięć") on the speakers, or
// writes it as a WAV file, and sends heartbeats.
//
//	announcer -config configs/devices/announcer-centrum.toml
//	announcer -check -config FILE
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/numerek/numerek/audio"
	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/sdnotify"
)

func main() { devices.RunMain("announcer", NewMain()) }

// version is set at build time with -ldflags '-X main.version=…'; else the
// module's version, else "dev".
var version = ""

// Main is the announcer program, separate from main() so that a test can
// run it end to end with a temporary directory.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// OpenSpeaker opens the sound card; audio.NewSpeaker by default.
	OpenSpeaker func(timeout time.Duration) (audio.Output, error)
	// Clock tells the time calls are aged by; the machine's when nil.
	Clock devices.Clock
	// Ready, when set, is called once everything runs.
	Ready func(Ready)

	Config Config
	cl     devices.CommandLine

	out audio.Output
}

// Ready is what a running announcer tells Main.Ready.
type Ready struct {
	Output    string // "speaker" or "wav"
	WAVDir    string // absolute, for output "wav"
	WAV       *audio.WAVOutput
	Announcer *devices.Announcer
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, OpenSpeaker: func(timeout time.Duration) (audio.Output, error) {
		return audio.NewSpeaker(timeout)
	}}
}

// ParseFlags reads the command line and the configuration file it names.
func (m *Main) ParseFlags(args []string) error {
	cfg, err := devices.ParseCommand(&m.cl, "announcer", m.Stderr, args, LoadConfig)
	m.Config = cfg
	return err
}

// Run runs the announcer until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	log, checked, err := m.cl.Start(m.Stdout, m.Stderr)
	if checked || err != nil {
		return err
	}
	cfg := m.Config
	ver := devices.Version(version)

	bank, err := m.loadBank()
	if err != nil {
		return err
	}
	ready, err := m.openOutput()
	if err != nil {
		return err
	}
	client, err := devices.NewClient(cfg.Controller, cfg.Token, cfg.Location, devices.ClientOptions{
		UserAgent: "numerek-announcer/" + ver, Logger: log})
	if err != nil {
		return err
	}
	stream, err := devices.NewStream(cfg.Controller, cfg.Token, cfg.Location, devices.StreamOptions{
		UserAgent: "numerek-announcer/" + ver, Logger: log})
	if err != nil {
		return err
	}
	outName := ready.Output
	if ready.WAVDir != "" {
		outName += " " + ready.WAVDir
	}
	ready.Announcer = devices.NewAnnouncer(stream,
		&audioVoice{bank: bank, out: m.out, chime: cfg.Chime, volume: float32(cfg.Volume)}, client,
		devices.AnnouncerOptions{MaxAge: cfg.MaxAge, HeartbeatEvery: cfg.Heartbeat, Output: outName,
			Version: ver, Clock: m.Clock, Logger: log})

	m.printStart(ready)
	log.Info("running", "component", "announcer", "location", cfg.Location, "controller", cfg.Controller,
		"output", outName, "version", ver)
	if m.Ready != nil {
		m.Ready(ready)
	}
	// Under systemd (Type=notify): started; alive while the announcer's
	// state can be read (its lock is not stuck).
	if err := sdnotify.Ready(); err != nil {
		log.Warn("systemd notification", "err", err)
	}
	wctx, stopWatchdog := context.WithCancel(ctx)
	go sdnotify.WatchdogLoop(wctx, func() error { ready.Announcer.Health(); return nil })
	err = ready.Announcer.Run(ctx)
	stopWatchdog()
	_ = sdnotify.Stopping()
	log.Info("stopped", "component", "announcer")
	return err
}

// loadBank loads the clips folder of the config, or the built-in bank.
func (m *Main) loadBank() (*audio.Bank, error) {
	if m.Config.Clips == "" {
		b, err := audio.DefaultBank()
		if err != nil {
			return nil, fmt.Errorf("built-in clip bank: %w", err)
		}
		return b, nil
	}
	b, err := audio.LoadBank(m.Config.Clips)
	if err != nil {
		return nil, fmt.Errorf("clips: %w", err)
	}
	return b, nil
}

// openOutput opens the speaker or the WAV folder. Without a sound card,
// output "speaker" falls back to wav_dir when it is set, saying so.
func (m *Main) openOutput() (Ready, error) {
	cfg := m.Config
	if cfg.Output == "speaker" {
		sp, err := m.OpenSpeaker(cfg.SpeakerTimeout)
		if err == nil {
			m.out = sp
			return Ready{Output: "speaker"}, nil
		}
		if cfg.WAVDir == "" {
			return Ready{}, fmt.Errorf("output \"speaker\": %w (or set wav_dir to write WAV files instead)", err)
		}
		fmt.Fprintf(m.Stderr, "announcer: no sound card (%v); writing WAV files to %s instead\n", err, cfg.WAVDir)
	}
	w, err := audio.NewWAVOutput(cfg.WAVDir)
	if err != nil {
		return Ready{}, fmt.Errorf("wav_dir: %w", err)
	}
	m.out = w
	dir, _ := filepath.Abs(cfg.WAVDir)
	return Ready{Output: "wav", WAVDir: dir, WAV: w}, nil
}

// printStart tells a newcomer what plays where.
func (m *Main) printStart(r Ready) {
	cfg := m.Config
	w := m.Stdout
	fmt.Fprintf(w, "numerek announcer at %s, controller %s\n", cfg.Location, cfg.Controller)
	if r.Output == "speaker" {
		fmt.Fprintf(w, "  %-16s %s\n", "output", "speaker (the sound card)")
	} else {
		fmt.Fprintf(w, "  %-16s %s\n", "output", "WAV files in "+r.WAVDir)
	}
	clips := "built-in (espeak-ng)"
	if cfg.Clips != "" {
		clips = cfg.Clips
	}
	fmt.Fprintf(w, "  %-16s %s, volume %.2f, chime %t, max age %s\n", "voice", clips, cfg.Volume, cfg.Chime, cfg.MaxAge)
}

// Close releases the audio output.
func (m *Main) Close() error {
	if m.out != nil {
		return m.out.Close()
	}
	return nil
}
