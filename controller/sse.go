package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// The defaults of HubOptions and the fixed parts of the stream.
const (
	defaultReplay       = 4096
	defaultHeartbeat    = 15 * time.Second
	defaultClientBuffer = 256

	// frameWriteTimeout bounds one write to a stream, so that a peer that
	// stopped reading cannot hold a handler goroutine forever.
	frameWriteTimeout = 10 * time.Second
	// snapshotAttempts is how often Serve takes a snapshot that turned out
	// older than the replay buffer before it gives up.
	snapshotAttempts = 3
)

var (
	retryFrame = []byte("retry: 2000\n\n")
	pingFrame  = []byte(": ping\n\n")
)

// HubOptions configures a Hub. Zero fields take the defaults.
type HubOptions struct {
	Replay       int           // events kept per location for Last-Event-ID resume, default 4096
	Heartbeat    time.Duration // interval of the ": ping" comment, default 15s
	ClientBuffer int           // frames queued per client before it is dropped, default 256
	Logger       *slog.Logger  // default slog.Default()
}

// Hub fans a location's events out to Server-Sent Events streams. Publish is
// called by the engine (under the location's lock, in seq order) after events
// are committed; Serve runs one stream per request.
//
// Each event is marshalled once into a ready frame shared by every stream, so
// a subscriber costs one channel of frame pointers and its handler goroutine.
type Hub struct {
	replay       int
	heartbeat    time.Duration
	clientBuffer int
	log          *slog.Logger

	mu     sync.RWMutex
	locs   map[string]*hubLocation
	closed bool
	done   chan struct{} // closed by Close
}

// hubFrame is one SSE frame, ready to be written, shared by all streams.
type hubFrame struct {
	seq  uint64
	data []byte
}

// hubSubscriber is one stream. Only Publish and Close send on or close ch,
// both under the location's lock; a closed ch means the stream must end.
type hubSubscriber struct {
	ch  chan *hubFrame
	idx int // position in hubLocation.subs; -1 once removed
}

// hubLocation is the hub's state for one location.
type hubLocation struct {
	mu    sync.Mutex
	known bool      // an event was published: last is meaningful
	last  uint64    // seq of the last published event
	ring  frameRing // the newest published frames, contiguous, ending at last
	subs  []*hubSubscriber

	// The last snapshot frame, shared by streams that start while no event
	// has come since: a crowd of viewers reconnecting after a network
	// hiccup costs one snapshot, not one each.
	snap   *hubFrame
	snapAt time.Time
}

// snapshotTTL bounds how long a cached snapshot frame is reused, so that
// what it shows besides the events (whether the office is open) stays fresh.
const snapshotTTL = time.Second

// NewHub returns a Hub ready to Publish to and Serve from.
func NewHub(o HubOptions) *Hub {
	h := &Hub{
		replay:       o.Replay,
		heartbeat:    o.Heartbeat,
		clientBuffer: o.ClientBuffer,
		log:          o.Logger,
		locs:         make(map[string]*hubLocation),
		done:         make(chan struct{}),
	}
	if h.replay <= 0 {
		h.replay = defaultReplay
	}
	if h.heartbeat <= 0 {
		h.heartbeat = defaultHeartbeat
	}
	if h.clientBuffer <= 0 {
		h.clientBuffer = defaultClientBuffer
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// location returns loc's state, creating it. Serve must be called only for
// configured locations: entries are never removed.
func (h *Hub) location(loc string) *hubLocation {
	h.mu.RLock()
	l := h.locs[loc]
	h.mu.RUnlock()
	if l != nil {
		return l
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if l = h.locs[loc]; l == nil {
		l = &hubLocation{}
		h.locs[loc] = l
	}
	return l
}

// Publish sends committed events of loc, in seq order, to its streams and
// keeps them for resume. It never blocks on a stream: a subscriber whose
// buffer is full is dropped, its stream ends and the client reconnects with
// Last-Event-ID.
func (h *Hub) Publish(loc string, events []queue.Event) {
	if len(events) == 0 {
		return
	}
	// Marshal outside the lock, once per event, for every stream.
	frames := make([]*hubFrame, 0, len(events))
	for _, ev := range events {
		f, err := eventFrame(ev)
		if err != nil {
			// The streams will see a gap and resynchronise from a snapshot.
			h.log.Error("encode event", "location", loc, "seq", ev.Seq, "err", err)
			continue
		}
		frames = append(frames, f)
	}

	l := h.location(loc)
	dropped := 0
	l.mu.Lock()
	for _, f := range frames {
		if l.known && f.seq <= l.last {
			h.log.Warn("event published twice", "location", loc, "seq", f.seq, "last", l.last)
			continue
		}
		if l.known && f.seq != l.last+1 {
			// The ring must stay contiguous; streams end on the gap (see Serve).
			h.log.Warn("gap in published events", "location", loc, "seq", f.seq, "last", l.last)
			l.ring.reset()
		}
		l.ring.push(f, h.replay)
		l.last, l.known = f.seq, true
		for i := 0; i < len(l.subs); {
			s := l.subs[i]
			select {
			case s.ch <- f:
				i++
			default:
				l.remove(s) // moves the last subscriber to i
				close(s.ch)
				dropped++
			}
		}
	}
	subs := len(l.subs)
	l.mu.Unlock()
	if dropped > 0 {
		h.log.Info("slow clients dropped", "location", loc, "dropped", dropped, "subscribers", subs)
	}
}

// Subscribers returns the number of open streams of loc.
func (h *Hub) Subscribers(loc string) int {
	h.mu.RLock()
	l := h.locs[loc]
	h.mu.RUnlock()
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.subs)
}

// Close ends all streams: every Serve returns, and later ones are refused.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	close(h.done)
	locs := make([]*hubLocation, 0, len(h.locs))
	for _, l := range h.locs {
		locs = append(locs, l)
	}
	h.mu.Unlock()

	for _, l := range locs {
		l.mu.Lock()
		for _, s := range l.subs {
			s.idx = -1
			close(s.ch)
		}
		l.subs = nil
		l.mu.Unlock()
	}
}

// streamStart is where a new stream begins, decided at registration.
type streamStart struct {
	last     uint64      // the hub's last seq when the subscriber was registered
	replay   []*hubFrame // frames lastID+1..last, when resuming from the ring
	snapshot bool        // the stream must begin with a snapshot
}

// subscribe registers a stream of loc and, under the same lock, decides
// where it starts. ok is false once the hub is closed.
func (h *Hub) subscribe(loc string, lastID uint64, resume bool) (l *hubLocation, s *hubSubscriber, st streamStart, ok bool) {
	// Hold h.mu until registered, so that Close either refuses the stream or
	// sees it and ends it.
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, nil, streamStart{}, false
	}
	l = h.locs[loc]
	if l == nil {
		l = &hubLocation{}
		h.locs[loc] = l
	}
	l.mu.Lock()
	h.mu.Unlock()
	defer l.mu.Unlock()

	s = &hubSubscriber{ch: make(chan *hubFrame, h.clientBuffer), idx: len(l.subs)}
	l.subs = append(l.subs, s)

	st.last = l.last
	switch {
	case !resume || !l.known:
		// Without a published event the hub cannot judge lastID.
		st.snapshot = true
	case lastID == l.last:
		// Up to date.
	case lastID < l.last:
		if st.replay = l.between(lastID, l.last); st.replay == nil {
			st.snapshot = true // evicted from the ring
		}
	default:
		st.snapshot = true // from the future: another run of the controller
	}
	return l, s, st, true
}

// unsubscribe removes s from l, unless Publish or Close already did.
func (h *Hub) unsubscribe(l *hubLocation, s *hubSubscriber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.idx >= 0 {
		l.remove(s)
	}
}

// remove takes s out of l.subs by moving the last subscriber into its place.
// l.mu must be held.
func (l *hubLocation) remove(s *hubSubscriber) {
	i, n := s.idx, len(l.subs)-1
	l.subs[i] = l.subs[n]
	l.subs[i].idx = i
	l.subs[n] = nil
	l.subs = l.subs[:n]
	s.idx = -1
}

// between returns the frames after..upTo from the ring, or nil when the ring
// no longer holds after+1. l.mu must be held.
func (l *hubLocation) between(after, upTo uint64) []*hubFrame {
	if after >= upTo || !l.known || upTo > l.last {
		return nil
	}
	n := uint64(l.ring.n)
	if n == 0 || after+1 < l.last-n+1 {
		return nil
	}
	oldest := l.last - n + 1
	out := make([]*hubFrame, 0, upTo-after)
	for seq := after + 1; seq <= upTo; seq++ {
		out = append(out, l.ring.at(int(seq-oldest)))
	}
	return out
}

// Serve streams loc's events to one client until the client goes away, it is
// dropped as too slow, or the hub is closed. snapshot returns the location's
// current View; it is called when the stream cannot resume from the ring.
//
// Resume and dedupe. The subscriber is registered first, and under the same
// lock as Publish the hub's last seq L is read (with the ring frames a
// resuming client misses). From then on every frame with seq > L reaches the
// subscriber's channel in order, or the subscriber is dropped and its stream
// ends; every frame ≤ L was published before. The stream then starts at a
// point P, lastSent = P:
//   - Last-Event-ID N == L: P = N, nothing to send.
//   - N < L and the ring holds N+1..L: those frames are replayed, P = L.
//   - otherwise a snapshot with seq S is sent. S may be ahead of L (events
//     committed, Publish not yet called: they will arrive on the channel and
//     are skipped since seq ≤ S) or behind L (a lagging snapshot source:
//     S+1..L is bridged from the ring, or the snapshot is taken again).
//
// So after the start, lastSent ≥ L, and the channel carries L+1, L+2, …
// without holes: a frame ≤ lastSent is a duplicate and is skipped, and the
// next one is exactly lastSent+1. A frame beyond lastSent+1 can only come
// from a gap in what the engine published; the stream then ends and the
// client resumes, getting a snapshot because the ring was reset at the gap.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, loc string, snapshot func() (queue.View, error)) {
	lastID, resume := lastEventID(r)
	l, s, st, ok := h.subscribe(loc, lastID, resume)
	if !ok {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.unsubscribe(l, s)

	lastSent := lastID
	head := st.replay
	if st.snapshot {
		f, bridge, err := h.snapshotStart(l, st.last, snapshot)
		if err != nil {
			h.log.Error("stream snapshot", "location", loc, "err", err)
			http.Error(w, "snapshot unavailable", http.StatusServiceUnavailable)
			return
		}
		lastSent = f.seq
		head = append([]*hubFrame{f}, bridge...)
	}
	if len(head) > 0 {
		lastSent = max(lastSent, head[len(head)-1].seq)
	}

	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	sw := &sseWriter{w: w, rc: http.NewResponseController(w)}
	err := sw.write(retryFrame)
	for _, f := range head {
		if err != nil {
			break
		}
		err = sw.write(f.data)
	}
	if err == nil {
		err = sw.flush()
	}
	if err != nil {
		h.log.Debug("stream write", "location", loc, "err", err)
		return
	}

	tick := time.NewTicker(h.heartbeat)
	defer tick.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case <-tick.C:
			if err := sw.writeFlush(pingFrame); err != nil {
				h.log.Debug("stream write", "location", loc, "err", err)
				return
			}
		case f, ok := <-s.ch:
			// Write every frame already queued, then flush once: no frame
			// is left in a buffer while the handler waits.
			var err error
			for more := true; more && err == nil; {
				if !ok {
					// Dropped as too slow, or the hub closed.
					_ = sw.flush()
					return
				}
				switch {
				case f.seq <= lastSent:
					// Covered by the snapshot or the replay.
				case f.seq != lastSent+1:
					h.log.Warn("gap in stream, ending it", "location", loc, "seq", f.seq, "last_sent", lastSent)
					_ = sw.flush()
					return
				default:
					err = sw.write(f.data)
					lastSent = f.seq
				}
				select {
				case f, ok = <-s.ch:
				default:
					more = false
				}
			}
			if err == nil {
				err = sw.flush()
			}
			if err != nil {
				h.log.Debug("stream write", "location", loc, "err", err)
				return
			}
		}
	}
}

// snapshotStart takes a snapshot for a stream registered when the hub's last
// seq was last, and returns its frame and the ring frames that bridge it to
// last when the snapshot is older.
func (h *Hub) snapshotStart(l *hubLocation, last uint64, snapshot func() (queue.View, error)) (*hubFrame, []*hubFrame, error) {
	l.mu.Lock()
	cached := l.snap
	if cached != nil && (cached.seq != last || time.Since(l.snapAt) > snapshotTTL) {
		cached = nil
	}
	l.mu.Unlock()
	if cached != nil {
		return cached, nil, nil
	}
	for range snapshotAttempts {
		v, err := snapshot()
		if err != nil {
			return nil, nil, err
		}
		f, err := snapshotFrame(v)
		if err != nil {
			return nil, nil, err
		}
		if v.Seq == last {
			l.mu.Lock()
			l.snap, l.snapAt = f, time.Now()
			l.mu.Unlock()
		}
		if v.Seq >= last {
			return f, nil, nil
		}
		l.mu.Lock()
		bridge := l.between(v.Seq, last)
		l.mu.Unlock()
		if bridge != nil {
			return f, bridge, nil
		}
	}
	return nil, nil, fmt.Errorf("snapshot older than the replay buffer (hub at seq %d)", last)
}

// lastEventID returns the id the client has seen: the Last-Event-ID header,
// or the last_event_id query parameter for EventSource polyfills.
func lastEventID(r *http.Request) (uint64, bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// eventFrame renders ev, stripped of its secrets, as an SSE frame.
func eventFrame(ev queue.Event) (*hubFrame, error) {
	data, err := json.Marshal(ev.Public())
	if err != nil {
		return nil, err
	}
	return newFrame(string(ev.Type), ev.Seq, data), nil
}

// snapshotFrame renders v as an SSE frame.
func snapshotFrame(v queue.View) (*hubFrame, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode view: %w", err)
	}
	return newFrame("snapshot", v.Seq, data), nil
}

// newFrame lays out "event: <typ>\nid: <seq>\ndata: <data>\n\n". data is
// JSON, which has no raw newline.
func newFrame(typ string, seq uint64, data []byte) *hubFrame {
	b := make([]byte, 0, len("event: \nid: \ndata: \n\n")+len(typ)+20+len(data))
	b = append(b, "event: "...)
	b = append(b, typ...)
	b = append(b, "\nid: "...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return &hubFrame{seq: seq, data: b}
}

// sseWriter writes frames with a deadline each, cleared once flushed, so
// the connection has no deadline while the stream is idle.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// deadline is the write deadline last set. It is moved forward only when
	// half of it is used up: setting it costs as much as a tenth of a
	// frame's write, and 2,000 streams write every frame.
	deadline time.Time
}

func (sw *sseWriter) write(b []byte) error {
	if now := time.Now(); sw.deadline.Sub(now) < frameWriteTimeout/2 {
		sw.deadline = now.Add(frameWriteTimeout)
		if err := sw.rc.SetWriteDeadline(sw.deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	}
	_, err := sw.w.Write(b)
	return err
}

// flush sends what was written. The deadline stays: it bounds the flush,
// and an idle stream's next write moves it before writing.
func (sw *sseWriter) flush() error {
	return sw.rc.Flush()
}

func (sw *sseWriter) writeFlush(b []byte) error {
	if err := sw.write(b); err != nil {
		return err
	}
	return sw.flush()
}

// frameRing holds the newest published frames, oldest first.
type frameRing struct {
	buf  []*hubFrame
	head int // index of the oldest frame
	n    int
}

// push appends f, evicting the oldest frame once size frames are held.
func (r *frameRing) push(f *hubFrame, size int) {
	if r.buf == nil {
		r.buf = make([]*hubFrame, size)
	}
	if r.n < len(r.buf) {
		r.buf[(r.head+r.n)%len(r.buf)] = f
		r.n++
		return
	}
	r.buf[r.head] = f
	r.head = (r.head + 1) % len(r.buf)
}

// at returns the i-th oldest frame.
func (r *frameRing) at(i int) *hubFrame {
	return r.buf[(r.head+i)%len(r.buf)]
}

// reset empties the ring.
func (r *frameRing) reset() {
	clear(r.buf)
	r.head, r.n = 0, 0
}
