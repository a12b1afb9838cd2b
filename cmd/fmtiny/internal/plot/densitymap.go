package plot

import (
	"errors"
	"image"
	"image/color"
	"math"
)

// The colour scale of log-density maps: viridis on logp itself, from top - densitySpan to top,
// where top is the densityQuantile quantile of the finite log-densities of all panels; values
// above top take viridis's top colour and values below top - densitySpan its bottom one. On the
// checkerboard the squares (log(1/39.5) = -3.68) are then the bright top, the model's leak
// between them shows as a darker ground with its own structure over 8 nats (a factor of 3000
// in density), and neither a few spikes (a Hutchinson estimate gone wild, density piled at a
// corner) nor the noise of Hutchinson's estimate (a few tenths of a nat) move the scale much. A
// linear scale on exp(logp), as flow_matching's example draws, lets that noise (a factor
// exp(+-0.3) on every cell) set the top and dims the exact panel beside it.
const (
	densityQuantile = 0.99
	densitySpan     = 8.0
)

// notFinite is the colour of a log-density that is NaN or infinite: a grey that viridis
// never takes.
var notFinite = color.RGBA{150, 150, 150, 255}

// Colour bar of a density map, in pixels.
const (
	barGap   = 14 // between the last panel and the bar
	barWidth = 14
)

// densityScale is the top of the colour scale of maps, as a log-density, and whether any of them
// holds a value that is not finite.
func densityScale(maps []*Data) (top float64, nonFinite bool) {
	var v []float64
	for _, d := range maps {
		for _, l := range d.Grid.LogP {
			if f := float64(l); finite(f) {
				v = append(v, f)
			} else {
				nonFinite = true
			}
		}
	}
	if len(v) == 0 {
		return 0, nonFinite
	}
	sortFloats(v)
	f := densityQuantile * float64(len(v)-1)
	i := int(f)
	top = v[i]
	if i+1 < len(v) {
		top += (v[i+1] - v[i]) * (f - float64(i))
	}
	return top, nonFinite
}

// DensityMaps draws log-density grids (Kind LogDensity) side by side, one heat map panel each,
// titled with its Data.Title, on one range (every lattice's, each point's cell around it, or
// Options.Range) with equal aspect, all on one colour scale explained by a colour bar on the
// right: see densityQuantile. Cells whose log-density is not finite are grey.
func DensityMaps(maps []*Data, opt Options) (*image.RGBA, error) {
	if len(maps) == 0 {
		return nil, errors.New("plot: no log-densities to draw")
	}
	titles := make([]string, len(maps))
	var r Range
	cells := 0
	for i, d := range maps {
		if err := d.check(); err != nil {
			return nil, err
		}
		if d.Kind != LogDensity {
			return nil, errorf("%s: %s, not a log-density grid", d.name(), d.Kind)
		}
		titles[i] = d.Title()
		b := d.Grid.bounds()
		if i == 0 {
			r = b
		}
		r = r.union(b)
		cells = max(cells, len(d.Grid.X), len(d.Grid.Y))
	}
	if opt.Range != nil {
		if !opt.Range.valid() {
			return nil, errorf("plot: range %v is empty or not finite", *opt.Range)
		}
		r = *opt.Range
	}
	onePanelTitle(&opt, titles, 2)
	// By default a whole number of pixels a cell, about DefaultSize in all; a lattice of more
	// cells than that gets DefaultSize pixels, each the cell nearest its centre.
	size := DefaultSize
	if cells <= DefaultSize {
		size = int(math.Round(DefaultSize/float64(cells))) * cells
	}
	if opt.Size > 0 {
		size = min(opt.Size, MaxSize)
	}
	r, w, h := fitAspect(r, size)
	g := &grid{r: r, w: w, h: h}
	g.setRow(opt.Title, titles)
	top, nonFinite := densityScale(maps)
	g.draw = func(img *image.RGBA, p *panel, _, col int) {
		drawLattice(img, p, maps[col].Grid, top)
	}
	bar := colorBar{lo: top - densitySpan, hi: top, nonFinite: nonFinite}
	g.sideW = bar.width()
	g.side = bar.draw
	return g.render()
}

// bounds is the part of the plane the lattice's cells cover.
func (g *Lattice) bounds() Range {
	hx, hy := (g.X[1]-g.X[0])/2, (g.Y[1]-g.Y[0])/2
	return Range{g.X[0] - hx, g.X[len(g.X)-1] + hx, g.Y[0] - hy, g.Y[len(g.Y)-1] + hy}
}

// drawLattice paints each pixel of the panel with the log-density of the lattice point nearest
// its centre; pixels outside the lattice's cells stay as they are.
func drawLattice(img *image.RGBA, p *panel, g *Lattice, top float64) {
	nx, ny := len(g.X), len(g.Y)
	hx, hy := (g.X[nx-1]-g.X[0])/float64(nx-1), (g.Y[ny-1]-g.Y[0])/float64(ny-1)
	w, h := p.rect.Dx(), p.rect.Dy()
	col := make([]int, w) // the lattice column of each pixel column, or -1
	for px := range w {
		x := p.r.XMin + (float64(px)+0.5)/float64(w)*(p.r.XMax-p.r.XMin)
		col[px] = cellIndex(x, g.X[0], hx, nx)
	}
	for py := range h {
		y := p.r.YMax - (float64(py)+0.5)/float64(h)*(p.r.YMax-p.r.YMin)
		j := cellIndex(y, g.Y[0], hy, ny)
		if j < 0 {
			continue
		}
		for px, i := range col {
			if i < 0 {
				continue
			}
			fillRect(img, p.rect.Min.X+px, p.rect.Min.Y+py, 1, 1, densityColor(g.LogP[j*nx+i], top))
		}
	}
}

// cellIndex is the index of the lattice point nearest v on an axis of n points from v0 in steps
// of h, or -1 if v is outside their cells.
func cellIndex(v, v0, h float64, n int) int {
	f := math.Floor((v-v0)/h + 0.5)
	if !(f >= 0 && f < float64(n)) {
		return -1
	}
	return int(f)
}

// densityColor is the colour of log-density l on the scale whose top is top.
func densityColor(l float32, top float64) color.RGBA {
	if !finite(float64(l)) {
		return notFinite
	}
	return viridis.At((float64(l) - (top - densitySpan)) / densitySpan)
}

// colorBar explains a density map's colours: viridis from lo (bottom) to hi, with ticks, a
// caption, and a grey swatch for values that are not finite if there are any.
type colorBar struct {
	lo, hi    float64
	nonFinite bool
}

const (
	barCaption   = "log p"
	barNotFinite = "not finite"
)

func (b colorBar) ticks(h int) ([]float64, []string) {
	s, ok := chooseStep(b.lo, b.hi, h, 28, func(labels []string, gap float64) bool {
		return float64(textHeight(1)+4) <= gap
	})
	if !ok {
		return nil, nil
	}
	return tickValues(b.lo, b.hi, s)
}

// width is the room the bar takes right of the panels, its labels included.
func (b colorBar) width() int {
	w := barGap + max(barWidth+tickLen+tickGap+widest(b.labelsFor(400)), textWidth(barCaption, 1))
	if b.nonFinite {
		w = max(w, barGap+10+4+textWidth(barNotFinite, 1))
	}
	return w
}

// labelsFor lists the tick labels of a bar h pixels tall; the width takes the tallest bar's,
// whose labels are at least as many and as long as a shorter one's.
func (b colorBar) labelsFor(h int) []string {
	_, l := b.ticks(h)
	return l
}

// draw paints the bar with its left edge at x and its top level with the panels' (y), h tall.
func (b colorBar) draw(img *image.RGBA, x, y, h int) {
	x += barGap
	drawText(img, x, y-textHeight(1)-5, barCaption, 1, ink)
	if !(b.hi > b.lo) || !finite(b.hi-b.lo) {
		return
	}
	for py := range h {
		fillRect(img, x, y+py, barWidth, 1, viridis.At((float64(h-1-py)+0.5)/float64(h)))
	}
	strokeRect(img, x-1, y-1, barWidth+2, h+2, ink)
	vals, labels := b.ticks(h)
	for i, v := range vals {
		ty := y + h - 1 - int(math.Round((v-b.lo)/(b.hi-b.lo)*float64(h-1)))
		hline(img, x+barWidth+1, x+barWidth+tickLen, ty, 0, ink)
		drawText(img, x+barWidth+tickLen+tickGap, ty-glyphAscent/2, labels[i], 1, ink)
	}
	if b.nonFinite {
		sy := y + h + tickLen + tickGap
		fillRect(img, x, sy, 10, 9, notFinite)
		drawText(img, x+14, sy, barNotFinite, 1, ink)
	}
}
