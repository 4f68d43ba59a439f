//go:build !race

package sim

const (
	raceEnabled = false
	simTestDays = 5
)
