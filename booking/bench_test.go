package booking_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
)

// BenchmarkDays lists the free times of one service at one location for 30
// days, with a tenth of the places booked: what step 3 costs.
func BenchmarkDays(b *testing.B) {
	f := newFixture(b, tuesday9)
	fillSome(b, f, 10)
	b.ReportAllocs()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		days, err := f.b.Days("centrum", "A", tuesday9)
		times = append(times, time.Since(start))
		if err != nil || len(days) != 31 {
			b.Fatalf("days: %d, %v", len(days), err)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "median-µs")
}

// fillSome books every nth place of A at centrum over the 30 days.
func fillSome(b *testing.B, f *fixture, nth int) {
	b.Helper()
	days, err := f.b.Days("centrum", "A", tuesday9)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for _, d := range days {
		for _, s := range d.Slots {
			if i++; i%nth == 0 {
				if _, err := f.b.Hold("centrum", "A", s.Start, fmt.Sprintf("10.9.%d.%d", i/250, i%250), "pl"); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkConfirm measures whole bookings per second on the bbolt store
// (every step written with fsync): hold, name and contact with a code
// sent, and the code confirmed, which gives the visit its ticket.
func BenchmarkConfirm(b *testing.B) {
	f := newFixture(b, tuesday9, func(c *booking.Config, _ *queue.Branch) {
		c.CodesPerContact, c.CodesPerAddress, c.HoldsPerAddress, c.CodesPerHour = 100, 10000, 10000, 1000000
		c.ActivePerContact = 100
	})
	days, err := f.b.Days("centrum", "A", tuesday9)
	if err != nil {
		b.Fatal(err)
	}
	var slots []time.Time
	for _, d := range days {
		for _, s := range d.Slots {
			for range s.Free {
				slots = append(slots, s.Start)
			}
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == len(slots) {
			b.Fatalf("all %d places are booked", n)
		}
		contact := fmt.Sprintf("+48 601 %03d %03d", n/1000%1000, n%1000)
		bk, err := f.b.Hold("centrum", "A", slots[n], "10.0.0.1", "pl")
		if err == nil {
			_, err = f.b.SetPerson(bk.ID, booking.PersonForm{Company: "Firma", Contact: contact}, "10.0.0.1")
		}
		if err == nil {
			c, _ := booking.ParseContact(contact)
			_, err = f.b.Confirm(context.Background(), bk.ID, f.out.code(b, c.Value))
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "bookings/s")
}

// BenchmarkMidFlow measures the memory that 1,000 people in the middle of
// the steps hold: each has a time held, a person kept and a code sent.
func BenchmarkMidFlow(b *testing.B) {
	for b.Loop() {
		f := newFixture(b, tuesday9, func(c *booking.Config, _ *queue.Branch) {
			c.CodesPerAddress, c.HoldsPerAddress, c.CodesPerHour = 10000, 10000, 1000000
		})
		f.out = &outbox{}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		days, _ := f.b.Days("centrum", "A", tuesday9)
		n := 0
	fill:
		for _, d := range days {
			for _, s := range d.Slots {
				for range s.Free {
					bk, err := f.b.Hold("centrum", "A", s.Start, "10.0.0.1", "pl")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Anna", Last: "Kowalska-Nowak", Contact: fmt.Sprintf("+48 601 %03d %03d", n/1000, n%1000)}, "10.0.0.1"); err != nil {
						b.Fatal(err)
					}
					if n++; n == 1000 {
						break fill
					}
				}
			}
		}
		f.out.msgs = []notify.Message{} // the fake's copies are not the booking's
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1024/1024, "MiB-heap-for-1000")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1000, "B/person")
		runtime.KeepAlive(f.b)
	}
}
