package nn

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// This file checks the UNet against PyTorch on the fixtures that
// testdata/torch/make_unet_fixtures.py wrote (its docstring says what each holds): UNets of
// base 4 with random and with trained weights, square and not, their state dicts read by
// UNetFromStateDict, PyTorch's outputs on a few images, and PyTorch's gradients of
// L = mean((y - x)^2) with respect to every parameter and to the images.

var unetFixtures = []string{"unet_random_28x28", "unet_random_12x16", "unet_trained_28x28"}

// Tolerances, relative to the largest magnitude of the tensor compared: the outputs within 1e-5
// (the target), the gradients within 2e-5. Both sides sum in float32 in different
// orders (PyTorch's oneDNN convolutions against fmtiny's GEMMs); the largest differences
// measured, with either kernel set, were 3.7e-7 for the outputs, 2.9e-6 for the parameters'
// gradients (the trained UNet's) and 4.4e-7 for the images' (TestUNetTorch -v logs them).
const (
	torchOutputTol = 1e-5
	torchGradTol   = 2e-5
)

func TestUNetTorch(t *testing.T) {
	forEachSet(t, func(t *testing.T) {
		for _, name := range unetFixtures {
			t.Run(name, func(t *testing.T) { checkUNetFixture(t, name) })
		}
	})
}

func checkUNetFixture(t *testing.T, name string) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "torch", name+".safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	tensors, meta, err := ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Tensor{}
	for i := range tensors {
		byName[tensors[i].Name] = &tensors[i]
	}
	atoi := func(key string) int {
		v, err := strconv.Atoi(meta[key])
		if err != nil {
			t.Fatalf("metadata %s: %v", key, err)
		}
		return v
	}
	h, w := atoi("height"), atoi("width")
	u, err := UNetFromStateDict(tensors, h, w, ELU)
	if err != nil {
		t.Fatal(err)
	}
	if u.Channels != atoi("channels") || u.Base != atoi("base") {
		t.Fatalf("read %d channels and base %d, the file says %s and %s", u.Channels, u.Base, meta["channels"], meta["base"])
	}
	x, ts, want := byName["fixture.x"].Data, byName["fixture.t"].Data, byName["fixture.y"].Data
	n := len(ts)

	compare := func(what string, got, want []float32, tol float64) float64 {
		t.Helper()
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		worst := 0.0
		for i := range want {
			d := math.Abs(float64(got[i]) - float64(want[i]))
			worst = math.Max(worst, d/scale)
			if d > tol*scale {
				t.Fatalf("%s[%d] is %v, PyTorch's %v (difference %.3g of the largest, %v)", what, i, got[i], want[i], d/scale, scale)
			}
		}
		return worst
	}

	for _, b := range []*UNetBatch{u.NewBatch(n), u.NewForwardBatch(n)} {
		y := b.Forward(x, ts, nil, n)
		if len(y) != len(want) {
			t.Fatalf("%d outputs, PyTorch has %d", len(y), len(want))
		}
		worst := compare("output", y, want, torchOutputTol)
		t.Logf("outputs within %.2g of the largest", worst)
	}

	b := u.NewBatch(n)
	loss := b.MSEGrad(x, ts, nil, x, n)
	if tl := byName["fixture.loss"].Data[0]; math.Abs(float64(loss-tl)) > 1e-5*float64(tl) {
		t.Fatalf("loss %v, PyTorch's %v", loss, tl)
	}
	worst := 0.0
	for _, p := range u.StateDict() {
		g := byName["grad."+p.Name]
		if g == nil {
			t.Fatalf("no grad.%s", p.Name)
		}
		worst = math.Max(worst, compare("grad."+p.Name, u.Grads[offsetIn(u.Params, p.Data):][:len(p.Data)], g.Data, torchGradTol))
	}
	t.Logf("parameter gradients within %.2g of each tensor's largest", worst)

	y := b.Forward(x, ts, nil, n)
	dy := make([]float32, len(y))
	MSE(dy, y, x)
	dx := make([]float32, len(x))
	b.Backward(dy, dx)
	t.Logf("input gradient within %.2g of the largest", compare("dx", dx, byName["fixture.dx"].Data, torchGradTol))
}
