package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"text/tabwriter"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

const evalAbout = `Sample a model and measure the sample against fresh data of the model's dataset, or a CSV
file given with --data (a model trained on a CSV file records its absolute path, and eval reads
the same columns of it again from any folder): energy distance, sliced Wasserstein-1 and RBF
MMD (on at most 2000 points of each), all computed after standardising both samples with the
reference data's column statistics, so that they compare across datasets; and on the
checkerboard, the fraction of points on the board's 8 squares and the balance between squares
(1 when all hold the same share).

Beside the model's figures, the noise floor: the same figures for a second sample of the true
data against the same reference (for a CSV file of no more rows than -n, one half of its rows
against the other), which is what a perfect model would score. A model's figure near its noise
floor cannot be told apart from the data at this sample size. (Energy distance and MMD are
unbiased estimates of a quantity that is 0 for equal distributions: a floor may fall below 0.)

Examples:
  fmtiny eval -m model.safetensors
  fmtiny eval -m model.safetensors --solver euler --steps 4 --json
  fmtiny eval -m custom.safetensors --data points.csv`

// mmdPoints caps the points the O(n^2) kernel sums of MMD use.
const mmdPoints = 2000

// evalResult is what eval reports, also as JSON.
type evalResult struct {
	Model, Data, Solver string
	Steps, NFE          int // Steps is 0 for dopri5
	scores
	// Floor is the noise floor: the same scores for true data against the reference, nil
	// when the data are too few to split in two.
	Floor       *scores
	FloorMethod string // "fresh_sample" or "split_halves"
}

// scores are the measures of one sample against a reference.
type scores struct {
	Points, Reference        int
	EnergyDistance, SlicedW1 float64
	MMD                      float64
	MMDPoints                int
	OnBoard, Balance         *float64 // the checkerboard only
}

// measure scores x against ref, both in the data's units; it standardises them in place with
// stats. On the checkerboard it measures x's fit to the board too.
func measure(x, ref []float32, d int, stats fm.Stats, seed uint64, board bool) scores {
	s := scores{Points: len(x) / d, Reference: len(ref) / d}
	if board {
		on, bal := fm.CheckerboardFit(x)
		s.OnBoard, s.Balance = &on, &bal
	}
	stats.Normalize(x)
	stats.Normalize(ref)
	s.EnergyDistance = fm.EnergyDistance(x, ref, d)
	s.SlicedW1 = fm.SlicedWasserstein(x, ref, d, 128, seed)
	s.MMDPoints = min(mmdPoints, len(x)/d, len(ref)/d)
	k := s.MMDPoints * d
	s.MMD = fm.MMD(x[:k], ref[:k], d, []float64{0.1, 0.3, 1})
	return s
}

func (s *scores) addJSON(o *jsonObject) {
	o.int("points", int64(s.Points))
	o.int("reference_points", int64(s.Reference))
	o.num("energy_distance", s.EnergyDistance)
	o.num("sliced_wasserstein1", s.SlicedW1)
	o.num("mmd_rbf", s.MMD)
	o.int("mmd_points", int64(s.MMDPoints))
	if s.OnBoard != nil {
		o.num("checkerboard_on_squares", *s.OnBoard)
		o.num("checkerboard_balance", *s.Balance)
	}
}

// appendJSON writes the result as one JSON object and a newline.
func (r evalResult) appendJSON(b []byte) []byte {
	var o jsonObject
	o.str("model", r.Model)
	o.str("data", r.Data)
	o.str("solver", r.Solver)
	if r.Steps > 0 {
		o.int("steps", int64(r.Steps))
	}
	o.int("nfe", int64(r.NFE))
	r.scores.addJSON(&o)
	if r.Floor == nil {
		o.null("noise_floor")
	} else {
		var f jsonObject
		f.str("method", r.FloorMethod)
		r.Floor.addJSON(&f)
		o.object("noise_floor", &f)
	}
	return append(append(b, o.bytes()...), '\n')
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-m model.safetensors [flags]", evalAbout)
	model := fs.String("m", "model.safetensors", "model file")
	data := fs.String("data", "", "reference data: a built-in dataset or a CSV file (default: the model's own dataset)")
	var cf csvFlags
	cf.register(fs, "a CSV file of reference data", "all, or for the file the model was trained on, the columns it was trained on")
	n := fs.Int("n", 5000, "points to sample and to compare with")
	solver := fs.String("solver", "midpoint", "ODE solver: euler, midpoint, heun, rk4 or dopri5")
	steps := fs.Int("steps", 20, "steps of a fixed-step solver")
	rtol := fs.finite("rtol", 1e-5, "dopri5: relative tolerance")
	atol := fs.finite("atol", 1e-5, "dopri5: absolute tolerance")
	seed := fs.Uint64("seed", 1, "seed of the sample's noise, of the reference data and of the noise floor's")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
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
	switch {
	case *n < 2:
		return usagef("-n %d: must be at least 2", *n)
	case *steps < 1:
		return usagef("--steps %d: must be at least 1", *steps)
	case !(*rtol > 0):
		return usagef("--rtol %v: must be positive", *rtol)
	case *atol < 0:
		return usagef("--atol %v: must not be negative", *atol)
	case *threads < 0 || *threads > mat.MaxThreads:
		return threadsError(*threads)
	}
	mat.SetThreads(*threads)
	m, err := mf.load(*model)
	if err != nil {
		return err
	}
	source := *data
	if source == "" {
		source = m.Data
		if source == "" {
			return usagef("%s does not name its dataset: give --data", *model)
		}
		// The model's own CSV file is read as training read it, unless flags say otherwise.
		if _, builtin := fm.Builtin(source); !builtin {
			if _, err := os.Stat(source); err != nil {
				return usagef("%s was trained on %s, which cannot be read here (%v): give --data", *model, source, unwrapPath(err))
			}
			if !fs.isSet("columns") {
				cf.columns = m.Extra[keySelect]
			}
			if !fs.isSet("delimiter") {
				cf.delimiter = m.Extra[keyDelimiter]
			}
		}
	}
	if _, builtin := fm.Builtin(source); builtin {
		if f := cf.given(fs); f != "" {
			return usagef("--%s: the reference data, %s, is a built-in dataset, not a CSV file", f, source)
		}
	}
	csvOpt, err := cf.options()
	if err != nil && *data == "" && !fs.isSet("columns") && !fs.isSet("delimiter") {
		return fmt.Errorf("%s: metadata %s or %s: %v", *model, keySelect, keyDelimiter, err)
	}
	if err != nil {
		return err
	}
	ds, _, err := openDataset("data", source, csvOpt)
	if err != nil {
		return err
	}
	if ds.Dim() != m.Dim() {
		return fmt.Errorf("%s: %d dimensions, but the model generates %d", source, ds.Dim(), m.Dim())
	}

	res, err := m.Sample(fm.SampleOptions{N: *n, Method: method, Steps: *steps, Rtol: *rtol, Atol: *atol, Seed: *seed})
	if err != nil {
		return err
	}
	d := m.Dim()
	table, _ := ds.(*fm.Table)
	ref := make([]float32, *n*d)
	if table != nil && table.Rows() <= *n {
		ref = append(ref[:0], table.X...)
	} else {
		// A stream of its own, so the reference is independent of the sample's noise.
		ds.Sample(rand.New(rand.NewPCG(*seed, 0xe7a1)), ref)
	}
	r := evalResult{Model: *model, Data: ds.Name(), Solver: method.String(), NFE: res.Stats.NFE}
	if method != ode.Dopri5 {
		r.Steps = *steps
	}
	isBoard := ds.Name() == "checkerboard"
	stats, err := fm.ColumnStats(ref, d)
	if err != nil {
		return err
	}
	// The noise floor's data, in the data's units: a second sample drawn as the reference
	// was, from a stream of its own; or, when the reference is all of a table's rows, one
	// half of them against the other.
	var truth, truthRef []float32
	r.FloorMethod = "fresh_sample"
	if table != nil && table.Rows() <= *n {
		r.FloorMethod = "split_halves"
		if h := table.Rows() / 2; h >= 2 {
			perm := rand.New(rand.NewPCG(*seed, 0xf1007)).Perm(table.Rows())
			truth, truthRef = make([]float32, 0, h*d), make([]float32, 0, h*d)
			for i, row := range perm[:2*h] {
				if i < h {
					truth = append(truth, table.X[row*d:row*d+d]...)
				} else {
					truthRef = append(truthRef, table.X[row*d:row*d+d]...)
				}
			}
		}
	} else {
		truth = make([]float32, *n*d)
		ds.Sample(rand.New(rand.NewPCG(*seed, 0xf1007)), truth)
	}
	if truth != nil && truthRef == nil {
		truthRef = append([]float32(nil), ref...) // measure standardises ref in place
	}
	r.scores = measure(res.X, ref, d, stats, *seed, isBoard)
	if truth != nil {
		floor := measure(truth, truthRef, d, stats, *seed, isBoard)
		r.Floor = &floor
	}

	if *asJSON {
		_, err := stdout.Write(r.appendJSON(nil))
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s\n", r.Model)
	fmt.Fprintf(tw, "reference\t%s, %d points\n", r.Data, r.Reference)
	solverDesc := r.Solver
	if r.Steps > 0 {
		solverDesc += fmt.Sprintf(", %d steps", r.Steps)
	}
	fmt.Fprintf(tw, "solver\t%s (%d evaluations)\n", solverDesc, r.NFE)
	f := r.Floor
	switch {
	case f == nil:
		fmt.Fprintf(tw, "noise floor\tnone: %d rows are too few to split in two samples of 2\n", table.Rows())
	case r.FloorMethod == "split_halves":
		fmt.Fprintf(tw, "noise floor\thalf of the file's rows against the other half, %d points each\n", f.Points)
	default:
		fmt.Fprintf(tw, "noise floor\ta second sample of %s, %d points, against the reference\n", r.Data, f.Points)
	}
	row := func(name, format string, v float64, floor *float64) {
		fmt.Fprintf(tw, "%s\t"+format, name, v)
		if floor != nil {
			fmt.Fprintf(tw, "\t"+format, *floor)
		}
		fmt.Fprintln(tw)
	}
	pick := func(get func(*scores) float64) *float64 {
		if f == nil {
			return nil
		}
		v := get(f)
		return &v
	}
	if f != nil {
		fmt.Fprintf(tw, "\tmodel\tnoise floor\n")
	}
	row("energy distance", "%.5f", r.EnergyDistance, pick(func(s *scores) float64 { return s.EnergyDistance }))
	row("sliced W1", "%.5f", r.SlicedW1, pick(func(s *scores) float64 { return s.SlicedW1 }))
	row(fmt.Sprintf("MMD (RBF, %d points)", r.MMDPoints), "%.5f", r.MMD, pick(func(s *scores) float64 { return s.MMD }))
	if r.OnBoard != nil {
		row("on the squares", "%.4f", *r.OnBoard, pick(func(s *scores) float64 { return *s.OnBoard }))
		row("square balance", "%.4f", *r.Balance, pick(func(s *scores) float64 { return *s.Balance }))
	}
	return tw.Flush()
}

// unwrapPath drops the operation and path from an *os.PathError, which the message says already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
