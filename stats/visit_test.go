package stats_test

import (
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/stats"
)

const none = time.Duration(-1) // no wait, or no service time

// visitWant is what a test expects of one visit.
type visitWant struct {
	number, service, first string
	kind                   queue.Kind
	wait, service_         time.Duration // none when there is none
	outcome                stats.Outcome
	counter                int
	clerk                  string
	calls, noShows         int
}

func checkVisit(t *testing.T, v stats.Visit, w visitWant) {
	t.Helper()
	if v.Number != w.number {
		t.Errorf("number: got %s, want %s", v.Number, w.number)
		return
	}
	dur := func(d time.Duration, ok bool) time.Duration {
		if !ok {
			return none
		}
		return d
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"service", v.Service, w.service},
		{"first service", v.FirstService, w.first},
		{"kind", v.Kind, w.kind},
		{"wait", dur(v.Wait()), w.wait},
		{"service time", dur(v.ServiceTime()), w.service_},
		{"outcome", v.Outcome, w.outcome},
		{"counter", v.Counter, w.counter},
		{"clerk", v.Clerk, w.clerk},
		{"calls", v.Calls, w.calls},
		{"no-shows", v.NoShows, w.noShows},
	} {
		if c.got != c.want {
			t.Errorf("%s %s: got %v, want %v", v.Number, c.what, c.got, c.want)
		}
	}
}

func TestVisitsExampleDay(t *testing.T) {
	visits, err := stats.Visits(exampleDay(t))
	if err != nil {
		t.Fatal(err)
	}
	const m = time.Minute
	// In order of day, then the start of the wait, then number.
	want := []visitWant{
		{"A001", "A", "A", queue.WalkIn, 5 * m, 10 * m, stats.Served, 1, "anowak", 1, 0},
		// Announced again at 08:11 (not a call), a no-show, then called
		// again after B001 and served.
		{"A002", "A", "A", queue.WalkIn, 8 * m, 9 * m, stats.Served, 2, "bwisniewska", 2, 1},
		{"B001", "B", "B", queue.WalkIn, 8 * m, 7 * m, stats.Served, 2, "bwisniewska", 1, 0},
		// Three calls, two no-shows, and the third press is Missed.
		{"A003", "A", "A", queue.WalkIn, 19 * m, none, stats.Missed, 1, "anowak", 3, 0 + 2},
		{"B002", "B", "B", queue.WalkIn, 19 * m, 8 * m, stats.Served, 1, "anowak", 1, 0},
		// Transferred from B to A: counted in A, first wait kept, served
		// by the clerk who took counter 1 at 10:05.
		{"B003", "A", "B", queue.WalkIn, 20 * m, 14 * m, stats.Served, 1, "jkowalski", 2, 0},
		{"A004", "A", "A", queue.WalkIn, none, none, stats.Cancelled, 0, "", 0, 0},
		// Entered 20 s after its time: the wait is from the entry.
		{"R001", "A", "A", queue.Booked, 100 * time.Second, 12 * m, stats.Served, 1, "jkowalski", 1, 0},
		{"R002", "B", "B", queue.Booked, none, none, stats.Expired, 0, "", 0, 0},
		// Cancelled two days before its day: booked 25 Feb, so the
		// DayStarted of 27 Feb did not expire it.
		{"R003", "A", "A", queue.Booked, none, none, stats.Cancelled, 0, "", 0, 0},
	}
	if len(visits) != len(want) {
		t.Fatalf("got %d visits, want %d: %+v", len(visits), len(want), visits)
	}
	for i, w := range want {
		checkVisit(t, visits[i], w)
	}

	tl := newTimeline(t, warsaw)
	r001 := visits[7]
	for _, c := range []struct {
		what      string
		got, want time.Time
	}{
		{"key", r001.Key, tl.at("2026-03-02 10:30")},
		{"issued", r001.Issued, tl.at("2026-03-02 10:30:20")},
		{"start", r001.Start(), tl.at("2026-03-02 10:30:20")},
		{"first called", r001.FirstCalled, tl.at("2026-03-02 10:32")},
		{"came", r001.Came, tl.at("2026-03-02 10:33")},
		{"finished", r001.Finished, tl.at("2026-03-02 10:45")},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("R001 %s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	for _, v := range visits {
		if v.Day != "2026-03-02" {
			t.Errorf("%s day: got %s, want 2026-03-02", v.Number, v.Day)
		}
		if want := "centrum/2026-03-02/" + v.Number; v.Ticket != want {
			t.Errorf("%s ticket: got %s, want %s", v.Number, v.Ticket, want)
		}
	}
	if r003 := visits[9]; r003.Queued() || !r003.Issued.IsZero() {
		t.Errorf("R003 cancelled before its day: got queued %v, issued %v; want not queued, no issue time", r003.Queued(), r003.Issued)
	}
}

// TestVisitsCases replays small timelines, one rule each.
func TestVisitsCases(t *testing.T) {
	const m = time.Minute
	cases := []struct {
		name  string
		build func(tl *timeline)
		want  []visitWant
	}{
		{
			name: "announcing a call again is not a call",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.call("2026-03-02 08:03", "A001", 1)
				tl.recall("2026-03-02 08:04", "A001", 1)
				tl.recall("2026-03-02 08:05", "A001", 1)
				tl.came("2026-03-02 08:06", "A001", 1)
				tl.finish("2026-03-02 08:10", "A001", 1)
			},
			want: []visitWant{{"A001", "A", "A", queue.WalkIn, 3 * m, 4 * m, stats.Served, 1, "anowak", 1, 0}},
		},
		{
			name: "no-shows and automatic calls, then served",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.issue("2026-03-02 08:01", "A002", "A")
				tl.call("2026-03-02 08:02", "A001", 1)
				tl.noShow("2026-03-02 08:03", "A001", 1)
				tl.call("2026-03-02 08:03", "A002", 1)
				tl.came("2026-03-02 08:04", "A002", 1)
				tl.finish("2026-03-02 08:09", "A002", 1)
				tl.call("2026-03-02 08:09", "A001", 1)
				tl.noShow("2026-03-02 08:10", "A001", 1)
				tl.call("2026-03-02 08:10", "A001", 1)
				tl.came("2026-03-02 08:11", "A001", 1)
				tl.finish("2026-03-02 08:20", "A001", 1)
			},
			want: []visitWant{
				{"A001", "A", "A", queue.WalkIn, 2 * m, 9 * m, stats.Served, 1, "anowak", 3, 2},
				{"A002", "A", "A", queue.WalkIn, 2 * m, 5 * m, stats.Served, 1, "anowak", 1, 0},
			},
		},
		{
			name: "missed, restored, served elsewhere",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.open("2026-03-02 08:00", 2, "bwisniewska")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.call("2026-03-02 08:01", "A001", 1)
				tl.missed("2026-03-02 08:02", "A001", 1) // MaxCalls 1 in this office
				tl.restore("2026-03-02 08:30", "A001")
				tl.call("2026-03-02 08:31", "A001", 2)
				tl.came("2026-03-02 08:32", "A001", 2)
				tl.finish("2026-03-02 08:40", "A001", 2)
			},
			want: []visitWant{{"A001", "A", "A", queue.WalkIn, 1 * m, 8 * m, stats.Served, 2, "bwisniewska", 2, 0}},
		},
		{
			name: "missed and not restored",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.call("2026-03-02 08:01", "A001", 1)
				tl.noShow("2026-03-02 08:02", "A001", 1)
				tl.call("2026-03-02 08:02", "A001", 1)
				tl.noShow("2026-03-02 08:03", "A001", 1)
				tl.call("2026-03-02 08:03", "A001", 1)
				tl.missed("2026-03-02 08:04", "A001", 1)
			},
			want: []visitWant{{"A001", "A", "A", queue.WalkIn, 1 * m, none, stats.Missed, 1, "anowak", 3, 2}},
		},
		{
			name: "transferred while being served keeps its first wait and service",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.open("2026-03-02 08:00", 2, "bwisniewska")
				tl.issue("2026-03-02 08:00", "B001", "B")
				tl.call("2026-03-02 08:05", "B001", 1)
				tl.came("2026-03-02 08:06", "B001", 1)
				tl.transfer("2026-03-02 08:08", "B001", 1, "C")
				tl.transfer("2026-03-02 08:08:30", "B001", 0, "A") // changed again before a call
				tl.call("2026-03-02 08:20", "B001", 2)
				// Finished without "came": service from this call.
				tl.finish("2026-03-02 08:26", "B001", 2)
			},
			want: []visitWant{{"B001", "A", "B", queue.WalkIn, 5 * m, 6 * m, stats.Served, 2, "bwisniewska", 2, 0}},
		},
		{
			name: "cancelled while waiting and while called",
			build: func(tl *timeline) {
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.issue("2026-03-02 08:01", "A002", "A")
				tl.cancel("2026-03-02 08:10", "A001")
				tl.call("2026-03-02 08:11", "A002", 1)
				tl.cancel("2026-03-02 08:12", "A002")
			},
			want: []visitWant{
				{"A001", "A", "A", queue.WalkIn, none, none, stats.Cancelled, 0, "", 0, 0},
				{"A002", "A", "A", queue.WalkIn, 10 * m, none, stats.Cancelled, 1, "anowak", 1, 0},
			},
		},
		{
			name: "a new day expires what is open and keeps what is over",
			build: func(tl *timeline) {
				tl.day("2026-03-02 00:00")
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.issue("2026-03-02 08:00", "A001", "A") // waiting
				tl.issue("2026-03-02 08:01", "A002", "A") // pending no-show
				tl.issue("2026-03-02 08:02", "A003", "A") // at the counter
				tl.issue("2026-03-02 08:03", "A004", "A") // served
				tl.call("2026-03-02 08:04", "A004", 1)
				tl.finish("2026-03-02 08:05", "A004", 1)
				tl.call("2026-03-02 17:00", "A002", 1)
				tl.noShow("2026-03-02 17:01", "A002", 1)
				tl.call("2026-03-02 17:01", "A003", 1)
				tl.came("2026-03-02 17:02", "A003", 1)
				tl.day("2026-03-03 00:00")
				tl.open("2026-03-03 08:00", 1, "jkowalski")
			},
			want: []visitWant{
				{"A001", "A", "A", queue.WalkIn, none, none, stats.Expired, 0, "", 0, 0},
				{"A002", "A", "A", queue.WalkIn, 8*time.Hour + 59*m, none, stats.Expired, 1, "anowak", 1, 1},
				{"A003", "A", "A", queue.WalkIn, 8*time.Hour + 59*m, none, stats.Expired, 1, "anowak", 1, 0},
				{"A004", "A", "A", queue.WalkIn, 1 * m, 1 * m, stats.Served, 1, "anowak", 1, 0},
			},
		},
		{
			name: "booked visits: kept, missed after entering, cancelled before the day, not yet entered",
			build: func(tl *timeline) {
				tl.day("2026-03-01 00:00")
				tl.book("2026-03-01 10:00", "R001", "A", "2026-03-02 09:00")
				tl.book("2026-03-01 10:01", "R002", "A", "2026-03-02 09:30")
				tl.book("2026-03-01 10:02", "R003", "B", "2026-03-02 10:00")
				tl.book("2026-03-01 10:03", "R001", "A", "2026-03-05 09:00") // another day's R001
				tl.cancel("2026-03-01 12:00", "R003")
				tl.day("2026-03-02 00:00")
				tl.open("2026-03-02 08:00", 4, "anowak")
				tl.enter("2026-03-02 09:00", "centrum/2026-03-02/R001")
				tl.enter("2026-03-02 09:30", "R002")
				tl.call("2026-03-02 09:40", "centrum/2026-03-02/R001", 4)
				tl.came("2026-03-02 09:41", "centrum/2026-03-02/R001", 4)
				tl.finish("2026-03-02 09:50", "centrum/2026-03-02/R001", 4)
				tl.day("2026-03-03 00:00")
			},
			want: []visitWant{
				{"R001", "A", "A", queue.Booked, 40 * m, 9 * m, stats.Served, 4, "anowak", 1, 0},
				{"R002", "A", "A", queue.Booked, none, none, stats.Expired, 0, "", 0, 0},
				{"R003", "B", "B", queue.Booked, none, none, stats.Cancelled, 0, "", 0, 0},
				{"R001", "A", "A", queue.Booked, none, none, stats.NotEntered, 0, "", 0, 0},
			},
		},
		{
			name: "a booked visit called early waited nothing",
			build: func(tl *timeline) {
				tl.day("2026-03-02 00:00")
				tl.book("2026-03-02 08:00", "R001", "A", "2026-03-02 11:00")
				tl.open("2026-03-02 10:00", 1, "anowak")
				tl.call("2026-03-02 10:40", "R001", 1) // came early, called by number
				tl.came("2026-03-02 10:41", "R001", 1)
				tl.finish("2026-03-02 10:50", "R001", 1)
			},
			want: []visitWant{{"R001", "A", "A", queue.Booked, 0, 9 * m, stats.Served, 1, "anowak", 1, 0}},
		},
		{
			name: "the clerk is whoever holds the counter at the time",
			build: func(tl *timeline) {
				tl.day("2026-03-02 00:00")
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.issue("2026-03-02 08:00:30", "A002", "A")
				tl.issue("2026-03-02 08:01", "A003", "A")
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.call("2026-03-02 08:02", "A001", 1)
				tl.finish("2026-03-02 08:07", "A001", 1)
				tl.close("2026-03-02 08:10", 1)
				tl.call("2026-03-02 08:11", "A002", 1) // a log with no clerk: none is made up
				tl.finish("2026-03-02 08:12", "A002", 1)
				tl.open("2026-03-02 08:15", 1, "jkowalski")
				tl.call("2026-03-02 08:16", "A003", 1)
				tl.finish("2026-03-02 08:20", "A003", 1)
			},
			want: []visitWant{
				{"A001", "A", "A", queue.WalkIn, 2 * m, 5 * m, stats.Served, 1, "anowak", 1, 0},
				{"A002", "A", "A", queue.WalkIn, 10*m + 30*time.Second, 1 * m, stats.Served, 1, "", 1, 0},
				{"A003", "A", "A", queue.WalkIn, 15 * m, 4 * m, stats.Served, 1, "jkowalski", 1, 0},
			},
		},
		{
			name: "still open at the end of the log",
			build: func(tl *timeline) {
				tl.issue("2026-03-02 08:00", "A001", "A")
				tl.open("2026-03-02 08:00", 1, "anowak")
				tl.call("2026-03-02 08:02", "A001", 1)
				tl.came("2026-03-02 08:03", "A001", 1)
			},
			want: []visitWant{{"A001", "A", "A", queue.WalkIn, 2 * m, none, stats.Open, 1, "anowak", 1, 0}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := newTimeline(t, warsaw)
			c.build(tl)
			visits, err := stats.Visits(tl.events)
			if err != nil {
				t.Fatal(err)
			}
			if len(visits) != len(c.want) {
				t.Fatalf("got %d visits, want %d: %+v", len(visits), len(c.want), visits)
			}
			for i, w := range c.want {
				checkVisit(t, visits[i], w)
			}
		})
	}
}

func TestReplayErrors(t *testing.T) {
	base := func(t *testing.T) []queue.Event {
		tl := newTimeline(t, warsaw)
		tl.issue("2026-03-02 08:00", "A001", "A")
		tl.issue("2026-03-02 08:01", "A002", "A")
		return tl.events
	}
	cases := []struct {
		name   string
		change func([]queue.Event) []queue.Event
		want   string
	}{
		{"out of order", func(evs []queue.Event) []queue.Event {
			evs[0], evs[1] = evs[1], evs[0]
			return evs
		}, "does not follow"},
		{"repeated", func(evs []queue.Event) []queue.Event { return append(evs, evs[1]) }, "does not follow"},
		{"another location", func(evs []queue.Event) []queue.Event {
			evs[1].Location = "plaza"
			return evs
		}, `of location "plaza"`},
		{"issued twice", func(evs []queue.Event) []queue.Event {
			evs[1].Ticket = evs[0].Ticket
			return evs
		}, "issued twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stats.Visits(c.change(base(t)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one saying %q", err, c.want)
			}
		})
	}
	// A gap and events about tickets never seen are fine: the log may be
	// read from the middle.
	evs := base(t)
	evs[1].Seq = 7
	evs = append(evs, queue.Event{Location: "centrum", Seq: 8, Type: queue.Finished, Ticket: "centrum/2026-03-01/A099"},
		queue.Event{Location: "centrum", Seq: 9, Type: "something_new"})
	visits, err := stats.Visits(evs)
	if err != nil || len(visits) != 2 {
		t.Errorf("got %d visits, error %v; want 2 visits, no error", len(visits), err)
	}
}

func TestReplayKeepsOnlyItsDays(t *testing.T) {
	tl := newTimeline(t, warsaw)
	for _, day := range []string{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"} {
		tl.day(day + " 00:00")
		tl.issue(day+" 08:00", "A001", "A")
		tl.open(day+" 08:00", 1, "anowak")
		tl.call(day+" 08:05", "A001", 1)
		tl.finish(day+" 08:10", "A001", 1)
	}
	r := stats.Replay{From: "2026-03-02", To: "2026-03-03"}
	for _, ev := range tl.events {
		if err := r.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	var days []string
	for _, v := range r.Visits() {
		days = append(days, v.Day)
	}
	if got, want := strings.Join(days, " "), "2026-03-02 2026-03-03"; got != want {
		t.Errorf("days: got %s, want %s", got, want)
	}
}
