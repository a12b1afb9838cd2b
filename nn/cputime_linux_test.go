//go:build linux

package nn

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system time so far, for benchmarks that report CPU time
// beside wall time on a machine shared with other jobs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
