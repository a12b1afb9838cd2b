package nn

import "github.com/fmtiny/fmtiny/asm"

// This file holds the 3x3 convolution with padding 1 as Winograd's minimal filtering F(2x2, 3x3)
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), forward and
// backward, over NHWC maps. Each 2x2 tile of output pixels is
//
//	Y = A^T [ U (.) V ] A,   U = G g G^T (4x4, per input and output channel),
//	                         V = B^T d B (4x4, per input channel, d the tile's 4x4 input patch)
//
// (asm/winograd.go has B, A and the transforms' kernels), and the sum over the input channels
// of U (.) V is, at each of the 16 positions k, a product of matrices:
// M_k [tiles x cout] = V_k [tiles x cin] U_k [cin x cout]. The 16 products do 16*cin*cout
// multiply-adds per tile of 4 pixels where im2col's one does 36*cin*cout, 2.25 times fewer, for
// a few additions per value in the transforms, which move less memory than im2col's patch matrix
// does (16 values per 4 input pixels instead of 9 per pixel).
//
// The backward pass: dL/dx is the same convolution of dL/dy with the weights flipped and
// transposed (conv.go), and dL/dg = G^T dU G with dU_k^T = dM_k^T V_k summed over the tiles,
// dM = A dY A^T for each tile of dL/dy. The transforms' coefficients are 0, +-1 and +-1/2, so
// the rounding errors stay within about twice a direct convolution's: against float64, on 64
// channels of 28 x 28, 3.8e-7 of the largest output where a float32 direct convolution is off
// by 2.1e-7 (F(4x4, 3x3), with 4 times fewer multiplications, was off by 5.9e-6, too much for
// the UNet's 1e-5 against PyTorch); TestUNetTorch measures the whole network.
//
// A chunk of tiles holds its V as [tile][k][cin] and its M as [tile][k][cout], so that each
// tile's transform reads and writes 16 contiguous rows, and the products read V_k and write M_k
// in place with leading dimensions 16*cin and 16*cout.
//
//	G = [ 1    0    0 ]
//	    [1/2  1/2  1/2]
//	    [1/2 -1/2  1/2]
//	    [ 0    0    1 ]

// useWinograd turns Winograd's convolutions on for the batches made after it is set; tests and
// benchmarks compare them with im2col's.
var useWinograd = true

// winoMinChannels is the fewest input and output channels a convolution takes Winograd's way:
// below it the 16 products are too thin for the kernels (the UNet's first convolution has
// Channels+1 inputs, its last Channels outputs, and both are a small part of the work).
const winoMinChannels = 8

// winograd reports whether L runs as F(2x2, 3x3) (when useWinograd is set).
func (L *conv2d) winograd() bool {
	return useWinograd && L.k == 3 && L.pad == 1 && L.cin >= winoMinChannels && L.cout >= winoMinChannels
}

// winoWeights writes U into u, U_k [cin x cout] at u[k*cin*cout:] for k = 0..15, from L's
// weights; flipped, it writes the U of the input gradient's convolution instead, U_k [cout x cin]
// from the weights turned by 180 degrees.
func winoWeights(L *conv2d, u []float32, flipped bool) {
	cin, cout := L.cin, L.cout
	n := cin * cout
	// The outer loop runs over U's rows, so that each of the 16 matrices is written in order.
	rows, cols := cin, cout
	if flipped {
		rows, cols = cout, cin
	}
	for r := 0; r < rows; r++ {
		for q := 0; q < cols; q++ {
			co, ci := q, r
			if flipped {
				co, ci = r, q
			}
			g := L.w[(co*cin+ci)*9 : (co*cin+ci+1)*9 : (co*cin+ci+1)*9]
			var f [9]float32
			copy(f[:], g)
			if flipped {
				for i := range f {
					f[i] = g[8-i]
				}
			}
			// t = G f (4x3), then U = t G^T (4x4).
			var t [4][3]float32
			for j := 0; j < 3; j++ {
				a, b, c := f[j], f[3+j], f[6+j]
				t[0][j], t[1][j], t[2][j], t[3][j] = a, 0.5*(a+b+c), 0.5*(a-b+c), c
			}
			at := r*cols + q
			for i := 0; i < 4; i++ {
				a, b, c := t[i][0], t[i][1], t[i][2]
				u[(4*i+0)*n+at] = a
				u[(4*i+1)*n+at] = 0.5 * (a + b + c)
				u[(4*i+2)*n+at] = 0.5 * (a - b + c)
				u[(4*i+3)*n+at] = c
			}
		}
	}
}

// winoWeightsGrad writes dL/dw into L.dw (PyTorch's layout) from du, dU_k^T [cout x cin] at
// du[k*cin*cout:]: dL/dg = G^T dU G for each pair of channels. dU is laid out [cout x cin], as
// the weights are, so that both are read and written in order.
func winoWeightsGrad(L *conv2d, du []float32) {
	cin, cout := L.cin, L.cout
	n := cin * cout
	du = du[:16*n]
	for at := 0; at < n; at++ { // at = co*cin + ci
		var d [16]float32
		for k := range d {
			d[k] = du[k*n+at]
		}
		// t = G^T dU (3x4): G^T's rows are (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0),
		// (0, 1/2, 1/2, 1); then dg = t G (3x3) the same way along the rows.
		var t [3][4]float32
		for j := 0; j < 4; j++ {
			a, b, c, e := d[j], d[4+j], d[8+j], d[12+j]
			t[0][j], t[1][j], t[2][j] = a+0.5*(b+c), 0.5*(b-c), 0.5*(b+c)+e
		}
		dw := L.dw[at*9 : at*9+9 : at*9+9]
		for i := 0; i < 3; i++ {
			a, b, c, e := t[i][0], t[i][1], t[i][2], t[i][3]
			dw[3*i], dw[3*i+1], dw[3*i+2] = a+0.5*(b+c), 0.5*(b-c), 0.5*(b+c)+e
		}
	}
}

// winoTiles returns the tiles of a map's h x w images: th x tw per image.
func winoTiles(h, w int) (th, tw int) { return (h + 1) / 2, (w + 1) / 2 }

// winoBudget is the most values a chunk's V and M hold (1 MiB), so that a chunk's transforms
// and products meet in the second-level cache.
var winoBudget = 256 << 10

// winoChunk is how many tiles a chunk takes: whole rows of tiles (so that its output pixels are
// consecutive rows of the map), and a multiple of 6, the AVX2 kernel's height (so that no
// product but the last chunk's has a partial panel of A), about as many as winoBudget holds
// but at least 96 tiles, and the tiles spread evenly over the chunks (no small last chunk,
// whose products would lay out the weights for little work). The chunks do not depend on the
// kernel set, so neither does the scratch.
func winoChunk(cin, cout, tiles, tw int) int {
	t := winoChunkMax(cin, cout, tiles, tw)
	if t == tiles {
		return tiles
	}
	unit := winoUnit(tw)
	chunks := (tiles + t - 1) / t
	return min(t, ((tiles+chunks-1)/chunks+unit-1)/unit*unit)
}

// winoUnit is the least number of tiles that is whole rows of tw tiles and a multiple of 6.
func winoUnit(tw int) int {
	unit := tw
	for unit%6 != 0 {
		unit += tw
	}
	return unit
}

// winoChunkMax is the most tiles winoChunk takes for a map of up to tiles tiles.
func winoChunkMax(cin, cout, tiles, tw int) int {
	unit := winoUnit(tw)
	return min(tiles, max(unit, max(96, winoBudget/(16*(cin+cout)))/unit*unit))
}

// winoScratchSize is the scratch a Winograd convolution of cin -> cout channels over tiles tiles
// in rows of tw needs: V and M for a chunk, a patch and a tile of outputs.
func winoScratchSize(cin, cout, tiles, tw int) int {
	return 16*winoChunkMax(cin, cout, tiles, tw)*(cin+cout) + 16*max(cin, cout) + 4*max(cin, cout)
}

// winoSplit cuts the scratch into a chunk's V and M, a patch and a tile of outputs.
func winoSplit(scratch []float32, t, cin, cout int) (v, m, patch, y4 []float32) {
	v, scratch = scratch[:16*t*cin], scratch[16*t*cin:]
	m, scratch = scratch[:16*t*cout], scratch[16*t*cout:]
	patch, y4 = scratch[:16*max(cin, cout)], scratch[16*max(cin, cout):]
	return v, m, patch, y4[:4*max(cin, cout)]
}

// firstRow returns the map row of the first pixel of tile t, a tile at the start of a row of
// tiles (t = tiles gives the map's end).
func firstRow(t, h, w, th, tw int) int {
	img, rem := t/(th*tw), t%(th*tw)
	return (img*h + 2*(rem/tw)) * w
}

// winoForward computes the convolution of x into y like convForward, from u, the weights as
// winoWeights writes them.
func winoForward(s *convScratch, L *conv2d, u []float32, x, y fmap, post *postOp) {
	cin, cout := L.cin, L.cout
	th, tw := winoTiles(x.h, x.w)
	tiles := x.n * th * tw
	step := winoChunk(cin, cout, tiles, tw)
	v, m, patch, y4 := winoSplit(s.col, step, cin, cout)
	for t0 := 0; t0 < tiles; t0 += step {
		t1 := min(tiles, t0+step)
		nt := t1 - t0
		winoInput(v, patch, x, t0, t1)
		for k := 0; k < 16; k++ {
			s.local.Gemm(false, false, nt, cout, cin, 1, v[k*cin:], 16*cin, u[k*cin*cout:], cout, 0, m[k*cout:], 16*cout)
		}
		z := y
		if post != nil {
			z = post.z
		}
		winoOutput(z, m, y4, t0, t1)
		if post != nil {
			post.run(firstRow(t0, y.h, y.w, th, tw), firstRow(t1, y.h, y.w, th, tw))
		}
	}
}

// winoInput writes V for tiles [t0, t1) of x into v ([tile][k][c]): the transform reads a tile
// inside the image where it lies, and a tile on its border from patch (scratch of 16*c values),
// where it is gathered with zeros outside.
func winoInput(v, patch []float32, x fmap, t0, t1 int) {
	c := x.c
	th, tw := winoTiles(x.h, x.w)
	patch = patch[:16*c]
	for t := t0; t < t1; t++ {
		img, rem := t/(th*tw), t%(th*tw)
		y0, x0 := 2*(rem/tw)-1, 2*(rem%tw)-1
		dst := v[(t-t0)*16*c:]
		if y0 >= 0 && y0+4 <= x.h && x0 >= 0 && x0+4 <= x.w {
			p := (img*x.h+y0)*x.w + x0
			asm.WinogradIn(dst, x.x[p*x.ld:], x.ld, x.w*x.ld, c)
			continue
		}
		for r := 0; r < 4; r++ {
			d := patch[4*r*c : 4*(r+1)*c]
			sy := y0 + r
			if sy < 0 || sy >= x.h {
				clear(d)
				continue
			}
			p := (img*x.h + sy) * x.w
			lo, hi := max(0, -x0), min(4, x.w-x0) // the patch's pixels inside the row
			clear(d[:lo*c])
			clear(d[hi*c:])
			if x.ld == c { // one copy for the pixels inside
				copy(d[lo*c:hi*c], x.x[(p+x0+lo)*c:(p+x0+hi)*c])
				continue
			}
			for s := lo; s < hi; s++ {
				copy(d[s*c:(s+1)*c], x.x[(p+x0+s)*x.ld:(p+x0+s)*x.ld+c])
			}
		}
		asm.WinogradIn(dst, patch, c, 4*c, c)
	}
}

// winoOutput writes the outputs of tiles [t0, t1) from their M (m, [tile][k][c]) into the map
// y: straight into it for a tile inside, through y4 (scratch of 4*c values) for one that the
// map's odd last row or column cuts.
func winoOutput(y fmap, m, y4 []float32, t0, t1 int) {
	c := y.c
	th, tw := winoTiles(y.h, y.w)
	y4 = y4[:4*c]
	for t := t0; t < t1; t++ {
		img, rem := t/(th*tw), t%(th*tw)
		oy, ox := 2*(rem/tw), 2*(rem%tw)
		src := m[(t-t0)*16*c:]
		p := (img*y.h+oy)*y.w + ox
		if oy+2 <= y.h && ox+2 <= y.w {
			asm.WinogradOut(y.x[p*y.ld:], y.ld, y.w*y.ld, src, c)
			continue
		}
		asm.WinogradOut(y4, c, 2*c, src, c)
		for a := 0; a < 4; a++ {
			if py, px := oy+a/2, ox+a%2; py < y.h && px < y.w {
				q := p + (a/2)*y.w + a%2
				copy(y.x[q*y.ld:q*y.ld+c], y4[a*c:(a+1)*c])
			}
		}
	}
}

// winoGradOutput writes dM for tiles [t0, t1) of dy (dL/d of the convolution's output) into dm
// ([tile][k][c]), gathering through g4 (scratch of 4*c values) the tiles that the map's odd last
// row or column cuts.
func winoGradOutput(dm, g4 []float32, dy fmap, t0, t1 int) {
	c := dy.c
	th, tw := winoTiles(dy.h, dy.w)
	g4 = g4[:4*c]
	for t := t0; t < t1; t++ {
		img, rem := t/(th*tw), t%(th*tw)
		oy, ox := 2*(rem/tw), 2*(rem%tw)
		dst := dm[(t-t0)*16*c:]
		p := (img*dy.h+oy)*dy.w + ox
		if oy+2 <= dy.h && ox+2 <= dy.w {
			asm.WinogradGradOut(dst, dy.x[p*dy.ld:], dy.ld, dy.w*dy.ld, c)
			continue
		}
		for a := 0; a < 4; a++ {
			d := g4[a*c : (a+1)*c]
			if py, px := oy+a/2, ox+a%2; py < dy.h && px < dy.w {
				q := p + (a/2)*dy.w + a%2
				copy(d, dy.x[q*dy.ld:q*dy.ld+c])
			} else {
				clear(d)
			}
		}
		asm.WinogradGradOut(dst, g4, c, 2*c, c)
	}
}

// winoWeightGrad writes dL/dw into L.dw from the layer's input x and dz = dL/d(output), using
// du (16*cin*cout values) as scratch for dU.
func winoWeightGrad(s *convScratch, L *conv2d, du []float32, x, dz fmap) {
	cin, cout := L.cin, L.cout
	th, tw := winoTiles(x.h, x.w)
	tiles := x.n * th * tw
	if tiles == 0 {
		clear(L.dw)
		return
	}
	step := winoChunk(cin, cout, tiles, tw)
	v, dm, patch, g4 := winoSplit(s.col, step, cin, cout)
	for t0 := 0; t0 < tiles; t0 += step {
		t1 := min(tiles, t0+step)
		nt := t1 - t0
		winoInput(v, patch, x, t0, t1)
		winoGradOutput(dm, g4, dz, t0, t1)
		beta := float32(1)
		if t0 == 0 {
			beta = 0
		}
		for k := 0; k < 16; k++ {
			s.local.Gemm(true, false, cout, cin, nt, 1, dm[k*cout:], 16*cout, v[k*cin:], 16*cin, beta, du[k*cin*cout:], cin)
		}
	}
	winoWeightsGrad(L, du)
}
