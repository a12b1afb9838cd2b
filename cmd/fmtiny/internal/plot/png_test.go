package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestEncodePNG writes pictures of every kind of row (flat, noisy, gradients, odd widths,
// translucent) and reads them back with image/png: every pixel comes back.
func TestEncodePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		w, h  int
		alpha bool
	}{{1, 1, false}, {3, 2, false}, {17, 9, false}, {300, 70, false}, {5, 5, true}, {64, 33, true}} {
		img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
		for y := range c.h {
			for x := range c.w {
				v := color.RGBA{uint8(x * 7), uint8(y * 13), uint8(r.IntN(256)), 255}
				if y%3 == 1 {
					v = color.RGBA{uint8(x), uint8(x), uint8(x), 255} // a smooth row
				}
				if c.alpha {
					v.A = uint8(r.IntN(256))
					v.R, v.G, v.B = min(v.R, v.A), min(v.G, v.A), min(v.B, v.A) // premultiplied
				}
				img.SetRGBA(x, y, v)
			}
		}
		var buf bytes.Buffer
		if err := EncodePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		back, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%dx%d: %v", c.w, c.h, err)
		}
		if back.Bounds() != img.Bounds() {
			t.Fatalf("%dx%d came back %v", c.w, c.h, back.Bounds())
		}
		for y := range c.h {
			for x := range c.w {
				// Compared as straight colours, which PNG stores.
				want := color.NRGBAModel.Convert(img.At(x, y))
				if got := color.NRGBAModel.Convert(back.At(x, y)); got != want {
					t.Fatalf("%dx%d pixel (%d, %d): wrote %v, read %v", c.w, c.h, x, y, img.At(x, y), back.At(x, y))
				}
			}
		}
	}
}
