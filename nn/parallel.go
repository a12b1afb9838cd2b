package nn

import (
	"sync"

	"github.com/fmtiny/fmtiny/mat"
)

// This file splits nn's own element-wise passes (bias and activation, their gradients, column
// sums, Adam) over mat.Threads() goroutines, the way mat splits a GEMM, without allocating: the
// tasks are structs kept in the workspace or the optimizer and passed by pointer to a pool of
// long-lived workers.

// rangeTask is work over the index range [lo, hi) that may run in pieces, concurrently.
type rangeTask interface{ run(lo, hi int) }

// minGrain is the least work, in elements, worth handing to another goroutine: a hand-off
// costs microseconds (tens on a busy virtual machine), about what a pass over 64K floats takes.
// Tests lower it.
var minGrain = 64 << 10

type job struct {
	task   rangeTask
	lo, hi int
	done   *sync.WaitGroup
}

var pool struct {
	mu      sync.Mutex
	workers int
	jobs    chan job
}

// ensureWorkers starts workers until n are running; they live as long as the process.
func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.jobs == nil {
		pool.jobs = make(chan job, 64)
	}
	for ; pool.workers < n; pool.workers++ {
		go func() {
			for j := range pool.jobs {
				j.task.run(j.lo, j.hi)
				j.done.Done()
			}
		}()
	}
}

// parallelFor runs task over [0, n) in up to mat.Threads() pieces of whole multiples of step
// (a row's width, say), each of at least minGrain elements counting cost elements per index,
// and waits for them all; wg must not be in use by another call.
func parallelFor(task rangeTask, n, cost int, wg *sync.WaitGroup) {
	pieces := min(mat.Threads(), n*cost/minGrain, n)
	if pieces <= 1 {
		task.run(0, n)
		return
	}
	ensureWorkers(pieces - 1)
	wg.Add(pieces - 1)
	for p := 1; p < pieces; p++ {
		pool.jobs <- job{task: task, lo: n * p / pieces, hi: n * (p + 1) / pieces, done: wg}
	}
	task.run(0, n/pieces)
	wg.Wait()
}
