package nn

import "github.com/fmtiny/fmtiny/asm"

// This file holds the passes after a convolution over a feature map's rows (fmap, conv.go):
// the bias and activation fused in one pass, and the activation's gradient.

// noAct marks a convolution followed by its bias alone (the UNet's last).
const noAct Activation = -1

// fromOutput reports whether a's derivative can be computed from its output alone, so that a
// network can keep only the activation, not the pre-activation too: ELU's is 1 where h > 0 and
// h + 1 elsewhere, ReLU's 1 where h > 0, tanh's 1 - h^2.
func (a Activation) fromOutput() bool { return a == ELU || a == ReLU || a == Tanh }

// postOp is what follows a convolution's product: z += b and h = act(z) on each row (h may be
// z itself), or with noAct only the bias. ELU runs on asm's kernels (the MLP's Go loop in
// activation.go calls math.Exp per value, which took 40% of a UNet's forward pass).
type postOp struct {
	act  Activation
	z, h fmap
	b    []float32
}

// run applies the bias and activation to rows [r0, r1).
func (p *postOp) run(r0, r1 int) {
	c := p.z.c
	for r := r0; r < r1; r++ {
		z := p.z.x[r*p.z.ld : r*p.z.ld+c]
		switch p.act {
		case noAct:
			asm.AddBias(z, p.b)
		case ELU:
			asm.BiasELU(z, p.h.x[r*p.h.ld:r*p.h.ld+c], p.b)
		default:
			biasActivate(p.act, z, p.h.x[r*p.h.ld:r*p.h.ld+c], p.b)
		}
	}
}

// actGradMap turns dL/dh into dL/dz in place over every row of dh, from the activation h (for
// the activations whose derivative it gives) or the pre-activation z.
func actGradMap(act Activation, dh, z, h fmap) {
	c := dh.c
	for r := range dh.rows() {
		d := dh.x[r*dh.ld : r*dh.ld+c]
		hr := h.x[r*h.ld : r*h.ld+c]
		switch act {
		case ELU:
			asm.ELUGrad(d, d, hr)
		case ReLU:
			asm.ReLUGrad(d, d, hr) // h > 0 exactly where z > 0
		case Tanh:
			tanhGrad(d, hr)
		default:
			activationGrad(act, d, z.x[r*z.ld:r*z.ld+c], hr)
		}
	}
}
