package fileio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAtomic checks that a failed write leaves the old file whole and no temporary
// file behind.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("old")); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := WriteAtomic(path, func(w io.Writer) error { w.Write([]byte("half")); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("the old file became %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
	if err := WriteAtomic(dir, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("wrote over a directory")
	}
	if err := WriteAtomic(filepath.Join(dir, "no", "such"), func(io.Writer) error { return nil }); err == nil {
		t.Fatal("wrote into a missing folder")
	}
}

func TestReadLimited(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	os.WriteFile(path, []byte("12345"), 0o644)
	if b, err := ReadLimited(path, 5); err != nil || string(b) != "12345" {
		t.Fatalf("%q, %v", b, err)
	}
	for _, c := range []struct {
		path  string
		limit int64
		want  string
	}{{path, 4, "more than the 4"}, {dir, 10, "is a directory"}, {"/dev/zero", 10, "not a regular file"}, {filepath.Join(dir, "none"), 10, "no such file"}} {
		if _, err := ReadLimited(c.path, c.limit); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
	}
}

// TestRemoveStaleTemporaries removes what a killed WriteAtomic left, and nothing else.
func TestRemoveStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	keep := []string{"model.safetensors", ".model.safetensors.tmpx1", ".model.safetensors.tmp", ".other.tmp123"}
	for _, n := range append([]string{".model.safetensors.tmp123", ".model.safetensors.tmp9"}, keep...) {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	if err := RemoveStaleTemporaries(path); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if len(left) != len(keep) {
		t.Fatalf("left %v, want %v", left, keep)
	}
}

// asTarget is an error that other errors turn into through their As method.
type asTarget struct{ s string }

func (e *asTarget) Error() string { return e.s }

type asSource struct{}

func (asSource) Error() string { return "source" }

func (asSource) As(target any) bool {
	if p, ok := target.(**asTarget); ok {
		*p = &asTarget{"made"}
		return true
	}
	return false
}

// TestAs checks As against errors.As: wrapped, joined, through an As method, and absent.
func TestAs(t *testing.T) {
	pe := &os.PathError{Op: "open", Path: "x", Err: os.ErrNotExist}
	for _, err := range []error{
		nil, pe, errors.New("plain"), fmt.Errorf("a: %w", pe), fmt.Errorf("a: %w", fmt.Errorf("b: %w", pe)),
		errors.Join(errors.New("first"), fmt.Errorf("c: %w", pe)), fmt.Errorf("%w and %w", io.EOF, pe),
		asSource{}, fmt.Errorf("d: %w", asSource{}), errors.Join(nil, asSource{}),
	} {
		var want *os.PathError
		wantOK := errors.As(err, &want)
		if got, ok := As[*os.PathError](err); ok != wantOK || got != want {
			t.Errorf("As[*os.PathError](%v) = %v, %v; errors.As says %v, %v", err, got, ok, want, wantOK)
		}
		var wantT *asTarget
		wantOK = errors.As(err, &wantT)
		if got, ok := As[*asTarget](err); ok != wantOK || (ok && got.s != wantT.s) {
			t.Errorf("As[*asTarget](%v) = %v, %v; errors.As says %v, %v", err, got, ok, wantT, wantOK)
		}
	}
}
