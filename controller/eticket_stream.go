package controller

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// The e-ticket's stream, /t/<token>/events. Thousands of phones follow
// their tickets at once, so the work after an event is done once per
// ticket, not once per phone: one goroutine per location renders the
// status of every ticket being watched, in each language asked, and hands
// the ready frame to the ticket's viewers; a viewer's own goroutine only
// writes it. Its stack stays small, and viewers of the same ticket (a
// phone and a tablet, or a reconnect racing the old stream) share a frame.

// eticketRefreshEvery is how often the statuses are rendered again with no
// event: the estimate moves with the clock.
const eticketRefreshEvery = 15 * time.Second

// eticketFanout holds who watches which ticket.
type eticketFanout struct {
	c    *Controller
	mu   sync.Mutex
	locs map[string]map[watchKey]*eticketWatch // by location
	wake map[string]chan struct{}              // per location: render again
}

type watchKey struct{ token, lang string }

// eticketWatch is one ticket's status in one language and its viewers.
type eticketWatch struct {
	last    eticketView // the last status rendered, to send only changes
	viewers map[*eticketViewer]struct{}
}

// eticketViewer is one stream. Only the location's render loop sends on
// ch; a nil frame means the ticket is gone and the stream ends.
type eticketViewer struct {
	ch chan []byte // the newest frame not yet written; one at most
}

func newETicketFanout(c *Controller) *eticketFanout {
	f := &eticketFanout{c: c, locs: map[string]map[watchKey]*eticketWatch{}, wake: map[string]chan struct{}{}}
	for _, l := range c.cfg.Branch.Locations {
		f.locs[l.ID] = map[watchKey]*eticketWatch{}
		f.wake[l.ID] = make(chan struct{}, 1)
	}
	return f
}

// poke asks loc's render loop to render again; it never blocks.
func (f *eticketFanout) poke(loc string) {
	select {
	case f.wake[loc] <- struct{}{}:
	default:
	}
}

// run renders loc's watched tickets after every poke and every
// eticketRefreshEvery, until stop is closed.
func (f *eticketFanout) run(loc string, stop <-chan struct{}) {
	t := time.NewTicker(eticketRefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-f.wake[loc]:
		case <-t.C:
		}
		f.render(loc)
	}
}

// render renders each watched ticket of loc and sends the changed ones.
func (f *eticketFanout) render(loc string) {
	f.mu.Lock()
	keys := make([]watchKey, 0, len(f.locs[loc]))
	for k := range f.locs[loc] {
		keys = append(keys, k)
	}
	f.mu.Unlock()
	for _, k := range keys {
		ts, ok := f.c.engine.TicketByToken(k.token)
		var frame []byte
		var v eticketView
		if ok {
			v = f.c.eticketView(ts, k.lang)
			var err error
			if frame, err = statusFrame(v); err != nil {
				f.c.log.Error("e-ticket status", "err", err)
				continue
			}
		}
		f.mu.Lock()
		w := f.locs[loc][k]
		if w != nil && (!ok || !sameStatus(v, w.last)) {
			w.last = v
			for viewer := range w.viewers {
				viewer.send(frame) // nil when gone
			}
		}
		f.mu.Unlock()
	}
}

// send hands frame to the viewer, replacing one it has not written yet: it
// only needs the newest. Only the render loop sends, so this never blocks.
func (v *eticketViewer) send(frame []byte) {
	select {
	case <-v.ch:
	default:
	}
	v.ch <- frame
}

// add registers a viewer of k at loc, starting from its status v.
func (f *eticketFanout) add(loc string, k watchKey, v eticketView) *eticketViewer {
	viewer := &eticketViewer{ch: make(chan []byte, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.locs[loc][k]
	if w == nil {
		w = &eticketWatch{last: v, viewers: map[*eticketViewer]struct{}{}}
		f.locs[loc][k] = w
	}
	w.viewers[viewer] = struct{}{}
	return viewer
}

// remove unregisters a viewer; the watch goes with its last viewer.
func (f *eticketFanout) remove(loc string, k watchKey, viewer *eticketViewer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.locs[loc][k]
	if w == nil {
		return
	}
	delete(w.viewers, viewer)
	if len(w.viewers) == 0 {
		delete(f.locs[loc], k)
	}
}

// viewers counts the open e-ticket streams of loc.
func (f *eticketFanout) viewers(loc string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.locs[loc] {
		n += len(w.viewers)
	}
	return n
}

// sameStatus reports whether a and b say the same, whenever they were said.
func sameStatus(a, b eticketView) bool {
	a.AsOf = b.AsOf
	return a == b
}

// statusFrame lays v out as a "status" SSE frame.
func statusFrame(v eticketView) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return newFrame("status", 0, data).data, nil
}

// eticketEvents is /t/{token}/events: the ticket's status as Server-Sent
// Events. Every "status" message is the whole eticketView, sent when it
// changes; an "alive" message with the office's time comes with each
// heartbeat, so the page can say when it last heard from the office. It
// needs no Last-Event-ID: every message is complete.
func (c *Controller) eticketEvents(w http.ResponseWriter, r *http.Request) {
	ts, ok := c.eticket(r)
	if !ok {
		http.Error(w, "no such ticket", http.StatusNotFound)
		return
	}
	loc := ts.Ticket.Location
	k := watchKey{token: r.PathValue("token"), lang: pageLang(r.URL.Query().Get("lang"))}
	v := c.eticketView(ts, k.lang)
	first, err := statusFrame(v)
	if err != nil {
		c.log.Error("e-ticket status", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	select {
	case <-c.hub.done:
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	viewer := c.etickets.add(loc, k, v)
	defer c.etickets.remove(loc, k, viewer)

	out, closeOut, err := startStream(w, c.clock.Now())
	if err != nil {
		c.log.Debug("e-ticket stream", "location", loc, "err", err)
		return
	}
	defer closeOut()
	err = out(append(append([]byte{}, retryFrame...), first...))
	tick := time.NewTicker(c.hub.heartbeat)
	defer tick.Stop()
	ctx := r.Context()
	for err == nil {
		select {
		case <-ctx.Done():
			return
		case <-c.hub.done:
			return
		case <-tick.C:
			err = out(aliveFrame(c.clock.Now()))
		case frame := <-viewer.ch:
			if frame == nil {
				return // gone with the day: the page shows what it had
			}
			err = out(frame)
		}
	}
	c.log.Debug("e-ticket stream", "location", loc, "err", err)
}

// startStream begins an event stream on w and returns how to send a frame
// (written and flushed at once) and how to end the stream.
//
// Ten thousand phones may watch their tickets at once, so an e-ticket
// stream takes over the connection (HTTP/1.1 hijack) and writes the
// response itself, with "Connection: close" and no chunking. That ends
// net/http's reader goroutine that waits for the client to hang up, which
// would cost every stream a second goroutine; a stream whose phone has
// gone is found by the next write instead, at the latest with the next
// heartbeat. Where the connection cannot be taken over (HTTP/2) it is an
// ordinary streamed response.
func startStream(w http.ResponseWriter, now time.Time) (send func([]byte) error, end func(), err error) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		hd := w.Header()
		hd.Set("Content-Type", "text/event-stream")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		sw := &sseWriter{w: w, rc: rc}
		return sw.writeFlush, func() {}, nil
	}
	// The deadline bounds a write to a phone that stopped reading. It is
	// moved only when half of it is used up (see sseWriter): 10,000 streams
	// write after every event.
	var deadline time.Time
	send = func(b []byte) error {
		if now := time.Now(); deadline.Sub(now) < frameWriteTimeout/2 {
			deadline = now.Add(frameWriteTimeout)
			if err := conn.SetWriteDeadline(deadline); err != nil {
				return err
			}
		}
		_, err := conn.Write(b)
		return err
	}
	head := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/event-stream\r\n" +
		"Cache-Control: no-store\r\n" +
		"X-Accel-Buffering: no\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Date: " + now.UTC().Format(http.TimeFormat) + "\r\n" +
		"Connection: close\r\n\r\n"
	if err := send([]byte(head)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return send, func() { conn.Close() }, nil
}
