package plot

import (
	"errors"
	"image"
	"math"
	"strconv"
)

// DensityPanels draws samples side by side, one panel each titled with its Data.Title, on one
// shared range: a 2D histogram, or dots for few points (see Style).
func DensityPanels(samples []*Data, opt Options) (*image.RGBA, error) {
	if len(samples) == 0 {
		return nil, errors.New("plot: no samples to draw")
	}
	var sets [][]float32
	titles := make([]string, len(samples))
	most := 0
	for i, d := range samples {
		if err := d.check(); err != nil {
			return nil, err
		}
		if d.Kind != Sample {
			return nil, errorf("%s: %s, not a sample", d.name(), d.Kind)
		}
		sets = append(sets, d.X[0])
		titles[i] = d.Title()
		most = max(most, d.Points())
	}
	onePanelTitle(&opt, titles, samples[0].Dims)
	g, err := pointGrid(sets, opt, DefaultSize)
	if err != nil {
		return nil, err
	}
	g.setRow(opt.Title, titles)
	scatter := useScatter(opt.Style, most)
	var labels [][]int
	for _, d := range samples {
		labels = append(labels, d.Labels)
	}
	cls := classesOf(labels...)
	g.draw = func(img *image.RGBA, p *panel, _, col int) {
		d := samples[col]
		drawPoints(img, p, d.X[0], d.Labels, cls, scatter, opt.binPixels())
		if d.Labels != nil {
			drawLegend(img, p, append([]legendEntry{{text: "label"}}, labelEntries(cls, d.Labels)...), d.X[0])
		}
	}
	return g.render()
}

// SnapshotRows draws one row per Data of snapshots, one panel per time titled "t = 0.10",
// each row labelled with its Data.Title over it; all panels share one range.
func SnapshotRows(rows []*Data, opt Options) (*image.RGBA, error) {
	if len(rows) == 0 {
		return nil, errors.New("plot: no snapshots to draw")
	}
	var sets [][]float32
	g := &grid{title: opt.Title, titleScale: 2}
	most := 0
	for _, d := range rows {
		if err := d.check(); err != nil {
			return nil, err
		}
		if d.Kind == Sample {
			return nil, errorf("%s: a sample, not snapshots", d.name())
		}
		if len(d.X) > 64 {
			return nil, errorf("%s: %d times; a row of snapshots draws at most 64 (draw it as a trajectory)", d.name(), len(d.X))
		}
		sets = append(sets, d.X...)
		g.rowLabels = append(g.rowLabels, d.Title())
		titles := make([]string, len(d.T))
		for i, t := range d.T {
			titles[i] = "t = " + timeLabel(t)
		}
		g.titles = append(g.titles, titles)
		most = max(most, d.Points())
	}
	pg, err := pointGrid(sets, opt, DefaultRowSize)
	if err != nil {
		return nil, err
	}
	g.r, g.w, g.h = pg.r, pg.w, pg.h
	scatter := useScatter(opt.Style, most)
	g.draw = func(img *image.RGBA, p *panel, row, col int) {
		drawPoints(img, p, rows[row].X[col], nil, nil, scatter, opt.binPixels())
	}
	return g.render()
}

// timeLabel writes t with two decimals, or more where two would round it ("0.975").
func timeLabel(t float32) string {
	s := formatFloat(float64(t), 'f', 2, 32)
	if v, _ := strconv.ParseFloat(s, 32); float32(v) != t {
		s = formatFloat(float64(t), 'f', -1, 32)
	}
	return s
}

// onePanelTitle: a picture of one panel (titles holds one) puts the panel's title over the
// picture, or lets the caller's stand, and drops the panel's own unless it says that only two
// of dims dimensions are drawn.
func onePanelTitle(opt *Options, titles []string, dims int) {
	if len(titles) != 1 {
		return
	}
	if opt.Title == "" {
		opt.Title = titles[0]
	}
	if opt.Title == titles[0] || dims <= 2 {
		titles[0] = ""
	}
}

// setRow gives a one-row picture its title and its panels' titles.
func (g *grid) setRow(title string, titles []string) {
	g.title, g.titles, g.titleScale = title, [][]string{titles}, 2
}

// pointGrid sizes panels for the given sets of (x, y) pairs: the range given or found, with
// equal aspect, in whole histogram bins.
func pointGrid(sets [][]float32, opt Options, defSize int) (*grid, error) {
	var r Range
	if opt.Range != nil {
		if !opt.Range.valid() {
			return nil, errorf("plot: range %v is empty or not finite", *opt.Range)
		}
		r = *opt.Range
	} else {
		r = robustRange(sets)
	}
	bin := opt.binPixels()
	size := max(opt.size(defSize)/bin*bin, 4*bin)
	r, w, h := fitAspect(r, size)
	// Whole bins: shrink the plot area to a multiple of the bin and keep the scale.
	w2, h2 := max(bin, w/bin*bin), max(bin, h/bin*bin)
	cx, cy := (r.XMin+r.XMax)/2, (r.YMin+r.YMax)/2
	sx, sy := (r.XMax-r.XMin)*float64(w2)/float64(w), (r.YMax-r.YMin)*float64(h2)/float64(h)
	r = Range{cx - sx/2, cx + sx/2, cy - sy/2, cy + sy/2}
	return &grid{r: r, w: w2, h: h2}, nil
}

func useScatter(s Style, points int) bool {
	return s == Scatter || s == AutoStyle && points <= ScatterMax
}

// Dots of a scatter: a translucent disc of viridis's darkest colour (or of the point's label's),
// so that piles of them read darker than single ones.
const (
	dotRadius = 1.6
	dotAlpha  = 0.55
)

// drawPoints paints the (x, y) pairs of pts in the panel, as dots or as a histogram of
// bin x bin pixel cells whose counts are log-scaled onto viridis; empty cells stay as they are.
// Labelled points (labels not nil, one per point) are drawn in the colours of their classes:
// dots of their label's colour, or cells of the colour of the label most of their points have,
// pale where few points fall and full where most do.
func drawPoints(img *image.RGBA, p *panel, pts []float32, labels []int, cls classes, scatter bool, bin int) {
	if scatter {
		c := viridis[0]
		for i := 0; i+1 < len(pts); i += 2 {
			if labels != nil {
				c = cls.color(labels[i/2])
			}
			x, y := p.at(float64(pts[i]), float64(pts[i+1]))
			disc(img, p.rect, x, y, dotRadius, c, dotAlpha)
		}
		return
	}
	if labels != nil {
		drawMajority(img, p, pts, labels, cls, bin)
		return
	}
	counts, nx, ny := histogram(p, pts, bin)
	var most uint32
	for _, c := range counts {
		most = max(most, c)
	}
	if most == 0 {
		return
	}
	// log(1 + c) / log(1 + max): a bin of one point is still visibly coloured when the
	// densest holds thousands.
	scale := 1 / math.Log1p(float64(most))
	for by := range ny {
		for bx := range nx {
			c := counts[by*nx+bx]
			if c == 0 {
				continue
			}
			col := viridis.At(math.Log1p(float64(c)) * scale)
			fillRect(img, p.rect.Min.X+bx*bin, p.rect.Min.Y+by*bin, bin, bin, col)
		}
	}
}

// Strength of a labelled histogram's cell colour: from minTint for one point to 1 for the
// fullest cell, log-scaled as the counts of a plain histogram are.
const minTint = 0.3

// drawMajority paints each histogram cell that holds labelled points in the colour of the label
// most of them have (the smallest label's rank on a tie), tinted by the cell's count.
func drawMajority(img *image.RGBA, p *panel, pts []float32, labels []int, cls classes, bin int) {
	// One key per point inside the panel, cell above rank: sorted, each cell's points are a run
	// and within it each label's. The keys, cell * ranks + rank, are below 2^47 and so exact
	// in a float64, whose sort serves other callers too.
	ranks := int64(len(cls)) + 1
	var keys []float64
	nx, _ := eachCell(p, pts, bin, func(i, cell int) {
		keys = append(keys, float64(int64(cell)*ranks+int64(cls.rank(labels[i]))))
	})
	if len(keys) == 0 {
		return
	}
	sortFloats(keys)
	type cellColor struct {
		cell, rank int
		count      uint32
	}
	var cells []cellColor
	var most uint32
	for i := 0; i < len(keys); {
		cell := int64(keys[i]) / ranks
		c := cellColor{cell: int(cell)}
		var bestRun uint32
		for i < len(keys) && int64(keys[i])/ranks == cell {
			j := i
			for j < len(keys) && keys[j] == keys[i] {
				j++
			}
			if run := uint32(j - i); run > bestRun {
				bestRun, c.rank = run, int(int64(keys[i])%ranks)
			}
			c.count += uint32(j - i)
			i = j
		}
		most = max(most, c.count)
		cells = append(cells, c)
	}
	scale := 1 / math.Log1p(float64(most))
	for _, c := range cells {
		f := minTint + (1-minTint)*math.Log1p(float64(c.count))*scale
		if most == 1 {
			f = 1
		}
		col := tint(tab10[c.rank%len(tab10)], f)
		fillRect(img, p.rect.Min.X+c.cell%nx*bin, p.rect.Min.Y+c.cell/nx*bin, bin, bin, col)
	}
}

// histogram counts the points falling in each bin x bin pixel cell of the panel, row 0 at the
// top; points outside the panel (or not finite) are not counted.
func histogram(p *panel, pts []float32, bin int) (counts []uint32, nx, ny int) {
	nx, ny = p.rect.Dx()/bin, p.rect.Dy()/bin
	counts = make([]uint32, nx*ny)
	eachCell(p, pts, bin, func(_, cell int) { counts[cell]++ })
	return counts, nx, ny
}

// eachCell calls f with the index of each (x, y) pair of pts that falls in the panel and the
// index of its bin x bin pixel cell (nx cells a row, row 0 at the top); points outside the
// panel (or not finite) are skipped.
func eachCell(p *panel, pts []float32, bin int, f func(i, cell int)) (nx, ny int) {
	nx, ny = p.rect.Dx()/bin, p.rect.Dy()/bin
	r := p.r
	sx := float32(float64(nx) / (r.XMax - r.XMin))
	sy := float32(float64(ny) / (r.YMax - r.YMin))
	x0, y1 := float32(r.XMin), float32(r.YMax)
	fnx, fny := float32(nx), float32(ny)
	for i := 0; i+1 < len(pts); i += 2 {
		fx := (pts[i] - x0) * sx
		fy := (y1 - pts[i+1]) * sy
		if !(fx >= 0 && fx < fnx && fy >= 0 && fy < fny) {
			continue
		}
		f(i/2, int(fy)*nx+int(fx))
	}
	return nx, ny
}
