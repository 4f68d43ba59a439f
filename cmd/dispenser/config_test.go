package main

import (
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/printer"
)

const goodConfig = `
controller = "http://192.168.10.2:8080"
token = "secret"
location = "centrum"
led = "GPIO27"
[buttons]
GPIO17 = "A"
GPIO22 = "B"
[printer]
transport = "tcp"
address = "192.168.10.50"
code_page = "wpc1250"
code_page_number = 47
width_mm = 58
cut = "full"
[texts]
header = ["Urząd Miasta"]
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Services, ""); got != "AB" {
		t.Errorf("services %q, want those of the buttons, AB", got)
	}
	l := c.Printer.Layout()
	if l.WidthMM != 58 || l.CodePage != (printer.CodePage{Name: "wpc1250", Number: 47}) || l.Cut != printer.CutFull {
		t.Errorf("layout %+v", l)
	}
	if c.Debounce != 30*time.Millisecond || c.Heartbeat != 30*time.Second || c.IssueTimeout != time.Minute {
		t.Errorf("defaults not kept: %+v", c)
	}
	if tc := c.Printer.TransportConfig(); tc.Kind != "tcp" || tc.Address != "192.168.10.50" || tc.Validate() != nil {
		t.Errorf("transport %+v: %v", tc, tc.Validate())
	}
	if _, err := LoadConfig("../../configs/devices/dispenser-centrum.toml"); err != nil {
		t.Errorf("the example config: %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want []string // each in the error
	}{
		{"bad URL", sub(`"http://192.168.10.2:8080"`, `"192.168.10.2:8080"`), []string{"controller:", "not an http:// or https:// URL"}},
		{"no URL", sub(`controller = "http://192.168.10.2:8080"`, ``), []string{"controller: missing"}},
		{"no token", sub(`token = "secret"`, ``), []string{"token: missing"}},
		{"bad location", sub(`location = "centrum"`, `location = "Centrum Miasta"`), []string{"location:", "not a location id"}},
		{"unknown transport", sub(`transport = "tcp"`, `transport = "bluetooth"`), []string{"printer.transport:", `"bluetooth"`, "usb, serial, tcp or virtual"}},
		{"usb without path", sub(`transport = "tcp"`, `transport = "usb"`+"\npath = \"\""), []string{"printer.path: missing", "/dev/usb/lp0"}},
		{"tcp without address", sub(`address = "192.168.10.50"`, ``), []string{"printer.address: missing"}},
		{"virtual without dir", sub(`transport = "tcp"`, `transport = "virtual"`), []string{"printer.dir: missing"}},
		{"serial at a strange speed", sub(`transport = "tcp"`, "transport = \"serial\"\npath = \"/dev/ttyUSB0\"\nbaud = 1234"), []string{"printer.baud:", "1234"}},
		{"width", sub(`width_mm = 58`, `width_mm = 70`), []string{"printer.width_mm: 70, want 58 or 80"}},
		{"code page", sub(`code_page = "wpc1250"`, `code_page = "latin2"`), []string{"printer.code_page:", "pc852 or wpc1250"}},
		{"code page number", sub(`code_page_number = 47`, `code_page_number = 300`), []string{"printer.code_page_number: 300"}},
		{"cut", sub(`cut = "full"`, `cut = "half"`), []string{"printer.cut:", `"half"`}},
		{"lang", sub(`cut = "full"`, "cut = \"full\"\nlang = \"de\""), []string{"printer.lang:", `"de"`}},
		{"service letter", sub(`GPIO22 = "B"`, `GPIO22 = "b2"`), []string{"buttons.GPIO22:", "not a service letter"}},
		{"duplicate pin", sub(`GPIO22 = "B"`, `gpio17 = "B"`), []string{"the same pin as buttons.GPIO17"}},
		{"LED on a button's pin", sub(`led = "GPIO27"`, `led = "GPIO17"`), []string{"led: GPIO17 is also the pin of buttons.GPIO17"}},
		{"nothing to press", func(s string) string {
			return "keyboard = false\n" + sub("[buttons]\nGPIO17 = \"A\"\nGPIO22 = \"B\"\n", "")(s)
		}, []string{"buttons: nothing to press"}},
		{"press page on the LAN", sub(`led = "GPIO27"`, `local_page = "0.0.0.0:8090"`), []string{"local_page:", "not a loopback address"}},
		{"heartbeat too rare", sub(`led = "GPIO27"`, `heartbeat = "1h"`), []string{"heartbeat: 1h0m0s"}},
		{"debounce too long", sub(`led = "GPIO27"`, `debounce = "5s"`), []string{"debounce: 5s"}},
		{"unknown key", sub(`led = "GPIO27"`, `lde = "GPIO27"`), []string{"unknown key(s): lde"}},
		{"misspelt printer key", sub(`cut = "full"`, `cutt = "full"`), []string{"printer.cutt"}},
		{"several problems at once", func(s string) string {
			return sub(`width_mm = 58`, `width_mm = 70`)(sub(`token = "secret"`, ``)(s))
		}, []string{"token: missing", "printer.width_mm: 70"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.edit(goodConfig)))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// sub returns an edit replacing old with new, which must be there.
func sub(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test config lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}
