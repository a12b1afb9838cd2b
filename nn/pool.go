package nn

// This file holds 2x2 max-pooling with stride 2 over NHWC maps (fmap, conv.go), forward and
// backward, as PyTorch's F.max_pool2d(x, 2) computes them: the output is floor(h/2) x
// floor(w/2) (an odd last row or column is dropped), each value the first maximum of its
// window in row-major order, or NaN when the window holds one. The backward pass finds the
// same maximum again in the input, which the network keeps anyway, instead of storing its
// index.

// maxPool2 writes the 2x2 maxima of x into y (y.h = x.h/2, y.w = x.w/2, y.c = x.c).
func maxPool2(x, y fmap) {
	c := x.c
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < y.h; oy++ {
			for ox := 0; ox < y.w; ox++ {
				p := (img*x.h+2*oy)*x.w + 2*ox
				a := x.x[p*x.ld : p*x.ld+c]
				b := x.x[(p+1)*x.ld : (p+1)*x.ld+c]
				d := x.x[(p+x.w)*x.ld : (p+x.w)*x.ld+c]
				e := x.x[(p+x.w+1)*x.ld : (p+x.w+1)*x.ld+c]
				q := (img*y.h+oy)*y.w + ox
				out := y.x[q*y.ld : q*y.ld+c]
				for j := range out {
					m := a[j]
					if v := b[j]; v > m || v != v {
						m = v
					}
					if v := d[j]; v > m || v != v {
						m = v
					}
					if v := e[j]; v > m || v != v {
						m = v
					}
					out[j] = m
				}
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
				a := x.x[p*x.ld : p*x.ld+c]
				b := x.x[(p+1)*x.ld : (p+1)*x.ld+c]
				d := x.x[(p+x.w)*x.ld : (p+x.w)*x.ld+c]
				e := x.x[(p+x.w+1)*x.ld : (p+x.w+1)*x.ld+c]
				q := (img*dy.h+oy)*dy.w + ox
				g := dy.x[q*dy.ld : q*dy.ld+c]
				for j, v := range g {
					m, at := a[j], 0
					if u := b[j]; u > m || u != u {
						m, at = u, 1
					}
					if u := d[j]; u > m || u != u {
						m, at = u, x.w
					}
					if u := e[j]; u > m || u != u {
						at = x.w + 1
					}
					dx.x[(p+at)*dx.ld+j] += v
				}
			}
		}
	}
}
