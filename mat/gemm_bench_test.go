package mat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fmtiny/fmtiny/asm"
)

// mlpShape is one matrix product of an MLP training step in nn's layout (nn.Linear's weight W
// stored [out, in], Y = X W^T), as /work/shared/bench/bench_gemm.py measures it for OpenBLAS.
type mlpShape struct {
	name           string
	transA, transB bool
	m, n, k        func(batch, hidden int) int
}

var mlpShapes = []mlpShape{
	// in_fwd: (B x 3)(3 x H), X W1^T.
	{"in_fwd", false, true, func(b, h int) int { return b }, func(b, h int) int { return h }, func(b, h int) int { return 3 }},
	// hid_fwd: (B x H)(H x H), H W^T.
	{"hid_fwd", false, true, func(b, h int) int { return b }, func(b, h int) int { return h }, func(b, h int) int { return h }},
	// hid_dW: (H x B)(B x H), dY^T H.
	{"hid_dW", true, false, func(b, h int) int { return h }, func(b, h int) int { return h }, func(b, h int) int { return b }},
	// hid_dX: (B x H)(H x H), dY W.
	{"hid_dX", false, false, func(b, h int) int { return b }, func(b, h int) int { return h }, func(b, h int) int { return h }},
	// out_fwd: (B x H)(H x 2), H W_out^T.
	{"out_fwd", false, true, func(b, h int) int { return b }, func(b, h int) int { return 2 }, func(b, h int) int { return h }},
}

// benchGemm times one product and reports GFLOP/s.
func benchGemm(b *testing.B, transA, transB bool, m, n, k, threads int) {
	r := rand.New(rand.NewPCG(1, 2))
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 2*r.Float32() - 1
		}
		return x
	}
	x, y, c := fill(rowsA*colsA), fill(rowsB*colsB), make([]float32, m*n)
	call := func() { Gemm(transA, transB, m, n, k, 1, x, colsA, y, colsB, 0, c, n) }
	var best time.Duration
	var reps int
	withThreads(threads, func() { best, reps = timeCalls(b, call) })
	flops := 2 * float64(m) * float64(n) * float64(k)
	b.ReportMetric(flops*float64(b.N*reps)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	// The fastest call is the one no other job interrupted: on a shared machine it is the
	// figure to compare with a peer measured the same way (bench_gemm.py keeps its best).
	b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
	b.ReportMetric(float64(best.Nanoseconds()), "best-ns/call")
}

// timeCalls runs call in groups of reps calls, one group per iteration of b.Loop, and returns
// the fastest group's time per call. A group lasts about 5 microseconds or one call, so that
// the clock's own cost (about 20 ns on this machine) does not count against short calls.
func timeCalls(b *testing.B, call func()) (best time.Duration, reps int) {
	t0 := time.Now()
	call()
	reps = max(1, int(5*time.Microsecond/max(time.Since(t0), 1)))
	best = time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for range reps {
			call()
		}
		best = min(best, time.Since(t0)/time.Duration(reps))
	}
	return best, reps
}

// BenchmarkGemm measures the current kernel set on the products of an MLP training step, for
// batches B and widths H, on 1 and 2 threads, and on one point (m = 1).
func BenchmarkGemm(b *testing.B) {
	for _, s := range mlpShapes {
		for _, batch := range []int{256, 1024, 4096} {
			for _, hidden := range []int{64, 128, 512} {
				for _, th := range []int{1, 2} {
					b.Run(fmt.Sprintf("%s/B=%d/H=%d/t=%d", s.name, batch, hidden, th), func(b *testing.B) {
						benchGemm(b, s.transA, s.transB, s.m(batch, hidden), s.n(batch, hidden), s.k(batch, hidden), th)
					})
				}
			}
		}
	}
	// One point through the network: the input layer, a hidden layer forward and backward.
	for _, hidden := range []int{64, 128, 512} {
		b.Run(fmt.Sprintf("in_fwd/B=1/H=%d/t=1", hidden), func(b *testing.B) { benchGemm(b, false, true, 1, hidden, 3, 1) })
		b.Run(fmt.Sprintf("hid_fwd/B=1/H=%d/t=1", hidden), func(b *testing.B) { benchGemm(b, false, true, 1, hidden, hidden, 1) })
		b.Run(fmt.Sprintf("hid_dX/B=1/H=%d/t=1", hidden), func(b *testing.B) { benchGemm(b, false, false, 1, hidden, hidden, 1) })
	}
}

// BenchmarkGemmGoSet measures Gemm on the plain Go kernel set, to compare with BenchmarkNaive
// on the same products, C = A B with square matrices.
func BenchmarkGemmGoSet(b *testing.B) {
	restore, err := asm.Use("go")
	if err != nil {
		b.Fatal(err)
	}
	defer restore()
	for _, sz := range []int{64, 256, 512} {
		b.Run(fmt.Sprintf("NN/%d/t=1", sz), func(b *testing.B) { benchGemm(b, false, false, sz, sz, sz, 1) })
	}
}

// BenchmarkNaive measures the textbook loop for C = A B, i over rows of C, j over its columns
// and p innermost, on the products of BenchmarkGemmGoSet.
func BenchmarkNaive(b *testing.B) {
	for _, sz := range []int{64, 256, 512} {
		b.Run(fmt.Sprintf("NN/%d/t=1", sz), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x, y, c := make([]float32, sz*sz), make([]float32, sz*sz), make([]float32, sz*sz)
			for i := range x {
				x[i], y[i] = r.Float32(), r.Float32()
			}
			best, reps := timeCalls(b, func() { naiveNN(sz, sz, sz, x, y, c) })
			flops := 2 * float64(sz*sz*sz)
			b.ReportMetric(flops*float64(b.N*reps)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
		})
	}
}

// naiveNN is C = A B as three nested loops.
func naiveNN(m, n, k int, a, b, c []float32) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*k+p] * b[p*n+j]
			}
			c[i*n+j] = s
		}
	}
}

// BenchmarkParallel measures the round trip of the pool: hand a range to a parked worker,
// run the other range and wait for the worker to finish.
func BenchmarkParallel(b *testing.B) {
	withThreads(2, func() {
		f := func(lo, hi int) {}
		for b.Loop() {
			Parallel(2, f)
		}
	})
}
