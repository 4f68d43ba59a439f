package queue

import (
	"sort"
	"sync"
	"sync/atomic"
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

	// latest is the newest table whatever its seq, for Issue: see
	// issueEstimate.
	latest atomic.Pointer[estimateTable]
}

// estimateTable is the answer of one simulation.
type estimateTable struct {
	waiting map[string][]Estimate // by service: its waiting tickets in calling order (before)
	taken   map[string]Estimate   // by service: a walk-in ticket taken now
	at      time.Time             // when it was simulated
	seq     uint64                // of the state it simulated
	bucket  int64                 // the clock bucket of at

	waitingTotal int // tickets waiting, all services
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
	// Thousands of e-ticket streams ask at once after an event: those that
	// find the table ready do not queue on the mutex.
	if tab := c.latest.Load(); tab != nil && tab.seq == l.st.Seq && tab.bucket == bucket {
		return tab
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.table != nil && c.seq == l.st.Seq && c.bucket == bucket {
		return c.table
	}
	c.table = e.simulate(l, now, bucket)
	c.table.at, c.table.seq, c.table.bucket = now, l.st.Seq, bucket
	c.seq, c.bucket = l.st.Seq, bucket
	c.simulations++
	c.latest.Store(c.table)
	return c.table
}

// issueEstimate is the estimate of a ticket just issued, with ahead people
// of service before it. A simulation takes milliseconds with a long queue,
// too long for the path of a button press that must print at once. So
// with a long queue it reads the newest table when only tickets were issued
// since it was simulated, in the same clock bucket (WarmEstimates keeps one
// fresh after every event): the wait of the last ticket of the service
// then, plus the naive rule for the places behind it, which is what one
// more place in a long queue costs. A short queue is simulated afresh: it
// is cheap, and there a free counter or two decide the wait.
func (e *Engine) issueEstimate(l *location, service string, ahead int, now time.Time) Estimate {
	tab := l.st.est.latest.Load()
	if tab == nil || tab.waitingTotal < issueSimulateBelow || tab.seq < l.st.changed ||
		now.Sub(tab.at) >= estimateBucket || now.Before(tab.at) {
		return e.estimate(l, service, ahead)
	}
	list := tab.waiting[service]
	switch {
	case ahead < len(list):
		return list[ahead]
	case len(list) == 0:
		return e.estimate(l, service, ahead)
	}
	est := list[len(list)-1]
	d := e.naive(l, service, ahead-len(list)+1)
	est.Low, est.Expected, est.High = est.Low+d, est.Expected+d, est.High+d
	return est
}

// issueSimulateBelow is how many waiting tickets a location may have for
// a ticket issued there to be simulated afresh (about a millisecond).
const issueSimulateBelow = 40

// WarmEstimates simulates location loc's queue now unless the cache holds
// its current state, so that the next ticket issued (and the next
// e-ticket viewer) finds a fresh table. The controller calls it after each
// event, outside any request. It holds the location's read lock only to
// build the model, not while the simulation runs: a command waiting for
// the write lock is not held up for milliseconds.
func (e *Engine) WarmEstimates(loc string) {
	l, ok := e.locs[loc]
	if !ok {
		return
	}
	now := e.opts.Clock.Now()
	bucket := now.Unix() / int64(estimateBucket/time.Second)
	l.mu.RLock()
	c, seq := &l.st.est, l.st.Seq
	c.mu.Lock()
	fresh := c.table != nil && c.seq == seq && c.bucket == bucket
	c.mu.Unlock()
	if fresh {
		l.mu.RUnlock()
		return
	}
	m, rng := e.prepare(l, now, bucket)
	l.mu.RUnlock()

	tab := m.table(rng)
	tab.at, tab.seq, tab.bucket = now, seq, bucket
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.table == nil || c.seq < seq || c.seq == seq && c.bucket < bucket {
		c.table, c.seq, c.bucket = tab, seq, bucket
		c.simulations++
	}
	if old := c.latest.Load(); old == nil || old.seq <= seq {
		c.latest.Store(tab)
	}
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
			ts.Ahead = l.st.aheadOf(t)
			ts.Estimate = e.estimate(l, t.Service, ts.Ahead)
		}
		l.mu.RUnlock()
		return ts, true
	}
	return TicketStatus{}, false
}
