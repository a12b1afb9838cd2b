package plot

import (
	"image"
	"math"
	"strings"
	"testing"
)

// A row of snapshots has one panel per distinct t, all alike, one row per table.
func TestSnapshotRowsPanels(t *testing.T) {
	ot := flowSnapshots(t, "condot", "OT", seedTimes, 2000, 1)
	vp := flowSnapshots(t, "vp", "VP", []float32{0.1, 0.5, 1}, 2000, 1)
	pic := decode(t, must(SnapshotRows([]*Data{ot, vp}, Options{Size: 100})))
	f := frames(pic)
	if len(f) != len(seedTimes)+3 {
		t.Fatalf("%d panels, want %d", len(f), len(seedTimes)+3)
	}
	for i, r := range f {
		if r.Size() != f[0].Size() {
			t.Errorf("panel %d is %v, panel 0 %v", i, r.Size(), f[0].Size())
		}
		row := 0
		if i >= len(seedTimes) {
			row = 1
		}
		if r.Min.Y != f[row*len(seedTimes)].Min.Y {
			t.Errorf("panel %d at y %d, not level with its row", i, r.Min.Y)
		}
	}
	for row, first := range []int{0, len(seedTimes)} {
		y := (f[first].Min.Y + f[first].Max.Y) / 2
		want := []int{2 * len(seedTimes), 2 * 3}[row]
		if runs := inkRuns(pic, f[first].Min.X-1, y); runs != want {
			t.Errorf("row %d: a line across it crosses %d frame edges, want %d", row, runs, want)
		}
	}
	if f[len(seedTimes)].Min.Y <= f[0].Max.Y {
		t.Errorf("the second row (y %d) is not below the first (ends at %d)", f[len(seedTimes)].Min.Y, f[0].Max.Y)
	}
}

// The panels share one range: points spread over [-1, 1] x [0, 2] fill a third of the width that
// points over [-3, 3] x [-2, 4] do, and the same points at two times fill the same pixels (to a
// level of rounding, as the panels' offsets enter the dots' float32 positions).
func TestSnapshotRowsShareRange(t *testing.T) {
	pts := uniform(3000, -1, 1, 0, 2, 9)
	wide := uniform(3000, -3, 3, -2, 4, 10)
	d := &Data{Kind: Snapshots, Label: "same", Dims: 2, T: []float32{0, 0.5, 1}, X: [][]float32{wide, pts, pts}}
	pic := decode(t, must(SnapshotRows([]*Data{d}, Options{})))
	f := frames(pic)
	if len(f) != 3 {
		t.Fatalf("%d panels", len(f))
	}
	extent := func(r image.Rectangle) image.Rectangle {
		box := image.Rectangle{r.Max, r.Min}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if coloured(pic.RGBAAt(x, y)) {
					box.Min = image.Pt(min(box.Min.X, x), min(box.Min.Y, y))
					box.Max = image.Pt(max(box.Max.X, x+1), max(box.Max.Y, y+1))
				}
			}
		}
		return box
	}
	w0, w1 := extent(f[0]).Dx(), extent(f[1]).Dx()
	if ratio := float64(w1) / float64(w0); ratio < 0.28 || ratio > 0.38 {
		t.Errorf("narrow points %d px wide, wide points %d px: ratio %.2f, want about 1/3", w1, w0, ratio)
	}
	for y := 0; y < f[1].Dy(); y++ {
		for x := 0; x < f[1].Dx(); x++ {
			a := pic.RGBAAt(f[1].Min.X+x, f[1].Min.Y+y)
			b := pic.RGBAAt(f[2].Min.X+x, f[2].Min.Y+y)
			if absDiff(a.R, b.R) > 2 || absDiff(a.G, b.G) > 2 || absDiff(a.B, b.B) > 2 {
				t.Fatalf("pixel (%d, %d) of panels 1 and 2: %v and %v", x, y, a, b)
			}
		}
	}
}

func TestTimeLabel(t *testing.T) {
	for _, c := range []struct {
		t    float32
		want string
	}{{0.1, "0.10"}, {0.5, "0.50"}, {1, "1.00"}, {0, "0.00"}, {0.975, "0.975"}, {0.95, "0.95"}, {0.99999, "0.99999"}} {
		if got := timeLabel(c.t); got != c.want {
			t.Errorf("timeLabel(%g) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestSnapshotRowsErrors(t *testing.T) {
	ok := flowSnapshots(t, "condot", "ot", []float32{0, 1}, 10, 1)
	many := &Data{Kind: Trajectory, Label: "long"}
	for i := range 65 {
		many.T = append(many.T, float32(i))
		many.X = append(many.X, []float32{0, 0})
	}
	for _, c := range []struct {
		rows []*Data
		opt  Options
		want string
	}{
		{nil, Options{}, "no snapshots"},
		{[]*Data{sample("s", []float32{1, 2})}, Options{}, "a sample, not snapshots"},
		{[]*Data{{Kind: Snapshots, Label: "e", T: []float32{0}, X: [][]float32{{}}}}, Options{}, "e: no points"},
		{[]*Data{{Kind: Snapshots, Label: "odd", T: []float32{0}, X: [][]float32{{1, 2, 3}}}}, Options{}, "not (x, y) pairs"},
		{[]*Data{{Kind: Snapshots, Label: "u", T: []float32{0, 1}, X: [][]float32{{1, 2}, {1, 2, 3, 4}}}}, Options{}, "2 points at t = 1 but 1 at t = 0"},
		{[]*Data{{Kind: Snapshots, Label: "b", T: []float32{1, 0}, X: [][]float32{{1, 2}, {1, 2}}}}, Options{}, "not increasing"},
		{[]*Data{many}, Options{}, "at most 64"},
		{[]*Data{ok}, Options{Range: &Range{1, 0, 0, 1}}, "empty or not finite"},
		{[]*Data{ok}, Options{Range: &Range{-1e308, 1e308, 0, 1}}, "empty or not finite"},
		{[]*Data{ok}, Options{Range: &Range{0, 1, 0, math.NaN()}}, "empty or not finite"},
	} {
		_, err := SnapshotRows(c.rows, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}

func absDiff(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
