package nn

import (
	"math"

	"github.com/fmtiny/fmtiny/asm"
)

// This file holds 2x2 max-pooling with stride 2 over NHWC maps (fmap, conv.go), forward and
// backward, as PyTorch's F.max_pool2d(x, 2) computes them: the output is floor(h/2) x
// floor(w/2) (an odd last row or column is dropped), each value the maximum of its window, or
// NaN when the window holds one, and its gradient goes to the first maximum in row-major
// window order. The backward pass finds that maximum again in the input, which the network
// keeps anyway, instead of storing its index. The forward pass takes Go's max (asm.Max4, eight
// channels at a time), which needs no branch (a compare that goes either way half the time
// cost 15 ns per output); it differs from PyTorch's only in the sign of a zero maximum of +0
// and -0.

// maxPool2 writes the 2x2 maxima of x into y (y.h = x.h/2, y.w = x.w/2, y.c = x.c), a pixel's
// channels at a time with asm.Max4.
func maxPool2(x, y fmap) {
	c := x.c
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < y.h; oy++ {
			for ox := 0; ox < y.w; ox++ {
				p := (img*x.h+2*oy)*x.w + 2*ox
				q := (img*y.h+oy)*y.w + ox
				asm.Max4(y.x[q*y.ld:q*y.ld+c], x.x[p*x.ld:], x.x[(p+1)*x.ld:], x.x[(p+x.w)*x.ld:], x.x[(p+x.w+1)*x.ld:])
			}
		}
	}
}

// maxPool2Backward adds dy, the gradient of maxPool2's output, into dx at the positions of the
// maxima of x (dx is added to, not overwritten: the UNet's skip connections have put the other
// branch's gradient there).
func maxPool2Backward(x, dy, dx fmap) {
	c := x.c
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < dy.h; oy++ {
			for ox := 0; ox < dy.w; ox++ {
				p := (img*x.h+2*oy)*x.w + 2*ox
				q := (img*dy.h+oy)*dy.w + ox
				g := dy.x[q*dy.ld : q*dy.ld+c]
				n := len(g)
				a := x.x[p*x.ld:][:n]
				b := x.x[(p+1)*x.ld:][:n]
				d := x.x[(p+x.w)*x.ld:][:n]
				e := x.x[(p+x.w+1)*x.ld:][:n]
				da := dx.x[p*dx.ld:][:n]
				db := dx.x[(p+1)*dx.ld:][:n]
				dd := dx.x[(p+x.w)*dx.ld:][:n]
				de := dx.x[(p+x.w+1)*dx.ld:][:n]
				for j, v := range g {
					// PyTorch's maximum: a later value takes over where it is larger, or NaN
					// (Go's max keeps a NaN as PyTorch's running maximum does). The gradient
					// is added to all four values, masked to zero but at the maximum: a
					// compare that goes either way half the time, or a store to an address
					// that depends on one, costs more than the rest of the loop.
					m := a[j]
					tb := b2i(b[j] > m) | b2i(b[j] != b[j])
					m = max(m, b[j])
					td := b2i(d[j] > m) | b2i(d[j] != d[j])
					m = max(m, d[j])
					te := b2i(e[j] > m) | b2i(e[j] != e[j])
					bits := math.Float32bits(v)
					fe := te
					fd := td &^ te
					fb := tb &^ (td | te)
					fa := 1 &^ (tb | td | te)
					da[j] += math.Float32frombits(bits & uint32(-fa))
					db[j] += math.Float32frombits(bits & uint32(-fb))
					dd[j] += math.Float32frombits(bits & uint32(-fd))
					de[j] += math.Float32frombits(bits & uint32(-fe))
				}
			}
		}
	}
}

// b2i is 1 for true and 0 for false, a SETcc instruction.
func b2i(c bool) int {
	if c {
		return 1
	}
	return 0
}
