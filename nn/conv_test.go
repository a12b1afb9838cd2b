package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// This file tests the image layers (conv.go, pool.go, upsample.go) against plain float64
// references written from the definitions, and their gradients against float64 central finite
// differences of those references.

// convShape is one convolution test case: n images of h x w, cin -> cout channels, k x k with
// padding pad, the input and output maps padded to wider rows (ld > c) when strided.
type convShape struct {
	n, h, w, cin, cout, k, pad int
	strided                    bool
}

func (s convShape) String() string {
	return fmt.Sprintf("n%d/%dx%d/%d->%d/k%d/p%d/strided=%v", s.n, s.h, s.w, s.cin, s.cout, s.k, s.pad, s.strided)
}

// randomConvShapes returns count random cases: k 1, 3 or 5, padding 0 to 2, channels 1 to 9,
// sides 1 to 9 (those whose output would be empty drawn again).
func randomConvShapes(rng *rand.Rand, count int) []convShape {
	var out []convShape
	for len(out) < count {
		s := convShape{n: 1 + rng.IntN(3), h: 1 + rng.IntN(9), w: 1 + rng.IntN(9),
			cin: 1 + rng.IntN(9), cout: 1 + rng.IntN(9), k: []int{1, 3, 5}[rng.IntN(3)], pad: rng.IntN(3),
			strided: rng.IntN(2) == 1}
		if s.h+2*s.pad-s.k+1 < 1 || s.w+2*s.pad-s.k+1 < 1 {
			continue
		}
		out = append(out, s)
	}
	return out
}

// newMap returns a map of n images of h x w with c channels in rows of ld >= c values (the
// values beyond c set to a marker that no layer may read or change), filled uniformly on
// [-scale, scale].
func newMap(rng *rand.Rand, n, h, w, c int, strided bool, scale float64) fmap {
	ld := c
	if strided {
		ld = c + 3
	}
	x := make([]float32, n*h*w*ld)
	for i := range x {
		if i%ld < c {
			x[i] = float32((2*rng.Float64() - 1) * scale)
		} else {
			x[i] = guardValue
		}
	}
	return fmap{x: x, ld: ld, c: c, n: n, h: h, w: w}
}

// guardValue fills the columns of a strided map that lie outside it.
const guardValue = 1234.5

// checkGuards fails unless the columns outside the map f still hold guardValue.
func checkGuards(t *testing.T, what string, f fmap) {
	t.Helper()
	for i, v := range f.x {
		if i%f.ld >= f.c && v != guardValue {
			t.Fatalf("%s: value %d outside the map was changed to %v", what, i, v)
		}
	}
}

// at returns the value of f at (image, y, x, channel) in float64.
func (f fmap) at(img, y, x, c int) float64 { return float64(f.x[((img*f.h+y)*f.w+x)*f.ld+c]) }

// refConv computes the convolution of x (float64 copy xs of its values, same indexing) with
// weights w [cout, cin, k, k] and bias b directly: y[img][oy][ox][co].
func refConv(xs []float64, x fmap, w, b []float64, cout, k, pad int) []float64 {
	ho, wo := x.h+2*pad-k+1, x.w+2*pad-k+1
	y := make([]float64, x.n*ho*wo*cout)
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for co := 0; co < cout; co++ {
					s := b[co]
					for ci := 0; ci < x.c; ci++ {
						for dy := 0; dy < k; dy++ {
							for dx := 0; dx < k; dx++ {
								sy, sx := oy+dy-pad, ox+dx-pad
								if sy < 0 || sy >= x.h || sx < 0 || sx >= x.w {
									continue
								}
								s += w[((co*x.c+ci)*k+dy)*k+dx] * xs[((img*x.h+sy)*x.w+sx)*x.ld+ci]
							}
						}
					}
					y[((img*ho+oy)*wo+ox)*cout+co] = s
				}
			}
		}
	}
	return y
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// newTestConv returns a convolution of the shape s with random weights and gradient buffers.
func newTestConv(rng *rand.Rand, s convShape) *conv2d {
	L := &conv2d{cin: s.cin, cout: s.cout, k: s.k, pad: s.pad}
	L.w = randSlice(rng, L.numWeights(), 1)
	L.b = randSlice(rng, s.cout, 1)
	L.dw = make([]float32, L.numWeights())
	L.db = make([]float32, s.cout)
	return L
}

// newConvScratch returns scratch large enough for L over a map of n images of h x w (input and
// output).
func newConvScratch(L *conv2d, n, h, w int) *convScratch {
	rows := n * max(h, L.outSize(h)) * max(w, L.outSize(w))
	th, tw := winoTiles(h, w)
	return &convScratch{local: new(mat.Local),
		col: make([]float32, max(colSize(rows, L.patch()), colSize(rows, L.k*L.k*L.cout), winoScratchSize(L.cin, L.cout, n*th*tw, tw)))}
}

// reordered returns L's weights reordered for the forward (or, flipped, the input gradient's)
// products: Winograd's U when wino.
func reordered(L *conv2d, wino, flipped bool) []float32 {
	if wino {
		u := make([]float32, 16*L.cin*L.cout)
		winoWeights(L, u, flipped)
		return u
	}
	w := make([]float32, L.numWeights())
	if flipped {
		L.reorderBackward(w)
	} else {
		L.reorderForward(w)
	}
	return w
}

// runConv runs L forward on x with the bias alone after it, and returns the output map.
func runConv(t *testing.T, L *conv2d, wino bool, x fmap, strided bool) fmap {
	ho, wo := L.outSize(x.h), L.outSize(x.w)
	y := newMap(rand.New(rand.NewPCG(1, 1)), x.n, ho, wo, L.cout, strided, 0)
	for i := range y.x {
		if i%y.ld < y.c {
			y.x[i] = float32(math.NaN()) // the product must overwrite, not accumulate
		}
	}
	s := newConvScratch(L, x.n, x.h, x.w)
	convForward(s, L, wino, reordered(L, wino, false), x, y, &postOp{act: noAct, z: y, h: y, b: L.b})
	checkGuards(t, "conv output", y)
	return y
}

// winoShapes returns count random cases for Winograd's convolution: 3x3 with padding 1, 8 to
// 20 channels, sides 1 to 9 (odd ones leave tiles half outside).
func winoShapes(rng *rand.Rand, count int) []convShape {
	var out []convShape
	for range count {
		out = append(out, convShape{n: 1 + rng.IntN(3), h: 1 + rng.IntN(9), w: 1 + rng.IntN(9),
			cin: 8 + rng.IntN(13), cout: 8 + rng.IntN(13), k: 3, pad: 1, strided: rng.IntN(2) == 1})
	}
	return out
}

// TestConvForward compares the convolution with the direct float64 reference on random shapes,
// im2col's and (on 3x3 shapes with padding 1) Winograd's, for every kernel set, with the
// patch matrix or the tiles cut into one chunk and into several.
func TestConvForward(t *testing.T) {
	defer func(b, w int) { colBudget, winoBudget = b, w }(colBudget, winoBudget)
	forEachSet(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, budget := range []int{256 << 10, 1} {
			colBudget, winoBudget = budget, budget
			shapes := randomConvShapes(rng, 40)
			wino := len(shapes)
			shapes = append(shapes, winoShapes(rng, 20)...)
			for i, s := range shapes {
				t.Run(fmt.Sprintf("budget=%d/wino=%v/%v", budget, i >= wino, s), func(t *testing.T) {
					L := newTestConv(rng, s)
					x := newMap(rng, s.n, s.h, s.w, s.cin, s.strided, 2)
					y := runConv(t, L, i >= wino, x, s.strided)
					want := refConv(to64(x.x), x, to64(L.w), to64(L.b), s.cout, s.k, s.pad)
					for i, v := range want {
						r := i / s.cout
						got := float64(y.x[r*y.ld+i%s.cout])
						if math.Abs(got-v) > 1e-5*(1+math.Abs(v))*float64(s.k*s.k*s.cin) {
							t.Fatalf("output %d is %v, the reference gives %v", i, got, v)
						}
					}
				})
			}
		}
	})
}

// TestConvManyChunks runs a convolution over enough rows for several chunks at the default
// budget (a UNet's layer over a few images) against the reference.
func TestConvManyChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := convShape{n: 3, h: 28, w: 28, cin: 40, cout: 24, k: 3, pad: 1}
	L := newTestConv(rng, s)
	x := newMap(rng, s.n, s.h, s.w, s.cin, false, 1)
	if chunkRows(x.rows(), L.patch()) >= x.rows() {
		t.Fatal("one chunk only")
	}
	for _, wino := range []bool{false, true} {
		y := runConv(t, L, wino, x, false)
		want := refConv(to64(x.x), x, to64(L.w), to64(L.b), s.cout, s.k, s.pad)
		for i, v := range want {
			if math.Abs(float64(y.x[i])-v) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("wino=%v: output %d is %v, the reference gives %v", wino, i, y.x[i], v)
			}
		}
	}
}

// TestConvGradients checks the convolution's gradients (weights, bias and input) against float64
// central finite differences of the reference, with the loss L = sum(r*y) for random r, on
// random shapes, im2col's and Winograd's, and every kernel set.
func TestConvGradients(t *testing.T) {
	defer func(b, w int) { colBudget, winoBudget = b, w }(colBudget, winoBudget)
	forEachSet(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		shapes := randomConvShapes(rng, 30)
		wino := len(shapes)
		shapes = append(shapes, winoShapes(rng, 16)...)
		for i, s := range shapes {
			colBudget, winoBudget = []int{256 << 10, 1}[i%2], []int{256 << 10, 1}[i%2]
			t.Run(fmt.Sprintf("wino=%v/%v", i >= wino, s), func(t *testing.T) { checkConvGradients(t, rng, s, i >= wino) })
		}
	})
}

func checkConvGradients(t *testing.T, rng *rand.Rand, s convShape, wino bool) {
	L := newTestConv(rng, s)
	x := newMap(rng, s.n, s.h, s.w, s.cin, s.strided, 1)
	ho, wo := L.outSize(s.h), L.outSize(s.w)
	r := newMap(rng, s.n, ho, wo, s.cout, s.strided, 1) // dL/dy
	dx := newMap(rng, s.n, s.h, s.w, s.cin, s.strided, 0)
	sc := newConvScratch(L, s.n, s.h, s.w)
	dwt := make([]float32, max(16, L.k*L.k)*L.cin*L.cout)
	for i := range L.dw {
		L.dw[i] = float32(math.NaN()) // overwritten, not accumulated
	}
	convBackward(sc, L, wino, reordered(L, wino, true), dwt, x, r, dx)
	checkGuards(t, "dx", dx)
	checkGuards(t, "dy", r)

	xs, w, b := to64(x.x), to64(L.w), to64(L.b)
	loss := func() float64 {
		y := refConv(xs, x, w, b, s.cout, s.k, s.pad)
		var sum float64
		for i, v := range y {
			sum += v * float64(r.x[(i/s.cout)*r.ld+i%s.cout])
		}
		return sum
	}
	const h = 1e-3 // the loss is linear in every variable: the differences are exact but for rounding
	fd := func(v *float64) float64 {
		keep := *v
		*v = keep + h
		lp := loss()
		*v = keep - h
		lm := loss()
		*v = keep
		return (lp - lm) / (2 * h)
	}
	check := func(what string, got []float32, vars []float64, idx []int) {
		t.Helper()
		want := make([]float64, len(idx))
		g := make([]float32, len(idx))
		for j, i := range idx {
			want[j], g[j] = fd(&vars[i]), got[i]
		}
		compareGrads(t, what, idx, g, want)
	}
	sample := func(n int, keep func(i int) bool) []int {
		var idx []int
		for _, i := range rng.Perm(n) {
			if keep(i) {
				idx = append(idx, i)
			}
			if len(idx) == 40 {
				break
			}
		}
		return idx
	}
	all := func(int) bool { return true }
	check("weight", L.dw, w, sample(len(w), all))
	check("bias", L.db, b, sample(len(b), all))
	check("input", dx.x, xs, sample(len(xs), func(i int) bool { return i%x.ld < x.c }))
}

// TestWinoChunk checks the chunking of tiles: whole rows of tiles, never more than the scratch
// made for the largest map holds, and covering the map.
func TestWinoChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		cin, cout, tw := 1+rng.IntN(600), 1+rng.IntN(600), 1+rng.IntN(20)
		maxTiles := tw * (1 + rng.IntN(300))
		tiles := tw * (rng.IntN(maxTiles/tw) + 1)
		c := winoChunk(cin, cout, tiles, tw)
		if c < 1 || c > tiles || c > winoChunkMax(cin, cout, maxTiles, tw) || c != tiles && c%tw != 0 {
			t.Fatalf("cin %d cout %d tw %d: chunk of %d tiles for %d (scratch for %d)", cin, cout, tw, c, tiles, winoChunkMax(cin, cout, maxTiles, tw))
		}
	}
}
