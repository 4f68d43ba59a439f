package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numerek/numerek/audio"
	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/queue"
)

// signalOutput tells when an announcement is handed to it.
type signalOutput struct{ played chan time.Time }

func (o *signalOutput) Play(ctx context.Context, a *audio.Announcement) error {
	o.played <- time.Now()
	return nil
}

func (o *signalOutput) Close() error { return nil }

// BenchmarkCallToFirstSample measures from a called event written on the
// stream to its announcement, rendered with the built-in clip bank and the
// chime, handed to the output: the SSE parsing, the queue and the
// rendering. It reports the median and the worst.
func BenchmarkCallToFirstSample(b *testing.B) {
	frames := make(chan string)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		v, _ := json.Marshal(queue.View{Location: "centrum", Voice: true})
		fmt.Fprintf(w, "event: snapshot\nid: 0\ndata: %s\n\n", v)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case f := <-frames:
				w.Write([]byte(f))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	bank, err := audio.DefaultBank()
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	stream, err := devices.NewStream(srv.URL, "t", "centrum", devices.StreamOptions{Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	out := &signalOutput{played: make(chan time.Time, 1)}
	a := devices.NewAnnouncer(stream, &audioVoice{bank: bank, out: out, chime: true, volume: 0.8}, nil,
		devices.AnnouncerOptions{Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		seq := uint64(i + 1)
		e, _ := json.Marshal(queue.Event{Seq: seq, Type: queue.Called, Number: fmt.Sprintf("A%03d", 100+i%900),
			Counter: 1 + i%12, Time: time.Now()})
		start := time.Now()
		frames <- fmt.Sprintf("event: called\nid: %d\ndata: %s\n\n", seq, e)
		select {
		case t := <-out.played:
			lat = append(lat, t.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatal("no announcement within 10 s")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "median-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
}

// BenchmarkResidentMemory builds the announcer, runs it with the whole
// built-in clip bank and the WAV output against a real controller on
// loopback, makes b.N calls and reports the process's resident memory
// (VmRSS) and its peak (VmHWM) from /proc.
func BenchmarkResidentMemory(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs Linux's /proc")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "announcer")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	br := controllertest.Start(b, time.Now())
	wav := filepath.Join(dir, "wav")
	cfg := fmt.Sprintf("controller = %q\ntoken = %q\nlocation = \"centrum\"\noutput = \"wav\"\nwav_dir = %q\nmax_age = \"1h\"\n",
		br.URL, controllertest.DispenserToken, wav)
	path := filepath.Join(dir, "a.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", path, "-log", "warn")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "voice") {
	}
	go func() {
		for sc.Scan() {
		}
	}()
	time.Sleep(200 * time.Millisecond) // the stream connects

	jar, _ := cookiejar.New(nil)
	c := &clerk{t: nil, base: br.URL, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	must := func(path, body string, header ...string) map[string]any {
		out, err := c.tryPost(path, body, header...)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	out := must("/api/v1/session", `{"login":"anna","password":"numerek"}`)
	c.csrf, _ = out["csrf"].(string)
	must("/api/v1/locations/centrum/counters/1/open", "")
	b.ResetTimer()
	for i := range b.N {
		must("/api/v1/locations/centrum/tickets", `{"service":"A"}`,
			"Authorization", "Bearer "+controllertest.DispenserToken, "Idempotency-Key", "k"+strconv.Itoa(i))
		must("/api/v1/locations/centrum/counters/1/call-next", "")
		must("/api/v1/locations/centrum/counters/1/finish", "")
	}
	deadline := time.Now().Add(time.Duration(b.N)*5*time.Second + 10*time.Second)
	for {
		entries, _ := os.ReadDir(wav)
		if len(entries) >= b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("got %d WAV files, want %d", len(entries), b.N)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	reportMemory(b, cmd.Process.Pid)
}

// reportMemory adds the resident memory of process pid, and its peak, in MB.
func reportMemory(b *testing.B, pid int) {
	rss, peak, err := devicetest.Memory(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
}
