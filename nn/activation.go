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
// nn.GELU(approximate="tanh")); ELU has alpha = 1.
const (
	SiLU Activation = iota // z*sigmoid(z), also called Swish
	ReLU                   // max(z, 0)
	GELU                   // 0.5*z*(1 + tanh(sqrt(2/pi)*(z + 0.044715*z^3)))
	ELU                    // z if z > 0, else exp(z) - 1
	Tanh                   // tanh(z)
)

var activationNames = [...]string{SiLU: "silu", ReLU: "relu", GELU: "gelu", ELU: "elu", Tanh: "tanh"}

// String returns the activation's name as ParseActivation reads it.
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation reads an activation's name: "silu" (or "swish"), "relu", "gelu", "elu" or
// "tanh", in any case.
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
	return 0, fmt.Errorf("unknown activation %q (want silu, relu, gelu, elu or tanh)", s)
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
	default:
		panic("nn: invalid activation " + a.String())
	}
}

// The constants of GELU's tanh form.
const (
	geluC = 0.7978845608028654 // sqrt(2/pi)
	geluA = 0.044715
)

// tanh64 is tanh(u) = expm1(2u)/(expm1(2u) + 2), accurate to a few float64 ulps near 0 too and
// faster than math.Tanh; the callers round it to float32.
func tanh64(u float64) float64 {
	if u > 20 {
		return 1
	}
	if u < -20 {
		return -1
	}
	e := math.Expm1(2 * u)
	return e / (e + 2)
}

func biasGELU(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		x := float64(v)
		h[i] = float32(0.5 * x * (1 + tanh64(geluC*(x+geluA*x*x*x))))
	}
}

// geluGrad multiplies by d/dz [0.5 z (1 + tanh u)], u = c(z + a z^3):
// 0.5(1 + tanh u) + 0.5 z (1 - tanh^2 u) c (1 + 3a z^2).
func geluGrad(dh, z []float32) {
	z = z[:len(dh)]
	for i := range dh {
		x := float64(z[i])
		th := tanh64(geluC * (x + geluA*x*x*x))
		d := 0.5*(1+th) + 0.5*x*(1-th*th)*geluC*(1+3*geluA*x*x)
		dh[i] = float32(float64(dh[i]) * d)
	}
}

func biasELU(z, h, b []float32) {
	h, b = h[:len(z)], b[:len(z)]
	for i := range z {
		v := z[i] + b[i]
		z[i] = v
		if v > 0 {
			h[i] = v
		} else {
			h[i] = float32(math.Expm1(float64(v)))
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
