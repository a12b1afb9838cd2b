//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// This file writes where writing fails: a full file system (a small tmpfs, filled), /dev/full
// as stdout, and a folder that cannot be written. Every such write is an error of one line,
// and the file that was there before stays whole.

// mountTmpfs mounts a tmpfs at a new folder, or skips t where mounting is not allowed (not root,
// or a container without the capability).
func mountTmpfs(t *testing.T, flags uintptr, options string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, options); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); this test needs root", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// earlierOutputs makes, on an ordinary disk, a model, a CSV of points and a picture for the tests
// to write over.
func earlierOutputs(t *testing.T) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	model := trainedModel(t)
	points := filepath.Join(dir, "points.csv")
	picture := filepath.Join(dir, "picture.png")
	checkSuccess(t, inProcess("sample", "-m", model, "-n", "100", "-o", points))
	checkSuccess(t, inProcess("plot", points, "-o", picture, "--size", "100"))
	files := map[string][]byte{}
	for name, p := range map[string]string{"model.safetensors": model, "points.csv": points, "picture.png": picture} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// TestFullDisk writes a model, a checkpoint, points and a picture over earlier ones on a full
// file system: each is an error naming the file and the full disk, and the earlier file stays.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 0, "size=256k")
	earlier := earlierOutputs(t)
	for name, data := range earlier {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Fill what is left.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for block := make([]byte, 4096); err == nil; {
		_, err = filler.Write(block)
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs: %v", err)
	}
	filler.Close()

	src := t.TempDir()
	model := filepath.Join(src, "model.safetensors")
	points := filepath.Join(src, "points.csv")
	for name, path := range map[string]string{"model.safetensors": model, "points.csv": points} {
		if err := os.WriteFile(path, earlier[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	train := []string{"train", "--steps", "20", "--hidden", "32", "--layers", "2", "--batch", "64", "--quiet"}
	for _, c := range []struct {
		name  string
		args  []string
		words string
	}{
		{"model", append(train, "-o", filepath.Join(dir, "model.safetensors")), "write " + filepath.Join(dir, "model.safetensors") + ": no space left on device"},
		{"checkpoint", append(train, "--checkpoint-every", "5", "-o", filepath.Join(dir, "model.safetensors")), "write " + filepath.Join(dir, "model.safetensors.ckpt") + ": no space left on device"},
		{"points", []string{"sample", "-m", model, "-n", "50", "-o", filepath.Join(dir, "points.csv")}, "write " + filepath.Join(dir, "points.csv") + ": no space left on device"},
		{"snapshots", []string{"sample", "-m", model, "-n", "50", "--at", "0,0.5,1", "-o", filepath.Join(dir, "points.csv")}, "no space left on device"},
		{"picture", []string{"plot", points, "--size", "100", "-o", filepath.Join(dir, "picture.png")}, "write " + filepath.Join(dir, "picture.png") + ": no space left on device"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			r := inProcess(c.args...)
			checkFailure(t, r, 1, c.words)
			checkUnchanged(t, dir, before, r)
		})
	}
	for name, data := range earlier {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s did not stay whole: %v", name, err)
		}
	}
}

// TestStdoutFull sends every command's output to /dev/full: an error, not a silent loss.
func TestStdoutFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	model := trainedModel(t)
	for _, args := range [][]string{
		{"sample", "-m", model},
		{"sample", "-m", model, "--trajectory", "-n", "50"},
		{"eval", "-m", model, "-n", "100"},
		{"eval", "-m", model, "-n", "100", "--json"},
		{"info", model},
		{"version"},
	} {
		var stderr bytes.Buffer
		r := result{args: args, status: run(args, full, &stderr), stderr: stderr.String()}
		checkFailure(t, r, 1, "no space left on device")
	}
}

// TestReadOnlyFolder writes into a folder that cannot be written: an error before any work,
// and nothing in the folder. As root, whom a chmod 0555 folder does not stop, a read-only
// tmpfs stands in for it.
func TestReadOnlyFolder(t *testing.T) {
	var dir string
	if os.Geteuid() == 0 {
		t.Log("running as root, whom mode 0555 does not stop: a read-only tmpfs stands in for the folder")
		dir = mountTmpfs(t, syscall.MS_RDONLY, "size=64k")
	} else {
		dir = t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	src := t.TempDir()
	model := trainedModel(t)
	points := filepath.Join(src, "points.csv")
	checkSuccess(t, inProcess("sample", "-m", model, "-n", "50", "-o", points))
	for _, args := range [][]string{
		{"train", "--steps", "5", "-o", filepath.Join(dir, "model.safetensors")},
		{"sample", "-m", model, "-o", filepath.Join(dir, "points.csv")},
		{"plot", points, "-o", filepath.Join(dir, "picture.png")},
	} {
		r := inProcess(args...)
		checkFailure(t, r, 1, args[len(args)-1]+": cannot write in "+dir)
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Fatalf("%s holds %v after\n%v", dir, ents, r)
		}
	}
}
