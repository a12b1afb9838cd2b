package fm

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

// couplingConfigs are small runs of each of TorchCFM's flow matchers: I-CFM with path noise,
// OT-CFM, SB-CFM, and OT-CFM from a source dataset.
func couplingConfigs() map[string]func(*TrainConfig) {
	moons, _ := Builtin("torchcfm-moons")
	return map[string]func(*TrainConfig){
		"icfm":        func(c *TrainConfig) { c.Sigma = 0.1 },
		"otcfm":       func(c *TrainConfig) { c.Coupling = ExactOT; c.Sigma = 0.1 },
		"sbcfm":       func(c *TrainConfig) { c.Coupling = Entropic; c.Sigma = 0.5 },
		"otcfm-moons": func(c *TrainConfig) { c.Coupling = ExactOT; c.Source = moons },
	}
}

func couplingTrainer(t *testing.T, mutate func(*TrainConfig), more func(*TrainConfig)) *Trainer {
	t.Helper()
	return smallTrainer(t, func(c *TrainConfig) {
		c.Data, _ = Builtin("8gaussians")
		mutate(c)
		if more != nil {
			more(c)
		}
	})
}

// TestCouplingTrainingIsDeterministic: each flow matcher gives the same weights bit for bit
// whatever the thread count, and a checkpointed, resumed run ends as an uninterrupted one.
func TestCouplingTrainingIsDeterministic(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	for name, mutate := range couplingConfigs() {
		run := func(threads int) []float32 {
			mat.SetThreads(threads)
			tr := couplingTrainer(t, mutate, nil)
			trainSteps(t, tr, 6)
			return slices.Clone(tr.Model().MLP().Params)
		}
		if a, b := run(1), run(2); !slices.Equal(a, b) {
			t.Errorf("%s: one and two threads train different weights", name)
		}
		whole := couplingTrainer(t, mutate, nil)
		trainSteps(t, whole, 8)
		part := couplingTrainer(t, mutate, nil)
		trainSteps(t, part, 3)
		path := filepath.Join(t.TempDir(), "ckpt")
		if err := part.SaveCheckpoint(path); err != nil {
			t.Fatal(err)
		}
		part, err := ResumeTrainer(path, part.Config)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		trainSteps(t, part, 8)
		var a, b bytes.Buffer
		whole.WriteCheckpoint(&a)
		part.WriteCheckpoint(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: the resumed run differs from the uninterrupted one", name)
		}
		// The checkpoint refuses another coupling.
		other := part.Config
		other.Coupling = (other.Coupling + 1) % 3
		if other.Coupling == Entropic && other.Sigma == 0 {
			other.Sigma = 1
		}
		if _, err := ResumeTrainer(path, other); err == nil || !strings.Contains(err.Error(), "coupling") {
			t.Errorf("%s: resumed with the %s coupling: %v", name, other.Coupling, err)
		}
	}
}

// TestCouplingTrainStepAllocatesNothing: after its first step, a step of every flow matcher
// allocates nothing, on one thread and two.
func TestCouplingTrainStepAllocatesNothing(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		for name, mutate := range couplingConfigs() {
			tr := couplingTrainer(t, mutate, func(c *TrainConfig) { c.Batch = 64 })
			trainSteps(t, tr, 1)
			if n := allocsPerCall(10, func() { tr.TrainStep() }); n != 0 {
				t.Errorf("%s, %d threads: a training step allocates %v times", name, threads, n)
			}
		}
	}
}

// TestCouplingBatches: the batch a step regresses on is the flow matcher's. OT-CFM's pairs are
// the optimal matching of the drawn points (no other permutation of x1 costs less); the
// targets are x1 - x0 for I-CFM and OT-CFM, and x_t lies within a few sigma of the straight
// path; SB-CFM's x_t at t near 0 and 1 is near x0 and x1.
func TestCouplingBatches(t *testing.T) {
	for name, mutate := range couplingConfigs() {
		tr := couplingTrainer(t, mutate, nil)
		var x0, x1, xt, ut, tt []float32
		tr.tamper = func(tr *Trainer) {
			x0, x1, xt, ut, tt = slices.Clone(tr.x0), slices.Clone(tr.x1), slices.Clone(tr.xt), slices.Clone(tr.ut), slices.Clone(tr.t)
		}
		trainSteps(t, tr, 1)
		c := tr.Config
		d := 2
		for i, ti := range tt {
			for k := range d {
				j := i*d + k
				mid := float64(ti)*float64(x1[j]) + (1-float64(ti))*float64(x0[j])
				if dev := math.Abs(float64(xt[j]) - mid); dev > 6*c.Sigma+1e-5 {
					t.Fatalf("%s: x_t is %v from the straight path, sigma %v", name, dev, c.Sigma)
				}
				if c.Coupling != Entropic && math.Abs(float64(ut[j]-(x1[j]-x0[j]))) > 1e-5 {
					t.Fatalf("%s: target %v, want x1 - x0 = %v", name, ut[j], x1[j]-x0[j])
				}
			}
		}
		if c.Coupling != ExactOT {
			continue
		}
		// A 2-opt check: swapping any two pairs' data points does not lower the cost.
		sq := func(a, b int) float64 {
			d0, d1 := float64(x0[2*a]-x1[2*b]), float64(x0[2*a+1]-x1[2*b+1])
			return d0*d0 + d1*d1
		}
		for i := range c.Batch {
			for j := range i {
				if sq(i, j)+sq(j, i) < sq(i, i)+sq(j, j)-1e-9 {
					t.Fatalf("%s: swapping pairs %d and %d lowers the cost: not the optimal matching", name, i, j)
				}
			}
		}
	}
}

// TestCouplingValidate: what the flow matchers cannot be combined with is refused.
func TestCouplingValidate(t *testing.T) {
	moons, _ := Builtin("moons")
	three := &Table{Source: "three.csv", D: 3, X: make([]float32, 30)}
	for name, mutate := range map[string]func(*TrainConfig){
		"sb without sigma": func(c *TrainConfig) { c.Coupling = Entropic },
		"negative sigma":   func(c *TrainConfig) { c.Sigma = -1 },
		"nan sigma":        func(c *TrainConfig) { c.Sigma = math.NaN() },
		"vp path":          func(c *TrainConfig) { c.Coupling = ExactOT; c.Path = NewPath(VP) },
		"sigma_min":        func(c *TrainConfig) { c.Sigma = 0.1; c.Path.SigmaMin = 0.01 },
		"conditional ot":   func(c *TrainConfig) { c.Data, _ = Builtin("8gaussians"); c.Conditional = true; c.Coupling = ExactOT },
		"source dimension": func(c *TrainConfig) { c.Source = three },
		"unknown coupling": func(c *TrainConfig) { c.Coupling = 7 },
		"pairs and a noise": func(c *TrainConfig) {
			c.Pairs = &Pairs{D: 2, X0: make([]float32, 4), X1: make([]float32, 4)}
			c.Init = &Model{}
			c.Sigma = 0.1
		},
	} {
		c := DefaultTrainConfig()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: an invalid config validated", name)
		}
	}
	// A conditional run may take path noise and a source.
	c := DefaultTrainConfig()
	c.Data, _ = Builtin("8gaussians")
	c.Conditional, c.Sigma, c.Source = true, 0.1, moons
	if err := c.Validate(); err != nil {
		t.Errorf("conditional I-CFM from moons: %v", err)
	}
}

// TestCouplingNonFinite: a point that is not a finite number stops OT-CFM's and SB-CFM's step
// with an error that says so, not a panic.
func TestCouplingNonFinite(t *testing.T) {
	x := []float32{0, 0, 1, 1, float32(math.NaN()), 2, 3, 3}
	for _, k := range []Coupling{ExactOT, Entropic} {
		tr := smallTrainer(t, func(c *TrainConfig) {
			c.Data = &Table{Source: "nan.csv", D: 2, X: x}
			c.Coupling, c.Sigma = k, 0.1
		})
		_, err := tr.TrainStep()
		if err == nil || !strings.Contains(err.Error(), "NaN") {
			t.Errorf("%s: a NaN point gave %v", k, err)
		}
	}
}

// TestSampleFromSource: a model trained from a source dataset records it, samples from it by
// seed (SampleOptions.Source) or from given points, and refuses to start from noise; a model
// from noise refuses a source. Its file keeps the coupling, sigma and source.
func TestSampleFromSource(t *testing.T) {
	moons, _ := Builtin("torchcfm-moons")
	tr := couplingTrainer(t, func(c *TrainConfig) {
		c.Coupling, c.Sigma, c.Source, c.Standardize = ExactOT, 0.1, moons, StandardizeAlways
	}, nil)
	trainSteps(t, tr, 3)
	var buf bytes.Buffer
	if _, err := tr.Model().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := ParseModel(buf.Bytes(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	meta := m.Metadata()
	if m.Source != "torchcfm-moons" || meta["train.coupling"] != "ot" || meta["train.sigma"] != "0.1" || meta["train.source"] != "torchcfm-moons" {
		t.Fatalf("the model file says source %q, coupling %q, sigma %q", m.Source, meta["train.coupling"], meta["train.sigma"])
	}
	o := SampleOptions{N: 50, Method: ode.Euler, Steps: 1, Seed: 3}
	if _, err := m.Sample(o); err == nil || !strings.Contains(err.Error(), "torchcfm-moons") {
		t.Fatalf("sampling without the source: %v", err)
	}
	o.Source = moons
	a, err := m.Sample(o)
	if err != nil {
		t.Fatal(err)
	}
	// The same points given as X0 (in the data's units) give the same sample.
	x0 := make([]float32, 100)
	moons.Sample(newInitialRand(3), x0)
	o.Source, o.X0 = nil, x0
	b, err := m.Sample(o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.X, b.X) {
		t.Fatal("drawing from the source by seed and giving the same points as X0 sample differently")
	}
	noise := smallTrainer(t, nil).Model()
	o.Source, o.X0 = moons, nil
	if _, err := noise.Sample(o); err == nil {
		t.Fatal("a model from noise took a source dataset")
	}
}
