package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/nn"
)

// This file runs the command line on PyTorch's models, the fixtures of testdata/torch that
// make_fixtures.py writes: `fmtiny sample --x0` must reproduce torch's own samples, and `fmtiny
// info` must say what it inferred. The commands run in-process through run.

const torchFixtures = "../../testdata/torch"

// torchSampleTol is issue 8's bound on 20-step samples: 1e-4, absolute.
const torchSampleTol = 1e-4

// torchCommand runs one fmtiny command line in-process and returns its exit status and outputs.
func torchCommand(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// torchOK runs a command that must succeed and returns its stdout.
func torchOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := torchCommand(args...)
	if code != 0 {
		t.Fatalf("fmtiny %s: exit status %d, stderr %q", strings.Join(args, " "), code, errOut)
	}
	return out
}

// torchTensors reads a fixture's tensors by name.
func torchTensors(t *testing.T, name string) map[string]nn.Tensor {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(torchFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	tensors, _, err := nn.ReadSafetensors(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	byName := map[string]nn.Tensor{}
	for _, x := range tensors {
		byName[x.Name] = x
	}
	return byName
}

// torchPoints parses fmtiny's CSV of 2D points.
func torchPoints(t *testing.T, csv string) []float32 {
	t.Helper()
	header, table, err := fm.ReadCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatalf("fmtiny's CSV: %v", err)
	}
	if !slices.Equal(header, []string{"x", "y"}) || table.D != 2 {
		t.Fatalf("fmtiny's CSV has header %v and %d columns, want x,y", header, table.D)
	}
	return table.X
}

func torchMaxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestTorchSampleX0 runs `fmtiny sample --x0 x0.csv` on PyTorch's state dicts and compares the
// points with torch's own midpoint and Euler samples from the same x0, 20 steps.
func TestTorchSampleX0(t *testing.T) {
	x0csv := filepath.Join(torchFixtures, "x0.csv")
	raw, err := os.ReadFile(x0csv)
	if err != nil {
		t.Fatal(err)
	}
	// The CSV must hold exactly the x0 torch integrated.
	if x0 := torchPoints(t, string(raw)); !slices.Equal(x0, torchTensors(t, "fb2d_ref.safetensors")["x0"].Data) {
		t.Fatal("x0.csv differs from the x0 in the reference files")
	}
	for _, c := range []struct {
		model, ref string
		flags      []string
	}{
		{"fb2d.safetensors", "fb2d_ref.safetensors", nil},
		{"fb2d_pt.safetensors", "fb2d_ref.safetensors", nil},
		{"fb2d_meta.safetensors", "fb2d_ref.safetensors", nil},
		{"seed.safetensors", "seed_ref.safetensors", []string{"--act", "relu", "--time", "first"}},
		{"seed_meta.safetensors", "seed_ref.safetensors", nil},
		{"checkerboard.safetensors", "checkerboard_ref.safetensors", nil},
	} {
		ref := torchTensors(t, c.ref)
		for _, solver := range []string{"midpoint", "euler"} {
			args := append([]string{"sample", "-m", filepath.Join(torchFixtures, c.model), "--x0", x0csv,
				"--solver", solver, "--steps", "20"}, c.flags...)
			got := torchPoints(t, torchOK(t, args...))
			want := ref[solver].Data
			if len(got) != len(want) {
				t.Fatalf("%s %s: %d values, torch has %d", c.model, solver, len(got), len(want))
			}
			d := torchMaxDiff(got, want)
			t.Logf("%s %v, %s: largest |fmtiny - torch| %.3g over %d points", c.model, c.flags, solver, d, len(want)/2)
			if d > torchSampleTol {
				t.Errorf("%s %v, %s: samples differ from torch's by %.3g, more than %g", c.model, c.flags, solver, d, torchSampleTol)
			}
		}
	}

	// Without --act relu --time first, the seed model is another field: the flags matter.
	got := torchPoints(t, torchOK(t, "sample", "-m", filepath.Join(torchFixtures, "seed.safetensors"), "--x0", x0csv, "--steps", "20"))
	if d := torchMaxDiff(got, torchTensors(t, "seed_ref.safetensors")["midpoint"].Data); d < 0.1 {
		t.Errorf("the seed model sampled as silu, t last is within %.3g of torch's samples", d)
	}
}

// torchInfo runs `fmtiny info` and returns its rows as a map from the first column to the rest.
func torchInfo(t *testing.T, args ...string) map[string]string {
	t.Helper()
	out := torchOK(t, append([]string{"info"}, args...)...)
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		key, value, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("info line %q has no value", line)
		}
		rows[key] = strings.TrimSpace(value)
	}
	return rows
}

// TestTorchInfo checks that `fmtiny info` shows what it inferred from a PyTorch state dict: the
// layers from the shapes, the activation, time input and path from flags or defaults, and that
// a file with fmtiny's metadata is described by it instead.
func TestTorchInfo(t *testing.T) {
	const inferred = "none from fmtiny: the network inferred from the tensors' names and shapes; activation, time input and path from flags or defaults; data taken as unstandardised"
	const net32 = "MLP 3 -> 32 -> 32 -> 32 -> 32 -> 2 (5 Linear layers)"
	for _, c := range []struct {
		args []string
		want map[string]string
	}{
		{[]string{"fb2d.safetensors"}, map[string]string{
			"metadata": inferred, "network": net32, "activation": "silu", "time input": "last, cat(x, t)",
			"parameters": "3362", "path": "condot, integrated on [0, 1]", "data mean": "0, 0", "data std": "1, 1"}},
		{[]string{"fb2d_pt.safetensors"}, map[string]string{"metadata": inferred, "network": net32, "format": "pt"}},
		{[]string{"fb2d.safetensors", "--path", "vp"}, map[string]string{"metadata": inferred, "path": "vp, integrated on [0, 0.99999]"}},
		{[]string{"seed.safetensors", "--act", "relu", "--time", "first"}, map[string]string{
			"metadata": inferred, "network": net32, "activation": "relu", "time input": "first, cat(t, x)"}},
		{[]string{"seed_meta.safetensors"}, map[string]string{
			"network": net32, "activation": "relu", "time input": "first, cat(t, x)", "training": "0 steps, seed 20240612"}},
		{[]string{"checkerboard.safetensors"}, map[string]string{
			"metadata": inferred, "network": "MLP 3 -> 64 -> 64 -> 64 -> 64 -> 2 (5 Linear layers)", "parameters": "12866"}},
	} {
		args := append([]string{filepath.Join(torchFixtures, c.args[0])}, c.args[1:]...)
		rows := torchInfo(t, args...)
		for k, v := range c.want {
			if rows[k] != v {
				t.Errorf("info %v: %s is %q, want %q", c.args, k, rows[k], v)
			}
		}
		if _, hasMeta := c.want["metadata"]; !hasMeta && rows["metadata"] != "" {
			t.Errorf("info %v: a file with fmtiny's metadata is said to be inferred: %q", c.args, rows["metadata"])
		}
	}

	// The flags only complete a file without fmtiny's metadata: for one with it, they are a
	// usage error, whether they agree with it or not.
	for _, act := range []string{"silu", "relu"} {
		code, _, errOut := torchCommand("info", filepath.Join(torchFixtures, "seed_meta.safetensors"), "--act", act)
		if code != 2 || !strings.Contains(errOut, "records its activation (relu) in fmtiny's metadata") {
			t.Errorf("info --act %s on a relu model: exit status %d, stderr %q", act, code, errOut)
		}
	}
}
