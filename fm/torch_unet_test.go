package fm

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// TestTorchUNetSamples loads a UNet that PyTorch trained (a state dict without fmtiny's
// metadata: the seed's UNet is recognised, its 28 x 28 images and normalisation assumed) and
// samples it from PyTorch's own noise with the same 20 midpoint steps: every kernel set's
// samples are within 1e-4 of PyTorch's (testdata/torch/make_unet_fixtures.py makes the file).
func TestTorchUNetSamples(t *testing.T) {
	const name = "unet_trained_28x28.safetensors"
	path := filepath.Join(torchDir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tensors, _, err := nn.ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	get := func(key string) []float32 {
		i := slices.IndexFunc(tensors, func(x nn.Tensor) bool { return x.Name == key })
		if i < 0 {
			t.Fatalf("%s: no tensor %s", name, key)
		}
		return tensors[i].Data
	}
	x0, want := get("sample.x0"), get("sample.x1")
	m, err := LoadModel(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Net.(*UNetNetwork); !ok || !m.Inferred || !slices.Equal(m.Shape, []int{1, 28, 28}) || m.Path.Name() != "condot" ||
		m.Stats.Mean[0] != ImageMean || m.Stats.Std[0] != ImageStd {
		t.Fatalf("loaded a %T, inferred %v, shape %v, path %s, stats %v %v", m.Net, m.Inferred, m.Shape, m.Path.Name(), m.Stats.Mean[0], m.Stats.Std[0])
	}
	// PyTorch's samples in the data's units, pixels/255, as fmtiny returns them.
	for i, v := range want {
		want[i] = float32(float64(v)*ImageStd + ImageMean)
	}
	forEachKernelSet(t, func(t *testing.T) {
		res, err := m.Sample(SampleOptions{N: len(x0) / m.Dim(), X0: x0, Method: ode.Midpoint, Steps: 20})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i, v := range res.X {
			worst = max(worst, math.Abs(float64(v)-float64(want[i])))
		}
		t.Logf("samples within %.3g of PyTorch's (pixels/255)", worst)
		if worst > 1e-4 {
			t.Errorf("samples differ from PyTorch's by %.3g, want at most 1e-4", worst)
		}
	})
}
