package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// eluWorstULP is each set's worst error in TestELUAccuracy's sweep, in float32 ulps of the
// result, as measured, rounded up: a set may get faster, not less accurate. Sets without ELU
// kernels of their own run another set's and are not listed.
var eluWorstULP = map[string]float64{
	"go":       0.48,
	"avx2-fma": 0.59,
}

// TestELUAccuracy sweeps z (siluSweep: [-100, 100] finely, every power of two, signed zeros and
// the extremes) through every set's BiasELU and bounds its error against float64's expm1 by
// 2 ulps of the result, or by 1e-37 where the result underflows; each set's worst error must
// also stay within its eluWorstULP entry. The bias is split off z, so the sum is exact.
func TestELUAccuracy(t *testing.T) {
	z := siluSweep()
	const ulp = 0x1p-23
	forEachSet(t, func(t *testing.T, s *Set) {
		biasELU, _ := eluKernels(s)
		zz := append([]float32(nil), z...)
		b := make([]float32, len(z))
		h := make([]float32, len(z))
		biasELU(zz, h, b)
		worst := 0.0
		for i, v := range z {
			want := float64(v)
			if v <= 0 {
				want = math.Expm1(float64(v))
			}
			if zz[i] != v {
				t.Fatalf("z[%d] = %v changed to %v", i, v, zz[i])
			}
			scale := math.Max(math.Abs(want), 1e-37/ulp)
			e := math.Abs(float64(h[i])-want) / (scale * ulp)
			if math.IsInf(want, 0) && float64(h[i]) == want {
				e = 0
			}
			if e > 2 {
				t.Errorf("elu(%v) = %v, want %v (%.2f ulp)", v, h[i], want, e)
			}
			worst = math.Max(worst, e)
		}
		t.Logf("%s: worst error %.3f ulp", s.Name, worst)
		if w, ok := eluWorstULP[s.Name]; ok && worst > w {
			t.Errorf("%s: worst error %.3f ulp, more than the %.2f measured before", s.Name, worst, w)
		}
	})
}

// TestELUKernels checks BiasELU (both outputs, and h aliasing z) and ELUGrad (exactly the Go
// set's values, and dz aliasing dh) on every length and alignment with guards around the
// outputs, and the non-finite values against the Go set's.
func TestELUKernels(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	special := []float32{nan, inf, -inf, 0, float32(math.Copysign(0, -1)), 1, -1, -88, -89, 1e-30, -1e-30, float32(-math.NaN())}
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	forEachSet(t, func(t *testing.T, s *Set) {
		biasELU, eluGrad := eluKernels(s)
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths {
			for off := 0; off < 8; off++ {
				x, b, dh := randSlice(r, n, 40), randSlice(r, n, 3), randSlice(r, n, 2)
				for i := range x {
					if r.IntN(9) == 0 {
						x[i] = special[r.IntN(len(special))]
					}
				}
				// Forward: z and h apart, then h = z.
				bufZ, zz := guarded(n, off)
				bufH, h := guarded(n, 7-off)
				copy(zz, x)
				biasELU(zz, h, b)
				checkGuards(t, bufZ, n, off)
				checkGuards(t, bufH, n, 7-off)
				wantZ, wantH := append([]float32(nil), x...), make([]float32, n)
				biasELUGo(wantZ, wantH, b)
				for i := range h {
					if !same(zz[i], wantZ[i]) || !same(h[i], wantH[i]) && !close(h[i], wantH[i], 4e-7) {
						t.Fatalf("n=%d off=%d: z+b=%v elu=%v, want %v and %v", n, off, zz[i], h[i], wantZ[i], wantH[i])
					}
				}
				copy(zz, x)
				biasELU(zz, zz, b)
				for i := range zz {
					if !same(zz[i], h[i]) {
						t.Fatalf("n=%d off=%d: in place %v, apart %v", n, off, zz[i], h[i])
					}
				}
				// Gradient, from the output h, exactly the Go set's.
				bufD, dz := guarded(n, off)
				eluGrad(dz, dh, h)
				checkGuards(t, bufD, n, off)
				want := make([]float32, n)
				eluGradGo(want, dh, h)
				for i := range dz {
					if !same(dz[i], want[i]) || math.Signbit(float64(dz[i])) != math.Signbit(float64(want[i])) && dz[i] == dz[i] {
						t.Fatalf("n=%d off=%d: grad at h=%v dh=%v is %v, want %v", n, off, h[i], dh[i], dz[i], want[i])
					}
				}
				copy(dz, dh)
				eluGrad(dz, dz, h)
				for i := range dz {
					if !same(dz[i], want[i]) {
						t.Fatalf("n=%d off=%d: grad in place %v, want %v", n, off, dz[i], want[i])
					}
				}
			}
		}
	})
}

// TestELUPackageFunctions checks that BiasELU and ELUGrad run the current set's kernels, or
// the best ones for a set without any.
func TestELUPackageFunctions(t *testing.T) {
	z, h, b := []float32{-1, 2}, make([]float32, 2), []float32{0.5, 0}
	BiasELU(z, h, b)
	if z[0] != -0.5 || !close(h[0], float32(math.Expm1(-0.5)), 4e-7) || h[1] != 2 {
		t.Fatalf("BiasELU: z %v, h %v", z, h)
	}
	dz := make([]float32, 2)
	ELUGrad(dz, []float32{3, 3}, h)
	if dz[0] != 3*(h[0]+1) || dz[1] != 3 {
		t.Fatalf("ELUGrad: %v", dz)
	}
	bare := Set{Name: "bare"}
	f, g := eluKernels(&bare)
	if f == nil || g == nil {
		t.Fatal("a set without ELU kernels gets none")
	}
}
