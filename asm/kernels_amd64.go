//go:build amd64 && gc && !purego && !noasm

package asm

import (
	"math"

	"github.com/klauspost/cpuid/v2"
)

// archSets returns the sets this CPU can run, best first (see sets in asm.go).
//
// klauspost/cpuid v2.4.2 reports AVX512F only when XGETBV says that the OS saves the opmask
// registers and both parts of the ZMM state (XCR0 bits 5, 6 and 7) besides the XMM and YMM
// state (bits 1 and 2): cpuid.go, after "Only detect AVX-512 features if XGETBV is supported".
// A kernel that does not enable AVX-512 for its processes thus leaves them the avx2-fma set.
// The avx512 set uses AVX-512 Foundation instructions alone, and AVX2 and FMA3 in the
// functions it shares with the avx2-fma set.
func archSets() []*Set {
	var s []*Set
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3) {
		s = append(s, &avx512Set)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		s = append(s, &avx2Set)
	}
	return s
}

// avx2Set is the AVX2+FMA set. Its functions are thin Go wrappers that check lengths, so a
// short slice panics as in Go instead of letting assembly run past it, around the assembly
// declared below.
var avx2Set = Set{
	Name: "avx2-fma", MR: 6, NR: 16,
	Block: func(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool) {
		checkBlock(6, 16, m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc)
		blockAVX2(m/6, n/16, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc)
	},
	PackA: func(dst, a []float32, lda int, trans bool, m, k int) {
		rows, cols := storedShape(trans, m, k)
		checkPack("PackA", 6, dst, a, lda, rows, cols, m, k)
		full := m / 6
		if k == 0 || m == 0 {
			return
		}
		if full > 0 {
			if trans {
				packDown6(dst, a, lda, full, k)
			} else {
				packAcross6(dst, a, lda, full, k)
			}
		}
		if i := 6 * full; i < m {
			if trans {
				packGo(6, dst[i*k:], a[i:], lda, false, m-i, k)
			} else {
				packGo(6, dst[i*k:], a[i*lda:], lda, true, m-i, k)
			}
		}
	},
	PackB: func(dst, b []float32, ldb int, trans bool, k, n int) {
		rows, cols := storedShape(trans, k, n)
		checkPack("PackB", 16, dst, b, ldb, rows, cols, n, k)
		full := n / 16
		if k == 0 || n == 0 {
			return
		}
		if full > 0 {
			if trans {
				packAcross16(dst, b, ldb, full, k)
			} else {
				packDown16(dst, b, ldb, full, k)
			}
		}
		if j := 16 * full; j < n {
			if trans {
				packGo(16, dst[j*k:], b[j*ldb:], ldb, true, n-j, k)
			} else {
				packGo(16, dst[j*k:], b[j:], ldb, false, n-j, k)
			}
		}
	},
	// RowBiasAct's sums in assembly, the bias and activation by the set's own pass after them
	// (so their bits are the unfused path's by construction); BlockBiasAct is left to mat's
	// passes over each block.
	RowBiasAct: func(x, b []float32, psb, n int, bias, z, h []float32, act Act) {
		checkRow(16, x, b, psb, n, bias, z, h, act)
		if n == 0 {
			return
		}
		z = z[:n]
		rowSumsAVX2(len(x), n, x, b, psb, z)
		switch act {
		case ActNone:
			addBiasAVX2(z, bias[:n])
		case ActSiLU:
			biasSiLUAVX2(z, h[:n], bias[:n])
		case ActReLU:
			biasReLUAVX2(z, h[:n], bias[:n])
		}
	},
	DotRows: func(y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool) {
		checkDotRows(y, w, ldw, x)
		if len(y) > 0 {
			dotRowsAVX2(len(y), len(x), alpha, w, ldw, x, y, acc)
		}
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
	Adam:     runAdamAVX2,
	EMA:      func(avg, p []float32, d, w float32) { emaAVX2(avg, p[:len(avg)], d, w) },
	MinTwo:   minTwoAVX2Go,
	Peak: func(n int) float64 {
		peakFMA(n)
		return 192 * float64(max(n, 0))
	},
}

// adamBlock is how many parameters adamAVX2 steps at a time, one ymm register's worth.
const adamBlock = 8

// runAdamAVX2 runs adamAVX2 over the whole blocks of p and the last len(p)%adamBlock
// parameters through a zero-padded block on the stack, so that every parameter takes the same
// vector instructions and none is read or written past the slices' ends.
func runAdamAVX2(p, g, m, v []float32, s AdamScalars) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	n := len(p) &^ (adamBlock - 1)
	adamAVX2(p[:n], g[:n], m[:n], v[:n], &s)
	if n == len(p) {
		return
	}
	var pt, gt, mt, vt [adamBlock]float32
	copy(pt[:], p[n:])
	copy(gt[:], g[n:])
	copy(mt[:], m[n:])
	copy(vt[:], v[n:])
	adamAVX2(pt[:], gt[:], mt[:], vt[:], &s)
	copy(p[n:], pt[:])
	copy(m[n:], mt[:])
	copy(v[n:], vt[:])
}

// adamAVX2 computes Set.Adam (adam_amd64.s) for len(p) a multiple of adamBlock, with g, m and
// v as long as p:
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
// every product and quotient rounded to float32 on its own (no FMA).
//
//go:noescape
func adamAVX2(p, g, m, v []float32, s *AdamScalars)

// emaAVX2 computes, with p at least as long as avg and no FMA:
//
//	for i := range avg {
//		avg[i] = d*avg[i] + w*p[i]
//	}
//
//go:noescape
func emaAVX2(avg, p []float32, d, w float32)

// blockAVX2 computes Set.Block for mt x nt tiles of 6x16 (gemm_amd64.s), with the
// arguments checked by the caller and fma(x, y, s) = x*y + s rounded once:
//
//	for j := 0; j < 16*nt; j++ {
//		for i := 0; i < 6*mt; i++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s = fma(a[(i/6)*psa+(i%6)*rsa+p*csa], b[(j/16)*psb+p*rsb+j%16], s)
//			}
//			s *= alpha
//			if acc {
//				s += c[i*ldc+j]
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func blockAVX2(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)

// rowSumsAVX2 computes the sums of Set.RowBiasAct for a row of k >= 1 values into n >= 1
// columns (row_amd64.s), arguments checked by the caller:
//
//	for j := 0; j < n; j++ {
//		s := x[0] * b[(j/16)*psb+j%16]
//		for p := 1; p < k; p++ {
//			s = fma(x[p], b[(j/16)*psb+p*16+j%16], s)
//		}
//		z[j] = s
//	}
//
//go:noescape
func rowSumsAVX2(k, n int, x, b []float32, psb int, z []float32)

// dotRowsAVX2 computes Set.DotRows for n rows of k values (dotrows_amd64.s), arguments
// checked by the caller:
//
//	for j := 0; j < n; j++ {
//		var s [8]float32
//		for p := 0; p < k; p++ {
//			s[p%8] = fma(w[j*ldw+p], x[p], s[p%8])
//		}
//		d := alpha * (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])))
//		if acc {
//			d += y[j]
//		}
//		y[j] = d
//	}
//
//go:noescape
func dotRowsAVX2(n, k int, alpha float32, w []float32, ldw int, x, y []float32, acc bool)

// packDown6 packs full panels of six columns of A^T (pack_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			copy(dst[(q*k+p)*6:][:6], a[p*lda+6*q:])
//		}
//	}
//
//go:noescape
func packDown6(dst, a []float32, lda, panels, k int)

// packAcross6 packs full panels of six rows of A (pack_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			for i := 0; i < 6; i++ {
//				dst[(q*k+p)*6+i] = a[(6*q+i)*lda+p]
//			}
//		}
//	}
//
//go:noescape
func packAcross6(dst, a []float32, lda, panels, k int)

// packDown16 packs full panels of 16 columns of B (pack_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			copy(dst[(q*k+p)*16:][:16], b[p*ldb+16*q:])
//		}
//	}
//
//go:noescape
func packDown16(dst, b []float32, ldb, panels, k int)

// packAcross16 packs full panels of 16 rows of B^T (pack_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			for j := 0; j < 16; j++ {
//				dst[(q*k+p)*16+j] = b[(16*q+j)*ldb+p]
//			}
//		}
//	}
//
//go:noescape
func packAcross16(dst, b []float32, ldb, panels, k int)

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

// minTwoAVX2Go runs the assembly over the multiple of 4 elements, four lanes each keeping its
// least two and the least's first index, merges the lanes as Go's pass would have found them
// (the first index of the least; the second least of the union), and finishes the tail in Go.
func minTwoAVX2Go(x, v []float64) (w1, w2 float64, j1 int) {
	v = v[:len(x)]
	n4 := len(x) &^ 3
	if n4 == 0 {
		return minTwoGo(x, v)
	}
	var lanes [12]uint64 // the lanes' least, second least and index of the least
	minTwoAVX2(x[:n4], v[:n4], &lanes)
	w1, w2, j1 = math.Inf(1), math.Inf(1), -1
	for k := range 4 {
		a, b, c := math.Float64frombits(lanes[k]), math.Float64frombits(lanes[4+k]), int(lanes[8+k])
		switch {
		case a < w1:
			w2, w1, j1 = min(w1, b), a, c
		case a == w1:
			w2 = a // the least occurs twice
			j1 = min(j1, c)
		default:
			w2 = min(w2, a)
		}
		w2 = min(w2, b)
	}
	return minTwoFrom(x, v, n4, w1, w2, j1)
}

// minTwoAVX2 finds, in each of the four lanes of x[j] - v[j] (j = lane mod 4, len(x) a
// positive multiple of 4), the least, the second least and the least's first index, and
// writes them to lanes[0:4], lanes[4:8] (as float64 bits) and lanes[8:12].
//
//go:noescape
func minTwoAVX2(x, v []float64, lanes *[12]uint64)
