package ode

import (
	"math"
)

// Options controls Dopri5. Rtol must be set; every other zero field means its default.
type Options struct {
	// Rtol and Atol set the tolerance: a step is accepted when the RMS over all components of
	// err_i / (Atol + Rtol*max(|x0_i|, |x1_i|)) is at most 1, where err is the embedded error
	// estimate and x0, x1 the states before and after the step (Hairer's and torchdiffeq's
	// mixed norm). Rtol > 0, Atol >= 0. A float32 state is rounded to about 6e-8 relative at
	// every step, so a Rtol much below 1e-6 buys steps, not accuracy.
	Rtol, Atol float64
	// MaxSteps bounds the steps tried, accepted and rejected together; 0 means
	// DefaultMaxSteps.
	MaxSteps int
	// Outputs are the times at which the observer sees the state, in the direction of
	// integration (increasing when t1 > t0), strictly monotone, inside [t0, t1] (both ends
	// allowed). They are served by dense output and do not shorten the steps. Without
	// Outputs the observer sees the state at t0 and after every accepted step.
	Outputs []float32
	// FirstStep is the size of the first step tried; 0 picks it from the problem with
	// Hairer's algorithm (as torchdiffeq's _select_initial_step), at one extra evaluation.
	FirstStep float64
	// Safety (default 0.9) scales the step the error estimate predicts; MinFactor (default
	// 0.2) and MaxFactor (default 10) bound how much one step may shrink or grow it.
	Safety, MinFactor, MaxFactor float64
	// Beta > 0 turns on Hairer's PI step control (Lund stabilisation), which damps step-size
	// oscillation; Hairer suggests 0.04 and allows up to 0.2. The default 0 is the plain
	// (integral) controller of torchdiffeq.
	Beta float64
	// ErrorLen, when positive, makes the error norm (and the first step's choice) cover
	// x[:ErrorLen] alone: the components past it are integrated with the same steps but do not
	// choose them, as suits a quadrature carried along (an integral of the field's norm beside
	// the points), which then leaves the points' steps as they would be without it. 0 (or a
	// value past the state's length) covers the whole state.
	ErrorLen int
}

// DefaultMaxSteps is how many steps Dopri5 tries when Options.MaxSteps is 0.
const DefaultMaxSteps = 100000

// Stats counts an integration's work.
type Stats struct {
	NFE      int // field evaluations (each over the whole batch)
	Accepted int // steps accepted
	Rejected int // steps rejected and retried with a smaller step
}

// The Dormand-Prince 5(4) tableau (Dormand and Prince 1980; Hairer, Norsett and Wanner,
// Solving ODEs I, table 5.2). The fifth-order weights b are the last row of a, so the seventh
// stage is f at the new state, which is the next step's first (FSAL); b2 = b7 = 0. The error
// weights e are b minus the fourth-order weights; the dense-output weights d are Shampine's,
// as in Hairer's dopri5 (contd5).
const (
	dpC2, dpC3, dpC4, dpC5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9

	dpA21                             = 1.0 / 5
	dpA31, dpA32                      = 3.0 / 40, 9.0 / 40
	dpA41, dpA42, dpA43               = 44.0 / 45, -56.0 / 15, 32.0 / 9
	dpA51, dpA52, dpA53, dpA54        = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729
	dpA61, dpA62, dpA63, dpA64, dpA65 = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656

	dpB1, dpB3, dpB4, dpB5, dpB6       = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84
	dpE1, dpE3, dpE4, dpE5, dpE6, dpE7 = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40

	dpD1 = -12715105075.0 / 11282082432
	dpD3 = 87487479700.0 / 32700410799
	dpD4 = -10690763975.0 / 1880347072
	dpD5 = 701980252875.0 / 199316789632
	dpD6 = -1453857185.0 / 822651844
	dpD7 = 69997945.0 / 29380423
)

// Step-size control constants.
const (
	dpErrorExponent = 1.0 / 5 // the error estimate is O(h^5): h_new = h*(1/ratio)^(1/5)
	// dpUnderflow: a step of at most 10 float64 ulps of t (Hairer's criterion) no longer moves
	// t reliably, so Dopri5 gives up with ErrStepUnderflow.
	dpUnderflow = 10 * 0x1p-52
	// The defaults of Options.Safety, MinFactor and MaxFactor, as in torchdiffeq and Hairer.
	dpDefaultSafety, dpDefaultMinFactor, dpDefaultMaxFactor = 0.9, 0.2, 10.0
)

// controller holds the validated step-size control parameters.
type controller struct {
	rtol, atol                   float64
	safety, minFactor, maxFactor float64
	beta, expo                   float64 // expo = 1/5 - 0.75*beta, Hairer's expo1
	maxSteps                     int
	errLen                       int // Options.ErrorLen
}

// normLen is how many leading components of a state of n the error norm covers.
func (c *controller) normLen(n int) int {
	if c.errLen > 0 && c.errLen < n {
		return c.errLen
	}
	return n
}

func (o *Options) controller() (controller, error) {
	c := controller{rtol: o.Rtol, atol: o.Atol, safety: o.Safety, minFactor: o.MinFactor,
		maxFactor: o.MaxFactor, beta: o.Beta, maxSteps: o.MaxSteps}
	switch {
	case !(c.rtol > 0) || math.IsInf(c.rtol, 0):
		return c, errorf("ode: dopri5: Rtol = %v, want a finite value > 0", c.rtol)
	case !(c.atol >= 0) || math.IsInf(c.atol, 0):
		return c, errorf("ode: dopri5: Atol = %v, want a finite value >= 0", c.atol)
	case c.maxSteps < 0:
		return c, errorf("ode: dopri5: MaxSteps = %d, want >= 0", c.maxSteps)
	case !(o.FirstStep >= 0) || math.IsInf(o.FirstStep, 0):
		return c, errorf("ode: dopri5: FirstStep = %v, want a finite value >= 0", o.FirstStep)
	case !(c.safety >= 0 && c.safety <= 1):
		return c, errorf("ode: dopri5: Safety = %v, want 0 < Safety <= 1", c.safety)
	case !(c.minFactor >= 0 && c.minFactor <= 1):
		return c, errorf("ode: dopri5: MinFactor = %v, want 0 < MinFactor <= 1", c.minFactor)
	case c.maxFactor != 0 && !(c.maxFactor >= 1) || math.IsInf(c.maxFactor, 0):
		return c, errorf("ode: dopri5: MaxFactor = %v, want a finite value >= 1", c.maxFactor)
	case !(c.beta >= 0 && c.beta <= 0.2):
		return c, errorf("ode: dopri5: Beta = %v, want 0 <= Beta <= 0.2", c.beta)
	case o.ErrorLen < 0:
		return c, errorf("ode: dopri5: ErrorLen = %d, want >= 0", o.ErrorLen)
	}
	c.errLen = o.ErrorLen
	if c.maxSteps == 0 {
		c.maxSteps = DefaultMaxSteps
	}
	if c.safety == 0 {
		c.safety = dpDefaultSafety
	}
	if c.minFactor == 0 {
		c.minFactor = dpDefaultMinFactor
	}
	if c.maxFactor == 0 {
		c.maxFactor = dpDefaultMaxFactor
	}
	c.expo = dpErrorExponent - 0.75*c.beta
	return c, nil
}

// Dopri5 integrates x in place from t0 to t1 (t1 < t0 integrates backwards) with the adaptive
// Dormand-Prince 5(4) method, keeping the embedded error estimate within opt's tolerance.
//
// Each step tried costs 6 field evaluations (the seventh stage is the next step's first), plus
// 1 for f(t0, x) and 1 more when the first step is chosen from the problem, so
// Stats.NFE = 6*(Accepted+Rejected) + 2, or + 1 when opt.FirstStep is set.
//
// The observer, if not nil, sees (t0, x) and then the state after every accepted step, ending
// at t1; or, when opt.Outputs is set, the state at exactly those times, in order, and nowhere
// else. Output times inside a step are served by Dopri5's fourth-order continuous extension
// (Shampine's dense output, as in Hairer's dopri5), which costs no evaluations and does not
// change the steps; an output time on a step boundary gets the step's state itself.
//
// Dopri5 returns an error, leaving in x the state at the last accepted time, when the initial
// state holds NaN or Inf, the field returns one at an accepted state, or the state becomes
// NaN or Inf (ErrNonFinite); when the step becomes too small to move t (ErrStepUnderflow: a
// NaN or Inf at a trial stage only shrinks the step, so a field that keeps returning one ends
// here too); or after opt.MaxSteps steps tried (ErrMaxSteps). The returned Stats count the
// work done either way. Dopri5 allocates nothing.
func (s *Solver) Dopri5(f Field, x []float32, t0, t1 float32, opt Options, obs Observer) (Stats, error) {
	var st Stats
	if err := s.checkState(Dopri5, f, x); err != nil {
		return st, err
	}
	ctl, err := opt.controller()
	if err != nil {
		return st, err
	}
	if !finite(float64(t0)) || !finite(float64(t1)) {
		return st, errorf("ode: dopri5: times t0 = %v, t1 = %v must be finite", t0, t1)
	}
	outs := opt.Outputs
	if err := checkOutputs(outs, t0, t1); err != nil {
		return st, err
	}
	if obs == nil {
		outs = nil
	}
	n := len(x)
	x = x[:n:n]
	if !allFinite(x) {
		return st, errorf("ode: dopri5: the initial state holds %w", ErrNonFinite)
	}
	tStart, tStop := float64(t0), float64(t1)
	dir := 1.0
	if tStop < tStart {
		dir = -1
	}
	next := 0 // the first output time not yet served
	if obs != nil && len(outs) == 0 {
		obs(t0, x)
	}
	for next < len(outs) && outs[next] == t0 {
		obs(t0, x)
		next++
	}
	if tStart == tStop {
		return st, nil
	}

	k1 := s.k[0][:n:n]
	f(t0, x, k1)
	st.NFE++
	if !allFinite(k1) {
		return st, errorf("ode: dopri5: the field at t=%v returned %w", t0, ErrNonFinite)
	}
	span := math.Abs(tStop - tStart)
	h := opt.FirstStep
	if h == 0 {
		h = s.initialStep(f, x, tStart, dir, span, &ctl)
		st.NFE++
	}
	h = min(h, span)
	tiny := dpUnderflow * max(math.Abs(tStart), math.Abs(tStop))

	y, yNew := x, s.next[:n:n] // the accepted state and the candidate; swapped on acceptance
	t := tStart
	errOld := 1e-4        // the previous accepted error ratio, for PI control
	lastRejected := false // a step that follows a rejection may not grow
	nonFinite := false    // the last rejection saw NaN or Inf
	for {
		if st.Accepted+st.Rejected >= ctl.maxSteps {
			s.restore(x, y)
			return st, errorf("ode: dopri5: %w: %d tried (%d accepted), at t=%.9g on the way from %v to %v",
				ErrMaxSteps, st.Accepted+st.Rejected, st.Accepted, t, t0, t1)
		}
		if h <= tiny {
			s.restore(x, y)
			why := ""
			if nonFinite {
				why = " (the field returned NaN or Inf at the trial stages)"
			}
			return st, errorf("ode: dopri5: %w: step %.3g at t=%.9g%s", ErrStepUnderflow, h, t, why)
		}
		// Take the rest of the interval when it is at most 1% more than the step, so no
		// sliver of a last step remains; the last step ends exactly at t1.
		tEnd, last := t+dir*h, false
		if rest := math.Abs(tStop - t); 1.01*h >= rest {
			h, tEnd, last = rest, tStop, true
		}
		ratio, yNewFinite := s.attempt(f, t, tEnd, y, yNew, &ctl)
		st.NFE += 6
		if !(ratio <= 1) { // rejected, also when ratio is NaN
			st.Rejected++
			lastRejected = true
			if nonFinite = !finite(ratio); nonFinite {
				h *= ctl.minFactor
			} else {
				h /= min(1/ctl.minFactor, math.Pow(ratio, ctl.expo)/ctl.safety)
			}
			continue
		}
		if !yNewFinite {
			s.restore(x, y)
			return st, errorf("ode: dopri5: the state became %w at t=%.9g", ErrNonFinite, tEnd)
		}
		st.Accepted++
		for next < len(outs) && dir*(float64(outs[next])-tEnd) <= 0 {
			if tOut := float64(outs[next]); tOut == tEnd {
				obs(outs[next], yNew)
			} else {
				obs(outs[next], s.dense(y, t, tEnd, tOut))
			}
			next++
		}
		if obs != nil && len(outs) == 0 {
			obs(float32(tEnd), yNew)
		}
		s.k[0], s.k[6] = s.k[6], s.k[0] // FSAL: f(tEnd, yNew) is the next step's first stage
		y, yNew = yNew, y
		t = tEnd
		if last {
			break
		}
		// Hairer's controller: h_new = h * safety / (ratio^expo / errOld^beta), the factor
		// kept within [MinFactor, MaxFactor]. ratio = 0 gives the largest growth.
		fac := math.Pow(ratio, ctl.expo)
		if ctl.beta > 0 {
			fac /= math.Pow(errOld, ctl.beta)
			errOld = max(ratio, 1e-4)
		}
		fac = min(max(fac/ctl.safety, 1/ctl.maxFactor), 1/ctl.minFactor)
		hNew := h / fac
		if lastRejected {
			hNew = min(hNew, h)
		}
		h = min(hNew, span)
		lastRejected = false
	}
	s.restore(x, y)
	return st, nil
}

// restore copies the accepted state y into the caller's x unless y is x itself.
func (s *Solver) restore(x, y []float32) {
	if len(x) > 0 && &x[0] != &y[0] {
		copy(x, y)
	}
}

// checkOutputs checks that the output times are finite, inside [t0, t1] and strictly monotone
// in the direction of integration.
func checkOutputs(outs []float32, t0, t1 float32) error {
	lo, hi := min(t0, t1), max(t0, t1)
	for i, v := range outs {
		if !finite(float64(v)) || v < lo || v > hi {
			return errorf("ode: dopri5: Outputs[%d] = %v is not a finite time in [%v, %v]", i, v, lo, hi)
		}
		if i > 0 && ((t1 >= t0 && v <= outs[i-1]) || (t1 < t0 && v >= outs[i-1])) {
			return errorf("ode: dopri5: Outputs[%d] = %v after %v is not strictly monotone from t0 = %v towards t1 = %v",
				i, v, outs[i-1], t0, t1)
		}
	}
	return nil
}

// attempt takes one Dormand-Prince step from (t, y) to tEnd with k[0] = f(t, y) already
// computed: it writes the fifth-order state into yNew and f(tEnd, yNew) into k[6], and returns
// the error ratio (NaN or Inf if a stage was) and whether yNew is finite.
func (s *Solver) attempt(f Field, t, tEnd float64, y, yNew []float32, ctl *controller) (ratio float64, yNewFinite bool) {
	n := len(y)
	h := tEnd - t
	k1, k2, k3, k4 := s.k[0][:n:n], s.k[1][:n:n], s.k[2][:n:n], s.k[3][:n:n]
	k5, k6, k7 := s.k[4][:n:n], s.k[5][:n:n], s.k[6][:n:n]
	tmp, sum := s.tmp[:n:n], s.out[:n:n]

	axpyTo(tmp, float32(h*dpA21), k1, y)
	f(float32(t+dpC2*h), tmp, k2)

	axpyTo(tmp, float32(h*dpA31), k1, y)
	axpy(float32(h*dpA32), k2, tmp)
	f(float32(t+dpC3*h), tmp, k3)

	axpyTo(tmp, float32(h*dpA41), k1, y)
	axpy(float32(h*dpA42), k2, tmp)
	axpy(float32(h*dpA43), k3, tmp)
	f(float32(t+dpC4*h), tmp, k4)

	axpyTo(tmp, float32(h*dpA51), k1, y)
	axpy(float32(h*dpA52), k2, tmp)
	axpy(float32(h*dpA53), k3, tmp)
	axpy(float32(h*dpA54), k4, tmp)
	f(float32(t+dpC5*h), tmp, k5)

	axpyTo(tmp, float32(h*dpA61), k1, y)
	axpy(float32(h*dpA62), k2, tmp)
	axpy(float32(h*dpA63), k3, tmp)
	axpy(float32(h*dpA64), k4, tmp)
	axpy(float32(h*dpA65), k5, tmp)
	f(float32(tEnd), tmp, k6)

	// yNew = y + h*b1*(k1 + b3/b1 k3 + ... + b6/b1 k6): the stages are summed first so that the
	// state is rounded once per step, not once per stage.
	axpyTo(sum, float32(dpB3/dpB1), k3, k1)
	axpy(float32(dpB4/dpB1), k4, sum)
	axpy(float32(dpB5/dpB1), k5, sum)
	axpy(float32(dpB6/dpB1), k6, sum)
	axpyTo(yNew, float32(h*dpB1), sum, y)
	f(float32(tEnd), yNew, k7)

	m := ctl.normLen(n)
	ratio, yNewFinite = errorRatio(h, k1, k3, k4, k5, k6, k7, y[:m], yNew, ctl.rtol, ctl.atol)
	if m < n {
		yNewFinite = yNewFinite && allFinite(yNew[m:])
	}
	return ratio, yNewFinite
}

// errorRatio returns the RMS over all components of err_i/(atol + rtol*max(|y_i|, |yNew_i|))
// with err = h*(e1 k1 + e3 k3 + ... + e7 k7), the difference between the fifth- and the
// fourth-order solutions, and whether every yNew_i is finite. It runs in float64, in one pass
// over the eight vectors. A component with a zero tolerance counts 0 when its error is 0 and
// makes the ratio infinite otherwise.
func errorRatio(h float64, k1, k3, k4, k5, k6, k7, y, yNew []float32, rtol, atol float64) (float64, bool) {
	n := len(y)
	if n == 0 {
		return 0, true
	}
	k1, k3, k4, k5, k6, k7, yNew = k1[:n], k3[:n], k4[:n], k5[:n], k6[:n], k7[:n], yNew[:n]
	var sum, probe float64
	for i, v := range y {
		e := h * (dpE1*float64(k1[i]) + dpE3*float64(k3[i]) + dpE4*float64(k4[i]) +
			dpE5*float64(k5[i]) + dpE6*float64(k6[i]) + dpE7*float64(k7[i]))
		w := float64(yNew[i])
		probe += w * 0 // NaN once any yNew_i is NaN or Inf
		// max(|y_i|, |yNew_i|) without the builtin's NaN handling, which costs: a NaN in yNew
		// either comes with one in e, which rejects the step, or fails the probe, which ends
		// the integration.
		scale, b := math.Abs(float64(v)), math.Abs(w)
		if b > scale {
			scale = b
		}
		tol := atol + rtol*scale
		if tol == 0 {
			if e != 0 {
				sum = math.Inf(1)
			}
			continue
		}
		q := e / tol
		sum += q * q
	}
	return math.Sqrt(sum / float64(n)), probe == 0
}

// initialStep chooses the size of the first step with Hairer's algorithm (Hairer, Norsett and
// Wanner, Solving ODEs I, II.4; torchdiffeq's _select_initial_step): with the weights
// sc = atol + rtol*|y0|, d0 = ||y0/sc||, d1 = ||f0/sc||, a trial h0 = 0.01*d0/d1, then
// d2 = ||(f(t0+h0, y0+h0 f0) - f0)/sc||/h0 and h = min(100*h0, (0.01/max(d1, d2))^(1/5)).
// k[0] holds f0 = f(t0, y0); the function evaluates the field once more, into k[1].
func (s *Solver) initialStep(f Field, y []float32, t0, dir, span float64, ctl *controller) float64 {
	n := len(y)
	if n == 0 {
		return span
	}
	f0, f1, tmp := s.k[0][:n:n], s.k[1][:n:n], s.tmp[:n:n]
	m := ctl.normLen(n)
	var d0, d1 float64
	for i, v := range y[:m] {
		sc := ctl.atol + ctl.rtol*math.Abs(float64(v))
		d0 += sq(scaled(float64(v), sc))
		d1 += sq(scaled(float64(f0[i]), sc))
	}
	d0, d1 = math.Sqrt(d0/float64(m)), math.Sqrt(d1/float64(m))
	h0 := 0.01 * d0 / d1
	if d0 < 1e-5 || d1 < 1e-5 || !(h0 > 0) || math.IsInf(h0, 0) {
		h0 = 1e-6
	}
	h0 = min(h0, span)

	axpyTo(tmp, float32(dir*h0), f0, y)
	f(float32(t0+dir*h0), tmp, f1)
	var d2 float64
	for i, v := range y[:m] {
		sc := ctl.atol + ctl.rtol*math.Abs(float64(v))
		d2 += sq(scaled(float64(f1[i])-float64(f0[i]), sc))
	}
	d2 = math.Sqrt(d2/float64(m)) / h0

	var h1 float64
	if d := max(d1, d2); d <= 1e-15 {
		h1 = max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/d, dpErrorExponent)
	}
	if !finite(h1) { // f at the trial point was NaN or Inf: trust the first guess
		h1 = h0
	}
	h := min(100*h0, h1)
	if !(h > 0) {
		h = 1e-6
	}
	return min(h, span)
}

func sq(v float64) float64 { return v * v }

// scaled returns v/sc, taking 0/0 as 0 (a zero component under a zero tolerance).
func scaled(v, sc float64) float64 {
	if sc == 0 && v == 0 {
		return 0
	}
	return v / sc
}

// dense writes into the workspace, and returns, the state at tOut inside the accepted step
// from (t, y) to tEnd, from Dopri5's continuous extension: y(t + theta*h) = y + h*sum w_i(theta) k_i.
// The weights come from Hairer's form of Shampine's interpolant,
//
//	y(theta) = y + theta*(D + (1-theta)*(h k1 - D + theta*(2D - h k1 - h k7 + (1-theta)*h*sum d_i k_i)))
//
// with D = y1 - y = h*sum b_i k_i, which gives w_i = (3 theta^2 - 2 theta^3) b_i +
// theta^2 (1-theta)^2 d_i, plus theta (1-theta)^2 for k1 and minus theta^2 (1-theta) for k7.
// It is one fused float64 loop, so the result is rounded once.
func (s *Solver) dense(y []float32, t, tEnd, tOut float64) []float32 {
	n := len(y)
	h := tEnd - t
	w1, w3, w4, w5, w6, w7 := denseWeights((tOut - t) / h)
	w1, w3, w4, w5, w6, w7 = h*w1, h*w3, h*w4, h*w5, h*w6, h*w7
	k1, k3, k4, k5 := s.k[0][:n], s.k[2][:n], s.k[3][:n], s.k[4][:n]
	k6, k7, out := s.k[5][:n], s.k[6][:n], s.out[:n:n]
	for i, v := range y {
		out[i] = float32(float64(v) + w1*float64(k1[i]) + w3*float64(k3[i]) + w4*float64(k4[i]) +
			w5*float64(k5[i]) + w6*float64(k6[i]) + w7*float64(k7[i]))
	}
	return out
}

// denseWeights returns the continuous extension's weights w_i(theta) of k1, k3, k4, k5, k6 and
// k7 (w2 = 0); at theta = 1 they are the fifth-order weights b_i.
func denseWeights(theta float64) (w1, w3, w4, w5, w6, w7 float64) {
	th1 := 1 - theta
	a := theta * theta * (3 - 2*theta)   // weight of D = h*sum b_i k_i
	d := theta * theta * th1 * th1       // weight of h*sum d_i k_i
	w1 = a*dpB1 + d*dpD1 + theta*th1*th1 // k1 also enters through h*k1 - D
	w3 = a*dpB3 + d*dpD3
	w4 = a*dpB4 + d*dpD4
	w5 = a*dpB5 + d*dpD5
	w6 = a*dpB6 + d*dpD6
	w7 = d*dpD7 - theta*theta*th1
	return
}
