package asm

// This file holds the per-pixel loops of nn's 2x2 max-pooling and bilinear upsampling over c
// channels: the package functions, which run the current set's kernels, and the Go set's. As
// with ELU, a set that leaves its fields nil runs poolBest's, the fastest this CPU has.

func init() {
	goSet.Max4, goSet.Bilerp = max4Go, bilerpGo
}

// poolBest holds the kernels for sets without their own.
var poolBest = struct {
	max4   func(dst, a, b, d, e []float32)
	bilerp func(dst, a, b, d, e []float32, w0, w1, h0, h1 float32)
}{max4Go, bilerpGo}

func poolKernels(s *Set) (max4 func(dst, a, b, d, e []float32), bilerp func(dst, a, b, d, e []float32, w0, w1, h0, h1 float32)) {
	max4, bilerp = s.Max4, s.Bilerp
	if max4 == nil {
		max4 = poolBest.max4
	}
	if bilerp == nil {
		bilerp = poolBest.bilerp
	}
	return max4, bilerp
}

// Max4 computes dst[i] = max(max(a[i], b[i]), max(d[i], e[i])) for i < len(dst), with Go's max:
// NaN if any of the four is NaN, and +0 for the maximum of +0 and -0. a, b, d and e must be at
// least as long as dst.
func Max4(dst, a, b, d, e []float32) {
	n := len(dst)
	f, _ := poolKernels(current)
	f(dst, a[:n], b[:n], d[:n], e[:n])
}

// Bilerp computes dst[i] = (a[i]*w0 + b[i]*w1)*h0 + (d[i]*w0 + e[i]*w1)*h1 for i < len(dst),
// each product and sum rounded to float32 on its own (PyTorch's bilinear interpolation, in its
// order). a, b, d and e must be at least as long as dst.
func Bilerp(dst, a, b, d, e []float32, w0, w1, h0, h1 float32) {
	n := len(dst)
	_, f := poolKernels(current)
	f(dst, a[:n], b[:n], d[:n], e[:n], w0, w1, h0, h1)
}

func max4Go(dst, a, b, d, e []float32) {
	a, b, d, e = a[:len(dst)], b[:len(dst)], d[:len(dst)], e[:len(dst)]
	for i := range dst {
		dst[i] = max(max(a[i], b[i]), max(d[i], e[i]))
	}
}

func bilerpGo(dst, a, b, d, e []float32, w0, w1, h0, h1 float32) {
	a, b, d, e = a[:len(dst)], b[:len(dst)], d[:len(dst)], e[:len(dst)]
	for i := range dst {
		top := float32(a[i]*w0) + float32(b[i]*w1)
		bot := float32(d[i]*w0) + float32(e[i]*w1)
		dst[i] = float32(top*h0) + float32(bot*h1)
	}
}
