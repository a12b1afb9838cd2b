package ode

// refFixed integrates x in float64 from t0 to t1 with steps steps of m: the float64 twin
// against which the tests measure what float32 rounding adds to the solver's error.
func refFixed(m Method, f func(t float64, x, dxdt []float64), x []float64, t0, t1 float64, steps int) {
	times := make([]float64, steps+1)
	for i := range times {
		times[i] = t0 + float64(i)*(t1-t0)/float64(steps)
	}
	times[steps] = t1
	refGrid(m, f, x, times)
}

// refGrid integrates x in float64 over the time grid with one step of m between consecutive
// times, written from the textbook formulas.
func refGrid(m Method, f func(t float64, x, dxdt []float64), x []float64, times []float64) {
	n := len(x)
	k1, k2, k3, k4, tmp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	stage := func(dst []float64, c float64, k []float64, h float64) {
		for i := range dst {
			dst[i] = x[i] + c*h*k[i]
		}
	}
	for s := 0; s+1 < len(times); s++ {
		t, h := times[s], times[s+1]-times[s]
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

// The Dormand-Prince 5(4) tableau as published (Dormand and Prince 1980), with the fourth-order
// weights bHat rather than the differences the solver uses, for the reference step.
var (
	refDPc = [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	refDPa = [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	refDPb    = [7]float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	refDPbHat = [7]float64{5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}
)

// refDopri5Step takes one Dormand-Prince step of size h from (t, y) in float64 and returns the
// fifth-order state, the difference between the fifth- and fourth-order states, and the
// stages k[0..6].
func refDopri5Step(f func(t float64, x, dxdt []float64), t, h float64, y []float64) (y5, diff []float64, k [7][]float64) {
	n := len(y)
	tmp := make([]float64, n)
	for s := range 7 {
		k[s] = make([]float64, n)
		for i := range tmp {
			tmp[i] = y[i]
			for j := 0; j < s; j++ {
				tmp[i] += h * refDPa[s][j] * k[j][i]
			}
		}
		f(t+refDPc[s]*h, tmp, k[s])
	}
	y5, diff = make([]float64, n), make([]float64, n)
	for i := range y {
		var s5, s4 float64
		for s := range 7 {
			s5 += refDPb[s] * k[s][i]
			s4 += refDPbHat[s] * k[s][i]
		}
		y5[i] = y[i] + h*s5
		diff[i] = h * (s5 - s4)
	}
	return y5, diff, k
}
