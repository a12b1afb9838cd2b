package plot

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pic.png")
	img := must(DensityPanels([]*Data{sample("w", uniform(500, 0, 1, 0, 1, 1))}, Options{}))
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, encode(t, img)) {
		t.Error("the file is not the image's PNG encoding")
	}
	back, err := png.Decode(bytes.NewReader(raw))
	if err != nil || back.Bounds() != img.Bounds() {
		t.Fatalf("decode: %v, bounds %v", err, back.Bounds())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// Rewriting replaces the file, and leaves nothing else in the folder.
	small := image.NewRGBA(image.Rect(0, 0, 3, 2))
	if err := WritePNG(path, small); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); !bytes.Equal(raw, encode(t, small)) {
		t.Error("rewriting did not replace the file")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"pic.png"}) {
		t.Errorf("folder holds %v", names)
	}
}

func TestWritePNGFailures(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.png")
	if err := os.WriteFile(path, []byte("old picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An image PNG cannot encode fails the write and leaves the old file as it was.
	err := WritePNG(path, image.NewRGBA(image.Rect(0, 0, 0, 0)))
	if err == nil || !strings.Contains(err.Error(), "write "+path) {
		t.Errorf("empty image: %v", err)
	}
	if raw, _ := os.ReadFile(path); string(raw) != "old picture" {
		t.Errorf("old file now %q", raw)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"old.png"}) {
		t.Errorf("folder holds %v after a failed write", names)
	}
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	if err := WritePNG(filepath.Join(dir, "no", "such", "folder.png"), img); err == nil {
		t.Error("a missing folder: no error")
	}
	if err := WritePNG(dir, img); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("a folder as the path: %v", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"old.png"}) {
		t.Errorf("folder holds %v after failed writes", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
