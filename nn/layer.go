package nn

import (
	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// This file holds a layer's passes, forward and backward side by side, over flat row-major
// arrays of n rows: the Linear map and its gradients, and the fused bias+activation pass and its
// gradient, the element-wise ones split among threads.

// linearForward computes z = x W^T for n rows of x [n x in] into z [n x out]; the bias is added
// by the pass that follows (biasActivate for a hidden layer, addBiasRows for the output).
func linearForward(ws *Workspace, L *linear, z, x []float32, n int) {
	if n > pointRows {
		ws.gemm(false, true, n, L.out, L.in, x, L.in, L.w, L.in, z, L.out)
		return
	}
	set := asm.Current()
	for i := 0; i < n; i++ {
		set.DotRows(z[i*L.out:(i+1)*L.out], 1, L.w, L.in, x[i*L.in:(i+1)*L.in], false)
	}
}

// linearActForward is a hidden layer's forward pass with its bias and activation fused into
// the product: z = x W^T + b and h = act(z) (h may be z) for n rows, through asm's fused kernels
// where the set has them and the same passes as linearForward and activateRows where not, the
// same bits either way. A few rows with the weights packed (pk, made by Batch.PackWeights) go
// one at a time through the set's RowBiasAct, which forms each sum as a row of a blocked
// product does, not as DotRows does.
func linearActForward(ws *Workspace, L *linear, pk *mat.PackedB, act asm.Act, z, h, x []float32, n int) {
	if n <= pointRows {
		if data, psb, set := pk.Panels(); set != nil && set == asm.Current() && set.RowBiasAct != nil {
			for i := 0; i < n; i++ {
				set.RowBiasAct(x[i*L.in:(i+1)*L.in], data, psb, L.out, L.b, z[i*L.out:(i+1)*L.out], h[i*L.out:(i+1)*L.out], act)
			}
			return
		}
		linearForward(ws, L, z, x, n)
		for i := 0; i < n; i++ {
			biasActivateFused(act, z[i*L.out:(i+1)*L.out], h[i*L.out:(i+1)*L.out], L.b)
		}
		return
	}
	ws.epi = mat.Epilogue{Bias: L.b, Act: act, H: h, LDH: L.out, B: pk}
	ws.gemmBiasAct(n, L.out, L.in, x, L.in, L.w, L.in, z, L.out)
	ws.epi = mat.Epilogue{}
}

// fusedAct is the activation's code for asm's fused kernels, for the activations they have.
func fusedAct(a Activation) (asm.Act, bool) {
	switch a {
	case SiLU:
		return asm.ActSiLU, true
	case ReLU:
		return asm.ActReLU, true
	}
	return asm.ActNone, false
}

// biasActivateFused is biasActivate for the activations fusedAct names.
func biasActivateFused(act asm.Act, z, h, b []float32) {
	if act == asm.ActReLU {
		asm.BiasReLU(z, h, b)
		return
	}
	asm.BiasSiLU(z, h, b)
}

// pointRows is the most rows linearForward takes one at a time straight to asm's DotRows, as
// mat.Gemm would, but without its checks and dispatch: a sampled point's forty or so passes
// through a small network take a few hundred nanoseconds each.
const pointRows = 2

// activateRows adds the bias to every row of z [n x out] and writes the activation into h,
// one fused pass over each row, the rows split among threads.
func activateRows(ws *Workspace, act Activation, L *linear, z, h []float32, n int) {
	ws.activate = activateTask{act: act, out: L.out, b: L.b, z: z, h: h}
	ws.parallelFor(&ws.activate, n, L.out*activationCost(act))
	ws.activate = activateTask{}
}

// activationCost is an activation's cost per element relative to a SIMD pass, for deciding
// when a pass is worth splitting: GELU, ELU, tanh and SELU are scalar Go loops around math.Exp.
func activationCost(act Activation) int {
	if act == SiLU || act == ReLU {
		return 1
	}
	return 16
}

// activateTask is activateRows over rows [lo, hi).
type activateTask struct {
	act     Activation
	out     int
	b, z, h []float32
}

func (t *activateTask) run(lo, hi int) {
	for i := lo; i < hi; i++ {
		biasActivate(t.act, t.z[i*t.out:(i+1)*t.out], t.h[i*t.out:(i+1)*t.out], t.b)
	}
}

// activationGradAll turns dL/dh into dL/dz in place over a whole layer, split among threads.
func activationGradAll(ws *Workspace, act Activation, dh, z, h []float32) {
	ws.actGrad = actGradTask{act: act, dh: dh, z: z, h: h}
	ws.parallelFor(&ws.actGrad, len(dh), activationCost(act))
	ws.actGrad = actGradTask{}
}

// actGradTask is activationGrad over elements [lo, hi).
type actGradTask struct {
	act      Activation
	dh, z, h []float32
}

func (t *actGradTask) run(lo, hi int) { activationGrad(t.act, t.dh[lo:hi], t.z[lo:hi], t.h[lo:hi]) }

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
func linearBackward(ws *Workspace, L *linear, dz, x, dx []float32, n int) {
	ws.gemm(true, false, L.out, L.in, n, dz, L.out, x, L.in, L.dw, L.in)
	ws.colSums = colSumTask{dst: L.db, a: dz, n: n, cols: L.out}
	ws.parallelFor(&ws.colSums, L.out, n)
	ws.colSums = colSumTask{}
	if dx != nil {
		ws.gemm(false, false, n, L.in, L.out, dz, L.out, L.w, L.in, dx, L.in)
	}
}

// colSumTask writes the sums of the n rows of a [n x cols] into dst [cols], for the columns
// [lo, hi).
type colSumTask struct {
	dst, a  []float32
	n, cols int
}

func (t *colSumTask) run(lo, hi int) {
	dst := t.dst[lo:hi]
	clear(dst)
	if hi-lo < 8 {
		for i := 0; i < t.n; i++ {
			for j, v := range t.a[i*t.cols+lo : i*t.cols+hi] {
				dst[j] += v
			}
		}
		return
	}
	for i := 0; i < t.n; i++ {
		asm.Axpy(1, t.a[i*t.cols+lo:i*t.cols+hi], dst)
	}
}
