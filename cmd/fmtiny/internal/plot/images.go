package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
)

// Limits and defaults of pictures of images.
const (
	MaxImages        = 256 // the most images a grid draws (the first ones)
	MaxGridColumns   = 16  // the most images a row of a grid
	DefaultFlowRows  = 8   // images (rows) of a flow picture unless Options.Rows says
	MaxFlowRows      = 64  // the most rows of a flow picture
	MaxFlowTimes     = 25  // the most times (columns) of a flow picture; more are thinned evenly
	DefaultImageSide = 84  // about the side of one image in pixels (28 x 28 at 3 pixels a pixel)
	imageGap         = 2   // between images
	blockGap         = 28  // between the grids of two tables, side by side
)

// imageScale is the number of screen pixels a side of one image pixel takes: the side asked
// (Options.Size, else DefaultImageSide) over the image's longer side, at least 1.
func imageScale(s Shape, opt Options) int {
	side := max(s.H, s.W)
	if opt.Size > 0 {
		return max(1, min(opt.Size, MaxSize)/side)
	}
	return max(1, int(math.Round(float64(DefaultImageSide)/float64(side))))
}

// cell is one image of a block: image i of the table at time t (index into Data.X).
type cell struct{ t, i int }

// block lays out one table's images in rows, with an optional title over it, a title over each
// column and a label left of each row.
type block struct {
	d         *Data
	title     string
	heads     []string // over each column; nil for none
	rowHead   string   // over the row labels
	rowLabels []string // left of each row; nil for none
	cells     [][]cell // per row, left to right
	scale     int
}

// Sizes of the parts of a block, in pixels.
func (b *block) imageW() int { return b.d.Shape.W * b.scale }
func (b *block) imageH() int { return b.d.Shape.H * b.scale }

func (b *block) colW() int {
	w := b.imageW()
	for _, h := range b.heads {
		w = max(w, textWidth(h, 1)+6)
	}
	return w
}

func (b *block) cols() int {
	n := len(b.heads)
	for _, r := range b.cells {
		n = max(n, len(r))
	}
	return n
}

func (b *block) labelW() int {
	if b.rowLabels == nil {
		return 0
	}
	w := textWidth(b.rowHead, 1)
	for _, l := range b.rowLabels {
		w = max(w, textWidth(l, 2))
	}
	return w + 10
}

func (b *block) titleH() int {
	if b.title == "" {
		return 0
	}
	return textHeight(2) + rowLabelGap
}

func (b *block) headH() int {
	if b.heads == nil && b.rowHead == "" {
		return 0
	}
	return textHeight(1) + 5
}

func (b *block) width() int {
	cols := b.cols()
	return max(b.labelW()+cols*b.colW()+(cols-1)*imageGap, textWidth(b.title, 2))
}

func (b *block) height() int {
	rows := len(b.cells)
	return b.titleH() + b.headH() + rows*b.imageH() + (rows-1)*imageGap
}

// draw paints the block with its top-left corner at (x, y).
func (b *block) draw(img *image.RGBA, x, y int) {
	lw, cw := b.labelW(), b.colW()
	gridW := b.cols()*cw + (b.cols()-1)*imageGap
	if b.title != "" {
		textCentered(img, x+lw+gridW/2, y, b.title, 2, true, img.Rect.Dx())
		y += b.titleH()
	}
	if b.headH() > 0 {
		for j, h := range b.heads {
			cx := x + lw + j*(cw+imageGap) + cw/2
			drawText(img, cx-textWidth(h, 1)/2, y, h, 1, ink)
		}
		if b.rowHead != "" {
			drawText(img, x+lw-10-textWidth(b.rowHead, 1), y, b.rowHead, 1, ink)
		}
		y += b.headH()
	}
	size := b.d.Shape.Size()
	for r, row := range b.cells {
		top := y + r*(b.imageH()+imageGap)
		if r < len(b.rowLabels) {
			l := b.rowLabels[r]
			drawText(img, x+lw-10-textWidth(l, 2), top+(b.imageH()-textHeight(2))/2+2, l, 2, ink)
		}
		for j, c := range row {
			left := x + lw + j*(cw+imageGap) + (cw-b.imageW())/2
			drawImage(img, left, top, b.d.X[c.t][c.i*size:(c.i+1)*size], b.d.Shape, b.scale)
		}
	}
}

// drawImage paints one image of the given shape with its top-left corner at (x, y), each of its
// pixels a scale x scale square: grey for one channel, RGB for three, values in [0, 1] (clamped;
// NaN is black).
func drawImage(img *image.RGBA, x, y int, v []float32, s Shape, scale int) {
	plane := s.H * s.W
	level := func(f float32) uint8 {
		if !(f > 0) {
			return 0
		}
		if f >= 1 {
			return 255
		}
		return uint8(f*255 + 0.5)
	}
	for py := range s.H {
		for px := range s.W {
			k := py*s.W + px
			g := level(v[k])
			c := [3]uint8{g, g, g}
			if s.C == 3 {
				c = [3]uint8{g, level(v[plane+k]), level(v[2*plane+k])}
			}
			fillRect(img, x+px*scale, y+py*scale, scale, scale, rgb(c))
		}
	}
}

// ImageGrids draws each table of images as a grid, the grids side by side, each titled with its
// table's label: the first MaxImages images, about as many rows as columns (at most
// MaxGridColumns a row), or for labelled images a row per label, ascending, holding that
// label's first images, as many as the fullest label has up to MaxGridColumns.
func ImageGrids(data []*Data, opt Options) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("plot: no images to draw")
	}
	var blocks []*block
	for _, d := range data {
		if err := checkImages(d); err != nil {
			return nil, err
		}
		if d.T != nil {
			return nil, errorf("%s: images over time, not a grid of images", d.name())
		}
		blocks = append(blocks, gridBlock(d, opt))
	}
	return renderBlocks(blocks, opt, ImageNotes(data, opt), true)
}

// ImageFlows draws each table of images at several times (from sample --at) as the seed's
// picture of the flow: a row per image (the first Options.Rows ids, DefaultFlowRows if 0), a
// column per time titled with it in the shortest form ("t = 0", "t = 0.125"), from the noise on the left to the images on the right; the
// tables one above the other, each titled with its label. Labelled images have their label left
// of their row. Of more than MaxFlowTimes times, MaxFlowTimes evenly spaced ones are drawn,
// the first and the last among them.
func ImageFlows(data []*Data, opt Options) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("plot: no images to draw")
	}
	var blocks []*block
	for _, d := range data {
		if err := checkImages(d); err != nil {
			return nil, err
		}
		if d.T == nil {
			return nil, errorf("%s: a grid of images, not images over time", d.name())
		}
		b := &block{d: d, title: d.Title(), scale: imageScale(d.Shape, opt)}
		times := flowTimes(len(d.T))
		for _, k := range times {
			b.heads = append(b.heads, "t = "+formatFloat(float64(d.T[k]), 'f', -1, 32))
		}
		for i := range flowRows(d, opt) {
			var row []cell
			for _, k := range times {
				row = append(row, cell{k, i})
			}
			b.cells = append(b.cells, row)
			if d.Labels != nil {
				b.rowLabels = append(b.rowLabels, itoa(d.Labels[i]))
				b.rowHead = "label"
			}
		}
		blocks = append(blocks, b)
	}
	return renderBlocks(blocks, opt, ImageNotes(data, opt), false)
}

func checkImages(d *Data) error {
	if err := d.check(); err != nil {
		return err
	}
	if d.Kind != Images {
		return errorf("%s: %s, not images", d.name(), d.Kind)
	}
	return nil
}

// flowRows is the number of images a flow picture draws of d.
func flowRows(d *Data, opt Options) int {
	rows := opt.Rows
	if rows <= 0 {
		rows = DefaultFlowRows
	}
	return min(rows, MaxFlowRows, d.Points())
}

// flowTimes picks the indices of the times drawn of n: all, or MaxFlowTimes evenly spaced from
// the first to the last.
func flowTimes(n int) []int {
	m := min(n, MaxFlowTimes)
	idx := make([]int, m)
	for k := range m {
		idx[k] = k
		if m < n {
			idx[k] = int(math.Round(float64(k) * float64(n-1) / float64(m-1)))
		}
	}
	return idx
}

// gridBlock lays out a table of images without times as a grid.
func gridBlock(d *Data, opt Options) *block {
	b := &block{d: d, title: d.Title(), scale: imageScale(d.Shape, opt)}
	n := d.Points()
	if d.Labels == nil {
		drawn := min(n, MaxImages)
		cols := min(MaxGridColumns, int(math.Ceil(math.Sqrt(float64(drawn)))))
		for i := 0; i < drawn; i += cols {
			var row []cell
			for j := i; j < min(i+cols, drawn); j++ {
				row = append(row, cell{0, j})
			}
			b.cells = append(b.cells, row)
		}
		return b
	}
	cols, byLabel, labels := labelRows(d)
	b.rowHead = "label"
	for _, l := range labels[:min(len(labels), MaxImages/cols)] {
		var row []cell
		for _, i := range byLabel[l][:min(cols, len(byLabel[l]))] {
			row = append(row, cell{0, i})
		}
		b.cells = append(b.cells, row)
		b.rowLabels = append(b.rowLabels, itoa(l))
	}
	return b
}

// labelRows groups d's images by label: the images of each label in the table's order, the
// labels ascending, and the length of a row (the fullest label's count, at most MaxGridColumns).
func labelRows(d *Data) (cols int, byLabel map[int][]int, labels []int) {
	byLabel = map[int][]int{}
	for i, l := range d.Labels {
		byLabel[l] = append(byLabel[l], i)
	}
	for l, imgs := range byLabel {
		labels = append(labels, l)
		cols = max(cols, min(len(imgs), MaxGridColumns))
	}
	slices.Sort(labels)
	return cols, byLabel, labels
}

// ImageNotes says what a picture of images leaves out: images past the grid's cap, labels past
// its rows, times thinned. The command line prints them; the picture shows them under its title.
func ImageNotes(data []*Data, opt Options) []string {
	var notes []string
	for _, d := range data {
		if d.Kind != Images || d.check() != nil {
			continue
		}
		name := d.name() + ": "
		if len(data) == 1 {
			name = ""
		}
		n := d.Points()
		switch {
		case d.T != nil:
			if len(d.T) > MaxFlowTimes {
				notes = append(notes, fmt.Sprintf("%s%d of %d times, evenly spaced", name, MaxFlowTimes, len(d.T)))
			}
		case d.Labels == nil:
			if n > MaxImages {
				notes = append(notes, fmt.Sprintf("%sthe first %d of %d images", name, MaxImages, n))
			}
		default:
			cols, byLabel, labels := labelRows(d)
			rows := min(len(labels), MaxImages/cols)
			shown := 0
			for _, l := range labels[:rows] {
				shown += min(cols, len(byLabel[l]))
			}
			if rows < len(labels) {
				notes = append(notes, fmt.Sprintf("%sthe first %d of %d labels, %d of %d images", name, rows, len(labels), shown, n))
			} else if shown < n {
				notes = append(notes, fmt.Sprintf("%s%d of %d images, at most %d a label", name, shown, n, cols))
			}
		}
	}
	return notes
}

// renderBlocks draws the picture of blocks, side by side (across) or one above the other, under
// the title and the notes.
func renderBlocks(blocks []*block, opt Options, notes []string, across bool) (*image.RGBA, error) {
	title := opt.Title
	if len(blocks) == 1 {
		if title == "" {
			title = blocks[0].title
		}
		blocks[0].title = ""
	}
	width, height := 0, 0
	for i, b := range blocks {
		if across {
			width += b.width()
			height = max(height, b.height())
			if i > 0 {
				width += blockGap
			}
		} else {
			width = max(width, b.width())
			height += b.height()
			if i > 0 {
				height += rowGap
			}
		}
	}
	top := pad
	if title != "" {
		top += textHeight(2) + titleGap
		width = max(width, textWidth(title, 2))
	}
	for _, n := range notes {
		width = max(width, textWidth(n, 1))
	}
	top += len(notes) * (textHeight(1) + 3)
	if len(notes) > 0 {
		top += 4
	}
	width += 2 * pad
	height += top + pad
	if width*height > MaxPixels {
		return nil, errorf("plot: a picture of %dx%d pixels is too large (at most %d million); draw fewer or smaller images", width, height, MaxPixels>>20)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fillRect(img, 0, 0, width, height, white)
	y := pad
	if title != "" {
		textCentered(img, width/2, y, title, 2, true, width)
		y += textHeight(2) + titleGap
	}
	for _, n := range notes {
		textCentered(img, width/2, y, n, 1, false, width)
		y += textHeight(1) + 3
	}
	x, y := pad, top
	for _, b := range blocks {
		b.draw(img, x, y)
		if across {
			x += b.width() + blockGap
		} else {
			y += b.height() + rowGap
		}
	}
	return img, nil
}
