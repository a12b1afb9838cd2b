package fm

import (
	"path/filepath"
	"testing"
)

// This file checks fmtiny against PyTorch on the fixtures of testdata/torch, which
// make_fixtures.py writes there (see its docstring).

const torchDir = "../testdata/torch"

// TestTorchFormatPT: {"format": "pt"} in __metadata__, as safetensors' save_model writes, is a
// PyTorch file to infer, not a file of an unknown fmtiny format.
func TestTorchFormatPT(t *testing.T) {
	m, err := LoadModel(filepath.Join(torchDir, "fb2d_pt.safetensors"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Inferred || m.Extra["format"] != "pt" {
		t.Fatalf("inferred=%v, extra metadata %v", m.Inferred, m.Extra)
	}
}
