// Package nn holds fmtiny's two networks, the multilayer perceptron for points and the seed's
// UNet for images, with Adam and state dicts in safetensors files under PyTorch's names. The
// MLP is Linear layers with an activation between them and an optional label embedding added
// to the first layer's output (class-conditional networks), run forward and backward over a
// batch in a workspace made once.
//
// As in karpathy/llm.c, every layer's forward and backward sit side by side as plain functions
// over flat arrays; parameters, gradients and optimizer moments are each one flat []float32
// whose layers are views, so an optimizer step is one loop.
//
// The package also holds the seed's UNet for images (unet.go, UNetBatch in unet_batch.go):
// convolutions, 2x2 max-pooling, bilinear upsampling and skip connections, with feature maps
// NHWC inside, a concatenation being channels of one map; its 3x3 convolutions run as
// Winograd's F(2x2, 3x3) and the others as im2col, each on mat's GEMM kernels (conv.go and
// winograd.go say why); pool.go and upsample.go follow PyTorch's max_pool2d and bilinear
// interpolate. A class-conditional UNet adds label embeddings to two of its convolutions'
// pre-activations (UNetConfig.Classes).
package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Config describes an MLP: In inputs (the data's dimensions and one more for the time t),
// len(Hidden) hidden Linear+activation blocks, and a Linear output layer of width Out.
type Config struct {
	In        int        // input width: data dims + 1 for t
	Hidden    []int      // hidden widths, any number of layers (>= 0)
	Out       int        // output width
	Act       Activation // the activation after every hidden Linear layer
	TimeFirst bool       // t enters as the first input column, cat(t, x); default last, cat(x, t)
	// Classes > 0 conditions the network on a label in 0..Classes-1: a learned embedding of
	// Classes+1 rows (the last one "no label", for classifier-free guidance) of the first
	// Linear layer's width, whose row for a point's label is added to that layer's output.
	// It is PyTorch's nn.Embedding(Classes+1, width) added to main[0]'s output, the same
	// function as a Linear layer on cat(x, t, one_hot(label)). 0: no labels.
	Classes int
}

// MaxClasses bounds Config.Classes.
const MaxClasses = 1 << 20

// maxWidth bounds every layer's width so that sizes computed from a (possibly hostile) config
// or state dict stay far from overflowing an int.
const maxWidth = 1 << 24

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	if c.In < 1 || c.In > maxWidth {
		return errorf("input width %d out of range [1, %d]", c.In, maxWidth)
	}
	if c.Out < 1 || c.Out > maxWidth {
		return errorf("output width %d out of range [1, %d]", c.Out, maxWidth)
	}
	for i, h := range c.Hidden {
		if h < 1 || h > maxWidth {
			return errorf("hidden layer %d: width %d out of range [1, %d]", i, h, maxWidth)
		}
	}
	if !c.Act.valid() {
		return errorf("invalid activation %d", int(c.Act))
	}
	if c.Classes < 0 || c.Classes > MaxClasses {
		return errorf("classes %d out of range [0, %d]", c.Classes, MaxClasses)
	}
	if _, err := c.paramCount(); err != nil {
		return err
	}
	return nil
}

// widths returns every layer boundary's width: In, Hidden..., Out.
func (c Config) widths() []int {
	w := make([]int, 0, len(c.Hidden)+2)
	w = append(w, c.In)
	w = append(w, c.Hidden...)
	return append(w, c.Out)
}

// NumParams returns the number of parameters of an MLP of configuration c (which must be valid).
func (c Config) NumParams() int {
	n, _ := c.paramCount()
	return n
}

// maxParams bounds the parameter count (4 GiB of float32).
const maxParams = 1 << 30

// paramCount counts the Linear layers' weights and biases, and the label embedding's rows.
func (c Config) paramCount() (int, error) {
	widths := c.widths()
	var n int64
	for l := 0; l+1 < len(widths); l++ {
		n += int64(widths[l+1])*int64(widths[l]) + int64(widths[l+1])
		if n > maxParams {
			return 0, errors.New("more than 2^30 parameters")
		}
	}
	if n += int64(c.embeddingRows()) * int64(widths[1]); n > maxParams {
		return 0, errors.New("more than 2^30 parameters")
	}
	return int(n), nil
}

// embeddingRows is the label embedding's rows: Classes+1, or none without labels.
func (c Config) embeddingRows() int {
	if c.Classes == 0 {
		return 0
	}
	return c.Classes + 1
}

// linear is one Linear layer's view into the flat parameter and gradient buffers:
// y = x W^T + b with W [out x in] row-major.
type linear struct {
	in, out int
	w, b    []float32 // views into MLP.Params
	dw, db  []float32 // views into MLP.Grads; nil for a WithParams view
}

// MLP is a multilayer perceptron whose parameters live in one flat buffer.
type MLP struct {
	Config
	// Params holds every layer's W [out x in] row-major then b [out], layer after layer, then
	// the label embedding [Classes+1 x first width] when Classes > 0.
	Params []float32
	Grads  []float32 // same layout

	layers []linear
	emb    embedding
}

// New returns an MLP for cfg with parameters and gradients set to zero; call Init to draw
// PyTorch's initial weights.
func New(cfg Config) (*MLP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	n := cfg.NumParams()
	return newView(cfg, make([]float32, n), make([]float32, n)), nil
}

// newView returns an MLP of configuration cfg whose layers and embedding are views into params
// and grads (nil for a network without gradients).
func newView(cfg Config, params, grads []float32) *MLP {
	m := &MLP{Config: cfg, Params: params, Grads: grads, layers: makeLayers(cfg, params, grads)}
	m.emb = makeEmbedding(cfg, params, grads)
	return m
}

// makeLayers cuts params (and grads, if not nil) into the layers' views.
func makeLayers(cfg Config, params, grads []float32) []linear {
	w := cfg.widths()
	layers := make([]linear, len(w)-1)
	off := 0
	for l := range layers {
		in, out := w[l], w[l+1]
		nw := out * in
		L := linear{in: in, out: out,
			w: params[off : off+nw : off+nw], b: params[off+nw : off+nw+out : off+nw+out]}
		if grads != nil {
			L.dw, L.db = grads[off:off+nw:off+nw], grads[off+nw:off+nw+out:off+nw+out]
		}
		layers[l] = L
		off += nw + out
	}
	return layers
}

// Init draws every parameter as PyTorch's nn.Linear does: W and b uniform on
// [-1/sqrt(fan_in), +1/sqrt(fan_in)] (kaiming_uniform_ with a = sqrt(5) for W, which comes to
// the same bound); then the label embedding as nn.Embedding does, from N(0, 1).
func (m *MLP) Init(r *rand.Rand) {
	for _, L := range m.layers {
		bound := 1 / math.Sqrt(float64(L.in))
		for _, p := range [][]float32{L.w, L.b} {
			for i := range p {
				p[i] = float32(-bound + 2*bound*r.Float64())
			}
		}
	}
	for i := range m.emb.w {
		m.emb.w[i] = float32(r.NormFloat64())
	}
}

// WithParams returns a view of m with the same configuration whose layers read p (for example
// an EMA of the weights); it has no gradients and is meant for Forward. p must have
// m.NumParams() values.
func (m *MLP) WithParams(p []float32) *MLP {
	if len(p) != len(m.Params) {
		panic(fmt.Sprintf("nn: WithParams got %d parameters, the network has %d", len(p), len(m.Params)))
	}
	return newView(m.Config, p, nil)
}

// NumParams returns the number of parameters.
func (m *MLP) NumParams() int { return len(m.Params) }

// FLOPs returns the floating-point operations (multiply-adds count two) of a forward pass over
// n rows and of a training step (forward, backward to the weights and to every hidden
// activation: three GEMMs per layer, so three times the forward), counting the GEMMs only.
func (m *MLP) FLOPs(n int) (forward, trainStep float64) {
	var macs float64
	for _, L := range m.layers {
		macs += float64(L.in) * float64(L.out)
	}
	forward = 2 * float64(n) * macs
	return forward, 3 * forward
}
