package main

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/printer"
)

// Config is the dispenser's configuration file.
type Config struct {
	Controller string            `toml:"controller"` // "http://192.168.10.2:8080"
	Token      string            `toml:"token"`      // the device token the controller knows
	Location   string            `toml:"location"`   // "centrum"
	Buttons    map[string]string `toml:"buttons"`    // GPIO pin name → service letter
	LED        string            `toml:"led"`        // status LED pin, optional
	Debounce   time.Duration     `toml:"debounce"`   // of the buttons
	LocalPage  string            `toml:"local_page"` // loopback address of the press page, optional
	Keyboard   bool              `toml:"keyboard"`   // presses from a terminal on standard input
	Services   []string          `toml:"services"`   // the letters of the press page and the keyboard

	Heartbeat    time.Duration `toml:"heartbeat"`     // how often health is reported
	IssueTimeout time.Duration `toml:"issue_timeout"` // asking for one ticket, retries included

	Printer PrinterConfig `toml:"printer"`
	Texts   Texts         `toml:"texts"`
}

// PrinterConfig is the [printer] table.
type PrinterConfig struct {
	Transport      string        `toml:"transport"`        // usb, serial, tcp or virtual
	Path           string        `toml:"path"`             // usb, serial: the device file
	Address        string        `toml:"address"`          // tcp: host or host:port (9100)
	Baud           int           `toml:"baud"`             // serial
	Dir            string        `toml:"dir"`              // virtual: where ticket PNGs go
	Timeout        time.Duration `toml:"timeout"`          // connect, write, status
	CodePage       string        `toml:"code_page"`        // pc852 or wpc1250
	CodePageNumber *int          `toml:"code_page_number"` // the n of ESC t, by maker; Epson's when absent
	WidthMM        int           `toml:"width_mm"`         // 58 or 80
	Cut            string        `toml:"cut"`              // partial, full or none
	QRModule       int           `toml:"qr_module"`        // QR module size in dots, 1..16
	Lang           string        `toml:"lang"`             // pl or en: the ticket's own words
}

// Texts are the ticket's own lines.
type Texts struct {
	Header []string `toml:"header"`
	Footer []string `toml:"footer"`
}

// DefaultConfig is a dispenser with no buttons, an 80 mm PC852 printer on
// /dev/usb/lp0 and the usual timings.
func DefaultConfig() Config {
	l := printer.DefaultLayout()
	return Config{
		Debounce:     30 * time.Millisecond,
		Heartbeat:    30 * time.Second,
		IssueTimeout: 60 * time.Second,
		Keyboard:     true,
		Printer: PrinterConfig{Transport: "usb", Path: "/dev/usb/lp0", Timeout: printer.DefaultTimeout,
			CodePage: l.CodePage.Name, WidthMM: l.WidthMM, Cut: string(l.Cut), QRModule: l.QRModule, Lang: l.Lang},
	}
}

// LoadConfig reads and checks the configuration file at path.
func LoadConfig(path string) (Config, error) { return devices.LoadConfig(path, ParseConfig) }

// ParseConfig parses TOML over DefaultConfig and validates the result.
// Unknown keys are errors: a misspelt key would silently be a default.
func ParseConfig(data []byte) (Config, error) {
	return devices.ParseConfig(data, DefaultConfig(), func(c *Config) error {
		if len(c.Services) == 0 {
			c.Services = c.ButtonServices()
		}
		return c.Validate()
	})
}

var (
	serviceLetter = regexp.MustCompile(`^[A-Z]$`)
)

// Validate says everything that is wrong, each naming its field.
func (c *Config) Validate() error {
	errs := devices.CheckLink(c.Controller, c.Token, c.Location)
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	pins := map[string]string{}
	for _, pin := range slices.Sorted(maps.Keys(c.Buttons)) {
		svc := c.Buttons[pin]
		field := fmt.Sprintf("buttons.%s", pin)
		if strings.TrimSpace(pin) == "" {
			bad("buttons", "a pin with an empty name")
		}
		if !serviceLetter.MatchString(svc) {
			bad(field, "%q is not a service letter (A to Z)", svc)
		}
		up := strings.ToUpper(pin)
		if prev, ok := pins[up]; ok {
			bad(field, "the same pin as buttons.%s", prev)
		}
		pins[up] = pin
	}
	if c.LED != "" {
		if prev, ok := pins[strings.ToUpper(c.LED)]; ok {
			bad("led", "%s is also the pin of buttons.%s", c.LED, prev)
		}
	}
	if c.LocalPage != "" {
		if host, _, err := net.SplitHostPort(c.LocalPage); err != nil {
			bad("local_page", "%q is not host:port: %v", c.LocalPage, err)
		} else if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			bad("local_page", "%q is not a loopback address (127.0.0.1, ::1 or localhost): the press page has no login", c.LocalPage)
		}
	}
	for i, s := range c.Services {
		if !serviceLetter.MatchString(s) {
			bad(fmt.Sprintf("services[%d]", i), "%q is not a service letter (A to Z)", s)
		}
	}
	if len(c.Buttons) == 0 && c.LocalPage == "" && !c.Keyboard {
		bad("buttons", "nothing to press: configure [buttons], local_page or keyboard = true")
	}
	if (c.LocalPage != "" || c.Keyboard) && len(c.Services) == 0 && len(c.Buttons) == 0 {
		bad("services", "missing: the service letters of the press page and the keyboard, e.g. [\"A\", \"B\"]")
	}
	if c.Debounce < time.Millisecond || c.Debounce > time.Second {
		bad("debounce", "%s, want 1ms to 1s", c.Debounce)
	}
	if c.Heartbeat < time.Second || c.Heartbeat > 10*time.Minute {
		bad("heartbeat", "%s, want 1s to 10m (the controller shows a device offline after 90s without one)", c.Heartbeat)
	}
	if c.IssueTimeout < time.Second || c.IssueTimeout > 10*time.Minute {
		bad("issue_timeout", "%s, want 1s to 10m", c.IssueTimeout)
	}
	errs = append(errs, c.Printer.validate()...)
	return errors.Join(errs...)
}

func (p *PrinterConfig) validate() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("printer.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch p.Transport {
	case "usb", "serial":
		if p.Path == "" {
			bad("path", "missing: the printer's device file for transport %q, e.g. %s", p.Transport,
				map[string]string{"usb": "/dev/usb/lp0", "serial": "/dev/ttyUSB0"}[p.Transport])
		}
	case "tcp":
		if p.Address == "" {
			bad("address", "missing: the printer's host or host:port for transport \"tcp\" (port 9100 by default)")
		}
	case "virtual":
		if p.Dir == "" {
			bad("dir", "missing: where the virtual printer saves ticket PNGs, e.g. var/tickets")
		}
	default:
		bad("transport", "%q, want usb, serial, tcp or virtual", p.Transport)
	}
	if p.Transport == "serial" && p.Baud != 0 {
		if err := p.TransportConfig().Validate(); err != nil {
			bad("baud", "%d, want 2400, 4800, 9600, 19200, 38400, 57600, 115200 or 230400", p.Baud)
		}
	}
	if p.Timeout < 0 {
		bad("timeout", "%s, want a positive duration", p.Timeout)
	}
	if p.WidthMM != 58 && p.WidthMM != 80 {
		bad("width_mm", "%d, want 58 or 80", p.WidthMM)
	}
	if _, err := printer.CodePageByName(p.CodePage); err != nil {
		bad("code_page", "%q, want pc852 or wpc1250", p.CodePage)
	}
	if p.CodePageNumber != nil && (*p.CodePageNumber < 0 || *p.CodePageNumber > 255) {
		bad("code_page_number", "%d, want 0 to 255 (the n of ESC t in the printer's manual)", *p.CodePageNumber)
	}
	switch printer.CutMode(p.Cut) {
	case printer.CutPartial, printer.CutFull, printer.CutNone:
	default:
		bad("cut", "%q, want partial, full or none", p.Cut)
	}
	if p.QRModule < 1 || p.QRModule > 16 {
		bad("qr_module", "%d, want 1 to 16 dots", p.QRModule)
	}
	if p.Lang != "pl" && p.Lang != "en" {
		bad("lang", "%q, want pl or en", p.Lang)
	}
	return errs
}

// Layout is the printer's ticket layout.
func (p *PrinterConfig) Layout() printer.Layout {
	l := printer.DefaultLayout()
	l.WidthMM, l.Cut, l.QRModule, l.Lang = p.WidthMM, printer.CutMode(p.Cut), p.QRModule, p.Lang
	l.CodePage = p.codePage()
	return l
}

func (p *PrinterConfig) codePage() printer.CodePage {
	cp, _ := printer.CodePageByName(p.CodePage)
	if p.CodePageNumber != nil {
		cp.Number = byte(*p.CodePageNumber)
	}
	return cp
}

// TransportConfig is how to reach the printer.
func (p *PrinterConfig) TransportConfig() printer.TransportConfig {
	return printer.TransportConfig{Kind: p.Transport, Path: p.Path, Address: p.Address, Baud: p.Baud, Dir: p.Dir,
		Timeout: p.Timeout, WidthMM: p.WidthMM, CodePage: p.codePage()}
}

// ButtonServices are the letters of the GPIO buttons, sorted, once each.
func (c *Config) ButtonServices() []string {
	var out []string
	for _, s := range c.Buttons {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// UsesGPIO reports whether the config names any GPIO pin.
func (c *Config) UsesGPIO() bool { return len(c.Buttons) > 0 || c.LED != "" }
