package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// This file holds what the command line's tests share: the fmtiny binary, built once per test
// binary, two ways to run a command line (in this process through run, or as a child process),
// and the checks every failure must pass.

// buildTags are the tags the test binary was built with that change the command's code
// (purego_test.go adds "purego"), so that the child binary runs the same kernels.
var buildTags []string

// built is the fmtiny binary that the tests needing a real process run.
var built struct {
	once sync.Once
	dir  string // the temporary folder holding it, removed by TestMain
	path string
	skip string // why this machine cannot run it, if it cannot
	err  error
}

// TestMain removes the binary and the shared models after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{built.dir, trained.dir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// buildBinary builds the fmtiny binary on first use. Under qemu-user (GOARCH=arm64 go test
// -exec qemu-aarch64-static) the test binary runs, but a child process of the emulated
// architecture cannot start without binfmt_misc: the tests that need a real process (signals,
// kill -9, exit statuses as a shell sees them) skip there, and the others run in-process.
func buildBinary() {
	built.once.Do(func() {
		// If this test binary cannot start itself, it runs emulated and a child fmtiny of the
		// same architecture cannot start either: do not spend a build on it.
		if err := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1").Run(); err != nil {
			built.skip = fmt.Sprintf("this machine cannot start a %s/%s child process (%v): emulated?", runtime.GOOS, runtime.GOARCH, err)
			return
		}
		if _, err := exec.LookPath("go"); err != nil {
			built.skip = "no go command to build fmtiny with"
			return
		}
		dir, err := os.MkdirTemp("", "fmtiny-test-bin")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		path := filepath.Join(dir, "fmtiny")
		args := []string{"build", "-o", path}
		if len(buildTags) > 0 {
			args = append(args, "-tags", strings.Join(buildTags, ","))
		}
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.path = path
	})
}

// fmtinyBinary returns the path of the fmtiny binary, or skips t when this machine cannot
// start it.
func fmtinyBinary(t testing.TB) string {
	t.Helper()
	buildBinary()
	switch {
	case built.err != nil:
		t.Fatal(built.err)
	case built.skip != "":
		t.Skip(built.skip)
	}
	return built.path
}

// canExec reports whether this machine can run the fmtiny binary.
func canExec(t testing.TB) bool {
	t.Helper()
	buildBinary()
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path != ""
}

// result is what one command line did.
type result struct {
	args           []string
	status         int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("fmtiny %s: status %d\nstdout (%d bytes): %.300q\nstderr: %.2000s", strings.Join(r.args, " "), r.status, len(r.stdout), r.stdout, r.stderr)
}

// inProcess runs a command line through run, as main does, in this process.
func inProcess(args ...string) result {
	var stdout, stderr bytes.Buffer
	status := run(args, &stdout, &stderr)
	return result{args: args, status: status, stdout: stdout.String(), stderr: stderr.String()}
}

// execFmtiny runs the fmtiny binary as a child process.
func execFmtiny(t testing.TB, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(fmtinyBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("fmtiny %s: %v", strings.Join(args, " "), err)
	}
	return result{args: args, status: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// runner picks how a test runs command lines: the binary where this machine can start it, so
// that exit statuses and output are what a shell sees, otherwise in-process.
func runner(t *testing.T) func(t testing.TB, args ...string) result {
	if canExec(t) {
		return execFmtiny
	}
	t.Logf("running the command in-process: %s", built.skip)
	return func(_ testing.TB, args ...string) result { return inProcess(args...) }
}

// checkSuccess fails t unless r succeeded without a word of error.
func checkSuccess(t testing.TB, r result) {
	t.Helper()
	if r.status != 0 {
		t.Fatalf("failed:\n%v", r)
	}
	checkNoPanic(t, r)
}

// checkNoPanic fails t if the output holds a trace of a Go panic or of the runtime's fatal
// errors: nothing fmtiny is given may reach one.
func checkNoPanic(t testing.TB, r result) {
	t.Helper()
	for _, s := range []string{r.stderr, r.stdout} {
		for _, bad := range []string{"panic", "goroutine", "fatal error", "runtime error"} {
			if strings.Contains(s, bad) {
				t.Fatalf("output holds %q:\n%v", bad, r)
			}
		}
	}
}

// checkFailure fails t unless r failed with exit status want, wrote nothing on stdout and
// exactly one line on stderr, "fmtiny: what: why", that contains every one of words.
func checkFailure(t testing.TB, r result, want int, words ...string) {
	t.Helper()
	checkNoPanic(t, r)
	line := strings.TrimSuffix(r.stderr, "\n")
	switch {
	case r.status != want:
		t.Fatalf("exit status %d, want %d:\n%v", r.status, want, r)
	case r.stdout != "":
		t.Fatalf("a failed command wrote on stdout:\n%v", r)
	case !strings.HasSuffix(r.stderr, "\n") || strings.Contains(line, "\n"):
		t.Fatalf("stderr is not exactly one line:\n%v", r)
	}
	checkErrorLine(t, r, line, words...)
}

// checkErrorLine checks one error line's form and words.
func checkErrorLine(t testing.TB, r result, line string, words ...string) {
	t.Helper()
	what, why, ok := strings.Cut(strings.TrimPrefix(line, "fmtiny: "), ": ")
	if !strings.HasPrefix(line, "fmtiny: ") || !ok || what == "" || why == "" {
		t.Fatalf("error line %q is not \"fmtiny: what: why\":\n%v", line, r)
	}
	for _, w := range words {
		if !strings.Contains(line, w) {
			t.Fatalf("error line %q does not contain %q:\n%v", line, w, r)
		}
	}
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// snapshot maps every file and folder under dir to a hash of its contents and mode, so that a
// test can tell whether a command created, changed or removed anything there.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !info.Mode().IsRegular() {
			files[rel] = info.Mode().String()
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[rel] = fmt.Sprintf("%v %x", info.Mode(), sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkUnchanged fails t if dir differs from its snapshot before.
func checkUnchanged(t testing.TB, dir string, before map[string]string, r result) {
	t.Helper()
	after := snapshot(t, dir)
	for name, h := range before {
		if after[name] == "" {
			t.Errorf("%s was removed by\n%v", name, r)
		} else if after[name] != h {
			t.Errorf("%s was changed by\n%v", name, r)
		}
	}
	for name := range after {
		if before[name] == "" {
			t.Errorf("%s was created by\n%v", name, r)
		}
	}
}
