package mat

import "unsafe"

// Packing copies a block of op(A) or op(B) into the order the micro-kernel reads: op(A) in
// panels of MR rows stored column by column (a[p*MR+i]), op(B) in panels of NR columns stored
// row by row (b[p*NR+j]). A panel that runs past the edge of the matrix is padded with zeros,
// so the kernel computes zeros there instead of reading stale values (NaN, subnormals).

// packA packs rows [i0, i0+mc) and columns [p0, p0+kc) of alpha*op(A) into dst, in
// ceil(mc/mr) panels of mr*kc values.
func packA(dst []float32, g *gemmCall, i0, mc, p0, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+mr*kc]
		if g.transA {
			// op(A)[i][p] = a[p*lda+i]: each step p reads rows consecutive values.
			for p := 0; p < kc; p++ {
				src := g.a[(p0+p)*g.lda+i0+ir:][:rows]
				q := d[p*mr : p*mr+mr]
				for i, v := range src {
					q[i] = g.alpha * v
				}
				clear(q[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: gather one value from each of the panel's rows per step.
		base := (i0+ir)*g.lda + p0
		if mr == 6 && rows == 6 {
			packA6(d, g.a, base, g.lda, kc, g.alpha)
			continue
		}
		for i := 0; i < rows; i++ {
			src := g.a[base+i*g.lda:][:kc]
			for p, v := range src {
				d[p*mr+i] = g.alpha * v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kc; p++ {
				d[p*mr+i] = 0
			}
		}
	}
}

// packA6 packs six full rows of a (starting at base, stride lda, kc long) scaled by alpha
// into d, the AVX2 tile's height, unrolled so that each step is one bounds check.
func packA6(d, a []float32, base, lda, kc int, alpha float32) {
	r0 := a[base : base+kc]
	r1 := a[base+lda : base+lda+kc]
	r2 := a[base+2*lda : base+2*lda+kc]
	r3 := a[base+3*lda : base+3*lda+kc]
	r4 := a[base+4*lda : base+4*lda+kc]
	r5 := a[base+5*lda : base+5*lda+kc]
	d = d[:6*kc]
	for p := range r0 {
		q := d[6*p : 6*p+6 : 6*p+6]
		q[0] = alpha * r0[p]
		q[1] = alpha * r1[p]
		q[2] = alpha * r2[p]
		q[3] = alpha * r3[p]
		q[4] = alpha * r4[p]
		q[5] = alpha * r5[p]
	}
}

// packB packs rows [p0, p0+kc) and columns [j0, j0+nc) of op(B) into dst, in ceil(nc/nr)
// panels of kc*nr values.
func packB(dst []float32, g *gemmCall, p0, kc, j0, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[jr*kc : jr*kc+nr*kc]
		if !g.transB {
			// op(B)[p][j] = b[p*ldb+j]: each step copies cols consecutive values.
			for p := 0; p < kc; p++ {
				q := d[p*nr : p*nr+nr]
				copy(q, g.b[(p0+p)*g.ldb+j0+jr:][:cols])
				clear(q[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: scatter each of the panel's rows of b down a column.
		for j := 0; j < cols; j++ {
			src := g.b[(j0+jr+j)*g.ldb+p0:][:kc]
			for p, v := range src {
				d[p*nr+j] = v
			}
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// grow returns a slice of n values starting on a 64-byte boundary (a cache line, so packed
// panels never split a vector load across two lines), reusing *buf when it is large enough.
func grow(buf *[]float32, n int) []float32 {
	const align = 64 / 4
	if cap(*buf) < n+align {
		*buf = make([]float32, n+align)
	}
	b := (*buf)[:cap(*buf)]
	off := int(uintptr(unsafe.Pointer(&b[0]))%64) / 4
	if off != 0 {
		off = align - off
	}
	return b[off : off+n]
}
