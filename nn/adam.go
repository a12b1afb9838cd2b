package nn

import (
	"fmt"
	"math"

	"github.com/fmtiny/fmtiny/asm"
)

// Adam is torch.optim.Adam (or, with Decoupled, torch.optim.AdamW) over one flat parameter
// buffer, with optional clipping of the global gradient norm as
// torch.nn.utils.clip_grad_norm_ does it before the step.
type Adam struct {
	LR, Beta1, Beta2, Eps float32 // PyTorch defaults 1e-3, 0.9, 0.999, 1e-8
	WeightDecay           float32 // L2 (Adam) or decoupled (AdamW)
	Decoupled             bool    // AdamW: p -= lr*wd*p, as torch.optim.AdamW
	ClipNorm              float32 // > 0: clip the global gradient norm to this first
	Steps                 int64   // bias correction counter
	M, V                  []float32

	par *adamPar // made by the first Update
}

// adamPar is the state of Update's pass split among threads.
type adamPar struct {
	split split
	task  adamTask
}

// adamTask is one Adam step over the parameters [lo, hi), with the step's scalars.
type adamTask struct {
	p, g, m, v []float32
	s          asm.AdamScalars
}

// NewAdam returns an Adam optimizer for n parameters with PyTorch's defaults and zero moments.
func NewAdam(n int) *Adam {
	return &Adam{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		M: make([]float32, n), V: make([]float32, n)}
}

// Update takes one step on params from grads (which it does not modify) and returns the global
// gradient norm before clipping. Its arithmetic is torch's single-tensor Adam/AdamW in float32,
// operation for operation; the bias corrections are computed in float64, as torch computes them
// in Python:
//
//	g = grads[i]*clip (+ wd*p for L2)        (clip = min(1, ClipNorm/(norm + 1e-6)))
//	p *= 1 - lr*wd                           (AdamW only)
//	m = m*beta1 + (1-beta1)*g
//	v = v*beta2 + (1-beta2)*g*g
//	p += -lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// The hyperparameters are float32, so the float64 scalars start from their float32 values
// (beta1 = 0.9 enters as 0.89999998), where torch starts from Python's float64 0.9: the
// scalars may differ from torch's in their last float32 bit.
func (o *Adam) Update(params, grads []float32) (gradNorm float32) {
	n := len(params)
	if len(grads) != n || len(o.M) != n || len(o.V) != n {
		panic(fmt.Sprintf("nn: Adam over %d parameters with %d gradients and moments of %d and %d",
			n, len(grads), len(o.M), len(o.V)))
	}
	norm := l2Norm(grads)
	clip := float32(1)
	if o.ClipNorm > 0 {
		// clip_grad_norm_: clip_coef = max_norm/(total_norm + 1e-6), clamped to 1.
		clip = min(1, o.ClipNorm/(float32(norm)+1e-6))
	}

	o.Steps++
	step := float64(o.Steps)
	bc1 := 1 - math.Pow(float64(o.Beta1), step)
	bc2 := 1 - math.Pow(float64(o.Beta2), step)
	negStep := float32(-float64(o.LR) / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	beta1, beta2, eps := o.Beta1, o.Beta2, o.Eps
	oneMinusBeta1 := float32(1 - float64(beta1))
	oneMinusBeta2 := float32(1 - float64(beta2))
	var l2, decay float32 = 0, 1
	if o.Decoupled {
		decay = float32(1 - float64(o.LR)*float64(o.WeightDecay))
	} else {
		l2 = o.WeightDecay
	}

	if o.par == nil {
		o.par = new(adamPar)
	}
	o.par.task = adamTask{p: params, g: grads, m: o.M, v: o.V, s: asm.AdamScalars{
		Clip: clip, L2: l2, Decay: decay, Beta1: beta1, Beta2: beta2, Eps: eps,
		OneMinusBeta1: oneMinusBeta1, OneMinusBeta2: oneMinusBeta2, NegStep: negStep, Bc2Sqrt: bc2Sqrt}}
	parallelFor(&o.par.task, n, 5, &o.par.split)
	o.par.task = adamTask{}
	return float32(norm)
}

// run steps the parameters [lo, hi) with asm.Adam: each product and quotient rounded to
// float32 on its own, the same bits on every architecture and kernel set.
func (t *adamTask) run(lo, hi int) {
	asm.Adam(t.p[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi], t.s)
}

// l2Norm returns the Euclidean norm of x, summing squares in float32 blocks (SIMD dot
// products) and the blocks in float64.
func l2Norm(x []float32) float64 {
	const block = 1024
	var s float64
	for i := 0; i < len(x); i += block {
		b := x[i:min(i+block, len(x))]
		s += float64(asm.Dot(b, b))
	}
	return math.Sqrt(s)
}

// EMA keeps an exponential moving average of the parameters:
// Params = Decay*Params + (1-Decay)*params after every Update.
type EMA struct {
	Decay  float32
	Params []float32
}

// NewEMA returns an average that starts at a copy of params.
func NewEMA(params []float32, decay float32) *EMA {
	return &EMA{Decay: decay, Params: append([]float32(nil), params...)}
}

// Update folds params into the average, each product rounded before the sum (no fused
// multiply-add), the same bits on every architecture.
func (e *EMA) Update(params []float32) {
	if len(params) != len(e.Params) {
		panic(fmt.Sprintf("nn: EMA of %d parameters updated with %d", len(e.Params), len(params)))
	}
	d := e.Decay
	asm.EMA(e.Params, params, d, float32(1-float64(d)))
}
