package fm

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// gaussField is the exact marginal velocity of the CondOT path (x_t = t x1 + (1 - t) x0) from
// x0 ~ N(0, I) to x1 ~ N(mean, s^2 I): p_t = N(t mean, sigma_t^2 I) with
// sigma_t^2 = t^2 s^2 + (1 - t)^2, and u(x, t) = mean + a(t) (x - t mean) with
// a = sigma_t'/sigma_t = (t s^2 - (1 - t))/sigma_t^2. Its flow is x_t = t mean + sigma_t x0, so
// log p_1 = log N(mean, s^2 I) and a point's path energy are known in closed form. Its
// divergence is d a(t); its Jacobian a(t) I. It is a Network for the likelihood and the
// sampler (no training).
type gaussField struct {
	mean []float64
	s    float64
}

func (g *gaussField) a(t float32) float64 {
	tt := float64(t)
	return (tt*g.s*g.s - (1 - tt)) / (tt*tt*g.s*g.s + (1-tt)*(1-tt))
}

func (g *gaussField) Dim() int                     { return len(g.mean) }
func (g *gaussField) NumParams() int               { return 0 }
func (g *gaussField) NumClasses() int              { return 0 }
func (g *gaussField) params() []float32            { return nil }
func (g *gaussField) grads() []float32             { return nil }
func (g *gaussField) init(*rand.Rand)              {}
func (g *gaussField) withParams([]float32) Network { return g }
func (g *gaussField) newTrainPass(int) trainPass   { panic("gaussField does not train") }
func (g *gaussField) valuesPerPoint(bool) float64  { return 4 }
func (g *gaussField) tensors() []nn.Tensor         { return nil }
func (g *gaussField) describe(map[string]string)   {}
func (g *gaussField) flops(int) (float64, float64) { return 0, 0 }
func (g *gaussField) newForwardPass(n int, _ bool) forwardPass {
	return &gaussPass{g: g, u: make([]float32, n*g.Dim())}
}
func (g *gaussField) newDivergencePass(n int) divergencePass {
	return &gaussPass{g: g, u: make([]float32, n*g.Dim()), div: make([]float32, n)}
}
func (g *gaussField) newProbePass(n, k int) probePass {
	return &gaussPass{g: g, u: make([]float32, n*g.Dim()), p: make([]float32, n*k*g.Dim())}
}

type gaussPass struct {
	g         *gaussField
	u, div, p []float32
}

func (p *gaussPass) Forward(x, t []float32, _ []int32, n int) []float32 {
	d := p.g.Dim()
	a := p.g.a(t[0])
	for i := range n * d {
		m := p.g.mean[i%d]
		p.u[i] = float32(m + a*(float64(x[i])-float64(t[0])*m))
	}
	return p.u[:n*d]
}

func (p *gaussPass) Divergence(x, t []float32, n int) (u, div []float32) {
	u = p.Forward(x, t, nil, n)
	for i := range n {
		p.div[i] = float32(float64(p.g.Dim()) * p.g.a(t[0]))
	}
	return u, p.div[:n]
}

func (p *gaussPass) Probe(x, t []float32, n int, e []float32) (u, jv []float32) {
	u = p.Forward(x, t, nil, n)
	a := float32(p.g.a(t[0]))
	for i, v := range e {
		p.p[i] = a * v
	}
	return u, p.p[:len(e)]
}

func gaussModel(mean []float64, s float64) *Model {
	return &Model{Net: &gaussField{mean: mean, s: s}, Path: NewPath(CondOT), Stats: Identity(len(mean))}
}

// logNormal is log N(x; mean, s^2 I).
func logNormal(x []float32, mean []float64, s float64) float64 {
	d := float64(len(mean))
	lp := -0.5*d*math.Log(2*math.Pi) - d*math.Log(s)
	for j, m := range mean {
		z := (float64(x[j]) - m) / s
		lp -= 0.5 * z * z
	}
	return lp
}

// TestLikelihoodClosedForm: for the exact Gaussian field, the likelihood of any point is the
// target Gaussian's log-density, with Dopri5 (exact divergence and Hutchinson's, which is exact
// for a multiple of the identity) and with RK4; its mean over the Gaussian's own samples is
// minus its entropy.
func TestLikelihoodClosedForm(t *testing.T) {
	mean, s := []float64{1, -2, 0.5}, 0.5
	m := gaussModel(mean, s)
	r := rand.New(rand.NewPCG(4, 4))
	n := 400
	x := gaussian(r, n, 3, 0, 1)
	for i := range x {
		x[i] = float32(mean[i%3] + s*float64(x[i]))
	}
	for _, o := range []LikelihoodOptions{
		{Method: ode.Dopri5, Rtol: 1e-6, Atol: 1e-6, Divergence: DivergenceExact},
		{Method: ode.Dopri5, Rtol: 1e-6, Atol: 1e-6, Divergence: DivergenceHutchinson, Probes: 3, Seed: 2},
		{Method: ode.RK4, Steps: 200, Chunk: 37},
	} {
		res, err := m.LogLikelihood(x, o)
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range n {
			worst = max(worst, math.Abs(res.LogP[i]-logNormal(x[i*3:i*3+3], mean, s)))
		}
		if worst > 2e-3 {
			t.Errorf("%v %v: log-density off by up to %.3g nats", o.Method, o.Divergence, worst)
		}
		entropy := 0.5*3*(1+math.Log(2*math.Pi)) + 3*math.Log(s)
		if math.Abs(res.NLL-entropy) > 0.15 || math.Abs(res.BitsPerDim-res.NLL/(3*math.Ln2)) > 1e-12 {
			t.Errorf("%v: NLL %v nats (%v bits/dim), the Gaussian's entropy %v", o.Method, res.NLL, res.BitsPerDim, entropy)
		}
	}
}

// TestLikelihoodStandardization: the same network with the data standardised by (mean, std)
// gives at x*std + mean the density at x less sum(log std), the Jacobian of the map.
func TestLikelihoodStandardization(t *testing.T) {
	m := trainedModel(t)
	x := InitialNoise(50, 2, 3)
	o := LikelihoodOptions{Method: ode.Midpoint, Steps: 10}
	a, err := m.LogLikelihood(x, o)
	if err != nil {
		t.Fatal(err)
	}
	scaled := *m
	scaled.Stats = Stats{Mean: []float64{3, -1}, Std: []float64{2, 0.25}}
	y := slices.Clone(x)
	scaled.Stats.Denormalize(y)
	b, err := scaled.LogLikelihood(y, o)
	if err != nil {
		t.Fatal(err)
	}
	jac := math.Log(2) + math.Log(0.25)
	for i := range a.LogP {
		if math.Abs(b.LogP[i]-(a.LogP[i]-jac)) > 1e-4 {
			t.Fatalf("point %d: %v in data units, %v - %v in the network's", i, b.LogP[i], a.LogP[i], jac)
		}
	}
}

// TestLikelihoodExactAgainstHutchinson: on a trained MLP, Hutchinson's estimate with many probes
// agrees with the exact divergence's likelihood to within its standard error, and the mean
// over a few probes is unbiased.
func TestLikelihoodExactAgainstHutchinson(t *testing.T) {
	m := trainedModel(t)
	x := sample(checkerboard{}, 20, 5)
	o := LikelihoodOptions{Method: ode.Midpoint, Steps: 8, Divergence: DivergenceExact}
	exact, err := m.LogLikelihood(x, o)
	if err != nil {
		t.Fatal(err)
	}
	if !exact.Exact {
		t.Fatal("the exact divergence was not taken")
	}
	o.Divergence, o.Probes = DivergenceHutchinson, 4000
	hutch, err := m.LogLikelihood(x, o)
	if err != nil {
		t.Fatal(err)
	}
	if hutch.Exact || hutch.Probes != 4000 {
		t.Fatal("Hutchinson's estimator was not taken")
	}
	for i := range x[:len(x)/2] {
		if i >= len(exact.LogP) {
			break
		}
		if d := math.Abs(hutch.LogP[i] - exact.LogP[i]); d > 0.05 {
			t.Errorf("point %d: Hutchinson's %v, exact %v", i, hutch.LogP[i], exact.LogP[i])
		}
	}
	// Auto takes the exact divergence in 2D.
	o.Divergence, o.Probes = DivergenceAuto, 0
	auto, _ := m.LogLikelihood(x, o)
	if !auto.Exact || !slices.Equal(auto.LogP, exact.LogP) {
		t.Error("auto did not take the exact divergence in 2D")
	}
}

// TestLikelihoodDeterministic: the result depends neither on the threads nor, for a fixed-step
// solver, on the chunks; Hutchinson's probes depend on the seed.
func TestLikelihoodDeterministic(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := trainedModel(t)
	x := sample(checkerboard{}, 700, 6)
	run := func(threads, chunk int, div DivergenceMethod, seed uint64) []float64 {
		mat.SetThreads(threads)
		res, err := m.LogLikelihood(x, LikelihoodOptions{Method: ode.Heun, Steps: 4, Chunk: chunk, Divergence: div, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return res.LogP
	}
	for _, div := range []DivergenceMethod{DivergenceExact, DivergenceHutchinson} {
		a := run(1, 0, div, 1)
		if !slices.Equal(a, run(2, 0, div, 1)) || !slices.Equal(a, run(2, 300, div, 1)) {
			t.Errorf("%v: the likelihood depends on the threads or the chunks", div)
		}
		if div == DivergenceHutchinson && slices.Equal(a, run(1, 0, div, 2)) {
			t.Error("another seed drew the same probes")
		}
	}
}

// TestLikelihoodAllocatesNothingPerStep: a solver step of the likelihood's field allocates
// nothing, exact and Hutchinson's.
func TestLikelihoodAllocatesNothingPerStep(t *testing.T) {
	m := trainedModel(t)
	for _, exact := range []bool{true, false} {
		f, err := newLikelihoodField(m.Net, 300, exact, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		f.drawProbes(300)
		state := f.state
		copy(state, InitialNoise(300, 2, 1))
		run := func() { f.solver.FixedSteps(ode.Midpoint, f.field, state, 1, 0, 3, nil) }
		run()
		if a := allocsPerCall(5, run); a != 0 {
			t.Errorf("exact %v: a likelihood solve allocates %v times", exact, a)
		}
	}
}

// TestLikelihoodRefuses: a model from a source dataset, points that are not finite or not of
// the model's dimension, and bad options are errors.
func TestLikelihoodRefuses(t *testing.T) {
	m := trainedModel(t)
	good := LikelihoodOptions{Method: ode.Euler, Steps: 2}
	from := *m
	from.Source = "moons"
	for name, c := range map[string]struct {
		m *Model
		x []float32
		o LikelihoodOptions
	}{
		"source":     {&from, []float32{0, 0}, good},
		"nan":        {m, []float32{0, float32(math.NaN())}, good},
		"dimension":  {m, []float32{0, 0, 0}, good},
		"empty":      {m, nil, good},
		"probes":     {m, []float32{0, 0}, LikelihoodOptions{Method: ode.Euler, Steps: 2, Probes: -1}},
		"steps":      {m, []float32{0, 0}, LikelihoodOptions{Method: ode.Euler}},
		"tolerances": {m, []float32{0, 0}, LikelihoodOptions{Method: ode.Dopri5}},
		"divergence": {m, []float32{0, 0}, LikelihoodOptions{Method: ode.Euler, Steps: 1, Divergence: 9}},
	} {
		if _, err := c.m.LogLikelihood(c.x, c.o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := from.LogLikelihood([]float32{0, 0}, good); err == nil || !strings.Contains(err.Error(), "moons") {
		t.Errorf("a model from moons: %v", err)
	}
}

// TestPathEnergyClosedForm: the sampler's path energy of the exact Gaussian field is each
// point's integral of |mean + sigma_t' x0|^2 over [0, 1], averaged; carrying it changes neither
// the points nor Dopri5's steps.
func TestPathEnergyClosedForm(t *testing.T) {
	mean, s := []float64{3, -1}, 0.5
	m := gaussModel(mean, s)
	// integral of sigma_t'^2 over [0, 1], by Simpson's rule on a fine grid.
	sp := func(tt float64) float64 {
		st := math.Sqrt(tt*tt*s*s + (1-tt)*(1-tt))
		return (tt*s*s - (1 - tt)) / st
	}
	const k = 20000
	var i2 float64
	for j := 0; j <= k; j++ {
		w := 2.0
		if j == 0 || j == k {
			w = 1
		} else if j%2 == 1 {
			w = 4
		}
		v := sp(float64(j) / k)
		i2 += w * v * v
	}
	i2 /= 3 * k
	for _, o := range []SampleOptions{
		{N: 300, Method: ode.Dopri5, Rtol: 1e-7, Atol: 1e-7, Seed: 2},
		{N: 300, Method: ode.RK4, Steps: 100, Seed: 2},
	} {
		plain, err := m.Sample(o)
		if err != nil {
			t.Fatal(err)
		}
		o.PathEnergy = true
		res, err := m.Sample(o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(plain.X, res.X) || plain.Stats != res.Stats {
			t.Fatalf("%v: the path energy changed the sample or its steps", o.Method)
		}
		x0 := InitialNoise(o.N, 2, o.Seed)
		if !slices.Equal(res.X0, x0) {
			t.Fatal("X0 is not the initial noise")
		}
		var want float64
		for i := range o.N {
			for j, mj := range mean {
				z := float64(x0[2*i+j])
				want += mj*mj + 2*mj*z*(s-1) + z*z*i2
			}
		}
		want /= float64(o.N)
		if math.Abs(res.PathEnergy-want) > 1e-4*want {
			t.Errorf("%v: path energy %v, want %v", o.Method, res.PathEnergy, want)
		}
	}
}
