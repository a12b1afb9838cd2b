package ode

import (
	"fmt"
	"testing"
)

// The benchmarks measure the solver's own cost per step: a field that does nothing (noop)
// leaves only the stage combinations, the bookkeeping and, for Dopri5, the error norm; the
// field dx/dt = -x (neg) adds one cheap pass per evaluation, for scale. Batches hold n points
// of 2 dimensions. Report: ns/step, and ns/step/point for comparison with a field's cost per
// point.

var benchPoints = []int{1, 1000, 10000}

func noopField(float32, []float32, []float32) {}

func negField(_ float32, x, dxdt []float32) {
	for i, v := range x {
		dxdt[i] = -v
	}
}

var benchFields = []struct {
	name string
	f    Field
}{{"noop", noopField}, {"neg", negField}}

func benchState(n int) []float32 {
	x := make([]float32, 2*n)
	for i := range x {
		x[i] = float32(i%13)*0.1 - 0.6
	}
	return x
}

// BenchmarkFixedStep times FixedSteps over stepsPerCall steps and reports the cost per step.
// Each call starts again from the same state (one copy per 64 steps), so that dx/dt = -x does
// not decay into subnormal numbers.
func BenchmarkFixedStep(b *testing.B) {
	const stepsPerCall = 64
	for _, m := range fixedMethods {
		for _, bf := range benchFields {
			for _, n := range benchPoints {
				b.Run(fmt.Sprintf("%v/%s/n=%d", m, bf.name, n), func(b *testing.B) {
					x0 := benchState(n)
					x := make([]float32, len(x0))
					s := NewSolver(len(x))
					b.ReportAllocs()
					for b.Loop() {
						copy(x, x0)
						if err := s.FixedSteps(m, bf.f, x, 0, 1, stepsPerCall, nil); err != nil {
							b.Fatal(err)
						}
					}
					reportPerStep(b, float64(b.N)*stepsPerCall, n)
				})
			}
		}
	}
}

// BenchmarkDopri5Step times one Dopri5 step attempt (six evaluations, the stage combinations
// and the error norm), which is what every accepted or rejected step costs.
func BenchmarkDopri5Step(b *testing.B) {
	for _, bf := range benchFields {
		for _, n := range benchPoints {
			b.Run(fmt.Sprintf("%s/n=%d", bf.name, n), func(b *testing.B) {
				y := benchState(n)
				s := NewSolver(len(y))
				yNew := make([]float32, len(y))
				ctl := controller{rtol: 1e-5, atol: 1e-5}
				bf.f(0, y, s.k[0][:len(y)])
				b.ReportAllocs()
				for b.Loop() {
					s.attempt(bf.f, 0, 0.01, y, yNew, &ctl)
				}
				reportPerStep(b, float64(b.N), n)
			})
		}
	}
}

// BenchmarkDopri5 times whole integrations of dx/dt = -x on [0, 1] at rtol = atol = 1e-5 (the
// reference implementation's setting), with 21 dense outputs, and reports the cost per step
// tried.
func BenchmarkDopri5(b *testing.B) {
	outs := make([]float32, 21)
	for i := range outs {
		outs[i] = float32(i) / 20
	}
	for _, n := range benchPoints {
		b.Run(fmt.Sprintf("neg/n=%d", n), func(b *testing.B) {
			x0 := benchState(n)
			x := make([]float32, len(x0))
			s := NewSolver(len(x0))
			obs := func(float32, []float32) {}
			opt := Options{Rtol: 1e-5, Atol: 1e-5, Outputs: outs}
			var steps int
			b.ReportAllocs()
			for b.Loop() {
				copy(x, x0)
				st, err := s.Dopri5(negField, x, 0, 1, opt, obs)
				if err != nil {
					b.Fatal(err)
				}
				steps += st.Accepted + st.Rejected
			}
			reportPerStep(b, float64(steps), n)
			b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
		})
	}
}

func reportPerStep(b *testing.B, steps float64, points int) {
	ns := float64(b.Elapsed().Nanoseconds()) / steps
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/float64(points), "ns/step/point")
}
