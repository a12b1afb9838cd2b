package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// winoRef computes a transform from its matrices in float64: out = L x R^T for each channel,
// x (rows x cols of channel vectors) read by get.
func winoRef(get func(a, b, ch int) float32, c, rows, cols int, l, r [][]float64) []float64 {
	out := make([]float64, len(l)*len(r)*c)
	for i := range l {
		for j := range r {
			for ch := 0; ch < c; ch++ {
				var s float64
				for a := 0; a < rows; a++ {
					for b := 0; b < cols; b++ {
						s += l[i][a] * float64(get(a, b, ch)) * r[j][b]
					}
				}
				out[(i*len(r)+j)*c+ch] = s
			}
		}
	}
	return out
}

var (
	winoBT = [][]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	winoAT = [][]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
	winoA  = [][]float64{{1, 0}, {1, 1}, {1, -1}, {0, -1}}
)

// TestWinogradTransforms checks every set's transforms against their matrices in float64 and,
// bit for bit, against the Go set's, for channel counts 0 to 40 (the tails of every length), on
// tiles packed and strided inside a wider map, with guards around every output; and that NaN
// and infinities pass as in the Go set.
func TestWinogradTransforms(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	forEachSet(t, func(t *testing.T, s *Set) {
		in, out, gradOut := winoKernels(s)
		r := rand.New(rand.NewPCG(5, 6))
		for c := 0; c <= 40; c++ {
			for _, strided := range []bool{false, true} {
				for _, kind := range []int{0, 1, 2} {
					n := 4 // the tile's side
					if kind > 0 {
						n = 2
					}
					ld, ldRow := c, n*c
					if strided {
						ld, ldRow = c+3, n*(c+3)+5
					}
					tileLen := (n-1)*(ldRow+ld) + c
					tile := randSlice(r, tileLen, 3)
					rows := randSlice(r, 16*c, 3)
					if c%5 == 4 {
						tile[r.IntN(tileLen)] = []float32{nan, inf, -inf}[r.IntN(3)]
						rows[r.IntN(16*c)] = []float32{nan, inf, -inf}[r.IntN(3)]
					}
					tileAt := func(x []float32) func(a, b, ch int) float32 {
						return func(a, b, ch int) float32 { return x[a*ldRow+b*ld+ch] }
					}
					var got, want []float32
					var ref []float64
					switch kind {
					case 0, 2:
						buf, dst := guarded(16*c, 3)
						wantDst := make([]float32, 16*c)
						if kind == 0 {
							in(dst, tile, ld, ldRow, c)
							winogradInGo(wantDst, tile, ld, ldRow, c)
							ref = winoRef(tileAt(tile), c, 4, 4, winoBT, winoBT)
						} else {
							gradOut(dst, tile, ld, ldRow, c)
							winogradGradOutGo(wantDst, tile, ld, ldRow, c)
							ref = winoRef(tileAt(tile), c, 2, 2, winoA, winoA)
						}
						checkGuards(t, buf, 16*c, 3)
						got, want = dst, wantDst
					case 1:
						buf, dst := guarded(tileLen, 3)
						wantDst := make([]float32, tileLen)
						for i := range wantDst {
							wantDst[i] = guard
						}
						out(rows, dst, ld, ldRow, c)
						winogradOutGo(rows, wantDst, ld, ldRow, c)
						ref = winoRef(func(a, b, ch int) float32 { return rows[(4*a+b)*c+ch] }, c, 4, 4, winoAT, winoAT)
						// The values between the tile's rows and pixels are the Go set's guards.
						for i := range buf {
							if (i < 3 || i >= 3+tileLen) && buf[i] != guard {
								t.Fatalf("Out c=%d: element %d outside the tile was overwritten", c, i)
							}
						}
						got, want = make([]float32, 4*c), make([]float32, 4*c)
						for a := 0; a < 4; a++ {
							o := (a/2)*ldRow + (a%2)*ld
							copy(got[a*c:], dst[o:o+c])
							copy(want[a*c:], wantDst[o:o+c])
						}
						for i := range dst {
							if !same(dst[i], wantDst[i]) {
								t.Fatalf("Out c=%d strided=%v: tile element %d is %v, the Go set leaves %v", c, strided, i, dst[i], wantDst[i])
							}
						}
					}
					for i := range got {
						if !same(got[i], want[i]) {
							t.Fatalf("transform %d c=%d strided=%v: [%d] = %v, the Go set gives %v", kind, c, strided, i, got[i], want[i])
						}
						if !math.IsNaN(ref[i]) && !math.IsInf(ref[i], 0) && !close(got[i], float32(ref[i]), 1e-6) {
							t.Fatalf("transform %d c=%d strided=%v: [%d] = %v, the matrices give %v", kind, c, strided, i, got[i], ref[i])
						}
					}
				}
			}
		}
	})
}

// TestWinogradAllocs: the transforms allocate nothing, the AVX2 set's padded tails included.
func TestWinogradAllocs(t *testing.T) {
	rows, tile := make([]float32, 16*13), make([]float32, 16*13)
	if a := testing.AllocsPerRun(10, func() {
		WinogradIn(rows, tile, 13, 52, 13)
		WinogradOut(tile, 13, 26, rows, 13)
		WinogradGradOut(rows, tile, 13, 26, 13)
	}); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

// TestWinogradRejectsShortSlices: a tile that runs past its slice panics before any kernel runs.
func TestWinogradRejectsShortSlices(t *testing.T) {
	for name, f := range map[string]func(){
		"In":      func() { WinogradIn(make([]float32, 16*8), make([]float32, 15*8), 8, 32, 8) },
		"Out":     func() { WinogradOut(make([]float32, 3*8), 8, 16, make([]float32, 16*8), 8) },
		"GradOut": func() { WinogradGradOut(make([]float32, 15*8), make([]float32, 4*8), 8, 16, 8) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
