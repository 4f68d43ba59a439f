package queue

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// The simulation behind the estimates (see estimate.go). Times inside it
// are seconds after now, as float64.

const (
	simRuns    = 64
	simHorizon = 12 * 3600.0 // a ticket not called by then is reported at this wait

	kindWalkIn = 0
	kindBooked = 1

	busyNo      = 0
	busyCalled  = 1
	busyServing = 2
)

// Priors: what the estimator assumes before the events say otherwise, and
// how many samples each is worth. They are general knowledge of customer
// service halls, not figures of any one office.
var (
	priorDurationSigma = 0.5 // spread of service times (log scale)
	priorDurationN     = 3.0
	priorHourN         = 8.0 // an hour's own samples against the service's
	priorNoShowFirst   = [2]float64{0.05, 0.10}
	priorNoShowFirstN  = [2]float64{20, 10}
	priorNoShowRecall  = 0.5 // a client who did not come at the first call often does not at the next
	priorNoShowRecallN = 4.0
	priorNoShowCost    = lognormal{Mu: math.Log(60), Sigma: 0.4}
	priorGap           = priorFor(5*time.Second, 1)
	priorPickup        = priorFor(15*time.Second, 1)
	priorSmallN        = 3.0
)

// simModel is the queue of one location now, and what the statistics say
// about its future.
type simModel struct {
	start    float64 // counters call from then: now, or the opening time
	close    float64 // walk-ins come until then
	hour0    int     // the location's hour of now
	into0    float64 // seconds of that hour gone by now
	maxCalls int32
	svcs     []simService
	counters []simCounter
	noShow   [2]noShowModel // by kind
	gap      lognormal      // a clerk's pause between clients
	pickup   lognormal      // how soon a free clerk calls a client who comes
	outs     int            // real tickets whose first call is looked for

	busyUnsure float64 // deviation of the log of the walk-in rates

	nextQuarter float64 // the first quarter hour after now
	quarter0    int     // its index, 0-95
}

type simService struct {
	prefix string
	dur    [24]lognormal  // by the location's hour of the call
	rate   [24]float64    // walk-ins per second, by the location's hour
	lists  [2][]simTicket // by kind: waiting (and, for booked, due later today) in calling order
	outs   []int32        // result indices of its waiting tickets in the order of before
	unsure float64        // deviation of the log of its mean duration: how little is known of it
	ghost  bool           // a counter of the model takes walk-ins of it: a ticket taken now has a wait
}

type simTicket struct {
	key   float64 // time key; a booked visit enters the queue then
	out   int32   // index of its result; -1 for none
	calls int32   // calls so far (a no-show returned by a closed counter has some)
}

type simCounter struct {
	prio    []int8  // by service index; -1 when not served
	order   []int32 // service indices by priority
	walkIns bool
	booked  bool
	// what it does now
	busy    int8    // busyNo, busyCalled or busyServing
	elapsed float64 // since the current client was called
	curSvc  int32
	curKind int8
	curCall int32
	pending []simPending
	// when it is staffed
	present  bool      // now
	staffing *staffing // nil: it stays as it is
}

type simPending struct {
	svc   int32
	kind  int8
	calls int32
}

type noShowModel struct {
	first, recall float64
	cost          lognormal
}

// simulate builds the model of l at now and runs it: the table of every
// waiting ticket's estimate, and of a walk-in ticket taken now.
func (e *Engine) simulate(l *location, now time.Time, bucket int64) *estimateTable {
	m, rng := e.prepare(l, now, bucket)
	return m.table(rng)
}

// prepare builds the model of l at now, with the random source of its seq
// and bucket (the same state gives the same answer). It reads l's state:
// the caller holds l.mu. The model holds copies only, so that table may run
// without the lock.
func (e *Engine) prepare(l *location, now time.Time, bucket int64) (*simModel, *rand.Rand) {
	m := e.model(l, now)
	h := fnv.New64a()
	h.Write([]byte(l.cfg.ID))
	return m, rand.New(rand.NewPCG(h.Sum64()^l.st.Seq, uint64(bucket)))
}

// table runs the model: the estimates of every waiting ticket and of a
// walk-in ticket taken now.
func (m *simModel) table(rng *rand.Rand) *estimateTable {
	outs, ghosts := m.run(rng, simRuns)

	vals := make([]float64, simRuns)
	quantiles := func(src []float64) Estimate {
		copy(vals, src)
		sort.Float64s(vals)
		return Estimate{
			Low:      seconds(quantile(vals, 0.1)),
			Expected: seconds(quantile(vals, 0.5)),
			High:     seconds(quantile(vals, 0.9)),
		}
	}
	tab := &estimateTable{waiting: map[string][]Estimate{}, taken: map[string]Estimate{}}
	for si := range m.svcs {
		s := &m.svcs[si]
		if len(s.outs) > 0 {
			list := make([]Estimate, len(s.outs))
			for i, out := range s.outs {
				list[i] = quantiles(outs[int(out)*simRuns : (int(out)+1)*simRuns])
			}
			tab.waiting[s.prefix] = list
			tab.waitingTotal += len(list)
		}
		if s.ghost {
			tab.taken[s.prefix] = quantiles(ghosts[si*simRuns : (si+1)*simRuns])
		}
	}
	return tab
}

// quantile of sorted vals, interpolated. The position is p(n+1): a new
// draw falls between the quantiles at p and 1-p of n draws with chance
// 1-2p, where the more usual p(n-1) gives a narrower range (77% instead
// of 80% for n = 64).
func quantile(vals []float64, p float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	x := min(max(p*float64(len(vals)+1)-1, 0), float64(len(vals)-1))
	i := int(x)
	if i+1 >= len(vals) {
		return vals[len(vals)-1]
	}
	return vals[i] + (x-float64(i))*(vals[i+1]-vals[i])
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(max(s, 0))) * time.Second
}

func kindIndex(k Kind) int8 {
	if k == Booked {
		return kindBooked
	}
	return kindWalkIn
}

// model reads l's state and statistics at now. The caller holds l.mu for
// reading, so nothing here may change the state.
func (e *Engine) model(l *location, now time.Time) *simModel {
	st := l.st
	stats := st.Stats
	if stats == nil {
		stats = &estimateStats{}
	}
	m := &simModel{maxCalls: int32(e.branch.Rules.MaxCalls)}
	local := now.In(l.cfg.TZ)
	m.hour0 = local.Hour()
	m.into0 = float64(local.Minute()*60+local.Second()) + float64(local.Nanosecond())/1e9

	y, mo, d := local.Date()
	midnight := time.Date(y, mo, d, 0, 0, 0, 0, l.cfg.TZ)
	today := local.Format(time.DateOnly)
	hours := l.cfg.Hours[local.Weekday()]
	var open time.Time
	if !hours.Closed() {
		open = midnight.Add(hours.Open)
		if now.Before(open) {
			m.start = open.Sub(now).Seconds()
		}
		if end := midnight.Add(hours.Close); now.Before(end) {
			m.close = end.Sub(now).Seconds()
		}
	}

	nums := l.counterNumbers()
	idx := map[string]int32{}
	for i := range e.branch.Services {
		svc := &e.branch.Services[i]
		offered := false
		for _, n := range nums {
			if _, ok := l.counters[n].Serves(svc.Prefix); ok {
				offered = true
				break
			}
		}
		if !offered {
			continue
		}
		idx[svc.Prefix] = int32(len(m.svcs))
		s := simService{prefix: svc.Prefix}
		ss := stats.Services[svc.Prefix]
		if ss == nil {
			ss = &serviceStats{}
		}
		base := ss.Duration.shrink(priorFor(svc.Duration, priorDurationSigma), priorDurationN)
		for h := range s.dur {
			s.dur[h] = ss.Hours[h].shrink(base, priorHourN)
		}
		s.unsure = base.Sigma / math.Sqrt(priorDurationN+ss.Duration.N)
		m.svcs = append(m.svcs, s)
	}
	m.arrivals(stats, now, midnight, open)

	for _, t := range st.waiting() {
		si, ok := idx[t.Service]
		if !ok {
			continue
		}
		s := &m.svcs[si]
		out := int32(m.outs)
		m.outs++
		s.outs = append(s.outs, out)
		k := kindIndex(t.Kind)
		s.lists[k] = append(s.lists[k], simTicket{key: t.Key.Sub(now).Seconds(), out: out, calls: int32(t.Calls)})
	}
	// Booked visits of today whose time has not come enter the queue at
	// their time; no estimate is asked of them, but they take their place.
	var due []*Ticket
	for _, t := range st.Tickets {
		if t.Status == StatusBooked && t.Day == today {
			due = append(due, t)
		}
	}
	sort.Slice(due, func(i, j int) bool { return before(due[i], due[j]) })
	for _, t := range due {
		if si, ok := idx[t.Service]; ok {
			s := &m.svcs[si]
			s.lists[kindBooked] = append(s.lists[kindBooked], simTicket{key: t.Key.Sub(now).Seconds(), out: -1, calls: int32(t.Calls)})
		}
	}
	for si := range m.svcs {
		b := m.svcs[si].lists[kindBooked]
		sort.SliceStable(b, func(i, j int) bool { return b[i].key < b[j].key })
	}

	// The counters open now, as they are. Counters with a history of
	// staffing open and close in each run as they usually do at these
	// hours. For any service and kind that no open counter takes, the
	// counters with no history that would take it are assumed to open now
	// (or at the opening time), serving only what lacks a counter so that
	// they do not shorten the other services' waits.
	have := make([][2]bool, len(m.svcs))
	for _, n := range nums {
		cs := st.Counters[n]
		open := cs != nil && cs.Open
		hist := stats.Counters[n]
		if !open && (hist == nil || hist.Days == 0) {
			continue
		}
		cfg := l.counters[n]
		c := newSimCounter(cfg, idx, len(m.svcs), nil)
		c.present = open
		if hist != nil && hist.Days > 0 {
			c.staffing = staffingOf(hist)
		}
		if open {
			if t := st.Tickets[cs.Current]; t != nil && (t.Status == StatusCalled || t.Status == StatusServing) {
				if si, ok := idx[t.Service]; ok {
					c.busy = busyCalled
					if t.Status == StatusServing {
						c.busy = busyServing
					}
					c.elapsed = max(now.Sub(t.CalledAt).Seconds(), 0)
					c.curSvc, c.curKind, c.curCall = si, kindIndex(t.Kind), int32(t.Calls)
				}
			}
			for _, id := range cs.Pending {
				if t := st.Tickets[id]; t != nil {
					if si, ok := idx[t.Service]; ok {
						c.pending = append(c.pending, simPending{svc: si, kind: kindIndex(t.Kind), calls: int32(t.Calls)})
					}
				}
			}
			for _, si := range c.order {
				if c.walkIns {
					have[si][kindWalkIn] = true
				}
				if c.booked {
					have[si][kindBooked] = true
				}
			}
		}
		m.counters = append(m.counters, c)
	}
	need := func(si int32, k int) bool {
		return !have[si][k] && (k == kindWalkIn || len(m.svcs[si].lists[k]) > 0)
	}
	for _, n := range nums {
		if cs := st.Counters[n]; cs != nil && cs.Open {
			continue
		}
		if hist := stats.Counters[n]; hist != nil && hist.Days > 0 {
			continue
		}
		cfg := l.counters[n]
		only := map[int32]bool{}
		for _, p := range cfg.Services {
			si, ok := idx[p]
			if ok && (need(si, kindWalkIn) && cfg.Takes(WalkIn) || need(si, kindBooked) && cfg.Takes(Booked)) {
				only[si] = true
			}
		}
		if len(only) > 0 {
			c := newSimCounter(cfg, idx, len(m.svcs), only)
			c.present = true
			m.counters = append(m.counters, c)
		}
	}
	for _, c := range m.counters {
		if c.walkIns {
			for _, si := range c.order {
				m.svcs[si].ghost = true
			}
		}
	}
	m.nextQuarter = 900 - math.Mod(m.into0, 900)
	m.quarter0 = (m.hour0*4 + int(math.Round((m.into0+m.nextQuarter)/900))) % 96

	for k, kind := range [2]Kind{WalkIn, Booked} {
		ns := stats.NoShows[kind]
		if ns == nil {
			ns = &noShowStats{}
		}
		m.noShow[k] = noShowModel{
			first:  min((ns.FirstMissing+priorNoShowFirst[k]*priorNoShowFirstN[k])/(ns.FirstCalls+priorNoShowFirstN[k]), 0.95),
			recall: min((ns.RecallMissing+priorNoShowRecall*priorNoShowRecallN)/(ns.RecallCalls+priorNoShowRecallN), 0.95),
			cost:   ns.Cost.shrink(priorNoShowCost, priorSmallN),
		}
	}
	m.gap = stats.Gap.shrink(priorGap, priorSmallN)
	m.pickup = stats.Pickup.shrink(priorPickup, priorSmallN)
	return m
}

// staffing is when a counter opens and closes: by quarter hour, the
// chance that it is closed a quarter later if open now, and open if closed.
// With little history a counter stays as it is.
type staffing struct {
	close, open [96]float64
}

func staffingOf(c *counterStats) *staffing {
	s := &staffing{}
	for k := range s.close {
		s.close[k] = c.OpenToClosed[k] / (c.FromOpen[k] + 1)
		s.open[k] = c.ClosedToOpen[k] / (c.FromClosed[k] + 1)
	}
	return s
}

// newSimCounter is counter cfg in the model, serving only the services in
// only when that is not nil.
func newSimCounter(cfg Counter, idx map[string]int32, nsvc int, only map[int32]bool) simCounter {
	c := simCounter{prio: make([]int8, nsvc), walkIns: cfg.Takes(WalkIn), booked: cfg.Takes(Booked)}
	for i := range c.prio {
		c.prio[i] = -1
	}
	for _, p := range cfg.Services {
		si, ok := idx[p]
		if !ok || only != nil && !only[si] {
			continue
		}
		prio, _ := cfg.Serves(p)
		c.prio[si] = int8(min(prio, 100))
		c.order = append(c.order, si)
	}
	return c
}

// arrivals sets the expected walk-ins per second of each service by hour:
// the usual day's profile scaled by how busy today has been so far, or on
// the first day, today's rate so far.
func (m *simModel) arrivals(stats *estimateStats, now, midnight, open time.Time) {
	// In the order of the services, so that the sums, and so the
	// estimates, do not depend on the order of a map.
	var seen, expected float64
	for si := range m.svcs {
		ss := stats.Services[m.svcs[si].prefix]
		if ss == nil {
			continue
		}
		for h := range ss.Today {
			seen += ss.Today[h]
		}
		for t := midnight; t.Before(now); {
			end := t.Truncate(time.Hour).Add(time.Hour)
			if end.After(now) {
				end = now
			}
			expected += ss.Usual[t.In(midnight.Location()).Hour()] * end.Sub(t).Hours()
			t = end
		}
	}
	busy := min(max((seen+10)/(expected+10), 0.5), 2)
	// How busy the rest of the day will be is known as well as a Poisson
	// count of the walk-ins seen so far tells it.
	m.busyUnsure = 1 / math.Sqrt(seen+10)
	for si := range m.svcs {
		s := &m.svcs[si]
		ss := stats.Services[s.prefix]
		if ss == nil {
			continue
		}
		if ss.Days > 0 {
			for h := range s.rate {
				s.rate[h] = ss.Usual[h] * busy / 3600
			}
			continue
		}
		if open.IsZero() || now.Sub(open) < 30*time.Minute {
			continue
		}
		today := 0.0
		for _, n := range ss.Today {
			today += n
		}
		for h := range s.rate {
			s.rate[h] = today / now.Sub(open).Seconds()
		}
	}
}

// hourAt is the location's hour at t.
func (m *simModel) hourAt(t float64) int {
	h := m.hour0 + int(math.Floor((m.into0+t)/3600))
	return ((h % 24) + 24) % 24
}

// nextArrival draws the next walk-in of service s after from, or +Inf when
// none comes before the closing time. It walks whole hours by their
// index, so that rounding can never stall it at an hour's edge.
func (m *simModel) nextArrival(rng *rand.Rand, s int, from, busy float64) float64 {
	rate := &m.svcs[s].rate
	need := rng.ExpFloat64() / busy
	limit := min(m.close, simHorizon)
	k := int(math.Floor((m.into0 + from) / 3600))
	for t := from; t < limit; k++ {
		end := min(float64(k+1)*3600-m.into0, limit)
		if end <= t {
			continue
		}
		r := rate[((m.hour0+k)%24+24)%24]
		if r > 0 && need <= r*(end-t) {
			return t + need/r
		}
		need -= r * (end - t)
		t = end
	}
	return math.Inf(1)
}

// simRun is one run of the model.
type simRun struct {
	m       *simModel
	rng     *rand.Rand
	cursor  [][2]int
	arrNext []float64
	arrived [][]float64 // keys of simulated walk-ins not called yet
	arrHead []int
	free    []float64 // when each counter next looks for a client
	served  []bool    // its last client was served: a pending no-show comes next
	idle    []bool    // it had nobody to call since it was last free
	gone    []bool    // it has nothing more to do
	pending [][]simPending
	staff   []staffed
	scale   []float64 // by service: its durations in this run, relative to the estimate
	busy    float64   // the walk-in rates in this run, relative to the estimate
	called  []float64 // first call of each result
	ghost   []float64 // call of a ticket taken now, by service; -1 while unknown
	left    int
}

// staffed is whether a counter is staffed in a run, up to a quarter hour.
type staffed struct {
	open    bool
	next    float64 // the next quarter hour to decide
	quarter int     // its index
	missed  int     // quarters it was due to be closed while its clerk was busy
}

// run plays the model runs times; it returns the first call of each result
// (runs values per result, result after result) and of a walk-in ticket
// taken now of each service.
func (m *simModel) run(rng *rand.Rand, runs int) (outs, ghosts []float64) {
	outs = make([]float64, m.outs*runs)
	ghosts = make([]float64, len(m.svcs)*runs)
	nc := len(m.counters)
	r := &simRun{
		m: m, rng: rng,
		cursor:  make([][2]int, len(m.svcs)),
		arrNext: make([]float64, len(m.svcs)),
		arrived: make([][]float64, len(m.svcs)),
		arrHead: make([]int, len(m.svcs)),
		free:    make([]float64, nc),
		served:  make([]bool, nc),
		idle:    make([]bool, nc),
		gone:    make([]bool, nc),
		pending: make([][]simPending, nc),
		staff:   make([]staffed, nc),
		scale:   make([]float64, len(m.svcs)),
		called:  make([]float64, m.outs),
		ghost:   make([]float64, len(m.svcs)),
	}
	for k := range runs {
		r.reset()
		r.play()
		for j, v := range r.called {
			outs[j*runs+k] = v
		}
		for s, v := range r.ghost {
			if v < 0 {
				v = simHorizon
			}
			ghosts[s*runs+k] = v
		}
	}
	return outs, ghosts
}

func (r *simRun) reset() {
	m := r.m
	r.left = m.outs
	r.busy = math.Exp(m.busyUnsure * r.rng.NormFloat64())
	for s := range m.svcs {
		r.cursor[s] = [2]int{}
		r.arrived[s] = r.arrived[s][:0]
		r.arrHead[s] = 0
		// The mean durations are estimates: each run draws them from
		// what is known, so that the range of a long wait, which adds
		// many durations, also holds what is not.
		r.scale[s] = math.Exp(m.svcs[s].unsure * r.rng.NormFloat64())
		r.arrNext[s] = m.nextArrival(r.rng, s, m.start, r.busy)
		r.ghost[s] = simHorizon
		if m.svcs[s].ghost {
			r.ghost[s] = -1
			r.left++
		}
	}
	for j := range r.called {
		r.called[j] = simHorizon
	}
	for i := range m.counters {
		c := &m.counters[i]
		r.pending[i] = append(r.pending[i][:0], c.pending...)
		r.served[i], r.gone[i], r.idle[i] = false, false, true
		r.staff[i] = staffed{open: c.present, next: m.nextQuarter, quarter: m.quarter0}
		if !c.present {
			r.free[i] = r.opening(i, m.start)
			r.gone[i] = r.free[i] >= simHorizon
			continue
		}
		r.free[i] = m.start + r.sample(m.pickup)
		switch c.busy {
		case busyServing:
			r.free[i] = max(m.start, r.residual(m.svcs[c.curSvc].dur[m.hourAt(-c.elapsed)], c.elapsed)) + r.sample(m.gap)
			r.served[i], r.idle[i] = true, false
		case busyCalled:
			// Still called after elapsed: a no-show would have been
			// pressed by now with the probability of its cost, so the
			// longer the wait, the likelier the client came and is served
			// (clerks do not always press "came").
			ns := m.noShow[c.curKind]
			q := ns.first
			if c.curCall > 1 {
				q = ns.recall
			}
			stay := q * survival(ns.cost, c.elapsed)
			r.idle[i] = false
			if r.rng.Float64()*(stay+1-q) < stay {
				r.free[i] = max(m.start, r.residual(ns.cost, c.elapsed)) + r.sample(m.gap)
				if c.curCall < m.maxCalls {
					r.pending[i] = append(r.pending[i], simPending{svc: c.curSvc, kind: c.curKind, calls: c.curCall})
				}
			} else {
				r.free[i] = max(m.start, r.residual(m.svcs[c.curSvc].dur[m.hourAt(-c.elapsed)], c.elapsed)) + r.sample(m.gap)
				r.served[i] = true
			}
		}
	}
}

// staffUntil decides counter i's staffing up to t. Quarters when it was due
// to close while its clerk was busy are kept as missed: the clerk takes
// the break after the client. After the closing time nobody leaves while
// clients wait, so the history no longer applies.
func (r *simRun) staffUntil(i int, t float64) {
	st := &r.staff[i]
	sf := r.m.counters[i].staffing
	limit := min(t, r.m.close, simHorizon)
	for st.next <= limit {
		from := (st.quarter + 95) % 96
		if st.open {
			if r.rng.Float64() < sf.close[from] {
				st.open = false
			}
		} else if r.rng.Float64() < sf.open[from] {
			st.open = true
		}
		if !st.open && !r.idle[i] {
			st.missed++
		}
		st.next += 900
		st.quarter = (st.quarter + 1) % 96
	}
}

// opening is when closed counter i opens after t, or +Inf.
func (r *simRun) opening(i int, t float64) float64 {
	st := &r.staff[i]
	if r.m.counters[i].staffing == nil {
		if st.open {
			return t
		}
		return math.Inf(1)
	}
	for !st.open {
		if st.next > min(r.m.close, simHorizon) {
			return math.Inf(1)
		}
		at := st.next
		r.staffUntil(i, at)
		if st.open {
			// It opened at some moment of the quarter before.
			return max(at-900*r.rng.Float64(), t)
		}
	}
	return t
}

// play runs the counters forward, always the one free first, until every
// result is known or nothing more can happen.
func (r *simRun) play() {
	m := r.m
	for r.left > 0 {
		i := -1
		for j := range r.free {
			if !r.gone[j] && (i < 0 || r.free[j] < r.free[i]) {
				i = j
			}
		}
		if i < 0 || r.free[i] >= simHorizon {
			return
		}
		now := r.free[i]
		c := &m.counters[i]
		if c.staffing != nil && now < m.close {
			r.staffUntil(i, now)
			st := &r.staff[i]
			if !st.open || st.missed > 0 {
				// A break or the end of a shift. Closing hands the
				// counter's no-shows back to the queue; they seldom come,
				// so they are left out.
				back := now + 900*float64(st.missed)
				if !st.open {
					back = r.opening(i, now)
				}
				st.missed = 0
				r.pending[i] = r.pending[i][:0]
				r.served[i], r.idle[i] = false, true
				r.free[i] = back
				r.gone[i] = back >= simHorizon
				continue
			}
		}
		// The seed's rule: a no-show is called again when the counter's
		// next client is finished.
		if r.served[i] && len(r.pending[i]) > 0 {
			r.recall(i, now)
			continue
		}
		si, src, prio, key := r.pick(c, now)
		if c.walkIns {
			// A ticket taken now (time key 0) would be called here if it
			// beat what the counter calls: nothing else changes until then.
			for _, g := range c.order {
				if r.ghost[g] < 0 {
					p := c.prio[g]
					if si < 0 || p < prio || p == prio && key > 0 {
						r.ghost[g] = now
						r.left--
					}
				}
			}
		}
		if si < 0 {
			if len(r.pending[i]) > 0 {
				r.recall(i, now)
				continue
			}
			next := r.nextAvailable(c)
			r.served[i], r.idle[i] = false, true
			r.free[i] = next + r.sample(m.pickup)
			if next >= simHorizon {
				r.gone[i] = true
			}
			continue
		}
		var calls int32
		switch src {
		case srcWalkIn, srcBooked:
			k := kindWalkIn
			if src == srcBooked {
				k = kindBooked
			}
			t := m.svcs[si].lists[k][r.cursor[si][k]]
			r.cursor[si][k]++
			calls = t.calls
			if t.out >= 0 {
				r.called[t.out] = now
				r.left--
			}
		case srcArrived:
			r.arrHead[si]++
		}
		kind := int8(kindWalkIn)
		if src == srcBooked {
			kind = kindBooked
		}
		r.call(i, now, si, kind, calls)
	}
}

// Where a counter's next client comes from.
const (
	srcWalkIn = iota
	srcBooked
	srcArrived
)

// pick finds the client counter c calls at now, as state.next does: the
// highest priority service with anyone waiting, the oldest time key first.
// si is -1 when nobody waits for it.
func (r *simRun) pick(c *simCounter, now float64) (si int32, src int, prio int8, key float64) {
	si, prio, key = -1, math.MaxInt8, math.Inf(1)
	better := func(p int8, k float64) bool { return p < prio || p == prio && k < key }
	for _, s := range c.order {
		p := c.prio[s]
		if p > prio {
			break
		}
		sv := &r.m.svcs[s]
		if c.walkIns {
			if cur := r.cursor[s][kindWalkIn]; cur < len(sv.lists[kindWalkIn]) {
				if k := sv.lists[kindWalkIn][cur].key; better(p, k) {
					si, src, prio, key = s, srcWalkIn, p, k
				}
			} else {
				r.advance(int(s), now)
				if h := r.arrHead[s]; h < len(r.arrived[s]) {
					if k := r.arrived[s][h]; better(p, k) {
						si, src, prio, key = s, srcArrived, p, k
					}
				}
			}
		}
		if c.booked {
			if cur := r.cursor[s][kindBooked]; cur < len(sv.lists[kindBooked]) {
				if k := sv.lists[kindBooked][cur].key; k <= now && better(p, k) {
					si, src, prio, key = s, srcBooked, p, k
				}
			}
		}
	}
	return si, src, prio, key
}

// advance lets the simulated walk-ins of service s that came by now in.
func (r *simRun) advance(s int, now float64) {
	for r.arrNext[s] <= now {
		r.arrived[s] = append(r.arrived[s], r.arrNext[s])
		r.arrNext[s] = r.m.nextArrival(r.rng, s, r.arrNext[s], r.busy)
	}
}

// nextAvailable is when an idle counter c next has someone to call: a
// booked visit entering the queue or a walk-in coming.
func (r *simRun) nextAvailable(c *simCounter) float64 {
	next := math.Inf(1)
	for _, s := range c.order {
		if c.walkIns {
			next = min(next, r.arrNext[s])
		}
		if cur := r.cursor[s][kindBooked]; c.booked && cur < len(r.m.svcs[s].lists[kindBooked]) {
			next = min(next, r.m.svcs[s].lists[kindBooked][cur].key)
		}
	}
	return next
}

// recall calls counter i's oldest pending no-show again.
func (r *simRun) recall(i int, now float64) {
	p := r.pending[i][0]
	copy(r.pending[i], r.pending[i][1:])
	r.pending[i] = r.pending[i][:len(r.pending[i])-1]
	r.call(i, now, p.svc, p.kind, p.calls)
}

// call plays one call at counter i: the client comes and is served, or
// does not and waits among the counter's pending no-shows (until the last
// call, after which the ticket is missed).
func (r *simRun) call(i int, now float64, si int32, kind int8, calls int32) {
	m := r.m
	ns := m.noShow[kind]
	q := ns.first
	if calls > 0 {
		q = ns.recall
	}
	r.idle[i] = false
	if r.rng.Float64() < q {
		r.free[i] = now + r.sample(ns.cost) + r.sample(m.gap)
		r.served[i] = false
		if calls+1 < m.maxCalls {
			r.pending[i] = append(r.pending[i], simPending{svc: si, kind: kind, calls: calls + 1})
		}
		return
	}
	r.free[i] = now + r.scale[si]*r.sample(m.svcs[si].dur[m.hourAt(now)]) + r.sample(m.gap)
	r.served[i] = true
}

func (r *simRun) sample(d lognormal) float64 {
	return math.Exp(d.Mu + d.Sigma*r.rng.NormFloat64())
}

// residual draws how much is left of a duration of d that has lasted
// elapsed seconds already.
func (r *simRun) residual(d lognormal, elapsed float64) float64 {
	if elapsed <= 0 {
		return r.sample(d)
	}
	z := (math.Log(elapsed) - d.Mu) / max(d.Sigma, 1e-6)
	u := normCDF(z)
	if u > 0.999 {
		// Far beyond the usual: the lognormal's tail, whose mean
		// remaining life is about σ²·t / (ln t − μ).
		return r.rng.ExpFloat64() * d.Sigma * d.Sigma * elapsed / max(math.Log(elapsed)-d.Mu, d.Sigma)
	}
	p := u + (1-u)*r.rng.Float64()
	x := math.Exp(d.Mu + d.Sigma*normQuantile(min(p, 1-1e-12)))
	return max(x-elapsed, 0)
}

// survival is the probability that a duration of d lasts more than t.
func survival(d lognormal, t float64) float64 {
	if t <= 0 {
		return 1
	}
	return 1 - normCDF((math.Log(t)-d.Mu)/max(d.Sigma, 1e-6))
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func normQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
