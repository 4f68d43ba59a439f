package display

import (
	"sort"
	"strings"
	"time"

	"github.com/numerek/numerek/queue"
)

// board is the public part of one location's queue, as the screens need
// it: rebuilt from a snapshot, then changed by each event the way
// queue/state.go's apply changes the whole queue, for the fields a View
// shows. It keeps no personal data: neither the View nor a public event
// carries any.
type board struct {
	location string
	name     string
	day      string
	hours    string // today's, "08:00-18:00" or "closed", as the snapshot said
	open     bool   // the snapshot's: within opening hours when it was taken
	seq      uint64 // the last event applied

	services []queue.ServiceView   // in the location's order
	counters map[int]*counterBoard // by number
	tickets  map[string]*ticket    // today's tickets still of interest, by ticket id
	recent   []queue.CallView      // newest first, at most queue.RecentCalls
	order    uint64                // counts tickets as they become known, for a stable order
}

// counterBoard is one counter: staffed or not, and whom it serves.
type counterBoard struct {
	open    bool
	current string   // ticket id called or served here
	pending []string // no-show ticket ids to be called again here
}

// ticket is what a screen knows of one ticket.
type ticket struct {
	id      string
	number  string
	service string
	day     string
	key     time.Time // the time key: issue time or booked time; zero when not known
	status  queue.Status
	counter int
	calls   int
	known   uint64 // when it became known to the board, for ties of the key
}

// newBoard returns the board of snapshot v.
func newBoard(v queue.View) *board {
	b := &board{
		location: v.Location, name: v.Name, day: v.Day, hours: v.Hours, open: v.Open, seq: v.Seq,
		services: append([]queue.ServiceView(nil), v.Services...),
		counters: map[int]*counterBoard{}, tickets: map[string]*ticket{},
		recent: append([]queue.CallView(nil), v.Recent...),
	}
	for _, tv := range v.Waiting {
		b.addView(tv)
	}
	for _, tv := range v.Missed {
		b.addView(tv)
	}
	for _, cv := range v.Counters {
		c := &counterBoard{open: cv.Open}
		if cv.Current != nil {
			c.current = b.addView(*cv.Current).id
		}
		for _, number := range cv.Pending {
			// A View names a pending no-show by its number only: its time
			// key is not known. Were the counter to close, the ticket goes
			// back to the queue with a zero key, first in its service: it
			// was called before the others waiting, so that is where it
			// most likely belongs.
			t := b.add(queue.TicketID(b.location, b.day, number), number, servicePrefix(number), b.day, time.Time{})
			t.status, t.counter = queue.StatusNoShow, cv.Number
			c.pending = append(c.pending, t.id)
		}
		b.counters[cv.Number] = c
	}
	return b
}

// addView adds a ticket of today as the snapshot shows it.
func (b *board) addView(tv queue.TicketView) *ticket {
	t := b.add(queue.TicketID(b.location, b.day, tv.Number), tv.Number, tv.Service, b.day, tv.Key)
	t.status, t.counter, t.calls = tv.Status, tv.Counter, tv.Calls
	return t
}

// add returns the ticket with id, making it if it is new.
func (b *board) add(id, number, service, day string, key time.Time) *ticket {
	if t := b.tickets[id]; t != nil {
		return t
	}
	b.order++
	t := &ticket{id: id, number: number, service: service, day: day, key: key, status: queue.StatusWaiting, known: b.order}
	b.tickets[id] = t
	return t
}

// eventTicket returns the ticket an event is about, making it from the
// event's fields when the board has not seen it (a ticket called again
// after a no-show that the snapshot named by number only, say).
func (b *board) eventTicket(e queue.Event) *ticket {
	if e.Ticket == "" {
		return nil
	}
	if t := b.tickets[e.Ticket]; t != nil {
		return t
	}
	day := e.Day
	if day == "" {
		day = b.day
	}
	t := b.add(e.Ticket, e.Number, e.Service, day, e.Key)
	if t.service == "" {
		t.service = servicePrefix(e.Number)
	}
	return t
}

// counter returns counter n, making it if needed (a counter removed from
// the config may still appear in the events).
func (b *board) counter(n int) *counterBoard {
	c := b.counters[n]
	if c == nil {
		c = &counterBoard{}
		b.counters[n] = c
	}
	return c
}

// apply changes the board by one event. Events at or before the board's
// sequence are repeats and change nothing; it reports whether e was
// applied.
func (b *board) apply(e queue.Event) bool {
	if e.Seq != 0 && e.Seq <= b.seq {
		return false
	}
	if e.Seq != 0 {
		b.seq = e.Seq
	}
	switch e.Type {
	case queue.DayStarted:
		b.startDay(e.Day)
	case queue.TicketIssued:
		t := b.eventTicket(e)
		t.status, t.key = queue.StatusWaiting, e.Key
	case queue.VisitBooked:
		// Not in the queue until its time comes; booking_entered carries
		// all a screen needs then.
	case queue.BookingEntered:
		t := b.eventTicket(e)
		t.status = queue.StatusWaiting
		if !e.Key.IsZero() {
			t.key = e.Key
		}
	case queue.CounterOpened:
		b.counter(e.Counter).open = true
	case queue.CounterClosed:
		c := b.counter(e.Counter)
		for _, id := range c.pending {
			if t := b.tickets[id]; t != nil {
				t.status, t.counter = queue.StatusWaiting, 0
			}
		}
		*c = counterBoard{}
	case queue.Called:
		t := b.eventTicket(e)
		b.release(t)
		t.status, t.counter, t.calls = queue.StatusCalled, e.Counter, e.Attempt
		b.counter(e.Counter).current = t.id
		b.recordCall(t, e)
	case queue.Recalled:
		b.recordCall(b.eventTicket(e), e)
	case queue.ClientCame:
		b.eventTicket(e).status = queue.StatusServing
	case queue.Finished:
		t := b.eventTicket(e)
		b.release(t)
		delete(b.tickets, t.id) // done: no screen shows it again
	case queue.NoShow:
		t := b.eventTicket(e)
		b.release(t)
		t.status, t.counter = queue.StatusNoShow, e.Counter
		c := b.counter(e.Counter)
		c.pending = append(c.pending, t.id)
	case queue.Missed:
		t := b.eventTicket(e)
		b.release(t)
		t.status, t.counter = queue.StatusMissed, 0 // kept: a clerk may restore it
	case queue.Transferred:
		t := b.eventTicket(e)
		b.release(t)
		t.service, t.status, t.counter, t.calls = e.Service, queue.StatusWaiting, 0, 0
	case queue.Cancelled:
		t := b.eventTicket(e)
		b.release(t)
		delete(b.tickets, t.id)
	case queue.Restored:
		t := b.eventTicket(e)
		t.status, t.counter, t.calls = queue.StatusWaiting, 0, 0
	}
	return true
}

// release takes t off the counter that has it, as current or pending.
func (b *board) release(t *ticket) {
	if t.counter == 0 {
		return
	}
	c := b.counter(t.counter)
	if c.current == t.id {
		c.current = ""
	}
	for i, id := range c.pending {
		if id == t.id {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			break
		}
	}
}

func (b *board) recordCall(t *ticket, e queue.Event) {
	call := queue.CallView{Number: t.number, Service: t.service, Counter: e.Counter, Time: e.Time, Attempt: t.calls}
	if e.Type == queue.Recalled && e.Attempt != 0 {
		call.Attempt = e.Attempt
	}
	b.recent = append([]queue.CallView{call}, b.recent...)
	if len(b.recent) > queue.RecentCalls {
		b.recent = b.recent[:queue.RecentCalls]
	}
}

// startDay forgets every earlier day: its tickets, the counters' clients
// and the recent calls; every counter is closed, as the controller does.
func (b *board) startDay(day string) {
	b.day = day
	for id, t := range b.tickets {
		if t.day < day {
			delete(b.tickets, id)
		}
	}
	for n := range b.counters {
		b.counters[n] = &counterBoard{}
	}
	b.recent = nil
}

// waiting returns the numbers waiting for service, per service prefix, in
// calling order: the time key, then when the board learnt of the ticket,
// then the number.
func (b *board) waiting() map[string][]string {
	var w []*ticket
	for _, t := range b.tickets {
		if t.status == queue.StatusWaiting {
			w = append(w, t)
		}
	}
	sort.Slice(w, func(i, j int) bool {
		if !w[i].key.Equal(w[j].key) {
			return w[i].key.Before(w[j].key)
		}
		if w[i].known != w[j].known {
			return w[i].known < w[j].known
		}
		return w[i].number < w[j].number
	})
	out := map[string][]string{}
	for _, t := range w {
		out[t.service] = append(out[t.service], t.number)
	}
	return out
}

// desk is counter n's state on this board: whether it is known and open,
// and the ticket it calls or serves.
func (b *board) desk(n int) (known, open bool, current *ticket) {
	c, ok := b.counters[n]
	if !ok {
		return false, false, nil
	}
	return true, c.open, b.tickets[c.current]
}

// service returns the service with prefix.
func (b *board) service(prefix string) (queue.ServiceView, bool) {
	for _, s := range b.services {
		if s.Prefix == prefix {
			return s, true
		}
	}
	return queue.ServiceView{}, false
}

// servicePrefix is the service of a ticket number: its leading letters
// ("A" of "A012").
func servicePrefix(number string) string {
	i := strings.IndexFunc(number, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return number
	}
	return number[:i]
}
