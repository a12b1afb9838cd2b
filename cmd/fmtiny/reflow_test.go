package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// This file runs fmtiny reflow: end to end in-process, and interrupted with signals and resumed
// to the very student an uninterrupted run makes.

func TestReflowCommand(t *testing.T) {
	teacher := trainedModel(t)
	dir := t.TempDir()
	student := filepath.Join(dir, "student.safetensors")
	r := inProcess("reflow", "-m", teacher, "--pairs", "500", "--steps", "40", "--distill", "--distill-steps", "30", "--batch", "64", "-o", student)
	checkSuccess(t, r)
	for _, want := range []string{"fmtiny: reflow of " + teacher + ": 1 round(s) and a distillation",
		"fmtiny: round 1 of 1: 500 pairs from the teacher (dopri5, rtol 1e-05, atol 1e-05: ",
		"fmtiny: distillation: 500 pairs from the teacher", "fmtiny: saved " + student + " after 1 round(s) and a distillation"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("reflow did not say %q:\n%v", want, r)
		}
	}
	if _, err := os.Stat(student + ".ckpt"); err == nil {
		t.Fatal("a finished reflow left its checkpoint")
	}
	info := inProcess("info", student)
	checkSuccess(t, info)
	for _, want := range []string{"reflow.rounds       1", "reflow.distilled    true", "reflow.pairs        500", "training            30 steps", "train.time_zero     true"} {
		if !strings.Contains(info.stdout, want) {
			t.Fatalf("info does not say %q:\n%s", want, info.stdout)
		}
	}
	if _, table := readPoints(t, sample(t, "-m", student, "-n", "100", "--solver", "euler", "--steps", "1")); table.Rows() != 100 {
		t.Fatalf("%d points", table.Rows())
	}
	checkSuccess(t, inProcess("eval", "-m", student, "-n", "200", "--solver", "euler", "--steps", "1"))
	// Two rounds without distillation.
	r = inProcess("reflow", "-m", teacher, "--pairs", "300", "--steps", "20", "--rounds", "2", "--batch", "32", "--quiet", "-o", student)
	checkSuccess(t, r)
	if r.stderr != "" {
		t.Fatalf("--quiet reflow wrote:\n%v", r)
	}
	if info := inProcess("info", student); !strings.Contains(info.stdout, "reflow.rounds       2") || !strings.Contains(info.stdout, "reflow.distilled    false") {
		t.Fatalf("info:\n%s", info.stdout)
	}
}

// TestReflowInterruptResume interrupts a reflow of a round and a distillation with SIGINT,
// resumes it, interrupts it again with SIGTERM, and resumes it to the end: the student is the
// uninterrupted run's, byte for byte.
func TestReflowInterruptResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	// Each stage about twice as long as runSteps calibrated, so that an interruption lands in
	// the run whatever the machine's load does meanwhile.
	steps := strconv.Itoa(2 * runSteps(t))
	dir := t.TempDir()
	teacher := filepath.Join(dir, "teacher.safetensors")
	checkSuccess(t, execFmtiny(t, trainArgs(teacher, 300, "--quiet")...))
	args := func(out string, extra ...string) []string {
		return append([]string{"reflow", "-m", teacher, "--pairs", "2000", "--steps", steps, "--distill", "--distill-steps", steps,
			"--batch", "128", "--threads", "2", "--checkpoint-every", "0", "-o", out}, extra...)
	}
	ref := filepath.Join(dir, "reference.safetensors")
	checkSuccess(t, execFmtiny(t, args(ref, "--quiet")...))
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	out := filepath.Join(dir, "student.safetensors")
	interrupt := func(sig syscall.Signal, extra ...string) string {
		t.Helper()
		c := start(t, "pairs from the teacher", args(out, extra...)...)
		select {
		case <-c.stderr.seen:
		case <-time.After(time.Minute):
			c.cmd.Process.Kill()
			t.Fatalf("no word from reflow after a minute:\n%v", c.wait(t))
		}
		time.Sleep(time.Duration(100+rng.IntN(800)) * time.Millisecond)
		if err := c.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		r := c.wait(t)
		checkNoPanic(t, r)
		if r.status == 0 {
			t.Fatalf("the reflow ended before %v reached it: lengthen it\n%v", sig, r)
		}
		if r.status != 128+int(sig) {
			t.Fatalf("%v: exit status %d\n%v", sig, r.status, r)
		}
		m := regexp.MustCompile(`^fmtiny: interrupted \(\w+\) at step \d+ of \d+ of the (round 1 of 1|distillation); checkpoint saved to .+: add --resume to continue$`).FindStringSubmatch(lastLine(r.stderr))
		if m == nil {
			t.Fatalf("the last line does not say where the reflow stopped:\n%v", r)
		}
		return lastLine(r.stderr)
	}
	first := interrupt(syscall.SIGINT)
	second := interrupt(syscall.SIGTERM, "--resume")
	t.Logf("%s\n%s", first, second)
	checkSuccess(t, execFmtiny(t, args(out, "--resume")...))
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the resumed reflow's student differs from the uninterrupted run's")
	}
	if _, err := os.Stat(out + ".ckpt"); err == nil {
		t.Fatal("the finished reflow left its checkpoint")
	}
}
