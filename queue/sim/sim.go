// Package sim replays synthetic office days through the real queue engine
// to measure its wait estimates against the waits that happen.
//
// A day has walk-ins arriving as a non-homogeneous Poisson process (a
// morning peak, a lunch dip), lognormal service times, walk-ins who leave
// before they are called (the clerk presses "no-show" after about a minute,
// and the engine calls the ticket again after the next client until it is
// missed), booked visits (some of them not coming), and clerks who start at
// different times, take breaks and some of whom leave early, at counters
// serving several services in priority order, one of them for booked visits
// only. The clerks act through the engine's commands, on a fake clock, as
// at a real counter.
//
// For every walk-in ticket it records the estimate printed on the ticket
// (queue.Issued.Estimate), what the naive rule would have said
// (Engine.NaiveEstimate) and the actual wait until the first call. The
// estimator learns only from the engine's events, never from the
// parameters here, and the days follow each other on one engine, so from
// the second day on it knows what earlier days taught it.
package sim

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// Config says what to play.
type Config struct {
	Days int    // weekdays, one after another on one engine
	Seed uint64 // the same seed plays the same days
}

// FirstDay is the Monday the simulation starts on. Europe/Warsaw moves to
// summer time on 29 March 2026, within 30 days of it, as in a real year.
var FirstDay = time.Date(2026, 3, 2, 0, 0, 0, 0, queuetest.Warsaw)

// Result is how good the estimates were.
type Result struct {
	Days     int     `json:"days"`
	Seed     uint64  `json:"seed"`
	Tickets  int     `json:"tickets"` // walk-in tickets measured
	Naive    Errors  `json:"naive"`
	Ours     Errors  `json:"ours"`
	Coverage float64 `json:"coverage"` // share of actual waits within [Low, High] of ours
	Ratio    float64 `json:"ratio"`    // Ours.MAE / Naive.MAE
	PerDay   []Day   `json:"per_day"`
}

// Errors are the absolute errors of one estimator.
type Errors struct {
	MAE time.Duration `json:"mae_ns"` // mean absolute error
	P90 time.Duration `json:"p90_ns"` // 90th percentile of the absolute error
}

// Day is one day's figures.
type Day struct {
	Date     string        `json:"date"`
	Tickets  int           `json:"tickets"`
	MeanWait time.Duration `json:"mean_wait_ns"`
	MaxWait  time.Duration `json:"max_wait_ns"`
	Naive    Errors        `json:"naive"`
	Ours     Errors        `json:"ours"`
	Coverage float64       `json:"coverage"`
}

// Sample is one walk-in ticket: the estimates made when it was issued and
// the wait it had.
type Sample struct {
	Day     int
	Ticket  string
	Service string
	Issued  time.Time
	Ahead   int
	Naive   time.Duration
	Ours    queue.Estimate
	Wait    time.Duration // until the first call; -1 when never called
}

// Run plays cfg.Days days and measures the estimates.
func Run(ctx context.Context, cfg Config) (Result, error) {
	samples, err := Play(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	return Measure(cfg, samples), nil
}

// Play plays cfg.Days days and returns every walk-in ticket's sample.
func Play(ctx context.Context, cfg Config) ([]Sample, error) {
	if cfg.Days < 1 {
		return nil, fmt.Errorf("sim: days must be at least 1, not %d", cfg.Days)
	}
	s, err := newSimulator(ctx, cfg.Seed)
	if err != nil {
		return nil, err
	}
	day := FirstDay
	for d := range cfg.Days {
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		if err := s.playDay(d, day); err != nil {
			return nil, fmt.Errorf("sim: day %s: %w", day.Format(time.DateOnly), err)
		}
		day = day.AddDate(0, 0, 1)
	}
	for i := range s.samples {
		sm := &s.samples[i]
		if at, ok := s.firstCall[sm.Ticket]; ok {
			sm.Wait = at.Sub(sm.Issued)
		}
	}
	return s.samples, nil
}

// simulator is the state of a simulation: the engine, the fake clock, the
// events to come, and what the clerks see on their terminals.
type simulator struct {
	ctx       context.Context
	e         *queue.Engine
	clock     *queuetest.Clock
	rng       *rand.Rand
	agenda    agenda
	current   map[int]string // ticket id called or served at each counter
	firstCall map[string]time.Time
	comes     map[string]bool // whether the visitor of a ticket ever comes to the counter
	samples   []Sample
	err       error
}

func newSimulator(ctx context.Context, seed uint64) (*simulator, error) {
	s := &simulator{
		ctx:       ctx,
		clock:     queuetest.NewClock(FirstDay),
		rng:       rand.New(rand.NewPCG(seed, 0x6e756d6572656b)),
		current:   map[int]string{},
		firstCall: map[string]time.Time{},
		comes:     map[string]bool{},
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	e, err := queue.New(Branch(), queue.Options{
		Clock:   s.clock,
		Rand:    rand.NewChaCha8(key),
		Journal: &queuetest.Journal{},
		Publish: s.follow,
	})
	if err != nil {
		return nil, err
	}
	s.e = e
	return s, nil
}

// follow keeps what a clerk's terminal would show, from the events.
func (s *simulator) follow(_ string, events []queue.Event) {
	for _, ev := range events {
		switch ev.Type {
		case queue.Called:
			s.current[ev.Counter] = ev.Ticket
			if _, ok := s.firstCall[ev.Ticket]; !ok {
				s.firstCall[ev.Ticket] = ev.Time
			}
		case queue.Finished, queue.NoShow, queue.Missed, queue.Transferred, queue.Cancelled:
			if s.current[ev.Counter] == ev.Ticket {
				delete(s.current, ev.Counter)
			}
		case queue.CounterClosed:
			delete(s.current, ev.Counter)
		}
	}
}

// playDay plays one day, from before opening until every clerk has gone.
func (s *simulator) playDay(index int, day time.Time) error {
	at := func(d time.Duration) time.Time { return day.Add(d) }
	// The first tick of the day starts it (a new day in the engine);
	// then booked visits are made for the day, and a tick every 30 s lets
	// them enter the queue on time even when nobody presses anything.
	s.schedule(at(6*time.Hour+55*time.Minute), func() { s.check(s.e.Tick(s.ctx)) })
	s.schedule(at(7*time.Hour), s.book(day))
	for t := at(7 * time.Hour); t.Before(at(closing)); t = t.Add(30 * time.Second) {
		s.schedule(t, func() { s.check(s.e.Tick(s.ctx)) })
	}
	s.walkIns(index, day)
	for _, d := range desks {
		if s.rng.Float64() < d.absent {
			continue
		}
		c := &clerk{s: s, d: d, ref: queue.CounterRef{Location: Location, Number: d.number}, spans: s.spans(day, d)}
		s.schedule(c.spans[0].from, c.open)
	}
	for s.agenda.Len() > 0 && s.err == nil {
		a := heap.Pop(&s.agenda).(*action)
		s.clock.Set(a.at)
		a.do()
	}
	return s.err
}

// book makes the day's booked visits before the office opens.
func (s *simulator) book(day time.Time) func() {
	return func() {
		for t := opening; t < closing; t += slotEvery {
			if s.rng.Float64() >= slotFilled {
				continue
			}
			svc := "A"
			if s.rng.Float64() < 0.3 {
				svc = "C"
			}
			tk, err := s.e.Book(s.ctx, queue.BookRequest{Location: Location, Service: svc, At: day.Add(t), Booking: fmt.Sprintf("sim-%s-%s", day.Format(time.DateOnly), t)})
			if !s.check(err) {
				return
			}
			s.comes[tk.ID] = s.rng.Float64() < bookedComes
		}
	}
}

// walkIns schedules the day's walk-ins: a non-homogeneous Poisson process
// (drawn by thinning) whose rate follows the profile, on a day busier or
// quieter than usual.
func (s *simulator) walkIns(index int, day time.Time) {
	volume := math.Exp(0.12 * s.rng.NormFloat64())
	switch day.Weekday() {
	case time.Monday:
		volume *= 1.15
	case time.Friday:
		volume *= 0.9
	}
	peak := 0.0
	for _, p := range arrivalProfile {
		peak = max(peak, p.factor)
	}
	maxRate := baseRate * volume * peak / 3600 // per second
	for t := float64(opening / time.Second); ; {
		t += s.rng.ExpFloat64() / maxRate
		d := time.Duration(t * float64(time.Second))
		if d >= closing {
			return
		}
		if s.rng.Float64() > profileAt(d)/peak {
			continue
		}
		svc := s.pickService()
		s.schedule(day.Add(d), func() { s.issue(index, svc) })
	}
}

func (s *simulator) pickService() serviceTruth {
	u := s.rng.Float64()
	for _, svc := range services {
		if u < svc.share {
			return svc
		}
		u -= svc.share
	}
	return services[len(services)-1]
}

// issue is a walk-in pressing the dispenser's button.
func (s *simulator) issue(index int, svc serviceTruth) {
	is, err := s.e.Issue(s.ctx, queue.IssueRequest{Location: Location, Service: svc.prefix})
	if !s.check(err) {
		return
	}
	s.comes[is.Ticket.ID] = s.rng.Float64() >= svc.noShow
	s.samples = append(s.samples, Sample{
		Day: index, Ticket: is.Ticket.ID, Service: svc.prefix, Issued: is.Ticket.Issued, Ahead: is.Ahead,
		Naive: s.e.NaiveEstimate(Location, svc.prefix, is.Ahead), Ours: is.Estimate, Wait: -1,
	})
}

// span is a stretch of a clerk's day at the counter.
type span struct {
	from, to time.Time
	stay     bool // the last one of a clerk who serves everyone left after closing
}

// spans is a clerk's day: late or early by a few minutes, breaks taken a
// little earlier or later and a little longer or shorter.
func (s *simulator) spans(day time.Time, d desk) []span {
	jitter := func(sd time.Duration) time.Duration { return time.Duration(s.rng.NormFloat64() * float64(sd)) }
	from := day.Add(d.start + max(jitter(4*time.Minute), -10*time.Minute))
	var out []span
	for _, b := range d.breaks {
		at := day.Add(b.at + jitter(10*time.Minute))
		length := time.Duration(float64(b.length) * (0.8 + 0.4*s.rng.Float64()))
		out = append(out, span{from: from, to: at})
		from = at.Add(length)
	}
	last := span{from: from, to: day.Add(closing), stay: true}
	if d.end != 0 {
		last = span{from: from, to: day.Add(d.end + jitter(5*time.Minute))}
	}
	return append(out, last)
}

// clerk works one counter through the day.
type clerk struct {
	s     *simulator
	d     desk
	ref   queue.CounterRef
	spans []span
	span  int
}

func (c *clerk) now() time.Time { return c.s.clock.Now() }

func (c *clerk) open() {
	if c.s.check(c.s.e.OpenCounter(c.s.ctx, c.ref, fmt.Sprintf("clerk-%d", c.d.number))) {
		c.next()
	}
}

// due reports whether the clerk's stretch is over: a break, leaving early,
// or closing time with nobody left (for one who stays).
func (c *clerk) due() bool {
	sp := c.spans[c.span]
	return !sp.stay && !c.now().Before(sp.to)
}

// next is the counter free: the clerk calls the next client, or waits and
// looks again, or leaves for a break.
func (c *clerk) next() {
	if c.due() {
		c.close()
		return
	}
	t, err := c.s.e.CallNext(c.s.ctx, c.ref)
	if queue.ErrorCode(err) == queue.ENotFound {
		c.idle()
		return
	}
	if c.s.check(err) {
		c.handle(t.ID)
	}
}

// idle is nobody waiting: look again in half a minute, or after closing
// time, go home.
func (c *clerk) idle() {
	sp := c.spans[c.span]
	if sp.stay && !c.now().Before(sp.to) {
		c.close()
		return
	}
	c.s.after(30*time.Second, c.next)
}

func (c *clerk) close() {
	if !c.s.check(c.s.e.CloseCounter(c.s.ctx, c.ref)) {
		return
	}
	c.span++
	if c.span < len(c.spans) {
		c.s.schedule(c.spans[c.span].from, c.open)
	}
}

// handle is a ticket called to the counter: its visitor walks up and is
// served, or never comes and the clerk gives up after about a minute.
func (c *clerk) handle(id string) {
	s := c.s
	if !s.comes[id] {
		s.after(lognormal(s.rng, time.Minute, 0.3), func() {
			if _, err := s.e.NoShow(s.ctx, c.ref); s.check(err) {
				s.after(thinking(s.rng), c.next)
			}
		})
		return
	}
	walk := time.Duration(15+s.rng.Float64()*30) * time.Second
	s.after(walk, func() {
		if _, err := s.e.ClientCame(s.ctx, c.ref); !s.check(err) {
			return
		}
		s.after(s.serviceTime(id, c.now()), c.done)
	})
}

// done is the client served: after a moment the clerk calls the next one
// (which finishes this one; the engine calls a pending no-show first), or
// finishes and leaves for a break.
func (c *clerk) done() {
	s := c.s
	s.after(thinking(s.rng), func() {
		if c.due() {
			if _, err := s.e.Finish(s.ctx, c.ref); !s.check(err) {
				return
			}
			if id := s.current[c.d.number]; id != "" {
				c.handle(id) // the no-show rule called someone again
				return
			}
			c.close()
			return
		}
		t, err := s.e.CallNext(s.ctx, c.ref)
		if queue.ErrorCode(err) == queue.ENotFound {
			c.idle()
			return
		}
		if s.check(err) {
			c.handle(t.ID)
		}
	})
}

// serviceTime is how long the visitor of ticket id takes at the counter,
// from when they come.
func (s *simulator) serviceTime(id string, now time.Time) time.Duration {
	svc := services[0]
	for _, t := range services {
		if t.prefix == ticketPrefix(id) {
			svc = t
		}
	}
	median := float64(svc.median) * serviceFactor(now.Hour())
	return lognormal(s.rng, time.Duration(median), svc.sigma)
}

// ticketPrefix is the service letter of a ticket id ("sala/2026-03-02/A001").
func ticketPrefix(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 && i+1 < len(id) {
		return id[i+1 : i+2]
	}
	return ""
}

func lognormal(rng *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
}

// thinking is the clerk's moment between one client and the next.
func thinking(rng *rand.Rand) time.Duration {
	return time.Duration(3+rng.Float64()*15) * time.Second
}

// check keeps the first error of a command that should not fail.
func (s *simulator) check(err error) bool {
	if err != nil && s.err == nil {
		s.err = err
	}
	return err == nil
}

// Measure turns samples into figures, pooled and by day.
func Measure(cfg Config, samples []Sample) Result {
	r := Result{Days: cfg.Days, Seed: cfg.Seed}
	var all errorSet
	byDay := map[int]*errorSet{}
	for _, sm := range samples {
		if sm.Wait < 0 {
			continue
		}
		all.add(sm)
		d := byDay[sm.Day]
		if d == nil {
			d = &errorSet{date: sm.Issued.In(queuetest.Warsaw).Format(time.DateOnly)}
			byDay[sm.Day] = d
		}
		d.add(sm)
	}
	r.Tickets = len(all.naive)
	r.Naive, r.Ours, r.Coverage = all.naiveErrors(), all.oursErrors(), all.coverage()
	if r.Naive.MAE > 0 {
		r.Ratio = float64(r.Ours.MAE) / float64(r.Naive.MAE)
	}
	for i := range cfg.Days {
		if d := byDay[i]; d != nil {
			r.PerDay = append(r.PerDay, Day{
				Date: d.date, Tickets: len(d.naive), MeanWait: d.meanWait(), MaxWait: slices.Max(d.waits),
				Naive: d.naiveErrors(), Ours: d.oursErrors(), Coverage: d.coverage(),
			})
		}
	}
	return r
}

type errorSet struct {
	date         string
	naive, ours  []time.Duration
	waits        []time.Duration
	inside, seen int
}

func (e *errorSet) add(sm Sample) {
	e.naive = append(e.naive, abs(sm.Naive-sm.Wait))
	e.ours = append(e.ours, abs(sm.Ours.Expected-sm.Wait))
	e.waits = append(e.waits, sm.Wait)
	e.seen++
	if sm.Ours.Low <= sm.Wait && sm.Wait <= sm.Ours.High {
		e.inside++
	}
}

func (e *errorSet) naiveErrors() Errors { return errorsOf(e.naive) }
func (e *errorSet) oursErrors() Errors  { return errorsOf(e.ours) }

func (e *errorSet) coverage() float64 {
	if e.seen == 0 {
		return 0
	}
	return float64(e.inside) / float64(e.seen)
}

func (e *errorSet) meanWait() time.Duration {
	var sum time.Duration
	for _, w := range e.waits {
		sum += w
	}
	return sum / time.Duration(max(len(e.waits), 1))
}

func errorsOf(errs []time.Duration) Errors {
	if len(errs) == 0 {
		return Errors{}
	}
	var sum time.Duration
	for _, e := range errs {
		sum += e
	}
	sorted := slices.Clone(errs)
	slices.Sort(sorted)
	p90 := sorted[min(int(math.Ceil(0.9*float64(len(sorted))))-1, len(sorted)-1)]
	return Errors{MAE: (sum / time.Duration(len(errs))).Round(time.Second), P90: p90.Round(time.Second)}
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// action is something that happens at a time; agenda orders them, and
// keeps the order they were scheduled in among those at the same time.
type action struct {
	at  time.Time
	seq int
	do  func()
}

type agenda struct {
	items []*action
	seq   int
}

func (a *agenda) Len() int { return len(a.items) }
func (a *agenda) Less(i, j int) bool {
	if c := a.items[i].at.Compare(a.items[j].at); c != 0 {
		return c < 0
	}
	return cmp.Less(a.items[i].seq, a.items[j].seq)
}
func (a *agenda) Swap(i, j int) { a.items[i], a.items[j] = a.items[j], a.items[i] }
func (a *agenda) Push(x any)    { a.items = append(a.items, x.(*action)) }
func (a *agenda) Pop() any {
	it := a.items[len(a.items)-1]
	a.items = a.items[:len(a.items)-1]
	return it
}

// schedule does do at at, or now if at is gone (a break that began while
// the clerk was still serving ends later than planned).
func (s *simulator) schedule(at time.Time, do func()) {
	if now := s.clock.Now(); at.Before(now) {
		at = now
	}
	s.agenda.seq++
	heap.Push(&s.agenda, &action{at: at, seq: s.agenda.seq, do: do})
}

func (s *simulator) after(d time.Duration, do func()) { s.schedule(s.clock.Now().Add(d), do) }
