package stats

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/numerek/numerek/queue"
)

// Outcome is how a visit ended, or that it has not ended yet.
type Outcome string

// The outcomes of a visit.
const (
	Served     Outcome = "served"      // finished at a counter
	Missed     Outcome = "missed"      // left the queue after the last call without showing up
	Cancelled  Outcome = "cancelled"   // taken out of the queue, or a booking cancelled
	Expired    Outcome = "expired"     // still open when a later day started
	Open       Outcome = "open"        // in the queue (waiting, called, at a counter or a pending no-show) at the end of the log
	NotEntered Outcome = "not-entered" // a booked visit that has not entered the queue at the end of the log
)

// Visit is one ticket's life, replayed from the events: what the visit log
// shows and the figures are computed from. Times are zero when the event did
// not happen. It holds no personal data.
type Visit struct {
	Ticket       string     // ticket id, "<location>/<day>/<number>"
	Day          string     // local date of the visit, "2006-01-02"
	Number       string     // "A001", "R003"
	Service      string     // final service prefix, after transfers
	FirstService string     // the service the ticket was issued or booked for
	Kind         queue.Kind // walk-in or booked
	// Key is the time key: a walk-in's issue time, a booked visit's booked
	// time.
	Key time.Time
	// Issued is when the ticket entered the queue: a walk-in's issue time,
	// a booked visit's BookingEntered time (zero if it never entered).
	Issued      time.Time
	FirstCalled time.Time // first call, in any service
	LastCalled  time.Time // last call
	Came        time.Time // the client reached the counter that served it: service started
	Finished    time.Time
	Counter     int    // the counter that served the ticket, or last called it; 0 if none
	Clerk       string // login of the clerk who held that counter then
	Calls       int    // calls (queue.Called); announcing a call again is not one
	NoShows     int    // "no-show" presses followed by another call (queue.NoShow)
	Outcome     Outcome
}

// Start is when the visit started waiting: a walk-in's issue time; for a
// booked visit the later of its booked time and its entry into the queue
// (the booked time when it never entered).
func (v Visit) Start() time.Time {
	if v.Kind != queue.Booked {
		if v.Issued.IsZero() {
			return v.Key
		}
		return v.Issued
	}
	if v.Issued.After(v.Key) {
		return v.Issued
	}
	return v.Key
}

// Wait is the time from Start to the first call, and whether the visit was
// called at all. A booked visit called before its time waited zero.
func (v Visit) Wait() (time.Duration, bool) {
	if v.FirstCalled.IsZero() {
		return 0, false
	}
	return max(v.FirstCalled.Sub(v.Start()), 0), true
}

// ServiceTime is the time at the counter that served the visit, from Came
// (or, when the clerk did not press "came", from the last call) to
// Finished, and whether the visit was served.
func (v Visit) ServiceTime() (time.Duration, bool) {
	if v.Outcome != Served || v.Finished.IsZero() {
		return 0, false
	}
	from := v.Came
	if from.IsZero() {
		from = v.LastCalled
	}
	if from.IsZero() {
		return 0, false
	}
	return max(v.Finished.Sub(from), 0), true
}

// Queued reports whether the visit was one of the queue's tickets: every
// walk-in, and a booked visit once it entered the queue or was called.
func (v Visit) Queued() bool {
	return v.Kind != queue.Booked || !v.Issued.IsZero() || !v.FirstCalled.IsZero()
}

// In returns v with its times in loc.
func (v Visit) In(loc *time.Location) Visit {
	for _, t := range []*time.Time{&v.Key, &v.Issued, &v.FirstCalled, &v.LastCalled, &v.Came, &v.Finished} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	return v
}

// Replay builds visits from a location's events, given one at a time in
// order of Seq, as store.DB.Events hands them:
//
//	r := stats.Replay{From: "2026-03-01", To: "2026-03-31"}
//	err := db.Events(loc, 0, r.Apply)
//	visits := r.Visits()
//
// The zero Replay keeps every visit. Events about tickets it has not seen
// issued (the log was read from the middle, or the ticket's day is out of
// range) and events of types it does not know are skipped.
type Replay struct {
	// From and To, local dates "2006-01-02", keep only the visits of those
	// days (inclusive); empty means no bound.
	From, To string

	loc     string
	seq     uint64
	visits  []*Visit
	byID    map[string]*Visit
	open    map[string]*Visit // not over yet: Open or NotEntered
	clerks  map[int]string    // clerk holding each open counter
	started bool
}

// Apply replays one event. It fails when the events are not of one location
// or not in order of Seq (gaps are allowed), and when a ticket is issued
// twice.
func (r *Replay) Apply(ev queue.Event) error {
	if !r.started {
		r.started = true
		r.loc = ev.Location
		r.byID = map[string]*Visit{}
		r.open = map[string]*Visit{}
		r.clerks = map[int]string{}
	} else {
		if ev.Location != r.loc {
			return fmt.Errorf("stats: replay: event %s is of location %q, not %q", ev.ID, ev.Location, r.loc)
		}
		if ev.Seq <= r.seq {
			return fmt.Errorf("stats: replay: event %s: sequence %d does not follow %d", ev.ID, ev.Seq, r.seq)
		}
	}
	r.seq = ev.Seq

	switch ev.Type {
	case queue.DayStarted:
		for id, v := range r.open {
			if v.Day < ev.Day {
				v.Outcome = Expired
				delete(r.open, id)
			}
		}
		clear(r.clerks) // a new day starts with every counter closed
		return nil
	case queue.CounterOpened:
		r.clerks[ev.Counter] = ev.Clerk
		return nil
	case queue.CounterClosed:
		delete(r.clerks, ev.Counter)
		return nil
	case queue.TicketIssued, queue.VisitBooked:
		return r.issue(ev)
	}

	v := r.byID[ev.Ticket]
	if v == nil {
		return nil
	}
	switch ev.Type {
	case queue.BookingEntered:
		if v.Issued.IsZero() {
			v.Issued = ev.Time
		}
		r.reopen(v)
	case queue.Called:
		v.Calls++
		if v.FirstCalled.IsZero() {
			v.FirstCalled = ev.Time
		}
		v.LastCalled = ev.Time
		r.at(v, ev.Counter)
		r.reopen(v)
	case queue.ClientCame:
		v.Came = ev.Time
		r.at(v, ev.Counter)
	case queue.Finished:
		v.Finished = ev.Time
		r.at(v, ev.Counter)
		r.end(v, Served)
	case queue.NoShow:
		v.NoShows++
	case queue.Missed:
		r.end(v, Missed)
	case queue.Transferred:
		if ev.Service != "" {
			v.Service = ev.Service
		}
		// Service starts again at the counter of the new service.
		v.Came = time.Time{}
	case queue.Cancelled:
		r.end(v, Cancelled)
	case queue.Restored:
		r.reopen(v)
	}
	return nil
}

func (r *Replay) issue(ev queue.Event) error {
	if r.From != "" && ev.Day < r.From || r.To != "" && ev.Day > r.To {
		return nil
	}
	if _, dup := r.byID[ev.Ticket]; dup {
		return fmt.Errorf("stats: replay: event %s: ticket %s issued twice", ev.ID, ev.Ticket)
	}
	v := &Visit{
		Ticket: ev.Ticket, Day: ev.Day, Number: ev.Number,
		Service: ev.Service, FirstService: ev.Service,
		Kind: ev.Kind, Key: ev.Key, Outcome: Open,
	}
	if ev.Type == queue.VisitBooked {
		v.Kind, v.Outcome = queue.Booked, NotEntered
	} else {
		if v.Kind == "" {
			v.Kind = queue.WalkIn
		}
		v.Issued = ev.Time
		if v.Key.IsZero() {
			v.Key = ev.Time
		}
	}
	r.visits = append(r.visits, v)
	r.byID[v.Ticket] = v
	r.open[v.Ticket] = v
	return nil
}

// at records that v is at counter n, held by its clerk now.
func (r *Replay) at(v *Visit, n int) {
	if n == 0 {
		return
	}
	v.Counter, v.Clerk = n, r.clerks[n]
}

func (r *Replay) end(v *Visit, o Outcome) {
	v.Outcome = o
	delete(r.open, v.Ticket)
}

func (r *Replay) reopen(v *Visit) {
	v.Outcome = Open
	r.open[v.Ticket] = v
}

// Visits returns the visits replayed so far, by day, then by the start of
// their wait, then by number.
func (r *Replay) Visits() []Visit {
	out := make([]Visit, 0, len(r.visits))
	for _, v := range r.visits {
		out = append(out, *v)
	}
	SortVisits(out)
	return out
}

// SortVisits sorts visits by day, then by the start of their wait, then by
// number: the order of Visits and of the visit log.
func SortVisits(visits []Visit) {
	slices.SortStableFunc(visits, func(a, b Visit) int {
		return cmp.Or(
			cmp.Compare(a.Day, b.Day),
			a.Start().Compare(b.Start()),
			cmp.Compare(a.Number, b.Number),
		)
	})
}

// Visits replays events, in order of Seq, into one Visit per ticket.
func Visits(events []queue.Event) ([]Visit, error) {
	var r Replay
	for _, ev := range events {
		if err := r.Apply(ev); err != nil {
			return nil, err
		}
	}
	return r.Visits(), nil
}
