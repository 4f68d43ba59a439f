package devices

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numerek/numerek/controller/controllertest"
	"github.com/numerek/numerek/devices/devicetest"
	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/queue/queuetest"
)

// warsawMorning is 9:00 in Warsaw on a Tuesday.
var warsawMorning = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// fakePrinter records the tickets it prints. Its status and failures are
// set by the test.
type fakePrinter struct {
	mu        sync.Mutex
	status    printer.Status
	statusErr error
	printErr  error
	hold      chan struct{} // when set, Print waits for it
	tickets   []printer.Ticket
	printed   chan printer.Ticket
	started   chan struct{}
}

func newFakePrinter() *fakePrinter {
	return &fakePrinter{status: printer.Status{Online: true, Known: true}, printed: make(chan printer.Ticket, 16), started: make(chan struct{}, 16)}
}

func (p *fakePrinter) Print(ctx context.Context, t printer.Ticket) error {
	p.mu.Lock()
	hold, err := p.hold, p.printErr
	p.mu.Unlock()
	p.started <- struct{}{}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.tickets = append(p.tickets, t)
	p.mu.Unlock()
	p.printed <- t
	return nil
}

func (p *fakePrinter) Status(ctx context.Context) (printer.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.statusErr
}

func (p *fakePrinter) set(f func(p *fakePrinter)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *fakePrinter) all() []printer.Ticket {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]printer.Ticket(nil), p.tickets...)
}

// branch is a real controller in-process (controllertest) with the
// dispenser's own helpers.
type branch struct {
	*controllertest.Branch
	t testing.TB
}

func newBranch(t testing.TB) *branch {
	t.Helper()
	return &branch{Branch: controllertest.Start(t, warsawMorning), t: t}
}

// client returns a client of the branch through rt (the default transport
// when nil).
func (b *branch) client(rt http.RoundTripper) *Client {
	b.t.Helper()
	if rt == nil {
		rt = http.DefaultTransport
	}
	c, err := NewClient(b.URL, "demo-centrum-dispenser", "centrum", ClientOptions{
		HTTP: &http.Client{Transport: rt}, AttemptTimeout: 2 * time.Second, Backoff: fastBackoff, Logger: quiet})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// nextNumber issues a ticket of service A directly and returns its number:
// what the next press would get.
func (b *branch) nextNumber() string {
	b.t.Helper()
	iss, err := b.client(nil).IssueTicket(context.Background(), "A", NewIdempotencyKey())
	if err != nil {
		b.t.Fatal(err)
	}
	return iss.Number
}

// recorder is a Controller that records heartbeats on their way.
type recorder struct {
	Controller
	beats chan Health
}

func (r *recorder) Heartbeat(ctx context.Context, h Health) error {
	err := r.Controller.Heartbeat(ctx, h)
	select {
	case r.beats <- h:
	default:
	}
	return err
}

// rig is a running dispenser.
type rig struct {
	t       *testing.T
	d       *Dispenser
	prn     *fakePrinter
	beats   chan Health
	presses chan Press
	cancel  context.CancelFunc
	done    chan error
}

func startDispenser(t *testing.T, ctl Controller, prn *fakePrinter, o DispenserOptions) *rig {
	t.Helper()
	r := &rig{t: t, prn: prn, beats: make(chan Health, 64), presses: make(chan Press), done: make(chan error, 1)}
	if o.PollEvery == 0 {
		o.PollEvery = 10 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = quiet
	}
	o.Header, o.Footer = []string{"Urząd Miasta"}, []string{"Dziękujemy"}
	r.d = NewDispenser(&recorder{Controller: ctl, beats: r.beats}, prn, o)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.d.Run(ctx, r.presses) }()
	t.Cleanup(r.stop)
	return r
}

func (r *rig) press(service string) {
	r.t.Helper()
	select {
	case r.presses <- Press{Service: service, At: time.Now(), Source: "test"}:
	case <-time.After(5 * time.Second):
		r.t.Fatal("the dispenser does not take presses")
	}
}

// ticket waits for the next printed ticket.
func (r *rig) ticket() printer.Ticket {
	r.t.Helper()
	select {
	case t := <-r.prn.printed:
		return t
	case <-time.After(10 * time.Second):
		r.t.Fatal("no ticket printed within 10 s")
		return printer.Ticket{}
	}
}

// until polls cond, for at most 10 s.
func (r *rig) until(what string, cond func(State) bool) State {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := r.d.State()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within 10 s; state %+v", what, s)
		}
		time.Sleep(time.Millisecond)
	}
}

func (r *rig) idle() State {
	r.t.Helper()
	return r.until("idle", func(s State) bool { return s.LED != LEDBusy })
}

func (r *rig) stop() {
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
		r.done <- nil
	case <-time.After(15 * time.Second):
		r.t.Fatal("Run did not stop within 15 s of its context ending")
	}
}

func TestDispenserPrintsTheIssuedTicket(t *testing.T) {
	b := newBranch(t)
	r := startDispenser(t, b.client(nil), newFakePrinter(), DispenserOptions{Version: "test"})
	r.press("A")
	got := r.ticket()
	if got.Number != "A001" || got.ServiceName != "Rejestracja pojazdów" || got.LocationName != "BOM Centrum" {
		t.Errorf("printed %+v, want A001 of Rejestracja pojazdów at BOM Centrum", got)
	}
	if got.Issued.Location().String() != "Europe/Warsaw" || got.Issued.Hour() != 9 {
		t.Errorf("issued %s, want 09:00 Europe/Warsaw", got.Issued)
	}
	if !strings.Contains(got.ETicketURL, "/t/") || got.Header[0] != "Urząd Miasta" || got.Footer[0] != "Dziękujemy" {
		t.Errorf("printed %+v: want the e-ticket URL, header and footer", got)
	}
	r.idle()
	r.press("B")
	if got := r.ticket(); got.Number != "B001" || got.Ahead != 0 {
		t.Errorf("second press: printed %s with %d ahead, want B001 with 0", got.Number, got.Ahead)
	}
	s := r.idle()
	if s.LED != LEDReady || s.Printed != 2 || s.Last != "B001" || s.Health.Status != "ok" {
		t.Errorf("state %+v, want ready, 2 printed, last B001, ok", s)
	}
	if n := b.nextNumber(); n != "A002" {
		t.Errorf("the controller's next A is %s, want A002: a ticket too many was issued", n)
	}
}

// dropOnce passes requests on but, for the first ticket request, throws
// the controller's answer away after calling between: the controller has
// committed the ticket and the dispenser does not know it.
type dropOnce struct {
	once    sync.Once
	between func()
	keys    chan string
}

func (d *dropOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	ticket := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/tickets")
	if ticket {
		d.keys <- r.Header.Get("Idempotency-Key")
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	dropped := false
	if ticket && err == nil {
		d.once.Do(func() {
			dropped = true
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.between()
		})
	}
	if dropped {
		return nil, errors.New("connection reset by peer (test: answer dropped)")
	}
	return resp, err
}

func TestDispenserLostAnswerIsRetriedWithTheSameKey(t *testing.T) {
	tests := []struct {
		name    string
		between func(b *branch)
	}{
		{"answer lost", func(b *branch) {}},
		{"controller restarted mid-press", func(b *branch) {
			b.FailNext(2) // answers 503 while "restarting"
			b.Restart()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBranch(t)
			drop := &dropOnce{keys: make(chan string, 16)}
			drop.between = func() { tt.between(b) }
			r := startDispenser(t, b.client(drop), newFakePrinter(), DispenserOptions{})
			r.press("A")
			if got := r.ticket(); got.Number != "A001" {
				t.Errorf("printed %s, want A001", got.Number)
			}
			r.idle()
			close(drop.keys)
			var keys []string
			for k := range drop.keys {
				keys = append(keys, k)
			}
			if len(keys) < 2 {
				t.Fatalf("%d ticket requests, want a retry", len(keys))
			}
			for _, k := range keys[1:] {
				if k != keys[0] {
					t.Errorf("keys %v: want the same key on every retry", keys)
				}
			}
			if n := len(r.prn.all()); n != 1 {
				t.Errorf("%d tickets printed, want 1", n)
			}
			if n := b.nextNumber(); n != "A002" {
				t.Errorf("the controller's next A is %s, want A002: exactly one ticket for the press", n)
			}
		})
	}
}

func TestDispenserIgnoresPressesWhileBusy(t *testing.T) {
	b := newBranch(t)
	prn := newFakePrinter()
	hold := make(chan struct{})
	prn.hold = hold
	r := startDispenser(t, b.client(nil), prn, DispenserOptions{})
	r.press("A")
	<-prn.started
	if led := r.d.LEDMode(); led != LEDBusy {
		t.Errorf("LED %s while printing, want busy", led)
	}
	r.press("A") // impatient visitor
	r.press("B")
	close(hold)
	if got := r.ticket(); got.Number != "A001" {
		t.Errorf("printed %s, want A001", got.Number)
	}
	if s := r.idle(); s.Printed != 1 || s.LED != LEDReady {
		t.Errorf("state %+v, want 1 printed and ready", s)
	}
	if n := b.nextNumber(); n != "A002" {
		t.Errorf("the controller's next A is %s, want A002: presses while busy must not ask for tickets", n)
	}
}

func TestDispenserPrinterFailsAfterIssue(t *testing.T) {
	b := newBranch(t)
	prn := newFakePrinter()
	prn.status = printer.Status{} // one-way: cannot tell
	prn.printErr = errors.New("printer: write to /dev/usb/lp0: no such device")
	r := startDispenser(t, b.client(nil), prn, DispenserOptions{})
	r.press("A")
	s := r.until("owed", func(s State) bool {
		return strings.Contains(s.Owed, "A001 issued but not printed") && s.LED == LEDFault
	})
	if s.Health.Status != "error" || s.Health.Printer != "offline" || !strings.Contains(s.Health.Detail, "A001") {
		t.Errorf("health %+v, want error, printer offline, detail naming A001", s.Health)
	}
	// Another press settles the owed ticket rather than asking for a new one.
	r.press("B")
	r.until("press served", func(s State) bool { return s.LED != LEDBusy })
	prn.set(func(p *fakePrinter) { p.printErr = nil })
	if got := r.ticket(); got.Number != "A001" {
		t.Errorf("printed %s when the printer came back, want A001", got.Number)
	}
	s = r.until("ready", func(s State) bool { return s.LED == LEDReady })
	if s.Owed != "" || s.Printed != 1 || s.Health.Status != "ok" {
		t.Errorf("state %+v, want nothing owed, 1 printed, ok", s)
	}
	if n := b.nextNumber(); n != "A002" {
		t.Errorf("the controller's next A is %s, want A002", n)
	}
	if n := len(prn.all()); n != 1 {
		t.Errorf("%d tickets printed, want 1", n)
	}
}

func TestDispenserPaperOutRefusesPresses(t *testing.T) {
	b := newBranch(t)
	prn := newFakePrinter()
	prn.status = printer.Status{Online: true, PaperOut: true, Known: true}
	r := startDispenser(t, b.client(nil), prn, DispenserOptions{})
	beat := waitBeat(t, r.beats, func(h Health) bool { return h.Printer == "paper_out" })
	if beat.Status != "error" || beat.Controller != "ok" {
		t.Errorf("heartbeat %+v, want error with the controller ok", beat)
	}
	if led := r.d.LEDMode(); led != LEDFault {
		t.Errorf("LED %s, want fault", led)
	}
	r.press("A")
	r.idle()
	if n := b.nextNumber(); n != "A001" {
		t.Errorf("the controller's next A is %s, want A001: no ticket may be asked for without paper", n)
	}
	prn.set(func(p *fakePrinter) { p.status.PaperOut, p.status.PaperLow = false, true })
	beat = waitBeat(t, r.beats, func(h Health) bool { return h.Printer == "paper_low" })
	if beat.Status != "degraded" {
		t.Errorf("heartbeat %+v, want degraded", beat)
	}
	r.until("ready", func(s State) bool { return s.LED == LEDReady })
	r.press("A")
	if got := r.ticket(); got.Number != "A002" {
		t.Errorf("printed %s, want A002", got.Number)
	}
}

func waitBeat(t *testing.T, beats chan Health, cond func(Health) bool) Health {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case h := <-beats:
			if cond(h) {
				return h
			}
		case <-timeout:
			t.Fatal("no such heartbeat within 10 s")
		}
	}
}

// cut fails every request with a network error while it is set.
type cut struct{ on atomic.Bool }

func (c *cut) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.on.Load() {
		return nil, errors.New("dial tcp: connect: network is unreachable (test)")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestDispenserControllerDown(t *testing.T) {
	tests := []struct {
		name  string
		down  func(b *branch, c *cut, down bool)
		state string
	}{
		{"network cut", func(b *branch, c *cut, down bool) { c.on.Store(down) }, "unreachable"},
		{"answering 503", func(b *branch, c *cut, down bool) {
			if down {
				b.FailNext(1 << 30)
			} else {
				b.FailNext(0)
			}
		}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBranch(t)
			c := &cut{}
			tt.down(b, c, true)
			r := startDispenser(t, b.client(c), newFakePrinter(), DispenserOptions{IssueTimeout: 50 * time.Millisecond})
			r.press("A")
			s := r.until("owed", func(s State) bool { return s.Owed != "" && s.LED == LEDFault })
			if s.Health.Controller != tt.state || !strings.Contains(s.Owed, "answer not received") {
				t.Errorf("state %+v, want the controller %s and a ticket owed", s, tt.state)
			}
			tt.down(b, c, false) // back: the poll settles the ticket with its key
			if got := r.ticket(); got.Number != "A001" {
				t.Errorf("printed %s, want A001", got.Number)
			}
			r.until("ready", func(s State) bool { return s.LED == LEDReady && s.Owed == "" })
			if n := b.nextNumber(); n != "A002" {
				t.Errorf("the controller's next A is %s, want A002", n)
			}
		})
	}
}

// fakeController answers with err and records heartbeats.
type fakeController struct {
	issueErr error
	beatErr  error
	issued   atomic.Int32
}

func (f *fakeController) IssueTicket(ctx context.Context, service, key string) (Issued, error) {
	f.issued.Add(1)
	return Issued{}, f.issueErr
}

func (f *fakeController) Location(ctx context.Context) (LocationInfo, error) {
	return LocationInfo{ID: "centrum", Name: "BOM Centrum", TZ: time.UTC}, nil
}

func (f *fakeController) Heartbeat(ctx context.Context, h Health) error { return f.beatErr }

func TestDispenserOfficeClosed(t *testing.T) {
	fc := &fakeController{issueErr: &APIError{Status: 409, Code: "closed", Message: "the office is closed now"},
		beatErr: &APIError{Status: 404}}
	r := startDispenser(t, fc, newFakePrinter(), DispenserOptions{})
	r.press("A")
	r.until("press served", func(s State) bool { return fc.issued.Load() == 1 && s.LED == LEDReady })
	if s := r.d.State(); s.Owed != "" || s.Health.Status != "ok" || s.Printed != 0 {
		t.Errorf("state %+v: a closed office is no fault and owes nothing", s)
	}
}

func TestDispenserStopsWithinGrace(t *testing.T) {
	b := newBranch(t)
	prn := newFakePrinter()
	prn.hold = make(chan struct{}) // never released
	r := startDispenser(t, b.client(nil), prn, DispenserOptions{ShutdownGrace: 10 * time.Millisecond})
	r.press("A")
	<-prn.started
	r.stop() // fails unless Run returns once the grace is over
	if s := r.d.State(); s.LED != LEDOff || !strings.Contains(s.Owed, "A001") {
		t.Errorf("state %+v after stop: want LED off and A001 owed (logged)", s)
	}
}

// countingController counts heartbeats and answers them with err.
type countingController struct {
	fakeController
	beats atomic.Int32
}

func (c *countingController) Heartbeat(ctx context.Context, h Health) error {
	c.beats.Add(1)
	return c.beatErr
}

func TestDispenserHeartbeats(t *testing.T) {
	t.Run("periodic", func(t *testing.T) {
		c := &countingController{}
		r := startDispenser(t, c, newFakePrinter(), DispenserOptions{HeartbeatEvery: 5 * time.Millisecond})
		r.until("five heartbeats", func(State) bool { return c.beats.Load() >= 5 })
	})
	t.Run("older controller: one log line", func(t *testing.T) {
		var logs devicetest.SyncBuffer
		c := &countingController{fakeController: fakeController{beatErr: &APIError{Status: 404, Code: "not_found"}}}
		r := startDispenser(t, c, newFakePrinter(), DispenserOptions{HeartbeatEvery: 5 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		s := r.until("five heartbeats", func(State) bool { return c.beats.Load() >= 5 })
		if n := strings.Count(logs.String(), "takes no heartbeats"); n != 1 {
			t.Errorf("%d log lines about the missing heartbeat endpoint, want 1:\n%s", n, logs.String())
		}
		if s.Health.Controller != "ok" || s.LED != LEDReady {
			t.Errorf("state %+v: a controller without heartbeats is no fault", s)
		}
	})
	t.Run("failing heartbeats show a fault", func(t *testing.T) {
		c := &countingController{fakeController: fakeController{beatErr: errors.New("dial tcp: connection refused")}}
		r := startDispenser(t, c, newFakePrinter(), DispenserOptions{})
		s := r.until("fault", func(s State) bool { return s.LED == LEDFault })
		if s.Health.Controller != "unreachable" || !strings.Contains(s.Health.Detail, "connection refused") {
			t.Errorf("health %+v, want the controller unreachable with the reason", s.Health)
		}
	})
}

func TestDispenserGivesUpAnOldOwedTicket(t *testing.T) {
	b := newBranch(t)
	prn := newFakePrinter()
	prn.printErr = errors.New("printer: write: broken pipe")
	var logs devicetest.SyncBuffer
	clock := queuetest.NewClock(warsawMorning)
	r := startDispenser(t, b.client(nil), prn, DispenserOptions{Clock: clock, PendingMaxAge: 10 * time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r.press("A")
	r.until("owed", func(s State) bool { return strings.Contains(s.Owed, "A001") })
	clock.Advance(11 * time.Minute)
	r.until("given up", func(s State) bool { return s.Owed == "" })
	if !strings.Contains(logs.String(), "ticket owed for too long: given up") || !strings.Contains(logs.String(), "A001") {
		t.Errorf("log does not name the ticket given up:\n%s", logs.String())
	}
	if n := len(prn.all()); n != 0 {
		t.Errorf("%d tickets printed, want 0", n)
	}
}
