package queue

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// state is one location's queue, rebuilt by applying its events in order.
// Its fields are exported (within this unexported type) so that a snapshot
// is its JSON.
type state struct {
	Seq       uint64                 `json:"seq"`
	Day       string                 `json:"day"`
	Tickets   map[string]*Ticket     `json:"tickets"`  // today's and future booked ones, by id
	Numbers   map[string]int         `json:"numbers"`  // "<day>/<prefix>" → last number given
	Idem      map[string]string      `json:"idem"`     // today's idempotency keys → ticket id
	Tokens    map[string]string      `json:"tokens"`   // e-ticket token → ticket id
	Counters  map[int]*counterState  `json:"counters"` // by number
	Recent    []CallView             `json:"recent"`   // newest first
	Durations map[string]serviceStat `json:"durations,omitempty"`
	Stats     *estimateStats         `json:"stats,omitempty"` // what the estimator learned; kept across days

	est estimateCache // estimates of the state at one seq: not part of a snapshot
	// changed is the seq of the last event that was not a ticket being
	// issued or booked: a table simulated since still holds but for the
	// tickets issued after it (see issueEstimate).
	changed uint64
	// tz is the location's time zone, set by the engine: the statistics
	// of the estimates are kept by its hours, so that summer time does not
	// shift them.
	tz *time.Location
	// aheadCache counts the people ahead of each waiting ticket once per
	// seq: thousands of e-ticket viewers ask after every event.
	aheadCache aheadCache
}

// counterState is one counter's live state.
type counterState struct {
	Open    bool     `json:"open"`
	Clerk   string   `json:"clerk,omitempty"`
	Current string   `json:"current,omitempty"` // ticket id called or served here
	Pending []string `json:"pending,omitempty"` // no-show ticket ids, oldest first
}

// serviceStat is what the day taught about a service's duration.
type serviceStat struct {
	Count int           `json:"count"`
	Total time.Duration `json:"total"`
}

func newState() *state {
	return &state{
		Tickets:   map[string]*Ticket{},
		Numbers:   map[string]int{},
		Idem:      map[string]string{},
		Tokens:    map[string]string{},
		Counters:  map[int]*counterState{},
		Durations: map[string]serviceStat{},
		Stats:     newEstimateStats(),
	}
}

// zone is the location's time zone, UTC when the engine set none.
func (s *state) zone() *time.Location {
	if s.tz == nil {
		return time.UTC
	}
	return s.tz
}

// counter returns the state of counter n, creating it if needed (a counter
// removed from the config may still appear in the log).
func (s *state) counter(n int) *counterState {
	c := s.Counters[n]
	if c == nil {
		c = &counterState{}
		s.Counters[n] = c
	}
	return c
}

// ticketByNumber finds today's ticket with number, or a ticket by its id.
func (s *state) ticketByNumber(ref string) *Ticket {
	if t := s.Tickets[ref]; t != nil {
		return t
	}
	for _, t := range s.Tickets {
		if t.Number == ref && t.Day == s.Day {
			return t
		}
	}
	return nil
}

// apply changes the state by one event. It fails only on a broken log: a
// sequence gap or an event about a ticket that does not exist.
func (s *state) apply(ev Event) error {
	if ev.Seq != s.Seq+1 {
		return fmt.Errorf("event %s: sequence %d does not follow %d", ev.ID, ev.Seq, s.Seq)
	}
	var t *Ticket
	if ev.Ticket != "" && ev.Type != TicketIssued && ev.Type != VisitBooked {
		t = s.Tickets[ev.Ticket]
		if t == nil {
			return fmt.Errorf("event %s (%s): unknown ticket %q", ev.ID, ev.Type, ev.Ticket)
		}
	}
	s.Seq = ev.Seq
	if ev.Type != TicketIssued && ev.Type != VisitBooked {
		s.changed = ev.Seq
	}
	s.observe(ev, t)
	switch ev.Type {
	case DayStarted:
		s.startDay(ev.Day)
	case TicketIssued, VisitBooked:
		t := &Ticket{
			ID: ev.Ticket, Location: ev.Location, Day: ev.Day, Number: ev.Number,
			Service: ev.Service, Kind: ev.Kind, Key: ev.Key, Issued: ev.Time,
			Status: StatusWaiting, Booking: ev.Booking, Token: ev.Token,
		}
		if ev.Type == VisitBooked {
			t.Status = StatusBooked
		}
		s.Tickets[t.ID] = t
		s.Numbers[ev.Day+"/"+numberSeries(ev.Number)] = numberValue(ev.Number)
		if ev.IdempotencyKey != "" {
			s.Idem[ev.IdempotencyKey] = t.ID
		}
		if ev.Token != "" {
			s.Tokens[ev.Token] = t.ID
		}
	case BookingEntered:
		t.Status = StatusWaiting
	case CounterOpened:
		c := s.counter(ev.Counter)
		c.Open, c.Clerk = true, ev.Clerk
	case CounterClosed:
		c := s.counter(ev.Counter)
		for _, id := range c.Pending {
			if p := s.Tickets[id]; p != nil {
				p.Status, p.Counter = StatusWaiting, 0
			}
		}
		*c = counterState{}
	case Called:
		s.release(t)
		t.Status, t.Counter, t.Calls, t.CalledAt = StatusCalled, ev.Counter, ev.Attempt, ev.Time
		s.counter(ev.Counter).Current = t.ID
		s.recordCall(t, ev)
	case Recalled:
		s.recordCall(t, ev)
	case ClientCame:
		t.Status = StatusServing
	case Finished:
		if t.Status == StatusServing || t.Status == StatusCalled {
			st := s.Durations[t.Service]
			st.Count++
			st.Total += ev.Time.Sub(t.CalledAt)
			s.Durations[t.Service] = st
		}
		s.release(t)
		t.Status = StatusDone
	case NoShow:
		s.release(t)
		t.Status = StatusNoShow
		t.Counter = ev.Counter
		c := s.counter(ev.Counter)
		c.Pending = append(c.Pending, t.ID)
	case Missed:
		s.release(t)
		t.Status, t.Counter = StatusMissed, 0
	case Transferred:
		s.release(t)
		t.Service, t.Status, t.Counter, t.Calls = ev.Service, StatusWaiting, 0, 0
	case Cancelled:
		s.release(t)
		t.Status, t.Counter = StatusCancelled, 0
	case Restored:
		t.Status, t.Counter, t.Calls = StatusWaiting, 0, 0
	default:
		return fmt.Errorf("event %s: unknown type %q", ev.ID, ev.Type)
	}
	return nil
}

// release takes t off the counter that has it, as current or pending.
func (s *state) release(t *Ticket) {
	if t.Counter == 0 {
		return
	}
	c := s.counter(t.Counter)
	if c.Current == t.ID {
		c.Current = ""
	}
	for i, id := range c.Pending {
		if id == t.ID {
			c.Pending = append(c.Pending[:i:i], c.Pending[i+1:]...)
			break
		}
	}
}

func (s *state) recordCall(t *Ticket, ev Event) {
	call := CallView{Number: t.Number, Service: t.Service, Counter: t.Counter, Time: ev.Time, Attempt: t.Calls}
	s.Recent = append([]CallView{call}, s.Recent...)
	if len(s.Recent) > RecentCalls {
		s.Recent = s.Recent[:RecentCalls]
	}
}

// startDay drops everything of earlier days: open tickets expire, and with
// them the counters' current and pending clients, the recent calls and the
// idempotency keys; every counter is closed (a clerk who forgot to log out
// yesterday does not hold one today). Booked visits of today and later stay.
func (s *state) startDay(day string) {
	s.Day = day
	for id, t := range s.Tickets {
		if t.Day < day {
			delete(s.Tickets, id)
			delete(s.Tokens, t.Token)
		}
	}
	for k := range s.Numbers {
		if k[:len(day)] < day {
			delete(s.Numbers, k)
		}
	}
	for n := range s.Counters {
		s.Counters[n] = &counterState{} // a new day starts with every counter closed
	}
	s.Recent = nil
	s.Idem = map[string]string{}
	s.Durations = map[string]serviceStat{}
}

// waiting returns the tickets in the queue in calling order: time key, then
// number.
func (s *state) waiting() []*Ticket {
	var w []*Ticket
	for _, t := range s.Tickets {
		if t.Status == StatusWaiting {
			w = append(w, t)
		}
	}
	sort.Slice(w, func(i, j int) bool { return before(w[i], w[j]) })
	return w
}

// before is the calling order: the older time key first; on a tie the one
// issued first; then by number so that the order is total.
func before(a, b *Ticket) bool {
	if !a.Key.Equal(b.Key) {
		return a.Key.Before(b.Key)
	}
	if !a.Issued.Equal(b.Issued) {
		return a.Issued.Before(b.Issued)
	}
	return a.Number < b.Number
}

// next returns the ticket counter c calls next, or nil when nobody waits for
// it: the highest priority service with anyone waiting, oldest first.
func (s *state) next(c Counter) *Ticket {
	var best *Ticket
	bestPrio := 0
	for _, t := range s.Tickets {
		if t.Status != StatusWaiting || !c.Takes(t.Kind) {
			continue
		}
		prio, ok := c.Serves(t.Service)
		if !ok {
			continue
		}
		if best == nil || prio < bestPrio || prio == bestPrio && before(t, best) {
			best, bestPrio = t, prio
		}
	}
	return best
}

// aheadCache holds the people ahead of every waiting ticket at one seq.
type aheadCache struct {
	mu  sync.Mutex
	seq uint64
	m   map[string]int // ticket id → people of its service before it
}

// aheadOf is ahead(t), from a count of the whole queue made once per seq.
// The caller holds the location's lock, for reading at least.
func (s *state) aheadOf(t *Ticket) int {
	c := &s.aheadCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.seq != s.Seq {
		c.m, c.seq = map[string]int{}, s.Seq
		per := map[string]int{}
		for _, w := range s.waiting() {
			c.m[w.ID] = per[w.Service]
			per[w.Service]++
		}
	}
	if n, ok := c.m[t.ID]; ok {
		return n
	}
	return s.ahead(t)
}

// ahead counts the tickets of t's service that will be called before it.
func (s *state) ahead(t *Ticket) int {
	n := 0
	for _, o := range s.Tickets {
		if o != t && o.Status == StatusWaiting && o.Service == t.Service && before(o, t) {
			n++
		}
	}
	return n
}

func numberValue(number string) int {
	n := 0
	for _, r := range number {
		if r >= '0' && r <= '9' {
			n = n*10 + int(r-'0')
		}
	}
	return n
}
