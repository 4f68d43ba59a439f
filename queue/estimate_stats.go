package queue

import (
	"math"
	"time"
)

// estimateStats is what the events taught the estimator: how long each
// service takes by hour of the day, how many walk-ins come by hour, how
// often a called client does not show up and what that costs the counter,
// how long a clerk takes between clients, and when each counter is
// usually staffed. It lives in the state, so it
// is rebuilt by replay and kept by snapshots, and unlike the rest of the
// state it survives the day rollover (yesterday's durations are the best
// guess for this morning).
//
// Hours are the location's wall-clock hours (the engine gives the state
// its zone), so that the office's 8:00 stays 8:00 across a change to or
// from summer time. The day of the change itself has 23 or 25 hours; an
// hour that repeats shares its figures.
type estimateStats struct {
	Services map[string]*serviceStats `json:"services,omitempty"`
	NoShows  map[Kind]*noShowStats    `json:"no_shows,omitempty"`
	Gap      logStat                  `json:"gap"`                // counter free → next client called, while people waited
	Pickup   logStat                  `json:"pickup"`             // a client came to a free counter → called
	Free     map[int]time.Time        `json:"free,omitempty"`     // when each counter last became free
	Counters map[int]*counterStats    `json:"counters,omitempty"` // when the counters are staffed
}

// counterStats is when a counter is usually staffed: for each quarter
// hour, of the days it was open at its start, on how many it was closed a
// quarter later (a break, the end of a shift), and of the days it was
// closed, on how many it was open (a late start, back from a break). The
// counts are aged by a tenth a day.
type counterStats struct {
	Spans        []openSpan  `json:"spans,omitempty"` // today's stretches open
	Days         int         `json:"days"`
	FromOpen     [96]float64 `json:"from_open"`
	OpenToClosed [96]float64 `json:"open_to_closed"`
	FromClosed   [96]float64 `json:"from_closed"`
	ClosedToOpen [96]float64 `json:"closed_to_open"`
}

// openSpan is a stretch of time a counter was open; To is zero while it is.
type openSpan struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

const quarter = 15 * time.Minute

// quarterOf is the index of the quarter hour of t in tz, 0-95.
func quarterOf(t time.Time, tz *time.Location) int {
	t = t.In(tz)
	return t.Hour()*4 + t.Minute()/15
}

func (c *counterStats) openAt(t, end time.Time) bool {
	for _, s := range c.Spans {
		to := s.To
		if to.IsZero() {
			to = end
		}
		if !t.Before(s.From) && t.Before(to) {
			return true
		}
	}
	return false
}

// serviceStats is what the events taught about one service.
type serviceStats struct {
	Duration logStat     `json:"duration"` // called → finished, any hour
	Hours    [24]logStat `json:"hours"`    // the same by the location's hour of the call
	Today    [24]float64 `json:"today"`    // walk-ins issued today by the location's hour
	Usual    [24]float64 `json:"usual"`    // walk-ins per hour on an ordinary day
	Days     int         `json:"days"`     // days folded into Usual
}

// noShowStats counts calls and no-shows of one kind of ticket. The counts
// are halved every day, so today weighs most and a few earlier days still
// inform the morning.
type noShowStats struct {
	FirstCalls    float64 `json:"first_calls"`
	FirstMissing  float64 `json:"first_missing"`
	RecallCalls   float64 `json:"recall_calls"`
	RecallMissing float64 `json:"recall_missing"`
	Cost          logStat `json:"cost"` // called → no-show pressed
}

// logStat summarises the logarithms of durations in seconds: a mean and a
// variance that weigh recent samples more (N stops growing at a cap, so
// each new sample keeps a weight of 1/cap) and that an outlier cannot drag
// far (a sample beyond three deviations is clipped first).
type logStat struct {
	N float64 `json:"n,omitzero"`
	M float64 `json:"m,omitzero"`
	V float64 `json:"v,omitzero"`
}

// How much the statistics remember, in samples.
const (
	durationMemory = 60
	hourMemory     = 40
	smallMemory    = 30
)

func (s *logStat) add(seconds, memory float64) {
	x := math.Log(max(seconds, 1))
	if s.N >= 5 {
		sd := max(math.Sqrt(s.V), 0.1)
		x = min(max(x, s.M-3*sd), s.M+3*sd)
	}
	s.N = min(s.N+1, memory)
	w := 1 / s.N
	d := x - s.M
	s.M += w * d
	s.V = (1 - w) * (s.V + w*d*d)
}

// lognormal is a distribution of durations: the logarithm of the seconds is
// normal with mean Mu and deviation Sigma.
type lognormal struct {
	Mu, Sigma float64
}

// shrink blends what s saw with a prior worth weight samples: with few
// samples the prior holds, with many the data.
func (s logStat) shrink(prior lognormal, weight float64) lognormal {
	n := s.N
	mu := (weight*prior.Mu + n*s.M) / (weight + n)
	v := (weight*prior.Sigma*prior.Sigma + n*s.V) / (weight + n)
	return lognormal{Mu: mu, Sigma: math.Sqrt(v)}
}

// priorFor is a lognormal whose mean is d with a spread typical of service
// times, for before any sample is seen.
func priorFor(d time.Duration, sigma float64) lognormal {
	return lognormal{Mu: math.Log(max(d.Seconds(), 1)) - sigma*sigma/2, Sigma: sigma}
}

func newEstimateStats() *estimateStats {
	return &estimateStats{
		Services: map[string]*serviceStats{},
		NoShows:  map[Kind]*noShowStats{},
		Free:     map[int]time.Time{},
		Counters: map[int]*counterStats{},
	}
}

// entry returns m[k], a new zero value kept there when it is missing.
func entry[K comparable, V any](m map[K]*V, k K) *V {
	v := m[k]
	if v == nil {
		v = new(V)
		m[k] = v
	}
	return v
}

func (st *estimateStats) counter(n int) *counterStats    { return entry(st.Counters, n) }
func (st *estimateStats) service(p string) *serviceStats { return entry(st.Services, p) }
func (st *estimateStats) noShows(k Kind) *noShowStats    { return entry(st.NoShows, k) }

// stats returns the statistics, making them for a state restored from a
// snapshot taken before there were any.
func (s *state) stats() *estimateStats {
	if s.Stats == nil {
		s.Stats = newEstimateStats()
	}
	if s.Stats.Services == nil {
		s.Stats.Services = map[string]*serviceStats{}
	}
	if s.Stats.NoShows == nil {
		s.Stats.NoShows = map[Kind]*noShowStats{}
	}
	if s.Stats.Free == nil {
		s.Stats.Free = map[int]time.Time{}
	}
	if s.Stats.Counters == nil {
		s.Stats.Counters = map[int]*counterStats{}
	}
	return s.Stats
}

// observe learns from ev before it is applied; t is the ticket it is about
// as it was before (nil for a new ticket).
func (s *state) observe(ev Event, t *Ticket) {
	st := s.stats()
	switch ev.Type {
	case DayStarted:
		st.foldCounters(ev.Time, s.zone())
		st.newDay()
	case TicketIssued:
		if ev.Kind == WalkIn {
			st.service(ev.Service).Today[ev.Time.In(s.zone()).Hour()]++
		}
	case Called:
		ns := st.noShows(t.Kind)
		if ev.Attempt <= 1 {
			ns.FirstCalls++
		} else {
			ns.RecallCalls++
		}
		// The call of someone who already waited when the counter became
		// free measures the clerk's pace between clients; of someone who
		// came to a free counter, how soon a free clerk notices. An
		// automatic recall measures neither.
		if free, ok := st.Free[ev.Counter]; ok && ev.Reason != CallAfterNoShow && t.Status == StatusWaiting {
			if !t.Key.After(free) {
				st.Gap.add(ev.Time.Sub(free).Seconds(), smallMemory)
			} else {
				st.Pickup.add(ev.Time.Sub(t.Key).Seconds(), smallMemory)
			}
		}
		delete(st.Free, ev.Counter)
	case NoShow, Missed:
		ns := st.noShows(t.Kind)
		if t.Calls <= 1 {
			ns.FirstMissing++
		} else {
			ns.RecallMissing++
		}
		if !t.CalledAt.IsZero() {
			ns.Cost.add(ev.Time.Sub(t.CalledAt).Seconds(), smallMemory)
		}
		st.Free[ev.Counter] = ev.Time
	case Finished:
		if (t.Status == StatusServing || t.Status == StatusCalled) && !t.CalledAt.IsZero() {
			d := ev.Time.Sub(t.CalledAt).Seconds()
			ss := st.service(t.Service)
			ss.Duration.add(d, durationMemory)
			ss.Hours[t.CalledAt.In(s.zone()).Hour()].add(d, hourMemory)
		}
		if t.Counter != 0 {
			st.Free[t.Counter] = ev.Time
		}
	case Transferred:
		if t.Counter != 0 {
			st.Free[t.Counter] = ev.Time
		}
	case CounterOpened:
		st.Free[ev.Counter] = ev.Time
		c := st.counter(ev.Counter)
		c.Spans = append(c.Spans, openSpan{From: ev.Time})
	case CounterClosed:
		delete(st.Free, ev.Counter)
		if c := st.Counters[ev.Counter]; c != nil && len(c.Spans) > 0 && c.Spans[len(c.Spans)-1].To.IsZero() {
			c.Spans[len(c.Spans)-1].To = ev.Time
		}
	}
}

// foldCounters learns when the counters were staffed on the day that ends
// at end, from the first opening of any counter to the last closing: a
// counter that stayed closed all that time counts as closed. A day when no
// counter opened teaches nothing.
func (st *estimateStats) foldCounters(end time.Time, tz *time.Location) {
	var lo, hi time.Time
	for _, c := range st.Counters {
		for _, s := range c.Spans {
			to := s.To
			if to.IsZero() {
				to = end
			}
			if lo.IsZero() || s.From.Before(lo) {
				lo = s.From
			}
			if to.After(hi) {
				hi = to
			}
		}
	}
	if lo.IsZero() {
		return
	}
	lo = lo.Truncate(quarter)
	if hi.Sub(lo) > 24*time.Hour {
		lo = hi.Add(-24 * time.Hour).Truncate(quarter)
	}
	for _, c := range st.Counters {
		for k := range c.FromOpen {
			c.FromOpen[k] = aged(c.FromOpen[k], 0.9)
			c.OpenToClosed[k] = aged(c.OpenToClosed[k], 0.9)
			c.FromClosed[k] = aged(c.FromClosed[k], 0.9)
			c.ClosedToOpen[k] = aged(c.ClosedToOpen[k], 0.9)
		}
		for t := lo; !t.After(hi); t = t.Add(quarter) {
			k := quarterOf(t, tz)
			was, is := c.openAt(t, end), c.openAt(t.Add(quarter), end)
			if was {
				c.FromOpen[k]++
				if !is {
					c.OpenToClosed[k]++
				}
			} else {
				c.FromClosed[k]++
				if is {
					c.ClosedToOpen[k]++
				}
			}
		}
		c.Days++
		c.Spans = nil
	}
}

// aged is count x times factor, to a thousandth: the counts are kept in
// every snapshot, and a thousandth of a day is more than they can tell.
func aged(x, factor float64) float64 {
	return math.Round(x*factor*1000) / 1000
}

// newDay folds the day that ended into the usual arrivals, if anyone came
// (a closed day would teach that nobody comes), and ages the no-show counts.
func (st *estimateStats) newDay() {
	total := 0.0
	for _, ss := range st.Services {
		for _, n := range ss.Today {
			total += n
		}
	}
	for _, ss := range st.Services {
		if total > 0 {
			ss.Days++
			w := max(1/float64(ss.Days), 0.3)
			for h := range ss.Usual {
				ss.Usual[h] = aged(ss.Usual[h]+w*(ss.Today[h]-ss.Usual[h]), 1)
			}
		}
		ss.Today = [24]float64{}
	}
	for _, ns := range st.NoShows {
		ns.FirstCalls = aged(ns.FirstCalls, 0.5)
		ns.FirstMissing = aged(ns.FirstMissing, 0.5)
		ns.RecallCalls = aged(ns.RecallCalls, 0.5)
		ns.RecallMissing = aged(ns.RecallMissing, 0.5)
	}
	clear(st.Free)
}
