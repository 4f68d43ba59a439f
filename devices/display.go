package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// Scene is what a hall display shows, fed from the stream;
// display.Scene is the real one. devices knows only this, so that the
// other device programs link no screen code.
type Scene interface {
	Snapshot(v queue.View)
	Apply(e queue.Event) bool
	SetOnline(online bool)
	SetSkew(d time.Duration)
}

// DisplayOptions are a display's settings; zero values are the defaults.
type DisplayOptions struct {
	Counter        int           // a desk display's counter; 0 for a group screen
	HeartbeatEvery time.Duration // 30 s
	Screen         string        // what shows, for the heartbeat's detail: "1920x1080 full screen"

	Version string
	Clock   Clock        // the system clock when nil
	Logger  *slog.Logger // slog.Default when nil
}

func (o *DisplayOptions) defaults() {
	if o.HeartbeatEvery <= 0 {
		o.HeartbeatEvery = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// shownCall is a call not yet drawn, for the log of its latency.
type shownCall struct {
	seq      uint64
	number   string
	counter  int
	received time.Time
}

// Display is a hall screen's loop: it follows the location's event stream
// into the scene (the snapshot, then each event), tells the scene whether
// the stream is online, sends heartbeats, and logs how long each call took
// from its arrival to the frame that showed it. While the stream is down
// the scene keeps its last state; the stream reconnects with backoff and
// resumes with Last-Event-ID, or sends a fresh snapshot.
type Display struct {
	feed    Feed
	scene   Scene
	hb      HeartbeatSender
	opts    DisplayOptions
	log     *slog.Logger
	role    string // "group screen", "counter 3 screen"
	started time.Time
	changed chan struct{}

	mu      sync.Mutex
	known   bool // a snapshot has arrived
	hasDesk bool // the snapshot has the desk's counter
	lastSeq uint64
	calls   []shownCall // received, not yet shown
	shown   int
}

// NewDisplay returns the loop of a display showing feed on scene. hb may
// be nil: no heartbeats.
func NewDisplay(feed Feed, scene Scene, hb HeartbeatSender, o DisplayOptions) *Display {
	o.defaults()
	role := "group screen"
	if o.Counter != 0 {
		role = fmt.Sprintf("counter %d screen", o.Counter)
	}
	return &Display{feed: feed, scene: scene, hb: hb, opts: o, log: o.Logger.With("component", "display", "role", role),
		role: role, started: o.Clock.Now(), changed: make(chan struct{}, 1)}
}

// Run follows the stream and sends heartbeats until ctx ends.
func (d *Display) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if d.hb != nil {
		wg.Go(func() {
			sendHeartbeats(ctx, d.hb, d.opts.HeartbeatEvery, d.changed, d.Health, d.log)
		})
	}
	err := d.feed.Run(ctx, d.Handle)
	wg.Wait()
	return err
}

// Handle takes one message of the stream into the scene. It never blocks
// for long: the scene only records the change, and the renderer draws it
// on its own thread.
func (d *Display) Handle(m StreamMessage) {
	d.scene.SetSkew(m.Skew)
	if v := m.Snapshot; v != nil {
		d.scene.Snapshot(*v)
		d.mu.Lock()
		first := !d.known
		hasDesk := d.opts.Counter == 0
		for _, c := range v.Counters {
			hasDesk = hasDesk || c.Number == d.opts.Counter
		}
		changed := first || hasDesk != d.hasDesk
		d.known, d.hasDesk, d.lastSeq = true, hasDesk, v.Seq
		d.mu.Unlock()
		switch {
		case !hasDesk:
			d.log.Error("the location has no such counter: check counter in the config", "location", v.Location, "counter", d.opts.Counter)
		case first:
			d.log.Info("showing", "location", v.Location, "seq", v.Seq, "waiting", len(v.Waiting))
		default:
			d.log.Info("fresh snapshot after a gap", "seq", v.Seq)
		}
		if changed {
			d.signal()
		}
		return
	}
	e := m.Event
	if e == nil || !d.scene.Apply(*e) {
		return
	}
	d.mu.Lock()
	if e.Seq > d.lastSeq+1 && d.lastSeq != 0 {
		// The stream replays or resnapshots; a gap here is the
		// controller's bug, shown rather than hidden.
		d.log.Warn("events missing in the stream", "after", d.lastSeq, "got", e.Seq)
	}
	d.lastSeq = max(d.lastSeq, e.Seq)
	if e.Type == queue.Called || e.Type == queue.Recalled {
		if len(d.calls) == 32 {
			d.calls = d.calls[1:] // never drawn: the renderer is stuck, the log says enough
		}
		d.calls = append(d.calls, shownCall{seq: e.Seq, number: e.Number, counter: e.Counter, received: m.Received})
	}
	d.mu.Unlock()
}

// StreamState tells the display a change of the stream's state; wire it
// as the Stream's StreamOptions.OnState.
func (d *Display) StreamState(st StreamState) {
	d.scene.SetOnline(st.Connected)
	d.signal()
}

// Shown tells the display that a frame showing the events up to seq was
// drawn at; each call it shows is logged with its latency, from the
// arrival of its frame on the stream to the drawing.
func (d *Display) Shown(seq uint64, at time.Time) {
	d.mu.Lock()
	var done []shownCall
	for len(d.calls) > 0 && d.calls[0].seq <= seq {
		done = append(done, d.calls[0])
		d.calls = d.calls[1:]
	}
	d.shown += len(done)
	d.mu.Unlock()
	for _, c := range done {
		d.log.Info("call shown", "number", c.number, "counter", c.counter, "seq", c.seq,
			"latency", at.Sub(c.received).Round(time.Microsecond))
	}
}

// CallsShown is how many calls were drawn since the display started.
func (d *Display) CallsShown() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.shown
}

func (d *Display) signal() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// Health is the display's health now, as a heartbeat says it: "error"
// when the location has no such counter, "degraded" when the stream is
// offline (the screen shows the last state), else "ok".
func (d *Display) Health() Health {
	st := d.feed.State()
	d.mu.Lock()
	defer d.mu.Unlock()
	h := Health{Status: "ok", Controller: "ok", Version: d.opts.Version, Uptime: d.opts.Clock.Now().Sub(d.started)}
	switch {
	case !d.known:
		h.Detail = d.role + ": waiting for the stream"
	case !d.hasDesk:
		h.Status, h.Detail = "error", fmt.Sprintf("no counter %d at this location: check the display's config", d.opts.Counter)
	default:
		h.Detail = d.role
		if d.opts.Screen != "" {
			h.Detail += ", " + d.opts.Screen
		}
	}
	if !st.Connected {
		if h.Status == "ok" {
			h.Status = "degraded"
		}
		h.Controller = "stream offline"
		if st.Err != "" {
			h.Controller += ": " + st.Err
		}
	}
	return h
}

// sendHeartbeats sends health() every every and soon after changed says
// it changed, until ctx ends; after a failure the next try comes sooner,
// with backoff. A controller without heartbeats (404) is said once.
func sendHeartbeats(ctx context.Context, hb HeartbeatSender, every time.Duration, changed <-chan struct{},
	health func() Health, log *slog.Logger) {
	missed := false
	t := time.NewTimer(0)
	defer t.Stop()
	backoff := Backoff{Initial: time.Second, Max: every, Multiplier: 2, Jitter: 0.2}
	fails := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
		err := hb.Heartbeat(ctx, health())
		if ctx.Err() != nil {
			return
		}
		next := every
		var ae *APIError
		switch {
		case err == nil:
			fails = 0
		case errors.As(err, &ae) && ae.Status == 404:
			if !missed {
				missed = true
				log.Info("the controller takes no heartbeats (an older version?): health is not reported", "err", err)
			}
		case errors.As(err, &ae) && !ae.Temporary():
			fails = 0
			log.Warn("heartbeat refused", "err", err)
		default:
			fails++
			next = backoff.Delay(fails, 0.5)
			log.Debug("heartbeat failed", "err", err, "next", next)
		}
		t.Reset(next)
	}
}
