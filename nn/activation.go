package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/fmtiny/fmtiny/asm"
)

// Activation is the nonlinearity between two Linear layers.
type Activation int

// The activations an MLP may use. GELU is the tanh approximation (PyTorch's
// nn.GELU(approximate="tanh")); ELU has alpha = 1; SELU has PyTorch's nn.SELU constants.
const (
	SiLU Activation = iota // z*sigmoid(z), also called Swish
	ReLU                   // max(z, 0)
	GELU                   // 0.5*z*(1 + tanh(sqrt(2/pi)*(z + 0.044715*z^3)))
	ELU                    // z if z > 0, else exp(z) - 1
	Tanh                   // tanh(z)
	SELU                   // scale*z if z > 0, else scale*alpha*(exp(z) - 1)
)

// SELU's constants, PyTorch's (Klambauer et al., "Self-Normalizing Neural Networks", 2017).
const (
	seluAlpha = 1.6732632423543772
	seluScale = 1.0507009873554805
)

var activationNames = [...]string{SiLU: "silu", ReLU: "relu", GELU: "gelu", ELU: "elu", Tanh: "tanh", SELU: "selu"}

// String returns the activation's name as ParseActivation reads it. (Not inlined: its
// fmt.Sprintf is a call at each caller otherwise.)
//
//go:noinline
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation reads an activation's name: "silu" (or "swish"), "relu", "gelu", "elu",
// "tanh" or "selu", in any case.
func ParseActivation(s string) (Activation, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "swish" {
		return SiLU, nil
	}
	for a, n := range activationNames {
		if n == name {
			return Activation(a), nil
		}
	}
	return 0, errorf("unknown activation %q (want silu, relu, gelu, elu, tanh or selu)", s)
}

func (a Activation) valid() bool { return a >= 0 && int(a) < len(activationNames) }

// biasActivate is a hidden layer's pass after its GEMM, over one row: it adds the bias to the
// pre-activation in place (z keeps it for backward) and writes the activation into h.
func biasActivate(a Activation, z, h, b []float32) {
	switch a {
	case SiLU:
		asm.BiasSiLU(z, h, b)
	case ReLU:
		asm.BiasReLU(z, h, b)
	case GELU:
		biasGELU(z, h, b)
	case ELU:
		biasELU(z, h, b)
	case Tanh:
		biasTanh(z, h, b)
	case SELU:
		biasSELU(z, h, b)
	default:
		panic("nn: invalid activation " + a.String())
	}
}

// activationGrad turns dL/dh into dL/dz in place: dh[i] *= act'(z[i]); h is the activation
// the forward pass wrote, which some derivatives read instead of recomputing it.
func activationGrad(a Activation, dh, z, h []float32) {
	switch a {
	case SiLU:
		asm.SiLUGrad(dh, dh, z)
	case ReLU:
		asm.ReLUGrad(dh, dh, z)
	case GELU:
		geluGrad(dh, z)
	case ELU:
		eluGrad(dh, z, h)
	case Tanh:
		tanhGrad(dh, h)
	case SELU:
		seluGrad(dh, z)
	default:
		panic("nn: invalid activation " + a.String())
	}
}

// The constants of GELU's tanh form.
const (
	geluC = 0.7978845608028654 // sqrt(2/pi)
	geluA = 0.044715
)

// The Go loops below work in float64 through math.Exp, which has assembly versions on amd64 and
// arm64, and round once to float32. They rewrite tanh through the logistic function,
// 1 + tanh(u) = 2*sigmoid(2u), which keeps full relative accuracy where tanh is near -1.

// sigmoid64 is 1/(1 + exp(-x)).
func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// tanh64 is tanh(x): 2*sigmoid(2x) - 1, or its Taylor series where that would cancel.
func tanh64(x float64) float64 {
	if math.Abs(x) < 1.0/64 {
		x2 := x * x
		return x * (1 - x2*(1.0/3-x2*(2.0/15)))
	}
	return 2*sigmoid64(2*x) - 1
}

// biasGELU: z += b; h = 0.5 z (1 + tanh u) = z sigmoid(2u), u = c(z + a z^3).
func biasGELU(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		x := float64(v)
		h[i] = float32(x * sigmoid64(2*geluC*(x+geluA*x*x*x)))
	}
}

// geluGrad multiplies by d/dz [0.5 z (1 + tanh u)] = 0.5(1 + tanh u) + 0.5 z (1 - tanh^2 u) u',
// which with s = sigmoid(2u) is s + 2 z s (1-s) c (1 + 3a z^2).
func geluGrad(dh, z []float32) {
	z = z[:len(dh)]
	for i := range dh {
		x := float64(z[i])
		s := sigmoid64(2 * geluC * (x + geluA*x*x*x))
		d := s + 2*x*s*(1-s)*geluC*(1+3*geluA*x*x)
		dh[i] = float32(float64(dh[i]) * d)
	}
}

func biasELU(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		switch {
		case v > 0:
			h[i] = v
		case v > -1.0/64: // exp(v) - 1 would cancel
			h[i] = float32(math.Expm1(float64(v)))
		default:
			h[i] = float32(math.Exp(float64(v)) - 1)
		}
	}
}

// eluGrad multiplies by ELU's derivative: 1 where z > 0, exp(z) = h + 1 elsewhere (as PyTorch's
// elu_backward computes it from the output).
func eluGrad(dh, z, h []float32) {
	z, h = z[:len(dh)], h[:len(dh)]
	for i := range dh {
		if z[i] <= 0 {
			dh[i] *= h[i] + 1
		}
	}
}

func biasSELU(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		switch {
		case v > 0:
			h[i] = float32(seluScale * float64(v))
		case v > -1.0/64: // exp(v) - 1 would cancel
			h[i] = float32(seluScale * seluAlpha * math.Expm1(float64(v)))
		default:
			h[i] = float32(seluScale * seluAlpha * (math.Exp(float64(v)) - 1))
		}
	}
}

// seluGrad multiplies by SELU's derivative: scale where z > 0, scale*alpha*exp(z) elsewhere (at
// z = 0 too, as PyTorch's elu_backward takes it). It is computed from z, not as ELU's from the
// output: h + scale*alpha would lose the derivative's digits where it is small.
func seluGrad(dh, z []float32) {
	z = z[:len(dh)]
	for i := range dh {
		if z[i] > 0 {
			dh[i] = float32(seluScale * float64(dh[i]))
		} else {
			dh[i] = float32(float64(dh[i]) * seluScale * seluAlpha * math.Exp(float64(z[i])))
		}
	}
}

func biasTanh(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		h[i] = float32(tanh64(float64(v)))
	}
}

// tanhGrad multiplies by 1 - tanh(z)^2, read from the output as PyTorch's tanh_backward does.
func tanhGrad(dh, h []float32) {
	h = h[:len(dh)]
	for i := range dh {
		dh[i] *= 1 - h[i]*h[i]
	}
}
