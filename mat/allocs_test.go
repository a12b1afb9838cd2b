package mat

import "testing"

// allocsPerCall is testing.AllocsPerRun's least of three measurements. A call that allocates
// does so every time; the Go runtime, on a loaded machine, now and then starts an OS thread for
// a parked worker and allocates for it (runtime.newm) during one measurement, which the others
// then do not see.
func allocsPerCall(runs int, f func()) float64 {
	least := testing.AllocsPerRun(runs, f)
	for i := 0; i < 2 && least > 0; i++ {
		least = min(least, testing.AllocsPerRun(runs, f))
	}
	return least
}
