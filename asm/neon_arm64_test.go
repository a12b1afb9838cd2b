//go:build linux && gc && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

func TestNEONSelected(t *testing.T) {
	// Every AArch64 Linux kernel reports ASIMD in HWCAP; if cpuid stops seeing it, the package
	// silently runs the Go set, which only this test would notice.
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		t.Fatalf("cpuid does not report ASIMD (features %v)", cpuid.CPU.FeatureSet())
	}
	if got := Current().Name; got != "neon" {
		t.Fatalf("current set is %q, want neon", got)
	}
}

// fenced returns n float32s that end exactly where an inaccessible page begins, so a kernel that
// reads or writes even one value past the end faults instead of passing by luck.
func fenced(t *testing.T, n int) []float32 {
	t.Helper()
	page := os.Getpagesize()
	size := (4*n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap %d bytes: %v", size, err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	b := mem[size-page-4*n : size-page]
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// fill copies src into a fenced slice of the same length.
func fill(t *testing.T, src []float32) []float32 {
	dst := fenced(t, len(src))
	copy(dst, src)
	return dst
}

func TestNEONStaysInBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, l := range blockLayouts {
		for k := range 12 {
			for _, tiles := range [][2]int{{1, 1}, {2, 1}, {1, 2}} {
				m, n := tiles[0]*neonMR, tiles[1]*neonNR
				for _, acc := range []bool{false, true} {
					av, bv := randSlice(r, m*k, 1), randSlice(r, k*n, 1)
					a, psa, rsa, csa, b, psb, rsb := blockOperands(&neonSet, l, m, n, k, 1, av, bv)
					ldc := n + 1
					c0 := randSlice(r, (m-1)*ldc+n, 1)
					c := fill(t, c0)
					neonSet.Block(m, n, k, 0.5, fill(t, a), psa, rsa, csa, fill(t, b), psb, rsb, c, ldc, acc)
					for idx := range c {
						i, j := idx/ldc, idx%ldc
						want := float64(c0[idx])
						if j < n {
							var s float64
							for p := range k {
								s += float64(av[i*k+p]) * float64(bv[p*n+j])
							}
							if acc {
								want += 0.5 * s
							} else {
								want = 0.5 * s
							}
						}
						if !close(c[idx], float32(want), 1e-6*float64(k+1)) {
							t.Fatalf("%s k=%d m=%d n=%d acc=%v: c[%d] = %v, want %v", l.name, k, m, n, acc, idx, c[idx], want)
						}
					}
				}
			}
		}
	}
	for w := range 3*neonNR + 1 {
		for k := range 10 {
			for _, trans := range []bool{false, true} {
				x := randSlice(r, w*k, 1)
				ldA, ldB := k, w // PackA of A and PackB of B: the layouts without transposition
				if trans {
					ldA, ldB = w, k
				}
				neonSet.PackA(fenced(t, (w+neonMR-1)/neonMR*neonMR*k), fill(t, x), max(ldA, 1), trans, w, k)
				neonSet.PackB(fenced(t, (w+neonNR-1)/neonNR*neonNR*k), fill(t, x), max(ldB, 1), trans, k, w)
			}
		}
	}
	for n := range 40 {
		x, y, z := randSlice(r, n, 40), randSlice(r, n, 3), randSlice(r, n, 3)
		neonSet.Axpy(0.5, fill(t, x), fenced(t, n))
		neonSet.AxpyTo(fenced(t, n), 0.5, fill(t, x), fill(t, y))
		neonSet.Scale(0.5, fill(t, x))
		if got, want := neonSet.Dot(fill(t, x), fill(t, y)), goSet.Dot(x, y); !close(got, want, 1e-4) {
			t.Fatalf("Dot n=%d = %v, want %v", n, got, want)
		}
		neonSet.AddBias(fill(t, x), fill(t, y))
		neonSet.BiasSiLU(fill(t, x), fenced(t, n), fill(t, y))
		neonSet.SiLUGrad(fenced(t, n), fill(t, y), fill(t, x))
		neonSet.BiasReLU(fill(t, x), fenced(t, n), fill(t, z))
		neonSet.ReLUGrad(fenced(t, n), fill(t, y), fill(t, x))
	}
}

func TestNEONRejectsShortInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"short y", func() { neonSet.Axpy(1, make([]float32, 9), make([]float32, 8)) }},
		{"short h", func() { neonSet.BiasSiLU(make([]float32, 9), make([]float32, 8), make([]float32, 9)) }},
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
}

func TestNEONPeakCountsFlops(t *testing.T) {
	if got := neonSet.Peak(10); got != 10*24*4*2 {
		t.Fatalf("Peak(10) = %v flops, want %v", got, 10*24*4*2)
	}
	if got := neonSet.Peak(0); got != 0 {
		t.Fatalf("Peak(0) = %v flops, want 0", got)
	}
}

// BenchmarkNEONBlock times one tile over k = 256 packed steps (A and B in L1), the kernel's
// ceiling inside a GEMM; compare it with BenchmarkPeak on the same core. Under qemu the
// figure measures the emulator, not NEON.
func BenchmarkNEONBlock(b *testing.B) {
	const k = 256
	r := rand.New(rand.NewPCG(9, 10))
	a, bp := randSlice(r, k*neonMR, 1), randSlice(r, k*neonNR, 1)
	c := make([]float32, neonMR*neonNR)
	for b.Loop() {
		neonSet.Block(neonMR, neonNR, k, 1, a, neonMR*k, 1, neonMR, bp, neonNR*k, neonNR, c, neonNR, true)
	}
	b.ReportMetric(2*neonMR*neonNR*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkNEONBiasSiLU times the SiLU forward kernel on a 512-wide row, in values per second.
func BenchmarkNEONBiasSiLU(b *testing.B) {
	const n = 512
	r := rand.New(rand.NewPCG(11, 12))
	z, bias, h := randSlice(r, n, 4), randSlice(r, n, 0), make([]float32, n)
	for b.Loop() {
		neonSet.BiasSiLU(z, h, bias)
	}
	b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
