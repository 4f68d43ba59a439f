package queue

import (
	"fmt"
	"time"
)

// EventType names what happened.
type EventType string

// The events. Their names are part of the LAN protocol and of the stored log:
// never rename one.
const (
	DayStarted     EventType = "day_started"     // local midnight passed; yesterday's open tickets expire
	TicketIssued   EventType = "ticket_issued"   // a walk-in took a ticket
	VisitBooked    EventType = "visit_booked"    // a booked visit got its ticket (not in the queue yet)
	BookingEntered EventType = "booking_entered" // a booked visit's time came: it waits in the queue
	CounterOpened  EventType = "counter_opened"  // a clerk took a counter
	CounterClosed  EventType = "counter_closed"  // the counter is not staffed
	Called         EventType = "called"          // a ticket was called to a counter
	Recalled       EventType = "recalled"        // the same call announced again
	ClientCame     EventType = "client_came"     // the client reached the counter: service starts
	Finished       EventType = "finished"        // service done
	NoShow         EventType = "no_show"         // "Nie zgłosił się": will be called again after the next client
	Missed         EventType = "missed"          // called MaxCalls times without showing up: left the queue
	Transferred    EventType = "transferred"     // moved to another service, keeping its time key
	Cancelled      EventType = "cancelled"       // left the queue (by the clerk, the visitor or a cancelled booking)
	Restored       EventType = "restored"        // a missed ticket put back in the queue by a clerk
)

// CallReason says why a ticket was called.
type CallReason string

// The reasons for a call.
const (
	CallNextReason  CallReason = "next"     // "Wezwij następnego"
	CallChosen      CallReason = "chosen"   // "Wezwij wybrany numer"
	CallAfterNoShow CallReason = "recall"   // automatic call of a no-show after the next client finished
	CallRestored    CallReason = "restored" // reserved for restores that call at once
)

// Event is one change of a location's queue. Seq is the per-location
// sequence number (1, 2, 3, …, no gaps); ID is stable and globally unique,
// "<location>:<seq>", so the log can be replicated.
//
// Fields that do not apply to a type are left zero. Token and IdempotencyKey
// are secrets: Public strips them before an event leaves the controller.
type Event struct {
	ID       string    `json:"id"`
	Seq      uint64    `json:"seq"`
	Location string    `json:"location"`
	Time     time.Time `json:"time"`
	Type     EventType `json:"type"`

	Day     string     `json:"day,omitempty"`     // local date "2006-01-02" of the ticket or of DayStarted
	Ticket  string     `json:"ticket,omitempty"`  // ticket id
	Number  string     `json:"number,omitempty"`  // "A001"
	Service string     `json:"service,omitempty"` // prefix; for Transferred, the new one
	From    string     `json:"from,omitempty"`    // Transferred: the old service
	Kind    Kind       `json:"kind,omitempty"`
	Key     time.Time  `json:"key,omitzero"` // time key: issue time or booked time
	Counter int        `json:"counter,omitempty"`
	Clerk   string     `json:"clerk,omitempty"`
	Attempt int        `json:"attempt,omitempty"` // Called: which call of the no-show cycle (1..MaxCalls)
	Reason  CallReason `json:"reason,omitempty"`
	Booking string     `json:"booking,omitempty"` // booking reference, for VisitBooked

	Token          string `json:"token,omitempty"`           // e-ticket token: secret
	IdempotencyKey string `json:"idempotency_key,omitempty"` // secret
}

// Public returns a copy of e without its secrets, fit for displays and
// e-ticket viewers.
func (e Event) Public() Event {
	e.Token = ""
	e.IdempotencyKey = ""
	e.Booking = ""
	e.Clerk = ""
	return e
}

// EventID is the stable id of the event with sequence seq at location loc.
func EventID(loc string, seq uint64) string {
	return fmt.Sprintf("%s:%d", loc, seq)
}

// Kind is whether a ticket is a walk-in's or a booked visit's.
type Kind string

// The kinds of tickets.
const (
	WalkIn Kind = "walk-in"
	Booked Kind = "booked"
)

// Status is where a ticket is in its life.
type Status string

// The statuses of a ticket.
const (
	StatusBooked    Status = "booked"    // booked visit, its time has not come
	StatusWaiting   Status = "waiting"   // in the queue
	StatusCalled    Status = "called"    // called to a counter, not there yet
	StatusServing   Status = "serving"   // at the counter
	StatusNoShow    Status = "no_show"   // did not come; will be called again at that counter
	StatusMissed    Status = "missed"    // left the queue after MaxCalls calls
	StatusDone      Status = "done"      // served
	StatusCancelled Status = "cancelled" // left the queue
	StatusExpired   Status = "expired"   // the day ended before it was served
)

// Ticket is one visitor's place in a location's queue.
type Ticket struct {
	ID       string    `json:"id"` // "<location>/<day>/<number>": unique, readable
	Location string    `json:"location"`
	Day      string    `json:"day"`    // local date of the visit, "2006-01-02"
	Number   string    `json:"number"` // "A001"
	Service  string    `json:"service"`
	Kind     Kind      `json:"kind"`
	Key      time.Time `json:"key"` // time key: issue time or booked time
	Issued   time.Time `json:"issued"`
	Status   Status    `json:"status"`
	Counter  int       `json:"counter,omitempty"` // where called, served or to be recalled
	Calls    int       `json:"calls,omitempty"`   // calls of the no-show cycle so far
	CalledAt time.Time `json:"called_at,omitzero"`
	Booking  string    `json:"booking,omitempty"`
	Token    string    `json:"-"`
}

// Open reports whether the ticket still has a place in the queue.
func (t *Ticket) Open() bool {
	switch t.Status {
	case StatusBooked, StatusWaiting, StatusCalled, StatusServing, StatusNoShow:
		return true
	}
	return false
}

// TicketID is the id of ticket number on day at location loc.
func TicketID(loc, day, number string) string {
	return loc + "/" + day + "/" + number
}
