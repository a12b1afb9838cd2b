package fm

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/fmtiny/fmtiny/nn"
)

// Network is a velocity network u(x, t) over batches of points of Dim() values each: an MLP
// for vectors (MLPNetwork), a UNet for images. The trainer, the sampler and the model file
// reach a network only through it, so that one training loop and one sampler serve every
// architecture. Its methods beyond Dim and NumParams are fm's own: the interface is implemented
// by fm's wrappers of nn's networks, not by other packages.
type Network interface {
	// Dim is the number of values of a point, in x and in u alike.
	Dim() int
	// NumParams is the number of parameters.
	NumParams() int
	// NumClasses is the number of labels a class-conditional network takes, 0..NumClasses()-1,
	// beside NumClasses() itself for "no label"; 0 for an unconditional network.
	NumClasses() int

	params() []float32 // every parameter, one flat buffer
	grads() []float32  // the gradients, same layout; nil for a view made by withParams
	init(r *rand.Rand) // PyTorch's initialisation
	// withParams returns a forward-only view of the network reading p (an EMA of the weights).
	withParams(p []float32) Network
	// newTrainPass returns forward, MSE and backward over batches of up to maxBatch points,
	// writing the gradients into grads().
	newTrainPass(maxBatch int) trainPass
	// newForwardPass returns a forward pass alone over up to maxBatch points; serial runs it on
	// the calling goroutine, for callers that run several passes at once.
	newForwardPass(maxBatch int, serial bool) forwardPass
	// newDivergencePass returns a pass of u and its exact divergence over up to maxBatch
	// points, or nil when the network has none cheaper than Dim() probes (the likelihood then
	// takes Hutchinson's estimator through newProbePass).
	newDivergencePass(maxBatch int) divergencePass
	// newProbePass returns a pass of u and of the Jacobian's products with k probe directions
	// per point, over up to maxBatch points: what Hutchinson's estimator of the divergence needs.
	newProbePass(maxBatch, k int) probePass
	// valuesPerPoint estimates the float32 values a training pass (or a forward-only one) holds
	// per point of its batch, activations and inputs together, to bound memory.
	valuesPerPoint(forwardOnly bool) float64
	// tensors returns the parameters under PyTorch's names: views, not copies.
	tensors() []nn.Tensor
	// describe writes the architecture's metadata keys into meta.
	describe(meta map[string]string)
	// flops returns the floating-point operations of a forward pass and of a training step
	// over n points.
	flops(n int) (forward, trainStep float64)
}

// trainPass is a network's forward, MSE and backward over a batch: it returns the mean squared
// error of u(x, t, y) against target, n*Dim() values, and leaves its gradient in the network's
// grads(). x holds n points, t n times; labels n labels in 0..Classes() (Classes() is "no
// label"), or nil for an unconditional network. It allocates nothing after its first call.
type trainPass interface {
	MSEGrad(x, t []float32, labels []int32, target []float32, n int) float32
}

// forwardPass evaluates u(x, t, y) over n points, t one time per point or one for all, labels
// one per point, one for all, or nil ("no label" for a conditional network); the result is a
// view valid until the next call. It allocates nothing after its first call.
type forwardPass interface {
	Forward(x, t []float32, labels []int32, n int) []float32
}

// divergencePass evaluates u(x, t) over n points (t one time per point or one for all; a
// conditional network's field with "no label") and its divergence, the trace of du/dx, at each
// exactly (to rounding). The results are views valid until the next call; after its first call
// it allocates nothing.
type divergencePass interface {
	Divergence(x, t []float32, n int) (u, div []float32)
}

// probePass evaluates u(x, t) over n points, as divergencePass does, and for the K probe
// directions of each point (e holds n*K*Dim() values, point i's at rows i*K..i*K+K-1) one
// product of the Jacobian J = du/dx with each: either J e_k (forward mode, a Jacobian-vector
// product, as the MLP's tangents give it) or J^T e_k (reverse mode, a vector-Jacobian product:
// a backward pass with e_k as the gradient of the output), in p, laid out as e. Hutchinson's
// estimator uses only e_k . p_k = e_k^T J e_k, which both give.
//
// What a network without tangents provides (the UNet): a forward pass over the n points (or
// the n*K rows of the points repeated K times), then a backward pass whose output gradient is
// the probes, from which its batch's Backward(dy, dx) returns dx = J^T e for the images
// (ignoring the t input's column and the parameters' gradients it also fills). The results
// are views valid until the next call; after its first call it allocates nothing.
type probePass interface {
	Probe(x, t []float32, n int, e []float32) (u, p []float32)
}

// MLPNetwork is the multilayer perceptron as a velocity network on d-dimensional points: its
// input is cat(x, t) or cat(t, x), its output d values; a conditional one adds its label's
// embedding to the first layer's output (nn.Config.Classes).
type MLPNetwork struct{ *nn.MLP }

// NewMLPNetwork returns an MLP velocity network on d-dimensional points with zero weights,
// conditioned on classes labels (0: unconditional).
func NewMLPNetwork(d int, hidden []int, act nn.Activation, timeFirst bool, classes int) (*MLPNetwork, error) {
	net, err := nn.New(nn.Config{In: d + 1, Hidden: hidden, Out: d, Act: act, TimeFirst: timeFirst, Classes: classes})
	if err != nil {
		return nil, err
	}
	return &MLPNetwork{net}, nil
}

func (m *MLPNetwork) Dim() int                   { return m.Out }
func (m *MLPNetwork) NumParams() int             { return m.Config.NumParams() }
func (m *MLPNetwork) NumClasses() int            { return m.Config.Classes }
func (m *MLPNetwork) params() []float32          { return m.Params }
func (m *MLPNetwork) grads() []float32           { return m.Grads }
func (m *MLPNetwork) init(r *rand.Rand)          { m.Init(r) }
func (m *MLPNetwork) tensors() []nn.Tensor       { return m.StateDict(tensorPrefix) }
func (m *MLPNetwork) flops(n int) (f, t float64) { return m.FLOPs(n) }

func (m *MLPNetwork) withParams(p []float32) Network { return &MLPNetwork{m.WithParams(p)} }

func (m *MLPNetwork) newTrainPass(maxBatch int) trainPass { return m.NewBatch(maxBatch) }

func (m *MLPNetwork) newForwardPass(maxBatch int, serial bool) forwardPass {
	b := m.NewForwardBatch(maxBatch)
	b.Serial = serial
	return b
}

func (m *MLPNetwork) newDivergencePass(maxBatch int) divergencePass {
	return m.NewTangentBatch(maxBatch)
}

func (m *MLPNetwork) newProbePass(maxBatch, k int) probePass {
	return mlpProbes{m.NewProbeBatch(maxBatch, k)}
}

// mlpProbes gives the MLP's Jacobian-vector products, its forward-mode tangents along the
// probes.
type mlpProbes struct{ *nn.TangentBatch }

func (p mlpProbes) Probe(x, t []float32, n int, e []float32) (u, jv []float32) {
	return p.Tangents(x, t, n, e)
}

// valuesPerPoint counts the assembled input, every layer's output and the gathered output; for
// training also every hidden layer's activation, two rows of hidden gradients and the output's
// gradient.
func (m *MLPNetwork) valuesPerPoint(forwardOnly bool) float64 {
	var sum, widest float64
	for _, h := range m.Hidden {
		sum += float64(h)
		widest = max(widest, float64(h))
	}
	if forwardOnly {
		return float64(m.In) + sum + 2*float64(m.Out)
	}
	return float64(m.In) + 2*sum + 2*widest + 3*float64(m.Out)
}

func (m *MLPNetwork) describe(meta map[string]string) {
	meta[keyArch] = "mlp"
	meta[keyAct] = m.Act.String()
	meta[keyTime] = timeName(m.TimeFirst)
	if m.Config.Classes > 0 {
		meta[keyClasses] = itoa(m.Config.Classes)
	}
}

// hiddenList writes hidden widths as the training record does: "128,128,128".
func hiddenList(hidden []int) string {
	s := make([]string, len(hidden))
	for i, h := range hidden {
		s[i] = itoa(h)
	}
	return strings.Join(s, ",")
}

// readTensors copies the tensors of src named as those of dst into dst's data: each must be
// present once with dst's shape. Other tensors of src are ignored (a checkpoint holds the
// optimizer's moments too).
func readTensors(dst, src []nn.Tensor) error {
	byName := make(map[string]*nn.Tensor, len(src))
	for i := range src {
		byName[src[i].Name] = &src[i]
	}
	for _, t := range dst {
		s, ok := byName[t.Name]
		switch {
		case !ok:
			return errorf("no tensor %s", t.Name)
		case !slices.Equal(s.Shape, t.Shape):
			return errorf("tensor %s has shape %v, want %v", t.Name, s.Shape, t.Shape)
		}
		copy(t.Data, s.Data)
	}
	return nil
}
