package plot

import (
	"image"
	"image/color"
	"math"
)

// fillRect paints the w x h rectangle at (x, y) opaque, clipped to dst.
func fillRect(dst *image.RGBA, x, y, w, h int, c color.RGBA) {
	r := image.Rect(x, y, x+w, y+h).Intersect(dst.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		row := dst.Pix[dst.PixOffset(r.Min.X, py):dst.PixOffset(r.Max.X, py)]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
		}
	}
}

// blend paints colour c over the pixel at (x, y) with opacity a in [0, 1] ("over" onto an
// opaque canvas), so that many faint strokes add up where they cross.
func blend(dst *image.RGBA, x, y int, c color.RGBA, a float32) {
	if !(image.Point{x, y}.In(dst.Rect)) || a <= 0 {
		return
	}
	if a > 1 {
		a = 1
	}
	i := dst.PixOffset(x, y)
	p := dst.Pix[i : i+3 : i+3]
	p[0] = mix(p[0], c.R, a)
	p[1] = mix(p[1], c.G, a)
	p[2] = mix(p[2], c.B, a)
}

func mix(under, over uint8, a float32) uint8 {
	return uint8(float32(under) + (float32(over)-float32(under))*a + 0.5)
}

// hline and vline draw opaque one-pixel lines from (x0, y) to (x1, y) and (x, y0) to (x, y1),
// ends included; dash > 0 draws dash pixels on, dash off.
func hline(dst *image.RGBA, x0, x1, y, dash int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		if dash == 0 || (x-x0)/dash%2 == 0 {
			fillRect(dst, x, y, 1, 1, c)
		}
	}
}

func vline(dst *image.RGBA, x, y0, y1, dash int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		if dash == 0 || (y-y0)/dash%2 == 0 {
			fillRect(dst, x, y, 1, 1, c)
		}
	}
}

// strokeRect draws the one-pixel outline of the w x h rectangle at (x, y).
func strokeRect(dst *image.RGBA, x, y, w, h int, c color.RGBA) {
	hline(dst, x, x+w-1, y, 0, c)
	hline(dst, x, x+w-1, y+h-1, 0, c)
	vline(dst, x, y, y+h-1, 0, c)
	vline(dst, x+w-1, y, y+h-1, 0, c)
}

// line draws an anti-aliased line of about one pixel's width from (ax, ay) to (bx, by) with
// Xiaolin Wu's algorithm, at opacity a; clip limits it to a rectangle. Pixel (i, j) covers
// [i, i+1) x [j, j+1), so the centre of a pixel is at half-integers.
func line(dst *image.RGBA, clip image.Rectangle, ax, ay, bx, by float64, c color.RGBA, a float32) {
	// Cut the segment to the clip rectangle (and a pixel around it) first: a point far outside,
	// say of a diverging trajectory, must not cost a loop over millions of columns.
	x0, y0, x1, y1, ok := clipSegment(ax, ay, bx, by, clip.Inset(-2))
	if !ok {
		return
	}
	x0, y0, x1, y1 = x0-0.5, y0-0.5, x1-0.5, y1-0.5 // to pixel-centre coordinates
	steep := abs32(y1-y0) > abs32(x1-x0)
	if steep {
		x0, y0, x1, y1 = y0, x0, y1, x1
	}
	if x0 > x1 {
		x0, x1, y0, y1 = x1, x0, y1, y0
	}
	plot := func(x, y int, cov float32) {
		if steep {
			x, y = y, x
		}
		if (image.Point{x, y}).In(clip) {
			blend(dst, x, y, c, a*cov)
		}
	}
	dx, dy := x1-x0, y1-y0
	if dx < 1e-6 {
		// No length, no ink: a point that rests for many steps must not pile up a dark dot.
		return
	}
	grad := dy / dx
	// Each column between the rounded ends gets the two pixels straddling the line, weighted by
	// distance; the end columns are weighted by how much of them the segment covers, so that
	// consecutive segments of a path join without double-painting their shared column.
	xs, xe := int(math.Floor(float64(x0+0.5))), int(math.Floor(float64(x1+0.5)))
	for x := xs; x <= xe; x++ {
		cover := float32(1)
		if x == xs {
			cover = float32(xs) + 0.5 - x0
		}
		if x == xe {
			cover -= float32(xe) + 0.5 - x1
		}
		if cover <= 0 {
			continue
		}
		y := y0 + grad*(float32(x)-x0)
		if x == xs && x == xe {
			y = (y0 + y1) / 2
		}
		yi := float32(math.Floor(float64(y)))
		f := y - yi
		plot(x, int(yi), (1-f)*cover)
		plot(x, int(yi)+1, f*cover)
	}
}

// clipSegment cuts the segment from (x0, y0) to (x1, y1) to the rectangle r (Liang-Barsky);
// ok is false if nothing of it is inside or an end is not finite.
func clipSegment(ax, ay, bx, by float64, r image.Rectangle) (x0, y0, x1, y1 float32, ok bool) {
	if !finite(ax) || !finite(ay) || !finite(bx) || !finite(by) {
		return 0, 0, 0, 0, false
	}
	dx, dy := bx-ax, by-ay
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{
		{-dx, ax - float64(r.Min.X)}, {dx, float64(r.Max.X) - ax},
		{-dy, ay - float64(r.Min.Y)}, {dy, float64(r.Max.Y) - ay},
	} {
		p, q := e[0], e[1]
		switch {
		case p == 0:
			if q < 0 {
				return 0, 0, 0, 0, false
			}
		case p < 0:
			t0 = max(t0, q/p)
		default:
			t1 = min(t1, q/p)
		}
	}
	if t0 > t1 {
		return 0, 0, 0, 0, false
	}
	return float32(ax + t0*dx), float32(ay + t0*dy), float32(ax + t1*dx), float32(ay + t1*dy), true
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// disc paints an anti-aliased filled circle of radius r (pixels) centred at (x, y), at
// opacity a; the coverage of each pixel is approximated by its centre's distance to the rim.
func disc(dst *image.RGBA, clip image.Rectangle, x, y float64, r float32, c color.RGBA, a float32) {
	// Skip discs wholly outside (or at no finite place), before converting to int.
	outer := clip.Inset(-int(r) - 2)
	if !(x >= float64(outer.Min.X) && x < float64(outer.Max.X) && y >= float64(outer.Min.Y) && y < float64(outer.Max.Y)) {
		return
	}
	cx, cy := float32(x), float32(y)
	x0, x1 := int(math.Floor(float64(cx-r-1))), int(math.Ceil(float64(cx+r+1)))
	y0, y1 := int(math.Floor(float64(cy-r-1))), int(math.Ceil(float64(cy+r+1)))
	for y := y0; y <= y1; y++ {
		dy := float32(y) + 0.5 - cy
		for x := x0; x <= x1; x++ {
			dx := float32(x) + 0.5 - cx
			d := float32(math.Sqrt(float64(dx*dx + dy*dy)))
			cov := r + 0.5 - d
			if cov <= 0 || !(image.Point{x, y}).In(clip) {
				continue
			}
			blend(dst, x, y, c, a*min(cov, 1))
		}
	}
}
