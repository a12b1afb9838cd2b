package fm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func sample(ds Dataset, n int, seed uint64) []float32 {
	x := make([]float32, n*ds.Dim())
	ds.Sample(rand.New(rand.NewPCG(seed, 0)), x)
	return x
}

func TestBuiltinsAreDeterministic(t *testing.T) {
	for _, name := range Builtins() {
		ds, ok := Builtin(name)
		if !ok || ds.Name() != name || ds.Dim() != 2 {
			t.Fatalf("Builtin(%q) = %v, %v", name, ds, ok)
		}
		a, b, c := sample(ds, 500, 1), sample(ds, 500, 1), sample(ds, 500, 2)
		if !slices.Equal(a, b) || slices.Equal(a, c) {
			t.Errorf("%s: the same seed must give the same points and another seed others", name)
		}
		for _, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s produced %v", name, v)
			}
		}
	}
	if _, ok := Builtin("nope"); ok {
		t.Fatal("an unknown dataset was found")
	}
	if ds, ok := Builtin("Swiss"); !ok || ds.Name() != "swissroll" {
		t.Fatal("the alias swiss does not give the swiss roll")
	}
}

// TestCheckerboardLaw checks the checkerboard sampler against the law of the reference's
// sampler: every point on one of the 8 squares, the squares equally likely, uniform inside.
func TestCheckerboardLaw(t *testing.T) {
	ds, _ := Builtin("checkerboard")
	const n = 80000
	x := sample(ds, n, 3)
	var counts [8]int
	var inner [4]int // quadrants within a square: uniformity inside it
	for i := 0; i < n; i++ {
		sq, ok := OnCheckerboard(float64(x[2*i]), float64(x[2*i+1]))
		if !ok {
			t.Fatalf("point %d (%v, %v) is off the board", i, x[2*i], x[2*i+1])
		}
		counts[sq]++
		u, v := float64(x[2*i])*0.45, float64(x[2*i+1])*0.45
		fu, fv := u-math.Floor(u), v-math.Floor(v)
		inner[int(2*fu)*2+int(2*fv)]++
	}
	// Each count is binomial(n, 1/8): sd = sqrt(n*1/8*7/8) ~ 94; allow 5 sd.
	for sq, c := range counts {
		if math.Abs(float64(c)-n/8) > 5*94 {
			t.Errorf("square %d holds %d points, want about %d", sq, c, n/8)
		}
	}
	for q, c := range inner {
		if math.Abs(float64(c)-n/4) > 5*123 {
			t.Errorf("quadrant %d holds %d points, want about %d", q, c, n/4)
		}
	}
	on, bal := CheckerboardFit(x)
	if on != 1 || bal < 0.999 {
		t.Errorf("CheckerboardFit of the data: on %v balance %v", on, bal)
	}
	// The board's squares are those where floor(x1) and floor(x2) have the same parity: the
	// squares at (-2,-2) and (-1,-1) are on, (-2,-1) is off.
	for _, c := range []struct {
		u, v float64
		on   bool
	}{{-1.5, -1.5, true}, {-0.5, -0.5, true}, {-1.5, -0.5, false}, {0.5, 1.5, false}, {1.5, 1.5, true}, {2.5, 0.5, false}} {
		if _, on := OnCheckerboard(c.u/0.45, c.v/0.45); on != c.on {
			t.Errorf("OnCheckerboard(%v, %v) = %v", c.u, c.v, on)
		}
	}
}

// TestMomentsOfBuiltins compares each 2D sampler's mean and covariance with values worked out
// from its definition.
func TestMomentsOfBuiltins(t *testing.T) {
	v8 := math.Sqrt(0.1) // the per-dimension variance of each of the 8 gaussians
	sr := func() (mx, my, vx, vy float64) {
		// t = 1.5*pi*(1+2U) on [1.5pi, 4.5pi]; E[t cos t], E[(t cos t)^2] by quadrature.
		const m = 200000
		for i := 0; i < m; i++ {
			tt := 1.5 * math.Pi * (1 + 2*(float64(i)+0.5)/m)
			mx += tt * math.Cos(tt) / 10
			my += tt * math.Sin(tt) / 10
			vx += tt * tt * math.Cos(tt) * math.Cos(tt) / 100
			vy += tt * tt * math.Sin(tt) * math.Sin(tt) / 100
		}
		mx, my = mx/m, my/m
		return mx, my, vx/m - mx*mx, vy/m - my*my
	}
	srmx, srmy, srvx, srvy := sr()
	cases := []struct {
		name                string
		mx, my, vx, vy, tol float64
	}{
		// U*4-2 scaled by 1/0.45: variance 16/12/0.45^2; x2 likewise by symmetry.
		{"checkerboard", 0, 0, 16.0 / 12 / 0.2025, 16.0 / 12 / 0.2025, 0.02},
		{"8gaussians", 0, 0, 25.0/2 + v8, 25.0/2 + v8, 0.02},
		{"circles", 0, 0, (1+0.25)/4 + 0.0025, (1+0.25)/4 + 0.0025, 0.02},
		// Moons: outer (cos, sin), inner (1-cos, 0.5-sin) with theta ~ U[0, pi], equal halves.
		// E[x^2] = (1/2 + 3/2)/2, E[y^2] = (1/2 + 3/4 - 2/pi)/2; noise adds 0.05^2.
		{"moons", 0.5, 0.25, 1 - 0.25 + 0.0025, 0.625 - 1/math.Pi - 0.0625 + 0.0025, 0.02},
		{"swissroll", srmx, srmy, srvx, srvy, 0.02},
		// S curve, t ~ U[-a, a] with a = 1.5 pi: E sin^2 = 1/2 - sin(2a)/(4a) = 1/2;
		// E (cos - 1)^2 = E cos^2 - 2 E cos + 1 = 1/2 - 2 sin(a)/a + 1 = 3/2 + 4/(3 pi); both odd in
		// t, so of mean 0; noise 0.05^2 added, then all scaled by 1.5^2.
		{"scurve", 0, 0, 2.25 * (0.5 + 0.0025), 2.25 * (1.5 + 4/(3*math.Pi) + 0.0025), 0.02},
	}
	for _, c := range cases {
		ds, _ := Builtin(c.name)
		const n = 200000
		x := sample(ds, n, 9)
		var mx, my, vx, vy float64
		for i := 0; i < n; i++ {
			mx += float64(x[2*i])
			my += float64(x[2*i+1])
		}
		mx, my = mx/n, my/n
		for i := 0; i < n; i++ {
			dx, dy := float64(x[2*i])-mx, float64(x[2*i+1])-my
			vx += dx * dx
			vy += dy * dy
		}
		vx, vy = vx/n, vy/n
		scale := math.Sqrt(c.vx + c.vy)
		if math.Abs(mx-c.mx) > c.tol*scale || math.Abs(my-c.my) > c.tol*scale ||
			math.Abs(vx-c.vx) > 2*c.tol*c.vx || math.Abs(vy-c.vy) > 2*c.tol*c.vy {
			t.Errorf("%s: mean (%.4f, %.4f) var (%.4f, %.4f); want (%.4f, %.4f) (%.4f, %.4f)",
				c.name, mx, my, vx, vy, c.mx, c.my, c.vx, c.vy)
		}
	}
}

func TestTableSample(t *testing.T) {
	tb := &Table{D: 3, X: []float32{1, 2, 3, 4, 5, 6}}
	x := make([]float32, 3*1000)
	tb.Sample(rand.New(rand.NewPCG(1, 2)), x)
	first := 0
	for i := 0; i < 1000; i++ {
		row := x[3*i : 3*i+3]
		switch {
		case slices.Equal(row, tb.X[:3]):
			first++
		case !slices.Equal(row, tb.X[3:]):
			t.Fatalf("row %d = %v is not a row of the table", i, row)
		}
	}
	if first < 400 || first > 600 {
		t.Fatalf("the first row was drawn %d times in 1000", first)
	}
}

func TestStats(t *testing.T) {
	x := []float32{1, 10, 5, 3, 10, 5, 5, 10, 5}
	s, err := ColumnStats(x, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mean[0] != 3 || math.Abs(s.Std[0]-math.Sqrt(8.0/3)) > 1e-12 || s.Std[1] != 1 || s.Mean[1] != 10 {
		t.Fatalf("stats %+v", s)
	}
	y := slices.Clone(x)
	s.Normalize(y)
	if y[1] != 0 || math.Abs(float64(y[0])+2/math.Sqrt(8.0/3)) > 1e-6 {
		t.Fatalf("normalised %v", y)
	}
	s.Denormalize(y)
	for i := range x {
		if math.Abs(float64(x[i]-y[i])) > 1e-6 {
			t.Fatalf("round trip %v -> %v", x, y)
		}
	}
	if _, err := ColumnStats([]float32{1, 2}, 2); err == nil {
		t.Fatal("one row gave statistics")
	}
}

// TestSCurveShape checks the noise-free S curve lies on its curve: x = sin t and
// |z| = 1 - cos t give x^2 + (1 - |z|)^2 = 1, with z's sign opposite to x's on the outer arcs.
func TestSCurveShape(t *testing.T) {
	x := sample(SCurve{Noise: 0, Scale: 1}, 5000, 4)
	for i := 0; i < len(x); i += 2 {
		u, z := float64(x[i]), float64(x[i+1])
		if r := u*u + (1-math.Abs(z))*(1-math.Abs(z)); math.Abs(r-1) > 1e-6 || math.Abs(z) > 2 {
			t.Fatalf("point (%v, %v) is off the S curve", u, z)
		}
	}
	if ds, ok := Builtin("scurve"); !ok || ds.(SCurve) != (SCurve{Noise: 0.05, Scale: 1.5}) {
		t.Fatalf("Builtin scurve = %v", ds)
	}
}
