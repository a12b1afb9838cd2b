package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// This file runs a class-conditional UNet end to end on a small labelled IDX set (30 images of
// 8 x 8 in 3 classes): train --conditional, info, sample a class and every class with guidance,
// plot a row per label, reflow and distil it, and the labels it refuses.

// labelledIDX writes n images of 8 x 8 with labels i%3 (MNIST's file names) into dir.
func labelledIDX(t *testing.T, dir string, n int) {
	t.Helper()
	labels := idx([]int{n}, 0)
	for i := range n {
		labels = append(labels, byte(i%3))
	}
	for name, b := range map[string][]byte{
		"train-images-idx3-ubyte": idx([]int{n, 8, 8}, n*64),
		"train-labels-idx1-ubyte": labels,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConditionalImages(t *testing.T) {
	dir := t.TempDir()
	labelledIDX(t, dir, 30)
	model := filepath.Join(dir, "digits.safetensors")
	checkSuccess(t, inProcess("train", "--data", "mnist:"+dir, "--conditional", "--channels", "4", "--steps", "6", "--batch", "8", "--quiet", "-o", model))
	r := inProcess("info", model)
	checkSuccess(t, r)
	for _, want := range []string{"3 classes (0 to 2), an embedding added to enc1's and the bottleneck's", "train.conditional   true", "the seed's UNet, 4, 8 and 16 channels"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("info does not say %q:\n%s", want, r.stdout)
		}
	}

	// Every class in turn, guided: a label column before the 64 pixels.
	header, labels, points := labelColumn(t, sample(t, "-m", model, "-n", "6", "--label", "all", "--guidance", "1", "--steps", "4"))
	if header[0] != "label" || len(header) != 65 || len(points) != 6 || len(points[0]) != 64 {
		t.Fatalf("header of %d columns starting %q, %d rows", len(header), header[0], len(points))
	}
	for i, y := range labels {
		if y != int64(i/2) {
			t.Fatalf("row %d has label %d", i, y)
		}
	}
	one := sample(t, "-m", model, "-n", "3", "--label", "2", "--guidance", "2", "--steps", "2")
	if _, labels, _ = labelColumn(t, one); len(labels) != 3 || labels[0] != 2 {
		t.Fatalf("--label 2 gave labels %v", labels)
	}
	if none := sample(t, "-m", model, "-n", "3", "--steps", "2"); !strings.HasPrefix(none, "x0,") || none == one {
		t.Fatalf("the unconditional field:\n%.100s", none)
	}

	// plot: a row per label, so three rows of images, each as tall as the image.
	csv := filepath.Join(dir, "all.csv")
	checkSuccess(t, inProcess("sample", "-m", model, "-n", "9", "--label", "all", "--steps", "2", "-o", csv))
	flat := filepath.Join(dir, "flat.csv")
	checkSuccess(t, inProcess("sample", "-m", model, "-n", "9", "--steps", "2", "-o", flat))
	rows := plotTo(t, filepath.Join(dir, "rows.png"), csv).Bounds()
	grid := plotTo(t, filepath.Join(dir, "grid.png"), flat).Bounds()
	if rows.Dy() <= grid.Dy() && rows.Dx() <= grid.Dx() {
		t.Fatalf("labelled images make a picture of %v, unlabelled ones %v: not a row per label", rows, grid)
	}

	// reflow and distil the conditional UNet: a conditional UNet student.
	student := filepath.Join(dir, "student.safetensors")
	checkSuccess(t, inProcess("reflow", "-m", model, "--pairs", "12", "--rtol", "1e-3", "--atol", "1e-3", "--steps", "3", "--distill", "--distill-steps", "2", "--batch", "6", "--guidance", "1", "--quiet", "-o", student))
	r = inProcess("info", student)
	checkSuccess(t, r)
	for _, want := range []string{"3 classes (0 to 2)", "reflow.distilled    true", "train.network       unet"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("the student's info does not say %q:\n%s", want, r.stdout)
		}
	}
	if _, labels, _ = labelColumn(t, sample(t, "-m", student, "-n", "2", "--label", "1", "--solver", "euler", "--steps", "1")); len(labels) != 2 {
		t.Fatalf("the student sampled %d images", len(labels))
	}
	// Pairs by a fixed-step solver.
	r = inProcess("reflow", "-m", model, "--pairs", "6", "--solver", "midpoint", "--solver-steps", "4", "--steps", "2", "--batch", "6", "-o", student)
	checkSuccess(t, r)
	if !strings.Contains(r.stderr, "6 pairs from the teacher (midpoint, 4 steps: 8 field evaluations)") {
		t.Fatalf("reflow did not say how it drew its pairs:\n%v", r)
	}
	if r = inProcess("info", student); !strings.Contains(r.stdout, "reflow.solver       midpoint,4") {
		t.Fatalf("the student's info:\n%s", r.stdout)
	}
	out := filepath.Join(dir, "x.safetensors")
	checkFailure(t, inProcess("reflow", "-m", model, "--solver", "midpoint", "--rtol", "1e-3", "-o", out), 2, "--rtol and --atol: dopri5's")
	checkFailure(t, inProcess("reflow", "-m", model, "--solver-steps", "3", "-o", out), 2, "--solver-steps: for a fixed-step --solver")
	checkFailure(t, inProcess("reflow", "-m", model, "--solver", "rk5", "-o", out), 2, `unknown method "rk5"`)
	checkFailure(t, inProcess("reflow", "-m", model, "--solver", "heun", "--solver-steps", "0", "-o", out), 2, "--solver-steps 0: must be at least 1")

	// Labels the model does not have, and labels for an unconditional UNet, as for the MLP.
	checkFailure(t, inProcess("sample", "-m", model, "--label", "3"), 1, "--label 3: not one of the model's labels, 0 to 2")
	checkFailure(t, inProcess("sample", "-m", model, "--label", "-1"), 1, "--label -1: not one of the model's labels")
	checkFailure(t, inProcess("sample", "-m", model, "--label", "x"), 2, `--label "x"`)
	plain := filepath.Join(dir, "plain.safetensors")
	checkSuccess(t, inProcess("train", "--data", "mnist:"+dir, "--channels", "2", "--steps", "2", "--batch", "4", "--quiet", "-o", plain))
	checkFailure(t, inProcess("sample", "-m", plain, "--label", "0"), 1, "--label 0: "+plain+" was trained without labels")
	checkFailure(t, inProcess("sample", "-m", plain, "--label", "all", "--guidance", "1"), 1, "--guidance 1: "+plain+" is not class-conditional")
	checkFailure(t, inProcess("reflow", "-m", plain, "--guidance", "1", "-o", filepath.Join(dir, "s.safetensors")), 1, "--guidance 1: "+plain+" is not class-conditional")
	// Images without a labels file carry no labels to condition on.
	bare := t.TempDir()
	if err := os.WriteFile(filepath.Join(bare, "train-images-idx3-ubyte"), idx([]int{4, 8, 8}, 256), 0o644); err != nil {
		t.Fatal(err)
	}
	checkFailure(t, inProcess("train", "--data", "mnist:"+bare, "--conditional", "-o", filepath.Join(dir, "b.safetensors")), 2, "--conditional: mnist:"+bare+" carries no labels")
}
