//go:build amd64 && gc && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// The AVX2+FMA set's ELU kernels (elu_amd64.s), also run by any other set of this CPU that has
// none of its own.
func init() {
	avx2Set.BiasELU = func(z, h, b []float32) { biasELUAVX2(z, h[:len(z)], b[:len(z)]) }
	avx2Set.ELUGrad = func(dz, dh, h []float32) { eluGradAVX2(dz, dh[:len(dz)], h[:len(dz)]) }
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		eluBest.biasELU, eluBest.eluGrad = avx2Set.BiasELU, avx2Set.ELUGrad
	}
}

// biasELUAVX2 computes, with h and b at least as long as z (h may be z):
//
//	for i := range z {
//		z[i] += b[i]
//		if z[i] > 0 {
//			h[i] = z[i]
//		} else {
//			h[i] = expm1(z[i])
//		}
//	}
//
// with expm1 within 0.6 ulp (TestELUAccuracy) and -1 below z = -88.
//
//go:noescape
func biasELUAVX2(z, h, b []float32)

// eluGradAVX2 computes, with dh and h at least as long as dz (dz may be dh):
//
//	for i := range dz {
//		if h[i] > 0 {
//			dz[i] = dh[i]
//		} else {
//			dz[i] = dh[i] * (h[i] + 1)
//		}
//	}
//
//go:noescape
func eluGradAVX2(dz, dh, h []float32)
