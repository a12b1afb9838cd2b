package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/fm/fileio"
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

Beside them, as TorchCFM measures its flows (Tong et al., TMLR 2024): the 2-Wasserstein distance
between the sample and the reference by exact optimal transport, on the first 1000 points of
each, in the data's own units (with its noise floor); the path energy, the mean over the sample
of the integral of |v|^2 along each path, integrated by the sampler's own steps, in the
network's units; and the normalised path energy |PE - W2^2(source, data)| / W2^2(source, data),
which is 0 for the straight paths of the optimal transport map (W2 of the sample's initial
points against the reference's, in the network's units).

--likelihood adds the mean negative log-likelihood of the reference points (held out: fresh
draws of a built-in dataset; a CSV file's rows, which may have been trained on), in nats per
point and in bits per dimension, in the data's own units (the standardisation's Jacobian
counted). It carries each point back from t = 1 to 0 with the field's divergence, exact (forward-
mode tangents) up to 16 dimensions or Hutchinson's estimator with --probes Rademacher probes per
point, fixed along its solve (--divergence chooses), and adds N(0, I)'s log-density. A model
whose flow starts from a dataset (train --source) has no likelihood.

--density writes the model's log-density on a grid of --grid x --grid points spanning --range
(xmin,xmax,ymin,ymax) as CSV x,y,logp to stdout, for a 2D model, which plot draws as a heat map;
no sample is drawn then.

--solver, --steps, --rtol and --atol apply to the sample and the likelihood alike; without
--solver, the sample takes midpoint (--steps, default 20) and the likelihood and the density
dopri5 (--rtol, --atol).

Examples:
  fmtiny eval -m model.safetensors
  fmtiny eval -m model.safetensors --solver euler --steps 4 --json
  fmtiny eval -m custom.safetensors --data points.csv
  fmtiny eval -m model.safetensors --likelihood
  fmtiny eval -m model.safetensors --density --grid 200 --range -5,5,-5,5 > logp.csv
  fmtiny eval -m model.safetensors --density --divergence hutchinson > logp-hutchinson.csv`

// mmdPoints caps the points the O(n^2) kernel sums of MMD use; w2Points those of the exact
// 2-Wasserstein distance (TorchCFM's protocol size; an assignment of n^2 costs and up to n^3
// steps).
const (
	mmdPoints = 2000
	w2Points  = 1000
)

// Bounds of --grid: a side of at least 2 points and at most what plot draws.
const maxGrid = 4096

// evalResult is what eval reports, also as JSON.
type evalResult struct {
	Model, Data, Solver string
	Steps, NFE          int // Steps is 0 for dopri5
	scores
	// Floor is the noise floor: the same scores for true data against the reference, nil
	// when the data are too few to split in two.
	Floor       *scores
	FloorMethod string // "fresh_sample" or "split_halves"
	// The path energy in the network's units, and normalised against W2^2 of the sample's
	// initial points and the reference.
	PathEnergy, NPE float64
	// Likelihood: nil without --likelihood.
	Likelihood *fm.LikelihoodResult
}

// scores are the measures of one sample against a reference.
type scores struct {
	Points, Reference        int
	EnergyDistance, SlicedW1 float64
	MMD                      float64
	MMDPoints                int
	W2                       float64 // in the data's units
	W2Points                 int
	OnBoard, Balance         *float64 // the checkerboard only
}

// measure scores x against ref, both in the data's units; it standardises them in place with
// stats. On the checkerboard it measures x's fit to the board too.
func measure(x, ref []float32, d int, stats fm.Stats, seed uint64, board bool) (scores, error) {
	s := scores{Points: len(x) / d, Reference: len(ref) / d}
	s.W2Points = min(w2Points, len(x)/d, len(ref)/d)
	var err error
	if s.W2, err = fm.Wasserstein2(x[:s.W2Points*d], ref[:s.W2Points*d], d); err != nil {
		return s, err
	}
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
	return s, nil
}

func (s *scores) addJSON(o *jsonObject) {
	o.int("points", int64(s.Points))
	o.int("reference_points", int64(s.Reference))
	o.num("energy_distance", s.EnergyDistance)
	o.num("sliced_wasserstein1", s.SlicedW1)
	o.num("mmd_rbf", s.MMD)
	o.int("mmd_points", int64(s.MMDPoints))
	o.num("w2", s.W2)
	o.int("w2_points", int64(s.W2Points))
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
	o.num("path_energy", r.PathEnergy)
	o.num("npe", r.NPE)
	if l := r.Likelihood; l != nil {
		o.num("nll", l.NLL)
		o.num("bits_per_dim", l.BitsPerDim)
		o.str("divergence", divergenceName(l))
		o.int("likelihood_nfe", int64(l.Stats.NFE))
	}
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
	solver := fs.String("solver", "", "ODE solver: euler, midpoint, heun, rk4 or dopri5 (default midpoint for the sample, dopri5 for --likelihood and --density)")
	steps := fs.Int("steps", 20, "steps of a fixed-step solver")
	rtol := fs.finite("rtol", 1e-5, "dopri5: relative tolerance")
	atol := fs.finite("atol", 1e-5, "dopri5: absolute tolerance")
	seed := fs.Uint64("seed", 1, "seed of the sample's noise, of the reference data and of the noise floor's")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	likelihood := fs.Bool("likelihood", false, "add the mean negative log-likelihood of the reference points (nats per point, bits per dimension)")
	divergence := fs.String("divergence", "auto", "--likelihood, --density: the field's divergence, exact (forward-mode tangents), hutchinson (--probes Rademacher probes per point) or auto (exact up to 16 dimensions)")
	probes := fs.Int("probes", 1, "Hutchinson's probes per point (implies --divergence hutchinson)")
	density := fs.Bool("density", false, "write the log-density on a grid as CSV x,y,logp to stdout instead (2D models)")
	grid := fs.Int("grid", 200, "--density: points along each side of the grid")
	gridRange := []float64{-5, 5, -5, 5}
	fs.Var(listFlag{&gridRange}, "range", "--density: the grid's xmin,xmax,ymin,ymax")
	var mf modelFlags
	mf.register(fs)
	if _, err := parse(fs, args, 0, stdout); err != nil {
		return err
	}
	method, likMethod := ode.Midpoint, ode.Dopri5
	if fs.isSet("solver") {
		m, err := ode.ParseMethod(*solver)
		if err != nil {
			return usagef("--solver: %v", err)
		}
		if err := checkSolverFlags(fs, m); err != nil {
			return err
		}
		method, likMethod = m, m
	} else if !*likelihood && !*density {
		if err := checkSolverFlags(fs, method); err != nil {
			return err
		}
	} else if *density && fs.isSet("steps") {
		return usagef("--steps: --density integrates with dopri5 (--rtol, --atol) unless --solver names a fixed-step solver")
	}
	lopt, err := likelihoodFlags(fs, *likelihood || *density, *divergence, *probes)
	if err != nil {
		return err
	}
	lopt.Method, lopt.Steps, lopt.Rtol, lopt.Atol, lopt.Seed = likMethod, *steps, *rtol, *atol, *seed
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
	if *density {
		for _, f := range []string{"n", "data", "json", "likelihood", "columns", "delimiter"} {
			if fs.isSet(f) {
				return usagef("--%s: --density writes the log-density on a grid, and draws no sample to measure", f)
			}
		}
		if *grid < 2 || *grid > maxGrid {
			return usagef("--grid %d: want 2 to %d points a side", *grid, maxGrid)
		}
		if r := gridRange; len(r) != 4 || !(r[0] < r[1] && r[2] < r[3]) {
			return usagef("--range %s: want xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax", listFlag{&gridRange}.String())
		}
	} else {
		for _, f := range []string{"grid", "range"} {
			if fs.isSet(f) {
				return usagef("--%s: applies to --density", f)
			}
		}
	}
	mat.SetThreads(*threads)
	m, err := mf.load(*model)
	if err != nil {
		return err
	}
	if *density {
		return writeDensity(stdout, stderr, m, *model, *grid, gridRange, lopt)
	}
	if *likelihood && m.Source != "" {
		return errorf("--likelihood: %s flows from %s, whose density fmtiny does not know: it has no likelihood (a flow from noise has)", *model, m.Source)
	}
	sampleSource, err := modelSource(m, *model)
	if err != nil {
		return err
	}
	source := *data
	if source == "" {
		source = m.Data
		if source == "" {
			return usagef("%s does not name its dataset: give --data", *model)
		}
		if _, builtin := fm.Builtin(source); !builtin {
			path, _ := strings.CutPrefix(source, fm.MNISTPrefix)
			if _, err := os.Stat(path); err != nil {
				return usagef("%s was trained on %s, which cannot be read here (%v): give --data", *model, source, unwrapPath(err))
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
	if *data == "" {
		// The model's own CSV file is read as training read it, unless flags say otherwise.
		if !fs.isSet("columns") {
			csvOpt.Columns = m.DataOptions.Columns
		}
		if !fs.isSet("delimiter") {
			csvOpt.Delimiter = m.DataOptions.Delimiter
		}
		csvOpt.Label = m.DataOptions.Label
	}
	var ds fm.Dataset
	if dir, ok := fm.IsMNIST(source); ok {
		ds, err = openImages(dir, "t10k", "train") // held out where the folder has it
	} else {
		ds, _, err = openDataset("data", source, csvOpt)
	}
	if err != nil {
		return err
	}
	if ds.Dim() != m.Dim() {
		return errorf("%s: %d dimensions, but the model generates %d", source, ds.Dim(), m.Dim())
	}

	res, err := m.Sample(fm.SampleOptions{N: *n, Method: method, Steps: *steps, Rtol: *rtol, Atol: *atol, Seed: *seed,
		Source: sampleSource, PathEnergy: true})
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
	if *likelihood {
		if r.Likelihood, err = m.LogLikelihood(ref, lopt); err != nil {
			return errorf("--likelihood: %w", err)
		}
	}
	// The normalised path energy: W2^2 of the sample's initial points and as many reference
	// points, both in the network's units.
	k := min(w2Points, len(ref)/d, *n)
	refNet := slices.Clone(ref[:k*d])
	m.Stats.Normalize(refNet)
	w2src, err := fm.Wasserstein2(res.X0[:k*d], refNet, d)
	if err != nil {
		return err
	}
	r.PathEnergy = res.PathEnergy
	r.NPE = fm.NormalizedPathEnergy(res.PathEnergy, w2src)
	if r.scores, err = measure(res.X, ref, d, stats, *seed, isBoard); err != nil {
		return err
	}
	if truth != nil {
		floor, err := measure(truth, truthRef, d, stats, *seed, isBoard)
		if err != nil {
			return err
		}
		r.Floor = &floor
	}

	if *asJSON {
		_, err := stdout.Write(r.appendJSON(nil))
		return err
	}
	var rows [][]string
	line := func(cells ...string) { addCells(&rows, cells...) }
	line("model", r.Model)
	line("reference", fmt.Sprintf("%s, %d points", r.Data, r.Reference))
	solverDesc := r.Solver
	if r.Steps > 0 {
		solverDesc += fmt.Sprintf(", %d steps", r.Steps)
	}
	line("solver", fmt.Sprintf("%s (%d evaluations)", solverDesc, r.NFE))
	f := r.Floor
	switch {
	case f == nil:
		line("noise floor", fmt.Sprintf("none: %d rows are too few to split in two samples of 2", table.Rows()))
	case r.FloorMethod == "split_halves":
		line("noise floor", fmt.Sprintf("half of the file's rows against the other half, %d points each", f.Points))
	default:
		line("noise floor", fmt.Sprintf("a second sample of %s, %d points, against the reference", r.Data, f.Points))
	}
	row := func(name string, prec int, v float64, get func(*scores) float64) {
		cells := []string{name, formatFloat(v, 'f', prec, 64)}
		if f != nil {
			cells = append(cells, formatFloat(get(f), 'f', prec, 64))
		}
		line(cells...)
	}
	if f != nil {
		line("", "model", "noise floor")
	}
	row("energy distance", 5, r.EnergyDistance, func(s *scores) float64 { return s.EnergyDistance })
	row("sliced W1", 5, r.SlicedW1, func(s *scores) float64 { return s.SlicedW1 })
	row(fmt.Sprintf("MMD (RBF, %d points)", r.MMDPoints), 5, r.MMD, func(s *scores) float64 { return s.MMD })
	row(fmt.Sprintf("W2 (exact OT, %d points)", r.W2Points), 5, r.W2, func(s *scores) float64 { return s.W2 })
	if r.OnBoard != nil {
		row("on the squares", 4, *r.OnBoard, func(s *scores) float64 { return *s.OnBoard })
		row("square balance", 4, *r.Balance, func(s *scores) float64 { return *s.Balance })
	}
	line("path energy", formatFloat(r.PathEnergy, 'f', 5, 64))
	line("normalised path energy", formatFloat(r.NPE, 'f', 5, 64))
	if l := r.Likelihood; l != nil {
		line(fmt.Sprintf("NLL (%s divergence, %d evaluations)", divergenceName(l), l.Stats.NFE), formatFloat(l.NLL, 'f', 5, 64)+" nats")
		line("bits per dimension", formatFloat(l.BitsPerDim, 'f', 5, 64))
	}
	return writeRows(stdout, rows)
}

// divergenceName says how a likelihood's divergence was computed.
func divergenceName(l *fm.LikelihoodResult) string {
	if l.Exact {
		return "exact"
	}
	return fmt.Sprintf("hutchinson, %d probes", l.Probes)
}

// likelihoodFlags reads --divergence and --probes, which apply to --likelihood and --density
// alone; --probes asks for Hutchinson's estimator.
func likelihoodFlags(fs *flagSet, used bool, divergence string, probes int) (fm.LikelihoodOptions, error) {
	var o fm.LikelihoodOptions
	if !used {
		for _, f := range []string{"divergence", "probes"} {
			if fs.isSet(f) {
				return o, usagef("--%s: applies to --likelihood and --density", f)
			}
		}
		return o, nil
	}
	var err error
	if o.Divergence, err = fm.ParseDivergence(divergence); err != nil {
		return o, usagef("--divergence: %v", err)
	}
	if fs.isSet("probes") {
		switch {
		case probes < 1 || probes > fm.MaxProbes:
			return o, usagef("--probes %d: want 1 to %d Rademacher probes per point", probes, fm.MaxProbes)
		case o.Divergence == fm.DivergenceExact:
			return o, usagef("--probes: the exact divergence takes no probes; they are Hutchinson's")
		}
		o.Divergence = fm.DivergenceHutchinson
	}
	o.Probes = probes
	return o, nil
}

// writeDensity writes the model's log-density on a grid of side points spanning r (xmin,
// xmax, ymin, ymax), row by row from the bottom, as CSV under the model's column names and logp.
func writeDensity(stdout, stderr io.Writer, m *fm.Model, file string, side int, r []float64, o fm.LikelihoodOptions) error {
	if m.Dim() != 2 {
		return errorf("--density: %s generates %d dimensions; the grid is 2D", file, m.Dim())
	}
	names := m.ColumnNames()
	x := make([]float32, 0, 2*side*side)
	at := func(lo, hi float64, i int) float32 { return float32(lo + (hi-lo)*float64(i)/float64(side-1)) }
	for j := range side {
		for i := range side {
			x = append(x, at(r[0], r[1], i), at(r[2], r[3], j))
		}
	}
	res, err := m.LogLikelihood(x, o)
	if err != nil {
		return errorf("--density: %w", err)
	}
	fmt.Fprintf(stderr, "fmtiny: log-density of %d points (%s divergence), %d evaluations per point\n", side*side, divergenceName(res), res.Stats.NFE)
	bw := bufio.NewWriterSize(stdout, 64<<10)
	bw.WriteString(fm.CSVHeader(append(names, "logp")))
	bw.WriteByte('\n')
	var line []byte
	for i, lp := range res.LogP {
		line = strconv.AppendFloat(line[:0], float64(x[2*i]), 'g', -1, 32)
		line = append(line, ',')
		line = strconv.AppendFloat(line, float64(x[2*i+1]), 'g', -1, 32)
		line = append(line, ',')
		line = strconv.AppendFloat(line, lp, 'g', 7, 64)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return errorf("write the grid: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return errorf("write the grid: %w", err)
	}
	return nil
}

// unwrapPath drops the operation and path from an *os.PathError, which the message says already.
func unwrapPath(err error) error {
	if pe, ok := fileio.As[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}
