package stats

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/numerek/numerek/queue"
)

// Options say what to compute a Report of.
type Options struct {
	// TZ is the location's time zone: the hours of the day are its hours.
	// Nil means UTC.
	TZ *time.Location
	// From and To are the first and last local date of the report,
	// "2006-01-02", inclusive; empty means no bound.
	From, To string
	// Target is the wait most visitors should be called within (15 min);
	// zero means no target.
	Target time.Duration
	// TargetShare is the share of visitors that should be called within
	// Target (0.85).
	TargetShare float64
	// ServiceNames are the services' names by prefix. Every service named
	// here has a row in the report, even with no visits.
	ServiceNames map[string]string
}

// Validate checks the options; its errors name the field.
func (o Options) Validate() error {
	for _, f := range []struct{ name, val string }{{"from", o.From}, {"to", o.To}} {
		if f.val == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, f.val); err != nil {
			return fmt.Errorf("%s: %q is not a date like 2006-01-02", f.name, f.val)
		}
	}
	switch {
	case o.From != "" && o.To != "" && o.From > o.To:
		return fmt.Errorf("to: %s is before from %s", o.To, o.From)
	case o.Target < 0:
		return fmt.Errorf("target: must not be negative")
	case o.TargetShare < 0 || o.TargetShare > 1:
		return fmt.Errorf("target_share: %v is not in 0-1", o.TargetShare)
	}
	return nil
}

// Report is a location's figures for a range of days.
type Report struct {
	From, To    string // the range of local dates, as asked
	TZ          string // name of the time zone of the hours
	Target      time.Duration
	TargetShare float64

	Total    Figures   // every service
	Services []Figures // one per service, by prefix
	Counters []Staff   // counters that served anyone, by number
	Clerks   []Staff   // clerks who served anyone, by login
}

// Figures are the figures of one service, or of all of them.
type Figures struct {
	Service string // prefix; empty in Report.Total
	Name    string // from Options.ServiceNames

	// Issued counts the tickets in the queue: walk-ins, and booked visits
	// that entered it or were called. They end as one of Served, Missed,
	// Cancelled or Expired, or are still Open.
	Issued    int
	Served    int
	Missed    int
	Cancelled int
	Expired   int
	Open      int
	PerHour   [24]int // Issued by the local hour their wait started
	NoShows   int     // no-show presses followed by another call

	Wait         Summary // of the tickets called at least once
	ServiceTime  Summary // of the tickets served
	WithinTarget Share   // of the tickets called, those whose wait was at most the target

	Booked BookedFigures
}

// BookedFigures are the booked visits of the days, whatever became of them:
// Booked = Kept + Missed + Cancelled + Pending.
type BookedFigures struct {
	Booked    int
	Kept      int // served
	Missed    int // missed, or expired: not served and not cancelled
	Cancelled int // before their day or in the queue
	Pending   int // not over yet (open, or not entered)
}

// Staff is what a counter or a clerk did.
type Staff struct {
	Counter     int    // in Report.Counters
	Clerk       string // in Report.Clerks
	Served      int
	ServiceTime Summary
}

// Summary describes a set of durations. With N == 0 there is no data and
// the other fields are zero.
type Summary struct {
	N      int
	Median time.Duration // nearest-rank 50th percentile
	P90    time.Duration // nearest-rank 90th percentile
	Max    time.Duration
	Values []time.Duration // sorted, for histograms
}

// OK reports whether there is any data.
func (s Summary) OK() bool { return s.N > 0 }

func summarize(values []time.Duration) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	slices.Sort(values)
	med, _ := Percentile(values, 50)
	p90, _ := Percentile(values, 90)
	return Summary{N: len(values), Median: med, P90: p90, Max: values[len(values)-1], Values: values}
}

// Percentile returns the nearest-rank p-th percentile (0 ≤ p ≤ 100) of
// sorted values: the value at rank ceil(p/100 × n), counting from 1 (rank 1
// for p = 0). It is false for no values.
func Percentile(sorted []time.Duration, p int) (time.Duration, bool) {
	n := len(sorted)
	if n == 0 {
		return 0, false
	}
	p = min(max(p, 0), 100)
	rank := max((p*n+99)/100, 1)
	return sorted[rank-1], true
}

// Share is how many of Of were within the target, and the share of them
// wanted (Goal).
type Share struct {
	Within, Of int
	Goal       float64
}

// Value is Within/Of, and false when Of is zero.
func (s Share) Value() (float64, bool) {
	if s.Of == 0 {
		return 0, false
	}
	return float64(s.Within) / float64(s.Of), true
}

// Met reports whether the share reaches Goal, and false for ok when there is
// no data.
func (s Share) Met() (met, ok bool) {
	v, ok := s.Value()
	if !ok {
		return false, false
	}
	return v >= s.Goal-1e-9, true // 17 of 20 meets 0.85, rounding or not
}

// Compute computes the figures of the visits of the days o.From to o.To. A
// visit's day is its Day (or, if that is empty, the local date its wait
// started).
func Compute(visits []Visit, o Options) Report {
	tz := o.TZ
	if tz == nil {
		tz = time.UTC
	}
	r := Report{From: o.From, To: o.To, TZ: tz.String(), Target: o.Target, TargetShare: o.TargetShare}

	total := &tally{}
	services := map[string]*tally{}
	for p := range o.ServiceNames {
		services[p] = &tally{}
	}
	counters := map[int]*[]time.Duration{}
	clerks := map[string]*[]time.Duration{}
	for _, v := range visits {
		day := v.Day
		if day == "" {
			day = v.Start().In(tz).Format(time.DateOnly)
		}
		if o.From != "" && day < o.From || o.To != "" && day > o.To {
			continue
		}
		s := services[v.Service]
		if s == nil {
			s = &tally{}
			services[v.Service] = s
		}
		total.add(v, o, tz)
		s.add(v, o, tz)
		if st, ok := v.ServiceTime(); ok {
			if v.Counter != 0 {
				appendTo(counters, v.Counter, st)
			}
			if v.Clerk != "" {
				appendTo(clerks, v.Clerk, st)
			}
		}
	}

	r.Total = total.figures("", "", o)
	for _, p := range slices.Sorted(maps.Keys(services)) {
		r.Services = append(r.Services, services[p].figures(p, o.ServiceNames[p], o))
	}
	for _, n := range slices.Sorted(maps.Keys(counters)) {
		ts := *counters[n]
		r.Counters = append(r.Counters, Staff{Counter: n, Served: len(ts), ServiceTime: summarize(ts)})
	}
	for _, c := range slices.Sorted(maps.Keys(clerks)) {
		ts := *clerks[c]
		r.Clerks = append(r.Clerks, Staff{Clerk: c, Served: len(ts), ServiceTime: summarize(ts)})
	}
	return r
}

func appendTo[K comparable](m map[K]*[]time.Duration, k K, d time.Duration) {
	s := m[k]
	if s == nil {
		s = new([]time.Duration)
		m[k] = s
	}
	*s = append(*s, d)
}

// tally collects one Figures.
type tally struct {
	f            Figures
	waits, times []time.Duration
}

func (t *tally) add(v Visit, o Options, tz *time.Location) {
	f := &t.f
	if v.Kind == queue.Booked {
		f.Booked.Booked++
		switch v.Outcome {
		case Served:
			f.Booked.Kept++
		case Missed, Expired:
			f.Booked.Missed++
		case Cancelled:
			f.Booked.Cancelled++
		default:
			f.Booked.Pending++
		}
	}
	if !v.Queued() {
		return
	}
	f.Issued++
	f.PerHour[v.Start().In(tz).Hour()]++
	f.NoShows += v.NoShows
	switch v.Outcome {
	case Served:
		f.Served++
	case Missed:
		f.Missed++
	case Cancelled:
		f.Cancelled++
	case Expired:
		f.Expired++
	default:
		f.Open++
	}
	if w, ok := v.Wait(); ok {
		t.waits = append(t.waits, w)
		if o.Target > 0 {
			f.WithinTarget.Of++
			if w <= o.Target {
				f.WithinTarget.Within++
			}
		}
	}
	if st, ok := v.ServiceTime(); ok {
		t.times = append(t.times, st)
	}
}

func (t *tally) figures(service, name string, o Options) Figures {
	f := t.f
	f.Service, f.Name = service, name
	f.Wait = summarize(t.waits)
	f.ServiceTime = summarize(t.times)
	f.WithinTarget.Goal = o.TargetShare
	return f
}

// WaitingTicket is a ticket in the queue now, for Alerts.
type WaitingTicket struct {
	Number  string
	Service string
	// Since is when it started waiting: for a queue.TicketView that is
	// its Key (a walk-in's issue time, a booked visit's booked time).
	Since time.Time
}

// Alert says that a service's longest wait passed its threshold.
type Alert struct {
	Service   string
	Number    string        // the ticket that has waited longest
	Waited    time.Duration // how long it has waited, at now
	Threshold time.Duration
}

// Alerts returns, by service, an Alert for every service whose oldest
// waiting ticket has waited longer than the service's threshold at now.
// threshold[""] is the threshold of services not in the map; a missing,
// zero or negative threshold raises no alert.
func Alerts(waiting []WaitingTicket, now time.Time, threshold map[string]time.Duration) []Alert {
	oldest := map[string]WaitingTicket{}
	for _, w := range waiting {
		o, seen := oldest[w.Service]
		if !seen || w.Since.Before(o.Since) || w.Since.Equal(o.Since) && w.Number < o.Number {
			oldest[w.Service] = w
		}
	}
	var alerts []Alert
	for _, s := range slices.Sorted(maps.Keys(oldest)) {
		limit, ok := threshold[s]
		if !ok {
			limit = threshold[""]
		}
		w := oldest[s]
		if waited := now.Sub(w.Since); limit > 0 && waited > limit {
			alerts = append(alerts, Alert{Service: s, Number: w.Number, Waited: waited, Threshold: limit})
		}
	}
	return alerts
}
