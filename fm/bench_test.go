package fm

import (
	"fmt"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// The benchmarks here time what PyTorch's peer (../shared/bench/torch_cfm.py) times: a whole CFM
// training step (data, noise, t, x_t and target, forward, MSE, backward, Adam) and a whole
// sampling run, at the sizes issue 9 names, as hidden width, batch and hidden layers.
var benchTrainShapes = []struct{ hidden, batch, layers int }{
	{64, 256, 3},
	{128, 1024, 4},
	{512, 4096, 4},
}

func benchConfig(hidden, batch, layers int) TrainConfig {
	c := DefaultTrainConfig()
	c.Hidden = make([]int, layers)
	for i := range c.Hidden {
		c.Hidden[i] = hidden
	}
	c.Batch = batch
	return c
}

// BenchmarkTrain reports steps/s and GFLOP/s (6 x batch x sum of fan_in x fan_out per step) of
// the checkerboard, CondOT, SiLU trainer.
func BenchmarkTrain(b *testing.B) {
	for _, s := range benchTrainShapes {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("h%d/b%d/l%d/threads=%d", s.hidden, s.batch, s.layers, threads), func(b *testing.B) {
				defer mat.SetThreads(mat.Threads())
				mat.SetThreads(threads)
				tr, err := NewTrainer(benchConfig(s.hidden, s.batch, s.layers))
				if err != nil {
					b.Fatal(err)
				}
				step := func() {
					if _, err := tr.TrainStep(); err != nil {
						b.Fatal(err)
					}
				}
				step()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
				sec := b.Elapsed().Seconds()
				_, flops := tr.net.flops(s.batch)
				b.ReportMetric(float64(b.N)/sec, "steps/s")
				b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSample times Model.Sample with the midpoint method and 20 steps (40 evaluations of the
// network): one point through the 64-wide, 3-layer network (an edge device's single query), and
// many through the networks of BenchmarkTrain's three sizes (10000 points, 1000 at width 512).
// The initial noise is drawn inside the timed call, which PyTorch's peer leaves out of its
// timing.
func BenchmarkSample(b *testing.B) {
	for _, s := range []struct{ hidden, layers, points int }{{64, 3, 1}, {64, 3, 10000}, {128, 4, 10000}, {512, 4, 1000}} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("h%d/l%d/n%d/threads=%d", s.hidden, s.layers, s.points, threads), func(b *testing.B) {
				defer mat.SetThreads(mat.Threads())
				mat.SetThreads(threads)
				m := benchModel(b, s.hidden, s.layers)
				o := SampleOptions{N: s.points, Method: ode.Midpoint, Steps: 20, Seed: 1}
				if _, err := m.Sample(o); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := m.Sample(o); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/run")
				b.ReportMetric(float64(b.N*s.points)/b.Elapsed().Seconds(), "points/s")
			})
		}
	}
}

// benchModel is an untrained checkerboard model: sampling costs the same whatever the weights.
func benchModel(b *testing.B, hidden, layers int) *Model {
	tr, err := NewTrainer(benchConfig(hidden, 1, layers))
	if err != nil {
		b.Fatal(err)
	}
	m := tr.Model()
	if m.MLP().Act != nn.SiLU {
		b.Fatal("the benchmark model is not the reference SiLU network")
	}
	return m
}

// BenchmarkTrainCoupling times a whole training step of TorchCFM's flow matchers at batch 512
// on noise to 8gaussians: the Table 2 network (3 x 64, SELU, AdamW) and the default one (4 x
// 128, SiLU), I-CFM (sigma 0.1) against OT-CFM (the exact plan of each batch) and SB-CFM (the
// entropic plan at 2 sigma^2 = 0.02), one thread. Besides steps/s it reports CPU ms per step,
// which other jobs on a shared machine disturb less.
func BenchmarkTrainCoupling(b *testing.B) {
	defer mat.SetThreads(mat.Threads())
	mat.SetThreads(1)
	for _, net := range []struct {
		name   string
		hidden []int
		act    nn.Activation
	}{{"h64x3-selu", []int{64, 64, 64}, nn.SELU}, {"h128x4-silu", []int{128, 128, 128, 128}, nn.SiLU}} {
		for _, k := range []Coupling{Independent, ExactOT, Entropic} {
			b.Run(fmt.Sprintf("%s/%s", net.name, k), func(b *testing.B) {
				c := DefaultTrainConfig()
				c.Data, _ = Builtin("8gaussians")
				c.Hidden, c.Act, c.Batch, c.AdamW, c.WeightDecay = net.hidden, net.act, 512, true, 1e-5
				c.Coupling, c.Sigma = k, 0.1
				tr, err := NewTrainer(c)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tr.TrainStep(); err != nil {
					b.Fatal(err)
				}
				c0 := cpuTime()
				for b.Loop() {
					if _, err := tr.TrainStep(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkLikelihood times the likelihood's field against the sampler's, through the same
// solver (Euler, 20 steps, so both make 20 evaluations) on 10000 points of the checkerboard
// through the default network (128 wide, 4 hidden layers, SiLU): the sample (the field alone,
// Model.Sample), and Model.LogLikelihood with the exact divergence (the field and its
// tangents) and with Hutchinson's estimator (one probe). Besides the wall time it reports CPU
// ms per run.
func BenchmarkLikelihood(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, what := range []string{"field", "exact", "hutchinson"} {
			b.Run(fmt.Sprintf("%s/threads=%d", what, threads), func(b *testing.B) {
				defer mat.SetThreads(mat.Threads())
				mat.SetThreads(threads)
				m := benchModel(b, 128, 4)
				const n = 10000
				x := make([]float32, 2*n)
				checkerboard{}.Sample(newInitialRand(1), x)
				run := func() {
					var err error
					switch what {
					case "field":
						_, err = m.Sample(SampleOptions{N: n, Method: ode.Euler, Steps: 20, Seed: 1})
					case "exact":
						_, err = m.LogLikelihood(x, LikelihoodOptions{Method: ode.Euler, Steps: 20, Divergence: DivergenceExact})
					default:
						_, err = m.LogLikelihood(x, LikelihoodOptions{Method: ode.Euler, Steps: 20, Divergence: DivergenceHutchinson, Probes: 1})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				run()
				c0 := cpuTime()
				for b.Loop() {
					run()
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/run")
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
