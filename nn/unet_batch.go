package nn

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// UNetBatch runs a UNet over batches of images, as Batch runs an MLP: the batch is cut into
// blocks of images that run at once on mat's threads, each block's convolutions on one
// goroutine with a mat.Local of its own, and its parameter gradients in a buffer of its own,
// summed into the network's in block order. The cut depends on the number of images alone,
// never on the threads, so neither do the results. After the first call of each kind, nothing
// allocates.
//
// Images are NCHW, as PyTorch flattens them: image i is x[i*C*H*W : (i+1)*C*H*W], channel by
// channel, each channel row by row. Inside, feature maps are NHWC (conv.go says why).
//
// Memory: a thread running a block (a slot) holds one block's activations, gradient maps and
// patch matrix; MSEGrad and a forward-only Batch use only those. Forward on a training Batch
// keeps every image's activations until Backward, in a workspace per block made on its first
// use.
type UNetBatch struct {
	// Serial, when set, runs the blocks one after another on the calling goroutine (the same
	// results), for a caller that runs several batches at once on mat.Parallel's goroutines.
	Serial bool

	net         *UNet
	forwardOnly bool
	maxBatch    int
	perBlock    int // the most images a block takes
	blocks      []unetBlock
	slots       []*unetSlot
	n, used     int  // images and blocks of the last call
	backwardOK  bool // the last call was Forward on a training batch
	y           []float32

	// The weights reordered for the forward products (wt) and for the inputs' gradients (wf),
	// for im2col's products or, where wino, Winograd's (winograd.go; chosen when the batch is
	// made).
	wt, wf       [numConvs][]float32
	wtBuf, wfBuf []float32
	wino         [numConvs]bool
	// The parameters wt and wf were made from: they are made again only when the parameters
	// have changed (a sampler calls Forward dozens of times on the same weights).
	wtFrom, wfFrom []float32

	x, t, dy, dx, target []float32 // the running call's arguments
	sqErr                []float64 // MSEGrad's sum of squared errors, per block
	// labels are the running call's, or the last Forward's (kept for Backward): one per image,
	// one for all, or nil ("no label" for a conditional UNet).
	labels []int32

	runForward, runBackward, runMSE, pass func(s int, slot *unetSlot)
	runClaim                              func(lo, hi int)
	next, nextSlot                        atomic.Int32

	sumTask unetGradSum
	split   split
}

// unetBlock is one block's share of a batch: the network's parameters with gradients of its own
// (block 0's are the network's), the workspace that keeps its activations from Forward to
// Backward, and its images in the running call.
type unetBlock struct {
	net    *UNet
	work   *unetWork
	lo, hi int
}

// unetSlot is what one goroutine running blocks needs: the convolutions' scratch, a workspace
// for the activations of a block that goes forward and backward at once (MSEGrad) or only
// forward (a forward-only batch), the gradient maps and the weights' gradient in GEMM layout.
type unetSlot struct {
	conv convScratch
	brep []float32 // a bias repeated (postOp.brep)
	erep []float32 // a label's embedding repeated (postOp.erep), for a conditional UNet
	work *unetWork
	grad *unetGrads
	dwt  []float32
}

// Blocks are at least minUNetBlockImages images and at most maxUNetBlocks of them: a dozen
// images of 28 x 28 are already 9408 rows of every full-resolution product, while more blocks
// balance two threads better when another job takes one of the cores for a while, at the cost
// of a gradient buffer each.
const (
	minUNetBlockImages = 8
	maxUNetBlocks      = 8
)

func unetBlocksFor(n int) int { return max(1, min(maxUNetBlocks, n/minUNetBlockImages)) }

// postRunValues is about how many values a convolution's bias and activation take in one
// kernel call (postOp.brep).
const postRunValues = 2048

// maxUNetBatch bounds a batch's images, so that the workspaces' sizes cannot overflow.
const maxUNetBatch = 1 << 20

// NewBatch returns a UNetBatch for up to maxBatch images through u. Its Backward and MSEGrad
// write u.Grads.
func (u *UNet) NewBatch(maxBatch int) *UNetBatch { return u.newBatch(maxBatch, false) }

// NewForwardBatch returns a UNetBatch for Forward alone (sampling): the activations overwrite
// their pre-activations and only the running blocks' maps are held. Its Backward and MSEGrad
// panic.
func (u *UNet) NewForwardBatch(maxBatch int) *UNetBatch { return u.newBatch(maxBatch, true) }

func (u *UNet) newBatch(maxBatch int, forwardOnly bool) *UNetBatch {
	if maxBatch < 1 || maxBatch > maxUNetBatch {
		panic(fmt.Sprintf("nn: UNet batch of %d images, want 1 to %d", maxBatch, maxUNetBatch))
	}
	imgSize := u.Channels * u.Height * u.Width
	if int64(maxBatch)*int64(u.Height*u.Width)*int64(6*u.Base+u.Channels+1) > 1<<40 {
		panic(fmt.Sprintf("nn: UNet batch of %d images of %d x %d with base %d is too large", maxBatch, u.Height, u.Width, u.Base))
	}
	perBlock := min(maxBatch, max(2*minUNetBlockImages, (maxBatch+maxUNetBlocks-1)/maxUNetBlocks))
	b := &UNetBatch{net: u, forwardOnly: forwardOnly, maxBatch: maxBatch, perBlock: perBlock,
		n: -1, y: make([]float32, maxBatch*imgSize)}
	for s := range unetBlocksFor(maxBatch) {
		net := u
		if s > 0 && u.Grads != nil && !forwardOnly {
			net = unetView(u.UNetConfig, u.Params, make([]float32, len(u.Params)))
		}
		b.blocks = append(b.blocks, unetBlock{net: net})
	}
	nw := 0
	for l, L := range u.convs {
		b.wino[l] = L.winograd()
		nw += b.reorderedSize(l)
	}
	b.wtBuf = make([]float32, nw)
	if !forwardOnly {
		b.wfBuf = make([]float32, nw)
	}
	off := 0
	for l := range u.convs {
		n := b.reorderedSize(l)
		b.wt[l] = b.wtBuf[off : off+n : off+n]
		if !forwardOnly {
			b.wf[l] = b.wfBuf[off : off+n : off+n]
		}
		off += n
	}
	b.sqErr = make([]float64, len(b.blocks))
	b.runForward, b.runBackward, b.runMSE = b.forwardBlock, b.backwardBlock, b.mseBlock
	b.runClaim, b.sumTask.b = b.claim, b
	return b
}

// reorderedSize is the length of convolution l's reordered weights.
func (b *UNetBatch) reorderedSize(l int) int {
	L := &b.net.convs[l]
	if b.wino[l] {
		return 16 * L.cin * L.cout
	}
	return L.numWeights()
}

// unetWork holds one block's feature maps, NHWC (see unetMaps for what each is).
type unetWork struct {
	in, a1, cat1, p1, a2, cat2, p2, a3, m, a4, d2, a5, a6, y []float32
	// z holds the pre-activations of the convolutions whose activation's derivative needs
	// them (SiLU, GELU), on a training batch; otherwise nil, and the activation overwrites
	// the pre-activation.
	z [numConvs][]float32
}

// levelPixels returns the pixels of an image at resolution level l (0 full, 1 half, 2 quarter).
func (c UNetConfig) levelPixels(l int) int { return (c.Height >> l) * (c.Width >> l) }

func (u *UNet) newWork(images int, keepZ bool) *unetWork {
	c, ch := u.Base, u.Channels
	p0, p1, p2 := images*u.levelPixels(0), images*u.levelPixels(1), images*u.levelPixels(2)
	w := &unetWork{
		in: make([]float32, p0*(ch+1)), a1: make([]float32, p0*c), cat1: make([]float32, p0*3*c),
		p1: make([]float32, p1*c), a2: make([]float32, p1*2*c), cat2: make([]float32, p1*6*c),
		p2: make([]float32, p2*2*c), a3: make([]float32, p2*4*c), m: make([]float32, p2*4*c),
		a4: make([]float32, p1*2*c), d2: make([]float32, p1*2*c),
		a5: make([]float32, p0*c), a6: make([]float32, p0*c), y: make([]float32, p0*ch),
	}
	if keepZ && !u.Act.fromOutput() {
		_, cout := u.convShapes()
		for l := range numConvs - 1 {
			w.z[l] = make([]float32, images*u.levelPixels(convLevel[l])*cout[l])
		}
	}
	return w
}

// unetGrads holds one block's gradient maps, NHWC, reused from layer to layer as the
// backward pass moves through the levels.
type unetGrads struct {
	y, in    []float32 // dL/d(output) [p0 x Channels], dL/d(input) [p0 x (Channels+1)]
	g0a, g0b []float32 // [p0 x c]
	gcat1    []float32 // [p0 x 3c]
	g1a, g1b []float32 // [p1 x 2c]
	gcat2    []float32 // [p1 x 6c]
	g2a, g2b []float32 // [p2 x 4c]
}

func (u *UNet) newGrads(images int) *unetGrads {
	c, ch := u.Base, u.Channels
	p0, p1, p2 := images*u.levelPixels(0), images*u.levelPixels(1), images*u.levelPixels(2)
	return &unetGrads{
		y: make([]float32, p0*ch), in: make([]float32, p0*(ch+1)),
		g0a: make([]float32, p0*c), g0b: make([]float32, p0*c), gcat1: make([]float32, p0*3*c),
		g1a: make([]float32, p1*2*c), g1b: make([]float32, p1*2*c), gcat2: make([]float32, p1*6*c),
		g2a: make([]float32, p2*4*c), g2b: make([]float32, p2*4*c),
	}
}

// unetMaps are a pass's feature maps for n images:
//
//	in    cat(x, t)                     e1  enc1's output (channels 2c..3c of cat1)
//	a1    enc1.0's activation           p1  maxpool(e1)
//	a2    enc2.0's                      e2  enc2's output (channels 4c..6c of cat2)
//	p2    maxpool(e2)                   a3  bottleneck.0's     m  the bottleneck's output
//	cat2  cat(up(m), e2)                a4  dec2.0's           d2 dec2's output
//	cat1  cat(up(d2), e1)               a5  dec1.0's           a6 dec1.2's      y  dec1.4's
type unetMaps struct {
	in, a1, cat1, e1, p1, a2, cat2, e2, p2, a3, m, a4, d2, a5, a6, y fmap
	convIn, convOut, z                                               [numConvs]fmap
}

func (u *UNet) maps(w *unetWork, n int) unetMaps {
	c, ch := u.Base, u.Channels
	fm := func(x []float32, channels, level int) fmap {
		h, wd := u.Height>>level, u.Width>>level
		return fmap{x: x[:n*h*wd*channels], ld: channels, c: channels, n: n, h: h, w: wd}
	}
	var M unetMaps
	M.in, M.a1 = fm(w.in, ch+1, 0), fm(w.a1, c, 0)
	M.cat1 = fm(w.cat1, 3*c, 0)
	M.e1 = M.cat1.channels(2*c, 3*c)
	M.p1, M.a2 = fm(w.p1, c, 1), fm(w.a2, 2*c, 1)
	M.cat2 = fm(w.cat2, 6*c, 1)
	M.e2 = M.cat2.channels(4*c, 6*c)
	M.p2, M.a3, M.m = fm(w.p2, 2*c, 2), fm(w.a3, 4*c, 2), fm(w.m, 4*c, 2)
	M.a4, M.d2 = fm(w.a4, 2*c, 1), fm(w.d2, 2*c, 1)
	M.a5, M.a6, M.y = fm(w.a5, c, 0), fm(w.a6, c, 0), fm(w.y, ch, 0)
	M.convIn = [numConvs]fmap{M.in, M.a1, M.p1, M.a2, M.p2, M.a3, M.cat2, M.a4, M.cat1, M.a5, M.a6}
	M.convOut = [numConvs]fmap{M.a1, M.e1, M.a2, M.e2, M.a3, M.m, M.a4, M.d2, M.a5, M.a6, M.y}
	for l := range numConvs {
		M.z[l] = M.convOut[l]
		if w.z[l] != nil {
			M.z[l] = fm(w.z[l], M.convOut[l].c, convLevel[l])
		}
	}
	return M
}

// Forward evaluates the network on n images: x holds n*Channels*Height*Width values (NCHW),
// t holds n times, or one time shared by every image (sampling); labels, for a conditional
// UNet, n labels in 0..Classes (Classes is "no label"), or one for all, or nil for "no label"
// (an unconditional UNet takes nil alone). It returns the n outputs, NCHW, a view valid until
// the next call. On a training batch, Backward may follow; the batch keeps labels for it.
func (b *UNetBatch) Forward(x, t []float32, labels []int32, n int) []float32 {
	u := b.net
	imgSize := u.Channels * u.Height * u.Width
	switch {
	case n < 0 || n > b.maxBatch:
		panic(fmt.Sprintf("nn: UNetBatch.Forward on %d images, the batch holds %d", n, b.maxBatch))
	case len(x) < n*imgSize:
		panic(fmt.Sprintf("nn: UNetBatch.Forward on %d images of %d values, x has %d", n, imgSize, len(x)))
	case len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: UNetBatch.Forward on %d images with %d times (want %d or 1)", n, len(t), n))
	}
	checkLabels(labels, n, u.Classes)
	b.cut(n)
	if !b.forwardOnly {
		for s := range b.used {
			if b.blocks[s].work == nil {
				b.blocks[s].work = u.newWork(b.perBlock, true)
			}
		}
	}
	b.prepare(false)
	b.x, b.t, b.labels = x, t, labels
	b.eachBlock(b.runForward)
	b.x, b.t = nil, nil
	b.backwardOK = !b.forwardOnly
	return b.y[:n*imgSize]
}

// cut assigns n images to the blocks.
func (b *UNetBatch) cut(n int) {
	b.n, b.used = n, unetBlocksFor(n)
	for s := range b.used {
		b.blocks[s].lo, b.blocks[s].hi = s*n/b.used, (s+1)*n/b.used
	}
}

// prepare reorders the weights for the passes to come (and for the inputs' gradients when
// backward), and makes the slots the running call's goroutines will take.
func (b *UNetBatch) prepare(backward bool) {
	params := b.net.Params
	fwd := !sameBits(b.wtFrom, params)
	bwd := backward && !sameBits(b.wfFrom, params)
	for l := range b.net.convs {
		L := &b.net.convs[l]
		switch {
		case b.wino[l]:
			if fwd {
				winoWeights(L, b.wt[l], false)
			}
			if bwd {
				winoWeights(L, b.wf[l], true)
			}
		default:
			if fwd {
				L.reorderForward(b.wt[l])
			}
			if bwd {
				L.reorderBackward(b.wf[l])
			}
		}
	}
	if fwd {
		b.wtFrom = append(b.wtFrom[:0], params...)
	}
	if bwd {
		b.wfFrom = append(b.wfFrom[:0], params...)
	}
	slots := 1
	if !b.Serial && b.used > 1 {
		slots = min(mat.Threads(), b.used)
	}
	for len(b.slots) < slots {
		b.slots = append(b.slots, b.newSlot())
	}
	for _, s := range b.slots[:slots] {
		if backward && s.grad == nil {
			s.grad = b.net.newGrads(b.perBlock)
		}
		if (backward || b.forwardOnly) && s.work == nil {
			s.work = b.net.newWork(b.perBlock, !b.forwardOnly)
		}
	}
}

// sameBits reports whether a and b hold the same bits.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 4*len(b)))
}

func (b *UNetBatch) newSlot() *unetSlot {
	u := b.net
	col, dwt := 0, 0
	for l, L := range u.convs {
		rows := b.perBlock * u.levelPixels(convLevel[l])
		if b.wino[l] {
			th, tw := winoTiles(u.Height>>convLevel[l], u.Width>>convLevel[l])
			col = max(col, winoScratchSize(L.cin, L.cout, b.perBlock*th*tw, tw))
		} else {
			col = max(col, colSize(rows, L.patch()), colSize(rows, L.k*L.k*L.cout))
		}
		dwt = max(dwt, b.reorderedSize(l))
	}
	s := &unetSlot{conv: convScratch{local: new(mat.Local), col: make([]float32, col)},
		brep: make([]float32, max(postRunValues, 4*u.Base, u.Channels))}
	if u.Classes > 0 {
		s.erep = make([]float32, max(postRunValues, 4*u.Base))
	}
	if !b.forwardOnly {
		s.dwt = make([]float32, dwt)
	}
	return s
}

// eachBlock calls pass(s, slot) for every block s of the running call. With several blocks,
// each of mat's threads takes a slot and claims blocks one at a time until none is left;
// which thread, and which slot, runs a block changes nothing in its result.
func (b *UNetBatch) eachBlock(pass func(s int, slot *unetSlot)) {
	if b.used == 1 || b.Serial {
		for s := range b.used {
			pass(s, b.slots[0])
		}
		return
	}
	b.pass = pass
	b.next.Store(0)
	b.nextSlot.Store(0)
	mat.Parallel(b.used, b.runClaim)
	b.pass = nil
}

func (b *UNetBatch) claim(lo, hi int) {
	i := int(b.nextSlot.Add(1)) - 1
	if i >= len(b.slots) {
		panic("nn: UNetBatch: mat's threads changed during a call")
	}
	slot := b.slots[i]
	for s := int(b.next.Add(1)) - 1; s < b.used; s = int(b.next.Add(1)) - 1 {
		b.pass(s, slot)
	}
}

// forwardBlock runs block s forward, in its own workspace on a training batch (Backward may
// follow) or in the slot's on a forward-only one, and gathers its outputs.
func (b *UNetBatch) forwardBlock(s int, slot *unetSlot) {
	k := &b.blocks[s]
	w := k.work
	if b.forwardOnly {
		w = slot.work
	}
	M := b.blockForward(k, slot, w)
	b.gatherOutput(k, M.y)
}

// blockForward runs block k's images of the running call through the network in w and
// returns the maps.
func (b *UNetBatch) blockForward(k *unetBlock, slot *unetSlot, w *unetWork) unetMaps {
	u := k.net
	n := k.hi - k.lo
	M := u.maps(w, n)
	hw := u.Height * u.Width
	ch := u.Channels
	x := b.x[k.lo*ch*hw : k.hi*ch*hw]
	for img := range n {
		tv := b.t[0]
		if len(b.t) > 1 {
			tv = b.t[k.lo+img]
		}
		rows := M.in.x[img*hw*(ch+1) : (img+1)*hw*(ch+1)]
		for c := range ch {
			plane := x[(img*ch+c)*hw : (img*ch+c+1)*hw]
			for p, v := range plane {
				rows[p*(ch+1)+c] = v
			}
		}
		for p := range hw {
			rows[p*(ch+1)+ch] = tv
		}
	}
	conv := func(l int) {
		L := &u.convs[l]
		post := postOp{act: u.Act, z: M.z[l], h: M.convOut[l], b: L.b, brep: repeatBias(slot.brep, L.b)}
		if l == dec1out {
			post.act = noAct
		}
		if e := u.embedding(l); e != nil {
			post.emb, post.labels, post.first, post.pixels, post.erep = e, b.labels, k.lo, u.levelPixels(convLevel[l]), slot.erep
		}
		convForward(&slot.conv, L, b.wino[l], b.wt[l], M.convIn[l], M.convOut[l], &post)
	}
	// The convolutions in order, each followed by the pooling or upsampling after it (a loop:
	// conv's code once, not inlined eleven times).
	for l := range numConvs {
		conv(l)
		switch l {
		case enc1b:
			maxPool2(M.e1, M.p1)
		case enc2b:
			maxPool2(M.e2, M.p2)
		case midB:
			upsample2(M.m, M.cat2.channels(0, 4*u.Base))
		case dec2b:
			upsample2(M.d2, M.cat1.channels(0, 2*u.Base))
		}
	}
	return M
}

// embedding returns the label embedding added to convolution l's pre-activation, or nil.
func (u *UNet) embedding(l int) *embedding {
	if u.Classes == 0 {
		return nil
	}
	for i, e := range unetEmbeddings {
		if e.conv == l {
			return &u.embs[i]
		}
	}
	return nil
}

// gatherOutput writes block k's outputs, NHWC in y, into b.y, NCHW.
func (b *UNetBatch) gatherOutput(k *unetBlock, y fmap) {
	u := b.net
	hw, ch := u.Height*u.Width, u.Channels
	out := b.y[k.lo*ch*hw : k.hi*ch*hw]
	for img := range k.hi - k.lo {
		for c := range ch {
			plane := out[(img*ch+c)*hw : (img*ch+c+1)*hw]
			for p := range plane {
				plane[p] = y.x[(img*hw+p)*ch+c]
			}
		}
	}
}

// Backward takes dL/dY (n*Channels*Height*Width values, NCHW) for the last Forward and
// overwrites the network's gradients with dL/dparams, the blocks' gradients summed in block
// order. If dx is not nil it also receives dL/dx for the images (n*Channels*Height*Width,
// NCHW; the t plane's gradient is not returned). dy is not modified.
func (b *UNetBatch) Backward(dy, dx []float32) {
	u := b.net
	size := b.n * u.Channels * u.Height * u.Width
	switch {
	case b.forwardOnly:
		panic("nn: UNetBatch.Backward on a forward-only batch")
	case !b.backwardOK:
		panic("nn: UNetBatch.Backward without a Forward before it")
	case u.Grads == nil:
		panic("nn: UNetBatch.Backward on a network without gradients (a WithParams view)")
	case len(dy) < size:
		panic(fmt.Sprintf("nn: UNetBatch.Backward on %d images, dy has %d values (want %d)", b.n, len(dy), size))
	case dx != nil && len(dx) < size:
		panic(fmt.Sprintf("nn: UNetBatch.Backward on %d images, dx has %d values (want %d)", b.n, len(dx), size))
	}
	b.prepare(true)
	b.dy, b.dx = dy, dx
	b.eachBlock(b.runBackward)
	b.dy, b.dx = nil, nil
	b.sumGrads()
}

func (b *UNetBatch) backwardBlock(s int, slot *unetSlot) {
	k := &b.blocks[s]
	u := b.net
	hw, ch := u.Height*u.Width, u.Channels
	gy := slot.grad.y
	dy := b.dy[k.lo*ch*hw : k.hi*ch*hw]
	for img := range k.hi - k.lo {
		for c := range ch {
			for p, v := range dy[(img*ch+c)*hw : (img*ch+c+1)*hw] {
				gy[(img*hw+p)*ch+c] = v
			}
		}
	}
	b.blockBackward(k, slot, k.work)
}

// blockBackward runs block k backward from dL/dY in slot.grad.y through the maps of w, writing
// the block's parameter gradients, and dL/dx into b.dx when that is not nil.
func (b *UNetBatch) blockBackward(k *unetBlock, slot *unetSlot, w *unetWork) {
	u := k.net
	n := k.hi - k.lo
	M := u.maps(w, n)
	g := slot.grad
	c, ch := u.Base, u.Channels
	fm := func(x []float32, channels, level int) fmap {
		h, wd := u.Height>>level, u.Width>>level
		return fmap{x: x[:n*h*wd*channels], ld: channels, c: channels, n: n, h: h, w: wd}
	}
	gy, gin := fm(g.y, ch, 0), fm(g.in, ch+1, 0)
	g0a, g0b, gcat1 := fm(g.g0a, c, 0), fm(g.g0b, c, 0), fm(g.gcat1, 3*c, 0)
	g1a, g1b, gcat2 := fm(g.g1a, 2*c, 1), fm(g.g1b, 2*c, 1), fm(g.gcat2, 6*c, 1)
	g2a, g2b := fm(g.g2a, 4*c, 2), fm(g.g2b, 4*c, 2)
	gp1, gp2 := fm(g.g1b, c, 1), fm(g.g2a, 2*c, 2)

	// back runs convolution l backward from dz (dL/d of its pre-activation), into dx.
	back := func(l int, dz, dx fmap) {
		convBackward(&slot.conv, &u.convs[l], b.wino[l], b.wf[l], slot.dwt, M.convIn[l], dz, dx)
	}
	act := func(l int, dh fmap) {
		actGradMap(u.Act, dh, M.z[l], M.convOut[l])
		if e := u.embedding(l); e != nil { // dh is now dL/d of the pre-activation
			embeddingBackwardMap(e, dh, b.labels, k.lo, u.levelPixels(convLevel[l]))
		}
	}

	ge1, ge2 := gcat1.channels(2*c, 3*c), gcat2.channels(4*c, 6*c)
	// Each convolution's dL/dz, from which it runs backward, and the dL/d of its input it
	// writes (for the first, dL/dx's with the t plane, or nothing).
	none := fmap{}
	dzs := [numConvs]*fmap{enc1a: &g0a, enc1b: &ge1, enc2a: &g1a, enc2b: &ge2, midA: &g2b, midB: &g2a,
		dec2a: &g1b, dec2b: &g1a, dec1a: &g0b, dec1b: &g0a, dec1out: &gy}
	dxs := [numConvs]*fmap{enc1a: &none, enc1b: &g0a, enc2a: &gp1, enc2b: &g1a, midA: &gp2, midB: &g2b,
		dec2a: &gcat2, dec2b: &g1b, dec1a: &gcat1, dec1b: &g0b, dec1out: &g0a}
	if b.dx != nil {
		dxs[enc1a] = &gin
	}
	// The convolutions in reverse order, each followed by the upsampling or pooling before it
	// and the activation of the one before (a loop: back's code once, not inlined eleven times).
	for l := dec1out; l >= enc1a; l-- {
		back(l, *dzs[l], *dxs[l])
		switch l {
		case dec1a:
			upsample2Backward(gcat1.channels(0, 2*c), g1a)
		case dec2a:
			upsample2Backward(gcat2.channels(0, 4*c), g2a)
		case midA:
			maxPool2Backward(M.e2, gp2, ge2)
		case enc2a:
			maxPool2Backward(M.e1, gp1, ge1)
		}
		if l > enc1a {
			act(l-1, *dzs[l-1])
		}
	}
	if b.dx == nil {
		return
	}
	hw := u.Height * u.Width
	dx := b.dx[k.lo*ch*hw : k.hi*ch*hw]
	for img := range n {
		for ci := range ch {
			plane := dx[(img*ch+ci)*hw : (img*ch+ci+1)*hw]
			for p := range plane {
				plane[p] = gin.x[(img*hw+p)*(ch+1)+ci]
			}
		}
	}
}

// MSEGrad runs Forward on n images (labels as Forward takes them), then the mean squared error of the outputs against target
// (n*Channels*Height*Width values, NCHW) and Backward, each block going through all three at
// once in its slot's workspace. It returns the loss, computed as MSE computes it but summed
// block by block, and leaves dL/dparams in the network's gradients, summed in block order. The
// outputs are not kept; Backward may not follow.
func (b *UNetBatch) MSEGrad(x, t []float32, labels []int32, target []float32, n int) float32 {
	u := b.net
	size := n * u.Channels * u.Height * u.Width
	switch {
	case n < 1 || n > b.maxBatch:
		panic(fmt.Sprintf("nn: UNetBatch.MSEGrad on %d images, the batch holds %d", n, b.maxBatch))
	case len(x) < size || len(target) != size || len(t) != n && len(t) != 1:
		panic(fmt.Sprintf("nn: UNetBatch.MSEGrad on %d images with %d inputs, %d times and %d targets", n, len(x), len(t), len(target)))
	case u.Grads == nil || b.forwardOnly:
		panic("nn: UNetBatch.MSEGrad on a network without gradients or a forward-only batch")
	}
	checkLabels(labels, n, u.Classes)
	b.cut(n)
	b.prepare(true)
	b.x, b.t, b.labels, b.target = x, t, labels, target
	b.eachBlock(b.runMSE)
	b.x, b.t, b.labels, b.target = nil, nil, nil, nil
	b.backwardOK = false
	b.sumGrads()
	var sq float64
	for _, v := range b.sqErr[:b.used] {
		sq += v
	}
	return float32(sq / float64(size))
}

// mseBlock runs block s forward, takes its share of MSE (its sum of squared errors, in the
// NCHW order of the outputs, and its dL/dY, NHWC, into the slot) and runs it backward.
func (b *UNetBatch) mseBlock(s int, slot *unetSlot) {
	k := &b.blocks[s]
	u := b.net
	M := b.blockForward(k, slot, slot.work)
	hw, ch := u.Height*u.Width, u.Channels
	scale := 2 / float32(b.n*ch*hw)
	target := b.target[k.lo*ch*hw : k.hi*ch*hw]
	gy := slot.grad.y
	var sum float64
	for img := range k.hi - k.lo {
		for c := range ch {
			for p, tv := range target[(img*ch+c)*hw : (img*ch+c+1)*hw] {
				i := (img*hw+p)*ch + c
				e := M.y.x[i] - tv
				sum += float64(e) * float64(e)
				gy[i] = scale * e
			}
		}
	}
	b.sqErr[s] = sum
	b.blockBackward(k, slot, slot.work)
}

// sumGrads adds the blocks' gradients into the network's.
func (b *UNetBatch) sumGrads() {
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
func (b *UNetBatch) sum(lo, hi int) {
	g := b.net.Grads[lo:hi]
	for _, k := range b.blocks[1:b.used] {
		asm.Axpy(1, k.net.Grads[lo:hi], g)
	}
}

// unetGradSum is UNetBatch.sum as a rangeTask.
type unetGradSum struct{ b *UNetBatch }

func (g *unetGradSum) run(lo, hi int) { g.b.sum(lo, hi) }
