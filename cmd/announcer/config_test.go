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
	if c.Output != "speaker" || c.Volume != 1 || !c.Chime || c.MaxAge != 30*time.Second {
		t.Errorf("got %+v, want the defaults: speaker, volume 1, chime, max_age 30s", c)
	}
	c, err = ParseConfig([]byte(minimal + "output = \"wav\"\nwav_dir = \"x\"\nvolume = 0.5\nchime = false\nmax_age = \"10s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Output != "wav" || c.WAVDir != "x" || c.Volume != 0.5 || c.Chime || c.MaxAge != 10*time.Second {
		t.Errorf("got %+v, want what the file says", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no controller", `token = "t"` + "\nlocation = \"centrum\"\n", "controller: missing"},
		{"bad controller", strings.Replace(minimal, "http://127.0.0.1:8080", "127.0.0.1:8080", 1), "controller: "},
		{"no token", strings.Replace(minimal, `token = "t"`, "", 1), "token: missing"},
		{"bad location", strings.Replace(minimal, "centrum", "Centrum!", 1), "location: "},
		{"bad output", minimal + `output = "hdmi"`, `output: "hdmi", want speaker or wav`},
		{"wav without dir", minimal + `output = "wav"`, "wav_dir: missing"},
		{"volume", minimal + `volume = 1.5`, "volume: 1.5, want 0 to 1"},
		{"negative volume", minimal + `volume = -0.1`, "volume: "},
		{"clips missing", minimal + `clips = "/no/such/folder"`, "clips: "},
		{"max_age", minimal + `max_age = "0s"`, "max_age: "},
		{"heartbeat", minimal + `heartbeat = "1h"`, "heartbeat: "},
		{"unknown key", minimal + `colume = 1`, "unknown key(s): colume"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
