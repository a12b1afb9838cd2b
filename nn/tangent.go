package nn

import (
	"fmt"
	"sync/atomic"

	"github.com/fmtiny/fmtiny/mat"
)

// This file holds forward-mode derivatives through the MLP: Jacobian-vector products
// J(x) v of the output with respect to the data columns of the input (t held fixed), for K
// directions v at each of n points, and from them the exact divergence of a velocity field in
// low dimension.
//
// A Linear layer maps a tangent as it maps a difference, without its bias: dz = dh W^T; an
// activation multiplies it by its derivative at the point's pre-activation: dh = act'(z) * dz.
// The K tangents of each point are rows of one matrix [n*K x width], so each layer's tangents
// take one GEMM with n*K rows, and the derivative act'(z), computed once per point and unit, is
// broadcast over the point's K rows. The first layer needs no GEMM when the directions are the
// same at every point (the unit vectors of the divergence): its tangents are then the K
// combinations of W's data columns, computed once and copied to every point.

// TangentWorkspace holds a forward pass of up to maxBatch rows (kept for its pre-activations)
// and the tangents of K directions per row. Made once; ForwardTangents and Divergence allocate
// nothing.
type TangentWorkspace struct {
	fw       *Workspace
	k        int
	tan      [2][]float32 // tangents of two consecutive layers, [n*K x width], used in turn
	deriv    []float32    // act'(z) of a hidden layer [n x width]
	base     []float32    // the first layer's tangents when shared by every point [K x width]
	div      []float32    // Divergence's result [n]
	maxBatch int
}

// NewTangentWorkspace returns a workspace for up to maxBatch rows through m (or any MLP of the
// same configuration) with k tangent directions per row; for Divergence, k must be the data's
// dimension, m.In - 1.
func (m *MLP) NewTangentWorkspace(maxBatch, k int) *TangentWorkspace {
	if maxBatch < 1 || k < 1 {
		panic(fmt.Sprintf("nn: tangent workspace for %d rows and %d directions", maxBatch, k))
	}
	maxW := 0
	for _, L := range m.layers {
		maxW = max(maxW, L.out)
	}
	ws := &TangentWorkspace{fw: m.newWorkspace(maxBatch, false), k: k, maxBatch: maxBatch}
	ws.tan[0] = make([]float32, maxBatch*k*maxW)
	ws.tan[1] = make([]float32, maxBatch*k*maxW)
	ws.deriv = make([]float32, maxBatch*maxW)
	ws.base = make([]float32, k*m.layers[0].out)
	ws.div = make([]float32, maxBatch)
	return ws
}

// ForwardTangents evaluates the network on n rows, as Forward does (x holds n*(In-1) values, t
// n times or one), and the derivatives of the outputs along K directions in the data columns
// of the input, t fixed: jv[(p*K + k)*Out + o] = sum_c dy[p][o]/dx[p][c] * v_k[c]. The
// directions dirs are given as K*(In-1) values (row k the direction v_k, the same at every
// point), as n*K*(In-1) values (point p's at rows p*K..p*K+K-1), or nil for the unit vectors
// of the data columns (K must then be In-1): jv is then the Jacobian, jv[(p*K+k)*Out + o] =
// dy_o/dx_k. y (n*Out) and jv (n*K*Out) are views into the workspace, valid until its next use.
func (m *MLP) ForwardTangents(ws *TangentWorkspace, x, t []float32, n int, dirs []float32) (y, jv []float32) {
	d, K := m.In-1, ws.k
	switch {
	case n < 0 || n > ws.maxBatch:
		panic(fmt.Sprintf("nn: ForwardTangents on %d rows, workspace holds %d", n, ws.maxBatch))
	case dirs == nil && K != d:
		panic(fmt.Sprintf("nn: ForwardTangents along the %d unit vectors with a workspace for %d directions", d, K))
	case dirs != nil && len(dirs) != K*d && len(dirs) != n*K*d:
		panic(fmt.Sprintf("nn: ForwardTangents with %d direction values, want %d or %d", len(dirs), K*d, n*K*d))
	}
	y = m.Forward(ws.fw, x, t, nil, n)
	xcol := 0
	if m.TimeFirst {
		xcol = 1
	}
	last := len(m.layers) - 1
	var dz []float32
	for l := range m.layers {
		L := &m.layers[l]
		dz = ws.tan[l%2][:n*K*L.out]
		switch {
		case l > 0:
			ws.fw.gemm(false, true, n*K, L.out, L.in, ws.tan[(l-1)%2][:n*K*L.in], L.in, L.w, L.in, dz, L.out)
		case len(dirs) == n*K*d && n > 1:
			// Per-point directions times W's data columns, W[:, xcol:xcol+d], one GEMM.
			ws.fw.gemm(false, true, n*K, L.out, d, dirs, d, L.w[xcol:], L.in, dz, L.out)
		default:
			// The same K tangents at every point: computed once, copied to each.
			base := ws.base[:K*L.out]
			for k := range K {
				row := base[k*L.out : (k+1)*L.out]
				for o := range row {
					wc := L.w[o*L.in+xcol : o*L.in+xcol+d]
					if dirs == nil {
						row[o] = wc[k]
						continue
					}
					var s float32
					for c, v := range dirs[k*d : (k+1)*d] {
						s += v * wc[c]
					}
					row[o] = s
				}
			}
			for p := range n {
				copy(dz[p*K*L.out:(p+1)*K*L.out], base)
			}
		}
		if l == last {
			break
		}
		z, h := ws.fw.z[l][:n*L.out], ws.fw.h[l][:n*L.out]
		if m.Act == SiLU || m.Act == ReLU {
			// dh = act'(z) * dz by asm's SIMD pass, on each of a point's K tangents.
			for p := range n {
				zp, hp := z[p*L.out:(p+1)*L.out], h[p*L.out:(p+1)*L.out]
				for k := range K {
					activationGrad(m.Act, dz[(p*K+k)*L.out:(p*K+k+1)*L.out], zp, hp)
				}
			}
			continue
		}
		// dh = act'(z) * dz, the derivative (scalar Go around math.Exp) computed once per point
		// and unit.
		deriv := ws.deriv[:n*L.out]
		for i := range deriv {
			deriv[i] = 1
		}
		activationGrad(m.Act, deriv, z, h)
		for p := range n {
			dp := deriv[p*L.out : (p+1)*L.out]
			for k := range K {
				row := dz[(p*K+k)*L.out : (p*K+k+1)*L.out]
				for o, g := range dp {
					row[o] *= g
				}
			}
		}
	}
	return y, dz
}

// Divergence evaluates the network on n rows and the divergence of its output as a field on
// the data columns, div[p] = sum_k dy[p][k]/dx[p][k], exactly (to float32 rounding), by
// forward-mode tangents along the In-1 unit vectors. The network's output must have the data's
// dimension (Out = In-1) and ws must have been made for In-1 directions. y (n*Out) and div (n)
// are views into the workspace, valid until its next use.
func (m *MLP) Divergence(ws *TangentWorkspace, x, t []float32, n int) (y, div []float32) {
	d := m.In - 1
	if m.Out != d {
		panic(fmt.Sprintf("nn: Divergence of a map from %d to %d dimensions", d, m.Out))
	}
	y, jv := m.ForwardTangents(ws, x, t, n, nil)
	div = ws.div[:n]
	for p := range div {
		var s float32
		for k := range d {
			s += jv[(p*d+k)*d+k]
		}
		div[p] = s
	}
	return y, div
}

// TangentBatch runs Divergence over a batch cut into blocks of tangentBlockRows rows, which
// mat's threads claim one at a time, each thread on a TangentWorkspace of its own whose
// products run on its goroutine alone (as Batch runs Forward). A block's tangents stay in the
// core's cache from layer to layer, and one hand-off per call replaces several per layer. The
// cut depends on the number of rows alone, so the results do not depend on the threads. After
// it is made, nothing allocates.
type TangentBatch struct {
	net      *MLP
	ws       []*TangentWorkspace // one per thread
	k        int                 // directions per row: In-1 for Divergence, any for Tangents
	y, div   []float32
	jv       []float32 // Tangents' products, n*k*Out
	x, t     []float32 // the running call's arguments
	dirs     []float32 // Tangents' directions, nil for Divergence
	n        int
	next     atomic.Int32
	runClaim func(lo, hi int)
}

// tangentBlockRows is the rows of a TangentBatch block: at 128 wide and 2 directions, a
// block's tangents take 256 KiB, its forward activations as much.
const tangentBlockRows = 256

// NewTangentBatch returns a TangentBatch for up to maxBatch rows through m, for Divergence
// (m.Out must be m.In - 1).
func (m *MLP) NewTangentBatch(maxBatch int) *TangentBatch { return m.newTangentBatch(maxBatch, m.In-1) }

// NewProbeBatch returns a TangentBatch for Tangents along k directions per row, up to
// maxBatch rows through m (m.Out must be m.In - 1): Hutchinson's probes of the divergence.
func (m *MLP) NewProbeBatch(maxBatch, k int) *TangentBatch {
	if k < 1 {
		panic(fmt.Sprintf("nn: probe batch of %d directions", k))
	}
	b := m.newTangentBatch(maxBatch, k)
	b.jv = make([]float32, maxBatch*k*m.Out)
	return b
}

func (m *MLP) newTangentBatch(maxBatch, k int) *TangentBatch {
	if maxBatch < 1 {
		panic(fmt.Sprintf("nn: tangent batch of %d rows", maxBatch))
	}
	if m.Out != m.In-1 {
		panic(fmt.Sprintf("nn: Divergence of a map from %d to %d dimensions", m.In-1, m.Out))
	}
	blocks := (maxBatch + tangentBlockRows - 1) / tangentBlockRows
	b := &TangentBatch{net: m, k: k, y: make([]float32, maxBatch*m.Out), div: make([]float32, maxBatch)}
	for range min(mat.Threads(), blocks) {
		ws := m.NewTangentWorkspace(min(maxBatch, tangentBlockRows), k)
		ws.fw.local = new(mat.Local)
		b.ws = append(b.ws, ws)
	}
	b.runClaim = b.claim
	return b
}

// Divergence is MLP.Divergence over n rows, cut into blocks; y (n*Out) and div (n) are valid
// until the next call.
func (b *TangentBatch) Divergence(x, t []float32, n int) (y, div []float32) {
	m := b.net
	d := m.In - 1
	switch {
	case n < 0 || n > len(b.div):
		panic(fmt.Sprintf("nn: TangentBatch.Divergence on %d rows, the batch holds %d", n, len(b.div)))
	case len(x) < n*d:
		panic(fmt.Sprintf("nn: TangentBatch.Divergence on %d rows of %d values, x has %d", n, d, len(x)))
	case len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: TangentBatch.Divergence on %d rows with %d times (want %d or 1)", n, len(t), n))
	}
	if b.k != d {
		panic(fmt.Sprintf("nn: TangentBatch.Divergence on a batch made for %d directions (NewProbeBatch)", b.k))
	}
	b.run(x, t, n, nil)
	return b.y[:n*m.Out], b.div[:n]
}

// Tangents is MLP.ForwardTangents over n rows along k directions per row (dirs holds n*k*(In-1)
// values, row p's at rows p*k..p*k+k-1, as NewProbeBatch's k), cut into blocks; y (n*Out) and
// jv (n*k*Out) are valid until the next call.
func (b *TangentBatch) Tangents(x, t []float32, n int, dirs []float32) (y, jv []float32) {
	m := b.net
	d := m.In - 1
	switch {
	case b.jv == nil:
		panic("nn: TangentBatch.Tangents on a batch made for Divergence (NewTangentBatch)")
	case n < 0 || n > len(b.div):
		panic(fmt.Sprintf("nn: TangentBatch.Tangents on %d rows, the batch holds %d", n, len(b.div)))
	case len(x) < n*d || len(dirs) < n*b.k*d:
		panic(fmt.Sprintf("nn: TangentBatch.Tangents on %d rows of %d values and %d directions, x has %d, dirs %d", n, d, b.k, len(x), len(dirs)))
	case len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: TangentBatch.Tangents on %d rows with %d times (want %d or 1)", n, len(t), n))
	}
	b.run(x, t, n, dirs[:n*b.k*d])
	return b.y[:n*m.Out], b.jv[:n*b.k*m.Out]
}

// run hands the blocks of n rows to the threads.
func (b *TangentBatch) run(x, t []float32, n int, dirs []float32) {
	b.x, b.t, b.n, b.dirs = x, t, n, dirs
	b.next.Store(0)
	blocks := (n + tangentBlockRows - 1) / tangentBlockRows
	if w := min(len(b.ws), blocks); w <= 1 {
		b.claim(0, 1)
	} else {
		mat.Parallel(w, b.runClaim)
	}
	b.x, b.t, b.dirs = nil, nil, nil
}

// claim runs blocks on workspaces lo..hi-1 (one each at a time) until none is left.
func (b *TangentBatch) claim(lo, hi int) {
	m := b.net
	d := m.In - 1
	for w := lo; w < hi; w++ {
		ws := b.ws[w]
		for s := int(b.next.Add(1)) - 1; s*tangentBlockRows < b.n; s = int(b.next.Add(1)) - 1 {
			r0, r1 := s*tangentBlockRows, min(b.n, (s+1)*tangentBlockRows)
			t := b.t
			if len(t) > 1 {
				t = t[r0:r1]
			}
			if b.dirs != nil {
				k := b.k
				y, jv := m.ForwardTangents(ws, b.x[r0*d:r1*d], t, r1-r0, b.dirs[r0*k*d:r1*k*d])
				copy(b.y[r0*m.Out:r1*m.Out], y)
				copy(b.jv[r0*k*m.Out:r1*k*m.Out], jv)
				continue
			}
			y, div := m.Divergence(ws, b.x[r0*d:r1*d], t, r1-r0)
			copy(b.y[r0*m.Out:r1*m.Out], y)
			copy(b.div[r0:r1], div)
		}
	}
}
