package main

import (
	"bytes"
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
