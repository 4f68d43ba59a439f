package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/numerek/numerek/devices"
)

// Config is the announcer's configuration file.
type Config struct {
	Controller string `toml:"controller"` // "http://192.168.10.2:8080"
	Token      string `toml:"token"`      // the device token the controller knows
	Location   string `toml:"location"`   // "centrum"

	Output string  `toml:"output"`  // "speaker" or "wav"
	WAVDir string  `toml:"wav_dir"` // wav: where the files go; speaker: the fallback without a sound card
	Volume float64 `toml:"volume"`  // 0 (silent) to 1 (as recorded)
	Clips  string  `toml:"clips"`   // a folder of recorded clips; the built-in espeak-ng bank when empty
	Chime  bool    `toml:"chime"`   // a chime before each call

	MaxAge         time.Duration `toml:"max_age"`         // a call older than this when it arrives is not announced
	Heartbeat      time.Duration `toml:"heartbeat"`       // how often health is reported
	SpeakerTimeout time.Duration `toml:"speaker_timeout"` // opening the sound card
}

// DefaultConfig speaks on the speakers at full volume, with the chime.
func DefaultConfig() Config {
	return Config{Output: "speaker", Volume: 1, Chime: true, MaxAge: 30 * time.Second, Heartbeat: 30 * time.Second,
		SpeakerTimeout: 3 * time.Second}
}

// LoadConfig reads and checks the configuration file at path.
func LoadConfig(path string) (Config, error) { return devices.LoadConfig(path, ParseConfig) }

// ParseConfig parses TOML over DefaultConfig and validates the result.
// Unknown keys are errors: a misspelt key would silently be a default.
func ParseConfig(data []byte) (Config, error) {
	return devices.ParseConfig(data, DefaultConfig(), (*Config).Validate)
}

// Validate says everything that is wrong, each naming its field.
func (c *Config) Validate() error {
	errs := devices.CheckLink(c.Controller, c.Token, c.Location)
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch c.Output {
	case "speaker":
	case "wav":
		if c.WAVDir == "" {
			bad("wav_dir", "missing: the folder the WAV files go to with output = \"wav\", e.g. var/announcements")
		}
	default:
		bad("output", "%q, want speaker or wav", c.Output)
	}
	if !(c.Volume >= 0 && c.Volume <= 1) { // NaN too
		bad("volume", "%v, want 0 to 1", c.Volume)
	}
	if c.Clips != "" {
		if fi, err := os.Stat(c.Clips); err != nil {
			bad("clips", "%v", err)
		} else if !fi.IsDir() {
			bad("clips", "%s is not a folder", c.Clips)
		}
	}
	if c.MaxAge < time.Second || c.MaxAge > time.Hour {
		bad("max_age", "%s, want 1s to 1h", c.MaxAge)
	}
	if c.Heartbeat < time.Second || c.Heartbeat > 10*time.Minute {
		bad("heartbeat", "%s, want 1s to 10m (the controller shows a device offline after 90s without one)", c.Heartbeat)
	}
	if c.SpeakerTimeout < 100*time.Millisecond || c.SpeakerTimeout > time.Minute {
		bad("speaker_timeout", "%s, want 100ms to 1m", c.SpeakerTimeout)
	}
	return errors.Join(errs...)
}
