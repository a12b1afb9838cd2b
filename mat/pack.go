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
// ceil(mc/mr) panels of mr*kc values; op(A) is the matrix a (leading dimension lda) or, when
// trans, its transpose.
func packA(dst, a []float32, lda int, trans bool, alpha float32, i0, mc, p0, kc, mr int) {
	if trans {
		// op(A)[i][p] = a[p*lda+i]: step p of a panel is mr consecutive values of row p0+p.
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			d := dst[ir*kc : ir*kc+mr*kc]
			src := a[p0*lda+i0+ir:]
			if mr == 6 && rows == 6 {
				copySteps6(d, src, lda, kc, alpha)
				continue
			}
			for p := 0; p < kc; p++ {
				q := d[p*mr : p*mr+mr]
				for i, v := range src[p*lda:][:rows] {
					q[i] = alpha * v
				}
				clear(q[rows:])
			}
		}
		return
	}
	// op(A)[i][p] = a[i*lda+p]: gather one value from each of the panel's rows per step.
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+mr*kc]
		base := (i0+ir)*lda + p0
		if mr == 6 && rows == 6 {
			packA6(d, a, base, lda, kc, alpha)
			continue
		}
		for i := 0; i < rows; i++ {
			src := a[base+i*lda:][:kc]
			for p, v := range src {
				d[p*mr+i] = alpha * v
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

// copyRows16 copies kc rows of 16 values, from src with stride ldb into d without gaps. It is
// a leaf of its own so that the compiler keeps its loop in registers; each row is four vector
// moves, no call to memmove.
func copyRows16(d, src []float32, ldb, kc int) {
	for p := 0; p < kc; p++ {
		row := [16]float32(src[p*ldb:]) // through a local: vector moves, not memmove
		*(*[16]float32)(d[16*p:]) = row
	}
}

// copySteps6 packs one full panel of a transposed A: kc steps of six consecutive values,
// from src with stride lda, scaled by alpha, into d. Each step is stored as three 8-byte
// words (panels start on 8-byte boundaries) so that the store port is not the bottleneck.
func copySteps6(d, src []float32, lda, kc int, alpha float32) {
	w := words(d[:6*kc])
	for p := 0; p < kc; p++ {
		s := src[p*lda : p*lda+6 : p*lda+6]
		q := w[3*p : 3*p+3 : 3*p+3]
		if alpha == 1 {
			q[0], q[1], q[2] = pair(s[0], s[1]), pair(s[2], s[3]), pair(s[4], s[5])
		} else {
			q[0] = pair(alpha*s[0], alpha*s[1])
			q[1] = pair(alpha*s[2], alpha*s[3])
			q[2] = pair(alpha*s[4], alpha*s[5])
		}
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
// panels of kc*nr values; op(B) is the matrix b (leading dimension ldb) or, when trans, its
// transpose.
func packB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[jr*kc : jr*kc+nr*kc]
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: each step copies cols consecutive values.
			src := b[p0*ldb+j0+jr:]
			if nr == 16 && cols == 16 {
				copyRows16(d, src, ldb, kc)
				continue
			}
			for p := 0; p < kc; p++ {
				q := d[p*nr : p*nr+nr]
				copy(q, src[p*ldb:][:cols])
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
				r0 := b[(j0+jr+j)*ldb+p0:][:kc]
				r1 := b[(j0+jr+j+1)*ldb+p0:][:len(r0)]
				q := w[j/2:]
				for p, v := range r0 {
					q[p*(nr/2)] = pair(v, r1[p])
				}
			}
		}
		for ; j < cols; j++ {
			src := b[(j0+jr+j)*ldb+p0:][:kc]
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
