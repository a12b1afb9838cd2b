package nn

import (
	"fmt"
	"sync/atomic"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// Batch runs Forward and Backward over a batch cut into row blocks that run at once on mat's
// threads, each block on a workspace and gradients of its own; Backward then sums the blocks'
// gradients into the network's, in block order. One hand-off per pass replaces the several per
// layer of splitting every product and element-wise pass, and each block's activations stay in
// its core's cache. The cut depends on the number of rows alone, never on the threads, so
// neither do the results. After the first call of a size, nothing allocates.
type Batch struct {
	// Serial, when set, runs the blocks one after another on the calling goroutine (the same
	// results), for a caller that runs several Batches at once on mat.Parallel's goroutines.
	Serial bool

	net    *MLP
	blocks []batchBlock
	n      int       // rows of the last Forward
	used   int       // blocks of the last Forward
	y      []float32 // the last Forward's outputs, gathered [n x Out]

	x, t, dy, target []float32 // the running call's arguments
	labels           []int32
	sqErr            []float64     // MSEGrad's sum of squared errors, per block
	packed           []mat.PackedB // PackWeights' layers, shared by the blocks

	// The passes over a block, bound once so that using them allocates nothing; the one
	// running, and the next block to claim.
	runForward, runBackward, runMSE, pass func(s int)
	runClaim                              func(lo, hi int)
	next                                  atomic.Int32

	// The summing of the blocks' gradients, split among threads as nn's other passes are.
	sumTask gradSum
	split   split
}

// gradSum is Batch.sum as a rangeTask.
type gradSum struct{ b *Batch }

func (g *gradSum) run(lo, hi int) { g.b.sum(lo, hi) }

// forwardOnly reports whether the Batch was made by NewForwardBatch.
func (b *Batch) forwardOnly() bool { return b.blocks[0].ws.forwardOnly }

// batchBlock is one block's share of a Batch: the network's parameters with gradients of its
// own (block 0's are the network's), a workspace, and its rows in the running call.
type batchBlock struct {
	net    *MLP
	ws     *Workspace
	lo, hi int
}

// Blocks are at least minBlockRows rows, below which a block's products pay more for their
// fixed costs than they gain, and at most maxBlocks of them: enough for the four cores of a
// small board, few enough that the summed gradients stay cheap.
const (
	minBlockRows = 64
	maxBlocks    = 4
)

// blocksFor is the number of blocks n rows are cut into.
func blocksFor(n int) int { return max(1, min(maxBlocks, n/minBlockRows)) }

// NewBatch returns a Batch for up to maxBatch rows through m. Its Backward writes m.Grads, so m
// must have gradients unless only Forward is used.
func (m *MLP) NewBatch(maxBatch int) *Batch { return m.newBatch(maxBatch, false) }

// NewForwardBatch returns a Batch for Forward alone (sampling): each block's activations
// overwrite their pre-activations, which saves a stream of memory per layer and the memory
// itself. Its Backward and MSEGrad panic.
func (m *MLP) NewForwardBatch(maxBatch int) *Batch { return m.newBatch(maxBatch, true) }

func (m *MLP) newBatch(maxBatch int, forwardOnly bool) *Batch {
	if maxBatch < 1 {
		panic(fmt.Sprintf("nn: batch of %d rows", maxBatch))
	}
	// With fewer rows than maxBatch there are fewer blocks, and then a block may take up to
	// 2*minBlockRows - 1 rows.
	perBlock := min(maxBatch, max(2*minBlockRows, (maxBatch+maxBlocks-1)/maxBlocks))
	b := &Batch{net: m, n: -1, y: make([]float32, maxBatch*m.Out)}
	for s := range blocksFor(maxBatch) {
		net := m
		if s > 0 && m.Grads != nil && !forwardOnly {
			grads := make([]float32, len(m.Params))
			net = newView(m.Config, m.Params, grads)
		}
		b.blocks = append(b.blocks, batchBlock{net: net, ws: m.newLocalWorkspace(perBlock, forwardOnly)})
	}
	b.sqErr = make([]float64, len(b.blocks))
	b.runForward, b.runBackward, b.runMSE = b.forwardBlock, b.backwardBlock, b.mseBlock
	b.runClaim, b.sumTask.b = b.claim, b
	return b
}

// PackWeights lays out every hidden layer's weights once, for the Forward calls that follow,
// instead of once per call and row block: a sampler's solve evaluates the same weights tens of
// times. The outputs are the same bits, but for a lone row (or two), which then goes through
// the kernel set's RowBiasAct where it has one: each sum formed as in a row of a larger batch,
// not as DotRows forms it, and the bias and activation applied in registers. The packed weights
// are a copy: call PackWeights again after the weights change, or UnpackWeights to go back to
// packing them in every call. It allocates only the first time.
func (b *Batch) PackWeights() {
	m := b.net
	if b.packed == nil {
		b.packed = make([]mat.PackedB, len(m.layers))
	}
	for l := range m.layers[:len(m.layers)-1] {
		L := &m.layers[l]
		b.packed[l].Pack(true, L.in, L.out, L.w, L.in)
	}
	for s := range b.blocks {
		b.blocks[s].ws.packed = b.packed
	}
}

// UnpackWeights makes Forward read the network's weights again, packing them in every call.
func (b *Batch) UnpackWeights() {
	for s := range b.blocks {
		b.blocks[s].ws.packed = nil
	}
}

// Forward is MLP.Forward over n rows, cut into blocks; it returns the n*Out outputs, valid until
// the next call. The blocks keep references to labels for Backward.
func (b *Batch) Forward(x, t []float32, labels []int32, n int) []float32 {
	m := b.net
	d := m.In - 1
	switch {
	case n < 0 || n > len(b.y)/m.Out:
		panic(fmt.Sprintf("nn: Batch.Forward on %d rows, the batch holds %d", n, len(b.y)/m.Out))
	case len(x) < n*d:
		panic(fmt.Sprintf("nn: Batch.Forward on %d rows of %d values, x has %d", n, d, len(x)))
	case len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: Batch.Forward on %d rows with %d times (want %d or 1)", n, len(t), n))
	}
	checkLabels(labels, n, m.Classes)
	if n == 1 && b.packed != nil && m.Classes == 0 && b.forwardOnly() {
		if y := b.forwardPoint(x, t); y != nil {
			return y
		}
	}
	b.cut(n)
	b.x, b.t, b.labels = x, t, labels
	b.eachBlock(b.runForward)
	b.x, b.t, b.labels = nil, nil, nil
	return b.y[:n*m.Out]
}

// forwardPoint is Forward for one row through packed weights on a set with the row kernel,
// or nil if that is not the case: the steps Forward would take for the row (block 0's
// workspace, RowBiasAct for each hidden layer, DotRows and the bias for the output), the same
// bits, without the blocks' and Forward's checks and dispatch around them, which cost a small
// network's point as much as its arithmetic (a sampled point's forty evaluations take a few
// hundred nanoseconds each).
func (b *Batch) forwardPoint(x, t []float32) []float32 {
	m := b.net
	act, ok := fusedAct(m.Act)
	set := asm.Current()
	if !ok || set.RowBiasAct == nil {
		return nil
	}
	ws := b.blocks[0].ws
	d := m.In - 1
	in := ws.x[:m.In]
	if m.TimeFirst {
		in[0] = t[0]
		copy(in[1:], x[:d])
	} else {
		copy(in, x[:d])
		in[d] = t[0]
	}
	last := len(m.layers) - 1
	for l := range last {
		data, psb, pset := b.packed[l].Panels()
		if pset != set {
			return nil // packed for another set: Forward's own way
		}
		L := &m.layers[l]
		z := ws.z[l][:L.out]
		set.RowBiasAct(in, data, psb, L.out, L.b, z, z, act)
		in = z
	}
	L := &m.layers[last]
	y := b.y[:L.out]
	set.DotRows(y, 1, L.w, L.in, in, false)
	addBiasRows(L, y, 1)
	b.n, b.used = 1, 1
	return y
}

// cut assigns n rows to the blocks.
func (b *Batch) cut(n int) {
	b.n, b.used = n, blocksFor(n)
	for s := range b.used {
		b.blocks[s].lo, b.blocks[s].hi = s*n/b.used, (s+1)*n/b.used
	}
}

// forwardBlock runs block s's rows through the network and gathers its outputs.
func (b *Batch) forwardBlock(s int) {
	k := &b.blocks[s]
	copy(b.y[k.lo*b.net.Out:k.hi*b.net.Out], b.blockForward(k))
}

// blockForward runs block k's rows of the running call through the network and returns the
// outputs, in k's workspace.
func (b *Batch) blockForward(k *batchBlock) []float32 {
	d := b.net.In - 1
	t, labels := b.t, b.labels
	if len(t) > 1 {
		t = t[k.lo:k.hi]
	}
	if len(labels) > 1 {
		labels = labels[k.lo:k.hi]
	}
	return k.net.Forward(k.ws, b.x[k.lo*d:k.hi*d], t, labels, k.hi-k.lo)
}

// Backward is MLP.Backward for the last Forward: it takes dL/dY (n*Out) and overwrites the
// network's gradients with dL/dparams, the blocks' gradients summed in block order.
func (b *Batch) Backward(dy []float32) {
	m := b.net
	switch {
	case b.n < 0:
		panic("nn: Batch.Backward before Forward")
	case b.forwardOnly():
		panic("nn: Batch.Backward on a forward-only Batch")
	case m.Grads == nil:
		panic("nn: Batch.Backward on a network without gradients")
	case len(dy) < b.n*m.Out:
		panic(fmt.Sprintf("nn: Batch.Backward on %d rows of %d outputs, dy has %d", b.n, m.Out, len(dy)))
	}
	b.dy = dy
	b.eachBlock(b.runBackward)
	b.dy = nil
	b.sumGrads()
}

func (b *Batch) backwardBlock(s int) {
	out := b.net.Out
	k := &b.blocks[s]
	k.net.Backward(k.ws, b.dy[k.lo*out:k.hi*out], nil)
}

// MSEGrad runs Forward on n rows (labels as Forward takes them), then the mean squared error of
// the outputs against target (n*Out values) and Backward, each block going through all three at
// once so that its activations are still in cache for the backward pass. It returns the loss,
// computed as MSE computes it but summed block by block, and leaves dL/dparams in the network's
// gradients, summed in block order. A loss that is not finite is returned like any other; the
// gradients are then meaningless.
func (b *Batch) MSEGrad(x, t []float32, labels []int32, target []float32, n int) float32 {
	m := b.net
	switch {
	case n < 1 || n > len(b.y)/m.Out:
		panic(fmt.Sprintf("nn: Batch.MSEGrad on %d rows, the batch holds %d", n, len(b.y)/m.Out))
	case len(x) < n*(m.In-1) || len(target) != n*m.Out || len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: Batch.MSEGrad on %d rows with %d inputs, %d times and %d targets", n, len(x), len(t), len(target)))
	case m.Grads == nil || b.forwardOnly():
		panic("nn: Batch.MSEGrad on a network without gradients or a forward-only Batch")
	}
	checkLabels(labels, n, m.Classes)
	b.cut(n)
	b.x, b.t, b.labels, b.target = x, t, labels, target
	b.eachBlock(b.runMSE)
	b.x, b.t, b.labels, b.target = nil, nil, nil, nil
	b.sumGrads()
	var sq float64
	for _, v := range b.sqErr[:b.used] {
		sq += v
	}
	return float32(sq / float64(n*m.Out))
}

// mseBlock runs block s forward, takes its share of MSE (its sum of squared errors and its
// rows of dL/dY, written over its outputs, which nothing reads again) and runs it backward.
func (b *Batch) mseBlock(s int) {
	out := b.net.Out
	k := &b.blocks[s]
	y := b.blockForward(k)
	b.sqErr[s] = squaredErrors(y, y, b.target[k.lo*out:k.hi*out], 2/float32(b.n*out))
	k.net.Backward(k.ws, y, nil)
}

// sumGrads adds the blocks' gradients into the network's.
func (b *Batch) sumGrads() {
	if b.used == 1 {
		return
	}
	if b.Serial {
		b.sum(0, len(b.net.Grads))
		return
	}
	parallelFor(&b.sumTask, len(b.net.Grads), b.used-1, &b.split)
}

// sum adds the gradients of blocks 1, 2, ... to block 0's (the network's) over [lo, hi).
func (b *Batch) sum(lo, hi int) {
	g := b.net.Grads[lo:hi]
	for _, k := range b.blocks[1:b.used] {
		asm.Axpy(1, k.net.Grads[lo:hi], g) // y + 1*x rounds once, as y + x does
	}
}

// eachBlock calls pass(s) for every block s of the running call. With several blocks, each of
// mat's threads claims blocks one at a time until none is left, so a thread that starts late,
// or shares its core with another job, takes fewer; which thread runs a block changes nothing in
// its result.
func (b *Batch) eachBlock(pass func(s int)) {
	if b.used == 1 || b.Serial {
		for s := range b.used {
			pass(s)
		}
		return
	}
	b.pass = pass
	b.next.Store(0)
	mat.Parallel(b.used, b.runClaim)
	b.pass = nil
}

func (b *Batch) claim(lo, hi int) {
	for s := int(b.next.Add(1)) - 1; s < b.used; s = int(b.next.Add(1)) - 1 {
		b.pass(s)
	}
}
