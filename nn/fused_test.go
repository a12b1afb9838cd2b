package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// unfusedForward is Forward as it was before the fused epilogue: every layer's product by
// mat.Gemm, then the bias and activation pass over each row.
func unfusedForward(m *MLP, x, t []float32, n int) []float32 {
	in := make([]float32, n*m.In)
	d := m.In - 1
	for i := range n {
		copy(in[i*m.In:], x[i*d:(i+1)*d])
		in[i*m.In+d] = t[min(i, len(t)-1)]
	}
	for l := range m.layers {
		L := &m.layers[l]
		z := make([]float32, n*L.out)
		mat.Gemm(false, true, n, L.out, L.in, 1, in, L.in, L.w, L.in, 0, z, L.out)
		h := make([]float32, n*L.out)
		for i := range n {
			zr, hr := z[i*L.out:(i+1)*L.out], h[i*L.out:(i+1)*L.out]
			if l == len(m.layers)-1 {
				for j := range zr {
					zr[j] += L.b[j]
				}
				continue
			}
			biasActivate(m.Act, zr, hr, L.b)
		}
		if l == len(m.layers)-1 {
			return z
		}
		in = h
	}
	panic("unreachable")
}

// TestForwardFusedSameBits: with the bias and activation fused into the products, Forward gives
// the bits of the products followed by the passes, on every set, for the fused activations and
// one that is not, through one workspace, a Batch and a forward-only Batch, on 1 and 2
// threads.
func TestForwardFusedSameBits(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	forEachSet(t, func(t *testing.T) {
		for _, act := range []Activation{SiLU, ReLU, GELU} {
			m := newTestMLP(t, 3, []int{64, 130, 40}, 2, act, false, 3)
			for _, n := range []int{1, 2, 5, 64, 200, 300} {
				r := rand.New(rand.NewPCG(uint64(n), 3))
				x, ts := randSlice(r, 2*n, 2), randSlice(r, n, 1)
				want := unfusedForward(m, x, ts, n)
				for _, threads := range []int{1, 2} {
					mat.SetThreads(threads)
					ws := m.NewWorkspace(n)
					got := map[string][]float32{
						"workspace":       m.Forward(ws, x, ts, nil, n),
						"Batch":           m.NewBatch(n).Forward(x, ts, nil, n),
						"forward-only":    m.NewForwardBatch(n).Forward(x, ts, nil, n),
						"workspace again": m.Forward(ws, x, ts, nil, n),
					}
					for name, y := range got {
						for i := range want {
							if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%v, n=%d, %d threads, %s: output %d is %v, unfused %v", act, n, threads, name, i, y[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// TestPackWeights: a forward-only Batch with its weights packed once gives the bits it gives
// without for every batch of more than pointRows rows, and a lone row the bits of a row of a
// larger batch where the set has the row kernel (DotRows' bits otherwise); packing again after
// the weights change follows them (an activation that is not fused reads the weights
// themselves), unpacking reads them again; Forward allocates nothing.
func TestPackWeights(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	forEachSet(t, func(t *testing.T) {
		hiddens := [][]int{{64, 64, 64}, {130, 17}, {512}}
		if testing.Short() {
			hiddens = hiddens[:2] // 15 s under emulation with the widest
		}
		for _, act := range []Activation{SiLU, ReLU, Tanh} {
			for _, hidden := range hiddens {
				m := newTestMLP(t, 3, hidden, 2, act, false, 4)
				r := rand.New(rand.NewPCG(5, 6))
				const rows = 300
				x, ts := randSlice(r, 2*rows, 2), randSlice(r, 1, 1)
				for _, threads := range []int{1, 2} {
					mat.SetThreads(threads)
					name := fmt.Sprintf("%v %v %d threads", act, hidden, threads)
					plain, packed := m.NewForwardBatch(rows), m.NewForwardBatch(rows)
					packed.PackWeights()
					for _, n := range []int{3, 8, 200, rows} {
						want := slices.Clone(plain.Forward(x, ts, nil, n))
						if y := packed.Forward(x, ts, nil, n); !sameBits(y, want) {
							t.Fatalf("%s, n=%d: packed weights change the outputs", name, n)
						}
					}
					batchRow := slices.Clone(plain.Forward(x, ts, nil, 8)[:2])
					lone := slices.Clone(plain.Forward(x, ts, nil, 1))
					got := packed.Forward(x, ts, nil, 1)
					rowKernel := asm.Current().RowBiasAct != nil && act != Tanh
					switch {
					case rowKernel && !sameBits(got, batchRow):
						t.Fatalf("%s: a lone row gives %v with packed weights, a row of a batch %v", name, got, batchRow)
					case !rowKernel && !sameBits(got, lone):
						t.Fatalf("%s: a lone row gives %v with packed weights, %v without", name, got, lone)
					}
					if a := allocsPerCall(5, func() { packed.Forward(x, ts, nil, 1) }); a != 0 {
						t.Fatalf("%s: one row allocates %v times", name, a)
					}
					if a := allocsPerCall(5, func() { packed.Forward(x, ts, nil, rows) }); a != 0 {
						t.Fatalf("%s: %d rows allocate %v times", name, rows, a)
					}

					// New weights: the packed copy is stale until packed again.
					saved := slices.Clone(m.Params)
					for i := range m.Params {
						m.Params[i] *= 0.5
					}
					want := slices.Clone(plain.Forward(x, ts, nil, 200))
					if _, fused := fusedAct(act); fused && sameBits(packed.Forward(x, ts, nil, 200), want) {
						t.Fatalf("%s: the packed weights followed a change before PackWeights", name)
					}
					packed.PackWeights()
					if y := packed.Forward(x, ts, nil, 200); !sameBits(y, want) {
						t.Fatalf("%s: PackWeights again does not follow the new weights", name)
					}
					copy(m.Params, saved)
					packed.UnpackWeights()
					want = slices.Clone(plain.Forward(x, ts, nil, 200))
					if y := packed.Forward(x, ts, nil, 200); !sameBits(y, want) {
						t.Fatalf("%s: UnpackWeights does not read the weights again", name)
					}
				}
			}
		}
	})
}
