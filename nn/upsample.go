package nn

import "github.com/fmtiny/fmtiny/asm"

// This file holds bilinear upsampling by 2 over NHWC maps (fmap, conv.go), forward and
// backward, as PyTorch's F.interpolate(x, scale_factor=2, mode="bilinear",
// align_corners=False) computes it. Output pixel d along an axis reads the input at
// s = (d + 0.5)/2 - 0.5, clamped at 0: i0 = floor(s), i1 = i0 + 1 (i0 at the last pixel), with
// weights 1 - (s - i0) and s - i0. For a factor of 2 those are 0.75 and 0.25, or 1 and 0 at
// the first pixel. The weights and the order of the operations are PyTorch's:
//
//	forward:  y = (x[i0][j0]*w0 + x[i0][j1]*w1)*h0 + (x[i1][j0]*w0 + x[i1][j1]*w1)*h1
//	backward: dx[i0][j0] += (h0*w0)*dy, then [i0][j1], [i1][j0], [i1][j1], output pixel by
//	          output pixel in row-major order

// upTaps returns the two source pixels of output pixel d along an axis of n input pixels, and
// their weights.
func upTaps(d, n int) (i0, i1 int, l0, l1 float32) {
	j := d / 2
	switch {
	case d%2 == 1:
		i0, l1 = j, 0.25
	case j > 0:
		i0, l1 = j-1, 0.75
	}
	i1 = i0
	if i0 < n-1 {
		i1++
	}
	return i0, i1, 1 - l1, l1
}

// upsample2 writes the bilinear x2 upsampling of x into y (y.h = 2*x.h, y.w = 2*x.w, y.c = x.c),
// a pixel's channels at a time with asm.Bilerp.
func upsample2(x, y fmap) {
	c := x.c
	for img := 0; img < y.n; img++ {
		for oy := 0; oy < y.h; oy++ {
			iy0, iy1, h0, h1 := upTaps(oy, x.h)
			r0, r1 := (img*x.h+iy0)*x.w, (img*x.h+iy1)*x.w
			for ox := 0; ox < y.w; ox++ {
				ix0, ix1, w0, w1 := upTaps(ox, x.w)
				a := x.x[(r0+ix0)*x.ld : (r0+ix0)*x.ld+c]
				b := x.x[(r0+ix1)*x.ld : (r0+ix1)*x.ld+c]
				d := x.x[(r1+ix0)*x.ld : (r1+ix0)*x.ld+c]
				e := x.x[(r1+ix1)*x.ld : (r1+ix1)*x.ld+c]
				q := (img*y.h+oy)*y.w + ox
				asm.Bilerp(y.x[q*y.ld:q*y.ld+c], a, b, d, e, w0, w1, h0, h1)
			}
		}
	}
}

// upsample2Backward writes into dx (overwriting it) the gradient of upsample2's input from dy,
// the gradient of its output.
func upsample2Backward(dy, dx fmap) {
	c := dx.c
	for r := 0; r < dx.rows(); r++ {
		clear(dx.x[r*dx.ld : r*dx.ld+c])
	}
	for img := 0; img < dy.n; img++ {
		for oy := 0; oy < dy.h; oy++ {
			iy0, iy1, h0, h1 := upTaps(oy, dx.h)
			r0, r1 := (img*dx.h+iy0)*dx.w, (img*dx.h+iy1)*dx.w
			for ox := 0; ox < dy.w; ox++ {
				ix0, ix1, w0, w1 := upTaps(ox, dx.w)
				a := dx.x[(r0+ix0)*dx.ld : (r0+ix0)*dx.ld+c]
				b := dx.x[(r0+ix1)*dx.ld : (r0+ix1)*dx.ld+c]
				d := dx.x[(r1+ix0)*dx.ld : (r1+ix0)*dx.ld+c]
				e := dx.x[(r1+ix1)*dx.ld : (r1+ix1)*dx.ld+c]
				q := (img*dy.h+oy)*dy.w + ox
				g := dy.x[q*dy.ld : q*dy.ld+c]
				a, b, d, e = a[:len(g)], b[:len(g)], d[:len(g)], e[:len(g)]
				f00, f01, f10, f11 := h0*w0, h0*w1, h1*w0, h1*w1
				for j, v := range g {
					a[j] += f00 * v
					b[j] += f01 * v
					d[j] += f10 * v
					e[j] += f11 * v
				}
			}
		}
	}
}
