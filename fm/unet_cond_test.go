package fm

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// This file tests the class-conditional UNet and the reflow of UNets, on tinyImages (1 x 8 x 8,
// labels 0..2) with a UNet of base 4.

// condUNetTrainer is unetTrainer conditioned on tinyImages' labels.
func condUNetTrainer(t *testing.T, mutate func(*TrainConfig)) *Trainer {
	t.Helper()
	return unetTrainer(t, func(c *TrainConfig) {
		c.Conditional = true
		if mutate != nil {
			mutate(c)
		}
	})
}

// TestConditionalUNetTraining: a conditional UNet trains without allocating, its weights do not
// depend on the threads, and a guided solve allocates nothing once running.
func TestConditionalUNetTraining(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	var first []float32
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		tr := condUNetTrainer(t, func(c *TrainConfig) { c.EMA = 0.99 })
		if tr.net.NumClasses() != 3 || tr.labels == nil {
			t.Fatalf("a conditional UNet of %d classes", tr.net.NumClasses())
		}
		trainSteps(t, tr, 3)
		if first == nil {
			first = slices.Clone(tr.net.params())
		} else if !equalBits(first, tr.net.params()) {
			t.Errorf("%d threads: the weights after 3 steps differ from one thread's", threads)
		}
		if n := allocsPerCall(5, func() { tr.TrainStep() }); n != 0 {
			t.Errorf("%d threads: a conditional UNet training step allocates %v times", threads, n)
		}
		m := tr.Model()
		for _, guidance := range []float64{0, 1.5} {
			s := newFieldSampler(m.Net, 6, false, guidance, false)
			s.setLabels(BalancedLabels(6, 3), 6)
			x := InitialNoise(6, m.Dim(), 1)
			s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil)
			if a := allocsPerCall(3, func() { s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil) }); a != 0 {
				t.Errorf("guidance %v, %d threads: sampling allocates %v times per solve", guidance, threads, a)
			}
		}
	}
	// The embeddings learn: after training, their rows have moved from the initial draws.
	tr := condUNetTrainer(t, nil)
	before := slices.Clone(tr.net.params())
	trainSteps(t, tr, 2)
	n := tr.net.NumParams()
	emb := 4*4 + 4*16 // label_emb [4, 4] and mid_label_emb [4, 16] at the end
	if slices.Equal(before[n-emb:], tr.net.params()[n-emb:]) {
		t.Error("the label embeddings did not change in training")
	}
}

// TestConditionalUNetModel: the model file keeps the classes (label.classes and both
// embeddings), a round trip gives the same field, and sampling with labels, guided or not,
// gives finite images and refuses labels out of range; an unconditional UNet refuses labels.
func TestConditionalUNetModel(t *testing.T) {
	tr := condUNetTrainer(t, nil)
	trainSteps(t, tr, 4)
	m := tr.Model()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if meta := m.Metadata(); meta[keyClasses] != "3" || meta[keyArch] != ArchUNet || meta[keyTrainConditional] != "true" {
		t.Fatalf("metadata %v", meta)
	}
	back, err := ParseModel(buf.Bytes(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if back.NumClasses() != 3 || !slices.Equal(back.Net.params(), m.Net.params()) || !slices.Equal(back.Shape, []int{1, 8, 8}) {
		t.Fatalf("read back %d classes, shape %v", back.NumClasses(), back.Shape)
	}
	// A state dict without fmtiny's metadata (PyTorch's save_file of the same module) reads as
	// a conditional UNet too, its classes from label_emb.weight.
	var sd bytes.Buffer
	if err := nn.WriteSafetensors(&sd, m.Net.tensors(), nil); err != nil {
		t.Fatal(err)
	}
	if torch, err := ParseModel(sd.Bytes(), LoadOptions{}); err != nil || torch.NumClasses() != 3 || !torch.Inferred {
		t.Fatalf("a bare state dict: %v", err)
	}
	for _, o := range []SampleOptions{
		{N: 6, Method: ode.Midpoint, Steps: 3, Labels: BalancedLabels(6, 3)},
		{N: 6, Method: ode.Midpoint, Steps: 3, Labels: BalancedLabels(6, 3), Guidance: 2},
		{N: 5, Method: ode.Heun, Steps: 2, Labels: []int32{1}, Guidance: 1},
		{N: 4, Method: ode.Euler, Steps: 2}, // the unconditional field
	} {
		a, err := m.Sample(o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := back.Sample(o)
		if err != nil {
			t.Fatal(err)
		}
		if !equalBits(a.X, b.X) {
			t.Fatalf("%+v: the model read back samples otherwise", o)
		}
		if slices.ContainsFunc(a.X, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) }) {
			t.Fatalf("%+v: a sample holds NaN or Inf", o)
		}
	}
	// Guidance moves the samples; labels do too.
	o := SampleOptions{N: 3, Method: ode.Euler, Steps: 2, Labels: []int32{0}}
	plain, _ := m.Sample(o)
	o.Guidance = 1
	guided, _ := m.Sample(o)
	o.Labels, o.Guidance = []int32{2}, 0
	other, _ := m.Sample(o)
	if equalBits(plain.X, guided.X) || equalBits(plain.X, other.X) {
		t.Error("guidance or the label changes nothing")
	}
	if _, err := m.Sample(SampleOptions{N: 2, Method: ode.Euler, Steps: 1, Labels: []int32{3}}); err == nil {
		t.Error("label 3 of 3 classes was sampled")
	}
	plainUNet := unetTrainer(t, nil).Model()
	if _, err := plainUNet.Sample(SampleOptions{N: 2, Method: ode.Euler, Steps: 1, Labels: []int32{0}}); err == nil {
		t.Error("an unconditional UNet sampled a label")
	}
}

// TestConditionalUNetResume: a conditional UNet's checkpoint resumes to the same weights as a
// run that was never stopped.
func TestConditionalUNetResume(t *testing.T) {
	want := condUNetTrainer(t, nil)
	trainSteps(t, want, 4)
	tr := condUNetTrainer(t, nil)
	trainSteps(t, tr, 2)
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := tr.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	back, err := ResumeTrainer(path, tr.Config)
	if err != nil {
		t.Fatal(err)
	}
	trainSteps(t, back, 4)
	if !equalBits(back.net.params(), want.net.params()) {
		t.Fatal("the resumed run's weights differ")
	}
}

// TestReflowFixedStepPairs: pairs by a fixed-step solver are where the sampler takes their
// noise with that solver, and the student records the solver; a fixed-step count with Dopri5 is
// refused.
func TestReflowFixedStepPairs(t *testing.T) {
	tr := condUNetTrainer(t, nil)
	trainSteps(t, tr, 3)
	teacher := tr.Model()
	o := PairOptions{N: 6, Seed: 2, Rtol: 1e-3, Atol: 1e-3, Method: ode.Midpoint, Steps: 3, Guidance: 1}
	p, stats, err := teacher.Pairs(o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := teacher.Sample(SampleOptions{N: 6, Method: ode.Midpoint, Steps: 3, X0: InitialNoise(6, 64, 2), Labels: p.Labels, Guidance: 1})
	if err != nil {
		t.Fatal(err)
	}
	teacher.Stats.Normalize(res.X)
	for i := range res.X {
		if d := res.X[i] - p.X1[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("x1[%d] = %v, the sampler gives %v", i, p.X1[i], res.X[i])
		}
	}
	if stats.NFE != 6 {
		t.Errorf("%d field evaluations for 3 midpoint steps", stats.NFE)
	}
	c := smallUNetReflow(func(c *ReflowConfig) { c.Pairs.Method, c.Pairs.Steps, c.Distill = ode.Heun, 2, false })
	student, err := Reflow(teacher, c)
	if err != nil {
		t.Fatal(err)
	}
	if student.Extra[keyReflowSolver] != "heun,2" || student.Extra["reflow.rtol"] != "" {
		t.Fatalf("the student's record: %v", student.Extra)
	}
	for _, bad := range []func(c *ReflowConfig){
		func(c *ReflowConfig) { c.Pairs.Method, c.Pairs.Steps = ode.Dopri5, 3 },
		func(c *ReflowConfig) { c.Pairs.Steps = -1 },
	} {
		if _, err := NewReflower(teacher, smallUNetReflow(bad)); err == nil {
			t.Error("a bad pair solver was taken")
		}
	}
}

// smallUNetReflow is a reflow of a UNet of a few steps per stage on a few pairs: a round and a
// distillation.
func smallUNetReflow(mutate func(c *ReflowConfig)) ReflowConfig {
	c := smallReflow(nil)
	c.Pairs.N, c.Pairs.Rtol, c.Pairs.Atol = 12, 1e-3, 1e-3
	c.Rounds, c.Distill, c.DistillSteps = 1, true, 2
	c.Train.Steps, c.Train.Batch, c.Train.EMA = 3, 6, 0
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// TestReflowUNet: a UNet teacher, unconditional and conditional, gives a UNet student
// warm-started from it, of its shape, base and classes, whose file reads back; a checkpoint of
// the reflow resumes to the same student.
func TestReflowUNet(t *testing.T) {
	plain := unetTrainer(t, nil)
	trainSteps(t, plain, 3)
	cond := condUNetTrainer(t, nil)
	trainSteps(t, cond, 3)
	for name, teacher := range map[string]*Model{"plain": plain.Model(), "conditional": cond.Model()} {
		t.Run(name, func(t *testing.T) {
			c := smallUNetReflow(func(c *ReflowConfig) {
				if teacher.NumClasses() > 0 {
					c.Pairs.Guidance = 1
				}
			})
			r, err := NewReflower(teacher, c)
			if err != nil {
				t.Fatal(err)
			}
			if !equalBits(r.Trainer.net.params(), teacher.Net.params()) {
				t.Fatal("the student does not start from the teacher's weights")
			}
			if p := r.Trainer.Config.Pairs; p.D != 64 || p.Len() != 12 || (p.Labels != nil) != (teacher.NumClasses() > 0) {
				t.Fatalf("pairs of %d values, %d of them, labels %v", p.D, p.Len(), p.Labels)
			}
			student := runReflow(t, teacher, c, filepath.Join(t.TempDir(), "ckpt"), 2, 4)
			want, err := Reflow(teacher, c)
			if err != nil {
				t.Fatal(err)
			}
			if !equalBits(student.Net.params(), want.Net.params()) {
				t.Fatal("the resumed reflow's student differs from the uninterrupted one's")
			}
			u, ok := student.Net.(*UNetNetwork)
			if !ok || u.Base != 4 || u.Classes != teacher.NumClasses() || !slices.Equal(student.Shape, []int{1, 8, 8}) {
				t.Fatalf("the student is %T of shape %v", student.Net, student.Shape)
			}
			if student.Extra[keyReflowDistilled] != "true" || student.Extra[keyTrainNetwork] != ArchUNet || student.Extra[keyReflowSolver] != "" {
				t.Fatalf("the student's record: %v", student.Extra)
			}
			var buf bytes.Buffer
			if _, err := student.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := ParseModel(buf.Bytes(), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			o := SampleOptions{N: 3, Method: ode.Euler, Steps: 1}
			if back.NumClasses() > 0 {
				o.Labels = []int32{2}
			}
			res, err := back.Sample(o)
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(res.X, func(v float32) bool { return math.IsNaN(float64(v)) }) {
				t.Fatal("the student's sample holds NaN")
			}
		})
	}
}
