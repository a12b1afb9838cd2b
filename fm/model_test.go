package fm

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/nn"
)

func smallTrainer(t *testing.T, mutate func(*TrainConfig)) *Trainer {
	t.Helper()
	c := DefaultTrainConfig()
	c.Hidden, c.Batch, c.Steps = []int{16, 16}, 32, 20
	if mutate != nil {
		mutate(&c)
	}
	tr, err := NewTrainer(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestModelRoundTrip(t *testing.T) {
	tr := smallTrainer(t, func(c *TrainConfig) { c.Path = NewPath(VP); c.Act = nn.GELU; c.TimeFirst = true })
	for i := 0; i < 3; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	m := tr.Model()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadModel(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Inferred || got.MLP().Act != nn.GELU || !got.MLP().TimeFirst || got.Path != m.Path ||
		!slices.Equal(got.MLP().Params, m.MLP().Params) || !slices.Equal(got.Stats.Mean, m.Stats.Mean) ||
		got.Steps != 3 || got.Data != "checkerboard" || got.Extra["train.batch"] != "32" {
		t.Fatalf("round trip changed the model: %+v", got)
	}
	// Writing what was read gives the same bytes.
	var a, b bytes.Buffer
	m.WriteTo(&a)
	got.WriteTo(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("a model read and written again differs from the file")
	}
	// Options may repeat the file's settings but not contradict them.
	relu, first := nn.ReLU, true
	if _, err := LoadModel(path, LoadOptions{TimeFirst: &first}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(path, LoadOptions{Act: &relu}); err == nil || !strings.Contains(err.Error(), "activation is gelu") {
		t.Fatalf("a contradicting --act was accepted: %v", err)
	}
}

// TestLoadPlainStateDict loads a state dict without fmtiny's metadata, as PyTorch writes it.
func TestLoadPlainStateDict(t *testing.T) {
	net, _ := nn.New(nn.Config{In: 3, Hidden: []int{8, 8}, Out: 2})
	var buf bytes.Buffer
	if err := nn.WriteSafetensors(&buf, net.StateDict("main"), map[string]string{"framework": "pt"}); err != nil {
		t.Fatal(err)
	}
	m, err := ParseModel(buf.Bytes(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Inferred || m.MLP().Act != nn.SiLU || m.MLP().TimeFirst || m.Path.Schedule != CondOT ||
		m.Stats.Std[0] != 1 || m.Extra["framework"] != "pt" {
		t.Fatalf("plain state dict loaded as %+v", m)
	}
	relu, first := nn.ReLU, true
	m, err = ParseModel(buf.Bytes(), LoadOptions{Act: &relu, TimeFirst: &first})
	if err != nil || m.MLP().Act != nn.ReLU || !m.MLP().TimeFirst {
		t.Fatalf("options not applied: %v %+v", err, m)
	}
}

func TestLoadModelErrors(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, nil)
	m := tr.Model()
	var good bytes.Buffer
	m.WriteTo(&good)
	withMeta := func(key, value string) []byte {
		meta := m.Metadata()
		if value == "" {
			delete(meta, key)
		} else {
			meta[key] = value
		}
		var b bytes.Buffer
		nn.WriteSafetensors(&b, m.MLP().StateDict("main"), meta)
		return b.Bytes()
	}
	notVelocity, _ := nn.New(nn.Config{In: 3, Hidden: []int{4}, Out: 3})
	var nv bytes.Buffer
	nn.WriteSafetensors(&nv, notVelocity.StateDict("main"), nil)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good.Bytes()[:good.Len()-5], "cover"},
		{"empty", nil, "too short"},
		{"format", withMeta(keyFormat, "fmtiny/9"), "newer fmtiny"},
		{"activation", withMeta(keyAct, "swoosh"), "unknown activation"},
		{"time", withMeta(keyTime, "middle"), "want first or last"},
		{"path", withMeta(keyPath, "nope"), "unknown path"},
		{"mean count", withMeta(keyMean, "1,2,3"), "3 values for a model of 2"},
		{"std zero", withMeta(keyStd, "1,0"), "standard deviation 0"},
		{"std nan", withMeta(keyStd, "1,NaN"), "not a finite number"},
		{"steps", withMeta(keySteps, "-4"), "not a step count"},
		{"t_end", withMeta(keyTEnd, "2"), "not in (0, 1]"},
		{"not a field", nv.Bytes(), "3 inputs to 3 outputs"},
	}
	for _, c := range cases {
		_, err := ParseModel(c.data, LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// Files that are not models at all.
	if _, err := LoadModel(dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := LoadModel("/dev/zero", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	if _, err := LoadModel(filepath.Join(dir, "missing"), LoadOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
