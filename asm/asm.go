// Package asm holds fmtiny's SIMD kernels: AVX-512 and AVX2+FMA on amd64, NEON on arm64 and a
// plain Go set that runs everywhere, one of them picked once at initialisation from what the
// CPU supports, or by name from the environment variable FMTINY_KERNELS.
//
// The package knows nothing of matrices beyond pointers, strides and sizes: a GEMM micro-kernel
// over packed panels, and the vector loops an MLP and an ODE solver need. Callers use the
// package-level functions, which dispatch to the set in use; tests may switch sets with Use.
package asm

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Set is one implementation of every kernel. Each field's doc comment says what it computes;
// the Go set (generic.go) is the reference the others are tested against.
type Set struct {
	Name   string // "avx512", "avx2-fma", "neon" or "go"
	MR, NR int    // the micro-kernel's tile: MR rows of A by NR columns of B

	// Block computes an m x n block of C, m a multiple of MR and n of NR, as alpha times the
	// product of an m x k block of A and a k x n block of B, plus C when acc is true:
	//
	//	C[i][j] = alpha * sum_p A[i][p]*B[p][j]             (acc false: C is never read)
	//	C[i][j] = alpha * sum_p A[i][p]*B[p][j] + C[i][j]   (acc true)
	//
	// The sum is formed first, over p in order, then multiplied by alpha, then added to C.
	// A and B are read through strides, so a block is used where it lies or after packing:
	//
	//	A[i][p] = a[(i/MR)*psa + (i%MR)*rsa + p*csa]
	//	B[p][j] = b[(j/NR)*psb + p*rsb + j%NR]
	//	C[i][j] = c[i*ldc + j]
	//
	// Panels packed by PackA have psa = MR*k, rsa = 1, csa = MR; a row-major A with leading
	// dimension lda has psa = MR*lda, rsa = lda, csa = 1, and its transpose psa = MR, rsa = 1,
	// csa = lda. Panels packed by PackB have psb = NR*k, rsb = NR; a row-major B has psb = NR,
	// rsb = ldb (B^T cannot be read in place: NR consecutive columns must be contiguous).
	// Strides are non-negative and the slices long enough for every element named above.
	// The order in which a set visits the tiles is its own choice for the caches (README.md);
	// it does not change any value.
	Block func(m, n, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)

	// BlockBiasAct is Block with alpha 1 and acc false followed, as each tile is stored, by a
	// layer's bias and activation (a fused epilogue): the bits of Block and then AddBias,
	// BiasSiLU or BiasReLU over each row of the block, with no pass over C of its own:
	//
	//	C[i][j] = sum_p A[i][p]*B[p][j] + bias[j]
	//	H[i][j] = act(C[i][j]), H[i][j] = h[i*ldh + j]   (act ActNone: h is not written)
	//
	// h may be c itself with ldh = ldc (the activation then replaces the pre-activation). It is
	// nil in a set without such a kernel; mat then runs Block and the passes over the block.
	BlockBiasAct func(m, n, k int, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, bias []float32, act Act, h []float32, ldh int)

	// RowBiasAct takes one row x of k = len(x) values through a layer whose B (k x n, the
	// weights W^T) PackB has packed into panels psb >= NR*k values apart:
	//
	//	z[j] = sum_p x[p]*B[p][j] + bias[j],  B[p][j] = b[(j/NR)*psb + p*NR + j%NR]
	//	h[j] = act(z[j])                                  (act ActNone: h is not written)
	//
	// for j < n, every sum formed as Block forms it, so that the row gets the bits a row of a
	// blocked product followed by the bias pass gets; h may be z. The panels are read whole,
	// padding included. k >= 1. nil in a set without such a kernel.
	RowBiasAct func(x, b []float32, psb, n int, bias, z, h []float32, act Act)

	// PackA copies an m x k block of op(A) into ceil(m/MR) panels of MR*k values, the order
	// Block reads fastest: dst[(i/MR)*MR*k + p*MR + i%MR] = op(A)[i][p], and zero for the rows
	// i >= m of the last panel. op(A)[i][p] is a[i*lda+p], or a[p*lda+i] when trans.
	PackA func(dst, a []float32, lda int, trans bool, m, k int)
	// PackB copies a k x n block of op(B) into ceil(n/NR) panels of k*NR values:
	// dst[(j/NR)*NR*k + p*NR + j%NR] = op(B)[p][j], and zero for the columns j >= n of the
	// last panel. op(B)[p][j] is b[p*ldb+j], or b[j*ldb+p] when trans.
	PackB func(dst, b []float32, ldb int, trans bool, k, n int)

	// DotRows computes the product of len(y) rows of W with the vector x, a point through a
	// layer (y = W x for W stored [out, in]):
	//
	//	y[j] = alpha * sum_p w[j*ldw+p]*x[p]             (acc false: y is not read)
	//	y[j] = alpha * sum_p w[j*ldw+p]*x[p] + y[j]      (acc true)
	//
	// for j < len(y) and p < len(x). A row's sum does not depend on where the row lies among
	// the others, so splitting y among threads leaves every value unchanged.
	DotRows func(y []float32, alpha float32, w []float32, ldw int, x []float32, acc bool)

	Axpy    func(alpha float32, x, y []float32)                // y[i] += alpha*x[i]
	AxpyTo  func(dst []float32, alpha float32, x, y []float32) // dst[i] = alpha*x[i] + y[i]
	Scale   func(alpha float32, x []float32)                   // x[i] *= alpha
	Dot     func(x, y []float32) float32                       // sum x[i]*y[i]
	AddBias func(z, b []float32)                               // z[i] += b[i]

	// BiasSiLU adds the bias to the pre-activation in place and writes the activation:
	// z[i] += b[i]; h[i] = z[i]*sigmoid(z[i]). h may alias z (the activation then replaces
	// the pre-activation: nn's forward-only workspaces; nn.TestForwardBatch checks every set).
	BiasSiLU func(z, h, b []float32)
	// SiLUGrad multiplies the gradient by SiLU's derivative at z; dz may alias dh:
	// dz[i] = dh[i] * s*(1 + z[i]*(1-s)) with s = sigmoid(z[i]).
	SiLUGrad func(dz, dh, z []float32)
	// BiasReLU: z[i] += b[i]; h[i] = max(z[i], 0); h may alias z.
	BiasReLU func(z, h, b []float32)
	// ReLUGrad: dz[i] = dh[i] if z[i] > 0, else 0; dz may alias dh.
	ReLUGrad func(dz, dh, z []float32)

	// BiasELU: z[i] += b[i]; h[i] = z[i] if z[i] > 0, else expm1(z[i]) (ELU, alpha 1); h may
	// alias z. ELUGrad multiplies the gradient by ELU's derivative read from its output h:
	// dz[i] = dh[i] if h[i] > 0, else dh[i]*(h[i]+1); dz may alias dh. A set may leave both
	// nil: the package functions then run the best version the CPU has (elu.go).
	BiasELU func(z, h, b []float32)
	ELUGrad func(dz, dh, h []float32)

	// WinogradIn, WinogradOut and WinogradGradOut are the transforms of Winograd's F(2x2, 3x3)
	// convolution over c channels of a tile (winograd.go), each between 16 contiguous rows of
	// c values (its first argument) and a 4x4 or 2x2 tile of rows addressed through a pixel
	// stride ld and a row stride ldRow (its second). A set may leave them nil, as with ELU.
	WinogradIn      func(v, d []float32, ld, ldRow, c int)
	WinogradOut     func(m, y []float32, ld, ldRow, c int)
	WinogradGradOut func(dm, dy []float32, ld, ldRow, c int)

	// Max4 and Bilerp are 2x2 max-pooling's and bilinear upsampling's output values, c channels
	// of a pixel at a time (pool.go): dst[i] = max(max(a[i], b[i]), max(d[i], e[i])) as Go's max
	// computes it, and dst[i] = (a[i]*w0 + b[i]*w1)*h0 + (d[i]*w0 + e[i]*w1)*h1, each product
	// and sum rounded on its own. A set may leave them nil, as with ELU.
	Max4   func(dst, a, b, d, e []float32)
	Bilerp func(dst, a, b, d, e []float32, w0, w1, h0, h1 float32)

	// Adam takes one Adam or AdamW step over len(p) parameters, g, m and v at least as long,
	// with the step's scalars in s, each operation rounded to float32 in this order:
	//
	//	gi := g[i]*s.Clip
	//	if s.L2 != 0 {
	//		gi += s.L2*p[i]                          // Adam's L2 term
	//	}
	//	pi := p[i]*s.Decay                           // AdamW's decoupled decay
	//	m[i] = m[i]*s.Beta1 + s.OneMinusBeta1*gi
	//	v[i] = v[i]*s.Beta2 + (s.OneMinusBeta2*gi)*gi
	//	p[i] = pi + (s.NegStep*m[i]) / (sqrt(v[i])/s.Bc2Sqrt + s.Eps)
	//
	// with no multiply-add fused. Every set gives the same bits for finite inputs.
	Adam func(p, g, m, v []float32, s AdamScalars)
	// EMA folds p into an exponential moving average: avg[i] = d*avg[i] + w*p[i], the two
	// products rounded before the sum (no fused multiply-add), the same bits in every set.
	EMA func(avg, p []float32, d, w float32)

	// MinTwo returns the least and the second least of x[j] - v[j] over j < len(x) (v at least
	// as long), each difference rounded once as in Go, and the first index of the least: an
	// auction's bid scan. The second least is the least once more when it occurs twice, and
	// +Inf for one element. For finite values every set gives the same results; len(x) > 0.
	MinTwo func(x, v []float64) (w1, w2 float64, j1 int)

	// Peak runs n iterations of a register-only multiply-add loop and returns the number of
	// floating-point operations it performed, to measure the machine's arithmetic ceiling.
	Peak func(n int) float64
}

// Act names the activation a fused kernel applies after the bias (Set.BlockBiasAct,
// Set.RowBiasAct): none, or SiLU or ReLU as BiasSiLU and BiasReLU compute them.
type Act int

const (
	ActNone Act = iota // the bias alone
	ActSiLU            // z*sigmoid(z)
	ActReLU            // max(z, 0)
)

// AdamScalars are the scalars of one Adam step (see Set.Adam), computed once per step by the
// optimizer. Clip = 1 leaves the gradient as it is and Decay = 1 the parameters, since
// multiplying a finite float by 1 is exact; L2 = 0 skips the L2 term, which adding 0*p would
// not (-0 + +0 is +0). The assembly reads the fields at 4-byte steps in this order
// (TestAdamScalarsLayout).
type AdamScalars struct {
	Clip          float32 // the gradient's scale from clipping its norm, 1 for none
	L2            float32 // Adam's weight decay, added to the gradient as L2*p
	Decay         float32 // AdamW's factor on the parameters, 1 - lr*wd
	Beta1, Beta2  float32 // the moments' decay rates
	OneMinusBeta1 float32 // 1 - Beta1, rounded once
	OneMinusBeta2 float32 // 1 - Beta2, rounded once
	NegStep       float32 // -lr/(1 - Beta1^t), the bias-corrected step
	Bc2Sqrt       float32 // sqrt(1 - Beta2^t), the second moment's bias correction
	Eps           float32 // added to the denominator
}

// KernelsEnv is the environment variable that names the kernel set to use, for users and for
// benchmarks that compare sets; unset or empty, the package picks the best set the CPU runs.
const KernelsEnv = "FMTINY_KERNELS"

// names are the kernel sets fmtiny has on some machine, best first: what KernelsEnv may name.
var names = []string{"avx512", "avx2-fma", "neon", "go"}

var (
	// sets is every set this CPU can run, best first, the Go set last. archSets, one per
	// architecture (kernels_amd64.go, kernels_arm64.go, kernels_none.go), checks the CPU's
	// features. Package variables are initialised before any init function runs, and in the
	// order of their dependencies, so sets is complete before current is chosen from it.
	sets = append(archSets(), &goSet)
	// current is the set in use, and kernelsErr why it is not the one KernelsEnv names.
	current, kernelsErr = choose(sets, os.Getenv(KernelsEnv))
)

// choose returns the set that name (KernelsEnv's value) asks for among those the CPU can run,
// best first: the named one, or the best when name is empty. A name of no set, or of a set
// this CPU or build cannot run, is an error, and the best set is returned with it.
func choose(sets []*Set, name string) (*Set, error) {
	if name == "" {
		return sets[0], nil
	}
	var runs []string
	for _, s := range sets {
		if s.Name == name {
			return s, nil
		}
		runs = append(runs, s.Name)
	}
	if slices.Contains(names, name) {
		return sets[0], fmt.Errorf("%s=%s: this CPU or build cannot run the %s kernels (it runs %s)", KernelsEnv, name, name, strings.Join(runs, ", "))
	}
	return sets[0], fmt.Errorf("%s=%s: no such kernel set (want %s)", KernelsEnv, name, strings.Join(names, ", "))
}

// KernelsErr reports why the set that the environment variable FMTINY_KERNELS names is not in
// use: the name is none of avx512, avx2-fma, neon and go, or this CPU (or a purego build)
// cannot run that set. The package then runs the best set it has, so a program that lets
// users choose should check KernelsErr before it computes anything, report it and stop, as
// fmtiny does. It is nil when the variable is unset, empty or names a set that runs here.
func KernelsErr() error { return kernelsErr }

// Current returns the kernel set in use.
func Current() *Set { return current }

// Sets returns every kernel set this CPU can run, the best one first and the Go set last.
func Sets() []*Set { return append([]*Set(nil), sets...) }

// Use makes the named set current and returns a function that restores the previous one. It is
// meant for tests and benchmarks, which must not run kernels concurrently with the switch.
func Use(name string) (restore func(), err error) {
	for _, s := range sets {
		if s.Name == name {
			prev := current
			current = s
			return func() { current = prev }, nil
		}
	}
	return nil, fmt.Errorf("asm: kernel set %q is not available on this CPU", name)
}

// Axpy computes y[i] += alpha*x[i] for i < len(x); y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { current.Axpy(alpha, x, y[:len(x)]) }

// AxpyTo computes dst[i] = alpha*x[i] + y[i] for i < len(dst); x and y must be at least as long.
func AxpyTo(dst []float32, alpha float32, x, y []float32) {
	current.AxpyTo(dst, alpha, x[:len(dst)], y[:len(dst)])
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) { current.Scale(alpha, x) }

// Dot returns the sum of x[i]*y[i] for i < len(x); y must be at least as long as x.
func Dot(x, y []float32) float32 { return current.Dot(x, y[:len(x)]) }

// AddBias computes z[i] += b[i] for i < len(z); b must be at least as long as z.
func AddBias(z, b []float32) { current.AddBias(z, b[:len(z)]) }

// BiasSiLU computes z[i] += b[i], then h[i] = z[i]*sigmoid(z[i]), for i < len(z).
func BiasSiLU(z, h, b []float32) { current.BiasSiLU(z, h[:len(z)], b[:len(z)]) }

// SiLUGrad computes dz[i] = dh[i]*silu'(z[i]) for i < len(dz); dz may alias dh.
func SiLUGrad(dz, dh, z []float32) { current.SiLUGrad(dz, dh[:len(dz)], z[:len(dz)]) }

// BiasReLU computes z[i] += b[i], then h[i] = max(z[i], 0), for i < len(z).
func BiasReLU(z, h, b []float32) { current.BiasReLU(z, h[:len(z)], b[:len(z)]) }

// ReLUGrad computes dz[i] = dh[i] where z[i] > 0 and 0 elsewhere; dz may alias dh.
func ReLUGrad(dz, dh, z []float32) { current.ReLUGrad(dz, dh[:len(dz)], z[:len(dz)]) }

// Adam takes one Adam step over the parameters p (see Set.Adam); g, m and v must be at least
// as long as p.
func Adam(p, g, m, v []float32, s AdamScalars) {
	current.Adam(p, g[:len(p)], m[:len(p)], v[:len(p)], s)
}

// EMA computes avg[i] = d*avg[i] + w*p[i] for i < len(avg); p must be at least as long as avg.
func EMA(avg, p []float32, d, w float32) { current.EMA(avg, p[:len(avg)], d, w) }

// MinTwo returns the least and the second least of x[j] - v[j] over j < len(x) and the first
// index of the least (see Set.MinTwo); v must be at least as long as x, and x not empty.
func MinTwo(x, v []float64) (w1, w2 float64, j1 int) { return current.MinTwo(x, v[:len(x)]) }

// checkBlock panics unless the arguments of a Block call for a set with an mr x nr tile name
// only elements inside a, b and c, so that no kernel reads or writes past a slice.
func checkBlock(mr, nr, m, n, k int, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 || m%mr != 0 || n%nr != 0 {
		panic(fmt.Sprintf("asm: Block of %d x %d x %d for a %d x %d tile", m, n, k, mr, nr))
	}
	if psa < 0 || rsa < 0 || csa < 0 || psb < 0 || rsb < 0 || ldc < n {
		panic(fmt.Sprintf("asm: Block with a negative stride or ldc < n: psa=%d rsa=%d csa=%d psb=%d rsb=%d ldc=%d n=%d", psa, rsa, csa, psb, rsb, ldc, n))
	}
	if m == 0 || n == 0 {
		return
	}
	if k > 0 {
		if last := (m/mr-1)*psa + (mr-1)*rsa + (k-1)*csa; last >= len(a) {
			panic(fmt.Sprintf("asm: Block reads a[%d], len(a) = %d", last, len(a)))
		}
		if last := (n/nr-1)*psb + (k-1)*rsb + nr - 1; last >= len(b) {
			panic(fmt.Sprintf("asm: Block reads b[%d], len(b) = %d", last, len(b)))
		}
	}
	if last := (m-1)*ldc + n - 1; last >= len(c) {
		panic(fmt.Sprintf("asm: Block writes c[%d], len(c) = %d", last, len(c)))
	}
}

// checkPack panics unless x holds a stored block of rows x cols with leading dimension ld and
// dst holds the panels packed from it: width values (m for PackA, n for PackB), rounded up to
// the tile's unit, by depth k.
func checkPack(name string, unit int, dst, x []float32, ld, rows, cols, width, depth int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("asm: %s of %d x %d", name, rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols || len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("asm: %s of a %d x %d block from len %d with leading dimension %d", name, rows, cols, len(x), ld))
	}
	if need := (width + unit - 1) / unit * unit * depth; len(dst) < need {
		panic(fmt.Sprintf("asm: %s into len(dst) = %d, needs %d", name, len(dst), need))
	}
}

// storedShape returns the rows and columns of the matrix that holds op(X), which is r x c.
func storedShape(trans bool, r, c int) (rows, cols int) {
	if trans {
		return c, r
	}
	return r, c
}

// checkDotRows panics unless w holds len(y) rows of len(x) values with leading dimension ldw.
func checkDotRows(y, w []float32, ldw int, x []float32) {
	if ldw < len(x) || len(y) > 0 && len(x) > 0 && len(w) < (len(y)-1)*ldw+len(x) {
		panic(fmt.Sprintf("asm: DotRows of %d rows of %d with ldw = %d from len(w) = %d", len(y), len(x), ldw, len(w)))
	}
}

// checkEpilogue panics unless bias holds n values and, with an activation, h holds m rows of n
// values ldh apart.
func checkEpilogue(m, n int, bias []float32, act Act, h []float32, ldh int) {
	if act < ActNone || act > ActReLU {
		panic(fmt.Sprintf("asm: activation %d", int(act)))
	}
	if m == 0 || n == 0 {
		return
	}
	if len(bias) < n {
		panic(fmt.Sprintf("asm: %d biases for %d columns", len(bias), n))
	}
	if act != ActNone && (ldh < n || len(h) < (m-1)*ldh+n) {
		panic(fmt.Sprintf("asm: activation into len(h) = %d with ldh = %d for %d x %d", len(h), ldh, m, n))
	}
}

// checkRow panics unless RowBiasAct's arguments name only elements inside the slices, for a
// set whose panels are nr columns wide.
func checkRow(nr int, x, b []float32, psb, n int, bias, z, h []float32, act Act) {
	k := len(x)
	if k < 1 || n < 0 || psb < nr*k {
		panic(fmt.Sprintf("asm: RowBiasAct of %d values into %d columns with psb = %d", k, n, psb))
	}
	if n == 0 {
		return
	}
	if last := (n-1)/nr*psb + k*nr - 1; last >= len(b) {
		panic(fmt.Sprintf("asm: RowBiasAct reads b[%d], len(b) = %d", last, len(b)))
	}
	checkEpilogue(1, n, bias, act, h, n)
	if len(z) < n {
		panic(fmt.Sprintf("asm: RowBiasAct of %d columns into len(z) = %d", n, len(z)))
	}
}
