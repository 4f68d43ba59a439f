package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen opens a unixgram socket as systemd's notification socket would
// be: at a path in a temporary directory, or, for abstract, under an
// abstract name. It returns the value for $NOTIFY_SOCKET.
func listen(t *testing.T, abstract bool) (*net.UnixConn, string) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "notify")
	if abstract {
		name = fmt.Sprintf("@numerek-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, name
}

// receive reads one datagram, or fails the test when none comes; the
// deadline only bounds a broken test, it is not a timing assertion.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func TestSend(t *testing.T) {
	tests := []struct {
		name     string
		abstract bool
		send     func() error
		want     string
	}{
		{"ready", false, Ready, "READY=1"},
		{"stopping", false, Stopping, "STOPPING=1"},
		{"watchdog", false, Watchdog, "WATCHDOG=1"},
		{"status", false, func() error { return Notify("STATUS=serving\nREADY=1") }, "STATUS=serving\nREADY=1"},
		{"ready, abstract socket", true, Ready, "READY=1"},
		{"watchdog, abstract socket", true, Watchdog, "WATCHDOG=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, addr := listen(t, tt.abstract)
			t.Setenv("NOTIFY_SOCKET", addr)
			if err := tt.send(); err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := receive(t, conn); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name    string
		socket  string // "" unsets NOTIFY_SOCKET
		wantErr string // "" for no error
	}{
		{"no systemd: nothing to do", "", ""},
		{"relative path", "notify.sock", "absolute path"},
		{"nobody listening", "/nonexistent/numerek/notify", "READY=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NOTIFY_SOCKET", tt.socket)
			if tt.socket == "" {
				os.Unsetenv("NOTIFY_SOCKET")
			}
			err := Ready()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestWatchdogInterval(t *testing.T) {
	me := strconv.Itoa(os.Getpid())
	tests := []struct {
		name   string
		usec   string // "" unsets
		pid    string // "" unsets
		want   time.Duration
		wantOK bool
	}{
		{"no watchdog", "", "", 0, false},
		{"30s, half of it", "30000000", "", 15 * time.Second, true},
		{"30s, for this process", "30000000", me, 15 * time.Second, true},
		{"for another process", "30000000", "1", 0, false},
		{"bad pid", "30000000", "x", 0, false},
		{"zero", "0", "", 0, false},
		{"negative", "-5", "", 0, false},
		{"not a number", "30s", "", 0, false},
		{"too large for a duration", "18446744073709551615", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range map[string]string{"WATCHDOG_USEC": tt.usec, "WATCHDOG_PID": tt.pid} {
				t.Setenv(k, v)
				if v == "" {
					os.Unsetenv(k)
				}
			}
			got, ok := WatchdogInterval()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %t, want %v, %t", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestWatchdogLoopPingsOnlyWhenHealthy drives the loop with a hand-made
// ticker and health checks that wait for the test's answer: no sleeping,
// no wall clock.
func TestWatchdogLoopPingsOnlyWhenHealthy(t *testing.T) {
	tick := make(chan time.Time)
	checks := make(chan chan error) // each check waits for its answer here
	pings := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchdogLoop(ctx, tick,
			func() error { answer := make(chan error); checks <- answer; return <-answer },
			func() error { pings <- struct{}{}; return nil })
	}()
	// nextCheck ticks until the next check starts. A check starts only
	// after the loop has handled the previous one's result, so by then
	// whether that result was pinged is settled.
	nextCheck := func() chan error {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case answer := <-checks:
				return answer
			case tick <- time.Time{}:
			case <-timeout:
				t.Fatal("no health check")
			}
		}
	}
	pinged := func() int {
		n := 0
		for {
			select {
			case <-pings:
				n++
			default:
				return n
			}
		}
	}

	tests := []struct {
		name  string
		hang  int   // ticks that pass before the check answers
		err   error // its answer
		pings int
	}{
		{"healthy", 0, nil, 1},
		{"unhealthy", 0, errors.New("store does not answer"), 0},
		{"healthy again", 0, nil, 1},
		{"hangs for three ticks, then healthy", 3, nil, 1},
		{"hangs, then unhealthy", 2, errors.New("late and broken"), 0},
	}
	check := nextCheck() // the first check runs at once
	for _, tt := range tests {
		for range tt.hang {
			tick <- time.Time{}
		}
		if tt.hang > 0 {
			if n := pinged(); n != 0 {
				t.Fatalf("%s: got %d pings while the check hung, want 0", tt.name, n)
			}
			select {
			case <-checks:
				t.Fatalf("%s: a second check started while one still ran", tt.name)
			default:
			}
		}
		check <- tt.err
		check = nextCheck()
		if n := pinged(); n != tt.pings {
			t.Errorf("%s: got %d pings, want %d", tt.name, n, tt.pings)
		}
	}

	cancel()
	go func() { check <- nil }() // the check in flight is not waited for
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not end with its context")
	}
}

// TestWatchdogLoop runs the real loop against a socket, with the watchdog
// systemd would set for WatchdogSec=20ms.
func TestWatchdogLoop(t *testing.T) {
	conn, addr := listen(t, false)
	t.Setenv("NOTIFY_SOCKET", addr)
	t.Setenv("WATCHDOG_USEC", "20000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		WatchdogLoop(ctx, func() error { return nil })
	}()
	for range 3 {
		if got := receive(t, conn); got != "WATCHDOG=1" {
			t.Fatalf("got %q, want %q", got, "WATCHDOG=1")
		}
	}
	cancel()
	<-done
}

func TestWatchdogLoopWithoutWatchdog(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	os.Unsetenv("WATCHDOG_USEC")
	called := false
	WatchdogLoop(context.Background(), func() error { called = true; return nil }) // returns at once
	if called {
		t.Error("health checked without a watchdog")
	}
}
