// Package controller is numerek's branch controller: it runs the queue
// engine on the bbolt store and serves the LAN API v1 (JSON and a
// Server-Sent Events stream), the clerk terminal, the kiosk page and the
// other pages of the branch. See docs/api.md.
package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/ratelimit"
	"github.com/numerek/numerek/store"
)

// Options are the controller's collaborators; zero values are the real ones.
type Options struct {
	Clock     queue.Clock
	Logger    *slog.Logger
	Rand      io.Reader     // e-ticket tokens
	TickEvery time.Duration // housekeeping period, 5s by default
	// ShutdownGrace is how long requests in flight get when Serve stops,
	// 5s by default; then the connections left are closed.
	ShutdownGrace time.Duration
	Hub           HubOptions
	// Notify builds the configured senders (tests give a TLS
	// configuration that trusts their SMTP server); its Logger and Clock
	// default to the controller's. Sender sends the notifications instead
	// of what the configuration names (tests give a fake). NotifySleep
	// waits between attempts to send; a timer when nil.
	Notify      notify.Options
	Sender      notify.Sender
	NotifySleep func(ctx context.Context, d time.Duration) error
}

// snapshotEvery is how many events may follow a location's last snapshot
// before the housekeeping loop takes a new one, bounding replay at start.
const snapshotEvery = 2000

// Controller is a running branch controller.
type Controller struct {
	cfg       Config
	opts      Options
	clock     queue.Clock
	log       *slog.Logger
	db        *store.DB
	engine    *queue.Engine
	hub       *Hub
	pages     *Pages
	logins    *ratelimit.Window
	dummyHash []byte
	snapSeq   map[string]uint64 // per location, seq of the last snapshot saved
	devices   deviceHealth
	notifier  *notifier
	dispatch  *notify.Dispatcher
	outbox    *notify.Outbox           // the development outbox, when the configuration uses it
	warm      map[string]chan struct{} // per location: simulate the wait estimates again
	etickets  *eticketFanout
	bookings  *booking.Bookings
	stopWarm  chan struct{}

	metrics        *metrics     // Prometheus, fed by publish
	metricsHandler http.Handler // /metrics

	closeOnce sync.Once
	freeing   sync.WaitGroup // cancelled visits' places being freed; Close waits for them
}

// Open opens the store named by cfg.Database, rebuilds the queues from it and
// returns a controller ready to serve.
func Open(cfg Config, o Options) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TickEvery <= 0 {
		o.TickEvery = 5 * time.Second
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 5 * time.Second
	}
	if o.Hub.Logger == nil {
		o.Hub.Logger = o.Logger.With("component", "sse")
	}
	c := &Controller{
		cfg: cfg, opts: o, clock: o.Clock, log: o.Logger.With("component", "controller"),
		hub: NewHub(o.Hub), logins: ratelimit.New(10, time.Minute), snapSeq: map[string]uint64{},
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	c.dummyHash = dummy
	if c.pages, err = NewPages(&c.cfg.Branch); err != nil {
		return nil, fmt.Errorf("controller: pages: %w", err)
	}
	if o.Notify.Logger == nil {
		o.Notify.Logger = o.Logger
	}
	if o.Notify.Clock == nil {
		o.Notify.Clock = o.Clock
	}
	router, outbox, err := notify.New(cfg.Notify, o.Notify)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	var sender notify.Sender = router
	if o.Sender != nil {
		sender = o.Sender
	}
	c.outbox = outbox
	if c.db, err = store.Open(cfg.Database); err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	c.dispatch = notify.NewDispatcher(sender, notify.DispatcherOptions{Logger: o.Logger, Sleep: o.NotifySleep})
	c.notifier = newNotifier(c, c.dispatch.Enqueue)
	c.metrics = newMetrics(c, &c.cfg)
	c.metricsHandler = c.newMetricsHandler()
	publish := func(loc string, events []queue.Event) {
		c.metrics.observe(loc, events)
		c.hub.Publish(loc, events)
		c.notifier.poke()
		select {
		case c.warm[loc] <- struct{}{}:
		default: // already asked
		}
		c.etickets.poke(loc)
		for _, ev := range events {
			if ev.Type == queue.Cancelled {
				// A booked visit's place is free again. Not here, under
				// the location's lock: the booking writes to the store.
				c.freeing.Go(func() { c.bookingCancelled(ev.Ticket) })
			}
		}
	}
	c.etickets = newETicketFanout(c)
	c.warm, c.stopWarm = map[string]chan struct{}{}, make(chan struct{})
	for _, l := range cfg.Branch.Locations {
		c.warm[l.ID] = make(chan struct{}, 1)
	}
	c.engine, err = queue.New(cfg.Branch, queue.Options{Clock: o.Clock, Rand: o.Rand, Journal: c.db, Publish: publish})
	if err != nil {
		c.closeStores()
		return nil, fmt.Errorf("controller: %w", err)
	}
	if err := c.rebuild(); err != nil {
		c.closeStores()
		return nil, fmt.Errorf("controller: rebuild from %s: %w", cfg.Database, err)
	}
	c.bookings, err = booking.Open(cfg.Booking, c.engine, c.db, c.dispatch.Enqueue, booking.Options{
		Clock: o.Clock, Rand: o.Rand, Logger: o.Logger, PublicURL: cfg.PublicURL,
	})
	if err != nil {
		c.closeStores()
		return nil, fmt.Errorf("controller: %w", err)
	}
	if err := c.notifier.load(); err != nil {
		c.closeStores()
		return nil, fmt.Errorf("controller: notifications: %w", err)
	}
	// Start the day (and let due bookings in) now, not with the first
	// request after a night off.
	if err := c.engine.Tick(context.Background()); err != nil {
		c.closeStores()
		return nil, fmt.Errorf("controller: %w", err)
	}
	for loc, ch := range c.warm {
		go c.warmEstimates(loc, ch, c.stopWarm)
		go c.etickets.run(loc, c.stopWarm)
	}
	return c, nil
}

// warmEstimates simulates loc's wait estimates again after each change,
// outside any request, so that a ticket issued next finds them ready (see
// queue.Engine.WarmEstimates). Changes that come while it works are one.
func (c *Controller) warmEstimates(loc string, ch, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ch:
			c.engine.WarmEstimates(loc)
		}
	}
}

// closeStores stops the dispatcher (messages still queued get a few
// seconds) and closes the store.
func (c *Controller) closeStores() error {
	if c.stopWarm != nil {
		close(c.stopWarm)
		c.stopWarm = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.dispatch.Close(ctx); err != nil {
		c.log.Warn("notifications still queued were dropped", "err", err)
	}
	return c.db.Close()
}

// rebuild restores each location from its latest snapshot and the events
// after it.
func (c *Controller) rebuild() error {
	start := time.Now()
	total := 0
	for _, l := range c.cfg.Branch.Locations {
		seq, data, err := c.db.LatestSnapshot(l.ID)
		if err != nil {
			return err
		}
		if data != nil {
			if err := c.engine.RestoreSnapshot(l.ID, data); err != nil {
				c.log.Warn("snapshot unusable, replaying the whole log", "location", l.ID, "err", err)
				seq = 0
			}
		}
		c.snapSeq[l.ID] = seq
		err = c.db.Events(l.ID, seq, func(ev queue.Event) error {
			total++
			_, err := c.engine.Replay(ev)
			return err
		})
		if err != nil {
			return fmt.Errorf("location %s: %w", l.ID, err)
		}
	}
	stored, err := c.db.Locations()
	if err != nil {
		return err
	}
	for _, id := range stored {
		if _, ok := c.location(id); !ok {
			c.log.Warn("the store has events of a location not in the config; they are kept but not served", "location", id)
		}
	}
	c.log.Info("state rebuilt", "events", total, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Engine returns the queue engine (for the booking and e-ticket parts and
// for tests).
func (c *Controller) Engine() *queue.Engine { return c.engine }

// Config returns the configuration the controller runs.
func (c *Controller) Config() *Config { return &c.cfg }

// Serve answers HTTP on ln and runs the housekeeping loop until ctx ends,
// then shuts down: open streams are ended and requests in flight get up to
// five seconds.
func (c *Controller) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           c.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelWarn),
	}
	loopCtx, stopLoop := context.WithCancel(ctx)
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		c.housekeeping(loopCtx)
	}()
	notifyDone := make(chan struct{})
	go func() {
		defer close(notifyDone)
		c.notifier.run(loopCtx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		c.hub.Close()
		sctx, cancel := context.WithTimeout(context.Background(), c.opts.ShutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			// A request still running, or a connection a client opened
			// and never used (net/http waits for those too): the grace is
			// over, so they are cut. That is still a clean stop.
			c.log.Warn("connections still open when the shutdown grace ran out were closed", "grace", c.opts.ShutdownGrace)
			err = srv.Close()
		}
	}
	stopLoop()
	<-loopDone
	<-notifyDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// housekeeping runs every TickEvery until ctx ends: the day's rollover and
// booked visits entering the queue (engine.Tick), snapshots, and purging
// expired sessions and personal data.
func (c *Controller) housekeeping(ctx context.Context) {
	t := time.NewTicker(c.opts.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.tick(ctx)
	}
}

func (c *Controller) tick(ctx context.Context) {
	if err := c.engine.Tick(ctx); err != nil {
		c.log.Error("housekeeping", "err", err)
	}
	for _, l := range c.cfg.Branch.Locations {
		if c.engine.Seq(l.ID)-c.snapSeq[l.ID] < snapshotEvery {
			continue
		}
		seq, data, err := c.engine.Snapshot(l.ID)
		if err == nil {
			err = c.db.SaveSnapshot(l.ID, seq, data)
		}
		if err != nil {
			c.log.Error("snapshot", "location", l.ID, "err", err)
			continue
		}
		c.snapSeq[l.ID] = seq
	}
	now := c.clock.Now()
	if _, err := c.db.PurgeSessions(now); err != nil {
		c.log.Error("purge sessions", "err", err)
	}
	if _, err := c.db.PurgePersonal(now); err != nil {
		c.log.Error("purge personal data", "err", err)
	}
	if err := c.bookings.Sweep(now); err != nil {
		c.log.Error("bookings", "err", err)
	}
	c.checkSilentDevices(now)
}

// bookingCancelled frees the place of the booked visit whose ticket was
// cancelled, if it was one.
func (c *Controller) bookingCancelled(ticket string) {
	if c.bookings == nil {
		return
	}
	if err := c.bookings.TicketCancelled(ticket); err != nil {
		c.log.Error("free a cancelled visit's place", "err", err)
	}
}

// Close ends the streams and closes the store.
func (c *Controller) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.hub.Close()
		c.freeing.Wait() // they write to the store
		err = c.closeStores()
	})
	return err
}

// location returns the configured location id.
func (c *Controller) location(id string) (*queue.Location, bool) {
	return c.cfg.Branch.Location(id)
}
