package ode_test

import (
	"fmt"

	"github.com/fmtiny/fmtiny/ode"
)

// rotate is dx/dt = -y, dy/dt = x for every point (x, y) of the batch.
func rotate(_ float32, x, dxdt []float32) {
	for i := 0; i+1 < len(x); i += 2 {
		dxdt[i], dxdt[i+1] = -x[i+1], x[i]
	}
}

// Two points turned by one radian with 20 midpoint steps, watching every step.
func ExampleSolver_FixedSteps() {
	x := []float32{1, 0, 0, 2} // the points (1, 0) and (0, 2)
	s := ode.NewSolver(len(x))
	seen := 0
	err := s.FixedSteps(ode.Midpoint, rotate, x, 0, 1, 20, func(t float32, x []float32) { seen++ })
	fmt.Printf("%v: observed %d times, x = [%.3f %.3f %.3f %.3f]\n", err, seen, x[0], x[1], x[2], x[3])
	// Output: <nil>: observed 21 times, x = [0.540 0.842 -1.683 1.080]
}

// The same turn with Dopri5 at the reference implementation's tolerance, with the state
// wanted at three times.
func ExampleSolver_Dopri5() {
	x := []float32{1, 0, 0, 2}
	s := ode.NewSolver(len(x))
	opt := ode.Options{Rtol: 1e-5, Atol: 1e-5, Outputs: []float32{0, 0.5, 1}}
	st, err := s.Dopri5(rotate, x, 0, 1, opt, func(t float32, x []float32) {
		fmt.Printf("t=%.1f  (%.4f, %.4f)  (%.4f, %.4f)\n", t, x[0], x[1], x[2], x[3])
	})
	fmt.Printf("%v: NFE %d = 6*(%d accepted + %d rejected) + 2\n", err, st.NFE, st.Accepted, st.Rejected)
	// Output:
	// t=0.0  (1.0000, 0.0000)  (0.0000, 2.0000)
	// t=0.5  (0.8776, 0.4794)  (-0.9589, 1.7552)
	// t=1.0  (0.5403, 0.8415)  (-1.6829, 1.0806)
	// <nil>: NFE 26 = 6*(4 accepted + 0 rejected) + 2
}
