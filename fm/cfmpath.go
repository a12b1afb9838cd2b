package fm

import (
	"fmt"
	"math"
)

// The Gaussian paths of TorchCFM's flow matchers between a coupled pair (x0, x1), with noise eps
// drawn from N(0, I): x_t = mu_t + sigma_t eps with mu_t = t x1 + (1 - t) x0, and the target
// u_t, the velocity of x_t at fixed eps. They are not Path's affine family (whose source is the
// noise itself): here x0 is a point of the source distribution and eps extra noise.

// CFMSample forms I-CFM's and OT-CFM's path (TorchCFM's ConditionalFlowMatcher and
// ExactOptimalTransportConditionalFlowMatcher): sigma_t = sigma, constant, so
// x_t = t x1 + (1 - t) x0 + sigma eps and u_t = x1 - x0, for n rows of d values (n = len(t),
// one time per row) into xt and ut. noise holds eps (n*d values) and may be nil when sigma is 0.
// Computed in float64, rounded once.
func CFMSample(xt, ut, x0, x1, noise, t []float32, d int, sigma float64) {
	checkPathArgs("CFMSample", xt, ut, x0, x1, noise, t, d, sigma)
	for i, ti := range t {
		tt := float64(ti)
		r := i * d
		for j := r; j < r+d; j++ {
			a, b := float64(x0[j]), float64(x1[j])
			x := tt*b + (1-tt)*a
			if sigma != 0 {
				x += sigma * float64(noise[j])
			}
			xt[j] = float32(x)
			ut[j] = float32(b - a)
		}
	}
}

// SBCFMSample forms SB-CFM's path (TorchCFM's SchrodingerBridgeConditionalFlowMatcher), the
// Brownian bridge of diffusion sigma between x0 and x1: sigma_t = sigma sqrt(t (1 - t)),
// x_t = mu_t + sigma_t eps, and
//
//	u_t = x1 - x0 + (1 - 2t) / (2 t (1 - t) + 1e-8) * (x_t - mu_t),
//
// TorchCFM's compute_conditional_flow with its 1e-8, which keeps the coefficient finite at t = 0
// and 1 (where sigma_t = 0, so u_t = x1 - x0 there). x_t - mu_t is taken as sigma_t eps, which
// it is, rather than computed by a subtraction that would cancel (TorchCFM subtracts in
// float32, and the error is then multiplied by up to 1/(2t)). noise holds eps (n*d values).
// Computed in float64, rounded once.
func SBCFMSample(xt, ut, x0, x1, noise, t []float32, d int, sigma float64) {
	checkPathArgs("SBCFMSample", xt, ut, x0, x1, noise, t, d, sigma)
	for i, ti := range t {
		tt := float64(ti)
		st := sigma * math.Sqrt(tt*(1-tt))
		c := (1 - 2*tt) / (2*tt*(1-tt) + 1e-8)
		r := i * d
		for j := r; j < r+d; j++ {
			a, b, e := float64(x0[j]), float64(x1[j]), float64(noise[j])
			xt[j] = float32(tt*b + (1-tt)*a + st*e)
			ut[j] = float32(b - a + c*st*e)
		}
	}
}

func checkPathArgs(name string, xt, ut, x0, x1, noise, t []float32, d int, sigma float64) {
	n := len(t) * d
	if len(xt) < n || len(ut) < n || len(x0) < n || len(x1) < n || (sigma != 0 || name == "SBCFMSample") && len(noise) < n {
		panic(fmt.Sprintf("fm: %s of %d rows of %d values: xt %d, ut %d, x0 %d, x1 %d, noise %d",
			name, len(t), d, len(xt), len(ut), len(x0), len(x1), len(noise)))
	}
}
