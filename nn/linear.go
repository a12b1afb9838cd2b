package nn

import (
	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// This file holds one Linear layer's forward and backward passes, side by side, over flat
// row-major arrays of n rows.

// linearForward computes z = x W^T for n rows of x [n x in] into z [n x out]; the bias is added
// by the pass that follows (biasActivate for a hidden layer, addBiasRows for the output).
func linearForward(L *linear, z, x []float32, n int) {
	mat.Gemm(false, true, n, L.out, L.in, 1, x, L.in, L.w, L.in, 0, z, L.out)
}

// activateRows adds the bias to every row of z [n x out] and writes the activation into h,
// one fused pass over each row.
func activateRows(act Activation, L *linear, z, h []float32, n int) {
	for i := 0; i < n; i++ {
		row := z[i*L.out : (i+1)*L.out]
		biasActivate(act, row, h[i*L.out:(i+1)*L.out], L.b)
	}
}

// addBiasRows adds the bias to every row of z [n x out] (the output layer has no activation).
func addBiasRows(L *linear, z []float32, n int) {
	if L.out < 8 {
		b := L.b
		for i := 0; i < n; i++ {
			row := z[i*L.out : (i+1)*L.out]
			for j := range row {
				row[j] += b[j]
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		asm.AddBias(z[i*L.out:(i+1)*L.out], L.b)
	}
}

// linearBackward takes dz = dL/dz [n x out] and the layer's input x [n x in] and writes
// dW = dz^T x and db = column sums of dz into the layer's gradients, overwriting them, and,
// when dx is not nil, dL/dx = dz W into dx [n x in].
func linearBackward(L *linear, dz, x, dx []float32, n int) {
	mat.Gemm(true, false, L.out, L.in, n, 1, dz, L.out, x, L.in, 0, L.dw, L.in)
	columnSums(L.db, dz, n, L.out)
	if dx != nil {
		mat.Gemm(false, false, n, L.in, L.out, 1, dz, L.out, L.w, L.in, 0, dx, L.in)
	}
}

// columnSums writes the sum of the n rows of a [n x cols] into dst [cols].
func columnSums(dst, a []float32, n, cols int) {
	clear(dst)
	if cols < 8 {
		for i := 0; i < n; i++ {
			row := a[i*cols : (i+1)*cols]
			for j, v := range row {
				dst[j] += v
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		asm.Axpy(1, a[i*cols:(i+1)*cols], dst)
	}
}
