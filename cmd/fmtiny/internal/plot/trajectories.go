package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// Strokes of a trajectory picture.
const (
	darkPathAlpha = 0.45 // of each dark path: where many run together, they add up to dark
	pathAlpha     = 0.5  // of each path coloured by time
	endRadius     = 2.2  // of the start and end dots, in pixels
	endAlpha      = 0.9
)

// Trajectories draws the paths of the first Options.MaxPaths points from their positions at
// the first time to the last, one panel per Data side by side on a shared range, each titled
// with its Data.Title: thin translucent dark lines through the positions in time order (or
// coloured by time, with Options.TimeColors), black dots where the drawn paths start, navy dots
// where every point ends, and a legend.
func Trajectories(paths []*Data, opt Options) (*image.RGBA, error) {
	if len(paths) == 0 {
		return nil, errors.New("plot: no trajectories to draw")
	}
	maxPaths := opt.MaxPaths
	switch {
	case maxPaths == 0:
		maxPaths = DefaultMaxPaths
	case maxPaths < 0:
		maxPaths = int(^uint(0) >> 1)
	}
	var sets, starts [][]float32
	titles := make([]string, len(paths))
	for i, d := range paths {
		if err := d.check(); err != nil {
			return nil, err
		}
		if d.Kind == Sample {
			return nil, fmt.Errorf("%s: a sample, not a trajectory", d.name())
		}
		if len(d.T) < 2 {
			return nil, fmt.Errorf("%s: a trajectory needs at least two times, has %d", d.name(), len(d.T))
		}
		// The range covers most of the drawn paths and end points, and all start points.
		drawn := 2 * min(d.Points(), maxPaths)
		for _, x := range d.X {
			sets = append(sets, x[:drawn])
		}
		sets = append(sets, d.X[len(d.X)-1])
		starts = append(starts, d.X[0][:drawn])
		titles[i] = d.Title()
	}
	onePanelTitle(&opt, titles, paths[0].Dims)
	if opt.Range == nil {
		r := robustRange(sets)
		if b, ok := bounds(starts); ok { // no finite start: do not stretch the range to (0, 0)
			r = r.union(b)
		}
		opt.Range = &r
	}
	g, err := pointGrid(sets, opt, DefaultTrajectorySize)
	if err != nil {
		return nil, err
	}
	g.setRow(opt.Title, titles)
	g.draw = func(img *image.RGBA, p *panel, _, col int) {
		drawPaths(img, p, paths[col], maxPaths, opt.TimeColors)
	}
	return g.render()
}

// timeColor colours a path at fraction f of its time span: viridis up to its green, as its
// yellow end is hard to see on white.
func timeColor(f float64) color.RGBA { return viridis.At(0.8 * f) }

func drawPaths(img *image.RGBA, p *panel, d *Data, maxPaths int, byTime bool) {
	n := min(d.Points(), maxPaths)
	t0, t1 := d.T[0], d.T[len(d.T)-1]
	for k := 0; k+1 < len(d.X); k++ {
		c, a := ink, float32(darkPathAlpha)
		if byTime {
			mid := (d.T[k] + d.T[k+1]) / 2
			c, a = timeColor(float64((mid-t0)/(t1-t0))), pathAlpha
		}
		from, to := d.X[k], d.X[k+1]
		for i := range n {
			x0, y0 := p.at(float64(from[2*i]), float64(from[2*i+1]))
			x1, y1 := p.at(float64(to[2*i]), float64(to[2*i+1]))
			line(img, p.rect, x0, y0, x1, y1, c, a)
		}
	}
	first, last := d.X[0], d.X[len(d.X)-1]
	for i := range n {
		x, y := p.at(float64(first[2*i]), float64(first[2*i+1]))
		disc(img, p.rect, x, y, endRadius, black, endAlpha)
	}
	for i := 0; i+1 < len(last); i += 2 {
		x, y := p.at(float64(last[i]), float64(last[i+1]))
		disc(img, p.rect, x, y, endRadius, navy, endAlpha)
	}
	drawLegend(img, p, d, byTime)
}

// drawLegend explains the dots and lines in the corner of the panel that covers the fewest end
// points, as matplotlib's "best" placement does.
func drawLegend(img *image.RGBA, p *panel, d *Data, byTime bool) {
	entries := []string{"x_0 ~ p", "Path", "x_1 ~ q"}
	if byTime {
		entries[1] = "Path, t = " + timeLabel(d.T[0]) + " to " + timeLabel(d.T[len(d.T)-1])
	}
	const (
		swatch = 22 // width of the sample stroke
		lineH  = 15
		inner  = 6
	)
	w := inner + swatch + 6 + widest(entries) + inner
	h := inner + len(entries)*lineH - (lineH - textHeight(1)) + inner
	corners := []image.Point{
		{p.rect.Max.X - legendInset - w, p.rect.Min.Y + legendInset}, // top right first on ties
		{p.rect.Min.X + legendInset, p.rect.Min.Y + legendInset},
		{p.rect.Max.X - legendInset - w, p.rect.Max.Y - legendInset - h},
		{p.rect.Min.X + legendInset, p.rect.Max.Y - legendInset - h},
	}
	best, fewest := corners[0], -1
	last := d.X[len(d.X)-1]
	for _, c := range corners {
		box := image.Rectangle{c, c.Add(image.Pt(w, h))}
		covered := 0
		for i := 0; i+1 < len(last); i += 2 {
			x, y := p.at(float64(last[i]), float64(last[i+1]))
			if (image.Point{int(x), int(y)}).In(box) {
				covered++
			}
		}
		if fewest < 0 || covered < fewest {
			best, fewest = c, covered
		}
	}
	box := image.Rectangle{best, best.Add(image.Pt(w, h))}.Intersect(p.rect)
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			blend(img, x, y, white, 0.85)
		}
	}
	strokeRect(img, box.Min.X, box.Min.Y, box.Dx(), box.Dy(), frameGrey)
	x, y := best.X+inner, best.Y+inner
	for i, s := range entries {
		cy := float64(y) + glyphAscent/2.0
		switch i {
		case 0, 2:
			c := black
			if i == 2 {
				c = navy
			}
			disc(img, box, float64(x)+swatch/2, cy, endRadius+1, c, 1)
		case 1:
			// The stroke of one path, through the middle of a pixel row so it stays crisp.
			for k := range swatch {
				c, a := ink, float32(darkPathAlpha)
				if byTime {
					c, a = timeColor(float64(k)/(swatch-1)), pathAlpha
				}
				line(img, box, float64(x+k), cy, float64(x+k+1), cy, c, a)
			}
		}
		drawText(img, x+swatch+6, y, s, 1, ink)
		y += lineH
	}
}
