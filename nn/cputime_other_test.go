//go:build !linux

package nn

import "time"

// cpuTime is not measured here: benchmarks report a CPU time of 0.
func cpuTime() time.Duration { return 0 }
