package booking

import (
	"time"

	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/queue"
)

// Why a day has no times at all.
const (
	ClosedWeekday = "closed"  // the office does not open that weekday
	ClosedHoliday = "holiday" // a public holiday (Day.Holiday names it)
	ClosedClosure = "closure" // a closure day from the configuration
)

// Day is one date of the calendar the person chooses from, with the times
// still free.
type Day struct {
	Date    calendar.Date
	Closed  string // ClosedWeekday, ClosedHoliday or ClosedClosure, or "" when it opens
	Holiday string // the holiday's Polish name, when Closed is ClosedHoliday
	Slots   []Slot // the free times, earliest first; full ones are left out
}

// Slot is one time that can be booked.
type Slot struct {
	Start, End time.Time // in the location's time zone
	Free       int       // counters still free then
}

// offer is what a service at a location needs for its free times.
type offer struct {
	loc      *queue.Location
	svc      *queue.Service
	counters []int // the counters that take booked visits of the service
	length   time.Duration
}

// offer checks that svc can be booked at loc.
func (b *Bookings) offer(loc, svc string) (offer, error) {
	br := b.engine.Branch()
	l, ok := br.Location(loc)
	if !ok {
		return offer{}, queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	s, ok := br.Service(svc)
	if !ok {
		return offer{}, queue.Errorf(queue.ENotFound, "unknown service %q", svc)
	}
	if !b.offered[loc][svc] {
		return offer{}, queue.Errorf(queue.ENotFound, "%s cannot be booked at %s", s.NamePL, l.Name)
	}
	o := offer{loc: l, svc: s, length: b.SlotLength(svc)}
	for _, c := range br.Counters {
		if _, ok := c.Serves(svc); ok && c.Location == loc && c.Takes(queue.Booked) {
			o.counters = append(o.counters, c.Number)
		}
	}
	return o, nil
}

// SlotLength is how long a booked visit for service svc takes: its slot
// from the configuration, else its typical duration rounded up to five
// minutes.
func (b *Bookings) SlotLength(svc string) time.Duration {
	if d, ok := b.cfg.Slots[svc]; ok {
		return d
	}
	if s, ok := b.engine.Branch().Service(svc); ok {
		return (s.Duration + 5*time.Minute - 1).Truncate(5 * time.Minute)
	}
	return 0
}

// Services lists the services that can be booked somewhere, in the
// branch's order.
func (b *Bookings) Services() []queue.Service {
	var ss []queue.Service
	for _, s := range b.engine.Branch().Services {
		for _, l := range b.engine.Branch().Locations {
			if b.offered[l.ID][s.Prefix] {
				ss = append(ss, s)
				break
			}
		}
	}
	return ss
}

// Locations lists the locations where service svc can be booked, in the
// branch's order.
func (b *Bookings) Locations(svc string) []queue.Location {
	var ls []queue.Location
	for _, l := range b.engine.Branch().Locations {
		if b.offered[l.ID][svc] {
			ls = append(ls, l)
		}
	}
	return ls
}

// Days lists the dates from today to the end of the booking window, in
// loc's time, with the times of svc still free there at now.
func (b *Bookings) Days(loc, svc string, now time.Time) ([]Day, error) {
	o, err := b.offer(loc, svc)
	if err != nil {
		return nil, err
	}
	first, last := b.window(o.loc, now)
	days := make([]Day, 0, b.cfg.Days+1)
	b.mu.Lock()
	defer b.mu.Unlock()
	for d := first; !d.After(last); d = d.AddDays(1) {
		days = append(days, b.day(o, d, now))
	}
	return days, nil
}

// Day is the one date d of Days.
func (b *Bookings) Day(loc, svc string, d calendar.Date, now time.Time) (Day, error) {
	o, err := b.offer(loc, svc)
	if err != nil {
		return Day{}, err
	}
	if first, last := b.window(o.loc, now); d.Before(first) || d.After(last) {
		return Day{}, queue.Errorf(queue.EInvalid, "%s is not a date that can be booked: choose one from %s to %s", d, first, last)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.day(o, d, now), nil
}

// window is the first and the last date that can be booked at l at now.
func (b *Bookings) window(l *queue.Location, now time.Time) (first, last calendar.Date) {
	now = now.In(l.TZ)
	return calendar.DateOf(now), calendar.DateOf(now.Add(time.Duration(b.cfg.Days) * 24 * time.Hour))
}

// closed says why nothing can be booked at l on d, or "".
func (b *Bookings) closed(l *queue.Location, d calendar.Date) (why, holiday string) {
	if h, ok := calendar.IsHoliday(d); ok {
		return ClosedHoliday, h.Name
	}
	for _, key := range []string{"", l.ID} {
		for _, c := range b.cfg.Closed[key] {
			if c == d {
				return ClosedClosure, ""
			}
		}
	}
	if l.Hours[d.Weekday()].Closed() {
		return ClosedWeekday, ""
	}
	return "", ""
}

// day builds the free times of o on d at now. b.mu is held.
func (b *Bookings) day(o offer, d calendar.Date, now time.Time) Day {
	day := Day{Date: d}
	if day.Closed, day.Holiday = b.closed(o.loc, d); day.Closed != "" {
		return day
	}
	h := o.loc.Hours[d.Weekday()]
	earliest := now.Add(b.cfg.Lead)
	latest := now.Add(time.Duration(b.cfg.Days) * 24 * time.Hour)
	for off := h.Open; off+o.length <= h.Close; off += o.length {
		// Wall-clock times: on the day the clocks change, 08:00 is still
		// 08:00, not midnight plus eight hours.
		start := time.Date(d.Year, d.Month, d.Day, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, o.loc.TZ)
		if start.Before(earliest) || start.After(latest) {
			continue
		}
		end := start.Add(o.length)
		if free := len(b.freeCounters(o, d, start, end, now)); free > 0 {
			day.Slots = append(day.Slots, Slot{Start: start, End: end, Free: free})
		}
	}
	return day
}

// freeCounters lists the counters of o whose time from start to end on d
// nobody has booked or holds at now. b.mu is held.
func (b *Bookings) freeCounters(o offer, d calendar.Date, start, end, now time.Time) []int {
	var free []int
	for _, c := range o.counters {
		if b.counterFree(o.loc.ID, c, d, start, end, now) {
			free = append(free, c)
		}
	}
	return free
}

func (b *Bookings) counterFree(loc string, counter int, d calendar.Date, start, end, now time.Time) bool {
	for _, bk := range b.taken[takenKey{loc, counter, d}] {
		if bk.Status == Held && !now.Before(bk.HoldUntil) {
			continue // the hold ran out; Sweep will store it
		}
		if bk.Start.Before(end) && start.Before(bk.End) {
			return false
		}
	}
	return true
}
