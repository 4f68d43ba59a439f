// Package sdnotify tells systemd how a numerek service is doing, over the
// notification socket of a Type=notify unit: that it is ready, that it is
// stopping, and, while it is healthy, that it is alive (the watchdog). It
// follows sd_notify(3) and sd_watchdog_enabled(3); without systemd (no
// $NOTIFY_SOCKET) every call does nothing.
//
// https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html
package sdnotify

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Notify sends state, one or more newline-separated VARIABLE=value
// assignments ("READY=1"), to the socket named by $NOTIFY_SOCKET: a path,
// or an abstract socket name starting with '@'. When the variable is unset
// it does nothing and returns nil.
func Notify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if err := send(addr, state); err != nil {
		return fmt.Errorf("sdnotify: %s: %w", firstLine(state), err)
	}
	return nil
}

// Ready tells systemd that the service has started and serves: a
// Type=notify unit counts as started from then on.
func Ready() error { return Notify("READY=1") }

// Stopping tells systemd that the service has begun to shut down.
func Stopping() error { return Notify("STOPPING=1") }

// Watchdog tells systemd that the service is alive. A unit with
// WatchdogSec= is restarted when this does not come in time; see
// WatchdogLoop.
func Watchdog() error { return Notify("WATCHDOG=1") }

// send writes one datagram with state to the unix socket addr.
func send(addr, state string) error {
	switch {
	case strings.HasPrefix(addr, "@"):
		// An abstract socket: the name's first byte is a NUL, which Go's
		// net package writes for a leading '@'.
	case strings.HasPrefix(addr, "/"):
	default:
		return fmt.Errorf("NOTIFY_SOCKET=%q: want an absolute path or an abstract name starting with '@'", addr)
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	// A datagram socket does not block for long, but a wedged receiver
	// must not wedge us.
	if err := conn.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	n, err := conn.Write([]byte(state))
	if err != nil {
		return err
	}
	if n != len(state) {
		return fmt.Errorf("wrote %d of %d bytes", n, len(state))
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// WatchdogInterval is how often this process should call Watchdog: half
// of $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. It is false when
// the unit has no watchdog, when $WATCHDOG_USEC is not a positive number,
// and when $WATCHDOG_PID names another process (the variables were
// inherited from a parent).
func WatchdogInterval() (time.Duration, bool) {
	usec, err := strconv.ParseUint(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec == 0 || usec > math.MaxInt64/uint64(time.Microsecond) {
		return 0, false
	}
	if p := os.Getenv("WATCHDOG_PID"); p != "" {
		pid, err := strconv.Atoi(p)
		if err != nil || pid != os.Getpid() {
			return 0, false
		}
	}
	return time.Duration(usec) * time.Microsecond / 2, true
}

// WatchdogLoop pings the watchdog every WatchdogInterval for as long as
// healthy returns nil, until ctx ends. Each interval it calls healthy, one
// call at a time: a call that returns an error, or that has not returned
// when the next ping is due, costs that ping, so a process that is wedged
// (or that healthy says is broken) for the whole WatchdogSec is killed and
// restarted by systemd. healthy should be cheap; it runs on its own
// goroutine, which ends when healthy returns, and a call still running
// when ctx ends is not waited for.
//
// Without a watchdog (see WatchdogInterval) WatchdogLoop returns at once.
func WatchdogLoop(ctx context.Context, healthy func() error) {
	every, ok := WatchdogInterval()
	if !ok {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	watchdogLoop(ctx, t.C, healthy, Watchdog)
}

// watchdogLoop checks healthy at once and at every tick, and pings after
// each check that returned nil, until ctx ends.
func watchdogLoop(ctx context.Context, tick <-chan time.Time, healthy func() error, ping func() error) {
	results := make(chan error, 1) // buffered: a late check's result is dropped
	running := false
	check := func() {
		running = true
		go func() { results <- healthy() }()
	}
	check()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-results:
			running = false
			if err == nil {
				// A failed ping is not retried: the next interval's is.
				_ = ping()
			}
		case <-tick:
			if !running {
				check()
			}
		}
	}
}
