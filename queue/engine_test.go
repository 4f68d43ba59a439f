package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// tuesday9 is Tuesday 24 November 2026, 9:00 in Warsaw.
var tuesday9 = time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw)

type harness struct {
	t       *testing.T
	e       *queue.Engine
	clock   *queuetest.Clock
	journal *queuetest.Journal
	ctx     context.Context
}

func newHarness(t *testing.T, b queue.Branch) *harness {
	t.Helper()
	h := &harness{t: t, clock: queuetest.NewClock(tuesday9), journal: &queuetest.Journal{}, ctx: context.Background()}
	e, err := queue.New(b, queue.Options{Clock: h.clock, Journal: h.journal})
	if err != nil {
		t.Fatal(err)
	}
	h.e = e
	return h
}

// step is one line of a scenario: an action at a counter (or none), its
// argument, and what it must give: a ticket number, a status, or an error
// code.
type step struct {
	act     string
	counter int
	arg     string
	want    string // ticket number for calls, or the expected value of a check
	code    string // expected error code
}

func (h *harness) run(loc string, steps []step) {
	h.t.Helper()
	for i, s := range steps {
		got, err := h.do(loc, s)
		if code := queue.ErrorCode(err); code != s.code {
			h.t.Fatalf("step %d %s %d %s: got error %v (code %q), want code %q", i+1, s.act, s.counter, s.arg, err, code, s.code)
		}
		if err == nil && got != s.want {
			h.t.Fatalf("step %d %s %d %s: got %q, want %q", i+1, s.act, s.counter, s.arg, got, s.want)
		}
	}
}

func (h *harness) do(loc string, s step) (string, error) {
	c := queue.CounterRef{Location: loc, Number: s.counter}
	number := func(t queue.Ticket, err error) (string, error) { return t.Number, err }
	switch s.act {
	case "issue":
		is, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: loc, Service: s.arg})
		return is.Ticket.Number, err
	case "open":
		return "", h.e.OpenCounter(h.ctx, c, "clerk"+fmt.Sprint(s.counter))
	case "close":
		return "", h.e.CloseCounter(h.ctx, c)
	case "next":
		return number(h.e.CallNext(h.ctx, c))
	case "call":
		return number(h.e.CallNumber(h.ctx, c, s.arg))
	case "recall":
		return number(h.e.Recall(h.ctx, c))
	case "came":
		return number(h.e.ClientCame(h.ctx, c))
	case "finish":
		return number(h.e.Finish(h.ctx, c))
	case "noshow":
		return number(h.e.NoShow(h.ctx, c))
	case "transfer":
		return number(h.e.Transfer(h.ctx, c, s.arg))
	case "cancel":
		return number(h.e.Cancel(h.ctx, loc, s.arg))
	case "restore":
		return number(h.e.Restore(h.ctx, loc, s.arg))
	case "wait":
		d, err := time.ParseDuration(s.arg)
		if err != nil {
			h.t.Fatal(err)
		}
		h.clock.Advance(d)
		return "", h.e.Tick(h.ctx)
	case "current": // the number called or served at the counter, and its status
		v := h.view(loc)
		for _, cv := range v.Counters {
			if cv.Number == s.counter {
				if cv.Current == nil {
					return "-", nil
				}
				return fmt.Sprintf("%s %s %d", cv.Current.Number, cv.Current.Status, cv.Current.Calls), nil
			}
		}
		return "no such counter", nil
	case "pending":
		for _, cv := range h.view(loc).Counters {
			if cv.Number == s.counter {
				return strings.Join(cv.Pending, ","), nil
			}
		}
		return "no such counter", nil
	case "waiting":
		var nums []string
		for _, t := range h.view(loc).Waiting {
			nums = append(nums, t.Number)
		}
		return strings.Join(nums, ","), nil
	case "missed":
		var nums []string
		for _, t := range h.view(loc).Missed {
			nums = append(nums, t.Number)
		}
		return strings.Join(nums, ","), nil
	}
	h.t.Fatalf("unknown act %q", s.act)
	return "", nil
}

func (h *harness) view(loc string) queue.View {
	h.t.Helper()
	v, err := h.e.View(loc)
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

// TestNoShowStory is the seed's story, step by step: the client did not come,
// the clerk pressed "Nie zgłosił się" and called the next; after that client
// was served the missing one was called again automatically; again no-show,
// again the next client, a third call, and then the ticket left the queue.
func TestNoShowStory(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	h.run("centrum", []step{
		{act: "issue", arg: "A", want: "A001"},
		{act: "issue", arg: "A", want: "A002"},
		{act: "issue", arg: "A", want: "A003"},
		{act: "issue", arg: "A", want: "A004"},
		{act: "open", counter: 1},
		{act: "next", counter: 1, want: "A001"},
		{act: "current", counter: 1, want: "A001 called 1"},
		// 1st call: A001 is not there.
		{act: "noshow", counter: 1, want: "A001"},
		{act: "current", counter: 1, want: "-"},
		{act: "pending", counter: 1, want: "A001"},
		{act: "next", counter: 1, want: "A002"},
		{act: "came", counter: 1, want: "A002"},
		// A002 served: A001 is called again at once, at the same counter.
		{act: "finish", counter: 1, want: "A002"},
		{act: "current", counter: 1, want: "A001 called 2"},
		{act: "pending", counter: 1, want: ""},
		// 2nd call: again not there.
		{act: "noshow", counter: 1, want: "A001"},
		{act: "next", counter: 1, want: "A003"},
		{act: "finish", counter: 1, want: "A003"},
		{act: "current", counter: 1, want: "A001 called 3"},
		// 3rd call unanswered: A001 leaves the queue.
		{act: "noshow", counter: 1, want: "A001"},
		{act: "missed", want: "A001"},
		{act: "pending", counter: 1, want: ""},
		{act: "current", counter: 1, want: "-"},
		{act: "next", counter: 1, want: "A004"},
		{act: "finish", counter: 1, want: "A004"},
		{act: "current", counter: 1, want: "-"},
		// A clerk restores the missed ticket: it is first in the queue again,
		// with a fresh count of calls.
		{act: "issue", arg: "A", want: "A005"},
		{act: "restore", arg: "A001", want: "A001"},
		{act: "waiting", want: "A001,A005"},
		{act: "next", counter: 1, want: "A001"},
		{act: "current", counter: 1, want: "A001 called 1"},
		{act: "came", counter: 1, want: "A001"},
	})
}

// TestNoShowEdges covers what the seed leaves open, as chosen in the design.
func TestNoShowEdges(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{{
		name: "empty queue calls the no-show again at once",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A001"},
			{act: "noshow", counter: 1, want: "A001"},
			{act: "next", counter: 1, want: "A001"},
			{act: "current", counter: 1, want: "A001 called 2"},
		},
	}, {
		name: "call next while serving finishes the client and calls the no-show again",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "issue", arg: "A", want: "A002"},
			{act: "issue", arg: "A", want: "A003"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A001"},
			{act: "noshow", counter: 1, want: "A001"},
			{act: "next", counter: 1, want: "A002"},
			{act: "came", counter: 1, want: "A002"},
			{act: "next", counter: 1, want: "A001"},
			{act: "current", counter: 1, want: "A001 called 2"},
			{act: "waiting", want: "A003"},
		},
	}, {
		name: "call next while the client is only called is refused",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A001"},
			{act: "next", counter: 1, code: queue.EConflict},
			{act: "current", counter: 1, want: "A001 called 1"},
		},
	}, {
		name: "two no-shows at one counter are called again oldest first",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "issue", arg: "A", want: "A002"},
			{act: "issue", arg: "A", want: "A003"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A001"},
			{act: "noshow", counter: 1, want: "A001"},
			{act: "next", counter: 1, want: "A002"},
			{act: "noshow", counter: 1, want: "A002"},
			{act: "pending", counter: 1, want: "A001,A002"},
			{act: "next", counter: 1, want: "A003"},
			{act: "finish", counter: 1, want: "A003"},
			{act: "current", counter: 1, want: "A001 called 2"},
			{act: "came", counter: 1, want: "A001"},
			{act: "finish", counter: 1, want: "A001"},
			{act: "current", counter: 1, want: "A002 called 2"},
		},
	}, {
		name: "recall announces again without counting a call",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A001"},
			{act: "recall", counter: 1, want: "A001"},
			{act: "recall", counter: 1, want: "A001"},
			{act: "current", counter: 1, want: "A001 called 1"},
		},
	}, {
		name: "closing a counter puts its no-shows back in the queue",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "open", counter: 1},
			{act: "open", counter: 2},
			{act: "next", counter: 1, want: "A001"},
			{act: "noshow", counter: 1, want: "A001"},
			{act: "close", counter: 1},
			{act: "waiting", want: "A001"},
			{act: "next", counter: 2, want: "A001"},
			{act: "current", counter: 2, want: "A001 called 2"},
		},
	}, {
		name: "a chosen pending no-show can be called at another counter",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "open", counter: 1},
			{act: "open", counter: 2},
			{act: "next", counter: 1, want: "A001"},
			{act: "noshow", counter: 1, want: "A001"},
			{act: "call", counter: 2, arg: "A001", want: "A001"},
			{act: "pending", counter: 1, want: ""},
			{act: "current", counter: 2, want: "A001 called 2"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newHarness(t, queuetest.Branch()).run("centrum", tt.steps)
		})
	}
}

// TestCallingOrder checks the time key, the counters' services and
// priorities, booked visits and transfers.
func TestCallingOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{{
		name: "priority: counter 1 takes A before an older B, counter 2 the reverse",
		steps: []step{
			{act: "issue", arg: "B", want: "B001"},
			{act: "wait", arg: "1m"},
			{act: "issue", arg: "A", want: "A001"},
			{act: "issue", arg: "B", want: "B002"},
			{act: "open", counter: 1},
			{act: "open", counter: 2},
			{act: "next", counter: 1, want: "A001"},
			{act: "next", counter: 2, want: "B001"},
			{act: "finish", counter: 1, want: "A001"},
			{act: "next", counter: 1, want: "B002"},
		},
	}, {
		name: "oldest: counter 3 takes the oldest of C and A",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "wait", arg: "1m"},
			{act: "issue", arg: "C", want: "C001"},
			{act: "open", counter: 3},
			{act: "next", counter: 3, want: "A001"},
			{act: "finish", counter: 3, want: "A001"},
			{act: "next", counter: 3, want: "C001"},
		},
	}, {
		name: "a counter does not call services it does not serve",
		steps: []step{
			{act: "issue", arg: "C", want: "C001"},
			{act: "open", counter: 1},
			{act: "next", counter: 1, code: queue.ENotFound},
			{act: "waiting", want: "C001"},
		},
	}, {
		name: "transfer keeps the time key",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "wait", arg: "1m"},
			{act: "issue", arg: "B", want: "B001"},
			{act: "open", counter: 1},
			{act: "open", counter: 2},
			{act: "next", counter: 1, want: "A001"},
			{act: "came", counter: 1, want: "A001"},
			{act: "transfer", counter: 1, arg: "B", want: "A001"},
			{act: "current", counter: 1, want: "-"},
			{act: "waiting", want: "A001,B001"},
			{act: "next", counter: 2, want: "A001"},
			{act: "current", counter: 2, want: "A001 called 1"},
		},
	}, {
		name: "cancel takes a ticket out",
		steps: []step{
			{act: "issue", arg: "A", want: "A001"},
			{act: "issue", arg: "A", want: "A002"},
			{act: "cancel", arg: "A001", want: "A001"},
			{act: "cancel", arg: "A001", code: queue.EConflict},
			{act: "open", counter: 1},
			{act: "next", counter: 1, want: "A002"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newHarness(t, queuetest.Branch()).run("centrum", tt.steps)
		})
	}
}

// TestBookedVisitsInterleave books a visit for 10:00 and checks that it
// enters the queue at its time, between walk-ins by time key, and that a
// booked-only counter takes only it.
func TestBookedVisitsInterleave(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, queuetest.Warsaw)
	bk, err := h.e.Book(h.ctx, queue.BookRequest{Location: "centrum", Service: "A", At: at, Booking: "R-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bk.Number, "R001"; got != want {
		t.Fatalf("booked number: got %q, want %q", got, want)
	}
	if got, want := bk.Status, queue.StatusBooked; got != want {
		t.Fatalf("booked status: got %q, want %q", got, want)
	}
	h.run("centrum", []step{
		{act: "open", counter: 4},
		{act: "next", counter: 4, code: queue.ENotFound}, // its time has not come
		{act: "wait", arg: "50m"},                        // 9:50
		{act: "issue", arg: "A", want: "A001"},           // the walk-in series is untouched
		{act: "waiting", want: "A001"},
		{act: "wait", arg: "10m"}, // 10:00: the booking enters
		{act: "waiting", want: "A001,R001"},
		{act: "wait", arg: "5m"}, // 10:05
		{act: "issue", arg: "A", want: "A002"},
		{act: "waiting", want: "A001,R001,A002"},
		{act: "open", counter: 1},
		{act: "next", counter: 4, want: "R001"}, // booked-only counter
		{act: "next", counter: 1, want: "A001"},
		{act: "finish", counter: 1, want: "A001"},
		{act: "next", counter: 1, want: "A002"},
	})
}

func TestBookErrors(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	tests := []struct {
		name    string
		service string
		at      time.Time
		code    string
	}{
		{"past", "A", tuesday9.Add(-time.Hour), queue.EInvalid},
		{"beyond 30 days", "A", tuesday9.AddDate(0, 0, 31), queue.EInvalid},
		{"closed hour", "A", tuesday9.Add(10 * time.Hour), queue.EInvalid},
		{"saturday", "A", time.Date(2026, 11, 28, 10, 0, 0, 0, queuetest.Warsaw), queue.EInvalid},
		{"not bookable", "B", tuesday9.Add(time.Hour), queue.EInvalid},
		{"unknown service", "Z", tuesday9.Add(time.Hour), queue.ENotFound},
		{"ok", "C", tuesday9.Add(time.Hour), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.e.Book(h.ctx, queue.BookRequest{Location: "centrum", Service: tt.service, At: tt.at})
			if got := queue.ErrorCode(err); got != tt.code {
				t.Fatalf("got code %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

func TestBookingOnAnotherDayTakesThatDaysNumbers(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	wed10 := time.Date(2026, 11, 25, 10, 0, 0, 0, queuetest.Warsaw)
	book := func(service string, at time.Time) string {
		t.Helper()
		bk, err := h.e.Book(h.ctx, queue.BookRequest{Location: "centrum", Service: service, At: at})
		if err != nil {
			t.Fatal(err)
		}
		return bk.Number
	}
	// The booked series is one per location and day, whatever the service.
	if got := []string{book("A", wed10), book("C", wed10), book("A", tuesday9.Add(time.Hour))}; !slices.Equal(got, []string{"R001", "R002", "R001"}) {
		t.Fatalf("booked numbers: got %v, want Wednesday's R001, R002 and Tuesday's R001", got)
	}
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}}) // today's walk-ins are untouched
	h.clock.Set(time.Date(2026, 11, 25, 8, 0, 0, 0, queuetest.Warsaw))
	h.run("centrum", []step{
		{act: "issue", arg: "A", want: "A001"}, // Wednesday's own walk-in series
		{act: "open", counter: 1},
		{act: "call", counter: 1, arg: "R001", want: "R001"}, // came early: called by number
	})
	if got := book("A", wed10.Add(time.Hour)); got != "R003" {
		t.Fatalf("a third booking for Wednesday: got %q, want R003", got)
	}
}

func TestDayRolloverAndOpeningHours(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	h.run("centrum", []step{
		{act: "issue", arg: "A", want: "A001"},
		{act: "issue", arg: "A", want: "A002"},
		{act: "open", counter: 1},
		{act: "next", counter: 1, want: "A001"},
	})
	steps := []struct {
		at   time.Time
		code string
		want string
	}{
		{time.Date(2026, 11, 24, 18, 0, 0, 0, queuetest.Warsaw), queue.EClosed, ""},
		{time.Date(2026, 11, 25, 7, 59, 0, 0, queuetest.Warsaw), queue.EClosed, ""},
		{time.Date(2026, 11, 25, 8, 0, 0, 0, queuetest.Warsaw), "", "A001"},
		{time.Date(2026, 11, 28, 10, 0, 0, 0, queuetest.Warsaw), queue.EClosed, ""}, // Saturday
		{time.Date(2026, 11, 30, 17, 59, 0, 0, queuetest.Warsaw), "", "A001"},
	}
	for _, s := range steps {
		h.clock.Set(s.at)
		is, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "A"})
		if got := queue.ErrorCode(err); got != s.code {
			t.Fatalf("%s: got code %q (%v), want %q", s.at, got, err, s.code)
		}
		if err == nil && is.Ticket.Number != s.want {
			t.Fatalf("%s: got %q, want %q", s.at, is.Ticket.Number, s.want)
		}
	}
	v := h.view("centrum")
	if got, want := v.Day, "2026-11-30"; got != want {
		t.Fatalf("day: got %q, want %q", got, want)
	}
	if got, want := len(v.Waiting), 1; got != want {
		t.Fatalf("waiting after rollover: got %d, want %d", got, want)
	}
	if cur := v.Counters[0].Current; cur != nil {
		t.Fatalf("counter 1 kept yesterday's client %s", cur.Number)
	}
	if v.Counters[0].Open {
		t.Fatal("counter 1 is still open on a new day")
	}
}

// TestMidnightInWarsawNotUTC: the day rolls over at local midnight whatever
// the server's zone: 23:30 UTC on 24 November is already the 25th in Warsaw.
func TestMidnightInWarsawNotUTC(t *testing.T) {
	b := queuetest.Branch()
	for i := range b.Locations {
		for d := range b.Locations[i].Hours {
			b.Locations[i].Hours[d] = queue.Hours{Open: 0, Close: 24 * time.Hour}
		}
	}
	h := newHarness(t, b)
	h.clock.Set(time.Date(2026, 11, 24, 22, 30, 0, 0, time.UTC)) // 23:30 Warsaw
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}, {act: "issue", arg: "A", want: "A002"}})
	h.clock.Set(time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)) // 00:30 Warsaw, the 25th
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}})
	if got, want := h.view("centrum").Day, "2026-11-25"; got != want {
		t.Fatalf("day: got %q, want %q", got, want)
	}
}

func TestIdempotency(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	req := queue.IssueRequest{Location: "centrum", Service: "A", IdempotencyKey: "press-1"}
	first, err := h.e.Issue(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.e.Issue(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Ticket.ID != first.Ticket.ID || !again.Repeated || first.Repeated {
		t.Fatalf("retry: got %s repeated=%v, want %s repeated=true", again.Ticket.ID, again.Repeated, first.Ticket.ID)
	}
	if got, want := again.Ticket.Token, first.Ticket.Token; got != want || got == "" {
		t.Fatalf("retry token: got %q, want %q", got, want)
	}
	_, err = h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "B", IdempotencyKey: "press-1"})
	if got, want := queue.ErrorCode(err), queue.EConflict; got != want {
		t.Fatalf("same key, other service: got %q, want %q", got, want)
	}
	if n := len(h.view("centrum").Waiting); n != 1 {
		t.Fatalf("waiting: got %d tickets, want 1", n)
	}
}

func TestIssueAnswer(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	for range 3 {
		if _, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "A"}); err != nil {
			t.Fatal(err)
		}
	}
	h.run("centrum", []step{{act: "issue", arg: "B", want: "B001"}})
	is, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := is.Ahead, 3; got != want {
		t.Fatalf("ahead: got %d, want %d", got, want)
	}
	// Nobody staffed: the naive rule shares A among counters 1-4, 10
	// minutes each: 3*10/4. The estimate simulates counters 1-3 (4 takes
	// booked visits only), counter 2 taking B001 first, with service times
	// spread around the configured 10 minutes.
	if got, want := h.e.NaiveEstimate("centrum", "A", is.Ahead), 7*time.Minute+30*time.Second; got != want {
		t.Fatalf("naive estimate: got %v, want %v", got, want)
	}
	if e := is.Estimate; e.Low > e.Expected || e.Expected > e.High || e.Expected < 5*time.Minute || e.Expected > 12*time.Minute || e.High-e.Low < time.Minute {
		t.Fatalf("estimate: got %+v, want a range around 5-12 minutes", e)
	}
	if len(is.Ticket.Token) < 22 {
		t.Fatalf("token %q is shorter than 128 bits", is.Ticket.Token)
	}
	// The e-ticket simulates afresh; the printed estimate came from the
	// table of a moment before (issueEstimate): they agree closely.
	ts, ok := h.e.TicketByToken(is.Ticket.Token)
	if !ok || ts.Ticket.Number != "A004" || ts.Ahead != 3 || (ts.Estimate.Expected-is.Estimate.Expected).Abs() > 2*time.Minute {
		t.Fatalf("by token: got %+v %v, want A004 with 3 ahead and about the estimate printed on it (%+v)", ts, ok, is.Estimate)
	}
	if _, ok := h.e.TicketByToken("nope"); ok {
		t.Fatal("unknown token found a ticket")
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}, {act: "open", counter: 2}})
	tests := []struct {
		name string
		loc  string
		s    step
		code string
	}{
		{"unknown location", "nowhere", step{act: "issue", arg: "A"}, queue.ENotFound},
		{"unknown service", "centrum", step{act: "issue", arg: "Q"}, queue.ENotFound},
		{"service not offered here", "plaza", step{act: "issue", arg: "C"}, queue.ENotFound},
		{"unknown counter", "centrum", step{act: "open", counter: 99}, queue.ENotFound},
		{"call at a counter nobody is at", "centrum", step{act: "next", counter: 1}, queue.EConflict},
		{"no-show when nobody is called", "centrum", step{act: "noshow", counter: 2}, queue.EConflict},
		{"finish when nobody is called", "centrum", step{act: "finish", counter: 2}, queue.EConflict},
		{"recall when nobody is called", "centrum", step{act: "recall", counter: 2}, queue.EConflict},
		{"came when nobody is called", "centrum", step{act: "came", counter: 2}, queue.EConflict},
		{"transfer when nobody is called", "centrum", step{act: "transfer", counter: 2, arg: "B"}, queue.EConflict},
		{"call an unknown number", "centrum", step{act: "call", counter: 2, arg: "A999"}, queue.ENotFound},
		{"call an empty number", "centrum", step{act: "call", counter: 2, arg: ""}, queue.EInvalid},
		{"restore a waiting ticket", "centrum", step{act: "restore", arg: "A001"}, queue.EConflict},
		{"cancel an unknown ticket", "centrum", step{act: "cancel", arg: "B007"}, queue.ENotFound},
		{"close a closed counter", "centrum", step{act: "close", counter: 3}, queue.EConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.view("centrum")
			_, err := h.do(tt.loc, tt.s)
			if got := queue.ErrorCode(err); got != tt.code {
				t.Fatalf("got %q (%v), want %q", got, err, tt.code)
			}
			if msg := queue.ErrorMessage(err); msg == "" || msg == "internal error" {
				t.Fatalf("message %q does not say what was wrong", msg)
			}
			if after := h.view("centrum"); !reflect.DeepEqual(before, after) {
				t.Fatalf("state changed:\n got %+v\nwant %+v", after, before)
			}
		})
	}
}

func TestOpenCounterTakenByAnother(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	c := queue.CounterRef{Location: "centrum", Number: 1}
	if err := h.e.OpenCounter(h.ctx, c, "anna"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.OpenCounter(h.ctx, c, "anna"); err != nil {
		t.Fatalf("the same clerk again: %v", err)
	}
	if got, want := queue.ErrorCode(h.e.OpenCounter(h.ctx, c, "jan")), queue.EConflict; got != want {
		t.Fatalf("another clerk: got %q, want %q", got, want)
	}
	// Once anna left and jan took the counter, anna's commands are refused.
	if err := h.e.CloseCounter(h.ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := h.e.OpenCounter(h.ctx, c, "jan"); err != nil {
		t.Fatal(err)
	}
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}})
	anna := queue.CounterRef{Location: "centrum", Number: 1, Clerk: "anna"}
	if _, err := h.e.CallNext(h.ctx, anna); queue.ErrorCode(err) != queue.EConflict {
		t.Fatalf("anna at jan's counter: got %v, want a conflict", err)
	}
	jan := queue.CounterRef{Location: "centrum", Number: 1, Clerk: "jan"}
	if tk, err := h.e.CallNext(h.ctx, jan); err != nil || tk.Number != "A001" {
		t.Fatalf("jan: got %v %v, want A001", tk.Number, err)
	}
}

// TestJournalFailureChangesNothing: when the event cannot be made durable the
// caller gets an internal error and the state is as before: the number is
// not used up.
func TestJournalFailureChangesNothing(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}})
	before := h.view("centrum")
	h.journal.Fail(true)
	_, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "A"})
	if got, want := queue.ErrorCode(err), queue.EInternal; got != want {
		t.Fatalf("got %q (%v), want %q", got, err, want)
	}
	if after := h.view("centrum"); !reflect.DeepEqual(before, after) {
		t.Fatalf("state changed after a failed commit")
	}
	h.journal.Fail(false)
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A002"}})
}

// TestReplayRebuildsTheSameState runs a busy scenario, then rebuilds a second
// engine from the journal (and a third from a snapshot plus the rest) and
// compares what they show and what they do next.
func TestReplayRebuildsTheSameState(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	steps := []step{
		{act: "issue", arg: "A", want: "A001"},
		{act: "issue", arg: "B", want: "B001"},
		{act: "issue", arg: "A", want: "A002"},
		{act: "open", counter: 1},
		{act: "open", counter: 2},
		{act: "next", counter: 1, want: "A001"},
		{act: "noshow", counter: 1, want: "A001"},
		{act: "next", counter: 2, want: "B001"},
	}
	h.run("centrum", steps)
	seq, snap, err := h.e.Snapshot("centrum")
	if err != nil {
		t.Fatal(err)
	}
	h.run("centrum", []step{
		{act: "came", counter: 2, want: "B001"},
		{act: "next", counter: 1, want: "A002"},
		{act: "issue", arg: "C", want: "C001"},
	})
	events := h.journal.Events()

	fromLog := newHarness(t, queuetest.Branch())
	fromSnap := newHarness(t, queuetest.Branch())
	if err := fromSnap.e.RestoreSnapshot("centrum", snap); err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if _, err := fromLog.e.Replay(ev); err != nil {
			t.Fatal(err)
		}
		if ev.Seq > seq {
			if _, err := fromSnap.e.Replay(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := h.view("centrum")
	for name, r := range map[string]*harness{"log": fromLog, "snapshot": fromSnap} {
		if got := r.view("centrum"); !reflect.DeepEqual(got, want) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Fatalf("rebuilt from %s:\n got %s\nwant %s", name, gj, wj)
		}
		// And it goes on where the first left off: no number twice, and
		// the no-show comes back after A002.
		r.run("centrum", []step{
			{act: "issue", arg: "A", want: "A003"},
			{act: "finish", counter: 1, want: "A002"},
			{act: "current", counter: 1, want: "A001 called 2"},
		})
	}
	// A gap in the log is refused.
	broken := newHarness(t, queuetest.Branch())
	if _, err := broken.e.Replay(events[1]); err == nil {
		t.Fatal("replay accepted an event after a gap")
	}
}

// TestConcurrentCallNext: counters pressing "call next" at the same moment
// are never handed the same ticket.
func TestConcurrentCallNext(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	const tickets = 200
	for range tickets {
		if _, err := h.e.Issue(h.ctx, queue.IssueRequest{Location: "centrum", Service: "A"}); err != nil {
			t.Fatal(err)
		}
	}
	counters := []int{1, 2, 3, 4}
	got := make(chan string, tickets*2)
	var wg sync.WaitGroup
	for _, n := range counters {
		if err := h.e.OpenCounter(h.ctx, queue.CounterRef{Location: "centrum", Number: n}, fmt.Sprint("clerk", n)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			c := queue.CounterRef{Location: "centrum", Number: n}
			for {
				tk, err := h.e.CallNext(h.ctx, c)
				if queue.ErrorCode(err) == queue.ENotFound {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				got <- tk.Number
				if _, err := h.e.ClientCame(h.ctx, c); err != nil {
					t.Error(err)
					return
				}
				if _, err := h.e.Finish(h.ctx, c); err != nil {
					t.Error(err)
					return
				}
			}
		}(n)
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for n := range got {
		if seen[n] {
			t.Fatalf("%s was handed out twice", n)
		}
		seen[n] = true
	}
	if len(seen) != tickets {
		t.Fatalf("called %d tickets, want %d", len(seen), tickets)
	}
	calls := 0
	for _, ev := range h.journal.Events() {
		if ev.Type == queue.Called {
			calls++
		}
	}
	if calls != tickets {
		t.Fatalf("journal has %d calls, want %d", calls, tickets)
	}
}

// TestEventsAreNumberedWithStableIDs: per-location sequences without gaps,
// ids "<location>:<seq>".
func TestEventsAreNumberedWithStableIDs(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	h.run("centrum", []step{{act: "issue", arg: "A", want: "A001"}, {act: "open", counter: 1}})
	h.run("plaza", []step{{act: "issue", arg: "A", want: "A001"}})
	next := map[string]uint64{}
	for _, ev := range h.journal.Events() {
		next[ev.Location]++
		if ev.Seq != next[ev.Location] {
			t.Fatalf("%s: got seq %d, want %d", ev.ID, ev.Seq, next[ev.Location])
		}
		if want := queue.EventID(ev.Location, ev.Seq); ev.ID != want {
			t.Fatalf("got id %q, want %q", ev.ID, want)
		}
		if ev.Public().Token != "" || ev.Public().IdempotencyKey != "" {
			t.Fatalf("%s: Public kept a secret", ev.ID)
		}
	}
	if next["centrum"] != 3 || next["plaza"] != 2 {
		t.Fatalf("got sequences %v, want centrum 3 (day, issue, open) and plaza 2", next)
	}
}

func TestTicketByBooking(t *testing.T) {
	h := newHarness(t, queuetest.Branch())
	bk, err := h.e.Book(h.ctx, queue.BookRequest{Location: "centrum", Service: "A", At: tuesday9.Add(time.Hour), Booking: "ref-1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, loc, ref string
		want           string
	}{
		{"its booking", "centrum", "ref-1", bk.ID},
		{"another booking", "centrum", "ref-2", ""},
		{"no reference", "centrum", "", ""},
		{"another location", "zachod", "ref-1", ""},
		{"unknown location", "nowhere", "ref-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := h.e.TicketByBooking(tt.loc, tt.ref)
			if got.ID != tt.want || ok != (tt.want != "") {
				t.Fatalf("got %q, %v; want %q", got.ID, ok, tt.want)
			}
		})
	}
	if got, _ := h.e.TicketByBooking("centrum", "ref-1"); got.Token == "" {
		t.Fatalf("the ticket came without its e-ticket token")
	}
}

func TestBranchLookups(t *testing.T) {
	b := queuetest.Branch()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"a location", func() string { l, _ := b.Location("plaza"); return l.Name }(), "BOM Plaza"},
		{"no location", func() string { _, ok := b.Location("nowhere"); return fmt.Sprint(ok) }(), "false"},
		{"a service", func() string { s, _ := b.Service("C"); return s.NamePL }(), "Podatki"},
		{"no service", func() string { _, ok := b.Service("Z"); return fmt.Sprint(ok) }(), "false"},
		{"English name", queue.Service{NamePL: "Podatki", NameEN: "Taxes"}.Name("en"), "Taxes"},
		{"Polish name", queue.Service{NamePL: "Podatki", NameEN: "Taxes"}.Name("pl"), "Podatki"},
		{"no English name", queue.Service{NamePL: "Podatki"}.Name("en"), "Podatki"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
