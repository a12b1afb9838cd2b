package plot

import (
	"errors"
	"image"
)

// Options shape a picture; the zero value gives the defaults.
type Options struct {
	// Title is drawn over the whole picture; empty for none.
	Title string
	// Size is the longer side of one panel's plot area in pixels; 0 picks a default for the
	// picture (DefaultSize for samples, DefaultRowSize for rows of snapshots,
	// DefaultTrajectorySize for trajectories).
	Size int
	// Range fixes the part of the plane shown; nil takes it from the data (see the package
	// documentation). Either way it is widened to keep one data unit the same length on both
	// axes.
	Range *Range
	// Style chooses between a 2D histogram and a scatter of dots for points.
	Style Style
	// BinPixels is the side of one histogram bin in pixels; 0 means 2.
	BinPixels int
	// MaxPaths caps the paths drawn in a trajectory picture (the first ids); 0 means
	// DefaultMaxPaths, negative means all.
	MaxPaths int
	// TimeColors colours paths by time (viridis, dark at the start) instead of drawing them as
	// thin dark lines as the seed implementation does.
	TimeColors bool
	// Rows is the number of images a flow picture of images draws, one a row (the first ids);
	// 0 means DefaultFlowRows. For images, Size is the side of one image in pixels.
	Rows int
}

// Style is how points are drawn.
type Style int

const (
	// AutoStyle draws dots if no panel of the picture holds more than ScatterMax points, and
	// histograms otherwise, the same in every panel.
	AutoStyle Style = iota
	// Density draws a 2D histogram, log-scaled counts coloured by viridis.
	Density
	// Scatter draws one translucent dot per point.
	Scatter
)

// Defaults and limits of Options.
const (
	DefaultSize           = 420 // each panel of samples side by side
	DefaultRowSize        = 190 // each panel of a row of snapshots
	DefaultTrajectorySize = 560 // each panel of trajectories side by side
	DefaultMaxPaths       = 200
	ScatterMax            = 5000     // the most points AutoStyle draws as dots
	MaxSize               = 4096     // the largest Size accepted
	MaxPixels             = 64 << 20 // the largest picture drawn (256 MiB of RGBA)
)

func (o *Options) size(def int) int {
	if o.Size > 0 {
		return min(o.Size, MaxSize)
	}
	return def
}

func (o *Options) binPixels() int {
	if o.BinPixels > 0 {
		return min(o.BinPixels, 64)
	}
	return 2
}

// Layout of a picture, in pixels.
const (
	pad         = 14 // around the picture
	tickLen     = 4
	tickGap     = 3  // between a tick and its label
	titleGap    = 8  // below the picture's title
	rowLabelGap = 12 // below a row's label, over its panels' titles
	rowGap      = 18
	minColGap   = 16
	legendInset = 8
)

// panel is one plot area of a picture and the part of the plane it shows.
type panel struct {
	rect image.Rectangle
	r    Range
}

// at maps data coordinates to image coordinates (continuous; y grows downwards), in float64 so
// that points far outside the panel stay finite and keep their direction until clipped.
func (p *panel) at(x, y float64) (float64, float64) {
	w, h := float64(p.rect.Dx()), float64(p.rect.Dy())
	px := float64(p.rect.Min.X) + (x-p.r.XMin)/(p.r.XMax-p.r.XMin)*w
	py := float64(p.rect.Max.Y) - (y-p.r.YMin)/(p.r.YMax-p.r.YMin)*h
	return px, py
}

// axes holds the ticks shared by all panels of a picture.
type axes struct {
	xv, yv         []float64
	xl, yl         []string
	xLabelW, yLabW int
}

// makeAxes chooses one tick step for both axes (the larger of what each needs), so that the
// grid is made of squares as the data are drawn with equal aspect.
func makeAxes(r Range, w, h int) axes {
	var a axes
	xs, xok := chooseStep(r.XMin, r.XMax, w, 40, func(labels []string, gap float64) bool {
		return float64(widest(labels)+8) <= gap
	})
	ys, yok := chooseStep(r.YMin, r.YMax, h, 32, func(labels []string, gap float64) bool {
		return float64(textHeight(1)+6) <= gap
	})
	if xok && yok && xs.less(ys) {
		xs = ys
	} else if xok && yok {
		ys = xs
	}
	if xok {
		a.xv, a.xl = tickValues(r.XMin, r.XMax, xs)
	}
	if yok {
		a.yv, a.yl = tickValues(r.YMin, r.YMax, ys)
	}
	a.xLabelW, a.yLabW = widest(a.xl), widest(a.yl)
	return a
}

func widest(labels []string) int {
	w := 0
	for _, s := range labels {
		w = max(w, textWidth(s, 1))
	}
	return w
}

// grid lays out rows of equally sized panels sharing one range and one set of ticks, with an
// optional title over everything, a label over each row and a title over each panel.
type grid struct {
	title      string
	rowLabels  []string   // "" for none
	titles     [][]string // per row, per panel; its lengths give the number of panels
	titleScale int        // of the panel titles
	r          Range
	w, h       int // plot area of each panel
	// draw paints one panel's data; frames, ticks and labels go on top afterwards.
	draw func(img *image.RGBA, p *panel, row, col int)
	// side, if set, paints sideW pixels right of the first row of panels (a colour bar), past
	// the last x tick label: x is its left edge, y and h the top and height of the panels' plot
	// areas.
	side  func(img *image.RGBA, x, y, h int)
	sideW int
}

func (g *grid) render() (*image.RGBA, error) {
	ax := makeAxes(g.r, g.w, g.h)
	left := ax.yLabW + tickLen + tickGap
	bottom := tickLen + tickGap + textHeight(1)
	colGap := max(minColGap, ax.xLabelW+10)
	cols := 0
	for _, t := range g.titles {
		cols = max(cols, len(t))
	}
	rightOverhang := ax.xLabelW/2 + 2
	width := pad + left + cols*g.w + (cols-1)*colGap + max(pad, rightOverhang+4)
	if g.side != nil {
		width = pad + left + cols*g.w + (cols-1)*colGap + rightOverhang + g.sideW + pad
	}
	for _, s := range append([]string{g.title}, g.rowLabels...) {
		width = max(width, 2*pad+textWidth(s, 2))
	}

	rowTop := make([]int, len(g.titles)) // top of each row's plot area
	y := pad
	if g.title != "" {
		y += textHeight(2) + titleGap + 4
	}
	for i := range g.titles {
		if i > 0 {
			y += bottom + rowGap
		}
		if i < len(g.rowLabels) && g.rowLabels[i] != "" {
			y += textHeight(2) + rowLabelGap
		}
		if hasText(g.titles[i]) {
			y += textHeight(g.titleScale) + 5
		}
		rowTop[i] = y
		y += g.h
	}
	height := y + bottom + pad
	if width*height > MaxPixels {
		return nil, errorf("plot: a picture of %dx%d pixels is too large (at most %d million); draw fewer or smaller panels", width, height, MaxPixels>>20)
	}

	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fillRect(img, 0, 0, width, height, white)
	plotsLeft := pad + left
	plotsW := cols*g.w + (cols-1)*colGap
	if g.title != "" {
		textCentered(img, plotsLeft+plotsW/2, pad, g.title, 2, true, width)
	}
	for i, titles := range g.titles {
		top := rowTop[i]
		if hasText(titles) {
			top -= textHeight(g.titleScale) + 5
		}
		if i < len(g.rowLabels) && g.rowLabels[i] != "" {
			rowW := len(titles)*g.w + (len(titles)-1)*colGap
			textCentered(img, plotsLeft+rowW/2, top-textHeight(2)-rowLabelGap, g.rowLabels[i], 2, true, width)
		}
		for j, t := range titles {
			x0 := plotsLeft + j*(g.w+colGap)
			p := &panel{rect: image.Rect(x0, rowTop[i], x0+g.w, rowTop[i]+g.h), r: g.r}
			if t != "" {
				textCentered(img, x0+g.w/2, top, t, g.titleScale, false, width)
			}
			drawGrid(img, p, &ax)
			g.draw(img, p, i, j)
			drawFrame(img, p, &ax, j == 0)
		}
	}
	if g.side != nil && len(g.titles) > 0 {
		g.side(img, plotsLeft+plotsW+rightOverhang, rowTop[0], g.h)
	}
	return img, nil
}

func hasText(s []string) bool {
	for _, t := range s {
		if t != "" {
			return true
		}
	}
	return false
}

// textCentered draws s centred on cx with its top at y, kept inside [0, width); bold draws it
// twice, one pixel apart, which sets titles apart from panel titles of the same size.
func textCentered(img *image.RGBA, cx, y int, s string, scale int, bold bool, width int) {
	w := textWidth(s, scale)
	x := max(0, min(cx-w/2, width-w))
	drawText(img, x, y, s, scale, ink)
	if bold {
		drawText(img, x+1, y, s, scale, ink)
	}
}

// drawGrid draws dashed light lines across the plot area at the ticks.
func drawGrid(img *image.RGBA, p *panel, ax *axes) {
	for _, v := range ax.xv {
		x, _ := p.at(v, 0)
		if xi := int(x); xi > p.rect.Min.X && xi < p.rect.Max.X-1 {
			vline(img, xi, p.rect.Min.Y, p.rect.Max.Y-1, 3, gridGrey)
		}
	}
	for _, v := range ax.yv {
		_, y := p.at(0, v)
		if yi := int(y); yi > p.rect.Min.Y && yi < p.rect.Max.Y-1 {
			hline(img, p.rect.Min.X, p.rect.Max.X-1, yi, 3, gridGrey)
		}
	}
}

// drawFrame draws the frame just outside the plot area, the ticks outwards, the x tick labels
// and, if yLabels, the y tick labels.
func drawFrame(img *image.RGBA, p *panel, ax *axes, yLabels bool) {
	r := p.rect
	strokeRect(img, r.Min.X-1, r.Min.Y-1, r.Dx()+2, r.Dy()+2, ink)
	for i, v := range ax.xv {
		x, _ := p.at(v, 0)
		xi := min(int(x), r.Max.X-1)
		vline(img, xi, r.Max.Y+1, r.Max.Y+tickLen, 0, ink)
		lw := textWidth(ax.xl[i], 1)
		drawText(img, xi-lw/2, r.Max.Y+tickLen+tickGap, ax.xl[i], 1, ink)
	}
	for i, v := range ax.yv {
		_, y := p.at(0, v)
		yi := min(int(y), r.Max.Y-1)
		hline(img, r.Min.X-1-tickLen, r.Min.X-2, yi, 0, ink)
		if yLabels {
			lw := textWidth(ax.yl[i], 1)
			drawText(img, r.Min.X-1-tickLen-tickGap-lw, yi-glyphAscent/2, ax.yl[i], 1, ink)
		}
	}
}

// Draw picks the picture for a set of tables: samples side by side (DensityPanels), rows of
// snapshots (SnapshotRows), trajectories side by side (Trajectories), grids of images
// (ImageGrids), flows of images over time (ImageFlows) or log-density maps side by side
// (DensityMaps). All must be of one kind.
func Draw(data []*Data, opt Options) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("plot: nothing to draw")
	}
	for _, d := range data[1:] {
		if d.Kind != data[0].Kind {
			return nil, errorf("plot: cannot draw %s (%s) and %s (%s) in one picture", data[0].name(), data[0].Kind, d.name(), d.Kind)
		}
	}
	switch data[0].Kind {
	case Sample:
		return DensityPanels(data, opt)
	case Snapshots:
		return SnapshotRows(data, opt)
	case Trajectory:
		return Trajectories(data, opt)
	case LogDensity:
		return DensityMaps(data, opt)
	case Images:
		for _, d := range data[1:] {
			if (d.T == nil) != (data[0].T == nil) {
				return nil, errorf("plot: cannot draw a grid of images and images over time in one picture (%s and %s)", data[0].name(), d.name())
			}
		}
		if data[0].T == nil {
			return ImageGrids(data, opt)
		}
		return ImageFlows(data, opt)
	}
	return nil, errorf("plot: %s: unknown kind %s", data[0].name(), data[0].Kind)
}
