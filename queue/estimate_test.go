package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// hall is a one-location branch for the estimator's tests: open 8:00-18:00
// on weekdays, services A (10 min), B (5 min) and S (8 min), and the given
// counters.
func hall(counters ...queue.Counter) queue.Branch {
	for i := range counters {
		counters[i].Location = "hall"
	}
	return queue.Branch{
		Locations: []queue.Location{{ID: "hall", Name: "Hall", TZ: queuetest.Warsaw, Hours: queuetest.Weekdays(8*time.Hour, 18*time.Hour)}},
		Services: []queue.Service{
			{Prefix: "A", Duration: 10 * time.Minute, Bookable: true},
			{Prefix: "B", Duration: 5 * time.Minute},
			{Prefix: "S", Duration: 8 * time.Minute},
		},
		Counters: counters,
		Rules:    queue.DefaultRules(),
	}
}

// estHarness sets up a queue and remembers the e-ticket token of each
// ticket it issues.
type estHarness struct {
	*harness
	loc    string
	tokens map[string]string
}

func newEstHarness(t *testing.T, b queue.Branch, loc string) *estHarness {
	return &estHarness{harness: newHarness(t, b), loc: loc, tokens: map[string]string{}}
}

// certain makes every service take exactly its configured duration, every
// called client come, and clerks act within a second, as if learned from
// very many days: the simulation is then all but deterministic.
func (h *estHarness) certain() {
	for _, s := range h.e.Branch().Services {
		h.e.TeachDurationForTest(h.loc, s.Prefix, s.Duration)
	}
	for _, k := range []queue.Kind{queue.WalkIn, queue.Booked} {
		h.e.TeachNoShowsForTest(h.loc, k, 0, 0, time.Minute)
	}
	h.e.TeachPaceForTest(h.loc, time.Second, time.Second)
}

func (h *estHarness) issue(service string) queue.Issued {
	h.t.Helper()
	is, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: h.loc, Service: service})
	if err != nil {
		h.t.Fatal(err)
	}
	h.tokens[is.Ticket.Number] = is.Ticket.Token
	return is
}

func (h *estHarness) steps(steps ...step) {
	h.t.Helper()
	h.run(h.loc, steps)
}

// wait is the estimate of ticket ref: a number issued here, or "new X" for
// a walk-in ticket of service X taken now.
func (h *estHarness) wait(ref string) queue.Estimate {
	h.t.Helper()
	var svc string
	if _, err := fmt.Sscanf(ref, "new %s", &svc); err == nil {
		for _, s := range h.view(h.loc).Services {
			if s.Prefix == svc {
				return s.Estimate
			}
		}
		h.t.Fatalf("service %s is not offered", svc)
	}
	ts, ok := h.e.TicketByToken(h.tokens[ref])
	if !ok || ts.Ticket.Status != queue.StatusWaiting {
		h.t.Fatalf("%s: got %+v, want a waiting ticket", ref, ts.Ticket)
	}
	return ts.Estimate
}

type waitWant struct {
	ref  string
	want time.Duration
}

func TestEstimateKnownQueues(t *testing.T) {
	tests := []struct {
		name   string
		branch queue.Branch
		setup  func(h *estHarness)
		want   []waitWant
	}{{
		name:   "one counter, a client 5 min into an 8 min service",
		branch: hall(queue.Counter{Number: 1, Services: []string{"S"}}),
		setup: func(h *estHarness) {
			h.issue("S")
			h.steps(step{act: "open", counter: 1}, step{act: "next", counter: 1, want: "S001"}, step{act: "came", counter: 1, want: "S001"})
			h.clock.Advance(5 * time.Minute)
			h.issue("S")
		},
		want: []waitWant{{"S002", 3 * time.Minute}, {"new S", 11 * time.Minute}},
	}, {
		name: "two counters with priorities",
		branch: hall(
			queue.Counter{Number: 1, Services: []string{"A", "B"}},
			queue.Counter{Number: 2, Services: []string{"B", "A"}},
		),
		setup: func(h *estHarness) {
			for _, s := range []string{"A", "A", "A", "B"} {
				h.issue(s)
			}
			h.steps(step{act: "open", counter: 1}, step{act: "open", counter: 2})
		},
		// 1 takes A001 (to 10'), 2 takes B001 (to 5'), then A002 (to
		// 15'); 1 takes A003 at 10'; at 15' counter 2 has nobody left.
		// A new B goes before A002 at counter 2, which puts B first.
		want: []waitWant{{"A001", 0}, {"B001", 0}, {"A002", 5 * time.Minute}, {"A003", 10 * time.Minute}, {"new A", 15 * time.Minute}, {"new B", 5 * time.Minute}},
	}, {
		name:   "a booked visit due in 10 minutes goes first at a counter that puts its service first",
		branch: hall(queue.Counter{Number: 1, Services: []string{"A", "B"}}),
		setup: func(h *estHarness) {
			h.issue("A")
			h.book("A", 10*time.Minute)
			h.issue("B")
			h.steps(step{act: "open", counter: 1}, step{act: "next", counter: 1, want: "A001"}, step{act: "came", counter: 1, want: "A001"})
		},
		want: []waitWant{{"B001", 20 * time.Minute}},
	}, {
		name:   "a booked visit due after the counter is free comes after",
		branch: hall(queue.Counter{Number: 1, Services: []string{"A", "B"}}),
		setup: func(h *estHarness) {
			h.issue("A")
			h.book("A", 15*time.Minute)
			h.issue("B")
			h.steps(step{act: "open", counter: 1}, step{act: "next", counter: 1, want: "A001"}, step{act: "came", counter: 1, want: "A001"})
		},
		want: []waitWant{{"B001", 10 * time.Minute}},
	}, {
		name:   "a pending no-show who does not come again costs a minute",
		branch: hall(queue.Counter{Number: 1, Services: []string{"A"}}),
		setup: func(h *estHarness) {
			h.pendingNoShow()
			h.e.TeachNoShowsForTest("hall", queue.WalkIn, 0, 1, time.Minute)
		},
		want: []waitWant{{"A003", 6 * time.Minute}},
	}, {
		name:   "a pending no-show who comes when called again is served first",
		branch: hall(queue.Counter{Number: 1, Services: []string{"A"}}),
		setup: func(h *estHarness) {
			h.pendingNoShow()
		},
		want: []waitWant{{"A003", 15 * time.Minute}},
	}, {
		name: "no open counter: the counters that serve the service are assumed",
		branch: hall(
			queue.Counter{Number: 1, Services: []string{"A"}},
			queue.Counter{Number: 2, Services: []string{"B", "A"}},
			queue.Counter{Number: 3, Services: []string{"A"}},
			queue.Counter{Number: 4, Services: []string{"A"}, Accepts: queue.AcceptsBooked},
		),
		setup: func(h *estHarness) {
			for range 4 {
				h.issue("A")
			}
		},
		want: []waitWant{{"A003", 0}, {"A004", 10 * time.Minute}},
	}, {
		name:   "before opening: from the opening time",
		branch: hall(queue.Counter{Number: 1, Services: []string{"A"}}, queue.Counter{Number: 2, Services: []string{"A"}}),
		setup: func(h *estHarness) {
			h.clock.Set(time.Date(2026, 11, 24, 7, 0, 0, 0, queuetest.Warsaw))
		},
		want: []waitWant{{"new A", time.Hour}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEstHarness(t, tt.branch, "hall")
			h.certain()
			tt.setup(h)
			for _, w := range tt.want {
				got := h.wait(w.ref)
				if got.Low > got.Expected || got.Expected > got.High {
					t.Errorf("%s: got %+v, want Low ≤ Expected ≤ High", w.ref, got)
				}
				// The clerks' second between clients, and a second of
				// rounding, are all that may differ.
				if d := got.Expected - w.want; d < -5*time.Second || d > 15*time.Second {
					t.Errorf("%s: got %v, want %v", w.ref, got.Expected, w.want)
				}
			}
		})
	}
}

func (h *estHarness) book(service string, in time.Duration) {
	h.t.Helper()
	tk, err := h.e.Book(h.ctx, queue.BookRequest{Location: h.loc, Service: service, At: h.clock.Now().Add(in)})
	if err != nil {
		h.t.Fatal(err)
	}
	h.tokens[tk.Number] = tk.Token
}

// pendingNoShow leaves counter 1 with A002 5 minutes into its service,
// A001 pending after a no-show, and A003 waiting.
func (h *estHarness) pendingNoShow() {
	for range 3 {
		h.issue("A")
	}
	h.steps(
		step{act: "open", counter: 1},
		step{act: "next", counter: 1, want: "A001"},
		step{act: "noshow", counter: 1, want: "A001"},
		step{act: "next", counter: 1, want: "A002"},
		step{act: "came", counter: 1, want: "A002"},
	)
	h.clock.Advance(5 * time.Minute)
}

// TestEstimateLearnsFromEvents: the configured 10 minutes give way to the
// 8 minutes the clients really take, and what was learned outlives the
// day, a snapshot and a replay.
func TestEstimateLearnsFromEvents(t *testing.T) {
	h := newEstHarness(t, hall(queue.Counter{Number: 1, Services: []string{"A"}}), "hall")
	h.clock.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, queuetest.Warsaw))
	h.steps(step{act: "open", counter: 1})
	for i := range 24 {
		n := fmt.Sprintf("A%03d", i+1)
		h.issue("A")
		h.steps(step{act: "next", counter: 1, want: n}, step{act: "came", counter: 1, want: n})
		h.clock.Advance(8 * time.Minute)
		h.steps(step{act: "finish", counter: 1, want: n})
	}
	// The next morning: a client just called, and one waiting behind.
	h.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, queuetest.Warsaw))
	h.issue("A")
	h.steps(step{act: "open", counter: 1}, step{act: "next", counter: 1, want: "A001"}, step{act: "came", counter: 1, want: "A001"})
	is := h.issue("A")
	if got := is.Estimate.Expected; got < 7*time.Minute+30*time.Second || got > 8*time.Minute+45*time.Second {
		t.Fatalf("estimate after a day of 8-minute clients: got %v, want about 8m (the configured 10m is only a prior)", got)
	}
	if got, want := h.e.NaiveEstimate("hall", "A", is.Ahead), 0*time.Minute; got != want {
		t.Fatalf("naive: got %v, want %v", got, want)
	}

	seq, snap, err := h.e.Snapshot("hall")
	if err != nil {
		t.Fatal(err)
	}
	restored, err := queue.New(*h.e.Branch(), queue.Options{Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := restored.RestoreSnapshot("hall", snap); err != nil {
		t.Fatal(err)
	}
	replayed, err := queue.New(*h.e.Branch(), queue.Options{Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.journal.Events() {
		if _, err := replayed.Replay(ev); err != nil {
			t.Fatal(err)
		}
	}
	want := string(h.e.StatsForTest("hall"))
	for name, e := range map[string]*queue.Engine{"restored": restored, "replayed": replayed} {
		if got := e.Seq("hall"); got != seq {
			t.Fatalf("%s: seq %d, want %d", name, got, seq)
		}
		if got := string(e.StatsForTest("hall")); got != want {
			t.Errorf("%s statistics:\ngot  %s\nwant %s", name, got, want)
		}
		ts, ok := e.TicketByToken(is.Ticket.Token)
		if !ok || ts.Estimate != is.Estimate {
			t.Errorf("%s estimate: got %+v, want %+v", name, ts.Estimate, is.Estimate)
		}
	}
}

// TestEstimateCache: one simulation answers every viewer until an event or
// the clock moves on, and an event changes the answer at once.
func TestEstimateCache(t *testing.T) {
	h := newEstHarness(t, hall(queue.Counter{Number: 1, Services: []string{"A"}}, queue.Counter{Number: 2, Services: []string{"A"}}), "hall")
	h.certain()
	for range 3 {
		h.issue("A")
	}
	h.steps(step{act: "open", counter: 1})
	sims := func() int { return h.e.SimulationsForTest("hall") }
	start := sims()
	first := h.wait("A003")
	for range 1000 {
		if got := h.wait("A003"); got != first {
			t.Fatalf("same state, same time: got %+v, want %+v", got, first)
		}
	}
	h.view("hall")
	if got := sims() - start; got != 1 {
		t.Fatalf("1000 viewers and a view: got %d simulations, want 1", got)
	}
	if got, want := first.Expected, 20*time.Minute; got < want || got > want+10*time.Second {
		t.Fatalf("one counter open: got %v, want %v", got, want)
	}

	// A second counter opens, within the same clock bucket: the next
	// viewer sees the shorter wait.
	h.steps(step{act: "open", counter: 2})
	if got, want := h.wait("A003").Expected, 10*time.Minute; got < want || got > want+10*time.Second {
		t.Fatalf("after counter 2 opened: got %v, want %v", got, want)
	}
	if got := sims() - start; got != 2 {
		t.Fatalf("after an event: got %d simulations, want 2", got)
	}

	// Time alone: the answer is kept within the bucket, then made again.
	h.clock.Advance(3 * time.Second)
	h.wait("A003")
	if got := sims() - start; got != 2 {
		t.Fatalf("3 s later: got %d simulations, want 2", got)
	}
	h.clock.Advance(10 * time.Second)
	h.wait("A003")
	if got := sims() - start; got != 3 {
		t.Fatalf("13 s later: got %d simulations, want 3", got)
	}
}

// TestEstimateConcurrentViewers runs e-ticket viewers while clerks work:
// the race detector checks the cache, and every answer is a range.
func TestEstimateConcurrentViewers(t *testing.T) {
	h := newEstHarness(t, queuetest.Branch(), "centrum")
	for i := range 30 {
		h.issue([]string{"A", "B", "C"}[i%3])
	}
	var tokens []string
	for _, tok := range h.tokens {
		tokens = append(tokens, tok)
	}
	h.steps(step{act: "open", counter: 1}, step{act: "open", counter: 2}, step{act: "open", counter: 3})

	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 300 {
				ts, ok := h.e.TicketByToken(tokens[(g*31+i)%len(tokens)])
				if !ok {
					t.Errorf("viewer %d: ticket not found", g)
					return
				}
				if e := ts.Estimate; e.Low > e.Expected || e.Expected > e.High {
					t.Errorf("viewer %d: got %+v, want Low ≤ Expected ≤ High", g, e)
					return
				}
			}
		})
	}
	for i := range 20 {
		c := queue.CounterRef{Location: "centrum", Number: 1 + i%3}
		if _, err := h.e.CallNext(h.ctx, c); err != nil && queue.ErrorCode(err) != queue.ENotFound {
			t.Fatal(err)
		}
		if _, err := h.e.ClientCame(h.ctx, c); err != nil && queue.ErrorCode(err) != queue.EConflict {
			t.Fatal(err)
		}
		h.clock.Advance(time.Minute)
		h.issue("B")
	}
	wg.Wait()
}

// BenchmarkEstimateTable is one simulation of a busy hall: 50 or 200
// waiting across five services (a walk-in every 30 s so far, so the
// simulation also expects two a minute to come), ten counters (priorities,
// one for booked visits only), eight of them open and busy, 30 booked
// visits due later. Each iteration moves the clock to the next bucket, so
// none is cached.
func BenchmarkEstimateTable(b *testing.B) {
	for _, waiting := range []int{50, 200} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			e, clock, token := busyHall(b, waiting)
			for b.Loop() {
				clock.Advance(10 * time.Second)
				if _, ok := e.TicketByToken(token); !ok {
					b.Fatal("ticket not found")
				}
			}
		})
	}
}

// busyHall returns the hall of BenchmarkEstimateTable with waiting
// tickets, its clock, and the token of the last ticket.
func busyHall(b *testing.B, waiting int) (*queue.Engine, *queuetest.Clock, string) {
	counters := []queue.Counter{
		{Number: 1, Services: []string{"A", "B"}},
		{Number: 2, Services: []string{"A", "B"}},
		{Number: 3, Services: []string{"B", "A"}},
		{Number: 4, Services: []string{"B", "D"}},
		{Number: 5, Services: []string{"C", "A"}, Order: queue.OrderOldest},
		{Number: 6, Services: []string{"D", "C", "B"}},
		{Number: 7, Services: []string{"D", "B"}, Accepts: queue.AcceptsWalkIn},
		{Number: 8, Services: []string{"E", "D"}},
		{Number: 9, Services: []string{"E"}},
		{Number: 10, Services: []string{"A", "C"}, Accepts: queue.AcceptsBooked},
	}
	br := hall(counters...)
	br.Services = []queue.Service{
		{Prefix: "A", Duration: 10 * time.Minute, Bookable: true},
		{Prefix: "B", Duration: 6 * time.Minute},
		{Prefix: "C", Duration: 15 * time.Minute, Bookable: true},
		{Prefix: "D", Duration: 4 * time.Minute},
		{Prefix: "E", Duration: 8 * time.Minute},
	}
	clock := queuetest.NewClock(time.Date(2026, 11, 24, 8, 0, 0, 0, queuetest.Warsaw))
	e, err := queue.New(br, queue.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range 30 {
		at := clock.Now().Add(time.Duration(waiting)*30*time.Second + time.Duration(i)*10*time.Minute)
		if _, err := e.Book(ctx, queue.BookRequest{Location: "hall", Service: []string{"A", "C"}[i%2], At: at}); err != nil {
			b.Fatal(err)
		}
	}
	var last string
	for i := range waiting + 8 {
		clock.Advance(30 * time.Second)
		is, err := e.Issue(ctx, queue.IssueRequest{Location: "hall", Service: []string{"A", "B", "A", "C", "D", "E", "B"}[i%7]})
		if err != nil {
			b.Fatal(err)
		}
		last = is.Ticket.Token
	}
	for n := 1; n <= 8; n++ {
		c := queue.CounterRef{Location: "hall", Number: n}
		if err := e.OpenCounter(ctx, c, fmt.Sprint("clerk", n)); err != nil {
			b.Fatal(err)
		}
		if _, err := e.CallNext(ctx, c); err != nil {
			b.Fatal(err)
		}
		if n%2 == 0 {
			if _, err := e.ClientCame(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	return e, clock, last
}

// TestWarmEstimates: warming runs beside the commands (go test -race
// checks it simulates without reading the state unlocked), and a ticket
// issued after it takes its estimate from the warm table, close to what a
// fresh simulation says.
func TestWarmEstimates(t *testing.T) {
	h := newEstHarness(t, hall(queue.Counter{Number: 1, Services: []string{"A"}}, queue.Counter{Number: 2, Services: []string{"A"}}), "hall")
	h.clock.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw))
	h.steps(step{act: "open", counter: 1}, step{act: "open", counter: 2})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			h.e.WarmEstimates("hall")
		}
	}()
	for range 45 { // over issueSimulateBelow: the next issue reads the warm table
		h.issue("A")
	}
	<-done
	h.e.WarmEstimates("hall")
	is := h.issue("A") // from the warm table: only a ticket was issued since
	ts, ok := h.e.TicketByToken(is.Ticket.Token)
	if !ok {
		t.Fatal("no ticket")
	}
	if d := (ts.Estimate.Expected - is.Estimate.Expected).Abs(); d > ts.Estimate.Expected/5 {
		t.Errorf("issued %v, simulated afresh %v: more than 20%% apart", is.Estimate, ts.Estimate)
	}
	h.e.WarmEstimates("nowhere") // an unknown location is no error
}

// TestStatisticsInLocalHours: the statistics keep the office's hours, so
// 9:30 in Warsaw is hour 9 in winter and in summer alike, and a snapshot
// restored keeps counting there.
func TestStatisticsInLocalHours(t *testing.T) {
	for _, day := range []time.Time{
		time.Date(2026, 3, 27, 9, 30, 0, 0, queuetest.Warsaw), // CET, UTC+1
		time.Date(2026, 3, 30, 9, 30, 0, 0, queuetest.Warsaw), // CEST, UTC+2
	} {
		h := newEstHarness(t, hall(queue.Counter{Number: 1, Services: []string{"A"}}), "hall")
		h.clock.Set(day)
		h.issue("A")
		seq, snap, err := h.e.Snapshot("hall")
		if err != nil || seq == 0 {
			t.Fatal(seq, err)
		}
		if err := h.e.RestoreSnapshot("hall", snap); err != nil {
			t.Fatal(err)
		}
		h.issue("A")
		got := h.e.WalkInsTodayForTest("hall", "A")
		if got[9] != 2 {
			t.Errorf("%s: walk-ins by hour %v, want both at 9", day.Format(time.RFC3339), got)
		}
	}
}
