package fm

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/nn"
)

// TrainConfig is everything that determines a training run: with the same config, kernel set
// and thread count, two runs produce the same model bit for bit.
type TrainConfig struct {
	Data Dataset
	// Standardize says whether the network sees (x - mean)/std per column; samples come back
	// in the data's units either way. The default, StandardizeAuto, standardises tables of
	// numbers (CSV files, whose scale is unknown) and leaves the built-in datasets as they are
	// (they are at the scale of the reference implementations, and train better there; see
	// DefaultTrainConfig). Images always take their fixed normalisation.
	Standardize Standardization
	Path        Path

	// Arch is the network: ArchMLP (the default for vectors) or ArchUNet (for images; its
	// default). The MLP's hidden layer widths, activation and time position are Hidden, Act
	// and TimeFirst; the UNet's base width is Channels, its activation ELU.
	Arch      string
	Hidden    []int
	Act       nn.Activation
	TimeFirst bool // cat(t, x) instead of the reference's cat(x, t)
	Channels  int

	Batch       int
	Steps       int64
	LR          float32
	Schedule    string // "constant" or "cosine" (decay to 0 at the last step)
	Warmup      int64  // steps of linear warm-up from 0 to LR
	WeightDecay float32
	AdamW       bool    // decoupled weight decay
	ClipNorm    float32 // > 0: clip the global gradient norm
	EMA         float32 // > 0: keep an exponential moving average of the weights with this decay and save it
	Seed        uint64

	// Conditional trains a class-conditional field u(x, t, y) on the labels of Data (a
	// LabelledDataset with labels): each point's label is replaced by "no label" with
	// probability CondDrop, drawn from the trainer's generator, so that the same network also
	// learns the unconditional field that classifier-free guidance needs. Without it, training
	// is as it was before labels existed, bit for bit, and CondDrop is not used.
	Conditional bool
	CondDrop    float32

	// Pairs, when set, trains on fixed couplings instead of noise and data (reflow and
	// distillation, see Reflower): each step draws Batch pairs from it with the trainer's
	// generator, already in the network's units, with their labels for a conditional run, and
	// regresses on the straight path between them (Path must be condot with sigma_min 0:
	// x_t = t x1 + (1 - t) x0, target x1 - x0). Data is then not used and may be nil.
	Pairs *Pairs
	// TimeZero trains at t = 0 alone: u(x0, 0) regressed on x1 - x0, which fits one Euler step
	// to the pairs (distillation).
	TimeZero bool
	// Init, when set, is the model the network starts from instead of PyTorch's
	// initialisation: its weights, its data statistics and what it says of its data (a reflow
	// student starts from its teacher). Its network must be the one the config describes.
	Init *Model
	// Record holds keys written into the model file's training record and checked when a
	// checkpoint is resumed, beside the config's own (a reflow's stage).
	Record map[string]string

	// Coupling, Sigma and Source train one of TorchCFM's flow matchers (Tong et al., TMLR
	// 2024) instead of Path: each step draws x0 from Source (N(0, I) when nil) and x1 from
	// Data, pairs them by Coupling, and regresses on the path between each pair. Independent
	// (I-CFM) and ExactOT (OT-CFM) take x_t = t x1 + (1 - t) x0 + Sigma eps with target
	// x1 - x0 (CFMSample); Entropic (SB-CFM) draws the pairs from the entropic plan of
	// regularisation 2 Sigma^2 and takes the Brownian bridge of noise Sigma sqrt(t (1 - t))
	// (SBCFMSample), so it needs Sigma > 0. A source dataset is standardised with the data's
	// statistics, so that both ends share the network's units. Path must then be condot with
	// sigma_min 0 (the straight path these generalise). With the zero values (Independent,
	// Sigma 0, no Source) training is Path's, exactly as before they existed.
	Coupling Coupling
	Sigma    float64
	Source   Dataset
}

// torchCFM reports whether c trains one of TorchCFM's flow matchers (a coupling, path noise or
// a source dataset) rather than Path from N(0, I).
func (c TrainConfig) torchCFM() bool {
	return c.Coupling != Independent || c.Sigma != 0 || c.Source != nil
}

// DefaultTrainConfig is facebookresearch/flow_matching's 2D example loop at a width that trains
// the checkerboard well in about a minute on two cores. Like that example it trains on the
// checkerboard as it is: standardised (to unit variance, which shrinks its squares relative to
// the noise from 2.2 to 0.86) the same width-64 network put 0.55 of its samples on the squares
// after 3000 steps, against 0.83 unstandardised (and 0.81 for PyTorch's reference loop).
func DefaultTrainConfig() TrainConfig {
	ds, _ := Builtin("checkerboard")
	return TrainConfig{
		Data: ds, Path: NewPath(CondOT),
		Hidden: []int{128, 128, 128, 128}, Act: nn.SiLU,
		Batch: 1024, Steps: 10000, LR: 1e-3, Schedule: "constant", Seed: 1,
		CondDrop: 0.2, // facebookresearch/flow_matching's image example drops 20% of the labels
	}
}

// Validate reports the first setting that cannot train.
func (c TrainConfig) Validate() error {
	switch {
	case c.Data == nil && c.Pairs == nil:
		return errorf("no training data")
	case c.Standardize < StandardizeAuto || c.Standardize > StandardizeNever:
		return errorf("standardisation %d: want StandardizeAuto, StandardizeAlways or StandardizeNever", c.Standardize)
	case c.Pairs != nil && c.Init == nil:
		return errorf("training on pairs needs the model they came from to start from (Init)")
	case c.Pairs != nil && c.Pairs.Len() == 0:
		return errorf("no pairs to train on")
	case c.Pairs != nil && !(c.Path.Schedule == CondOT && c.Path.SigmaMin == 0 && c.Path.TEnd == 1):
		return errorf("pairs train on the straight path (condot, sigma_min 0), not %s", c.Path.Name())
	case c.Batch < 1:
		return errorf("batch %d: must be at least 1", c.Batch)
	case c.Steps < 1:
		return errorf("steps %d: must be at least 1", c.Steps)
	case !(c.LR > 0) || math.IsInf(float64(c.LR), 0):
		return errorf("learning rate %v: must be a positive number", c.LR)
	case c.Schedule != "constant" && c.Schedule != "cosine":
		return errorf("schedule %q: want constant or cosine", c.Schedule)
	case c.Warmup < 0:
		return errorf("warm-up %d: must not be negative", c.Warmup)
	case !(c.WeightDecay >= 0) || math.IsInf(float64(c.WeightDecay), 0):
		return errorf("weight decay %v: must be a non-negative number", c.WeightDecay)
	case !(c.ClipNorm >= 0) || math.IsInf(float64(c.ClipNorm), 0):
		return errorf("gradient clipping %v: must be a non-negative number", c.ClipNorm)
	case !(c.EMA >= 0 && c.EMA < 1):
		return errorf("EMA decay %v: must be in [0, 1)", c.EMA)
	case !(c.CondDrop >= 0 && c.CondDrop < 1):
		return errorf("label drop probability %v: must be in [0, 1)", c.CondDrop)
	case c.Conditional && c.classes() == 0:
		return errorf("%s carries no labels to condition on", c.dataName())
	}
	if err := c.validateCoupling(); err != nil {
		return err
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return errorf("hidden width %d: must be at least 1", h)
		}
	}
	if err := c.Path.Validate(); err != nil {
		return err
	}
	_, err := c.network(false)
	return err
}

// Standardization is whether training standardises the data: StandardizeAuto (tables yes,
// built-in datasets no), StandardizeAlways or StandardizeNever.
type Standardization int

const (
	StandardizeAuto Standardization = iota
	StandardizeAlways
	StandardizeNever
)

// standardized resolves c.Standardize for c's data.
func (c TrainConfig) standardized() bool {
	switch c.Standardize {
	case StandardizeAlways:
		return true
	case StandardizeNever:
		return false
	}
	_, table := c.Data.(*Table)
	return table
}

// validateCoupling checks Coupling, Sigma and Source and what they may be combined with.
func (c TrainConfig) validateCoupling() error {
	switch {
	case c.Coupling < Independent || c.Coupling > Entropic:
		return errorf("unknown coupling %v", c.Coupling)
	case !(c.Sigma >= 0) || math.IsInf(c.Sigma, 0):
		return errorf("sigma %v: must be a non-negative number", c.Sigma)
	case c.Coupling == Entropic && c.Sigma == 0:
		return errorf("the sb coupling needs a sigma > 0: its plan's regularisation is 2 sigma^2 and its path's noise sigma sqrt(t(1-t))")
	case !c.torchCFM():
		return nil
	case c.Pairs != nil:
		return errorf("training on fixed pairs (reflow) takes no coupling, sigma or source")
	case !(c.Path.Schedule == CondOT && c.Path.SigmaMin == 0 && c.Path.TEnd == 1):
		return errorf("a coupling, sigma or source trains on TorchCFM's paths between x0 and x1, which generalise condot without sigma_min; the %s path is not one", c.Path.Name())
	case c.Conditional && c.Coupling != Independent:
		return errorf("the %s coupling pairs source and data points whatever their class; a class-conditional run takes the independent coupling alone", c.Coupling)
	case c.Source != nil && c.Data != nil && c.Source.Dim() != c.Data.Dim():
		return errorf("the source %s has %d dimensions, the data %s %d: a flow joins points of one dimension", c.Source.Name(), c.Source.Dim(), c.Data.Name(), c.Data.Dim())
	}
	return nil
}

// The architectures a TrainConfig may name.
const (
	ArchMLP  = "mlp"
	ArchUNet = "unet"
)

// arch is the architecture c trains: Arch, or the default for its data (the UNet for images).
func (c TrainConfig) arch() string {
	if c.Arch != "" {
		return c.Arch
	}
	if _, ok := c.Data.(*Images); ok {
		return ArchUNet
	}
	return ArchMLP
}

// DefaultChannels is the UNet's base width when TrainConfig.Channels is 0.
const DefaultChannels = 32

// classes is the number of labels c conditions on: the data's (or pairs'), or 0 when not
// Conditional.
func (c TrainConfig) classes() int {
	switch {
	case !c.Conditional:
		return 0
	case c.Pairs != nil:
		return c.Pairs.Classes
	}
	return Classes(c.Data)
}

// imageShape is the shape (channels, height, width) of the points when they are images: the
// dataset's, or the starting model's; nil for vectors.
func (c TrainConfig) imageShape() []int {
	if im, ok := c.Data.(*Images); ok {
		return []int{im.C, im.H, im.W}
	}
	if c.Init != nil {
		return c.Init.Shape
	}
	return nil
}

// dim is the points' number of values.
func (c TrainConfig) dim() int {
	if c.Pairs != nil {
		return c.Pairs.D
	}
	return c.Data.Dim()
}

// dataName names the data the model learns: its starting model's, or the dataset's.
func (c TrainConfig) dataName() string {
	if c.Init != nil {
		return c.Init.Data
	}
	return c.Data.Name()
}

// network checks the network c describes and the memory its training takes, and returns it:
// with zero weights when alloc is set, otherwise a description of its shape alone, which has
// no parameters to read or write. Nothing is allocated before the sizes are checked.
func (c TrainConfig) network(alloc bool) (Network, error) {
	d := c.dim()
	var shape Network
	switch c.arch() {
	case ArchMLP:
		cfg := nn.Config{In: d + 1, Hidden: c.Hidden, Out: d, Act: c.Act, TimeFirst: c.TimeFirst, Classes: c.classes()}
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		shape = &MLPNetwork{&nn.MLP{Config: cfg}}
	case ArchUNet:
		im := c.imageShape()
		if im == nil {
			return nil, errorf("a UNet learns images (mnist:DIR), not %s", c.dataName())
		}
		base := c.Channels
		if base == 0 {
			base = DefaultChannels
		}
		cfg := nn.SeedUNet(im[0], im[1], im[2], base)
		cfg.Classes = c.classes()
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		shape = &UNetNetwork{&nn.UNet{UNetConfig: cfg}}
	default:
		return nil, errorf("unknown network %q (want %s or %s)", c.Arch, ArchMLP, ArchUNet)
	}
	if v := trainValues(shape, c.Batch); v > MaxValues {
		return nil, errorf("a batch of %d points of %d values through this network needs about %.3g GiB, more than the %d GiB fmtiny allows: lower the batch or the widths",
			c.Batch, d, v*4/(1<<30), MaxValues*4>>30)
	}
	if !alloc {
		return shape, nil
	}
	switch net := shape.(type) {
	case *MLPNetwork:
		return NewMLPNetwork(d, net.Hidden, net.Act, net.TimeFirst, net.Config.Classes)
	case *UNetNetwork:
		return NewUNetNetwork(net.Channels, net.Height, net.Width, net.Base, net.Classes)
	}
	panic("unreachable")
}

// MaxValues bounds the float32 values a training run or a sample holds in all its buffers
// together (4 GiB): settings past it are refused with an error instead of ending in an
// out-of-memory crash or, past int's range, a panic in make.
const MaxValues = 1 << 30

// trainValues estimates, in float64 so that no setting overflows it, the float32 values a
// trainer of net holds: the parameters with their gradients (and up to three more copies of
// them for the network's row blocks), Adam's two moments and the EMA copy; and for each point
// of a batch, the step's noise, data, path point, target, time and label, and the network's
// activations.
func trainValues(net Network, batch int) float64 {
	d := float64(net.Dim())
	return 8*float64(net.NumParams()) + float64(batch)*(4*d+2+net.valuesPerPoint(false))
}

// record lists the settings a checkpoint must agree with to be resumed: everything but the
// step count, which a resumed run may extend.
func (c TrainConfig) record() map[string]string {
	f32 := func(v float32) string { return formatFloat(float64(v), 'g', -1, 32) }
	hidden := make([]string, len(c.Hidden))
	for i, h := range c.Hidden {
		hidden[i] = itoa(h)
	}
	r := map[string]string{
		"train.data": c.dataName(), "train.standardize": strconv.FormatBool(c.standardized()),
		"train.path": c.Path.Name(), "train.hidden": strings.Join(hidden, ","),
		"train.activation": c.Act.String(), "train.time": timeName(c.TimeFirst),
		"train.batch": itoa(c.Batch), "train.lr": f32(c.LR), "train.schedule": c.Schedule,
		"train.warmup": strconv.FormatInt(c.Warmup, 10), "train.weight_decay": f32(c.WeightDecay),
		"train.adamw": strconv.FormatBool(c.AdamW), "train.clip": f32(c.ClipNorm),
		"train.ema": f32(c.EMA), "train.seed": strconv.FormatUint(c.Seed, 10),
	}
	// A UNet run records its network; an MLP's record is what it always was.
	if c.arch() == ArchUNet {
		r[keyTrainNetwork] = ArchUNet
		r[keyTrainChannels] = itoa(cmp.Or(c.Channels, DefaultChannels))
		delete(r, "train.hidden")
		delete(r, "train.activation")
		delete(r, "train.time")
	}
	// Conditional runs record their labels; unconditional ones write what they always wrote.
	if c.Conditional {
		r[keyTrainConditional] = "true"
		r[keyTrainCondDrop] = f32(c.CondDrop)
		if t, ok := c.Data.(*Table); ok {
			r[keyTrainLabelColumn] = t.LabelColumn
		}
	}
	// TorchCFM's flow matchers record their coupling, sigma and source; Path's runs write
	// what they always wrote.
	if c.torchCFM() {
		r[keyTrainCoupling] = c.Coupling.String()
		r[keyTrainSigma] = formatFloat(c.Sigma, 'g', -1, 64)
		r[keyTrainSource] = sourceName(c.Source)
	}
	if c.Pairs != nil {
		r[keyTrainPairs] = itoa(c.Pairs.Len())
		if c.TimeZero {
			r[keyTrainTimeZero] = "true"
		}
	}
	for k, v := range c.Record {
		r[k] = v
	}
	return r
}

// The training record's keys that only some runs write: a checkpoint with one of them resumes
// only a run that has it too, and the other way round.
const (
	keyTrainNetwork     = "train.network"
	keyTrainChannels    = "train.channels"
	keyTrainConditional = "train.conditional"
	keyTrainCondDrop    = "train.cond_drop"
	keyTrainLabelColumn = "train.label_column"
	keyTrainPairs       = "train.pairs"
	keyTrainTimeZero    = "train.time_zero"
	keyTrainCoupling    = "train.coupling"
	keyTrainSigma       = "train.sigma"
	keyTrainSource      = "train.source"
)

// sourceName names a source distribution as the model file records it: the dataset's name (a
// CSV file's path), or "noise" for N(0, I).
func sourceName(ds Dataset) string {
	if ds == nil {
		return SourceNoise
	}
	return ds.Name()
}

// SourceNoise is the name of the default source, N(0, I).
const SourceNoise = "noise"

var optionalRecordKeys = []string{keyTrainNetwork, keyTrainChannels, keyTrainConditional, keyTrainCondDrop, keyTrainLabelColumn, keyTrainPairs, keyTrainTimeZero,
	keyTrainCoupling, keyTrainSigma, keyTrainSource,
	keyReflowStage, keyReflowRounds, keyReflowDistilled, keyReflowPairs, keyReflowSolver}

// Trainer runs Conditional Flow Matching: each step draws x1 from the data, x0 ~ N(0, I) and
// t ~ U[0, t_end), regresses the network's output at (x_t, t) on the path's target velocity with
// a mean squared error, and takes an Adam step. After the first step, a step allocates nothing.
type Trainer struct {
	Config TrainConfig
	Step   int64 // steps taken

	net   Network
	pass  trainPass
	opt   *nn.Adam
	ema   *nn.EMA
	pcg   *rand.PCG
	rng   *rand.Rand
	stats Stats

	x0, x1, xt, ut, t []float32
	noise             []float32 // TorchCFM's path noise eps (nil unless Sigma > 0)
	coupler           *Coupler  // TorchCFM's coupling (nil for Path's runs)
	labels            []int32   // a conditional run's labels (nil otherwise)
	classes           int       // a conditional run's classes, whose number is "no label"

	// tamper, when set (by tests only), alters a step's inputs and targets before the network
	// sees them, to show that a broken method fails the quality tests the real one passes.
	tamper func(tr *Trainer)
}

// statsSampleSize is how many points of a built-in dataset estimate its standardisation.
const statsSampleSize = 1 << 16

// NewTrainer makes a trainer with a freshly initialised network (PyTorch's nn.Linear init).
func NewTrainer(c TrainConfig) (*Trainer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.dim()
	net, err := c.network(true)
	if err != nil {
		return nil, err
	}
	tr := &Trainer{Config: c, net: net, opt: nn.NewAdam(net.NumParams()), pcg: rand.NewPCG(c.Seed, 0)}
	tr.rng = rand.New(tr.pcg)
	if tr.stats, err = dataStats(c); err != nil {
		return nil, err
	}
	if c.Init != nil {
		if err := readTensors(net.tensors(), c.Init.Net.tensors()); err != nil {
			return nil, errorf("the starting model's network differs from the one to train: %w", err)
		}
	} else {
		net.init(tr.rng)
	}
	if c.EMA > 0 {
		tr.ema = nn.NewEMA(net.params(), c.EMA)
	}
	tr.configureOptimizer()
	tr.pass = net.newTrainPass(c.Batch)
	n := c.Batch * d
	tr.x0, tr.x1, tr.xt, tr.ut = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	tr.t = make([]float32, c.Batch)
	if c.torchCFM() {
		tr.coupler = &Coupler{Kind: c.Coupling, Sigma: c.Sigma}
		if c.Sigma > 0 {
			tr.noise = make([]float32, n)
		}
	}
	if tr.classes = c.classes(); tr.classes > 0 {
		tr.labels = make([]int32, c.Batch)
	}
	return tr, nil
}

func (tr *Trainer) configureOptimizer() {
	c := tr.Config
	tr.opt.WeightDecay, tr.opt.Decoupled, tr.opt.ClipNorm = c.WeightDecay, c.AdamW, c.ClipNorm
}

// dataStats standardises with the starting model's statistics, the training table's own, or a
// built-in dataset's estimated from a sample drawn with a fixed seed (so they depend on the
// dataset alone), or images' fixed normalisation.
func dataStats(c TrainConfig) (Stats, error) {
	if c.Init != nil {
		return Stats{Mean: slices.Clone(c.Init.Stats.Mean), Std: slices.Clone(c.Init.Stats.Std)}, nil
	}
	if im, ok := c.Data.(*Images); ok {
		return im.Stats(), nil // images always take the seed's normalisation
	}
	d := c.Data.Dim()
	if !c.standardized() {
		return Identity(d), nil
	}
	if t, ok := c.Data.(*Table); ok {
		return ColumnStats(t.X, d)
	}
	x := make([]float32, statsSampleSize*d)
	c.Data.Sample(rand.New(rand.NewPCG(0x57a75, 0)), x)
	return ColumnStats(x, d)
}

// LearningRate is the rate the schedule gives for step i (counting from 0).
func (c TrainConfig) LearningRate(i int64) float32 {
	lr := float64(c.LR)
	if c.Warmup > 0 && i < c.Warmup {
		lr *= float64(i+1) / float64(c.Warmup)
	}
	if c.Schedule == "cosine" && c.Steps > c.Warmup {
		p := float64(max(i-c.Warmup, 0)) / float64(c.Steps-c.Warmup)
		lr *= 0.5 * (1 + math.Cos(math.Pi*min(p, 1)))
	}
	return float32(lr)
}

// DivergedError reports a loss that stopped being a finite number.
type DivergedError struct {
	Step int64
	Loss float32
}

func (e *DivergedError) Error() string {
	if e.Step == 1 {
		// No update has been made: the learning rate is not to blame.
		return fmt.Sprintf("the loss is %v at the first step, before any update: are the data too large for float32? (standardise them)", e.Loss)
	}
	return fmt.Sprintf("the loss became %v at step %d: training diverged; try a lower learning rate (--lr)", e.Loss, e.Step)
}

// TrainStep takes one optimisation step and returns its loss. A loss that is not finite stops
// with a *DivergedError before the weights are touched, so the last good state stays.
func (tr *Trainer) TrainStep() (float32, error) {
	c := &tr.Config
	d := c.dim()
	if tr.coupler != nil {
		if err := tr.torchCFMBatch(); err != nil {
			return 0, errorf("step %d: %w", tr.Step+1, err)
		}
		return tr.update()
	}
	switch {
	case c.Pairs != nil:
		tr.drawPairs()
	case tr.labels != nil:
		c.Data.(LabelledDataset).SampleLabelled(tr.rng, tr.x1, tr.labels)
	default:
		c.Data.Sample(tr.rng, tr.x1)
	}
	if c.Pairs == nil {
		tr.stats.Normalize(tr.x1)
		for i := range tr.x0 {
			tr.x0[i] = float32(tr.rng.NormFloat64())
		}
	}
	for i := range tr.t {
		if c.TimeZero {
			tr.t[i] = 0
			continue
		}
		tr.t[i] = float32(tr.rng.Float64() * c.Path.TEnd)
	}
	tr.dropLabels()
	c.Path.Sample(tr.xt, tr.ut, tr.x0, tr.x1, tr.t, d)
	return tr.update()
}

// torchCFMBatch draws a step's batch for TorchCFM's flow matchers: x1 from the data (with its
// labels), x0 from the source or N(0, I), both in the network's units; t ~ U[0, 1); the pairs
// coupled; then x_t and the target on I-CFM's and OT-CFM's path or SB-CFM's bridge.
func (tr *Trainer) torchCFMBatch() error {
	c := &tr.Config
	d := c.dim()
	if tr.labels != nil {
		c.Data.(LabelledDataset).SampleLabelled(tr.rng, tr.x1, tr.labels)
	} else {
		c.Data.Sample(tr.rng, tr.x1)
	}
	tr.stats.Normalize(tr.x1)
	if c.Source != nil {
		c.Source.Sample(tr.rng, tr.x0)
		tr.stats.Normalize(tr.x0)
	} else {
		for i := range tr.x0 {
			tr.x0[i] = float32(tr.rng.NormFloat64())
		}
	}
	for i := range tr.t {
		tr.t[i] = float32(tr.rng.Float64())
	}
	if err := tr.coupler.Couple(tr.rng, tr.x0, tr.x1, c.Batch, d); err != nil {
		return err
	}
	for i := range tr.noise {
		tr.noise[i] = float32(tr.rng.NormFloat64())
	}
	tr.dropLabels()
	if c.Coupling == Entropic {
		SBCFMSample(tr.xt, tr.ut, tr.x0, tr.x1, tr.noise, tr.t, d, c.Sigma)
	} else {
		CFMSample(tr.xt, tr.ut, tr.x0, tr.x1, tr.noise, tr.t, d, c.Sigma)
	}
	return nil
}

// update runs the network on the step's batch and takes the optimizer's step.
func (tr *Trainer) update() (float32, error) {
	c := &tr.Config
	n := c.Batch
	if tr.tamper != nil {
		tr.tamper(tr)
	}
	loss := tr.pass.MSEGrad(tr.xt, tr.t, tr.labels, tr.ut, n)
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return loss, &DivergedError{Step: tr.Step + 1, Loss: loss}
	}
	tr.opt.LR = c.LearningRate(tr.Step)
	tr.opt.Update(tr.net.params(), tr.net.grads())
	if tr.ema != nil {
		tr.ema.Update(tr.net.params())
	}
	tr.Step++
	return loss, nil
}

// drawPairs draws the step's pairs from the fixed set, uniformly with replacement, with their
// labels for a conditional run.
func (tr *Trainer) drawPairs() {
	p := tr.Config.Pairs
	d, n := p.D, p.Len()
	for i := range tr.Config.Batch {
		j := tr.rng.IntN(n)
		copy(tr.x0[i*d:(i+1)*d], p.X0[j*d:(j+1)*d])
		copy(tr.x1[i*d:(i+1)*d], p.X1[j*d:(j+1)*d])
		if tr.labels != nil {
			tr.labels[i] = p.Labels[j]
		}
	}
}

// dropLabels replaces each label of a conditional run by "no label" with probability CondDrop.
func (tr *Trainer) dropLabels() {
	if tr.labels == nil || tr.Config.CondDrop == 0 {
		return
	}
	p := float64(tr.Config.CondDrop)
	for i := range tr.labels {
		if tr.rng.Float64() < p {
			tr.labels[i] = int32(tr.classes)
		}
	}
}

// Model returns the trained model, with the EMA weights when the run keeps them. It shares the
// trainer's weights: save it before the next step if a snapshot is wanted.
func (tr *Trainer) Model() *Model {
	net := tr.net
	if tr.ema != nil {
		net = tr.net.withParams(tr.ema.Params)
	}
	var shape []int
	var values []int64
	if init := tr.Config.Init; init != nil {
		shape, values = init.Shape, init.LabelValues
	}
	if im, ok := tr.Config.Data.(*Images); ok {
		shape = []int{im.C, im.H, im.W}
	}
	var columns []string
	var read CSVOptions
	if t, ok := tr.Config.Data.(*Table); ok {
		if tr.classes > 0 {
			values = t.LabelValues
		}
		columns = t.Columns
		read = CSVOptions{Delimiter: t.Read.Delimiter, Columns: t.Read.Columns, Label: t.Read.Label}
	}
	var source string
	if tr.Config.Source != nil {
		source = tr.Config.Source.Name()
	}
	return &Model{Net: net, Path: tr.Config.Path, Stats: tr.stats, Data: tr.Config.dataName(), Source: source, Shape: shape,
		Columns: columns, DataOptions: read, Steps: tr.Step, Seed: tr.Config.Seed, LabelValues: values,
		Extra: tr.Config.record()}
}

// Checkpoint tensor names beside the network's main.* ones.
const (
	ckptAdamM   = "optimizer.exp_avg"
	ckptAdamV   = "optimizer.exp_avg_sq"
	ckptEMA     = "ema"
	keyCkptStep = "checkpoint.step"
	// KeyCkptTotal is the number of steps the checkpointed run was asked for (TrainConfig.Steps).
	KeyCkptTotal = "checkpoint.total_steps"
	keyCkptRNG   = "checkpoint.rng"
	keyCkptAdam  = "checkpoint.adam_steps"
)

// WriteCheckpoint writes everything needed to continue the run exactly: the raw weights, Adam's
// moments and step count, the EMA weights, the random generator's state and the config.
func (tr *Trainer) WriteCheckpoint(w io.Writer) error {
	m := tr.Model()
	m.Net = tr.net // the raw weights; the EMA ones go in their own tensor
	meta := m.Metadata()
	rng, err := tr.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	meta[keyCkptStep] = strconv.FormatInt(tr.Step, 10)
	meta[KeyCkptTotal] = strconv.FormatInt(tr.Config.Steps, 10)
	meta[keyCkptRNG] = hex.EncodeToString(rng)
	meta[keyCkptAdam] = strconv.FormatInt(tr.opt.Steps, 10)
	n := tr.net.NumParams()
	tensors := append(tr.net.tensors(),
		nn.Tensor{Name: ckptAdamM, Shape: []int{n}, Data: tr.opt.M},
		nn.Tensor{Name: ckptAdamV, Shape: []int{n}, Data: tr.opt.V})
	if tr.ema != nil {
		tensors = append(tensors, nn.Tensor{Name: ckptEMA, Shape: []int{n}, Data: tr.ema.Params})
	}
	if tr.Config.Pairs != nil {
		tensors = append(tensors, pairTensors(tr.Config.Pairs)...)
	}
	return nn.WriteSafetensors(w, tensors, meta)
}

// SaveCheckpoint writes the checkpoint to path atomically.
func (tr *Trainer) SaveCheckpoint(path string) error {
	return fileio.WriteAtomic(path, tr.WriteCheckpoint)
}

// CheckpointSettings returns the metadata of the checkpoint at path: the run's record (the
// train.* keys, which ResumeTrainer's config must repeat), its path's parameters, how its data
// were read (data.*), its step (checkpoint.step) and the steps it was asked for
// (KeyCkptTotal). A command line fills the flags a user left out from them.
func CheckpointSettings(path string) (map[string]string, error) {
	data, err := fileio.ReadLimited(path, MaxModelSize)
	if err != nil {
		return nil, err
	}
	_, meta, err := nn.ReadSafetensors(data)
	if err == nil && meta[keyCkptStep] == "" {
		err = errorf("not a checkpoint of fmtiny train (no %s)", keyCkptStep)
	}
	if err != nil {
		return nil, errorf("resume from %s: %w", path, err)
	}
	return meta, nil
}

// ResumeTrainer continues the run saved in the checkpoint at path. The config must be the one
// the checkpoint was made with, but for Steps, which may grow. A run on pairs whose config's
// Pairs hold no points yet (only D and Classes) takes them from the checkpoint, which holds them.
func ResumeTrainer(path string, c TrainConfig) (*Trainer, error) {
	data, err := fileio.ReadLimited(path, MaxModelSize)
	if err != nil {
		return nil, err
	}
	tr, err := resume(data, c)
	if err != nil {
		return nil, errorf("resume from %s: %w", path, err)
	}
	return tr, nil
}

func resume(data []byte, c TrainConfig) (*Trainer, error) {
	tensors, meta, err := nn.ReadSafetensors(data)
	if err != nil {
		return nil, err
	}
	if c.Pairs != nil && c.Pairs.X0 == nil {
		if c.Pairs, err = readPairs(tensors, c.Pairs); err != nil {
			return nil, err
		}
	}
	want := c.record()
	switch had := meta[keyTrainConditional] == "true"; {
	case had && !c.Conditional:
		return nil, errorf("the checkpoint is of a conditional run (--conditional); this run is not")
	case !had && c.Conditional:
		return nil, errorf("the checkpoint is of an unconditional run; this run is conditional")
	}
	keys := nn.SortedKeys(want)
	for _, k := range optionalRecordKeys {
		if _, ok := want[k]; !ok && meta[k] != "" {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if meta[k] != want[k] {
			return nil, errorf("the checkpoint was made with %s = %q, this run has %q", strings.TrimPrefix(k, "train."), meta[k], want[k])
		}
	}
	// The record names the path; its parameters are the model's own keys.
	if p, err := pathFromMetadata(meta); err != nil {
		return nil, err
	} else if p != c.Path {
		for _, kv := range [][3]any{{keySigmaMin, p.SigmaMin, c.Path.SigmaMin}, {keyBetaMin, p.BetaMin, c.Path.BetaMin},
			{keyBetaMax, p.BetaMax, c.Path.BetaMax}, {keyTEnd, p.TEnd, c.Path.TEnd}} {
			if kv[1] != kv[2] {
				return nil, errorf("the checkpoint was made with %s = %v, this run has %v", kv[0], kv[1], kv[2])
			}
		}
		return nil, errorf("the checkpoint's path is not this run's")
	}
	tr, err := NewTrainer(c)
	if err != nil {
		return nil, err
	}
	shape := tr.Model().Shape
	if meta[keyMean] != statValues(tr.stats.Mean, shape) || meta[keyStd] != statValues(tr.stats.Std, shape) {
		return nil, errorf("the training data's statistics differ from the checkpoint's: has the data changed?")
	}
	if err := readTensors(tr.net.tensors(), tensors); err != nil {
		return nil, errorf("the checkpoint's network does not match the config: %w", err)
	}
	n := tr.net.NumParams()
	vectors := map[string][]float32{ckptAdamM: tr.opt.M, ckptAdamV: tr.opt.V}
	if tr.ema != nil {
		vectors[ckptEMA] = tr.ema.Params
	}
	for name, dst := range vectors {
		i := slices.IndexFunc(tensors, func(t nn.Tensor) bool { return t.Name == name })
		if i < 0 || len(tensors[i].Data) != n {
			return nil, errorf("the checkpoint has no %s of %d values", name, n)
		}
		copy(dst, tensors[i].Data)
	}
	if tr.Step, err = strconv.ParseInt(meta[keyCkptStep], 10, 64); err != nil || tr.Step < 0 {
		return nil, errorf("bad %s %q", keyCkptStep, meta[keyCkptStep])
	}
	if tr.opt.Steps, err = strconv.ParseInt(meta[keyCkptAdam], 10, 64); err != nil || tr.opt.Steps < 0 {
		return nil, errorf("bad %s %q", keyCkptAdam, meta[keyCkptAdam])
	}
	rng, err := hex.DecodeString(meta[keyCkptRNG])
	if err == nil {
		err = tr.pcg.UnmarshalBinary(rng)
	}
	if err != nil {
		return nil, errorf("bad %s: %v", keyCkptRNG, err)
	}
	if tr.Step > c.Steps {
		return nil, errorf("the checkpoint is at step %d, past the %d steps asked for", tr.Step, c.Steps)
	}
	return tr, nil
}
