package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// UNetConfig describes the seed's UNet (its models/models.py, UNet(in_channels, base_channels)):
// images of Channels channels and Height x Width pixels, the time t entering as one more input
// channel, a constant plane; Base channels c at full resolution, 2c after one 2x2 max-pool and
// 4c after two; bilinear upsampling back, each level's skip concatenated after the upsampled
// map. Every convolution is 3x3 with padding 1 and a bias, and every one but the last is
// followed by Act:
//
//	enc1       = Conv(Channels+1 -> c), act, Conv(c -> c), act                    -> e1
//	enc2       = Conv(c -> 2c), act, Conv(2c -> 2c), act      on maxpool(e1)      -> e2
//	bottleneck = Conv(2c -> 4c), act, Conv(4c -> 4c), act     on maxpool(e2)      -> m
//	dec2       = Conv(6c -> 2c), act, Conv(2c -> 2c), act     on cat(up(m), e2)   -> d2
//	dec1       = Conv(3c -> c), act, Conv(c -> c), act, Conv(c -> Channels)  on cat(up(d2), e1)
//
// Classes > 0 conditions the network on a label in 0..Classes-1 (the seed's UNet has none): two
// learned embeddings of Classes+1 rows, the last row "no label" as for the MLP (Config.Classes),
// label_emb [Classes+1, c] and mid_label_emb [Classes+1, 4c], whose rows for an image's label
// are added, per channel and at every pixel, to the pre-activations of enc1's first convolution
// and of the bottleneck's first. In PyTorch, nn.Embedding(Classes+1, c) and (Classes+1, 4c),
// and act(enc1[0](cat(x, t)) + label_emb(y)[:, :, None, None]), likewise at bottleneck[0].
//
// Why embeddings added as biases, rather than constant label planes (one-hot channels beside
// t): a plane per class would widen the first convolution's input from Channels+1 to
// Channels+1+Classes+1 channels (6.5 times its products on MNIST) and reach the deeper levels
// only through it; a per-image bias costs an addition per value of two maps, is the same
// function as those planes would give the first convolution away from the border (a constant
// plane times a 3x3 kernel is a constant, but at the zero padding), is the MLP's conditioning
// carried over, and the bottleneck's second embedding gives the label a direct say in the
// coarse layout, where a digit's class is decided.
type UNetConfig struct {
	Channels      int        // image channels (1 for MNIST); the network's input has one more, t
	Height, Width int        // image size, each a multiple of 4 (two poolings)
	Base          int        // base channels c
	Act           Activation // after every convolution but the last; the seed's is ELU
	Classes       int        // labels 0..Classes-1 (0: unconditional, the seed's UNet)
}

// SeedUNet returns the configuration of the seed's UNet for images of channels x height x
// width and base channels base: ELU after each convolution.
func SeedUNet(channels, height, width, base int) UNetConfig {
	return UNetConfig{Channels: channels, Height: height, Width: width, Base: base, Act: ELU}
}

// Bounds on a UNet's sizes, so that sizes computed from a (possibly hostile) configuration or
// state dict stay far from overflowing an int: at most maxUNetChannels image channels, sides of
// at most maxImageSide pixels, base channels at most maxUNetBase, and at most maxMapValues
// values in any one image's largest feature map (Height*Width*6*Base, the concatenation
// before dec2 counted at full resolution), besides the parameter bound maxParams.
const (
	maxUNetChannels = 1 << 10
	maxImageSide    = 1 << 14
	maxUNetBase     = 1 << 14
	maxMapValues    = 1 << 30
)

// Validate reports the first thing wrong with c.
func (c UNetConfig) Validate() error {
	if c.Channels < 1 || c.Channels > maxUNetChannels {
		return errorf("image channels %d out of range [1, %d]", c.Channels, maxUNetChannels)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"height", c.Height}, {"width", c.Width}} {
		if s.v < 4 || s.v > maxImageSide || s.v%4 != 0 {
			return errorf("image %s %d is not a multiple of 4 in [4, %d] (the UNet pools twice by 2)", s.name, s.v, maxImageSide)
		}
	}
	if c.Base < 1 || c.Base > maxUNetBase {
		return errorf("base channels %d out of range [1, %d]", c.Base, maxUNetBase)
	}
	if !c.Act.valid() {
		return errorf("invalid activation %d", int(c.Act))
	}
	if c.Classes < 0 || c.Classes > MaxClasses {
		return errorf("classes %d out of range [0, %d]", c.Classes, MaxClasses)
	}
	if v := int64(c.Height) * int64(c.Width) * int64(6*c.Base+c.Channels+1); v > maxMapValues {
		return errorf("%d x %d images with base channels %d make feature maps of %d values, more than %d", c.Height, c.Width, c.Base, v, maxMapValues)
	}
	if _, err := c.paramCount(); err != nil {
		return err
	}
	return nil
}

// The convolutions, in the order of the seed's state dict.
const (
	enc1a = iota
	enc1b
	enc2a
	enc2b
	midA
	midB
	dec2a
	dec2b
	dec1a
	dec1b
	dec1out
	numConvs
)

// convNames are the convolutions' module names in the seed's UNet.
var convNames = [numConvs]string{
	"enc1.0", "enc1.2", "enc2.0", "enc2.2", "bottleneck.0", "bottleneck.2",
	"dec2.0", "dec2.2", "dec1.0", "dec1.2", "dec1.4",
}

// convShapes returns every convolution's input and output channels.
func (c UNetConfig) convShapes() (cin, cout [numConvs]int) {
	b, ch := c.Base, c.Channels
	cin = [numConvs]int{ch + 1, b, b, 2 * b, 2 * b, 4 * b, 6 * b, 2 * b, 3 * b, b, b}
	cout = [numConvs]int{b, b, 2 * b, 2 * b, 4 * b, 4 * b, 2 * b, 2 * b, b, b, ch}
	return cin, cout
}

// convLevel is the resolution level (0 full, 1 half, 2 quarter) each convolution runs at.
var convLevel = [numConvs]int{0, 0, 1, 1, 2, 2, 1, 1, 0, 0, 0}

// unetKernel is the size of every convolution's kernel, unetPad its padding.
const unetKernel, unetPad = 3, 1

// NumParams returns the number of parameters of a UNet of configuration c (which must be valid).
func (c UNetConfig) NumParams() int {
	n, _ := c.paramCount()
	return n
}

// WorkValues estimates the float32 values one image takes in a batch's workspaces: its feature
// maps (unetWork), and for training also its gradient maps (unetGrads) and the pre-activations
// that SiLU-like activations keep; for sizing batches against memory.
func (c UNetConfig) WorkValues(training bool) int {
	b, ch := c.Base, c.Channels
	p0 := c.levelPixels(0)
	p1, p2 := c.levelPixels(1), c.levelPixels(2)
	v := p0*(2*ch+1+6*b) + p1*13*b + p2*10*b
	if training {
		v += p0*(2*ch+1+5*b) + p1*10*b + p2*8*b
		if !c.Act.fromOutput() {
			v += p0*4*b + p1*8*b + p2*8*b // every convolution's output but the last
		}
	}
	return v
}

func (c UNetConfig) paramCount() (int, error) {
	cin, cout := c.convShapes()
	var n int64
	for l := range numConvs {
		n += int64(cout[l])*int64(cin[l])*unetKernel*unetKernel + int64(cout[l])
		if n > maxParams {
			return 0, errors.New("more than 2^30 parameters")
		}
	}
	if c.Classes > 0 {
		for _, e := range unetEmbeddings {
			if n += int64(c.Classes+1) * int64(cout[e.conv]); n > maxParams {
				return 0, errors.New("more than 2^30 parameters")
			}
		}
	}
	return int(n), nil
}

// unetEmbeddings are a conditional UNet's label embeddings, in the order of its parameters and
// state dict (after the convolutions): each one's tensor name and the convolution whose
// pre-activation it is added to, whose output channels are its width.
var unetEmbeddings = [numUNetEmbeddings]struct {
	name string
	conv int
}{{"label_emb", enc1a}, {"mid_label_emb", midA}}

const numUNetEmbeddings = 2

// UNet is the seed's UNet with its parameters in one flat buffer, each convolution's weight
// [out, in, 3, 3] (PyTorch's layout) then its bias, in the state dict's order, then a
// conditional UNet's label embeddings, label_emb [Classes+1, c] and mid_label_emb
// [Classes+1, 4c], row-major.
type UNet struct {
	UNetConfig
	Params []float32
	Grads  []float32 // same layout; nil for a WithParams view

	convs [numConvs]conv2d
	embs  [numUNetEmbeddings]embedding // a conditional UNet's; zero values otherwise
}

// NewUNet returns a UNet for cfg with parameters and gradients set to zero; call Init to draw
// PyTorch's initial weights.
func NewUNet(cfg UNetConfig) (*UNet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, _ := cfg.paramCount()
	return unetView(cfg, make([]float32, n), make([]float32, n)), nil
}

// unetView returns a UNet of configuration cfg whose convolutions and embeddings are views into
// params and grads (nil for a network without gradients).
func unetView(cfg UNetConfig, params, grads []float32) *UNet {
	return &UNet{UNetConfig: cfg, Params: params, Grads: grads, convs: makeConvs(cfg, params, grads), embs: makeUNetEmbeddings(cfg, params, grads)}
}

// makeUNetEmbeddings cuts a conditional UNet's label embeddings from params (and grads, if not
// nil), after the convolutions.
func makeUNetEmbeddings(cfg UNetConfig, params, grads []float32) [numUNetEmbeddings]embedding {
	var embs [numUNetEmbeddings]embedding
	if cfg.Classes == 0 {
		return embs
	}
	_, cout := cfg.convShapes()
	off := len(params)
	for _, e := range unetEmbeddings {
		off -= (cfg.Classes + 1) * cout[e.conv]
	}
	for i, e := range unetEmbeddings {
		n := (cfg.Classes + 1) * cout[e.conv]
		embs[i] = embedding{classes: cfg.Classes, width: cout[e.conv], w: params[off : off+n : off+n]}
		if grads != nil {
			embs[i].dw = grads[off : off+n : off+n]
		}
		off += n
	}
	return embs
}

// makeConvs cuts params (and grads, if not nil) into the convolutions' views.
func makeConvs(cfg UNetConfig, params, grads []float32) [numConvs]conv2d {
	cin, cout := cfg.convShapes()
	var convs [numConvs]conv2d
	off := 0
	for l := range convs {
		L := conv2d{cin: cin[l], cout: cout[l], k: unetKernel, pad: unetPad}
		nw := L.numWeights()
		L.w, L.b = params[off:off+nw:off+nw], params[off+nw:off+nw+L.cout:off+nw+L.cout]
		if grads != nil {
			L.dw, L.db = grads[off:off+nw:off+nw], grads[off+nw:off+nw+L.cout:off+nw+L.cout]
		}
		convs[l] = L
		off += nw + L.cout
	}
	return convs
}

// Init draws every parameter as PyTorch's nn.Conv2d does: weights and biases uniform on
// [-1/sqrt(fan_in), +1/sqrt(fan_in)] with fan_in = in*3*3 (kaiming_uniform_ with a = sqrt(5)
// for the weights comes to that bound), layer by layer, the weight before the bias; then a
// conditional UNet's label embeddings as nn.Embedding does, from N(0, 1).
func (u *UNet) Init(r *rand.Rand) {
	for _, L := range u.convs {
		bound := 1 / math.Sqrt(float64(L.cin*L.k*L.k))
		for _, p := range [][]float32{L.w, L.b} {
			for i := range p {
				p[i] = float32(-bound + 2*bound*r.Float64())
			}
		}
	}
	for _, e := range u.embs {
		for i := range e.w {
			e.w[i] = float32(r.NormFloat64())
		}
	}
}

// WithParams returns a view of u with the same configuration whose convolutions read p (for
// example an EMA of the weights); it has no gradients and is meant for forward passes. p must
// have u.NumParams() values.
func (u *UNet) WithParams(p []float32) *UNet {
	if len(p) != len(u.Params) {
		panic(fmt.Sprintf("nn: WithParams got %d parameters, the UNet has %d", len(p), len(u.Params)))
	}
	return unetView(u.UNetConfig, p, nil)
}

// NumParams returns the number of parameters.
func (u *UNet) NumParams() int { return len(u.Params) }

// FLOPs returns the floating-point operations (multiply-adds count two) of a forward pass over
// n images and of a training step, counting the convolutions' products only: a training step
// is the forward pass, the weights' gradients (as much again) and the inputs' gradients (as
// much again, but for the first convolution, whose input needs none).
func (u *UNet) FLOPs(n int) (forward, trainStep float64) {
	hw := float64(u.Height) * float64(u.Width)
	var first float64
	for l, L := range u.convs {
		pixels := hw / float64(int(1)<<(2*convLevel[l]))
		f := 2 * float64(n) * pixels * float64(L.numWeights())
		forward += f
		if l == enc1a {
			first = f
		}
	}
	return forward, 3*forward - first
}

// StateDict returns the parameters under the seed's names (enc1.0.weight [c, Channels+1, 3, 3],
// enc1.0.bias [c], enc1.2.weight, ..., dec1.4.bias), then a conditional UNet's
// label_emb.weight [Classes+1, c] and mid_label_emb.weight [Classes+1, 4c]: views into
// u.Params, not copies.
func (u *UNet) StateDict() []Tensor {
	out := make([]Tensor, 0, 2*numConvs+numUNetEmbeddings)
	for l, L := range u.convs {
		out = append(out,
			Tensor{Name: convNames[l] + ".weight", Shape: []int{L.cout, L.cin, L.k, L.k}, Data: L.w},
			Tensor{Name: convNames[l] + ".bias", Shape: []int{L.cout}, Data: L.b})
	}
	if u.Classes > 0 {
		for i, e := range u.embs {
			out = append(out, Tensor{Name: unetEmbeddings[i].name + ".weight", Shape: []int{u.Classes + 1, e.width}, Data: e.w})
		}
	}
	return out
}

// unetModules are the top-level module names of the seed's UNet and of a conditional one's
// embeddings; a state dict's tensors under them must be exactly the UNet's.
var unetModules = []string{"enc1.", "enc2.", "bottleneck.", "dec2.", "dec1.", "label_emb.", "mid_label_emb."}

// UNetFromStateDict builds a UNet from a state dict with the seed's names: the image channels
// and base channels come from enc1.0.weight's shape [c, Channels+1, 3, 3], the classes of a
// conditional UNet from label_emb.weight's [Classes+1, c], the image size and the activation
// from the caller (the weights do not fix them). Every tensor of the UNet must be there with
// its exact shape, there must be no other tensor under its modules' names (enc1., enc2.,
// bottleneck., dec2., dec1., label_emb., mid_label_emb.), and no value may be NaN or Inf;
// tensors with other names (a checkpoint's optimizer moments) are ignored.
func UNetFromStateDict(tensors []Tensor, height, width int, act Activation) (*UNet, error) {
	byName := make(map[string]*Tensor, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		for _, m := range unetModules {
			if strings.HasPrefix(t.Name, m) {
				if byName[t.Name] != nil {
					return nil, errorf("tensor %q appears twice", t.Name)
				}
				byName[t.Name] = t
				break
			}
		}
	}
	first := byName["enc1.0.weight"]
	if first == nil {
		return nil, errors.New("state dict has no enc1.0.weight: not the seed's UNet")
	}
	if s := first.Shape; len(s) != 4 || s[2] != unetKernel || s[3] != unetKernel || s[0] < 1 || s[1] < 2 {
		return nil, errorf("enc1.0.weight has shape %v, want [c, channels+1, 3, 3]", first.Shape)
	}
	cfg := UNetConfig{Channels: first.Shape[1] - 1, Base: first.Shape[0], Height: height, Width: width, Act: act}
	embName := unetEmbeddings[0].name + ".weight"
	if emb := byName[embName]; emb != nil {
		if s := emb.Shape; len(s) != 2 || s[0] < 2 || s[0]-1 > MaxClasses || s[1] != cfg.Base {
			return nil, errorf("%s has shape %v, want [classes+1, %d] (at least 2 rows: a class and \"no label\")", embName, emb.Shape, cfg.Base)
		}
		cfg.Classes = emb.Shape[0] - 1
	}
	if err := cfg.Validate(); err != nil {
		return nil, errorf("state dict: %w", err)
	}
	// Every tensor is checked against the shapes the configuration implies before anything is
	// allocated, so that a state dict claiming a large UNet must hold its values.
	type want struct {
		name  string
		shape []int
	}
	cin, cout := cfg.convShapes()
	var wants []want
	for l := range numConvs {
		wants = append(wants, want{convNames[l] + ".weight", []int{cout[l], cin[l], unetKernel, unetKernel}},
			want{convNames[l] + ".bias", []int{cout[l]}})
	}
	if cfg.Classes > 0 {
		for _, e := range unetEmbeddings {
			wants = append(wants, want{e.name + ".weight", []int{cfg.Classes + 1, cout[e.conv]}})
		}
	}
	what := fmt.Sprintf("the UNet with %d image channels and base %d", cfg.Channels, cfg.Base)
	if cfg.Classes > 0 {
		what = fmt.Sprintf("the UNet with %d image channels, base %d and %d classes", cfg.Channels, cfg.Base, cfg.Classes)
	}
	found := make([]*Tensor, len(wants))
	for j, w := range wants {
		t := byName[w.name]
		if t == nil {
			return nil, errorf("state dict has no %s (%s needs shape %v)", w.name, what, w.shape)
		}
		if !slices.Equal(t.Shape, w.shape) {
			return nil, errorf("%s has shape %v, %s needs %v", w.name, t.Shape, what, w.shape)
		}
		size := 1
		for _, d := range w.shape {
			size *= d
		}
		if len(t.Data) != size {
			return nil, errorf("%s: %d values for shape %v", w.name, len(t.Data), t.Shape)
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, errorf("%s holds %v at index %d", w.name, v, i)
			}
		}
		found[j] = t
		delete(byName, w.name)
	}
	if len(byName) > 0 {
		var extra string
		for k := range byName {
			if extra == "" || k < extra {
				extra = k
			}
		}
		return nil, errorf("state dict has %s, which the seed's UNet does not", extra)
	}
	u, err := NewUNet(cfg)
	if err != nil {
		return nil, errorf("state dict: %w", err)
	}
	for i, w := range u.StateDict() {
		copy(w.Data, found[i].Data)
	}
	return u, nil
}
