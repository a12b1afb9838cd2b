package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// flagSet is a command's flags with its usage text; errors come back to the caller as one line
// instead of being printed by the flag package.
type flagSet struct {
	*flag.FlagSet
	usage, about string
}

// newFlagSet is not inlined into the seven commands: it would put flag.NewFlagSet's allocation
// and stores into each.
//
//go:noinline
func newFlagSet(name, usage, about string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flagSet{FlagSet: fs, usage: usage, about: about}
}

// help writes the command's usage, description and flags.
func (fs *flagSet) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: fmtiny %s %s\n\n%s\n\nFlags:\n", fs.Name(), fs.usage, fs.about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parse reads flags and positional arguments in any order (flags may follow file names, as in
// `fmtiny plot a.csv -o a.png`) and returns the positional ones. maxArgs < 0 allows any number.
func parse(fs *flagSet, args []string, maxArgs int, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fs.help(stdout)
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if maxArgs >= 0 && len(pos) > maxArgs {
		return nil, usagef("%s: unexpected argument %q", fs.Name(), pos[maxArgs])
	}
	return pos, nil
}

// threadsError explains why --threads n is out of range: mat.SetThreads takes 0 (all cores) to
// mat.MaxThreads.
func threadsError(n int) error {
	if n < 0 {
		return usagef("--threads %d: must not be negative", n)
	}
	return usagef("--threads %d: at most %d", n, mat.MaxThreads)
}

// notAnInput refuses an output path that names one of the command's input files, which the
// output would destroy (a model overwritten by its own samples, say).
func notAnInput(out string, inputs ...string) error {
	ost, err := os.Stat(out)
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if ist, err := os.Stat(in); err == nil && os.SameFile(ost, ist) {
			return usagef("-o %s: that is the input %s, which writing would destroy", out, in)
		}
	}
	return nil
}

// finiteFlag is a float64 flag that rejects NaN and infinities as it parses.
type finiteFlag struct{ v *float64 }

func (f finiteFlag) String() string {
	if f.v == nil {
		return ""
	}
	return formatFloat(*f.v, 'g', -1, 64)
}

func (f finiteFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return errorf("%q is not a finite number", s)
	}
	*f.v = v
	return nil
}

// finite defines a flag of a finite float64. It is not inlined into the twenty flags that use
// it.
//
//go:noinline
func (fs *flagSet) finite(name string, value float64, usage string) *float64 {
	p := new(float64)
	*p = value
	fs.Var(finiteFlag{p}, name, usage)
	return p
}

// listFlag is a comma-separated list of finite numbers.
type listFlag struct{ v *[]float64 }

func (f listFlag) String() string {
	if f.v == nil {
		return ""
	}
	s := make([]string, len(*f.v))
	for i, x := range *f.v {
		s[i] = formatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (f listFlag) Set(s string) error {
	*f.v = (*f.v)[:0]
	for _, part := range strings.Split(s, ",") {
		var x float64
		if err := (finiteFlag{&x}).Set(part); err != nil {
			return err
		}
		*f.v = append(*f.v, x)
	}
	return nil
}

// modelFlags are the flags that complete a model file without fmtiny's metadata (a PyTorch
// state dict); given for a file with it, they are a usage error.
type modelFlags struct {
	act, time, path string
}

func (mf *modelFlags) register(fs *flagSet) {
	fs.StringVar(&mf.act, "act", "", "activation of a model file without fmtiny metadata: silu, relu, gelu, elu, tanh or selu (default silu)")
	fs.StringVar(&mf.time, "time", "", "where t enters a model file without fmtiny metadata: first, cat(t, x), or last, cat(x, t) (default last)")
	fs.StringVar(&mf.path, "path", "", "the path a model file without fmtiny metadata was trained on: condot, vp, ... (default condot)")
}

func (mf *modelFlags) load(file string) (*fm.Model, error) {
	var opt fm.LoadOptions
	if mf.act != "" {
		a, err := nn.ParseActivation(mf.act)
		if err != nil {
			return nil, usagef("--act: %v", err)
		}
		opt.Act = &a
	}
	switch mf.time {
	case "":
	case "first", "last":
		first := mf.time == "first"
		opt.TimeFirst = &first
	default:
		return nil, usagef("--time %q: want first or last", mf.time)
	}
	if mf.path != "" {
		p, err := fm.ParsePath(mf.path)
		if err != nil {
			return nil, usagef("--path: %v", err)
		}
		opt.Path = &p
	}
	if err := notAModel(file); err != nil {
		return nil, err
	}
	m, err := fm.LoadModel(file, fm.LoadOptions{})
	if err != nil || opt == (fm.LoadOptions{}) {
		return m, err
	}
	// The flags complete a file without fmtiny's metadata; a file with it says all they would.
	if !m.Inferred {
		meta := m.Metadata()
		for _, f := range []struct{ flag, what, value string }{
			{mf.act, "act", "activation (" + meta["activation"] + ")"},
			{mf.time, "time", "time input (" + meta["time"] + ")"},
			{mf.path, "path", "path (" + m.Path.Name() + ")"},
		} {
			if f.flag != "" {
				return nil, usagef("--%s: %s records its %s in fmtiny's metadata; --%s completes only a file without it", f.what, file, f.value, f.what)
			}
		}
	}
	return fm.LoadModel(file, opt)
}

// checkSolverFlags refuses the flags of one kind of solver given with the other: --steps with
// dopri5, which chooses its own, and --rtol or --atol with a fixed-step solver.
func checkSolverFlags(fs *flagSet, method ode.Method) error {
	if method == ode.Dopri5 {
		if fs.isSet("steps") {
			return usagef("--steps: dopri5 chooses its own steps to meet --rtol and --atol; --steps is for euler, midpoint, heun and rk4")
		}
		return nil
	}
	for _, name := range []string{"rtol", "atol"} {
		if fs.isSet(name) {
			return usagef("--%s: only dopri5 takes tolerances; %s takes a fixed number of --steps", name, method)
		}
	}
	return nil
}

// isSet reports whether the flag was given on the command line.
func (fs *flagSet) isSet(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
