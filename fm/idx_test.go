package fm

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/nn"
)

// idxBytes encodes an IDX file of unsigned bytes.
func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

func TestReadIDX(t *testing.T) {
	data := make([]byte, 3*4*5)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, file := range [][]byte{idxBytes([]int{3, 4, 5}, data), gzipped(idxBytes([]int{3, 4, 5}, data))} {
		dims, got, err := ReadIDX(bytes.NewReader(file))
		if err != nil || !slices.Equal(dims, []int{3, 4, 5}) || !bytes.Equal(got, data) {
			t.Fatalf("got %v, %v, %v", dims, got, err)
		}
	}
}

func TestReadIDXRejects(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	gz := gzipped(good)
	badSum := slices.Clone(gz)
	badSum[len(badSum)-6] ^= 0xff // the CRC-32 in the trailer
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "ends early"},
		{"short header", []byte{0, 0, 8}, "ends early"},
		{"not IDX", []byte("x,y\n1,2\n"), "not an IDX file"},
		{"floats", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "type 0x0d"},
		{"no dimensions", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"five dimensions", []byte{0, 0, 8, 5}, "5 dimensions"},
		{"dimension cut", []byte{0, 0, 8, 2, 0, 0, 0, 1, 0, 0}, "dimension 2: the file ends early"},
		{"zero dimension", idxBytes([]int{2, 0}, nil), "dimension 2 is 0"},
		{"huge", idxBytes([]int{1 << 16, 1 << 16}, nil), "more than"},
		{"truncated", good[:len(good)-1], "truncated: 5 of the 6"},
		{"trailing", append(slices.Clone(good), 9), "goes on past"},
		{"gzip cut", gz[:len(gz)-10], "ends early"},
		{"gzip checksum", badSum, "checksum"},
		{"gzip header", []byte{0x1f, 0x8b, 1, 2, 3}, "gzip"},
	} {
		_, _, err := ReadIDX(bytes.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadMNIST(t *testing.T) {
	dir := t.TempDir()
	pixels := make([]byte, 5*4*4)
	for i := range pixels {
		pixels[i] = byte(i)
	}
	// torchvision leaves its files in ROOT/MNIST/raw, gzipped or not.
	raw := filepath.Join(dir, "MNIST", "raw")
	os.MkdirAll(raw, 0o755)
	os.WriteFile(filepath.Join(raw, "train-images-idx3-ubyte.gz"), gzipped(idxBytes([]int{5, 4, 4}, pixels)), 0o644)
	os.WriteFile(filepath.Join(raw, "train-labels-idx1-ubyte"), idxBytes([]int{5}, []byte{3, 1, 4, 1, 5}), 0o644)
	im, err := LoadMNIST(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if im.C != 1 || im.H != 4 || im.W != 4 || im.Len() != 5 || im.Classes != 6 || im.Dim() != 16 || im.Name() != "mnist:"+dir {
		t.Fatalf("got %+v", im)
	}
	x := make([]float32, 3*16)
	im.Sample(rand.New(rand.NewPCG(1, 2)), x)
	for i := 0; i < len(x); i += 16 {
		// Each drawn image is one of the five, its pixels / 255.
		first := int(x[i]*255 + 0.5)
		if first%16 != 0 || first/16 >= 5 {
			t.Fatalf("image %d starts with %v", i/16, x[i])
		}
		for k := range 16 {
			if x[i+k] != float32(first+k)/255 {
				t.Fatalf("image %d pixel %d is %v", i/16, k, x[i+k])
			}
		}
	}
	if _, err := LoadMNIST(dir, "t10k"); err == nil || !strings.Contains(err.Error(), "no t10k-images-idx3-ubyte") {
		t.Errorf("a missing split: %v", err)
	}
	if _, err := LoadMNIST(filepath.Join(dir, "nothing"), "train"); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("a missing folder: %v", err)
	}
	os.WriteFile(filepath.Join(raw, "train-labels-idx1-ubyte"), idxBytes([]int{4}, []byte{3, 1, 4, 1}), 0o644)
	if _, err := LoadMNIST(dir, "train"); err == nil || !strings.Contains(err.Error(), "[4] labels for 5 images") {
		t.Errorf("labels of another count: %v", err)
	}
	os.WriteFile(filepath.Join(raw, "train-images-idx3-ubyte.gz"), gzipped(idxBytes([]int{80}, pixels)), 0o644)
	if _, err := LoadMNIST(dir, "train"); err == nil || !strings.Contains(err.Error(), "not images") {
		t.Errorf("a vector file as images: %v", err)
	}
}

// TestFashionMNIST reads Debian's dataset-fashion-mnist where it is installed.
func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed")
	}
	for split, n := range map[string]int{"train": 60000, "t10k": 10000} {
		im, err := LoadMNIST(dir, split)
		if err != nil {
			t.Fatal(err)
		}
		if im.Len() != n || im.C != 1 || im.H != 28 || im.W != 28 || im.Classes != 10 {
			t.Errorf("%s: %d images of %dx%dx%d, %d classes", split, im.Len(), im.C, im.H, im.W, im.Classes)
		}
	}
}

// TestImageModelFile trains a few steps on images, with an MLP and with the UNet, and reads the
// model file back: the shape and the shared normalisation are recorded once, not per pixel.
func TestImageModelFile(t *testing.T) {
	for _, arch := range []string{ArchMLP, ArchUNet} {
		t.Run(arch, func(t *testing.T) { testImageModelFile(t, arch) })
	}
}

func testImageModelFile(t *testing.T, arch string) {
	im := &Images{Source: "mnist:test", C: 1, H: 4, W: 4, Pixels: make([]byte, 6*16)}
	for i := range im.Pixels {
		im.Pixels[i] = byte(i * 5)
	}
	cfg := DefaultTrainConfig()
	cfg.Data, cfg.Arch, cfg.Hidden, cfg.Channels, cfg.Batch, cfg.Steps = im, arch, []int{8}, 2, 4, 2
	tr, err := NewTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for tr.Step < cfg.Steps {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	m := tr.Model()
	meta := m.Metadata()
	if meta[keyShape] != "1,4,4" || meta[keyMean] != "0.1307" || meta[keyStd] != "0.3081" {
		t.Fatalf("metadata shape %q, mean %q, std %q", meta[keyShape], meta[keyMean], meta[keyStd])
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	got, err := ParseModel(b.Bytes(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape, []int{1, 4, 4}) || !slices.Equal(got.Stats.Mean, m.Stats.Mean) || !slices.Equal(got.Stats.Std, m.Stats.Std) {
		t.Fatalf("read back shape %v, stats %v", got.Shape, got.Stats)
	}
	if _, isUNet := got.Net.(*UNetNetwork); isUNet != (arch == ArchUNet) || !slices.Equal(got.Net.params(), m.Net.params()) {
		t.Fatalf("read back a %T, its weights equal: %v", got.Net, slices.Equal(got.Net.params(), m.Net.params()))
	}
	for _, bad := range []string{"1,4", "1,4,5", "0,4,4", "a,b,c", "1,4,4,1"} {
		meta := m.Metadata()
		meta[keyShape] = bad
		var b bytes.Buffer
		nn.WriteSafetensors(&b, m.Net.tensors(), meta)
		if _, err := ParseModel(b.Bytes(), LoadOptions{}); err == nil || !strings.Contains(err.Error(), keyShape) {
			t.Errorf("shape %q: %v", bad, err)
		}
	}
}
