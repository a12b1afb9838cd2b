package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// newTestCondMLP returns an initialised MLP with a label embedding of the given classes.
func newTestCondMLP(t testing.TB, in int, hidden []int, out, classes int, act Activation, timeFirst bool, seed uint64) *MLP {
	t.Helper()
	m, err := New(Config{In: in, Hidden: hidden, Out: out, Act: act, TimeFirst: timeFirst, Classes: classes})
	if err != nil {
		t.Fatal(err)
	}
	m.Init(rand.New(rand.NewPCG(seed, 1)))
	return m
}

// testLabels returns n labels in 0..classes, "no label" (classes) among them.
func testLabels(rng *rand.Rand, n, classes int) []int32 {
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(classes + 1))
	}
	if n > 1 {
		y[n-1] = int32(classes)
	}
	return y
}

// TestEmbeddingGradients compares Backward's gradients of every parameter, the embedding's
// table included, with central finite differences of the float64 reference network, for labels
// given per row, one for all, and none (nil, "no label" everywhere), at depths 0, 1 and 2, with
// every kernel set.
func TestEmbeddingGradients(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, hidden := range [][]int{nil, {7}, {9, 5}} {
			for _, kind := range []string{"per-row", "shared", "nil"} {
				for _, n := range []int{1, 7, 64} {
					t.Run(fmt.Sprintf("hidden=%v/%s/n=%d", hidden, kind, n), func(t *testing.T) {
						checkEmbeddingGradients(t, hidden, kind, n)
					})
				}
			}
		}
	})
}

func checkEmbeddingGradients(t *testing.T, hidden []int, kind string, n int) {
	const in, out, classes = 3, 2, 4
	seed := uint64(n*100 + len(hidden))
	rng := rand.New(rand.NewPCG(seed, 9))
	m := newTestCondMLP(t, in, hidden, out, classes, SiLU, false, seed)
	x := randSlice(rng, n*(in-1), 2)
	ts := make([]float32, n)
	for i := range ts {
		ts[i] = rng.Float32()
	}
	var labels []int32
	switch kind {
	case "per-row":
		labels = testLabels(rng, n, classes)
	case "shared":
		labels = []int32{2}
	}
	r := randSlice(rng, n*out, 1) // L = sum(r * y)

	ws := m.NewWorkspace(n)
	m.Forward(ws, x, ts, labels, n)
	m.Backward(ws, r, nil)

	ref := newRef(m)
	loss := func() float64 {
		var s float64
		for i := 0; i < n; i++ {
			y := ref.forwardLabelled(ref.input(x, ts, i), labelRow(labels, i, classes))
			for o, v := range y {
				s += float64(r[i*out+o]) * v
			}
		}
		return s
	}
	const h = 1e-5
	// Every parameter of the table and a sample of the layers'.
	tableStart := len(ref.p) - (classes+1)*m.emb.width
	idx := rng.Perm(tableStart)[:min(tableStart, 48)]
	for j := tableStart; j < len(ref.p); j++ {
		idx = append(idx, j)
	}
	want := make([]float64, len(idx))
	got := make([]float32, len(idx))
	for k, j := range idx {
		keep := ref.p[j]
		ref.p[j] = keep + h
		lp := loss()
		ref.p[j] = keep - h
		lm := loss()
		ref.p[j] = keep
		want[k], got[k] = (lp-lm)/(2*h), m.Grads[j]
	}
	compareGrads(t, "parameter", idx, got, want)
	// The rows of labels no row carries get no gradient at all.
	used := map[int]bool{}
	for i := 0; i < n; i++ {
		used[labelRow(labels, i, classes)] = true
	}
	for c := 0; c <= classes; c++ {
		if used[c] {
			continue
		}
		for _, g := range m.emb.dw[c*m.emb.width : (c+1)*m.emb.width] {
			if g != 0 {
				t.Fatalf("the table's row %d, which no row is labelled with, has gradient %v", c, g)
			}
		}
	}
}

// TestEmbeddingIsOneHotLinear: the conditional network is the same function as an
// unconditional one whose first Linear layer takes cat(x, t, one_hot(label)) with the table's
// rows as the one-hot columns of its weight (PyTorch's equivalence), to float32 rounding.
func TestEmbeddingIsOneHotLinear(t *testing.T) {
	const d, classes, n = 2, 3, 9
	cond := newTestCondMLP(t, d+1, []int{16, 8}, d, classes, GELU, false, 3)
	wide, err := New(Config{In: d + 1 + classes + 1, Hidden: []int{16, 8}, Out: d, Act: GELU})
	if err != nil {
		t.Fatal(err)
	}
	// Copy the layers; the first one's weight gains the table's transposed columns.
	L0, W0 := cond.layers[0], wide.layers[0]
	for o := 0; o < L0.out; o++ {
		copy(W0.w[o*W0.in:], L0.w[o*L0.in:(o+1)*L0.in])
		for c := 0; c <= classes; c++ {
			W0.w[o*W0.in+L0.in+c] = cond.emb.w[c*L0.out+o]
		}
	}
	copy(W0.b, L0.b)
	for l := 1; l < len(cond.layers); l++ {
		copy(wide.layers[l].w, cond.layers[l].w)
		copy(wide.layers[l].b, cond.layers[l].b)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	x, ts := randSlice(rng, n*d, 2), randSlice(rng, n, 1)
	labels := testLabels(rng, n, classes)
	y := cond.Forward(cond.NewWorkspace(n), x, ts, labels, n)
	// The wide network's input is cat(x', t') with t' last: x' is x, t and the one-hot code
	// but for its last column, which Forward puts last as t'.
	for i := 0; i < n; i++ {
		row := make([]float32, 0, d+1+classes)
		row = append(row, x[i*d:(i+1)*d]...)
		row = append(row, ts[i])
		for c := 0; c < classes; c++ {
			row = append(row, float32(boolTo01(int(labels[i]) == c)))
		}
		last := []float32{float32(boolTo01(int(labels[i]) == classes))}
		want := wide.Forward(wide.NewWorkspace(1), row, last, nil, 1)
		for o := 0; o < d; o++ {
			if diff := math.Abs(float64(y[i*d+o] - want[o])); diff > 1e-5*(1+math.Abs(float64(want[o]))) {
				t.Fatalf("row %d (label %d) output %d: embedding %v, one-hot Linear %v", i, labels[i], o, y[i*d+o], want[o])
			}
		}
	}
}

func boolTo01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestEmbeddingBatch: a Batch of a conditional network, labels per row and shared, gives the
// same outputs as one workspace, the same gradient bits whatever the threads, and allocates
// nothing.
func TestEmbeddingBatch(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	const classes, maxBatch = 5, 300
	m := newTestCondMLP(t, 3, []int{40, 24}, 2, classes, SiLU, false, 8)
	for _, n := range []int{1, 130, 300} {
		for _, shared := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(uint64(n), 4))
			x, ts, target := randSlice(rng, 2*n, 2), randSlice(rng, n, 1), randSlice(rng, 2*n, 1)
			labels := testLabels(rng, n, classes)
			if shared {
				labels = labels[:1]
			}
			mat.SetThreads(1)
			ws := m.NewWorkspace(maxBatch)
			want := slices.Clone(m.Forward(ws, x, ts, labels, n))
			dy := make([]float32, 2*n)
			MSE(dy, want, target)
			m.Backward(ws, dy, nil)
			wantGrads := slices.Clone(m.Grads)
			var first []float32
			for _, threads := range []int{1, 2, 3} {
				mat.SetThreads(threads)
				b := m.NewBatch(maxBatch)
				if y := b.Forward(x, ts, labels, n); !slices.Equal(y, want) {
					t.Fatalf("n=%d shared=%v threads=%d: the Batch's outputs differ from one workspace's", n, shared, threads)
				}
				b.MSEGrad(x, ts, labels, target, n)
				for i, g := range m.Grads {
					if d := math.Abs(float64(g - wantGrads[i])); d > 1e-6*(1+math.Abs(float64(wantGrads[i]))) {
						t.Fatalf("n=%d threads=%d: gradient %d is %v, one workspace gives %v", n, threads, i, g, wantGrads[i])
					}
				}
				if first == nil {
					first = slices.Clone(m.Grads)
				} else if !slices.Equal(m.Grads, first) {
					t.Fatalf("n=%d threads=%d: the gradients differ from one thread's", n, threads)
				}
				if a := allocsPerCall(5, func() { b.MSEGrad(x, ts, labels, target, n) }); a != 0 {
					t.Errorf("n=%d threads=%d: MSEGrad with labels allocates %v times", n, threads, a)
				}
				fwd := m.NewForwardBatch(maxBatch)
				if y := fwd.Forward(x, ts, labels, n); !slices.Equal(y, want) {
					t.Fatalf("n=%d threads=%d: the forward-only Batch's outputs differ", n, threads)
				}
				if a := allocsPerCall(5, func() { fwd.Forward(x, ts, labels, n) }); a != 0 {
					t.Errorf("n=%d threads=%d: a forward-only Batch with labels allocates %v times", n, threads, a)
				}
			}
		}
	}
}

// TestEmbeddingNilIsNoLabel: nil labels are "no label" on every row.
func TestEmbeddingNilIsNoLabel(t *testing.T) {
	const classes, n = 3, 5
	m := newTestCondMLP(t, 3, []int{8}, 2, classes, ReLU, true, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	x, ts := randSlice(rng, 2*n, 1), randSlice(rng, n, 1)
	ws := m.NewWorkspace(n)
	a := slices.Clone(m.Forward(ws, x, ts, nil, n))
	b := m.Forward(ws, x, ts, []int32{classes}, n)
	if !slices.Equal(a, b) {
		t.Fatal("nil labels differ from the label \"no label\"")
	}
	c := m.Forward(ws, x, ts, []int32{0}, n)
	if slices.Equal(a, c) {
		t.Fatal("label 0 gives the same outputs as no label")
	}
}

// TestEmbeddingMisuse: labels for a network without classes, a label past "no label", a
// negative one, and a count that is neither n nor 1 panic with a message.
func TestEmbeddingMisuse(t *testing.T) {
	plain := newTestMLP(t, 3, []int{4}, 2, SiLU, false, 1)
	cond := newTestCondMLP(t, 3, []int{4}, 2, 3, SiLU, false, 1)
	x, ts := make([]float32, 4), []float32{0.5}
	for name, f := range map[string]func(){
		"labels without classes": func() { plain.Forward(plain.NewWorkspace(2), x, ts, []int32{0}, 2) },
		"label past no label":    func() { cond.Forward(cond.NewWorkspace(2), x, ts, []int32{4}, 2) },
		"negative label":         func() { cond.Forward(cond.NewWorkspace(2), x, ts, []int32{0, -1}, 2) },
		"three labels":           func() { cond.Forward(cond.NewWorkspace(2), x, ts, []int32{0, 1, 2}, 2) },
		"batch label":            func() { cond.NewBatch(2).MSEGrad(x, ts, []int32{9}, x, 2) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "nn: ") {
					t.Errorf("%s: recovered %v, want a panic of nn's", name, r)
				}
			}()
			f()
		}()
	}
}

// TestEmbeddingStateDict: the table is label_emb.weight beside the Sequential (a sibling
// module for a nested prefix), round-trips through FromStateDict, and a table of the wrong
// width, of one row, or holding NaN is refused.
func TestEmbeddingStateDict(t *testing.T) {
	m := newTestCondMLP(t, 3, []int{6, 6}, 2, 4, SiLU, false, 3)
	for prefix, name := range map[string]string{"main": "label_emb.weight", "model.main": "model.label_emb.weight", "": "label_emb.weight"} {
		sd := m.StateDict(prefix)
		last := sd[len(sd)-1]
		if last.Name != name || !slices.Equal(last.Shape, []int{5, 6}) {
			t.Fatalf("prefix %q: the table is %s %v, want %s [5 6]", prefix, last.Name, last.Shape, name)
		}
		got, err := FromStateDict(sd, SiLU, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Classes != 4 || !slices.Equal(got.Params, m.Params) {
			t.Fatalf("prefix %q: read back %d classes, parameters equal %v", prefix, got.Classes, slices.Equal(got.Params, m.Params))
		}
	}
	bad := func(edit func(t *Tensor)) error {
		sd := m.StateDict("main")
		emb := sd[len(sd)-1]
		emb.Data = slices.Clone(emb.Data)
		edit(&emb)
		sd[len(sd)-1] = emb
		_, err := FromStateDict(sd, SiLU, false)
		return err
	}
	for name, edit := range map[string]func(t *Tensor){
		"width":    func(t *Tensor) { t.Shape = []int{6, 5} },
		"one row":  func(t *Tensor) { t.Shape, t.Data = []int{1, 6}, t.Data[:6] },
		"rank":     func(t *Tensor) { t.Shape = []int{30} },
		"NaN":      func(t *Tensor) { t.Data[7] = float32(math.NaN()) },
		"infinity": func(t *Tensor) { t.Data[0] = float32(math.Inf(-1)) },
	} {
		if err := bad(edit); err == nil || !strings.Contains(err.Error(), "label_emb.weight") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without the table the same layers make an unconditional network.
	sd := m.StateDict("main")
	plain, err := FromStateDict(sd[:len(sd)-1], SiLU, false)
	if err != nil || plain.Classes != 0 {
		t.Fatalf("without the table: %d classes, %v", plain.Classes, err)
	}
}

// TestEmbeddingConfig: the table counts among the parameters, follows the layers in the flat
// buffer, is drawn from N(0, 1) and leaves the layers' initial values as they are without it.
func TestEmbeddingConfig(t *testing.T) {
	c := Config{In: 3, Hidden: []int{64, 32}, Out: 2, Classes: 9}
	plain := c
	plain.Classes = 0
	if c.NumParams() != plain.NumParams()+10*64 {
		t.Fatalf("%d parameters, want %d", c.NumParams(), plain.NumParams()+10*64)
	}
	if (Config{In: 3, Out: 2, Classes: -1}).Validate() == nil || (Config{In: 3, Out: 2, Classes: MaxClasses + 1}).Validate() == nil {
		t.Fatal("a class count out of range validated")
	}
	a := newTestCondMLP(t, 3, []int{64, 32}, 2, 9, SiLU, false, 4)
	b := newTestMLP(t, 3, []int{64, 32}, 2, SiLU, false, 4)
	if !slices.Equal(a.Params[:len(b.Params)], b.Params) {
		t.Fatal("the layers' initial values depend on the classes")
	}
	var s, s2 float64
	for _, v := range a.emb.w {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	nv := float64(len(a.emb.w))
	if mean, variance := s/nv, s2/nv; math.Abs(mean) > 0.2 || math.Abs(variance-1) > 0.2 {
		t.Fatalf("the table's %v values have mean %v and variance %v, want N(0, 1)", nv, mean, variance)
	}
	view := a.WithParams(slices.Clone(a.Params))
	if view.Classes != 9 || len(view.emb.w) != 640 || view.emb.dw != nil {
		t.Fatal("a WithParams view lost its table")
	}
}
