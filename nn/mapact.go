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
	// brep, when not nil, holds b repeated (a whole number of times): over maps whose rows
	// are contiguous, run takes as many rows at a time as brep covers, one kernel call for
	// them instead of one a row (a row of 32 channels is four vectors, less work than a
	// call).
	brep []float32

	// emb, when not nil, is a label embedding whose row for each image's label is added after
	// the bias and before the activation, as PyTorch's act(conv(x) + emb(y)) rounds: the map's
	// rows are images of pixels rows each, image i of the map image first+i of labels (one
	// per image, one for all, or nil for "no label"; labelRow). erep is scratch for a row
	// repeated, as brep.
	emb           *embedding
	labels        []int32
	first, pixels int
	erep          []float32
}

// repeatBias fills buf's first whole multiple of len(b) values with b repeated, and returns
// them.
func repeatBias(buf, b []float32) []float32 {
	rep := buf[:len(buf)/len(b)*len(b)]
	for i := 0; i < len(rep); i += len(b) {
		copy(rep[i:], b)
	}
	return rep
}

// run applies the bias (and the label embedding) and the activation to rows [r0, r1).
func (p *postOp) run(r0, r1 int) {
	if p.emb == nil {
		p.runRows(r0, r1, p.act, p.b, p.brep)
		return
	}
	c := p.z.c
	for r := r0; r < r1; {
		img := r / p.pixels
		end := min(r1, (img+1)*p.pixels)
		k := labelRow(p.labels, p.first+img, p.emb.classes)
		e := p.emb.w[k*c : (k+1)*c]
		p.runRows(r, end, noAct, p.b, p.brep)
		p.runRows(r, end, p.act, e, repeatBias(p.erep[:min(len(p.erep), (end-r)*c)], e))
		r = end
	}
}

// runRows adds b (repeated in brep) to rows [r0, r1) of z and runs act into h.
func (p *postOp) runRows(r0, r1 int, act Activation, b, brep []float32) {
	c := p.z.c
	if len(brep) >= c && p.z.ld == c && p.h.ld == c {
		per := len(brep) / c
		for r := r0; r < r1; r += per {
			n := min(per, r1-r)
			apply(act, p.z.x[r*c:(r+n)*c], p.h.x[r*c:(r+n)*c], brep[:n*c])
		}
		return
	}
	for r := r0; r < r1; r++ {
		apply(act, p.z.x[r*p.z.ld:r*p.z.ld+c], p.h.x[r*p.h.ld:r*p.h.ld+c], b)
	}
}

// apply runs z += b and h = act(z) over z, h and b of one length (a row, or rows of a dense
// map with the bias repeated).
func apply(act Activation, z, h, b []float32) {
	switch act {
	case noAct:
		asm.AddBias(z, b)
	case ELU:
		asm.BiasELU(z, h, b)
	default:
		biasActivate(act, z, h, b)
	}
}

// embeddingBackwardMap overwrites e's gradient with the scatter-add of dz, dL/d of the
// pre-activation the embedding was added to, over each image's pixels into the row of its
// label: image i of dz (pixels rows each) is image first+i of labels, as in postOp. The sums
// run image by image, pixel by pixel, so they depend on the images alone.
func embeddingBackwardMap(e *embedding, dz fmap, labels []int32, first, pixels int) {
	clear(e.dw)
	c := dz.c
	for img := range dz.n {
		k := labelRow(labels, first+img, e.classes)
		dst := e.dw[k*c : (k+1)*c]
		for r := img * pixels; r < (img+1)*pixels; r++ {
			addRow(dst, dz.x[r*dz.ld:r*dz.ld+c])
		}
	}
}

// actGradMap turns dL/dh into dL/dz in place over every row of dh, from the activation h (for
// the activations whose derivative it gives) or the pre-activation z.
func actGradMap(act Activation, dh, z, h fmap) {
	c := dh.c
	if dh.ld == c && h.ld == c && z.ld == c { // dense maps: one pass over them all
		n := dh.rows() * c
		actGradRows(act, dh.x[:n], z.x[:n], h.x[:n])
		return
	}
	for r := range dh.rows() {
		actGradRows(act, dh.x[r*dh.ld:r*dh.ld+c], z.x[r*z.ld:r*z.ld+c], h.x[r*h.ld:r*h.ld+c])
	}
}

// actGradRows is actGradMap over one run of values.
func actGradRows(act Activation, d, z, h []float32) {
	switch act {
	case ELU:
		asm.ELUGrad(d, d, h)
	case ReLU:
		asm.ReLUGrad(d, d, h) // h > 0 exactly where z > 0
	case Tanh:
		tanhGrad(d, h)
	default:
		activationGrad(act, d, z, h)
	}
}
