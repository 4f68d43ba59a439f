package stats_test

import (
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// timeline builds a location's events by hand, with times given as local
// wall-clock strings on an injected timeline: no wall clock is read. Ticket
// numbers name the ticket most recently issued or booked with that number.
type timeline struct {
	t       *testing.T
	loc     string
	tz      *time.Location
	events  []queue.Event
	ids     map[string]string // number → ticket id
	service map[string]string // number → current service
	calls   map[string]int    // number → calls of the no-show cycle
}

func newTimeline(t *testing.T, tz *time.Location) *timeline {
	return &timeline{t: t, loc: "centrum", tz: tz, ids: map[string]string{}, service: map[string]string{}, calls: map[string]int{}}
}

// at parses "2006-01-02 15:04" or "2006-01-02 15:04:05" in the timeline's
// zone.
func (tl *timeline) at(local string) time.Time {
	tl.t.Helper()
	layout := "2006-01-02 15:04"
	if len(local) > len(layout) {
		layout = time.DateTime
	}
	tm, err := time.ParseInLocation(layout, local, tl.tz)
	if err != nil {
		tl.t.Fatalf("timeline: %v", err)
	}
	return tm
}

func (tl *timeline) add(when string, ev queue.Event) {
	tl.t.Helper()
	ev.Location = tl.loc
	ev.Seq = uint64(len(tl.events) + 1)
	ev.ID = queue.EventID(tl.loc, ev.Seq)
	ev.Time = tl.at(when).UTC()
	tl.events = append(tl.events, ev)
}

// ticket fills in the ticket fields of an event about ref: a number, or a
// ticket id where numbers repeat.
func (tl *timeline) ticket(when string, typ queue.EventType, ref string, counter int) {
	tl.t.Helper()
	id, ok := tl.ids[ref]
	number := ref
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		id, ok, number = ref, true, ref[i+1:]
	}
	if !ok {
		tl.t.Fatalf("timeline: no ticket %s", number)
	}
	tl.add(when, queue.Event{Type: typ, Ticket: id, Number: number, Service: tl.service[number], Counter: counter})
}

func (tl *timeline) day(when string) {
	tl.add(when, queue.Event{Type: queue.DayStarted, Day: tl.at(when).Format(time.DateOnly)})
}

func (tl *timeline) issue(when, number, service string) {
	day := tl.at(when).Format(time.DateOnly)
	tl.ids[number] = queue.TicketID(tl.loc, day, number)
	tl.service[number] = service
	tl.calls[number] = 0
	tl.add(when, queue.Event{Type: queue.TicketIssued, Ticket: tl.ids[number], Day: day, Number: number,
		Service: service, Kind: queue.WalkIn, Key: tl.at(when).UTC(), Token: "secret-" + number})
}

// book books number for service at the local time bookedAt.
func (tl *timeline) book(when, number, service, bookedAt string) {
	day := tl.at(bookedAt).Format(time.DateOnly)
	tl.ids[number] = queue.TicketID(tl.loc, day, number)
	tl.service[number] = service
	tl.calls[number] = 0
	tl.add(when, queue.Event{Type: queue.VisitBooked, Ticket: tl.ids[number], Day: day, Number: number,
		Service: service, Kind: queue.Booked, Key: tl.at(bookedAt).UTC(), Booking: "ref-" + number})
}

func (tl *timeline) enter(when, number string) {
	tl.t.Helper()
	tl.ticket(when, queue.BookingEntered, number, 0)
}

func (tl *timeline) open(when string, counter int, clerk string) {
	tl.add(when, queue.Event{Type: queue.CounterOpened, Counter: counter, Clerk: clerk})
}

func (tl *timeline) close(when string, counter int) {
	tl.add(when, queue.Event{Type: queue.CounterClosed, Counter: counter})
}

func (tl *timeline) call(when, number string, counter int) {
	tl.t.Helper()
	tl.calls[number]++
	reason := queue.CallNextReason
	if tl.calls[number] > 1 {
		reason = queue.CallAfterNoShow
	}
	tl.ticket(when, queue.Called, number, counter)
	ev := &tl.events[len(tl.events)-1]
	ev.Attempt, ev.Reason = tl.calls[number], reason
}

func (tl *timeline) recall(when, number string, counter int) {
	tl.t.Helper()
	tl.ticket(when, queue.Recalled, number, counter)
}

func (tl *timeline) came(when, number string, counter int) {
	tl.t.Helper()
	tl.ticket(when, queue.ClientCame, number, counter)
}

func (tl *timeline) finish(when, number string, counter int) {
	tl.t.Helper()
	tl.ticket(when, queue.Finished, number, counter)
}

func (tl *timeline) noShow(when, number string, counter int) {
	tl.t.Helper()
	tl.ticket(when, queue.NoShow, number, counter)
}

func (tl *timeline) missed(when, number string, counter int) {
	tl.t.Helper()
	tl.ticket(when, queue.Missed, number, counter)
}

func (tl *timeline) transfer(when, number string, counter int, to string) {
	tl.t.Helper()
	from := tl.service[number]
	tl.service[number] = to
	tl.calls[number] = 0
	tl.ticket(when, queue.Transferred, number, counter)
	tl.events[len(tl.events)-1].From = from
}

func (tl *timeline) cancel(when, number string) {
	tl.t.Helper()
	tl.ticket(when, queue.Cancelled, number, 0)
}

func (tl *timeline) restore(when, number string) {
	tl.t.Helper()
	tl.calls[number] = 0
	tl.ticket(when, queue.Restored, number, 0)
}

var warsaw = mustZone("Europe/Warsaw")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// exampleDay is Monday 2 March 2026 at centrum (Europe/Warsaw, UTC+1):
// services A and B, counters 1 and 2, seven walk-ins and three booked
// visits. Every figure the tests expect follows from this timeline.
//
//	counter 1: anowak 07:55-10:00, then jkowalski from 10:05
//	counter 2: bwisniewska 07:58-10:50
//
//	A001 walk-in A  issued 08:00, c1 called 08:05, came 08:06, finished 08:16   wait 5m   service 10m
//	A002 walk-in A  issued 08:02, c2 called 08:10, announced again 08:11,
//	                no-show 08:12; called again after B001 at 08:20,
//	                came 08:21, finished 08:30                                wait 8m   service 9m
//	B001 walk-in B  issued 08:04, c2 called 08:12, came 08:13, finished 08:20   wait 8m   service 7m
//	A003 walk-in A  issued 08:06, c1 called 08:25, no-show 08:26; called
//	                again after B002 at 08:35, no-show 08:36; called a third
//	                time 08:36 (nobody else waits), missed 08:37                 wait 19m  missed
//	B002 walk-in B  issued 08:07, c1 called 08:26, came 08:27, finished 08:35   wait 19m  service 8m
//	B003 walk-in B  issued 09:10, c2 called 09:30, came 09:31, transferred
//	                to A 09:35; c1 (jkowalski) called 10:10, came 10:11,
//	                finished 10:25                                            wait 20m  service 14m
//	A004 walk-in A  issued 09:40, cancelled 09:55 without a call
//	R001 booked A   booked on 25 Feb for 10:30, entered 10:30:20, c1 called
//	                10:32, came 10:33, finished 10:45                         wait 1m40s service 12m
//	R002 booked B   booked on 25 Feb for 11:00, entered 11:00:10, never
//	                called: expired when 3 March started
//	R003 booked A   booked on 25 Feb for 12:00, cancelled on 27 Feb
func exampleDay(t *testing.T) []queue.Event {
	tl := newTimeline(t, warsaw)
	tl.day("2026-02-25 00:00")
	tl.book("2026-02-25 09:00", "R001", "A", "2026-03-02 10:30")
	tl.book("2026-02-25 09:05", "R002", "B", "2026-03-02 11:00")
	tl.book("2026-02-25 09:10", "R003", "A", "2026-03-02 12:00")
	tl.day("2026-02-27 00:00")
	tl.cancel("2026-02-27 14:00", "R003")

	tl.day("2026-03-02 00:00")
	tl.open("2026-03-02 07:55", 1, "anowak")
	tl.open("2026-03-02 07:58", 2, "bwisniewska")
	tl.issue("2026-03-02 08:00", "A001", "A")
	tl.issue("2026-03-02 08:02", "A002", "A")
	tl.issue("2026-03-02 08:04", "B001", "B")
	tl.call("2026-03-02 08:05", "A001", 1)
	tl.issue("2026-03-02 08:06", "A003", "A")
	tl.came("2026-03-02 08:06", "A001", 1)
	tl.issue("2026-03-02 08:07", "B002", "B")
	tl.call("2026-03-02 08:10", "A002", 2)
	tl.recall("2026-03-02 08:11", "A002", 2)
	tl.noShow("2026-03-02 08:12", "A002", 2)
	tl.call("2026-03-02 08:12", "B001", 2)
	tl.came("2026-03-02 08:13", "B001", 2)
	tl.finish("2026-03-02 08:16", "A001", 1)
	tl.finish("2026-03-02 08:20", "B001", 2)
	tl.call("2026-03-02 08:20", "A002", 2)
	tl.came("2026-03-02 08:21", "A002", 2)
	tl.call("2026-03-02 08:25", "A003", 1)
	tl.noShow("2026-03-02 08:26", "A003", 1)
	tl.call("2026-03-02 08:26", "B002", 1)
	tl.came("2026-03-02 08:27", "B002", 1)
	tl.finish("2026-03-02 08:30", "A002", 2)
	tl.finish("2026-03-02 08:35", "B002", 1)
	tl.call("2026-03-02 08:35", "A003", 1)
	tl.noShow("2026-03-02 08:36", "A003", 1)
	tl.call("2026-03-02 08:36", "A003", 1)
	tl.missed("2026-03-02 08:37", "A003", 1)
	tl.issue("2026-03-02 09:10", "B003", "B")
	tl.call("2026-03-02 09:30", "B003", 2)
	tl.came("2026-03-02 09:31", "B003", 2)
	tl.transfer("2026-03-02 09:35", "B003", 2, "A")
	tl.issue("2026-03-02 09:40", "A004", "A")
	tl.cancel("2026-03-02 09:55", "A004")
	tl.close("2026-03-02 10:00", 1)
	tl.open("2026-03-02 10:05", 1, "jkowalski")
	tl.call("2026-03-02 10:10", "B003", 1)
	tl.came("2026-03-02 10:11", "B003", 1)
	tl.finish("2026-03-02 10:25", "B003", 1)
	tl.enter("2026-03-02 10:30:20", "R001")
	tl.call("2026-03-02 10:32", "R001", 1)
	tl.came("2026-03-02 10:33", "R001", 1)
	tl.finish("2026-03-02 10:45", "R001", 1)
	tl.close("2026-03-02 10:50", 2)
	tl.enter("2026-03-02 11:00:10", "R002")
	tl.close("2026-03-02 16:00", 1)
	tl.day("2026-03-03 00:00")
	return tl.events
}
