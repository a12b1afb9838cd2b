package fm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// rowsOf returns the rows of x (d values each) as a sorted list of strings of their bits, a
// multiset to compare.
func rowsOf(x []float32, d int) []string {
	var out []string
	for i := 0; i+d <= len(x); i += d {
		b := make([]byte, 0, 4*d)
		for _, v := range x[i : i+d] {
			u := math.Float32bits(v)
			b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func TestParseCoupling(t *testing.T) {
	for _, c := range []Coupling{Independent, ExactOT, Entropic} {
		if got, err := ParseCoupling(c.String()); err != nil || got != c {
			t.Errorf("ParseCoupling(%q) = %v, %v", c.String(), got, err)
		}
	}
	if _, err := ParseCoupling("optimal"); err == nil {
		t.Error("an unknown coupling was accepted")
	}
}

// TestCouplerOT checks the exact coupling's invariants: x0 unchanged, x1 the same rows in
// another order, each used once, and the pairs' total squared distance the least, against the
// assignment's and below the independent pairing's.
func TestCouplerOT(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 18))
	const n, d = 256, 2
	x0, x1 := gaussian(r, n, d, 0, 1), sample(eightGaussians{}, n, 3)
	x0c, x1c := slices.Clone(x0), slices.Clone(x1)
	c := Coupler{Kind: ExactOT}
	if err := c.Couple(r, x0, x1, n, d); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x0, x0c) || !slices.Equal(rowsOf(x1, d), rowsOf(x1c, d)) {
		t.Fatal("x0 changed, or x1's rows are not the rows it was given")
	}
	total := func(a, b []float32) float64 {
		var s float64
		for i := range n {
			for k := range d {
				e := float64(a[i*d+k]) - float64(b[i*d+k])
				s += e * e
			}
		}
		return s
	}
	var a Assigner
	want, err := a.Match(x0c, x1c, n, d, make([]int, n))
	if err != nil {
		t.Fatal(err)
	}
	if got, indep := total(x0, x1), total(x0c, x1c); math.Abs(got-want) > 1e-9*want || got >= indep {
		t.Fatalf("coupled pairs cost %v, optimum %v, independent pairs %v", got, want, indep)
	}
	// Coupling an already coupled batch changes nothing: the identity is optimal for it.
	x1again := slices.Clone(x1)
	if err := c.Couple(r, x0, x1again, n, d); err != nil || total(x0, x1again) != total(x0, x1) {
		t.Fatalf("coupling twice changed the cost (err %v)", err)
	}
	// Independent leaves both alone.
	ind := Coupler{Kind: Independent}
	a0, a1 := slices.Clone(x0c), slices.Clone(x1c)
	if err := ind.Couple(r, a0, a1, n, d); err != nil || !slices.Equal(a0, x0c) || !slices.Equal(a1, x1c) {
		t.Fatalf("the independent coupling changed the batch (err %v)", err)
	}
	x0[3] = float32(math.NaN())
	if err := c.Couple(r, x0, x1, n, d); err == nil {
		t.Fatal("a NaN point gave no error")
	}
}

// TestCouplerSB checks the entropic coupling: pairs are rows of the inputs, and as sigma grows
// the pairing becomes independent, as it falls it approaches the exact one.
func TestCouplerSB(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 18))
	const n, d = 128, 2
	x0, x1 := gaussian(r, n, d, 0, 1), gaussian(r, n, d, 3, 1)
	var a Assigner
	exact, _ := a.Match(x0, x1, n, d, make([]int, n))
	var indep float64
	for i := range n {
		for j := range n {
			for k := range d {
				e := float64(x0[i*d+k]) - float64(x1[j*d+k])
				indep += e * e
			}
		}
	}
	indep /= n // the mean pair cost under the independent plan, times n
	meanCost := func(sigma float64) float64 {
		c := Coupler{Kind: Entropic, Sigma: sigma, Sinkhorn: Sinkhorn{MaxIter: 3000}}
		var s float64
		const rounds = 4
		for range rounds {
			a0, a1 := slices.Clone(x0), slices.Clone(x1)
			if err := c.Couple(r, a0, a1, n, d); err != nil {
				t.Fatal(err)
			}
			in0, in1 := rowsOf(x0, d), rowsOf(x1, d)
			for _, row := range rowsOf(a0, d) {
				if _, ok := slices.BinarySearch(in0, row); !ok {
					t.Fatal("a drawn x0 is not one of the inputs")
				}
			}
			for _, row := range rowsOf(a1, d) {
				if _, ok := slices.BinarySearch(in1, row); !ok {
					t.Fatal("a drawn x1 is not one of the inputs")
				}
			}
			for i := range n {
				for k := range d {
					e := float64(a0[i*d+k]) - float64(a1[i*d+k])
					s += e * e
				}
			}
		}
		if c.Sinkhorn.Err > 1e-7 {
			t.Fatalf("sigma %v: Sinkhorn's column error %v after %d iterations", sigma, c.Sinkhorn.Err, c.Sinkhorn.Iters)
		}
		return s / rounds
	}
	// Pairs drawn from a plan with the right marginals cost n <P, C> >= the optimum in
	// expectation; the draws' noise is a few percent here.
	small, mid, large := meanCost(0.3), meanCost(1), meanCost(30)
	t.Logf("sb pairs cost %v, %v, %v at sigma 0.3, 1, 30 (exact %v, independent %v)", small, mid, large, exact, indep)
	if small < 0.97*exact || small > 1.1*exact || mid <= small || math.Abs(large-indep) > 0.1*indep {
		t.Fatalf("sb pairs cost %v at sigma 0.3 (exact %v) and %v at sigma 30 (independent %v)", small, exact, large, indep)
	}
	bad := Coupler{Kind: Entropic}
	if err := bad.Couple(r, x0, x1, n, d); err == nil {
		t.Fatal("sigma 0 gave no error")
	}
}

func TestCouplerAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 18))
	const n, d = 64, 2
	x0, x1 := gaussian(r, n, d, 0, 1), gaussian(r, n, d, 1, 1)
	for _, kind := range []Coupling{Independent, ExactOT, Entropic} {
		c := Coupler{Kind: kind, Sigma: 0.5}
		run := func() {
			if err := c.Couple(r, x0, x1, n, d); err != nil {
				t.Fatal(err)
			}
		}
		run()
		if a := allocsPerCall(5, run); a != 0 {
			t.Fatalf("%v: Couple allocated %v times", kind, a)
		}
	}
}

// TestCFMPaths checks both paths against their closed forms and u_t against central
// differences in t of x_t at fixed noise.
func TestCFMPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 18))
	const n, d = 64, 3
	x0, x1, eps := gaussian(r, n, d, 0, 1), gaussian(r, n, d, 2, 1), gaussian(r, n, d, 0, 1)
	ts := make([]float32, n)
	for i := range ts {
		ts[i] = float32(0.02 + 0.96*r.Float64())
	}
	xt, ut := make([]float32, n*d), make([]float32, n*d)
	xp, up, xm, um := make([]float32, n*d), make([]float32, n*d), make([]float32, n*d), make([]float32, n*d)
	const sigma = 0.3
	for _, path := range []struct {
		name string
		f    func(xt, ut, x0, x1, noise, t []float32, d int, sigma float64)
		st   func(t float64) float64
	}{
		{"cfm", CFMSample, func(float64) float64 { return sigma }},
		{"sb", SBCFMSample, func(t float64) float64 { return sigma * math.Sqrt(t*(1-t)) }},
	} {
		path.f(xt, ut, x0, x1, eps, ts, d, sigma)
		for i, ti := range ts {
			tt := float64(ti)
			for k := range d {
				j := i*d + k
				mu := tt*float64(x1[j]) + (1-tt)*float64(x0[j])
				if want := mu + path.st(tt)*float64(eps[j]); math.Abs(float64(xt[j])-want) > 1e-6*(1+math.Abs(want)) {
					t.Fatalf("%s: x_t = %v, want %v", path.name, xt[j], want)
				}
			}
		}
		// u_t = d/dt x_t at fixed x0, x1, eps.
		h := float32(1e-3)
		tp, tm := make([]float32, n), make([]float32, n)
		for i, ti := range ts {
			tp[i], tm[i] = ti+h, ti-h
		}
		path.f(xp, up, x0, x1, eps, tp, d, sigma)
		path.f(xm, um, x0, x1, eps, tm, d, sigma)
		for i := range ts {
			dt := float64(tp[i]) - float64(tm[i])
			for k := range d {
				j := i*d + k
				fd := (float64(xp[j]) - float64(xm[j])) / dt
				if math.Abs(float64(ut[j])-fd) > 2e-3*(1+math.Abs(fd)) {
					t.Fatalf("%s at t = %v: u_t = %v, central difference %v", path.name, ts[i], ut[j], fd)
				}
			}
		}
	}
	// At sigma = 0 the CFM path is the conditional OT path with sigma_min = 0 (nil noise is
	// allowed then), and SB's ends are the points themselves with u = x1 - x0.
	CFMSample(xt, ut, x0, x1, nil, ts, d, 0)
	pxt, put := make([]float32, n*d), make([]float32, n*d)
	NewPath(CondOT).Sample(pxt, put, x0, x1, ts, d)
	for j := range xt {
		if math.Abs(float64(xt[j]-pxt[j])) > 1e-6 || math.Abs(float64(ut[j]-put[j])) > 1e-6 {
			t.Fatalf("CFM at sigma 0: (%v, %v), the CondOT path (%v, %v)", xt[j], ut[j], pxt[j], put[j])
		}
	}
	ends := []float32{0, 1}
	SBCFMSample(xt[:2*d], ut[:2*d], x0[:2*d], x1[:2*d], eps[:2*d], ends, d, sigma)
	for k := range d {
		if xt[k] != x0[k] || xt[d+k] != x1[d+k] || ut[k] != x1[k]-x0[k] || ut[d+k] != x1[d+k]-x0[d+k] {
			t.Fatalf("SB at t = 0 and 1: x_t %v, u_t %v", xt[:2*d], ut[:2*d])
		}
	}
}
