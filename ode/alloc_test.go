package ode

import "testing"

// TestNoAllocations checks that integrating allocates nothing once the solver exists: every
// fixed-step method over steps and over a grid, and Dopri5 with and without output times,
// with an observer, forwards and backwards.
func TestNoAllocations(t *testing.T) {
	const n = 2 * 100
	s := NewSolver(n)
	x0 := make([]float32, n)
	for i := range x0 {
		x0[i] = float32(i%7) - 3
	}
	x := make([]float32, n)
	f := func(tt float32, x, dxdt []float32) {
		for i := 0; i+1 < len(x); i += 2 {
			dxdt[i], dxdt[i+1] = -x[i+1]-tt*x[i], x[i]
		}
	}
	var seen int
	obs := func(float32, []float32) { seen++ }
	grid := []float32{0, 0.1, 0.3, 0.35, 0.9, 1}
	outs := []float32{0, 0.05, 0.25, 0.5, 0.75, 1}
	backOuts := []float32{1, 0.6, 0.2, 0}

	check := func(name string, run func()) {
		t.Helper()
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, a)
		}
	}
	for _, m := range fixedMethods {
		check(m.String()+" steps", func() {
			copy(x, x0)
			if err := s.FixedSteps(m, f, x, 0, 1, 20, obs); err != nil {
				t.Fatal(err)
			}
		})
		check(m.String()+" grid", func() {
			copy(x, x0)
			if err := s.Fixed(m, f, x, grid, obs); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, c := range []struct {
		name   string
		t0, t1 float32
		opt    Options
	}{
		{"dopri5", 0, 1, Options{Rtol: 1e-6, Atol: 1e-6}},
		{"dopri5 outputs", 0, 1, Options{Rtol: 1e-6, Atol: 1e-6, Outputs: outs}},
		{"dopri5 backwards outputs PI", 1, 0, Options{Rtol: 1e-6, Atol: 1e-6, Outputs: backOuts, Beta: 0.04}},
	} {
		check(c.name, func() {
			copy(x, x0)
			if _, err := s.Dopri5(f, x, c.t0, c.t1, c.opt, obs); err != nil {
				t.Fatal(err)
			}
		})
	}
	if seen == 0 {
		t.Error("the observer was never called")
	}
}
