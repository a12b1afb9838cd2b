package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// This file tests the UNet: its forward pass against a float64 reference built from the
// layers' definitions, its gradients against finite differences of that reference, the batch
// runner's independence from the threads and its allocations, and its state dicts.

// map64 is a dense float64 feature map, NHWC, for the reference network.
type map64 struct {
	x          []float64
	n, h, w, c int
}

func (m map64) at(img, y, x, c int) float64 { return m.x[((img*m.h+y)*m.w+x)*m.c+c] }

func (m map64) geometry() fmap { return fmap{ld: m.c, c: m.c, n: m.n, h: m.h, w: m.w} }

func refConv64(x map64, w, b []float64, cout int) map64 {
	return map64{x: refConv(x.x, x.geometry(), w, b, cout, 3, 1), n: x.n, h: x.h, w: x.w, c: cout}
}

func refAct64(a Activation, m map64) map64 {
	y := make([]float64, len(m.x))
	for i, v := range m.x {
		y[i] = act64(a, v)
	}
	m.x = y
	return m
}

func refPool64(m map64) map64 {
	y := map64{n: m.n, h: m.h / 2, w: m.w / 2, c: m.c}
	for img := 0; img < m.n; img++ {
		for oy := 0; oy < y.h; oy++ {
			for ox := 0; ox < y.w; ox++ {
				for c := 0; c < m.c; c++ {
					v := math.Max(math.Max(m.at(img, 2*oy, 2*ox, c), m.at(img, 2*oy, 2*ox+1, c)),
						math.Max(m.at(img, 2*oy+1, 2*ox, c), m.at(img, 2*oy+1, 2*ox+1, c)))
					y.x = append(y.x, v)
				}
			}
		}
	}
	return y
}

func refUp64(m map64) map64 {
	taps := func(d, n int) (int, int, float64) {
		s := math.Max(0, (float64(d)+0.5)/2-0.5)
		i0 := int(s)
		return i0, min(i0+1, n-1), s - float64(i0)
	}
	y := map64{n: m.n, h: 2 * m.h, w: 2 * m.w, c: m.c}
	for img := 0; img < m.n; img++ {
		for oy := 0; oy < y.h; oy++ {
			y0, y1, ly := taps(oy, m.h)
			for ox := 0; ox < y.w; ox++ {
				x0, x1, lx := taps(ox, m.w)
				for c := 0; c < m.c; c++ {
					y.x = append(y.x, (1-ly)*((1-lx)*m.at(img, y0, x0, c)+lx*m.at(img, y0, x1, c))+
						ly*((1-lx)*m.at(img, y1, x0, c)+lx*m.at(img, y1, x1, c)))
				}
			}
		}
	}
	return y
}

func refCat64(a, b map64) map64 {
	y := map64{n: a.n, h: a.h, w: a.w, c: a.c + b.c}
	for p := 0; p < a.n*a.h*a.w; p++ {
		y.x = append(y.x, a.x[p*a.c:(p+1)*a.c]...)
		y.x = append(y.x, b.x[p*b.c:(p+1)*b.c]...)
	}
	return y
}

// refUNet evaluates the UNet of configuration cfg with parameters p (the flat layout) on n
// images x (NCHW) at times t (n or 1) with labels (n, 1 or nil, for a conditional UNet) in
// float64, and returns the outputs, NCHW.
func refUNet(cfg UNetConfig, p, x, t []float64, labels []int32, n int) []float64 {
	cin, cout := cfg.convShapes()
	var w, b [numConvs][]float64
	off := 0
	for l := range numConvs {
		nw := cout[l] * cin[l] * 9
		w[l], b[l] = p[off:off+nw], p[off+nw:off+nw+cout[l]]
		off += nw + cout[l]
	}
	emb := map[int][]float64{} // by convolution: the table, [Classes+1][cout]
	if cfg.Classes > 0 {
		for _, e := range unetEmbeddings {
			size := (cfg.Classes + 1) * cout[e.conv]
			emb[e.conv] = p[off : off+size]
			off += size
		}
	}
	if off != len(p) {
		panic("refUNet: parameters left over")
	}
	conv := func(l int, m map64) map64 {
		y := refConv64(m, w[l], b[l], cout[l])
		if table := emb[l]; table != nil {
			pixels := y.h * y.w
			for img := range n {
				k := labelRow(labels, img, cfg.Classes)
				for q := range pixels {
					for c := range cout[l] {
						y.x[(img*pixels+q)*cout[l]+c] += table[k*cout[l]+c]
					}
				}
			}
		}
		if l == dec1out {
			return y
		}
		return refAct64(cfg.Act, y)
	}
	ch, hw := cfg.Channels, cfg.Height*cfg.Width
	in := map64{n: n, h: cfg.Height, w: cfg.Width, c: ch + 1}
	for img := 0; img < n; img++ {
		tv := t[0]
		if len(t) > 1 {
			tv = t[img]
		}
		for q := 0; q < hw; q++ {
			for c := 0; c < ch; c++ {
				in.x = append(in.x, x[(img*ch+c)*hw+q])
			}
			in.x = append(in.x, tv)
		}
	}
	e1 := conv(enc1b, conv(enc1a, in))
	e2 := conv(enc2b, conv(enc2a, refPool64(e1)))
	m := conv(midB, conv(midA, refPool64(e2)))
	d2 := conv(dec2b, conv(dec2a, refCat64(refUp64(m), e2)))
	y := conv(dec1out, conv(dec1b, conv(dec1a, refCat64(refUp64(d2), e1))))
	out := make([]float64, n*ch*hw)
	for img := 0; img < n; img++ {
		for q := 0; q < hw; q++ {
			for c := 0; c < ch; c++ {
				out[(img*ch+c)*hw+q] = y.x[(img*hw+q)*ch+c]
			}
		}
	}
	return out
}

// newTestUNet returns an initialised UNet of the given configuration.
func newTestUNet(t testing.TB, cfg UNetConfig, seed uint64) *UNet {
	t.Helper()
	u, err := NewUNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u.Init(rand.New(rand.NewPCG(seed, 3)))
	return u
}

// TestUNetForward compares the batch's forward pass with the float64 reference for every
// activation, square and non-square images, one and three image channels, shared and per-image
// times, on every kernel set.
func TestUNetForward(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			for _, cfg := range []UNetConfig{
				{Channels: 1, Height: 8, Width: 8, Base: 3, Act: act},
				{Channels: 3, Height: 4, Width: 12, Base: 2, Act: act},
			} {
				for _, n := range []int{1, 9} {
					name := fmt.Sprintf("%v/%dx%dx%d/c%d/n%d", act, cfg.Channels, cfg.Height, cfg.Width, cfg.Base, n)
					t.Run(name, func(t *testing.T) {
						u := newTestUNet(t, cfg, uint64(n))
						rng := rand.New(rand.NewPCG(uint64(n), 5))
						size := cfg.Channels * cfg.Height * cfg.Width
						x, ts := randSlice(rng, n*size, 2), randSlice(rng, n, 1)
						if n == 1 {
							ts = ts[:1]
						}
						want := refUNet(cfg, to64(u.Params), to64(x), to64(ts), nil, n)
						for _, b := range []*UNetBatch{u.NewBatch(n), u.NewForwardBatch(n + 3)} {
							y := b.Forward(x, ts, nil, n)
							if len(y) != len(want) {
								t.Fatalf("%d outputs, want %d", len(y), len(want))
							}
							scale := 0.0
							for _, v := range want {
								scale = math.Max(scale, math.Abs(v))
							}
							for i, v := range want {
								if math.Abs(float64(y[i])-v) > 1e-5*scale {
									t.Fatalf("output %d is %v, the reference gives %v (largest %v)", i, y[i], v, scale)
								}
							}
						}
					})
				}
			}
		}
	})
}

// TestUNetGradients compares Backward's gradients, of a sample of every convolution's weights
// and biases and of the images, with central finite differences of the float64 reference, for
// the loss L = sum(r*y) with random r, on a UNet of base 2 on 8 x 8 images (and a non-square
// one with two image channels).
func TestUNetGradients(t *testing.T) {
	for _, act := range []Activation{ELU, SiLU, Tanh} {
		for _, cfg := range []UNetConfig{
			{Channels: 1, Height: 8, Width: 8, Base: 2, Act: act},
			{Channels: 2, Height: 4, Width: 8, Base: 2, Act: act},
		} {
			t.Run(fmt.Sprintf("%v/%dx%dx%d", act, cfg.Channels, cfg.Height, cfg.Width), func(t *testing.T) {
				checkUNetGradients(t, cfg, nil)
			})
		}
	}
}

// checkUNetGradients checks the gradients of a UNet of configuration cfg on 3 images with
// labels (for a conditional one; nil, one or three), and of its embeddings' rows.
func checkUNetGradients(t *testing.T, cfg UNetConfig, labels []int32) {
	const n = 3
	u := newTestUNet(t, cfg, 11)
	rng := rand.New(rand.NewPCG(12, 13))
	size := cfg.Channels * cfg.Height * cfg.Width
	x, ts, r := randSlice(rng, n*size, 1.5), randSlice(rng, n, 1), randSlice(rng, n*size, 1)
	b := u.NewBatch(n)
	b.Forward(x, ts, labels, n)
	dx := make([]float32, n*size)
	b.Backward(r, dx)

	p, xs, t64 := to64(u.Params), to64(x), to64(ts)
	loss := func() float64 {
		var s float64
		for i, v := range refUNet(cfg, p, xs, t64, labels, n) {
			s += v * float64(r[i])
		}
		return s
	}
	fd := func(v *float64) float64 {
		const h = 1e-5
		keep := *v
		*v = keep + h
		lp := loss()
		*v = keep - h
		lm := loss()
		*v = keep
		return (lp - lm) / (2 * h)
	}
	var idx []int
	for _, L := range u.convs {
		w0 := offsetIn(u.Params, L.w)
		b0 := offsetIn(u.Params, L.b)
		for _, k := range rng.Perm(len(L.w))[:min(6, len(L.w))] {
			idx = append(idx, w0+k)
		}
		idx = append(idx, b0+rng.IntN(len(L.b)))
	}
	// Every value of each embedding's rows of the labels given and of "no label" (whose
	// gradient is zero unless a label is missing), and of an unused row.
	for _, e := range u.embs {
		if u.Classes == 0 {
			break
		}
		e0 := offsetIn(u.Params, e.w)
		for k := range e.classes + 1 {
			used := k == 0 || k == e.classes || slices.Contains(labels, int32(k))
			if !used {
				continue
			}
			for c := range e.width {
				idx = append(idx, e0+k*e.width+c)
			}
		}
	}
	want, got := make([]float64, len(idx)), make([]float32, len(idx))
	for k, j := range idx {
		want[k], got[k] = fd(&p[j]), u.Grads[j]
	}
	compareGrads(t, "parameter", idx, got, want)

	idx = rng.Perm(len(xs))[:24]
	want, got = want[:0], got[:0]
	for _, j := range idx {
		want, got = append(want, fd(&xs[j])), append(got, dx[j])
	}
	compareGrads(t, "input", idx, got, want)

	// Without dx, the parameter gradients are the same bits.
	g := slices.Clone(u.Grads)
	b.Backward(r, nil)
	if !slices.Equal(g, u.Grads) {
		t.Fatal("the gradients differ with and without dx")
	}
}

// offsetIn returns the index in buf at which the view v starts.
func offsetIn(buf, v []float32) int {
	for i := range buf {
		if &buf[i] == &v[0] {
			return i
		}
	}
	panic("not a view")
}

// allocRuns is how many calls AllocsPerRun averages over. With more threads than cores (3 on
// this 2-core machine, and under qemu-user), mat's pool parks workers on channels and
// semaphores, and the Go runtime now and then starts an OS thread for them and allocates for
// it (a memory profile shows runtime.newm's allocations, none in nn's passes); allocations are
// therefore checked with at most as many threads as GOMAXPROCS, averaged over ten calls.
const allocRuns = 10

// TestUNetBatchThreads runs MSEGrad, and Forward then Backward with dx, with 1, 2 and 3 threads
// and serially, on batches of one to four blocks, and checks that the loss, outputs, gradients
// and dx are the same bits every time, that Forward + MSE + Backward gives MSEGrad's loss and
// gradients, and that nothing allocates after the first call (see allocRuns).
func TestUNetBatchThreads(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	cfg := UNetConfig{Channels: 1, Height: 8, Width: 12, Base: 3, Act: ELU}
	for _, n := range []int{3, 16, 17, 33} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			u := newTestUNet(t, cfg, 21)
			rng := rand.New(rand.NewPCG(uint64(n), 22))
			size := cfg.Channels * cfg.Height * cfg.Width
			x, ts, target := randSlice(rng, n*size, 1), randSlice(rng, n, 1), randSlice(rng, n*size, 1)
			var first []float32
			var firstLoss float32
			for _, threads := range []int{1, 2, 3, 0} {
				serial := threads == 0 // the blocks one after another, with two threads available
				mat.SetThreads(threads)
				if serial {
					mat.SetThreads(2)
				}
				b := u.NewBatch(40)
				b.Serial = serial
				loss := b.MSEGrad(x, ts, nil, target, n)
				grads := slices.Clone(u.Grads)

				y := slices.Clone(b.Forward(x, ts, nil, n))
				dy := make([]float32, n*size)
				if l := MSE(dy, y, target); math.Abs(float64(l-loss)) > 1e-6*float64(loss) {
					t.Fatalf("threads=%d: MSE of Forward is %v, MSEGrad's loss %v", threads, l, loss)
				}
				dx := make([]float32, n*size)
				b.Backward(dy, dx)
				if !slices.Equal(u.Grads, grads) {
					t.Fatalf("threads=%d: Forward, MSE and Backward give other gradients than MSEGrad", threads)
				}
				got := slices.Concat(grads, y, dx)
				if first == nil {
					first, firstLoss = got, loss
				} else if !slices.Equal(got, first) || loss != firstLoss {
					t.Fatalf("threads=%d serial=%v: the results differ from one thread's", threads, serial)
				}
				checkAllocs := threads <= runtime.GOMAXPROCS(0)
				if a := allocsPerCall(allocRuns, func() { b.MSEGrad(x, ts, nil, target, n) }); a != 0 && checkAllocs {
					t.Errorf("threads=%d: MSEGrad allocates %v times", threads, a)
				}
				step := func() {
					b.Forward(x, ts, nil, n)
					b.Backward(dy, dx)
				}
				if a := allocsPerCall(allocRuns, step); a != 0 && checkAllocs {
					t.Errorf("threads=%d: Forward and Backward allocate %v times", threads, a)
				}
				f := u.NewForwardBatch(40)
				f.Serial = serial
				if !slices.Equal(f.Forward(x, ts, nil, n), y) {
					t.Fatalf("threads=%d: the forward-only batch gives other outputs", threads)
				}
				if a := allocsPerCall(allocRuns, func() { f.Forward(x, ts[:1], nil, n) }); a != 0 && checkAllocs {
					t.Errorf("threads=%d: a forward-only Forward allocates %v times", threads, a)
				}
			}
		})
	}
}

// TestUNetBatchMisuse checks that the batch refuses what it cannot do.
func TestUNetBatchMisuse(t *testing.T) {
	u := newTestUNet(t, SeedUNet(1, 4, 4, 2), 1)
	x, ts := make([]float32, 16*3), make([]float32, 3)
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", what)
			}
		}()
		f()
	}
	b, f := u.NewBatch(3), u.NewForwardBatch(3)
	mustPanic("Backward before Forward", func() { b.Backward(x, nil) })
	mustPanic("Forward on too many images", func() { b.Forward(make([]float32, 16*4), ts, nil, 4) })
	mustPanic("Forward with short x", func() { b.Forward(x[:20], ts, nil, 3) })
	mustPanic("Forward with 2 times for 3 images", func() { b.Forward(x, ts[:2], nil, 3) })
	b.MSEGrad(x, ts, nil, x, 3)
	mustPanic("Backward after MSEGrad", func() { b.Backward(x, nil) })
	b.Forward(x, ts, nil, 3)
	mustPanic("Backward with short dy", func() { b.Backward(x[:10], nil) })
	mustPanic("Backward with short dx", func() { b.Backward(x, x[:10]) })
	f.Forward(x, ts, nil, 3)
	mustPanic("Backward on a forward-only batch", func() { f.Backward(x, nil) })
	mustPanic("MSEGrad on a forward-only batch", func() { f.MSEGrad(x, ts, nil, x, 3) })
	mustPanic("MSEGrad of a WithParams view", func() { u.WithParams(u.Params).NewBatch(3).MSEGrad(x, ts, nil, x, 3) })
	mustPanic("a batch of 0 images", func() { u.NewBatch(0) })
}

// TestUNetWithParams: a view on other weights computes with them and leaves the UNet's alone.
func TestUNetWithParams(t *testing.T) {
	cfg := SeedUNet(1, 8, 8, 2)
	u, v := newTestUNet(t, cfg, 1), newTestUNet(t, cfg, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	x, ts := randSlice(rng, 2*64, 1), []float32{0.3}
	want := slices.Clone(v.NewForwardBatch(2).Forward(x, ts, nil, 2))
	if got := u.WithParams(v.Params).NewForwardBatch(2).Forward(x, ts, nil, 2); !slices.Equal(got, want) {
		t.Fatal("a WithParams view does not compute with its parameters")
	}
}

// TestUNetInit checks PyTorch's bounds, 1/sqrt(fan_in) for weights and biases alike, and that
// the draws fill them (mean near 0, variance near bound^2/3).
func TestUNetInit(t *testing.T) {
	u := newTestUNet(t, SeedUNet(1, 28, 28, 8), 4)
	for l, L := range u.convs {
		bound := 1 / math.Sqrt(float64(L.cin*9))
		var s, s2 float64
		for _, v := range L.w {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s: weight %v beyond %v", convNames[l], v, bound)
			}
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(len(L.w))
		if mean, vr := s/n, s2/n; math.Abs(mean) > 4*bound/math.Sqrt(3*n) || math.Abs(vr/(bound*bound/3)-1) > 0.3 {
			t.Errorf("%s: mean %v, variance %v for bound %v", convNames[l], mean, vr, bound)
		}
		for _, v := range L.b {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s: bias %v beyond %v", convNames[l], v, bound)
			}
		}
	}
}

// TestUNetSizes checks the parameter count (PyTorch's torch_unet.py reports 471521 for base 32
// and 1883073 for 64) and FLOPs.
func TestUNetSizes(t *testing.T) {
	for _, c := range []struct{ base, params int }{{32, 471521}, {64, 1883073}} {
		u, err := NewUNet(SeedUNet(1, 28, 28, c.base))
		if err != nil {
			t.Fatal(err)
		}
		if u.NumParams() != c.params {
			t.Errorf("base %d: %d parameters, PyTorch counts %d", c.base, u.NumParams(), c.params)
		}
	}
	u, _ := NewUNet(SeedUNet(1, 4, 4, 1))
	// Per image: 16 pixels for enc1 (2->1, 1->1) and dec1 (3->1, 1->1, 1->1), 4 for enc2
	// (1->2, 2->2) and dec2 (6->2, 2->2), 1 for the bottleneck (2->4, 4->4); 9 multiply-adds a
	// channel pair.
	macs := 9 * (16*(2+1+3+1+1) + 4*(2+4+12+4) + 1*(8+16))
	fwd, train := u.FLOPs(2)
	if fwd != float64(2*2*macs) || train != 3*fwd-2*2*9*16*2 {
		t.Errorf("FLOPs(2) = %v, %v, want %v, %v", fwd, train, 2*2*macs, 3*fwd-2*2*9*16*2)
	}
}

// TestUNetConfig checks validation.
func TestUNetConfig(t *testing.T) {
	good := SeedUNet(1, 28, 28, 64)
	if err := good.Validate(); err != nil || good.Act != ELU {
		t.Fatalf("the seed's configuration: %v, %v", err, good.Act)
	}
	bad := []UNetConfig{
		{Channels: 0, Height: 28, Width: 28, Base: 8},
		{Channels: 1 << 11, Height: 28, Width: 28, Base: 8},
		{Channels: 1, Height: 30, Width: 28, Base: 8},
		{Channels: 1, Height: 28, Width: 2, Base: 8},
		{Channels: 1, Height: 0, Width: 28, Base: 8},
		{Channels: 1, Height: 1 << 15, Width: 28, Base: 8},
		{Channels: 1, Height: 28, Width: 28, Base: 0},
		{Channels: 1, Height: 28, Width: 28, Base: 8, Act: Activation(7)},
		{Channels: 1, Height: 28, Width: 28, Base: 1 << 13},       // parameters
		{Channels: 1, Height: 1 << 14, Width: 1 << 14, Base: 512}, // maps
		{Channels: 1, Height: -4, Width: 28, Base: 8},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		} else if _, err := NewUNet(c); err == nil {
			t.Errorf("NewUNet(%+v) succeeded", c)
		}
	}
}

// TestUNetStateDict checks the seed's names and shapes, that the tensors are views, and that
// UNetFromStateDict reads them back and refuses broken state dicts with a clear error.
func TestUNetStateDict(t *testing.T) {
	u := newTestUNet(t, SeedUNet(1, 8, 8, 4), 5)
	sd := u.StateDict()
	want := []string{"enc1.0.weight [4 2 3 3]", "enc1.0.bias [4]", "enc1.2.weight [4 4 3 3]", "enc1.2.bias [4]",
		"enc2.0.weight [8 4 3 3]", "enc2.0.bias [8]", "enc2.2.weight [8 8 3 3]", "enc2.2.bias [8]",
		"bottleneck.0.weight [16 8 3 3]", "bottleneck.0.bias [16]", "bottleneck.2.weight [16 16 3 3]", "bottleneck.2.bias [16]",
		"dec2.0.weight [8 24 3 3]", "dec2.0.bias [8]", "dec2.2.weight [8 8 3 3]", "dec2.2.bias [8]",
		"dec1.0.weight [4 12 3 3]", "dec1.0.bias [4]", "dec1.2.weight [4 4 3 3]", "dec1.2.bias [4]",
		"dec1.4.weight [1 4 3 3]", "dec1.4.bias [1]"}
	total := 0
	for i, tn := range sd {
		if got := fmt.Sprintf("%s %v", tn.Name, tn.Shape); got != want[i] {
			t.Fatalf("tensor %d is %s, want %s", i, got, want[i])
		}
		total += len(tn.Data)
	}
	if total != u.NumParams() || &sd[0].Data[0] != &u.Params[0] {
		t.Fatal("the state dict does not view every parameter")
	}

	clone := func() []Tensor {
		out := make([]Tensor, len(sd))
		for i, tn := range sd {
			out[i] = Tensor{Name: tn.Name, Shape: slices.Clone(tn.Shape), Data: slices.Clone(tn.Data)}
		}
		return append(out, Tensor{Name: "optimizer.m", Shape: []int{2}, Data: []float32{1, 2}})
	}
	v, err := UNetFromStateDict(clone(), 12, 16, ELU)
	if err != nil {
		t.Fatal(err)
	}
	if v.Channels != 1 || v.Base != 4 || v.Height != 12 || v.Width != 16 || !slices.Equal(v.Params, u.Params) {
		t.Fatalf("read back %+v", v.UNetConfig)
	}

	breaks := []struct {
		name   string
		change func([]Tensor) []Tensor
		want   string
	}{
		{"missing", func(ts []Tensor) []Tensor { return slices.Delete(ts, 5, 6) }, "no enc2.0.bias"},
		{"no first", func(ts []Tensor) []Tensor { return ts[1:] }, "no enc1.0.weight"},
		{"shape", func(ts []Tensor) []Tensor { ts[6].Shape = []int{8, 8, 1, 9}; return ts }, "enc2.2.weight has shape [8 8 1 9]"},
		{"first shape", func(ts []Tensor) []Tensor { ts[0].Shape = []int{4, 2, 5, 5}; return ts }, "enc1.0.weight has shape"},
		{"extra", func(ts []Tensor) []Tensor {
			return append(ts, Tensor{Name: "dec1.6.weight", Shape: []int{1}, Data: []float32{0}})
		}, "dec1.6.weight"},
		{"twice", func(ts []Tensor) []Tensor { return append(ts, ts[3]) }, "appears twice"},
		{"NaN", func(ts []Tensor) []Tensor { ts[8].Data[3] = float32(math.NaN()); return ts }, "bottleneck.0.weight holds NaN"},
		{"Inf", func(ts []Tensor) []Tensor { ts[21].Data[0] = float32(math.Inf(1)); return ts }, "dec1.4.bias holds +Inf"},
		{"data", func(ts []Tensor) []Tensor { ts[2].Data = ts[2].Data[:5]; return ts }, "enc1.2.weight: 5 values"},
	}
	for _, c := range breaks {
		if _, err := UNetFromStateDict(c.change(clone()), 8, 8, ELU); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := UNetFromStateDict(clone(), 8, 10, ELU); err == nil || !strings.Contains(err.Error(), "multiple of 4") {
		t.Errorf("width 10: error %v", err)
	}
}

// TestUNetBatchSeesNewWeights: a batch reorders the weights only when they changed since its
// last call, and then sees every change (an optimizer step, or a single weight set by hand).
func TestUNetBatchSeesNewWeights(t *testing.T) {
	u := newTestUNet(t, SeedUNet(1, 8, 8, 8), 3)
	rng := rand.New(rand.NewPCG(2, 2))
	x, ts, target := randSlice(rng, 4*64, 1), randSlice(rng, 4, 1), randSlice(rng, 4*64, 1)
	f, b := u.NewForwardBatch(4), u.NewBatch(4)
	before := slices.Clone(f.Forward(x, ts, nil, 4))
	b.MSEGrad(x, ts, nil, target, 4)
	g0 := slices.Clone(u.Grads)
	for _, i := range []int{0, len(u.Params) / 2, len(u.Params) - 1} {
		u.Params[i] += 0.25
		want := slices.Clone(u.NewForwardBatch(4).Forward(x, ts, nil, 4))
		got := f.Forward(x, ts, nil, 4)
		if !slices.Equal(got, want) || slices.Equal(got, before) {
			t.Fatalf("after parameter %d changed, Forward gives other outputs than a new batch's", i)
		}
		b.MSEGrad(x, ts, nil, target, 4)
		g := slices.Clone(u.Grads)
		u.NewBatch(4).MSEGrad(x, ts, nil, target, 4)
		if !slices.Equal(g, u.Grads) || slices.Equal(g, g0) {
			t.Fatalf("after parameter %d changed, MSEGrad gives other gradients than a new batch's", i)
		}
	}
}

// TestUNetFromStateDictHostile: a state dict whose first weight claims a huge UNet, with none
// of the values, is refused before anything of that size is allocated.
func TestUNetFromStateDictHostile(t *testing.T) {
	ts := []Tensor{{Name: "enc1.0.weight", Shape: []int{1500, 2, 3, 3}, Data: make([]float32, 4)}} // 1.03e9 parameters: valid
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := UNetFromStateDict(ts, 28, 28, ELU)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "enc1.0.weight: 4 values") {
		t.Fatalf("error %v", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
		t.Fatalf("refusing it allocated %d bytes", a)
	}
	for _, shape := range [][]int{{1 << 40, 2, 3, 3}, {-4, 2, 3, 3}, {4, 1 << 40, 3, 3}, {4, 2, 3}} {
		ts[0].Shape = shape
		if _, err := UNetFromStateDict(ts, 28, 28, ELU); err == nil {
			t.Errorf("shape %v accepted", shape)
		}
	}
}

// TestUNetZeroImages: a batch of no images gives no outputs, and its gradients are zero.
func TestUNetZeroImages(t *testing.T) {
	u := newTestUNet(t, SeedUNet(1, 8, 8, 8), 1)
	for _, b := range []*UNetBatch{u.NewBatch(4), u.NewForwardBatch(4)} {
		if y := b.Forward(nil, []float32{0.5}, nil, 0); len(y) != 0 {
			t.Fatalf("%d outputs", len(y))
		}
	}
	b := u.NewBatch(4)
	for i := range u.Grads {
		u.Grads[i] = 1
	}
	b.Forward(nil, []float32{0.5}, nil, 0)
	b.Backward(nil, nil)
	if slices.ContainsFunc(u.Grads, func(g float32) bool { return g != 0 }) {
		t.Fatal("the gradients over no images are not zero")
	}
}
