package queue

import (
	"sort"
	"sync"
	"time"
)

// Wait estimates.
//
// The estimate of a ticket is the time until it is first called. The engine
// simulates the location's queue forward from its state now, many times over
// with random service times, no-shows and walk-ins still to come, calling in
// the order the counters really call (state.next: each counter's service
// priority, then the time key; a pending no-show after the counter's next
// client) and reads each ticket's median wait and its 10th and 90th
// percentiles from the runs: Expected, Low and High. What drives the
// simulation is learned from the events only (estimate_stats.go): the
// durations of each service by hour of the day, the walk-ins by hour, the
// no-show rate and cost, the clerks' pause between clients and when each
// counter is usually staffed; the configured Duration of a service is the
// prior until there are samples. Each run also draws the mean durations
// and the day's busyness from what is known of them, so that the range
// holds what the statistics do not know yet. The median is the Expected
// wait: it is the single figure that is off by least on average.
//
// One simulation answers every waiting ticket of a location and a ticket
// taken now of every service. It is cached by the location's seq (so no
// answer outlives an event) and a clock bucket (so a quiet queue still
// moves): thousands of e-ticket viewers asking after each event cost one
// simulation.

// estimateBucket is how long a simulation answers while no event comes.
const estimateBucket = 10 * time.Second

// estimateCache holds the estimates of one state at one seq and clock
// bucket. Readers hold the location's read lock, so several may ask at
// once: the first computes, the others wait for it and share the answer.
type estimateCache struct {
	mu          sync.Mutex
	seq         uint64
	bucket      int64
	table       *estimateTable
	simulations int // how many were run, for tests
}

// estimateTable is the answer of one simulation.
type estimateTable struct {
	waiting map[string][]Estimate // by service: its waiting tickets in calling order (before)
	taken   map[string]Estimate   // by service: a walk-in ticket taken now
}

// estimate is the wait of the ticket of service with ahead people of the
// same service before it: a waiting ticket when there is one with that many
// ahead, else a walk-in ticket taken now. When the simulation cannot say
// (no counter at the location ever takes walk-ins of the service) it is the
// naive rule.
func (e *Engine) estimate(l *location, service string, ahead int) Estimate {
	tab := e.estimates(l, e.opts.Clock.Now())
	if list := tab.waiting[service]; ahead >= 0 && ahead < len(list) {
		return list[ahead]
	}
	if est, ok := tab.taken[service]; ok {
		return est
	}
	d := e.naive(l, service, ahead)
	return Estimate{Expected: d, Low: d, High: d}
}

// estimates returns the table of l at now, from the cache when it holds
// the same seq and clock bucket. The caller holds l.mu for reading.
func (e *Engine) estimates(l *location, now time.Time) *estimateTable {
	c := &l.st.est
	bucket := now.Unix() / int64(estimateBucket/time.Second)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.table != nil && c.seq == l.st.Seq && c.bucket == bucket {
		return c.table
	}
	c.table = e.simulate(l, now, bucket)
	c.seq, c.bucket = l.st.Seq, bucket
	c.simulations++
	return c.table
}

// NaiveEstimate is the rule of thumb of older queue systems, kept to
// compare against: ahead people times the service's mean duration (today's
// once five clients were finished, else the configured one), shared by the
// counters that serve the service and are open now (all that serve it when
// none is).
func (e *Engine) NaiveEstimate(loc, service string, ahead int) time.Duration {
	l, ok := e.locs[loc]
	if !ok || e.services[service] == nil {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return e.naive(l, service, ahead)
}

func (e *Engine) naive(l *location, service string, ahead int) time.Duration {
	svc := e.services[service]
	if svc == nil {
		return 0
	}
	d := svc.Duration
	if st := l.st.Durations[service]; st.Count >= 5 {
		d = st.Total / time.Duration(st.Count)
	}
	open, all := 0, 0
	for n, c := range l.counters {
		if _, ok := c.Serves(service); !ok {
			continue
		}
		all++
		if cs := l.st.Counters[n]; cs != nil && cs.Open {
			open++
		}
	}
	if open == 0 {
		open = all
	}
	if open == 0 {
		return 0
	}
	return time.Duration(ahead) * d / time.Duration(open)
}

// counterNumbers returns the numbers of l's counters in order, so that a
// simulation does not depend on the order of a map.
func (l *location) counterNumbers() []int {
	nums := make([]int, 0, len(l.counters))
	for n := range l.counters {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// View returns what can be shown of location loc's queue now.
func (e *Engine) View(loc string) (View, error) {
	l, err := e.location(loc)
	if err != nil {
		return View{}, err
	}
	now := e.opts.Clock.Now().In(l.cfg.TZ)
	l.mu.RLock()
	defer l.mu.RUnlock()
	st := l.st
	v := View{
		Location: l.cfg.ID, Name: l.cfg.Name, Seq: st.Seq, Day: st.Day,
		Open: l.cfg.openAt(now), Hours: l.cfg.Hours[now.Weekday()].String(), Voice: l.cfg.Voice,
		Services: []ServiceView{}, Counters: []CounterView{}, Waiting: []TicketView{},
		Recent: append([]CallView{}, st.Recent...), Missed: []TicketView{},
	}
	waiting := map[string]int{}
	for _, t := range st.waiting() {
		waiting[t.Service]++
		v.Waiting = append(v.Waiting, ticketView(t))
	}
	for _, s := range e.branch.Services {
		offered := false
		for _, c := range l.counters {
			if _, ok := c.Serves(s.Prefix); ok {
				offered = true
			}
		}
		if offered {
			v.Services = append(v.Services, ServiceView{
				Prefix: s.Prefix, NamePL: s.NamePL, NameEN: s.NameEN, Bookable: s.Bookable,
				Waiting: waiting[s.Prefix], Estimate: e.estimate(l, s.Prefix, waiting[s.Prefix]),
			})
		}
	}
	nums := make([]int, 0, len(l.counters))
	for n := range l.counters {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		cv := CounterView{Number: n, Services: l.counters[n].Services}
		if cs := st.Counters[n]; cs != nil {
			cv.Open = cs.Open
			if t := st.Tickets[cs.Current]; t != nil {
				tv := ticketView(t)
				cv.Current = &tv
			}
			for _, id := range cs.Pending {
				cv.Pending = append(cv.Pending, st.Tickets[id].Number)
			}
		}
		v.Counters = append(v.Counters, cv)
	}
	for _, t := range st.Tickets {
		if t.Status == StatusMissed && t.Day == st.Day {
			v.Missed = append(v.Missed, ticketView(t))
		}
	}
	sort.Slice(v.Missed, func(i, j int) bool { return v.Missed[i].Number < v.Missed[j].Number })
	return v, nil
}

func ticketView(t *Ticket) TicketView {
	return TicketView{Number: t.Number, Service: t.Service, Kind: t.Kind, Status: t.Status, Key: t.Key, Counter: t.Counter, Calls: t.Calls}
}

// TicketStatus is what an e-ticket shows of its ticket.
type TicketStatus struct {
	Ticket   Ticket
	Ahead    int
	Estimate Estimate
}

// TicketByToken finds the ticket whose e-ticket token is token.
func (e *Engine) TicketByToken(token string) (TicketStatus, bool) {
	if token == "" {
		return TicketStatus{}, false
	}
	for _, id := range e.order {
		l := e.locs[id]
		l.mu.RLock()
		t := l.st.Tickets[l.st.Tokens[token]]
		if t == nil {
			l.mu.RUnlock()
			continue
		}
		ts := TicketStatus{Ticket: *t}
		if t.Status == StatusWaiting {
			ts.Ahead = l.st.ahead(t)
			ts.Estimate = e.estimate(l, t.Service, ts.Ahead)
		}
		l.mu.RUnlock()
		return ts, true
	}
	return TicketStatus{}, false
}
