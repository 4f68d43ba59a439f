package controller

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseConfig feeds ParseConfig arbitrary files. The seeds are the
// example, the files in testdata/config and the corpus in
// testdata/fuzz/FuzzParseConfig. ParseConfig must not panic, and what it
// accepts must validate again and have a time zone for every location.
func FuzzParseConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/config/*.toml")
	for _, file := range append(files, exampleConfigFile) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig accepted a config that Validate rejects: %v", err)
		}
		for i, l := range c.Branch.Locations {
			if l.TZ == nil {
				t.Fatalf("locations[%d] (%q): got no time zone, want one", i, l.ID)
			}
		}
	})
}
