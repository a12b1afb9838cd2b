package asm

import "math"

// goSet is the plain Go implementation of every kernel: the fallback on CPUs without a SIMD set,
// the only set under the purego and noasm tags, and the reference the other sets are tested against.
var goSet = Set{
	Name: "go", MR: goMR, NR: goNR,
	Block: func(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool) {
		checkBlock(goMR, goNR, m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc)
		blockGo(m, n, k, alpha, a, psa, rsa, csa, b, psb, rsb, c, ldc, acc)
	},
	PackA: func(dst, a []float32, lda int, trans bool, m, k int) {
		rows, cols := storedShape(trans, m, k)
		checkPack("PackA", goMR, dst, a, lda, rows, cols, m, k)
		packGo(goMR, dst, a, lda, !trans, m, k)
	},
	PackB: func(dst, b []float32, ldb int, trans bool, k, n int) {
		rows, cols := storedShape(trans, k, n)
		checkPack("PackB", goNR, dst, b, ldb, rows, cols, n, k)
		packGo(goNR, dst, b, ldb, trans, n, k)
	},
	DotRows: func(y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool) {
		checkDotRows(y, w, ldw, x)
		dotRowsWith(dotGo, y, alpha, w, ldw, x, acc)
	},
	Axpy:     axpyGo,
	AxpyTo:   axpyToGo,
	Scale:    scaleGo,
	Dot:      dotGo,
	AddBias:  addBiasGo,
	BiasSiLU: biasSiLUGo,
	SiLUGrad: siluGradGo,
	BiasReLU: biasReLUGo,
	ReLUGrad: reluGradGo,
	Adam:     adamGo,
	EMA:      emaGo,
	MinTwo:   minTwoGo,
	Peak:     peakGo,
}

// minTwoGo is Set.MinTwo in Go: one pass keeping the least two, four differences tested
// against the second least at once (most columns of an auction's row are far from its best).
func minTwoGo(x, v []float64) (w1, w2 float64, j1 int) {
	v = v[:len(x)]
	w1, w2 = x[0]-v[0], math.Inf(1)
	return minTwoFrom(x, v, 1, w1, w2, 0)
}

// minTwoFrom continues minTwoGo's pass from index j with the least two and the least's index
// found so far.
func minTwoFrom(x, v []float64, j int, w1, w2 float64, j1 int) (float64, float64, int) {
	for ; j+4 <= len(x); j += 4 {
		h0, h1, h2, h3 := x[j]-v[j], x[j+1]-v[j+1], x[j+2]-v[j+2], x[j+3]-v[j+3]
		if h0 >= w2 && h1 >= w2 && h2 >= w2 && h3 >= w2 {
			continue
		}
		for k, h := range [4]float64{h0, h1, h2, h3} {
			if h < w2 {
				if h < w1 {
					w2, w1, j1 = w1, h, j+k
				} else {
					w2 = h
				}
			}
		}
	}
	for ; j < len(x); j++ {
		if h := x[j] - v[j]; h < w2 {
			if h < w1 {
				w2, w1, j1 = w1, h, j
			} else {
				w2 = h
			}
		}
	}
	return w1, w2, j1
}

// The Go set's tile. Go compiles float32 arithmetic to scalar SSE or FP instructions and keeps
// at most 15 of them in registers on amd64; its scheduler computes all the products of a basic
// block before the sums that feed the next iteration, so a tile's accumulators and its
// products must fit together. 2x4 does (8 + 8, BenchmarkBlock shows no spills in
// go tool objdump): at 1 multiply-add per cycle it reaches the scalar bound, where 4x4 (16
// accumulators) spills and runs at half of it.
const goMR, goNR = 2, 4

func blockGo(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool) {
	packed := rsa == 1 && csa == goMR && rsb == goNR
	for j := 0; j < n; j += goNR {
		for i := 0; i < m; i += goMR {
			var s [goMR][goNR]float32 // k = 0 reads neither A nor B: the sums are zero
			switch {
			case k == 0:
			case packed:
				s = tilePackedGo(k, a[i/goMR*psa:], b[j/goNR*psb:])
			default:
				s = tileStridedGo(k, a[i/goMR*psa:], rsa, csa, b[j/goNR*psb:], rsb)
			}
			t := c[i*ldc+j:]
			for r := range goMR {
				row := t[r*ldc : r*ldc+goNR : r*ldc+goNR]
				for q, v := range s[r] {
					v *= alpha
					if acc {
						v += row[q]
					}
					row[q] = v
				}
			}
		}
	}
}

// tilePackedGo returns the sums of a 2x4 tile over k steps of packed panels,
// s[i][j] = sum_p a[p*2+i]*b[p*4+j]. The loop is unrolled by four steps, and the
// slices are walked by reslicing so that the compiler proves every index in range.
func tilePackedGo(k int, a, b []float32) (s [goMR][goNR]float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a, b = a[:k*goMR], b[:k*goNR]
	for len(a) >= 4*goMR && len(b) >= 4*goNR {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0 := a[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		b0, b1, b2, b3 = b[4], b[5], b[6], b[7]
		a0 = a[2]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 = a[3]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		b0, b1, b2, b3 = b[8], b[9], b[10], b[11]
		a0 = a[4]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 = a[5]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		b0, b1, b2, b3 = b[12], b[13], b[14], b[15]
		a0 = a[6]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 = a[7]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a, b = a[4*goMR:], b[4*goNR:]
	}
	for len(a) >= goMR && len(b) >= goNR {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0 := a[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a, b = a[goMR:], b[goNR:]
	}
	s[0] = [goNR]float32{c00, c01, c02, c03}
	s[1] = [goNR]float32{c10, c11, c12, c13}
	return s
}

// tileStridedGo returns the sums of a 2x4 tile over k steps of A and B read in place,
// s[i][j] = sum_p a[i*rsa+p*csa]*b[p*rsb+j].
func tileStridedGo(k int, a []float32, rsa, csa int, b []float32, rsb int) (s [goMR][goNR]float32) {
	if csa == 1 {
		return tileRowsGo(a[:k], a[rsa:][:k], b, rsb)
	}
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	ia, ib := 0, 0
	for range k {
		ap, bp := a[ia:ia+rsa+1], b[ib:ib+goNR:ib+goNR]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[rsa]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		ia += csa
		ib += rsb
	}
	s[0] = [goNR]float32{c00, c01, c02, c03}
	s[1] = [goNR]float32{c10, c11, c12, c13}
	return s
}

// tileRowsGo is tileStridedGo for A's two rows in place, r0 and r1 (csa = 1): the rows are
// walked by range, B by one slice a step.
func tileRowsGo(r0, r1 []float32, b []float32, rsb int) (s [goMR][goNR]float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	r1 = r1[:len(r0)]
	ib := 0
	for p, a0 := range r0 {
		bp := b[ib : ib+goNR : ib+goNR]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := r1[p]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		ib += rsb
	}
	s[0] = [goNR]float32{c00, c01, c02, c03}
	s[1] = [goNR]float32{c10, c11, c12, c13}
	return s
}

// packGo packs w values (rows of A, or columns of B) by depth d into panels of unit:
// dst[(i/unit)*unit*d + p*unit + i%unit] = x[i*ld+p] when across, x[p*ld+i] otherwise, and
// zero for i >= w up to the end of the last panel. PackA of A and PackB of B^T read across
// (each panel gathers one value from each of unit rows per step); PackA of A^T and PackB of B
// read down (each step copies unit consecutive values). The loops index by reslicing, so
// that the compiler checks bounds once per row or step rather than once per value, and call
// no memmove or memclr for a handful of values.
func packGo(unit int, dst, x []float32, ld int, across bool, w, d int) {
	if w == 0 || d == 0 {
		return // nothing to read, and no panel holds a value
	}
	for i0 := 0; i0 < w; i0 += unit {
		n := min(unit, w-i0)
		panel := dst[i0*d : i0*d+unit*d]
		if across {
			if n < unit {
				clear(panel)
			}
			for i := range n {
				scatter(panel[i:], unit, x[(i0+i)*ld:][:d])
			}
			continue
		}
		copySteps(panel, unit, x[i0:], ld, n, d)
	}
}

// scatter stores row[p] at q[p*stride]: one row of a panel packed across. It is a function of
// its own so that its loop keeps its variables in registers.
//
//go:noinline
func scatter(q []float32, stride int, row []float32) {
	j := 0
	for _, v := range row {
		q[j] = v
		j += stride
	}
}

// copySteps copies d steps of n values, step p from x[p*ld:], into the unit-wide steps of
// panel, zeroing the unit-n values after each: a panel packed down.
//
//go:noinline
func copySteps(panel []float32, unit int, x []float32, ld, n, d int) {
	if n == unit {
		// Whole steps of the Go and NEON sets' widths: one array move each.
		switch unit {
		case 2:
			for p := range d {
				*(*[2]float32)(panel[2*p:]) = [2]float32(x[p*ld:])
			}
			return
		case 4:
			for p := range d {
				*(*[4]float32)(panel[4*p:]) = [4]float32(x[p*ld:])
			}
			return
		case 8:
			for p := range d {
				*(*[8]float32)(panel[8*p:]) = [8]float32(x[p*ld:])
			}
			return
		case 12:
			for p := range d {
				*(*[12]float32)(panel[12*p:]) = [12]float32(x[p*ld:])
			}
			return
		}
	}
	// A partial panel (the few columns of B an input layer's weight gradient has, n = 3 in a
	// 64-wide panel) is cleared whole first, one memclr, rather than step by step.
	clear(panel[:d*unit])
	for p := range d {
		src := x[p*ld:][:n]
		q := panel[p*unit : p*unit+n]
		for j, v := range src {
			q[j] = v
		}
	}
}

// dotRowsWith computes DotRows one row at a time with dot.
func dotRowsWith(dot func(x, y []float32) float32, y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool) {
	for j := range y {
		var s float32
		if len(x) > 0 {
			s = alpha * dot(w[j*ldw:j*ldw+len(x)], x)
		}
		if acc {
			s += y[j]
		}
		y[j] = s
	}
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

// adamGo is Set.Adam one parameter at a time. Every product that feeds a sum is converted to
// float32 explicitly: Go may otherwise fuse a*b + c into one multiply-add that rounds once (it
// does on arm64, and on amd64 from GOAMD64=v3), and the SIMD sets multiply and add
// separately. At the default GOAMD64=v1 the conversions change no instruction.
func adamGo(p, g, m, v []float32, s AdamScalars) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := float32(g[i] * s.Clip)
		if s.L2 != 0 {
			gi += float32(s.L2 * p[i])
		}
		pi := float32(p[i] * s.Decay)
		mi := float32(m[i]*s.Beta1) + float32(s.OneMinusBeta1*gi)
		vi := float32(v[i]*s.Beta2) + float32(float32(s.OneMinusBeta2*gi)*gi)
		m[i], v[i] = mi, vi
		// The square root of a float32 taken in float64 and rounded to float32 is the float32
		// square root, correctly rounded: float64's 53 bits are at least 2*24+2, so rounding
		// twice cannot differ from rounding once (Figueroa, 1995). Go compiles this line to
		// SQRTSS on amd64 and FSQRTS on arm64, and the SIMD sets' VSQRTPS and fsqrt .4s agree.
		denom := float32(math.Sqrt(float64(vi)))/s.Bc2Sqrt + s.Eps
		p[i] = pi + float32(s.NegStep*mi)/denom
	}
}

// emaGo is Set.EMA, the products rounded before their sum as in adamGo.
func emaGo(avg, p []float32, d, w float32) {
	p = p[:len(avg)]
	for i, a := range avg {
		avg[i] = float32(d*a) + float32(w*p[i])
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
