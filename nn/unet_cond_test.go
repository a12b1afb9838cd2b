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

// This file tests the class-conditional UNet: its label embeddings in the forward pass against
// the float64 reference, their gradients against finite differences, the batch's independence
// from the threads and its allocations with labels, and the embeddings' state dict.

// condLabels are the label arguments tested on n images of a UNet of 3 classes: one per image
// (every class and "no label"), one for all, and none.
func condLabels(n int) map[string][]int32 {
	per := make([]int32, n)
	for i := range per {
		per[i] = int32((i + 2) % 4) // 2, 3 ("no label"), 0, 1, 2, ...
	}
	return map[string][]int32{"each": per, "one": {2}, "none": nil}
}

// TestUNetConditionalForward compares the conditional UNet's forward pass with the reference,
// for labels per image, one for all and none, on every kernel set.
func TestUNetConditionalForward(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, cfg := range []UNetConfig{
			{Channels: 1, Height: 8, Width: 8, Base: 3, Act: ELU, Classes: 3},
			{Channels: 2, Height: 4, Width: 12, Base: 4, Act: SiLU, Classes: 3},
		} {
			for _, n := range []int{1, 9} {
				for name, labels := range condLabels(n) {
					t.Run(fmt.Sprintf("%v/%dx%dx%d/n%d/%s", cfg.Act, cfg.Channels, cfg.Height, cfg.Width, n, name), func(t *testing.T) {
						u := newTestUNet(t, cfg, uint64(n))
						rng := rand.New(rand.NewPCG(uint64(n), 7))
						size := cfg.Channels * cfg.Height * cfg.Width
						x, ts := randSlice(rng, n*size, 2), randSlice(rng, n, 1)
						want := refUNet(cfg, to64(u.Params), to64(x), to64(ts), labels, n)
						for _, b := range []*UNetBatch{u.NewBatch(n), u.NewForwardBatch(n + 3)} {
							y := b.Forward(x, ts, labels, n)
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
	// The labels change the outputs: an embedding that did nothing would pass the above.
	u := newTestUNet(t, UNetConfig{Channels: 1, Height: 8, Width: 8, Base: 3, Act: ELU, Classes: 3}, 1)
	x, ts := randSlice(rand.New(rand.NewPCG(1, 1)), 64, 1), []float32{0.5}
	f := u.NewForwardBatch(1)
	a := slices.Clone(f.Forward(x, ts, []int32{0}, 1))
	if b := f.Forward(x, ts, []int32{1}, 1); slices.Equal(a, b) {
		t.Fatal("labels 0 and 1 give the same outputs")
	}
}

// TestUNetConditionalGradients checks the gradients of the conditional UNet's parameters, its
// embeddings' rows among them, and of its images against finite differences of the reference,
// with labels per image, one for all and none.
func TestUNetConditionalGradients(t *testing.T) {
	for _, act := range []Activation{ELU, SiLU} {
		for name, labels := range map[string][]int32{"each": {2, 0, 3}, "one": {1}, "none": nil} {
			t.Run(fmt.Sprintf("%v/%s", act, name), func(t *testing.T) {
				checkUNetGradients(t, UNetConfig{Channels: 1, Height: 8, Width: 8, Base: 2, Act: act, Classes: 3}, labels)
			})
		}
	}
}

// TestUNetConditionalThreads: with labels, MSEGrad and Forward + Backward give the same bits on
// 1, 2 and 3 threads and serially, and allocate nothing after the first call; the embeddings'
// gradients of rows no image has are zero.
func TestUNetConditionalThreads(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	cfg := UNetConfig{Channels: 1, Height: 8, Width: 8, Base: 3, Act: ELU, Classes: 4}
	for _, n := range []int{5, 33} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			u := newTestUNet(t, cfg, 21)
			rng := rand.New(rand.NewPCG(uint64(n), 22))
			size := cfg.Channels * cfg.Height * cfg.Width
			x, ts, target := randSlice(rng, n*size, 1), randSlice(rng, n, 1), randSlice(rng, n*size, 1)
			labels := make([]int32, n)
			for i := range labels {
				labels[i] = int32(rng.IntN(3)) // class 3 and "no label" (4) left out
			}
			var first []float32
			for _, threads := range []int{1, 2, 3, 0} {
				serial := threads == 0 // the blocks one after another, with two threads available
				mat.SetThreads(threads)
				if serial {
					mat.SetThreads(2)
				}
				b := u.NewBatch(40)
				b.Serial = serial
				loss := b.MSEGrad(x, ts, labels, target, n)
				grads := slices.Clone(u.Grads)
				for _, e := range u.embs {
					if slices.ContainsFunc(e.dw[3*e.width:], func(g float32) bool { return g != 0 }) {
						t.Fatal("rows no image has have gradients")
					}
					if !slices.ContainsFunc(e.dw[:3*e.width], func(g float32) bool { return g != 0 }) {
						t.Fatal("the labels' rows have no gradients")
					}
				}
				y := slices.Clone(b.Forward(x, ts, labels, n))
				dy := make([]float32, n*size)
				if l := MSE(dy, y, target); math.Abs(float64(l-loss)) > 1e-6*float64(loss) {
					t.Fatalf("threads=%d: MSE of Forward is %v, MSEGrad's loss %v", threads, l, loss)
				}
				b.Backward(dy, nil)
				if !slices.Equal(u.Grads, grads) {
					t.Fatalf("threads=%d: Forward, MSE and Backward give other gradients than MSEGrad", threads)
				}
				got := slices.Concat(grads, y)
				if first == nil {
					first = got
				} else if !slices.Equal(got, first) {
					t.Fatalf("threads=%d serial=%v: the results differ from one thread's", threads, serial)
				}
				checkAllocs := threads <= runtime.GOMAXPROCS(0)
				if a := allocsPerCall(allocRuns, func() { b.MSEGrad(x, ts, labels, target, n) }); a != 0 && checkAllocs {
					t.Errorf("threads=%d: MSEGrad allocates %v times", threads, a)
				}
				f := u.NewForwardBatch(40)
				f.Serial = serial
				if !slices.Equal(f.Forward(x, ts, labels, n), y) {
					t.Fatalf("threads=%d: the forward-only batch gives other outputs", threads)
				}
				if a := allocsPerCall(allocRuns, func() { f.Forward(x, ts[:1], labels[:1], n) }); a != 0 && checkAllocs {
					t.Errorf("threads=%d: a forward-only Forward allocates %v times", threads, a)
				}
			}
		})
	}
}

// TestUNetConditionalMisuse: labels for an unconditional UNet, out of range or of the wrong
// count panic.
func TestUNetConditionalMisuse(t *testing.T) {
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
	plain := newTestUNet(t, SeedUNet(1, 4, 4, 2), 1)
	mustPanic("labels for an unconditional UNet", func() { plain.NewForwardBatch(3).Forward(x, ts, []int32{0}, 3) })
	cfg := SeedUNet(1, 4, 4, 2)
	cfg.Classes = 2
	u := newTestUNet(t, cfg, 1)
	b := u.NewBatch(3)
	mustPanic("label 3 of 2 classes", func() { b.Forward(x, ts, []int32{0, 3, 1}, 3) })
	mustPanic("label -1", func() { b.MSEGrad(x, ts, []int32{-1}, x, 3) })
	mustPanic("2 labels for 3 images", func() { b.Forward(x, ts, []int32{0, 1}, 3) })
	b.Forward(x, ts, []int32{2}, 3) // "no label" for all: fine
}

// TestUNetConditionalStateDict checks the embeddings' names, shapes and initialisation, and
// that UNetFromStateDict reads their classes back and refuses broken ones.
func TestUNetConditionalStateDict(t *testing.T) {
	cfg := SeedUNet(1, 8, 8, 4)
	cfg.Classes = 10
	u := newTestUNet(t, cfg, 5)
	plain := newTestUNet(t, SeedUNet(1, 8, 8, 4), 5)
	if u.NumParams() != plain.NumParams()+11*4+11*16 {
		t.Fatalf("%d parameters, the unconditional UNet has %d", u.NumParams(), plain.NumParams())
	}
	if !slices.Equal(u.Params[:plain.NumParams()], plain.Params) {
		t.Fatal("the convolutions' initial weights differ from the unconditional UNet's")
	}
	sd := u.StateDict()
	if len(sd) != 24 {
		t.Fatalf("%d tensors", len(sd))
	}
	for i, want := range []string{"label_emb.weight [11 4]", "mid_label_emb.weight [11 16]"} {
		tn := sd[22+i]
		if got := fmt.Sprintf("%s %v", tn.Name, tn.Shape); got != want {
			t.Fatalf("tensor %d is %s, want %s", 22+i, got, want)
		}
		if &tn.Data[0] != &u.embs[i].w[0] {
			t.Fatalf("%s is not a view of the embedding", tn.Name)
		}
	}
	// N(0, 1): 220 values.
	var s, s2 float64
	emb := u.Params[plain.NumParams():]
	for _, v := range emb {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	if m, v := s/float64(len(emb)), s2/float64(len(emb)); math.Abs(m) > 0.3 || math.Abs(v-1) > 0.3 {
		t.Errorf("embeddings' mean %v, variance %v: not N(0, 1)", m, v)
	}

	clone := func() []Tensor {
		out := make([]Tensor, len(sd))
		for i, tn := range sd {
			out[i] = Tensor{Name: tn.Name, Shape: slices.Clone(tn.Shape), Data: slices.Clone(tn.Data)}
		}
		return out
	}
	v, err := UNetFromStateDict(clone(), 8, 8, ELU)
	if err != nil {
		t.Fatal(err)
	}
	if v.Classes != 10 || !slices.Equal(v.Params, u.Params) {
		t.Fatalf("read back %+v", v.UNetConfig)
	}
	breaks := []struct {
		name   string
		change func([]Tensor) []Tensor
		want   string
	}{
		{"no mid", func(ts []Tensor) []Tensor { return ts[:23] }, "no mid_label_emb.weight"},
		{"no first", func(ts []Tensor) []Tensor { return slices.Delete(ts, 22, 23) }, "mid_label_emb.weight, which"},
		{"one row", func(ts []Tensor) []Tensor {
			ts[22].Shape, ts[22].Data = []int{1, 4}, ts[22].Data[:4]
			return ts
		}, "label_emb.weight has shape [1 4]"},
		{"width", func(ts []Tensor) []Tensor { ts[22].Shape = []int{22, 2}; return ts }, "label_emb.weight has shape [22 2]"},
		{"mid rows", func(ts []Tensor) []Tensor { ts[23].Shape = []int{8, 22}; return ts }, "mid_label_emb.weight has shape [8 22]"},
		{"NaN", func(ts []Tensor) []Tensor { ts[23].Data[5] = float32(math.NaN()); return ts }, "mid_label_emb.weight holds NaN"},
		{"extra", func(ts []Tensor) []Tensor {
			return append(ts, Tensor{Name: "label_emb.bias", Shape: []int{1}, Data: []float32{0}})
		}, "label_emb.bias"},
	}
	for _, c := range breaks {
		if _, err := UNetFromStateDict(c.change(clone()), 8, 8, ELU); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	bad := cfg
	bad.Classes = -1
	if bad.Validate() == nil {
		t.Error("-1 classes validated")
	}
}
