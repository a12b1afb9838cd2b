package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// digits draws n synthetic MNIST-like 28 x 28 images: digit i%10 (or labels[i]) written with the
// built-in font at 3 pixels a font pixel, shifted a little at random, softened at the edges,
// white (1) on black (0). It returns the pixels, one image after another, and the digits.
func digits(n int, seed uint64) ([]float32, []int) {
	r := rand.New(rand.NewPCG(seed, 5))
	pix := make([]float32, 0, n*784)
	labels := make([]int, n)
	for i := range n {
		digit := r.IntN(10)
		labels[i] = digit
		g := glyphOf(byte('0' + digit))
		im := make([]float32, 784)
		ox, oy := 6+r.IntN(3), 3+r.IntN(3)
		for gy := range glyphAscent {
			for gx := range glyphW {
				if g.rows[gy]&(1<<(glyphW-1-gx)) == 0 {
					continue
				}
				for dy := range 3 {
					for dx := range 3 {
						x, y := ox+3*gx+dx, oy+3*gy+dy
						im[y*28+x] = 1
					}
				}
			}
		}
		// A soft edge: each pixel off the stroke takes a third of its brightest neighbour.
		soft := slices.Clone(im)
		for y := 1; y < 27; y++ {
			for x := 1; x < 27; x++ {
				if im[y*28+x] == 0 {
					m := max(im[y*28+x-1], im[y*28+x+1], im[(y-1)*28+x], im[(y+1)*28+x])
					soft[y*28+x] = m / 3
				}
			}
		}
		pix = append(pix, soft...)
	}
	return pix, labels
}

// digitFlow is the conditional-OT path from noise to the images of digits at times ts, in
// pixels/255 as fmtiny sample writes them: x_t = t x1 + (1 - t) x0 in the seed's normalised
// units (mean 0.1307, std 0.3081), x0 ~ N(0, noise^2 I). With noise = 0.5 no pixel of the noise
// is white (that is 5.6 standard deviations away), which lets findImages see the images' edges.
func digitFlow(n int, ts []float32, seed uint64, noise float64) *Data {
	const mean, std = 0.1307, 0.3081
	x1, labels := digits(n, seed)
	r := rand.New(rand.NewPCG(seed, 6))
	x0 := make([]float32, len(x1))
	for i := range x0 {
		x0[i] = float32(noise * r.NormFloat64())
	}
	d := &Data{Kind: Images, Label: "digits", Dims: 784, Shape: Shape{1, 28, 28}, T: ts, Labels: labels}
	for _, t := range ts {
		x := make([]float32, len(x1))
		for i := range x {
			z1 := (x1[i] - mean) / std
			x[i] = (t*z1+(1-t)*x0[i])*std + mean
		}
		d.X = append(d.X, x)
	}
	return d
}

func imagesData(label string, shape Shape, pix []float32, labels []int) *Data {
	return &Data{Kind: Images, Label: label, Dims: shape.Size(), Shape: shape, X: [][]float32{pix}, Labels: labels}
}

func TestInferShape(t *testing.T) {
	for _, c := range []struct {
		n    int
		want Shape
		ok   bool
	}{
		{784, Shape{1, 28, 28}, true},
		{64, Shape{1, 8, 8}, true},
		{3072, Shape{3, 32, 32}, true},
		{75, Shape{3, 5, 5}, true},
		{49, Shape{}, false}, // a square, but too few values
		{48, Shape{}, false}, // three squares of 16, too few
		{785, Shape{}, false},
		{2, Shape{}, false},
		{4096, Shape{1, 64, 64}, true},
	} {
		got, ok := InferShape(c.n)
		if got != c.want || ok != c.ok {
			t.Errorf("InferShape(%d) = %v, %v; want %v, %v", c.n, got, ok, c.want, c.ok)
		}
	}
}

// imageCSV writes rows of images with header x0,...: image i has every pixel i/10 (cycling
// over 0, 0.1, ..., 0.9), preceded by label and t,id columns if asked.
func imageCSV(n, size int, lead string, row func(i int) string) string {
	var b strings.Builder
	if lead != "" {
		b.WriteString(lead + ",")
	}
	for k := range size {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "x%d", k)
	}
	b.WriteByte('\n')
	for i := range n {
		if row != nil {
			b.WriteString(row(i) + ",")
		}
		v := strconv10(i)
		for k := range size {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func strconv10(i int) string { return fmt.Sprintf("%g", float32(i%10)/10) }

func TestFromTableImages(t *testing.T) {
	// 784 values a row are 28 x 28 images, whatever the columns' names.
	d, err := fromCSV(t, imageCSV(3, 784, "", nil), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Images || d.Shape != (Shape{1, 28, 28}) || d.Points() != 3 || d.T != nil || d.Labels != nil || d.X[0][784] != 0.1 || d.X[0][2*784-1] != 0.1 {
		t.Fatalf("784 values: kind %s, shape %v, %d images", d.Kind, d.Shape, d.Points())
	}
	// RGB: three squares.
	if d, err := fromCSV(t, imageCSV(2, 3*16*16, "", nil), Auto); err != nil || d.Shape != (Shape{3, 16, 16}) {
		t.Errorf("768 values: %v, %+v", err, d)
	}
	// A label first.
	d, err = fromCSV(t, imageCSV(4, 64, "label", func(i int) string { return fmt.Sprint(3 - i) }), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Images || d.Shape != (Shape{1, 8, 8}) || !slices.Equal(d.Labels, []int{3, 2, 1, 0}) || d.X[0][64] != 0.1 {
		t.Errorf("label,x0,...: %+v", d)
	}
	// Snapshots: t,id[,label] first, grouped by time and ordered by id.
	d, err = fromCSV(t, imageCSV(6, 64, "t,id,label", func(i int) string { return fmt.Sprintf("%g,%d,%d", float32(i/3)/2, 2-i%3, 7) }), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Images || !slices.Equal(d.T, []float32{0, 0.5}) || d.Points() != 3 || !slices.Equal(d.Labels, []int{7, 7, 7}) {
		t.Fatalf("t,id,label,x0,...: %+v", d)
	}
	// At t = 0.5, id 0 is row 5 (i = 5: 0.5), id 2 row 3 (0.3).
	if d.X[1][0] != 0.5 || d.X[1][2*64] != 0.3 || d.X[0][0] != 0.2 {
		t.Errorf("grouped images: %v %v %v", d.X[1][0], d.X[1][2*64], d.X[0][0])
	}
	// A shape given makes any count images; forcing images infers the shape.
	d, err = FromTableWith(nil, 6, []float32{1, 2, 3, 4, 5, 6}, "s", TableOptions{Shape: Shape{1, 2, 3}})
	if err != nil || d.Kind != Images || d.Shape != (Shape{1, 2, 3}) || d.Points() != 1 {
		t.Errorf("shape 1,2,3: %v, %+v", err, d)
	}
	if d, err := fromCSV(t, imageCSV(2, 100, "", nil), Images); err != nil || d.Shape != (Shape{1, 10, 10}) {
		t.Errorf("forced images: %v, %+v", err, d)
	}
	// Forcing points keeps 784 columns as points.
	if d, err := fromCSV(t, imageCSV(2, 784, "", nil), Sample); err != nil || d.Kind != Sample || d.Dims != 784 {
		t.Errorf("forced sample: %v, %+v", err, d)
	}
	// Too few values for an image stay points.
	if d, err := fromCSV(t, imageCSV(2, 49, "", nil), Auto); err != nil || d.Kind != Sample {
		t.Errorf("49 values: %v, %+v", err, d)
	}
}

func TestFromTableImageErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		opt  TableOptions
		err  string
	}{
		{imageCSV(2, 700, "", nil), TableOptions{Kind: Images}, "700 values a row are not a square image"},
		{imageCSV(2, 784, "", nil), TableOptions{Shape: Shape{1, 28, 27}}, "the shape 1,28,27 needs 756 values a row, but the table has 784"},
		{imageCSV(2, 784, "label", func(int) string { return "1" }), TableOptions{Shape: Shape{1, 28, 29}}, "the shape 1,28,29 needs 812 values a row, but the table has 784 after label"},
		{imageCSV(2, 784, "", nil), TableOptions{Kind: Sample, Shape: Shape{1, 28, 28}}, "a shape is for images, not a sample"},
		{imageCSV(2, 64, "", nil), TableOptions{Shape: Shape{2, 4, 8}}, "shape 2,4,8: 2 channels; an image has 1 (grey) or 3 (RGB)"},
		{imageCSV(2, 64, "", nil), TableOptions{Shape: Shape{1, 0, 64}}, "shape 1,0,64: an image's height and width are from 1 to 4096"},
		{imageCSV(2, 64, "label", func(int) string { return "0.5" }), TableOptions{}, "row 1: label 0.5 is not an integer"},
		{imageCSV(3, 64, "t,id", func(i int) string { return fmt.Sprintf("%d,%d", i/2, i%2) }), TableOptions{}, "t = 1 has 1 rows but there are 2 distinct ids"},
	} {
		header, table := readCSV(t, c.text)
		_, err := FromTableWith(header, table.D, table.X, "f", c.opt)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%.30q with %+v: got %v, want an error with %q", c.text, c.opt, err, c.err)
		}
	}
}

// findImages finds the images of a picture: the rectangles of pixels that are not white, whose
// rows and columns are separated by white (so images must not have white edges) and which
// are at least 20 pixels wide and tall, top to bottom and left to right. White inside an image
// is not taken for the corner of another.
func findImages(img *image.RGBA, area image.Rectangle) []image.Rectangle {
	white := func(x, y int) bool { return img.RGBAAt(x, y) == color.RGBA{255, 255, 255, 255} }
	var found []image.Rectangle
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if white(x, y) || !white(x-1, y) || !white(x, y-1) || slices.ContainsFunc(found, image.Pt(x, y).In) {
				continue
			}
			// A top-left corner: extend right and down while the pixels stay not white.
			x1, y1 := x, y
			for x1 < area.Max.X && !white(x1, y) {
				x1++
			}
			for y1 < area.Max.Y && !white(x, y1) {
				y1++
			}
			if x1-x >= 20 && y1-y >= 20 { // wider and taller than any glyph
				found = append(found, image.Rect(x, y, x1, y1))
			}
		}
	}
	return found
}

// A grid of images: 8 a row for 64, each pixel a 3 x 3 square of its grey, a thin white gap
// between images.
func TestImageGrid(t *testing.T) {
	const n = 64
	pix := make([]float32, 0, n*784)
	for i := range n {
		for k := range 784 {
			// Image i: a horizontal ramp from 0.05 (dark, not black) to 0.95 across, with
			// pixel (0, 0) carrying the image's number in tenths.
			v := 0.05 + 0.9*float32(k%28)/27
			if k == 0 {
				v = float32(i%10)/10 + 0.05
			}
			pix = append(pix, v)
		}
	}
	pic := decode(t, must(ImageGrids([]*Data{imagesData("grid", Shape{1, 28, 28}, pix, nil)}, Options{})))
	cells := findImages(pic, pic.Rect)
	if len(cells) != n {
		t.Fatalf("%d images found, want %d", len(cells), n)
	}
	for i, r := range cells {
		if r.Dx() != 84 || r.Dy() != 84 {
			t.Fatalf("image %d is %v, want 84x84", i, r)
		}
		row, col := i/8, i%8
		if r.Min.X != cells[0].Min.X+col*(84+imageGap) || r.Min.Y != cells[0].Min.Y+row*(84+imageGap) {
			t.Fatalf("image %d at %v, not in row %d, column %d of a grid with gaps of %d", i, r.Min, row, col, imageGap)
		}
		// Pixel (0, 0) of image i is a 3 x 3 square of its tenths; pixel (27, 5) is 0.95.
		want := uint8(math.Round(float64(float32(i%10)/10+0.05) * 255))
		for dy := range 3 {
			for dx := range 3 {
				if c := pic.RGBAAt(r.Min.X+dx, r.Min.Y+dy); c.R != want || c.G != want || c.B != want {
					t.Fatalf("image %d, pixel (0, 0): %v, want grey %d", i, c, want)
				}
			}
		}
		if c := pic.RGBAAt(r.Min.X+27*3+1, r.Min.Y+5*3+1); c.R != uint8(math.Round(0.95*255)) {
			t.Fatalf("image %d, pixel (27, 5): %v", i, c)
		}
	}
}

// Values outside [0, 1] are clamped; three channels are drawn in colour.
func TestImageClampAndRGB(t *testing.T) {
	s := Shape{3, 8, 8}
	pix := make([]float32, s.Size())
	for k := range 64 {
		pix[k] = 1.7       // red, clamped to 1
		pix[64+k] = -0.3   // green, clamped to 0
		pix[128+k] = 0.502 // blue
	}
	pic := decode(t, must(ImageGrids([]*Data{imagesData("rgb", s, pix, nil)}, Options{Size: 40})))
	cells := findImages(pic, pic.Rect)
	if len(cells) != 1 || cells[0].Dx() != 40 {
		t.Fatalf("images %v, want one of 40 pixels (5 a pixel)", cells)
	}
	if c := pic.RGBAAt(cells[0].Min.X+20, cells[0].Min.Y+20); c != (color.RGBA{255, 0, 128, 255}) {
		t.Errorf("RGB pixel %v, want {255 0 128}", c)
	}
}

// Labelled images: a row per label, ascending, each as long as its label has images up to the
// fullest label's count.
func TestImageGridByLabel(t *testing.T) {
	s := Shape{1, 8, 8}
	labels := []int{5, 2, 5, 9, 5, 2}
	var pix []float32
	for i, l := range labels {
		for range 64 {
			pix = append(pix, float32(l)/10+float32(i)/100)
		}
	}
	pic := decode(t, must(ImageGrids([]*Data{imagesData("l", s, pix, labels)}, Options{Size: 24})))
	cells := findImages(pic, pic.Rect)
	// Rows: label 2 (images 1, 5), label 5 (images 0, 2, 4), label 9 (image 3).
	want := [][]int{{1, 5}, {0, 2, 4}, {3}}
	var got [][]int
	lastY := -1
	for _, r := range cells {
		if r.Min.Y != lastY {
			got = append(got, nil)
			lastY = r.Min.Y
		}
		v := float64(pic.RGBAAt(r.Min.X+1, r.Min.Y+1).R) / 255
		i := -1 // the image whose grey this is
		for k, l := range labels {
			if math.Abs(v-float64(float32(l)/10+float32(k)/100)) < 0.5/255+1e-6 {
				i = k
			}
		}
		got[len(got)-1] = append(got[len(got)-1], i)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows of images %v, want %v", got, want)
	}
	// Rows of a grid by label start at the same x, past the labels on the left.
	if cells[0].Min.X != cells[2].Min.X || cells[0].Min.X <= pad+textWidth("9", 2) {
		t.Errorf("rows start at %d and %d", cells[0].Min.X, cells[2].Min.X)
	}
}

// A flow: a row per image, a column per time, noise on the left and the images on the right.
func TestImageFlow(t *testing.T) {
	ts := []float32{0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1}
	d := digitFlow(12, ts, 1, 0.5)
	pic := decode(t, must(ImageFlows([]*Data{d}, Options{})))
	cells := findImages(pic, pic.Rect)
	if len(cells) != DefaultFlowRows*len(ts) {
		t.Fatalf("%d images, want %d rows of %d", len(cells), DefaultFlowRows, len(ts))
	}
	// The last column is the digits themselves, the first the noise.
	for row := range DefaultFlowRows {
		last, first := cells[row*len(ts)+len(ts)-1], cells[row*len(ts)]
		if first.Min.Y != last.Min.Y || first.Min.X >= last.Min.X {
			t.Fatalf("row %d: first image at %v, last at %v", row, first, last)
		}
		for y := range 28 {
			for x := range 28 {
				v := d.X[len(ts)-1][row*784+y*28+x]
				want := uint8(math.Round(float64(max(0, min(1, v))) * 255))
				if c := pic.RGBAAt(last.Min.X+3*x+1, last.Min.Y+3*y+1); c.R != want {
					t.Fatalf("row %d, t = 1, pixel (%d, %d): %d, want %d", row, x, y, c.R, want)
				}
				v = d.X[0][row*784+y*28+x]
				want = uint8(math.Round(float64(max(0, min(1, v))) * 255))
				if c := pic.RGBAAt(first.Min.X+3*x+1, first.Min.Y+3*y+1); absDiff(c.R, want) > 1 {
					t.Fatalf("row %d, t = 0, pixel (%d, %d): %d, want %d", row, x, y, c.R, want)
				}
			}
		}
	}
	// Rows asks for more or fewer.
	pic = decode(t, must(ImageFlows([]*Data{d}, Options{Rows: 3})))
	if n := len(findImages(pic, pic.Rect)); n != 3*len(ts) {
		t.Errorf("3 rows: %d images", n)
	}
	pic = decode(t, must(ImageFlows([]*Data{d}, Options{Rows: 100})))
	if n := len(findImages(pic, pic.Rect)); n != 12*len(ts) {
		t.Errorf("100 rows of 12 images: %d images", n)
	}
	// Two tables: one flow above the other.
	e := digitFlow(8, ts[:3], 2, 0.5)
	e.Label = "other"
	pic = decode(t, must(Draw([]*Data{d, e}, Options{})))
	if n := len(findImages(pic, pic.Rect)); n != 8*len(ts)+8*3 {
		t.Errorf("two flows: %d images", n)
	}
}

// Many times are thinned to MaxFlowTimes, the first and last kept, and the notes say so.
func TestImageFlowTimes(t *testing.T) {
	if got := flowTimes(5); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("flowTimes(5) = %v", got)
	}
	got := flowTimes(201)
	if len(got) != MaxFlowTimes || got[0] != 0 || got[len(got)-1] != 200 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("flowTimes(201) = %v", got)
	}
	var ts []float32
	for k := range 41 {
		ts = append(ts, float32(k)/40)
	}
	d := digitFlow(2, ts, 3, 0.5)
	if notes := ImageNotes([]*Data{d}, Options{}); len(notes) != 1 || notes[0] != "25 of 41 times, evenly spaced" {
		t.Errorf("notes %q", notes)
	}
	pic := decode(t, must(ImageFlows([]*Data{d}, Options{})))
	if n := len(findImages(pic, pic.Rect)); n != 2*MaxFlowTimes {
		t.Errorf("%d images, want %d", n, 2*MaxFlowTimes)
	}
}

// More images than a grid holds: the first MaxImages, and a note.
func TestImageGridCap(t *testing.T) {
	pix, _ := digits(300, 1)
	d := imagesData("many", Shape{1, 28, 28}, pix, nil)
	if notes := ImageNotes([]*Data{d}, Options{}); len(notes) != 1 || notes[0] != "the first 256 of 300 images" {
		t.Errorf("notes %q", notes)
	}
	capped := decode(t, must(ImageGrids([]*Data{d}, Options{Size: 28})))
	d.X[0] = d.X[0][:MaxImages*784]
	exact := decode(t, must(ImageGrids([]*Data{d}, Options{Size: 28})))
	if capped.Rect.Dx() != exact.Rect.Dx() {
		t.Errorf("300 images drew %v, 256 %v", capped.Rect, exact.Rect)
	}
	if capped.Rect.Dy() <= exact.Rect.Dy() {
		t.Error("the note takes no room")
	}
	if len(ImageNotes([]*Data{d}, Options{})) != 0 {
		t.Error("a note for 256 images")
	}
	// Labelled: rows of at most MaxGridColumns, at most MaxImages in all.
	var labels []int
	pix = nil
	for l := range 20 {
		for range 20 {
			labels = append(labels, l)
		}
	}
	all, _ := digits(400, 2)
	pix = all
	d = imagesData("many labels", Shape{1, 28, 28}, pix, labels)
	if notes := ImageNotes([]*Data{d}, Options{}); len(notes) != 1 || notes[0] != "the first 16 of 20 labels, 256 of 400 images" {
		t.Errorf("notes %q", notes)
	}
	d = imagesData("many a label", Shape{1, 28, 28}, pix[:40*784], labels[:40])
	if notes := ImageNotes([]*Data{d}, Options{}); len(notes) != 1 || notes[0] != "32 of 40 images, at most 16 a label" {
		t.Errorf("notes %q", notes)
	}
}

func TestImagesDeterministic(t *testing.T) {
	d := digitFlow(8, []float32{0, 0.5, 1}, 4, 0.5)
	a := encode(t, must(Draw([]*Data{d}, Options{})))
	b := encode(t, must(Draw([]*Data{d}, Options{})))
	if !bytes.Equal(a, b) {
		t.Error("the same images gave two pictures")
	}
}

func TestImagesErrors(t *testing.T) {
	pix, _ := digits(2, 1)
	grid := imagesData("g", Shape{1, 28, 28}, pix, nil)
	flow := digitFlow(2, []float32{0, 1}, 1, 0.5)
	for _, c := range []struct {
		draw func() (*image.RGBA, error)
		want string
	}{
		{func() (*image.RGBA, error) { return ImageGrids(nil, Options{}) }, "no images"},
		{func() (*image.RGBA, error) { return ImageGrids([]*Data{flow}, Options{}) }, "images over time, not a grid"},
		{func() (*image.RGBA, error) { return ImageFlows([]*Data{grid}, Options{}) }, "a grid of images, not images over time"},
		{func() (*image.RGBA, error) { return Draw([]*Data{grid, flow}, Options{}) }, "cannot draw a grid of images and images over time"},
		{func() (*image.RGBA, error) { return ImageGrids([]*Data{sample("s", []float32{1, 2})}, Options{}) }, "s: sample, not images"},
		{func() (*image.RGBA, error) {
			return ImageGrids([]*Data{imagesData("odd", Shape{1, 8, 8}, make([]float32, 65), nil)}, Options{})
		}, "odd: 65 values, not images of 64 (shape 1,8,8)"},
		{func() (*image.RGBA, error) {
			return ImageGrids([]*Data{imagesData("bad", Shape{4, 8, 8}, make([]float32, 256), nil)}, Options{})
		}, "bad: shape 4,8,8: 4 channels"},
		{func() (*image.RGBA, error) {
			return ImageGrids([]*Data{imagesData("l", Shape{1, 8, 8}, make([]float32, 128), []int{1})}, Options{})
		}, "l: 1 labels for 2 images"},
		{func() (*image.RGBA, error) {
			return ImageGrids([]*Data{imagesData("huge", Shape{1, 4096, 4096}, make([]float32, 4096*4096*4), nil)}, Options{Size: 4096})
		}, "too large"},
	} {
		_, err := c.draw()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}
