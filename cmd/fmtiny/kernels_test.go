package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/asm"
)

// execWithKernels runs the fmtiny binary as a child process with FMTINY_KERNELS set to value.
func execWithKernels(t *testing.T, value string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(fmtinyBinary(t), args...)
	cmd.Env = append(os.Environ(), asm.KernelsEnv+"="+value)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("fmtiny %s: %v", strings.Join(args, " "), err)
	}
	return result{args: args, status: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// TestKernelsEnv runs fmtiny with FMTINY_KERNELS naming no set, and naming a set this machine
// cannot run: every command stops before it starts, with exit status 1, one line on stderr
// that names the variable, its value and why, nothing on stdout and no file written. A set
// the machine runs is the one that version and info report.
func TestKernelsEnv(t *testing.T) {
	good, err := filepath.Abs(filepath.Join(badDir, "model-good.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.safetensors")
	commands := [][]string{
		{"train", "--steps", "2", "--hidden", "8", "--layers", "1", "--batch", "16", "--quiet", "-o", out},
		{"sample", "-m", good, "-n", "3"},
		{"info", good},
		{"version"},
		{"--help"},
	}
	unsupported := "neon" // a set of another architecture
	if runtime.GOARCH == "arm64" {
		unsupported = "avx512"
	}
	for _, tc := range []struct{ value, words string }{
		{"bogus", "fmtiny: FMTINY_KERNELS=bogus: no such kernel set (want avx512, avx2-fma, neon, go)"},
		{unsupported, "fmtiny: FMTINY_KERNELS=" + unsupported + ": this CPU or build cannot run the " + unsupported + " kernels"},
	} {
		for _, args := range commands {
			t.Run(tc.value+"/"+args[0], func(t *testing.T) {
				r := execWithKernels(t, tc.value, args...)
				checkFailure(t, r, 1, tc.words)
			})
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused train wrote %s: %v", out, err)
	}
	for _, s := range asm.Sets() {
		t.Run("runs/"+s.Name, func(t *testing.T) {
			r := execWithKernels(t, s.Name, "version")
			checkSuccess(t, r)
			if !strings.Contains(r.stdout, "kernels "+s.Name+")") {
				t.Errorf("version does not name the kernels %s:\n%v", s.Name, r)
			}
			r = execWithKernels(t, s.Name, "info", good)
			checkSuccess(t, r)
			if !strings.Contains(r.stdout, "kernels") || !strings.Contains(r.stdout, s.Name+" on this machine") {
				t.Errorf("info does not name the kernels %s:\n%v", s.Name, r)
			}
		})
	}
}
