package queue

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Journal makes events durable. Append must return only after the events are
// committed: the engine answers its caller after that, and applies the
// events to its state only when Append succeeded.
type Journal interface {
	Append(ctx context.Context, events []Event) error
}

// Options are the engine's collaborators. Zero values are usable: the system
// clock, crypto/rand, no journal (memory only) and no publisher.
type Options struct {
	Clock   Clock
	Rand    io.Reader                        // e-ticket tokens
	Journal Journal                          // nil keeps events in memory only
	Publish func(loc string, events []Event) // called after events are applied, in order, under the location's lock; must not block
}

// Engine runs the queues of a branch's locations. It is safe for concurrent
// use: commands on one location are serialised by that location's lock, so
// two counters can never be handed the same ticket.
type Engine struct {
	branch   Branch
	opts     Options
	services map[string]*Service
	locs     map[string]*location
	order    []string // location ids in config order
}

// location is one location's config and state behind its lock.
type location struct {
	mu       sync.RWMutex
	cfg      *Location
	counters map[int]Counter
	st       *state
}

// New returns an engine for branch b, which must be valid.
func New(b Branch, o Options) (*Engine, error) {
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	e := &Engine{branch: b, opts: o, services: map[string]*Service{}, locs: map[string]*location{}}
	for i := range e.branch.Services {
		s := &e.branch.Services[i]
		e.services[s.Prefix] = s
	}
	for i := range e.branch.Locations {
		l := &e.branch.Locations[i]
		st := newState()
		st.tz = l.TZ
		e.locs[l.ID] = &location{cfg: l, counters: map[int]Counter{}, st: st}
		e.order = append(e.order, l.ID)
	}
	for _, c := range e.branch.Counters {
		if c.Order == "" {
			c.Order = OrderPriority
		}
		if c.Accepts == "" {
			c.Accepts = defaultAccepts
		}
		e.locs[c.Location].counters[c.Number] = c
	}
	return e, nil
}

// Branch returns the branch the engine runs. Callers must not change it.
func (e *Engine) Branch() *Branch { return &e.branch }

// Service returns the service with prefix.
func (e *Engine) Service(prefix string) (*Service, bool) {
	s, ok := e.services[prefix]
	return s, ok
}

// Replay applies an event from the log while the state is being rebuilt,
// before the engine serves commands. Events of a location no longer in the
// config are skipped and reported as false.
func (e *Engine) Replay(ev Event) (bool, error) {
	l, ok := e.locs[ev.Location]
	if !ok {
		return false, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.st.apply(ev); err != nil {
		return true, fmt.Errorf("queue: replay: %w", err)
	}
	return true, nil
}

// Seq returns the sequence number of the last event applied at loc.
func (e *Engine) Seq(loc string) uint64 {
	l, ok := e.locs[loc]
	if !ok {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Seq
}

// Snapshot returns the state of loc as bytes, to be stored and handed to
// RestoreSnapshot on a later start so that replay begins after seq.
func (e *Engine) Snapshot(loc string) (seq uint64, data []byte, err error) {
	l, err := e.location(loc)
	if err != nil {
		return 0, nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	data, err = json.Marshal(l.st)
	return l.st.Seq, data, err
}

// RestoreSnapshot replaces the state of loc with one made by Snapshot.
func (e *Engine) RestoreSnapshot(loc string, data []byte) error {
	l, err := e.location(loc)
	if err != nil {
		return err
	}
	st := newState()
	st.tz = l.cfg.TZ
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("queue: restore snapshot of %s: %w", loc, err)
	}
	for id, t := range st.Tickets {
		if t == nil {
			return fmt.Errorf("queue: restore snapshot of %s: empty ticket %q", loc, id)
		}
	}
	for tok, id := range st.Tokens {
		if t := st.Tickets[id]; t != nil {
			t.Token = tok
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.st = st
	return nil
}

func (e *Engine) location(id string) (*location, error) {
	l, ok := e.locs[id]
	if !ok {
		return nil, Errorf(ENotFound, "unknown location %q", id)
	}
	return l, nil
}

// tx is one command in progress at a location: the events it decided so
// far, applied to the state only when the whole command is committed.
type tx struct {
	e      *Engine
	l      *location
	now    time.Time // UTC
	local  time.Time // in the location's zone
	day    string
	events []Event
}

// do runs a command on location loc under its lock: housekeeping first (a
// new day, booked visits whose time came), then decide, then commit and
// apply. decide appends events with tx.emit and returns the result.
func (e *Engine) do(ctx context.Context, op, loc string, decide func(t *tx) error) error {
	l, err := e.location(loc)
	if err != nil {
		return withOp(op, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := e.opts.Clock.Now()
	t := &tx{e: e, l: l, now: now.UTC().Round(0), local: now.In(l.cfg.TZ)}
	t.day = t.local.Format(time.DateOnly)
	// Housekeeping is committed on its own, so that the command decides
	// against the state it leaves.
	t.housekeeping()
	if err := t.commit(ctx); err != nil {
		return withOp(op, err)
	}
	if err := decide(t); err != nil {
		return withOp(op, err)
	}
	return withOp(op, t.commit(ctx))
}

func withOp(op string, err error) error {
	if err == nil {
		return nil
	}
	if qe, ok := err.(*Error); ok && qe.Op == "" {
		c := *qe
		c.Op = op
		return &c
	}
	return fmt.Errorf("%s: %w", op, err)
}

// emit decides one event. It is applied only at commit, so the events of
// one command must not depend on each other's effects.
func (t *tx) emit(ev Event) {
	ev.Location = t.l.cfg.ID
	ev.Seq = t.l.st.Seq + uint64(len(t.events)) + 1
	ev.ID = EventID(ev.Location, ev.Seq)
	ev.Time = t.now
	t.events = append(t.events, ev)
}

// commit makes the events durable, then applies and publishes them.
func (t *tx) commit(ctx context.Context) error {
	if len(t.events) == 0 {
		return nil
	}
	if j := t.e.opts.Journal; j != nil {
		if err := j.Append(ctx, t.events); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	for _, ev := range t.events {
		if err := t.l.st.apply(ev); err != nil {
			// The events were decided against this state: a failure here
			// is a bug, and the log now disagrees with memory.
			panic(fmt.Sprintf("queue: applying a decided event: %v", err))
		}
	}
	if p := t.e.opts.Publish; p != nil {
		p(t.l.cfg.ID, t.events)
	}
	t.events = nil
	return nil
}
