package fm

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/fmtiny/fmtiny/nn"
)

// UNetNetwork is the seed's UNet as a velocity network on images of Channels x Height x Width
// pixels: its input is cat(x, t) along channels, t a constant plane; its output an image.
type UNetNetwork struct{ *nn.UNet }

// NewUNetNetwork returns the seed's UNet (ELU) on images of the given shape and base channels,
// with zero weights.
func NewUNetNetwork(channels, height, width, base int) (*UNetNetwork, error) {
	u, err := nn.NewUNet(nn.SeedUNet(channels, height, width, base))
	if err != nil {
		return nil, err
	}
	return &UNetNetwork{u}, nil
}

func (u *UNetNetwork) Dim() int                   { return u.Channels * u.Height * u.Width }
func (u *UNetNetwork) NumParams() int             { return u.UNetConfig.NumParams() }
func (u *UNetNetwork) NumClasses() int            { return 0 }
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
	meta[keyChannels] = strconv.Itoa(u.Base)
}

func (u *UNetNetwork) newTrainPass(maxBatch int) trainPass {
	return unetPass{u.NewBatch(maxBatch)}
}

func (u *UNetNetwork) newForwardPass(maxBatch int, serial bool) forwardPass {
	b := u.NewForwardBatch(maxBatch)
	b.Serial = serial
	return unetPass{b}
}

// unetPass adapts a UNet batch to the passes' signatures, which carry labels: the UNet takes
// none.
type unetPass struct{ b *nn.UNetBatch }

func (p unetPass) MSEGrad(x, t []float32, labels []int32, target []float32, n int) float32 {
	noLabels(labels)
	return p.b.MSEGrad(x, t, target, n)
}

func (p unetPass) Forward(x, t []float32, labels []int32, n int) []float32 {
	noLabels(labels)
	return p.b.Forward(x, t, n)
}

// noLabels panics on labels for a network that takes none: the trainer and the sampler give
// labels only to a network with NumClasses() > 0.
func noLabels(labels []int32) {
	if labels != nil {
		panic(fmt.Sprintf("fm: %d labels for an unconditional UNet", len(labels)))
	}
}
