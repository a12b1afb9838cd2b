package plot

import (
	"image"
	"image/color"
	"slices"
)

// legendMark is what a legend entry shows before its text.
type legendMark int

const (
	noMark       legendMark = iota // a heading: the text alone, from the box's left edge
	discMark                       // a dot of the entry's colour
	pathMark                       // the stroke of one dark path
	timePathMark                   // the stroke of one path coloured by time
)

// legendEntry is one line of a legend.
type legendEntry struct {
	text  string
	mark  legendMark
	color color.RGBA
}

// maxLegendLabels is the most labels a legend lists; the rest are counted in one line.
const maxLegendLabels = 10

// labelEntries lists the labels present (each once, ascending) with their colours, at most
// maxLegendLabels of them and then how many more there are.
func labelEntries(cls classes, present []int) []legendEntry {
	present = slices.Compact(slices.Sorted(slices.Values(present)))
	var e []legendEntry
	for i, l := range present {
		if i == maxLegendLabels {
			e = append(e, legendEntry{text: "and " + itoa(len(present)-i) + " more"})
			break
		}
		e = append(e, legendEntry{text: itoa(l), mark: discMark, color: cls.color(l)})
	}
	return e
}

// drawLegend draws the entries in a box in the corner of the panel that covers the fewest of
// the (x, y) pairs of avoid, as matplotlib's "best" placement does (top right on ties).
func drawLegend(img *image.RGBA, p *panel, entries []legendEntry, avoid []float32) {
	const (
		swatch = 22 // width of the sample stroke
		lineH  = 15
		inner  = 6
	)
	textW := 0
	for _, e := range entries {
		w := textWidth(e.text, 1)
		if e.mark != noMark {
			w += swatch + 6
		}
		textW = max(textW, w)
	}
	w := inner + textW + inner
	h := inner + len(entries)*lineH - (lineH - textHeight(1)) + inner
	corners := []image.Point{
		{p.rect.Max.X - legendInset - w, p.rect.Min.Y + legendInset}, // top right first on ties
		{p.rect.Min.X + legendInset, p.rect.Min.Y + legendInset},
		{p.rect.Max.X - legendInset - w, p.rect.Max.Y - legendInset - h},
		{p.rect.Min.X + legendInset, p.rect.Max.Y - legendInset - h},
	}
	best, fewest := corners[0], -1
	for _, c := range corners {
		box := image.Rectangle{c, c.Add(image.Pt(w, h))}
		covered := 0
		for i := 0; i+1 < len(avoid); i += 2 {
			x, y := p.at(float64(avoid[i]), float64(avoid[i+1]))
			if x >= float64(box.Min.X) && x < float64(box.Max.X) && y >= float64(box.Min.Y) && y < float64(box.Max.Y) {
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
	for _, e := range entries {
		cy := float64(y) + glyphAscent/2.0
		switch e.mark {
		case noMark:
			drawText(img, x, y, e.text, 1, ink)
			y += lineH
			continue
		case discMark:
			disc(img, box, float64(x)+swatch/2, cy, endRadius+1, e.color, 1)
		case pathMark, timePathMark:
			// The stroke of one path, through the middle of a pixel row so it stays crisp.
			for k := range swatch {
				c, a := ink, float32(darkPathAlpha)
				if e.mark == timePathMark {
					c, a = timeColor(float64(k)/(swatch-1)), pathAlpha
				}
				line(img, box, float64(x+k), cy, float64(x+k+1), cy, c, a)
			}
		}
		drawText(img, x+swatch+6, y, e.text, 1, ink)
		y += lineH
	}
}
