package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refMaxPool2 is 2x2 max-pooling from its definition: the first maximum of each window in
// row-major order, NaN if the window holds one (PyTorch's rule), the odd last row and column
// dropped. It returns the output and, per output value, the input index of the maximum.
func refMaxPool2(x fmap) (y []float64, arg []int) {
	ho, wo := x.h/2, x.w/2
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for c := 0; c < x.c; c++ {
					best, at := math.Inf(-1), -1
					for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
						i := ((img*x.h+2*oy+d[0])*x.w+2*ox+d[1])*x.ld + c
						v := float64(x.x[i])
						if at < 0 || v > best || math.IsNaN(v) {
							best, at = v, i
						}
					}
					y, arg = append(y, best), append(arg, at)
				}
			}
		}
	}
	return y, arg
}

// TestMaxPool2 compares pooling forward and backward with the reference on odd and even sizes,
// strided maps, values with many ties (small integers) and NaNs, and checks that the backward
// pass adds to dx.
func TestMaxPool2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 60; trial++ {
		n, h, w, c := 1+rng.IntN(2), 2+rng.IntN(8), 2+rng.IntN(8), 1+rng.IntN(9)
		strided := trial%2 == 1
		t.Run(fmt.Sprintf("%d/n%d/%dx%dx%d", trial, n, h, w, c), func(t *testing.T) {
			x := newMap(rng, n, h, w, c, strided, 1)
			for i := range x.x {
				if i%x.ld >= c {
					continue
				}
				switch {
				case trial%3 == 1:
					x.x[i] = float32(rng.IntN(3)) // ties
				case trial%3 == 2 && rng.IntN(10) == 0:
					x.x[i] = float32(math.NaN())
				}
			}
			y := newMap(rng, n, h/2, w/2, c, strided, 0)
			maxPool2(x, y)
			checkGuards(t, "pool output", y)
			want, arg := refMaxPool2(x)
			for i, v := range want {
				got := float64(y.x[(i/c)*y.ld+i%c])
				if got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
					t.Fatalf("output %d is %v, want %v", i, got, v)
				}
			}
			dy := newMap(rng, n, h/2, w/2, c, strided, 1)
			dx := newMap(rng, n, h, w, c, strided, 1)
			before := append([]float32(nil), dx.x...)
			maxPool2Backward(x, dy, dx)
			checkGuards(t, "pool dx", dx)
			wantDx := to64(before)
			for i, a := range arg {
				wantDx[a] += float64(dy.x[(i/c)*dy.ld+i%c])
			}
			for i, v := range wantDx {
				if i%dx.ld < c && math.Abs(float64(dx.x[i])-v) > 1e-6 {
					t.Fatalf("dx %d is %v, want %v", i, dx.x[i], v)
				}
			}
		})
	}
}

// TestMaxPool2ByHand checks a case computed by PyTorch: F.max_pool2d of [[1, 5, 5], [2, 5, 0]]
// is [[5]] and its gradient goes to the first 5 alone (the third column is dropped).
func TestMaxPool2ByHand(t *testing.T) {
	x := fmap{x: []float32{1, 5, 5, 2, 5, 0}, ld: 1, c: 1, n: 1, h: 2, w: 3}
	y := fmap{x: make([]float32, 1), ld: 1, c: 1, n: 1, h: 1, w: 1}
	maxPool2(x, y)
	dx := fmap{x: make([]float32, 6), ld: 1, c: 1, n: 1, h: 2, w: 3}
	maxPool2Backward(x, fmap{x: []float32{1}, ld: 1, c: 1, n: 1, h: 1, w: 1}, dx)
	if y.x[0] != 5 || fmt.Sprint(dx.x) != "[0 1 0 0 0 0]" {
		t.Fatalf("got %v and gradient %v, PyTorch gives [5] and [0 1 0 0 0 0]", y.x, dx.x)
	}
}

// TestMaxPool2Gradients checks the backward pass against float64 central finite differences of
// the reference (distinct values, so that no window's maximum changes within the step).
func TestMaxPool2Gradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := newMap(rng, 2, 5, 7, 3, true, 1)
	r := newMap(rng, 2, 2, 3, 3, true, 1)
	dx := newMap(rng, 2, 5, 7, 3, true, 0)
	maxPool2Backward(x, r, dx)
	loss := func() float64 {
		y, _ := refMaxPool2(x)
		var s float64
		for i, v := range y {
			s += v * float64(r.x[(i/3)*r.ld+i%3])
		}
		return s
	}
	var idx []int
	var got []float32
	var want []float64
	for i := range x.x {
		if i%x.ld >= 3 {
			continue
		}
		keep := x.x[i]
		x.x[i] = keep + 1e-5
		lp := loss()
		x.x[i] = keep - 1e-5
		lm := loss()
		x.x[i] = keep
		idx, got, want = append(idx, i), append(got, dx.x[i]), append(want, (lp-lm)/(float64(keep+1e-5)-float64(keep-1e-5)))
	}
	compareGrads(t, "pool input", idx, got, want)
}
