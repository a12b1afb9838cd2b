//go:build linux && gc && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"testing"
)

// TestEpilogueStaysInBounds puts the fused kernels' inputs and outputs right before an
// inaccessible page: RowBiasAct at every width up to two panels and one more (its masked
// tails) and some wider and BlockBiasAct's biases and H, so that a read or write past a slice faults.
func TestEpilogueStaysInBounds(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(15, 16))
		if s.RowBiasAct != nil {
			widths := []int{64, 65, 127, 129, 200} // avx2-fma's groups of four panels
			for n := 1; n <= 2*s.NR+1; n++ {
				widths = append(widths, n)
			}
			for _, n := range widths {
				for _, k := range []int{1, 3, 17} {
					for _, act := range acts {
						fenced(t, func(f *fences) {
							panels := (n + s.NR - 1) / s.NR
							packed := make([]float32, panels*s.NR*k)
							s.PackB(packed, randSlice(r, k*n, 1), n, false, k, n)
							z, h := f.fenced(n), f.fenced(n)
							s.RowBiasAct(f.fill(randSlice(r, k, 1)), f.fill(packed), s.NR*k, n, f.fill(randSlice(r, n, 1)), z, h, act)
						})
					}
				}
			}
		}
		if s.BlockBiasAct != nil {
			for _, act := range acts {
				fenced(t, func(f *fences) {
					m, n, k := 2*s.MR, 2*s.NR, 5
					a := f.fill(randSlice(r, m*k, 1))
					b := f.fill(randSlice(r, k*n, 1))
					c, h := f.fenced(m*n), f.fenced((m-1)*(n+1)+n)
					s.BlockBiasAct(m, n, k, a, s.MR*k, k, 1, b, s.NR, n, c, n, f.fill(randSlice(r, n, 1)), act, h, n+1)
				})
			}
		}
	})
}
