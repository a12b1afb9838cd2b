package fm

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
)

func trainSteps(t *testing.T, tr *Trainer, n int64) {
	t.Helper()
	for tr.Step < n {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTrainingIsDeterministic: the same config gives the same weights bit for bit, whatever the
// thread count; another seed gives others.
func TestTrainingIsDeterministic(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	run := func(seed uint64, threads int) []float32 {
		mat.SetThreads(threads)
		tr := smallTrainer(t, func(c *TrainConfig) { c.Seed = seed; c.EMA = 0.9 })
		trainSteps(t, tr, 15)
		return slices.Clone(tr.Model().MLP().Params)
	}
	a, b, c, d := run(1, 1), run(1, 1), run(2, 1), run(1, 3)
	if !slices.Equal(a, b) || slices.Equal(a, c) || !slices.Equal(a, d) {
		t.Fatal("training is not deterministic in its seed alone")
	}
}

// TestResumeIsExact: a run checkpointed and resumed (through the file format) ends with the
// same weights, EMA, optimizer state and random stream as a run that was not interrupted.
func TestResumeIsExact(t *testing.T) {
	for _, ema := range []float32{0, 0.95} {
		mutate := func(c *TrainConfig) { c.EMA = ema; c.Schedule = "cosine"; c.Warmup = 3; c.ClipNorm = 1 }
		whole := smallTrainer(t, mutate)
		trainSteps(t, whole, 20)

		path := filepath.Join(t.TempDir(), "ckpt")
		part := smallTrainer(t, mutate)
		for _, stop := range []int64{4, 11, 17} {
			trainSteps(t, part, stop)
			if err := part.SaveCheckpoint(path); err != nil {
				t.Fatal(err)
			}
			var err error
			if part, err = ResumeTrainer(path, part.Config); err != nil {
				t.Fatal(err)
			}
			if part.Step != stop {
				t.Fatalf("resumed at step %d, want %d", part.Step, stop)
			}
		}
		trainSteps(t, part, 20)
		var a, b bytes.Buffer
		whole.WriteCheckpoint(&a)
		part.WriteCheckpoint(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("ema %v: the resumed run differs from the uninterrupted one", ema)
		}
	}
}

func TestResumeRejectsAnotherConfig(t *testing.T) {
	tr := smallTrainer(t, nil)
	trainSteps(t, tr, 2)
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := tr.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	c := tr.Config
	c.Batch = 64
	if _, err := ResumeTrainer(path, c); err == nil || !strings.Contains(err.Error(), `batch = "32"`) {
		t.Fatalf("resumed with another batch size: %v", err)
	}
	c = tr.Config
	c.Steps = 1
	if _, err := ResumeTrainer(path, c); err == nil {
		t.Fatal("resumed past the steps asked for")
	}
	c.Steps = 100 // a run may be extended
	if _, err := ResumeTrainer(path, c); err != nil {
		t.Fatal(err)
	}
}

// TestTrainStepAllocatesNothing covers every activation, one and several of nn.Batch's blocks
// (batches of 32 and 300), and one and two threads.
func TestTrainStepAllocatesNothing(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		for _, batch := range []int{32, 300} {
			for _, act := range []nn.Activation{nn.SiLU, nn.ReLU, nn.GELU, nn.ELU, nn.Tanh} {
				tr := smallTrainer(t, func(c *TrainConfig) { c.Act = act; c.EMA = 0.99; c.Path = NewPath(VP); c.Batch = batch })
				trainSteps(t, tr, 1)
				if n := allocsPerCall(20, func() { tr.TrainStep() }); n != 0 {
					t.Errorf("%s, batch %d, %d threads: a training step allocates %v times", act, batch, threads, n)
				}
			}
			// A conditional run, its labels drawn and dropped.
			tr := condTrainer(t, func(c *TrainConfig) { c.Batch = batch; c.EMA = 0.99 })
			trainSteps(t, tr, 1)
			if n := allocsPerCall(20, func() { tr.TrainStep() }); n != 0 {
				t.Errorf("conditional, batch %d, %d threads: a training step allocates %v times", batch, threads, n)
			}
		}
	}
}

func TestDivergenceStops(t *testing.T) {
	tr := smallTrainer(t, func(c *TrainConfig) { c.LR = 1e30 })
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		_, err = tr.TrainStep()
	}
	var div *DivergedError
	if !errors.As(err, &div) || !strings.Contains(err.Error(), "lower learning rate") {
		t.Fatalf("a learning rate of 1e30 gave %v", err)
	}
	if div.Step != tr.Step+1 {
		t.Fatalf("diverged at step %d, the trainer is at %d", div.Step, tr.Step)
	}
}

func TestLearningRate(t *testing.T) {
	c := TrainConfig{LR: 1, Steps: 110, Warmup: 10, Schedule: "cosine"}
	for _, x := range []struct {
		step int64
		want float64
	}{{0, 0.1}, {9, 1}, {10, 1}, {60, 0.5}, {109, 0.5 * (1 + math.Cos(math.Pi*99/100))}} {
		if got := c.LearningRate(x.step); math.Abs(float64(got)-x.want) > 1e-6 {
			t.Errorf("step %d: lr %v, want %v", x.step, got, x.want)
		}
	}
	c.Schedule, c.Warmup = "constant", 0
	if c.LearningRate(50) != 1 {
		t.Error("a constant schedule changed the rate")
	}
}

func TestTrainConfigValidate(t *testing.T) {
	for name, mutate := range map[string]func(*TrainConfig){
		"batch":    func(c *TrainConfig) { c.Batch = 0 },
		"steps":    func(c *TrainConfig) { c.Steps = -1 },
		"lr nan":   func(c *TrainConfig) { c.LR = float32(math.NaN()) },
		"lr neg":   func(c *TrainConfig) { c.LR = -1 },
		"schedule": func(c *TrainConfig) { c.Schedule = "linear" },
		"ema":      func(c *TrainConfig) { c.EMA = 1 },
		"hidden":   func(c *TrainConfig) { c.Hidden = []int{0} },
		"path":     func(c *TrainConfig) { c.Path.TEnd = 0 },
	} {
		c := DefaultTrainConfig()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: an invalid config validated", name)
		}
	}
}
