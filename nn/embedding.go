package nn

import (
	"fmt"

	"github.com/fmtiny/fmtiny/asm"
)

// This file holds the label embedding's passes, forward and backward side by side: a table of
// Classes+1 rows of the first Linear layer's width, whose row for each point's label is added
// to that layer's output. In PyTorch it is nn.Embedding(Classes+1, width) and
// main[0](input) + label_emb(labels): the same function as a Linear layer on
// cat(x, t, one_hot(label)), whose weight's one-hot columns are the table's rows.

// embedding is the label table's view into the flat parameter and gradient buffers.
type embedding struct {
	classes, width int       // rows are classes+1: the last is "no label"
	w              []float32 // [classes+1 x width] row-major, a view into MLP.Params
	dw             []float32 // the same in MLP.Grads; nil for a WithParams view
}

// makeEmbedding cuts the table from the end of params (and grads, if not nil), after the
// layers; an MLP without classes has none.
func makeEmbedding(cfg Config, params, grads []float32) embedding {
	rows := cfg.embeddingRows()
	if rows == 0 {
		return embedding{}
	}
	width := cfg.widths()[1]
	off := len(params) - rows*width
	e := embedding{classes: cfg.Classes, width: width, w: params[off:len(params):len(params)]}
	if grads != nil {
		e.dw = grads[off:len(grads):len(grads)]
	}
	return e
}

// labelRow is the table row of row i of a batch: labels holds one label per row, or one shared
// by every row, or none (nil), which means "no label" for every row.
func labelRow(labels []int32, i, classes int) int {
	switch len(labels) {
	case 0:
		return classes
	case 1:
		i = 0
	}
	return int(labels[i])
}

// checkLabels panics unless labels fit n rows of a network of classes classes: one per row or
// one for all, each in 0..classes (classes itself is "no label"); nil fits any network.
func checkLabels(labels []int32, n, classes int) {
	if labels == nil {
		return
	}
	switch {
	case classes == 0:
		panic("nn: labels given to a network without classes")
	case len(labels) != n && len(labels) != 1:
		panic(fmt.Sprintf("nn: %d labels for %d rows (want %d or 1)", len(labels), n, n))
	}
	for i, y := range labels {
		if y < 0 || int(y) > classes {
			panic(fmt.Sprintf("nn: label %d of row %d outside 0..%d", y, i, classes))
		}
	}
}

// embeddingForward adds to each of the n rows of z [n x width] the table's row of its label.
func embeddingForward(e *embedding, z []float32, labels []int32, n int) {
	w := e.width
	for i := 0; i < n; i++ {
		r := labelRow(labels, i, e.classes)
		addRow(z[i*w:(i+1)*w], e.w[r*w:(r+1)*w])
	}
}

// embeddingBackward overwrites the table's gradient with the scatter-add of dz [n x width],
// the gradient of the first layer's output, into the rows of the labels: row r's gradient is
// the sum, in row order, of dz's rows labelled r, and zero for a label no row has.
func embeddingBackward(e *embedding, dz []float32, labels []int32, n int) {
	w := e.width
	clear(e.dw)
	for i := 0; i < n; i++ {
		r := labelRow(labels, i, e.classes)
		addRow(e.dw[r*w:(r+1)*w], dz[i*w:(i+1)*w])
	}
}

// addRow computes y[j] += x[j], one rounding each, as PyTorch's addition does.
func addRow(y, x []float32) {
	if len(y) < 8 {
		for j := range y {
			y[j] += x[j]
		}
		return
	}
	asm.AddBias(y, x)
}
