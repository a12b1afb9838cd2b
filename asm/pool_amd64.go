//go:build amd64 && gc && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// The AVX2 set's pooling and upsampling loops (pool_amd64.s), also run by any other set of this
// CPU that has none of its own.
func init() {
	avx2Set.Max4 = func(dst, a, b, d, e []float32) {
		n := len(dst)
		max4AVX2(dst, a[:n], b[:n], d[:n], e[:n])
	}
	avx2Set.Bilerp = func(dst, a, b, d, e []float32, w0, w1, h0, h1 float32) {
		n := len(dst)
		w := [4]float32{w0, w1, h0, h1}
		bilerpAVX2(dst, a[:n], b[:n], d[:n], e[:n], &w)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		poolBest.max4, poolBest.bilerp = avx2Set.Max4, avx2Set.Bilerp
	}
}

// max4AVX2 computes max4Go, with a, b, d and e at least as long as dst, eight lanes at a time:
// max(x, y) is VMAXPS both ways round, ANDed (the two differ only for +0 and -0, where the AND
// is +0, and where one is NaN), then NaN where either is NaN. The last len%8 values go through a
// masked load and store.
//
//go:noescape
func max4AVX2(dst, a, b, d, e []float32)

// bilerpAVX2 computes bilerpGo with w = (w0, w1, h0, h1) and a, b, d and e at least as long as
// dst, with multiplications and additions apart (no FMA), so its bits are the Go set's.
//
//go:noescape
func bilerpAVX2(dst, a, b, d, e []float32, w *[4]float32)
