package mat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
)

// unfusedRef is what GemmBiasAct must give bit for bit: Gemm, then the row passes over every
// row of C.
func unfusedRef(s *asm.Set, tc gemmCase, o operands, bias []float32, act asm.Act, ldh int) (c, h []float32) {
	c = append([]float32(nil), o.c0...)
	Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
	h = make([]float32, tc.m*ldh+3)
	for i := range tc.m {
		z, hr := c[i*o.ldc:i*o.ldc+tc.n], h[i*ldh:i*ldh+tc.n]
		switch act {
		case asm.ActNone:
			s.AddBias(z, bias)
		case asm.ActSiLU:
			s.BiasSiLU(z, hr, bias)
		case asm.ActReLU:
			s.BiasReLU(z, hr, bias)
		}
	}
	return c, h
}

// TestGemmBiasAct: a product with its bias and activation gives the bits of Gemm followed by
// the row passes, on every set (fused where the set has the kernel, passes elsewhere), every
// method (the point rows, a few columns, blocks with edges on both sides, several k passes),
// every layout, with H apart or C itself, with op(B) packed once or not, on 1, 2 and 3 threads
// and on a Local; and it allocates nothing.
func TestGemmBiasAct(t *testing.T) {
	shapes := [][3]int{{1, 64, 64}, {2, 130, 3}, {5, 7, 9}, {64, 64, 64}, {100, 64, 3}, {257, 130, 70}, {300, 2, 64}, {13, 200, 600}, {192, 256, 128}}
	threads := []int{0, 1, 2, 3} // 0: a Local
	if testing.Short() {
		// Under emulation (41 s for the whole list on arm64): a point row, a small product,
		// the input layer and a blocked one with edges on both sides, on one and two threads.
		shapes = [][3]int{{1, 64, 64}, {5, 7, 9}, {100, 64, 3}, {257, 130, 70}}
		threads = threads[:3]
	}
	forEachSet(t, func(t *testing.T, s *asm.Set) {
		r := rand.New(rand.NewPCG(21, 22))
		for i, sh := range shapes {
			for layout := range 4 {
				for _, act := range []asm.Act{asm.ActNone, asm.ActSiLU, asm.ActReLU} {
					tc := gemmCase{transA: layout&1 != 0, transB: layout&2 != 0, m: sh[0], n: sh[1], k: sh[2], alpha: 1, pad: i % 2}
					t.Run(fmt.Sprintf("%v/act=%d", tc, act), func(t *testing.T) {
						checkGemmBiasAct(t, s, r, tc, act, threads)
					})
				}
			}
		}
	})
}

func checkGemmBiasAct(t *testing.T, s *asm.Set, r *rand.Rand, tc gemmCase, act asm.Act, threads []int) {
	o := makeOperands(r, tc)
	bias := make([]float32, tc.n)
	for j := range bias {
		bias[j] = 2*r.Float32() - 1
	}
	ldh := tc.n + 2
	wantC, wantH := unfusedRef(s, tc, o, bias, act, ldh)
	var pb PackedB
	pb.Pack(tc.transB, tc.k, tc.n, o.b, o.ldb)
	compare := func(name string, c, h []float32, inPlace bool) {
		t.Helper()
		for idx, v := range c {
			want := wantC[idx]
			if i, j := idx/o.ldc, idx%o.ldc; inPlace && act != asm.ActNone && i < tc.m && j < tc.n {
				want = wantH[i*ldh+j]
			}
			if math.Float32bits(v) != math.Float32bits(want) {
				t.Fatalf("%s: C[%d] = %v, unfused %v", name, idx, v, want)
			}
		}
		if inPlace || act == asm.ActNone {
			return
		}
		for i := range tc.m {
			for j := range tc.n {
				if v, w := h[i*ldh+j], wantH[i*ldh+j]; math.Float32bits(v) != math.Float32bits(w) {
					t.Fatalf("%s: H[%d][%d] = %v, unfused %v", name, i, j, v, w)
				}
			}
		}
	}
	var local Local
	for _, packed := range []bool{false, true} {
		for _, inPlace := range []bool{false, true} {
			for _, th := range threads {
				c := append([]float32(nil), o.c0...)
				h := make([]float32, tc.m*ldh+3)
				e := &Epilogue{Bias: bias, Act: act, H: h, LDH: ldh}
				if inPlace {
					e.H, e.LDH = c, o.ldc
				}
				if packed {
					e.B = &pb
				}
				call := func() {
					if th == 0 {
						local.GemmBiasAct(tc.transA, tc.transB, tc.m, tc.n, tc.k, o.a, o.lda, o.b, o.ldb, c, o.ldc, e)
					} else {
						GemmBiasAct(tc.transA, tc.transB, tc.m, tc.n, tc.k, o.a, o.lda, o.b, o.ldb, c, o.ldc, e)
					}
				}
				withThreads(max(th, 1), call)
				compare(fmt.Sprintf("packed=%v inplace=%v threads=%d", packed, inPlace, th), c, h, inPlace)
				if !inPlace && th <= 2 {
					withThreads(max(th, 1), func() {
						if a := allocsPerCall(3, func() {
							copy(c, o.c0)
							call()
						}); a != 0 {
							t.Fatalf("packed=%v threads=%d: %v allocations per call", packed, th, a)
						}
					})
				}
			}
		}
	}
}

// TestPackedBOtherSet: a PackedB made with one kernel set is ignored by a product on another
// (its panels have another width), which then packs B itself and gets its own bits.
func TestPackedBOtherSet(t *testing.T) {
	sets := asm.Sets()
	if len(sets) < 2 {
		t.Skip("one kernel set")
	}
	r := rand.New(rand.NewPCG(23, 24))
	tc := gemmCase{transB: true, m: 64, n: 70, k: 33, alpha: 1}
	o := makeOperands(r, tc)
	bias := make([]float32, tc.n)
	var pb PackedB
	restore, _ := asm.Use(sets[0].Name)
	pb.Pack(true, tc.k, tc.n, o.b, o.ldb)
	restore()
	restore, _ = asm.Use(sets[len(sets)-1].Name)
	defer restore()
	want, _ := unfusedRef(sets[len(sets)-1], tc, o, bias, asm.ActNone, tc.n)
	c := append([]float32(nil), o.c0...)
	GemmBiasAct(false, true, tc.m, tc.n, tc.k, o.a, o.lda, o.b, o.ldb, c, o.ldc, &Epilogue{Bias: bias, B: &pb})
	for i, v := range c {
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			t.Fatalf("C[%d] = %v, want %v", i, v, want[i])
		}
	}
}
