package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// BenchmarkAppend measures Append of one event per committed (fsync'd)
// transaction on the test's temporary directory: the latency a clerk's
// click pays for durability. Compare with BenchmarkBareUpdate on the same disk.
func BenchmarkAppend(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "numerek.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	day := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	var lat []time.Duration
	for seq := uint64(1); b.Loop(); seq++ {
		e := queue.Event{
			ID:             queue.EventID("um-centrum", seq),
			Seq:            seq,
			Location:       "um-centrum",
			Time:           day.Add(time.Duration(seq) * time.Second),
			Type:           queue.TicketIssued,
			Day:            "2026-05-04",
			Ticket:         queue.TicketID("um-centrum", "2026-05-04", "A001"),
			Number:         "A001",
			Service:        "A",
			Kind:           queue.WalkIn,
			Key:            day.Add(time.Duration(seq) * time.Second),
			Token:          "k3Jd9sLq0PzX2mV7",
			IdempotencyKey: "kiosk-1-000123",
		}
		start := time.Now()
		if err := db.Append(ctx, []queue.Event{e}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkBareUpdate measures a bare bbolt db.Update putting one 200-byte
// value (about one encoded event), with the same fsync, on the same disk.
func BenchmarkBareUpdate(b *testing.B) {
	bb, err := NewBareBench(filepath.Join(b.TempDir(), "bare.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Close()
	var lat []time.Duration
	for b.Loop() {
		d, err := bb.Commit()
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, d)
	}
	reportPercentiles(b, lat)
}

// reportPercentiles adds the median and 99th percentile latency, in
// microseconds, to the benchmark's output.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
