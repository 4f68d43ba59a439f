//go:build race

package sim

// The race detector makes the engine ten times slower: fewer days keep the
// test short, still some 600 tickets for each seed.
const (
	raceEnabled = true
	simTestDays = 2
)
