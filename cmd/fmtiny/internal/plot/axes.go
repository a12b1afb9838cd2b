package plot

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Range is the part of the plane a panel shows, in data units.
type Range struct {
	XMin, XMax, YMin, YMax float64
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (r Range) valid() bool {
	return finite(r.XMax-r.XMin) && finite(r.YMax-r.YMin) && r.XMax > r.XMin && r.YMax > r.YMin
}

// union is the smallest range holding r and q.
func (r Range) union(q Range) Range {
	return Range{min(r.XMin, q.XMin), max(r.XMax, q.XMax), min(r.YMin, q.YMin), max(r.YMax, q.YMax)}
}

// bounds is the range of all finite (x, y) pairs in sets, padded by rangePad/2 of its span;
// ok is false when there is none.
func bounds(sets [][]float32) (r Range, ok bool) {
	r = Range{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for _, s := range sets {
		for i := 0; i+1 < len(s); i += 2 {
			if x, y := float64(s[i]), float64(s[i+1]); finite(x) && finite(y) {
				r = r.union(Range{x, x, y, y})
			}
		}
	}
	if math.IsInf(r.XMin, 0) {
		return Range{}, false
	}
	px, py := (r.XMax-r.XMin)*rangePad/2, (r.YMax-r.YMin)*rangePad/2
	return Range{r.XMin - px, r.XMax + px, r.YMin - py, r.YMax + py}, true
}

// The robust default range keeps the central 99% of the coordinates on each axis and pads it
// by a fraction of its span on each side, so that a few far outliers do not shrink the rest.
const (
	rangeQuantile = 0.005
	rangePad      = 0.08
	rangeSamples  = 1 << 16 // coordinates per axis looked at, evenly spaced through the data
)

// robustRange returns the range of the (x, y) pairs in sets, from the rangeQuantile and
// 1-rangeQuantile quantiles of each coordinate, padded; a range of zero width is widened to 1.
func robustRange(sets [][]float32) Range {
	total := 0
	for _, s := range sets {
		total += len(s) / 2
	}
	stride := max(1, (total+rangeSamples-1)/rangeSamples)
	xs := make([]float64, 0, min(total, rangeSamples+len(sets)))
	ys := make([]float64, 0, cap(xs))
	for _, s := range sets {
		for i := 0; i+1 < len(s); i += 2 * stride {
			if x, y := float64(s[i]), float64(s[i+1]); finite(x) && finite(y) {
				xs = append(xs, x)
				ys = append(ys, y)
			}
		}
	}
	x0, x1 := quantiles(xs)
	y0, y1 := quantiles(ys)
	return Range{x0, x1, y0, y1}
}

// quantiles returns the padded robust bounds of v (which it sorts).
func quantiles(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return -1, 1
	}
	sortFloats(v)
	at := func(q float64) float64 {
		f := q * float64(len(v)-1)
		i := int(f)
		if i+1 >= len(v) {
			return v[len(v)-1]
		}
		return v[i] + (v[i+1]-v[i])*(f-float64(i))
	}
	lo, hi = at(rangeQuantile), at(1-rangeQuantile)
	span := hi - lo
	if span <= 1e-12*max(1, math.Abs(lo), math.Abs(hi)) {
		mid := (lo + hi) / 2
		return mid - 1, mid + 1
	}
	return lo - rangePad*span, hi + rangePad*span
}

// fitAspect makes the panel's plot area for range r with its longer side size pixels and
// equal scales on both axes. A range more than maxAspect times longer one way than the other
// is widened the other way (about its middle) rather than drawn as a thin strip.
func fitAspect(r Range, size int) (Range, int, int) {
	const maxAspect = 2
	xs, ys := r.XMax-r.XMin, r.YMax-r.YMin
	if ys < xs/maxAspect {
		ys = xs / maxAspect
	} else if xs < ys/maxAspect {
		xs = ys / maxAspect
	}
	w, h := size, size
	if xs >= ys {
		h = max(1, int(math.Round(float64(size)*ys/xs)))
	} else {
		w = max(1, int(math.Round(float64(size)*xs/ys)))
	}
	// Make the spans match the whole pixels exactly, so one unit is the same length both ways.
	perPixel := max(xs/float64(w), ys/float64(h))
	xs, ys = perPixel*float64(w), perPixel*float64(h)
	cx, cy := (r.XMin+r.XMax)/2, (r.YMin+r.YMax)/2
	return Range{cx - xs/2, cx + xs/2, cy - ys/2, cy + ys/2}, w, h
}

// niceSteps are the mantissas of tick steps: 1, 2, 2.5 and 5 times a power of ten.
var niceSteps = [...]float64{1, 2, 2.5, 5}

// step is a tick step, m * 10^exp with m one of niceSteps.
type step struct{ m, exp float64 }

func (s step) size() float64 { return s.m * math.Pow(10, s.exp) }

// less orders steps by size.
func (s step) less(o step) bool { return s.exp < o.exp || s.exp == o.exp && s.m < o.m }

// chooseStep picks the smallest nice step for [lo, hi] drawn over pixels that leaves at least
// minGap pixels between ticks and room for their labels: fits(labels, gap) reports whether
// labels drawn gap pixels apart keep clear of each other. ok is false for an empty span.
func chooseStep(lo, hi float64, pixels int, minGap int, fits func(labels []string, gap float64) bool) (s step, ok bool) {
	span := hi - lo
	if !(span > 0) || pixels <= 0 || !finite(span) {
		return step{}, false
	}
	perPixel := span / float64(pixels)
	for exp := math.Floor(math.Log10(span)) - 3; ; exp++ {
		for _, m := range niceSteps {
			s := step{m, exp}
			gap := s.size() / perPixel
			if gap < float64(minGap) {
				continue
			}
			if _, labels := tickValues(lo, hi, s); len(labels) <= 1 || fits(labels, gap) {
				return s, true
			}
		}
	}
}

// tickValues lists the multiples of step s in [lo, hi] with their labels, all with the same
// number of decimals, as many as the step needs.
func tickValues(lo, hi float64, s step) ([]float64, []string) {
	size := s.size()
	first, last := math.Ceil(lo/size-1e-9), math.Floor(hi/size+1e-9)
	decimals := max(0, int(-s.exp))
	if s.m == 2.5 && s.exp <= 0 {
		decimals++ // 0.25, 2.5
	}
	// Very small steps and very large ticks are written with exponents and as many
	// significant digits as the step needs at the largest tick.
	top := max(math.Abs(first*size), math.Abs(last*size), size)
	exponent := s.exp <= -5 || top >= 1e6
	digits := int(math.Floor(math.Log10(top))-s.exp) + 1
	if s.m == 2.5 {
		digits++
	}
	var vals []float64
	var labels []string
	for k := first; k <= last; k++ {
		v := k * size
		vals = append(vals, v)
		if exponent {
			labels = append(labels, tickLabel(v, 'g', digits))
		} else {
			labels = append(labels, tickLabel(v, 'f', decimals))
		}
	}
	return vals, labels
}

// tickLabel formats v as strconv.FormatFloat does, with short exponents ("2e-7", "1.5e7");
// "-0" and "-0.00" lose their sign.
func tickLabel(v float64, format byte, prec int) string {
	s := formatFloat(v, format, prec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	if mant, exp, ok := strings.Cut(s, "e"); ok {
		sign := ""
		if exp[0] == '-' {
			sign = "-"
		}
		s = mant + "e" + sign + strings.TrimLeft(exp[1:], "0")
	}
	return s
}

// sortFloats sorts v in increasing order through pointers to its values: the sort of pointers
// shares its code with the binary's other sorts of pointers, and makes the comparisons, and so
// the moves, that slices.Sort would. It is not inlined into its callers.
//
//go:noinline
func sortFloats(v []float64) {
	p := make([]*float64, len(v))
	for i := range v {
		p[i] = &v[i]
	}
	slices.SortFunc(p, func(a, b *float64) int { return cmp.Compare(*a, *b) })
	sorted := make([]float64, len(v))
	for i, q := range p {
		sorted[i] = *q
	}
	copy(v, sorted)
}
