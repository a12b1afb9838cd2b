package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
)

const trainAbout = `Fit a velocity field with Conditional Flow Matching (Lipman et al. 2023), and save it as a
safetensors file that PyTorch reads: an MLP on a built-in 2D dataset (checkerboard, moons,
swissroll, 8gaussians, circles, scurve, torchcfm-moons) or a CSV file of any number of numeric
columns, or the seed's UNet (--model unet, --channels) on MNIST-format images (--data
mnist:DIR), by default 2000 steps of 128 images.

A CSV file's values are separated by commas, semicolons, tabs or | (detected from its first
line, or --delimiter); its first line is a header when none of its values is a number.
--columns picks columns by header name or by number counted from 1, and skips the others, which
may hold text. The model records the file's absolute path and the columns' names: eval finds
the file from any folder, and samples are written under those names.

The defaults train the checkerboard with the conditional OT path in about a minute on two cores.

--conditional trains a class-conditional field u(x, t, label) on the data's labels: the mode of
8gaussians (0-7), the moon of moons and the circle of circles (0 outer, 1 inner), the labels
file of mnist:DIR (the UNet then adds an embedding of the label to its first and its
bottleneck's first convolutions), or a CSV file's integer column named by --label-column (which
implies --conditional; values other than 0..K-1 are numbered in increasing order and the model
file keeps them). Each point's label is dropped with probability --cond-drop, so that the model also
learns the unconditional field that sample --guidance needs.
--coupling, --sigma and --source train TorchCFM's flow matchers (Tong et al., TMLR 2024) on the
straight path between coupled pairs: independent (I-CFM) and ot (OT-CFM, the exact optimal
transport plan of each batch) with x_t = t x1 + (1-t) x0 + sigma eps and target x1 - x0; sb
(SB-CFM) with the entropic plan of regularisation 2 sigma^2 and the Brownian bridge of noise
sigma sqrt(t(1-t)). --source starts the flow from another dataset instead of N(0, I) (a
built-in or a CSV file of the data's dimension, standardised with the data's statistics); the
model records it, and sample draws its initial points from it. A class-conditional run takes
the independent coupling alone; other paths than condot take none of these.

A checkpoint (the -o file with .ckpt appended) is written every --checkpoint-every steps and when
the run is interrupted (Ctrl-C, SIGTERM); train --resume -o FILE continues it with the settings
the checkpoint records (a flag given must agree with them, but for --steps, which may lengthen
or shorten the run), and ends with the same model, bit for bit, as an uninterrupted run. While a checkpoint is there, train
refuses to start without --resume or --restart, which starts over and moves the checkpoint aside
to the -o file with .ckpt.old appended (replacing an older one of that name).

Examples:
  fmtiny train
  fmtiny train --data moons --path vp --steps 10000 -o moons-vp.safetensors
  fmtiny train --data points.csv --hidden 256 --layers 3 --ema 0.999
  fmtiny train --data measurements.csv --columns temp,pressure -o weather.safetensors
  fmtiny train --data 8gaussians --conditional -o cond.safetensors
  fmtiny train --data mnist:DIR --conditional -o digits.safetensors
  fmtiny train --data 8gaussians --coupling ot --sigma 0.1 -o otcfm.safetensors
  fmtiny train --data 8gaussians --source torchcfm-moons --coupling ot -o moons-to-8g.safetensors
  fmtiny train --data points.csv --label-column class
  fmtiny train --resume -o moons-vp.safetensors`

// maxLayers bounds --layers far above any MLP that trains without residual connections, and far
// below a count whose list of widths alone would exhaust memory.
const maxLayers = 1024

// defaultSteps trains the default network on the checkerboard to crisp squares in under a
// minute on this project's 2-core reference machine: 91% of the points on the squares, where
// 5000 steps give 90% and 20000 give 93% (BENCHMARKS.md, "The default training").
const defaultSteps = 10000

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "[flags]", trainAbout)
	def := fm.DefaultTrainConfig()
	data := fs.String("data", "checkerboard", "dataset: checkerboard, moons, swissroll, 8gaussians, circles, scurve, torchcfm-moons, mnist:DIR (MNIST-format IDX files), or a CSV file")
	var cf csvFlags
	cf.register(fs, "--data FILE", "all")
	standardize := fs.String("standardize", "auto", "train on data standardised per column (samples come back in the data's units): true, false, or auto (true for CSV files)")
	pathName := fs.String("path", "condot", "probability path: condot, vp, poly[:n], linvp or cosine")
	sigmaMin := fs.finite("sigma-min", 0, "condot: the noise left at t = 1")
	betaMin := fs.finite("beta-min", fm.VPBetaMin, "vp: beta_min")
	betaMax := fs.finite("beta-max", fm.VPBetaMax, "vp: beta_max")
	model := fs.String("model", "", "the network: mlp or unet (default: unet for images, mlp otherwise)")
	channels := fs.Int("channels", fm.DefaultChannels, "unet: its base width c (c, 2c and 4c channels at its three levels)")
	hidden := fs.Int("hidden", 128, "mlp: width of every hidden layer")
	layers := fs.Int("layers", 4, "mlp: hidden Linear+activation blocks (the reference 2D example has 4)")
	actName := fs.String("act", "silu", "mlp: activation: silu, relu, gelu, elu, tanh or selu (the UNet's is the seed's ELU)")
	timePos := fs.String("time", "last", "mlp: where t enters the input: last, cat(x, t), or first, cat(t, x)")
	batch := fs.Int("batch", def.Batch, "points per step")
	steps := fs.Int64("steps", defaultSteps, "optimisation steps")
	lr := fs.finite("lr", 1e-3, "Adam's learning rate")
	schedule := fs.String("schedule", "constant", "learning-rate schedule: constant or cosine")
	warmup := fs.Int64("warmup", 0, "steps of linear learning-rate warm-up, before either schedule")
	weightDecay := fs.finite("weight-decay", 0, "weight decay (L2, or decoupled with --adamw)")
	adamw := fs.Bool("adamw", false, "use AdamW's decoupled weight decay (with --weight-decay)")
	clip := fs.finite("clip", 0, "clip the global gradient norm to this (0: off)")
	ema := fs.finite("ema", 0, "keep an exponential moving average of the weights with this decay, e.g. 0.999, and save it (0: off)")
	seed := fs.Uint64("seed", 1, "random seed")
	conditional := fs.Bool("conditional", false, "train a class-conditional field on the data's labels (8gaussians, moons, circles, mnist:DIR, a CSV file with --label-column)")
	condDrop := fs.finite("cond-drop", 0.2, "conditional: the probability of dropping a point's label, which trains the unconditional field guidance needs")
	labelColumn := fs.String("label-column", "", "a CSV file's column of integer labels, taken out of the points (implies --conditional)")
	couplingName := fs.String("coupling", "independent", "how a batch pairs source and data points (TorchCFM): independent (I-CFM), ot (exact minibatch optimal transport, OT-CFM) or sb (entropic OT and a Brownian bridge, SB-CFM; needs --sigma)")
	sigma := fs.finite("sigma", 0, "TorchCFM's sigma: path noise N(t x1 + (1-t) x0, sigma^2) for independent and ot; sigma sqrt(t(1-t)) and the plan's regularisation 2 sigma^2 for sb")
	sourceName := fs.String("source", fm.SourceNoise, "where the flow starts: noise (N(0, I)), or a built-in dataset or CSV file of the data's dimension (all its columns)")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	out := fs.String("o", "model.safetensors", "output model file")
	every := fs.Int64("checkpoint-every", 1000, "write a checkpoint every N steps (0: only when interrupted)")
	resume := fs.Bool("resume", false, "continue the run saved in the -o file's checkpoint")
	restart := fs.Bool("restart", false, "start over although the -o file's checkpoint holds an earlier run, moving it to FILE.ckpt.old")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	if _, err := parse(fs, args, 0, stdout); err != nil {
		return err
	}
	if *resume && !*restart {
		meta, err := fm.CheckpointSettings(*out + ".ckpt")
		if errors.Is(err, os.ErrNotExist) {
			return errorf("resume: no checkpoint %s.ckpt (it is written next to -o %s)", *out, *out)
		}
		if err != nil {
			return err
		}
		if err := resumeFlags(fs, meta, *out+".ckpt", stderr); err != nil {
			return err
		}
	}

	cfg := def
	var err error
	switch {
	case *hidden < 1:
		return usagef("--hidden %d: must be at least 1", *hidden)
	case *layers < 0:
		return usagef("--layers %d: must not be negative", *layers)
	case *layers > maxLayers:
		return usagef("--layers %d: at most %d", *layers, maxLayers)
	case *batch < 1:
		return usagef("--batch %d: must be at least 1", *batch)
	case *steps < 1:
		return usagef("--steps %d: must be at least 1", *steps)
	case !(*lr > 0):
		return usagef("--lr %v: must be positive", *lr)
	case *threads < 0 || *threads > mat.MaxThreads:
		return threadsError(*threads)
	case *every < 0:
		return usagef("--checkpoint-every %d: must not be negative", *every)
	case *resume && *restart:
		return usagef("--resume with --restart: give one or the other")
	case !(*condDrop >= 0 && *condDrop < 1):
		return usagef("--cond-drop %v: must be in [0, 1)", *condDrop)
	}
	cfg.Conditional = *conditional || *labelColumn != ""
	if fs.isSet("cond-drop") && !cfg.Conditional {
		return usagef("--cond-drop: only with --conditional (or --label-column)")
	}
	cfg.CondDrop = float32(*condDrop)
	if err := couplingFlags(fs, &cfg, *couplingName, *sigma, *sourceName, *pathName); err != nil {
		return err
	}
	csvOpt, err := cf.options()
	if err != nil {
		return err
	}
	if *labelColumn != "" {
		if _, ok := fm.Builtin(*data); ok {
			return usagef("--label-column: only for a CSV file; %s has its labels built in (use --conditional)", *data)
		}
		if _, ok := fm.IsMNIST(*data); ok {
			return usagef("--label-column: only for a CSV file; %s reads its labels file (use --conditional)", *data)
		}
		csvOpt.Label = *labelColumn
	}
	var header []string
	if cfg.Data, header, err = openDataset("data", *data, csvOpt); err != nil {
		return err
	}
	table, _ := cfg.Data.(*fm.Table)
	if f := cf.given(fs); f != "" && table == nil {
		return usagef("--%s: --data %s is a built-in dataset, not a CSV file", f, *data)
	}
	if err := chooseNetwork(fs, &cfg, *model, *channels); err != nil {
		return err
	}
	if cfg.Source != nil && cfg.Source.Dim() != cfg.Data.Dim() {
		return usagef("--source %s: %d dimensions, but the data %s have %d: a flow joins points of one dimension", *sourceName, cfg.Source.Dim(), *data, cfg.Data.Dim())
	}
	if cfg.Conditional && fm.Classes(cfg.Data) == 0 {
		if table != nil {
			return usagef("--conditional: %s has no labels; name its label column with --label-column", cfg.Data.Name())
		}
		return usagef("--conditional: %s carries no labels (8gaussians, moons, circles and mnist:DIR with its labels file do)", cfg.Data.Name())
	}
	switch *standardize {
	case "auto":
		cfg.Standardize = fm.StandardizeAuto
	case "true":
		cfg.Standardize = fm.StandardizeAlways
	case "false":
		cfg.Standardize = fm.StandardizeNever
	default:
		return usagef("--standardize %q: want true, false or auto", *standardize)
	}
	if cfg.Path, err = fm.ParsePath(*pathName); err != nil {
		return usagef("--path: %v", err)
	}
	if fs.isSet("sigma-min") {
		if cfg.Path.Schedule != fm.CondOT {
			return usagef("--sigma-min: the %s path has no sigma_min (condot has)", cfg.Path.Name())
		}
		cfg.Path.SigmaMin = *sigmaMin
	}
	if fs.isSet("beta-min") || fs.isSet("beta-max") {
		if cfg.Path.Schedule != fm.VP {
			return usagef("--beta-min, --beta-max: the %s path has no beta (vp has)", cfg.Path.Name())
		}
		cfg.Path.BetaMin, cfg.Path.BetaMax = *betaMin, *betaMax
	}
	cfg.Hidden = make([]int, *layers)
	for i := range cfg.Hidden {
		cfg.Hidden[i] = *hidden
	}
	if cfg.Act, err = nn.ParseActivation(*actName); err != nil {
		return usagef("--act: %v", err)
	}
	switch *timePos {
	case "first", "last":
		cfg.TimeFirst = *timePos == "first"
	default:
		return usagef("--time %q: want first or last", *timePos)
	}
	if *adamw && !(*weightDecay > 0) {
		return usagef("--adamw: AdamW differs from Adam only by how it decays weights, and --weight-decay is 0")
	}
	cfg.Batch, cfg.Steps, cfg.LR = *batch, *steps, float32(*lr)
	cfg.Schedule, cfg.Warmup = *schedule, *warmup
	cfg.WeightDecay, cfg.AdamW, cfg.ClipNorm, cfg.EMA = float32(*weightDecay), *adamw, float32(*clip), float32(*ema)
	cfg.Seed = *seed
	if err := cfg.Validate(); err != nil {
		return usagef("train: %v", err)
	}
	if err := checkWritable(*out); err != nil {
		return err
	}
	if table != nil {
		if err := notAnInput(*out, table.Source); err != nil {
			return err
		}
	}
	ckpt := *out + ".ckpt"
	_, err = os.Stat(ckpt)
	hasCkpt := err == nil
	if hasCkpt && !*resume && !*restart {
		return usagef("%s holds an earlier run: add --resume to continue it, or --restart to start over (moving it to %s.old)", ckpt, ckpt)
	}
	mat.SetThreads(*threads)

	// A run killed while writing its checkpoint or model left a temporary file; this run
	// writes both anew.
	for _, p := range []string{ckpt, *out} {
		if err := fileio.RemoveStaleTemporaries(p); err != nil && !*quiet {
			fmt.Fprintf(stderr, "fmtiny: note: %v\n", err)
		}
	}
	var tr *fm.Trainer
	if *resume {
		if tr, err = fm.ResumeTrainer(ckpt, cfg); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return errorf("resume: no checkpoint %s (it is written next to -o %s)", ckpt, *out)
			}
			return err
		}
		if !*quiet {
			fmt.Fprintf(stderr, "fmtiny: resuming the run of %s at step %d, to step %d (--steps)\n", ckpt, tr.Step, cfg.Steps)
		}
	} else {
		if tr, err = fm.NewTrainer(cfg); err != nil {
			return err
		}
		if hasCkpt {
			if err := os.Rename(ckpt, ckpt+".old"); err != nil {
				return errorf("restart: keep the earlier run's checkpoint: %w", err)
			}
			if !*quiet {
				fmt.Fprintf(stderr, "fmtiny: starting over; the earlier run's checkpoint is now %s.old\n", ckpt)
			}
		}
	}

	// The rest runs in a function of its own, so that its deferred signal.Stop does not make
	// each of the returns above call runtime.deferreturn.
	return func() error {
		// The loop looks for a signal between steps, so that the checkpoint is consistent.
		sigc := make(chan os.Signal, 1)
		signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sigc)

		var progress io.Writer = stderr
		if *quiet {
			progress = io.Discard
		}
		bar := newProgress(progress, tr.Step, cfg.Steps)
		if im, ok := cfg.Data.(*fm.Images); ok {
			bar.images, bar.batch = im.Len(), cfg.Batch
		}
		if table != nil && !*quiet {
			describeTable(stderr, *data, table, header)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "fmtiny: training %s on %s %s: %d parameters, batch %d, %d steps, kernels %s, %d threads\n",
				describeNet(cfg), describeData(cfg), describeMethod(cfg), tr.Model().Net.NumParams(), cfg.Batch, cfg.Steps, mat.Impl(), mat.Threads())
		}
		lastCkpt := tr.Step
		for tr.Step < cfg.Steps {
			select {
			case s := <-sigc:
				bar.finish()
				if err := tr.SaveCheckpoint(ckpt); err != nil {
					return errorf("interrupted at step %d, and the checkpoint could not be saved: %w", tr.Step, err)
				}
				status := 130
				if sig, ok := s.(syscall.Signal); ok {
					status = 128 + int(sig)
				}
				return &interrupted{fmt.Sprintf("interrupted (%v) at step %d of %d; checkpoint saved to %s: add --resume to continue", s, tr.Step, cfg.Steps, ckpt), status}
			default:
			}
			loss, err := tr.TrainStep()
			if err != nil {
				bar.finish()
				if _, ok := fileio.As[*fm.DivergedError](err); ok && lastCkpt > 0 {
					return errorf("%w; the checkpoint of step %d is kept in %s", err, lastCkpt, ckpt)
				}
				return err
			}
			bar.update(tr.Step, loss)
			if *every > 0 && tr.Step%*every == 0 && tr.Step < cfg.Steps {
				if err := tr.SaveCheckpoint(ckpt); err != nil {
					bar.finish()
					return err
				}
				lastCkpt = tr.Step
			}
		}
		bar.finish()
		if err := tr.Model().Save(*out); err != nil {
			return err
		}
		if err := os.Remove(ckpt); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "fmtiny: note: could not remove the finished run's checkpoint: %v\n", err)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "fmtiny: saved %s after %d steps (loss %.4f, %s)\n", *out, tr.Step, bar.smoothed, roundedDuration(bar.elapsed(), time.Millisecond))
		}
		return nil
	}()
}

// Defaults for training on images, chosen by measurement (BENCHMARKS.md, "The default image
// training"): with the UNet of fm.DefaultChannels, recognisable images within 15 minutes on the
// two cores of the reference machine.
const (
	imageBatch = 128
	imageSteps = 2000
)

// chooseNetwork sets cfg's network from --model and --channels, refuses the flags of the other
// network, and gives images their own defaults of --batch and --steps.
func chooseNetwork(fs *flagSet, cfg *fm.TrainConfig, model string, channels int) error {
	_, images := cfg.Data.(*fm.Images)
	switch model {
	case "":
		if images {
			model = fm.ArchUNet
		} else {
			model = fm.ArchMLP
		}
	case fm.ArchMLP, fm.ArchUNet:
	default:
		return usagef("--model %q: want mlp or unet", model)
	}
	cfg.Arch = model
	if model == fm.ArchUNet {
		if !images {
			return usagef("--model unet: the UNet learns images (--data mnist:DIR), and %s holds points", cfg.Data.Name())
		}
		for _, f := range []string{"hidden", "layers", "act", "time"} {
			if fs.isSet(f) {
				return usagef("--%s: an MLP's; the UNet's width is --channels, its activation the seed's ELU", f)
			}
		}
		if channels < 1 {
			return usagef("--channels %d: must be at least 1", channels)
		}
		cfg.Channels = channels
		if !fs.isSet("batch") {
			fs.Set("batch", itoa(imageBatch))
		}
		if !fs.isSet("steps") {
			fs.Set("steps", itoa(imageSteps))
		}
		return nil
	}
	if fs.isSet("channels") {
		return usagef("--channels: the UNet's; an MLP's width is --hidden")
	}
	return nil
}

// couplingFlags reads --coupling, --sigma and --source into c, and refuses what they cannot be
// combined with: another path than condot (or its --sigma-min), and a coupling other than
// independent for a class-conditional run.
func couplingFlags(fs *flagSet, c *fm.TrainConfig, coupling string, sigma float64, source, path string) error {
	var err error
	if c.Coupling, err = fm.ParseCoupling(coupling); err != nil {
		return usagef("--coupling: %v", err)
	}
	if sigma < 0 {
		return usagef("--sigma %v: must not be negative", sigma)
	}
	c.Sigma = sigma
	if source != fm.SourceNoise && source != "" {
		if c.Source, _, err = openDataset("source", source, fm.CSVOptions{}); err != nil {
			return err
		}
	}
	given := c.Coupling != fm.Independent || c.Sigma != 0 || c.Source != nil
	switch {
	case c.Coupling == fm.Entropic && c.Sigma == 0:
		return usagef("--coupling sb needs --sigma > 0: the entropic plan's regularisation is 2 sigma^2 and the bridge's noise sigma sqrt(t(1-t)) (TorchCFM's runs take 0.1)")
	case !given:
		return nil
	case fs.isSet("path") && path != "condot":
		return usagef("--path %s: --coupling, --sigma and --source train on TorchCFM's paths between x0 and x1, which generalise condot; leave --path out", path)
	case fs.isSet("sigma-min"):
		return usagef("--sigma-min: the condot path's noise at t = 1; with --coupling, --sigma or --source the paths are TorchCFM's, whose noise is --sigma")
	case c.Conditional && c.Coupling != fm.Independent:
		return usagef("--conditional with --coupling %s: the coupling pairs source and data points whatever their class; a conditional run takes the independent coupling (with --sigma and --source if wanted)", c.Coupling)
	}
	return nil
}

// describeMethod says what a run regresses on: a path from the noise, or TorchCFM's coupling,
// sigma and source.
func describeMethod(c fm.TrainConfig) string {
	if c.Coupling == fm.Independent && c.Sigma == 0 && c.Source == nil {
		return "with the " + c.Path.Name() + " path"
	}
	from := "N(0, I)"
	if c.Source != nil {
		from = c.Source.Name()
	}
	return fmt.Sprintf("from %s with the %s coupling, sigma %g", from, c.Coupling, c.Sigma)
}

func describeNet(c fm.TrainConfig) string {
	if c.Arch == fm.ArchUNet {
		return fmt.Sprintf("the seed's UNet (%d, %d and %d channels, elu)", c.Channels, 2*c.Channels, 4*c.Channels)
	}
	w := "no hidden layers"
	if len(c.Hidden) > 0 {
		w = fmt.Sprintf("%dx%d hidden", len(c.Hidden), c.Hidden[0])
	}
	return fmt.Sprintf("an MLP (%s, %s, t %s)", w, c.Act, choose(c.TimeFirst, "first", "last"))
}

// describeData names the training data, and for a conditional run its labels.
func describeData(c fm.TrainConfig) string {
	if !c.Conditional {
		return c.Data.Name()
	}
	return fmt.Sprintf("%s conditional on its %d classes (labels dropped with probability %g)", c.Data.Name(), fm.Classes(c.Data), c.CondDrop)
}

// openDataset takes a built-in dataset's name, mnist:DIR (the training split of the
// MNIST-format files in DIR), or a CSV file's path read with opt. For a file it returns the
// header too (nil if there is none), and the table's Source, which the model records, is the
// file's absolute path, so that eval finds it from any folder.
func openDataset(flag, name string, opt fm.CSVOptions) (fm.Dataset, []string, error) {
	if ds, ok := fm.Builtin(name); ok {
		return ds, nil, nil
	}
	if dir, ok := fm.IsMNIST(name); ok {
		im, err := openImages(dir, "train", "t10k")
		return im, nil, err
	}
	looksLikeFile := containsAnyByte(name, `/\`) || strings.HasSuffix(strings.ToLower(name), ".csv")
	if _, err := os.Stat(name); err != nil && !looksLikeFile {
		return nil, nil, usagef("--%s %q: not a built-in dataset (%s) nor a file", flag, name, strings.Join(fm.Builtins(), ", "))
	}
	header, t, err := readTable(name, opt)
	if errors.Is(err, fm.ErrCSVText) && opt.Columns == nil && flag == "data" {
		err = errorf("%w; a column of text? --columns chooses the numeric ones", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if t.Rows() < 2 {
		return nil, nil, errorf("%s: only one data row; training and metrics need at least 2", name)
	}
	return t, header, nil
}

// openImages reads the MNIST-format files of dir, split first, or other when the folder has
// none of split's: training reads the training split, eval's reference the test split.
func openImages(dir, split, other string) (*fm.Images, error) {
	im, err := fm.LoadMNIST(dir, split)
	if errors.Is(err, fs.ErrNotExist) {
		if im2, err2 := fm.LoadMNIST(dir, other); !errors.Is(err2, fs.ErrNotExist) {
			return im2, err2
		}
	}
	return im, err
}

// readTable reads a CSV file of points and its header (nil if it has none). An error that
// a flag can mend says which.
func readTable(path string, opt fm.CSVOptions) ([]string, *fm.Table, error) {
	t, err := fm.ReadCSVFile(path, opt)
	if errors.Is(err, fm.ErrCSVDelimiter) {
		err = errorf("%w (--delimiter gives it)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	return t.Columns, t, nil
}

// checkWritable fails early, before minutes of training, if the output cannot be written.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errorf("%s: is a directory", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return errorf("%s: the folder %s does not exist", path, dir)
	}
	if !st.IsDir() {
		return errorf("%s: %s is not a folder", path, dir)
	}
	f, err := os.CreateTemp(dir, ".fmtiny-write-test*")
	if err != nil {
		return errorf("%s: cannot write in %s", path, dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}
