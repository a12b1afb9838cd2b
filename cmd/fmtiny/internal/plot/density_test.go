package plot

import (
	"bytes"
	"image"
	"math"
	"strings"
	"testing"
)

// A histogram of points all in the bottom-left tenth of the range colours that corner alone.
func TestDensityCornerOnly(t *testing.T) {
	pts := uniform(20000, 0, 1, 0, 1, 1)
	img, err := DensityPanels([]*Data{sample("corner", pts)}, Options{Range: &Range{0, 10, 0, 10}, Size: 400})
	if err != nil {
		t.Fatal(err)
	}
	pic := decode(t, img)
	area := onePanel(t, pic)
	if area.Dx() != 400 || area.Dy() != 400 {
		t.Fatalf("plot area %v, want 400x400", area)
	}
	corner := image.Rect(area.Min.X, area.Max.Y-40, area.Min.X+40, area.Max.Y)
	inside := 0
	for y := pic.Rect.Min.Y; y < pic.Rect.Max.Y; y++ {
		for x := pic.Rect.Min.X; x < pic.Rect.Max.X; x++ {
			if !coloured(pic.RGBAAt(x, y)) {
				continue
			}
			if !(image.Pt(x, y).In(corner)) {
				t.Fatalf("coloured pixel at (%d, %d), outside the corner %v", x, y, corner)
			}
			inside++
		}
	}
	// 20000 points in 20x20 bins of 2x2 pixels fill the whole corner.
	if inside != 40*40 {
		t.Errorf("%d coloured pixels in the corner, want all %d", inside, 40*40)
	}
}

// Counts are log-compressed onto Viridis: the densest bin gets its last colour and a bin of one
// point log(2)/log(1+max) of the way along, not the near-invisible 1/max.
func TestDensityLogCounts(t *testing.T) {
	var pts []float32
	for range 10000 {
		pts = append(pts, 1.01, 1.01)
	}
	pts = append(pts, 9.01, 9.01)
	r := Range{0, 10, 0, 10}
	pic := decode(t, must(DensityPanels([]*Data{sample("", pts)}, Options{Range: &r, Size: 400})))
	area := onePanel(t, pic)
	dense, sparse := pixelOf(area, r, 1.01, 1.01), pixelOf(area, r, 9.01, 9.01)
	if got, want := pic.RGBAAt(dense.X, dense.Y), viridis.At(1); got != want {
		t.Errorf("densest bin %v, want %v", got, want)
	}
	if got, want := pic.RGBAAt(sparse.X, sparse.Y), viridis.At(math.Log(2)/math.Log(10001)); got != want {
		t.Errorf("bin of one point %v, want %v", got, want)
	}
}

// Few points are drawn as dots, darkest where they are and white far away.
func TestScatterFewPoints(t *testing.T) {
	pts := []float32{1, 1, 2, 3, 3, 2}
	r := Range{0, 4, 0, 4}
	pic := decode(t, must(DensityPanels([]*Data{sample("few", pts)}, Options{Range: &r})))
	area := onePanel(t, pic)
	for i := 0; i < len(pts); i += 2 {
		p := pixelOf(area, r, pts[i], pts[i+1])
		if c := pic.RGBAAt(p.X, p.Y); !coloured(c) || c.R < c.G || c.R > 200 {
			t.Errorf("point (%g, %g): pixel %v is not a purple dot", pts[i], pts[i+1], c)
		}
	}
	if p := pixelOf(area, r, 0.5, 3.5); painted(pic.RGBAAt(p.X, p.Y)) {
		t.Errorf("empty place painted %v", pic.RGBAAt(p.X, p.Y))
	}
	// Density forces the histogram even for three points.
	hist := decode(t, must(DensityPanels([]*Data{sample("few", pts)}, Options{Range: &r, Style: Density})))
	p := pixelOf(area, r, 1, 1)
	if got := hist.RGBAAt(p.X, p.Y); got != viridis.At(1) {
		t.Errorf("histogram of three points: %v at a point, want %v", got, viridis.At(1))
	}
}

// Several samples make panels side by side, equal in size and level.
func TestDensitySideBySide(t *testing.T) {
	var data []*Data
	for i := range 3 {
		data = append(data, sample(strings.Repeat("s", i+1), uniform(100, 0, float32(i+1), 0, 1, uint64(i))))
	}
	pic := decode(t, must(DensityPanels(data, Options{})))
	f := frames(pic)
	if len(f) != 3 {
		t.Fatalf("%d panels, want 3", len(f))
	}
	for _, r := range f[1:] {
		if r.Size() != f[0].Size() || r.Min.Y != f[0].Min.Y || r.Min.X <= f[0].Max.X {
			t.Errorf("panels %v not side by side and alike", f)
		}
	}
	// From the first frame's left edge on, past the y tick labels.
	if runs := inkRuns(pic, f[0].Min.X-1, (f[0].Min.Y+f[0].Max.Y)/2); runs != 6 {
		t.Errorf("a line across the panels crosses %d frame edges, want 6", runs)
	}
}

// Data of more than two dimensions say which two are drawn, in the title only.
func TestDensityTitleSaysDims(t *testing.T) {
	pts := uniform(1000, -1, 1, -1, 1, 3)
	five := sample("s", pts)
	five.Dims, five.Axes = 5, [2]string{"x0", "x1"}
	if got := five.Title(); got != "s (x0, x1 of 5 dims)" {
		t.Errorf("title %q", got)
	}
	if got := sample("s", pts).Title(); got != "s" {
		t.Errorf("2D title %q", got)
	}
	a := decode(t, must(DensityPanels([]*Data{five}, Options{})))
	b := decode(t, must(DensityPanels([]*Data{sample("s", pts)}, Options{})))
	if a.Rect != b.Rect {
		t.Fatalf("sizes %v and %v", a.Rect, b.Rect)
	}
	area := onePanel(t, a)
	differ := 0
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				if y >= area.Min.Y-1 {
					t.Fatalf("pictures differ at (%d, %d), below the title", x, y)
				}
				differ++
			}
		}
	}
	if differ < 100 {
		t.Errorf("titles differ in %d pixels", differ)
	}
}

func TestPicturesAreDeterministic(t *testing.T) {
	pts := uniform(30000, -2, 2, -1, 3, 4)
	draw := func() []byte {
		return encode(t, must(DensityPanels([]*Data{sample("a", pts), sample("b", pts[:2000])}, Options{Size: 150})))
	}
	if !bytes.Equal(draw(), draw()) {
		t.Error("the same sample gave two different pictures")
	}
	d := flowSnapshots(t, "condot", "ot", []float32{0, 0.5, 1}, 3000, 5)
	rows := func() []byte { return encode(t, must(SnapshotRows([]*Data{d}, Options{Size: 120}))) }
	if !bytes.Equal(rows(), rows()) {
		t.Error("the same snapshots gave two different pictures")
	}
}

func must(img *image.RGBA, err error) *image.RGBA {
	if err != nil {
		panic(err)
	}
	return img
}

func TestPictureSizeBounded(t *testing.T) {
	var many []*Data
	for range 40 {
		many = append(many, sample("s", []float32{0, 0, 1, 1}))
	}
	if _, err := DensityPanels(many, Options{Size: 4000}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("40 panels of 4000 pixels: %v", err)
	}
}
