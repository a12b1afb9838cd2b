package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

const evalAbout = `Sample a model and measure the sample against fresh data of the model's dataset, or a CSV
file given with --data (a model trained on a CSV file records its absolute path, and eval reads
the same columns of it again from any folder): energy distance, sliced Wasserstein-1 and RBF
MMD, all computed after standardising both samples with the reference data's column
statistics, so that they compare across datasets; and on the checkerboard, the fraction of
points on the board's 8 squares and the balance between squares (1 when all hold the same
share).

Examples:
  fmtiny eval -m model.safetensors
  fmtiny eval -m model.safetensors --solver euler --steps 4 --json
  fmtiny eval -m custom.safetensors --data points.csv`

// mmdPoints caps the points the O(n^2) kernel sums of MMD use.
const mmdPoints = 2000

// evalResult is what eval reports, also as JSON.
type evalResult struct {
	Model, Data, Solver      string
	Points, Reference        int
	Steps, NFE               int // Steps is 0 for dopri5
	EnergyDistance, SlicedW1 float64
	MMD                      float64
	OnBoard, Balance         *float64 // the checkerboard only
}

// appendJSON writes the result as one JSON object and a newline (by hand: encoding/json would
// add a fifth to the binary for this one object).
func (r evalResult) appendJSON(b []byte) []byte {
	str := func(key, v string) { b = append(appendJSONString(append(b, `"`+key+`":`...), v), ',') }
	num := func(key string, v float64) {
		b = append(strconv.AppendFloat(append(b, `"`+key+`":`...), v, 'g', -1, 64), ',')
	}
	b = append(b, '{')
	str("model", r.Model)
	str("data", r.Data)
	num("points", float64(r.Points))
	num("reference_points", float64(r.Reference))
	str("solver", r.Solver)
	if r.Steps > 0 {
		num("steps", float64(r.Steps))
	}
	num("nfe", float64(r.NFE))
	num("energy_distance", r.EnergyDistance)
	num("sliced_wasserstein1", r.SlicedW1)
	num("mmd_rbf", r.MMD)
	if r.OnBoard != nil {
		num("checkerboard_on_squares", *r.OnBoard)
		num("checkerboard_balance", *r.Balance)
	}
	b[len(b)-1] = '}'
	return append(b, '\n')
}

// appendJSONString appends s as a JSON string; bytes that are not UTF-8 become U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, c := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case c < 0x20:
			b = fmt.Appendf(b, "\\u%04x", c)
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return append(b, '"')
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-m model.safetensors [flags]", evalAbout)
	model := fs.String("m", "model.safetensors", "model file")
	data := fs.String("data", "", "reference data: a built-in dataset or a CSV file (default: the model's own dataset)")
	var cf csvFlags
	cf.register(fs, "a CSV file of reference data", true)
	n := fs.Int("n", 5000, "points to sample and to compare with")
	solver := fs.String("solver", "midpoint", "ODE solver: euler, midpoint, heun, rk4 or dopri5")
	steps := fs.Int("steps", 20, "steps of a fixed-step solver")
	rtol := fs.finite("rtol", 1e-5, "dopri5: relative tolerance")
	atol := fs.finite("atol", 1e-5, "dopri5: absolute tolerance")
	seed := fs.Uint64("seed", 1, "seed of the sample's noise and of the reference data")
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
	if err != nil {
		return err
	}
	ds, _, err := openDataset(source, csvOpt)
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
	ref := make([]float32, *n*d)
	if t, ok := ds.(*fm.Table); ok && t.Rows() <= *n {
		ref = append(ref[:0], t.X...)
	} else {
		// A stream of its own, so the reference is independent of the sample's noise.
		ds.Sample(rand.New(rand.NewPCG(*seed, 0xe7a1)), ref)
	}
	r := evalResult{Model: *model, Data: ds.Name(), Points: *n, Reference: len(ref) / d, Solver: method.String(), NFE: res.Stats.NFE}
	if method != ode.Dopri5 {
		r.Steps = *steps
	}
	if ds.Name() == "checkerboard" {
		on, bal := fm.CheckerboardFit(res.X)
		r.OnBoard, r.Balance = &on, &bal
	}
	stats, err := fm.ColumnStats(ref, d)
	if err != nil {
		return err
	}
	x := res.X
	stats.Normalize(x)
	stats.Normalize(ref)
	r.EnergyDistance = fm.EnergyDistance(x, ref, d)
	r.SlicedW1 = fm.SlicedWasserstein(x, ref, d, 128, *seed)
	k := min(mmdPoints, len(x)/d, len(ref)/d)
	r.MMD = fm.MMD(x[:k*d], ref[:k*d], d, []float64{0.1, 0.3, 1})

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
	fmt.Fprintf(tw, "energy distance\t%.5f\n", r.EnergyDistance)
	fmt.Fprintf(tw, "sliced W1\t%.5f\n", r.SlicedW1)
	fmt.Fprintf(tw, "MMD (RBF, %d points)\t%.5f\n", k, r.MMD)
	if r.OnBoard != nil {
		fmt.Fprintf(tw, "on the squares\t%.4f\n", *r.OnBoard)
		fmt.Fprintf(tw, "square balance\t%.4f\n", *r.Balance)
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
