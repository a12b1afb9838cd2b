package fm

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

// smallReflow is a reflow of a few steps per stage on a few hundred pairs: two rounds and a
// distillation.
func smallReflow(mutate func(c *ReflowConfig)) ReflowConfig {
	c := DefaultReflowConfig()
	c.Pairs.N, c.Pairs.Rtol, c.Pairs.Atol = 300, 1e-4, 1e-4
	c.Rounds, c.Distill, c.DistillSteps = 2, true, 5
	c.Train.Steps, c.Train.Batch, c.Train.EMA = 7, 64, 0.9
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// runReflow runs r to its end, saving a checkpoint at each step of stops (global step counts
// across the stages) and resuming from it.
func runReflow(t *testing.T, teacher *Model, c ReflowConfig, path string, stops ...int) *Model {
	t.Helper()
	r, err := NewReflower(teacher, c)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for {
		for r.Trainer.Step < r.StageSteps() {
			if slices.Contains(stops, total) {
				if err := r.SaveCheckpoint(path); err != nil {
					t.Fatal(err)
				}
				if r, err = ResumeReflower(path, teacher, c); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := r.Trainer.TrainStep(); err != nil {
				t.Fatal(err)
			}
			total++
		}
		if r.Done() {
			return r.Model()
		}
		if err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
}

func modelBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReflowResumeIsExact: a reflow checkpointed and resumed in every stage (at its first step,
// in its middle) ends with the uninterrupted run's student, byte for byte, and the same as
// Reflow's; its file records the reflow.
func TestReflowResumeIsExact(t *testing.T) {
	teacher := trainedModel(t)
	c := smallReflow(nil)
	whole := runReflow(t, teacher, c, "")
	path := filepath.Join(t.TempDir(), "ckpt")
	part := runReflow(t, teacher, c, path, 3, 7, 10, 14, 16)
	if !bytes.Equal(modelBytes(t, whole), modelBytes(t, part)) {
		t.Fatal("the resumed reflow's student differs from the uninterrupted one's")
	}
	lib, err := Reflow(teacher, c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(modelBytes(t, whole), modelBytes(t, lib)) {
		t.Fatal("Reflow's student differs from the Reflower's")
	}
	for k, v := range map[string]string{keyReflowRounds: "2", keyReflowDistilled: "true", keyReflowPairs: "300", keyTrainTimeZero: "true", "train.data": "checkerboard"} {
		if whole.Extra[k] != v {
			t.Errorf("the student's %s is %q, want %q", k, whole.Extra[k], v)
		}
	}
	if whole.Steps != 5 || whole.Path.Name() != "condot" || !slices.Equal(whole.Stats.Mean, teacher.Stats.Mean) {
		t.Fatalf("the student: %d steps, path %s, mean %v", whole.Steps, whole.Path.Name(), whole.Stats.Mean)
	}
	// Its file reads back.
	if _, err := ParseModel(modelBytes(t, whole), LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	// A checkpoint of one stage resumes only that reflow.
	other := c
	other.Pairs.N = 200
	if _, err := ResumeReflower(path, teacher, other); err == nil || !strings.Contains(err.Error(), "pairs") {
		t.Fatalf("another pair count resumed: %v", err)
	}
	other = c
	other.Rounds = 0
	if _, err := ResumeReflower(path, teacher, other); err == nil {
		t.Fatal("a reflow of another number of stages resumed")
	}
	plain := smallTrainer(t, func(c *TrainConfig) { c.Batch, c.EMA = 64, 0.9 }).Config
	if _, err := ResumeTrainer(path, plain); err == nil || !strings.Contains(err.Error(), "pairs") {
		t.Fatalf("a training run resumed a reflow's checkpoint: %v", err)
	}
}

// TestReflowThreadsAgree: the same student on 1, 2 and 3 threads (the pairs are solved in
// chunks on all of them), and without a single allocation in a step on pairs.
func TestReflowThreadsAgree(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	teacher := trainedModel(t)
	c := smallReflow(func(c *ReflowConfig) { c.Pairs.N = 2600; c.Rounds = 1 })
	var first []byte
	for _, threads := range []int{1, 2, 3} {
		mat.SetThreads(threads)
		m, err := Reflow(teacher, c)
		if err != nil {
			t.Fatal(err)
		}
		if b := modelBytes(t, m); first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("%d threads make another student than one", threads)
		}
	}
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		r, err := NewReflower(teacher, c)
		if err != nil {
			t.Fatal(err)
		}
		r.Trainer.TrainStep()
		if a := allocsPerCall(10, func() { r.Trainer.TrainStep() }); a != 0 {
			t.Errorf("%d threads: a step on pairs allocates %v times", threads, a)
		}
	}
}

// TestPairs: pairs start from the noise of their seed and end where the teacher's accurate
// solve takes it, in the network's units; a conditional teacher's pairs carry every class in
// turn, and its student is conditional.
func TestPairs(t *testing.T) {
	teacher := trainedModel(t)
	p, stats, err := teacher.Pairs(PairOptions{N: 50, Seed: 4, Rtol: 1e-5, Atol: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.X0, InitialNoise(50, 2, 4)) || p.Labels != nil || stats.NFE == 0 {
		t.Fatal("the pairs do not start from their seed's noise")
	}
	res, _ := teacher.Sample(SampleOptions{N: 50, Method: ode.Dopri5, Rtol: 1e-5, Atol: 1e-5, Seed: 4})
	teacher.Stats.Normalize(res.X)
	for i := range res.X {
		if d := res.X[i] - p.X1[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("x1[%d] = %v, the sampler gives %v", i, p.X1[i], res.X[i])
		}
	}

	tr := condTrainer(t, nil)
	trainSteps(t, tr, 5)
	cond := tr.Model()
	p, _, err = cond.Pairs(PairOptions{N: 16, Seed: 1, Rtol: 1e-4, Atol: 1e-4, Guidance: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Labels, BalancedLabels(16, 8)) || p.Classes != 8 {
		t.Fatalf("a conditional teacher's pairs have labels %v", p.Labels)
	}
	student, err := Reflow(cond, smallReflow(func(c *ReflowConfig) { c.Pairs.Guidance = 1 }))
	if err != nil {
		t.Fatal(err)
	}
	if student.NumClasses() != 8 || student.Extra["reflow.guidance"] != "1" || student.Extra[keyTrainConditional] != "true" {
		t.Fatalf("the student of a conditional teacher: %d classes, extra %v", student.NumClasses(), student.Extra)
	}
	if _, err := student.Sample(SampleOptions{N: 8, Method: ode.Euler, Steps: 1, Labels: []int32{3}, Guidance: 2}); err != nil {
		t.Fatal(err)
	}
}

func TestReflowConfigValidate(t *testing.T) {
	teacher := trainedModel(t)
	for name, mutate := range map[string]func(c *ReflowConfig){
		"rounds":   func(c *ReflowConfig) { c.Rounds = -1 },
		"nothing":  func(c *ReflowConfig) { c.Rounds, c.Distill = 0, false },
		"pairs":    func(c *ReflowConfig) { c.Pairs.N = 0 },
		"rtol":     func(c *ReflowConfig) { c.Pairs.Rtol = 0 },
		"guidance": func(c *ReflowConfig) { c.Pairs.Guidance = -1 },
		"distill":  func(c *ReflowConfig) { c.DistillSteps = -1 },
		"batch":    func(c *ReflowConfig) { c.Train.Batch = 0 },
		"drop":     func(c *ReflowConfig) { c.Train.CondDrop = 1 },
	} {
		if _, err := NewReflower(teacher, smallReflow(mutate)); err == nil {
			t.Errorf("%s: an invalid reflow started", name)
		}
	}
	// Guidance for an unconditional teacher.
	if _, err := NewReflower(teacher, smallReflow(func(c *ReflowConfig) { c.Pairs.Guidance = 1 })); err == nil || !strings.Contains(err.Error(), "guidance") {
		t.Errorf("guidance on an unconditional teacher: %v", err)
	}
}

// TestReflowStraightens: on the checkerboard, a briefly trained teacher's one Euler step lands
// far from the data; its 1-rectified student's lands closer and its distilled one's closer
// still. Pairs whose x1 were shuffled among them (an independent coupling, which reflow
// cannot straighten) make no such student.
func TestReflowStraightens(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for seconds")
	}
	c := DefaultTrainConfig()
	c.Hidden, c.Batch, c.Steps, c.LR = []int{64, 64, 64}, 256, 1000, 3e-3
	tr, err := NewTrainer(c)
	if err != nil {
		t.Fatal(err)
	}
	trainSteps(t, tr, c.Steps)
	teacher := tr.Model()
	oneStep := func(m *Model) quality {
		res, err := m.Sample(SampleOptions{N: qualityPoints, Method: ode.Euler, Steps: 1, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		return measure(res.X)
	}
	rc := DefaultReflowConfig()
	rc.Pairs.N, rc.Train.Steps, rc.DistillSteps, rc.Train.Batch, rc.Train.LR = 3000, 400, 400, 256, 3e-3
	run := func(distill bool, tamper func(p *Pairs)) quality {
		rc := rc
		rc.Distill = distill
		r, err := NewReflower(teacher, rc)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if tamper != nil {
				tamper(r.Trainer.Config.Pairs)
			}
			for r.Trainer.Step < r.StageSteps() {
				if _, err := r.Trainer.TrainStep(); err != nil {
					t.Fatal(err)
				}
			}
			if r.Done() {
				return oneStep(r.Model())
			}
			if err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
	}
	shuffle := func(p *Pairs) {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(p.Len(), func(i, j int) {
			p.X1[2*i], p.X1[2*j] = p.X1[2*j], p.X1[2*i]
			p.X1[2*i+1], p.X1[2*j+1] = p.X1[2*j+1], p.X1[2*i+1]
		})
	}
	q0, q1, q2, broken := oneStep(teacher), run(false, nil), run(true, nil), run(true, shuffle)
	t.Logf("one Euler step: teacher %v, 1-rectified %v, distilled %v, shuffled pairs %v", q0, q1, q2, broken)
	// Bounds from measurement, with margins: energy 0.66, 0.0062, 0.0039 and 0.71.
	if !(q1.energy < 0.02 && q2.energy < 0.01 && q0.energy > 0.3) {
		t.Errorf("reflow does not straighten the flow: one Euler step's energy distance %.4f, %.4f, %.4f", q0.energy, q1.energy, q2.energy)
	}
	if broken.energy < 0.1 {
		t.Errorf("pairs of an independent coupling pass the bounds: %v", broken)
	}
}

// The settings of TestReflowSweep, an experiment.
var (
	sweepTeacher  = flag.String("fmtiny.teacher", "", "TestReflowSweep: the teacher's model file")
	sweepPairs    = flag.Int("fmtiny.pairs", 30000, "TestReflowSweep: pairs per stage")
	sweepRounds   = flag.Int("fmtiny.rounds", 1, "TestReflowSweep: rounds of reflow")
	sweepSteps    = flag.Int64("fmtiny.steps", 5000, "TestReflowSweep: steps of each round")
	sweepDistill  = flag.Int64("fmtiny.distill-steps", 5000, "TestReflowSweep: steps of the distillation (0: none)")
	sweepLR       = flag.Float64("fmtiny.lr", 1e-3, "TestReflowSweep: the learning rate")
	sweepBatch    = flag.Int("fmtiny.batch", 1024, "TestReflowSweep: the batch")
	sweepSchedule = flag.String("fmtiny.schedule", "constant", "TestReflowSweep: the learning-rate schedule")
)

// TestReflowSweep runs a reflow of the teacher -fmtiny.teacher with the settings of its flags
// and logs, after every stage, what it took and the student's quality with 1, 2 and 4 Euler
// steps, measured as fmtiny eval measures it (10000 points, seed 1). BENCHMARKS.md's choice of
// the default pairs and steps comes from it. It runs only with -fmtiny.experiment.
func TestReflowSweep(t *testing.T) {
	if !*experiment || *sweepTeacher == "" {
		t.Skip("run with -fmtiny.experiment -fmtiny.teacher=FILE")
	}
	teacher, err := LoadModel(*sweepTeacher, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultReflowConfig()
	c.Pairs.N, c.Rounds, c.Distill, c.DistillSteps = *sweepPairs, *sweepRounds, *sweepDistill > 0, *sweepDistill
	c.Train.Steps, c.Train.LR, c.Train.Batch, c.Train.Schedule = *sweepSteps, float32(*sweepLR), *sweepBatch, *sweepSchedule
	start := time.Now()
	r, err := NewReflower(teacher, c)
	if err != nil {
		t.Fatal(err)
	}
	for {
		stage := time.Now()
		for r.Trainer.Step < r.StageSteps() {
			if _, err := r.Trainer.TrainStep(); err != nil {
				t.Fatal(err)
			}
		}
		train := time.Since(stage)
		m := r.Model()
		for _, steps := range []int{1, 2, 4} {
			res, err := m.Sample(SampleOptions{N: 10000, Method: ode.Euler, Steps: steps, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			ref := make([]float32, len(res.X))
			ds, _ := Builtin("checkerboard")
			ds.Sample(rand.New(rand.NewPCG(1, 0xe7a1)), ref)
			on, _ := CheckerboardFit(res.X)
			st, _ := ColumnStats(ref, 2)
			st.Normalize(res.X)
			st.Normalize(ref)
			t.Logf("stage %d (pairs %v, %d evaluations; training %v; %v since the start) euler %d: on the squares %.4f, energy distance %.4f",
				r.Stage+1, r.PairTime.Round(time.Millisecond), r.PairStats.NFE, train.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), steps, on, EnergyDistance(res.X, ref, 2))
		}
		if r.Done() {
			return
		}
		if err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
}
