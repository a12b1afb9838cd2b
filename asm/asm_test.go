package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
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
	if Current() != all[0] {
		t.Fatalf("current set %q is not the preferred %q", Current().Name, all[0].Name)
	}
	if _, err := Use("no-such-set"); err == nil {
		t.Fatal("Use accepted an unknown set")
	}
	restore, err := Use("go")
	if err != nil || Current().Name != "go" {
		t.Fatalf("Use(go): %v, current %q", err, Current().Name)
	}
	restore()
	if Current() != all[0] {
		t.Fatal("restore did not bring the preferred set back")
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

func TestMicroKernel(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, k := range []int{0, 1, 2, 3, 7, 16, 33, 64, 256, 257} {
			for _, ldc := range []int{s.NR, s.NR + 3, 2*s.NR + 1} {
				for _, acc := range []bool{false, true} {
					t.Run(fmt.Sprintf("k=%d/ldc=%d/acc=%v", k, ldc, acc), func(t *testing.T) {
						a, b := randSlice(r, k*s.MR, 1), randSlice(r, k*s.NR, 1)
						n := (s.MR-1)*ldc + s.NR
						buf, c := guarded(n, 1)
						c0 := randSlice(r, n, 1)
						if !acc {
							// The kernel must not read C: NaN there must not leak through.
							for i := range c0 {
								c0[i] = float32(math.NaN())
							}
						}
						copy(c, c0)
						s.MicroKernel(k, a, b, c, ldc, acc)
						checkGuards(t, buf, n, 1)
						for idx, got := range c {
							i, j := idx/ldc, idx%ldc
							if j >= s.NR {
								if math.Float32bits(got) != math.Float32bits(c0[idx]) {
									t.Fatalf("C[%d][%d] outside the tile changed", i, j)
								}
								continue
							}
							var want float64
							for p := 0; p < k; p++ {
								want += float64(a[p*s.MR+i]) * float64(b[p*s.NR+j])
							}
							if acc {
								want += float64(c0[idx])
							}
							if math.Abs(float64(got)-want) > 1e-6*float64(k+1) {
								t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, want)
							}
						}
					})
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

// BenchmarkMicroKernel measures each set's micro-kernel as GEMM runs it: one packed B panel
// kept in L1 while 32 panels of A stream past it, each into its own tile of a 512-wide C.
func BenchmarkMicroKernel(b *testing.B) {
	for _, s := range Sets() {
		for _, k := range []int{3, 64, 384} {
			b.Run(fmt.Sprintf("%s/k=%d", s.Name, k), func(b *testing.B) {
				const panels, ldc = 32, 512
				a := make([]float32, panels*s.MR*k)
				bp := make([]float32, s.NR*k)
				c := make([]float32, panels*s.MR*ldc)
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					for i := 0; i < panels; i++ {
						s.MicroKernel(k, a[i*s.MR*k:], bp, c[i*s.MR*ldc:], ldc, true)
					}
					best = min(best, time.Since(t0))
				}
				flops := 2 * float64(panels*s.MR*s.NR*k)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}
