//go:build linux && gc && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"testing"
)

// TestNEONAdamStaysInBounds runs the NEON Adam and EMA on slices that end right before an
// inaccessible page (fenced), for every tail length, so that a read or write of one value past
// the end faults; the results must still be the Go set's, bit for bit.
func TestNEONAdamStaysInBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	sc := adamCases[5]
	for n := range 40 {
		p0, g0 := spread(r, n, false), spread(r, n, false)
		m0, v0 := spread(r, n, false), spread(r, n, true)
		wantP, wantM, wantV := clone(p0), clone(m0), clone(v0)
		goSet.Adam(wantP, g0, wantM, wantV, sc)
		p, g, m, v := fill(t, p0), fill(t, g0), fill(t, m0), fill(t, v0)
		neonSet.Adam(p, g, m, v, sc)
		if sameBits(p, wantP) >= 0 || sameBits(m, wantM) >= 0 || sameBits(v, wantV) >= 0 {
			t.Fatalf("n=%d: Adam differs from the Go set", n)
		}

		want := clone(m0)
		goSet.EMA(want, p0, 0.99, 0.01)
		avg := fill(t, m0)
		neonSet.EMA(avg, fill(t, p0), 0.99, 0.01)
		if i := sameBits(avg, want); i >= 0 {
			t.Fatalf("n=%d: EMA avg[%d] = %v, want %v", n, i, avg[i], want[i])
		}
	}
}
