package plot

import (
	"errors"
	"fmt"
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
			return nil, fmt.Errorf("%s: %s, not a sample", d.name(), d.Kind)
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
	g.draw = func(img *image.RGBA, p *panel, _, col int) {
		drawPoints(img, p, samples[col].X[0], scatter, opt.binPixels())
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
			return nil, fmt.Errorf("%s: a sample, not snapshots", d.name())
		}
		if len(d.X) > 64 {
			return nil, fmt.Errorf("%s: %d times; a row of snapshots draws at most 64 (draw it as a trajectory)", d.name(), len(d.X))
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
		drawPoints(img, p, rows[row].X[col], scatter, opt.binPixels())
	}
	return g.render()
}

// timeLabel writes t with two decimals, or more where two would round it ("0.975").
func timeLabel(t float32) string {
	s := strconv.FormatFloat(float64(t), 'f', 2, 32)
	if v, _ := strconv.ParseFloat(s, 32); float32(v) != t {
		s = strconv.FormatFloat(float64(t), 'f', -1, 32)
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
			return nil, fmt.Errorf("plot: range %v is empty or not finite", *opt.Range)
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

// Dots of a scatter: a translucent disc of viridis's darkest colour, so that piles of them
// read darker than single ones.
const (
	dotRadius = 1.6
	dotAlpha  = 0.55
)

// drawPoints paints the (x, y) pairs of pts in the panel, as dots or as a histogram of
// bin x bin pixel cells whose counts are log-scaled onto viridis; empty cells stay as they are.
func drawPoints(img *image.RGBA, p *panel, pts []float32, scatter bool, bin int) {
	if scatter {
		c := viridis[0]
		for i := 0; i+1 < len(pts); i += 2 {
			x, y := p.at(float64(pts[i]), float64(pts[i+1]))
			disc(img, p.rect, x, y, dotRadius, c, dotAlpha)
		}
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

// histogram counts the points falling in each bin x bin pixel cell of the panel, row 0 at the
// top; points outside the panel (or not finite) are not counted.
func histogram(p *panel, pts []float32, bin int) (counts []uint32, nx, ny int) {
	nx, ny = p.rect.Dx()/bin, p.rect.Dy()/bin
	counts = make([]uint32, nx*ny)
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
		counts[int(fy)*nx+int(fx)]++
	}
	return counts, nx, ny
}
