package fm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func gaussian(r *rand.Rand, n, d int, mean, std float64) []float32 {
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(mean + std*r.NormFloat64())
	}
	return x
}

func TestEnergyDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	a, b := gaussian(r, 1500, 2, 0, 1), gaussian(r, 1500, 2, 0, 1)
	same := EnergyDistance(a, b, 2)
	// One-dimensional check against the closed form: for N(0,1) against N(mu,1),
	// 2E|X-Y| - E|X-X'| - E|Y-Y'| with X-Y ~ N(mu, 2): 2*E|N(mu,2)| - 2*E|N(0,2)|.
	const mu = 1.0
	x, y := gaussian(r, 6000, 1, 0, 1), gaussian(r, 6000, 1, mu, 1)
	s := math.Sqrt2
	eAbs := func(m float64) float64 { // E|N(m, s^2)|
		return s*math.Sqrt(2/math.Pi)*math.Exp(-m*m/(2*s*s)) + m*math.Erf(m/(s*math.Sqrt2))
	}
	want := 2*eAbs(mu) - 2*eAbs(0)
	got := EnergyDistance(x, y, 1)
	if math.Abs(same) > 0.01 || math.Abs(got-want) > 0.1*want { // sampling sd ~0.03
		t.Fatalf("energy distance: same law %v (want ~0), shifted %v (want %v)", same, got, want)
	}
}

func TestWasserstein1D(t *testing.T) {
	// Point masses: W1 between {0} and {3} is 3; between {0, 1} and {0, 1, 2, 3}: integral of
	// |F - G| = 0.25*1 (on [0,1): 1/2 vs 1/4) + 0.5*1 + 0.25*1 = 1.
	if w := wasserstein1D([]float64{0}, []float64{3}); w != 3 {
		t.Fatalf("W1 = %v, want 3", w)
	}
	if w := wasserstein1D([]float64{1, 0}, []float64{3, 0, 2, 1}); math.Abs(w-1) > 1e-12 {
		t.Fatalf("W1 = %v, want 1", w)
	}
	r := rand.New(rand.NewPCG(2, 2))
	// A shift by m moves every projection by m*cos(angle): the sliced distance of a 2D shift
	// is m*E|cos| over uniform directions, 2m/pi.
	x := gaussian(r, 4000, 2, 0, 1)
	y := make([]float32, len(x))
	copy(y, x)
	for i := 0; i < len(y); i += 2 {
		y[i] += 1
	}
	if w := SlicedWasserstein(x, y, 2, 500, 7); math.Abs(w-2/math.Pi) > 0.03 {
		t.Fatalf("sliced W1 of a unit shift = %v, want %v", w, 2/math.Pi)
	}
}

func TestMMD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	a, b, c := gaussian(r, 1000, 2, 0, 1), gaussian(r, 1000, 2, 0, 1), gaussian(r, 1000, 2, 0.5, 1)
	hs := []float64{0.5, 1, 2}
	same, diff := MMD(a, b, 2, hs), MMD(a, c, 2, hs)
	if math.Abs(same) > 0.01 || diff < 0.05 {
		t.Fatalf("MMD same law %v, shifted %v", same, diff)
	}
}

func TestCheckerboardFit(t *testing.T) {
	// All points on one square: on the board, balance 1/8.
	x := []float32{-1.5 / 0.45, -1.5 / 0.45, -1.2 / 0.45, -1.9 / 0.45, 5, 5, 0.5 / 0.45, 0.5 / 0.45}
	on, bal := CheckerboardFit(x)
	if on != 0.75 || math.Abs(bal-math.Exp(-(2.0/3*math.Log(2.0/3)+1.0/3*math.Log(1.0/3)))/8) > 1e-12 {
		t.Fatalf("on %v balance %v", on, bal)
	}
}

// TestWasserstein2 checks W2 on a shifted copy (exactly the shift's length), two Gaussian
// samples against the closed form W2^2 = |m1 - m2|^2 + d (s1 - s2)^2 for N(m, s^2 I), and the
// refusals.
func TestWasserstein2(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const n = 1000
	x := gaussian(r, n, 2, 0, 1)
	y := make([]float32, len(x))
	for i := 0; i < len(x); i += 2 {
		y[i], y[i+1] = x[i]+0.3, x[i+1]-0.4
	}
	// Shuffle y's rows: the matching must find the shift again.
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		y[2*i], y[2*j] = y[2*j], y[2*i]
		y[2*i+1], y[2*j+1] = y[2*j+1], y[2*i+1]
	}
	if w, err := Wasserstein2(x, y, 2); err != nil || math.Abs(w-0.5) > 1e-6 {
		t.Fatalf("W2 of a shifted copy = %v (err %v), want 0.5", w, err)
	}
	// N(0, I) against N((3, 0), 4 I): W2^2 = 9 + 2*(2-1)^2 = 11. The empirical W2 of two samples
	// of 1000 is off by the sampling noise, less as n grows.
	want := math.Sqrt(11)
	var prev float64 = math.Inf(1)
	for _, m := range []int{100, 1000} {
		a, b := gaussian(r, m, 2, 0, 1), gaussian(r, m, 2, 0, 2)
		for i := 0; i < len(b); i += 2 {
			b[i] += 3
		}
		w, err := Wasserstein2(a, b, 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("n = %d: W2 %.4f, closed form %.4f", m, w, want)
		if m == 1000 && (math.Abs(w-want) > 0.08 || math.Abs(w-want) > prev) {
			t.Fatalf("n = %d: W2 %v, closed form %v", m, w, want)
		}
		prev = math.Abs(w - want)
	}
	if _, err := Wasserstein2(x[:10], y[:12], 2); err == nil {
		t.Fatal("samples of 5 and 6 points gave no error")
	}
	if _, err := Wasserstein2(x[:9], y[:9], 2); err == nil {
		t.Fatal("9 values as rows of 2 gave no error")
	}
	bad := slicesClone(x[:10])
	bad[3] = float32(math.NaN())
	if _, err := Wasserstein2(bad, y[:10], 2); err == nil {
		t.Fatal("a NaN point gave no error")
	}
}

func slicesClone(x []float32) []float32 { return append([]float32(nil), x...) }

// BenchmarkWasserstein2 times W2 at TorchCFM's protocol's size, 1000 points, noise against
// the 8 gaussians: the float64 cost (1M distances) and the exact assignment.
func BenchmarkWasserstein2(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	const n = 1000
	x, y := gaussian(r, n, 2, 0, 1), sample(eightGaussians{}, n, 1)
	c0 := cpuTime()
	for b.Loop() {
		if _, err := Wasserstein2(x, y, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
}
