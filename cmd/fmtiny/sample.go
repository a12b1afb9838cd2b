package main

import (
	"bufio"
	"fmt"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"io"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

const sampleAbout = `Draw points from a model by integrating its velocity field from t = 0 (noise) to t = 1 (the
data), and write them as CSV to stdout (or -o): a header, and one row per point in the data's
own units. The header holds the names of the columns the model was trained on (a CSV file's
header), or x,y (2D) or x0,x1,... when it had none. With --at, the points at each of those
times, and with --trajectory, at every solver step, with leading columns t,id.

Solvers: euler, midpoint, heun, rk4 (fixed --steps) and dopri5 (adaptive, --rtol/--atol; the
number of field evaluations goes to stderr). The initial noise depends on --seed and -n alone,
so two solvers run with one seed start from the same points; --x0 takes them from a CSV file
instead (one point a row; then neither -n nor --seed applies).

A flag that does not apply (--steps with dopri5, --rtol with a fixed-step solver, --act, --time
or --path for a file with fmtiny's metadata) is an error, as in every command.

A class-conditional model (train --conditional) samples the class --label L (a label of its
training data), or with --label all the points split evenly among its classes, in order; the
CSV then has a column label after any t,id columns (label,x,y or t,id,label,x,y). --label none,
the default, samples its unconditional field, without the column. --guidance W >= 0 applies
classifier-free guidance, v = (1 + W) u(x, t, L) - W u(x, t, none), both terms in one network
pass over twice the points (so each step costs about twice as much); W = 0 is plain conditional
sampling.

Examples:
  fmtiny sample > points.csv
  fmtiny sample -n 10000 --solver dopri5 --rtol 1e-5 --atol 1e-5 > points.csv
  fmtiny sample --at 0.1,0.5,0.7,0.9,0.95,0.97,1 > snapshots.csv
  fmtiny sample -n 200 --trajectory --steps 100 > paths.csv
  fmtiny sample -m torch.safetensors --act relu --time first --x0 noise.csv
  fmtiny sample -m cond.safetensors --label 3 --guidance 1 > mode3.csv
  fmtiny sample -m cond.safetensors --label all -n 8000 > classes.csv`

func runSample(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sample", "[flags] > points.csv", sampleAbout)
	model := fs.String("m", "model.safetensors", "model file")
	n := fs.Int("n", 1000, "number of points")
	solver := fs.String("solver", "midpoint", "ODE solver: euler, midpoint, heun, rk4 or dopri5")
	steps := fs.Int("steps", 20, "steps of a fixed-step solver")
	rtol := fs.finite("rtol", 1e-5, "dopri5: relative tolerance")
	atol := fs.finite("atol", 1e-5, "dopri5: absolute tolerance")
	seed := fs.Uint64("seed", 1, "seed of the initial noise (not with --x0)")
	var at []float64
	fs.Var(listFlag{&at}, "at", "record every point at these distinct times in [0, 1], e.g. 0,0.5,1")
	trajectory := fs.Bool("trajectory", false, "record every point after every solver step")
	x0 := fs.String("x0", "", "CSV file of initial points (instead of noise from --seed)")
	var cf csvFlags
	cf.register(fs, "--x0", "")
	label := fs.String("label", "none", "conditional models: the class to sample (a label of the training data), all (every class, the points split evenly) or none (the unconditional field)")
	guidance := fs.finite("guidance", 0, "classifier-free guidance weight W >= 0 towards --label: (1 + W) u(x, t, label) - W u(x, t, none)")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	out := fs.String("o", "", "write the CSV to this file instead of stdout")
	var mf modelFlags
	mf.register(fs)
	if _, err := parse(fs, args, 0, stdout); err != nil {
		return err
	}
	method, err := ode.ParseMethod(*solver)
	if err != nil {
		return usagef("--solver: %v", err)
	}
	if err := checkSolverFlags(fs, method); err != nil {
		return err
	}
	opt := fm.SampleOptions{N: *n, Method: method, Steps: *steps, Rtol: *rtol, Atol: *atol, Seed: *seed, At: at, Trajectory: *trajectory}
	switch {
	case fs.isSet("x0") && fs.isSet("seed"):
		return usagef("--seed: the initial points come from --x0, not from noise drawn with a seed")
	case fs.isSet("x0") && fs.isSet("n"):
		return usagef("give -n or --x0, not both: the file's rows are the points")
	case *x0 == "" && *n < 1:
		return usagef("-n %d: must be at least 1", *n)
	case *steps < 1:
		return usagef("--steps %d: must be at least 1", *steps)
	case !(*rtol > 0):
		return usagef("--rtol %v: must be positive", *rtol)
	case *atol < 0:
		return usagef("--atol %v: must not be negative", *atol)
	case *threads < 0 || *threads > mat.MaxThreads:
		return threadsError(*threads)
	case *trajectory && len(at) > 0:
		return usagef("--at with --trajectory: give one or the other")
	case *guidance < 0:
		return usagef("--guidance %v: must not be negative", *guidance)
	case *guidance > 0 && *label == "none":
		return usagef("--guidance %v: guidance needs --label (a class or all) to guide towards", *guidance)
	}
	labelValue, err := parseLabelFlag(*label)
	if err != nil {
		return err
	}
	seen := make(map[float32]float64, len(at))
	for _, t := range at {
		if t < 0 || t > 1 {
			return usagef("--at %v: times must be in [0, 1]", t)
		}
		// Times are float32 in the sampler: two that round to one would give the same rows twice.
		if u, ok := seen[float32(t)]; ok {
			return usagef("--at %v: that time is given twice (as %v); each is recorded once", t, u)
		}
		seen[float32(t)] = t
	}
	if f := cf.given(fs); f != "" && *x0 == "" {
		return usagef("--%s: applies to the --x0 file, and none is given", f)
	}
	csvOpt, err := cf.options()
	if err != nil {
		return err
	}
	if *out != "" {
		if err := checkWritable(*out); err != nil {
			return err
		}
		if err := notAnInput(*out, *model, *x0); err != nil {
			return err
		}
	}
	mat.SetThreads(*threads)
	m, err := mf.load(*model)
	if err != nil {
		return err
	}
	if *x0 != "" {
		_, t, err := readTable(*x0, csvOpt)
		if err != nil {
			return err
		}
		if t.D != m.Dim() {
			return errorf("%s: %d columns, but the model generates %d dimensions", *x0, t.D, m.Dim())
		}
		opt.X0, opt.N = t.X, t.Rows()
	} else if opt.Source, err = modelSource(m, *model); err != nil {
		return err
	}
	names := m.ColumnNames()
	if opt.Guidance = *guidance; opt.Guidance > 0 && m.NumClasses() == 0 {
		return errorf("--guidance %v: %s is not class-conditional (train it with --conditional)", opt.Guidance, *model)
	}
	if opt.Labels, err = sampleLabels(m, *model, *label, labelValue, opt.N); err != nil {
		return err
	}
	res, err := m.Sample(opt)
	if err != nil {
		return err
	}
	if method == ode.Dopri5 {
		fmt.Fprintf(stderr, "fmtiny: dopri5: %d field evaluations, %d steps accepted, %d rejected\n", res.Stats.NFE, res.Stats.Accepted, res.Stats.Rejected)
	}
	var labels []string // the label column's value of each point, if it has one
	if opt.Labels != nil {
		labels = make([]string, opt.N)
		for i := range labels {
			labels[i] = strconv.FormatInt(m.LabelValue(int(opt.Labels[min(i, len(opt.Labels)-1)])), 10)
		}
	}
	write := func(w io.Writer) error { return writePoints(w, names, res, opt.N, labels) }
	if *out != "" {
		return fileio.WriteAtomic(*out, write)
	}
	// Everything is computed by now; a failed write (a full disk behind a redirection) is an
	// error. Written straight through, a trajectory's hundreds of MB are not held twice.
	if err := write(stdout); err != nil {
		return errorf("write the points: %w", err)
	}
	return nil
}

// writePoints writes the final points under a header of the columns' names, or with snapshots
// the rows t,id,x,y,... for every recorded time; with labels (one per point), a label column
// after any t,id.
func writePoints(w io.Writer, names []string, res *fm.SampleResult, n int, labels []string) error {
	if res.Snapshots == nil && labels == nil {
		return fm.WriteCSV(w, names, res.X)
	}
	d := len(names)
	bw := bufio.NewWriterSize(w, 64<<10)
	var header []string
	if res.Snapshots != nil {
		header = append(header, "t", "id")
	}
	if labels != nil {
		header = append(header, "label")
	}
	bw.WriteString(fm.CSVHeader(append(header, names...)))
	bw.WriteByte('\n')
	snapshots := res.Snapshots
	if snapshots == nil {
		snapshots = []fm.Snapshot{{X: res.X}}
	}
	var line []byte
	for _, s := range snapshots {
		var tt []byte
		if res.Snapshots != nil {
			tt = strconv.AppendFloat(nil, float64(s.T), 'g', -1, 32)
		}
		for i := 0; i < n; i++ {
			line = line[:0]
			if tt != nil {
				line = append(line, tt...)
				line = append(line, ',')
				line = strconv.AppendInt(line, int64(i), 10)
				line = append(line, ',')
			}
			if labels != nil {
				line = append(line, labels[i]...)
				line = append(line, ',')
			}
			for j, v := range s.X[i*d : i*d+d] {
				if j > 0 {
					line = append(line, ',')
				}
				line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
			}
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// modelSource opens the dataset a model trained from one (train --source) starts from: a
// built-in dataset or the CSV file it recorded; nil for a model from N(0, I).
func modelSource(m *fm.Model, file string) (fm.Dataset, error) {
	if m.Source == "" {
		return nil, nil
	}
	ds, _, err := openDataset("source", m.Source, fm.CSVOptions{})
	if err != nil {
		return nil, errorf("%s: the flow starts from %s, which cannot be read here (%v): give its initial points with --x0", file, m.Source, unwrapPath(err))
	}
	if ds.Dim() != m.Dim() {
		return nil, errorf("%s: the flow starts from %s, which now has %d columns, not the model's %d", file, m.Source, ds.Dim(), m.Dim())
	}
	return ds, nil
}

// parseLabelFlag reads --label: none, all, or an integer (returned).
func parseLabelFlag(s string) (int64, error) {
	switch s {
	case "none", "all":
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, usagef("--label %q: want a label of the training data (an integer), all or none", s)
	}
	return v, nil
}

// sampleLabels turns --label into the classes of n points of model m: nil for none, one per
// point for all, one for all the points for a label.
func sampleLabels(m *fm.Model, file, flag string, value int64, n int) ([]int32, error) {
	k := m.NumClasses()
	switch {
	case flag == "none":
		return nil, nil
	case k == 0:
		return nil, errorf("--label %s: %s was trained without labels (train it with --conditional)", flag, file)
	case flag == "all":
		return fm.BalancedLabels(n, k), nil
	}
	c, ok := m.LabelOf(value)
	if !ok {
		return nil, errorf("--label %d: not one of the model's labels, %s", value, describeLabels(m))
	}
	return []int32{int32(c)}, nil
}

// describeLabels lists a conditional model's labels: "0 to 7", or its data's values.
func describeLabels(m *fm.Model) string {
	if m.LabelValues == nil {
		return fmt.Sprintf("0 to %d", m.NumClasses()-1)
	}
	s := make([]string, len(m.LabelValues))
	for i, v := range m.LabelValues {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, ", ")
}
