//go:build amd64 && gc && !purego && !noasm

package asm

import (
	"math"
	"os"
	"slices"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestAMD64Sets checks which sets an amd64 CPU gets, in which order: avx512 where cpuid reports
// AVX-512 Foundation (and the OS saves the ZMM state, which cpuid checks), then avx2-fma, which
// stays in Sets() so that the tests keep checking it on AVX-512 machines, then go. The set in use
// is the first unless FMTINY_KERNELS names another.
func TestAMD64Sets(t *testing.T) {
	var want []string
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3) {
		want = append(want, "avx512")
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		want = append(want, "avx2-fma")
	}
	want = append(want, "go")
	var got []string
	for _, s := range Sets() {
		got = append(got, s.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Sets() = %v, want %v (features %v)", got, want, cpuid.CPU.FeatureSet())
	}
	if os.Getenv(KernelsEnv) == "" && Current().Name != want[0] {
		t.Fatalf("current set %q, want %q", Current().Name, want[0])
	}
}

// TestAVX512SiLUSameBitsAsAVX2 checks the claim of silu_avx512_amd64.s: lane for lane the
// avx2-fma set's instructions, so the same bits, over TestSiLUAccuracy's sweep.
func TestAVX512SiLUSameBitsAsAVX2(t *testing.T) {
	if !hasSet("avx512") {
		t.Skip("this CPU does not run the avx512 set")
	}
	z := siluSweep()
	dh := make([]float32, len(z))
	for i := range dh {
		dh[i] = float32(math.Sin(float64(i)))
	}
	run := func(s *Set) (h, dz []float32) {
		zz := clone(z)
		h, dz = make([]float32, len(z)), make([]float32, len(z))
		s.BiasSiLU(zz, h, make([]float32, len(z)))
		s.SiLUGrad(dz, dh, z)
		return h, dz
	}
	h512, dz512 := run(&avx512Set)
	h2, dz2 := run(&avx2Set)
	if i := sameBits(h512, h2); i >= 0 {
		t.Errorf("silu(%v): avx512 %v, avx2-fma %v", z[i], h512[i], h2[i])
	}
	if i := sameBits(dz512, dz2); i >= 0 {
		t.Errorf("silu'(%v)*%v: avx512 %v, avx2-fma %v", z[i], dh[i], dz512[i], dz2[i])
	}
}

func TestAVX512RejectsShortInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"short y", func() { avx512Set.Axpy(1, make([]float32, 17), make([]float32, 16)) }},
		{"short h", func() { avx512Set.BiasSiLU(make([]float32, 17), make([]float32, 16), make([]float32, 17)) }},
		{"short g", func() {
			avx512Set.Adam(make([]float32, 17), make([]float32, 16), make([]float32, 17), make([]float32, 17), AdamScalars{})
		}},
		{"short p", func() { avx512Set.EMA(make([]float32, 17), make([]float32, 16), 0.5, 0.5) }},
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

func TestAVX512PeakCountsFlops(t *testing.T) {
	if !hasSet("avx512") {
		t.Skip("this CPU does not run the avx512 set")
	}
	if got := avx512Set.Peak(10); got != 10*24*16*2 {
		t.Fatalf("Peak(10) = %v flops, want %v", got, 10*24*16*2)
	}
	if got := avx512Set.Peak(0); got != 0 {
		t.Fatalf("Peak(0) = %v flops, want 0", got)
	}
}

// hasSet reports whether this CPU runs the named set.
func hasSet(name string) bool {
	for _, s := range Sets() {
		if s.Name == name {
			return true
		}
	}
	return false
}
