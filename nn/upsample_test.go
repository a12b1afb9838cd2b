package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refUpsample2 is bilinear x2 upsampling from PyTorch's definition for align_corners=False,
// in float64: along each axis, output pixel d reads the input at
// s = max(0, (d + 0.5)*in/out - 0.5), between floor(s) and the next pixel (clamped to the last).
func refUpsample2(x fmap) []float64 {
	taps := func(d, n int) (i0, i1 int, l1 float64) {
		s := math.Max(0, (float64(d)+0.5)*float64(n)/float64(2*n)-0.5)
		i0 = int(math.Floor(s))
		i1 = min(i0+1, n-1)
		return i0, i1, s - float64(i0)
	}
	var y []float64
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < 2*x.h; oy++ {
			y0, y1, ly := taps(oy, x.h)
			for ox := 0; ox < 2*x.w; ox++ {
				x0, x1, lx := taps(ox, x.w)
				for c := 0; c < x.c; c++ {
					v := (1-ly)*((1-lx)*x.at(img, y0, x0, c)+lx*x.at(img, y0, x1, c)) +
						ly*((1-lx)*x.at(img, y1, x0, c)+lx*x.at(img, y1, x1, c))
					y = append(y, v)
				}
			}
		}
	}
	return y
}

// TestUpsample2 compares upsampling with the reference on random sizes (1 to 9, strided maps).
func TestUpsample2(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 40; trial++ {
		n, h, w, c := 1+rng.IntN(2), 1+rng.IntN(9), 1+rng.IntN(9), 1+rng.IntN(9)
		t.Run(fmt.Sprintf("n%d/%dx%dx%d", n, h, w, c), func(t *testing.T) {
			x := newMap(rng, n, h, w, c, trial%2 == 1, 2)
			y := newMap(rng, n, 2*h, 2*w, c, trial%2 == 0, 0)
			upsample2(x, y)
			checkGuards(t, "upsample output", y)
			for i, v := range refUpsample2(x) {
				if got := float64(y.x[(i/c)*y.ld+i%c]); math.Abs(got-v) > 1e-6*(1+math.Abs(v)) {
					t.Fatalf("output %d is %v, want %v", i, got, v)
				}
			}
		})
	}
}

// TestUpsample2ByHand checks values that PyTorch 1.13 computed with F.interpolate(x,
// scale_factor=2, mode="bilinear", align_corners=False), and the gradient of sum(g*y) for
// g = arange(16) on the 2 x 2 input.
func TestUpsample2ByHand(t *testing.T) {
	cases := []struct {
		h, w    int
		in, out []float32
	}{
		{2, 2, []float32{1, 2, 3, 4}, []float32{
			1, 1.25, 1.75, 2,
			1.5, 1.75, 2.25, 2.5,
			2.5, 2.75, 3.25, 3.5,
			3, 3.25, 3.75, 4}},
		{2, 3, []float32{1, -2, 5, 0.5, 4, -8}, []float32{
			1.0, 0.25, -1.25, -0.25, 3.25, 5.0,
			0.875, 0.53125, -0.15625, 0.0625, 1.1875, 1.75,
			0.625, 1.09375, 2.03125, 0.6875, -2.9375, -4.75,
			0.5, 1.375, 3.125, 1.0, -5.0, -8.0}},
		{1, 1, []float32{3}, []float32{3, 3, 3, 3}},
	}
	for _, c := range cases {
		x := fmap{x: c.in, ld: 1, c: 1, n: 1, h: c.h, w: c.w}
		y := fmap{x: make([]float32, len(c.out)), ld: 1, c: 1, n: 1, h: 2 * c.h, w: 2 * c.w}
		upsample2(x, y)
		for i := range c.out {
			if y.x[i] != c.out[i] {
				t.Fatalf("%dx%d: output %v, PyTorch gives %v", c.h, c.w, y.x, c.out)
			}
		}
	}
	g := make([]float32, 16)
	for i := range g {
		g[i] = float32(i)
	}
	dx := fmap{x: make([]float32, 4), ld: 1, c: 1, n: 1, h: 2, w: 2}
	upsample2Backward(fmap{x: g, ld: 1, c: 1, n: 1, h: 4, w: 4}, dx)
	if fmt.Sprint(dx.x) != "[12.5 19.5 40.5 47.5]" {
		t.Fatalf("gradient %v, PyTorch gives [12.5 19.5 40.5 47.5]", dx.x)
	}
}

// TestUpsample2Gradients checks the backward pass against float64 central finite differences of
// the reference, and that it overwrites dx.
func TestUpsample2Gradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][4]int{{1, 1, 1, 2}, {2, 3, 5, 3}, {1, 7, 4, 9}} {
		n, h, w, c := s[0], s[1], s[2], s[3]
		x := newMap(rng, n, h, w, c, true, 1)
		r := newMap(rng, n, 2*h, 2*w, c, true, 1)
		dx := newMap(rng, n, h, w, c, false, 0)
		for i := range dx.x {
			dx.x[i] = float32(math.NaN())
		}
		upsample2Backward(r, dx)
		loss := func() float64 {
			var sum float64
			for i, v := range refUpsample2(x) {
				sum += v * float64(r.x[(i/c)*r.ld+i%c])
			}
			return sum
		}
		var idx []int
		var got []float32
		var want []float64
		for img := 0; img < n; img++ {
			for p := 0; p < h*w; p++ {
				for ch := 0; ch < c; ch++ {
					i := (img*h*w+p)*x.ld + ch
					keep := x.x[i]
					x.x[i] = keep + 1e-3
					lp := loss()
					x.x[i] = keep - 1e-3
					lm := loss()
					x.x[i] = keep
					idx = append(idx, i)
					got = append(got, dx.x[(img*h*w+p)*c+ch])
					want = append(want, (lp-lm)/(float64(keep+1e-3)-float64(keep-1e-3)))
				}
			}
		}
		compareGrads(t, fmt.Sprintf("upsample %v input", s), idx, got, want)
	}
}
