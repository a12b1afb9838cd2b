package nn

import (
	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// This file holds the Conv2d layer (stride 1, no dilation, one group), forward and backward
// side by side, over activations stored NHWC: a map of n images of h x w pixels and c channels
// is n*h*w rows of c values, rows ld apart (ld > c when the map is a slice of a wider one,
// which is how the UNet concatenates channels for free).
//
// The convolution is im2col followed by one GEMM on mat's micro-kernels, a chunk of output
// pixels at a time: the patch matrix of a chunk (a row per output pixel, its k*k*cin values
// ordered (dy, dx, channel)) times the weights reordered as [k*k*cin, cout] gives the chunk's
// output rows; or, for 3x3 with padding 1 and at least 8 channels in and out (every
// convolution of the UNet but its first and last), Winograd's F(2x2, 3x3) (winograd.go). Why,
// measured by BenchmarkConvLayout on dec1.0 of the UNet of base 32 (96 -> 32 channels, 28 x 28,
// 16 images, one goroutine, AVX2, best of 3, images per CPU second on a shared machine):
//
//	NCHW, im2col per image, W times the patches (mat packs them again)   1325
//	NHWC, im2col in chunks, the patches times W (nothing packed)         1727
//	NHWC, Winograd F(2x2, 3x3)                                           3188
//
//   - NHWC against NCHW. In NHWC a patch row is k*k runs of cin contiguous values (k runs
//     of k*cin when the map is not a slice), the patch matrix is the GEMM's A, read in place
//     by the kernel (mat packs neither it nor, for cout <= 128, the weights), the output rows
//     are the GEMM's C written in place, and the bias and activation run along rows of cout
//     values, the pass an MLP's hidden layer already has; a concatenation is channels of one
//     map, each part written through a row stride. In NCHW the patch matrix is B, which mat
//     packs a second time, and every output plane needs a scalar bias.
//   - im2col in chunks (colBudget), so that a chunk stays in the cache between its writing and
//     the GEMM's reading, against an implicit GEMM (A read through the input with the taps'
//     offsets), which would need a kernel of its own or wasted rows at every image border.
//   - Winograd does 2.25 times fewer multiply-adds for additions that move less memory than
//     im2col's copies; the UNet's forward pass ran 1.5 (base 32) to 1.9 (base 64) times as many
//     images per CPU second with it as with im2col everywhere (BenchmarkUNetIm2col against
//     BenchmarkUNet).
//
// The backward pass reuses the same pieces: the weights' gradient is the patch matrix
// transposed times dL/dy (chunk by chunk, accumulated), and dL/dx is the convolution of dL/dy
// with the weights flipped and transposed, padding k-1-pad (a "full" convolution: im2col of
// dL/dy, then a GEMM, or Winograd's), which needs no scatter-add.

// conv2d is one convolution's view into the flat parameter and gradient buffers.
type conv2d struct {
	cin, cout, k, pad int
	w, b              []float32 // weight [cout, cin, k, k] (PyTorch's layout) and bias [cout]
	dw, db            []float32 // their gradients; nil for a WithParams view
}

// numWeights is the number of weights, k*k*cin*cout.
func (L *conv2d) numWeights() int { return L.k * L.k * L.cin * L.cout }

// patch is the length of a patch row, k*k*cin.
func (L *conv2d) patch() int { return L.k * L.k * L.cin }

// outSize is the output's height (or width) for an input of size s.
func (L *conv2d) outSize(s int) int { return s + 2*L.pad - L.k + 1 }

// reorderForward writes the weights as the forward GEMM's B, wt [k*k*cin, cout]:
// wt[((dy*k+dx)*cin+ci)*cout+co] = w[co][ci][dy][dx].
func (L *conv2d) reorderForward(wt []float32) {
	k, cin, cout := L.k, L.cin, L.cout
	kk := k * k
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			src := L.w[(co*cin+ci)*kk : (co*cin+ci+1)*kk]
			for t, v := range src {
				wt[(t*cin+ci)*cout+co] = v
			}
		}
	}
}

// reorderBackward writes the weights as the input gradient's B, flipped and transposed,
// wf [k*k*cout, cin]: wf[(((k-1-dy)*k+(k-1-dx))*cout+co)*cin+ci] = w[co][ci][dy][dx].
func (L *conv2d) reorderBackward(wf []float32) {
	k, cin, cout := L.k, L.cin, L.cout
	kk := k * k
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			src := L.w[(co*cin+ci)*kk : (co*cin+ci+1)*kk]
			for t, v := range src {
				wf[((kk-1-t)*cout+co)*cin+ci] = v
			}
		}
	}
}

// fmap is a feature map in NHWC: rows of c values, ld apart, of n images of h x w pixels.
type fmap struct {
	x       []float32
	ld, c   int
	n, h, w int
}

// rows is the number of pixels, n*h*w.
func (f fmap) rows() int { return f.n * f.h * f.w }

// channels returns the map of channels [lo, hi) of f, a view.
func (f fmap) channels(lo, hi int) fmap {
	g := f
	g.x, g.c = f.x[min(lo, len(f.x)):], hi-lo // an empty map stays empty
	return g
}

// im2col writes rows [r0, r1) of the patch matrix of x for a k x k kernel with padding pad (a
// negative pad crops) into col, k*k*x.c values a row: row r is output pixel r (of n images of
// ho x wo, ho = h + 2*pad - k + 1), holding x's channels at (y+dy-pad, x+dx-pad) for dy, dx in
// [0, k), dy-major, zero where that falls outside the image.
func im2col(col []float32, x fmap, k, pad, r0, r1 int) {
	c, ld, h, w := x.c, x.ld, x.h, x.w
	ho, wo := h+2*pad-k+1, w+2*pad-k+1
	kc := k * c
	K := k * kc
	img, rem := r0/(ho*wo), r0%(ho*wo)
	oy, ox := rem/wo, rem%wo
	dense := ld == c
	for r := r0; r < r1; r++ {
		row := col[(r-r0)*K : (r-r0+1)*K : (r-r0+1)*K]
		sx0 := ox - pad
		inside := sx0 >= 0 && sx0+k <= w
		for dy := 0; dy < k; dy++ {
			seg := row[dy*kc : (dy+1)*kc : (dy+1)*kc]
			sy := oy + dy - pad
			if sy < 0 || sy >= h {
				clear(seg)
				continue
			}
			base := (img*h + sy) * w
			if inside && dense {
				copyRun(seg, x.x[(base+sx0)*c:(base+sx0+k)*c])
				continue
			}
			for dx := 0; dx < k; dx++ {
				d := seg[dx*c : (dx+1)*c : (dx+1)*c]
				if sx := sx0 + dx; sx >= 0 && sx < w {
					copyRun(d, x.x[(base+sx)*ld:(base+sx)*ld+c])
				} else {
					clear(d)
				}
			}
		}
		if ox++; ox == wo {
			ox = 0
			if oy++; oy == ho {
				oy = 0
				img++
			}
		}
	}
}

// copyRun copies src into dst (as long): a short run by a loop, which costs less than a call
// of memmove for the few channels of a network's input (the UNet's first convolution reads
// runs of 2 and 6 values).
func copyRun(dst, src []float32) {
	if len(src) > 16 {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}

// convScratch is what a convolution needs besides its operands: a Local for the products and
// the patch matrix of a chunk.
type convScratch struct {
	local *mat.Local
	col   []float32
}

// colBudget is the most values a chunk's patch matrix holds (1 MiB): a chunk of rows then
// stays in the second-level cache between its im2col and the GEMM that reads it, and the
// chunks are large enough that the weights, which every chunk reads, are read rarely.
var colBudget = 256 << 10

// chunkRows is how many patch rows of k values make a chunk, for rows in all: the most that fit
// colBudget, rounded down to a multiple of 48 (whole tiles for the kernels' heights), and at
// least 48.
func chunkRows(rows, k int) int {
	r := max(48, colBudget/max(k, 1)/48*48)
	return min(r, rows)
}

// colSize is the length of the patch buffer a convolution of patch length k over rows rows
// needs.
func colSize(rows, k int) int { return chunkRows(rows, k) * k }

// convForward computes the convolution of x into y (y.c = cout, y.n/h/w the output's size),
// without the bias. post, when not nil, adds the bias and runs the activation on each chunk's
// rows as soon as the GEMM has written them, while they are still in cache (into post.z and
// post.h, y being post.h). wt holds the weights reordered by reorderForward, or by winoWeights
// when wino (winograd.go).
func convForward(s *convScratch, L *conv2d, wino bool, wt []float32, x, y fmap, post *postOp) {
	if wino {
		winoForward(s, L, wt, x, y, post)
		return
	}
	rows, K := y.rows(), L.patch()
	if L.k == 1 && L.pad == 0 {
		z := y
		if post != nil {
			z = post.z
		}
		s.local.Gemm(false, false, rows, L.cout, K, 1, x.x, x.ld, wt, L.cout, 0, z.x, z.ld)
		if post != nil {
			post.run(0, rows)
		}
		return
	}
	step := chunkRows(rows, K)
	for r0 := 0; r0 < rows; r0 += step {
		r1 := min(rows, r0+step)
		col := s.col[:(r1-r0)*K]
		im2col(col, x, L.k, L.pad, r0, r1)
		z := y
		if post != nil {
			z = post.z
		}
		s.local.Gemm(false, false, r1-r0, L.cout, K, 1, col, K, wt, L.cout, 0, z.x[r0*z.ld:], z.ld)
		if post != nil {
			post.run(r0, r1)
		}
	}
}

// convBackward takes dz = dL/d(output) (before the bias, which is the same) and the layer's input
// x, and writes the weights' and bias's gradients over L.dw and L.db, using dwt as scratch
// (k*k*cin*cout values, or 16*cin*cout when wino); when dx.x is not nil it writes dL/dx into
// dx, using wf, the weights reordered by reorderBackward (by winoWeights, flipped, when wino).
func convBackward(s *convScratch, L *conv2d, wino bool, wf, dwt []float32, x, dz, dx fmap) {
	if wino {
		winoWeightGrad(s, L, dwt, x, dz)
	} else {
		convWeightGrad(s, L, dwt, x, dz)
	}
	colSums(L.db, dz)
	if dx.x == nil {
		return
	}
	// dL/dx is the convolution of dz with the flipped weights, padding k-1-pad.
	flipped := conv2d{cin: L.cout, cout: L.cin, k: L.k, pad: L.k - 1 - L.pad}
	convForward(s, &flipped, wino, wf, dz, dx, nil)
}

// convWeightGrad writes dL/dw into L.dw in PyTorch's layout, from the patch matrix of x and dz,
// chunk by chunk. With many output channels it accumulates dwt [k*k*cin, cout] = P^T dz; with
// few (the UNet's last layer has one), where that product would fill a tile column with
// padding, dwt [cout, k*k*cin] = dz^T P instead.
func convWeightGrad(s *convScratch, L *conv2d, dwt []float32, x, dz fmap) {
	rows, K := dz.rows(), L.patch()
	if rows == 0 {
		clear(L.dw)
		return
	}
	byRows := 4*L.cout <= asm.Current().NR
	step := chunkRows(rows, K)
	for r0 := 0; r0 < rows; r0 += step {
		r1 := min(rows, r0+step)
		var col []float32
		if L.k == 1 && L.pad == 0 {
			col = x.x[r0*x.ld:]
		} else {
			col = s.col[:(r1-r0)*K]
			im2col(col, x, L.k, L.pad, r0, r1)
		}
		ldcol := K
		if L.k == 1 && L.pad == 0 {
			ldcol = x.ld
		}
		beta := float32(1)
		if r0 == 0 {
			beta = 0
		}
		if byRows {
			s.local.Gemm(true, false, L.cout, K, r1-r0, 1, dz.x[r0*dz.ld:], dz.ld, col, ldcol, beta, dwt, K)
		} else {
			s.local.Gemm(true, false, K, L.cout, r1-r0, 1, col, ldcol, dz.x[r0*dz.ld:], dz.ld, beta, dwt, L.cout)
		}
	}
	kk := L.k * L.k
	for co := 0; co < L.cout; co++ {
		for ci := 0; ci < L.cin; ci++ {
			dst := L.dw[(co*L.cin+ci)*kk : (co*L.cin+ci+1)*kk]
			for t := range dst {
				if byRows {
					dst[t] = dwt[co*K+t*L.cin+ci]
				} else {
					dst[t] = dwt[(t*L.cin+ci)*L.cout+co]
				}
			}
		}
	}
}

// colSums writes the sums over the rows of the map f into dst [f.c].
func colSums(dst []float32, f fmap) {
	dst = dst[:f.c]
	clear(dst)
	rows := f.rows()
	if f.c < 8 {
		for r := 0; r < rows; r++ {
			for j, v := range f.x[r*f.ld : r*f.ld+f.c] {
				dst[j] += v
			}
		}
		return
	}
	for r := 0; r < rows; r++ {
		asm.Axpy(1, f.x[r*f.ld:r*f.ld+f.c], dst)
	}
}
