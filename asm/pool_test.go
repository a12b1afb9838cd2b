package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPoolKernels checks every set's Max4 and Bilerp against the Go set's, bit for bit (NaN
// against NaN), on every length to 70 and some longer, every alignment, with guards after the
// outputs, on values that include ties, signed zeros, infinities and NaN.
func TestPoolKernels(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	nz := float32(math.Copysign(0, -1))
	special := []float32{nan, inf, -inf, 0, nz, 1, -1, 0.5}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	forEachSet(t, func(t *testing.T, s *Set) {
		max4, bilerp := poolKernels(s)
		r := rand.New(rand.NewPCG(9, 9))
		for _, n := range lengths {
			for off := 0; off < 8; off++ {
				var in [4][]float32
				for k := range in {
					in[k] = randSlice(r, n, 2)
					for i := range in[k] {
						if r.IntN(6) == 0 {
							in[k][i] = special[r.IntN(len(special))]
						}
					}
				}
				buf, dst := guarded(n, off)
				max4(dst, in[0], in[1], in[2], in[3])
				checkGuards(t, buf, n, off)
				want := make([]float32, n)
				max4Go(want, in[0], in[1], in[2], in[3])
				for i := range dst {
					if !same(dst[i], want[i]) {
						t.Fatalf("Max4 n=%d off=%d: [%d] of %v %v %v %v is %v, Go's max gives %v",
							n, off, i, in[0][i], in[1][i], in[2][i], in[3][i], dst[i], want[i])
					}
				}
				buf, dst = guarded(n, off)
				bilerp(dst, in[0], in[1], in[2], in[3], 0.75, 0.25, 0.25, 0.75)
				checkGuards(t, buf, n, off)
				bilerpGo(want, in[0], in[1], in[2], in[3], 0.75, 0.25, 0.25, 0.75)
				for i := range dst {
					if !same(dst[i], want[i]) {
						t.Fatalf("Bilerp n=%d off=%d: [%d] is %v, the Go set gives %v", n, off, i, dst[i], want[i])
					}
				}
			}
		}
	})
}

// TestPoolPackageFunctions checks Max4's signed zeros and NaN, and Bilerp's order, through the
// package functions.
func TestPoolPackageFunctions(t *testing.T) {
	nz := float32(math.Copysign(0, -1))
	dst := make([]float32, 3)
	Max4(dst, []float32{nz, nz, 1}, []float32{0, nz, float32(math.NaN())}, []float32{nz, nz, 2}, []float32{nz, nz, 3})
	if math.Signbit(float64(dst[0])) || !math.Signbit(float64(dst[1])) || dst[2] == dst[2] {
		t.Fatalf("Max4: %v", dst)
	}
	Bilerp(dst[:1], []float32{1}, []float32{2}, []float32{3}, []float32{4}, 0.75, 0.25, 0.25, 0.75)
	if dst[0] != (1*0.75+2*0.25)*0.25+(3*0.75+4*0.25)*0.75 {
		t.Fatalf("Bilerp: %v", dst[0])
	}
}
