package queue

import "time"

// View is what can be shown of a location's queue: the snapshot a display,
// a clerk terminal or an e-ticket viewer starts from, before it follows the
// events. It holds no personal data and no secrets.
type View struct {
	Location string        `json:"location"`
	Name     string        `json:"name"`
	Seq      uint64        `json:"seq"` // the last event applied
	Day      string        `json:"day"`
	Open     bool          `json:"open"`  // within opening hours now
	Hours    string        `json:"hours"` // today's, "08:00-18:00" or "closed"
	Voice    bool          `json:"voice"`
	Services []ServiceView `json:"services"`
	Counters []CounterView `json:"counters"`
	Waiting  []TicketView  `json:"waiting"` // in calling order of time key
	Recent   []CallView    `json:"recent"`  // newest first, at most RecentCalls
	Missed   []TicketView  `json:"missed"`  // today's missed tickets, restorable
}

// RecentCalls is how many of the last calls a View keeps.
const RecentCalls = 12

// ServiceView is one service at a location with its queue length.
type ServiceView struct {
	Prefix   string   `json:"prefix"`
	NamePL   string   `json:"name_pl"`
	NameEN   string   `json:"name_en"`
	Bookable bool     `json:"bookable"`
	Waiting  int      `json:"waiting"`
	Estimate Estimate `json:"estimate"` // for a ticket taken now
}

// Estimate is the expected wait until a ticket is called, with a range
// that the wait falls in most of the time (Low ≤ Expected ≤ High).
type Estimate struct {
	Expected time.Duration `json:"expected_ns"`
	Low      time.Duration `json:"low_ns"`
	High     time.Duration `json:"high_ns"`
}

// Minutes is e in whole minutes as people are told it, on the e-ticket,
// the kiosk and the printed ticket alike: rounded to the nearest minute,
// and to five minutes past the first hour (a longer wait is not known to
// the minute). A range that does not hold Expected is Expected alone.
func (e Estimate) Minutes() (low, high int) {
	round := func(d time.Duration) int {
		m := int((d + 30*time.Second) / time.Minute)
		if m > 60 {
			m = (m + 2) / 5 * 5
		}
		return max(m, 0)
	}
	low, exp, high := round(e.Low), round(e.Expected), round(e.High)
	if low > exp || high < exp {
		return exp, exp
	}
	return low, high
}

// CounterView is one counter: whether it is staffed and whom it serves.
type CounterView struct {
	Number   int         `json:"number"`
	Services []string    `json:"services"`
	Open     bool        `json:"open"`
	Current  *TicketView `json:"current,omitempty"`
	Pending  []string    `json:"pending,omitempty"` // no-show numbers to be called again here
}

// TicketView is a ticket as shown: no token, no booking reference.
type TicketView struct {
	Number  string    `json:"number"`
	Service string    `json:"service"`
	Kind    Kind      `json:"kind"`
	Status  Status    `json:"status"`
	Key     time.Time `json:"key"`
	Counter int       `json:"counter,omitempty"`
	Calls   int       `json:"calls,omitempty"`
}

// CallView is one call as shown on the group screen.
type CallView struct {
	Number  string    `json:"number"`
	Service string    `json:"service"`
	Counter int       `json:"counter"`
	Time    time.Time `json:"time"`
	Attempt int       `json:"attempt"`
}

// TicketByBooking returns the ticket that booking ref was given at loc,
// and false if there is none (the booking never got one).
func (e *Engine) TicketByBooking(loc, ref string) (Ticket, bool) {
	l, ok := e.locs[loc]
	if !ok || ref == "" {
		return Ticket{}, false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, t := range l.st.Tickets {
		if t.Booking == ref {
			return *t, true
		}
	}
	return Ticket{}, false
}
