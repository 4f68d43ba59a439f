package queue

import (
	"fmt"
	"time"
)

// Branch is everything the engine needs to know about the offices it runs:
// the locations, the services (case types) and the counters, and the rules.
// The controller builds it from the configuration file.
type Branch struct {
	Locations []Location
	Services  []Service
	Counters  []Counter
	Rules     Rules
}

// Location is one customer-service office with its own hall, queue and
// devices.
type Location struct {
	ID      string // short, URL-safe: "centrum"
	Name    string // "Biuro Obsługi Mieszkańców – Centrum"
	Address string
	TZ      *time.Location // local time of the office; never nil after Validate
	Hours   WeeklyHours
	Voice   bool // spoken announcements on; off at Plaza and Copernicus
}

// WeeklyHours are the opening hours, indexed by time.Weekday (Sunday = 0).
type WeeklyHours [7]Hours

// Hours is one day's opening time as offsets from local midnight. A day with
// Open == Close is closed.
type Hours struct {
	Open, Close time.Duration
}

// Closed reports whether the office does not open at all that day.
func (h Hours) Closed() bool { return h.Open >= h.Close }

// String formats the hours as "08:00-18:00", or "closed".
func (h Hours) String() string {
	if h.Closed() {
		return "closed"
	}
	return clockTime(h.Open) + "-" + clockTime(h.Close)
}

func clockTime(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Service is a kind of matter handled at the counters ("case type"). Its
// ticket prefix letter is its identity.
type Service struct {
	Prefix   string // one capital letter, "A"; the ticket numbers are A001…
	NamePL   string
	NameEN   string
	Duration time.Duration // typical time at the counter, for first estimates
	Bookable bool          // offered by the online booking
}

// Name is the service's name in lang: English for "en" when it has one,
// else Polish.
func (s Service) Name(lang string) string {
	if lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NamePL
}

// Location returns the location with id.
func (b *Branch) Location(id string) (*Location, bool) {
	for i := range b.Locations {
		if b.Locations[i].ID == id {
			return &b.Locations[i], true
		}
	}
	return nil, false
}

// Service returns the service with prefix.
func (b *Branch) Service(prefix string) (*Service, bool) {
	for i := range b.Services {
		if b.Services[i].Prefix == prefix {
			return &b.Services[i], true
		}
	}
	return nil, false
}

// Accepts says which visitors a counter takes.
type Accepts string

// The kinds of visitors a counter can take.
const (
	AcceptsBoth    Accepts = "both"
	AcceptsWalkIn  Accepts = "walk-in"
	AcceptsBooked  Accepts = "booked"
	defaultAccepts         = AcceptsBoth
)

// Order says how a counter chooses between the services it serves.
type Order string

// The orders a counter can call in.
const (
	// OrderPriority calls from the first service in the counter's list that
	// has anyone waiting, oldest first; the next service only when none wait.
	OrderPriority Order = "priority"
	// OrderOldest calls the oldest ticket of any service the counter serves.
	OrderOldest Order = "oldest"
)

// Counter is one clerk's desk at a location ("stanowisko").
type Counter struct {
	Location string
	Number   int
	Services []string // prefixes in priority order
	Order    Order
	Accepts  Accepts
}

// Takes reports whether the counter takes tickets of kind k.
func (c Counter) Takes(k Kind) bool {
	switch c.Accepts {
	case AcceptsWalkIn:
		return k == WalkIn
	case AcceptsBooked:
		return k == Booked
	}
	return true
}

// Serves reports the priority (0 = first) of service prefix at the counter,
// and whether it serves it at all.
func (c Counter) Serves(prefix string) (int, bool) {
	for i, s := range c.Services {
		if s == prefix {
			if c.Order == OrderOldest {
				return 0, true
			}
			return i, true
		}
	}
	return 0, false
}

// Rules are the branch-wide queue rules.
type Rules struct {
	// MaxCalls is how many times a ticket is called before a no-show makes
	// it leave the queue as missed. The seed says three.
	MaxCalls int
	// BookingWindow is how far ahead visits can be booked (30 days).
	BookingWindow time.Duration
	// BookedPrefix is the letter of the booked visits' own number series
	// ("R": R001, R002, …); no service may use it. Empty means "R".
	BookedPrefix string
}

// DefaultBookedPrefix is the booked visits' letter unless the rules say
// otherwise: R, for "rezerwacja".
const DefaultBookedPrefix = "R"

// DefaultRules are the seed's rules.
func DefaultRules() Rules {
	return Rules{MaxCalls: 3, BookingWindow: 30 * 24 * time.Hour, BookedPrefix: DefaultBookedPrefix}
}

func (r Rules) bookedPrefix() string {
	if r.BookedPrefix == "" {
		return DefaultBookedPrefix
	}
	return r.BookedPrefix
}

// Validate checks that the branch is consistent: names unique, references
// resolved, values in range. Its errors name the field.
func (b *Branch) Validate() error {
	if len(b.Locations) == 0 {
		return fmt.Errorf("locations: at least one location is needed")
	}
	locs := map[string]bool{}
	for i, l := range b.Locations {
		switch {
		case !validID(l.ID):
			return fmt.Errorf("locations[%d].id: %q must be 1-32 lower-case letters, digits or '-'", i, l.ID)
		case locs[l.ID]:
			return fmt.Errorf("locations[%d].id: %q is used twice", i, l.ID)
		case l.TZ == nil:
			return fmt.Errorf("locations[%d].timezone: missing", i)
		}
		locs[l.ID] = true
	}
	svcs := map[string]bool{}
	for i, s := range b.Services {
		switch {
		case len(s.Prefix) != 1 || s.Prefix[0] < 'A' || s.Prefix[0] > 'Z':
			return fmt.Errorf("services[%d].prefix: %q must be one capital letter A-Z", i, s.Prefix)
		case svcs[s.Prefix]:
			return fmt.Errorf("services[%d].prefix: %q is used twice", i, s.Prefix)
		case s.Duration <= 0:
			return fmt.Errorf("services[%d].duration: must be more than zero", i)
		}
		svcs[s.Prefix] = true
	}
	ctrs := map[string]bool{}
	for i, c := range b.Counters {
		key := fmt.Sprintf("%s/%d", c.Location, c.Number)
		switch {
		case !locs[c.Location]:
			return fmt.Errorf("counters[%d].location: unknown location %q", i, c.Location)
		case c.Number < 1 || c.Number > 999:
			return fmt.Errorf("counters[%d].number: %d is not in 1-999", i, c.Number)
		case ctrs[key]:
			return fmt.Errorf("counters[%d].number: counter %d at %q is defined twice", i, c.Number, c.Location)
		case len(c.Services) == 0:
			return fmt.Errorf("counters[%d].services: a counter must serve at least one service", i)
		}
		seen := map[string]bool{}
		for _, p := range c.Services {
			if !svcs[p] {
				return fmt.Errorf("counters[%d].services: unknown service %q", i, p)
			}
			if seen[p] {
				return fmt.Errorf("counters[%d].services: %q is listed twice", i, p)
			}
			seen[p] = true
		}
		switch c.Order {
		case "", OrderPriority, OrderOldest:
		default:
			return fmt.Errorf("counters[%d].order: %q is not %q or %q", i, c.Order, OrderPriority, OrderOldest)
		}
		switch c.Accepts {
		case "", AcceptsBoth, AcceptsWalkIn, AcceptsBooked:
		default:
			return fmt.Errorf("counters[%d].accepts: %q is not %q, %q or %q", i, c.Accepts, AcceptsBoth, AcceptsWalkIn, AcceptsBooked)
		}
		ctrs[key] = true
	}
	if b.Rules.MaxCalls < 1 || b.Rules.MaxCalls > 10 {
		return fmt.Errorf("rules.max_calls: %d is not in 1-10", b.Rules.MaxCalls)
	}
	if b.Rules.BookingWindow < 0 {
		return fmt.Errorf("rules.booking_days: must not be negative")
	}
	switch bp := b.Rules.bookedPrefix(); {
	case len(bp) != 1 || bp[0] < 'A' || bp[0] > 'Z':
		return fmt.Errorf("rules.booked_prefix: %q must be one capital letter A-Z", bp)
	case svcs[bp]:
		return fmt.Errorf("rules.booked_prefix: %q is also a service's prefix: booked visits need a letter of their own", bp)
	}
	return nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
