// Package ode integrates ordinary differential equations dx/dt = f(t, x) over a whole batch of
// points at once, with fixed-step Euler, midpoint, Heun and RK4 and adaptive Dormand-Prince
// 5(4).
//
// The state is one flat []float32: n points of d dimensions stored row-major, although the
// solvers never need n or d. A Solver owns the stages of every method in a workspace made once
// for a maximum state length, so integrating allocates nothing. Time is kept in float64 inside
// the solvers and handed to the field and the observer as float32.
//
// The package knows nothing of networks: a field is any function, and the stage combinations
// x + h*sum(b_i k_i) run on asm's vector kernels.
package ode

import (
	"errors"
	"math"
)

// Field writes the time derivative of the state x at time t into dxdt, which has len(x)
// elements. x holds n points of d dimensions, row-major. The field must not modify x or keep
// either slice after it returns; dxdt never overlaps x.
type Field func(t float32, x, dxdt []float32)

// Observer sees the state x at time t during an integration. It must not modify x or keep it
// after it returns (x may be a workspace buffer that the next step overwrites); copy what it
// needs.
type Observer func(t float32, x []float32)

// Errors that an integration can end with; the returned error wraps one of them with the time
// and the details, so test with errors.Is.
var (
	// ErrNonFinite: the field returned NaN or Inf where the step cannot shrink around it, or
	// the state became NaN or Inf.
	ErrNonFinite = errors.New("NaN or Inf")
	// ErrStepUnderflow: Dopri5's step became too small to move t (the solution blows up, or
	// the tolerance cannot be met).
	ErrStepUnderflow = errors.New("step size underflow")
	// ErrMaxSteps: Dopri5 tried Options.MaxSteps steps (accepted and rejected) without
	// reaching t1.
	ErrMaxSteps = errors.New("too many steps")
)

// Solver holds the workspace of every method for states of up to a maximum length. It is not
// safe for concurrent use; give each goroutine its own.
type Solver struct {
	maxLen int
	// k holds the stage derivatives: k[0..3] for the fixed-step methods, k[0..6] for Dopri5
	// (k[6] is f at the end of the step, swapped into k[0] when the step is accepted).
	k [7][]float32
	// tmp is the state at which the next stage is evaluated; next is Dopri5's candidate
	// state; out receives Dopri5's dense output at requested times.
	tmp, next, out []float32
}

// NewSolver returns a solver for states of up to maxLen float32 values (n points times d
// dimensions); a negative maxLen is taken as 0. It allocates 10*maxLen values at once, and
// nothing afterwards.
func NewSolver(maxLen int) *Solver {
	maxLen = max(maxLen, 0)
	buf := make([]float32, 10*maxLen)
	s := &Solver{maxLen: maxLen}
	next := func() []float32 {
		v := buf[:maxLen:maxLen]
		buf = buf[maxLen:]
		return v
	}
	for i := range s.k {
		s.k[i] = next()
	}
	s.tmp, s.next, s.out = next(), next(), next()
	return s
}

// MaxLen returns the longest state the solver can integrate.
func (s *Solver) MaxLen() int { return s.maxLen }

// checkState reports a state longer than the workspace or a missing field.
func (s *Solver) checkState(m Method, f Field, x []float32) error {
	if f == nil {
		return errorf("ode: %v: nil field", m)
	}
	if len(x) > s.maxLen {
		return errorf("ode: %v: state of length %d exceeds the solver's maximum %d", m, len(x), s.maxLen)
	}
	return nil
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// allFinite reports whether every element of x is finite. x*0 is 0 for a finite x and NaN for
// NaN or Inf, so one sum decides.
func allFinite(x []float32) bool {
	var z float32
	for _, v := range x {
		z += v * 0
	}
	return z == 0
}
