package controller

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestServeStopsCleanlyWithAnUnusedConnection: a client that opened a
// connection and never sent a request (HTTP clients do this) does not turn
// a stop into an error; it is cut when the grace runs out.
func TestServeStopsCleanlyWithAnUnusedConnection(t *testing.T) {
	tc := newTestController(t)
	tc.stop()
	c, err := Open(tc.cfg, Options{Clock: tc.clock, Logger: slog.New(slog.DiscardHandler), ShutdownGrace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, ln) }()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	time.Sleep(20 * time.Millisecond) // the server accepts it (no timing is asserted)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v, want a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Fatal("the unused connection is still open")
	}
}
