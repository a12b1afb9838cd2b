package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
)

// This file holds the tests' float64 reference network, written from the definitions and
// independent of the float32 code path, and helpers shared by the tests.

// act64 evaluates an activation in float64 from its textbook definition.
func act64(a Activation, z float64) float64 {
	switch a {
	case SiLU:
		return z / (1 + math.Exp(-z))
	case ReLU:
		return math.Max(z, 0)
	case GELU:
		return 0.5 * z * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(z+0.044715*z*z*z)))
	case ELU:
		if z > 0 {
			return z
		}
		return math.Exp(z) - 1
	case Tanh:
		return math.Tanh(z)
	case SELU:
		if z > 0 {
			return 1.0507009873554805 * z
		}
		return 1.0507009873554805 * 1.6732632423543772 * (math.Exp(z) - 1)
	}
	panic("bad activation")
}

// refNet is a float64 copy of an MLP's configuration and parameters.
type refNet struct {
	cfg    Config
	widths []int
	p      []float64
}

func newRef(m *MLP) *refNet {
	r := &refNet{cfg: m.Config, widths: append(append([]int{m.In}, m.Hidden...), m.Out)}
	r.p = make([]float64, len(m.Params))
	for i, v := range m.Params {
		r.p[i] = float64(v)
	}
	return r
}

// input assembles row i's input, cat(x, t) or cat(t, x), from float32 data.
func (r *refNet) input(x, t []float32, i int) []float64 {
	d := r.cfg.In - 1
	in := make([]float64, 0, r.cfg.In)
	ti := t[0]
	if len(t) > 1 {
		ti = t[i]
	}
	if r.cfg.TimeFirst {
		in = append(in, float64(ti))
	}
	for _, v := range x[i*d : (i+1)*d] {
		in = append(in, float64(v))
	}
	if !r.cfg.TimeFirst {
		in = append(in, float64(ti))
	}
	return in
}

// forwardRow evaluates the network on one assembled input row (a network with classes: with
// "no label").
func (r *refNet) forwardRow(in []float64) []float64 { return r.forwardLabelled(in, r.cfg.Classes) }

// forwardLabelled evaluates the network on one assembled input row with a label (ignored by a
// network without classes): the label's row of the embedding, which follows the layers'
// parameters, is added to the first layer's output before its activation.
func (r *refNet) forwardLabelled(in []float64, label int) []float64 {
	emb := 0
	for l := 0; l+1 < len(r.widths); l++ {
		emb += r.widths[l+1]*r.widths[l] + r.widths[l+1]
	}
	off := 0
	h := in
	for l := 0; l+1 < len(r.widths); l++ {
		nin, nout := r.widths[l], r.widths[l+1]
		w := r.p[off : off+nout*nin]
		b := r.p[off+nout*nin : off+nout*nin+nout]
		off += nout*nin + nout
		y := make([]float64, nout)
		for o := range y {
			s := b[o]
			for k := 0; k < nin; k++ {
				s += w[o*nin+k] * h[k]
			}
			if l == 0 && r.cfg.Classes > 0 {
				s += r.p[emb+label*nout+o]
			}
			if l+2 < len(r.widths) {
				s = act64(r.cfg.Act, s)
			}
			y[o] = s
		}
		h = y
	}
	return h
}

// randSlice returns n values uniform on [-scale, scale].
func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32((2*rng.Float64() - 1) * scale)
	}
	return x
}

// forEachSet runs f once for every kernel set this CPU can run, with that set in use.
func forEachSet(t *testing.T, f func(t *testing.T)) {
	for _, s := range asm.Sets() {
		t.Run(s.Name, func(t *testing.T) {
			restore, err := asm.Use(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t)
		})
	}
}

var allActivations = []Activation{SiLU, ReLU, GELU, ELU, Tanh, SELU}

// newTestMLP returns an initialised MLP of the given shape.
func newTestMLP(t testing.TB, in int, hidden []int, out int, act Activation, timeFirst bool, seed uint64) *MLP {
	t.Helper()
	m, err := New(Config{In: in, Hidden: hidden, Out: out, Act: act, TimeFirst: timeFirst})
	if err != nil {
		t.Fatal(err)
	}
	m.Init(rand.New(rand.NewPCG(seed, 1)))
	return m
}
