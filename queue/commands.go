package queue

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// CounterRef names one counter. A command given a Clerk acts only while
// that clerk holds the counter, so a clerk whose counter was closed (by an
// admin, or at midnight) and taken by another cannot act at it.
type CounterRef struct {
	Location string `json:"location"`
	Number   int    `json:"number"`
	Clerk    string `json:"-"`
}

func (c CounterRef) String() string { return fmt.Sprintf("counter %d at %s", c.Number, c.Location) }

// IssueRequest asks for a walk-in ticket.
type IssueRequest struct {
	Location       string
	Service        string
	IdempotencyKey string // the same key returns the same ticket, never a second one
}

// Issued is the answer to an IssueRequest.
type Issued struct {
	Ticket   Ticket
	Ahead    int      // people of the same service called before this ticket
	Estimate Estimate // first estimate of the wait
	Repeated bool     // the idempotency key was seen: this is the earlier ticket
}

// Issue gives a walk-in a ticket for a service.
func (e *Engine) Issue(ctx context.Context, r IssueRequest) (Issued, error) {
	var out Issued
	var id string
	err := e.do(ctx, "issue ticket", r.Location, func(t *tx) error {
		if len(r.IdempotencyKey) > 128 {
			return Errorf(EInvalid, "idempotency key is longer than 128 characters")
		}
		svc, err := t.offered(r.Service)
		if err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			if prev, ok := t.l.st.Idem[r.IdempotencyKey]; ok {
				if p := t.l.st.Tickets[prev]; p != nil && p.Service != svc.Prefix {
					return Errorf(EConflict, "idempotency key was already used for a ticket of service %s", p.Service)
				}
				id, out.Repeated = prev, true
				return nil
			}
		}
		if !t.openNow() {
			return Errorf(EClosed, "%s is closed now (today: %s)", t.l.cfg.Name, t.l.cfg.Hours[t.local.Weekday()])
		}
		number := t.nextNumber(t.day, svc.Prefix)
		tok, err := t.token()
		if err != nil {
			return err
		}
		id = TicketID(t.l.cfg.ID, t.day, number)
		t.emit(Event{
			Type: TicketIssued, Ticket: id, Day: t.day, Number: number, Service: svc.Prefix,
			Kind: WalkIn, Key: t.now, Token: tok, IdempotencyKey: r.IdempotencyKey,
		})
		return nil
	})
	if err != nil {
		return Issued{}, err
	}
	l := e.locs[r.Location]
	l.mu.RLock()
	defer l.mu.RUnlock()
	tk := l.st.Tickets[id]
	if tk == nil {
		return Issued{}, withOp("issue ticket", Errorf(EConflict, "the ticket of this idempotency key is no longer open"))
	}
	out.Ticket = *tk
	out.Ahead = l.st.ahead(tk)
	out.Estimate = e.issueEstimate(l, tk.Service, out.Ahead, e.opts.Clock.Now())
	return out, nil
}

// BookRequest books a visit: the ticket enters the queue at At.
type BookRequest struct {
	Location string
	Service  string
	At       time.Time
	Booking  string // the booking's reference, kept with the ticket
}

// Book gives a booked visit its ticket. Booked visits have a number series
// of their own (Rules.BookedPrefix: R001, R002, … per location and day,
// whatever the service), so a visitor and the hall see at once that the
// visit was booked, and the walk-in series never skip a number.
func (e *Engine) Book(ctx context.Context, r BookRequest) (Ticket, error) {
	var id string
	err := e.do(ctx, "book visit", r.Location, func(t *tx) error {
		svc, err := t.offered(r.Service)
		if err != nil {
			return err
		}
		if !svc.Bookable {
			return Errorf(EInvalid, "service %s cannot be booked", svc.Prefix)
		}
		if !t.takesBooked(svc.Prefix) {
			return Errorf(EInvalid, "no counter at %s takes booked visits for service %s", t.l.cfg.ID, svc.Prefix)
		}
		at := r.At.In(t.l.cfg.TZ)
		if !at.After(t.now) {
			return Errorf(EInvalid, "booked time %s is not in the future", at.Format("2006-01-02 15:04"))
		}
		if w := t.e.branch.Rules.BookingWindow; w > 0 && at.Sub(t.now) > w {
			return Errorf(EInvalid, "booked time %s is more than %d days ahead", at.Format("2006-01-02 15:04"), int(w.Hours()/24))
		}
		if !t.l.cfg.openAt(at) {
			return Errorf(EInvalid, "%s is closed at %s (that day: %s)", t.l.cfg.Name, at.Format("2006-01-02 15:04"), t.l.cfg.Hours[at.Weekday()])
		}
		day := at.Format(time.DateOnly)
		number := t.nextNumber(day, t.e.branch.Rules.bookedPrefix())
		tok, err := t.token()
		if err != nil {
			return err
		}
		id = TicketID(t.l.cfg.ID, day, number)
		t.emit(Event{
			Type: VisitBooked, Ticket: id, Day: day, Number: number, Service: svc.Prefix,
			Kind: Booked, Key: at.UTC(), Token: tok, Booking: r.Booking,
		})
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	return e.ticket(r.Location, id), nil
}

// OpenCounter puts clerk at counter c. A counter held by another clerk must
// be closed first.
func (e *Engine) OpenCounter(ctx context.Context, c CounterRef, clerk string) error {
	return e.do(ctx, "open counter", c.Location, func(t *tx) error {
		if _, err := t.counterCfg(c.Number); err != nil {
			return err
		}
		cs := t.l.st.counter(c.Number)
		if cs.Open {
			if cs.Clerk == clerk {
				return nil
			}
			return Errorf(EConflict, "counter %d is taken by %s: they must leave it first", c.Number, cs.Clerk)
		}
		t.emit(Event{Type: CounterOpened, Counter: c.Number, Clerk: clerk})
		return nil
	})
}

// CloseCounter leaves counter c unstaffed. Its pending no-shows go back to
// the queue, so that another counter can call them.
func (e *Engine) CloseCounter(ctx context.Context, c CounterRef) error {
	return e.do(ctx, "close counter", c.Location, func(t *tx) error {
		cs, err := t.openCounter(c)
		if err != nil {
			return err
		}
		if cs.Current != "" {
			return Errorf(EConflict, "counter %d still has %s: finish, transfer or mark a no-show first", c.Number, t.l.st.Tickets[cs.Current].Number)
		}
		t.emit(Event{Type: CounterClosed, Counter: c.Number})
		return nil
	})
}

// CallNext calls the next client to counter c: the oldest ticket of the
// highest-priority service the counter serves. A client still being served
// there is finished first (and a pending no-show is then called again, as
// the no-show rule says). When nobody else waits, a pending no-show of the
// counter is called again at once.
func (e *Engine) CallNext(ctx context.Context, c CounterRef) (Ticket, error) {
	var id string
	err := e.do(ctx, "call next", c.Location, func(t *tx) error {
		cs, err := t.openCounter(c)
		if err != nil {
			return err
		}
		if cs.Current != "" {
			cur := t.l.st.Tickets[cs.Current]
			if cur.Status == StatusCalled {
				return Errorf(EConflict, "%s is still called at counter %d: mark that the client came, did not show up, or finish first", cur.Number, c.Number)
			}
			t.emit(Event{Type: Finished, Ticket: cur.ID, Number: cur.Number, Service: cur.Service, Counter: c.Number})
			if p := t.pendingRecall(c.Number); p != nil {
				id = p.ID
				return nil
			}
		}
		cfg := t.l.counters[c.Number]
		next := t.l.st.next(cfg)
		reason := CallNextReason
		if next == nil && len(cs.Pending) > 0 {
			next, reason = t.l.st.Tickets[cs.Pending[0]], CallAfterNoShow
		}
		if next == nil {
			if len(t.events) > 0 {
				return nil // the client was finished; nobody else waits
			}
			return Errorf(ENotFound, "nobody is waiting for the services of counter %d", c.Number)
		}
		id = next.ID
		t.emit(t.call(next, c.Number, reason))
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	if id == "" {
		return Ticket{}, withOp("call next", Errorf(ENotFound, "nobody is waiting for the services of counter %d", c.Number))
	}
	return e.ticket(c.Location, id), nil
}

// CallNumber calls a chosen ticket to counter c: one waiting (of any
// service), a pending no-show, or a booked visit of today that came early.
func (e *Engine) CallNumber(ctx context.Context, c CounterRef, number string) (Ticket, error) {
	var id string
	err := e.do(ctx, "call number", c.Location, func(t *tx) error {
		cs, err := t.openCounter(c)
		if err != nil {
			return err
		}
		if cs.Current != "" {
			return Errorf(EConflict, "counter %d still has %s: finish it first", c.Number, t.l.st.Tickets[cs.Current].Number)
		}
		tk, err := t.ticketRef(number)
		if err != nil {
			return err
		}
		switch {
		case tk.Status == StatusBooked && tk.Day != t.day:
			return Errorf(EConflict, "%s is booked for %s, not today", tk.Number, tk.Day)
		case tk.Status == StatusCalled || tk.Status == StatusServing:
			return Errorf(EConflict, "%s is already at counter %d", tk.Number, tk.Counter)
		case tk.Status == StatusMissed:
			return Errorf(EConflict, "%s left the queue as missed: restore it first", tk.Number)
		case !tk.Open():
			return Errorf(EConflict, "%s is %s", tk.Number, tk.Status)
		}
		id = tk.ID
		t.emit(t.call(tk, c.Number, CallChosen))
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	return e.ticket(c.Location, id), nil
}

// Recall announces the current call of counter c again. It does not count as
// another call of the no-show rule.
func (e *Engine) Recall(ctx context.Context, c CounterRef) (Ticket, error) {
	return e.counterAction(ctx, "recall", c, func(t *tx, cur *Ticket) error {
		if cur.Status != StatusCalled {
			return Errorf(EConflict, "%s is already being served", cur.Number)
		}
		t.emit(Event{Type: Recalled, Ticket: cur.ID, Number: cur.Number, Service: cur.Service, Counter: c.Number, Attempt: cur.Calls})
		return nil
	})
}

// ClientCame marks that the called client reached counter c.
func (e *Engine) ClientCame(ctx context.Context, c CounterRef) (Ticket, error) {
	return e.counterAction(ctx, "client came", c, func(t *tx, cur *Ticket) error {
		if cur.Status != StatusCalled {
			return Errorf(EConflict, "%s is already being served", cur.Number)
		}
		t.emit(Event{Type: ClientCame, Ticket: cur.ID, Number: cur.Number, Service: cur.Service, Counter: c.Number})
		return nil
	})
}

// Finish ends the service of counter c's client. A pending no-show of the
// counter is then called again at once: the seed's rule.
func (e *Engine) Finish(ctx context.Context, c CounterRef) (Ticket, error) {
	return e.counterAction(ctx, "finish", c, func(t *tx, cur *Ticket) error {
		t.emit(Event{Type: Finished, Ticket: cur.ID, Number: cur.Number, Service: cur.Service, Counter: c.Number})
		t.pendingRecall(c.Number)
		return nil
	})
}

// NoShow is "Nie zgłosił się": the called client did not come. The counter is
// free for the next client; the ticket is called again at this counter when
// that client is finished. On the MaxCalls-th call it leaves the queue as
// missed.
func (e *Engine) NoShow(ctx context.Context, c CounterRef) (Ticket, error) {
	return e.counterAction(ctx, "no-show", c, func(t *tx, cur *Ticket) error {
		if cur.Status != StatusCalled {
			return Errorf(EConflict, "%s came and is being served; use finish", cur.Number)
		}
		typ := NoShow
		if cur.Calls >= t.e.branch.Rules.MaxCalls {
			typ = Missed
		}
		t.emit(Event{Type: typ, Ticket: cur.ID, Number: cur.Number, Service: cur.Service, Counter: c.Number, Attempt: cur.Calls})
		return nil
	})
}

// Transfer moves counter c's client to another service. The ticket keeps its
// number and time key, so it is not put at the end of the other queue.
func (e *Engine) Transfer(ctx context.Context, c CounterRef, service string) (Ticket, error) {
	return e.counterAction(ctx, "transfer", c, func(t *tx, cur *Ticket) error {
		svc, err := t.offered(service)
		if err != nil {
			return err
		}
		if svc.Prefix == cur.Service {
			return Errorf(EInvalid, "%s is already in service %s", cur.Number, svc.Prefix)
		}
		t.emit(Event{Type: Transferred, Ticket: cur.ID, Number: cur.Number, Service: svc.Prefix, From: cur.Service, Counter: c.Number})
		t.pendingRecall(c.Number)
		return nil
	})
}

// Cancel takes a ticket out of the queue: number is today's ticket number or
// a ticket id (for booked visits of other days).
func (e *Engine) Cancel(ctx context.Context, loc, number string) (Ticket, error) {
	var id string
	err := e.do(ctx, "cancel", loc, func(t *tx) error {
		tk, err := t.ticketRef(number)
		if err != nil {
			return err
		}
		if !tk.Open() {
			return Errorf(EConflict, "%s is %s, not in the queue", tk.Number, tk.Status)
		}
		id = tk.ID
		t.emit(Event{Type: Cancelled, Ticket: tk.ID, Number: tk.Number, Service: tk.Service, Counter: tk.Counter})
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	return e.ticket(loc, id), nil
}

// Restore puts a missed ticket back in the queue with its original time key
// and a fresh count of calls.
func (e *Engine) Restore(ctx context.Context, loc, number string) (Ticket, error) {
	var id string
	err := e.do(ctx, "restore", loc, func(t *tx) error {
		tk, err := t.ticketRef(number)
		if err != nil {
			return err
		}
		if tk.Status != StatusMissed {
			return Errorf(EConflict, "%s is %s, not missed", tk.Number, tk.Status)
		}
		id = tk.ID
		t.emit(Event{Type: Restored, Ticket: tk.ID, Number: tk.Number, Service: tk.Service})
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	return e.ticket(loc, id), nil
}

// Tick does the housekeeping of every location: a new day at local
// midnight, booked visits entering the queue at their time. Commands do it
// too, so Tick only makes it happen without them; call it every few seconds.
func (e *Engine) Tick(ctx context.Context) error {
	for _, id := range e.order {
		if err := e.do(ctx, "tick", id, func(*tx) error { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// counterAction runs a command on the client at counter c.
func (e *Engine) counterAction(ctx context.Context, op string, c CounterRef, act func(t *tx, cur *Ticket) error) (Ticket, error) {
	var id string
	err := e.do(ctx, op, c.Location, func(t *tx) error {
		cs, err := t.openCounter(c)
		if err != nil {
			return err
		}
		if cs.Current == "" {
			return Errorf(EConflict, "nobody is called at counter %d", c.Number)
		}
		cur := t.l.st.Tickets[cs.Current]
		id = cur.ID
		return act(t, cur)
	})
	if err != nil {
		return Ticket{}, err
	}
	return e.ticket(c.Location, id), nil
}

// ticket returns a copy of ticket id at loc.
func (e *Engine) ticket(loc, id string) Ticket {
	l := e.locs[loc]
	l.mu.RLock()
	defer l.mu.RUnlock()
	if t := l.st.Tickets[id]; t != nil {
		return *t
	}
	return Ticket{ID: id, Location: loc}
}

// housekeeping decides the events time alone causes: a new day, then booked
// visits of today whose time came, in order of their time.
func (t *tx) housekeeping() {
	st := t.l.st
	if st.Day != t.day {
		t.emit(Event{Type: DayStarted, Day: t.day})
	}
	var due []*Ticket
	for _, tk := range st.Tickets {
		if tk.Status == StatusBooked && tk.Day == t.day && !tk.Key.After(t.now) {
			due = append(due, tk)
		}
	}
	sort.Slice(due, func(i, j int) bool { return before(due[i], due[j]) })
	for _, tk := range due {
		t.emit(Event{Type: BookingEntered, Ticket: tk.ID, Number: tk.Number, Service: tk.Service, Kind: Booked, Key: tk.Key})
	}
}

// pendingRecall decides the automatic call of the oldest pending no-show of
// counter n, if any, after its current client is done.
func (t *tx) pendingRecall(n int) *Ticket {
	cs := t.l.st.counter(n)
	if len(cs.Pending) == 0 {
		return nil
	}
	p := t.l.st.Tickets[cs.Pending[0]]
	t.emit(t.call(p, n, CallAfterNoShow))
	return p
}

// call decides the call of tk to counter n, counting the no-show cycle.
func (t *tx) call(tk *Ticket, n int, reason CallReason) Event {
	return Event{Type: Called, Ticket: tk.ID, Number: tk.Number, Service: tk.Service, Kind: tk.Kind, Counter: n, Attempt: tk.Calls + 1, Reason: reason}
}

func (t *tx) counterCfg(n int) (Counter, error) {
	c, ok := t.l.counters[n]
	if !ok {
		return Counter{}, Errorf(ENotFound, "unknown counter %d at %s", n, t.l.cfg.ID)
	}
	return c, nil
}

// openCounter returns the state of counter c, which must be staffed, by
// c.Clerk when that is set.
func (t *tx) openCounter(c CounterRef) (*counterState, error) {
	if _, err := t.counterCfg(c.Number); err != nil {
		return nil, err
	}
	cs := t.l.st.counter(c.Number)
	if !cs.Open {
		return nil, Errorf(EConflict, "counter %d at %s is not open: nobody is logged in there", c.Number, t.l.cfg.ID)
	}
	if c.Clerk != "" && cs.Clerk != c.Clerk {
		return nil, Errorf(EConflict, "counter %d is now held by %s", c.Number, cs.Clerk)
	}
	return cs, nil
}

// ticketRef finds a ticket by today's number or by id.
func (t *tx) ticketRef(ref string) (*Ticket, error) {
	if ref == "" {
		return nil, Errorf(EInvalid, "ticket number is missing")
	}
	tk := t.l.st.ticketByNumber(ref)
	if tk == nil {
		return nil, Errorf(ENotFound, "no ticket %q at %s today", ref, t.l.cfg.ID)
	}
	return tk, nil
}

// offered returns service prefix if a counter at the location serves it.
func (t *tx) offered(prefix string) (*Service, error) {
	svc, ok := t.e.services[prefix]
	if !ok {
		return nil, Errorf(ENotFound, "unknown service %q", prefix)
	}
	for _, c := range t.l.counters {
		if _, ok := c.Serves(prefix); ok {
			return svc, nil
		}
	}
	return nil, Errorf(ENotFound, "service %s is not offered at %s", prefix, t.l.cfg.ID)
}

func (t *tx) takesBooked(prefix string) bool {
	for _, c := range t.l.counters {
		if _, ok := c.Serves(prefix); ok && c.Takes(Booked) {
			return true
		}
	}
	return false
}

func (t *tx) openNow() bool { return t.l.cfg.openAt(t.local) }

// openAt reports whether the location is open at local time at.
func (l *Location) openAt(at time.Time) bool {
	at = at.In(l.TZ)
	h := l.Hours[at.Weekday()]
	y, m, d := at.Date()
	since := at.Sub(time.Date(y, m, d, 0, 0, 0, 0, l.TZ))
	return !h.Closed() && since >= h.Open && since < h.Close
}

// nextNumber is the next ticket number of prefix on day: A001, A002, …
// (four digits past 999, never reused).
// numberSeries is the letter part of a ticket number: "A" of "A012".
func numberSeries(number string) string {
	return strings.TrimRight(number, "0123456789")
}

func (t *tx) nextNumber(day, prefix string) string {
	n := t.l.st.Numbers[day+"/"+prefix] + 1
	return fmt.Sprintf("%s%03d", prefix, n)
}

// token returns a new e-ticket token: 128 random bits, URL-safe.
func (t *tx) token() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(t.e.opts.Rand, b); err != nil {
		return "", fmt.Errorf("e-ticket token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
