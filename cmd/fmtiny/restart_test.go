package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRestartKeepsCheckpoint makes a checkpoint (a run that diverges keeps the last good one),
// and reruns train over it: without --resume or --restart it refuses and touches nothing;
// --resume says where it resumes; --restart starts over and keeps the old checkpoint aside.
func TestRestartKeepsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model.safetensors")
	ckpt := out + ".ckpt"
	args := func(extra ...string) []string {
		return append([]string{"train", "--checkpoint-every", "1", "--steps", "50", "--hidden", "8", "--layers", "2", "--batch", "64", "-o", out}, extra...)
	}
	if r := inProcess(args("--lr", "1e30")...); r.status != 1 {
		t.Fatalf("the run did not diverge:\n%v", r)
	}
	kept, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	step := checkpointStep(t, ckpt)

	r := inProcess(args("--lr", "1e30")...)
	checkFailure(t, r, 2, ckpt+" holds an earlier run: add --resume to continue it, or --restart to start over (moving it to "+ckpt+".old)")
	if b, err := os.ReadFile(ckpt); err != nil || !bytes.Equal(b, kept) {
		t.Fatalf("the refused run changed the checkpoint (%v)", err)
	}

	r = inProcess(args("--lr", "1e30", "--resume")...)
	want := regexp.QuoteMeta("fmtiny: resuming the run of "+ckpt+" at step ") + `(\d+)` + regexp.QuoteMeta(", to step 50 (--steps)")
	if m := regexp.MustCompile("(?m)^" + want + "$").FindStringSubmatch(r.stderr); m == nil || m[1] != strconv.FormatInt(step, 10) {
		t.Fatalf("a resumed run does not say it resumed at step %d:\n%v", step, r)
	}

	r = inProcess(args("--lr", "1e-3", "--steps", "5", "--restart")...)
	checkSuccess(t, r)
	if !strings.Contains(r.stderr, "fmtiny: starting over; the earlier run's checkpoint is now "+ckpt+".old\n") {
		t.Fatalf("--restart did not say where the checkpoint went:\n%v", r)
	}
	if b, err := os.ReadFile(ckpt + ".old"); err != nil || !bytes.Equal(b, kept) {
		t.Fatalf("--restart did not keep the earlier checkpoint (%v)", err)
	}
	if _, err := os.Stat(ckpt); err == nil {
		t.Fatal("the finished run left its own checkpoint")
	}
	// Without a checkpoint, --restart is a plain run.
	checkSuccess(t, inProcess(args("--steps", "5", "--restart", "--quiet")...))
}

// TestResumeFromCheckpointAlone: `train --resume -o FILE` takes every setting from the
// checkpoint, those that only mean something beside another (--columns beside --data, --beta-max
// beside --path) included, and a changed --steps is said.
func TestResumeFromCheckpointAlone(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mine.csv")
	var rows []byte
	rows = append(rows, "a;name;c\n"...)
	for i := range 50 {
		rows = fmt.Appendf(rows, "%d;row%d;%d\n", i%7, i, i%5)
	}
	if err := os.WriteFile(data, rows, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.safetensors")
	// --lr 1e30 diverges at step 2, keeping the checkpoint of step 1.
	first := inProcess("train", "--data", data, "--columns", "a,c", "--path", "vp", "--beta-max", "15",
		"--hidden", "8", "--layers", "3", "--batch", "16", "--lr", "1e30", "--steps", "40", "--checkpoint-every", "1", "--quiet", "-o", out)
	checkFailure(t, first, 1, "the loss became NaN at step 2")
	r := inProcess("train", "--resume", "-o", out, "--steps", "60")
	if r.status != 1 || !strings.Contains(lastLine(r.stderr), "the loss became NaN at step 2") {
		t.Fatalf("the run did not resume as it was:\n%v", r)
	}
	for _, want := range []string{
		"the run was started for 40 steps; --steps makes it 60",
		"resuming the run of " + out + ".ckpt at step 1, to step 60",
		"read 50 rows of 2 columns (a,c) from " + data,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the resumed run did not say %q:\n%s", want, r.stderr)
		}
	}
	// A setting given differently is refused.
	checkFailure(t, inProcess("train", "--resume", "-o", out, "--beta-max", "20"), 1, `beta`)
}
