package display

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// Role is what a screen shows.
type Role string

// The roles.
const (
	Group Role = "group" // a location's hall: the calls and the numbers waiting
	Desk  Role = "desk"  // one counter: its number and whom it calls or serves
)

// Options are a Scene's settings; zero values are the defaults.
type Options struct {
	Role     Role   // Group when empty
	Counter  int    // Desk: the counter's number
	Language string // "pl" (the default) or "en"
	Info     string // Group: a line at the bottom of the screen; none when empty
	// TZ is the location's time zone, for the clock and the opening
	// hours; time.Local when nil.
	TZ *time.Location
	// Recent is how many earlier calls a group screen lists besides the
	// newest, at most (fewer when they do not fit): 6 when 0, none when
	// negative.
	Recent int
	// Blink is how long a new call blinks before it settles: 6 s when 0;
	// never when negative.
	Blink time.Duration
	// OfflineAfter is how long the stream must be down before the offline
	// mark shows, so that a controller's restart does not flash it: 3 s
	// when 0.
	OfflineAfter time.Duration
}

// blinkHalf is half a blink: on for 0.5 s, off for 0.5 s, one flash a
// second, well under the three a second that WCAG 2.3.1 allows.
const blinkHalf = 500 * time.Millisecond

func (o *Options) defaults() {
	if o.Role == "" {
		o.Role = Group
	}
	if o.TZ == nil {
		o.TZ = time.Local
	}
	if o.Recent == 0 {
		o.Recent = 6
	}
	o.Recent = min(max(o.Recent, 0), queue.RecentCalls-1)
	if o.Blink == 0 {
		o.Blink = 6 * time.Second
	}
	if o.OfflineAfter <= 0 {
		o.OfflineAfter = 3 * time.Second
	}
}

// Scene is what one screen shows: the queue's public state from the
// stream, the newest call's blinking, the clock and whether the stream is
// online. Its methods are safe for concurrent use: the stream's goroutine
// feeds it while the renderer asks for frames.
type Scene struct {
	opts  Options
	clock queue.Clock
	tx    *texts

	mu           sync.Mutex
	m            *metrics
	b            *board // nil until the first snapshot
	callAt       time.Time
	online       bool
	offlineSince time.Time
	skew         time.Duration
	last         Frame // the last frame Frame returned
	changed      chan struct{}
}

// NewScene returns the scene of a screen with settings o, telling the
// time by clock. It shows "connecting" until its first snapshot.
func NewScene(o Options, clock queue.Clock) *Scene {
	o.defaults()
	return &Scene{opts: o, clock: clock, tx: textsFor(o.Language), m: newMetrics(),
		offlineSince: clock.Now(), changed: make(chan struct{}, 1)}
}

// Changed is signalled after each change of the scene's state; a renderer
// waits on it instead of polling. A burst of changes may be one signal.
func (s *Scene) Changed() <-chan struct{} { return s.changed }

func (s *Scene) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Snapshot replaces the scene's state with v: on start, and after a gap
// in the stream too long to replay. A newest call that differs from the
// one shown before (made while the stream was down) blinks; the first
// snapshot's does not, as it is not news.
func (s *Scene) Snapshot(v queue.View) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.b
	s.b = newBoard(v)
	if old != nil && s.newsSince(old) {
		s.callAt = s.clock.Now()
	}
	s.signal()
}

// newsSince reports whether the board shows a call that old did not.
func (s *Scene) newsSince(old *board) bool {
	if s.opts.Role == Desk {
		_, _, was := old.desk(s.opts.Counter)
		_, _, now := s.b.desk(s.opts.Counter)
		return now != nil && now.status == queue.StatusCalled && (was == nil || was.id != now.id || was.calls != now.calls)
	}
	if len(s.b.recent) == 0 {
		return false
	}
	return len(old.recent) == 0 || old.recent[0] != s.b.recent[0]
}

// Apply changes the scene by one event of the stream. A repeated event (at
// or before the last one applied) and any event before the first snapshot
// are ignored; it reports whether e was applied.
func (s *Scene) Apply(e queue.Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b == nil || !s.b.apply(e) {
		return false
	}
	if e.Type == queue.Called || e.Type == queue.Recalled {
		if s.opts.Role == Group || e.Counter == s.opts.Counter {
			s.callAt = s.clock.Now()
		}
	}
	s.signal()
	return true
}

// SetOnline says whether the stream is connected. While it is not, the
// last state stays on the screen; after OfflineAfter a small mark says so.
func (s *Scene) SetOnline(online bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if online == s.online {
		return
	}
	s.online = online
	if !online {
		s.offlineSince = s.clock.Now()
	}
	s.signal()
}

// SetSkew sets the controller's clock minus this machine's, so that the
// screen's clock is right on a machine whose own clock is not (a Pi
// before NTP has set it).
func (s *Scene) SetSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d == s.skew {
		return
	}
	s.skew = d
	s.signal()
}

// Frame returns the frame of a width × height screen now, and whether it
// differs from the last frame returned: a renderer draws only then, so
// that an idle screen costs almost nothing.
func (s *Scene) Frame(width, height int) (Frame, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Frame{Width: width, Height: height}
	if width > 0 && height > 0 {
		sh := s.show(s.clock.Now())
		f.Items = s.layout(sh, float64(width), float64(height))
		f.Seq, f.Ready = sh.seq, sh.ready
	}
	changed := f.Width != s.last.Width || f.Height != s.last.Height || f.Ready != s.last.Ready || !slices.Equal(f.Items, s.last.Items)
	s.last = f
	return f, changed
}

// Next returns when the frame will next change by itself, with no news
// from the stream: the blink's next flash or its end, the clock's next
// minute, the offline mark's appearance. A renderer sleeps until then.
func (s *Scene) Next() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	// The clock shows minutes: the next one by the controller's time.
	next := now.Add(s.skew).Truncate(time.Minute).Add(time.Minute).Add(-s.skew)
	if end := s.callAt.Add(s.opts.Blink); s.opts.Blink > 0 && now.Before(end) {
		flash := s.callAt.Add((now.Sub(s.callAt)/blinkHalf + 1) * blinkHalf)
		next = earliest(next, flash, end)
	}
	if mark := s.offlineSince.Add(s.opts.OfflineAfter); !s.online && s.b != nil && now.Before(mark) {
		next = earliest(next, mark)
	}
	return next
}

func earliest(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.Before(t) {
			t = u
		}
	}
	return t
}

// show is what a frame shows, before its layout.
type show struct {
	ready   bool
	seq     uint64
	name    string
	clock   string // "09:41"; "" when the time is not known
	date    string // "wtorek, 24 listopada"
	closed  bool   // outside the opening hours
	offline bool
	blinkOn bool // a new call blinks and is in its bright half

	// group
	newest *queue.CallView
	recent []queue.CallView
	queues []serviceQueue
	info   string

	// desk
	counter int
	desk    deskState
	number  string
	service string
}

// serviceQueue is one service's numbers waiting, in calling order.
type serviceQueue struct {
	prefix, name string
	numbers      []string
}

// deskState is what a counter's screen says.
type deskState uint8

const (
	deskUnknown deskState = iota // the location has no such counter
	deskClosed                   // outside the opening hours
	deskBreak                    // within them, not staffed
	deskIdle                     // staffed, nobody called
	deskCalled                   // a number called, not there yet
	deskServing                  // the client is at the counter
)

// show works out what the scene shows at now.
func (s *Scene) show(now time.Time) show {
	sh := show{counter: s.opts.Counter, info: s.opts.Info}
	local := now.Add(s.skew).In(s.opts.TZ)
	// A clock before 2025 is a machine's unset clock (a Pi boots at 1970
	// until NTP answers) and no controller has told the skew: no clock is
	// better than a wrong one.
	if local.Year() >= 2025 {
		sh.clock = local.Format("15:04")
		sh.date = s.tx.date(local)
	}
	if s.opts.Blink > 0 && !s.callAt.IsZero() && now.Before(s.callAt.Add(s.opts.Blink)) {
		sh.blinkOn = now.Sub(s.callAt)/blinkHalf%2 == 0
	}
	b := s.b
	if b == nil {
		return sh
	}
	sh.ready, sh.seq, sh.name = true, b.seq, b.name
	sh.offline = !s.online && now.Sub(s.offlineSince) >= s.opts.OfflineAfter
	sh.closed = !openAt(b.hours, b.open, local)
	if s.opts.Role == Desk {
		s.showDesk(&sh, b)
		return sh
	}
	if len(b.recent) > 0 {
		n := b.recent[0]
		sh.newest = &n
		seen := map[string]bool{n.Number: true}
		for _, c := range b.recent[1:] {
			if len(sh.recent) == s.opts.Recent {
				break
			}
			// A recalled number is listed once, at its latest call.
			if !seen[c.Number] {
				seen[c.Number] = true
				sh.recent = append(sh.recent, c)
			}
		}
	}
	waiting := b.waiting()
	for _, sv := range b.services {
		if nums := waiting[sv.Prefix]; len(nums) > 0 {
			sh.queues = append(sh.queues, serviceQueue{prefix: sv.Prefix, name: s.serviceName(sv), numbers: nums})
			delete(waiting, sv.Prefix)
		}
	}
	// Tickets of a service the snapshot did not list (transferred to a
	// service no counter here offers any more) still wait: show them too.
	var rest []string
	for p := range waiting {
		rest = append(rest, p)
	}
	slices.Sort(rest)
	for _, p := range rest {
		sh.queues = append(sh.queues, serviceQueue{prefix: p, name: p, numbers: waiting[p]})
	}
	return sh
}

func (s *Scene) showDesk(sh *show, b *board) {
	known, open, cur := b.desk(s.opts.Counter)
	switch {
	case !known:
		sh.desk = deskUnknown
	case cur != nil && (cur.status == queue.StatusCalled || cur.status == queue.StatusServing):
		sh.desk, sh.number = deskCalled, cur.number
		if cur.status == queue.StatusServing {
			sh.desk = deskServing
		}
		if sv, ok := b.service(cur.service); ok {
			sh.service = s.serviceName(sv)
		}
	case open:
		sh.desk = deskIdle
	case sh.closed:
		sh.desk = deskClosed
	default:
		sh.desk = deskBreak
	}
}

func (s *Scene) serviceName(sv queue.ServiceView) string {
	if s.opts.Language == "en" && sv.NameEN != "" {
		return sv.NameEN
	}
	return sv.NamePL
}

// openAt reports whether a location with today's hours ("08:00-18:00",
// "closed") is open at local time t; when the hours cannot be read, it
// keeps what the snapshot said (snapshotOpen).
func openAt(hours string, snapshotOpen bool, t time.Time) bool {
	if hours == "closed" {
		return false
	}
	from, to, ok := strings.Cut(hours, "-")
	if !ok {
		return snapshotOpen
	}
	open, err1 := clockMinutes(from)
	shut, err2 := clockMinutes(to)
	if err1 != nil || err2 != nil {
		return snapshotOpen
	}
	now := t.Hour()*60 + t.Minute()
	return now >= open && now < shut
}

// clockMinutes reads "08:30" as minutes since midnight ("24:00" is 1440).
func clockMinutes(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("%q is not hh:mm", s)
	}
	hh, err := strconv.Atoi(h)
	if err != nil {
		return 0, err
	}
	mm, err := strconv.Atoi(m)
	if err != nil {
		return 0, err
	}
	return hh*60 + mm, nil
}
