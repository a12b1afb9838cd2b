//go:build amd64 && gc && !purego && !noasm

package asm

import (
	"fmt"

	"github.com/klauspost/cpuid/v2"
)

func init() {
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		register(&avx2Set)
	}
}

// avx2Set is the AVX2+FMA set. Its functions are thin Go wrappers that check lengths, so a
// short slice panics as in Go instead of letting assembly run past it, around the assembly
// declared below.
var avx2Set = Set{
	Name: "avx2-fma", MR: 6, NR: 16,
	MicroKernel: func(k int, a, b, c []float32, ldc int, acc bool) {
		if k < 0 || len(a) < 6*k || len(b) < 16*k || ldc < 16 || len(c) < 5*ldc+16 {
			panic(fmt.Sprintf("asm: micro-kernel with k=%d, len(a)=%d, len(b)=%d, len(c)=%d, ldc=%d", k, len(a), len(b), len(c), ldc))
		}
		microKernel6x16(k, a, b, c, ldc, acc)
	},
	Axpy:   func(alpha float32, x, y []float32) { axpyAVX2(alpha, x, y[:len(x)]) },
	AxpyTo: func(dst []float32, alpha float32, x, y []float32) { axpyToAVX2(dst, alpha, x[:len(dst)], y[:len(dst)]) },
	Scale:  scaleAVX2,
	Dot:    func(x, y []float32) float32 { return dotAVX2(x, y[:len(x)]) },
	AddBias: func(z, b []float32) {
		addBiasAVX2(z, b[:len(z)])
	},
	BiasSiLU: func(z, h, b []float32) { biasSiLUAVX2(z, h[:len(z)], b[:len(z)]) },
	SiLUGrad: func(dz, dh, z []float32) { siluGradAVX2(dz, dh[:len(dz)], z[:len(dz)]) },
	BiasReLU: func(z, h, b []float32) { biasReLUAVX2(z, h[:len(z)], b[:len(z)]) },
	ReLUGrad: func(dz, dh, z []float32) { reluGradAVX2(dz, dh[:len(dz)], z[:len(dz)]) },
	Peak: func(n int) float64 {
		peakFMA(n)
		return 192 * float64(max(n, 0))
	},
}

// microKernel6x16 computes the 6x16 tile of C at c (row stride ldc) from packed panels, a
// holding k*6 values and b k*16, where fma(x, y, s) is x*y + s rounded once:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s = fma(a[p*6+i], b[p*16+j], s)
//			}
//			if acc {
//				s += c[i*ldc+j]
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func microKernel6x16(k int, a, b, c []float32, ldc int, acc bool)

// axpyAVX2 computes, with y at least as long as x:
//
//	for i, v := range x {
//		y[i] = fma(alpha, v, y[i])
//	}
//
//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

// axpyToAVX2 computes, with x and y at least as long as dst:
//
//	for i := range dst {
//		dst[i] = fma(alpha, x[i], y[i])
//	}
//
//go:noescape
func axpyToAVX2(dst []float32, alpha float32, x, y []float32)

// scaleAVX2 computes:
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func scaleAVX2(alpha float32, x []float32)

// dotAVX2 returns, with y at least as long as x, the sum of x[i]*y[i] accumulated in 32
// interleaved partial sums (s[i%32] = fma(x[i], y[i], s[i%32]) over the 32-wide part, the rest
// into s[i%8]), added together at the end:
//
//	var s float32
//	for i, v := range x {
//		s += v * y[i]
//	}
//	return s
//
//go:noescape
func dotAVX2(x, y []float32) float32

// addBiasAVX2 computes, with b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//	}
//
//go:noescape
func addBiasAVX2(z, b []float32)

// biasSiLUAVX2 computes, with h and b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = z[i] * sigmoid(z[i])
//	}
//
//go:noescape
func biasSiLUAVX2(z, h, b []float32)

// siluGradAVX2 computes, with dh and z at least as long as dz (dz may be dh):
//
//	for i := range dz {
//		s := sigmoid(z[i])
//		dz[i] = dh[i] * s * (1 + z[i]*(1-s))
//	}
//
//go:noescape
func siluGradAVX2(dz, dh, z []float32)

// biasReLUAVX2 computes, with h and b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = max(z[i], 0)
//	}
//
//go:noescape
func biasReLUAVX2(z, h, b []float32)

// reluGradAVX2 computes, with dh and z at least as long as dz (dz may be dh):
//
//	for i := range dz {
//		if z[i] > 0 {
//			dz[i] = dh[i]
//		} else {
//			dz[i] = 0
//		}
//	}
//
//go:noescape
func reluGradAVX2(dz, dh, z []float32)

// peakFMA runs n iterations of twelve independent chains x = fma(x, m, d) on eight lanes each,
// in registers only: 192 flops an iteration.
//
//go:noescape
func peakFMA(n int)
