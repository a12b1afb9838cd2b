//go:build linux && gc && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"testing"

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
