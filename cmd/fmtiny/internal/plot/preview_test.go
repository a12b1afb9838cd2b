package plot

import (
	"flag"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
)

// go test -run Preview -args -preview /tmp/plot-preview writes the seed-like pictures there too.
var previewDir = flag.String("preview", "", "also write the preview pictures into this folder")

// flowSnapshots returns the points of a Flow Matching probability path from N(0, I) to the
// checkerboard at times ts: x_t = alpha_t x1 + sigma_t x0 with x0, x1 independent, which is
// exactly the marginal path that a perfectly trained model's samples follow.
func flowSnapshots(t testing.TB, pathName, label string, ts []float32, n int, seed uint64) *Data {
	path, err := fm.ParsePath(pathName)
	if err != nil {
		t.Fatal(err)
	}
	board, _ := fm.Builtin("checkerboard")
	r := rand.New(rand.NewPCG(seed, 1))
	x1 := make([]float32, 2*n)
	board.Sample(r, x1)
	x0 := make([]float32, 2*n)
	for i := range x0 {
		x0[i] = float32(r.NormFloat64())
	}
	d := &Data{Kind: Snapshots, Label: label, Dims: 2, Axes: [2]string{"x", "y"}, T: ts}
	for _, tt := range ts {
		a, s, _, _ := path.Coeffs(float64(tt))
		x := make([]float32, 2*n)
		for i := range x {
			x[i] = float32(a*float64(x1[i]) + s*float64(x0[i]))
		}
		d.X = append(d.X, x)
	}
	return d
}

// swissRollFlow integrates the exact marginal velocity of the conditional-OT path from N(0, I)
// to a swiss roll blurred into k Gaussians of width sd, u(x, t) = (E[x1 | x_t = x] - x) / (1 - t),
// with Euler steps from t = 0 to 1, for n points. The paths curve as a trained model's do.
func swissRollFlow(n, k, steps int, seed uint64) *Data {
	const sd = 0.03
	r := rand.New(rand.NewPCG(seed, 2))
	roll := make([]float64, 2*k)
	for i := 0; i < k; i++ {
		u := 1.5 * math.Pi * (1 + 2*float64(i)/float64(k-1))
		roll[2*i], roll[2*i+1] = u*math.Cos(u)/10, u*math.Sin(u)/10
	}
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	d := &Data{Kind: Trajectory, Label: "Flow Matching - COT", Dims: 2, Axes: [2]string{"x", "y"}}
	snap := func(t float64) {
		d.T = append(d.T, float32(t))
		s := make([]float32, len(x))
		for i, v := range x {
			s[i] = float32(v)
		}
		d.X = append(d.X, s)
	}
	snap(0)
	h := 1 / float64(steps)
	logw := make([]float64, k)
	for step := range steps {
		t := float64(step) * h
		// Given component j, x_t ~ N(t m_j, v) with v = t^2 sd^2 + (1-t)^2, and
		// E[x1 | x_t, j] = m_j + t sd^2 / v (x_t - t m_j).
		v := t*t*sd*sd + (1-t)*(1-t)
		gain := t * sd * sd / v
		for i := 0; i < n; i++ {
			px, py := x[2*i], x[2*i+1]
			top := math.Inf(-1)
			for j := range k {
				dx, dy := px-t*roll[2*j], py-t*roll[2*j+1]
				logw[j] = -(dx*dx + dy*dy) / (2 * v)
				top = max(top, logw[j])
			}
			var sw, mx, my float64
			for j := range k {
				w := math.Exp(logw[j] - top)
				sw += w
				mx += w * (roll[2*j] + gain*(px-t*roll[2*j]))
				my += w * (roll[2*j+1] + gain*(py-t*roll[2*j+1]))
			}
			mx, my = mx/sw, my/sw
			x[2*i] += h * (mx - px) / (1 - t)
			x[2*i+1] += h * (my - py) / (1 - t)
		}
		snap(float64(step+1) * h)
	}
	return d
}

// eightGaussians draws n points of 8 Gaussians on a circle of radius 4 (sd 0.5), each labelled
// with its mode, 0 to 7 anticlockwise from the right.
func eightGaussians(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 3))
	d := &Data{Kind: Sample, Label: "8 gaussians", Dims: 2, Axes: [2]string{"x", "y"}, X: [][]float32{nil}}
	for range n {
		k := r.IntN(8)
		a := float64(k) * math.Pi / 4
		d.X[0] = append(d.X[0], float32(4*math.Cos(a)+0.5*r.NormFloat64()), float32(4*math.Sin(a)+0.5*r.NormFloat64()))
		d.Labels = append(d.Labels, k)
	}
	return d
}

// colourDigits draws n digits as 32 x 32 RGB images: each in a colour of tab10 on a dark
// background of another.
func colourDigits(n int, seed uint64) *Data {
	grey, _ := digits(n, seed)
	s := Shape{3, 32, 32}
	d := &Data{Kind: Images, Label: "RGB", Dims: s.Size(), Shape: s, X: [][]float32{nil}}
	for i := range n {
		fg, bg := tab10[i%10], tab10[(i+5)%10]
		img := make([]float32, s.Size())
		for y := range 28 {
			for x := range 28 {
				v := grey[i*784+y*28+x]
				for c, ch := range [3]uint8{fg.R, fg.G, fg.B} {
					back := [3]uint8{bg.R, bg.G, bg.B}[c]
					img[c*1024+(y+2)*32+x+2] = (float32(back)*0.3*(1-v) + float32(ch)*v) / 255
				}
			}
		}
		d.X[0] = append(d.X[0], img...)
	}
	return d
}

// seedTimes are the times of the seed implementation's checkers_at_t.png.
var seedTimes = []float32{0.1, 0.5, 0.7, 0.9, 0.95, 0.97, 1}

// TestPreview makes fmtiny's versions of the seed implementation's two pictures from
// synthetic data, checks that they encode, and writes them to a temporary folder (or to
// -preview's, to be looked at).
func TestPreview(t *testing.T) {
	// Enough points for histograms, few enough to run in a second or two under qemu or the
	// race detector; -preview draws the full pictures.
	n := 6000
	if *previewDir != "" {
		n = 20000
	}
	rows := []*Data{
		flowSnapshots(t, "condot", "Flow Matching - COT", seedTimes, n, 1),
		flowSnapshots(t, "vp", "Flow Matching - Diffusion", seedTimes, n, 1),
	}
	snap, err := SnapshotRows(rows, Options{})
	if err != nil {
		t.Fatal(err)
	}
	points, parts, steps := 300, 100, 40
	if *previewDir != "" {
		points, parts, steps = 2000, 400, 200
	}
	traj, err := Trajectories([]*Data{swissRollFlow(points, parts, steps, 3)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if *previewDir != "" {
		if err := os.MkdirAll(*previewDir, 0o755); err != nil {
			t.Fatal(err)
		}
		dir = *previewDir
	}
	gauss := eightGaussians(n, 4)
	scatter, err := DensityPanels([]*Data{eightGaussians(2000, 4)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	density, err := DensityPanels([]*Data{gauss}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pix, labels := digits(64, 1)
	grid, err := ImageGrids([]*Data{imagesData("samples", Shape{1, 28, 28}, pix, nil)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pix, labels = digits(200, 2)
	byLabel, err := ImageGrids([]*Data{imagesData("samples by label", Shape{1, 28, 28}, pix, labels)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	flow, err := ImageFlows([]*Data{digitFlow(8, []float32{0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1}, 3, 1)}, Options{Title: "Flow Matching - COT"})
	if err != nil {
		t.Fatal(err)
	}
	rgb, err := ImageGrids([]*Data{colourDigits(16, 5)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	roll := swissRollFlow(points, parts, steps, 3)
	roll.Labels = make([]int, roll.Points())
	for i := range roll.Labels {
		// The class of a point: the quarter of the roll it ends in, by angle.
		x, y := roll.X[len(roll.X)-1][2*i], roll.X[len(roll.X)-1][2*i+1]
		roll.Labels[i] = int(math.Floor((math.Atan2(float64(y), float64(x))+math.Pi)/(math.Pi/2))) % 4
	}
	rollLabels, err := Trajectories([]*Data{roll}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact, hutch := checkerMaps(200)
	maps, err := DensityMaps([]*Data{exact, hutch}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pictures := map[string]*image.RGBA{
		"density.png":             maps,
		"images_grid.png":         grid,
		"images_by_label.png":     byLabel,
		"images_flow.png":         flow,
		"images_rgb.png":          rgb,
		"trajectories_labels.png": rollLabels,
		"checkers_at_t.png":       snap,
		"trajectories.png":        traj,
		"labels_scatter.png":      scatter,
		"labels_density.png":      density,
	}
	for name, img := range pictures {
		if err := os.WriteFile(filepath.Join(dir, name), encode(t, img), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Both pictures have their panels: 2 rows of 7, and 1.
	if f := frames(decode(t, snap)); len(f) != 2*len(seedTimes) {
		t.Errorf("checkers_at_t: %d panels, want %d", len(f), 2*len(seedTimes))
	}
	if f := frames(decode(t, traj)); len(f) != 1 {
		t.Errorf("trajectories: %d panels, want 1", len(f))
	}
	if f := frames(decode(t, maps)); len(f) != 2 {
		t.Errorf("density: %d panels, want 2", len(f))
	}
	if n := len(findImages(decode(t, grid), grid.Rect)); n != 64 {
		t.Errorf("images_grid: %d images, want 64", n)
	}
}
