package devices

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// StreamMessage is one frame of a location's event stream: a snapshot (the
// first frame of every connection, and after a gap too long to replay) or
// one event. Exactly one of Snapshot and Event is set.
type StreamMessage struct {
	Snapshot *queue.View
	Event    *queue.Event
	Received time.Time // by the machine's monotonic clock, when the frame was complete
	// Skew is the controller's clock minus this machine's, from the Date
	// header of the stream's answer; 0 when within two seconds (the
	// header's resolution) or unknown. A device whose clock is wrong (a Pi
	// before NTP is at 1970) adds it to its own time to judge an event's age.
	Skew time.Duration
}

// clockSkew is the controller's clock minus this machine's by the Date
// header of resp, received at now.
func clockSkew(resp *http.Response, now time.Time) time.Duration {
	at, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return 0
	}
	skew := at.Sub(now)
	if skew > -2*time.Second && skew < 2*time.Second {
		return 0
	}
	return skew
}

// StreamState is how the stream is now.
type StreamState struct {
	Connected bool
	Since     time.Time // of the last change, by the machine's clock
	LastID    string    // the last SSE id received, sent as Last-Event-ID on reconnect
	Err       string    // why it is offline; "" when connected or never tried
}

// StreamOptions are a Stream's settings; zero values are the defaults.
type StreamOptions struct {
	HTTP *http.Client // a client that ignores proxy variables and has no overall timeout, when nil
	// IdleTimeout is how long a connection may stay silent before it is
	// given up and made again: 45 s, three of the controller's 15 s pings.
	IdleTimeout time.Duration
	Backoff     Backoff      // between connection attempts; DefaultBackoff when zero
	UserAgent   string       // "numerek-device" when empty
	Logger      *slog.Logger // slog.Default when nil
	Jitter      func() float64
	// OnState, when set, is called from Run's goroutine at each change of
	// the state.
	OnState func(StreamState)
}

// Stream follows a location's Server-Sent Events stream
// (GET /api/v1/locations/{loc}/events): it parses the frames, hands
// snapshots and events to the caller, and reconnects with Last-Event-ID,
// with backoff, when the connection fails or goes silent.
type Stream struct {
	url   string
	token string
	opts  StreamOptions
	log   *slog.Logger

	mu    sync.Mutex
	state StreamState
}

// maxFrame bounds one SSE frame (a snapshot of a busy day is some hundred
// KB): a longer one ends the connection.
const maxFrame = 16 << 20

// NewStream returns a stream of location's events at the controller at
// baseURL, read with token (the stream is public; the token is sent
// anyway, so the controller knows who listens).
func NewStream(baseURL, token, location string, o StreamOptions) (*Stream, error) {
	u, err := controllerURL(baseURL)
	if err != nil {
		return nil, err
	}
	u.Path += "/api/v1/locations/" + url.PathEscape(location) + "/events"
	if o.HTTP == nil {
		o.HTTP = &http.Client{Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   3 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
		}}
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 45 * time.Second
	}
	lanDefaults(&o.Backoff, &o.UserAgent, &o.Jitter, &o.Logger)
	return &Stream{url: u.String(), token: token, opts: o, log: o.Logger.With("component", "stream", "location", location)}, nil
}

// State returns the stream's state now.
func (s *Stream) State() StreamState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Run connects and follows the stream until ctx ends, calling handle for
// each snapshot and event in order, from Run's goroutine: a slow handle
// holds the stream back, and a controller disconnects a client too slow to
// keep up. Run returns nil when ctx ends; it never gives up before.
func (s *Stream) Run(ctx context.Context, handle func(StreamMessage)) error {
	fails := 0
	for {
		got, err := s.connect(ctx, handle)
		if ctx.Err() != nil {
			s.setState(func(st *StreamState) { st.Connected, st.Err = false, "stopped" })
			return nil
		}
		if got {
			fails = 0 // it worked for a while: start the backoff again
		}
		fails++
		s.setState(func(st *StreamState) { st.Connected, st.Err = false, err.Error() })
		d := s.opts.Backoff.Delay(fails, s.opts.Jitter())
		if fails == 1 {
			s.log.Warn("stream not connected; retrying", "err", err, "wait", d.Round(time.Millisecond), "last_id", s.State().LastID)
		} else {
			s.log.Debug("stream reconnect failed", "err", err, "attempt", fails, "wait", d.Round(time.Millisecond))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			s.setState(func(st *StreamState) { st.Connected, st.Err = false, "stopped" })
			return nil
		case <-t.C:
		}
	}
}

func (s *Stream) setState(f func(*StreamState)) {
	s.mu.Lock()
	before := s.state
	f(&s.state)
	changed := before.Connected != s.state.Connected || before.Err != s.state.Err
	if changed {
		s.state.Since = time.Now()
	}
	st := s.state
	s.mu.Unlock()
	if changed && s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

// connect makes one connection and reads it until it fails; got says
// whether any frame arrived.
func (s *Stream) connect(ctx context.Context, handle func(StreamMessage)) (got bool, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errIdle := fmt.Errorf("nothing received for %s", s.opts.IdleTimeout)
	idle := time.AfterFunc(s.opts.IdleTimeout, func() { cancel(errIdle) })
	defer idle.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("User-Agent", s.opts.UserAgent)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if id := s.State().LastID; id != "" {
		req.Header.Set("Last-Event-ID", id)
	}
	resp, err := s.opts.HTTP.Do(req)
	if err != nil {
		if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
			return false, c
		}
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil {
			ae.Code, ae.Message = e.Error.Code, e.Error.Message
		}
		return false, fmt.Errorf("stream: %w", ae)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return false, fmt.Errorf("stream: Content-Type %q, want text/event-stream", ct)
	}
	s.setState(func(st *StreamState) { st.Connected, st.Err = true, "" })
	skew := clockSkew(resp, time.Now())
	s.log.Info("stream connected", "last_id", req.Header.Get("Last-Event-ID"), "clock_skew", skew)

	p := frameParser{r: bufio.NewReaderSize(resp.Body, 64<<10)}
	for {
		f, err := p.next(func() { idle.Reset(s.opts.IdleTimeout) })
		if err != nil {
			if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
				err = c
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("the controller ended the stream")
			}
			return got, err
		}
		got = true
		if f.hasID {
			s.mu.Lock()
			s.state.LastID = f.id
			s.mu.Unlock()
		}
		m, err := decodeFrame(f)
		if err != nil {
			s.log.Warn("malformed frame skipped", "event", f.event, "id", f.id, "err", err)
			continue
		}
		if m.Snapshot == nil && m.Event == nil {
			continue
		}
		m.Skew = skew
		handle(m)
	}
}

// frame is one dispatched SSE frame.
type frame struct {
	event string
	id    string
	hasID bool
	data  []byte
}

// frameParser reads SSE frames as the HTML standard's "event stream
// interpretation" says: fields event, id, data (one or more lines, joined
// with "\n"), comments that start with ":", a blank line ends a frame.
type frameParser struct {
	r *bufio.Reader
}

// next returns the next frame with data, calling alive at every line
// (pings included).
func (p *frameParser) next(alive func()) (frame, error) {
	var f frame
	var data bytes.Buffer
	hasData := false
	for {
		line, err := p.line()
		if err != nil {
			return frame{}, err
		}
		alive()
		if len(line) == 0 {
			if !hasData {
				f = frame{hasID: f.hasID, id: f.id}
				if f.hasID {
					return f, nil // an id without data still moves Last-Event-ID
				}
				continue
			}
			f.data = data.Bytes()
			return f, nil
		}
		if line[0] == ':' {
			continue // comment: ": ping"
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			f.event = string(value)
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.Write(value)
			hasData = true
		case "id":
			if !bytes.ContainsRune(value, 0) {
				f.id, f.hasID = string(value), true
			}
		}
		if data.Len() > maxFrame {
			return frame{}, fmt.Errorf("a frame over %d bytes", maxFrame)
		}
	}
}

// line reads one line of any length up to maxFrame, without its "\n" or
// "\r\n".
func (p *frameParser) line() ([]byte, error) {
	var long []byte
	for {
		b, err := p.r.ReadSlice('\n')
		if err == nil {
			if long != nil {
				b = append(long, b...)
			}
			b = bytes.TrimSuffix(b[:len(b)-1], []byte("\r"))
			if long == nil {
				b = bytes.Clone(b) // ReadSlice's bytes are the reader's
			}
			return b, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		long = append(long, b...)
		if len(long) > maxFrame {
			return nil, fmt.Errorf("a line over %d bytes", maxFrame)
		}
	}
}

// decodeFrame turns a frame into a message: "snapshot" is a queue.View,
// any other name a queue.Event of that type.
func decodeFrame(f frame) (StreamMessage, error) {
	m := StreamMessage{Received: time.Now()}
	if f.data == nil {
		return m, nil
	}
	switch f.event {
	case "snapshot":
		var v queue.View
		if err := json.Unmarshal(f.data, &v); err != nil {
			return m, fmt.Errorf("snapshot: %w", err)
		}
		m.Snapshot = &v
	case "", "message":
		return m, fmt.Errorf("a frame without an event name")
	default:
		var e queue.Event
		if err := json.Unmarshal(f.data, &e); err != nil {
			return m, fmt.Errorf("event %s: %w", f.event, err)
		}
		if e.Type == "" {
			e.Type = queue.EventType(f.event)
		}
		if string(e.Type) != f.event {
			return m, fmt.Errorf("event named %q has type %q", f.event, e.Type)
		}
		if f.hasID && e.Seq != 0 && f.id != strconv.FormatUint(e.Seq, 10) {
			return m, fmt.Errorf("event id %q with seq %d", f.id, e.Seq)
		}
		m.Event = &e
	}
	return m, nil
}
