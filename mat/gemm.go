// Package mat multiplies row-major float32 matrices on asm's kernels.
package mat

import (
	"fmt"

	"github.com/fmtiny/fmtiny/asm"
)

// Cache blocking, in elements, for the BLIS loop nest in gemmCall.blocked, chosen for an Ice
// Lake Xeon (L1d 48 KiB, L2 1.25 MiB per core, L3 48 MiB shared):
//
//   - blockKC, the depth of a pass: a kc x NR panel of B (24 KiB at NR = 16, half of L1d)
//     stays in L1 while the kernel streams MR x kc panels of A past it.
//   - blockMC, the rows of A packed at a time: the mc x kc block (432 KiB) stays in L2.
//   - blockNC, the columns of B packed at a time: the kc x nc block (6 MiB) lives in L3.
//
// k is cut into equal passes of at most blockKC (k = 512 gives two of 256), and the blocks
// are rounded to the kernel's MR and NR. The sweep that chose them (2026-11-29, one thread,
// fastest of 15 to 40 calls on a machine shared with other jobs, so about +-4%): on 4096 x
// 512 x 512 and 4096 x 512 x 1536, every kc from 256 to 512 with mc from 96 to 480 ran at
// 78-87% of Peak, and kc = 384 with mc = 288 was among the fastest in every round; smaller kc
// (192) or mc (72) lost 5-10%. NEON's and the Go set's tiles use the same sizes in elements.
const (
	blockKC = 384
	blockMC = 288
	blockNC = 4096
)

// smallFlops is the size (2*m*n*k) under which Gemm stays on the calling goroutine: below
// 64^3 multiply-adds, a few microseconds of work, splitting cannot pay for handing a part to
// a parked worker and waiting for it (BenchmarkParallel: about a microsecond on an idle
// machine, much more when the other core is busy with another job).
const smallFlops = 2 * 64 * 64 * 64

// Impl names the kernel set in use: "avx2-fma", "neon" or "go".
func Impl() string { return asm.Current().Name }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X) is X or its
// transpose: op(A) is m x k, op(B) is k x n and C is m x n, with leading dimensions lda, ldb
// and ldc. beta = 0 overwrites C without reading it, as BLAS does, and alpha = 0 or k = 0
// reads neither A nor B.
//
// Each element of C is computed by the same sequence of operations whatever Threads() is, so
// results do not depend on it. Calls from several goroutines are safe; they run one at a time.
// After the first call of a shape, Gemm allocates nothing.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	set := asm.Current()
	if k == 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			scaleRow(set, beta, c[i*ldc:i*ldc+n])
		}
		return
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	g := &pool.call
	*g = gemmCall{set: set, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.plan(Threads())
	if g.tm*g.tn == 1 {
		g.runPart(&pool.ws, 0)
	} else {
		pool.job = job{gemm: g, parts: g.tm * g.tn}
		run()
		pool.job = job{}
	}
	*g = gemmCall{} // drop the caller's slices
}

// scaleRow sets c = beta*c, writing zeros without reading c when beta is 0.
func scaleRow(set *asm.Set, beta float32, c []float32) {
	switch beta {
	case 0:
		clear(c)
	case 1:
	default:
		set.Scale(beta, c)
	}
}

// The ways of computing a product; which one depends on the shape alone, never on the threads.
const (
	// blocked packs op(A) and op(B) and runs the micro-kernel over tiles of C.
	blocked = iota
	// rowsAxpy builds each row of C from op(A)[i][p] * (row p of B) with Axpy: a few rows of
	// C (one point through a layer) with op(B) = B, which then is never packed.
	rowsAxpy
	// rowsDot takes each element of C as a Dot of a row of op(A) and a column of op(B): a few
	// rows of C with op(B) = B^T, or a few columns (the output layer), where a tile of the
	// micro-kernel would be mostly padding.
	rowsDot
)

// gemmCall is one Gemm's arguments and its plan: the method and a tm x tn grid of parts,
// rectangles of C that the pool's goroutines compute independently.
type gemmCall struct {
	set            *asm.Set
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	method       int
	tm, tn       int // parts along m and along n
	unitM, unitN int // part boundaries fall on multiples of these
	kc, mc, nc   int // blocked: the cache blocks, for this kernel
}

// plan chooses the method and splits C among at most threads parts.
func (g *gemmCall) plan(threads int) {
	mr, nr := g.set.MR, g.set.NR
	switch {
	case 2*g.m <= mr && !g.transB:
		g.method = rowsAxpy
	case 2*g.m <= mr || 4*g.n <= nr:
		g.method = rowsDot
	default:
		g.method = blocked
	}
	if 2*float64(g.m)*float64(g.n)*float64(g.k) < smallFlops {
		threads = 1
	}
	g.tm, g.tn, g.unitM, g.unitN = 1, 1, 1, 1
	switch g.method {
	case rowsAxpy:
		// Split the columns: each element still sees the same Axpy steps in the same order.
		g.unitN = 8
		g.tn = max(1, min(threads, g.n/g.unitN))
		return
	case rowsDot:
		if g.m >= threads {
			g.tm = threads
		} else {
			g.tn = max(1, min(threads, g.n))
		}
		return
	}
	g.unitM, g.unitN = mr, nr
	nk := (g.k + blockKC - 1) / blockKC
	g.kc = min(blockKC, roundUp((g.k+nk-1)/nk, 8))
	g.mc = max(mr, blockMC/mr*mr)
	g.nc = max(nr, blockNC/nr*nr)
	// Choose the grid with the least work in its largest part: r*c multiply-adds per k for an
	// r x c rectangle of C, plus packing r + c values per k, which costs about as much as 20
	// multiply-adds each. Ties go to fewer parts.
	mt, nt := (g.m+mr-1)/mr, (g.n+nr-1)/nr
	best := -1.0
	for tm := 1; tm <= min(threads, mt); tm++ {
		for tn := 1; tm*tn <= threads && tn <= nt; tn++ {
			r := float64((mt+tm-1)/tm) * float64(mr)
			c := float64((nt+tn-1)/tn) * float64(nr)
			if cost := r*c + 20*(r+c); best < 0 || cost < best {
				best, g.tm, g.tn = cost, tm, tn
			}
		}
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// span returns the range of part p of parts along a dimension of size total, with boundaries
// on multiples of unit.
func span(total, unit, parts, p int) (lo, hi int) {
	units := (total + unit - 1) / unit
	return min(p*units/parts*unit, total), min((p+1)*units/parts*unit, total)
}

// runPart computes part p of C on the buffers ws.
func (g *gemmCall) runPart(ws *workspace, p int) {
	i0, i1 := span(g.m, g.unitM, g.tm, p/g.tn)
	j0, j1 := span(g.n, g.unitN, g.tn, p%g.tn)
	if i0 == i1 || j0 == j1 {
		return
	}
	switch g.method {
	case rowsAxpy:
		g.rowsAxpy(ws, i0, i1, j0, j1)
	case rowsDot:
		g.rowsDot(ws, i0, i1, j0, j1)
	default:
		g.blocked(ws, i0, i1, j0, j1)
	}
}

// workspace is one goroutine's buffers, grown on demand and kept for the next call.
type workspace struct {
	apack, bpack, tile, arow, bcols []float32
}

// rowA returns row i of op(A), gathered into ws.arow when A is transposed.
func (g *gemmCall) rowA(ws *workspace, i int) []float32 {
	if !g.transA {
		return g.a[i*g.lda : i*g.lda+g.k]
	}
	r := grow(&ws.arow, g.k)
	for p := range r {
		r[p] = g.a[p*g.lda+i]
	}
	return r
}

// rowsAxpy computes C[i0:i1, j0:j1] as beta*C plus alpha*op(A)[i][p] times row p of B, for p
// in order.
func (g *gemmCall) rowsAxpy(ws *workspace, i0, i1, j0, j1 int) {
	for i := i0; i < i1; i++ {
		ar := g.rowA(ws, i)
		cr := g.c[i*g.ldc+j0 : i*g.ldc+j1]
		scaleRow(g.set, g.beta, cr)
		for p, v := range ar {
			g.set.Axpy(g.alpha*v, g.b[p*g.ldb+j0:p*g.ldb+j1], cr)
		}
	}
}

// rowsDot computes C[i0:i1, j0:j1] element by element as alpha*Dot(row of op(A), column of
// op(B)) + beta*C. Columns of op(B) are rows of B when B is transposed; otherwise they are
// gathered once into ws.bcols.
func (g *gemmCall) rowsDot(ws *workspace, i0, i1, j0, j1 int) {
	k, b, ldb, alpha, beta, set := g.k, g.b, g.ldb, g.alpha, g.beta, g.set
	cols, ldcol := b[j0*ldb:], ldb // column j of op(B) is cols[(j-j0)*ldcol:][:k]
	if !g.transB {
		cols, ldcol = grow(&ws.bcols, (j1-j0)*k), k
		for j := j0; j < j1; j++ {
			col := cols[(j-j0)*k : (j-j0+1)*k]
			for p := range col {
				col[p] = b[p*ldb+j]
			}
		}
	}
	for i := i0; i < i1; i++ {
		ar := g.rowA(ws, i)
		cr := g.c[i*g.ldc+j0 : i*g.ldc+j1]
		for j := range cr {
			col := cols[j*ldcol:][:len(ar)]
			var s float32
			if len(ar) < 16 {
				// A call to Dot costs more than a few multiply-adds: the input layer's k = 3.
				for p, v := range ar {
					s += v * col[p]
				}
			} else {
				s = set.Dot(ar, col)
			}
			s *= alpha
			if beta != 0 {
				s += beta * cr[j]
			}
			cr[j] = s
		}
	}
}

// blocked computes C[i0:i1, j0:j1] with the BLIS loop nest: for each nc-wide block of columns
// and kc-deep pass, pack op(B) once; for each mc-tall block of rows, pack alpha*op(A); then
// run the micro-kernel over every MR x NR tile of the block.
func (g *gemmCall) blocked(ws *workspace, i0, i1, j0, j1 int) {
	set := g.set
	mr, nr := set.MR, set.NR
	for jc := j0; jc < j1; jc += g.nc {
		nc := min(g.nc, j1-jc)
		for pc := 0; pc < g.k; pc += g.kc {
			kc := min(g.kc, g.k-pc)
			bp := grow(&ws.bpack, roundUp(nc, nr)*kc)
			packB(bp, g.b, g.ldb, g.transB, pc, kc, jc, nc, nr)
			// A packed block of B that fits in L1 with room to spare (a shallow pass: the
			// input layer's k = 3, or a narrow layer) is swept once per row strip, so C is
			// written row strip by row strip, in order. Otherwise each kc x NR panel of B
			// stays in L1 while all the A panels of the block stream past it from L2.
			rowsOuter := len(bp)*4 <= l1Budget
			acc := pc > 0 || g.beta != 0
			for ic := i0; ic < i1; ic += g.mc {
				mc := min(g.mc, i1-ic)
				if pc == 0 && g.beta != 0 && g.beta != 1 {
					for i := ic; i < ic+mc; i++ {
						set.Scale(g.beta, g.c[i*g.ldc+jc:i*g.ldc+jc+nc])
					}
				}
				ap := grow(&ws.apack, roundUp(mc, mr)*kc)
				packA(ap, g.a, g.lda, g.transA, g.alpha, ic, mc, pc, kc, mr)
				if rowsOuter {
					for ir := 0; ir < mc; ir += mr {
						apanel := ap[ir*kc : (ir+mr)*kc]
						for jr := 0; jr < nc; jr += nr {
							if ir+mr <= mc && jr+nr <= nc {
								set.MicroKernel(kc, apanel, bp[jr*kc:(jr+nr)*kc], g.c[(ic+ir)*g.ldc+jc+jr:], g.ldc, acc)
							} else {
								g.edgeTile(ws, apanel, bp[jr*kc:(jr+nr)*kc], ic+ir, jc+jr, min(mr, mc-ir), min(nr, nc-jr), kc, acc)
							}
						}
					}
					continue
				}
				for jr := 0; jr < nc; jr += nr {
					bpanel := bp[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						if ir+mr <= mc && jr+nr <= nc {
							set.MicroKernel(kc, ap[ir*kc:(ir+mr)*kc], bpanel, g.c[(ic+ir)*g.ldc+jc+jr:], g.ldc, acc)
						} else {
							g.edgeTile(ws, ap[ir*kc:(ir+mr)*kc], bpanel, ic+ir, jc+jr, min(mr, mc-ir), min(nr, nc-jr), kc, acc)
						}
					}
				}
			}
		}
	}
}

// l1Budget is the most packed B, in bytes, that blocked sweeps whole for each row strip:
// two thirds of a 48 KiB L1d, the rest left to the A panel and C.
const l1Budget = 32 << 10

// edgeTile computes the rows x cols corner of a tile cut by the edge of C (at row i, column
// j) in a scratch tile, so that the kernel never writes outside C; its elements come out
// exactly as a full tile's would.
func (g *gemmCall) edgeTile(ws *workspace, apanel, bpanel []float32, i, j, rows, cols, kc int, acc bool) {
	nr := g.set.NR
	t := grow(&ws.tile, g.set.MR*nr)
	g.set.MicroKernel(kc, apanel, bpanel, t, nr, false)
	for r := 0; r < rows; r++ {
		cr := g.c[(i+r)*g.ldc+j : (i+r)*g.ldc+j+cols]
		tr := t[r*nr : r*nr+cols]
		if acc {
			for q, v := range tr {
				cr[q] += v
			}
		} else {
			copy(cr, tr)
		}
	}
}

// checkArgs panics with a message naming the argument when a shape, leading dimension or slice
// length cannot hold the matrices Gemm was asked to multiply.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("mat: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	checkMatrix("a", rowsA, colsA, a, lda)
	checkMatrix("b", rowsB, colsB, b, ldb)
	checkMatrix("c", m, n, c, ldc)
}

func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("mat: ld%s = %d is less than the %d columns of %s", name, ld, cols, name))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("mat: len(%s) = %d is too short for %d x %d with ld%s = %d", name, len(x), rows, cols, name, ld))
	}
}
