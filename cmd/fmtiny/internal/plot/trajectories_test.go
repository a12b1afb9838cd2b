package plot

import (
	"image"
	"math"
	"strings"
	"testing"
)

// straightPaths moves point i from starts[i] to ends[i] along a straight line in steps steps.
func straightPaths(starts, ends []float32, steps int) *Data {
	d := &Data{Kind: Trajectory, Label: "straight", Dims: 2, Axes: [2]string{"x", "y"}}
	for k := 0; k <= steps; k++ {
		f := float32(k) / float32(steps)
		x := make([]float32, len(starts))
		for i := range x {
			x[i] = starts[i] + (ends[i]-starts[i])*f
		}
		d.T = append(d.T, f)
		d.X = append(d.X, x)
	}
	return d
}

// A path from (0, 0) to (1, 1) paints the diagonal and nothing beside it, with a black start
// dot and a navy end dot.
func TestTrajectoryDiagonal(t *testing.T) {
	for _, byTime := range []bool{false, true} {
		r := Range{-0.5, 1.5, -0.5, 1.5}
		d := straightPaths([]float32{0, 0}, []float32{1, 1}, 20)
		pic := decode(t, must(Trajectories([]*Data{d}, Options{Range: &r, TimeColors: byTime})))
		area := onePanel(t, pic)
		for f := float32(0.1); f <= 0.9; f += 0.01 {
			p := pixelOf(area, r, f, f)
			// Wu's line shares each column between the two pixels nearest the line.
			if !painted(pic.RGBAAt(p.X, p.Y)) && !painted(pic.RGBAAt(p.X, p.Y-1)) && !painted(pic.RGBAAt(p.X, p.Y+1)) {
				t.Errorf("time colours %v: the diagonal at %.2f (pixel %v) is not painted", byTime, f, p)
			}
			for _, off := range []image.Point{{-4, -4}, {4, 4}, {0, 6}, {6, 0}} {
				if q := p.Add(off); painted(pic.RGBAAt(q.X, q.Y)) {
					t.Errorf("time colours %v: pixel %v beside the diagonal painted %v", byTime, q, pic.RGBAAt(q.X, q.Y))
				}
			}
		}
		if p := pixelOf(area, r, 0, 0); pic.RGBAAt(p.X, p.Y).R > 40 || coloured(pic.RGBAAt(p.X, p.Y)) {
			t.Errorf("start dot %v, want black", pic.RGBAAt(p.X, p.Y))
		}
		p := pixelOf(area, r, 1, 1)
		if c := pic.RGBAAt(p.X, p.Y); !(c.B > 100 && c.R < 40 && c.G < 40) {
			t.Errorf("end dot %v, want navy", c)
		}
	}
}

// Only the first MaxPaths paths are drawn, but every end point is.
func TestTrajectoryMaxPaths(t *testing.T) {
	r := Range{-1, 3, -1, 3}
	d := straightPaths([]float32{0, 0, 0, 1, 0, 2}, []float32{2, 0, 2, 1, 2, 2}, 10)
	pic := decode(t, must(Trajectories([]*Data{d}, Options{Range: &r, MaxPaths: 1})))
	area := onePanel(t, pic)
	at := func(x, y float32) image.Point { return pixelOf(area, r, x, y) }
	if p := at(1, 0); !painted(pic.RGBAAt(p.X, p.Y)) && !painted(pic.RGBAAt(p.X, p.Y-1)) {
		t.Error("the first path is not drawn")
	}
	for _, y := range []float32{1, 2} {
		if p := at(1, y); painted(pic.RGBAAt(p.X, p.Y)) || painted(pic.RGBAAt(p.X, p.Y-1)) {
			t.Errorf("path at y = %g drawn beyond MaxPaths", y)
		}
		if p := at(0, y); painted(pic.RGBAAt(p.X, p.Y)) {
			t.Errorf("start dot of the path at y = %g drawn beyond MaxPaths", y)
		}
		if p := at(2, y); pic.RGBAAt(p.X, p.Y).B < 100 {
			t.Errorf("end point at y = %g not drawn: %v", y, pic.RGBAAt(p.X, p.Y))
		}
	}
	// MaxPaths < 0 draws all.
	all := decode(t, must(Trajectories([]*Data{d}, Options{Range: &r, MaxPaths: -1})))
	if p := at(1, 2); !painted(all.RGBAAt(p.X, p.Y)) && !painted(all.RGBAAt(p.X, p.Y-1)) {
		t.Error("MaxPaths -1 left out the third path")
	}
}

// By default the range holds every start point drawn, even far ones.
func TestTrajectoryRangeHoldsStarts(t *testing.T) {
	starts := uniform(300, -1, 1, -1, 1, 7)
	starts[0], starts[1] = 6, -5 // one far start
	ends := make([]float32, len(starts))
	d := straightPaths(starts, ends, 30)
	pic := decode(t, must(Trajectories([]*Data{d}, Options{})))
	area := onePanel(t, pic)
	// Find the black start dot at the bottom right, inside the plot area.
	found := false
	for y := area.Max.Y - area.Dy()/4; y < area.Max.Y && !found; y++ {
		for x := area.Max.X - area.Dx()/4; x < area.Max.X; x++ {
			if c := pic.RGBAAt(x, y); c.R < 40 && c.G < 40 && c.B < 40 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("the far start point (6, -5) is not in the bottom-right of the picture")
	}
}

func TestTrajectoriesSideBySide(t *testing.T) {
	a := straightPaths([]float32{0, 0}, []float32{1, 1}, 5)
	b := straightPaths([]float32{0, 1}, []float32{1, 0}, 5)
	b.Label = "other"
	pic := decode(t, must(Trajectories([]*Data{a, b}, Options{Title: "two"})))
	if f := frames(pic); len(f) != 2 || f[0].Size() != f[1].Size() || f[0].Min.Y != f[1].Min.Y {
		t.Errorf("panels %v, want two alike side by side", f)
	}
}

func TestTrajectoriesErrors(t *testing.T) {
	one := &Data{Kind: Trajectory, Label: "short", T: []float32{0}, X: [][]float32{{1, 2}}}
	for _, c := range []struct {
		paths []*Data
		want  string
	}{
		{nil, "no trajectories"},
		{[]*Data{sample("s", []float32{1, 2})}, "s: a sample, not a trajectory"},
		{[]*Data{one}, "short: a trajectory needs at least two times"},
		{[]*Data{{Kind: Trajectory, Label: "empty"}}, "empty: no points"},
	} {
		_, err := Trajectories(c.paths, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}

// Points far outside the range, or not finite, are cut off quickly instead of drawn across
// millions of pixel columns.
func TestTrajectoryFarPoints(t *testing.T) {
	inf := float32(math.Inf(1))
	d := straightPaths([]float32{0, 0, 0, 1, 0, 0.5}, []float32{1e30, -3e38, 2, 1, inf, 0.5}, 10)
	r := Range{-1, 3, -1, 3}
	pic := decode(t, must(Trajectories([]*Data{d}, Options{Range: &r})))
	area := onePanel(t, pic)
	if p := pixelOf(area, r, 1, 1); !painted(pic.RGBAAt(p.X, p.Y)) && !painted(pic.RGBAAt(p.X, p.Y-1)) {
		t.Error("the path inside the range is not drawn")
	}
	// The path towards (1e30, -3e38) leaves the panel at its bottom edge, near x = 0.
	if p := pixelOf(area, r, 0, -0.5); !painted(pic.RGBAAt(p.X, p.Y)) && !painted(pic.RGBAAt(p.X+1, p.Y)) && !painted(pic.RGBAAt(p.X-1, p.Y)) {
		t.Error("the path to a far point is not drawn up to the edge")
	}
	// Scatter dots of far points are skipped too.
	if _, err := DensityPanels([]*Data{sample("far", []float32{0, 0, 1e30, 1e30, -3e38, 5, inf, 0})}, Options{Range: &r, Style: Scatter}); err != nil {
		t.Error(err)
	}
}

func TestClipSegment(t *testing.T) {
	r := image.Rect(0, 0, 10, 10)
	for _, c := range []struct {
		in, want [4]float32
		ok       bool
	}{
		{[4]float32{1, 1, 5, 5}, [4]float32{1, 1, 5, 5}, true},
		{[4]float32{-10, 5, 20, 5}, [4]float32{0, 5, 10, 5}, true},
		{[4]float32{5, -10, 5, 20}, [4]float32{5, 0, 5, 10}, true},
		{[4]float32{-5, -5, 15, 15}, [4]float32{0, 0, 10, 10}, true},
		{[4]float32{-5, 20, 20, -5}, [4]float32{5, 10, 10, 5}, true},
		{[4]float32{-5, -5, -1, 20}, [4]float32{}, false},
		{[4]float32{11, 0, 20, 10}, [4]float32{}, false},
		{[4]float32{5, 5, float32(math.NaN()), 5}, [4]float32{}, false},
	} {
		x0, y0, x1, y1, ok := clipSegment(float64(c.in[0]), float64(c.in[1]), float64(c.in[2]), float64(c.in[3]), r)
		// To rounding: arm64 fuses a + t*d into one FMA, which rounds differently.
		got := [4]float32{x0, y0, x1, y1}
		close := true
		for i := range got {
			close = close && math.Abs(float64(got[i]-c.want[i])) < 1e-5
		}
		if ok != c.ok || ok && !close {
			t.Errorf("clip %v: %v %v %v %v %v, want %v %v", c.in, x0, y0, x1, y1, ok, c.want, c.ok)
		}
	}
}
