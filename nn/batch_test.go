package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// TestBatch compares a Batch with one workspace over the whole batch, for row counts that make
// one to four blocks of even and uneven sizes, with 1, 2 and 3 threads: the outputs are the same
// bits (a row's products do not depend on how many rows share the call), the gradients, summed
// block by block, agree to float32 rounding and are the same bits whatever the threads, and
// nothing allocates.
func TestBatch(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	forEachSet(t, func(t *testing.T) {
		const maxBatch = 300
		for _, n := range []int{1, 5, 64, 127, 128, 130, 255, 256, 299, 300} {
			for _, shared := range []bool{false, true} {
				t.Run(fmt.Sprintf("n=%d/shared-t=%v", n, shared), func(t *testing.T) {
					testBatch(t, maxBatch, n, shared)
				})
			}
		}
	})
}

func testBatch(t *testing.T, maxBatch, n int, sharedT bool) {
	m := newTestMLP(t, 3, []int{40, 24}, 2, SiLU, false, 5)
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	x, ts, target := randSlice(rng, 2*n, 2), randSlice(rng, n, 1), randSlice(rng, 2*n, 1)
	if sharedT {
		ts = ts[:1]
	}
	dy := make([]float32, 2*n)

	mat.SetThreads(1)
	ws := m.NewWorkspace(maxBatch)
	want := slices.Clone(m.Forward(ws, x, ts, nil, n))
	MSE(dy, want, target)
	m.Backward(ws, dy, nil)
	wantGrads := slices.Clone(m.Grads)

	var firstGrads []float32
	for _, threads := range []int{1, 2, 3} {
		mat.SetThreads(threads)
		clear(m.Grads)
		b := m.NewBatch(maxBatch)
		step := func() {
			y := b.Forward(x, ts, nil, n)
			MSE(dy, y, target)
			b.Backward(dy)
		}
		step()
		y := b.Forward(x, ts, nil, n)
		for i := range want {
			if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
				t.Fatalf("threads=%d: output %d is %v, one workspace gives %v", threads, i, y[i], want[i])
			}
		}
		for i, g := range m.Grads {
			if d := math.Abs(float64(g - wantGrads[i])); d > 1e-6*(1+math.Abs(float64(wantGrads[i]))) {
				t.Fatalf("threads=%d: gradient %d is %v, one workspace gives %v", threads, i, g, wantGrads[i])
			}
		}
		if firstGrads == nil {
			firstGrads = slices.Clone(m.Grads)
		} else if !slices.Equal(m.Grads, firstGrads) {
			t.Fatalf("threads=%d: the gradients differ from one thread's", threads)
		}
		if a := allocsPerCall(5, step); a != 0 {
			t.Errorf("threads=%d: a Batch step allocates %v times", threads, a)
		}

		// MSEGrad: the same loss and the same gradient bits as the three calls.
		loss := MSE(dy, want, target)
		clear(m.Grads)
		if got := b.MSEGrad(x, ts, nil, target, n); math.Abs(float64(got-loss)) > 1e-6*float64(loss) {
			t.Fatalf("threads=%d: MSEGrad's loss is %v, MSE's %v", threads, got, loss)
		}
		if !slices.Equal(m.Grads, firstGrads) {
			t.Fatalf("threads=%d: MSEGrad's gradients differ from Forward, MSE and Backward's", threads)
		}
		if a := allocsPerCall(5, func() { b.MSEGrad(x, ts, nil, target, n) }); a != 0 {
			t.Errorf("threads=%d: MSEGrad allocates %v times", threads, a)
		}
	}
}

// TestBatchLargeGradients checks the summing of blocks' gradients split among threads (a
// network of more than minGrain parameters).
func TestBatchLargeGradients(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := newTestMLP(t, 3, []int{300, 300}, 2, SiLU, true, 6)
	if len(m.Params) < minGrain {
		t.Fatalf("%d parameters: not enough to split the sum", len(m.Params))
	}
	const n = 256
	rng := rand.New(rand.NewPCG(3, 3))
	x, ts, dy := randSlice(rng, 2*n, 2), randSlice(rng, n, 1), randSlice(rng, 2*n, 1)
	var first []float32
	for _, threads := range []int{1, 2} {
		mat.SetThreads(threads)
		b := m.NewBatch(n)
		b.Forward(x, ts, nil, n)
		b.Backward(dy)
		if first == nil {
			first = slices.Clone(m.Grads)
			ws := m.NewWorkspace(n)
			m.Forward(ws, x, ts, nil, n)
			m.Backward(ws, dy, nil)
			for i, g := range m.Grads {
				if d := math.Abs(float64(g - first[i])); d > 1e-5*(1+math.Abs(float64(g))) {
					t.Fatalf("gradient %d is %v, one workspace gives %v", i, first[i], g)
				}
			}
		} else if !slices.Equal(m.Grads, first) {
			t.Fatal("the summed gradients depend on the threads")
		}
	}
}

// TestForwardBatch: a forward-only Batch, whose activations overwrite the pre-activations in
// place, gives the same bits as a Batch that keeps both, for every kernel set and activation,
// and refuses to run backward.
func TestForwardBatch(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			m := newTestMLP(t, 3, []int{40, 24, 9}, 2, act, true, 7)
			full, fwd := m.NewBatch(300), m.NewForwardBatch(300)
			for _, n := range []int{1, 5, 130, 300} {
				rng := rand.New(rand.NewPCG(uint64(n), 8))
				x, ts := randSlice(rng, 2*n, 2), randSlice(rng, n, 1)
				want := slices.Clone(full.Forward(x, ts, nil, n))
				if got := fwd.Forward(x, ts, nil, n); !slices.Equal(got, want) {
					t.Fatalf("%s, n=%d: the forward-only outputs differ", act, n)
				}
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: Backward on a forward-only Batch did not panic", act)
					}
				}()
				fwd.Backward(make([]float32, 600))
			}()
		}
	})
}
