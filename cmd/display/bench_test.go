package main

import (
	"bufio"
	"fmt"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/display/screentest"
)

// BenchmarkDisplay builds the display, runs it full screen on a 1920 × 1080
// Xvfb screen against a real controller on loopback, with a busy hall, and
// measures what docs/benchmarks.md reports:
//
//   - call → frame: at least 100 calls (b.N when more) made through the
//     API, each a moment after the last, as a hall's clerks make them;
//     the display itself logs, for each, the time from the arrival of the
//     called event on its stream to the frame that shows it, drawn by
//     the graphics card (Mesa's software renderer under Xvfb): the
//     median, the 99th percentile and the worst;
//   - the CPU the display uses in 10 s of an idle hall (no calls, the
//     blinking over), from /proc/<pid>/stat, in per cent of one core;
//   - its resident memory then, and its peak (VmRSS, VmHWM), and for
//     comparison that of an empty full-screen Ebiten window on the same
//     X server: what Ebiten, OpenGL and Mesa cost before a display draws
//     anything.
func BenchmarkDisplay(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs Linux's /proc")
	}
	x := screentest.StartX(b, 1920, 1080)
	dir := b.TempDir()
	bin := filepath.Join(dir, "display")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	br := controllertest.Start(b, opened)
	c := login(b, br.URL)
	calls := max(b.N, 100)
	for i := range calls + 20 { // a queue that never runs dry, in both services
		c.issue([]string{"A", "B"}[i%2], "k"+strconv.Itoa(i))
	}
	c.do("POST", "/api/v1/locations/centrum/counters/1/open", "")
	cfg := fmt.Sprintf("controller = %q\ntoken = \"demo-centrum-display\"\nlocation = \"centrum\"\ninfo = %q\n",
		br.URL, "Wnioski o dowód osobisty można złożyć także przez internet.")
	path := filepath.Join(dir, "display.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", path, "-log", "info")
	cmd.Env = screentest.Env(x, "NUMEREK_BENCH")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	lines := make(chan string, 1000)
	var logs devicetest.SyncBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write([]byte(sc.Text() + "\n"))
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string, match func(string) bool) string {
		b.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					b.Fatalf("the display ended while waiting for %s:\n%s", what, &logs)
				}
				if match(line) {
					return line
				}
			case <-deadline:
				b.Fatalf("no %s within 20 s:\n%s", what, &logs)
			}
		}
	}
	next("the hall on the screen", func(l string) bool { return strings.Contains(l, `msg="on screen"`) })

	b.ResetTimer()
	lat := make([]time.Duration, 0, calls)
	for range calls {
		// The clerk calls the next client; the one before came and is
		// served, which call-next finishes.
		out := c.do("POST", "/api/v1/locations/centrum/counters/1/call-next", "")
		tk, _ := out["ticket"].(map[string]any)
		number, _ := tk["number"].(string)
		line := next("call shown "+number, func(l string) bool {
			return strings.Contains(l, `msg="call shown"`) && strings.Contains(l, " number="+number+" ")
		})
		d, err := time.ParseDuration(field(line, "latency"))
		if err != nil {
			b.Fatalf("latency in %q: %v", line, err)
		}
		lat = append(lat, d)
		c.do("POST", "/api/v1/locations/centrum/counters/1/came", "")
		time.Sleep(150 * time.Millisecond)
	}
	b.StopTimer()

	time.Sleep(7 * time.Second) // the last call's blinking ends
	cpu0 := cpuTicks(b, cmd.Process.Pid)
	start := time.Now()
	time.Sleep(10 * time.Second)
	cpu := float64(cpuTicks(b, cmd.Process.Pid)-cpu0) / 100 / time.Since(start).Seconds() // USER_HZ is 100 on Linux
	rss, peak, err := devicetest.Memory(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	empty := emptyWindowRSS(b, x)
	slices.Sort(lat)
	// The nearest-rank percentile: the smallest latency at least p of
	// the calls had.
	pct := func(p float64) time.Duration { return lat[int(math.Ceil(p*float64(len(lat))))-1] }
	b.ReportMetric(ms(pct(0.5)), "p50-ms")
	b.ReportMetric(ms(pct(0.99)), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(cpu*100, "idle-cpu-%")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(empty)/(1<<20), "empty-window-rss-MB")
	b.Logf("%d calls: call → frame median %s, p99 %s, worst %s (target p99 ≤ 50 ms); idle 10 s: %.2f %% of a core (target ≤ 2 %%); RSS %.1f MB, peak %.1f MB (target ≤ 150 MB); an empty Ebiten window: %.1f MB",
		len(lat), pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond),
		cpu*100, float64(rss)/(1<<20), float64(peak)/(1<<20), float64(empty)/(1<<20))
}

// emptyWindowRSS runs this test binary as an empty full-screen Ebiten
// window on X display x and returns its resident memory once it has drawn.
func emptyWindowRSS(b *testing.B, x string) int64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(screentest.Env(x, "NUMEREK_BENCH"), childEnv+"=empty")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if !bufio.NewScanner(out).Scan() {
		b.Fatal("the empty window did not draw")
	}
	time.Sleep(2 * time.Second)
	rss, _, err := devicetest.Memory(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return rss
}

// emptyWindow is a full-screen Ebiten window that fills itself once with
// the ground colour, says "drawn", and idles as the display does, until
// killed.
func emptyWindow() {
	ebiten.SetFullscreen(true)
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)
	ebiten.RunGame(&fillOnce{})
}

type fillOnce struct{ done bool }

func (g *fillOnce) Update() error { return nil }

func (g *fillOnce) Draw(screen *ebiten.Image) {
	if !g.done {
		g.done = true
		screen.Fill(color.RGBA{0x0a, 0x1a, 0x2f, 0xff})
		fmt.Println("drawn")
	}
}

func (g *fillOnce) Layout(w, h int) (int, int) { return w, h }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// field returns the value of key=value in a log line.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// cpuTicks is the user and system CPU time of process pid so far, in
// clock ticks (/proc/<pid>/stat's utime and stime).
func cpuTicks(b *testing.B, pid int) int64 {
	b.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses and may
	// hold spaces: state is the first, utime the 12th, stime the 13th.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}
