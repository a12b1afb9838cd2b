package fm

import (
	"math"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

func trainedModel(t *testing.T) *Model {
	t.Helper()
	tr := smallTrainer(t, nil)
	trainSteps(t, tr, 20)
	return tr.Model()
}

func TestSampleDeterministicAndSolverIndependentNoise(t *testing.T) {
	m := trainedModel(t)
	opt := SampleOptions{N: 50, Method: ode.Midpoint, Steps: 10, Seed: 3}
	a, err := m.Sample(opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Sample(opt)
	if !slices.Equal(a.X, b.X) {
		t.Fatal("the same seed gave different samples")
	}
	// t = 0 snapshots of two solvers are the same noise, mapped to data units.
	opt.At = []float64{0}
	s1, _ := m.Sample(opt)
	opt.Method, opt.Steps = ode.Euler, 3
	s2, _ := m.Sample(opt)
	want := InitialNoise(50, 2, 3)
	m.Stats.Denormalize(want)
	if !slices.Equal(s1.Snapshots[0].X, want) || !slices.Equal(s2.Snapshots[0].X, want) {
		t.Fatal("the initial points depend on the solver")
	}
	if a.Stats.NFE != 20 || s2.Stats.NFE != 3 {
		t.Fatalf("NFE %d and %d, want 20 and 3", a.Stats.NFE, s2.Stats.NFE)
	}
}

func TestSampleSnapshotsAndTrajectory(t *testing.T) {
	m := trainedModel(t)
	opt := SampleOptions{N: 30, Method: ode.RK4, Steps: 8, Seed: 1, At: []float64{1, 0.3, 0.5}}
	res, err := m.Sample(opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshots) != 3 || res.Snapshots[0].T != 0.3 || res.Snapshots[1].T != 0.5 || res.Snapshots[2].T != 1 {
		t.Fatalf("snapshots at %v", res.Snapshots)
	}
	if !slices.Equal(res.Snapshots[2].X, res.X) {
		t.Fatal("the snapshot at t = 1 is not the sample")
	}
	// The grid gains the steps the snapshot at 0.3 splits: 8 + 1.
	if res.Stats.Accepted != 9 {
		t.Fatalf("%d steps for 8 steps and a snapshot off the grid", res.Stats.Accepted)
	}

	opt.At, opt.Trajectory = nil, true
	res, err = m.Sample(opt)
	if err != nil || len(res.Snapshots) != 9 || res.Snapshots[0].T != 0 || res.Snapshots[8].T != 1 {
		t.Fatalf("trajectory: %v, %d records", err, len(res.Snapshots))
	}
	opt.Method, opt.Rtol, opt.Atol = ode.Dopri5, 1e-4, 1e-4
	res, err = m.Sample(opt)
	if err != nil || len(res.Snapshots) != res.Stats.Accepted+1 {
		t.Fatalf("dopri5 trajectory: %v, %d records for %d steps", err, len(res.Snapshots), res.Stats.Accepted)
	}
}

// TestSampleVPEndsBeforeOne: under VP the field is integrated to 1 - 1e-5 and a snapshot at 1 is
// the sample.
func TestSampleVPEndsBeforeOne(t *testing.T) {
	tr := smallTrainer(t, func(c *TrainConfig) { c.Path = NewPath(VP) })
	trainSteps(t, tr, 5)
	res, err := tr.Model().Sample(SampleOptions{N: 10, Method: ode.Dopri5, Rtol: 1e-5, Atol: 1e-5, At: []float64{0.5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshots[1].T != 1 || !slices.Equal(res.Snapshots[1].X, res.X) {
		t.Fatal("the snapshot at 1 is not the sample")
	}
	for _, v := range res.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("VP sampling produced", v)
		}
	}
}

func TestSampleChunksAgree(t *testing.T) {
	m := trainedModel(t)
	opt := SampleOptions{N: 100, Method: ode.Heun, Steps: 6, Seed: 9}
	whole, _ := m.Sample(opt)
	opt.Chunk = 16
	parts, _ := m.Sample(opt)
	for i := range whole.X {
		if math.Abs(float64(whole.X[i]-parts.X[i])) > 1e-5*max(1, math.Abs(float64(whole.X[i]))) {
			t.Fatalf("value %d: %v whole, %v in chunks", i, whole.X[i], parts.X[i])
		}
	}
}

// TestSampleThreadsAgree: the same sample, bit for bit, on 1, 2 and 3 threads, over several
// chunks of several row blocks, with a fixed-step and the adaptive solver.
func TestSampleThreadsAgree(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := trainedModel(t)
	for _, opt := range []SampleOptions{
		{N: 2500, Method: ode.Midpoint, Steps: 5, Seed: 4},
		{N: 1025, Method: ode.Heun, Steps: 3, Seed: 6}, // two even chunks, fewer than three threads
		{N: 2500, Method: ode.Dopri5, Rtol: 1e-4, Atol: 1e-4, Seed: 5},
	} {
		var first []float32
		for _, threads := range []int{1, 2, 3} {
			mat.SetThreads(threads)
			res, err := m.Sample(opt)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res.X
			} else if !slices.Equal(res.X, first) {
				t.Fatalf("%v: %d threads give another sample than one", opt.Method, threads)
			}
		}
	}
}

func TestSampleOptionsValidate(t *testing.T) {
	bad := []SampleOptions{
		{N: 0, Method: ode.Euler, Steps: 1},
		{N: 1, Method: ode.Euler, Steps: 0},
		{N: 1, Method: ode.Dopri5, Rtol: 0},
		{N: 1, Method: ode.Euler, Steps: 1, At: []float64{1.5}},
		{N: 1, Method: ode.Euler, Steps: 1, At: []float64{math.NaN()}},
		{N: 2, Method: ode.Euler, Steps: 1, X0: []float32{1, 2}},
		{N: 1, Method: ode.Euler, Steps: 1, X0: []float32{1, float32(math.Inf(1))}},
		{N: 1, Method: ode.Euler, Steps: 1, Trajectory: true, At: []float64{0}},
	}
	for i, o := range bad {
		if o.Validate(2) == nil {
			t.Errorf("case %d validated: %+v", i, o)
		}
	}
}

// TestSamplerAllocatesNothingPerStep covers one point and a chunk of several row blocks, on one
// and two threads.
func TestSamplerAllocatesNothingPerStep(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := trainedModel(t)
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		for _, n := range []int{1, 300} {
			s := newFieldSampler(m.Net, n, false, 0, false)
			x := InitialNoise(n, 2, 1)
			s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil)
			if a := allocsPerCall(10, func() { s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 5, nil) }); a != 0 {
				t.Fatalf("%d points, %d threads: sampling allocates %v times per run", n, threads, a)
			}
		}
	}
}
