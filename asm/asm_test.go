package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// guard fills the slack around every output slice; a kernel that writes outside its slice
// changes it.
const guard = float32(-12345.678)

// guarded returns a slice of n values starting at offset off (so kernels see every alignment)
// inside a larger buffer whose other elements hold guard.
func guarded(n, off int) (buf, s []float32) {
	buf = make([]float32, n+off+16)
	for i := range buf {
		buf[i] = guard
	}
	return buf, buf[off : off+n : off+n]
}

func checkGuards(t *testing.T, buf []float32, n, off int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v != guard {
			t.Fatalf("element %d outside the output [%d, %d) was overwritten: %v", i, off, off+n, v)
		}
	}
}

func randSlice(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = (2*r.Float32() - 1) * scale
	}
	return x
}

// close reports whether got is within tol of want, relative to max(1, |want|).
func close(got, want float32, tol float64) bool {
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	return math.Abs(float64(got-want)) <= tol*math.Max(1, math.Abs(float64(want)))
}

// forEachSet runs f once for every kernel set the CPU can run other than the Go one, with that
// set current, and once for the Go set against itself so the harness is exercised everywhere.
func forEachSet(t *testing.T, f func(t *testing.T, s *Set)) {
	for _, s := range Sets() {
		t.Run(s.Name, func(t *testing.T) {
			restore, err := Use(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t, s)
		})
	}
}

var lengths = func() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 129, 255, 256, 257, 1000, 1023)
}()

func TestSetsAndUse(t *testing.T) {
	all := Sets()
	if all[len(all)-1].Name != "go" {
		t.Fatalf("the Go set must come last, got %q", all[len(all)-1].Name)
	}
	// The set in use is the best one unless FMTINY_KERNELS names another (TestChoose).
	chosen := all[0]
	for _, s := range all {
		if s.Name == os.Getenv(KernelsEnv) {
			chosen = s
		}
	}
	if Current() != chosen {
		t.Fatalf("current set %q, want %q (%s=%q)", Current().Name, chosen.Name, KernelsEnv, os.Getenv(KernelsEnv))
	}
	// Every function a set may not leave nil is there: a set assembled from another's parts
	// (avx512 takes some of avx2-fma's) must not miss one added later.
	optional := []string{"BiasELU", "ELUGrad", "WinogradIn", "WinogradOut", "WinogradGradOut", "Max4", "Bilerp", "BlockBiasAct", "RowBiasAct"}
	for _, s := range all {
		v := reflect.ValueOf(*s)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Type.Kind() == reflect.Func && v.Field(i).IsNil() && !slices.Contains(optional, f.Name) {
				t.Errorf("the %s set has no %s", s.Name, f.Name)
			}
		}
	}
	if _, err := Use("no-such-set"); err == nil {
		t.Fatal("Use accepted an unknown set")
	}
	restore, err := Use("go")
	if err != nil || Current().Name != "go" {
		t.Fatalf("Use(go): %v, current %q", err, Current().Name)
	}
	restore()
	if Current() != chosen {
		t.Fatal("restore did not bring the chosen set back")
	}
}

// TestChoose checks how FMTINY_KERNELS's value picks a set among those a CPU runs: the best
// when it is empty, the named one, and an error naming the variable, the value and the reason
// for a set the CPU cannot run or a name of no set, with the best set in use regardless.
func TestChoose(t *testing.T) {
	best, mid := &Set{Name: "avx512"}, &Set{Name: "avx2-fma"}
	runs := []*Set{best, mid, &goSet}
	for _, tc := range []struct {
		value string
		want  *Set
		err   string
	}{
		{"", best, ""},
		{"avx512", best, ""},
		{"avx2-fma", mid, ""},
		{"go", &goSet, ""},
		{"neon", best, "FMTINY_KERNELS=neon: this CPU or build cannot run the neon kernels (it runs avx512, avx2-fma, go)"},
		{"avx", best, "FMTINY_KERNELS=avx: no such kernel set (want avx512, avx2-fma, neon, go)"},
		{"AVX512", best, "FMTINY_KERNELS=AVX512: no such kernel set"},
	} {
		got, err := choose(runs, tc.value)
		if got != tc.want {
			t.Errorf("%q: chose %q, want %q", tc.value, got.Name, tc.want.Name)
		}
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.value, err, tc.err)
		}
	}
	if _, err := choose([]*Set{&goSet}, "avx512"); err == nil || !strings.Contains(err.Error(), "(it runs go)") {
		t.Errorf("avx512 on a machine of the Go set alone: %v", err)
	}
	// The process's own choice agrees with its environment.
	_, want := choose(Sets(), os.Getenv(KernelsEnv))
	if fmt.Sprint(KernelsErr()) != fmt.Sprint(want) {
		t.Errorf("KernelsErr() = %v, want %v", KernelsErr(), want)
	}
}

func TestVectorKernels(t *testing.T) {
	type unary struct {
		name string
		run  func(s *Set, x, y, z, out []float32) // out is the guarded output
		want func(x, y, z []float32, i int) float32
		tol  float64
	}
	sig := func(v float32) float64 { return 1 / (1 + math.Exp(-float64(v))) }
	const alpha = float32(-0.37)
	cases := []unary{
		{"Axpy", func(s *Set, x, y, _, out []float32) { copy(out, y); s.Axpy(alpha, x, out) },
			func(x, y, _ []float32, i int) float32 { return alpha*x[i] + y[i] }, 1e-6},
		{"AxpyTo", func(s *Set, x, y, _, out []float32) { s.AxpyTo(out, alpha, x, y) },
			func(x, y, _ []float32, i int) float32 { return alpha*x[i] + y[i] }, 1e-6},
		{"Scale", func(s *Set, x, _, _, out []float32) { copy(out, x); s.Scale(alpha, out) },
			func(x, _, _ []float32, i int) float32 { return alpha * x[i] }, 1e-7},
		{"AddBias", func(s *Set, x, y, _, out []float32) { copy(out, x); s.AddBias(out, y) },
			func(x, y, _ []float32, i int) float32 { return x[i] + y[i] }, 1e-7},
		{"BiasSiLU.z", func(s *Set, x, y, z, out []float32) { copy(out, x); s.BiasSiLU(out, z, y) },
			func(x, y, _ []float32, i int) float32 { return x[i] + y[i] }, 1e-7},
		{"BiasSiLU.h", func(s *Set, x, y, z, out []float32) { copy(z, x); s.BiasSiLU(z, out, y) },
			func(x, y, _ []float32, i int) float32 { v := x[i] + y[i]; return float32(float64(v) * sig(v)) }, 2e-6},
		{"SiLUGrad", func(s *Set, x, y, z, out []float32) { s.SiLUGrad(out, y, x) },
			func(x, y, _ []float32, i int) float32 {
				sg := sig(x[i])
				return float32(float64(y[i]) * sg * (1 + float64(x[i])*(1-sg)))
			}, 2e-6},
		{"SiLUGrad.inplace", func(s *Set, x, y, z, out []float32) { copy(out, y); s.SiLUGrad(out, out, x) },
			func(x, y, _ []float32, i int) float32 {
				sg := sig(x[i])
				return float32(float64(y[i]) * sg * (1 + float64(x[i])*(1-sg)))
			}, 2e-6},
		{"BiasReLU.h", func(s *Set, x, y, z, out []float32) { copy(z, x); s.BiasReLU(z, out, y) },
			func(x, y, _ []float32, i int) float32 { return max(x[i]+y[i], 0) }, 0},
		{"ReLUGrad", func(s *Set, x, y, z, out []float32) { s.ReLUGrad(out, y, x) },
			func(x, y, _ []float32, i int) float32 {
				if x[i] > 0 {
					return y[i]
				}
				return 0
			}, 0},
	}
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, c := range cases {
			for _, n := range lengths {
				for off := 0; off < 8; off++ {
					// Activations see values out to +-40 so exp's range reduction and its
					// saturation are both exercised.
					x, y, z := randSlice(r, n, 40), randSlice(r, n, 3), make([]float32, n)
					buf, out := guarded(n, off)
					c.run(s, x, y, z, out)
					checkGuards(t, buf, n, off)
					for i := range out {
						if want := c.want(x, y, z, i); !close(out[i], want, c.tol) {
							t.Fatalf("%s n=%d off=%d: [%d] = %v, want %v", c.name, n, off, i, out[i], want)
						}
					}
				}
			}
		}
	})
}

func TestDot(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths {
			for off := 0; off < 8; off++ {
				x, y := randSlice(r, n+off, 1)[off:], randSlice(r, n+off, 1)[off:]
				var want float64
				for i := range x {
					want += float64(x[i]) * float64(y[i])
				}
				// Summation order differs between sets: the error bound grows with n.
				if got := s.Dot(x, y); math.Abs(float64(got)-want) > 1e-6*float64(n+1) {
					t.Fatalf("Dot n=%d off=%d = %v, want %v", n, off, got, want)
				}
			}
		}
	})
}

// TestMinTwo checks every set's MinTwo against a plain pass, on random values, on many ties
// (values drawn from a few integers, so the least and the second least repeat), at every
// length up to 40 and some long ones, and every offset.
func TestMinTwo(t *testing.T) {
	plain := func(x, v []float64) (w1, w2 float64, j1 int) {
		w1, w2, j1 = math.Inf(1), math.Inf(1), -1
		for j := range x {
			if h := x[j] - v[j]; h < w1 {
				w2, w1, j1 = w1, h, j
			} else if h < w2 {
				w2 = h
			}
		}
		return
	}
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, ties := range []bool{false, true} {
			for n := 1; n < 600; n++ {
				if n > 40 && n%37 != 0 && n != 512 {
					continue
				}
				for off := 0; off < 4; off++ {
					x, v := make([]float64, n+off), make([]float64, n+off)
					for i := range x {
						x[i], v[i] = r.NormFloat64()*10, r.NormFloat64()
						if ties {
							x[i], v[i] = float64(r.IntN(4)), float64(r.IntN(2))
						}
					}
					x, v = x[off:], v[off:]
					w1, w2, j1 := s.MinTwo(x, v)
					p1, p2, pj := plain(x, v)
					if w1 != p1 || w2 != p2 || j1 != pj {
						t.Fatalf("ties %v n=%d off=%d: (%v, %v, %d), want (%v, %v, %d)", ties, n, off, w1, w2, j1, p1, p2, pj)
					}
				}
			}
		}
	})
}

func TestActivationSpecialValues(t *testing.T) {
	// Beyond |z| = 88 exp(-z) overflows float32: SIMD sets must saturate, not produce NaN.
	z := []float32{0, 1e-30, -1e-30, 1, -1, 87, -87, 89, -89, 100, -100, 1e4, -1e4, 3e38, -3e38}
	forEachSet(t, func(t *testing.T, s *Set) {
		zz := append([]float32(nil), z...)
		h := make([]float32, len(z))
		s.BiasSiLU(zz, h, make([]float32, len(z)))
		for i, v := range z {
			want := float32(float64(v) / (1 + math.Exp(-float64(v))))
			if !close(h[i], want, 2e-6) {
				t.Errorf("silu(%v) = %v, want %v", v, h[i], want)
			}
		}
	})
}

// TestActivationNonFinite checks that NaN and infinities come out of every set's activations
// as they do out of the Go set's: a diverging training run must show NaN, not garbage.
func TestActivationNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	z := []float32{nan, inf, -inf, 0, 1, -1, nan, inf, -inf}
	dh := []float32{1, 1, 1, nan, inf, -inf, 2, 2, 2}
	type outputs struct{ silu, siluGrad, relu, reluGrad []float32 }
	run := func(s *Set) outputs {
		var o outputs
		zz := append([]float32(nil), z...)
		o.silu = make([]float32, len(z))
		s.BiasSiLU(zz, o.silu, make([]float32, len(z)))
		o.siluGrad = make([]float32, len(z))
		s.SiLUGrad(o.siluGrad, dh, z)
		zz = append(zz[:0], z...)
		o.relu = make([]float32, len(z))
		s.BiasReLU(zz, o.relu, make([]float32, len(z)))
		o.reluGrad = make([]float32, len(z))
		s.ReLUGrad(o.reluGrad, dh, z)
		return o
	}
	want := run(&goSet)
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	forEachSet(t, func(t *testing.T, s *Set) {
		got := run(s)
		for i := range z {
			for _, c := range []struct {
				name      string
				got, want float32
			}{
				{"silu", got.silu[i], want.silu[i]}, {"silu'", got.siluGrad[i], want.siluGrad[i]},
				{"relu", got.relu[i], want.relu[i]}, {"relu'", got.reluGrad[i], want.reluGrad[i]},
			} {
				if !same(c.got, c.want) {
					t.Errorf("%s at z=%v, dh=%v: %v, want %v", c.name, z[i], dh[i], c.got, c.want)
				}
			}
		}
	})
}

// blockLayout is one way of handing A and B to Block: packed panels or the matrices in place.
type blockLayout struct {
	name            string
	aPacked, aTrans bool // A as PackA's panels, else row-major A or A^T with padded rows
	bPacked         bool // B as PackB's panels, else row-major B with padded rows
}

var blockLayouts = []blockLayout{
	{"packed", true, false, true},
	{"A/Bpacked", false, false, true},
	{"At/Bpacked", false, true, true},
	{"Apacked/B", true, false, false},
	{"A/B", false, false, false},
	{"At/B", false, true, false},
}

// blockOperands lays out op(A) (m x k, element (i, p) = av[i*k+p]) and B (k x n, element
// (p, j) = bv[p*n+j]) as the layout says, with pad unused values after each stored row, and
// returns Block's arguments for them. Packed panels are built here by definition, so that
// Block is tested apart from PackA and PackB.
func blockOperands(s *Set, l blockLayout, m, n, k, pad int, av, bv []float32) (a []float32, psa, rsa, csa int, b []float32, psb, rsb int) {
	switch {
	case l.aPacked:
		a = make([]float32, m*k+1)
		for i := range m {
			for p := range k {
				a[(i/s.MR)*s.MR*k+p*s.MR+i%s.MR] = av[i*k+p]
			}
		}
		psa, rsa, csa = s.MR*k, 1, s.MR
	case l.aTrans:
		lda := m + pad
		a = make([]float32, k*lda+1)
		for i := range m {
			for p := range k {
				a[p*lda+i] = av[i*k+p]
			}
		}
		psa, rsa, csa = s.MR, 1, lda
	default:
		lda := k + pad
		a = make([]float32, m*lda+1)
		for i := range m {
			for p := range k {
				a[i*lda+p] = av[i*k+p]
			}
		}
		psa, rsa, csa = s.MR*lda, lda, 1
	}
	if l.bPacked {
		b = make([]float32, n*k+1)
		for p := range k {
			for j := range n {
				b[(j/s.NR)*s.NR*k+p*s.NR+j%s.NR] = bv[p*n+j]
			}
		}
		psb, rsb = s.NR*k, s.NR
	} else {
		ldb := n + pad
		b = make([]float32, k*ldb+1)
		for p := range k {
			for j := range n {
				b[p*ldb+j] = bv[p*n+j]
			}
		}
		psb, rsb = s.NR, ldb
	}
	// Slices end right after the last element Block may read, so that a kernel reading
	// further panics in its checks or faults in neon_arm64_test.go's fenced variant.
	return a[:len(a)-1], psa, rsa, csa, b[:len(b)-1], psb, rsb
}

func TestBlock(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, l := range blockLayouts {
			for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64, 257} {
				for _, tiles := range [][2]int{{1, 1}, {0, 2}, {2, 0}, {2, 1}, {1, 3}, {3, 2}} {
					m, n := tiles[0]*s.MR, tiles[1]*s.NR
					for _, ldc := range []int{n, n + 3} {
						for _, alpha := range []float32{1, -0.75} {
							for _, acc := range []bool{false, true} {
								off := r.IntN(8)
								t.Run(fmt.Sprintf("%s/m=%d/n=%d/k=%d/ldc=%d/alpha=%v/acc=%v/off=%d", l.name, m, n, k, ldc, alpha, acc, off), func(t *testing.T) {
									checkBlockCase(t, s, r, l, m, n, k, ldc, alpha, acc, off)
								})
							}
						}
					}
				}
			}
		}
	})
}

func checkBlockCase(t *testing.T, s *Set, r *rand.Rand, l blockLayout, m, n, k, ldc int, alpha float32, acc bool, off int) {
	av, bv := randSlice(r, m*k, 1), randSlice(r, k*n, 1)
	a, psa, rsa, csa, b, psb, rsb := blockOperands(s, l, m, n, k, 3, av, bv)
	size := 0
	if m > 0 {
		size = (m-1)*ldc + n
	}
	buf, c := guarded(size, off)
	c0 := randSlice(r, size, 1)
	for i := range c0 {
		if i%ldc >= n {
			c0[i] = guard // between the rows of the block: must stay untouched
		} else if !acc {
			c0[i] = float32(math.NaN()) // the kernel must not read C
		}
	}
	copy(c, c0)
	s.Block(m, n, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc)
	checkGuards(t, buf, size, off)
	for idx, got := range c {
		i, j := idx/ldc, idx%ldc
		if j >= n {
			if got != guard {
				t.Fatalf("C[%d][%d] outside the block changed to %v", i, j, got)
			}
			continue
		}
		var want float64
		for p := range k {
			want += float64(av[i*k+p]) * float64(bv[p*n+j])
		}
		want *= float64(alpha)
		if acc {
			want += float64(c0[idx])
		}
		if math.Abs(float64(got)-want) > 1e-6*float64(k+1) {
			t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, want)
		}
	}
}

func TestBlockRejectsBadArguments(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		const k = 4
		m, n := s.MR, s.NR
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for _, tc := range []struct {
			name string
			run  func()
		}{
			{"m not a multiple of MR", func() { s.Block(m+1, n, k, 1, a, m*k, 1, m, b, n*k, n, c, n, false) }},
			{"n not a multiple of NR", func() { s.Block(m, n-1, k, 1, a, m*k, 1, m, b, n*k, n, c, n, false) }},
			{"short a", func() { s.Block(m, n, k, 1, a[1:], m*k, 1, m, b, n*k, n, c, n, false) }},
			{"short b", func() { s.Block(m, n, k, 1, a, m*k, 1, m, b[1:], n*k, n, c, n, false) }},
			{"short c", func() { s.Block(m, n, k, 1, a, m*k, 1, m, b, n*k, n, c[1:], n, true) }},
			{"ldc < n", func() { s.Block(m, n, k, 1, a, m*k, 1, m, b, n*k, n, c, n-1, true) }},
			{"negative stride", func() { s.Block(m, n, k, 1, a, m*k, -1, m, b, n*k, n, c, n, true) }},
			{"short dst", func() { s.PackA(a[1:], a, k, false, m, k) }},
			{"short x", func() { s.PackB(b, b[1:], n, false, k, n) }},
			{"lda < cols", func() { s.PackA(a, a, k-1, false, m, k) }},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: no panic", tc.name)
					}
				}()
				tc.run()
			}()
		}
	})
}

// TestDotRows checks DotRows against float64 for numbers of rows around the groups of eight
// (avx2-fma) and 16 (avx512) and beyond, every length, padded rows, alpha, acc, guards around
// y, and that each row comes out bit for bit the same when computed alone.
func TestDotRows(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 25, 31, 32, 33, 64} {
			for _, k := range []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 257} {
				for _, acc := range []bool{false, true} {
					alpha := []float32{1, -0.75}[r.IntN(2)]
					ldw, off := k+r.IntN(3), r.IntN(8)
					w := randSlice(r, max(n*ldw, 1), 1)[:max((n-1)*ldw+k, 0)]
					x := randSlice(r, k, 1)
					y0 := randSlice(r, n, 1)
					if !acc {
						for i := range y0 {
							y0[i] = float32(math.NaN()) // must not be read
						}
					}
					buf, y := guarded(n, off)
					copy(y, y0)
					s.DotRows(y, alpha, w, ldw, x, acc)
					checkGuards(t, buf, n, off)
					for j := range n {
						var want float64
						for p := range k {
							want += float64(w[j*ldw+p]) * float64(x[p])
						}
						want *= float64(alpha)
						if acc {
							want += float64(y0[j])
						}
						if math.Abs(float64(y[j])-want) > 1e-6*float64(k+1) {
							t.Fatalf("n=%d k=%d ldw=%d acc=%v: y[%d] = %v, want %v", n, k, ldw, acc, j, y[j], want)
						}
						one := []float32{y0[j]}
						s.DotRows(one, alpha, w[j*ldw:], ldw, x, acc)
						if math.Float32bits(one[0]) != math.Float32bits(y[j]) {
							t.Fatalf("n=%d k=%d: row %d alone gives %v, among the others %v", n, k, j, one[0], y[j])
						}
					}
				}
			}
		}
	})
}

// TestPack checks PackA and PackB against their definition, exactly (packing only copies),
// for every layout, with partial last panels, odd depths, padded rows, every alignment of
// dst, and guards after the panels.
func TestPack(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, trans := range []bool{false, true} {
			for w := 0; w <= 3*max(s.MR, s.NR)+1; w++ {
				for _, k := range []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 33, 64} {
					for _, pad := range []int{0, 3} {
						off := r.IntN(8)
						for _, isA := range []bool{true, false} {
							unit, name := s.NR, "PackB"
							if isA {
								unit, name = s.MR, "PackA"
							}
							// The stored matrix holds w x k (values i, p at i*ld+p) when the
							// panels gather across its rows, k x w otherwise.
							across := isA != trans
							rows, cols := k, w
							if across {
								rows, cols = w, k
							}
							ld := cols + pad
							x := randSlice(r, max(rows*ld-pad, 0), 1)
							n := (w + unit - 1) / unit * unit * k
							buf, dst := guarded(n, off)
							for i := range dst {
								dst[i] = float32(math.NaN()) // padding must be written as zeros
							}
							if isA {
								s.PackA(dst, x, ld, trans, w, k)
							} else {
								s.PackB(dst, x, ld, trans, k, w)
							}
							checkGuards(t, buf, n, off)
							for idx, got := range dst {
								q, rest := idx/(unit*k), idx%(unit*k)
								p, i := rest/unit, q*unit+rest%unit
								want := float32(0)
								if i < w {
									if across {
										want = x[i*ld+p]
									} else {
										want = x[p*ld+i]
									}
								}
								if math.Float32bits(got) != math.Float32bits(want) {
									t.Fatalf("%s trans=%v w=%d k=%d pad=%d off=%d: dst[%d] (panel %d, step %d, %d) = %v, want %v",
										name, trans, w, k, pad, off, idx, q, p, i, got, want)
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestPeak(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		if flops := s.Peak(1000); flops <= 0 {
			t.Fatalf("Peak(1000) reported %v flops", flops)
		}
	})
}

// BenchmarkPeak measures the arithmetic ceiling of every set on one thread and on two (two
// goroutines each running Peak), reporting the total GFLOP/s; GEMM's efficiency is measured
// against it.
func BenchmarkPeak(b *testing.B) {
	for _, s := range Sets() {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t=%d", s.Name, threads), func(b *testing.B) {
				const n = 1 << 20 // about 2 ms: long enough that starting a goroutine is noise
				var flops, once float64
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					var wg sync.WaitGroup
					for range threads - 1 {
						wg.Go(func() { s.Peak(n) })
					}
					once = float64(threads) * s.Peak(n)
					wg.Wait()
					flops += once
					best = min(best, time.Since(t0))
				}
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// The fastest round, which no other job interrupted, as BenchmarkGemm reports.
				b.ReportMetric(once/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}

// BenchmarkBlock measures each set's kernel as GEMM runs it: one packed panel of B kept in L1
// while 32 packed panels of A stream past it, each into its own tile of a 512-wide C, in one
// call; k = 3 is the input layer, 64 a small hidden one, 384 the depth of a cache block.
func BenchmarkBlock(b *testing.B) {
	for _, s := range Sets() {
		for _, k := range []int{3, 64, 384} {
			b.Run(fmt.Sprintf("%s/k=%d", s.Name, k), func(b *testing.B) {
				const panels, ldc = 32, 512
				m := panels * s.MR
				a := make([]float32, m*k)
				bp := make([]float32, s.NR*k)
				c := make([]float32, m*ldc)
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					s.Block(m, s.NR, k, 1, a, s.MR*k, 1, s.MR, bp, s.NR*k, s.NR, c, ldc, true)
					best = min(best, time.Since(t0))
				}
				flops := 2 * float64(m*s.NR*k)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}

// BenchmarkPack measures PackA and PackB on a 288 x 384 block of A and a 384 x 512 block of B
// (mat's cache blocks), in both layouts, as nanoseconds per packed value.
func BenchmarkPack(b *testing.B) {
	const mc, kc, nc = 288, 384, 512
	for _, s := range Sets() {
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/A/trans=%v", s.Name, trans), func(b *testing.B) {
				x, dst := make([]float32, mc*kc), make([]float32, (mc+s.MR)*kc)
				ld := kc
				if trans {
					ld = mc
				}
				benchPack(b, mc*kc, func() { s.PackA(dst, x, ld, trans, mc, kc) })
			})
			b.Run(fmt.Sprintf("%s/B/trans=%v", s.Name, trans), func(b *testing.B) {
				x, dst := make([]float32, kc*nc), make([]float32, kc*(nc+s.NR))
				ld := nc
				if trans {
					ld = kc
				}
				benchPack(b, kc*nc, func() { s.PackB(dst, x, ld, trans, kc, nc) })
			})
		}
	}
}

func benchPack(b *testing.B, values int, pack func()) {
	best := time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		pack()
		best = min(best, time.Since(t0))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(values), "ns/value")
	b.ReportMetric(float64(best.Nanoseconds())/float64(values), "best-ns/value")
}
