package fm

import (
	"math/rand/v2"

	"github.com/fmtiny/fmtiny/nn"
)

// UNetNetwork is the seed's UNet as a velocity network on images of Channels x Height x Width
// pixels: its input is cat(x, t) along channels, t a constant plane; its output an image. A
// conditional one adds its label's embeddings to enc1's and the bottleneck's first
// convolutions (nn.UNetConfig.Classes).
type UNetNetwork struct{ *nn.UNet }

// NewUNetNetwork returns the seed's UNet (ELU) on images of the given shape and base channels,
// conditioned on classes labels (0: unconditional), with zero weights.
func NewUNetNetwork(channels, height, width, base, classes int) (*UNetNetwork, error) {
	cfg := nn.SeedUNet(channels, height, width, base)
	cfg.Classes = classes
	u, err := nn.NewUNet(cfg)
	if err != nil {
		return nil, err
	}
	return &UNetNetwork{u}, nil
}

func (u *UNetNetwork) Dim() int                   { return u.Channels * u.Height * u.Width }
func (u *UNetNetwork) NumParams() int             { return u.UNetConfig.NumParams() }
func (u *UNetNetwork) NumClasses() int            { return u.Classes }
func (u *UNetNetwork) params() []float32          { return u.Params }
func (u *UNetNetwork) grads() []float32           { return u.Grads }
func (u *UNetNetwork) init(r *rand.Rand)          { u.Init(r) }
func (u *UNetNetwork) tensors() []nn.Tensor       { return u.StateDict() }
func (u *UNetNetwork) flops(n int) (f, t float64) { return u.FLOPs(n) }

func (u *UNetNetwork) withParams(p []float32) Network { return &UNetNetwork{u.WithParams(p)} }

func (u *UNetNetwork) valuesPerPoint(forwardOnly bool) float64 {
	return float64(u.WorkValues(!forwardOnly) + 2*u.Dim()) // and the gathered output, its gradient
}

func (u *UNetNetwork) describe(meta map[string]string) {
	meta[keyArch] = ArchUNet
	meta[keyAct] = u.Act.String()
	meta[keyChannels] = itoa(u.Base)
	if u.Classes > 0 {
		meta[keyClasses] = itoa(u.Classes)
	}
}

func (u *UNetNetwork) newTrainPass(maxBatch int) trainPass { return u.NewBatch(maxBatch) }

func (u *UNetNetwork) newForwardPass(maxBatch int, serial bool) forwardPass {
	b := u.NewForwardBatch(maxBatch)
	b.Serial = serial
	return b
}

// The UNet has no divergence cheaper than Dim() probes: the likelihood takes Hutchinson's.
func (u *UNetNetwork) newDivergencePass(int) divergencePass { return nil }

// newProbePass gives J^T e by reverse mode: the points repeated k times go forward through a
// training batch, whose backward pass with the probes as the output's gradient returns them
// in dx (the parameters' gradients it also fills are not used).
func (u *UNetNetwork) newProbePass(maxBatch, k int) probePass {
	d, rows := u.Dim(), maxBatch*k
	net := u.UNet
	if net.Grads == nil { // a view of other weights (an EMA): a copy with gradients of its own
		net, _ = nn.NewUNet(u.UNetConfig)
		copy(net.Params, u.Params)
	}
	return &unetProbes{b: net.NewBatch(rows), k: k, d: d,
		x: make([]float32, rows*d), t: make([]float32, rows), u: make([]float32, maxBatch*d), p: make([]float32, rows*d)}
}

// unetProbes is the UNet's probe pass: x and t hold the repeated points, u each point's
// velocity, p the products J^T e.
type unetProbes struct {
	b          *nn.UNetBatch
	k, d       int
	x, t, u, p []float32
}

func (q *unetProbes) Probe(x, t []float32, n int, e []float32) (u, p []float32) {
	k, d := q.k, q.d
	for i := range n {
		ti := t[0]
		if len(t) > 1 {
			ti = t[i]
		}
		for j := range k {
			copy(q.x[(i*k+j)*d:(i*k+j+1)*d], x[i*d:(i+1)*d])
			q.t[i*k+j] = ti
		}
	}
	y := q.b.Forward(q.x, q.t, nil, n*k) // a conditional UNet's field with "no label"
	for i := range n {
		copy(q.u[i*d:(i+1)*d], y[i*k*d:(i*k+1)*d])
	}
	q.b.Backward(e[:n*k*d], q.p)
	return q.u[:n*d], q.p[:n*k*d]
}
