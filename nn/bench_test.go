package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// benchShapes are the MLPs the benchmarks time: the flow_matching 2D example's network (3 inputs,
// SiLU, 2 outputs) at three sizes, as hidden width, batch and hidden layers.
var benchShapes = []struct{ hidden, batch, layers int }{
	{64, 256, 3},
	{128, 1024, 4},
	{512, 4096, 4},
}

func benchMLP(b *testing.B, hidden, layers int) *MLP {
	h := make([]int, layers)
	for i := range h {
		h[i] = hidden
	}
	return newTestMLP(b, 3, h, 2, SiLU, false, 1)
}

// BenchmarkTrainStep times one training step on a fixed batch as fm's trainer takes it:
// Batch.MSEGrad (forward, MSE and backward, block by block) and Adam.Update, not the data
// sampling or the forming of x_t (fm's BenchmarkTrain times those too). It reports samples/s,
// steps/s and GFLOP/s, counting 6 x batch x sum of fan_in x fan_out per step.
func BenchmarkTrainStep(b *testing.B) {
	for _, s := range benchShapes {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("h%d/b%d/l%d/threads=%d", s.hidden, s.batch, s.layers, threads)
			b.Run(name, func(b *testing.B) {
				defer mat.SetThreads(mat.Threads())
				mat.SetThreads(threads)
				m := benchMLP(b, s.hidden, s.layers)
				rng := rand.New(rand.NewPCG(1, 2))
				n := s.batch
				x, ts, target := randSlice(rng, 2*n, 2), randSlice(rng, n, 1), randSlice(rng, 2*n, 2)
				batch := m.NewBatch(n)
				opt := NewAdam(m.NumParams())
				step := func() {
					batch.MSEGrad(x, ts, nil, target, n)
					opt.Update(m.Params, m.Grads)
				}
				step()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
				sec := b.Elapsed().Seconds()
				_, flops := m.FLOPs(n)
				b.ReportMetric(float64(b.N)/sec, "steps/s")
				b.ReportMetric(float64(b.N*n)/sec, "samples/s")
				b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkForward times Forward alone, as sampling uses it: one point (the latency of an edge
// device's single query) and a batch of 1024, on the 128-wide, 4-layer network.
func BenchmarkForward(b *testing.B) {
	for _, n := range []int{1, 1024} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("h128/l4/b%d/threads=%d", n, threads), func(b *testing.B) {
				defer mat.SetThreads(mat.Threads())
				mat.SetThreads(threads)
				m := benchMLP(b, 128, 4)
				rng := rand.New(rand.NewPCG(3, 4))
				x, ts := randSlice(rng, 2*n, 2), []float32{0.5}
				ws := m.NewWorkspace(n)
				m.Forward(ws, x, ts, nil, n)
				b.ResetTimer()
				for b.Loop() {
					m.Forward(ws, x, ts, nil, n)
				}
				sec := b.Elapsed().Seconds()
				fwd, _ := m.FLOPs(n)
				b.ReportMetric(float64(b.N*n)/sec, "rows/s")
				b.ReportMetric(fwd*float64(b.N)/sec/1e9, "GFLOP/s")
			})
		}
	}
}
