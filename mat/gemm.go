// Package mat multiplies row-major float32 matrices on asm's kernels.
package mat

import (
	"fmt"
	"unsafe"

	"github.com/fmtiny/fmtiny/asm"
)

// Cache blocking, in elements, for the BLIS loop nest in gemmCall.blocked, chosen for an Ice
// Lake Xeon (L1d 48 KiB, L2 1.25 MiB per core, L3 48 MiB shared):
//
//   - blockKC, the depth of a pass: a kc x NR panel of B (32 KiB at NR = 16) stays in L1
//     while the kernel streams MR x kc panels of A past it.
//   - blockMC, the rows of op(A) laid out at a time: the mc x kc block (576 KiB) stays in L2.
//   - blockNC, the columns of op(B) laid out at a time: the kc x nc block (8 MiB) lives in L3.
//
// k is cut into equal passes of at most blockKC, and the blocks are rounded to the kernel's
// MR and NR. kc = 512 makes k = 512 one pass, so that C is written once: on 4096 x 512 x 512
// (2026-11-29, fastest of 3 runs of 1 s each, a second job on the machine part of the time)
// NT and NN ran at 100 and 98 GFLOP/s with kc = 512, 95-98 with 384 and 92-97 with 256; TN
// (k = 4096, 8 to 16 passes) at 86-93 with each. mc = 144 and 288 were within 2% of each
// other. NEON's and the Go set's tiles use the same sizes in elements; a set may have its own
// in tunings.
const (
	blockKC = 512
	blockMC = 288
	blockNC = 4096
)

// tuning is what Gemm does with one kernel set beyond its tile: its cache blocks, and the set
// whose narrower tile computes the columns of a block that are fewer than NR.
type tuning struct {
	kc, mc, nc int
	// inPlaceAT reads A^T in place where layout would pack it (gemmCall.layout says why).
	inPlaceAT bool
	// narrow names a set with the same MR and an NR that divides this one's, whose Block
	// computes the columns left over after the whole tiles (all of them in a product narrower
	// than NR) straight into C instead of a zero-padded tile into scratch (gemmCall.block says
	// when). Both kernels form
	// each sum by the same operations in the same order (Set.Block), so which one computes a
	// column changes no bit, only the time: with the avx512 set's 64 columns, 1024 x 48 x 3 ran
	// at 33 GFLOP/s and 1024 x 80 x 3 at 42 to 60, against avx2-fma's 92 and 77 to 94, and
	// 1024 x 16 x 64 at 53 against 113 (2026-12-06, best of 2 runs on a loaded machine).
	narrow string
}

// tunings holds the sets whose tuning is not the default: blockKC, blockMC, blockNC and no
// narrow set.
//
// avx512, measured on a Zen 5 EPYC (L1d 48 KiB, L2 1 MiB, L3 32 MiB; 2026-12-06, the machine
// shared with jobs that kept its load average at 6 to 9, so figures moved by 10% and more from
// run to run; fastest of 3 to 5 runs, one thread): kc = 512 stays, as one pass for k = 512
// (NT, NN) and no worse elsewhere: TN 4096 x 512 x 512 ran at 183 to 189 GFLOP/s with kc =
// 512, 185 with 640 and 171 to 195 with 768; 1024 x 512 x 512 TN at 203, 206 and 206. mc =
// 192 instead of 288: the 6 x 64 kernel's panel of B is 128 KiB at kc = 512, and a 192-row
// block of A (384 KiB) leaves it room in a 1 MiB L2: NT 4096 x 512 x 512 at 213 and 204 with
// 192, 210 and 186 with 288; TN 1024 x 512 x 512 at 203 against 196; the other shapes within
// the noise. nc = 256: a 512 x 256 block of B (512 KiB) stays in L2 while the row blocks of
// A pass, where a 512-column one (1 MiB, all of L2) came back from L3 for each: TN 4096 x 512
// x 512 at 220 and 214 GFLOP/s against 211 and 204 with the whole width, 1024 x 512 x 512 at
// 234 against 226 and 231, 4096 x 128 x 128 at 233 against 224 (two rounds of alternated runs,
// fastest of 3 or 4, load average 3 to 4); NT and NN moved by 3% either way.
var tunings = map[string]tuning{
	"avx512": {kc: blockKC, mc: 192, nc: 256, inPlaceAT: true, narrow: "avx2-fma"},
}

// tuned is one set's tuning with its narrow set, found among the sets the CPU runs.
type tuned struct {
	set    *asm.Set
	tuning tuning
	narrow *asm.Set // nil when the set has none
}

// setTunings holds every set's tuning, made once: Gemm finds its set's by a short scan, which
// allocates nothing and costs less than a map's hashing on a product of a microsecond.
var setTunings = func() []tuned {
	var ts []tuned
	for _, s := range asm.Sets() {
		t, ok := tunings[s.Name]
		if !ok {
			t = tuning{kc: blockKC, mc: blockMC, nc: blockNC}
		}
		ts = append(ts, tuned{set: s, tuning: t})
	}
	for i := range ts {
		for _, n := range ts {
			if n.set.Name == ts[i].tuning.narrow && n.set.MR == ts[i].set.MR && ts[i].set.NR%n.set.NR == 0 {
				ts[i].narrow = n.set
			}
		}
	}
	return ts
}()

// tuningOf returns set's tuning and narrow set, the default and none for a set asm did not
// list when mat started.
func tuningOf(set *asm.Set) (tuning, *asm.Set) {
	for i := range setTunings {
		if setTunings[i].set == set {
			return setTunings[i].tuning, setTunings[i].narrow
		}
	}
	return tuning{kc: blockKC, mc: blockMC, nc: blockNC}, nil
}

// smallFlops is the size (2*m*n*k) under which Gemm stays on the calling goroutine: below
// 64^3 multiply-adds, a few microseconds of work, splitting cannot pay for handing a part to
// a parked worker and waiting for it (BenchmarkParallel: about a microsecond on an idle
// machine, much more when the other core is busy with another job).
const smallFlops = 2 * 64 * 64 * 64

// Impl names the kernel set in use: "avx512", "avx2-fma", "neon" or "go".
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
	if direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	g := &pool.call
	*g = gemmCall{set: asm.Current(), transA: transA, transB: transB, m: m, n: n, k: k,
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

// Epilogue is what GemmBiasAct does beside the product: a layer's bias and activation applied
// as the kernel stores C, and op(B) packed beforehand. It is passed by pointer so that a caller
// keeps one and calls allocate nothing.
type Epilogue struct {
	Bias []float32 // n values added to every row of C
	Act  asm.Act   // the activation of C written into H, or asm.ActNone
	H    []float32 // m rows of n values LDH apart; may be C itself with LDH = ldc
	LDH  int
	// B, when not nil, holds op(B) packed for these k and n with the kernel set in use, and is
	// read instead of packing b (which must still hold op(B)); one made with another set, or
	// for another shape, is ignored.
	B *PackedB
}

// GemmBiasAct computes C = op(A)*op(B) + bias, the bias added to every row, and H = act(C):
// a layer's forward pass, Y = X W^T + b and its activation. Where the kernel set has a fused
// kernel (asm.Set.BlockBiasAct) the bias and activation are applied as each tile is stored,
// otherwise by the row passes (asm.Set.AddBias, BiasSiLU, BiasReLU) over each block while it
// is in cache; the results are the bits of Gemm followed by those passes over every row, whatever
// the threads.
func GemmBiasAct(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, e *Epilogue) {
	checkEpilogue(m, n, c, ldc, e)
	if direct(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc) {
		epiPass(asm.Current(), c, ldc, e, 0, m, 0, n)
		return
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	g := &pool.call
	*g = gemmCall{set: asm.Current(), transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: 1, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, epi: e}
	g.plan(Threads())
	if g.tm*g.tn == 1 {
		g.runPart(&pool.ws, 0)
	} else {
		pool.job = job{gemm: g, parts: g.tm * g.tn}
		run()
		pool.job = job{}
	}
	*g = gemmCall{}
}

// GemmBiasAct is GemmBiasAct on the calling goroutine, with l's buffers; the same bits.
func (l *Local) GemmBiasAct(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, e *Epilogue) {
	checkEpilogue(m, n, c, ldc, e)
	if direct(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc) {
		epiPass(asm.Current(), c, ldc, e, 0, m, 0, n)
		return
	}
	g := &l.call
	*g = gemmCall{set: asm.Current(), transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: 1, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, epi: e}
	g.plan(1)
	g.runPart(&l.ws, 0)
	*g = gemmCall{}
}

// checkEpilogue panics unless e's bias and H fit an m x n product.
func checkEpilogue(m, n int, c []float32, ldc int, e *Epilogue) {
	if e == nil {
		panic("mat: GemmBiasAct without an Epilogue")
	}
	if m <= 0 || n <= 0 {
		return
	}
	if len(e.Bias) < n {
		panic(fmt.Sprintf("mat: %d biases for %d columns", len(e.Bias), n))
	}
	if e.Act != asm.ActNone {
		checkMatrix("h", m, n, e.H, e.LDH)
	}
}

// epiPass applies e's bias and activation to rows [i0, i1) and columns [j0, j1) of C with the
// set's row passes.
func epiPass(set *asm.Set, c []float32, ldc int, e *Epilogue, i0, i1, j0, j1 int) {
	if i0 >= i1 || j0 >= j1 {
		return
	}
	bias := e.Bias[j0:j1]
	for i := i0; i < i1; i++ {
		z := c[i*ldc+j0 : i*ldc+j1]
		switch e.Act {
		case asm.ActNone:
			set.AddBias(z, bias)
		case asm.ActSiLU:
			set.BiasSiLU(z, e.H[i*e.LDH+j0:i*e.LDH+j1], bias)
		case asm.ActReLU:
			set.BiasReLU(z, e.H[i*e.LDH+j0:i*e.LDH+j1], bias)
		default:
			panic(fmt.Sprintf("mat: activation %d", int(e.Act)))
		}
	}
}

// PackedB is the B operand of many products laid out once: op(B), k x n, packed whole into the
// panels of the kernel set in use when Pack ran (the weights of a layer through which a sampler
// takes many batches). A product given it through Epilogue.B reads its panels instead of
// packing its blocks of B each call, and gets the same bits: the panels hold the same values.
// The zero value is empty; Pack reuses its memory.
type PackedB struct {
	set    *asm.Set
	transB bool
	k, n   int
	data   []float32
}

// Pack lays out op(B) (k x n; B is n x k when transB) with the kernel set in use.
func (p *PackedB) Pack(transB bool, k, n int, b []float32, ldb int) {
	rows, cols := k, n
	if transB {
		rows, cols = n, k
	}
	checkMatrix("b", rows, cols, b, ldb)
	set := asm.Current()
	p.set, p.transB, p.k, p.n = set, transB, k, n
	p.data = grow(&p.data, roundUp(n, set.NR)*k)
	set.PackB(p.data, b, ldb, transB, k, n)
}

// Panels returns the packed panels, the distance between two of them, and the set they were
// packed for, for a kernel that reads them itself (asm.Set.RowBiasAct); nil for a nil p or
// before Pack.
func (p *PackedB) Panels() (data []float32, psb int, set *asm.Set) {
	if p == nil || p.set == nil {
		return nil, 0, nil
	}
	return p.data, p.set.NR * p.k, p.set
}

// fits reports whether p holds this call's op(B) for its set.
func (p *PackedB) fits(g *gemmCall) bool {
	return p != nil && p.set == g.set && p.transB == g.transB && p.k == g.k && p.n == g.n
}

// Local multiplies on the calling goroutine alone, with buffers of its own, so that goroutines
// holding one Local each can run their products at the same time (Gemm runs one call at a time
// over all threads). A Local's Gemm may be called inside a Parallel loop. The zero value is
// ready to use; a Local must not be used by two goroutines at once.
type Local struct {
	ws   workspace
	call gemmCall
}

// Gemm is Gemm on the calling goroutine, with l's buffers; its results are the same bits.
func (l *Local) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	g := &l.call
	*g = gemmCall{set: asm.Current(), transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	g.plan(1)
	g.runPart(&l.ws, 0)
	*g = gemmCall{}
}

// direct checks Gemm's arguments and computes the products that need no plan (empty, zero, or
// a point through a layer), reporting whether it did.
func direct(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return true
	}
	set := asm.Current()
	if k == 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			scaleRow(set, beta, c[i*ldc:i*ldc+n])
		}
		return true
	}
	if 2*m <= set.MR && transB && !transA && 2*float64(m)*float64(n)*float64(k) < smallFlops {
		// A point through a layer: rowsDot's work on one goroutine, which needs neither
		// the pool nor a workspace, so it skips both (about half of a 200 ns call at 64 x 64).
		for i := 0; i < m; i++ {
			cr := c[i*ldc : i*ldc+n]
			scaleRow(set, beta, cr)
			set.DotRows(cr, alpha, b, ldb, a[i*lda:i*lda+k], beta != 0)
		}
		return true
	}
	return false
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
	// blocked runs Block over the tiles of C, cache block by cache block, with op(A) and
	// op(B) packed or read in place.
	blocked = iota
	// rowsAxpy builds each row of C from op(A)[i][p] * (row p of B) with Axpy: a few rows of
	// C (one point through a layer) with op(B) = B, which then is never packed.
	rowsAxpy
	// rowsDot computes C with DotRows, the product of a matrix's rows with a vector: a few
	// rows of C with op(B) = B^T (one point through a layer, Y = x W^T), or a few columns
	// with op(A) = A (the output layer), where a tile of Block would be mostly padding.
	rowsDot
)

// gemmCall is one Gemm's arguments and its plan: the method and a tm x tn grid of parts,
// rectangles of C that the pool's goroutines compute independently.
type gemmCall struct {
	set            *asm.Set
	narrow         *asm.Set // the set for the columns left of a block (tuning.narrow), or nil
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	epi            *Epilogue // GemmBiasAct's, or nil
	pb             *PackedB  // epi.B when it fits this call, or nil

	method       int
	tm, tn       int // parts along m and along n
	unitM, unitN int // part boundaries fall on multiples of these
	kc, mc, nc   int // blocked: the cache blocks, for this kernel

	packA, packB bool // blocked: copy the blocks of op(A), op(B) into panels, or read them in place
	inPlaceAT    bool // the set's tuning.inPlaceAT
	byRows       bool // rowsDot: C by rows (few rows) rather than by columns (few columns)
}

// plan chooses the method and splits C among at most threads parts.
func (g *gemmCall) plan(threads int) {
	mr, nr := g.set.MR, g.set.NR
	tu, narrow := tuningOf(g.set)
	g.narrow = narrow
	narrowest := nr // the fewest columns a tile computes
	if g.narrow != nil {
		narrowest = g.narrow.NR
	}
	g.byRows = false
	switch {
	case 2*g.m <= mr && !g.transB:
		g.method = rowsAxpy
	case 2*g.m <= mr:
		g.method, g.byRows = rowsDot, true
	case 4*g.n <= narrowest && !g.transA:
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
	nk := (g.k + tu.kc - 1) / tu.kc
	g.kc = min(tu.kc, roundUp((g.k+nk-1)/nk, 8))
	g.mc = max(mr, tu.mc/mr*mr)
	g.nc = max(nr, tu.nc/nr*nr)
	g.inPlaceAT = tu.inPlaceAT
	g.packA, g.packB = g.layout()
	if g.epi != nil && g.epi.B.fits(g) {
		g.pb = g.epi.B
	}
	// Choose the grid with the least work in its largest part: r*c multiply-adds per k for an
	// r x c rectangle of C, plus laying out r + c values per k, about as much as 8
	// multiply-adds each (BenchmarkPack: 0.1 to 0.2 ns a value, where Block does 16
	// multiply-adds a cycle). Ties go to fewer parts.
	mt, nt := (g.m+mr-1)/mr, (g.n+nr-1)/nr
	best := -1.0
	for tm := 1; tm <= min(threads, mt); tm++ {
		for tn := 1; tm*tn <= threads && tn <= nt; tn++ {
			r := float64((mt+tm-1)/tm) * float64(mr)
			c := float64((nt+tn-1)/tn) * float64(nr)
			if cost := r*c + 8*(r+c); best < 0 || cost < best {
				best, g.tm, g.tn = cost, tm, tn
			}
		}
	}
}

// forceLayout, when 0 to 3, overrides layout for tests and experiments: bit 0 packs A, bit 1
// packs B (B^T is packed whatever it says).
var forceLayout = -1

// layout decides whether the blocked method packs op(A) and op(B) or reads them in place.
func (g *gemmCall) layout() (packA, packB bool) {
	if forceLayout >= 0 {
		return forceLayout&1 != 0, forceLayout&2 != 0 || g.transB
	}
	// A packed block is read by every tile of its row (A) or column (B) of tiles: with only
	// one of them, packing costs as much as reading in place. Read in place, a panel of B is
	// kc rows ldb apart, and a panel of A^T kc rows lda apart, a cache line a step: the
	// further apart, the fewer of L1's 64 sets they fall into (4096/(4*ld) from 16 values on),
	// until the panel no longer stays in L1 and packing pays. A read in place (six rows, each
	// read along) did not lose to packed A. Measured on the MLP's products, B from 256 to
	// 4096 and H from 64 to 512 (BenchmarkGemm's shapes, each layout forced in turn, best of
	// 3 on a loaded machine): this rule was within the noise, about 5%, of the best layout on
	// every one but TN with H = 64 and B = 4096 (69 against 81 GFLOP/s with B packed).
	//
	// A wide tile changes the count for A^T: a step of its panel is a line read for MR values
	// (24 of 64 bytes) whatever the tile, while B gives it NR values a step, so with NR = 64
	// the lines read in place add a quarter to the bytes a step reads, against all of them at
	// NR = 16. The avx512 set (tuning.inPlaceAT) reads A^T in place: in two rounds of
	// alternated runs (2026-12-06, load average 3 to 5, fastest of 3 or 4 runs each) TN
	// 4096 x 512 x 512 ran at 198 and 208 GFLOP/s against 188 and 182 packed, 4096 x 128 x 128
	// at 222 and 218 against 200 and 201, 1024 x 512 x 512 at 215 and 213 against 211 and 205;
	// the products with H = 64, which this does not change, moved by 4% between the rounds.
	mr, nr := g.set.MR, g.set.NR
	packB = g.transB || g.m > mr && g.ldb > 128
	packA = g.transA && g.n > nr && g.lda > 64 && !g.inPlaceAT
	return packA, packB
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
		return // the epilogue ran block by block
	}
	if g.epi != nil {
		epiPass(g.set, g.c, g.ldc, g.epi, i0, i1, j0, j1)
	}
}

// workspace is one goroutine's buffers, grown on demand and kept for the next call.
type workspace struct {
	apack, bpack, aedge, bedge, tile, arow, bcols []float32
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

// rowsDot computes C[i0:i1, j0:j1] with DotRows, as alpha*op(A)op(B) + beta*C. With few
// rows of C and B transposed, each row of C is the product of rows of B with a row of op(A);
// with few columns and A not transposed, each column is the product of rows of A with a
// column of op(B) (a row of B^T, or gathered into ws.bcols), computed into ws.tile and then
// added to the column of C. beta scales C first, as in blocked.
func (g *gemmCall) rowsDot(ws *workspace, i0, i1, j0, j1 int) {
	set := g.set
	acc := g.beta != 0
	if g.byRows {
		for i := i0; i < i1; i++ {
			cr := g.c[i*g.ldc+j0 : i*g.ldc+j1]
			scaleRow(set, g.beta, cr)
			set.DotRows(cr, g.alpha, g.b[j0*g.ldb:], g.ldb, g.rowA(ws, i), acc)
		}
		return
	}
	y := grow(&ws.tile, i1-i0)
	for j := j0; j < j1; j++ {
		var x []float32 // column j of op(B)
		if g.transB {
			x = g.b[j*g.ldb : j*g.ldb+g.k]
		} else {
			x = grow(&ws.bcols, g.k)
			for p := range x {
				x[p] = g.b[p*g.ldb+j]
			}
		}
		set.DotRows(y, g.alpha, g.a[i0*g.lda:], g.lda, x, false)
		for i, v := range y {
			c := &g.c[(i0+i)*g.ldc+j]
			if acc {
				v += g.beta * *c
			}
			*c = v
		}
	}
}

// operand is where Block finds the panels of a cache block of A or B: the full panels
// through strides (x, ps, rs, cs as Set.Block names them; cs is unused for B) and, when the
// others are read in place and the last one is partial, that panel packed and zero-padded in
// edge, with its own strides. A packed block holds every panel, the partial one padded, in x.
type operand struct {
	x             []float32
	ps, rs, cs    int
	edge          []float32
	eps, ers, ecs int
}

// panel returns panel q of the operand, full being its number of full panels, with its strides.
func (o *operand) panel(q, full int) (x []float32, ps, rs, cs int) {
	if q < full || o.edge == nil {
		return o.x[q*o.ps:], o.ps, o.rs, o.cs
	}
	return o.edge, o.eps, o.ers, o.ecs
}

// viewA returns rows [ic, ic+mc) and columns [pc, pc+kc) of op(A): packed into ws.apack when
// g.packA, otherwise read in place with only a partial last panel packed (into ws.aedge).
func (g *gemmCall) viewA(ws *workspace, ic, mc, pc, kc int) operand {
	set, mr := g.set, g.set.MR
	var at []float32 // op(A)[ic][pc] and on
	if g.transA {
		at = g.a[pc*g.lda+ic:]
	} else {
		at = g.a[ic*g.lda+pc:]
	}
	if g.packA {
		ap := grow(&ws.apack, roundUp(mc, mr)*kc)
		set.PackA(ap, at, g.lda, g.transA, mc, kc)
		return operand{x: ap, ps: mr * kc, rs: 1, cs: mr}
	}
	o := operand{x: at, ps: mr * g.lda, rs: g.lda, cs: 1}
	if g.transA {
		o.ps, o.rs, o.cs = mr, 1, g.lda
	}
	if full := mc / mr * mr; full < mc {
		o.edge, o.eps, o.ers, o.ecs = grow(&ws.aedge, mr*kc), mr*kc, 1, mr
		set.PackA(o.edge, at[full*o.rs:], g.lda, g.transA, mc-full, kc) // rs steps a row of op(A)
	}
	return o
}

// viewB returns rows [pc, pc+kc) and columns [jc, jc+nc) of op(B): packed into ws.bpack when
// g.packB (always when B is transposed), otherwise read in place with only a partial last
// panel packed (into ws.bedge).
func (g *gemmCall) viewB(ws *workspace, pc, kc, jc, nc int) operand {
	set, nr := g.set, g.set.NR
	if g.pb != nil {
		// Packed once for many calls: the panels of op(B) from column jc, k values each.
		return operand{x: g.pb.data[(jc/nr)*nr*g.k+pc*nr:], ps: nr * g.k, rs: nr}
	}
	if g.packB {
		var bt []float32 // op(B)[pc][jc] and on
		if g.transB {
			bt = g.b[jc*g.ldb+pc:]
		} else {
			bt = g.b[pc*g.ldb+jc:]
		}
		bp := grow(&ws.bpack, roundUp(nc, nr)*kc)
		set.PackB(bp, bt, g.ldb, g.transB, kc, nc)
		return operand{x: bp, ps: nr * kc, rs: nr}
	}
	o := operand{x: g.b[pc*g.ldb+jc:], ps: nr, rs: g.ldb}
	if full := nc / nr * nr; full < nc {
		o.edge, o.eps, o.ers = grow(&ws.bedge, nr*kc), nr*kc, nr
		set.PackB(o.edge, o.x[full:], g.ldb, false, kc, nc-full)
	}
	return o
}

// blocked computes C[i0:i1, j0:j1] with the BLIS loop nest: for each nc-wide block of columns
// and kc-deep pass, lay out op(B) (packed or in place); for each mc-tall block of rows, lay out
// op(A); then run Block over the tiles of the block.
func (g *gemmCall) blocked(ws *workspace, i0, i1, j0, j1 int) {
	for jc := j0; jc < j1; jc += g.nc {
		nc := min(g.nc, j1-jc)
		for pc := 0; pc < g.k; pc += g.kc {
			kc := min(g.kc, g.k-pc)
			bo := g.viewB(ws, pc, kc, jc, nc)
			acc := pc > 0 || g.beta != 0
			for ic := i0; ic < i1; ic += g.mc {
				mc := min(g.mc, i1-ic)
				if pc == 0 && g.beta != 0 && g.beta != 1 {
					for i := ic; i < ic+mc; i++ {
						g.set.Scale(g.beta, g.c[i*g.ldc+jc:i*g.ldc+jc+nc])
					}
				}
				ao := g.viewA(ws, ic, mc, pc, kc)
				g.block(ws, &ao, &bo, ic, mc, jc, nc, kc, acc, pc+kc == g.k)
			}
		}
	}
}

// block computes the mc x nc block of C at (ic, jc) from one pass of depth kc. The tiles
// that lie inside C are written by Block directly; those cut by the edge of C (the last
// rows when MR does not divide mc, the last columns when NR does not divide nc) are computed
// whole into ws.tile and only their part inside C is added or copied, which gives exactly the
// values a whole tile would. On the last pass (last) of a GemmBiasAct, the whole tiles get the
// epilogue from the set's fused kernel where it has one, and the rest of the block from the
// row passes, while the block is in cache.
func (g *gemmCall) block(ws *workspace, ao, bo *operand, ic, mc, jc, nc, kc int, acc, last bool) {
	set := g.set
	mr, nr := set.MR, set.NR
	mt, nt := mc/mr, nc/nr // tiles inside C
	epi := g.epi
	if !last {
		epi = nil
	}
	fused := epi != nil && set.BlockBiasAct != nil && !acc && mt > 0 && nt > 0
	switch {
	case fused:
		var h []float32
		if epi.Act != asm.ActNone {
			h = epi.H[ic*epi.LDH+jc:]
		}
		set.BlockBiasAct(mt*mr, nt*nr, kc, ao.x, ao.ps, ao.rs, ao.cs, bo.x, bo.ps, bo.rs, g.c[ic*g.ldc+jc:], g.ldc, epi.Bias[jc:], epi.Act, h, epi.LDH)
	case mt > 0 && nt > 0:
		set.Block(mt*mr, nt*nr, kc, g.alpha, ao.x, ao.ps, ao.rs, ao.cs, bo.x, bo.ps, bo.rs, g.c[ic*g.ldc+jc:], g.ldc, acc)
	}

	if nt*nr < nc && mt > 0 {
		// The last columns: a column of tiles into a scratch mt*mr x nr.
		bx, bps, brs, _ := bo.panel(nt, nt)
		j, cols, tset := jc+nt*nr, nc-nt*nr, set
		if ns := g.narrow; ns != nil && (2*roundUp(cols, ns.NR) <= nr || kc <= 16) {
			// The narrow set's tiles read the same panels of A (its MR is the same) and the
			// last panel of B as panels of ns.NR columns, ns.NR values apart, each step brs
			// on; the whole ones go straight into C. Where they would compute more than half
			// the wide tile's columns, the wide tile into scratch is faster, unless the pass
			// is so shallow that copying the scratch costs more than the sums (1024 x 48 x 64:
			// 150 against 106 GFLOP/s; 1024 x 48 x 3: 33 against 68 to 86).
			if w := cols / ns.NR * ns.NR; w > 0 {
				ns.Block(mt*mr, w, kc, g.alpha, ao.x, ao.ps, ao.rs, ao.cs, bx, ns.NR, brs, g.c[ic*g.ldc+j:], g.ldc, acc)
				bx, j, cols = bx[w:], j+w, cols-w
			}
			bps, tset = ns.NR, ns
		}
		if cols > 0 {
			tnr := tset.NR
			t := grow(&ws.tile, mt*mr*tnr)
			tset.Block(mt*mr, tnr, kc, g.alpha, ao.x, ao.ps, ao.rs, ao.cs, bx, bps, brs, t, tnr, false)
			g.merge(t, tnr, ic, mt*mr, j, cols, acc)
		}
	}
	if mt*mr < mc {
		// The last rows: a row of tiles, with the corner tile when there is one.
		ax, aps, ars, acs := ao.panel(mt, mt)
		w := roundUp(nc, nr)
		t := grow(&ws.tile, mr*w)
		if nt > 0 {
			set.Block(mr, nt*nr, kc, g.alpha, ax, aps, ars, acs, bo.x, bo.ps, bo.rs, t, w, false)
		}
		if nt*nr < nc {
			bx, bps, brs, _ := bo.panel(nt, nt)
			set.Block(mr, nr, kc, g.alpha, ax, aps, ars, acs, bx, bps, brs, t[nt*nr:], w, false)
		}
		g.merge(t, w, ic+mt*mr, mc-mt*mr, jc, nc, acc)
	}
	switch {
	case fused:
		epiPass(set, g.c, g.ldc, epi, ic, ic+mt*mr, jc+nt*nr, jc+nc) // the last columns
		epiPass(set, g.c, g.ldc, epi, ic+mt*mr, ic+mc, jc, jc+nc)    // the last rows
	case epi != nil:
		epiPass(set, g.c, g.ldc, epi, ic, ic+mc, jc, jc+nc)
	}
}

// merge adds (acc) or copies rows x cols values of the scratch t (row stride ldt) into C at
// (i, j).
func (g *gemmCall) merge(t []float32, ldt, i, rows, j, cols int, acc bool) {
	for r := range rows {
		cr := g.c[(i+r)*g.ldc+j : (i+r)*g.ldc+j+cols]
		tr := t[r*ldt : r*ldt+cols]
		if acc {
			for q, v := range tr {
				cr[q] += v
			}
		} else {
			copy(cr, tr)
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
