package fm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func allPaths() []Path {
	ot := NewPath(CondOT)
	otMin := NewPath(CondOT)
	otMin.SigmaMin = 0.01
	poly3 := NewPath(Polynomial)
	poly3.Power = 3
	return []Path{ot, otMin, NewPath(Polynomial), poly3, NewPath(LinearVP), NewPath(Cosine), NewPath(VP)}
}

// TestPathTargetIsVelocity checks that each path's target is d/dt of x_t for fixed x0, x1,
// against a central finite difference in float64.
func TestPathTargetIsVelocity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, p := range allPaths() {
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
		for i := 0; i < 200; i++ {
			tt := r.Float64() * p.TEnd
			x0, x1 := r.NormFloat64(), r.NormFloat64()
			_, _, da, ds := p.Coeffs(tt)
			u := da*x1 + ds*x0
			const h = 1e-6
			lo, hi := max(tt-h, 0), min(tt+h, p.TEnd)
			al, sl, _, _ := p.Coeffs(lo)
			ah, sh, _, _ := p.Coeffs(hi)
			fd := ((ah*x1 + sh*x0) - (al*x1 + sl*x0)) / (hi - lo)
			if math.Abs(fd-u) > 1e-4*max(1, math.Abs(u)) {
				t.Fatalf("%s at t=%v: target %v, finite difference %v", p.Name(), tt, u, fd)
			}
		}
	}
}

// TestPathEndpoints checks the boundary conditions: pure noise at t = 0, the data (up to
// sigma_min, or VP's tiny leftover) at the end time.
func TestPathEndpoints(t *testing.T) {
	for _, p := range allPaths() {
		a0, s0, _, _ := p.Coeffs(0)
		a1, s1, _, _ := p.Coeffs(p.TEnd)
		tol := 1e-12
		if p.Schedule == VP {
			tol = 0.007 // the paper's path starts at alpha = exp(-T(1)/2) = exp(-5.025)
		}
		if math.Abs(a0) > tol || math.Abs(s0-1) > tol {
			t.Errorf("%s at 0: alpha %v sigma %v, want 0 and 1", p.Name(), a0, s0)
		}
		wantS1 := p.SigmaMin
		if p.Schedule == VP || p.Schedule == LinearVP {
			wantS1 = s1 // checked below: small but positive
			if !(s1 > 0 && s1 < 0.01) {
				t.Errorf("%s at the end: sigma %v not small and positive", p.Name(), s1)
			}
		}
		if math.Abs(a1-1) > 1e-4 || math.Abs(s1-wantS1) > 1e-12 {
			t.Errorf("%s at the end: alpha %v sigma %v", p.Name(), a1, s1)
		}
	}
}

// TestPathClosedForms checks the affine family against the closed forms of the conditional OT
// path (x_t = t*x1 + (1 - (1 - sigma_min)*t)*x0, u = x1 - (1 - sigma_min)*x0) and of the FM
// paper's VP path (Lipman et al. 2023, with s = 1 - t: mu = exp(-T(s)/2)*x1,
// sigma = sqrt(1 - exp(-T(s))), T(s) = beta_min*s + s^2*(beta_max - beta_min)/2).
func TestPathClosedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const d, n = 3, 64
	x0, x1, ts := make([]float32, n*d), make([]float32, n*d), make([]float32, n)
	for i := range x0 {
		x0[i], x1[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	xt, ut := make([]float32, n*d), make([]float32, n*d)

	ot := NewPath(CondOT)
	ot.SigmaMin = 0.05
	for i := range ts {
		ts[i] = r.Float32()
	}
	ot.Sample(xt, ut, x0, x1, ts, d)
	for i := range xt {
		tt, s := float64(ts[i/d]), ot.SigmaMin
		wantX := tt*float64(x1[i]) + (1-(1-s)*tt)*float64(x0[i])
		wantU := float64(x1[i]) - (1-s)*float64(x0[i])
		if math.Abs(float64(xt[i])-wantX) > 1e-6 || math.Abs(float64(ut[i])-wantU) > 1e-6 {
			t.Fatalf("condot row %d: x_t %v u %v, want %v %v", i/d, xt[i], ut[i], wantX, wantU)
		}
	}

	vp := NewPath(VP)
	for i := range ts {
		ts[i] = float32(r.Float64() * vp.TEnd)
	}
	vp.Sample(xt, ut, x0, x1, ts, d)
	for i := range xt {
		s := 1 - float64(ts[i/d])
		T := vp.BetaMin*s + s*s*(vp.BetaMax-vp.BetaMin)/2
		beta := vp.BetaMin + s*(vp.BetaMax-vp.BetaMin)
		mu := math.Exp(-T/2) * float64(x1[i])
		sigma := math.Sqrt(1 - math.Exp(-T))
		x := mu + sigma*float64(x0[i])
		// u_t(x|x1) = -beta(1-t)/2 * (exp(-T)*x - exp(-T/2)*x1) / (1 - exp(-T))
		u := -beta / 2 * (math.Exp(-T)*x - math.Exp(-T/2)*float64(x1[i])) / (1 - math.Exp(-T))
		if math.Abs(float64(xt[i])-x) > 1e-5*max(1, math.Abs(x)) || math.Abs(float64(ut[i])-u) > 1e-4*max(1, math.Abs(u)) {
			t.Fatalf("vp at t=%v: x_t %v u %v, want %v %v", ts[i/d], xt[i], ut[i], x, u)
		}
	}
}

// TestVPNearOne checks that sigma keeps its digits close to t = 1, where 1 - alpha^2 computed
// naively in float32 loses about 6% of it.
func TestVPNearOne(t *testing.T) {
	vp := NewPath(VP)
	_, s, _, ds := vp.Coeffs(vp.TEnd)
	T := vp.BetaMin*VPEps + VPEps*VPEps*(vp.BetaMax-vp.BetaMin)/2
	want := math.Sqrt(T - T*T/2 + T*T*T/6)
	if math.Abs(s-want) > 1e-9*want {
		t.Fatalf("sigma(1-eps) = %v, want %v", s, want)
	}
	if math.IsInf(ds, 0) || math.IsNaN(ds) {
		t.Fatalf("dsigma(1-eps) = %v", ds)
	}
}

func TestParsePath(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{{"condot", "condot"}, {"OT", "condot"}, {"vp", "vp"}, {"poly", "poly"}, {"poly:3", "poly:3"},
		{"linvp", "linvp"}, {"cosine", "cosine"}} {
		p, err := ParsePath(c.in)
		if err != nil || p.Name() != c.want {
			t.Errorf("ParsePath(%q) = %q, %v; want %q", c.in, p.Name(), err, c.want)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", c.in, err)
		}
	}
	for _, bad := range []string{"", "diffusionx", "poly:0.5", "poly:x", "vp:2", "poly:inf"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted it", bad)
		}
	}
	vp := NewPath(VP)
	vp.TEnd = 1
	if vp.Validate() == nil {
		t.Error("a VP path ending at t = 1 validated")
	}
}
