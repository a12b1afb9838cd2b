package asm

import "math"

// This file holds ELU (alpha 1) and its gradient: the package functions, which run the current
// set's kernels, and the Go set's kernels. A set that has no ELU kernels of its own (its fields
// nil) runs eluBest's, the fastest this CPU has (elu_amd64.go sets them on AVX2 hardware).

func init() {
	goSet.BiasELU, goSet.ELUGrad = biasELUGo, eluGradGo
}

// eluBest holds the ELU kernels for sets without their own.
var eluBest = struct {
	biasELU func(z, h, b []float32)
	eluGrad func(dz, dh, h []float32)
}{biasELUGo, eluGradGo}

// eluKernels returns s's ELU kernels, or eluBest's where s has none.
func eluKernels(s *Set) (biasELU func(z, h, b []float32), eluGrad func(dz, dh, h []float32)) {
	biasELU, eluGrad = s.BiasELU, s.ELUGrad
	if biasELU == nil {
		biasELU = eluBest.biasELU
	}
	if eluGrad == nil {
		eluGrad = eluBest.eluGrad
	}
	return biasELU, eluGrad
}

// BiasELU computes z[i] += b[i], then h[i] = z[i] if z[i] > 0, else exp(z[i]) - 1, for
// i < len(z); h may be z.
func BiasELU(z, h, b []float32) {
	f, _ := eluKernels(current)
	f(z, h[:len(z)], b[:len(z)])
}

// ELUGrad computes dz[i] = dh[i] where h[i] > 0 and dh[i]*(h[i]+1) elsewhere, for i < len(dz),
// from ELU's output h; dz may be dh.
func ELUGrad(dz, dh, h []float32) {
	_, f := eluKernels(current)
	f(dz, dh[:len(dz)], h[:len(dz)])
}

// biasELUGo is Set.BiasELU with expm1 in float64, rounded once.
func biasELUGo(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		if v > 0 {
			h[i] = v
		} else {
			h[i] = float32(math.Expm1(float64(v)))
		}
	}
}

// eluGradGo is Set.ELUGrad. ELU's derivative, exp(z) for z <= 0, is h + 1.
func eluGradGo(dz, dh, h []float32) {
	dh, h = dh[:len(dz)], h[:len(dz)]
	for i, v := range h {
		if v > 0 {
			dz[i] = dh[i]
		} else {
			dz[i] = dh[i] * (v + 1)
		}
	}
}
