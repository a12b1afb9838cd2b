package nn

import (
	"math"
	"testing"
)

// TestActivations checks every activation's fused pass and derivative, one value at a time, over
// tiny, moderate and saturating inputs, against the textbook definitions evaluated in float64:
// the activation to a few float32 ulps and the derivative against central differences.
func TestActivations(t *testing.T) {
	var zs []float32
	for _, m := range []float64{0, 1e-9, 1e-5, 3e-3, 0.015, 0.1, 0.5, 1, 1.7, 3, 6, 12, 20, 40, 90} {
		zs = append(zs, float32(m), float32(-m))
	}
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			n := len(zs)
			z, h, b := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range z {
				// Split each value between the pre-activation and the bias, so the pass's add is tested.
				b[i] = 0.25
				z[i] = zs[i] - b[i]
			}
			biasActivate(act, z, h, b)
			dh := make([]float32, n)
			for i := range dh {
				dh[i] = 1.5
			}
			activationGrad(act, dh, z, h)
			for i, v := range z {
				x := float64(v)
				want := act64(act, x)
				if math.Abs(float64(h[i])-want) > 4e-7*math.Abs(want)+1e-30 {
					t.Errorf("%v(%g) = %.9g, want %.9g", act, x, h[i], want)
				}
				step := 1e-4 * math.Max(1, math.Abs(x))
				if act == ReLU || act == ELU || act == SELU {
					step = math.Min(step, math.Abs(x)/2) // stay on one side of the kink at 0
				}
				wantD := 1.5 * (act64(act, x+step) - act64(act, x-step)) / (2 * step)
				if x == 0 && (act == ReLU || act == ELU || act == SELU) {
					wantD = 0 // all take the left derivative at 0, as PyTorch does
					switch act {
					case ELU:
						wantD = 1.5
					case SELU:
						wantD = 1.5 * 1.0507009873554805 * 1.6732632423543772
					}
				}
				if math.Abs(float64(dh[i])-wantD) > 2e-6*math.Abs(wantD)+1e-7 {
					t.Errorf("%v'(%g) = %.9g, want %.9g", act, x, float64(dh[i])/1.5, wantD/1.5)
				}
			}
		}
	})
}
