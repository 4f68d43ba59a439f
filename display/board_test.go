package display

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// summary is what the screens show of a board, as text to compare.
func (b *board) summary() string {
	var s strings.Builder
	fmt.Fprintf(&s, "day %s seq %d\n", b.day, b.seq)
	w := b.waiting()
	for _, sv := range b.services {
		fmt.Fprintf(&s, "waiting %s: %s\n", sv.Prefix, strings.Join(w[sv.Prefix], " "))
	}
	var nums []int
	for n := range b.counters {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		known, open, cur := b.desk(n)
		fmt.Fprintf(&s, "counter %d known %t open %t", n, known, open)
		if cur != nil {
			fmt.Fprintf(&s, " current %s %s calls %d", cur.number, cur.status, cur.calls)
		}
		var pending []string
		for _, id := range b.counters[n].pending {
			pending = append(pending, b.tickets[id].number)
		}
		fmt.Fprintf(&s, " pending [%s]\n", strings.Join(pending, " "))
	}
	for _, c := range b.recent {
		fmt.Fprintf(&s, "call %s→%d #%d at %s\n", c.Number, c.Counter, c.Attempt, c.Time.Format("15:04:05"))
	}
	return s.String()
}

// engineRig is a real queue engine whose published events a test can
// take in order.
type engineRig struct {
	e     *queue.Engine
	clock *queuetest.Clock
	mu    sync.Mutex
	evs   []queue.Event
}

func newEngineRig(t *testing.T, now time.Time) *engineRig {
	t.Helper()
	r := &engineRig{clock: queuetest.NewClock(now)}
	e, err := queue.New(queuetest.Branch(), queue.Options{Clock: r.clock, Publish: func(loc string, evs []queue.Event) {
		if loc != "centrum" {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, ev := range evs {
			r.evs = append(r.evs, ev.Public())
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

// take returns the events published since the last take.
func (r *engineRig) take() []queue.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.evs
	r.evs = nil
	return evs
}

func (r *engineRig) view(t *testing.T) queue.View {
	t.Helper()
	v, err := r.e.View("centrum")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBoardFollowsEngine runs a real engine through 800 random
// commands, over two days, and checks at every step that a board that
// started from a snapshot and applied each public event since shows what
// a board built from a fresh snapshot shows: the waiting numbers in
// order, the counters and their clients, the recent calls.
func TestBoardFollowsEngine(t *testing.T) {
	start := time.Date(2026, 11, 24, 8, 5, 0, 0, queuetest.Warsaw) // a Tuesday
	r := newEngineRig(t, start)
	ctx := context.Background()
	b := newBoard(r.view(t))
	rng := rand.New(rand.NewPCG(1, 2))
	services := []string{"A", "B", "C"}
	counter := func() queue.CounterRef {
		return queue.CounterRef{Location: "centrum", Number: 1 + rng.IntN(4), Clerk: "anna"}
	}
	v := r.view(t)
	number := func() string {
		var all []string
		for _, w := range v.Waiting {
			all = append(all, w.Number)
		}
		for _, m := range v.Missed {
			all = append(all, m.Number)
		}
		if len(all) == 0 {
			return "A001"
		}
		return all[rng.IntN(len(all))]
	}
	ops, resnaps := 0, 0
	for step := range 800 {
		r.clock.Advance(time.Duration(rng.IntN(90)) * time.Second)
		if step%150 == 100 && !hasPending(v) {
			// A reconnect after a gap: a fresh snapshot, then events
			// again. Not while a no-show waits to be called again: a View
			// names those by number only, without the time key that
			// orders them should they return to the queue (see newBoard).
			b = newBoard(v)
			resnaps++
		}
		if step == 400 {
			// The next morning: the day starts, yesterday's tickets expire.
			r.clock.Set(start.Add(24 * time.Hour))
		}
		var err error
		switch rng.IntN(16) {
		case 0, 1, 2:
			_, err = r.e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: services[rng.IntN(3)]})
		case 3:
			_, err = r.e.Book(ctx, queue.BookRequest{Location: "centrum", Service: "A", At: r.clock.Now().Add(time.Duration(rng.IntN(20)) * time.Minute).Truncate(time.Minute)})
		case 4:
			err = r.e.OpenCounter(ctx, counter(), "anna")
		case 5:
			err = r.e.CloseCounter(ctx, counter())
		case 6, 7:
			_, err = r.e.CallNext(ctx, counter())
		case 8:
			_, err = r.e.CallNumber(ctx, counter(), number())
		case 9:
			_, err = r.e.Recall(ctx, counter())
		case 10:
			_, err = r.e.ClientCame(ctx, counter())
		case 11, 12:
			_, err = r.e.Finish(ctx, counter())
		case 13:
			_, err = r.e.NoShow(ctx, counter())
		case 14:
			_, err = r.e.Transfer(ctx, counter(), services[rng.IntN(3)])
		case 15:
			if rng.IntN(2) == 0 {
				_, err = r.e.Cancel(ctx, "centrum", number())
			} else {
				_, err = r.e.Restore(ctx, "centrum", number())
			}
		}
		if err == nil {
			ops++
		}
		if err := r.e.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		for _, ev := range r.take() {
			if !b.apply(ev) {
				t.Fatalf("step %d: event %d %s not applied", step, ev.Seq, ev.Type)
			}
		}
		v = r.view(t)
		want := newBoard(v).summary()
		if got := b.summary(); got != want {
			t.Fatalf("step %d: the board that followed the events shows\n%s\nwant, from a fresh snapshot,\n%s", step, got, want)
		}
	}
	t.Logf("%d commands, %d fresh snapshots", ops, resnaps)
	if ops < 250 || resnaps < 3 {
		t.Errorf("got %d commands that succeeded and %d fresh snapshots, want at least 250 and 3 for the test to mean something", ops, resnaps)
	}
}

func hasPending(v queue.View) bool {
	for _, c := range v.Counters {
		if len(c.Pending) > 0 {
			return true
		}
	}
	return false
}

// TestBoardIgnoresRepeats checks that an event at or before the board's
// sequence changes nothing: a resumed stream may send one again.
func TestBoardIgnoresRepeats(t *testing.T) {
	r := newEngineRig(t, time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw))
	ctx := context.Background()
	b := newBoard(r.view(t))
	r.e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: "A"})
	evs := r.take()
	for _, ev := range evs {
		b.apply(ev)
	}
	before := b.summary()
	for _, ev := range evs {
		if b.apply(ev) {
			t.Errorf("event %d %s applied twice", ev.Seq, ev.Type)
		}
	}
	if got := b.summary(); got != before {
		t.Errorf("got\n%s\nafter the repeats, want\n%s", got, before)
	}
}
