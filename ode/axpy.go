package ode

import "github.com/fmtiny/fmtiny/asm"

// shortVector is the length below which the stage combinations run as plain Go loops: under
// one AVX2 vector (8 float32s) the SIMD kernels' call costs more than they save (measured with
// the AVX2+FMA set: an asm.Axpy of 2 or 4 values takes about 10 ns, the Go loop 4.5 to 6.5 ns;
// at 8 values asm wins, 4.8 against 7.1 ns, and at 128 values 12 against 78 ns).
const shortVector = 8

// axpy computes y[i] += alpha*x[i] for i < len(x).
func axpy(alpha float32, x, y []float32) {
	if len(x) >= shortVector {
		asm.Axpy(alpha, x, y)
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// axpyTo computes dst[i] = alpha*x[i] + y[i] for i < len(dst).
func axpyTo(dst []float32, alpha float32, x, y []float32) {
	if len(dst) >= shortVector {
		asm.AxpyTo(dst, alpha, x, y)
		return
	}
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = alpha*x[i] + y[i]
	}
}
