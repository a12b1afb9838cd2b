package nn

import (
	"fmt"

	"github.com/fmtiny/fmtiny/mat"
)

// Workspace holds the activations of one forward pass of up to maxBatch rows, kept for the
// backward pass. It is made once; Forward and Backward allocate nothing.
type Workspace struct {
	widths   []int // the network it was made for: In, Hidden..., Out
	maxBatch int
	n        int // rows of the last Forward, -1 before the first

	x    []float32    // the assembled input cat(x, t) or cat(t, x) [n x In]
	z    [][]float32  // per layer: its Linear output plus bias [n x out]; the last one is the output
	h    [][]float32  // per hidden layer: the activation of z [n x out]
	grad [2][]float32 // dL/dh of two consecutive hidden layers, used in turn by Backward
	// labels are the last Forward's labels (the caller's slice, not a copy), for Backward.
	labels []int32

	// local, when set, runs the products on this workspace's goroutine alone and the
	// element-wise passes unsplit: the workspace of a Batch block, which runs beside others.
	local *mat.Local
	// forwardOnly: each hidden layer's activation overwrites its pre-activation in z (h is
	// not kept), one stream of memory less per layer; there is no Backward.
	forwardOnly bool

	// packed, when not nil, holds every hidden layer's weights laid out once by
	// Batch.PackWeights (shared by the Batch's blocks); epi is the running product's epilogue.
	packed []mat.PackedB
	epi    mat.Epilogue

	// The element-wise passes' work, handed to parallelFor by pointer so that nothing allocates.
	split    split
	activate activateTask
	actGrad  actGradTask
	colSums  colSumTask
}

// NewWorkspace returns a workspace for batches of up to maxBatch rows through m (or through any
// MLP of the same configuration, such as m.WithParams(ema)).
func (m *MLP) NewWorkspace(maxBatch int) *Workspace { return m.newWorkspace(maxBatch, false) }

func (m *MLP) newWorkspace(maxBatch int, forwardOnly bool) *Workspace {
	if maxBatch < 1 {
		panic(fmt.Sprintf("nn: workspace for %d rows", maxBatch))
	}
	ws := &Workspace{widths: m.widths(), maxBatch: maxBatch, n: -1, forwardOnly: forwardOnly}
	ws.x = make([]float32, maxBatch*m.In)
	maxHidden := 0
	for l, L := range m.layers {
		ws.z = append(ws.z, make([]float32, maxBatch*L.out))
		if l < len(m.layers)-1 && !forwardOnly {
			ws.h = append(ws.h, make([]float32, maxBatch*L.out))
			maxHidden = max(maxHidden, L.out)
		}
	}
	if maxHidden > 0 {
		ws.grad[0] = make([]float32, maxBatch*maxHidden)
		ws.grad[1] = make([]float32, maxBatch*maxHidden)
	}
	return ws
}

// newLocalWorkspace returns a workspace whose Forward and Backward run on the calling goroutine
// alone, so that several can run at once.
func (m *MLP) newLocalWorkspace(maxBatch int, forwardOnly bool) *Workspace {
	ws := m.newWorkspace(maxBatch, forwardOnly)
	ws.local = new(mat.Local)
	return ws
}

// gemm is mat.Gemm, on the workspace's own Local when it has one.
func (ws *Workspace) gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if ws.local != nil {
		ws.local.Gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
		return
	}
	mat.Gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}

// gemmBiasAct is mat.GemmBiasAct with ws.epi, on the workspace's own Local when it has one.
func (ws *Workspace) gemmBiasAct(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if ws.local != nil {
		ws.local.GemmBiasAct(false, true, m, n, k, a, lda, b, ldb, c, ldc, &ws.epi)
		return
	}
	mat.GemmBiasAct(false, true, m, n, k, a, lda, b, ldb, c, ldc, &ws.epi)
}

// parallelFor is parallelFor, run unsplit on a workspace with its own Local.
func (ws *Workspace) parallelFor(task rangeTask, n, cost int) {
	if ws.local != nil {
		task.run(0, n)
		return
	}
	parallelFor(task, n, cost, &ws.split)
}

// MaxBatch returns the largest number of rows the workspace holds.
func (ws *Workspace) MaxBatch() int { return ws.maxBatch }

// checkWorkspace panics unless ws was made for a network of m's widths.
func (m *MLP) checkWorkspace(ws *Workspace) {
	if !m.sameWidths(ws.widths) {
		panic(fmt.Sprintf("nn: workspace made for widths %v, network has %v", ws.widths, m.widths()))
	}
}

// sameWidths compares w with m's widths without allocating.
func (m *MLP) sameWidths(w []int) bool {
	if len(w) != len(m.layers)+1 {
		return false
	}
	for l, L := range m.layers {
		if w[l] != L.in || w[l+1] != L.out {
			return false
		}
	}
	return true
}

// Forward evaluates the network on n rows: x holds n*(In-1) data values row-major, t holds n
// times, or one time shared by every row (sampling). labels, for a network with classes, holds
// each row's label in 0..Classes (Classes is "no label"), or one shared by every row, or is nil
// for "no label" everywhere; a network without classes takes nil. Forward assembles cat(x, t)
// or cat(t, x) into the workspace and returns the n*Out outputs, a view into the workspace
// valid until the next call. The workspace keeps a reference to labels for Backward: they must
// not change in between.
func (m *MLP) Forward(ws *Workspace, x, t []float32, labels []int32, n int) []float32 {
	m.checkWorkspace(ws)
	d := m.In - 1
	switch {
	case n < 0 || n > ws.maxBatch:
		panic(fmt.Sprintf("nn: Forward on %d rows, workspace holds %d", n, ws.maxBatch))
	case len(x) < n*d:
		panic(fmt.Sprintf("nn: Forward on %d rows of %d values, x has %d", n, d, len(x)))
	case len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: Forward on %d rows with %d times (want %d or 1)", n, len(t), n))
	}
	checkLabels(labels, n, m.Classes)
	ws.n, ws.labels = n, labels
	in := ws.x[:n*m.In]
	xcol, tcol := 0, d
	if m.TimeFirst {
		xcol, tcol = 1, 0
	}
	for i := 0; i < n; i++ {
		row := in[i*m.In : (i+1)*m.In]
		copy(row[xcol:xcol+d], x[i*d:(i+1)*d])
		if len(t) == 1 {
			row[tcol] = t[0]
		} else {
			row[tcol] = t[i]
		}
	}

	last := len(m.layers) - 1
	for l := range m.layers {
		L := &m.layers[l]
		z := ws.z[l][:n*L.out]
		h := z
		if l < last && !ws.forwardOnly {
			h = ws.h[l][:n*L.out]
		}
		if act, ok := fusedAct(m.Act); ok && l < last && (l > 0 || m.Classes == 0) {
			// The bias and activation as the product stores its values (no embedding to add
			// between them): the same bits as the passes below.
			var pk *mat.PackedB
			if ws.packed != nil {
				pk = &ws.packed[l]
			}
			linearActForward(ws, L, pk, act, z, h, in, n)
			in = h
			continue
		}
		linearForward(ws, L, z, in, n)
		if l == 0 && m.Classes > 0 {
			embeddingForward(&m.emb, z, labels, n)
		}
		if l == last {
			addBiasRows(L, z, n)
			return z
		}
		activateRows(ws, m.Act, L, z, h, n)
		in = h
	}
	panic("unreachable")
}

// Backward takes dL/dY (n*Out) of the last Forward on ws and overwrites m.Grads with dL/dparams
// (the label embedding's too: the scatter-add of the first layer's dL/dz into its rows);
// if dx is not nil it also writes dL/dinput (n*In, the assembled input's layout, t column included).
// dy is not modified.
func (m *MLP) Backward(ws *Workspace, dy, dx []float32) {
	m.checkWorkspace(ws)
	n := ws.n
	switch {
	case n < 0:
		panic("nn: Backward before Forward")
	case ws.forwardOnly:
		panic("nn: Backward on a forward-only workspace")
	case m.Grads == nil:
		panic("nn: Backward on a network without gradients (a WithParams view)")
	case len(dy) < n*m.Out:
		panic(fmt.Sprintf("nn: Backward on %d rows of %d outputs, dy has %d", n, m.Out, len(dy)))
	case dx != nil && len(dx) < n*m.In:
		panic(fmt.Sprintf("nn: Backward on %d rows of %d inputs, dx has %d", n, m.In, len(dx)))
	}
	dz := dy[:n*m.Out]
	for l := len(m.layers) - 1; l >= 0; l-- {
		L := &m.layers[l]
		if l == 0 {
			if m.Classes > 0 {
				embeddingBackward(&m.emb, dz, ws.labels, n)
			}
			if dx != nil {
				dx = dx[:n*L.in]
			}
			linearBackward(ws, L, dz, ws.x[:n*L.in], dx, n)
			return
		}
		dh := ws.grad[l%2][:n*L.in]
		linearBackward(ws, L, dz, ws.h[l-1][:n*L.in], dh, n)
		activationGradAll(ws, m.Act, dh, ws.z[l-1][:n*L.in], ws.h[l-1][:n*L.in])
		dz = dh
	}
}

// MSE returns mean((y-target)^2) over all elements and writes its gradient into dy.
func MSE(dy, y, target []float32) float32 {
	if len(y) != len(target) || len(dy) < len(y) {
		panic(fmt.Sprintf("nn: MSE of %d outputs against %d targets into %d gradients", len(y), len(target), len(dy)))
	}
	if len(y) == 0 {
		return 0
	}
	return float32(squaredErrors(dy, y, target, 2/float32(len(y))) / float64(len(y)))
}

// squaredErrors returns the sum of (y-target)^2, in float64, and writes scale*(y-target) into
// dy, which may be y itself.
func squaredErrors(dy, y, target []float32, scale float32) float64 {
	dy, target = dy[:len(y)], target[:len(y)]
	var sum float64
	for i, v := range y {
		e := v - target[i]
		sum += float64(e) * float64(e)
		dy[i] = scale * e
	}
	return sum
}
