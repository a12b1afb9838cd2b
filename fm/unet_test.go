package fm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

// tinyImages returns n random 1 x 8 x 8 images with labels 0..2.
func tinyImages(n int) *Images {
	r := rand.New(rand.NewPCG(5, 6))
	im := &Images{Source: "tiny", C: 1, H: 8, W: 8, Pixels: make([]byte, n*64), Labels: make([]byte, n), Classes: 3}
	for i := range im.Pixels {
		im.Pixels[i] = byte(r.IntN(256))
	}
	for i := range im.Labels {
		im.Labels[i] = byte(i % 3)
	}
	return im
}

// unetTrainer returns a trainer of a UNet of base 4 on tinyImages.
func unetTrainer(t *testing.T, mutate func(*TrainConfig)) *Trainer {
	t.Helper()
	c := DefaultTrainConfig()
	c.Data, c.Arch, c.Channels, c.Batch, c.Steps = tinyImages(40), ArchUNet, 4, 12, 20
	if mutate != nil {
		mutate(&c)
	}
	tr, err := NewTrainer(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestUNetTrainingAllocatesNothing: a UNet training step (with an EMA, on both paths) and a
// sampler's solve allocate nothing once running, on one and two threads, and the weights
// after a few steps do not depend on the thread count.
func TestUNetTrainingAllocatesNothing(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	var first []float32
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		for _, path := range []Schedule{CondOT, VP} {
			tr := unetTrainer(t, func(c *TrainConfig) { c.Path = NewPath(path); c.EMA = 0.99 })
			trainSteps(t, tr, 3)
			if path == CondOT {
				if first == nil {
					first = append([]float32(nil), tr.net.params()...)
				} else if !equalBits(first, tr.net.params()) {
					t.Errorf("%d threads: the UNet's weights after 3 steps differ from one thread's", threads)
				}
			}
			if n := allocsPerCall(5, func() { tr.TrainStep() }); n != 0 {
				t.Errorf("%s, %d threads: a UNet training step allocates %v times", path, threads, n)
			}
			m := tr.Model()
			for _, n := range []int{1, 7} {
				s := newFieldSampler(m.Net, n, false, 0, false)
				x := InitialNoise(n, m.Dim(), 1)
				s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil)
				if a := allocsPerCall(3, func() { s.solver.FixedSteps(ode.Midpoint, s.field, x, 0, 1, 2, nil) }); a != 0 {
					t.Errorf("%s, %d images, %d threads: sampling allocates %v times per solve", path, n, threads, a)
				}
			}
		}
	}
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestUNetProbes: the UNet's probe pass (J^T e by a backward pass) gives e . J^T e = e^T J e,
// checked against central differences of the field along e, and its velocities are the
// forward pass's.
func TestUNetProbes(t *testing.T) {
	tr := unetTrainer(t, nil)
	trainSteps(t, tr, 5)
	net := tr.Model().Net
	const n, k = 3, 2
	d := net.Dim()
	x := InitialNoise(n, d, 9)
	e := make([]float32, n*k*d)
	signs := signSource{r: rand.New(rand.NewPCG(1, 2))}
	for i := range e {
		e[i] = signs.next()
	}
	tt := []float32{0.3}
	u, p := net.newProbePass(n, k).Probe(x, tt, n, e)

	fwd := net.newForwardPass(n, false)
	want := append([]float32(nil), fwd.Forward(x, tt, nil, n)...)
	if !equalBits(u, want) {
		t.Fatal("the probe pass's velocities are not the forward pass's")
	}
	const h = 1e-2
	xp, xm := make([]float32, d), make([]float32, d)
	for i := range n {
		for j := range k {
			ek := e[(i*k+j)*d : (i*k+j+1)*d]
			for c := range d {
				xp[c] = x[i*d+c] + h*ek[c]
				xm[c] = x[i*d+c] - h*ek[c]
			}
			up := append([]float32(nil), fwd.Forward(xp, tt, nil, 1)...)
			um := fwd.Forward(xm, tt, nil, 1)
			var fd, got float64
			for c := range d {
				fd += float64(ek[c]) * (float64(up[c]) - float64(um[c])) / (2 * h)
				got += float64(ek[c]) * float64(p[(i*k+j)*d+c])
			}
			if math.Abs(fd-got) > 2e-3*(1+math.Abs(fd)) {
				t.Errorf("point %d, probe %d: e^T J e = %.6g by the backward pass, %.6g by differences", i, j, got, fd)
			}
		}
	}
}

// TestUNetLikelihood: the Hutchinson likelihood of images runs through the UNet's probes, is
// finite and does not depend on the thread count; the exact divergence is refused.
func TestUNetLikelihood(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	tr := unetTrainer(t, nil)
	trainSteps(t, tr, 5)
	m := tr.Model()
	x := make([]float32, 4*m.Dim())
	im := tinyImages(4)
	for i, v := range im.Pixels {
		x[i] = float32(v) / 255
	}
	o := LikelihoodOptions{Method: ode.Midpoint, Steps: 4, Divergence: DivergenceHutchinson, Probes: 2}
	var first []float64
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		res, err := m.LogLikelihood(x, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, lp := range res.LogP {
			if math.IsNaN(lp) || math.IsInf(lp, 0) {
				t.Fatalf("log-density %v", lp)
			}
		}
		if first == nil {
			first = res.LogP
		} else {
			for i := range first {
				if first[i] != res.LogP[i] {
					t.Fatalf("%d threads: log p %v, one thread %v", threads, res.LogP, first)
				}
			}
		}
	}
	o.Divergence = DivergenceExact
	if _, err := m.LogLikelihood(x, o); err == nil {
		t.Error("the exact divergence of a UNet was not refused")
	}
}
