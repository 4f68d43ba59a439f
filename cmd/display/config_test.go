package main

import (
	"strings"
	"testing"
	"time"
)

const minimal = `controller = "http://127.0.0.1:8080"
token = "t"
location = "centrum"
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.Role != "group" || c.Language != "pl" || c.Timezone != "Europe/Warsaw" || !c.Fullscreen || c.Recent != 6 || c.Blink != 6*time.Second {
		t.Errorf("got %+v, want the defaults: group, pl, Europe/Warsaw, full screen, 6 recent, blink 6s", c)
	}
	c, err = ParseConfig([]byte(minimal + "role = \"desk\"\ncounter = 3\nlanguage = \"en\"\nfullscreen = false\nwindow = \"800x480\"\nblink = \"0s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w, h, _ := c.WindowSize(); c.Role != "desk" || c.Counter != 3 || c.Language != "en" || c.Fullscreen || w != 800 || h != 480 || c.Blink != 0 {
		t.Errorf("got %+v, want what the file says", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no controller", `token = "t"` + "\nlocation = \"centrum\"\n", "controller: missing"},
		{"no token", strings.Replace(minimal, `token = "t"`, "", 1), "token: missing"},
		{"bad location", strings.Replace(minimal, "centrum", "Centrum!", 1), "location: "},
		{"bad role", minimal + `role = "hall"`, `role: "hall", want group`},
		{"desk without counter", minimal + `role = "desk"`, "counter: 0, want the counter's number"},
		{"group with counter", minimal + "counter = 2", "counter: 2: only a desk display"},
		{"language", minimal + `language = "de"`, `language: "de", want pl or en`},
		{"timezone", minimal + `timezone = "Mars/Olympus"`, "timezone: "},
		{"window", minimal + `window = "big"`, `window: "big", want WIDTHxHEIGHT`},
		{"tiny window", minimal + `window = "10x10"`, "window: "},
		{"recent", minimal + "recent = 12", "recent: 12, want 0 to 11"},
		{"blink", minimal + `blink = "2m"`, "blink: "},
		{"info", minimal + `info = "` + strings.Repeat("x", 201) + `"`, "info: 201 characters"},
		{"heartbeat", minimal + `heartbeat = "1h"`, "heartbeat: "},
		{"unknown key", minimal + `colour = "red"`, "unknown key(s): colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestExampleConfigs checks the files `make run` starts the displays with.
func TestExampleConfigs(t *testing.T) {
	for _, tc := range []struct {
		path, role string
		counter    int
	}{
		{"../../configs/devices/display-centrum.toml", "group", 0},
		{"../../configs/devices/display-centrum-1.toml", "desk", 1},
	} {
		c, err := LoadConfig(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Role != tc.role || c.Counter != tc.counter || c.Location != "centrum" {
			t.Errorf("%s: got role %s counter %d at %s, want %s %d at centrum", tc.path, c.Role, c.Counter, c.Location, tc.role, tc.counter)
		}
	}
}
