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

// checkerLogP is the log-density of a mixture: with weight 1 - w the checkerboard of
// facebookresearch/flow_matching's 2D example (uniform on its 8 squares of side 1/0.45, 1/39.5
// there) and with weight w a Gaussian of standard deviation sd at (cx, cy).
func checkerLogP(x, y, w, sd, cx, cy float64) float64 {
	u, v := x*0.45, y*0.45
	p := 0.0
	if u >= -2 && u < 2 && v >= -2 && v < 2 {
		col := int(math.Floor(u)) & 1 // Python's floor(u) % 2
		row := math.Floor(v)
		if col == 0 && (row == 0 || row == -2) || col == 1 && (row == 1 || row == -1) {
			p = 0.45 * 0.45 / 8
		}
	}
	g := math.Exp(-((x-cx)*(x-cx)+(y-cy)*(y-cy))/(2*sd*sd)) / (2 * math.Pi * sd * sd)
	return math.Log((1-w)*p + w*g)
}

// lattice makes a log-density grid of n x n points on [lo, hi]^2 from f.
func lattice(label string, n int, lo, hi float64, f func(x, y float64) float64) *Data {
	g := &Lattice{}
	for i := range n {
		v := float64(float32(lo + (hi-lo)*float64(i)/float64(n-1)))
		g.X = append(g.X, v)
		g.Y = append(g.Y, v)
	}
	for _, y := range g.Y {
		for _, x := range g.X {
			g.LogP = append(g.LogP, float32(f(x, y)))
		}
	}
	return &Data{Kind: LogDensity, Label: label, Dims: 2, Axes: [2]string{"x", "y"}, Grid: g}
}

// checkerMaps are an exact log-density and a noisy estimate of it (Gaussian noise of 0.3 nats,
// and a few cells not finite), as eval --density would write them, 200 x 200 on [-5, 5]^2.
func checkerMaps(n int) (exact, hutch *Data) {
	f := func(x, y float64) float64 { return checkerLogP(x, y, 0.05, 1.2, 1.5, -1) }
	exact = lattice("exact", n, -5, 5, f)
	hutch = lattice("Hutchinson", n, -5, 5, f)
	r := rand.New(rand.NewPCG(1, 7))
	for k := range hutch.Grid.LogP {
		hutch.Grid.LogP[k] += float32(0.3 * r.NormFloat64())
	}
	for k := 0; k < len(hutch.Grid.LogP); k += 997 {
		hutch.Grid.LogP[k] = float32(math.NaN())
	}
	return exact, hutch
}

// latticeCSV writes the rows x,y,logp of d's lattice in a shuffled order.
func latticeCSV(d *Data, seed uint64) string {
	g := d.Grid
	idx := rand.New(rand.NewPCG(seed, 8)).Perm(len(g.LogP))
	var b strings.Builder
	b.WriteString("x,y,logp\n")
	for _, k := range idx {
		fmt.Fprintf(&b, "%g,%g,%g\n", float32(g.X[k%len(g.X)]), float32(g.Y[k/len(g.X)]), g.LogP[k])
	}
	return b.String()
}

// Rows in any order give back the lattice they were written from, row-major over y then x.
func TestFromTableDensity(t *testing.T) {
	want := lattice("f", 30, -2, 3, func(x, y float64) float64 { return -x*x - 2*y })
	want.Grid.Y = want.Grid.Y[:20]
	want.Grid.LogP = want.Grid.LogP[:30*20]
	d, err := fromCSV(t, latticeCSV(want, 1), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != LogDensity || d.Axes != [2]string{"x", "y"} || d.X != nil || d.Labels != nil {
		t.Fatalf("got %+v", d)
	}
	g := d.Grid
	if !slices.Equal(g.X, want.Grid.X) || !slices.Equal(g.Y, want.Grid.Y) || !slices.Equal(g.LogP, want.Grid.LogP) {
		t.Errorf("lattice %v x %v, want %v x %v", len(g.X), len(g.Y), len(want.Grid.X), len(want.Grid.Y))
	}
	// Forced, and any names for x and y.
	d, err = fromCSV(t, "a,b,LogP\n0,0,1\n1,0,2\n0,1,3\n1,1,4\n", LogDensity)
	if err != nil || d.Axes != [2]string{"a", "b"} || !slices.Equal(d.Grid.LogP, []float32{1, 2, 3, 4}) {
		t.Errorf("a,b,LogP: %v, %+v", err, d)
	}
	// Forcing points draws the lattice's points.
	if d, err := fromCSV(t, "x,y,logp\n0,0,1\n1,0,2\n", Sample); err != nil || d.Kind != Sample {
		t.Errorf("forced sample: %v, %+v", err, d)
	}
}

func TestFromTableDensityErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		want Kind
		err  string
	}{
		{"x,y,logp\n0,0,1\n1,0,1\n0,1,1\n", Auto, "no row at (1, 1): 3 rows for a lattice of 2 x 2 points"},
		{"x,y,logp\n0,0,1\n1,0,1\n0,1,1\n1,1,1\n1,0,2\n", Auto, "rows 2 and 5 are both at (1, 0)"},
		{"x,y,logp\n0,0,1\n1,0,1\n3,0,1\n0,1,1\n1,1,1\n3,1,1\n", Auto, "the x values are not evenly spaced: 0 to 1 is a step of 1, 1 to 3 one of 2: not a regular lattice"},
		{"x,y,logp\n0,0,1\n1,0,1\n2,0,1\n", Auto, "at least 2 distinct x and 2 distinct y values; it has 3 and 1"},
		{"x,logp,y\n0,0,1\n", Auto, "a log-density grid has the columns x,y,logp; the header is x,logp,y"},
		{"t,id,x,y,logp\n0,0,0,0,1\n", Auto, "the header is t,id,x,y,logp"},
		{"label,x,y,logp\n0,0,0,1\n", Auto, "the header is label,x,y,logp"},
		{"x,y,z\n0,0,1\n", LogDensity, "a log-density grid has the columns x,y,logp; the header is x,y,z"},
		{"0,0,1\n1,1,1\n", LogDensity, "the header is missing"},
	} {
		_, err := fromCSV(t, c.text, c.want)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q as %s: got %v, want an error with %q", c.text, c.want, err, c.err)
		}
	}
	// A lattice too large is refused before it is made.
	var b strings.Builder
	b.WriteString("x,y,logp\n")
	for i := range MaxLatticeSide + 1 {
		fmt.Fprintf(&b, "%d,%d,0\n", i, i%2)
	}
	if _, err := fromCSV(t, b.String(), Auto); err == nil || !strings.Contains(err.Error(), "a lattice of 4097 x 2 points is more than plot draws") {
		t.Errorf("4097 x values: %v", err)
	}
}

// Each pixel takes the colour of its nearest lattice point, on viridis over densitySpan nats up
// to the top; a value that is not finite is grey.
func TestDensityMapCells(t *testing.T) {
	// A 4 x 2 lattice on x = 0..3, y = 0..1: cells of side 1, covering [-0.5, 3.5] x [-0.5, 1.5].
	logp := []float32{-1, -3, -5, float32(math.NaN()), -9, -1, -2, float32(math.Inf(-1))}
	d := &Data{Kind: LogDensity, Label: "m", Dims: 2, Grid: &Lattice{X: []float64{0, 1, 2, 3}, Y: []float64{0, 1}, LogP: logp}}
	pic := decode(t, must(DensityMaps([]*Data{d}, Options{Size: 200})))
	area := onePanel(t, pic)
	if area.Dx() != 200 || area.Dy() != 100 {
		t.Fatalf("plot area %v, want 200 x 100 for a range of 4 x 2", area)
	}
	r := Range{-0.5, 3.5, -0.5, 1.5}
	top, _ := densityScale([]*Data{d})
	for k, l := range logp {
		x, y := float32(k%4), float32(k/4)
		for _, off := range [][2]float32{{0, 0}, {0.4, 0.4}, {-0.4, -0.4}} {
			p := pixelOf(area, r, x+off[0], y+off[1])
			want := notFinite
			if finite(float64(l)) {
				want = viridis.At((float64(l) - (top - densitySpan)) / densitySpan)
			}
			if got := pic.RGBAAt(p.X, p.Y); got != want && !(off == [2]float32{} && got == gridGrey) {
				t.Errorf("cell (%g, %g) at %v: %v, want %v", x, y, off, got, want)
			}
		}
	}
	// The top is the 99th percentile of the six finite values, near their largest (-1): those
	// cells are viridis's top; -9 is more than 8 nats below and takes its bottom.
	if p := pixelOf(area, r, 0.3, 0.3); pic.RGBAAt(p.X, p.Y) != viridis.At(1) {
		t.Errorf("the densest cell %v, want %v", pic.RGBAAt(p.X, p.Y), viridis.At(1))
	}
	if p := pixelOf(area, r, 0.3, 1.3); pic.RGBAAt(p.X, p.Y) != viridis.At(0) {
		t.Errorf("a cell 8 nats down %v, want %v", pic.RGBAAt(p.X, p.Y), viridis.At(0))
	}
}

// The colour bar right of the panels runs from viridis's bottom to its top, and a grey swatch
// under it says that some values are not finite.
func TestDensityMapColorBar(t *testing.T) {
	exact, hutch := checkerMaps(50)
	pic := decode(t, must(DensityMaps([]*Data{exact, hutch}, Options{Size: 150})))
	f := frames(pic)
	if len(f) != 2 {
		t.Fatalf("%d panels, want 2: %v", len(f), f)
	}
	bar := barOf(t, pic, f[1])
	if bar.Min.Y != f[1].Min.Y || bar.Dy() != f[1].Dy() || bar.Dx() != barWidth {
		t.Fatalf("bar %v beside the panels %v", bar, f)
	}
	x := (bar.Min.X + bar.Max.X) / 2
	if c := pic.RGBAAt(x, bar.Min.Y); c != viridis.At((float64(bar.Dy())-0.5)/float64(bar.Dy())) {
		t.Errorf("top of the bar %v", c)
	}
	if c := pic.RGBAAt(x, bar.Max.Y-1); c != viridis.At(0.5/float64(bar.Dy())) {
		t.Errorf("bottom of the bar %v", c)
	}
	grey := 0
	for y := bar.Max.Y; y < pic.Rect.Max.Y; y++ {
		for x := bar.Min.X; x < pic.Rect.Max.X; x++ {
			if pic.RGBAAt(x, y) == notFinite {
				grey++
			}
		}
	}
	if grey < 50 {
		t.Errorf("%d grey pixels under the bar, want a swatch", grey)
	}
	// Without values that are not finite, no swatch.
	pic = decode(t, must(DensityMaps([]*Data{exact}, Options{Size: 150})))
	bar = barOf(t, pic, onePanel(t, pic))
	for y := bar.Max.Y; y < pic.Rect.Max.Y; y++ {
		for x := bar.Min.X; x < pic.Rect.Max.X; x++ {
			if pic.RGBAAt(x, y) == notFinite {
				t.Fatalf("a swatch at (%d, %d) for a map of finite values", x, y)
			}
		}
	}
}

// Panels share one scale: the same lattice draws the same pixels beside a denser one, and a
// lattice one nat lower everywhere draws darker.
func TestDensityMapsShareScale(t *testing.T) {
	f := func(x, y float64) float64 { return checkerLogP(x, y, 0.05, 1.2, 1.5, -1) }
	a := lattice("a", 40, -5, 5, f)
	b := lattice("b", 40, -5, 5, func(x, y float64) float64 { return f(x, y) - 1 })
	pic := decode(t, must(DensityMaps([]*Data{a, b}, Options{Size: 120})))
	fr := frames(pic)
	darker, lighter := 0, 0
	for y := 0; y < fr[0].Dy(); y++ {
		for x := 0; x < fr[0].Dx(); x++ {
			pa, pb := pic.RGBAAt(fr[0].Min.X+x, fr[0].Min.Y+y), pic.RGBAAt(fr[1].Min.X+x, fr[1].Min.Y+y)
			if lum(pb) < lum(pa) {
				darker++
			} else if lum(pb) > lum(pa) {
				lighter++
			}
		}
	}
	if darker < fr[0].Dx()*fr[0].Dy()/3 || lighter > 0 {
		t.Errorf("one nat lower: %d pixels darker, %d lighter", darker, lighter)
	}
	alone := decode(t, must(DensityMaps([]*Data{a}, Options{Size: 120})))
	with := decode(t, must(DensityMaps([]*Data{a, a}, Options{Size: 120})))
	p, q := onePanel(t, alone), frames(with)[1]
	for y := 0; y < p.Dy(); y++ {
		for x := 0; x < p.Dx(); x++ {
			if alone.RGBAAt(p.Min.X+x, p.Min.Y+y) != with.RGBAAt(q.Min.X+x, q.Min.Y+y) {
				t.Fatalf("the same lattice drew (%d, %d) differently beside itself", x, y)
			}
		}
	}
}

func lum(c color.RGBA) int { return 299*int(c.R) + 587*int(c.G) + 114*int(c.B) }

// By default a lattice of 200 x 200 gets 2 pixels a cell; the picture is the same every time.
func TestDensityMapSizeAndDeterminism(t *testing.T) {
	exact, hutch := checkerMaps(200)
	a := encode(t, must(Draw([]*Data{exact, hutch}, Options{})))
	if !bytes.Equal(a, encode(t, must(Draw([]*Data{exact, hutch}, Options{})))) {
		t.Error("the same maps gave two pictures")
	}
	pic := decode(t, must(DensityMaps([]*Data{exact}, Options{})))
	if f := onePanel(t, pic); f.Dx() != 400 || f.Dy() != 400 {
		t.Errorf("panel %v, want 400 x 400", f)
	}
	// A finer lattice than the panel's pixels: DefaultSize pixels, a coarse one a whole number
	// of pixels a cell.
	fine := lattice("fine", 1000, -1, 1, func(x, y float64) float64 { return -x * x })
	if f := onePanel(t, decode(t, must(DensityMaps([]*Data{fine}, Options{})))); f.Dx() != DefaultSize {
		t.Errorf("1000 x 1000 lattice: panel %v", f)
	}
	coarse := lattice("coarse", 7, -1, 1, func(x, y float64) float64 { return -x * x })
	if f := onePanel(t, decode(t, must(DensityMaps([]*Data{coarse}, Options{})))); f.Dx() != 7*60 {
		t.Errorf("7 x 7 lattice: panel %v, want 60 pixels a cell", f)
	}
}

func TestDensityMapsErrors(t *testing.T) {
	ok := lattice("ok", 3, 0, 1, func(x, y float64) float64 { return 0 })
	for _, c := range []struct {
		maps []*Data
		opt  Options
		want string
	}{
		{nil, Options{}, "no log-densities"},
		{[]*Data{sample("s", []float32{1, 2})}, Options{}, "s: sample, not a log-density grid"},
		{[]*Data{{Kind: LogDensity, Label: "e"}}, Options{}, "e: no lattice"},
		{[]*Data{{Kind: LogDensity, Label: "u", Grid: &Lattice{X: []float64{0, 1, 3}, Y: []float64{0, 1}, LogP: make([]float32, 6)}}}, Options{}, "u: a lattice not evenly spaced"},
		{[]*Data{ok}, Options{Range: &Range{1, 0, 0, 1}}, "empty or not finite"},
	} {
		_, err := DensityMaps(c.maps, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
	if _, err := Draw([]*Data{ok, sample("s", []float32{1, 2})}, Options{}); err == nil || !strings.Contains(err.Error(), "cannot draw ok (density) and s (sample)") {
		t.Errorf("mixed: %v", err)
	}
}

// barOf finds the colour bar right of the panel: the coloured pixels met first along the
// panel's middle row past its right edge, and those above, below and right of them.
func barOf(t *testing.T, pic *image.RGBA, panel image.Rectangle) image.Rectangle {
	t.Helper()
	y := (panel.Min.Y + panel.Max.Y) / 2
	x := panel.Max.X + 2
	for x < pic.Rect.Max.X && !coloured(pic.RGBAAt(x, y)) {
		x++
	}
	if x == pic.Rect.Max.X {
		t.Fatal("no colour bar right of the panel")
	}
	r := image.Rect(x, y, x+1, y+1)
	for coloured(pic.RGBAAt(r.Max.X, y)) {
		r.Max.X++
	}
	for coloured(pic.RGBAAt(x, r.Min.Y-1)) {
		r.Min.Y--
	}
	for coloured(pic.RGBAAt(x, r.Max.Y)) {
		r.Max.Y++
	}
	return r
}
