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

// Voice speaks one call: Announce returns when it has been spoken (or
// written), or with an error. cmd/announcer's is the audio package's clip
// bank and output; devices does not import package audio, so that the
// other device programs do not link a sound library.
type Voice interface {
	Announce(ctx context.Context, number string, counter int) error
}

// Feed is a location's event stream. *Stream is the real one.
type Feed interface {
	Run(ctx context.Context, handle func(StreamMessage)) error
	State() StreamState
}

// HeartbeatSender reports a device's health. *Client is the real one.
type HeartbeatSender interface {
	Heartbeat(ctx context.Context, h Health) error
}

// AnnouncerOptions are an announcer's settings; zero values are the
// defaults.
type AnnouncerOptions struct {
	MaxAge time.Duration // a call older than this when it arrives is not announced: 30 s
	// Queue is how many calls may wait to be announced; more are dropped
	// with a warning: 16.
	Queue int
	// PlayTimeout bounds one announcement, so that a sound card that
	// never finishes cannot stop the announcer: 60 s. The Voice may bound
	// it more tightly by the announcement's length.
	PlayTimeout    time.Duration
	HeartbeatEvery time.Duration // 30 s
	Output         string        // what plays, for the heartbeat's detail: "speaker", "wav var/announcements"

	Version string
	Clock   Clock        // the system clock when nil
	Logger  *slog.Logger // slog.Default when nil
}

func (o *AnnouncerOptions) defaults() {
	if o.MaxAge <= 0 {
		o.MaxAge = 30 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 16
	}
	if o.PlayTimeout <= 0 {
		o.PlayTimeout = time.Minute
	}
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

// call is one call waiting to be announced.
type call struct {
	number   string
	counter  int
	recall   bool
	seq      uint64
	at       time.Time // the event's time, by the controller's clock
	received time.Time // when the frame arrived, by the machine's clock
}

// Announcer speaks a location's calls: it follows the event stream and
// announces each called and recalled ticket, one after another, never
// overlapping, in call order. A call older than MaxAge when it arrives is
// not announced, so a reconnect never replays old calls; a location with
// voice off announces nothing.
type Announcer struct {
	feed    Feed
	voice   Voice
	hb      HeartbeatSender
	opts    AnnouncerOptions
	log     *slog.Logger
	started time.Time
	calls   chan call
	changed chan struct{}
	mu      sync.Mutex
	voiceOn bool   // the last snapshot's; false until one arrives
	known   bool   // a snapshot has arrived
	lastSeq uint64 // the last event handled
	playErr string // the last playback's failure, "" after a success
	played  int
}

// NewAnnouncer returns an announcer of feed's calls, spoken by v. hb may
// be nil: no heartbeats.
func NewAnnouncer(feed Feed, v Voice, hb HeartbeatSender, o AnnouncerOptions) *Announcer {
	o.defaults()
	return &Announcer{feed: feed, voice: v, hb: hb, opts: o, log: o.Logger.With("component", "announcer"),
		started: o.Clock.Now(), calls: make(chan call, o.Queue), changed: make(chan struct{}, 1)}
}

// Run follows the stream, announces and sends heartbeats until ctx ends.
// An announcement playing when ctx ends is cut short.
func (a *Announcer) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { a.player(ctx) })
	if a.hb != nil {
		wg.Go(func() { sendHeartbeats(ctx, a.hb, a.opts.HeartbeatEvery, a.changed, a.Health, a.log) })
	}
	err := a.feed.Run(ctx, a.Handle)
	wg.Wait()
	return err
}

// Handle takes one message of the stream: a snapshot sets whether the
// location speaks; a called or recalled event is queued for announcement
// unless it is old, a duplicate, or the location is silent. It never
// blocks.
func (a *Announcer) Handle(m StreamMessage) {
	if m.Snapshot != nil {
		a.mu.Lock()
		changed := !a.known || a.voiceOn != m.Snapshot.Voice
		a.voiceOn, a.known, a.lastSeq = m.Snapshot.Voice, true, m.Snapshot.Seq
		a.mu.Unlock()
		if changed {
			if m.Snapshot.Voice {
				a.log.Info("voice on: calls are announced", "location", m.Snapshot.Location)
			} else {
				a.log.Info("voice off at this location: nothing is announced", "location", m.Snapshot.Location)
			}
			a.signal()
		}
		return
	}
	e := m.Event
	if e == nil {
		return
	}
	a.mu.Lock()
	dup := e.Seq != 0 && e.Seq <= a.lastSeq
	if !dup {
		a.lastSeq = e.Seq
	}
	voice, known := a.voiceOn, a.known
	a.mu.Unlock()
	if dup || (e.Type != queue.Called && e.Type != queue.Recalled) {
		return
	}
	log := a.log.With("number", e.Number, "counter", e.Counter, "seq", e.Seq, "type", e.Type)
	if !known || !voice {
		log.Debug("not announced: voice off")
		return
	}
	// The age by the controller's clock: this machine's corrected by the
	// skew the stream measured.
	if age := a.opts.Clock.Now().Add(m.Skew).Sub(e.Time); age > a.opts.MaxAge {
		log.Info("not announced: too old", "age", age.Round(time.Millisecond), "max_age", a.opts.MaxAge)
		return
	}
	c := call{number: e.Number, counter: e.Counter, recall: e.Type == queue.Recalled, seq: e.Seq, at: e.Time, received: m.Received}
	select {
	case a.calls <- c:
	default:
		log.Warn("not announced: too many calls waiting", "waiting", cap(a.calls))
	}
}

// player announces the queued calls one at a time until ctx ends.
func (a *Announcer) player(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-a.calls:
			a.announce(ctx, c)
		}
	}
}

func (a *Announcer) announce(ctx context.Context, c call) {
	log := a.log.With("number", c.number, "counter", c.counter, "seq", c.seq)
	a.mu.Lock()
	voice := a.voiceOn
	a.mu.Unlock()
	if !voice {
		log.Info("not announced: voice turned off")
		return
	}
	start := a.opts.Clock.Now()
	pctx, cancel := context.WithTimeout(ctx, a.opts.PlayTimeout)
	err := a.voice.Announce(pctx, c.number, c.counter)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no audio output? the announcement did not end within %s: %w", a.opts.PlayTimeout, err)
		}
		log.Error("announcement failed", "err", err)
		a.setPlayErr(err.Error())
		return
	}
	a.mu.Lock()
	a.played++
	a.mu.Unlock()
	a.setPlayErr("")
	log.Info("announced", "recall", c.recall, "latency", start.Sub(c.at).Round(time.Millisecond),
		"took", a.opts.Clock.Now().Sub(start).Round(time.Millisecond))
}

// Played is how many announcements were played.
func (a *Announcer) Played() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.played
}

func (a *Announcer) setPlayErr(s string) {
	a.mu.Lock()
	changed := a.playErr != s
	a.playErr = s
	a.mu.Unlock()
	if changed {
		a.signal()
	}
}

func (a *Announcer) signal() {
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// Health is the announcer's health now, as a heartbeat says it: "error"
// when the last announcement failed, "degraded" when the stream is
// offline (calls are missed), else "ok".
func (a *Announcer) Health() Health {
	st := a.feed.State()
	a.mu.Lock()
	defer a.mu.Unlock()
	h := Health{Status: "ok", Controller: "ok", Version: a.opts.Version, Uptime: a.opts.Clock.Now().Sub(a.started)}
	switch {
	case !a.known:
		h.Detail = "waiting for the stream"
	case !a.voiceOn:
		h.Detail = "voice off at this location: silent"
	default:
		h.Detail = "output: " + a.opts.Output
	}
	if !st.Connected {
		h.Status, h.Controller = "degraded", "stream offline"
		if st.Err != "" {
			h.Controller += ": " + st.Err
		}
	}
	if a.playErr != "" {
		h.Status, h.Detail = "error", a.playErr
	}
	return h
}
