package plot

import (
	"errors"
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
// (or, for labelled points, dots in their labels' colours) where every point ends, and a legend.
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
			return nil, errorf("%s: a sample, not a trajectory", d.name())
		}
		if len(d.T) < 2 {
			return nil, errorf("%s: a trajectory needs at least two times, has %d", d.name(), len(d.T))
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
	var labels [][]int
	for _, d := range paths {
		labels = append(labels, d.Labels)
	}
	cls := classesOf(labels...)
	g.draw = func(img *image.RGBA, p *panel, _, col int) {
		drawPaths(img, p, paths[col], cls, maxPaths, opt.TimeColors)
	}
	return g.render()
}

// timeColor colours a path at fraction f of its time span: viridis up to its green, as its
// yellow end is hard to see on white.
func timeColor(f float64) color.RGBA { return viridis.At(0.8 * f) }

func drawPaths(img *image.RGBA, p *panel, d *Data, cls classes, maxPaths int, byTime bool) {
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
		c := navy
		if d.Labels != nil {
			c = cls.color(d.Labels[i/2])
		}
		x, y := p.at(float64(last[i]), float64(last[i+1]))
		disc(img, p.rect, x, y, endRadius, c, endAlpha)
	}
	drawLegend(img, p, pathEntries(d, cls, byTime), last)
}

// pathEntries explains a trajectory's dots and lines: start points, paths, and end points in
// navy or, for labelled points, in the colours of their labels.
func pathEntries(d *Data, cls classes, byTime bool) []legendEntry {
	path := legendEntry{text: "Path", mark: pathMark}
	if byTime {
		path = legendEntry{text: "Path, t = " + timeLabel(d.T[0]) + " to " + timeLabel(d.T[len(d.T)-1]), mark: timePathMark}
	}
	e := []legendEntry{{text: "x_0 ~ p", mark: discMark, color: black}, path}
	if d.Labels == nil {
		return append(e, legendEntry{text: "x_1 ~ q", mark: discMark, color: navy})
	}
	e = append(e, legendEntry{text: "x_1 ~ q, by label:"})
	return append(e, labelEntries(cls, d.Labels)...)
}
