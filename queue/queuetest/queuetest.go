// Package queuetest has fakes for testing code that uses package queue: a
// clock that moves only when told, a journal in memory that can be made to
// fail, and a small branch to test against.
package queuetest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// Clock is a fake queue.Clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ErrJournal is what a failing Journal returns.
var ErrJournal = errors.New("queuetest: journal failure")

// Journal keeps appended events in memory.
type Journal struct {
	mu     sync.Mutex
	events []queue.Event
	fail   bool
}

// Append keeps events, or fails with ErrJournal when told to.
func (j *Journal) Append(ctx context.Context, events []queue.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail {
		return ErrJournal
	}
	j.events = append(j.events, events...)
	return nil
}

// Fail makes Append fail (true) or succeed (false).
func (j *Journal) Fail(fail bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.fail = fail
}

// Events returns a copy of everything appended.
func (j *Journal) Events() []queue.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]queue.Event(nil), j.events...)
}

// Warsaw is the example's time zone.
var Warsaw = mustZone("Europe/Warsaw")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// Weekdays returns hours open from open to close Monday to Friday (hours
// as "15:04" offsets), closed at weekends.
func Weekdays(open, close time.Duration) queue.WeeklyHours {
	var h queue.WeeklyHours
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = queue.Hours{Open: open, Close: close}
	}
	return h
}

// Branch is a small branch: location "centrum" (voice on) and "plaza"
// (voice off), both open 8:00-18:00 on weekdays; services A (registration,
// 10 min, bookable), B (licences, 6 min) and C (taxes, 15 min); at centrum
// counter 1 serves A then B, counter 2 serves B then A, counter 3 serves C
// and A, oldest first, counter 4 serves A for booked visits only; plaza has
// counter 1 serving A and B. Three calls before a no-show leaves the queue.
func Branch() queue.Branch {
	hours := Weekdays(8*time.Hour, 18*time.Hour)
	return queue.Branch{
		Locations: []queue.Location{
			{ID: "centrum", Name: "BOM Centrum", TZ: Warsaw, Hours: hours, Voice: true},
			{ID: "plaza", Name: "BOM Plaza", TZ: Warsaw, Hours: hours},
		},
		Services: []queue.Service{
			{Prefix: "A", NamePL: "Rejestracja pojazdów", NameEN: "Vehicle registration", Duration: 10 * time.Minute, Bookable: true},
			{Prefix: "B", NamePL: "Prawa jazdy", NameEN: "Driving licences", Duration: 6 * time.Minute},
			{Prefix: "C", NamePL: "Podatki", NameEN: "Taxes", Duration: 15 * time.Minute, Bookable: true},
		},
		Counters: []queue.Counter{
			{Location: "centrum", Number: 1, Services: []string{"A", "B"}},
			{Location: "centrum", Number: 2, Services: []string{"B", "A"}},
			{Location: "centrum", Number: 3, Services: []string{"C", "A"}, Order: queue.OrderOldest},
			{Location: "centrum", Number: 4, Services: []string{"A"}, Accepts: queue.AcceptsBooked},
			{Location: "plaza", Number: 1, Services: []string{"A", "B"}},
		},
		Rules: queue.DefaultRules(),
	}
}
