package fm

import (
	"math"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

// TestSampleOnePoint: a lone point, sampled through a kept sampler with its weights packed for
// the solve, follows the path the same point follows in a larger sample (to rounding: the
// network's outputs are the same bits where the set has the row kernel, nn.TestPackWeights, but
// ode combines the stages of fewer than four points in plain Go, of more with FMAs); and a
// sample after the weights change (a trainer's model shares its weights) follows the new
// weights, not the packed copy of the last call.
func TestSampleOnePoint(t *testing.T) {
	for _, s := range asm.Sets() {
		t.Run(s.Name, func(t *testing.T) {
			restore, err := asm.Use(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			tr := smallTrainer(t, func(c *TrainConfig) { c.Hidden = []int{64, 64, 64} })
			trainSteps(t, tr, 5)
			m := tr.Model()
			x0 := InitialNoise(8, 2, 7)
			for round := range 3 {
				whole, err := m.Sample(SampleOptions{N: 8, X0: x0, Method: ode.Midpoint, Steps: 20})
				if err != nil {
					t.Fatal(err)
				}
				for range 2 { // the second time through the kept sampler
					one, err := m.Sample(SampleOptions{N: 1, X0: x0[:2], Method: ode.Midpoint, Steps: 20})
					if err != nil {
						t.Fatal(err)
					}
					for i, v := range one.X {
						w := whole.X[i]
						if math.Abs(float64(v-w)) > 1e-5*max(1, math.Abs(float64(w))) {
							t.Fatalf("round %d: value %d of the lone point is %v, of the same point among 8 %v", round, i, v, w)
						}
					}
				}
				trainSteps(t, tr, tr.Step+3) // new weights for the next round
			}
		})
	}
}

// TestKeptSamplerAllocatesNothingPerStep: a kept sampler, its weights packed, steps without
// allocating, for one point and a small chunk, on one and two threads.
func TestKeptSamplerAllocatesNothingPerStep(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := trainedModel(t)
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		for _, n := range []int{1, 2, 40} {
			s := takeSampler(m.Net, n, false, 0, false)
			x := InitialNoise(n, 2, 1)
			s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil)
			if a := allocsPerCall(10, func() { s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 5, nil) }); a != 0 {
				t.Fatalf("%d points, %d threads: sampling allocates %v times per run", n, threads, a)
			}
			putSampler(m.Net, n, false, 0, false, s)
			if s2 := takeSampler(m.Net, n, false, 0, false); s2 != s {
				t.Fatalf("%d points: the sampler was not kept", n)
			} else {
				putSampler(m.Net, n, false, 0, false, s2)
			}
		}
	}
	// Many models: the cache keeps a few samplers, not one per model.
	for range 2 * cachedSamplers {
		putSampler(trainedModel(t).Net, 1, false, 0, false, takeSampler(trainedModel(t).Net, 1, false, 0, false))
	}
	if n := len(samplerCache.free); n > cachedSamplers {
		t.Fatalf("%d samplers kept", n)
	}
	// A large sample's samplers are not kept.
	before := slices.Clone(samplerCache.free)
	if _, err := m.Sample(SampleOptions{N: 1000, Method: ode.Euler, Steps: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, samplerCache.free) {
		t.Fatal("a 1000-point sample's samplers were kept")
	}
}
