package plot

import (
	"bytes"
	"image/color"
	"slices"
	"strings"
	"testing"
)

func TestFromTableLabels(t *testing.T) {
	d, err := fromCSV(t, "label,x,y\n0,1,2\n1,3,4\n7,5,6\n", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Sample || d.Dims != 2 || d.Axes != [2]string{"x", "y"} || !slices.Equal(d.X[0], []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(d.Labels, []int{0, 1, 7}) {
		t.Errorf("label,x,y: got %+v", d)
	}
	// The label is not a coordinate: three values after it are three dimensions.
	d, err = fromCSV(t, "Label,x0,x1,x2\n-2,1,2,3\n4,5,6,7\n", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Dims != 3 || d.Axes != [2]string{"x0", "x1"} || !slices.Equal(d.X[0], []float32{1, 2, 5, 6}) || !slices.Equal(d.Labels, []int{-2, 4}) {
		t.Errorf("label,x0,x1,x2: got %+v", d)
	}
	// After t,id, rows in any order: each id keeps its label.
	d, err = fromCSV(t, "t,id,label,x,y\n1,5,3,50,1\n0,2,8,2,0\n0,5,3,5,0\n1,2,8,20,1\n", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Snapshots || d.Dims != 2 || !slices.Equal(d.Labels, []int{8, 3}) || !slices.Equal(d.X[0], []float32{2, 0, 5, 0}) || !slices.Equal(d.X[1], []float32{20, 1, 50, 1}) {
		t.Errorf("t,id,label,x,y: got %+v", d)
	}
	// Without a label column there are no labels.
	if d, _ := fromCSV(t, "x,y\n1,2\n", Auto); d.Labels != nil {
		t.Errorf("x,y: labels %v", d.Labels)
	}
}

func TestFromTableLabelErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		err  string
	}{
		{"x,label,y\n1,0,2\n", "a label column at column 2 of x,label,y: it must come before the values, as in label,x,y"},
		{"x,y,label\n1,2,0\n", "a label column at column 3"},
		{"t,id,x,y,label\n0,0,1,2,0\n", "a label column at column 5 of t,id,x,y,label: it must come before the values, as in t,id,label,x,y"},
		{"label,label,x,y\n0,0,1,2\n", "a label column at column 2"},
		{"label,x,y\n0,1,2\n0.5,1,2\n", "row 2: label 0.5 is not an integer"},
		{"label,x,y\n1e30,1,2\n", "row 1: label 1e+30 is not an integer"},
		{"t,id,label,x,y\n0,0,1.25,1,2\n1,0,1.25,1,2\n", "row 1: label 1.25 is not an integer"},
		{"t,id,label,x,y\n0,0,1,1,2\n0,1,2,1,2\n1,0,1,1,2\n1,1,3,1,2\n", "row 4: id 1 has label 3 at t = 1 but 2 at another time"},
		{"label,x\n0,1\n", "one coordinate column (x) after label: a picture needs two"},
		{"label\n0\n1\n", "no coordinate columns after label"},
		{"t,id,label,x\n0,0,0,1\n", "one coordinate column (x) after t,id,label"},
	} {
		_, err := fromCSV(t, c.text, Auto)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: got %v, want an error with %q", c.text, err, c.err)
		}
	}
}

func TestClassColors(t *testing.T) {
	cls := classesOf([]int{7, 3, 3}, nil, []int{-1, 12})
	if !slices.Equal(cls, classes{-1, 3, 7, 12}) {
		t.Fatalf("classes %v", cls)
	}
	for i, l := range cls {
		if cls.color(l) != tab10[i] {
			t.Errorf("label %d: %v, want tab10[%d]", l, cls.color(l), i)
		}
	}
	var many []int
	for l := range 23 {
		many = append(many, l)
	}
	cls = classesOf(many)
	if cls.color(10) != tab10[0] || cls.color(22) != tab10[2] {
		t.Error("colours do not cycle after ten")
	}
	// The ten colours are ten.
	if len(slices.Compact(slices.SortedFunc(slices.Values(tab10), func(a, b color.RGBA) int {
		return int(a.R)<<16 + int(a.G)<<8 + int(a.B) - (int(b.R)<<16 + int(b.G)<<8 + int(b.B))
	}))) != 10 {
		t.Error("tab10 repeats a colour")
	}
}

// over is colour c laid over white at opacity a, as blend does.
func over(c color.RGBA, a float32) color.RGBA {
	return color.RGBA{mix(255, c.R, a), mix(255, c.G, a), mix(255, c.B, a), 255}
}

func labelled(label string, pts []float32, labels []int) *Data {
	d := sample(label, pts)
	d.Labels = labels
	return d
}

// Labelled dots take their label's colour, and the legend shows each label present once at
// full strength and no other.
func TestScatterByLabel(t *testing.T) {
	r := Range{0, 10, 0, 10}
	pts := []float32{2.3, 2.3, 5.3, 5.3, 8.3, 2.3} // off the grid lines
	labels := []int{4, 9, 4}
	pic := decode(t, must(DensityPanels([]*Data{labelled("l", pts, labels)}, Options{Range: &r, Style: Scatter})))
	area := onePanel(t, pic)
	cls := classesOf(labels)
	for i := range labels {
		p := pixelOf(area, r, pts[2*i], pts[2*i+1])
		if got, want := pic.RGBAAt(p.X, p.Y), over(cls.color(labels[i]), dotAlpha); got != want {
			t.Errorf("point %d (label %d): %v, want %v", i, labels[i], got, want)
		}
	}
	full := map[color.RGBA]int{}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			full[pic.RGBAAt(x, y)]++
		}
	}
	if full[tab10[0]] == 0 || full[tab10[1]] == 0 {
		t.Errorf("the legend lacks a label's colour: %d and %d pixels of tab10[0] and [1]", full[tab10[0]], full[tab10[1]])
	}
	for _, c := range tab10[2:] {
		if full[c] != 0 {
			t.Errorf("colour %v of no label drawn", c)
		}
	}
}

// In the density style, each cell takes the colour of the label most of its points have, full
// for the fullest cell and paler for fewer points.
func TestDensityByMajorityLabel(t *testing.T) {
	r := Range{0, 10, 0, 10}
	var pts []float32
	var labels []int
	add := func(x, y float32, label, n int) {
		for range n {
			pts = append(pts, x, y)
			labels = append(labels, label)
		}
	}
	add(2.01, 2.01, 1, 100) // a full cell of label 1
	add(7.01, 7.01, 1, 3)   // a cell of 5 points, 3 of label 1 and 2 of label 0
	add(7.01, 7.01, 0, 2)
	add(2.01, 7.01, 0, 2) // a tie: the smaller label, 0
	add(2.01, 7.01, 1, 2)
	pic := decode(t, must(DensityPanels([]*Data{labelled("m", pts, labels)}, Options{Range: &r, Size: 400, Style: Density})))
	area := onePanel(t, pic)
	at := func(x, y float32) color.RGBA { p := pixelOf(area, r, x, y); return pic.RGBAAt(p.X, p.Y) }
	strength := func(n float64) float64 { return minTint + (1-minTint)*log1p(n)*(1/log1p(100)) } // as drawMajority computes it
	if got := at(2.01, 2.01); got != tab10[1] {
		t.Errorf("full cell %v, want %v", got, tab10[1])
	}
	if got, want := at(7.01, 7.01), tint(tab10[1], strength(5)); got != want {
		t.Errorf("cell of 5 points, 3 of label 1: %v, want %v", got, want)
	}
	if got, want := at(2.01, 7.01), tint(tab10[0], strength(4)); got != want {
		t.Errorf("tied cell: %v, want %v", got, want)
	}
	if got := at(5, 5); painted(got) {
		t.Errorf("empty cell painted %v", got)
	}
}

// One class keeps one colour in every panel of a picture, whichever labels each panel has.
func TestLabelColoursShared(t *testing.T) {
	r := Range{0, 10, 0, 10}
	a := labelled("a", []float32{2.3, 2.3, 8.3, 8.3}, []int{0, 7})
	b := labelled("b", []float32{5.3, 5.3}, []int{7})
	pic := decode(t, must(DensityPanels([]*Data{a, b}, Options{Range: &r, Style: Scatter})))
	f := frames(pic)
	if len(f) != 2 {
		t.Fatalf("%d panels", len(f))
	}
	p := pixelOf(f[1], r, 5.3, 5.3)
	if got, want := pic.RGBAAt(p.X, p.Y), over(tab10[1], dotAlpha); got != want {
		t.Errorf("label 7 in the second panel: %v, want %v (its colour in the first)", got, want)
	}
}

// A trajectory's end points take their labels' colours; the paths are as without labels.
func TestTrajectoryEndsByLabel(t *testing.T) {
	r := Range{-0.5, 2.5, -0.5, 2.5}
	d := straightPaths([]float32{0.1, 0.1, 0.1, 1.9}, []float32{1.9, 0.1, 1.9, 1.9}, 10) // off the grid lines
	d.Labels = []int{5, 6}
	pic := decode(t, must(Trajectories([]*Data{d}, Options{Range: &r})))
	area := onePanel(t, pic)
	for i, end := range [][2]float32{{1.9, 0.1}, {1.9, 1.9}} {
		// The dot covers the end of its path, which darkens it a little through the dot's
		// translucency.
		p := pixelOf(area, r, end[0], end[1])
		got, want := pic.RGBAAt(p.X, p.Y), over(tab10[i], endAlpha)
		if absDiff(got.R, want.R) > 8 || absDiff(got.G, want.G) > 8 || absDiff(got.B, want.B) > 8 {
			t.Errorf("end of path %d: %v, want about %v", i, got, want)
		}
	}
	plain := straightPaths([]float32{0.1, 0.1, 0.1, 1.9}, []float32{1.9, 0.1, 1.9, 1.9}, 10)
	other := decode(t, must(Trajectories([]*Data{plain}, Options{Range: &r})))
	p := pixelOf(area, r, 1, 0.1)
	if pic.RGBAAt(p.X, p.Y) != other.RGBAAt(p.X, p.Y) {
		t.Error("labels changed a path")
	}
}

// Snapshots have no colours to spare: labels leave them as they are.
func TestSnapshotsIgnoreLabels(t *testing.T) {
	d := flowSnapshots(t, "condot", "s", []float32{0, 1}, 500, 3)
	plain := encode(t, must(SnapshotRows([]*Data{d}, Options{Size: 100})))
	d.Labels = make([]int, d.Points())
	for i := range d.Labels {
		d.Labels[i] = i % 4
	}
	if !bytes.Equal(plain, encode(t, must(SnapshotRows([]*Data{d}, Options{Size: 100})))) {
		t.Error("labels changed a row of snapshots")
	}
}

func TestLabelsCheck(t *testing.T) {
	d := labelled("bad", []float32{1, 2, 3, 4}, []int{1})
	if _, err := DensityPanels([]*Data{d}, Options{}); err == nil || !strings.Contains(err.Error(), "bad: 1 labels for 2 points") {
		t.Errorf("got %v", err)
	}
}
