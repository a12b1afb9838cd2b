package ode

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// tolFactor bounds Dopri5's global error in units of the tolerance: the controller bounds the
// local error of each step, and over a few dozen steps the global error of these problems
// stays within a small multiple of it.
const tolFactor = 10

// TestDopri5Tolerance integrates every problem at several tolerances and checks that the
// error stays within tolFactor times the tolerance (for tolerances of 1e-6 and looser: float32
// cannot do much better), that the evaluations obey NFE = 6*(accepted + rejected) + 2, and
// that a looser tolerance never costs more.
//
// It runs every problem forwards with Rtol = Atol = tol, and forwards and backwards with a
// pure relative tolerance (Atol = 0). Backwards, the decaying problems grow by up to e^12 from
// a start near 1e-5: an absolute tolerance there allows errors that the growth then
// multiplies, so only a relative tolerance is meant to hold. The rotation is left out of the
// relative runs, as its components pass through 0, where no relative error is bounded. -x^3
// backwards multiplies relative errors by up to 1 + 2 x0^2 t1 = 20.7, rounding's included, so
// it is held to the tolerance from 1e-5 up.
func TestDopri5Tolerance(t *testing.T) {
	forEachKernelSet(t, func(t *testing.T) {
		tols := []float64{1e-7, 1e-6, 1e-5, 1e-4, 1e-3}
		for _, p := range problems() {
			for _, run := range []struct {
				name      string
				backwards bool
				atol      bool
			}{{"forwards", false, true}, {"forwards/rel", false, false}, {"backwards/rel", true, false}} {
				if p.name == "rotation" && !run.atol {
					continue
				}
				minTol := 1e-6
				if p.name == "-x^3" && run.backwards {
					minTol = 1e-5
				}
				ta, tb := 0.0, span
				if run.backwards {
					ta, tb = span, 0
				}
				x0, x064 := p.cluster(4, ta, 5)
				want := make([]float64, len(x064))
				p.exact(ta, tb, x064, want)
				s := NewSolver(len(x0))
				var line strings.Builder
				prevNFE := math.MaxInt
				for _, tol := range tols {
					opt := Options{Rtol: tol}
					if run.atol {
						opt.Atol = tol
					}
					x := append([]float32(nil), x0...)
					st, err := s.Dopri5(p.field, x, float32(ta), float32(tb), opt, nil)
					if err != nil {
						t.Fatalf("%s %s tol %g: %v", p.name, run.name, tol, err)
					}
					e := tolErr(x, want, opt.Rtol, opt.Atol)
					line.WriteString(fmtDopri(tol, e, st))
					if tol >= minTol && e > tolFactor {
						t.Errorf("%s %s: error %.2f times the tolerance %g", p.name, run.name, e, tol)
					}
					if st.NFE != 6*(st.Accepted+st.Rejected)+2 {
						t.Errorf("%s %s: %+v breaks NFE = 6*(accepted+rejected)+2", p.name, run.name, st)
					}
					if st.NFE > prevNFE {
						t.Errorf("%s %s: tolerance %g cost %d evaluations, more than the tighter one's %d", p.name, run.name, tol, st.NFE, prevNFE)
					}
					prevNFE = st.NFE
				}
				t.Logf("%-10s %-13s%s", p.name, run.name, line.String())
			}
		}
	})
}

func fmtDopri(tol, e float64, st Stats) string {
	return strings.Join([]string{"", "tol", ftoa(tol), "err/tol", ftoa(e), "nfe", itoa(st.NFE), "rej", itoa(st.Rejected)}, " ")
}

// TestDopri5StepMatchesTableau checks one step of the solver against a float64 step written
// from the published tableau (with the fourth-order weights, not the solver's differences):
// the new state, the FSAL stage, the error ratio, and the dense output against the
// interpolant's published polynomial weights.
func TestDopri5StepMatchesTableau(t *testing.T) {
	forEachKernelSet(t, func(t *testing.T) {
		for _, p := range problems() {
			x, x64 := p.cluster(3, 0.5, 9)
			n := len(x)
			s := NewSolver(n)
			ctl := controller{rtol: 1e-4, atol: 1e-4}
			const t0, h = 0.5, 1.2
			p.field(t0, x, s.k[0][:n])
			yNew := make([]float32, n)
			ratio, finiteNew := s.attempt(p.field, t0, t0+h, x, yNew, &ctl)

			y5, diff, k := refDopri5Step(p.field64, t0, h, x64)
			var sum float64
			for i := range y5 {
				q := diff[i] / (ctl.atol + ctl.rtol*max(math.Abs(x64[i]), math.Abs(y5[i])))
				sum += q * q
			}
			refRatio := math.Sqrt(sum / float64(n))
			if !finiteNew {
				t.Errorf("%s: new state reported non-finite", p.name)
			}
			if e := relErr(yNew, y5); e > 1e-6 {
				t.Errorf("%s: new state differs from the tableau's by %.2e", p.name, e)
			}
			if e := relErr(s.k[6][:n], k[6]); e > 1e-6 {
				t.Errorf("%s: FSAL stage differs from f(t+h, y5) by %.2e", p.name, e)
			}
			if math.Abs(ratio-refRatio) > 1e-3*refRatio || refRatio < 1e-2 {
				t.Errorf("%s: error ratio %.6g, tableau's %.6g", p.name, ratio, refRatio)
			}
			for _, theta := range []float64{0.1, 0.25, 0.5, 0.8, 0.999} {
				out := s.dense(x, t0, t0+h, t0+theta*h)
				want := make([]float64, n)
				w := publishedDenseWeights(theta)
				for i := range want {
					want[i] = x64[i]
					for st := range 7 {
						want[i] += h * w[st] * k[st][i]
					}
				}
				if e := relErr(out, want); e > 1e-6 {
					t.Errorf("%s: dense output at theta %v differs from the published interpolant by %.2e", p.name, theta, e)
				}
			}
			t.Logf("%-10s error ratio %.4g (tableau %.4g)", p.name, ratio, refRatio)
		}
	})
}

// publishedDenseWeights evaluates Dopri5's continuous extension weights b_i(theta) from their
// polynomial coefficients (of theta, theta^2, theta^3, theta^4) as published for Hairer's
// dopri5 and used by scipy and torchdiffeq.
func publishedDenseWeights(theta float64) [7]float64 {
	c := [7][4]float64{
		{1, -8048581381.0 / 2820520608, 8663915743.0 / 2820520608, -12715105075.0 / 11282082432},
		{},
		{0, 131558114200.0 / 32700410799, -68118460800.0 / 10900136933, 87487479700.0 / 32700410799},
		{0, -1754552775.0 / 470086768, 14199869525.0 / 1410260304, -10690763975.0 / 1880347072},
		{0, 127303824393.0 / 49829197408, -318862633887.0 / 49829197408, 701980252875.0 / 199316789632},
		{0, -282668133.0 / 205662961, 2019193451.0 / 616988883, -1453857185.0 / 822651844},
		{0, 40617522.0 / 29380423, -110615467.0 / 29380423, 69997945.0 / 29380423},
	}
	var w [7]float64
	for i, row := range c {
		w[i] = theta * (row[0] + theta*(row[1]+theta*(row[2]+theta*row[3])))
	}
	return w
}

// TestDenseWeights checks the solver's weights against the published polynomials, and that
// they vanish at theta = 0 and are the fifth-order weights at theta = 1.
func TestDenseWeights(t *testing.T) {
	for i := 0; i <= 20; i++ {
		theta := float64(i) / 20
		w1, w3, w4, w5, w6, w7 := denseWeights(theta)
		got := [7]float64{w1, 0, w3, w4, w5, w6, w7}
		want := publishedDenseWeights(theta)
		for j := range got {
			if math.Abs(got[j]-want[j]) > 1e-13 {
				t.Errorf("theta %v: w%d = %.17g, published %.17g", theta, j+1, got[j], want[j])
			}
		}
	}
	w1, w3, w4, w5, w6, w7 := denseWeights(1)
	b := [6]float64{dpB1, dpB3, dpB4, dpB5, dpB6, 0}
	for j, v := range [6]float64{w1, w3, w4, w5, w6, w7} {
		if math.Abs(v-b[j]) > 1e-15 {
			t.Errorf("theta 1: weight %d = %v, want %v", j, v, b[j])
		}
	}
}

// TestDopri5Observer checks what the observer sees: without output times, the start and every
// accepted step, ending at t1 with the final state; with output times, exactly those, in
// order, with states accurate to the tolerance; and output times change neither the steps nor
// the result. The tolerance is the reference implementation's, 1e-5.
func TestDopri5Observer(t *testing.T) {
	const tol = 1e-5
	for _, p := range problems() {
		for _, backwards := range []bool{false, true} {
			ta, tb := 0.0, span
			if backwards {
				ta, tb = span, 0
			}
			x0, x064 := p.cluster(2, ta, 13)
			s := NewSolver(len(x0))
			opt := Options{Rtol: tol, Atol: tol}
			if backwards && p.name != "rotation" {
				opt.Atol = 0 // see TestDopri5Tolerance
			}

			var times []float32
			var last []float32
			x := append([]float32(nil), x0...)
			plain, err := s.Dopri5(p.field, x, float32(ta), float32(tb), opt, func(tt float32, xt []float32) {
				times = append(times, tt)
				last = append(last[:0], xt...)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(times) != plain.Accepted+1 || times[0] != float32(ta) || times[len(times)-1] != float32(tb) {
				t.Errorf("%s: %d observations from %v to %v, want %d from %v to %v", p.name, len(times), times[0], times[len(times)-1], plain.Accepted+1, ta, tb)
			}
			for i := 1; i < len(times); i++ {
				if (times[i] > times[i-1]) == backwards || times[i] == times[i-1] {
					t.Fatalf("%s: observation times %v then %v", p.name, times[i-1], times[i])
				}
			}
			if !slices.Equal(last, x) {
				t.Errorf("%s: the last observation is not the final state", p.name)
			}

			const nOut = 41
			outs := make([]float32, nOut)
			for i := range outs {
				outs[i] = float32(ta + (tb-ta)*float64(i)/(nOut-1))
			}
			opt.Outputs = outs
			var seen []float32
			worst := 0.0
			want := make([]float64, len(x064))
			y := append([]float32(nil), x0...)
			withOut, err := s.Dopri5(p.field, y, float32(ta), float32(tb), opt, func(tt float32, xt []float32) {
				seen = append(seen, tt)
				p.exact(ta, float64(tt), x064, want)
				worst = max(worst, tolErr(xt, want, opt.Rtol, opt.Atol))
				if tt == float32(ta) && !slices.Equal(xt, x0) {
					t.Errorf("%s: the observation at t0 is not x0", p.name)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seen, outs) {
				t.Errorf("%s: observed at %v, want %v", p.name, seen, outs)
			}
			if worst > tolFactor {
				t.Errorf("%s backwards=%v: dense output error %.2f times the tolerance", p.name, backwards, worst)
			}
			if withOut != plain || !slices.Equal(x, y) {
				t.Errorf("%s: output times changed the integration: %+v vs %+v", p.name, withOut, plain)
			}
			t.Logf("%-10s backwards=%-5v %d steps, dense output error %.2f x tol", p.name, backwards, plain.Accepted, worst)
		}
	}
}

// TestDopri5RoundTrip integrates forwards and then backwards to the start, which must come
// back within the tolerance.
func TestDopri5RoundTrip(t *testing.T) {
	const tol = 1e-6
	for _, p := range problems() {
		if p.name != "rotation" && !strings.HasPrefix(p.name, "exp(") {
			continue // -x^3 and -tx/4 forget their start: backwards amplifies errors by e^12 or 20
		}
		x0, x064 := p.cluster(4, 0, 17)
		s := NewSolver(len(x0))
		x := append([]float32(nil), x0...)
		opt := Options{Rtol: tol, Atol: tol}
		if p.name != "rotation" {
			opt.Atol = 0
		}
		a, err := s.Dopri5(p.field, x, 0, span, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Dopri5(p.field, x, span, 0, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := tolErr(x, x064, opt.Rtol, opt.Atol)
		t.Logf("%-10s there in %d steps, back in %d, error %.2f x tol", p.name, a.Accepted, b.Accepted, e)
		if e > 2*tolFactor {
			t.Errorf("%s: back at t0 with error %.2f times the tolerance", p.name, e)
		}
	}
}

func square(_ float32, x, dxdt []float32) {
	for i, v := range x {
		dxdt[i] = v * v
	}
}

// TestDopri5Failures checks that Dopri5 stops with an error, not a hang or a NaN, on a
// solution that blows up, on a field that returns NaN from the start or from some time on, on
// a state that overflows, and after MaxSteps, and that it leaves the last accepted state in x.
func TestDopri5Failures(t *testing.T) {
	s := NewSolver(3)
	var lastT float32
	track := func(tt float32, _ []float32) { lastT = tt }

	// dx/dt = x^2 from 1 is 1/(1-t), infinite at t = 1. The numerical solution's own
	// singularity lies within about the tolerance of 1, on either side.
	x := []float32{1, 1, 1}
	st, err := s.Dopri5(square, x, 0, 2, Options{Rtol: 1e-5, Atol: 1e-5}, track)
	if !errors.Is(err, ErrStepUnderflow) && !errors.Is(err, ErrNonFinite) {
		t.Errorf("blow-up: err = %v, want a step underflow or NaN/Inf", err)
	}
	if !allFinite(x) || x[0] < 1e4 || math.Abs(float64(lastT)-1) > 1e-4 {
		t.Errorf("blow-up: stopped at t=%v with x=%v, want t within 1e-4 of 1 and a large finite x", lastT, x)
	}
	if st.NFE != 6*(st.Accepted+st.Rejected)+2 {
		t.Errorf("blow-up: %+v breaks the NFE identity", st)
	}
	t.Logf("blow-up: %v after %+v, last accepted t=%v, x=%v", err, st, lastT, x[0])

	nan := float32(math.NaN())
	always := func(_ float32, _, dxdt []float32) {
		for i := range dxdt {
			dxdt[i] = nan
		}
	}
	x = []float32{1, 2, 3}
	st, err = s.Dopri5(always, x, 0, 1, Options{Rtol: 1e-5, Atol: 1e-5}, nil)
	if !errors.Is(err, ErrNonFinite) || st.NFE != 1 || !slices.Equal(x, []float32{1, 2, 3}) {
		t.Errorf("NaN field: err = %v, %+v, x = %v; want ErrNonFinite after 1 evaluation, x unchanged", err, st, x)
	}

	x = []float32{1, nan, 3}
	st, err = s.Dopri5(noopField, x, 0, 1, Options{Rtol: 1e-5, Atol: 1e-5}, nil)
	if !errors.Is(err, ErrNonFinite) || st.NFE != 0 {
		t.Errorf("NaN in x0: err = %v, %+v; want ErrNonFinite before any evaluation", err, st)
	}

	late := func(tt float32, x, dxdt []float32) {
		for i, v := range x {
			dxdt[i] = -v
			if tt > 0.5 {
				dxdt[i] = nan
			}
		}
	}
	x = []float32{1, 2, 3}
	st, err = s.Dopri5(late, x, 0, 1, Options{Rtol: 1e-5, Atol: 1e-5}, track)
	if !errors.Is(err, ErrStepUnderflow) || !strings.Contains(err.Error(), "NaN") || !allFinite(x) || lastT > 0.5 || lastT < 0.49 {
		t.Errorf("NaN after t=0.5: err = %v, last t = %v, x = %v", err, lastT, x)
	}
	t.Logf("NaN after t=0.5: %v after %+v, last accepted t=%v", err, st, lastT)

	// The state overflows float32 while the error estimate, relative to it, stays small.
	huge := func(_ float32, _, dxdt []float32) {
		for i := range dxdt {
			dxdt[i] = 1e37
		}
	}
	x = []float32{3.39e38}
	st, err = s.Dopri5(huge, x[:1], 0, 1, Options{Rtol: 1e-5, Atol: 1e-5, FirstStep: 1}, nil)
	if !errors.Is(err, ErrNonFinite) || x[0] != 3.39e38 {
		t.Errorf("overflow: err = %v, x = %v; want ErrNonFinite with x at its last finite value", err, x)
	}
	t.Logf("overflow: %v after %+v", err, st)

	p := problems()[4] // rotation
	x0, _ := p.cluster(1, 0, 1)
	s = NewSolver(len(x0))
	st, err = s.Dopri5(p.field, x0, 0, span, Options{Rtol: 1e-9, Atol: 1e-9, MaxSteps: 5}, nil)
	if !errors.Is(err, ErrMaxSteps) || st.Accepted+st.Rejected != 5 || st.NFE != 6*5+2 {
		t.Errorf("MaxSteps 5: err = %v, %+v", err, st)
	}
}

// TestDopri5BadArguments checks that every bad argument is an error, not a panic, and leaves x
// alone.
func TestDopri5BadArguments(t *testing.T) {
	s := NewSolver(4)
	f := func(_ float32, x, dxdt []float32) { copy(dxdt, x) }
	nan, inf := math.NaN(), math.Inf(1)
	good := Options{Rtol: 1e-5, Atol: 1e-5}
	with := func(change func(*Options)) Options {
		o := good
		change(&o)
		return o
	}
	cases := []struct {
		name   string
		f      Field
		n      int
		t0, t1 float32
		opt    Options
	}{
		{"Rtol 0", f, 4, 0, 1, with(func(o *Options) { o.Rtol = 0 })},
		{"Rtol -1", f, 4, 0, 1, with(func(o *Options) { o.Rtol = -1 })},
		{"Rtol NaN", f, 4, 0, 1, with(func(o *Options) { o.Rtol = nan })},
		{"Rtol Inf", f, 4, 0, 1, with(func(o *Options) { o.Rtol = inf })},
		{"Atol -1e-9", f, 4, 0, 1, with(func(o *Options) { o.Atol = -1e-9 })},
		{"Atol NaN", f, 4, 0, 1, with(func(o *Options) { o.Atol = nan })},
		{"MaxSteps -1", f, 4, 0, 1, with(func(o *Options) { o.MaxSteps = -1 })},
		{"FirstStep -1", f, 4, 0, 1, with(func(o *Options) { o.FirstStep = -1 })},
		{"FirstStep NaN", f, 4, 0, 1, with(func(o *Options) { o.FirstStep = nan })},
		{"Safety 1.5", f, 4, 0, 1, with(func(o *Options) { o.Safety = 1.5 })},
		{"Safety -0.1", f, 4, 0, 1, with(func(o *Options) { o.Safety = -0.1 })},
		{"MinFactor 2", f, 4, 0, 1, with(func(o *Options) { o.MinFactor = 2 })},
		{"MaxFactor 0.5", f, 4, 0, 1, with(func(o *Options) { o.MaxFactor = 0.5 })},
		{"MaxFactor Inf", f, 4, 0, 1, with(func(o *Options) { o.MaxFactor = inf })},
		{"Beta 0.3", f, 4, 0, 1, with(func(o *Options) { o.Beta = 0.3 })},
		{"Beta -0.01", f, 4, 0, 1, with(func(o *Options) { o.Beta = -0.01 })},
		{"output outside", f, 4, 0, 1, with(func(o *Options) { o.Outputs = []float32{0.5, 1.5} })},
		{"output before t0", f, 4, 1, 2, with(func(o *Options) { o.Outputs = []float32{0.5} })},
		{"output NaN", f, 4, 0, 1, with(func(o *Options) { o.Outputs = []float32{float32(nan)} })},
		{"outputs repeat", f, 4, 0, 1, with(func(o *Options) { o.Outputs = []float32{0.5, 0.5} })},
		{"outputs backwards", f, 4, 0, 1, with(func(o *Options) { o.Outputs = []float32{0.5, 0.25} })},
		{"outputs forwards on a backward run", f, 4, 1, 0, with(func(o *Options) { o.Outputs = []float32{0.25, 0.5} })},
		{"t0 NaN", f, 4, float32(nan), 1, good},
		{"t1 -Inf", f, 4, 0, float32(math.Inf(-1)), good},
		{"state too long", f, 5, 0, 1, good},
		{"nil field", nil, 4, 0, 1, good},
	}
	for _, c := range cases {
		x := []float32{1, 2, 3, 4, 5}[:c.n]
		st, err := s.Dopri5(c.f, x, c.t0, c.t1, c.opt, func(float32, []float32) {})
		if err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !slices.Equal(x, []float32{1, 2, 3, 4, 5}[:c.n]) || st != (Stats{}) {
			t.Errorf("%s: x changed to %v or work done %+v", c.name, x, st)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
}

// TestDopri5Edges checks an empty interval, an empty state, a given first step and PI control.
func TestDopri5Edges(t *testing.T) {
	s := NewSolver(4)
	f := func(_ float32, x, dxdt []float32) {
		for i, v := range x {
			dxdt[i] = -v
		}
	}
	var times []float32
	obs := func(tt float32, _ []float32) { times = append(times, tt) }

	x := []float32{1, 2}
	st, err := s.Dopri5(f, x, 0.5, 0.5, Options{Rtol: 1e-5, Outputs: []float32{0.5}}, obs)
	if err != nil || st != (Stats{}) || !slices.Equal(times, []float32{0.5}) || !slices.Equal(x, []float32{1, 2}) {
		t.Errorf("t0 == t1: %v, %+v, observed %v, x %v", err, st, times, x)
	}

	st, err = s.Dopri5(f, nil, 0, 1, Options{Rtol: 1e-5}, nil)
	if err != nil || st.NFE != 6*(st.Accepted+st.Rejected)+2 {
		t.Errorf("empty state: %v, %+v", err, st)
	}

	times = times[:0]
	x = []float32{1, 2, 3, 4}
	st, err = s.Dopri5(f, x, 0, 1, Options{Rtol: 1e-3, Atol: 1e-3, FirstStep: 0.0625}, obs)
	if err != nil || times[1] != 0.0625 || st.NFE != 6*(st.Accepted+st.Rejected)+1 {
		t.Errorf("FirstStep 1/16: %v, %+v, first step to %v", err, st, times[1])
	}

	p := problems()[4] // rotation
	x0, x064 := p.cluster(4, 0, 19)
	want := make([]float64, len(x064))
	p.exact(0, span, x064, want)
	s = NewSolver(len(x0))
	for _, beta := range []float64{0, 0.04, 0.08} {
		x := append([]float32(nil), x0...)
		st, err := s.Dopri5(p.field, x, 0, span, Options{Rtol: 1e-5, Atol: 1e-5, Beta: beta}, nil)
		e := tolErr(x, want, 1e-5, 1e-5)
		if err != nil || e > tolFactor || st.NFE != 6*(st.Accepted+st.Rejected)+2 {
			t.Errorf("Beta %v: %v, %+v, error %.2f x tol", beta, err, st, e)
		}
		t.Logf("Beta %v: %+v, error %.2f x tol", beta, st, e)
	}
}

// TestDopri5ErrorLen: a quadrature carried past ErrorLen (here q' = x^2 beside x' = -x) leaves
// the steps of x as they are without it, and is integrated to Dopri5's accuracy: q(1) =
// (1 - e^-2)/2 for x(0) = 1.
func TestDopri5ErrorLen(t *testing.T) {
	opt := Options{Rtol: 1e-6, Atol: 1e-8}
	s := NewSolver(2)
	x := []float32{1}
	alone, err := s.Dopri5(func(_ float32, x, dx []float32) { dx[0] = -x[0] }, x, 0, 1, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	xq := []float32{1, 0}
	opt.ErrorLen = 1
	with, err := s.Dopri5(func(_ float32, x, dx []float32) { dx[0], dx[1] = -x[0], 100*x[0]*x[0] }, xq, 0, 1, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if with != alone || xq[0] != x[0] {
		t.Fatalf("with a quadrature: %+v, x(1) = %v; without: %+v, x(1) = %v", with, xq[0], alone, x[0])
	}
	if want := 50 * (1 - math.Exp(-2)); math.Abs(float64(xq[1])-want) > 1e-4*want {
		t.Fatalf("quadrature %v, want %v", xq[1], want)
	}
	if _, err := s.Dopri5(func(_ float32, x, dx []float32) {}, xq, 0, 1, Options{Rtol: 1, ErrorLen: -1}, nil); err == nil {
		t.Fatal("ErrorLen -1 accepted")
	}
}
