package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// TestGradients compares Backward's float32 gradients, of the parameters and of the input,
// with central finite differences of the float64 reference network at the same parameters, for
// every activation, both time positions, depths 0, 1 and 3 and batches 1, 7 and 64, with every
// kernel set.
func TestGradients(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			for _, timeFirst := range []bool{false, true} {
				for _, hidden := range [][]int{nil, {7}, {9, 16, 5}} {
					for _, n := range []int{1, 7, 64} {
						name := fmt.Sprintf("%v/timeFirst=%v/hidden=%v/n=%d", act, timeFirst, hidden, n)
						t.Run(name, func(t *testing.T) { checkGradients(t, act, timeFirst, hidden, n) })
					}
				}
			}
		}
	})
}

func checkGradients(t *testing.T, act Activation, timeFirst bool, hidden []int, n int) {
	const in, out = 3, 2
	seed := uint64(n*1000 + len(hidden)*10 + int(act))
	rng := rand.New(rand.NewPCG(seed, 7))
	m := newTestMLP(t, in, hidden, out, act, timeFirst, seed)
	x := randSlice(rng, n*(in-1), 2)
	ts := make([]float32, n)
	for i := range ts {
		ts[i] = rng.Float32()
	}
	// The loss is L = sum(r * y) for fixed random weights r, so dL/dy = r.
	r := randSlice(rng, n*out, 1)

	ws := m.NewWorkspace(n)
	m.Forward(ws, x, ts, nil, n)
	dx := make([]float32, n*in)
	m.Backward(ws, r, dx)

	ref := newRef(m)
	inputs := make([][]float64, n)
	for i := range inputs {
		inputs[i] = ref.input(x, ts, i)
	}
	loss := func() float64 {
		var s float64
		for i, row := range inputs {
			for o, y := range ref.forwardRow(row) {
				s += float64(r[i*out+o]) * y
			}
		}
		return s
	}
	const h = 1e-5
	fd := func(v *float64) float64 {
		keep := *v
		*v = keep + h
		lp := loss()
		*v = keep - h
		lm := loss()
		*v = keep
		return (lp - lm) / (2 * h)
	}

	// Check every parameter of small networks and a random sample of 64 of larger ones.
	idx := rng.Perm(len(ref.p))
	if len(idx) > 64 {
		idx = idx[:64]
	}
	want := make([]float64, len(idx))
	got := make([]float32, len(idx))
	for k, j := range idx {
		want[k], got[k] = fd(&ref.p[j]), m.Grads[j]
	}
	compareGrads(t, "parameter", idx, got, want)

	rows := min(n, 3)
	var ids []int
	want, got = want[:0], got[:0]
	for i := 0; i < rows; i++ {
		for c := 0; c < in; c++ {
			ids = append(ids, i*in+c)
			want = append(want, fd(&inputs[i][c]))
			got = append(got, dx[i*in+c])
		}
	}
	compareGrads(t, "input", ids, got, want)

	// Without dx, the parameter gradients are the same.
	g := append([]float32(nil), m.Grads...)
	m.Backward(ws, r, nil)
	for j := range g {
		if g[j] != m.Grads[j] {
			t.Fatalf("gradient %d is %v with dx and %v without", j, g[j], m.Grads[j])
		}
	}
}

// compareGrads checks float32 analytic gradients against float64 finite differences, each to
// a relative 1e-3 plus an absolute 1e-4 of the largest one (float32 rounding over sums of many
// terms leaves absolute, not relative, errors on the small ones).
func compareGrads(t *testing.T, what string, idx []int, got []float32, want []float64) {
	t.Helper()
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for k := range got {
		diff := math.Abs(float64(got[k]) - want[k])
		if diff > 1e-3*math.Abs(want[k])+1e-4*scale {
			t.Errorf("%s gradient %d: got %.8g, finite differences give %.8g (diff %.3g, scale %.3g)",
				what, idx[k], got[k], want[k], diff, scale)
		}
	}
}

// TestForwardByHand checks Forward on a network small enough to evaluate by hand.
func TestForwardByHand(t *testing.T) {
	// In = 2 (x, t), one hidden layer of 2, Out = 1:
	//   W0 = [[1, -1], [0.5, 2]], b0 = [0.5, -1], W1 = [[2, -3]], b1 = [0.25].
	// t last, rows (x=1, t=0.5) and (x=-2, t=0.5):
	//   row 1: z0 = [1 - 0.5 + 0.5, 0.5 + 1 - 1] = [1, 0.5]
	//   row 2: z0 = [-2 - 0.5 + 0.5, -1 + 1 - 1] = [-2, -1]
	// t first, row 1 is (t=0.5, x=1): z0 = [0.5 - 1 + 0.5, 0.25 + 2 - 1] = [0, 1.25].
	// ReLU: row 1: h = [1, 0.5], y = 2 - 1.5 + 0.25 = 0.75; row 2: h = [0, 0], y = 0.25;
	//   t first: h = [0, 1.25], y = -3.75 + 0.25 = -3.5.
	// SiLU, row 1: h = [1/(1+e^-1), 0.5/(1+e^-0.5)] = [0.7310585786, 0.3112296656],
	//   y = 1.4621171573 - 0.9336889969 + 0.25 = 0.7784281604;
	//   row 2: h = [-2/(1+e^2), -1/(1+e)] = [-0.2384058440, -0.2689414214],
	//   y = -0.4768116881 + 0.8068242641 + 0.25 = 0.5800125760.
	// Tanh, row 1: h = [tanh 1, tanh 0.5] = [0.7615941560, 0.4621171573],
	//   y = 1.5231883120 - 1.3863514719 + 0.25 = 0.3868368401.
	cases := []struct {
		act       Activation
		timeFirst bool
		want      []float32
	}{
		{ReLU, false, []float32{0.75, 0.25}},
		{ReLU, true, []float32{-3.5}},
		{SiLU, false, []float32{0.7784281604, 0.5800125760}},
		{Tanh, false, []float32{0.3868368401}},
	}
	forEachSet(t, func(t *testing.T) {
		for _, c := range cases {
			m, err := New(Config{In: 2, Hidden: []int{2}, Out: 1, Act: c.act, TimeFirst: c.timeFirst})
			if err != nil {
				t.Fatal(err)
			}
			copy(m.Params, []float32{1, -1, 0.5, 2, 0.5, -1, 2, -3, 0.25})
			ws := m.NewWorkspace(4)
			n := len(c.want)
			y := m.Forward(ws, []float32{1, -2}[:n], []float32{0.5}, nil, n)
			for i := range c.want {
				if math.Abs(float64(y[i]-c.want[i])) > 2e-6 {
					t.Errorf("%v timeFirst=%v row %d: got %.9g, want %.9g", c.act, c.timeFirst, i, y[i], c.want[i])
				}
			}
		}
	})
}

// TestForwardMatchesReference compares Forward with the float64 reference on random networks,
// rows with their own times and one time shared by all, and a workspace reused for fewer rows.
func TestForwardMatchesReference(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			rng := rand.New(rand.NewPCG(uint64(act), 3))
			m := newTestMLP(t, 5, []int{33, 17}, 3, act, act%2 == 0, uint64(act))
			ref := newRef(m)
			ws := m.NewWorkspace(50)
			x := randSlice(rng, 50*4, 3)
			for _, ts := range [][]float32{randSlice(rng, 50, 1), {0.3}} {
				for _, n := range []int{50, 1, 13} {
					tt := ts
					if len(ts) > 1 {
						tt = ts[:n]
					}
					y := m.Forward(ws, x, tt, nil, n)
					if len(y) != n*3 {
						t.Fatalf("Forward returned %d values for %d rows of 3", len(y), n)
					}
					for i := 0; i < n; i++ {
						for o, want := range ref.forwardRow(ref.input(x, tt, i)) {
							if math.Abs(float64(y[i*3+o])-want) > 1e-5*math.Max(1, math.Abs(want)) {
								t.Fatalf("%v n=%d row %d output %d: got %v, want %v", act, n, i, o, y[i*3+o], want)
							}
						}
					}
				}
			}
		}
	})
}

// TestWithParams checks that a view evaluates with its own parameters and shares the workspace.
func TestWithParams(t *testing.T) {
	a := newTestMLP(t, 3, []int{8}, 2, SiLU, false, 1)
	b := newTestMLP(t, 3, []int{8}, 2, SiLU, false, 2)
	view := a.WithParams(b.Params)
	ws := a.NewWorkspace(4)
	x, ts := []float32{0.1, 0.2, 0.3, 0.4}, []float32{0.5, 0.6}
	want := append([]float32(nil), b.Forward(ws, x, ts, nil, 2)...)
	got := view.Forward(ws, x, ts, nil, 2)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("view output %d = %v, want %v", i, got[i], want[i])
		}
	}
	if view.NumParams() != a.NumParams() || view.Grads != nil {
		t.Fatalf("view has %d parameters and gradients %v", view.NumParams(), view.Grads != nil)
	}
}

// TestInit checks PyTorch's nn.Linear initialisation: every value within 1/sqrt(fan_in), and the
// uniform law's mean 0 and variance bound^2/3 within sampling error.
func TestInit(t *testing.T) {
	m := newTestMLP(t, 3, []int{256, 64}, 2, SiLU, false, 42)
	for l, L := range m.layers {
		bound := 1 / math.Sqrt(float64(L.in))
		for _, p := range [][]float32{L.w, L.b} {
			var s, s2 float64
			for _, v := range p {
				if math.Abs(float64(v)) > bound {
					t.Fatalf("layer %d: %v outside +-%v", l, v, bound)
				}
				s += float64(v)
				s2 += float64(v) * float64(v)
			}
			if len(p) < 500 {
				continue
			}
			n := float64(len(p))
			mean, variance := s/n, s2/n
			if math.Abs(mean) > 5*bound/math.Sqrt(3*n) {
				t.Errorf("layer %d: mean %v of %d values bounded by %v", l, mean, len(p), bound)
			}
			if want := bound * bound / 3; math.Abs(variance-want) > 0.1*want {
				t.Errorf("layer %d: variance %v, want %v", l, variance, want)
			}
		}
	}
}

// TestFLOPs checks the operation count of the reference 2D model against a hand count.
func TestFLOPs(t *testing.T) {
	m := newTestMLP(t, 3, []int{512, 512, 512, 512}, 2, SiLU, false, 1)
	// MACs per row: 3*512 + 3*512*512 + 512*2 = 788992.
	fwd, step := m.FLOPs(4096)
	if fwd != 2*4096*788992 || step != 6*4096*788992 {
		t.Fatalf("FLOPs = %v, %v", fwd, step)
	}
	if m.NumParams() != 788992+4*512+2 {
		t.Fatalf("NumParams = %d", m.NumParams())
	}
}

// TestMSE checks the loss and its gradient on values worked out by hand.
func TestMSE(t *testing.T) {
	y := []float32{1, 2, 3, 4}
	target := []float32{0, 2, 5, 3}
	dy := make([]float32, 4)
	// errors 1, 0, -2, 1: mean square 6/4; gradient 2*e/4.
	if l := MSE(dy, y, target); l != 1.5 {
		t.Fatalf("MSE = %v, want 1.5", l)
	}
	for i, want := range []float32{0.5, 0, -1, 0.5} {
		if dy[i] != want {
			t.Fatalf("dy[%d] = %v, want %v", i, dy[i], want)
		}
	}
}

// TestConfig checks validation and activation names.
func TestConfig(t *testing.T) {
	bad := []Config{
		{In: 0, Out: 2},
		{In: 3, Out: 0},
		{In: 3, Out: 2, Hidden: []int{4, 0}},
		{In: 3, Out: 2, Act: Activation(9)},
		{In: 3, Out: 2, Hidden: []int{1 << 20, 1 << 20}},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		}
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
	for _, a := range allActivations {
		got, err := ParseActivation(a.String())
		if err != nil || got != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), got, err)
		}
	}
	if a, err := ParseActivation("Swish"); err != nil || a != SiLU {
		t.Errorf("ParseActivation(Swish) = %v, %v", a, err)
	}
	if _, err := ParseActivation("sigmoid"); err == nil {
		t.Error("ParseActivation(sigmoid) succeeded")
	}
}

// TestTrainStepAllocs proves that a training step (Forward, MSE, Backward, Adam.Update) and a
// one-row Forward allocate nothing after the first call, for every activation.
func TestTrainStepAllocs(t *testing.T) {
	for _, act := range allActivations {
		for _, hidden := range [][]int{nil, {32, 32, 32}} {
			m := newTestMLP(t, 3, hidden, 2, act, false, 5)
			const n = 64
			rng := rand.New(rand.NewPCG(1, 2))
			x, ts, target := randSlice(rng, n*2, 1), randSlice(rng, n, 1), randSlice(rng, n*2, 1)
			dy := make([]float32, n*2)
			ws := m.NewWorkspace(n)
			opt := NewAdam(m.NumParams())
			opt.ClipNorm = 1
			ema := NewEMA(m.Params, 0.999)
			step := func() {
				y := m.Forward(ws, x, ts, nil, n)
				MSE(dy, y, target)
				m.Backward(ws, dy, nil)
				opt.Update(m.Params, m.Grads)
				ema.Update(m.Params)
			}
			if a := allocsPerCall(20, step); a != 0 {
				t.Errorf("%v hidden %v: training step allocates %v times", act, hidden, a)
			}
			one := func() { m.Forward(ws, x[:2], ts[:1], nil, 1) }
			if a := allocsPerCall(20, one); a != 0 {
				t.Errorf("%v hidden %v: one-row Forward allocates %v times", act, hidden, a)
			}
		}
	}
}

// TestTrainingLearns is an end-to-end check that the pieces fit: a small network fits a smooth
// function of (x, t), its loss falling by a factor of 30.
func TestTrainingLearns(t *testing.T) {
	m := newTestMLP(t, 2, []int{16, 16}, 1, SiLU, false, 9)
	const n = 64
	rng := rand.New(rand.NewPCG(3, 4))
	x, ts := make([]float32, n), make([]float32, n)
	target := make([]float32, n)
	for i := range x {
		x[i], ts[i] = rng.Float32()*2-1, rng.Float32()
		target[i] = float32(math.Sin(3*float64(x[i])) * float64(ts[i]))
	}
	ws := m.NewWorkspace(n)
	dy := make([]float32, n)
	opt := NewAdam(m.NumParams())
	opt.LR = 1e-2
	var first, last float32
	for step := 0; step < 600; step++ {
		y := m.Forward(ws, x, ts, nil, n)
		last = MSE(dy, y, target)
		if step == 0 {
			first = last
		}
		m.Backward(ws, dy, nil)
		opt.Update(m.Params, m.Grads)
	}
	if !(last < first/30) {
		t.Fatalf("loss went from %v to %v", first, last)
	}
	t.Logf("loss went from %v to %v", first, last)
}

// TestThreadsAgree runs a training step with nn's element-wise passes and Adam split among
// goroutines (the grain lowered so that small layers split too, in uneven pieces), with 1, 2
// and 3 threads, and checks that the gradients and updated parameters are the same bits, and
// that the split step allocates nothing.
func TestThreadsAgree(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	defer func(g int) { minGrain = g }(minGrain)
	minGrain = 500
	const n = 37
	var first []float32
	for _, threads := range []int{1, 2, 3} {
		mat.SetThreads(threads)
		m := newTestMLP(t, 3, []int{64, 64}, 2, SiLU, false, 4)
		rng := rand.New(rand.NewPCG(8, 9))
		x, ts, target := randSlice(rng, n*2, 2), randSlice(rng, n, 1), randSlice(rng, n*2, 1)
		ws := m.NewWorkspace(n)
		dy := make([]float32, n*2)
		opt := NewAdam(m.NumParams())
		step := func() {
			y := m.Forward(ws, x, ts, nil, n)
			MSE(dy, y, target)
			m.Backward(ws, dy, nil)
			opt.Update(m.Params, m.Grads)
		}
		step()
		got := append(append([]float32(nil), m.Grads...), m.Params...)
		if first == nil {
			first = got
		} else {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
					t.Fatalf("threads=%d: value %d is %v, with one thread %v", threads, i, got[i], first[i])
				}
			}
		}
		if a := allocsPerCall(5, step); a != 0 {
			t.Errorf("threads=%d: training step allocates %v times", threads, a)
		}
	}
}
