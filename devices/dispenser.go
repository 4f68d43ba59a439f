package devices

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/queue"
)

// TicketPrinter prints tickets. ESCPOS is the real one.
type TicketPrinter interface {
	Print(ctx context.Context, t printer.Ticket) error
	// Status says how the printer is; Known is false where it cannot tell.
	Status(ctx context.Context) (printer.Status, error)
}

// Controller is what the dispenser needs of the branch controller. *Client
// is the real one.
type Controller interface {
	IssueTicket(ctx context.Context, service, key string) (Issued, error)
	Location(ctx context.Context) (LocationInfo, error)
	Heartbeat(ctx context.Context, h Health) error
}

// DispenserOptions are a dispenser's settings; zero values are the defaults.
type DispenserOptions struct {
	Header, Footer []string // the ticket's first and last lines, from the config
	Lang           string   // "pl" (default) or "en": which service name goes on the ticket

	IssueTimeout   time.Duration // asking for one ticket, retries included: 60 s
	StatusTimeout  time.Duration // asking the printer how it is: 3 s
	PrintTimeout   time.Duration // printing one ticket: 30 s
	HeartbeatEvery time.Duration // 30 s
	PollEvery      time.Duration // printer status, and a ticket owed: 10 s
	PendingMaxAge  time.Duration // how long a ticket owed is kept: 10 min
	ShutdownGrace  time.Duration // a ticket in progress at shutdown may finish: 10 s

	Version string
	Clock   Clock        // the system clock when nil
	Logger  *slog.Logger // slog.Default when nil
}

func (o *DispenserOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.IssueTimeout, 60*time.Second)
	def(&o.StatusTimeout, 3*time.Second)
	def(&o.PrintTimeout, 30*time.Second)
	def(&o.HeartbeatEvery, 30*time.Second)
	def(&o.PollEvery, 10*time.Second)
	def(&o.PendingMaxAge, 10*time.Minute)
	def(&o.ShutdownGrace, 10*time.Second)
	if o.Lang == "" {
		o.Lang = "pl"
	}
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Dispenser is the ticket machine's loop: presses in, tickets from the
// controller, tickets out of the printer, health to the controller.
//
// One ticket at a time: a press while a ticket is being asked for or
// printed is ignored and logged, and the LED blinks slowly meanwhile, so
// the visitor sees the machine is busy. (Queueing such presses would print
// tickets nobody waits for: a second press is nearly always the same
// visitor being impatient.)
//
// A ticket is never printed twice and never lost once asked for: each
// press gets one idempotency key, kept through every retry. If the
// controller cannot be reached within IssueTimeout, or printing fails, the
// ticket is owed: the next press, and the poll every PollEvery while the
// printer is ready, first settle it (ask again with the same key, print
// what the controller answers) instead of asking for a new one. A ticket
// owed for longer than PendingMaxAge is given up, with an error in the log
// naming its number. Owed tickets live in memory only.
type Dispenser struct {
	ctl  Controller
	prn  TicketPrinter
	opts DispenserOptions
	log  *slog.Logger

	changed chan struct{} // health changed: send a heartbeat now

	mu        sync.Mutex
	running   bool
	start     time.Time
	busy      bool          // a press is being served
	ctlState  string        // "ok", "unreachable", "unauthorized", "error"
	ctlDetail string        // what went wrong reaching the controller
	prnState  string        // "ok", "offline", "paper_out", "paper_low", "cover_open", "unknown"
	prnDetail string        // what went wrong with the printer
	owed      *owedTicket   // asked for, not yet printed
	loc       *LocationInfo // the location, once known
	locAt     time.Time     // when loc was fetched
	last      string        // the last ticket printed
	printed   int           // tickets printed since start
	note      string        // what the last press came to
	hbMissing bool          // the controller has no heartbeat endpoint
}

// owedTicket is a ticket asked for and not yet printed: Issued is nil while
// the controller's answer is not known.
type owedTicket struct {
	Service string
	Key     string
	Since   time.Time
	Issued  *Issued
	Press   time.Time // when its button went down
	Failed  bool      // a try to settle it failed: a fault until it is settled
}

// with returns a copy of o changed by f: an owedTicket is never changed in
// place, so it can be read without the lock.
func (o *owedTicket) with(f func(*owedTicket)) *owedTicket {
	c := *o
	f(&c)
	return &c
}

func (o *owedTicket) String() string {
	if o.Issued != nil {
		return "ticket " + o.Issued.Number + " issued but not printed"
	}
	return "ticket of service " + o.Service + " asked for (key " + o.Key + ") but the controller's answer not received"
}

// NewDispenser returns a dispenser asking ctl for tickets and printing them
// on prn.
func NewDispenser(ctl Controller, prn TicketPrinter, o DispenserOptions) *Dispenser {
	o.defaults()
	return &Dispenser{ctl: ctl, prn: prn, opts: o, log: o.Logger.With("component", "dispenser"),
		changed: make(chan struct{}, 1), ctlState: "ok", prnState: "unknown"}
}

// Run serves presses until ctx ends. It also polls the printer, settles
// owed tickets and sends heartbeats. When ctx ends, a ticket in progress
// gets ShutdownGrace to finish; then Run returns nil, with every goroutine
// it started stopped.
func (d *Dispenser) Run(ctx context.Context, presses <-chan Press) error {
	d.mu.Lock()
	d.running, d.start = true, d.opts.Clock.Now()
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	hbCtx, stopHeartbeats := context.WithCancel(ctx)
	defer stopHeartbeats()
	wg.Go(func() { d.heartbeats(hbCtx) })

	// Jobs run one at a time, on a context that outlives ctx by the grace.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	done := make(chan struct{}, 1)
	job := ""         // "press", "poll" or "" when none runs
	var queued *Press // a press that came during a poll
	start := func(kind string, f func(context.Context)) {
		job = kind
		if kind == "press" {
			d.setBusy(true)
		}
		wg.Go(func() {
			f(jobCtx)
			done <- struct{}{}
		})
	}
	finished := func() {
		if job == "press" {
			d.setBusy(false)
		}
		job = ""
	}
	poll := time.NewTicker(d.opts.PollEvery)
	defer poll.Stop()
	start("poll", d.poll)
	for {
		select {
		case <-ctx.Done():
			if job != "" {
				grace := time.NewTimer(d.opts.ShutdownGrace)
				select {
				case <-done:
				case <-grace.C:
					d.log.Warn("stopping: cancelling the ticket in progress", "owed", d.owedString())
					cancelJobs()
					<-done
				}
				grace.Stop()
				finished()
			}
			if s := d.owedString(); s != "" {
				d.log.Error("stopping with a ticket owed", "owed", s)
			}
			return nil
		case p := <-presses:
			switch job {
			case "":
				start("press", func(ctx context.Context) { d.press(ctx, p) })
			case "poll":
				if queued == nil {
					queued = &p
				}
			default:
				d.log.Info("press ignored: busy with a ticket", "service", p.Service, "source", p.Source)
				d.setNote("press of " + p.Service + " ignored: busy with a ticket")
			}
		case <-poll.C:
			if job == "" {
				start("poll", d.poll)
			}
		case <-done:
			finished()
			if queued != nil {
				p := *queued
				queued = nil
				start("press", func(ctx context.Context) { d.press(ctx, p) })
			}
		}
	}
}

// press serves one press: it settles a ticket owed, if any, instead of
// asking for a new one; else it checks the printer, asks for a ticket and
// prints it.
func (d *Dispenser) press(ctx context.Context, p Press) {
	log := d.log.With("service", p.Service, "source", p.Source)
	if o := d.owedTicket(); o != nil {
		log.Info("press settles the ticket owed instead of asking for a new one", "owed", o.String())
		d.settle(ctx, d.opts.IssueTimeout, false)
		return
	}
	if ok, why := d.printerReady(ctx); !ok {
		log.Warn("press refused: the printer is not ready", "printer", why)
		d.setNote("press of " + p.Service + " refused: the printer is not ready (" + why + ")")
		return
	}
	d.setOwed(&owedTicket{Service: p.Service, Key: NewIdempotencyKey(), Since: d.opts.Clock.Now(), Press: p.At})
	d.settle(ctx, d.opts.IssueTimeout, true)
}

// settle asks for the ticket owed, if its answer is not known (with the
// same key, within timeout), and prints it. ready says the printer was
// just found ready; else it is asked before printing.
func (d *Dispenser) settle(ctx context.Context, timeout time.Duration, ready bool) {
	d.mu.Lock()
	o := d.owed
	d.mu.Unlock()
	if o == nil {
		return
	}
	log := d.log.With("service", o.Service, "key", o.Key)
	if o.Issued == nil {
		ictx, cancel := context.WithTimeout(ctx, timeout)
		iss, err := d.ctl.IssueTicket(ictx, o.Service, o.Key)
		cancel()
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) && !ae.Temporary() {
				// The controller answered: no ticket was made.
				d.setOwed(nil)
				d.controllerFailed(ae)
				if ae.Code == "closed" {
					log.Info("no ticket: the office is closed", "err", err)
					d.setNote("no ticket: the office is closed")
				} else {
					log.Error("no ticket: the controller refused", "err", err)
					d.setNote("no ticket: " + err.Error())
				}
				return
			}
			d.setOwed(o.with(func(o *owedTicket) { o.Failed = true }))
			d.controllerFailed(err)
			log.Error("no answer from the controller: the ticket is owed, and settled at the next press or poll", "err", err)
			d.setNote("no answer from the controller: ticket of " + o.Service + " owed")
			return
		}
		d.setController("ok", "")
		o = o.with(func(o *owedTicket) { o.Issued = &iss })
		d.setOwed(o)
		log.Info("ticket issued", "number", iss.Number, "ahead", iss.Ahead, "repeated", iss.Repeated)
	}
	iss := *o.Issued
	if !ready {
		if ok, why := d.printerReady(ctx); !ok {
			d.setOwed(o.with(func(o *owedTicket) { o.Failed = true }))
			log.Warn("ticket issued but the printer is not ready: it is printed when the printer is back", "number", iss.Number, "printer", why)
			d.setNote(iss.Number + " issued, waiting for the printer")
			return
		}
	}
	t := d.ticket(ctx, iss)
	pctx, cancel := context.WithTimeout(ctx, d.opts.PrintTimeout)
	err := d.prn.Print(pctx, t)
	cancel()
	if errors.Is(err, ErrLayout) {
		d.setOwed(nil)
		log.Error("ticket issued but it cannot be laid out: NOT printed, given up", "number", iss.Number, "err", err)
		return
	}
	if err != nil {
		d.update(func() {
			d.prnState, d.prnDetail = "offline", err.Error()
			d.owed = o.with(func(o *owedTicket) { o.Failed = true })
		})
		log.Error("ticket issued but NOT printed: it is printed when the printer is back", "number", iss.Number, "err", err)
		d.setNote(iss.Number + " issued, waiting for the printer")
		return
	}
	d.update(func() {
		d.owed = nil
		d.last = iss.Number
		d.printed++
		d.note = iss.Number + " printed"
		if d.prnState == "offline" {
			d.prnState, d.prnDetail = "unknown", ""
		}
	})
	args := []any{"number", iss.Number, "ahead", iss.Ahead}
	if !o.Press.IsZero() {
		args = append(args, "since_press", d.opts.Clock.Now().Sub(o.Press).Round(time.Millisecond))
	}
	log.Info("ticket printed", args...)
}

// poll asks the printer how it is and settles a ticket owed when the
// printer is ready.
func (d *Dispenser) poll(ctx context.Context) {
	ready, _ := d.printerReady(ctx)
	o := d.owedTicket()
	if o == nil {
		return
	}
	if d.opts.Clock.Now().Sub(o.Since) > d.opts.PendingMaxAge {
		// Logged before the state says so, so that whoever sees the state
		// finds the reason in the log.
		d.log.Error("ticket owed for too long: given up", "owed", o.String(), "since", o.Since)
		d.setOwed(nil)
		return
	}
	if ready {
		d.settle(ctx, d.opts.PollEvery, true)
	}
}

// location returns the location, asking the controller (for at most 5 s)
// when it is not known or an hour old.
func (d *Dispenser) location(ctx context.Context) *LocationInfo {
	d.mu.Lock()
	loc, at := d.loc, d.locAt
	d.mu.Unlock()
	if loc != nil && d.opts.Clock.Now().Sub(at) <= time.Hour {
		return loc
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	info, err := d.ctl.Location(lctx)
	cancel()
	if err != nil {
		d.controllerFailed(err)
		d.log.Warn("location not known", "err", err)
		return loc // the old one, if any
	}
	d.setController("ok", "")
	d.mu.Lock()
	d.loc, d.locAt = &info, d.opts.Clock.Now()
	d.mu.Unlock()
	return &info
}

// ticket is what is printed for iss: the location's name and time zone,
// the header and footer of the config.
func (d *Dispenser) ticket(ctx context.Context, iss Issued) printer.Ticket {
	name, tz, service := iss.Location, time.Local, iss.ServiceName
	if loc := d.location(ctx); loc != nil {
		name, tz = loc.Name, loc.TZ
		if s, ok := loc.Service(iss.Service); ok && d.opts.Lang == "en" && s.NameEN != "" {
			service = s.NameEN
		}
	} else {
		d.log.Warn("printing without the location's name and time zone", "number", iss.Number)
	}
	return printer.Ticket{
		Header: d.opts.Header, LocationName: name, ServiceName: service, Number: iss.Number,
		Issued: iss.Issued.In(tz), Ahead: iss.Ahead, Estimate: iss.Estimate, ETicketURL: iss.ETicketURL,
		Footer: d.opts.Footer,
	}
}

// printerReady asks the printer how it is. A printer that cannot tell
// (one-way) counts as ready.
func (d *Dispenser) printerReady(ctx context.Context) (bool, string) {
	sctx, cancel := context.WithTimeout(ctx, d.opts.StatusTimeout)
	st, err := d.prn.Status(sctx)
	cancel()
	if err != nil {
		d.setPrinter("offline", err.Error())
		return false, "offline: " + err.Error()
	}
	if !st.Known {
		d.mu.Lock()
		state := d.prnState
		d.mu.Unlock()
		if state != "offline" { // an offline one-way printer stays so until a print works
			d.setPrinter("unknown", "")
		}
		return true, state
	}
	state, ok := printerState(st)
	d.setPrinter(state, "")
	return ok, state
}

// printerState names st as heartbeats do, and says whether a ticket can be
// printed.
func printerState(st printer.Status) (string, bool) {
	switch {
	case !st.Known:
		return "unknown", true
	case st.CoverOpen:
		return "cover_open", false
	case st.PaperOut:
		return "paper_out", false
	case !st.Online:
		return "offline", false
	case st.PaperLow:
		return "paper_low", true
	}
	return "ok", true
}

// controllerFailed records what a failed request says of the controller:
// unreachable (no answer), in error (5xx), refusing the token (401, 403),
// or else fine: it answered, and the request was what was wrong.
func (d *Dispenser) controllerFailed(err error) {
	var ae *APIError
	switch {
	case !errors.As(err, &ae):
		d.setController("unreachable", err.Error())
	case ae.Temporary():
		d.setController("error", ae.Error())
	case ae.Status == 401 || ae.Status == 403:
		d.setController("unauthorized", ae.Error())
	default:
		d.setController("ok", "")
	}
}

// ServiceName returns the name of the service with prefix, in the
// ticket's language, once the location is known.
func (d *Dispenser) ServiceName(prefix string) (string, bool) {
	d.mu.Lock()
	loc := d.loc
	d.mu.Unlock()
	if loc == nil {
		return "", false
	}
	s, ok := loc.Service(prefix)
	if d.opts.Lang == "en" && s.NameEN != "" {
		return s.NameEN, ok
	}
	return s.NamePL, ok
}

// State is what the dispenser shows: for the local page and tests.
type State struct {
	LED      LEDMode
	Health   Health
	Last     string // the last ticket printed
	Printed  int    // tickets printed since start
	Owed     string // the ticket owed, if any
	Location string // the location's name, once known
	Note     string // what the last press came to: "A012 printed", "no ticket: the office is closed", …
}

// State returns the dispenser's state now.
func (d *Dispenser) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := State{LED: d.ledLocked(), Health: d.healthLocked(), Last: d.last, Printed: d.printed, Note: d.note}
	if d.owed != nil {
		s.Owed = d.owed.String()
	}
	if d.loc != nil {
		s.Location = d.loc.Name
	}
	return s
}

// LEDMode is what the status LED shows now: slow blink while a press is
// served, fast blink on a fault, steady otherwise.
func (d *Dispenser) LEDMode() LEDMode {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ledLocked()
}

func (d *Dispenser) ledLocked() LEDMode {
	switch {
	case !d.running:
		return LEDOff
	case d.busy:
		return LEDBusy
	case d.faultLocked():
		return LEDFault
	}
	return LEDReady
}

func (d *Dispenser) faultLocked() bool {
	switch d.prnState {
	case "offline", "paper_out", "cover_open":
		return true
	}
	return d.ctlState != "ok" || (d.owed != nil && d.owed.Failed)
}

// Health is the dispenser's health now, as a heartbeat says it.
func (d *Dispenser) Health() Health {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.healthLocked()
}

func (d *Dispenser) healthLocked() Health {
	h := Health{Status: "ok", Controller: d.ctlState, Printer: d.prnState, Version: d.opts.Version}
	if d.running {
		h.Uptime = d.opts.Clock.Now().Sub(d.start)
	}
	var detail []string
	if d.ctlDetail != "" {
		if strings.HasPrefix(d.ctlDetail, "controller") {
			detail = append(detail, d.ctlDetail)
		} else {
			detail = append(detail, "controller: "+d.ctlDetail)
		}
	}
	if d.prnDetail != "" {
		detail = append(detail, "printer: "+d.prnDetail)
	}
	if d.owed != nil && d.owed.Failed {
		detail = append(detail, d.owed.String())
	}
	h.Detail = strings.Join(detail, "; ")
	switch {
	case d.faultLocked():
		h.Status = "error"
	case d.prnState == "paper_low":
		h.Status = "degraded"
	}
	return h
}

func (d *Dispenser) owedTicket() *owedTicket {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.owed
}

func (d *Dispenser) owedString() string {
	if o := d.owedTicket(); o != nil {
		return o.String()
	}
	return ""
}

func (d *Dispenser) setOwed(o *owedTicket) {
	d.update(func() { d.owed = o })
}

func (d *Dispenser) setNote(n string) {
	d.mu.Lock()
	d.note = n
	d.mu.Unlock()
}

func (d *Dispenser) setBusy(b bool) {
	d.mu.Lock()
	d.busy = b
	d.mu.Unlock()
}

func (d *Dispenser) setController(state, detail string) {
	d.update(func() { d.ctlState, d.ctlDetail = state, detail })
}

func (d *Dispenser) setPrinter(state, detail string) {
	d.update(func() { d.prnState, d.prnDetail = state, detail })
}

// update changes the state with f and, when the health's status,
// controller or printer changed, logs it and asks for a heartbeat.
func (d *Dispenser) update(f func()) {
	d.mu.Lock()
	before := d.healthLocked()
	f()
	after := d.healthLocked()
	d.mu.Unlock()
	if before.Status == after.Status && before.Controller == after.Controller && before.Printer == after.Printer {
		return
	}
	level := slog.LevelInfo
	if after.Status != "ok" {
		level = slog.LevelWarn
	}
	d.log.Log(context.Background(), level, "health", "status", after.Status, "controller", after.Controller,
		"printer", after.Printer, "detail", after.Detail)
	d.signal()
}

// signal asks the heartbeat loop for a heartbeat now.
func (d *Dispenser) signal() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// heartbeats sends the health every HeartbeatEvery and at once when it
// changes, until ctx ends. After a failure the next try comes sooner, with
// backoff, up to HeartbeatEvery. It also keeps the location fresh.
func (d *Dispenser) heartbeats(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	backoff := Backoff{Initial: time.Second, Max: d.opts.HeartbeatEvery, Multiplier: 2, Jitter: 0.2}
	fails := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.changed:
		}
		// Changes made from here on, by this heartbeat or not, are
		// compared with what it said below.
		select {
		case <-d.changed:
		default:
		}
		sent := d.healthAssumingReachable() // if it arrives, the controller is reachable
		err := d.ctl.Heartbeat(ctx, sent)
		if ctx.Err() != nil {
			return
		}
		next := d.opts.HeartbeatEvery
		var ae *APIError
		switch {
		case err == nil:
			fails = 0
			d.setController("ok", "")
		case errors.As(err, &ae) && ae.Status == 404:
			fails = 0
			d.mu.Lock()
			first := !d.hbMissing
			d.hbMissing = true
			d.mu.Unlock()
			if first {
				d.log.Info("the controller takes no heartbeats (an older version?): health is not reported", "err", err)
			}
			d.setController("ok", "")
		case errors.As(err, &ae) && !ae.Temporary():
			fails = 0
			d.log.Warn("heartbeat refused", "err", err)
			d.controllerFailed(err)
		default:
			fails++
			next = backoff.Delay(fails, 0.5)
			d.controllerFailed(err)
			d.log.Debug("heartbeat failed", "err", err, "next", next)
		}
		d.mu.Lock()
		stale := d.loc == nil || d.opts.Clock.Now().Sub(d.locAt) > time.Hour
		d.mu.Unlock()
		if stale && fails == 0 {
			d.location(ctx)
		}
		// A change that the heartbeat did not carry is sent at once; a
		// change of the controller's reachability is not, since a beat
		// that arrives shows it.
		now := d.healthAssumingReachable()
		if now.Status != sent.Status || now.Printer != sent.Printer || now.Controller != sent.Controller {
			select {
			case d.changed <- struct{}{}:
			default:
			}
		}
		select {
		case <-d.changed:
			if fails == 0 {
				next = 0
			}
		default:
		}
		t.Reset(next)
	}
}

// healthAssumingReachable is the health as it will be if the heartbeat
// carrying it arrives.
func (d *Dispenser) healthAssumingReachable() Health {
	d.mu.Lock()
	defer d.mu.Unlock()
	state, detail := d.ctlState, d.ctlDetail
	d.ctlState, d.ctlDetail = "ok", ""
	h := d.healthLocked()
	d.ctlState, d.ctlDetail = state, detail
	return h
}
