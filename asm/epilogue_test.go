package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// unfused is what a fused kernel must equal bit for bit: a row of sums (Block's), then the
// bias and the activation as the set's row passes compute them.
func unfused(s *Set, z, h, bias []float32, act Act) {
	switch act {
	case ActNone:
		s.AddBias(z, bias)
	case ActSiLU:
		s.BiasSiLU(z, h, bias)
	case ActReLU:
		s.BiasReLU(z, h, bias)
	}
}

var acts = []Act{ActNone, ActSiLU, ActReLU}

// TestBlockBiasAct: the fused epilogue gives the bits of Block followed by the row passes, in
// every layout Block reads, with H apart from C or C itself, for every set that has it; the
// values outside the block, and H where there is no activation, stay untouched.
func TestBlockBiasAct(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		if s.BlockBiasAct == nil {
			t.Skip("no fused kernel in this set")
		}
		r := rand.New(rand.NewPCG(11, 12))
		for _, l := range blockLayouts {
			for _, k := range []int{0, 1, 3, 16, 64, 129} {
				for _, tiles := range [][2]int{{1, 1}, {3, 2}, {2, 3}, {0, 1}} {
					for _, act := range acts {
						for _, inPlace := range []bool{false, true} {
							m, n := tiles[0]*s.MR, tiles[1]*s.NR
							t.Run(fmt.Sprintf("%s/m=%d/n=%d/k=%d/act=%d/inplace=%v", l.name, m, n, k, act, inPlace), func(t *testing.T) {
								checkBlockBiasAct(t, s, r, l, m, n, k, act, inPlace)
							})
						}
					}
				}
			}
		}
	})
}

func checkBlockBiasAct(t *testing.T, s *Set, r *rand.Rand, l blockLayout, m, n, k int, act Act, inPlace bool) {
	av, bv := randSlice(r, m*k, 1), randSlice(r, k*n, 1)
	a, psa, rsa, csa, b, psb, rsb := blockOperands(s, l, m, n, k, 3, av, bv)
	bias := randSlice(r, n, 1)
	ldc, ldh := n+3, n+5
	size := max(0, (m-1)*ldc+n)
	// The reference: Block, then the passes row by row.
	want := make([]float32, size)
	wantH := make([]float32, max(0, (m-1)*ldh+n))
	s.Block(m, n, k, 1, a, psa, rsa, csa, b, psb, rsb, want, ldc, false)
	for i := range m {
		h := wantH[i*ldh : i*ldh+n]
		if inPlace {
			h = want[i*ldc : i*ldc+n]
		}
		unfused(s, want[i*ldc:i*ldc+n], h, bias, act)
	}
	buf, c := guarded(size, 1)
	for i := range c {
		c[i] = float32(math.NaN()) // never read
		if m > 0 && i%ldc >= n {
			c[i] = guard
		}
	}
	hsize := max(0, (m-1)*ldh+n)
	hbuf, h := guarded(hsize, 2)
	for i := range h {
		if m > 0 && i%ldh >= n {
			h[i] = guard
		}
	}
	if inPlace {
		s.BlockBiasAct(m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc, bias, act, c, ldc)
	} else {
		s.BlockBiasAct(m, n, k, a, psa, rsa, csa, b, psb, rsb, c, ldc, bias, act, h, ldh)
	}
	checkGuards(t, buf, size, 1)
	checkGuards(t, hbuf, hsize, 2)
	for i := range m {
		for j := range n {
			if got, w := c[i*ldc+j], want[i*ldc+j]; math.Float32bits(got) != math.Float32bits(w) {
				t.Fatalf("C[%d][%d] = %v, unfused %v", i, j, got, w)
			}
			if inPlace || act == ActNone {
				if !inPlace && h[i*ldh+j] != guard {
					t.Fatalf("H[%d][%d] written without an activation", i, j)
				}
				continue
			}
			if got, w := h[i*ldh+j], wantH[i*ldh+j]; math.Float32bits(got) != math.Float32bits(w) {
				t.Fatalf("H[%d][%d] = %v, unfused %v", i, j, got, w)
			}
		}
	}
}

// TestRowBiasAct: one row through packed weights gives the bits of the first row of Block on
// the same panels followed by the row pass, at every width around the panels' (the last
// panel partial or whole), with h apart from z or z itself; nothing past n is written.
func TestRowBiasAct(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		if s.RowBiasAct == nil {
			t.Skip("no row kernel in this set")
		}
		r := rand.New(rand.NewPCG(13, 14))
		for _, k := range []int{1, 2, 3, 17, 64, 130} {
			for _, n := range []int{1, 2, 15, 16, 17, 63, 64, 65, 128, 130, 200} {
				for _, act := range acts {
					for _, inPlace := range []bool{false, true} {
						panels := (n + s.NR - 1) / s.NR
						bv := randSlice(r, k*n, 1)
						packed := make([]float32, panels*s.NR*k)
						s.PackB(packed, bv, n, false, k, n)
						x, bias := randSlice(r, k, 1), randSlice(r, n, 1)
						// The reference: the row and five copies through Block, then the pass.
						a := make([]float32, s.MR*k)
						for i := range s.MR {
							copy(a[i*k:], x)
						}
						full := make([]float32, s.MR*panels*s.NR)
						s.Block(s.MR, panels*s.NR, k, 1, a, s.MR*k, k, 1, packed, s.NR*k, s.NR, full, panels*s.NR, false)
						want, wantH := slices.Clone(full[:n]), make([]float32, n)
						if inPlace {
							wantH = want
						}
						unfused(s, want, wantH, bias, act)
						zbuf, z := guarded(n, 1)
						hbuf, h := guarded(n, 3)
						if inPlace {
							s.RowBiasAct(x, packed, s.NR*k, n, bias, z, z, act)
						} else {
							s.RowBiasAct(x, packed, s.NR*k, n, bias, z, h, act)
						}
						checkGuards(t, zbuf, n, 1)
						checkGuards(t, hbuf, n, 3)
						name := fmt.Sprintf("k=%d n=%d act=%d inplace=%v", k, n, act, inPlace)
						for j := range n {
							if math.Float32bits(z[j]) != math.Float32bits(want[j]) {
								t.Fatalf("%s: z[%d] = %v, Block and the pass %v", name, j, z[j], want[j])
							}
							if !inPlace && act != ActNone && math.Float32bits(h[j]) != math.Float32bits(wantH[j]) {
								t.Fatalf("%s: h[%d] = %v, Block and the pass %v", name, j, h[j], wantH[j])
							}
						}
					}
				}
			}
		}
	})
}
