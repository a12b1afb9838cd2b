package nn

import "github.com/fmtiny/fmtiny/mat"

// This file splits nn's own element-wise passes (bias and activation, their gradients, column
// sums, Adam) over mat's goroutines, as mat splits a GEMM, without allocating: each pass's work
// is a struct kept in the workspace or the optimizer, run through a split of its own.

// rangeTask is work over the index range [lo, hi) that may run in pieces, concurrently.
type rangeTask interface{ run(lo, hi int) }

// minGrain is the least work, in elements, worth handing to another goroutine: a hand-off
// costs a microsecond or more (tens on a busy virtual machine), about what a pass over 64K
// floats takes. Tests lower it.
var minGrain = 64 << 10

// split runs a rangeTask in pieces through mat.Parallel.
type split struct {
	task      rangeTask
	n, pieces int
	runPieces func(lo, hi int) // s.pieceRange, bound on first use
}

// parallelFor runs task over [0, n) in up to mat.Threads() pieces, each of at least minGrain
// elements counting cost elements per index, and waits for them all; s must not be in use by
// another call.
func parallelFor(task rangeTask, n, cost int, s *split) {
	pieces := min(mat.Threads(), n*cost/minGrain, n)
	if pieces <= 1 {
		task.run(0, n)
		return
	}
	if s.runPieces == nil {
		s.runPieces = s.pieceRange
	}
	s.task, s.n, s.pieces = task, n, pieces
	mat.Parallel(pieces, s.runPieces)
	s.task = nil
}

// pieceRange runs the pieces [lo, hi) of the running task.
func (s *split) pieceRange(lo, hi int) {
	for p := lo; p < hi; p++ {
		s.task.run(s.n*p/s.pieces, s.n*(p+1)/s.pieces)
	}
}
