package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain runs the controller when this test binary is re-executed as the
// benchmark's child process.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := run(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchRuns runs the whole benchmark on a tiny load: a controller child
// process, issues timed against bare commits, streams and calls.
func TestBenchRuns(t *testing.T) {
	var out bytes.Buffer
	err := runTo(&out, []string{"-dir", t.TempDir(), "-n", "5", "-devices", "2", "-viewers", "3", "-calls", "3",
		"-etickets", "7", "-eticket-tickets", "4", "-eticket-calls", "2"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"| bare bbolt Update, one put | 5 |", "| POST /api/v1/locations/centrum/tickets | 5 |", "| call-next sent → called frame read | 15 |", "controller RSS",
		"| call-next sent → viewer's status read | 12 |", "target at most 300 MB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
