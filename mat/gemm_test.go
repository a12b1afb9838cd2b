package mat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/klauspost/cpuid/v2"
)

// guard fills the gaps between rows of C (columns n..ldc-1) and the slack after it; Gemm must
// leave it alone.
const guard = float32(-7777.25)

// gemmCase is one product to check: shapes, layouts, scalars and extra leading dimension.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // added to every leading dimension
}

func (tc gemmCase) String() string {
	l := [2]string{"N", "T"}
	ta, tb := 0, 0
	if tc.transA {
		ta = 1
	}
	if tc.transB {
		tb = 1
	}
	return fmt.Sprintf("%s%s/m=%d/n=%d/k=%d/alpha=%v/beta=%v/pad=%d", l[ta], l[tb], tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// operands holds one case's matrices in row-major storage with their leading dimensions.
type operands struct {
	a, b, c0      []float32 // c0: C before the call
	lda, ldb, ldc int
	rowsA, rowsB  int
	colsA, colsB  int
}

func makeOperands(r *rand.Rand, tc gemmCase) operands {
	var o operands
	o.rowsA, o.colsA = tc.m, tc.k
	if tc.transA {
		o.rowsA, o.colsA = tc.k, tc.m
	}
	o.rowsB, o.colsB = tc.k, tc.n
	if tc.transB {
		o.rowsB, o.colsB = tc.n, tc.k
	}
	o.lda, o.ldb, o.ldc = max(o.colsA, 1)+tc.pad, max(o.colsB, 1)+tc.pad, max(tc.n, 1)+tc.pad
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 2*r.Float32() - 1
		}
		return x
	}
	o.a, o.b = fill(o.rowsA*o.lda), fill(o.rowsB*o.ldb)
	o.c0 = make([]float32, tc.m*o.ldc+7)
	for i := range o.c0 {
		o.c0[i] = guard
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			if tc.beta == 0 {
				o.c0[i*o.ldc+j] = float32(math.NaN()) // beta = 0 must not read C
			} else {
				o.c0[i*o.ldc+j] = 2*r.Float32() - 1
			}
		}
	}
	return o
}

// run calls Gemm on a copy of C and returns it.
func (o operands) run(tc gemmCase) []float32 {
	c := append([]float32(nil), o.c0...)
	Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
	return c
}

// check compares c against a float64 triple loop, with a bound on float32 rounding that grows
// with k, and checks that every guard is intact.
func (o operands) check(t *testing.T, tc gemmCase, c []float32) {
	t.Helper()
	for idx, v := range c {
		i, j := idx/o.ldc, idx%o.ldc
		if i >= tc.m || j >= tc.n {
			if v != guard {
				t.Fatalf("%v: element %d outside C (row %d, column %d) changed to %v", tc, idx, i, j, v)
			}
			continue
		}
		var want, mag float64
		for p := 0; p < tc.k; p++ {
			var av, bv float32
			if tc.transA {
				av = o.a[p*o.lda+i]
			} else {
				av = o.a[i*o.lda+p]
			}
			if tc.transB {
				bv = o.b[j*o.ldb+p]
			} else {
				bv = o.b[p*o.ldb+j]
			}
			want += float64(av) * float64(bv)
			mag += math.Abs(float64(av) * float64(bv))
		}
		want *= float64(tc.alpha)
		mag *= math.Abs(float64(tc.alpha))
		if tc.beta != 0 {
			want += float64(tc.beta) * float64(o.c0[idx])
			mag += math.Abs(float64(tc.beta) * float64(o.c0[idx]))
		}
		if tol := 2.5e-7 * float64(tc.k+4) * (mag + 1e-30); math.Abs(float64(v)-want) > tol || math.IsNaN(float64(v)) {
			t.Fatalf("%v: C[%d][%d] = %v, want %v (tolerance %.3g)", tc, i, j, v, want, tol)
		}
	}
}

// forEachSet runs f with every kernel set this CPU can run made current in turn.
func forEachSet(t *testing.T, f func(t *testing.T, s *asm.Set)) {
	for _, s := range asm.Sets() {
		t.Run(s.Name, func(t *testing.T) {
			restore, err := asm.Use(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t, s)
		})
	}
}

// withThreads runs f with SetThreads(n) and restores the previous setting.
func withThreads(n int, f func()) {
	prev := Threads()
	SetThreads(n)
	defer SetThreads(prev)
	f()
}

var scalars = [][2]float32{{1, 0}, {1, 1}, {1, 0.7}, {-0.5, 0}, {-0.5, 1}, {-0.5, 0.7}, {0, 0}, {0, 1}, {0, 0.7}}

// TestGemmSmallShapes checks every layout, alpha and beta on shapes with every m, n, k up to
// 40 (all those with two dimensions below 2 and a pseudo-random twelfth of the others, so the
// test stays fast under emulation), on one thread.
func TestGemmSmallShapes(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *asm.Set) {
		r := rand.New(rand.NewPCG(1, 2))
		withThreads(1, func() {
			count := 0
			for m := 0; m <= 40; m++ {
				for n := 0; n <= 40; n++ {
					for k := 0; k <= 40; k++ {
						edge := (m <= 1 && n <= 1) || (m <= 1 && k <= 1) || (n <= 1 && k <= 1)
						if !edge && r.IntN(12) != 0 {
							continue
						}
						count++
						sc := scalars[count%len(scalars)]
						tc := gemmCase{transA: count&1 != 0, transB: count&2 != 0, m: m, n: n, k: k,
							alpha: sc[0], beta: sc[1], pad: count % 3}
						o := makeOperands(r, tc)
						withLayout(count/4%5-1, func() { o.check(t, tc, o.run(tc)) })
					}
				}
			}
		})
	})
}

// largeCases cross the blocking boundaries: k above blockKC, m above blockMC, n above blockNC,
// and the sizes around powers of two.
var largeCases = [][3]int{
	{63, 64, 65}, {64, 63, 255}, {65, 257, 64}, {255, 65, 63}, {257, 17, 400}, {1000, 9, 13},
	{13, 1000, 40}, {40, 13, 1000}, {7, 4200, 5}, {1, 1000, 257}, {1000, 1, 65}, {2, 300, 300},
	{300, 3, 300}, {200, 200, 3}, {97, 33, 800},
}

// withLayout runs f with forceLayout set to l (-1: Gemm's own choice; 0 to 3: pack neither
// operand, A, B, or both) and restores it.
func withLayout(l int, f func()) {
	prev := forceLayout
	forceLayout = l
	defer func() { forceLayout = prev }()
	f()
}

// TestGemmLargeShapesAndThreads checks larger shapes in every layout against the reference and
// checks that 1, 2, 3 and 7 threads, and packing either operand or reading it in place, give
// bit-identical results.
func TestGemmLargeShapesAndThreads(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *asm.Set) {
		r := rand.New(rand.NewPCG(3, 4))
		for ci, sh := range largeCases {
			for layout := 0; layout < 4; layout++ {
				sc := scalars[(ci+layout)%len(scalars)]
				if sc[0] == 0 {
					sc[0] = 1.5
				}
				tc := gemmCase{transA: layout&1 != 0, transB: layout&2 != 0, m: sh[0], n: sh[1], k: sh[2],
					alpha: sc[0], beta: sc[1], pad: (ci + layout) % 2 * 5}
				o := makeOperands(r, tc)
				var first []float32
				for _, th := range []int{1, 2, 3, 7} {
					for l := -1; l < 4; l++ {
						var c []float32
						withLayout(l, func() { withThreads(th, func() { c = o.run(tc) }) })
						if first == nil {
							o.check(t, tc, c)
							first = c
							continue
						}
						for idx := range c {
							if math.Float32bits(c[idx]) != math.Float32bits(first[idx]) {
								t.Fatalf("%v: %d threads, layout %d give C[%d] = %v, 1 thread %v", tc, th, l, idx, c[idx], first[idx])
							}
						}
					}
				}
			}
		}
	})
}

// TestGemmNarrowSameBits checks, for every set with a narrow set (tunings), that computing the
// columns left of a block with the narrow set's tiles gives the bits the set's own wide tile
// gives, on shapes with every number of columns left, shallow and deep passes, every layout,
// and 1 and 2 threads.
func TestGemmNarrowSameBits(t *testing.T) {
	for i := range setTunings {
		s := setTunings[i].set
		if setTunings[i].narrow == nil {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			restore, err := asm.Use(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			r := rand.New(rand.NewPCG(7, 8))
			narrowSet := setTunings[i].narrow
			for _, n := range []int{5, 16, 17, 32, 47, 48, 63, 64, 65, 80, 100, 112, 128, 150} {
				for _, k := range []int{1, 3, 16, 17, 40, 600} {
					layout := r.IntN(4)
					tc := gemmCase{transA: layout&1 != 0, transB: layout&2 != 0, m: 7 + r.IntN(30), n: n, k: k,
						alpha: []float32{1, -0.5}[r.IntN(2)], beta: []float32{0, 1, 0.7}[r.IntN(3)], pad: r.IntN(3)}
					if 4*n <= s.NR && !tc.transA {
						// Without the narrow set, so few columns are computed by DotRows,
						// whose sums are formed in another order.
						continue
					}
					o := makeOperands(r, tc)
					for _, th := range []int{1, 2} {
						var narrow, wide []float32
						withThreads(th, func() {
							narrow = o.run(tc)
							setTunings[i].narrow = nil
							defer func() { setTunings[i].narrow = narrowSet }()
							wide = o.run(tc)
						})
						o.check(t, tc, narrow)
						for idx := range narrow {
							if math.Float32bits(narrow[idx]) != math.Float32bits(wide[idx]) {
								t.Fatalf("%v, %d threads: C[%d] = %v with the narrow set, %v without", tc, th, idx, narrow[idx], wide[idx])
							}
						}
					}
				}
			}
		})
	}
}

// TestGemmConcurrentCallers runs Gemm from several goroutines at once and compares each result
// with the same product computed alone.
func TestGemmConcurrentCallers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var cases []gemmCase
	var ops []operands
	var want [][]float32
	for i := 0; i < 6; i++ {
		tc := gemmCase{transA: i&1 != 0, transB: i&2 != 0, m: 70 + 13*i, n: 50 + 7*i, k: 90 - 5*i, alpha: 1, beta: 0.5}
		o := makeOperands(r, tc)
		cases, ops, want = append(cases, tc), append(ops, o), append(want, o.run(tc))
	}
	withThreads(2, func() {
		var wg sync.WaitGroup
		errs := make([]string, len(cases))
		for i := range cases {
			wg.Go(func() {
				for range 5 {
					c := ops[i].run(cases[i])
					for idx := range c {
						if math.Float32bits(c[idx]) != math.Float32bits(want[i][idx]) {
							errs[i] = fmt.Sprintf("%v: concurrent C[%d] = %v, alone %v", cases[i], idx, c[idx], want[i][idx])
							return
						}
					}
				}
			})
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Error(e)
			}
		}
	})
}

// TestGemmAllocs checks that a call allocates nothing once its shape has been seen.
func TestGemmAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][3]int{{1, 64, 64}, {256, 64, 3}, {200, 130, 70}, {64, 64, 500}, {300, 2, 64}, {2, 300, 64}} {
		for layout := 0; layout < 4; layout++ {
			tc := gemmCase{transA: layout&1 != 0, transB: layout&2 != 0, m: sh[0], n: sh[1], k: sh[2], alpha: 1, beta: 0.5}
			o := makeOperands(r, tc)
			c := append([]float32(nil), o.c0...)
			for _, th := range []int{1, 2, 3} {
				withThreads(th, func() {
					call := func() {
						Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
					}
					call()
					if allocs := allocsPerCall(5, call); allocs != 0 {
						t.Errorf("%v, %d threads: %v allocations per call", tc, th, allocs)
					}
				})
			}
		}
	}
}

// TestLocal runs products on Locals, several at once inside Parallel, and checks that each gives
// the bits Gemm gives, and that a Local allocates nothing once it has seen a shape.
func TestLocal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var cases []gemmCase
	var ops []operands
	var want [][]float32
	for i, sh := range [][3]int{{1, 64, 64}, {2, 5, 7}, {64, 64, 64}, {257, 130, 70}, {300, 2, 64}, {6, 300, 600}, {33, 17, 1}, {0, 4, 4}} {
		tc := gemmCase{transA: i&1 != 0, transB: i&2 != 0, m: sh[0], n: sh[1], k: sh[2], alpha: 1.5, beta: float32(i % 2), pad: i % 3}
		o := makeOperands(r, tc)
		cases, ops, want = append(cases, tc), append(ops, o), append(want, withThreads3(o, tc))
	}
	locals := make([]Local, len(cases))
	results := make([][]float32, len(cases))
	withThreads(2, func() {
		Parallel(len(cases), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				tc, o := cases[i], ops[i]
				c := append([]float32(nil), o.c0...)
				locals[i].Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
				results[i] = c
			}
		})
	})
	for i, tc := range cases {
		for idx, v := range results[i] {
			if math.Float32bits(v) != math.Float32bits(want[i][idx]) {
				t.Fatalf("%v: Local gives C[%d] = %v, Gemm %v", tc, idx, v, want[i][idx])
			}
		}
		o, c := ops[i], results[i]
		call := func() {
			locals[i].Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
		}
		if allocs := allocsPerCall(5, call); allocs != 0 {
			t.Errorf("%v: %v allocations per Local call", tc, allocs)
		}
	}
}

// withThreads3 is Gemm's result on three threads, the reference for TestLocal.
func withThreads3(o operands, tc gemmCase) (c []float32) {
	withThreads(3, func() { c = o.run(tc) })
	return c
}

// TestParallel checks that Parallel covers [0, n) exactly once, in at most Threads() ranges.
func TestParallel(t *testing.T) {
	for _, th := range []int{1, 2, 3, 7} {
		for _, n := range []int{0, 1, 2, 5, 100} {
			withThreads(th, func() {
				hits := make([]int, n)
				var mu sync.Mutex
				calls := 0
				Parallel(n, func(lo, hi int) {
					mu.Lock()
					calls++
					mu.Unlock()
					for i := lo; i < hi; i++ {
						hits[i]++
					}
				})
				for i, h := range hits {
					if h != 1 {
						t.Fatalf("threads=%d n=%d: index %d visited %d times", th, n, i, h)
					}
				}
				if calls > th {
					t.Fatalf("threads=%d n=%d: %d ranges", th, n, calls)
				}
			})
		}
	}
}

// TestGemmPanics checks that bad shapes, leading dimensions and short slices panic with a
// message that names the argument.
func TestGemmPanics(t *testing.T) {
	buf := make([]float32, 100)
	cases := []struct {
		name string
		call func()
	}{
		{"negative", func() { Gemm(false, false, -1, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) }},
		{"lda", func() { Gemm(false, false, 2, 2, 3, 1, buf, 2, buf, 2, 0, buf, 2) }},
		{"lda", func() { Gemm(true, false, 3, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) }},
		{"ldb", func() { Gemm(false, false, 2, 3, 2, 1, buf, 2, buf, 2, 0, buf, 3) }},
		{"ldb", func() { Gemm(false, true, 2, 2, 3, 1, buf, 3, buf, 2, 0, buf, 2) }},
		{"ldc", func() { Gemm(false, false, 2, 3, 2, 1, buf, 2, buf, 3, 0, buf, 2) }},
		{"len(a)", func() { Gemm(false, false, 4, 2, 3, 1, buf[:11], 3, buf, 2, 0, buf, 2) }},
		{"len(b)", func() { Gemm(false, true, 2, 4, 3, 1, buf, 3, buf[:11], 3, 0, buf, 4) }},
		{"len(c)", func() { Gemm(false, false, 3, 3, 2, 1, buf, 2, buf, 3, 0, buf[:10], 4) }},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tc.name) {
					t.Errorf("%s: panic %q does not name the argument", tc.name, msg)
				}
			}()
			tc.call()
		}()
	}
}

// TestImpl checks that the expected kernel set is the one in use: the one FMTINY_KERNELS
// names, or else the best this CPU runs.
func TestImpl(t *testing.T) {
	if name := os.Getenv(asm.KernelsEnv); name != "" && asm.KernelsErr() == nil {
		if got := Impl(); got != name {
			t.Fatalf("Impl() = %q with %s=%s", got, asm.KernelsEnv, name)
		}
		return
	}
	switch runtime.GOARCH {
	case "amd64":
		want := "go"
		switch {
		case puregoTag:
		case cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3):
			want = "avx512"
		case cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3):
			want = "avx2-fma"
		}
		if got := Impl(); got != want {
			t.Fatalf("Impl() = %q, want %q", got, want)
		}
	case "arm64":
		if puregoTag {
			if Impl() != "go" {
				t.Fatalf("Impl() = %q with purego, want go", Impl())
			}
			return
		}
		neon := false
		for _, s := range asm.Sets() {
			neon = neon || s.Name == "neon"
		}
		if !neon {
			t.Skip("asm registers no \"neon\" set yet: the NEON kernels have not landed")
		}
		if got := Impl(); got != "neon" {
			t.Fatalf("Impl() = %q, want neon", got)
		}
	default:
		if got := Impl(); got != "go" {
			t.Fatalf("Impl() = %q on %s, want go", got, runtime.GOARCH)
		}
	}
}

// FuzzGemm compares Gemm with the reference on fuzzed shapes, layouts, scalars, leading
// dimensions and thread counts.
func FuzzGemm(f *testing.F) {
	f.Add(uint8(5), uint8(7), uint8(3), uint8(0), uint8(0), uint8(1), uint64(1))
	f.Add(uint8(70), uint8(1), uint8(65), uint8(3), uint8(4), uint8(2), uint64(2))
	f.Add(uint8(1), uint8(33), uint8(17), uint8(2), uint8(8), uint8(3), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, layout, scalar, th uint8, seed uint64) {
		sc := scalars[int(scalar)%len(scalars)]
		tc := gemmCase{transA: layout&1 != 0, transB: layout&2 != 0, m: int(m % 80), n: int(n % 80), k: int(k),
			alpha: sc[0], beta: sc[1], pad: int(layout>>2) % 4}
		o := makeOperands(rand.New(rand.NewPCG(seed, 9)), tc)
		var c []float32
		withThreads(1+int(th%4), func() { c = o.run(tc) })
		o.check(t, tc, c)
	})
}

// TestSetThreadsBounds: 0 and below mean GOMAXPROCS, and a count past MaxThreads (even past
// int32's range) is MaxThreads.
func TestSetThreadsBounds(t *testing.T) {
	defer SetThreads(Threads())
	for n, want := range map[int]int{0: runtime.GOMAXPROCS(0), -3: runtime.GOMAXPROCS(0), 5: 5, MaxThreads + 1: MaxThreads, 1 << 40: MaxThreads} {
		if SetThreads(n); Threads() != want {
			t.Errorf("SetThreads(%d): Threads() = %d, want %d", n, Threads(), want)
		}
	}
}
