package plot

import (
	"image"
	"math"
	"testing"
)

func canvas(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(img, 0, 0, w, h, white)
	return img
}

// darkness sums how far each pixel's red is below white: the ink laid down.
func darkness(img *image.RGBA) float64 {
	var s float64
	for i := 0; i < len(img.Pix); i += 4 {
		s += float64(255 - img.Pix[i])
	}
	return s
}

func TestLineThroughPixelCentres(t *testing.T) {
	img := canvas(40, 20)
	line(img, img.Rect, 5.5, 10.5, 30.5, 10.5, black, 1)
	for y := range 20 {
		for x := range 40 {
			want := white
			if y == 10 && x >= 6 && x <= 29 {
				want = black // whole columns; the end columns are half covered
			}
			if got := img.RGBAAt(x, y); (x == 5 || x == 30) && y == 10 {
				if got.R < 100 || got.R > 155 {
					t.Errorf("end pixel (%d, %d) = %v, want half grey", x, y, got)
				}
			} else if got != want {
				t.Errorf("pixel (%d, %d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// A path cut into many short segments lays down about the ink of one segment, at any angle:
// the end columns of consecutive segments share their coverage instead of each painting it.
func TestLineSegmentsJoin(t *testing.T) {
	for _, angle := range []float64{0, 0.3, math.Pi / 4, 1.2, math.Pi / 2, 2.5} {
		x0, y0 := 10.0, 10.0
		x1, y1 := x0+60*math.Cos(angle), y0+60*math.Sin(angle)
		one, many := canvas(100, 100), canvas(100, 100)
		const a = 0.3
		line(one, one.Rect, x0, y0, x1, y1, black, a)
		const n = 300
		for k := range n {
			f0, f1 := float64(k)/n, float64(k+1)/n
			line(many, many.Rect, x0+(x1-x0)*f0, y0+(y1-y0)*f0, x0+(x1-x0)*f1, y0+(y1-y0)*f1, black, a)
		}
		d1, dn := darkness(one), darkness(many)
		if math.Abs(dn-d1) > 0.1*d1 {
			t.Errorf("angle %.2f: one segment lays %.0f of ink, %d segments %.0f", angle, d1, n, dn)
		}
	}
	// A point resting in place draws nothing, however many steps it rests.
	img := canvas(10, 10)
	for range 100 {
		line(img, img.Rect, 5.2, 5.2, 5.2, 5.2, black, 0.5)
	}
	if d := darkness(img); d != 0 {
		t.Errorf("a resting point laid down %.0f of ink", d)
	}
}

func TestDiscCoverage(t *testing.T) {
	img := canvas(30, 30)
	disc(img, img.Rect, 15, 15, 5, black, 1)
	// The ink of a disc of radius 5 is about its area, 25 pi pixels.
	if got, want := darkness(img)/255, 25*math.Pi; math.Abs(got-want) > 0.05*want {
		t.Errorf("disc of radius 5: %.1f pixels of ink, want about %.1f", got, want)
	}
	if img.RGBAAt(15, 15) != black || img.RGBAAt(15, 8) != white {
		t.Errorf("centre %v, outside %v", img.RGBAAt(15, 15), img.RGBAAt(15, 8))
	}
	// Clipped to the given rectangle.
	clipped := canvas(30, 30)
	disc(clipped, image.Rect(0, 0, 15, 30), 15, 15, 5, black, 1)
	for y := range 30 {
		for x := 15; x < 30; x++ {
			if clipped.RGBAAt(x, y) != white {
				t.Fatalf("pixel (%d, %d) painted outside the clip", x, y)
			}
		}
	}
}
