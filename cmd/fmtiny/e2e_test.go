package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
)

// This file runs the commands end to end, in-process through run (so that it runs under qemu
// too): train, then sample with every solver and every kind of output, plot what it wrote,
// info, eval, help and version.

// trainSmall trains a small model in dir in a fraction of a second and returns its path.
func trainSmall(t *testing.T, dir, name string, extra ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	args := append([]string{"train", "--steps", "200", "--hidden", "32", "--layers", "2", "--batch", "128", "--seed", "3", "-o", path}, extra...)
	r := inProcess(args...)
	checkSuccess(t, r)
	if r.stdout != "" {
		t.Fatalf("train wrote on stdout:\n%v", r)
	}
	if !strings.Contains(lastLine(r.stderr), "fmtiny: saved "+path+" after 200 steps") {
		t.Fatalf("train did not say it saved the model:\n%v", r)
	}
	if _, err := os.Stat(path + ".ckpt"); err == nil {
		t.Fatalf("a finished run left its checkpoint")
	}
	return path
}

// trained holds the models trainedModel made, shared by the tests of this binary.
var trained struct {
	sync.Mutex
	dir   string // removed by TestMain
	paths map[string]string
}

// trainedModel returns a small model trained with the extra flags given, training it on first
// use: most tests need a model, not their own.
func trainedModel(t *testing.T, extra ...string) string {
	t.Helper()
	trained.Lock()
	defer trained.Unlock()
	key := strings.Join(extra, " ")
	if path, ok := trained.paths[key]; ok {
		return path
	}
	if trained.dir == "" {
		dir, err := os.MkdirTemp("", "fmtiny-test-models")
		if err != nil {
			t.Fatal(err)
		}
		trained.dir, trained.paths = dir, map[string]string{}
	}
	path := trainSmall(t, trained.dir, fmt.Sprintf("model%d.safetensors", len(trained.paths)), extra...)
	trained.paths[key] = path
	return path
}

// readPoints parses CSV text as fmtiny writes it.
func readPoints(t *testing.T, text string) ([]string, *fm.Table) {
	t.Helper()
	header, table, err := fm.ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%v in:\n%.500s", err, text)
	}
	return header, table
}

// sample runs fmtiny sample and returns its CSV, checking that it wrote nothing on stderr but
// dopri5's count of evaluations.
func sample(t *testing.T, args ...string) string {
	t.Helper()
	r := inProcess(append([]string{"sample"}, args...)...)
	checkSuccess(t, r)
	if r.stderr != "" && !regexp.MustCompile(`^fmtiny: dopri5: \d+ field evaluations, \d+ steps accepted, \d+ rejected\n$`).MatchString(r.stderr) {
		t.Fatalf("sample wrote on stderr:\n%v", r)
	}
	return r.stdout
}

// snapshots splits t,id,x,y rows by time, checking that every time holds ids 0..n-1 in order.
func snapshots(t *testing.T, table *fm.Table, n int) (times []float32, points [][]float32) {
	t.Helper()
	d := table.D - 2
	for i := 0; i < table.Rows(); i++ {
		row := table.X[i*table.D : (i+1)*table.D]
		if i%n == 0 {
			times = append(times, row[0])
			points = append(points, nil)
		}
		if row[0] != times[len(times)-1] || row[1] != float32(i%n) {
			t.Fatalf("row %d is t=%v id=%v, want t=%v id=%d", i, row[0], row[1], times[len(times)-1], i%n)
		}
		points[len(points)-1] = append(points[len(points)-1], row[2:2+d]...)
	}
	return times, points
}

// decodePNG reads a picture and checks that it is not blank: at least 1% of its pixels differ
// from its most common colour (the background) and it has more than a few colours.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	counts := map[[4]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[[4]uint32{r, g, bl, a}]++
		}
	}
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	total := b.Dx() * b.Dy()
	if len(counts) < 8 || total-most < total/100 {
		t.Fatalf("%s looks blank: %dx%d, %d colours, %d pixels off the background", path, b.Dx(), b.Dy(), len(counts), total-most)
	}
	return img
}

func plotTo(t *testing.T, png string, args ...string) image.Image {
	t.Helper()
	r := inProcess(append(append([]string{"plot"}, args...), "-o", png)...)
	checkSuccess(t, r)
	if r.stdout != "" || r.stderr != "" {
		t.Fatalf("plot printed something:\n%v", r)
	}
	return decodePNG(t, png)
}

func meanAbsDiff(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return s / float64(len(a))
}

// TestTrainSamplePlot is the README's chain on a short run: train, sample, plot.
func TestTrainSamplePlot(t *testing.T) {
	dir := t.TempDir()
	model := trainSmall(t, dir, "model.safetensors")
	m, err := fm.LoadModel(model, fm.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Steps != 200 || m.Seed != 3 || !slices.Equal(m.MLP().Hidden, []int{32, 32}) || m.Data != "checkerboard" {
		t.Fatalf("the model is %+v", m)
	}
	text := sample(t, "-m", model, "-n", "500")
	header, table := readPoints(t, text)
	if !slices.Equal(header, []string{"x", "y"}) || table.Rows() != 500 {
		t.Fatalf("sample wrote %q and %d rows", header, table.Rows())
	}
	points := filepath.Join(dir, "points.csv")
	if err := os.WriteFile(points, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	plotTo(t, filepath.Join(dir, "samples.png"), points, "--size", "200")
	// The points are what is drawn: on the same axes, the same points moved draw another
	// picture.
	moved := filepath.Join(dir, "moved.csv")
	for i := 0; i < len(table.X); i += 2 {
		table.X[i] += 1.5
	}
	var buf bytes.Buffer
	if err := fm.WriteCSV(&buf, header, table.X); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(moved, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a := plotTo(t, filepath.Join(dir, "a.png"), points, "--range", "-8,8,-8,8", "--size", "200")
	b := plotTo(t, filepath.Join(dir, "b.png"), moved, "--range", "-8,8,-8,8", "--size", "200")
	if a.Bounds() != b.Bounds() {
		t.Fatalf("the same axes drew pictures of %v and %v", a.Bounds(), b.Bounds())
	}
	differ := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				differ++
			}
		}
	}
	if differ < 500 {
		t.Fatalf("500 points moved by 1.5 change %d pixels", differ)
	}
	// -o writes the same bytes as stdout.
	out := filepath.Join(dir, "o.csv")
	checkSuccess(t, inProcess("sample", "-m", model, "-n", "500", "-o", out))
	if b, _ := os.ReadFile(out); string(b) != text {
		t.Fatal("sample -o wrote other points than sample > file")
	}
}

// TestSolvers samples one model with every solver from the same noise: the points agree with
// dopri5's as each method's order says they should, and only dopri5 reports its evaluations.
func TestSolvers(t *testing.T) {
	model := trainedModel(t)
	results := map[string][]float32{}
	for _, solver := range []string{"euler", "midpoint", "heun", "rk4", "dopri5"} {
		args := []string{"sample", "-m", model, "-n", "200", "--solver", solver, "--seed", "5"}
		if solver != "dopri5" {
			args = append(args, "--steps", "10")
		}
		r := inProcess(args...)
		checkSuccess(t, r)
		nfe := regexp.MustCompile(`^fmtiny: dopri5: (\d+) field evaluations, (\d+) steps accepted, (\d+) rejected\n$`).FindStringSubmatch(r.stderr)
		switch {
		case solver == "dopri5" && nfe == nil:
			t.Fatalf("dopri5 did not report its evaluations:\n%v", r)
		case solver == "dopri5":
			evals, _ := strconv.Atoi(nfe[1])
			accepted, _ := strconv.Atoi(nfe[2])
			rejected, _ := strconv.Atoi(nfe[3])
			// 6 stages a step (the seventh is the next step's first), plus the first evaluation
			// and the one that picks the first step's size.
			if accepted < 1 || evals != 6*(accepted+rejected)+2 {
				t.Fatalf("dopri5: %d evaluations for %d accepted and %d rejected steps", evals, accepted, rejected)
			}
		case r.stderr != "":
			t.Fatalf("%s wrote on stderr:\n%v", solver, r)
		}
		_, table := readPoints(t, r.stdout)
		if table.Rows() != 200 {
			t.Fatalf("%s: %d rows", solver, table.Rows())
		}
		results[solver] = table.X
	}
	errs := map[string]float64{}
	for s, x := range results {
		errs[s] = meanAbsDiff(x, results["dopri5"])
	}
	t.Logf("mean distance to dopri5 at 10 steps: %v", errs)
	if !(errs["rk4"] < errs["midpoint"]/10 && errs["rk4"] < errs["heun"]/10 &&
		errs["midpoint"] < errs["euler"]/5 && errs["heun"] < errs["euler"]/5 && errs["euler"] < 1) {
		t.Fatalf("the solvers' errors do not follow their orders: %v", errs)
	}
}

// TestSampleX0 checks that --x0 starts from the file's points: the noise that --seed would draw,
// written to a file, gives the same bytes as --seed; and any points give one row each.
func TestSampleX0(t *testing.T) {
	dir := t.TempDir()
	model := trainedModel(t)
	noise := filepath.Join(dir, "noise.csv")
	var buf bytes.Buffer
	if err := fm.WriteCSV(&buf, fm.ColumnNames(2), fm.InitialNoise(50, 2, 9)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noise, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, solver := range [][]string{{"--solver", "rk4", "--steps", "8"}, {"--solver", "dopri5"}} {
		fromSeed := sample(t, append([]string{"-m", model, "-n", "50", "--seed", "9"}, solver...)...)
		fromFile := sample(t, append([]string{"-m", model, "--x0", noise}, solver...)...)
		if fromSeed != fromFile {
			t.Fatalf("%v: --x0 of the seed's noise gives other points than --seed", solver)
		}
	}
	mine := filepath.Join(dir, "mine.csv")
	if err := os.WriteFile(mine, []byte("0,0\n1,-1\n2.5,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, table := readPoints(t, sample(t, "-m", model, "--x0", mine)); table.Rows() != 3 {
		t.Fatalf("%d rows from 3 starting points", table.Rows())
	}
}

// TestSnapshotsAndTrajectory checks --at and --trajectory: the rows at t = 0 are the noise, the
// rows at t = 1 are what a plain sample gives, and the times are the ones asked for or the
// solver's steps. Then it draws them, as the reference's two pictures: snapshots of OT above VP,
// and trajectories.
func TestSnapshotsAndTrajectory(t *testing.T) {
	dir := t.TempDir()
	ot := trainedModel(t)
	vp := trainedModel(t, "--path", "vp")
	const n = 100
	noise := fm.InitialNoise(n, 2, 4)
	final := map[string][]float32{}
	for _, model := range []string{ot, vp} {
		_, plain := readPoints(t, sample(t, "-m", model, "-n", strconv.Itoa(n), "--steps", "10", "--seed", "4"))
		final[model] = plain.X
	}

	at := "0.1,0.5,0.7,0.9,0.95,0.97,1,0"
	var files []string
	for _, model := range []string{ot, vp} {
		text := sample(t, "-m", model, "-n", strconv.Itoa(n), "--steps", "10", "--seed", "4", "--at", at)
		header, table := readPoints(t, text)
		if !slices.Equal(header, []string{"t", "id", "x", "y"}) {
			t.Fatalf("header %q", header)
		}
		times, points := snapshots(t, table, n)
		if !slices.Equal(times, []float32{0, 0.1, 0.5, 0.7, 0.9, 0.95, 0.97, 1}) {
			t.Fatalf("snapshot times %v", times)
		}
		if !slices.Equal(points[0], noise) {
			t.Fatal("the points at t = 0 are not the noise")
		}
		// The times 0.5 and 1 are on the 10-step grid; the others add steps to it, so the last
		// points differ from the plain sample's, but only by the integration error.
		if d := meanAbsDiff(points[len(points)-1], final[model]); d > 0.05 {
			t.Fatalf("the points at t = 1 are %v from the plain sample's", d)
		}
		file := filepath.Join(dir, filepath.Base(model)+".at.csv")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	// Times on the grid alone leave the integration as it was: the last rows are bit for bit
	// the plain sample's.
	_, table := readPoints(t, sample(t, "-m", ot, "-n", strconv.Itoa(n), "--steps", "10", "--seed", "4", "--at", "0.5,1"))
	if _, points := snapshots(t, table, n); !slices.Equal(points[1], final[ot]) {
		t.Fatal("--at 0.5,1 changed the points at t = 1")
	}
	one := plotTo(t, filepath.Join(dir, "one.png"), files[0], "--size", "120")
	two := plotTo(t, filepath.Join(dir, "checkers_at_t.png"), files[0], files[1], "--labels", "OT,VP", "--size", "120")
	if two.Bounds().Dy() <= one.Bounds().Dy() {
		t.Fatalf("two rows of snapshots are %v, one row %v", two.Bounds(), one.Bounds())
	}

	text := sample(t, "-m", ot, "-n", strconv.Itoa(n), "--steps", "6", "--seed", "4", "--trajectory")
	_, table = readPoints(t, text)
	times, points := snapshots(t, table, n)
	if len(times) != 7 || times[0] != 0 || times[6] != 1 {
		t.Fatalf("trajectory times %v, want 0, 1/6, ..., 1", times)
	}
	for i, tt := range times {
		if math.Abs(float64(tt)-float64(i)/6) > 1e-6 {
			t.Fatalf("trajectory times %v, want 0, 1/6, ..., 1", times)
		}
	}
	_, plain := readPoints(t, sample(t, "-m", ot, "-n", strconv.Itoa(n), "--steps", "6", "--seed", "4"))
	if !slices.Equal(points[0], noise) || !slices.Equal(points[6], plain.X) {
		t.Fatal("the trajectory does not run from the noise to the plain sample's points")
	}
	paths := filepath.Join(dir, "paths.csv")
	if err := os.WriteFile(paths, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	plotTo(t, filepath.Join(dir, "trajectories.png"), paths, "--title", "Flow Matching - COT", "--size", "200")

	// dopri5's trajectory has its accepted steps' times, increasing from 0 to 1.
	_, table = readPoints(t, sample(t, "-m", ot, "-n", "20", "--solver", "dopri5", "--trajectory"))
	times, _ = snapshots(t, table, 20)
	if len(times) < 3 || times[0] != 0 || times[len(times)-1] != 1 || !slices.IsSorted(times) || len(slices.Compact(slices.Clone(times))) != len(times) {
		t.Fatalf("dopri5 trajectory times %v", times)
	}
}

// TestInfoEval checks info and eval (table and JSON) on a trained model.
func TestInfoEval(t *testing.T) {
	model := trainedModel(t)
	r := inProcess("info", model)
	checkSuccess(t, r)
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		kv := regexp.MustCompile(`^(\S+(?: \S+)*)  +(\S.*)$`).FindStringSubmatch(line)
		if kv == nil {
			t.Fatalf("info's line %q is not a name and a value", line)
		}
		fields[kv[1]] = kv[2]
	}
	for name, want := range map[string]string{
		"file":         model,
		"network":      "MLP 3 -> 32 -> 32 -> 2 (3 Linear layers)",
		"activation":   "silu",
		"time input":   "last, cat(x, t)",
		"parameters":   "1250", // (3+1)*32 + (32+1)*32 + (32+1)*2
		"path":         "condot, integrated on [0, 1]",
		"data":         "checkerboard, 2 dimensions",
		"data mean":    "0, 0",
		"data std":     "1, 1",
		"training":     "200 steps, seed 3",
		"train.hidden": "32,32",
		"train.batch":  "128",
	} {
		if fields[name] != want {
			t.Errorf("info's %s is %q, want %q:\n%s", name, fields[name], want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("info wrote on stderr: %s", r.stderr)
	}

	r = inProcess("eval", "-m", model, "-n", "200", "--json")
	checkSuccess(t, r)
	type scores struct {
		Method         string   `json:"method"` // the noise floor's only
		Points         int      `json:"points"`
		Reference      int      `json:"reference_points"`
		EnergyDistance float64  `json:"energy_distance"`
		SlicedW1       float64  `json:"sliced_wasserstein1"`
		MMD            float64  `json:"mmd_rbf"`
		MMDPoints      int      `json:"mmd_points"`
		W2             float64  `json:"w2"`
		W2Points       int      `json:"w2_points"`
		OnBoard        *float64 `json:"checkerboard_on_squares"`
		Balance        *float64 `json:"checkerboard_balance"`
	}
	var got struct {
		Model      string  `json:"model"`
		Data       string  `json:"data"`
		Solver     string  `json:"solver"`
		Steps      int     `json:"steps"`
		NFE        int     `json:"nfe"`
		PathEnergy float64 `json:"path_energy"`
		NPE        float64 `json:"npe"`
		Floor      *scores `json:"noise_floor"`
		scores
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, r.stdout)
	}
	if rest := r.stdout[dec.InputOffset():]; rest != "\n" {
		t.Fatalf("eval --json wrote %q after its JSON", rest)
	}
	if got.Model != model || got.Data != "checkerboard" || got.Points != 200 || got.Reference != 200 || got.Solver != "midpoint" ||
		got.Steps != 20 || got.NFE != 40 || got.MMDPoints != 200 || got.OnBoard == nil || got.Balance == nil || got.Method != "" ||
		got.W2Points != 200 || !(got.W2 > 0) || !(got.PathEnergy > 0) || !(got.NPE >= 0) {
		t.Fatalf("eval --json: %+v", got)
	}
	// The noise floor: a second sample of the checkerboard, all of it on the squares, closer to
	// the reference than a model trained for 200 steps.
	f := got.Floor
	if f == nil || f.Method != "fresh_sample" || f.Points != 200 || f.Reference != 200 || f.MMDPoints != 200 || f.OnBoard == nil || *f.OnBoard != 1 ||
		!(f.EnergyDistance < got.EnergyDistance) || !(f.SlicedW1 < got.SlicedW1) || !(*f.Balance > 0.8) || !(f.W2 > 0 && f.W2 < got.W2) {
		t.Fatalf("eval --json: noise floor %+v, model %+v", f, got.scores)
	}
	for name, v := range map[string]float64{"energy": got.EnergyDistance, "sw1": got.SlicedW1, "mmd": got.MMD, "on": *got.OnBoard, "balance": *got.Balance} {
		if !(v >= 0) || math.IsInf(v, 0) || (name == "on" || name == "balance") && v > 1 {
			t.Fatalf("eval --json: %s = %v", name, v)
		}
	}
	// A CSV of fewer rows than -n is the whole reference, and eval says how many it has; its
	// noise floor is one half of its rows against the other, or none for fewer than 4 rows.
	few := filepath.Join(t.TempDir(), "few.csv")
	if err := os.WriteFile(few, []byte("x,y\n1,2\n-1,0.5\n0,0\n2,-2\n0.5,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = inProcess("eval", "-m", model, "-n", "50", "--data", few)
	checkSuccess(t, r)
	if !regexp.MustCompile(`(?m)^reference +`+regexp.QuoteMeta(few)+`, 5 points$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^noise floor +half of the file's rows against the other half, 2 points each$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^energy distance +\S+ +\S+$`).MatchString(r.stdout) {
		t.Errorf("eval against 5 rows:\n%s", r.stdout)
	}
	r = inProcess("eval", "-m", model, "-n", "50", "--data", few, "--json")
	checkSuccess(t, r)
	if !strings.Contains(r.stdout, `"noise_floor":{"method":"split_halves","points":2,"reference_points":2,`) {
		t.Errorf("eval --json against 5 rows:\n%s", r.stdout)
	}
	three := filepath.Join(t.TempDir(), "three.csv")
	if err := os.WriteFile(three, []byte("x,y\n1,2\n-1,0.5\n0,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = inProcess("eval", "-m", model, "-n", "50", "--data", three)
	checkSuccess(t, r)
	if !regexp.MustCompile(`(?m)^noise floor +none: 3 rows are too few to split in two samples of 2$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^energy distance +\S+$`).MatchString(r.stdout) {
		t.Errorf("eval against 3 rows:\n%s", r.stdout)
	}
	if r = inProcess("eval", "-m", model, "-n", "50", "--data", three, "--json"); !strings.HasSuffix(r.stdout, `,"noise_floor":null}`+"\n") {
		t.Errorf("eval --json against 3 rows:\n%s", r.stdout)
	}
	// The table says what the JSON says.
	r = inProcess("eval", "-m", model, "-n", "200")
	checkSuccess(t, r)
	for _, want := range []string{
		"reference +checkerboard, 200 points",
		`solver +midpoint, 20 steps \(40 evaluations\)`,
		"noise floor +a second sample of checkerboard, 200 points, against the reference",
		" +model +noise floor",
		fmt.Sprintf("energy distance +%.5f +%.5f", got.EnergyDistance, f.EnergyDistance),
		fmt.Sprintf("sliced W1 +%.5f +%.5f", got.SlicedW1, f.SlicedW1),
		fmt.Sprintf(`MMD \(RBF, 200 points\) +%.5f +%.5f`, got.MMD, f.MMD),
		fmt.Sprintf("on the squares +%.4f +%.4f", *got.OnBoard, *f.OnBoard),
		fmt.Sprintf("square balance +%.4f +%.4f", *got.Balance, *f.Balance),
	} {
		if !regexp.MustCompile("(?m)^" + want + "$").MatchString(r.stdout) {
			t.Errorf("eval's table lacks a line %q:\n%s", want, r.stdout)
		}
	}
}

// TestHelp checks that every command's --help prints its usage with examples on stdout and
// exits 0, and that version names the release, Go, the platform and the kernels.
func TestHelp(t *testing.T) {
	for _, c := range commands {
		for _, flag := range []string{"--help", "-h"} {
			r := inProcess(c.name, flag)
			checkSuccess(t, r)
			if !strings.HasPrefix(r.stdout, "Usage: fmtiny "+c.name) || !strings.Contains(r.stdout, "\nExamples:\n  fmtiny ") || r.stderr != "" {
				t.Errorf("fmtiny %s %s:\n%v", c.name, flag, r)
			}
		}
	}
	for _, flag := range []string{"--help", "-h", "help"} {
		r := inProcess(flag)
		checkSuccess(t, r)
		for _, c := range commands {
			if !strings.Contains(r.stdout, "\n  "+c.name+" ") {
				t.Errorf("fmtiny %s does not list %s:\n%s", flag, c.name, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "fmtiny train && fmtiny sample > points.csv") || r.stderr != "" {
			t.Errorf("fmtiny %s:\n%v", flag, r)
		}
	}
	want := regexp.MustCompile(`^fmtiny \d+\.\d+\.\d+ \(go\S+, ` + runtime.GOOS + "/" + runtime.GOARCH + `, kernels \S+\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := inProcess(args...)
		checkSuccess(t, r)
		if !want.MatchString(r.stdout) || r.stderr != "" {
			t.Errorf("fmtiny %s:\n%v", args[0], r)
		}
	}
}

// TestExitStatus checks the statuses as a shell sees them, from the binary: 0, 1 and 2 (130 is
// TestInterruptResume's).
func TestExitStatus(t *testing.T) {
	fmtinyBinary(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		status int
	}{
		{[]string{"version"}, 0},
		{[]string{"sample", "-m", filepath.Join(dir, "missing.safetensors")}, 1},
		{[]string{"train", "--steps", "0"}, 2},
		{[]string{"nonsense"}, 2},
	} {
		r := execFmtiny(t, c.args...)
		checkNoPanic(t, r)
		if r.status != c.status {
			t.Errorf("exit status %d, want %d:\n%v", r.status, c.status, r)
		}
	}
}
