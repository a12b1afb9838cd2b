package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"testing"
)

// decode round-trips img through PNG, as a reader of the file sees it (uncompressed, which
// keeps the tests quick under the race detector and qemu; the pixels are the same).
func decode(t testing.TB, img image.Image) *image.RGBA {
	t.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(back.Bounds())
	draw.Draw(out, out.Bounds(), back, back.Bounds().Min, draw.Src)
	return out
}

func encode(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frames finds the panels of a picture: rectangles outlined by one-pixel ink lines at least
// 30 pixels long. It returns their insides (the plot areas), top to bottom, left to right.
func frames(img *image.RGBA) []image.Rectangle {
	isInk := func(x, y int) bool { return img.RGBAAt(x, y) == ink }
	b := img.Bounds()
	var found []image.Rectangle
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; {
			if !isInk(x, y) {
				x++
				continue
			}
			x1 := x
			for x1+1 < b.Max.X && isInk(x1+1, y) {
				x1++
			}
			// A top edge: both ends go down in ink to a bottom edge as long as the top.
			if x1-x+1 >= 30 && (y == b.Min.Y || !isInk(x+5, y-1)) {
				y1 := y + 1
				for y1 < b.Max.Y && isInk(x, y1) && isInk(x1, y1) && !isInk(x+5, y1) {
					y1++
				}
				if y1 < b.Max.Y && y1-y >= 30 && isInk(x, y1) && isInk(x1, y1) && isInk(x+5, y1) && isInk(x1-5, y1) {
					found = append(found, image.Rect(x+1, y+1, x1, y1))
				}
			}
			x = x1 + 1
		}
	}
	return found
}

// inkRuns counts the runs of ink pixels along row y from x0 on: each frame crossed gives two
// (a tick joins its frame's run).
func inkRuns(img *image.RGBA, x0, y int) int {
	runs := 0
	for x := x0; x < img.Rect.Max.X; x++ {
		if img.RGBAAt(x, y) == ink && (x == x0 || img.RGBAAt(x-1, y) != ink) {
			runs++
		}
	}
	return runs
}

// coloured reports a pixel that is not a shade of grey: data drawn in colour, never the
// background, the grid, the frames or the text.
func coloured(c color.RGBA) bool { return c.R != c.G || c.G != c.B }

// painted reports a pixel that data were drawn on: neither the white background nor the grid.
func painted(c color.RGBA) bool { return c != white && c != gridGrey }

// onePanel returns the only plot area of img, failing the test if there is not exactly one.
func onePanel(t testing.TB, img *image.RGBA) image.Rectangle {
	t.Helper()
	f := frames(img)
	if len(f) != 1 {
		t.Fatalf("found %d panels %v, want 1", len(f), f)
	}
	return f[0]
}

// pixelOf is the pixel that data point (x, y) falls in, in a panel showing r.
func pixelOf(rect image.Rectangle, r Range, x, y float32) image.Point {
	p := panel{rect: rect, r: r}
	px, py := p.at(float64(x), float64(y))
	return image.Pt(int(px), int(py))
}

func uniform(n int, x0, x1, y0, y1 float32, seed uint64) []float32 {
	pts := make([]float32, 0, 2*n)
	s := seed
	next := func() float32 { // a small LCG keeps the helper free of math/rand's versions
		s = s*6364136223846793005 + 1442695040888963407
		return float32(s>>40) / (1 << 24)
	}
	for range n {
		pts = append(pts, x0+(x1-x0)*next(), y0+(y1-y0)*next())
	}
	return pts
}

func sample(label string, pts []float32) *Data {
	return &Data{Kind: Sample, Label: label, Dims: 2, Axes: [2]string{"x", "y"}, X: [][]float32{pts}}
}

func log1p(x float64) float64 { return math.Log1p(x) }
