package main

import (
	"fmt"
	"github.com/fmtiny/fmtiny/fm"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePlotFile writes text to name in dir and returns its path.
func writePlotFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// imagesCSV writes n images of side x side pixels, one a row, after the columns lead (and the
// values row(i) gives them), as fmtiny sample writes them: pixel k of image i is (i+k)%7/6.
func imagesCSV(n, side int, lead string, row func(i int) string) string {
	var b strings.Builder
	if lead != "" {
		b.WriteString(lead + ",")
	}
	for k := range side * side {
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
		for k := range side * side {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%g", float32((i+k)%7)/6)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// densityCSV writes a log-density on an n x n lattice over [-5, 5]^2, row-major over y then x,
// with the given value at point k when at(k) says so.
func densityCSV(n int, at func(k int) string) string {
	var b strings.Builder
	b.WriteString("x,y,logp\n")
	for j := range n {
		for i := range n {
			x, y := -5+10*float64(i)/float64(n-1), -5+10*float64(j)/float64(n-1)
			v := fmt.Sprintf("%g", -(x*x+y*y)/2)
			if s := at(j*n + i); s != "" {
				v = s
			}
			fmt.Fprintf(&b, "%g,%g,%s\n", float32(x), float32(y), v)
		}
	}
	return b.String()
}

func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPlotImages(t *testing.T) {
	dir := t.TempDir()
	grid := writePlotFile(t, dir, "images.csv", imagesCSV(64, 28, "", nil))
	a := plotTo(t, filepath.Join(dir, "grid.png"), grid)
	// 8 images of 84 pixels and 7 gaps of 2 across, and the margins.
	if w := a.Bounds().Dx(); w < 8*84+7*2 || w > 8*84+7*2+40 {
		t.Errorf("a grid of 64 images is %d pixels wide", w)
	}
	// --size sets an image's side.
	if b := plotTo(t, filepath.Join(dir, "small.png"), grid, "--size", "28"); b.Bounds().Dx() >= a.Bounds().Dx()/2 {
		t.Errorf("--size 28: %v, at 84 %v", b.Bounds(), a.Bounds())
	}
	// --shape reads any count; --kind images takes a square count.
	odd := writePlotFile(t, dir, "odd.csv", imagesCSV(4, 6, "", nil)) // 36 values: points unless told
	plotTo(t, filepath.Join(dir, "odd.png"), odd, "--shape", "1,4,9")
	plotTo(t, filepath.Join(dir, "odd2.png"), odd, "--kind", "images", "--shape", "1,6,6")
	// Labels: a row per label.
	labelled := writePlotFile(t, dir, "labelled.csv", imagesCSV(30, 28, "label", func(i int) string { return fmt.Sprint(i % 3) }))
	plotTo(t, filepath.Join(dir, "labelled.png"), labelled)
	// Snapshots: a row per image (--rows), a column per time.
	flow := writePlotFile(t, dir, "flow.csv", imagesCSV(30, 28, "t,id", func(i int) string { return fmt.Sprintf("%g,%d", float32(i/10)/2, i%10) }))
	f8 := plotTo(t, filepath.Join(dir, "flow8.png"), flow)
	f3 := plotTo(t, filepath.Join(dir, "flow3.png"), flow, "--rows", "3")
	if f3.Bounds().Dy() >= f8.Bounds().Dy() || f3.Bounds().Dx() != f8.Bounds().Dx() {
		t.Errorf("--rows 3: %v, 8 rows: %v", f3.Bounds(), f8.Bounds())
	}
	// More images than a grid holds: drawn, with a note.
	many := writePlotFile(t, dir, "many.csv", imagesCSV(300, 8, "", nil))
	r := inProcess("plot", many, "-o", filepath.Join(dir, "many.png"))
	checkSuccess(t, r)
	if r.stderr != "fmtiny: note: plot: the first 256 of 300 images\n" {
		t.Errorf("300 images: stderr %q", r.stderr)
	}
}

func TestPlotLabelsAndDensity(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("label,x,y\n")
	for i := range 400 {
		fmt.Fprintf(&b, "%d,%g,%g\n", i%4, float64(i%4)+0.1*math.Sin(float64(i)), 0.1*math.Cos(float64(3*i)))
	}
	points := writePlotFile(t, dir, "labelled.csv", b.String())
	plotTo(t, filepath.Join(dir, "scatter.png"), points)
	plotTo(t, filepath.Join(dir, "density.png"), points, "--style", "density")

	exact := writePlotFile(t, dir, "exact.csv", densityCSV(50, func(int) string { return "" }))
	// Not finite values of logp, as strconv writes them, are drawn grey.
	hutch := writePlotFile(t, dir, "hutchinson.csv", densityCSV(50, func(k int) string {
		return map[int]string{7: "NaN", 100: "-Inf", 101: "+Inf", 2499: "nan"}[k]
	}))
	img := plotTo(t, filepath.Join(dir, "maps.png"), exact, hutch, "--labels", "exact,Hutchinson")
	grey := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 150 && g>>8 == 150 && b>>8 == 150 {
				grey++
			}
		}
	}
	// Four cells of 8 x 8 pixels (50 cells over 400 pixels) and the swatch under the colour bar.
	if grey < 4*8*8 {
		t.Errorf("%d grey pixels for 4 cells not finite", grey)
	}
	plotTo(t, filepath.Join(dir, "forced.png"), exact, "--kind", "density")
}

func TestPlotNewKindsErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	images := writePlotFile(t, dir, "images.csv", imagesCSV(3, 28, "", nil))
	points := writePlotFile(t, dir, "points.csv", "x,y\n1,2\n3,4\n")
	for _, c := range []struct {
		args   []string
		status int
		words  []string
	}{
		{[]string{images, "--shape", "1,28,27"}, 1, []string{"images.csv: the shape 1,28,27 needs 756 values a row, but the table has 784"}},
		{[]string{images, "--shape", "1,28"}, 2, []string{`invalid value "1,28" for flag -shape: want C,H,W`}},
		{[]string{images, "--shape", "1,0,28"}, 2, []string{`"1,0,28" for flag -shape: want C,H,W, three whole numbers from 1`}},
		{[]string{images, "--shape", "2,14,28"}, 1, []string{"shape 2,14,28: 2 channels; an image has 1 (grey) or 3 (RGB)"}},
		{[]string{images, "--shape", "1,28,28", "--kind", "sample"}, 2, []string{"--shape: only images have a shape, and --kind sample is not images"}},
		{[]string{images, "--rows", "0"}, 2, []string{"--rows 0: must be in [1, 64]"}},
		{[]string{images, "--rows", "65"}, 2, []string{"--rows 65: must be in [1, 64]"}},
		{[]string{points, "--kind", "images"}, 1, []string{"points.csv: 2 values a row are not a square image"}},
		{[]string{points, "--kind", "density"}, 1, []string{"points.csv: a log-density grid has the columns x,y,logp; the header is x,y"}},
		{[]string{writePlotFile(t, dir, "frac.csv", "label,x,y\n1,0,0\n2.5,1,1\n")}, 1, []string{"frac.csv: row 2: label 2.5 is not an integer"}},
		{[]string{writePlotFile(t, dir, "late.csv", "x,y,label\n1,0,0\n")}, 1, []string{"late.csv: a label column at column 3"}},
		{[]string{writePlotFile(t, dir, "holes.csv", "x,y,logp\n0,0,1\n1,0,1\n0,1,1\n")}, 1, []string{"holes.csv: no row at (1, 1)"}},
		{[]string{writePlotFile(t, dir, "uneven.csv", "x,y,logp\n0,0,1\n1,0,1\n3,0,1\n0,1,1\n1,1,1\n3,1,1\n")}, 1, []string{"uneven.csv: the x values are not evenly spaced"}},
		// A coordinate that is not finite is refused, in a grid as anywhere.
		{[]string{writePlotFile(t, dir, "nanx.csv", "x,y,logp\n0,0,1\nNaN,0,1\n")}, 1, []string{`nanx.csv: line 3, column 1: "NaN" is not a finite number`}},
		{[]string{writePlotFile(t, dir, "nanpoint.csv", "x,y\n0,0\n0,-inf\n")}, 1, []string{`line 3, column 2: "-inf" is not a finite number`}},
		{[]string{writePlotFile(t, dir, "mixed.csv", "x,y,logp\n0,0,1\n1,0,1\n0,1,1\n1,1,1\n"), images}, 1, []string{"cannot draw mixed (density) and images (images) in one picture"}},
		{[]string{points, "--kind", "pie"}, 2, []string{`--kind "pie": want auto, sample, snapshots, trajectory, images or density`}},
	} {
		r := inProcess(append(append([]string{"plot"}, c.args...), "-o", out)...)
		checkFailure(t, r, c.status, c.words...)
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v left %s", c.args, out)
		}
	}
}

// plot reads values that are not finite in a logp column (a log-density's failed solves), and
// only there; blank lines, quotes and CRLF line ends do not shift them to another row.
func TestPlotReadsNonFinite(t *testing.T) {
	dir := t.TempDir()
	path := writePlotFile(t, dir, "grid.csv", "\r\nx,y,logp\r\n0,0,1\r\n\r\n1,0,\"-inf\"\r\n0,1, NaN \r\n1,1,+Infinity")
	header, table, err := readTable(path, fm.CSVOptions{NonFinite: []string{"logp"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(header, ",") != "x,y,logp" || table.D != 3 || table.Rows() != 4 {
		t.Fatalf("header %q, %d x %d", header, table.Rows(), table.D)
	}
	for r, want := range []float64{1, math.Inf(-1), math.NaN(), math.Inf(1)} {
		got := float64(table.X[3*r+2])
		if !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("row %d: logp %v, want %v", r, got, want)
		}
	}
	if table.X[3] != 1 || table.X[4] != 0 || table.X[9] != 1 || table.X[10] != 1 {
		t.Errorf("coordinates %v", table.X)
	}
	if _, _, err := readTable(path, fm.CSVOptions{}); err == nil || !strings.Contains(err.Error(), "is not a finite number") {
		t.Errorf("without NonFinite: %v", err)
	}
	for _, text := range []string{"x,y,z\n0,0,NaN\n", "x,y,logp\n0,NaN,1\n", "nan,x\n1,1\n"} {
		if _, _, err := readTable(writePlotFile(t, dir, "other.csv", text), fm.CSVOptions{NonFinite: []string{"logp"}}); err == nil || !strings.Contains(err.Error(), "is not a finite number") {
			t.Errorf("%q: %v", text, err)
		}
	}
}
