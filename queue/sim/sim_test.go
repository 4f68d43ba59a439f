package sim

import (
	"context"
	"testing"
	"time"
)

// TestEstimatesBeatTheNaiveRule plays a few fixed days: our estimates'
// mean absolute error must be at most 60% of the naive rule's on the same
// tickets, and about 80% of the actual waits within [Low, High]. The days
// are deterministic: this measures accuracy, not time.
func TestEstimatesBeatTheNaiveRule(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		r, err := Run(context.Background(), Config{Days: simTestDays, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d, %d days, %d tickets: naive MAE %v P90 %v; ours MAE %v P90 %v; coverage %.0f%%; ratio %.2f",
			seed, r.Days, r.Tickets, r.Naive.MAE, r.Naive.P90, r.Ours.MAE, r.Ours.P90, 100*r.Coverage, r.Ratio)
		if r.Tickets < 200*r.Days {
			t.Errorf("seed %d: got %d tickets in %d days, want at least %d", seed, r.Tickets, r.Days, 200*r.Days)
		}
		if r.Ratio > 0.6 {
			t.Errorf("seed %d: got ours/naive MAE %.2f, want at most 0.60", seed, r.Ratio)
		}
		if r.Coverage < 0.65 || r.Coverage > 0.92 {
			t.Errorf("seed %d: got %.0f%% of waits within [Low, High], want about 80%%", seed, 100*r.Coverage)
		}
	}
}

// TestPlayIsDeterministic: the same seed plays the same days.
func TestPlayIsDeterministic(t *testing.T) {
	if raceEnabled {
		t.Skip("the simulation runs in one goroutine: nothing for the race detector, and ten times slower under it")
	}
	a, err := Play(context.Background(), Config{Days: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Play(context.Background(), Config{Days: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("got %d and %d tickets", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("ticket %d: got %+v and %+v", i, a[i], b[i])
		}
	}
}

// TestDayShape checks the synthetic day is the one described: walk-ins
// from opening to closing, with a morning peak and a lunch dip, and every
// walk-in called.
func TestDayShape(t *testing.T) {
	if raceEnabled {
		t.Skip("the simulation runs in one goroutine: nothing for the race detector, and ten times slower under it")
	}
	samples, err := Play(context.Background(), Config{Days: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	byHour := map[int]int{}
	for _, s := range samples {
		local := s.Issued.In(FirstDay.Location())
		if h := local.Hour(); h < 8 || h >= 18 {
			t.Errorf("%s issued at %s, outside 8:00-18:00", s.Ticket, local.Format(time.TimeOnly))
		}
		byHour[s.Issued.In(FirstDay.Location()).Hour()]++
		if s.Wait < 0 {
			t.Errorf("%s was never called", s.Ticket)
		}
	}
	if !(byHour[10] > byHour[8] && byHour[10] > byHour[12] && byHour[14] > byHour[12]) {
		t.Errorf("walk-ins by hour %v: want a peak at 10, a dip at 12", byHour)
	}
}

// BenchmarkDays plays 5 days and reports the figures of docs/benchmarks.md:
//
//	go test -run '^$' -bench Days -benchtime 1x ./queue/sim
func BenchmarkDays(b *testing.B) {
	var r Result
	for b.Loop() {
		var err error
		r, err = Run(context.Background(), Config{Days: 5, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.Naive.MAE.Minutes(), "naive-MAE-min")
	b.ReportMetric(r.Naive.P90.Minutes(), "naive-P90-min")
	b.ReportMetric(r.Ours.MAE.Minutes(), "ours-MAE-min")
	b.ReportMetric(r.Ours.P90.Minutes(), "ours-P90-min")
	b.ReportMetric(100*r.Coverage, "coverage-%")
	b.ReportMetric(r.Ratio, "MAE-ratio")
	b.ReportMetric(float64(r.Tickets), "tickets")
}
