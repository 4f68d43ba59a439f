package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/queue"
)

// Config is the display's configuration file.
type Config struct {
	Controller string `toml:"controller"` // "http://192.168.10.2:8080"
	Token      string `toml:"token"`      // the device token the controller knows
	Location   string `toml:"location"`   // "centrum"

	Role     string `toml:"role"`     // "group" (the hall) or "desk" (one counter)
	Counter  int    `toml:"counter"`  // desk: the counter's number
	Language string `toml:"language"` // "pl" or "en"
	Timezone string `toml:"timezone"` // the location's, for the clock and the opening hours
	Info     string `toml:"info"`     // group: a line at the bottom of the screen; none when empty

	Fullscreen bool          `toml:"fullscreen"` // full screen, as in a hall; a window otherwise
	Window     string        `toml:"window"`     // the window's size when not full screen, "1280x720"
	Recent     int           `toml:"recent"`     // group: earlier calls listed under the newest, at most; 0: none
	Blink      time.Duration `toml:"blink"`      // how long a new call blinks; 0: it does not
	Heartbeat  time.Duration `toml:"heartbeat"`  // how often health is reported
}

// DefaultConfig is a full-screen group screen in Polish.
func DefaultConfig() Config {
	return Config{Role: "group", Language: "pl", Timezone: "Europe/Warsaw", Fullscreen: true, Window: "1280x720",
		Recent: 6, Blink: 6 * time.Second, Heartbeat: 30 * time.Second}
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
	switch c.Role {
	case "group":
		if c.Counter != 0 {
			bad("counter", "%d: only a desk display stands at a counter (role = \"desk\")", c.Counter)
		}
	case "desk":
		if c.Counter < 1 || c.Counter > 999 {
			bad("counter", "%d, want the counter's number, 1 to 999", c.Counter)
		}
	default:
		bad("role", "%q, want group (a hall's screen) or desk (a counter's)", c.Role)
	}
	if c.Language != "pl" && c.Language != "en" {
		bad("language", "%q, want pl or en", c.Language)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		bad("timezone", "%q is not a time zone, e.g. Europe/Warsaw", c.Timezone)
	}
	if n := utf8.RuneCountInString(c.Info); n > 200 {
		bad("info", "%d characters, want at most 200 (one line on the screen)", n)
	}
	if _, _, err := c.WindowSize(); err != nil {
		bad("window", "%v", err)
	}
	if c.Recent < 0 || c.Recent > queue.RecentCalls-1 {
		bad("recent", "%d, want 0 to %d", c.Recent, queue.RecentCalls-1)
	}
	if c.Blink < 0 || c.Blink > time.Minute {
		bad("blink", "%s, want 0s (no blinking) to 1m", c.Blink)
	}
	if c.Heartbeat < time.Second || c.Heartbeat > 10*time.Minute {
		bad("heartbeat", "%s, want 1s to 10m (the controller shows a device offline after 90s without one)", c.Heartbeat)
	}
	return errors.Join(errs...)
}

// WindowSize is the window's width and height from Window, "1280x720".
func (c *Config) WindowSize() (w, h int, err error) {
	ws, hs, ok := strings.Cut(c.Window, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w < 160 || h < 120 || w > 8192 || h > 8192 {
		return 0, 0, fmt.Errorf("%q, want WIDTHxHEIGHT in pixels, e.g. 1280x720", c.Window)
	}
	return w, h, nil
}
