package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/store"
)

// buildController builds this command into dir and returns the binary.
func buildController(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "controller")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a controller running as a separate process.
type process struct {
	cmd  *exec.Cmd
	base string
}

func startController(t *testing.T, bin, db string) *process {
	t.Helper()
	cmd := exec.Command(bin, "-config", testConfig, "-db", db, "-listen", "127.0.0.1:0", "-log", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("controller said nothing: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("controller's first line has no URL: %q", line)
	}
	go func() { _, _ = bufio.NewReader(stdout).WriteTo(discard{}) }()
	return &process{cmd: cmd, base: strings.TrimSpace(line[i:])}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// acked is what the controller acknowledged: it must all be in the log.
type acked struct {
	mu      sync.Mutex
	tickets map[string]string // idempotency key → number
	calls   map[string]bool   // numbers whose call was answered
}

// TestCrashKeepsEveryAcknowledgedOperation kills a real controller process
// with SIGKILL many times in the middle of a stream of ticket issues and
// calls. After each kill the log must hold every acknowledged ticket and
// call, and no number twice; after each restart the same idempotency keys
// must give the same tickets.
func TestCrashKeepsEveryAcknowledgedOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real process")
	}
	dir := t.TempDir()
	bin := buildController(t, dir)
	db := filepath.Join(dir, "numerek.db")
	ack := &acked{tickets: map[string]string{}, calls: map[string]bool{}}
	jar, _ := cookiejar.New(nil)
	clerk := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	csrf := ""
	rounds := 8
	for round := range rounds {
		p := startController(t, bin, db)
		waitFor(t, "health", func() bool {
			resp, err := http.Get(p.base + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		})
		// Retried keys give the same tickets after the restart.
		ack.mu.Lock()
		keys := make(map[string]string, len(ack.tickets))
		for k, v := range ack.tickets {
			keys[k] = v
		}
		ack.mu.Unlock()
		for k, want := range keys {
			status, out := post(t, p.base+"/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", k)
			if status != 200 || out["ticket"].(map[string]any)["number"] != want {
				t.Fatalf("round %d: key %s gave %d %v, want 200 with %s", round, k, status, out, want)
			}
		}
		// The clerk's session survives restarts; log in the first time.
		if csrf == "" {
			csrf = clerkLogin(t, clerk, p.base)
		}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				issueLoop(ctx, p.base, fmt.Sprintf("r%d-g%d", round, g), ack)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			clerkLoop(ctx, clerk, p.base, csrf, ack)
		}()
		time.Sleep(time.Duration(150+rand.IntN(250)) * time.Millisecond) // let load build up: the kill lands anywhere
		p.kill(t)
		stop()
		wg.Wait()
		checkLog(t, db, ack)
	}
	ack.mu.Lock()
	defer ack.mu.Unlock()
	if len(ack.tickets) < rounds || len(ack.calls) < rounds {
		t.Fatalf("too little load to prove anything: %d tickets, %d calls acknowledged", len(ack.tickets), len(ack.calls))
	}
	t.Logf("%d kills; %d tickets and %d calls acknowledged, all in the log", rounds, len(ack.tickets), len(ack.calls))
}

func issueLoop(ctx context.Context, base, prefix string, ack *acked) {
	hc := &http.Client{Timeout: 5 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("%s-%d", prefix, i)
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/locations/centrum/tickets", strings.NewReader(`{"service":"A"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
		req.Header.Set("Idempotency-Key", key)
		resp, err := hc.Do(req)
		if err != nil {
			return // killed: this one was not acknowledged
		}
		var out struct {
			Ticket struct{ Number string } `json:"ticket"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 201 {
			return
		}
		ack.mu.Lock()
		ack.tickets[key] = out.Ticket.Number
		ack.mu.Unlock()
	}
}

func clerkLogin(t *testing.T, hc *http.Client, base string) string {
	t.Helper()
	resp, err := hc.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"login":"anna","password":"numerek"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ CSRF string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.CSRF == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	if status := clerkPost(context.Background(), hc, base+"/api/v1/locations/centrum/counters/1/open", out.CSRF, nil); status != 200 {
		t.Fatalf("open counter: %d", status)
	}
	return out.CSRF
}

func clerkPost(ctx context.Context, hc *http.Client, url, csrf string, out any) int {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, nil)
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == 200 {
		if json.NewDecoder(resp.Body).Decode(out) != nil {
			return 0
		}
	}
	return resp.StatusCode
}

// clerkLoop calls and finishes clients as fast as it can.
func clerkLoop(ctx context.Context, hc *http.Client, base, csrf string, ack *acked) {
	counter := base + "/api/v1/locations/centrum/counters/1/"
	for ctx.Err() == nil {
		var out struct {
			Ticket struct{ Number string } `json:"ticket"`
		}
		switch clerkPost(ctx, hc, counter+"call-next", csrf, &out) {
		case 200:
			ack.mu.Lock()
			ack.calls[out.Ticket.Number] = true
			ack.mu.Unlock()
		case 404: // nobody waits yet
			time.Sleep(5 * time.Millisecond)
			continue
		case 409: // a client called before the last kill: finish it
		default:
			return
		}
		if clerkPost(ctx, hc, counter+"finish", csrf, nil) == 0 {
			return
		}
	}
}

// checkLog opens the killed controller's database and checks that every
// acknowledged operation is there and that no number was issued twice.
func checkLog(t *testing.T, path string, ack *acked) {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	issued := map[string]string{} // idempotency key → number
	numbers := map[string]bool{}  // day/number
	called := map[string]bool{}
	err = db.Events("centrum", 0, func(ev queue.Event) error {
		switch ev.Type {
		case queue.TicketIssued:
			if numbers[ev.Day+"/"+ev.Number] {
				return fmt.Errorf("%s issued twice on %s", ev.Number, ev.Day)
			}
			numbers[ev.Day+"/"+ev.Number] = true
			issued[ev.IdempotencyKey] = ev.Number
		case queue.Called:
			called[ev.Number] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ack.mu.Lock()
	defer ack.mu.Unlock()
	for k, want := range ack.tickets {
		if got := issued[k]; got != want {
			t.Fatalf("acknowledged ticket %s (key %s) is not in the log (got %q)", want, k, got)
		}
	}
	for n := range ack.calls {
		if !called[n] {
			t.Fatalf("acknowledged call of %s is not in the log", n)
		}
	}
}
