package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
)

// This file runs class-conditional models end to end: train on labelled data, sample a class,
// every class, or none, with and without guidance, and read the label column of the CSV.

// labelColumn reads the label column of a CSV that fmtiny sample wrote, and the points.
func labelColumn(t *testing.T, text string) (header []string, labels []int64, points [][]float64) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	header = strings.Split(lines[0], ",")
	col := slices.Index(header, "label")
	for _, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if len(fields) != len(header) {
			t.Fatalf("row %q under header %q", line, lines[0])
		}
		var p []float64
		for i, f := range fields {
			if i == col {
				v, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					t.Fatalf("label %q: %v", f, err)
				}
				labels = append(labels, v)
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			p = append(p, v)
		}
		points = append(points, p)
	}
	return header, labels, points
}

func TestConditionalCommands(t *testing.T) {
	model := trainedModel(t, "--data", "8gaussians", "--conditional")
	r := inProcess("info", model)
	checkSuccess(t, r)
	if !strings.Contains(r.stdout, "8 classes (0 to 7)") || !strings.Contains(r.stdout, "train.conditional") {
		t.Fatalf("info does not describe the labels:\n%s", r.stdout)
	}

	// Every class, evenly, in order.
	header, labels, points := labelColumn(t, sample(t, "-m", model, "-n", "800", "--label", "all"))
	if strings.Join(header, ",") != "label,x,y" || len(labels) != 800 {
		t.Fatalf("header %q, %d rows", header, len(labels))
	}
	for i, y := range labels {
		if y != int64(i/100) {
			t.Fatalf("row %d has label %d, want %d", i, y, i/100)
		}
	}
	// One class, guided: the points go to its mode.
	_, labels, points = labelColumn(t, sample(t, "-m", model, "-n", "400", "--label", "3", "--guidance", "1"))
	at := 0
	for i, p := range points {
		if labels[i] != 3 {
			t.Fatalf("row %d has label %d, want 3", i, labels[i])
		}
		if fm.NearestGaussian(p[0], p[1]) == 3 {
			at++
		}
	}
	if at < 300 { // a 200-step model: the quality is fm's tests' business

		t.Fatalf("%d of 400 points at the mode asked for", at)
	}
	// Snapshots and trajectories: the label after t,id.
	header, labels, _ = labelColumn(t, sample(t, "-m", model, "-n", "16", "--label", "all", "--at", "0,1"))
	if strings.Join(header, ",") != "t,id,label,x,y" || len(labels) != 32 || labels[15] != 7 || labels[16] != 0 {
		t.Fatalf("snapshots: header %q, labels %v", header, labels)
	}
	header, _, _ = labelColumn(t, sample(t, "-m", model, "-n", "4", "--label", "5", "--trajectory", "--steps", "3"))
	if strings.Join(header, ",") != "t,id,label,x,y" {
		t.Fatalf("trajectory: header %q", header)
	}
	// None (the default): the unconditional field, no label column, the same as --label none.
	plain := sample(t, "-m", model, "-n", "50")
	if !strings.HasPrefix(plain, "x,y\n") || plain != sample(t, "-m", model, "-n", "50", "--label", "none") {
		t.Fatalf("the default is not --label none:\n%.200s", plain)
	}
	// Guidance 0 is unguided conditional sampling: the same points as no guidance at all.
	if sample(t, "-m", model, "-n", "50", "--label", "2") != sample(t, "-m", model, "-n", "50", "--label", "2", "--guidance", "0") {
		t.Fatal("--guidance 0 changes the sample")
	}
	// Eval measures the unconditional field of a conditional model.
	checkSuccess(t, inProcess("eval", "-m", model, "-n", "200"))
}

// TestLabelColumn trains on a CSV file whose labels are 10 and 20 and samples both by their
// values: the CSV written holds the file's values, not the classes 0 and 1.
func TestLabelColumn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	var b bytes.Buffer
	b.WriteString("kind,x,y\n")
	for i := 0; i < 400; i++ {
		kind, cx := 10, -3.0
		if i%2 == 1 {
			kind, cx = 20, 3.0
		}
		fmt.Fprintf(&b, "%d,%g,%g\n", kind, cx+0.3*math.Sin(float64(i)), 0.3*math.Cos(float64(i*7)))
	}
	if err := os.WriteFile(data, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	model := trainSmall(t, dir, "blobs.safetensors", "--data", data, "--label-column", "kind", "--steps", "200")
	r := inProcess("info", model)
	checkSuccess(t, r)
	if !strings.Contains(r.stdout, "2 classes (10, 20)") || !strings.Contains(r.stdout, "train.label_column  kind") {
		t.Fatalf("info:\n%s", r.stdout)
	}
	_, labels, points := labelColumn(t, sample(t, "-m", model, "-n", "200", "--label", "20", "--guidance", "1"))
	right := 0
	for i, p := range points {
		if labels[i] != 20 {
			t.Fatalf("row %d has label %d", i, labels[i])
		}
		if p[0] > 0 {
			right++
		}
	}
	if right < 180 {
		t.Fatalf("%d of 200 points of label 20 near its blob", right)
	}
	_, labels, _ = labelColumn(t, sample(t, "-m", model, "-n", "6", "--label", "all"))
	if !slices.Equal(labels, []int64{10, 10, 10, 20, 20, 20}) {
		t.Fatalf("--label all gave %v", labels)
	}
	checkFailure(t, inProcess("sample", "-m", model, "--label", "1"), 1, "--label 1: not one of the model's labels, 10, 20")
}

// TestConditionalResumeRefused: a conditional run's checkpoint resumes only a conditional run
// with its label drop; left out, the flags take the checkpoint's values.
func TestConditionalResumeRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.safetensors")
	args := func(extra ...string) []string {
		return append([]string{"train", "--data", "8gaussians", "--checkpoint-every", "1", "--steps", "50", "--hidden", "8", "--layers", "2", "--batch", "64", "--lr", "1e30", "-o", out}, extra...)
	}
	if r := inProcess(args("--conditional")...); r.status != 1 {
		t.Fatalf("the run did not diverge:\n%v", r)
	}
	checkFailure(t, inProcess(args("--resume", "--conditional=false")...), 1, "the checkpoint is of a conditional run (--conditional); this run is not")
	checkFailure(t, inProcess(args("--resume", "--conditional", "--cond-drop", "0.5")...), 1, `cond_drop = "0.2", this run has "0.5"`)
	// The same run resumes (and diverges again, at once), --conditional given or not.
	for _, extra := range [][]string{{"--resume", "--conditional"}, {"--resume"}} {
		if r := inProcess(args(extra...)...); r.status != 1 || !strings.Contains(lastLine(r.stderr), "the loss became NaN at step 2") {
			t.Fatalf("the conditional run did not resume:\n%v", r)
		}
	}
}
