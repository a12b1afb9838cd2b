package ode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
)

// span is the length of the interval every test problem is integrated over: 6*215040*2^-17,
// where 215040 is a multiple of every step count of the convergence test, so that each of
// their steps h, and h/2, h/3 and h/6, is exact in float32 (see orderSteps).
const span = 6 * 215040.0 / (1 << 17) // 9.84375

// problem is an initial value problem over a batch of points with a known solution.
type problem struct {
	name  string
	dim   int         // dimensions per point
	bases [][]float64 // starting points around which the tests draw their batches
	field Field
	// field64 is the same field in float64, for the reference solvers.
	field64 func(t float64, x, dxdt []float64)
	// exact writes into out the solution at time t of each point of x that is at x at time
	// t0 (x and out may be the same slice).
	exact func(t0, t float64, x, out []float64)
}

// problems are the test problems: linear decay and growth at several rates, a rotation, the
// cubic decay dx/dt = -x^3, and the non-autonomous dx/dt = -(t/4) x, which catches stages
// evaluated at the wrong time. Every coefficient is exact in float32, so the float32 field
// and the float64 solution describe the same problem.
func problems() []problem {
	var ps []problem
	scalarBases := [][]float64{{0.7}, {-1.3}, {2}}
	for _, lambda := range []float64{-1, -0.5, 0.75, 1.25} {
		l32 := float32(lambda)
		ps = append(ps, problem{
			name: fmt.Sprintf("exp(%gt)", lambda), dim: 1, bases: scalarBases,
			field: func(_ float32, x, dxdt []float32) {
				for i, v := range x {
					dxdt[i] = l32 * v
				}
			},
			field64: func(_ float64, x, dxdt []float64) {
				for i, v := range x {
					dxdt[i] = lambda * v
				}
			},
			exact: func(t0, t float64, x, out []float64) {
				for i, v := range x {
					out[i] = v * math.Exp(lambda*(t-t0))
				}
			},
		})
	}
	ps = append(ps, problem{
		name: "rotation", dim: 2, bases: [][]float64{{1, 0.5}, {-0.8, 1.2}, {0.3, -1.9}},
		field: func(_ float32, x, dxdt []float32) {
			for i := 0; i+1 < len(x); i += 2 {
				dxdt[i], dxdt[i+1] = -x[i+1], x[i]
			}
		},
		field64: func(_ float64, x, dxdt []float64) {
			for i := 0; i+1 < len(x); i += 2 {
				dxdt[i], dxdt[i+1] = -x[i+1], x[i]
			}
		},
		exact: func(t0, t float64, x, out []float64) {
			c, s := math.Cos(t-t0), math.Sin(t-t0)
			for i := 0; i+1 < len(x); i += 2 {
				out[i], out[i+1] = c*x[i]-s*x[i+1], s*x[i]+c*x[i+1]
			}
		},
	})
	ps = append(ps, problem{
		// Starting points of at most 1 keep the backward integration, which runs towards the
		// blow-up of dx/dt = x^3 at t = -1/(2 x0^2), clear of it.
		name: "-x^3", dim: 1, bases: [][]float64{{0.5}, {-0.7}, {1}},
		field: func(_ float32, x, dxdt []float32) {
			for i, v := range x {
				dxdt[i] = -v * v * v
			}
		},
		field64: func(_ float64, x, dxdt []float64) {
			for i, v := range x {
				dxdt[i] = -v * v * v
			}
		},
		exact: func(t0, t float64, x, out []float64) {
			// x(t) = x(t0)/sqrt(1 + 2 x(t0)^2 (t - t0)), backwards as well as forwards.
			for i, v := range x {
				out[i] = v / math.Sqrt(1+2*v*v*(t-t0))
			}
		},
	})
	ps = append(ps, problem{
		name: "-tx/4", dim: 1, bases: scalarBases,
		field: func(t float32, x, dxdt []float32) {
			for i, v := range x {
				dxdt[i] = -t / 4 * v
			}
		},
		field64: func(t float64, x, dxdt []float64) {
			for i, v := range x {
				dxdt[i] = -t / 4 * v
			}
		},
		exact: func(t0, t float64, x, out []float64) {
			for i, v := range x {
				out[i] = v * math.Exp(-(t*t-t0*t0)/8)
			}
		},
	})
	return ps
}

// cluster returns perBase points around each of the problem's bases (bases are taken at time
// t0 = 0 and carried to time at by the exact solution), each coordinate scaled by a random
// factor within 1 +- 1e-3, as float32 and as the float64 values of those float32s.
func (p *problem) cluster(perBase int, at float64, seed uint64) ([]float32, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, 0, len(p.bases)*perBase*p.dim)
	base := make([]float64, p.dim)
	for _, b := range p.bases {
		p.exact(0, at, b, base)
		for range perBase {
			for _, v := range base {
				x = append(x, float32(v*(1+1e-3*(2*r.Float64()-1))))
			}
		}
	}
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	return x, x64
}

// relErr returns max |got - want| over max |want|: the error relative to the batch's scale.
func relErr(got []float32, want []float64) float64 {
	var e, scale float64
	for i, w := range want {
		e = max(e, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	return e / scale
}

// tolErr returns max |got - want|/(atol + rtol*|want|): the error in units of the tolerance.
func tolErr(got []float32, want []float64, rtol, atol float64) float64 {
	var e float64
	for i, w := range want {
		e = max(e, math.Abs(float64(got[i])-w)/(atol+rtol*math.Abs(w)))
	}
	return e
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
func itoa(v int) string     { return strconv.Itoa(v) }

// forEachKernelSet runs f once with every asm kernel set this CPU can run, so that the
// solvers are checked on the SIMD stage combinations and on the Go ones alike.
func forEachKernelSet(t *testing.T, f func(t *testing.T)) {
	for _, set := range asm.Sets() {
		t.Run(set.Name, func(t *testing.T) {
			restore, err := asm.Use(set.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t)
		})
	}
}
