package fm

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// allocPerByte and allocSlack bound what ParseModel may allocate for an input of n bytes:
// allocPerByte*n + allocSlack. The largest ratio comes from a header of many tiny metadata
// keys, each of which costs an entry in the metadata map and one in the header parser's set of
// keys seen (measured: 28 times the input at 1000 keys of 3 characters); model data costs at
// most 6 times its size (bfloat16 decoded to float32, then the network's weights and
// gradients).
const (
	allocPerByte = 48
	allocSlack   = 32 << 10
)

// fuzzSeeds are valid files of every kind ParseModel reads, and the hostile files of
// testdata/bad.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	write := func(tensors []nn.Tensor, meta map[string]string) {
		var b bytes.Buffer
		if err := nn.WriteSafetensors(&b, tensors, meta); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	for _, mutate := range []func(*TrainConfig){
		nil,
		func(c *TrainConfig) { c.Path, c.Act, c.TimeFirst, c.EMA = NewPath(VP), nn.GELU, true, 0.9 },
		func(c *TrainConfig) { c.Hidden = nil },
	} {
		c := DefaultTrainConfig()
		c.Hidden, c.Batch, c.Steps = []int{4, 4}, 8, 2
		if mutate != nil {
			mutate(&c)
		}
		tr, err := NewTrainer(c)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := tr.TrainStep(); err != nil {
			f.Fatal(err)
		}
		m := tr.Model()
		write(m.MLP().StateDict("main"), m.Metadata())
		var ckpt bytes.Buffer
		if err := tr.WriteCheckpoint(&ckpt); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, ckpt.Bytes())
		write(m.MLP().StateDict("main"), nil)                                  // PyTorch's state dict
		write(m.MLP().StateDict(""), map[string]string{"format": "pt"})        // saved by safetensors.torch
		write(m.MLP().StateDict("model.net"), map[string]string{"epoch": "3"}) // a deeper prefix
	}
	bad, _ := filepath.Glob("../testdata/bad/*.safetensors")
	for _, path := range bad {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzParseModel feeds ParseModel mutations of valid model files, with and without fmtiny's
// metadata, and of checkpoints, as whole files.
func FuzzParseModel(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(checkParseModel)
}

// FuzzParseModelParts feeds ParseModel files assembled from a header and data, so that the
// mutations reach past the header's length into the JSON, the metadata and the layers.
func FuzzParseModelParts(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if len(s) < 8 {
			continue
		}
		n := binary.LittleEndian.Uint64(s)
		if n > uint64(len(s)-8) {
			continue
		}
		f.Add(string(s[8:8+n]), s[8+n:])
	}
	f.Fuzz(func(t *testing.T, header string, data []byte) {
		file := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(header)+len(data)), uint64(len(header)))
		checkParseModel(t, append(append(file, header...), data...))
	})
}

// checkParseModel parses data. It must not panic, must allocate no more than a small multiple
// of its input, and what it accepts must be a velocity field that samples without panicking and
// writes back to a file that reads as the same model.
func checkParseModel(t *testing.T, data []byte) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := ParseModel(data, LoadOptions{})
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(allocPerByte*len(data)+allocSlack) {
		t.Fatalf("%d bytes allocated for an input of %d", alloc, len(data))
	}
	if err != nil {
		if m != nil {
			t.Fatal("a model returned with an error")
		}
		return
	}
	d := m.Dim()
	switch {
	case d < 1 || m.MLP().In != d+1:
		t.Fatalf("a network of %d inputs and %d outputs", m.MLP().In, m.MLP().Out)
	case len(m.Stats.Mean) != d || len(m.Stats.Std) != d:
		t.Fatalf("statistics of %d and %d columns for %d dimensions", len(m.Stats.Mean), len(m.Stats.Std), d)
	case m.Path.Validate() != nil:
		t.Fatalf("path %+v: %v", m.Path, m.Path.Validate())
	case m.Extra == nil:
		t.Fatal("no Extra map")
	}
	for j := range d {
		if s := m.Stats.Std[j]; !(s > 0) || math.IsInf(s, 0) || math.IsNaN(m.Stats.Mean[j]) || math.IsInf(m.Stats.Mean[j], 0) {
			t.Fatalf("column %d: mean %v, std %v", j, m.Stats.Mean[j], s)
		}
	}
	for i, p := range m.MLP().Params {
		if math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
			t.Fatalf("parameter %d is %v", i, p)
		}
	}
	// It samples: an error (a field that overflows) is allowed, a panic is not.
	if _, err := m.Sample(SampleOptions{N: 3, Method: ode.Euler, Steps: 1}); err != nil {
		t.Logf("sample: %v", err)
	}
	// Written back, it reads as the same model, which writes the same bytes again.
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatalf("write: %v", err)
	}
	again, err := ParseModel(buf.Bytes(), LoadOptions{})
	if err != nil {
		t.Fatalf("the model written back does not read: %v", err)
	}
	if again.Inferred || again.MLP().Act != m.MLP().Act || again.MLP().TimeFirst != m.MLP().TimeFirst ||
		!slices.Equal(again.MLP().Hidden, m.MLP().Hidden) || again.Path != m.Path ||
		!slices.Equal(again.Stats.Mean, m.Stats.Mean) || !slices.Equal(again.Stats.Std, m.Stats.Std) ||
		again.Data != m.Data || again.Steps != m.Steps || again.Seed != m.Seed {
		t.Fatalf("read back as another model:\n%+v\n%+v", again, m)
	}
	for i := range m.MLP().Params {
		if math.Float32bits(again.MLP().Params[i]) != math.Float32bits(m.MLP().Params[i]) {
			t.Fatalf("parameter %d changed from %v to %v", i, m.MLP().Params[i], again.MLP().Params[i])
		}
	}
	var buf2 bytes.Buffer
	if _, err := again.WriteTo(&buf2); err != nil || !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Fatalf("written twice, the bytes differ (%v)", err)
	}
}
