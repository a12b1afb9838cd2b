package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// adam64 is torch.optim.Adam / AdamW (single-tensor, torch 1.13) with
// torch.nn.utils.clip_grad_norm_ before it, reimplemented in float64 from torch's source.
type adam64 struct {
	lr, beta1, beta2, eps, wd, clip float64
	decoupled                       bool
	step                            int
	m, v                            []float64
}

// update takes one step and returns the gradient norm before clipping.
func (o *adam64) update(p, grad []float64) float64 {
	g := append([]float64(nil), grad...)
	var norm float64
	for _, x := range g {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	if o.clip > 0 {
		coef := math.Min(o.clip/(norm+1e-6), 1)
		for i := range g {
			g[i] *= coef
		}
	}
	o.step++
	bc1 := 1 - math.Pow(o.beta1, float64(o.step))
	bc2 := 1 - math.Pow(o.beta2, float64(o.step))
	for i := range p {
		if o.decoupled {
			p[i] *= 1 - o.lr*o.wd // AdamW: param.mul_(1 - lr*weight_decay)
		} else if o.wd != 0 {
			g[i] += o.wd * p[i] // Adam: grad = grad.add(param, alpha=weight_decay)
		}
		o.m[i] = o.m[i]*o.beta1 + (1-o.beta1)*g[i]
		o.v[i] = o.v[i]*o.beta2 + (1-o.beta2)*g[i]*g[i]
		denom := math.Sqrt(o.v[i])/math.Sqrt(bc2) + o.eps
		p[i] += -(o.lr / bc1) * o.m[i] / denom
	}
	return norm
}

// TestAdamTrajectory runs Adam and AdamW, with and without weight decay and clipping, on a
// quadratic 0.5*sum a_i (p_i - c_i)^2 and compares every step with the float64 reference in two
// ways: the trajectories side by side over the first 100 steps (later, near the minimum, Adam's
// normalised steps amplify rounding differences), and over 300 steps a single float64 step from
// the float32 state (parameters and moments) after every step, to float32 precision.
func TestAdamTrajectory(t *testing.T) {
	const n, steps, together = 37, 300, 100
	rng := rand.New(rand.NewPCG(11, 12))
	a, c := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = 0.1 + 10*rng.Float64()
		c[i] = 4*rng.Float64() - 2
	}
	start := randSlice(rng, n, 3)
	cases := []struct {
		name      string
		wd, clip  float32
		decoupled bool
	}{
		{"adam", 0, 0, false},
		{"adam-l2", 0.1, 0, false},
		{"adamw", 0.1, 0, true},
		{"adam-clip", 0, 0.5, false},
		{"adamw-clip", 0.05, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := NewAdam(n)
			opt.LR, opt.WeightDecay, opt.ClipNorm, opt.Decoupled = 1e-2, tc.wd, tc.clip, tc.decoupled
			ref := &adam64{lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: float64(tc.wd),
				clip: float64(tc.clip), decoupled: tc.decoupled, m: make([]float64, n), v: make([]float64, n)}
			p := append([]float32(nil), start...)
			p64 := make([]float64, n)
			for i, v := range start {
				p64[i] = float64(v)
			}
			g, g64 := make([]float32, n), make([]float64, n)
			mScale, vScale := make([]float64, n), make([]float64, n)
			clipped := false
			for s := 1; s <= steps; s++ {
				for i := range p {
					g[i] = float32(a[i] * (float64(p[i]) - c[i]))
					g64[i] = a[i] * (p64[i] - c[i])
				}
				if s > together { // from here on, step the reference from the float32 state
					for i := range p {
						p64[i], ref.m[i], ref.v[i] = float64(p[i]), float64(opt.M[i]), float64(opt.V[i])
						g64[i] = float64(g[i])
						// The moments' rounding errors are relative to the terms summed, which may cancel.
						mScale[i] = math.Abs(ref.m[i]) + math.Abs(g64[i]) + math.Abs(p64[i])*float64(tc.wd)
						vScale[i] = ref.v[i] + mScale[i]*mScale[i]
					}
				}
				norm := opt.Update(p, g)
				norm64 := ref.update(p64, g64)
				clipped = clipped || (tc.clip > 0 && norm64 > float64(tc.clip))
				if math.Abs(float64(norm)-norm64) > 1e-5*norm64+1e-6 {
					t.Fatalf("step %d: gradient norm %v, reference %v", s, norm, norm64)
				}
				tol := 2e-5
				if s > together {
					tol = 3e-7
				}
				for i := range p {
					if math.Abs(float64(p[i])-p64[i]) > tol*math.Max(1, math.Abs(p64[i])) {
						t.Fatalf("step %d: p[%d] = %.9g, reference %.9g", s, i, p[i], p64[i])
					}
					if s > together && (math.Abs(float64(opt.M[i])-ref.m[i]) > 3e-7*mScale[i] ||
						math.Abs(float64(opt.V[i])-ref.v[i]) > 3e-7*vScale[i]) {
						t.Fatalf("step %d: moments [%d] = %.9g, %.9g, reference %.9g, %.9g",
							s, i, opt.M[i], opt.V[i], ref.m[i], ref.v[i])
					}
				}
			}
			if opt.Steps != steps {
				t.Fatalf("Steps = %d, want %d", opt.Steps, steps)
			}
			if tc.clip > 0 && !clipped {
				t.Fatalf("the gradient norm never exceeded %v: clipping untested", tc.clip)
			}
		})
	}
}

// TestAdamFirstStep checks the closed form of the first step from zero moments: the bias
// corrections cancel the moments' decay, so p moves by lr*g/(|g| + eps), about lr*sign(g).
func TestAdamFirstStep(t *testing.T) {
	p := []float32{1, 1, 1, 1}
	g := []float32{3, -0.5, 1e-3, 0}
	opt := NewAdam(len(p))
	opt.Update(p, g)
	for i := range p {
		gi := float64(g[i])
		want := 1 - 1e-3*gi/(math.Abs(gi)+1e-8)
		if math.Abs(float64(p[i])-want) > 1e-7 {
			t.Errorf("p[%d] = %.9g, want %.9g", i, p[i], want)
		}
	}
	if g[0] != 3 {
		t.Error("Update modified the gradients")
	}
}

// TestClipScalesGradient checks that clipping divides the gradient by norm/ClipNorm: with L2
// weight decay added after clipping (as torch does), the first step's direction shows the
// scale, since it is sign-like only when the decay term is small.
func TestClipScalesGradient(t *testing.T) {
	// g = (30, 40) has norm 50; clipping to 5 makes it (3, 4); the decay 1*p = (-3, -4) then
	// cancels it exactly, so p does not move. Without clipping it would move.
	p := []float32{-3, -4}
	opt := NewAdam(2)
	opt.WeightDecay, opt.ClipNorm = 1, 5
	norm := opt.Update(p, []float32{30, 40})
	if norm != 50 {
		t.Fatalf("norm = %v, want 50", norm)
	}
	if math.Abs(float64(p[0]+3)) > 1e-6 || math.Abs(float64(p[1]+4)) > 1e-6 {
		t.Fatalf("p = %v, want (-3, -4) unmoved", p)
	}
}

// TestEMA checks the average against its closed form for constant parameters:
// e_k = p + decay^k (e_0 - p).
func TestEMA(t *testing.T) {
	p0 := []float32{1, -2, 0.5}
	e := NewEMA(p0, 0.9)
	p0[0] = 99 // NewEMA copied the parameters
	p := []float32{3, 0, -1}
	for k := 1; k <= 20; k++ {
		e.Update(p)
		for i, start := range []float64{1, -2, 0.5} {
			want := float64(p[i]) + math.Pow(0.9, float64(k))*(start-float64(p[i]))
			if math.Abs(float64(e.Params[i])-want) > 1e-6 {
				t.Fatalf("after %d updates, ema[%d] = %v, want %v", k, i, e.Params[i], want)
			}
		}
	}
}

// scalarAdamStep is nn's Adam step as it was before asm.Adam, one parameter at a time: the
// scalars as Update computes them and the loop of the old adamTask.run, with every product
// that feeds a sum converted to float32 so that Go does not fuse it into a multiply-add. The
// old loop had no conversions and was fused on arm64 and at GOAMD64=v3 (three fmadd a
// parameter), so its bits depended on the target; at the default GOAMD64=v1 the conversions
// change no instruction, and the kernels give the old loop's bits.
func scalarAdamStep(o *Adam, p, grads []float32) {
	clip := float32(1)
	if o.ClipNorm > 0 {
		clip = min(1, o.ClipNorm/(float32(l2Norm(grads))+1e-6))
	}
	o.Steps++
	step := float64(o.Steps)
	bc1 := 1 - math.Pow(float64(o.Beta1), step)
	bc2 := 1 - math.Pow(float64(o.Beta2), step)
	negStep := float32(-float64(o.LR) / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	beta1, beta2, eps := o.Beta1, o.Beta2, o.Eps
	oneMinusBeta1 := float32(1 - float64(beta1))
	oneMinusBeta2 := float32(1 - float64(beta2))
	var l2, decay float32 = 0, 1
	if o.Decoupled {
		decay = float32(1 - float64(o.LR)*float64(o.WeightDecay))
	} else {
		l2 = o.WeightDecay
	}
	m, v := o.M, o.V
	for i := range p {
		gi := grads[i]
		if clip != 1 {
			gi *= clip
		}
		pi := p[i]
		if l2 != 0 {
			gi = float32(gi) + float32(l2*pi)
		}
		if decay != 1 {
			pi *= decay
		}
		mi := float32(m[i]*beta1) + float32(oneMinusBeta1*gi)
		vi := float32(v[i]*beta2) + float32(float32(oneMinusBeta2*gi)*gi)
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))/bc2Sqrt + eps
		p[i] = float32(pi) + float32(negStep*mi)/denom
	}
}

// TestAdamMatchesScalarLoop checks Adam.Update, with every kernel set and split among two
// threads or not, bit for bit against the scalar loop it replaced, over steps of Adam and
// AdamW with L2 decay, decoupled decay and clipping, from random parameters and gradients
// that include zeros of both signs.
func TestAdamMatchesScalarLoop(t *testing.T) {
	defer func(g int) { minGrain = g }(minGrain)
	minGrain = 500
	defer mat.SetThreads(mat.Threads())
	cases := []struct {
		name      string
		wd, clip  float32
		decoupled bool
	}{
		{"adam", 0, 0, false},
		{"adam-l2-clip", 0.1, 0.5, false},
		{"adamw-clip", 0.05, 2, true},
	}
	for _, set := range asm.Sets() {
		for _, threads := range []int{1, 2} {
			for _, tc := range cases {
				t.Run(fmt.Sprintf("%s/threads=%d/%s", set.Name, threads, tc.name), func(t *testing.T) {
					restore, err := asm.Use(set.Name)
					if err != nil {
						t.Fatal(err)
					}
					defer restore()
					mat.SetThreads(threads)
					const n = 1237
					rng := rand.New(rand.NewPCG(13, 14))
					p := randSlice(rng, n, 2)
					p[3], p[4] = 0, float32(math.Copysign(0, -1))
					opt, ref := NewAdam(n), NewAdam(n)
					for _, o := range []*Adam{opt, ref} {
						o.LR, o.WeightDecay, o.ClipNorm, o.Decoupled = 1e-2, tc.wd, tc.clip, tc.decoupled
					}
					want := append([]float32(nil), p...)
					for s := 1; s <= 20; s++ {
						g := randSlice(rng, n, 3)
						g[5], g[6], g[7] = 0, float32(math.Copysign(0, -1)), 0
						opt.Update(p, g)
						scalarAdamStep(ref, want, g)
						for name, pair := range map[string][2][]float32{"p": {p, want}, "m": {opt.M, ref.M}, "v": {opt.V, ref.V}} {
							for i := range pair[1] {
								if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
									t.Fatalf("step %d: %s[%d] = %v, the scalar loop gives %v", s, name, i, pair[0][i], pair[1][i])
								}
							}
						}
					}
				})
			}
		}
	}
}

// TestEMAMatchesScalarLoop checks EMA.Update with every kernel set bit for bit against the
// loop it replaced (the products rounded before the sum).
func TestEMAMatchesScalarLoop(t *testing.T) {
	for _, set := range asm.Sets() {
		t.Run(set.Name, func(t *testing.T) {
			restore, err := asm.Use(set.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			rng := rand.New(rand.NewPCG(15, 16))
			const n, decay = 101, float32(0.999)
			e := NewEMA(randSlice(rng, n, 1), decay)
			want := append([]float32(nil), e.Params...)
			w := float32(1 - float64(decay))
			for range 10 {
				p := randSlice(rng, n, 1)
				e.Update(p)
				for i := range want {
					want[i] = float32(decay*want[i]) + float32(w*p[i])
					if math.Float32bits(e.Params[i]) != math.Float32bits(want[i]) {
						t.Fatalf("ema[%d] = %v, the scalar loop gives %v", i, e.Params[i], want[i])
					}
				}
			}
		})
	}
}

// BenchmarkAdamUpdate times one Adam.Update (the gradient norm and the step) and one
// EMA.Update over n parameters, in ns per parameter: 8192 is about the 64-wide, 3-layer
// network's 8.6K parameters, in cache; 1M streams from memory. The gradient is the same every
// step and AdamW's decay is decoupled, so the moments settle at g and g*g: an L2 term would let
// the parameters converge and the first moments decay into subnormals, which cost the scalar
// loop tens of nanoseconds each (microcode assists) and time nothing a training run does.
func BenchmarkAdamUpdate(b *testing.B) {
	for _, n := range []int{8192, 1 << 20} {
		rng := rand.New(rand.NewPCG(5, 6))
		p, g := randSlice(rng, n, 1), randSlice(rng, n, 1)
		b.Run(fmt.Sprintf("adam/n=%d", n), func(b *testing.B) {
			opt := NewAdam(n)
			opt.WeightDecay, opt.Decoupled, opt.ClipNorm = 0.01, true, 1
			for b.Loop() {
				opt.Update(p, g)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/param")
		})
		b.Run(fmt.Sprintf("ema/n=%d", n), func(b *testing.B) {
			e := NewEMA(p, 0.999)
			for b.Loop() {
				e.Update(p)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/param")
		})
	}
}
