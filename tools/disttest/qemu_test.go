package disttest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// root is the repository, from this package's folder.
const root = "../.."

// patience bounds every wait on the emulated controller: a broken test
// fails instead of hanging; it is not a timing assertion.
const patience = 90 * time.Second

// qemu returns the arm64 user-mode emulator, or skips the test.
func qemu(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not running the arm64 controller under qemu")
	}
	for _, name := range []string{"qemu-aarch64-static", "qemu-aarch64"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("qemu-aarch64-static not found: install Debian's qemu-user-static (make test does, as root) to run the arm64 controller")
	return ""
}

// buildController cross-builds cmd/controller for linux/arm64 as make
// dist does.
func buildController(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "controller")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/controller")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for linux/arm64: %v\n%s", err, out)
	}
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("built the linux/arm64 controller in %v: %d bytes", time.Since(start).Round(time.Millisecond), fi.Size())
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// controller is the arm64 controller running under qemu.
type controller struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	stderr  *syncBuffer
	started time.Time
	exited  chan struct{} // closed when the process has ended
	err     error         // how it ended, once exited is closed
}

// start runs the controller under qemu with args and env and waits for
// its first line, which has its URL.
func start(t *testing.T, emu, bin string, env []string, args ...string) *controller {
	t.Helper()
	c := &controller{stderr: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(emu, append([]string{bin}, args...)...)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stderr = c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			c.cmd.Process.Kill()
			<-c.exited
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	select {
	case line := <-lines:
		i := strings.Index(line, "http://")
		if i < 0 {
			t.Fatalf("the controller's first line has no URL: %q\n%s", line, c.stderr)
		}
		c.base = strings.TrimSpace(line[i:])
	case <-time.After(patience):
		t.Fatalf("the controller said nothing in %v\n%s", patience, c.stderr)
	}
	return c
}

// stop sends SIGTERM and waits for a clean exit.
func (c *controller) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
}

// wait waits for the exit after SIGTERM, which must be clean.
func (c *controller) wait(t *testing.T) {
	t.Helper()
	select {
	case <-c.exited:
		if c.err != nil {
			t.Fatalf("after SIGTERM: %v, want exit status 0\n%s", c.err, c.stderr)
		}
	case <-time.After(patience):
		t.Fatalf("still running %v after SIGTERM\n%s", patience, c.stderr)
	}
}

// runOnce runs the controller under qemu to completion.
func runOnce(emu, bin string, args ...string) (string, error) {
	out, err := exec.Command(emu, append([]string{bin}, args...)...).CombinedOutput()
	return string(out), err
}

// notifySocket is the socket a Type=notify unit's process talks to.
type notifySocket struct {
	conn *net.UnixConn
	path string
}

func listenNotify(t *testing.T, dir string) *notifySocket {
	t.Helper()
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &notifySocket{conn: conn, path: path}
}

// await reads notifications until want comes.
func (n *notifySocket) await(t *testing.T, want string) {
	t.Helper()
	if err := n.conn.SetReadDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var got []string
	for {
		k, err := n.conn.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %s: %v (got %q)", want, err, got)
		}
		got = append(got, string(buf[:k]))
		if string(buf[:k]) == want {
			return
		}
	}
}

// api calls the controller with the demo dispenser's token.
func api(t *testing.T, method, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: patience}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// state is what a restored controller must show as the original did: the
// last event, the day, and the numbers waiting, called and missed.
func state(t *testing.T, base string) string {
	t.Helper()
	code, v := api(t, "GET", base+"/api/v1/locations/centrum/view", "")
	if code != http.StatusOK {
		t.Fatalf("view: got %d %v, want 200", code, v)
	}
	numbers := func(key, field string) []string {
		var out []string
		list, _ := v[key].([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			out = append(out, fmt.Sprint(m[field]))
		}
		return out
	}
	return fmt.Sprintf("seq %v, day %v, waiting %v, recent %v, missed %v", v["seq"], v["day"],
		numbers("waiting", "number"), numbers("recent", "number"), numbers("missed", "number"))
}

// TestControllerArm64UnderQemu runs the controller as the arm64 package
// ships it, under qemu-user: -check-config of the example config; serving
// on loopback with systemd's notification socket (READY=1, WATCHDOG=1,
// STOPPING=1); -backup refused while it runs; a clean exit on SIGTERM; a
// backup and a restore that give the same state.
func TestControllerArm64UnderQemu(t *testing.T) {
	emu := qemu(t)
	dir := t.TempDir()
	bin := buildController(t, dir)

	out, err := runOnce(emu, bin, "-check-config", filepath.Join(root, "configs", "numerek.toml"))
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("-check-config configs/numerek.toml: %v\n%s", err, out)
	}

	// A temporary config (open around the clock, so tickets can be
	// taken) and database.
	cfg := filepath.Join(dir, "numerek.toml")
	data, err := os.ReadFile(filepath.Join(root, "cmd", "controller", "testdata", "always-open.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "numerek.db")
	args := []string{"-config", cfg, "-db", db, "-listen", "127.0.0.1:0", "-log", "warn"}

	notify := listenNotify(t, dir)
	// WatchdogSec=2s: a ping every second.
	c := start(t, emu, bin, []string{"NOTIFY_SOCKET=" + notify.path, "WATCHDOG_USEC=2000000"}, args...)
	notify.await(t, "READY=1")
	ready := time.Since(c.started)
	if code, _ := api(t, "GET", c.base+"/healthz", ""); code != http.StatusOK {
		t.Fatalf("healthz: got %d, want 200\n%s", code, c.stderr)
	}
	t.Logf("under qemu: READY=1 and /healthz answering %v after the start", ready.Round(time.Millisecond))
	var numbers []string
	for i := range 3 {
		code, out := api(t, "POST", c.base+"/api/v1/locations/centrum/tickets", `{"service":"B"}`, "Idempotency-Key", fmt.Sprintf("qemu-%d", i))
		if code != http.StatusCreated {
			t.Fatalf("issue a ticket: got %d %v, want 201", code, out)
		}
		numbers = append(numbers, out["ticket"].(map[string]any)["number"].(string))
	}
	before := state(t, c.base)
	notify.await(t, "WATCHDOG=1")

	out, err = runOnce(emu, bin, "-config", cfg, "-db", db, "-listen", strings.TrimPrefix(c.base, "http://"),
		"-backup", filepath.Join(dir, "while-running.db"))
	if err != nil || !strings.Contains(out, "fetched from the running controller") || !strings.Contains(out, "events: centrum") {
		t.Errorf("-backup while the controller runs: got %v\n%s\nwant a copy fetched from it", err, out)
	}

	sent := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	notify.await(t, "STOPPING=1")
	c.wait(t)
	t.Logf("under qemu: exit 0 %v after SIGTERM", time.Since(sent).Round(time.Millisecond))

	backup := filepath.Join(dir, "backup", "numerek.db")
	if err := os.Mkdir(filepath.Dir(backup), 0o700); err != nil {
		t.Fatal(err)
	}
	out, err = runOnce(emu, bin, "-config", cfg, "-db", db, "-backup", backup)
	if err != nil || !strings.Contains(out, "copied to") {
		t.Fatalf("-backup: %v\n%s", err, out)
	}

	// Restore, as docs/operations.md says: the service stopped, the copy
	// in the database's place, start.
	if err := os.Rename(db, db+".broken"); err != nil {
		t.Fatal(err)
	}
	copyData, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, copyData, 0o600); err != nil {
		t.Fatal(err)
	}
	c = start(t, emu, bin, nil, args...)
	waitHealthy(t, c)
	if after := state(t, c.base); after != before {
		t.Errorf("restored controller:\ngot  %s\nwant %s", after, before)
	}
	// The same press again is the same ticket: it is in the restored log.
	code, out2 := api(t, "POST", c.base+"/api/v1/locations/centrum/tickets", `{"service":"B"}`, "Idempotency-Key", "qemu-0")
	if code != http.StatusOK || out2["ticket"].(map[string]any)["number"] != numbers[0] {
		t.Errorf("the first ticket again after the restore: got %d %v, want 200 with %s", code, out2, numbers[0])
	}
	c.stop(t)
}

// waitHealthy polls /healthz: without a notification socket, the
// controller's URL line comes just before it serves.
func waitHealthy(t *testing.T, c *controller) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("/healthz did not answer within %v\n%s", patience, c.stderr)
}
