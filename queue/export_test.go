package queue

import (
	"encoding/json"
	"math"
	"time"
)

// What the estimator's tests need to set up queues with known answers:
// statistics as if learned from very many samples, so that the simulation
// is all but deterministic.

const certain = 1e6 // samples: enough to drown any prior

func crisp(d time.Duration) logStat {
	return logStat{N: certain, M: math.Log(max(d.Seconds(), 1))}
}

// TeachDurationForTest makes service take exactly d at loc.
func (e *Engine) TeachDurationForTest(loc, service string, d time.Duration) {
	l := e.locs[loc]
	l.mu.Lock()
	defer l.mu.Unlock()
	l.st.stats().service(service).Duration = crisp(d)
	l.st.est.table = nil
}

// TeachNoShowsForTest sets the chances that a called client of kind k does
// not come, at the first call and at a call again, and what it costs.
func (e *Engine) TeachNoShowsForTest(loc string, k Kind, first, again float64, cost time.Duration) {
	l := e.locs[loc]
	l.mu.Lock()
	defer l.mu.Unlock()
	l.st.stats().NoShows[k] = &noShowStats{
		FirstCalls: certain, FirstMissing: first * certain,
		RecallCalls: certain, RecallMissing: again * certain,
		Cost: crisp(cost),
	}
	l.st.est.table = nil
}

// TeachPaceForTest sets the clerks' pause between clients and how soon a
// free clerk calls a client who comes.
func (e *Engine) TeachPaceForTest(loc string, gap, pickup time.Duration) {
	l := e.locs[loc]
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.st.stats()
	st.Gap, st.Pickup = crisp(gap), crisp(pickup)
	l.st.est.table = nil
}

// StatsForTest returns the estimator's statistics of loc as JSON.
func (e *Engine) StatsForTest(loc string) []byte {
	l := e.locs[loc]
	l.mu.RLock()
	defer l.mu.RUnlock()
	b, err := json.Marshal(l.st.Stats)
	if err != nil {
		panic(err)
	}
	return b
}

// SimulationsForTest is how many simulations loc's estimates took so far.
func (e *Engine) SimulationsForTest(loc string) int {
	l := e.locs[loc]
	l.mu.RLock()
	defer l.mu.RUnlock()
	l.st.est.mu.Lock()
	defer l.st.est.mu.Unlock()
	return l.st.est.simulations
}

// WalkInsTodayForTest is how many walk-ins of service loc's statistics
// counted today in each hour of the day.
func (e *Engine) WalkInsTodayForTest(loc, service string) [24]float64 {
	l := e.locs[loc]
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.stats().service(service).Today
}
