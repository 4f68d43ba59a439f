package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testConfig = "testdata/always-open.toml"

// post sends JSON with the demo dispenser token and decodes the answer.
func post(t *testing.T, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestMainEndToEnd runs the real main on :0 with a temporary database, takes
// a ticket, stops it with its context, starts it again on the same file and
// finds the ticket there.
func TestMainEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "numerek.db")
	run := func(check func(base string)) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr bytes.Buffer
		m := NewMain()
		m.Stdout, m.Stderr = &stdout, &stderr
		ready := make(chan string, 1)
		m.Ready = func(addr string) { ready <- addr }
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx, []string{"-config", testConfig, "-db", db, "-listen", "127.0.0.1:0"}) }()
		select {
		case addr := <-ready:
			base := "http://" + addr
			if !strings.Contains(stdout.String(), base+"/clerk") || !strings.Contains(stdout.String(), base+"/kiosk?token=demo-centrum-kiosk") {
				t.Errorf("start-up message lacks the URLs:\n%s", stdout.String())
			}
			check(base)
		case err := <-done:
			t.Fatalf("main ended before serving: %v\n%s", err, stderr.String())
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("main: %v\n%s", err, stderr.String())
		}
	}
	var number string
	run(func(base string) {
		resp, err := http.Get(base + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		status, out := post(t, base+"/api/v1/locations/centrum/tickets", `{"service":"B"}`, "Idempotency-Key", "e2e")
		if status != 201 {
			t.Fatalf("issue: got %d %v, want 201", status, out)
		}
		number = out["ticket"].(map[string]any)["number"].(string)
	})
	run(func(base string) {
		status, out := post(t, base+"/api/v1/locations/centrum/tickets", `{"service":"B"}`, "Idempotency-Key", "e2e")
		if status != 200 || out["ticket"].(map[string]any)["number"] != number {
			t.Fatalf("after restart: got %d %v, want 200 with %s", status, out, number)
		}
	})
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantErr string
		wantOut string
	}{
		{"check a good config", []string{"-check-config", testConfig}, "", "", "OK"},
		{"check a bad config", []string{"-check-config", "testdata/bad.toml"}, "", "max_calls", ""},
		{"check a missing config", []string{"-check-config", "testdata/none.toml"}, "", "none.toml", ""},
		{"new token", []string{"-new-token"}, "", "", "token_sha256 = "},
		{"hash a password", []string{"-hash-password"}, "correct horse\n", "", "password_hash = \"$2a$"},
		{"hash a short password", []string{"-hash-password"}, "short\n", "at least 8", ""},
		{"unknown flag", []string{"-frobnicate"}, "", "frobnicate", ""},
		{"bad log level", []string{"-config", testConfig, "-log", "loud"}, "", "-log", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			m := NewMain()
			m.Stdin, m.Stdout, m.Stderr = strings.NewReader(tt.stdin), &stdout, &stderr
			err := m.Run(context.Background(), tt.args)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error()+stderr.String(), tt.wantErr)) {
				t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Fatalf("got output %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
		})
	}
	// A bad config names every problem with its field.
	var stderr bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, &stderr
	err := m.Run(context.Background(), []string{"-check-config", "testdata/bad.toml"})
	for _, want := range []string{"max_calls", `"Q"`, "Gdansk"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad config: got %v, want it to mention %s", err, want)
		}
	}
}

// waitFor polls until f is true or the deadline passes; used only where a
// separate process has to get somewhere.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
