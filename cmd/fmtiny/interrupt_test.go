package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/nn"
)

// This file interrupts training: with SIGINT and SIGTERM, which save a checkpoint that --resume
// continues to the very model an uninterrupted run makes; with SIGKILL at random moments, which
// must leave the last checkpoint whole; and with a learning rate that makes the loss diverge.

// trainArgs is a run of a small network on two threads, about 10000 steps a second on this
// project's 2-core machine with its AVX2 kernels, six times fewer with the pure-Go ones.
func trainArgs(out string, steps int, extra ...string) []string {
	return append([]string{"train", "--steps", strconv.Itoa(steps), "--hidden", "32", "--layers", "2",
		"--batch", "128", "--seed", "7", "--threads", "2", "-o", out}, extra...)
}

var calibration struct {
	once  sync.Once
	steps int
}

// runSteps returns how many steps of trainArgs take about four seconds here, timed once: the
// interruptions need a run long enough to fall in, and no longer, whatever the kernels and the
// machine's load.
func runSteps(t *testing.T) int {
	t.Helper()
	fmtinyBinary(t) // skips here, not inside once.Do, where it cannot
	calibration.once.Do(func() {
		const probe = 10000
		start := time.Now()
		checkSuccess(t, execFmtiny(t, trainArgs(filepath.Join(t.TempDir(), "probe.safetensors"), probe, "--quiet")...))
		perStep := time.Since(start) / probe
		calibration.steps = min(max(int(4*time.Second/perStep), 1000), 800000)
	})
	if calibration.steps == 0 {
		t.Fatal("no calibration")
	}
	return calibration.steps
}

// watched collects a child's stderr and says when a given text first appears in it.
type watched struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func newWatched(want string) *watched { return &watched{want: want, seen: make(chan struct{})} }

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// child is a running fmtiny.
type child struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr *watched
}

// start starts fmtiny, its stderr watched for want.
func start(t *testing.T, want string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(fmtinyBinary(t), args...), stderr: newWatched(want)}
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

// wait waits for the child to end and returns what it did.
func (c *child) wait(t *testing.T) result {
	t.Helper()
	if err := c.cmd.Wait(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return result{args: c.cmd.Args[1:], status: c.cmd.ProcessState.ExitCode(), stdout: c.stdout.String(), stderr: c.stderr.String()}
}

// interruptAfter starts a training run, sends sig a random moment after its first line, and
// returns what it did and the step its checkpoint holds.
func interruptAfter(t *testing.T, rng *rand.Rand, sig syscall.Signal, args ...string) (result, int64) {
	t.Helper()
	c := start(t, "fmtiny: training ", args...)
	select {
	case <-c.stderr.seen:
	case <-time.After(time.Minute):
		c.cmd.Process.Kill()
		t.Fatalf("no word from training after a minute:\n%v", c.wait(t))
	}
	time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	r := c.wait(t)
	checkNoPanic(t, r)
	if r.status == 0 {
		t.Fatalf("the run ended before %v reached it: lengthen it\n%v", sig, r)
	}
	if want := 128 + int(sig); r.status != want || r.stdout != "" {
		t.Fatalf("%v: exit status %d, want %d, and nothing on stdout\n%v", sig, r.status, want, r)
	}
	m := regexp.MustCompile(`^fmtiny: interrupted \(\w+\) at step (\d+) of (\d+); checkpoint saved to (.+): add --resume to continue$`).FindStringSubmatch(lastLine(r.stderr))
	if m == nil {
		t.Fatalf("the last line does not say where the run stopped:\n%v", r)
	}
	step, _ := strconv.ParseInt(m[1], 10, 64)
	return r, step
}

// checkpointStep returns the step of the checkpoint at path, which must be whole.
func checkpointStep(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, meta, err := nn.ReadSafetensors(data)
	if err != nil {
		t.Fatalf("the checkpoint %s is damaged: %v", path, err)
	}
	if _, err := fm.ParseModel(data, fm.LoadOptions{}); err != nil {
		t.Fatalf("the checkpoint %s does not load as a model: %v", path, err)
	}
	step, err := strconv.ParseInt(meta["checkpoint.step"], 10, 64)
	if err != nil {
		t.Fatalf("the checkpoint %s has no step: %v", path, err)
	}
	return step
}

// reference trains the run uninterrupted and returns its model's bytes.
func reference(t *testing.T, dir string, steps int) []byte {
	t.Helper()
	path := filepath.Join(dir, "reference.safetensors")
	checkSuccess(t, execFmtiny(t, trainArgs(path, steps, "--quiet")...))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInterruptResume interrupts a run with SIGINT, resumes it, interrupts it again with
// SIGTERM, and resumes it to the end: its model is the uninterrupted run's, byte for byte.
func TestInterruptResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	steps := runSteps(t)
	dir := t.TempDir()
	want := reference(t, dir, steps)
	seed := uint64(time.Now().UnixNano())
	t.Logf("random moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	out := filepath.Join(dir, "model.safetensors")
	ckpt := out + ".ckpt"
	_, first := interruptAfter(t, rng, syscall.SIGINT, trainArgs(out, steps, "--checkpoint-every", "0")...)
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an interrupted run wrote its model")
	}
	if got := checkpointStep(t, ckpt); got != first || first < 1 || first >= int64(steps) {
		t.Fatalf("interrupted at step %d, the checkpoint holds step %d", first, got)
	}
	_, second := interruptAfter(t, rng, syscall.SIGTERM, trainArgs(out, steps, "--checkpoint-every", "0", "--resume")...)
	if second <= first || checkpointStep(t, ckpt) != second {
		t.Fatalf("resumed at step %d, interrupted again at step %d, the checkpoint holds %d", first, second, checkpointStep(t, ckpt))
	}
	// A flag given on resume is checked against the run's; the checkpoint is left as it was.
	r := execFmtiny(t, "train", "--resume", "-o", out, "--lr", "0.5")
	checkFailure(t, r, 1, `the checkpoint was made with lr = "0.001", this run has "0.5"`)
	if checkpointStep(t, ckpt) != second {
		t.Fatal("a refused resume changed the checkpoint")
	}
	// The checkpoint holds the run's settings: -o alone continues it.
	r = execFmtiny(t, "train", "--resume", "-o", out, "--checkpoint-every", "0")
	checkSuccess(t, r)
	if want := fmt.Sprintf("resuming the run of %s at step %d, to step %d", ckpt, second, steps); !strings.Contains(r.stderr, want) {
		t.Errorf("the resumed run did not say %q:\n%s", want, r.stderr)
	}
	t.Logf("interrupted at steps %d and %d of %d", first, second, steps)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the resumed run's model differs from the uninterrupted run's")
	}
	if _, err := os.Stat(ckpt); err == nil {
		t.Fatal("the finished run left its checkpoint")
	}
}

// TestKillResume kills a run with SIGKILL at random moments and each time resumes it (or starts
// it over, when no checkpoint was written yet): the checkpoint is always whole and never goes
// back, and the final model is the uninterrupted run's. Every other run checkpoints at every
// step, so that kills fall in the middle of a checkpoint's write too; how often a run
// checkpoints is not part of what it computes.
func TestKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	steps := runSteps(t)
	dir := t.TempDir()
	want := reference(t, dir, steps)
	seed := uint64(time.Now().UnixNano())
	t.Logf("random moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))

	out := filepath.Join(dir, "model.safetensors")
	ckpt := out + ".ckpt"
	var last int64 = -1
	var moments []string
	kills, fresh := 0, 0
	for runs := 0; ; runs++ {
		if _, err := os.Stat(out); err == nil {
			break
		}
		if runs > 40 {
			t.Fatal("no model after 40 runs")
		}
		args := trainArgs(out, steps, "--checkpoint-every", []string{"200", "1"}[runs%2], "--quiet")
		if _, err := os.Stat(ckpt); err == nil {
			args = append(args, "--resume")
		} else {
			fresh++
		}
		c := start(t, "", args...)
		if kills == 12 {
			checkSuccess(t, c.wait(t))
			break
		}
		after := time.Duration(rng.IntN(200)) * time.Millisecond
		time.Sleep(after)
		c.cmd.Process.Kill()
		r := c.wait(t)
		checkNoPanic(t, r)
		if r.status == 0 {
			continue // it finished first
		}
		kills++
		state := "no checkpoint"
		if _, err := os.Stat(ckpt); err == nil {
			step := checkpointStep(t, ckpt)
			if step < last {
				t.Fatalf("the checkpoint went back from step %d to %d", last, step)
			}
			last = step
			state = "checkpoint at step " + strconv.FormatInt(step, 10)
		}
		if _, err := os.Stat(out); err == nil {
			if _, err := fm.LoadModel(out, fm.LoadOptions{}); err != nil {
				t.Fatalf("a killed run left a damaged model: %v", err)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".model.safetensors*.tmp*")); len(left) > 0 {
			state += fmt.Sprintf(" and %d temporary files", len(left))
		}
		moments = append(moments, after.String()+": "+state)
	}
	t.Logf("%d steps, %d kills (%s), %d runs from scratch", steps, kills, strings.Join(moments, ", "), fresh)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the killed and resumed run's model differs from the uninterrupted run's")
	}
	// A kill during a write leaves its temporary file; the next run removes them.
	if left, _ := filepath.Glob(filepath.Join(dir, ".model.safetensors*.tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %q", left)
	}
}

// TestDiverge trains with a learning rate of 1e30 and a checkpoint every step: the loss becomes
// NaN or Inf, training stops with an error that says so and suggests a lower rate, no model is
// written, and the checkpoint of the last good step stays, whole.
func TestDiverge(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.safetensors")
	r := inProcess("train", "--lr", "1e30", "--checkpoint-every", "1", "--steps", "50", "--hidden", "8", "--layers", "2", "--batch", "64", "-o", out)
	checkNoPanic(t, r)
	line := lastLine(r.stderr)
	m := regexp.MustCompile(`^fmtiny: the loss became (NaN|\+Inf|-Inf) at step (\d+): training diverged; try a lower learning rate \(--lr\); the checkpoint of step (\d+) is kept in (.+)$`).FindStringSubmatch(line)
	if r.status != 1 || r.stdout != "" || m == nil {
		t.Fatalf("a diverging run did not stop with its error:\n%v", r)
	}
	checkErrorLine(t, r, line)
	diverged, _ := strconv.ParseInt(m[2], 10, 64)
	kept, _ := strconv.ParseInt(m[3], 10, 64)
	if kept != diverged-1 || m[4] != out+".ckpt" {
		t.Fatalf("diverged at step %d, kept the checkpoint of step %d in %s", diverged, kept, m[4])
	}
	if step := checkpointStep(t, out+".ckpt"); step != kept {
		t.Fatalf("the checkpoint holds step %d, the message says %d", step, kept)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a diverged run wrote its model")
	}
	// Data too large for float32, not standardised: the loss overflows before any update, and
	// the error does not blame the learning rate.
	huge := filepath.Join(dir, "huge.csv")
	if err := os.WriteFile(huge, []byte("x,y\n3e38,-3e38\n-3e38,3e38\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = inProcess("train", "--data", huge, "--standardize", "false", "--steps", "5", "--hidden", "8", "--quiet", "-o", filepath.Join(dir, "huge.safetensors"))
	checkFailure(t, r, 1, "the loss is +Inf at the first step, before any update: are the data too large for float32?")
	// Standardised, they train.
	checkSuccess(t, inProcess("train", "--data", huge, "--steps", "5", "--hidden", "8", "--quiet", "-o", filepath.Join(dir, "huge.safetensors")))
	// Without checkpoints, the error is the same but for the checkpoint.
	r = inProcess("train", "--lr", "1e30", "--checkpoint-every", "0", "--steps", "50", "--hidden", "8", "--layers", "2", "--batch", "64", "-o", filepath.Join(dir, "other.safetensors"))
	line = lastLine(r.stderr)
	if r.status != 1 || !regexp.MustCompile(`^fmtiny: the loss became \S+ at step \d+: training diverged; try a lower learning rate \(--lr\)$`).MatchString(line) {
		t.Fatalf("a diverging run without checkpoints:\n%v", r)
	}
}

// TestResumeRefused resumes a checkpoint with settings it was not made with, and a damaged one:
// each is an error of one line that says what differs, and neither the checkpoint nor the
// model is touched. The checkpoint is the one a diverging run keeps, which resumed as it was
// made diverges again the same way.
func TestResumeRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.safetensors")
	ckpt := out + ".ckpt"
	args := func(extra ...string) []string {
		return append([]string{"train", "--checkpoint-every", "1", "--steps", "50", "--hidden", "8", "--layers", "2", "--batch", "64", "-o", out}, extra...)
	}
	first := inProcess(args("--lr", "1e30")...)
	if first.status != 1 {
		t.Fatalf("the run did not diverge:\n%v", first)
	}
	kept, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		words string
	}{
		{args("--lr", "1e30", "--resume"), lastLine(first.stderr)},
		{args("--lr", "0.001", "--resume"), `resume from ` + ckpt + `: the checkpoint was made with lr = "1e+30", this run has "0.001"`},
		{append(args("--lr", "1e30", "--resume"), "--hidden", "16"), `the checkpoint was made with hidden = "8,8", this run has "16,16"`},
		{append(args("--lr", "1e30", "--resume"), "--data", "moons"), `the checkpoint was made with data = "checkerboard", this run has "moons"`},
		{append(args("--lr", "1e30", "--resume"), "--steps", "0"), "--steps 0: must be at least 1"},
	} {
		r := inProcess(c.args...)
		line := lastLine(r.stderr)
		if r.status == 0 || r.stdout != "" || !strings.Contains(line, strings.TrimPrefix(c.words, "fmtiny: ")) {
			t.Fatalf("want an error %q:\n%v", c.words, r)
		}
		checkErrorLine(t, r, line)
		checkNoPanic(t, r)
		if b, err := os.ReadFile(ckpt); err != nil || !bytes.Equal(b, kept) {
			t.Fatalf("the checkpoint changed (%v) after\n%v", err, r)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("a model was written by\n%v", r)
		}
	}
	// A damaged checkpoint: every error names it.
	for _, n := range []int{0, 7, 100, len(kept) / 2, len(kept) - 1} {
		if err := os.WriteFile(ckpt, kept[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		r := inProcess(args("--lr", "1e30", "--resume")...)
		checkFailure(t, r, 1, "resume from "+ckpt+": ")
	}
}
