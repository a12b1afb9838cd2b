package asm

import "math"

// goSet is the plain Go implementation of every kernel: the fallback on CPUs without a SIMD set,
// the only set under the purego and noasm tags, and the reference the other sets are tested against.
var goSet = Set{
	Name: "go", MR: goMR, NR: goNR,
	MicroKernel: microKernelGo,
	Axpy:        axpyGo,
	AxpyTo:      axpyToGo,
	Scale:       scaleGo,
	Dot:         dotGo,
	AddBias:     addBiasGo,
	BiasSiLU:    biasSiLUGo,
	SiLUGrad:    siluGradGo,
	BiasReLU:    biasReLUGo,
	ReLUGrad:    reluGradGo,
	Peak:        peakGo,
}

// The Go micro-kernel's tile: 4x4 accumulators are as many as the compiler keeps in registers.
const goMR, goNR = 4, 4

func microKernelGo(k int, a, b, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:k*goMR]
	b = b[:k*goNR]
	for p := 0; p < k; p++ {
		ap := a[p*goMR : p*goMR+goMR : p*goMR+goMR]
		bp := b[p*goNR : p*goNR+goNR : p*goNR+goNR]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r0 := c[0*ldc : 0*ldc+4 : 0*ldc+4]
	r1 := c[1*ldc : 1*ldc+4 : 1*ldc+4]
	r2 := c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4 : 3*ldc+4]
	if acc {
		c00, c01, c02, c03 = c00+r0[0], c01+r0[1], c02+r0[2], c03+r0[3]
		c10, c11, c12, c13 = c10+r1[0], c11+r1[1], c12+r1[2], c13+r1[3]
		c20, c21, c22, c23 = c20+r2[0], c21+r2[1], c22+r2[2], c23+r2[3]
		c30, c31, c32, c33 = c30+r3[0], c31+r3[1], c32+r3[2], c33+r3[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
	r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
	r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func axpyToGo(dst []float32, alpha float32, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = alpha*x[i] + y[i]
	}
}

func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func addBiasGo(z, b []float32) {
	b = b[:len(z)]
	for i := range z {
		z[i] += b[i]
	}
}

// sigmoid32 is 1/(1+exp(-z)) evaluated in float64 and rounded once.
func sigmoid32(z float32) float32 { return float32(1 / (1 + math.Exp(-float64(z)))) }

func biasSiLUGo(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		h[i] = v * sigmoid32(v)
	}
}

func siluGradGo(dz, dh, z []float32) {
	dh, z = dh[:len(dz)], z[:len(dz)]
	for i := range dz {
		s := sigmoid32(z[i])
		dz[i] = dh[i] * (s * (1 + z[i]*(1-s)))
	}
}

func biasReLUGo(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		h[i] = max(v, 0)
	}
}

func reluGradGo(dz, dh, z []float32) {
	dh, z = dh[:len(dz)], z[:len(dz)]
	for i := range dz {
		if z[i] > 0 {
			dz[i] = dh[i]
		} else {
			dz[i] = 0
		}
	}
}

// peakGo runs eight independent multiply-add chains, which is as much as plain Go can overlap.
func peakGo(n int) float64 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32 = 1, 2, 3, 4, 5, 6, 7, 8
	const m, d = 0.999999, 1e-7
	for i := 0; i < n; i++ {
		a0 = a0*m + d
		a1 = a1*m + d
		a2 = a2*m + d
		a3 = a3*m + d
		a4 = a4*m + d
		a5 = a5*m + d
		a6 = a6*m + d
		a7 = a7*m + d
	}
	sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
	return 16 * float64(n)
}

// sink keeps the compiler from deleting Peak's loop.
var sink float32
