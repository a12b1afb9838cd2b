package ode

// Fixed integrates x in place with a fixed-step method over the time grid grid[0], grid[1],
// ..., taking one step from each grid point to the next. The grid must have at least two
// points, all finite, strictly increasing or strictly decreasing (a decreasing grid integrates
// backwards in time). The observer, if not nil, sees the state at every grid point: first
// (grid[0], x) before any step, then (grid[i], x) after step i, len(grid) times in all.
//
// Fixed checks no NaN or Inf during the steps (that would cost a pass over x per step); it
// returns an error wrapping ErrNonFinite if the final state holds one. It allocates nothing.
func (s *Solver) Fixed(m Method, f Field, x []float32, grid []float32, obs Observer) error {
	if err := s.checkFixed(m, f, x); err != nil {
		return err
	}
	if len(grid) < 2 {
		return errorf("ode: %v: a grid needs at least 2 times, got %d", m, len(grid))
	}
	for i, v := range grid {
		if !finite(float64(v)) {
			return errorf("ode: %v: grid[%d] = %v is not finite", m, i, v)
		}
	}
	increasing := grid[1] > grid[0]
	for i := 1; i < len(grid); i++ {
		if (increasing && grid[i] <= grid[i-1]) || (!increasing && grid[i] >= grid[i-1]) {
			return errorf("ode: %v: grid is not strictly monotone at grid[%d] = %v after %v", m, i, grid[i], grid[i-1])
		}
	}
	return s.integrate(m, f, x, timeGrid{grid: grid, steps: len(grid) - 1}, obs)
}

// FixedSteps integrates x in place from t0 to t1 in steps steps of equal length with a
// fixed-step method;
// t1 < t0 integrates backwards. The i-th grid time is t0 + i*(t1-t0)/steps, computed from i in
// float64 (not accumulated), and the last is exactly t1. The observer, if not nil, sees the
// state at every grid time, steps+1 times in all, starting with (t0, x). t0 == t1 is allowed:
// the steps then have zero length and x does not change.
//
// Like Fixed, it returns an error wrapping ErrNonFinite if the final state holds NaN or Inf.
func (s *Solver) FixedSteps(m Method, f Field, x []float32, t0, t1 float32, steps int, obs Observer) error {
	if err := s.checkFixed(m, f, x); err != nil {
		return err
	}
	if steps < 1 {
		return errorf("ode: %v: steps = %d, want at least 1", m, steps)
	}
	if !finite(float64(t0)) || !finite(float64(t1)) {
		return errorf("ode: %v: times t0 = %v, t1 = %v must be finite", m, t0, t1)
	}
	return s.integrate(m, f, x, timeGrid{t0: float64(t0), t1: float64(t1), steps: steps}, obs)
}

// checkFixed rejects an unknown or adaptive method and what checkState rejects.
func (s *Solver) checkFixed(m Method, f Field, x []float32) error {
	if !m.valid() {
		return errorf("ode: unknown method %v", m)
	}
	if m == Dopri5 {
		return errorf("ode: dopri5 adapts its steps: call Solver.Dopri5, not a fixed-step integration")
	}
	return s.checkState(m, f, x)
}

// timeGrid is the time of every step boundary, either read from an explicit grid or computed
// from t0, t1 and the number of steps.
type timeGrid struct {
	grid   []float32 // explicit times, or nil
	t0, t1 float64
	steps  int
}

// at returns the i-th time, 0 <= i <= steps, and its float32 form for the field and observer.
func (g *timeGrid) at(i int) (float64, float32) {
	if g.grid != nil {
		return float64(g.grid[i]), g.grid[i]
	}
	if i == g.steps {
		return g.t1, float32(g.t1)
	}
	t := g.t0 + float64(i)*(g.t1-g.t0)/float64(g.steps)
	return t, float32(t)
}

// integrate runs g.steps steps of m over the grid, calling obs at every grid time.
func (s *Solver) integrate(m Method, f Field, x []float32, g timeGrid, obs Observer) error {
	x = x[:len(x):len(x)]
	t, t32 := g.at(0)
	if obs != nil {
		obs(t32, x)
	}
	for i := 1; i <= g.steps; i++ {
		tNext, tNext32 := g.at(i)
		s.step(m, f, x, t, tNext)
		t = tNext
		if obs != nil {
			obs(tNext32, x)
		}
	}
	if !allFinite(x) {
		return errorf("ode: %v: the state at t=%v holds %w", m, float32(t), ErrNonFinite)
	}
	return nil
}

// step advances x in place from t to tNext with one step of m.
func (s *Solver) step(m Method, f Field, x []float32, t, tNext float64) {
	n := len(x)
	h := tNext - t
	k1, k2, k3, k4 := s.k[0][:n:n], s.k[1][:n:n], s.k[2][:n:n], s.k[3][:n:n]
	tmp := s.tmp[:n:n]
	mid := float32(t + h/2)
	switch m {
	case Euler:
		f(float32(t), x, k1)
		axpy(float32(h), k1, x)
	case Midpoint:
		f(float32(t), x, k1)
		axpyTo(tmp, float32(h/2), k1, x)
		f(mid, tmp, k2)
		axpy(float32(h), k2, x)
	case Heun:
		f(float32(t), x, k1)
		axpyTo(tmp, float32(h), k1, x)
		f(float32(tNext), tmp, k2)
		// Sum the stages first so that x is rounded once per step, not once per stage.
		axpyTo(tmp, 1, k2, k1)
		axpy(float32(h/2), tmp, x)
	case RK4:
		f(float32(t), x, k1)
		axpyTo(tmp, float32(h/2), k1, x)
		f(mid, tmp, k2)
		axpyTo(tmp, float32(h/2), k2, x)
		f(mid, tmp, k3)
		axpyTo(tmp, float32(h), k3, x)
		f(float32(tNext), tmp, k4)
		axpyTo(tmp, 2, k2, k1) // k1 + 2 k2 + 2 k3 + k4, then x rounded once
		axpy(2, k3, tmp)
		axpy(1, k4, tmp)
		axpy(float32(h/6), tmp, x)
	default:
		panic("ode: step called with " + m.String()) // unreachable: checkFixed rejects it
	}
}
