//go:build amd64 && gc && !purego && !noasm

package asm

// The AVX-512 tile: 6 rows of A by 64 columns of B, four zmm vectors a row (gemm_avx512_amd64.s
// says why this shape and what the others measured).
const avx512MR, avx512NR = 6, 64

// avx512Set is the AVX-512 set: 16 lanes a vector, 32 vector registers, and opmask registers
// that load and store the last len%16 values of a slice without touching memory past it. As in
// avx2Set, thin Go wrappers check lengths around the assembly declared below.
var avx512Set = Set{
	Name: "avx512", MR: avx512MR, NR: avx512NR,
	Block: func(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool) {
		checkBlock(avx512MR, avx512NR, m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc)
		blockAVX512(m/avx512MR, n/avx512NR, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc, nil, nil, 0, 0)
	},
	BlockBiasAct: func(m, n, k int, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, bias []float32, act Act, h []float32, ldh int) {
		checkBlock(avx512MR, avx512NR, m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc)
		checkEpilogue(m, n, bias, act, h, ldh)
		if m == 0 || n == 0 {
			return
		}
		blockAVX512(m/avx512MR, n/avx512NR, k, 1, a, psa, rsa, csa, b, psb, rsb, c, ldc, false, bias, h, ldh, int(act))
	},
	RowBiasAct: func(x, b []float32, psb, n int, bias, z, h []float32, act Act) {
		checkRow(avx512NR, x, b, psb, n, bias, z, h, act)
		if act == ActNone {
			h = z
		}
		if n > 0 {
			rowAVX512(len(x), n, x, b, psb, bias, z, h, int(act))
		}
	},
	// PackA's panels of six rows are the avx2-fma set's: its copies of six values a step are
	// bound by the loads and stores, which wider registers do not make fewer.
	PackA: avx2Set.PackA,
	PackB: func(dst, b []float32, ldb int, trans bool, k, n int) {
		rows, cols := storedShape(trans, k, n)
		checkPack("PackB", avx512NR, dst, b, ldb, rows, cols, n, k)
		full := n / avx512NR
		if k == 0 || n == 0 {
			return
		}
		if full > 0 {
			if trans {
				packAcross64(dst, b, ldb, full, k)
			} else {
				packDown64(dst, b, ldb, full, k)
			}
		}
		if j := avx512NR * full; j < n {
			if trans {
				packGo(avx512NR, dst[j*k:], b[j*ldb:], ldb, true, n-j, k)
			} else {
				packGo(avx512NR, dst[j*k:], b[j:], ldb, false, n-j, k)
			}
		}
	},
	DotRows: func(y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool) {
		checkDotRows(y, w, ldw, x)
		if len(y) > 0 {
			dotRowsAVX512(len(y), len(x), alpha, w, ldw, x, y, acc)
		}
	},
	Axpy: func(alpha float32, x, y []float32) { axpyAVX512(alpha, x, y[:len(x)]) },
	AxpyTo: func(dst []float32, alpha float32, x, y []float32) {
		axpyToAVX512(dst, alpha, x[:len(dst)], y[:len(dst)])
	},
	Scale:    scaleAVX512,
	Dot:      func(x, y []float32) float32 { return dotAVX512(x, y[:len(x)]) },
	AddBias:  func(z, b []float32) { addBiasAVX512(z, b[:len(z)]) },
	BiasSiLU: func(z, h, b []float32) { biasSiLUAVX512(z, h[:len(z)], b[:len(z)]) },
	SiLUGrad: func(dz, dh, z []float32) { siluGradAVX512(dz, dh[:len(dz)], z[:len(dz)]) },
	BiasReLU: func(z, h, b []float32) { biasReLUAVX512(z, h[:len(z)], b[:len(z)]) },
	ReLUGrad: func(dz, dh, z []float32) { reluGradAVX512(dz, dh[:len(dz)], z[:len(dz)]) },
	Adam: func(p, g, m, v []float32, s AdamScalars) {
		adamAVX512(p, g[:len(p)], m[:len(p)], v[:len(p)], &s)
	},
	EMA: func(avg, p []float32, d, w float32) { emaAVX512(avg, p[:len(avg)], d, w) },
	// The auction's scans of float64 costs are the avx2-fma set's: wider registers would only
	// halve a scan that is a quarter of the exact plan's time.
	MinTwo: minTwoAVX2Go,
	Peak: func(n int) float64 {
		peakAVX512(n)
		return 768 * float64(max(n, 0))
	},
}

// blockAVX512 computes Set.Block for mt x nt tiles of 6x64 (gemm_avx512_amd64.s), with the
// arguments checked by the caller and fma(x, y, s) = x*y + s rounded once:
//
//	for j := 0; j < 64*nt; j++ {
//		for i := 0; i < 6*mt; i++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s = fma(a[(i/6)*psa+(i%6)*rsa+p*csa], b[(j/64)*psb+p*rsb+j%64], s)
//			}
//			s *= alpha
//			if acc {
//				s += c[i*ldc+j]
//			}
//			if bias != nil { // acc is false
//				s += bias[j]
//			}
//			c[i*ldc+j] = s
//			if act != 0 { // 1: SiLU, 2: ReLU, as biasSiLUAVX512 and biasReLUAVX512
//				h[i*ldh+j] = activation(act, s)
//			}
//		}
//	}
//
//go:noescape
func blockAVX512(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool, bias, h []float32, ldh, act int)

// rowAVX512 computes Set.RowBiasAct for a row of k >= 1 values into n >= 1 columns
// (row_avx512_amd64.s), arguments checked by the caller, h = z when act is 0:
//
//	for j := 0; j < n; j++ {
//		s := x[0] * b[(j/64)*psb+j%64]
//		for p := 1; p < k; p++ {
//			s = fma(x[p], b[(j/64)*psb+p*64+j%64], s)
//		}
//		s += bias[j]
//		z[j] = s
//		if act != 0 { // 1: SiLU, 2: ReLU, as biasSiLUAVX512 and biasReLUAVX512
//			h[j] = activation(act, s)
//		}
//	}
//
//go:noescape
func rowAVX512(k, n int, x, b []float32, psb int, bias, z, h []float32, act int)

// peakAVX512 runs n iterations of 24 independent chains x = fma(x, m, d) on 16 lanes each, in
// registers only: 768 flops an iteration.
//
//go:noescape
func peakAVX512(n int)

// packDown64 packs full panels of 64 columns of B (pack_avx512_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			copy(dst[(q*k+p)*64:][:64], b[p*ldb+64*q:])
//		}
//	}
//
//go:noescape
func packDown64(dst, b []float32, ldb, panels, k int)

// packAcross64 packs full panels of 64 rows of B^T (pack_avx512_amd64.s):
//
//	for q := 0; q < panels; q++ {
//		for p := 0; p < k; p++ {
//			for j := 0; j < 64; j++ {
//				dst[(q*k+p)*64+j] = b[(64*q+j)*ldb+p]
//			}
//		}
//	}
//
//go:noescape
func packAcross64(dst, b []float32, ldb, panels, k int)

// axpyAVX512 computes, with y at least as long as x:
//
//	for i, v := range x {
//		y[i] = fma(alpha, v, y[i])
//	}
//
//go:noescape
func axpyAVX512(alpha float32, x, y []float32)

// axpyToAVX512 computes, with x and y at least as long as dst:
//
//	for i := range dst {
//		dst[i] = fma(alpha, x[i], y[i])
//	}
//
//go:noescape
func axpyToAVX512(dst []float32, alpha float32, x, y []float32)

// scaleAVX512 computes:
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func scaleAVX512(alpha float32, x []float32)

// dotAVX512 returns, with y at least as long as x, the sum of x[i]*y[i] accumulated in 64
// interleaved partial sums (s[i%64] = fma(x[i], y[i], s[i%64]) over the 64-wide part, the rest
// into s[i%16]), added together at the end:
//
//	var s float32
//	for i, v := range x {
//		s += v * y[i]
//	}
//	return s
//
//go:noescape
func dotAVX512(x, y []float32) float32

// addBiasAVX512 computes, with b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//	}
//
//go:noescape
func addBiasAVX512(z, b []float32)

// biasReLUAVX512 computes, with h and b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = max(z[i], 0)
//	}
//
//go:noescape
func biasReLUAVX512(z, h, b []float32)

// reluGradAVX512 computes, with dh and z at least as long as dz (dz may be dh):
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
func reluGradAVX512(dz, dh, z []float32)

// adamAVX512 computes Set.Adam (adam_avx512_amd64.s) with g, m and v as long as p:
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
func adamAVX512(p, g, m, v []float32, s *AdamScalars)

// emaAVX512 computes, with p at least as long as avg and no FMA:
//
//	for i := range avg {
//		avg[i] = d*avg[i] + w*p[i]
//	}
//
//go:noescape
func emaAVX512(avg, p []float32, d, w float32)

// biasSiLUAVX512 computes, with h and b at least as long as z:
//
//	for i := range z {
//		z[i] += b[i]
//		h[i] = z[i] * sigmoid(z[i])
//	}
//
//go:noescape
func biasSiLUAVX512(z, h, b []float32)

// siluGradAVX512 computes, with dh and z at least as long as dz (dz may be dh):
//
//	for i := range dz {
//		s := sigmoid(z[i])
//		dz[i] = dh[i] * s * (1 + z[i]*(1-s))
//	}
//
//go:noescape
func siluGradAVX512(dz, dh, z []float32)

// dotRowsAVX512 computes Set.DotRows for n rows of k values (dotrows_avx512_amd64.s),
// arguments checked by the caller:
//
//	for j := 0; j < n; j++ {
//		var l [16]float32
//		for p := 0; p < k; p++ {
//			l[p%16] = fma(w[j*ldw+p], x[p], l[p%16])
//		}
//		for h := 8; h >= 1; h /= 2 { // l[i] += l[i+h] for i < h
//			for i := 0; i < h; i++ {
//				l[i] += l[i+h]
//			}
//		}
//		d := alpha * l[0]
//		if acc {
//			d += y[j]
//		}
//		y[j] = d
//	}
//
//go:noescape
func dotRowsAVX512(n, k int, alpha float32, w []float32, ldw int, x, y []float32, acc bool)
