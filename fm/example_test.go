package fm_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/ode"
)

// train runs a config to its last step.
func train(c fm.TrainConfig) *fm.Model {
	tr, err := fm.NewTrainer(c)
	if err != nil {
		log.Fatal(err)
	}
	for tr.Step < c.Steps {
		if _, err := tr.TrainStep(); err != nil {
			log.Fatal(err)
		}
	}
	return tr.Model()
}

// A class-conditional model of 8gaussians: each point's label is its mode, dropped 20% of the
// time (CondDrop) so that the same network learns the unconditional field too.
func ExampleTrainer_conditional() {
	c := fm.DefaultTrainConfig()
	c.Data, _ = fm.Builtin("8gaussians")
	c.Conditional = true
	c.Hidden, c.Batch, c.Steps, c.LR = []int{32, 32}, 256, 250, 3e-3 // small, for the example
	m := train(c)
	fmt.Println(m.NumClasses(), "classes")
	// Output: 8 classes
}

// Guided sampling: the points of mode 3, with classifier-free guidance 1, and a balanced mix of
// every mode without guidance.
func ExampleModel_Sample_guided() {
	c := fm.DefaultTrainConfig()
	c.Data, _ = fm.Builtin("8gaussians")
	c.Conditional = true
	c.Hidden, c.Batch, c.Steps, c.LR = []int{32, 32}, 256, 250, 3e-3
	m := train(c)

	res, err := m.Sample(fm.SampleOptions{N: 800, Method: ode.Midpoint, Steps: 20, Seed: 1, Labels: []int32{3}, Guidance: 1})
	if err != nil {
		log.Fatal(err)
	}
	at := 0
	for i := 0; i < 800; i++ {
		if fm.NearestGaussian(float64(res.X[2*i]), float64(res.X[2*i+1])) == 3 {
			at++
		}
	}
	fmt.Println("at least 99% at mode 3:", at >= 792)

	labels := fm.BalancedLabels(800, m.NumClasses()) // 100 points of each mode, in order
	if _, err := m.Sample(fm.SampleOptions{N: 800, Method: ode.Midpoint, Steps: 20, Seed: 1, Labels: labels}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("the first and last points' labels:", labels[0], labels[799])
	// Output:
	// at least 99% at mode 3: true
	// the first and last points' labels: 0 7
}

// oneStepEnergy is the energy distance between 2000 points of one Euler step of m and the
// checkerboard.
func oneStepEnergy(m *fm.Model) float64 {
	res, err := m.Sample(fm.SampleOptions{N: 2000, Method: ode.Euler, Steps: 1, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	ds, _ := fm.Builtin("checkerboard")
	ref := make([]float32, len(res.X))
	ds.Sample(rand.New(rand.NewPCG(1, 2)), ref)
	return fm.EnergyDistance(res.X, ref, 2)
}

// Reflow and distillation: a student of a briefly trained checkerboard model, one round of
// reflow on 1000 pairs and a distillation, samples in one Euler step far closer to the data
// than its teacher does.
func ExampleReflow() {
	c := fm.DefaultTrainConfig()
	c.Hidden, c.Batch, c.Steps, c.LR = []int{32, 32}, 256, 300, 3e-3
	teacher := train(c)

	rc := fm.DefaultReflowConfig() // one round, drawn with Dopri5 at rtol = atol = 1e-5
	rc.Pairs.N, rc.Distill = 1000, true
	rc.Train.Steps, rc.DistillSteps, rc.Train.Batch, rc.Train.LR = 200, 200, 256, 3e-3
	student, err := fm.Reflow(teacher, rc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rounds:", student.Extra["reflow.rounds"], "distilled:", student.Extra["reflow.distilled"])
	fmt.Println("one Euler step 5 times closer:", oneStepEnergy(student) < oneStepEnergy(teacher)/5)
	// Output:
	// rounds: 1 distilled: true
	// one Euler step 5 times closer: true
}

// The log-likelihood of held-out points: a flow trained on a Gaussian, N((1, -2), 0.5^2 I),
// from the CSV-like table of its draws, standardised, scores fresh draws at about the
// Gaussian's entropy, 2 log(0.5) + log(2 pi e) = 1.452 nats, in the data's own units (1.466
// measured: the standard error of the mean over 1000 points is 0.03 nats).
func ExampleModel_LogLikelihood() {
	r := rand.New(rand.NewPCG(1, 2))
	draw := func(n int) []float32 {
		x := make([]float32, 2*n)
		for i := 0; i < n; i++ {
			x[2*i] = float32(1 + 0.5*r.NormFloat64())
			x[2*i+1] = float32(-2 + 0.5*r.NormFloat64())
		}
		return x
	}
	c := fm.DefaultTrainConfig()
	c.Data = &fm.Table{Source: "gaussian", D: 2, X: draw(4000)}
	c.Standardize = fm.StandardizeAlways
	c.Hidden, c.Batch, c.Steps = []int{32, 32}, 256, 400 // small, for the example
	m := train(c)

	res, err := m.LogLikelihood(draw(1000), fm.LikelihoodOptions{Method: ode.Dopri5, Rtol: 1e-5, Atol: 1e-5})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exact divergence: %v; within 0.05 nats of the entropy: %v\n", res.Exact, math.Abs(res.NLL-1.452) < 0.05)
	// Output: exact divergence: true; within 0.05 nats of the entropy: true
}
