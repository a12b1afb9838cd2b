//go:build arm64 && gc && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// The NEON micro-kernel's tile. AArch64 has 32 vector registers of four float32: an 8x12 tile
// keeps its 96 sums in 24 of them and one k step of A (8 values, 2 registers) and B (12 values,
// 3 registers) in 5 more. That is the largest MR*NR/(MR+NR), the flops per value loaded, that
// fits (12x8 ties; 8x16 would need all 32 registers for the sums alone).
const neonMR, neonNR = 8, 12

// siluBlock is how many values the sigmoid kernels take per iteration: two vectors, so the two
// dependency chains of exp's polynomial overlap on in-order cores.
const siluBlock = 8

// neonSet is the AArch64 Advanced SIMD implementation of every kernel.
var neonSet = Set{
	Name: "neon", MR: neonMR, NR: neonNR,
	Block:    blockNEON,
	PackA:    packANEON,
	PackB:    packBNEON,
	DotRows:  dotRowsNEON,
	Axpy:     axpyNEON,
	AxpyTo:   axpyToNEON,
	Scale:    scaleNEON,
	Dot:      dotNEON,
	AddBias:  addBiasNEON,
	BiasSiLU: biasSiLUNEON,
	SiLUGrad: siluGradNEON,
	BiasReLU: biasReLUNEON,
	ReLUGrad: reluGradNEON,
	Adam:     adamNEON,
	EMA:      emaNEON,
	MinTwo:   minTwoGo, // no NEON kernel yet
	Peak:     peakNEON,
}

// archSets returns the sets this CPU can run, best first (see sets in asm.go).
func archSets() []*Set {
	// On Linux cpuid takes ASIMD from the HWCAP word of the auxiliary vector (which qemu-user
	// fills in too) and, where HWCAP_CPUID allows, from ID_AA64PFR0_EL1. Cores without
	// Advanced SIMD, which Go's own runtime would not run on, keep the Go set.
	if cpuid.CPU.Supports(cpuid.ASIMD) {
		return []*Set{&neonSet}
	}
	return nil
}

// The wrappers below slice their arguments to the lengths the assembly will touch, so a caller
// that hands over too little gets the same panic as from the Go set instead of a stray write.

// blockNEON checks the arguments and runs the variant of the kernel that loads A's steps as
// vectors when A's rows are adjacent (rsa = 1: packed panels, or A^T in place), one lane at a
// time otherwise.
func blockNEON(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool) {
	checkBlock(neonMR, neonNR, m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc)
	if rsa == 1 {
		blockNEONVec(m/neonMR, n/neonNR, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc)
	} else {
		blockNEONLanes(m/neonMR, n/neonNR, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc)
	}
}

// packANEON packs the full panels in assembly and a partial last one with the Go set's code.
func packANEON(dst, a []float32, lda int, trans bool, m, k int) {
	rows, cols := storedShape(trans, m, k)
	checkPack("PackA", neonMR, dst, a, lda, rows, cols, m, k)
	if m == 0 || k == 0 {
		return
	}
	full := m / neonMR
	if full > 0 {
		if trans {
			packDown8(dst, a, lda, full, k)
		} else {
			packAcross8(dst, a, lda, full, k)
		}
	}
	if i := neonMR * full; i < m {
		if trans {
			packGo(neonMR, dst[i*k:], a[i:], lda, false, m-i, k)
		} else {
			packGo(neonMR, dst[i*k:], a[i*lda:], lda, true, m-i, k)
		}
	}
}

// packBNEON is packANEON for B's panels of neonNR columns.
func packBNEON(dst, b []float32, ldb int, trans bool, k, n int) {
	rows, cols := storedShape(trans, k, n)
	checkPack("PackB", neonNR, dst, b, ldb, rows, cols, n, k)
	if n == 0 || k == 0 {
		return
	}
	full := n / neonNR
	if full > 0 {
		if trans {
			packAcross12(dst, b, ldb, full, k)
		} else {
			packDown12(dst, b, ldb, full, k)
		}
	}
	if j := neonNR * full; j < n {
		if trans {
			packGo(neonNR, dst[j*k:], b[j*ldb:], ldb, true, n-j, k)
		} else {
			packGo(neonNR, dst[j*k:], b[j:], ldb, false, n-j, k)
		}
	}
}

// dotRowsNEON takes one NEON dot product per row.
func dotRowsNEON(y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool) {
	checkDotRows(y, w, ldw, x)
	dotRowsWith(dotNEONAsm, y, alpha, w, ldw, x, acc)
}

func axpyNEON(alpha float32, x, y []float32) { axpyNEONAsm(alpha, x, y[:len(x)]) }

func axpyToNEON(dst []float32, alpha float32, x, y []float32) {
	axpyToNEONAsm(dst, alpha, x[:len(dst)], y[:len(dst)])
}

func scaleNEON(alpha float32, x []float32) { scaleNEONAsm(alpha, x) }

func dotNEON(x, y []float32) float32 { return dotNEONAsm(x, y[:len(x)]) }

func addBiasNEON(z, b []float32) { addBiasNEONAsm(z, b[:len(z)]) }

func biasReLUNEON(z, h, b []float32) { biasReLUNEONAsm(z, h[:len(z)], b[:len(z)]) }

func reluGradNEON(dz, dh, z []float32) { reluGradNEONAsm(dz, dh[:len(dz)], z[:len(dz)]) }

// biasSiLUNEON runs the assembly on whole blocks and the last len(z)%siluBlock values through
// a zero-padded block on the stack, so every value goes through the same vector code.
func biasSiLUNEON(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	n := len(z) &^ (siluBlock - 1)
	biasSiLUNEONAsm(z[:n], h[:n], b[:n])
	if n == len(z) {
		return
	}
	var zt, ht, bt [siluBlock]float32
	copy(zt[:], z[n:])
	copy(bt[:], b[n:])
	biasSiLUNEONAsm(zt[:], ht[:], bt[:])
	copy(z[n:], zt[:])
	copy(h[n:], ht[:])
}

// siluGradNEON is to siluGradNEONAsm what biasSiLUNEON is to biasSiLUNEONAsm.
func siluGradNEON(dz, dh, z []float32) {
	dh, z = dh[:len(dz)], z[:len(dz)]
	n := len(dz) &^ (siluBlock - 1)
	siluGradNEONAsm(dz[:n], dh[:n], z[:n])
	if n == len(dz) {
		return
	}
	var dzt, dht, zt [siluBlock]float32
	copy(dht[:], dh[n:])
	copy(zt[:], z[n:])
	siluGradNEONAsm(dzt[:], dht[:], zt[:])
	copy(dz[n:], dzt[:])
}

// adamBlock is how many parameters adamNEONAsm steps at a time: two vectors, whose
// dependency chains overlap on in-order cores.
const adamBlock = 8

// adamNEON runs adamNEONAsm over the whole blocks of p and the last len(p)%adamBlock
// parameters through a zero-padded block on the stack, so that every parameter takes the same
// vector instructions and none is read or written past the slices' ends.
func adamNEON(p, g, m, v []float32, s AdamScalars) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	n := len(p) &^ (adamBlock - 1)
	adamNEONAsm(p[:n], g[:n], m[:n], v[:n], &s)
	if n == len(p) {
		return
	}
	var pt, gt, mt, vt [adamBlock]float32
	copy(pt[:], p[n:])
	copy(gt[:], g[n:])
	copy(mt[:], m[n:])
	copy(vt[:], v[n:])
	adamNEONAsm(pt[:], gt[:], mt[:], vt[:], &s)
	copy(p[n:], pt[:])
	copy(m[n:], mt[:])
	copy(v[n:], vt[:])
}

func emaNEON(avg, p []float32, d, w float32) { emaNEONAsm(avg, p[:len(avg)], d, w) }

// peakFlopsPerIter is what one iteration of peakNEONAsm computes: 24 fmla of 4 lanes, 2 flops each.
const peakFlopsPerIter = 24 * 4 * 2

func peakNEON(n int) float64 {
	if n <= 0 {
		return 0
	}
	peakNEONAsm(n)
	return peakFlopsPerIter * float64(n)
}

// blockNEONVec computes Set.Block for mt x nt tiles of 8x12 (gemm_arm64.s), arguments
// checked by the caller, with A's rows adjacent (rsa = 1):
//
//	for j := 0; j < 12*nt; j++ {
//		for i := 0; i < 8*mt; i++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s = fma(a[(i/8)*psa+(i%8)*rsa+p*csa], b[(j/12)*psb+p*rsb+j%12], s)
//			}
//			s *= alpha
//			if acc {
//				s += c[i*ldc+j]
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
// where fma(x, y, s) is x*y + s rounded once.
//
//go:noescape
func blockNEONVec(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)

// blockNEONLanes computes what blockNEONVec does for any rsa, loading A one value at a time.
//
//go:noescape
func blockNEONLanes(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)

// packDown8 packs full panels of eight columns of A^T (pack_arm64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			copy(dst[(q*k+p)*8:][:8], x[p*ld+8*q:])
//		}
//	}
//
//go:noescape
func packDown8(dst, x []float32, ld, panels, k int)

// packDown12 packs full panels of 12 columns of B, as packDown8 does eight.
//
//go:noescape
func packDown12(dst, x []float32, ld, panels, k int)

// packAcross8 packs full panels of eight rows of A (pack_arm64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			for i := 0; i < 8; i++ {
//				dst[(q*k+p)*8+i] = x[(8*q+i)*ld+p]
//			}
//		}
//	}
//
//go:noescape
func packAcross8(dst, x []float32, ld, panels, k int)

// packAcross12 packs full panels of 12 rows of B^T, as packAcross8 does eight.
//
//go:noescape
func packAcross12(dst, x []float32, ld, panels, k int)

// axpyNEONAsm computes, with len(y) >= len(x),
//
//	for i, v := range x {
//		y[i] += alpha * v
//	}
//
//go:noescape
func axpyNEONAsm(alpha float32, x, y []float32)

// axpyToNEONAsm computes, with len(x), len(y) >= len(dst),
//
//	for i := range dst {
//		dst[i] = alpha*x[i] + y[i]
//	}
//
//go:noescape
func axpyToNEONAsm(dst []float32, alpha float32, x, y []float32)

// scaleNEONAsm computes
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func scaleNEONAsm(alpha float32, x []float32)

// dotNEONAsm returns, with len(y) >= len(x) and in a different order of summation,
//
//	var s float32
//	for i, v := range x {
//		s += v * y[i]
//	}
//	return s
//
//go:noescape
func dotNEONAsm(x, y []float32) float32

// addBiasNEONAsm computes, with len(b) >= len(z),
//
//	for i := range z {
//		z[i] += b[i]
//	}
//
//go:noescape
func addBiasNEONAsm(z, b []float32)

// biasReLUNEONAsm computes, with len(h), len(b) >= len(z),
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = max(z[i], 0)
//	}
//
//go:noescape
func biasReLUNEONAsm(z, h, b []float32)

// reluGradNEONAsm computes, with len(dh), len(z) >= len(dz) and dz possibly aliasing dh,
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
func reluGradNEONAsm(dz, dh, z []float32)

// biasSiLUNEONAsm computes, for i < len(z)/8*8 with len(h), len(b) >= len(z),
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = z[i] / (1 + exp(-z[i]))
//	}
//
// where exp is a vector expf accurate to about 1e-7 relative, whose argument is clamped to
// [-87.34, 89] so that h is z for large z and -0 for large -z (exp(-z) is +Inf from 88.38 on).
//
//go:noescape
func biasSiLUNEONAsm(z, h, b []float32)

// siluGradNEONAsm computes, for i < len(dz)/8*8 with len(dh), len(z) >= len(dz) and dz
// possibly aliasing dh,
//
//	for i := range dz {
//		s := 1 / (1 + exp(-z[i]))
//		dz[i] = dh[i] * (s * (1 + z[i]*(1-s)))
//	}
//
// with the same exp as biasSiLUNEONAsm.
//
//go:noescape
func siluGradNEONAsm(dz, dh, z []float32)

// peakNEONAsm runs n > 0 iterations of 24 independent vector fmla chains and touches no memory:
//
//	for i := 0; i < n; i++ {
//		for j := range acc { // 24 registers of 4 lanes
//			acc[j] += m * m
//		}
//	}
//
//go:noescape
func peakNEONAsm(n int)

// adamNEONAsm computes Set.Adam (adam_arm64.s) for len(p) a multiple of adamBlock, with g, m
// and v as long as p:
//
//	for i := range p {
//		gi := g[i] * s.Clip
//		if s.L2 != 0 {
//			gi += s.L2 * p[i]
//		}
//		pi := p[i] * s.Decay
//		m[i] = m[i]*s.Beta1 + s.OneMinusBeta1*gi
//		v[i] = v[i]*s.Beta2 + s.OneMinusBeta2*gi*gi
//		p[i] = pi + s.NegStep*m[i]/(sqrt(v[i])/s.Bc2Sqrt+s.Eps)
//	}
//
// every product and quotient rounded to float32 on its own (fmul and fadd, no fmla).
//
//go:noescape
func adamNEONAsm(p, g, m, v []float32, s *AdamScalars)

// emaNEONAsm computes, with p at least as long as avg and no fmla:
//
//	for i := range avg {
//		avg[i] = d*avg[i] + w*p[i]
//	}
//
//go:noescape
func emaNEONAsm(avg, p []float32, d, w float32)
