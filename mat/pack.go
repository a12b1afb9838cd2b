package mat

import (
	"math"
	"unsafe"
)

// Packing copies a block of op(A) or op(B) into the order the micro-kernel reads: op(A) in
// panels of MR rows stored column by column (a[p*MR+i]), op(B) in panels of NR columns stored
// row by row (b[p*NR+j]). A panel that runs past the edge of the matrix is padded with zeros,
// so the kernel computes zeros there instead of reading stale values (NaN, subnormals).

// packA packs rows [i0, i0+mc) and columns [p0, p0+kc) of alpha*op(A) into dst, in
// ceil(mc/mr) panels of mr*kc values.
func packA(dst []float32, g *gemmCall, i0, mc, p0, kc, mr int) {
	full := mc / mr * mr // rows in full panels
	if g.transA {
		// op(A)[i][p] = a[p*lda+i]: row p0+p of the stored matrix holds step p of every
		// panel, so read it once, in order, and deal it out to the panels.
		for p := 0; p < kc; p++ {
			src := g.a[(p0+p)*g.lda+i0:][:mc]
			switch {
			case mr == 6 && g.alpha == 1:
				for ir := 0; ir < full; ir += 6 {
					*(*[6]float32)(dst[ir*kc+6*p:]) = [6]float32(src[ir:])
				}
			case mr == 6:
				for ir := 0; ir < full; ir += 6 {
					s := src[ir : ir+6 : ir+6]
					q := dst[ir*kc+6*p : ir*kc+6*p+6 : ir*kc+6*p+6]
					q[0], q[1], q[2] = g.alpha*s[0], g.alpha*s[1], g.alpha*s[2]
					q[3], q[4], q[5] = g.alpha*s[3], g.alpha*s[4], g.alpha*s[5]
				}
			default:
				for ir := 0; ir < full; ir += mr {
					s := src[ir : ir+mr]
					q := dst[ir*kc+mr*p:][:len(s)]
					for i, v := range s {
						q[i] = g.alpha * v
					}
				}
			}
			if full < mc {
				q := dst[full*kc+mr*p:][:mr]
				for i, v := range src[full:] {
					q[i] = g.alpha * v
				}
				clear(q[mc-full:])
			}
		}
		return
	}
	// op(A)[i][p] = a[i*lda+p]: gather one value from each of the panel's rows per step.
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+mr*kc]
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
// into d, the AVX2 tile's height. The rows are resliced to one length so that the compiler
// drops their bounds checks, and values are stored in pairs, as one 8-byte word: the store
// port, one store a cycle, is what limits a gather like this one.
func packA6(d, a []float32, base, lda, kc int, alpha float32) {
	r0 := a[base : base+kc]
	r1 := a[base+lda:][:len(r0)]
	r2 := a[base+2*lda:][:len(r0)]
	r3 := a[base+3*lda:][:len(r0)]
	r4 := a[base+4*lda:][:len(r0)]
	r5 := a[base+5*lda:][:len(r0)]
	w := words(d[:6*len(r0)])
	if alpha == 1 {
		for p, v := range r0 {
			q := w[3*p : 3*p+3 : 3*p+3]
			q[0] = pair(v, r1[p])
			q[1] = pair(r2[p], r3[p])
			q[2] = pair(r4[p], r5[p])
		}
		return
	}
	for p, v := range r0 {
		q := w[3*p : 3*p+3 : 3*p+3]
		q[0] = pair(alpha*v, alpha*r1[p])
		q[1] = pair(alpha*r2[p], alpha*r3[p])
		q[2] = pair(alpha*r4[p], alpha*r5[p])
	}
}

// words returns x's memory as len(x)/2 words; x must start on an 8-byte boundary, which the
// packed buffers (64-byte aligned, panels of an even number of values) always do.
func words(x []float32) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), len(x)/2)
}

// pair returns the word whose memory holds lo then hi.
func pair(lo, hi float32) uint64 {
	if bigEndian {
		lo, hi = hi, lo
	}
	return uint64(math.Float32bits(lo)) | uint64(math.Float32bits(hi))<<32
}

// bigEndian reports the byte order of the machine, for pair.
var bigEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}()

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
				src := g.b[(p0+p)*g.ldb+j0+jr:][:cols]
				if nr == 16 && cols == 16 {
					*(*[16]float32)(q) = [16]float32(src) // four vector moves, no call
					continue
				}
				copy(q, src)
				clear(q[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: read the panel's rows of b two at a time and store each
		// step's pair of values as one word.
		j := 0
		if nr%2 == 0 {
			w := words(d)
			for ; j+2 <= cols; j += 2 {
				r0 := g.b[(j0+jr+j)*g.ldb+p0:][:kc]
				r1 := g.b[(j0+jr+j+1)*g.ldb+p0:][:len(r0)]
				q := w[j/2:]
				for p, v := range r0 {
					q[p*(nr/2)] = pair(v, r1[p])
				}
			}
		}
		for ; j < cols; j++ {
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
