package ode

// refFixed integrates x in float64 from t0 to t1 with steps steps of m, written from the
// textbook formulas, one point component at a time where it can: the float64 twin against
// which the tests measure what float32 rounding adds to the solver's error.
func refFixed(m Method, f func(t float64, x, dxdt []float64), x []float64, t0, t1 float64, steps int) {
	n := len(x)
	k1, k2, k3, k4, tmp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	at := func(i int) float64 {
		if i == steps {
			return t1
		}
		return t0 + float64(i)*(t1-t0)/float64(steps)
	}
	stage := func(dst []float64, c float64, k []float64, h float64) {
		for i := range dst {
			dst[i] = x[i] + c*h*k[i]
		}
	}
	for s := 0; s < steps; s++ {
		t, h := at(s), at(s+1)-at(s)
		f(t, x, k1)
		switch m {
		case Euler:
			for i := range x {
				x[i] += h * k1[i]
			}
		case Midpoint:
			stage(tmp, 0.5, k1, h)
			f(t+h/2, tmp, k2)
			for i := range x {
				x[i] += h * k2[i]
			}
		case Heun:
			stage(tmp, 1, k1, h)
			f(t+h, tmp, k2)
			for i := range x {
				x[i] += h / 2 * (k1[i] + k2[i])
			}
		case RK4:
			stage(tmp, 0.5, k1, h)
			f(t+h/2, tmp, k2)
			stage(tmp, 0.5, k2, h)
			f(t+h/2, tmp, k3)
			stage(tmp, 1, k3, h)
			f(t+h, tmp, k4)
			for i := range x {
				x[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		default:
			panic("refFixed: " + m.String())
		}
	}
}
