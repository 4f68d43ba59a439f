package stats_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
	"github.com/numerek/numerek/stats"
)

const m = time.Minute

var names = map[string]string{"A": "Rejestracja pojazdów", "B": "Prawa jazdy", "C": "Podatki"}

func exampleOptions() stats.Options {
	return stats.Options{TZ: warsaw, From: "2026-03-02", To: "2026-03-02", Target: 15 * m, TargetShare: 0.85, ServiceNames: names}
}

// summary is a stats.Summary of sorted values.
func summary(median, p90 time.Duration, sorted ...time.Duration) stats.Summary {
	if len(sorted) == 0 {
		return stats.Summary{}
	}
	return stats.Summary{N: len(sorted), Median: median, P90: p90, Max: sorted[len(sorted)-1], Values: sorted}
}

func hours(pairs ...int) (h [24]int) {
	for i := 0; i < len(pairs); i += 2 {
		h[pairs[i]] = pairs[i+1]
	}
	return h
}

// sameFields reports each field of two structs that differs.
func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s.%s: got %+v, want %+v", what, g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

// TestComputeExampleDay checks every figure of the example day by hand: see
// exampleDay for the timeline.
func TestComputeExampleDay(t *testing.T) {
	visits, err := stats.Visits(exampleDay(t))
	if err != nil {
		t.Fatal(err)
	}
	r := stats.Compute(visits, exampleOptions())
	if r.From != "2026-03-02" || r.To != "2026-03-02" || r.TZ != "Europe/Warsaw" || r.Target != 15*m || r.TargetShare != 0.85 {
		t.Errorf("report header: got %s..%s %s %v %v", r.From, r.To, r.TZ, r.Target, r.TargetShare)
	}

	// A is A001, A002, A003, A004, B003 (transferred from B) and R001 in
	// the queue, plus R003, booked and cancelled before its day.
	a := stats.Figures{
		Service: "A", Name: "Rejestracja pojazdów",
		Issued:    6,                        // A001 A002 A003 A004 B003 R001; not R003, which never entered
		Served:    4,                        // A001 A002 B003 R001
		Missed:    1,                        // A003
		Cancelled: 1,                        // A004
		PerHour:   hours(8, 3, 9, 2, 10, 1), // A001 A002 A003 | A004 B003 (issued 09:10) | R001 (10:30:20)
		NoShows:   3,                        // A002 once, A003 twice (its third press is the Missed)
		// Waits: R001 1m40s, A001 5m, A002 8m, A003 19m, B003 20m (its
		// first call, in B). Median: rank ceil(0.5×5) = 3 → 8m; 90th:
		// rank ceil(0.9×5) = 5 → 20m.
		Wait: summary(8*m, 20*m, 100*time.Second, 5*m, 8*m, 19*m, 20*m),
		// Service: A002 9m, A001 10m, R001 12m, B003 14m. Median rank
		// ceil(2) = 2 → 10m; 90th rank ceil(3.6) = 4 → 14m.
		ServiceTime: summary(10*m, 14*m, 9*m, 10*m, 12*m, 14*m),
		// Within 15 min: R001, A001, A002; not A003 (19m), B003 (20m).
		WithinTarget: stats.Share{Within: 3, Of: 5, Goal: 0.85},
		Booked:       stats.BookedFigures{Booked: 2, Kept: 1, Cancelled: 1}, // R001 kept, R003 cancelled
	}
	b := stats.Figures{
		Service: "B", Name: "Prawa jazdy",
		Issued:  3, // B001 B002 R002 (B003 counts in A)
		Served:  2, // B001 B002
		Expired: 1, // R002 entered at 11:00:10 and was never called
		PerHour: hours(8, 2, 11, 1),
		// Waits B001 8m, B002 19m: the median of two is the lower one
		// (rank ceil(1) = 1); the 90th is rank ceil(1.8) = 2.
		Wait:         summary(8*m, 19*m, 8*m, 19*m),
		ServiceTime:  summary(7*m, 8*m, 7*m, 8*m), // B001 7m, B002 8m
		WithinTarget: stats.Share{Within: 1, Of: 2, Goal: 0.85},
		Booked:       stats.BookedFigures{Booked: 1, Missed: 1}, // R002 entered, not served
	}
	c := stats.Figures{Service: "C", Name: "Podatki", WithinTarget: stats.Share{Goal: 0.85}} // named, no visits
	total := stats.Figures{
		Issued: 9, Served: 6, Missed: 1, Cancelled: 1, Expired: 1,
		PerHour: hours(8, 5, 9, 2, 10, 1, 11, 1),
		NoShows: 3,
		// Seven waits: median rank 4 → 8m; 90th rank ceil(6.3) = 7 → 20m.
		Wait: summary(8*m, 20*m, 100*time.Second, 5*m, 8*m, 8*m, 19*m, 19*m, 20*m),
		// Six service times: median rank 3 → 9m; 90th rank ceil(5.4) = 6.
		ServiceTime:  summary(9*m, 14*m, 7*m, 8*m, 9*m, 10*m, 12*m, 14*m),
		WithinTarget: stats.Share{Within: 4, Of: 7, Goal: 0.85},
		Booked:       stats.BookedFigures{Booked: 3, Kept: 1, Missed: 1, Cancelled: 1},
	}
	sameFields(t, "total", r.Total, total)
	if len(r.Services) != 3 {
		t.Fatalf("got %d services, want 3 (A, B and C, which is named)", len(r.Services))
	}
	sameFields(t, "A", r.Services[0], a)
	sameFields(t, "B", r.Services[1], b)
	sameFields(t, "C", r.Services[2], c)

	// Counter 1 served A001 10m, B002 8m, B003 14m, R001 12m; counter 2
	// served B001 7m and A002 9m.
	wantCounters := []stats.Staff{
		{Counter: 1, Served: 4, ServiceTime: summary(10*m, 14*m, 8*m, 10*m, 12*m, 14*m)},
		{Counter: 2, Served: 2, ServiceTime: summary(7*m, 9*m, 7*m, 9*m)},
	}
	// anowak held counter 1 until 10:00 (A001, B002), jkowalski after
	// 10:05 (B003, R001); bwisniewska counter 2.
	wantClerks := []stats.Staff{
		{Clerk: "anowak", Served: 2, ServiceTime: summary(8*m, 10*m, 8*m, 10*m)},
		{Clerk: "bwisniewska", Served: 2, ServiceTime: summary(7*m, 9*m, 7*m, 9*m)},
		{Clerk: "jkowalski", Served: 2, ServiceTime: summary(12*m, 14*m, 12*m, 14*m)},
	}
	if !reflect.DeepEqual(r.Counters, wantCounters) {
		t.Errorf("counters: got %+v, want %+v", r.Counters, wantCounters)
	}
	if !reflect.DeepEqual(r.Clerks, wantClerks) {
		t.Errorf("clerks: got %+v, want %+v", r.Clerks, wantClerks)
	}

	for _, f := range append([]stats.Figures{r.Total}, r.Services...) {
		checkInvariants(t, f)
	}
	for _, f := range []stats.Figures{r.Total, a, b} {
		share, ok := f.WithinTarget.Value()
		met, metOK := f.WithinTarget.Met()
		if !ok || !metOK || met {
			t.Errorf("%q within target: got share %v (%v), met %v (%v); want a share below 0.85, not met", f.Service, share, ok, met, metOK)
		}
	}
}

// checkInvariants: the issued tickets end in exactly one way, the booked
// visits too, and the hours add up to the tickets.
func checkInvariants(t *testing.T, f stats.Figures) {
	t.Helper()
	if sum := f.Served + f.Missed + f.Cancelled + f.Expired + f.Open; sum != f.Issued {
		t.Errorf("%q: served+missed+cancelled+expired+open = %d, issued %d", f.Service, sum, f.Issued)
	}
	bk := f.Booked
	if sum := bk.Kept + bk.Missed + bk.Cancelled + bk.Pending; sum != bk.Booked {
		t.Errorf("%q: kept+missed+cancelled+pending = %d, booked %d", f.Service, sum, bk.Booked)
	}
	sum := 0
	for _, n := range f.PerHour {
		sum += n
	}
	if sum != f.Issued {
		t.Errorf("%q: hours add up to %d, issued %d", f.Service, sum, f.Issued)
	}
}

func TestComputeEmpty(t *testing.T) {
	r := stats.Compute(nil, stats.Options{Target: 15 * m, TargetShare: 0.85, ServiceNames: map[string]string{"A": "x"}})
	if r.TZ != "UTC" {
		t.Errorf("tz: got %s, want UTC", r.TZ)
	}
	if len(r.Services) != 1 || r.Services[0].Service != "A" || r.Services[0].Issued != 0 {
		t.Fatalf("services: got %+v, want one empty row of A", r.Services)
	}
	for _, f := range []stats.Figures{r.Total, r.Services[0]} {
		if f.Wait.OK() || f.ServiceTime.OK() || f.Wait.Median != 0 || f.Wait.P90 != 0 {
			t.Errorf("%q: got wait %+v, service %+v; want no data", f.Service, f.Wait, f.ServiceTime)
		}
		if v, ok := f.WithinTarget.Value(); ok || v != 0 {
			t.Errorf("%q share: got %v, %v; want 0, false", f.Service, v, ok)
		}
		if met, ok := f.WithinTarget.Met(); ok || met {
			t.Errorf("%q met: got %v, %v; want false, false", f.Service, met, ok)
		}
	}
	if r.Counters != nil || r.Clerks != nil {
		t.Errorf("staff: got %+v %+v, want none", r.Counters, r.Clerks)
	}
}

// TestComputeRange spans two days of a range and leaves out a third: a
// ticket open at midnight expires, and the figures add up over both days.
func TestComputeRange(t *testing.T) {
	tl := newTimeline(t, warsaw)
	for _, day := range []string{"2026-03-02", "2026-03-03", "2026-03-04"} {
		tl.day(day + " 00:00")
		tl.open(day+" 08:00", 1, "anowak")
		tl.issue(day+" 08:00", "A001", "A")
		tl.issue(day+" 08:10", "A002", "A")
		tl.call(day+" 08:05", "A001", 1)
		tl.came(day+" 08:06", "A001", 1)
		tl.finish(day+" 08:16", "A001", 1)
	}
	tl.issue("2026-03-03 17:30", "B001", "B")
	tl.day("2026-03-05 00:00")
	visits, err := stats.Visits(tl.events)
	if err != nil {
		t.Fatal(err)
	}
	o := exampleOptions()
	o.From, o.To = "2026-03-03", "2026-03-04"
	r := stats.Compute(visits, o)
	// Two days: A001 served each day (5m wait, 10m service); A002 and
	// B001 (on the 3rd) never called, expired.
	want := stats.Figures{
		Issued: 5, Served: 2, Expired: 3,
		PerHour:      hours(8, 4, 17, 1),
		Wait:         summary(5*m, 5*m, 5*m, 5*m),
		ServiceTime:  summary(10*m, 10*m, 10*m, 10*m),
		WithinTarget: stats.Share{Within: 2, Of: 2, Goal: 0.85},
	}
	sameFields(t, "total", r.Total, want)
	if met, ok := r.Total.WithinTarget.Met(); !met || !ok {
		t.Errorf("met: got %v, %v; want true, true", met, ok)
	}
	if got := r.Clerks; len(got) != 1 || got[0].Served != 2 {
		t.Errorf("clerks: got %+v, want anowak with 2 served", got)
	}
}

// TestComputeTimeZone: at Auckland (UTC+13 in March) the office's morning
// is the previous evening in UTC. The day of a visit is the local one, and
// the hours are local hours.
func TestComputeTimeZone(t *testing.T) {
	auckland := mustZone("Pacific/Auckland")
	tl := newTimeline(t, auckland)
	tl.day("2026-03-03 00:00")
	tl.open("2026-03-03 08:00", 1, "anowak")
	tl.issue("2026-03-03 08:10", "A001", "A") // 2026-03-02 19:10 UTC
	tl.call("2026-03-03 08:20", "A001", 1)
	tl.finish("2026-03-03 08:30", "A001", 1)
	tl.issue("2026-03-03 12:59", "A002", "A") // 2026-03-02 23:59 UTC
	tl.issue("2026-03-03 13:00", "A003", "A") // 2026-03-03 00:00 UTC
	visits, err := stats.Visits(tl.events)
	if err != nil {
		t.Fatal(err)
	}
	if utc := visits[0].Issued.UTC().Format(time.DateOnly); utc != "2026-03-02" {
		t.Fatalf("test is broken: A001 was issued on %s UTC, want 2026-03-02", utc)
	}
	// A visit without a Day (a hand-made or older record) is put on the
	// local date its wait started.
	visits[2].Day = ""
	cases := []struct {
		name     string
		from, to string
		tz       *time.Location
		issued   int
		perHour  [24]int
	}{
		{"local day", "2026-03-03", "2026-03-03", auckland, 3, hours(8, 1, 12, 1, 13, 1)},
		{"the UTC date has nothing", "2026-03-02", "2026-03-02", auckland, 0, hours()},
		// Read in UTC, the same visits fall in UTC hours, and the one
		// without a Day on 3 March UTC.
		{"hours in UTC", "2026-03-03", "2026-03-03", time.UTC, 3, hours(19, 1, 23, 1, 0, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := stats.Compute(visits, stats.Options{TZ: c.tz, From: c.from, To: c.to})
			if r.Total.Issued != c.issued || r.Total.PerHour != c.perHour {
				t.Errorf("got issued %d, hours %v; want %d, %v", r.Total.Issued, r.Total.PerHour, c.issued, c.perHour)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ds := func(mins ...int) []time.Duration {
		var out []time.Duration
		for _, x := range mins {
			out = append(out, time.Duration(x)*m)
		}
		return out
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      int
		want   time.Duration
		ok     bool
	}{
		{"nothing", nil, 50, 0, false},
		{"one value is every percentile", ds(7), 90, 7 * m, true},
		{"p0 is the smallest", ds(1, 2, 3), 0, 1 * m, true},
		{"p100 is the largest", ds(1, 2, 3), 100, 3 * m, true},
		{"median of two is the lower", ds(1, 2), 50, 1 * m, true},
		{"median of three is the middle", ds(1, 2, 3), 50, 2 * m, true},
		{"median of four is the second", ds(1, 2, 3, 4), 50, 2 * m, true},
		{"p90 of ten is the ninth", ds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * m, true},
		{"p90 of eleven is the tenth", ds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 90, 10 * m, true},
		{"p90 of nine is the ninth", ds(1, 2, 3, 4, 5, 6, 7, 8, 9), 90, 9 * m, true},
		{"p90 of twenty is the eighteenth", ds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 90, 18 * m, true},
		{"out of range is clamped", ds(1, 2), 150, 2 * m, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := stats.Percentile(c.sorted, c.p)
			if got != c.want || ok != c.ok {
				t.Errorf("got %v, %v; want %v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestShareMet(t *testing.T) {
	cases := []struct {
		name    string
		s       stats.Share
		value   float64
		met, ok bool
	}{
		{"exactly the goal", stats.Share{Within: 17, Of: 20, Goal: 0.85}, 0.85, true, true},
		{"one short", stats.Share{Within: 16, Of: 20, Goal: 0.85}, 0.8, false, true},
		{"all", stats.Share{Within: 3, Of: 3, Goal: 1}, 1, true, true},
		{"no goal is always met", stats.Share{Within: 0, Of: 3}, 0, true, true},
		{"no data", stats.Share{Goal: 0.85}, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, vok := c.s.Value()
			met, ok := c.s.Met()
			if v != c.value || vok != c.ok || met != c.met || ok != c.ok {
				t.Errorf("got value %v (%v), met %v (%v); want %v (%v), %v (%v)", v, vok, met, ok, c.value, c.ok, c.met, c.ok)
			}
		})
	}
}

func TestComputeNoTarget(t *testing.T) {
	visits, err := stats.Visits(exampleDay(t))
	if err != nil {
		t.Fatal(err)
	}
	o := exampleOptions()
	o.Target = 0
	r := stats.Compute(visits, o)
	if _, ok := r.Total.WithinTarget.Value(); ok || !r.Total.Wait.OK() {
		t.Errorf("without a target: got share %+v, wait %+v; want no share, waits", r.Total.WithinTarget, r.Total.Wait)
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name string
		o    stats.Options
		want string // "" for valid
	}{
		{"example", exampleOptions(), ""},
		{"open range", stats.Options{}, ""},
		{"bad from", stats.Options{From: "2026-3-2"}, `from: "2026-3-2" is not a date like 2006-01-02`},
		{"bad to", stats.Options{To: "yesterday"}, `to: "yesterday" is not a date like 2006-01-02`},
		{"backwards", stats.Options{From: "2026-03-02", To: "2026-03-01"}, "to: 2026-03-01 is before from 2026-03-02"},
		{"negative target", stats.Options{Target: -m}, "target: must not be negative"},
		{"share above one", stats.Options{TargetShare: 85}, "target_share: 85 is not in 0-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.o.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestAlerts(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, warsaw)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	waiting := []stats.WaitingTicket{
		{Number: "A002", Service: "A", Since: ago(20 * m)},
		{Number: "A001", Service: "A", Since: ago(31 * m)},
		{Number: "A003", Service: "A", Since: ago(2 * m)},
		{Number: "B001", Service: "B", Since: ago(15 * m)},
		{Number: "C001", Service: "C", Since: ago(50 * m)},
		{Number: "R001", Service: "D", Since: ago(40 * m)},
		{Number: "D002", Service: "D", Since: ago(40 * m)},
	}
	cases := []struct {
		name      string
		waiting   []stats.WaitingTicket
		threshold map[string]time.Duration
		want      []stats.Alert
	}{
		{"nobody waits", nil, map[string]time.Duration{"": m}, nil},
		{"no thresholds", waiting, nil, nil},
		{
			"per service, the oldest ticket, longer than (not equal to) the threshold",
			waiting,
			map[string]time.Duration{"A": 30 * m, "B": 15 * m, "C": 0, "D": 39 * m},
			[]stats.Alert{
				{Service: "A", Number: "A001", Waited: 31 * m, Threshold: 30 * m},
				// B waited exactly 15m: no alert. C's threshold is off.
				// D: two tickets equally old, the lower number is named.
				{Service: "D", Number: "D002", Waited: 40 * m, Threshold: 39 * m},
			},
		},
		{
			"a default for the services not named",
			waiting,
			map[string]time.Duration{"": 10 * m, "A": 45 * m},
			[]stats.Alert{
				{Service: "B", Number: "B001", Waited: 15 * m, Threshold: 10 * m},
				{Service: "C", Number: "C001", Waited: 50 * m, Threshold: 10 * m},
				{Service: "D", Number: "D002", Waited: 40 * m, Threshold: 10 * m},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stats.Alerts(c.waiting, now, c.threshold)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestVisitsFromTheEngine drives the real engine on a fake clock, so that
// the replay is checked against the events the engine really writes.
func TestVisitsFromTheEngine(t *testing.T) {
	ctx := t.Context()
	clock := queuetest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, warsaw)) // a Monday
	j := &queuetest.Journal{}
	e, err := queue.New(queuetest.Branch(), queue.Options{Clock: clock, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	c1 := queue.CounterRef{Location: "centrum", Number: 1}
	step := func(d time.Duration) { clock.Advance(d) }
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := e.OpenCounter(ctx, c1, "anowak"); err != nil {
		t.Fatal(err)
	}
	must(e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: "A"})) // A001 08:00
	step(m)
	must(e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: "A"})) // A002 08:01
	step(2 * m)
	must(e.CallNext(ctx, c1)) // A001 called 08:03
	step(m)
	must(e.NoShow(ctx, c1)) // 08:04
	must(e.CallNext(ctx, c1))
	step(m)
	must(e.ClientCame(ctx, c1)) // A002 came 08:05
	step(5 * m)
	must(e.Finish(ctx, c1)) // 08:10: A002 finished, A001 called again
	step(m)
	must(e.ClientCame(ctx, c1)) // 08:11
	step(4 * m)
	must(e.Transfer(ctx, c1, "B")) // 08:15
	step(m)
	must(e.CallNext(ctx, c1)) // 08:16: A001, now B
	step(m)
	must(e.ClientCame(ctx, c1))
	step(3 * m)
	must(e.Finish(ctx, c1)) // 08:20
	must(e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: "A"}))
	must(e.Cancel(ctx, "centrum", "A003"))

	visits, err := stats.Visits(j.Events())
	if err != nil {
		t.Fatal(err)
	}
	want := []visitWant{
		{"A001", "B", "A", queue.WalkIn, 3 * m, 3 * m, stats.Served, 1, "anowak", 3, 1},
		{"A002", "A", "A", queue.WalkIn, 3 * m, 5 * m, stats.Served, 1, "anowak", 1, 0},
		{"A003", "A", "A", queue.WalkIn, none, none, stats.Cancelled, 0, "", 0, 0},
	}
	if len(visits) != len(want) {
		t.Fatalf("got %d visits, want %d: %+v", len(visits), len(want), visits)
	}
	for i, w := range want {
		checkVisit(t, visits[i], w)
	}
}
