package plot

import (
	"image/color"
	"math"
	"slices"
)

// Colours of the frame, text and grid, shared by every picture.
var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{0, 0, 0, 255}
	ink       = color.RGBA{34, 34, 34, 255}    // text, ticks, frames
	gridGrey  = color.RGBA{214, 214, 214, 255} // dashed grid lines
	frameGrey = color.RGBA{150, 150, 150, 255} // legend box
	navy      = color.RGBA{0, 0, 128, 255}     // end points, as in the seed's picture
)

// A colormap maps [0, 1] to colours by linear interpolation between evenly spaced stops.
type colormap []color.RGBA

// viridis is matplotlib's perceptually uniform colormap (Nathaniel Smith, Stefan van der Walt
// and Eric Firing; CC0), sampled at 17 evenly spaced entries of its 256-entry table: linear
// interpolation between them stays within 6 levels of 255 of the full table.
var viridis = colormap{
	{68, 1, 84, 255}, {72, 24, 106, 255}, {71, 45, 123, 255}, {66, 64, 134, 255},
	{59, 82, 139, 255}, {51, 99, 141, 255}, {44, 114, 142, 255}, {38, 130, 142, 255},
	{33, 145, 140, 255}, {31, 159, 136, 255}, {39, 173, 129, 255}, {61, 188, 116, 255},
	{92, 200, 99, 255}, {129, 211, 77, 255}, {170, 220, 50, 255}, {213, 226, 26, 255},
	{253, 231, 37, 255},
}

// At returns the colour at v, clamped to [0, 1]; NaN gives the first colour.
func (m colormap) At(v float64) color.RGBA {
	if !(v > 0) {
		return m[0]
	}
	if v >= 1 {
		return m[len(m)-1]
	}
	f := v * float64(len(m)-1)
	i := int(f)
	f -= float64(i)
	a, b := m[i], m[i+1]
	lerp := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*f)) }
	return color.RGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), 255}
}

// tab10 is matplotlib's default qualitative palette (Tableau's ten colours): one colour per
// class, distinguishable from each other and on white.
var tab10 = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// classes are the distinct labels of a picture, ascending; a label's colour is tab10's entry at
// its rank, cycling after ten, so that a class has the same colour in every panel and the
// classes 0 to 9 take tab10 in order.
type classes []int

// classesOf collects the distinct labels of every set.
func classesOf(sets ...[]int) classes {
	var all []int
	for _, s := range sets {
		all = append(all, s...)
	}
	slices.Sort(all)
	return classes(slices.Compact(all))
}

// rank is the index of label l among the classes; l must be one of them.
func (c classes) rank(l int) int {
	i, _ := slices.BinarySearch(c, l)
	return i
}

func (c classes) color(l int) color.RGBA { return tab10[c.rank(l)%len(tab10)] }

// tint is c laid over white at strength f in [0, 1]: white at 0, c at 1.
func tint(c color.RGBA, f float64) color.RGBA {
	f = max(0, min(1, f))
	m := func(v uint8) uint8 { return uint8(math.Round(255 + (float64(v)-255)*f)) }
	return color.RGBA{m(c.R), m(c.G), m(c.B), 255}
}

func rgb(c [3]uint8) color.RGBA { return color.RGBA{c[0], c[1], c[2], 255} }
