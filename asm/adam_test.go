package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// adamCases are the step's scalars the tests run: the identities that the kernels must not
// short-cut wrongly (Clip = 1, L2 = ±0, Decay = 1) and values of real steps (the first step,
// where the bias corrections are largest, and a late one), computed as nn.Adam computes them.
var adamCases = func() []AdamScalars {
	step := func(t int, lr, clip, l2, wd float32) AdamScalars {
		const beta1, beta2 = float32(0.9), float32(0.999)
		bc1 := 1 - math.Pow(float64(beta1), float64(t))
		bc2 := 1 - math.Pow(float64(beta2), float64(t))
		return AdamScalars{Clip: clip, L2: l2, Decay: float32(1 - float64(lr)*float64(wd)),
			Beta1: beta1, Beta2: beta2,
			OneMinusBeta1: float32(1 - float64(beta1)), OneMinusBeta2: float32(1 - float64(beta2)),
			NegStep: float32(-float64(lr) / bc1), Bc2Sqrt: float32(math.Sqrt(bc2)), Eps: 1e-8}
	}
	negZero := float32(math.Copysign(0, -1))
	return []AdamScalars{
		step(1, 1e-3, 1, 0, 0),          // plain Adam, first step: Clip 1, L2 0, Decay 1
		step(1000, 1e-3, 1, negZero, 0), // L2 = -0 is no L2 term either
		step(7, 1e-2, 0.37, 0, 0),       // clipped
		step(3, 1e-3, 1, 0.01, 0),       // Adam's L2 term
		step(50, 1e-3, 0.5, 0, 0.1),     // AdamW's decoupled decay, clipped
		step(20000, 3e-4, 0.9, 0.2, 0.05),
		{Clip: 1, Decay: 1, Beta1: 0, Beta2: 0, OneMinusBeta1: 1, OneMinusBeta2: 1,
			NegStep: -1, Bc2Sqrt: 1, Eps: 1e-30}, // no memory: p -= g/|g| (or 0 for g = 0)
	}
}()

// spread returns n finite values of either sign over magnitudes from 2^-140 (subnormal) to 2^20,
// with a few signed zeros, so that every rounding and sign path of the kernels is taken.
func spread(r *rand.Rand, n int, nonNegative bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(16) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = float32(math.Copysign(0, -1))
		case 2:
			x[i] = float32(math.Ldexp(1+r.Float64(), -140+r.IntN(20))) // subnormal
		default:
			x[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(40)-20))
		}
		if !nonNegative && r.IntN(2) == 0 {
			x[i] = -x[i]
		}
	}
	return x
}

// adamLengths are the lengths the Adam and EMA tests run: every tail of the vector loops, and
// a few long slices.
var adamLengths = func() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 255, 256, 1000, 4099)
}()

// sameBits reports the first index at which got and want differ in any bit, or -1.
func sameBits(got, want []float32) int {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// TestAdam checks every set's Adam step bit for bit against the Go set, for every tail and
// alignment, with guard elements around p, m and v and the gradients left as they were.
func TestAdam(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(21, 22))
		for ci, sc := range adamCases {
			for _, n := range adamLengths {
				offs := []int{0, 1, 2, 3, 4, 5, 6, 7}
				if n > 256 {
					offs = []int{0, 3}
				}
				for _, off := range offs {
					p0, g0 := spread(r, n, false), spread(r, n, false)
					m0, v0 := spread(r, n, false), spread(r, n, true)
					wantP, wantM, wantV := clone(p0), clone(m0), clone(v0)
					goSet.Adam(wantP, clone(g0), wantM, wantV, sc)

					pBuf, p := guarded(n, off)
					mBuf, m := guarded(n, off)
					vBuf, v := guarded(n, (off+5)%8) // not aligned like the others
					gBuf, g := guarded(n, (off+2)%8)
					copy(p, p0)
					copy(m, m0)
					copy(v, v0)
					copy(g, g0)
					Adam(p, g, m, v, sc)
					for name, out := range map[string][2][]float32{"p": {p, wantP}, "m": {m, wantM}, "v": {v, wantV}, "g": {g, g0}} {
						if i := sameBits(out[0], out[1]); i >= 0 {
							t.Fatalf("case %d n=%d off=%d: %s[%d] = %v (%#08x), want %v (%#08x); p=%v g=%v m=%v v=%v",
								ci, n, off, name, i, out[0][i], math.Float32bits(out[0][i]), out[1][i], math.Float32bits(out[1][i]),
								p0[i], g0[i], m0[i], v0[i])
						}
					}
					checkGuards(t, pBuf, n, off)
					checkGuards(t, mBuf, n, off)
					checkGuards(t, vBuf, n, (off+5)%8)
					checkGuards(t, gBuf, n, (off+2)%8)
				}
			}
		}
	})
}

// TestAdamGoSemantics checks the Go set, the reference, against the step written out in
// float64 with every operation's result rounded to float32, which gives the correctly rounded
// float32 result of each +, *, / and sqrt (53 >= 2*24+2 bits): the Go set must round after
// every operation and fuse none, on every architecture.
func TestAdamGoSemantics(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	f := func(x float64) float64 { return float64(float32(x)) }
	for ci, sc := range adamCases {
		const n = 1000
		p, g, m, v := spread(r, n, false), spread(r, n, false), spread(r, n, false), spread(r, n, true)
		wantP, wantM, wantV := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range p {
			gi := f(float64(g[i]) * float64(sc.Clip))
			if sc.L2 != 0 {
				gi = f(gi + f(float64(sc.L2)*float64(p[i])))
			}
			pi := f(float64(p[i]) * float64(sc.Decay))
			mi := f(f(float64(m[i])*float64(sc.Beta1)) + f(float64(sc.OneMinusBeta1)*gi))
			vi := f(f(float64(v[i])*float64(sc.Beta2)) + f(f(float64(sc.OneMinusBeta2)*gi)*gi))
			denom := f(f(f(math.Sqrt(vi))/float64(sc.Bc2Sqrt)) + float64(sc.Eps))
			wantP[i] = float32(pi + f(f(float64(sc.NegStep)*mi)/denom))
			wantM[i], wantV[i] = float32(mi), float32(vi)
		}
		goSet.Adam(p, g, m, v, sc)
		for name, out := range map[string][2][]float32{"p": {p, wantP}, "m": {m, wantM}, "v": {v, wantV}} {
			if i := sameBits(out[0], out[1]); i >= 0 {
				t.Fatalf("case %d: %s[%d] = %v, want %v", ci, name, i, out[0][i], out[1][i])
			}
		}
	}
}

// TestEMA checks every set's moving average bit for bit against the Go set, and the Go set
// against the update with each product rounded before the sum.
func TestEMA(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(25, 26))
		for _, d := range []float32{0.999, 0.9, 0.5, 1, 0} {
			w := float32(1 - float64(d))
			for _, n := range adamLengths {
				offs := []int{0, 1, 2, 3, 4, 5, 6, 7}
				if n > 256 {
					offs = []int{0, 3}
				}
				for _, off := range offs {
					a0, p0 := spread(r, n, false), spread(r, n, false)
					want := clone(a0)
					for i := range want {
						want[i] = float32(float64(float32(float64(d)*float64(a0[i]))) + float64(float32(float64(w)*float64(p0[i]))))
					}
					goWant := clone(a0)
					goSet.EMA(goWant, p0, d, w)
					if i := sameBits(goWant, want); i >= 0 {
						t.Fatalf("Go set: d=%v n=%d: avg[%d] = %v, want %v", d, n, i, goWant[i], want[i])
					}
					aBuf, a := guarded(n, off)
					pBuf, p := guarded(n, (off+3)%8)
					copy(a, a0)
					copy(p, p0)
					EMA(a, p, d, w)
					if i := sameBits(a, want); i >= 0 {
						t.Fatalf("d=%v n=%d off=%d: avg[%d] = %v, want %v", d, n, off, i, a[i], want[i])
					}
					if i := sameBits(p, p0); i >= 0 {
						t.Fatalf("d=%v n=%d off=%d: EMA changed p[%d]", d, n, off, i)
					}
					checkGuards(t, aBuf, n, off)
					checkGuards(t, pBuf, n, (off+3)%8)
				}
			}
		}
	})
}

// TestAdamAllocates nothing: the optimizer runs every training step.
func TestAdamAllocatesNothing(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(27, 28))
		const n = 13 // a tail, which the SIMD sets run through a block on the stack
		p, g, m, v := spread(r, n, false), spread(r, n, false), spread(r, n, false), spread(r, n, true)
		sc := adamCases[4]
		if a := testing.AllocsPerRun(10, func() { Adam(p, g, m, v, sc) }); a != 0 {
			t.Errorf("Adam allocates %v times a call", a)
		}
		if a := testing.AllocsPerRun(10, func() { EMA(m, p, 0.9, 0.1) }); a != 0 {
			t.Errorf("EMA allocates %v times a call", a)
		}
	})
}

func TestAdamRejectsShortInputs(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		p := make([]float32, 9)
		short := make([]float32, 8)
		for name, f := range map[string]func(){
			"g": func() { Adam(p, short, p, p, adamCases[0]) },
			"m": func() { Adam(p, p, short, p, adamCases[0]) },
			"v": func() { Adam(p, p, p, short, adamCases[0]) },
			"p": func() { EMA(p, short, 0.9, 0.1) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("a short %s did not panic", name)
					}
				}()
				f()
			}()
		}
	})
}

// TestAdamScalarsLayout pins the offsets at which adam_amd64.s and adam_arm64.s read the
// scalars.
func TestAdamScalarsLayout(t *testing.T) {
	var s AdamScalars
	offsets := []uintptr{unsafe.Offsetof(s.Clip), unsafe.Offsetof(s.L2), unsafe.Offsetof(s.Decay),
		unsafe.Offsetof(s.Beta1), unsafe.Offsetof(s.Beta2), unsafe.Offsetof(s.OneMinusBeta1),
		unsafe.Offsetof(s.OneMinusBeta2), unsafe.Offsetof(s.NegStep), unsafe.Offsetof(s.Bc2Sqrt),
		unsafe.Offsetof(s.Eps)}
	for i, off := range offsets {
		if off != uintptr(4*i) {
			t.Fatalf("field %d of AdamScalars is at offset %d, the assembly reads it at %d", i, off, 4*i)
		}
	}
	if unsafe.Sizeof(s) != 40 {
		t.Fatalf("AdamScalars is %d bytes, the assembly expects 40", unsafe.Sizeof(s))
	}
}

func clone(x []float32) []float32 { return append([]float32(nil), x...) }

// BenchmarkAdam times one Adam step and one EMA update per set, in ns per parameter: 8192
// parameters (the 64-wide, 3-layer MLP has 8.6K) stay in L1 and L2, 1M stream from memory.
// The moments settle at g and g*g (the same gradient every step, no L2 term), so no value
// drifts into the subnormals, which cost microcode assists and no real step lives in.
func BenchmarkAdam(b *testing.B) {
	for _, s := range Sets() {
		for _, n := range []int{8192, 1 << 20} {
			r := rand.New(rand.NewPCG(29, 30))
			p, g := randSlice(r, n, 1), randSlice(r, n, 1)
			m, v := make([]float32, n), make([]float32, n)
			sc := adamCases[4]
			b.Run(fmt.Sprintf("adam/%s/n=%d", s.Name, n), func(b *testing.B) {
				for b.Loop() {
					s.Adam(p, g, m, v, sc)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/param")
			})
			b.Run(fmt.Sprintf("ema/%s/n=%d", s.Name, n), func(b *testing.B) {
				for b.Loop() {
					s.EMA(m, p, 0.999, 0.001)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/param")
			})
		}
	}
}
