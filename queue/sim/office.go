package sim

import (
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// The synthetic office. What the engine is told is Branch(); how the days
// really go (true service times, who comes, when clerks work) is only
// here, and the estimator never sees it: it learns from the events alone.

// Location is the id of the simulated office.
const Location = "sala"

const (
	opening = 8 * time.Hour
	closing = 18 * time.Hour
)

// serviceTruth is a service as it really is at this office.
type serviceTruth struct {
	prefix   string
	name     string
	config   time.Duration // the duration the office configured: a guess
	median   time.Duration // true median time at the counter, from the call
	sigma    float64       // lognormal spread (log scale)
	share    float64       // share of the walk-ins
	noShow   float64       // walk-ins who leave before they are called
	bookable bool
}

var services = []serviceTruth{
	{prefix: "A", name: "Rejestracja pojazdów", config: 10 * time.Minute, median: 10*time.Minute + 30*time.Second, sigma: 0.5, share: 0.35, noShow: 0.07, bookable: true},
	{prefix: "B", name: "Prawa jazdy", config: 6 * time.Minute, median: 6*time.Minute + 20*time.Second, sigma: 0.45, share: 0.30, noShow: 0.06},
	{prefix: "C", name: "Podatki lokalne", config: 15 * time.Minute, median: 11 * time.Minute, sigma: 0.6, share: 0.15, noShow: 0.08, bookable: true},
	{prefix: "D", name: "Meldunki i dowody", config: 5 * time.Minute, median: 3*time.Minute + 30*time.Second, sigma: 0.5, share: 0.20, noShow: 0.10},
}

// serviceFactor is how the time at the counter changes over the day: the
// morning's cases are the long ones, the late afternoon's are quick.
func serviceFactor(hour int) float64 {
	switch {
	case hour < 10:
		return 1.1
	case hour >= 15:
		return 0.92
	}
	return 1
}

// arrivalProfile is the walk-in rate relative to the day's base, at local
// time of day (linear between the points): a morning peak, a lunch dip, a
// smaller afternoon peak.
var arrivalProfile = []struct {
	at     time.Duration
	factor float64
}{
	{8 * time.Hour, 0.7}, {9 * time.Hour, 1.2}, {10 * time.Hour, 1.45}, {11 * time.Hour, 1.3},
	{12 * time.Hour, 0.75}, {13 * time.Hour, 0.8}, {14 * time.Hour, 1.05}, {15 * time.Hour, 1.0},
	{16 * time.Hour, 0.75}, {17 * time.Hour, 0.55}, {18 * time.Hour, 0.4},
}

// baseRate is the walk-ins per hour of an ordinary day at factor 1.
const baseRate = 32.0

func profileAt(d time.Duration) float64 {
	p := arrivalProfile
	if d <= p[0].at {
		return p[0].factor
	}
	for i := 1; i < len(p); i++ {
		if d <= p[i].at {
			f := float64(d-p[i-1].at) / float64(p[i].at-p[i-1].at)
			return p[i-1].factor + f*(p[i].factor-p[i-1].factor)
		}
	}
	return p[len(p)-1].factor
}

// desk is a counter and its clerk's day: staggered starts, breaks, some
// leaving early; a clerk who stays serves everyone left after closing.
type desk struct {
	number   int
	services []string
	order    queue.Order
	accepts  queue.Accepts
	start    time.Duration
	end      time.Duration // 0: stays until nobody waits after closing
	breaks   []pause
	absent   float64 // chance the clerk is away all day
}

type pause struct {
	at, length time.Duration
}

var desks = []desk{
	{number: 1, services: []string{"A", "B"}, start: 8 * time.Hour, end: 16 * time.Hour, breaks: []pause{{11*time.Hour + 30*time.Minute, 20 * time.Minute}}, absent: 0.05},
	{number: 2, services: []string{"A", "B"}, start: 8 * time.Hour, breaks: []pause{{12 * time.Hour, 30 * time.Minute}}},
	{number: 3, services: []string{"B", "A"}, start: 8 * time.Hour, breaks: []pause{{10*time.Hour + 30*time.Minute, 15 * time.Minute}, {14*time.Hour + 30*time.Minute, 15 * time.Minute}}, absent: 0.05},
	{number: 4, services: []string{"B", "D"}, start: 9 * time.Hour, breaks: []pause{{13 * time.Hour, 30 * time.Minute}}, absent: 0.05},
	{number: 5, services: []string{"C", "A"}, order: queue.OrderOldest, start: 8 * time.Hour, breaks: []pause{{12*time.Hour + 30*time.Minute, 30 * time.Minute}}},
	{number: 6, services: []string{"D", "C", "B"}, start: 8 * time.Hour, end: 15 * time.Hour, breaks: []pause{{11 * time.Hour, 15 * time.Minute}}, absent: 0.05},
	{number: 7, services: []string{"D", "B"}, accepts: queue.AcceptsWalkIn, start: 10 * time.Hour, breaks: []pause{{14 * time.Hour, 20 * time.Minute}}},
	{number: 8, services: []string{"A", "C"}, accepts: queue.AcceptsBooked, start: 8 * time.Hour, breaks: []pause{{12 * time.Hour, 45 * time.Minute}}},
}

// Booked visits: a slot every 20 minutes at each bookable service's
// booked-only desk, filled by the day before with this chance; some of
// those who booked do not come.
const (
	slotEvery   = 20 * time.Minute
	slotFilled  = 0.6
	bookedComes = 0.85
)

// Branch is the office as the engine is told: opening hours, services with
// their configured durations, counters.
func Branch() queue.Branch {
	b := queue.Branch{
		Locations: []queue.Location{{ID: Location, Name: "Sala obsługi (symulacja)", TZ: queuetest.Warsaw, Hours: queuetest.Weekdays(opening, closing)}},
		Rules:     queue.DefaultRules(),
	}
	for _, s := range services {
		b.Services = append(b.Services, queue.Service{Prefix: s.prefix, NamePL: s.name, NameEN: s.name, Duration: s.config, Bookable: s.bookable})
	}
	for _, d := range desks {
		b.Counters = append(b.Counters, queue.Counter{Location: Location, Number: d.number, Services: d.services, Order: d.order, Accepts: d.accepts})
	}
	return b
}
