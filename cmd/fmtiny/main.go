// Command fmtiny trains Flow Matching models on the CPU, samples them, draws them and measures
// them.
//
//	fmtiny train   [--data checkerboard] [--path condot|vp] [--hidden 128] [--layers 4] ... [-o model.safetensors]
//	fmtiny sample  [-m model.safetensors] [-n 1000] [--solver midpoint] [--steps 20] ... > points.csv
//	fmtiny plot    points.csv [more.csv ...] -o picture.png
//	fmtiny eval    -m model.safetensors [--data checkerboard] [-n 10000]
//	fmtiny reflow  -m model.safetensors [--rounds 1] [--distill] ... [-o student.safetensors]
//	fmtiny info    model.safetensors
//
// Data go to stdout; progress, warnings and errors to stderr. An error is one line,
// "fmtiny: what: why", with exit status 2 for a usage error, 1 for any other, and 130 when
// training was interrupted by Ctrl-C (143 by SIGTERM) after saving a checkpoint.
//
// The environment variable FMTINY_KERNELS names the kernel set to run (avx512, avx2-fma, neon
// or go) instead of the best one this CPU has; a name of no set, or of a set this CPU cannot
// run, is an error of every command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"github.com/fmtiny/fmtiny/mat"
)

// version is fmtiny's release.
const version = "0.1.0"

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"train", "fit a velocity field with Conditional Flow Matching", runTrain},
	{"sample", "draw points by integrating a model's field (CSV to stdout)", runSample},
	{"plot", "draw samples, snapshots or trajectories from CSV files as a PNG", runPlot},
	{"eval", "measure a model's samples against fresh data", runEval},
	{"reflow", "straighten a model's flow for few-step sampling (rectified flow, distillation)", runReflow},
	{"info", "describe a model file", runInfo},
	{"version", "print fmtiny's version", runVersion},
}

// usageError is a mistake in how fmtiny was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef makes a usageError of a formatted message. It is not inlined: one copy of the
// formatting and the allocation, not one at each of its hundred callers.
//
//go:noinline
func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// choose returns yes if c holds, else no.
func choose(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// interrupted ends a command that stopped on a signal after saving its work: exit status
// 128 + the signal's number, as a shell reports a process killed by it (130 for Ctrl-C).
type interrupted struct {
	msg    string
	status int
}

func (e *interrupted) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	// A kernel set chosen with FMTINY_KERNELS that does not exist or cannot run here stops
	// every command before it starts: a user who asked for a set must not get another one
	// silently, nor measure one set believing it is another.
	err := asm.KernelsErr()
	if err == nil {
		err = dispatch(args, stdout, stderr)
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(stderr, "fmtiny: %s\n", msg)
	if _, ok := fileio.As[*usageError](err); ok {
		return 2
	}
	if in, ok := fileio.As[*interrupted](err); ok {
		return in.status
	}
	return 1
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command: want train, sample, plot, eval, reflow, info or version (see fmtiny --help)")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		mainUsage(stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(args[1:], stdout, stderr)
		}
	}
	return usagef("unknown command %q: want train, sample, plot, eval, reflow, info or version (see fmtiny --help)", name)
}

func mainUsage(w io.Writer) {
	fmt.Fprintf(w, "fmtiny %s: Flow Matching on the CPU\n\nUsage: fmtiny COMMAND [flags]\n\nCommands:\n", version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Start with:
  fmtiny train && fmtiny sample > points.csv && fmtiny plot points.csv -o samples.png

Each command takes --help.
`)
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", "Print fmtiny's version, its Go release and the kernel set this machine uses.\n\nExamples:\n  fmtiny version\n  fmtiny --version")
	if _, err := parse(fs, args, 0, stdout); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "fmtiny %s (%s, %s/%s, kernels %s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, mat.Impl())
	return err
}

// containsAnyByte is strings.ContainsAny for a set of ASCII bytes, without the code that
// ContainsAny has for sets of other runes.
func containsAnyByte(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			return true
		}
	}
	return false
}
