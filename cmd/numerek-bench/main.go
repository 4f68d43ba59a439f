// Command numerek-bench measures the branch controller against the targets
// in docs/benchmarks.md:
//
//   - durable ticket issue over HTTP on loopback, against a bare bbolt
//     commit on the same disk, in the same run (median and p99);
//   - call-to-delivery latency of the SSE stream with device and
//     e-ticket-like streams connected, and the controller's memory then;
//   - the same for real e-ticket viewers (/t/<token>/events), each of whom
//     gets its own ticket's status, on a controller of their own.
//
// The controller runs as a separate process (this binary re-executed with
// -serve), so that its memory is its own.
//
//	go run ./cmd/numerek-bench [-n 500] [-devices 50] [-viewers 2000] [-calls 100]
//		[-etickets 10000] [-eticket-tickets 1000] [-eticket-calls 20] [-parts issue,sse,eticket]
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/numerek/numerek/controller"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/store"
)

//go:embed bench.toml
var benchConfig []byte

// childEnv marks the re-executed controller process, so that a test binary
// (whose own flags differ) knows to run it.
const childEnv = "NUMEREK_BENCH_CHILD"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "numerek-bench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	return runTo(os.Stdout, args)
}

func runTo(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("numerek-bench", flag.ContinueOnError)
	serve := fs.Bool("serve", false, "internal: run the controller on -db and print its address")
	db := fs.String("db", "", "internal: database of -serve")
	dir := fs.String("dir", "", "directory for the databases (default: a new temporary one; the disk under test)")
	n := fs.Int("n", 500, "ticket issues and bare commits to time")
	devices := fs.Int("devices", 50, "device SSE streams")
	viewers := fs.Int("viewers", 2000, "e-ticket-like SSE streams")
	calls := fs.Int("calls", 100, "calls whose delivery is timed")
	etickets := fs.Int("etickets", 10000, "e-ticket viewers (/t/<token>/events)")
	eticketTickets := fs.Int("eticket-tickets", 1000, "waiting tickets the e-ticket viewers watch")
	eticketCalls := fs.Int("eticket-calls", 20, "calls whose delivery to the e-ticket viewers is timed")
	parts := fs.String("parts", "issue,sse,eticket", "which parts to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serve {
		return serveController(*db)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "numerek-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(out, "numerek-bench: %s/%s, %d CPUs, %s, databases in %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), *dir)

	run := func(part string) bool { return slices.Contains(strings.Split(*parts, ","), part) }
	if run("issue") || run("sse") {
		p, err := startServer(filepath.Join(*dir, "numerek.db"))
		if err != nil {
			return err
		}
		defer p.stop()
		if run("issue") {
			bare, issue, err := timeIssues(p.base, filepath.Join(*dir, "bare.db"), *n)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, "## Durable ticket issue (each answered after its bbolt commit)")
			fmt.Fprintln(out)
			fmt.Fprintln(out, "| what | n | median | p90 | p99 |")
			fmt.Fprintln(out, "|---|---|---|---|---|")
			row(out, "bare bbolt Update, one put", bare)
			row(out, "POST /api/v1/locations/centrum/tickets", issue)
			ratio := float64(quantile(issue, 0.5)) / float64(quantile(bare, 0.5))
			fmt.Fprintf(out, "\nmedian ratio issue/bare: %.2f (target at most 2.00)\n\n", ratio)
		}
		if run("sse") {
			lat, rss, hwm, err := timeDelivery(p, *devices, *viewers, *calls)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "## Call to SSE delivery, %d device + %d e-ticket-like streams\n\n", *devices, *viewers)
			fmt.Fprintln(out, "| what | n | median | p90 | p99 |")
			fmt.Fprintln(out, "|---|---|---|---|---|")
			row(out, "call-next sent → called frame read", lat)
			fmt.Fprintf(out, "\np99 %s (target at most 50ms); controller RSS %d MB, peak %d MB (target at most 150 MB)\n\n", quantile(lat, 0.99).Round(10*time.Microsecond), rss>>20, hwm>>20)
		}
	}
	if run("eticket") {
		p, err := startServer(filepath.Join(*dir, "eticket.db"))
		if err != nil {
			return err
		}
		defer p.stop()
		lat, rss, hwm, err := timeETickets(p, *etickets, *eticketTickets, *eticketCalls)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "## Call to e-ticket delivery, %d viewers of %d waiting tickets\n\n", *etickets, *eticketTickets)
		fmt.Fprintln(out, "| what | n | median | p90 | p99 |")
		fmt.Fprintln(out, "|---|---|---|---|---|")
		row(out, "call-next sent → viewer's status read", lat)
		fmt.Fprintf(out, "\np99 %s (target at most 200ms); controller RSS %d MB, peak %d MB (target at most 300 MB)\n", quantile(lat, 0.99).Round(10*time.Microsecond), rss>>20, hwm>>20)
	}
	return nil
}

func row(out io.Writer, what string, d []time.Duration) {
	r := func(q float64) string { return quantile(d, q).Round(time.Microsecond).String() }
	fmt.Fprintf(out, "| %s | %d | %s | %s | %s |\n", what, len(d), r(0.5), r(0.9), r(0.99))
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// serveController is the child process: the controller with the bench
// config on db, its address on the first line of stdout.
func serveController(db string) error {
	cfg, err := controller.ParseConfig(benchConfig)
	if err != nil {
		return err
	}
	cfg.Database = db
	if path := os.Getenv("NUMEREK_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if path := os.Getenv("NUMEREK_BENCH_HEAPPROFILE"); path != "" {
		// A heap profile every 10 s: the last one is of the streams at work.
		go func() {
			for range time.Tick(10 * time.Second) {
				if f, err := os.Create(path); err == nil {
					pprof.WriteHeapProfile(f)
					f.Close()
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(os.Stderr, "heap in use %d MB, stacks %d MB, sys %d MB, goroutines %d\n",
					ms.HeapInuse>>20, ms.StackInuse>>20, ms.Sys>>20, runtime.NumGoroutine())
			}
		}()
	}
	c, err := controller.Open(cfg, controller.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.Serve(ctx, ln)
}

type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(db string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", "-db", db)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("controller did not start: %w", err)
	}
	return &server{cmd: cmd, base: "http://" + strings.TrimSpace(line)}, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// memory returns the server's resident and peak resident set, in bytes.
func (s *server) memory() (rss, hwm int64, err error) {
	return devicetest.Memory(s.cmd.Process.Pid)
}

var hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

// timeIssues issues n tickets one after another and times each answer,
// alternating with bare bbolt commits in a file beside the controller's, so
// that both see the same disk at the same moments.
func timeIssues(base, barePath string, n int) (bare, issue []time.Duration, err error) {
	bb, err := store.NewBareBench(barePath)
	if err != nil {
		return nil, nil, err
	}
	defer bb.Close()
	for i := range n + 20 {
		b, err := bb.Commit()
		if err != nil {
			return nil, nil, err
		}
		req, _ := http.NewRequest("POST", base+"/api/v1/locations/centrum/tickets", strings.NewReader(`{"service":"A"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if resp.StatusCode != 201 {
			return nil, nil, fmt.Errorf("issue: status %d", resp.StatusCode)
		}
		if i >= 20 { // the first ones warm up the connection and the files
			bare, issue = append(bare, b), append(issue, took)
		}
	}
	return bare, issue, nil
}

// timeDelivery connects the streams, then lets a clerk call clients one by
// one and times, for each call, when every stream reads its frame.
func timeDelivery(p *server, devices, viewers, calls int) (lat []time.Duration, rss, hwm int64, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams := devices + viewers
	type arrival struct {
		number string
		at     time.Time
	}
	var (
		arrived = make(chan arrival, streams*4)
		ready   sync.WaitGroup
	)
	addr := strings.TrimPrefix(p.base, "http://")
	ready.Add(streams)
	for i := range streams {
		go func() {
			first := true
			defer func() {
				if first { // never connected: do not hold the others up
					ready.Done()
				}
			}()
			auth := ""
			if i < devices {
				auth = "Authorization: Bearer demo-centrum-dispenser\r\n"
			}
			readFrames(ctx, addr, "/api/v1/locations/centrum/events", auth, func(frame []byte, now time.Time) {
				switch {
				case first && bytes.Contains(frame, []byte("event: snapshot")):
					first = false
					ready.Done()
				case bytes.Contains(frame, []byte("event: called\n")):
					arrived <- arrival{frameNumber(frame), now}
				}
			})
		}()
	}
	ready.Wait()
	// Tickets to call, then a clerk at counter 1.
	for range calls {
		req, _ := http.NewRequest("POST", p.base+"/api/v1/locations/centrum/tickets", strings.NewReader(`{"service":"B"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, 0, 0, err
		}
		resp.Body.Close()
	}
	post, err := clerkAt(p.base, 2)
	if err != nil {
		return nil, 0, 0, err
	}
	if _, err := post("open"); err != nil {
		return nil, 0, 0, err
	}
	// Calls go one at a time: every stream must read this call's frame
	// before the next call is sent.
	for i := range calls {
		sent := time.Now()
		got, err := post("call-next")
		if err != nil {
			return nil, 0, 0, err
		}
		for range streams {
			select {
			case a := <-arrived:
				if a.number != got {
					return nil, 0, 0, fmt.Errorf("a stream read the call of %s, expected %s", a.number, got)
				}
				lat = append(lat, a.at.Sub(sent))
			case <-time.After(10 * time.Second):
				return nil, 0, 0, errors.New("a stream did not get its frame within 10s")
			}
		}
		if i == calls/2 {
			if rss, hwm, err = p.memory(); err != nil {
				return nil, 0, 0, err
			}
		}
		if _, err := post("finish"); err != nil {
			return nil, 0, 0, err
		}
	}
	return lat, rss, hwm, nil
}

// frameNumber picks the ticket number out of an event frame's data line
// without decoding all of it: 2,000 streams read on the same two cores as
// the controller, so the client must stay cheap.
func frameNumber(line []byte) string {
	const key = `"number":"`
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// timeETickets issues tickets, connects viewers to their e-tickets' streams
// (viewer i watches ticket i mod tickets), then lets a clerk call clients
// one by one and times, for each call, when every viewer reads the status
// that the call changed (the called ticket's; every other waiting ticket
// has one person less ahead). Tickets are called in the order issued.
func timeETickets(p *server, viewers, tickets, calls int) (lat []time.Duration, rss, hwm int64, err error) {
	if calls >= tickets {
		return nil, 0, 0, fmt.Errorf("-eticket-calls %d must be below -eticket-tickets %d", calls, tickets)
	}
	paths := make([]string, tickets)
	for t := range tickets {
		req, _ := http.NewRequest("POST", p.base+"/api/v1/locations/centrum/tickets", strings.NewReader(`{"service":"B"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer demo-centrum-dispenser")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, 0, 0, err
		}
		var out struct {
			URL string `json:"eticket_url"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		i := strings.Index(out.URL, "/t/")
		if resp.StatusCode != 201 || i < 0 {
			return nil, 0, 0, fmt.Errorf("issue: status %d, e-ticket %q", resp.StatusCode, out.URL)
		}
		paths[t] = out.URL[i:]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrived := make(chan time.Time, viewers*2)
	var ready sync.WaitGroup
	addr := strings.TrimPrefix(p.base, "http://")
	ready.Add(viewers)
	for v := range viewers {
		go func() {
			first := true
			defer func() {
				if first {
					ready.Done()
				}
			}()
			readFrames(ctx, addr, paths[v%tickets]+"/events?lang=pl", "", func(frame []byte, now time.Time) {
				if bytes.Contains(frame, []byte("event: status\n")) {
					if first {
						first = false
						ready.Done()
					} else {
						arrived <- now
					}
				}
			})
		}()
	}
	ready.Wait()
	clerk, err := clerkAt(p.base, 1)
	if err != nil {
		return nil, 0, 0, err
	}
	post := func(action string) error {
		_, err := clerk(action)
		return err
	}
	if err := post("open"); err != nil {
		return nil, 0, 0, err
	}
	// Opening the counter changed every estimate: let those statuses pass.
	drain := func() {
		for {
			select {
			case <-arrived:
			case <-time.After(500 * time.Millisecond):
				return
			}
		}
	}
	drain()
	for i := range calls {
		sent := time.Now()
		if err := post("call-next"); err != nil {
			return nil, 0, 0, err
		}
		// Viewers of the tickets served before see nothing change.
		expect := 0
		for v := range viewers {
			if v%tickets >= i {
				expect++
			}
		}
		for range expect {
			select {
			case at := <-arrived:
				lat = append(lat, at.Sub(sent))
			case <-time.After(10 * time.Second):
				return nil, 0, 0, errors.New("a viewer did not get its status within 10s")
			}
		}
		if i == calls/2 {
			if rss, hwm, err = p.memory(); err != nil {
				return nil, 0, 0, err
			}
		}
		if err := post("finish"); err != nil {
			return nil, 0, 0, err
		}
		drain() // finishing changes no one's status, unless the estimate moved
	}
	return lat, rss, hwm, nil
}

// clerkAt logs the demo clerk in and returns how to do an action at counter
// n of Centrum: it answers the number of the ticket the action was about.
func clerkAt(base string, n int) (func(action string) (string, error), error) {
	jar, _ := cookiejar.New(nil)
	clerk := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := clerk.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"login":"anna","password":"numerek"}`))
	if err != nil {
		return nil, err
	}
	var ses struct{ CSRF string }
	json.NewDecoder(resp.Body).Decode(&ses)
	resp.Body.Close()
	return func(action string) (string, error) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/locations/centrum/counters/%d/%s", base, n, action), nil)
		req.Header.Set("X-CSRF-Token", ses.CSRF)
		resp, err := clerk.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var out struct{ Ticket struct{ Number string } }
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("%s: status %d", action, resp.StatusCode)
		}
		return out.Ticket.Number, nil
	}, nil
}

// readFrames follows an event stream at path on a raw connection until ctx
// ends or the connection does, and gives fn each frame with the time its
// bytes were read. Thousands of streams read on the same two cores as the
// controller, so there is no HTTP client and no decoding: frames are found
// by their blank line.
func readFrames(ctx context.Context, addr, path, header string, fn func(frame []byte, at time.Time)) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n%sAccept: text/event-stream\r\n\r\n", path, addr, header)
	buf := make([]byte, 0, 16<<10)
	tmp := make([]byte, 8<<10)
	for {
		n, err := conn.Read(tmp)
		if err != nil {
			return
		}
		now := time.Now()
		buf = append(buf, tmp[:n]...)
		for {
			end := bytes.Index(buf, []byte("\n\n"))
			if end < 0 {
				break
			}
			fn(buf[:end], now)
			buf = buf[:copy(buf, buf[end+2:])]
		}
	}
}
