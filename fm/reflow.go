package fm

import (
	"github.com/fmtiny/fmtiny/fm/fileio"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// This file straightens a flow (Liu, Gong and Liu, "Flow Straight and Fast: Learning to
// Generate and Transfer Data with Rectified Flow", ICLR 2023). Reflow draws noise x0, solves the
// teacher's ODE accurately from it to x1, and trains a student, warm-started from the teacher,
// on the straight path between each fixed pair: its field's paths straighten, so that few Euler
// steps follow them; repeated, each student the next round's teacher, it makes a k-rectified
// flow. Distillation then fits the last flow's single Euler step to its pairs: u(x0, 0) is
// regressed on x1 - x0, t = 0 alone, as the paper's code distils (its "t0" schedule with the L2
// loss). Every stage is fm's Trainer on a fixed set of pairs (TrainConfig.Pairs).

// Pairs are fixed couplings (x0, x1) of a flow, in the network's units: x1 is where the flow's
// ODE takes x0.
type Pairs struct {
	D       int       // values per point
	X0, X1  []float32 // Len() rows of D values each
	Labels  []int32   // each pair's class for a conditional flow, nil otherwise
	Classes int       // the flow's classes, 0 for an unconditional one
}

// Len is the number of pairs.
func (p *Pairs) Len() int {
	if p == nil || p.D == 0 {
		return 0
	}
	return len(p.X0) / p.D
}

// PairOptions say how to draw pairs from a model.
type PairOptions struct {
	N          int     // pairs
	Seed       uint64  // x0 is InitialNoise(N, Dim(), Seed)
	Rtol, Atol float64 // the accurate solve's Dopri5 tolerances
	// Steps > 0 solves with the fixed-step Method in Steps steps instead of Dopri5 (a UNet's
	// adaptive solve can cost many more evaluations than the solver it is sampled with).
	Method ode.Method
	Steps  int
	// Guidance, for a conditional model, is the guidance the pairs are drawn with; their labels
	// are the classes in turn (BalancedLabels).
	Guidance float64
}

// Pairs draws n couplings of the model's flow: x0 from the noise of the seed, x1 its Dopri5
// solution (or o.Method's in o.Steps steps), in the network's units; the chunks of points are
// solved on all threads, as Sample solves them. A conditional model's pairs carry their labels,
// every class in turn.
func (m *Model) Pairs(o PairOptions) (*Pairs, ode.Stats, error) {
	d, k := m.Dim(), m.NumClasses()
	if o.N < 1 {
		return nil, ode.Stats{}, errorf("pairs %d: must be at least 1", o.N)
	}
	if m.Source != "" {
		return nil, ode.Stats{}, errorf("reflow draws its pairs from N(0, I), and the model flows from %s", m.Source)
	}
	p := &Pairs{D: d, X0: InitialNoise(o.N, d, o.Seed), Classes: k}
	if k > 0 {
		p.Labels = BalancedLabels(o.N, k)
	}
	so := SampleOptions{N: o.N, Method: ode.Dopri5, Rtol: o.Rtol, Atol: o.Atol, X0: p.X0, Labels: p.Labels, Guidance: o.Guidance}
	if o.Steps > 0 {
		so.Method, so.Steps = o.Method, o.Steps
	}
	res, err := m.sample(so)
	if err != nil {
		return nil, ode.Stats{}, err
	}
	for i, v := range res.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, ode.Stats{}, errorf("the teacher's solution of pair %d is %v: the teacher diverges", i/d, v)
		}
	}
	p.X1 = res.X
	return p, res.Stats, nil
}

// ReflowConfig is everything that determines a reflow: with the same teacher, config, kernel
// set and thread count, two runs produce the same student bit for bit.
type ReflowConfig struct {
	// Pairs are drawn from each stage's teacher: N, the Dopri5 tolerances and, for a
	// conditional teacher, the guidance. Each stage draws fresh noise, from Train.Seed and the
	// stage.
	Pairs PairOptions
	// Rounds of reflow: the k of a k-rectified flow. 0 with Distill distils the teacher itself.
	Rounds int
	// Distill ends with a distillation of the last flow into one Euler step, on pairs drawn
	// from it, for DistillSteps steps (0: Train.Steps).
	Distill      bool
	DistillSteps int64
	// Train is every stage's optimisation: Batch, Steps (of each round), LR, Schedule, Warmup,
	// the weight decay, ClipNorm, EMA, Seed, and for a conditional teacher CondDrop. Its data,
	// path and network are the teacher's and need not be set.
	Train TrainConfig
}

// DefaultReflowConfig is one round of reflow (add Distill for the one-step student), sized by
// measurement on the checkerboard's default model (BENCHMARKS.md, "Reflow and distillation").
func DefaultReflowConfig() ReflowConfig {
	c := ReflowConfig{Pairs: PairOptions{N: 30000, Rtol: 1e-5, Atol: 1e-5}, Rounds: 1, DistillSteps: 5000, Train: DefaultTrainConfig()}
	c.Train.Data, c.Train.Steps = nil, 5000
	return c
}

// Metadata keys of a reflow's record, in the model file and the checkpoint.
const (
	keyReflowStage     = "reflow.stage"     // the stage of a checkpoint: 1..Rounds, then Rounds+1 for the distillation
	keyReflowRounds    = "reflow.rounds"    // the student's rounds of reflow: the k of a k-rectified flow
	keyReflowDistilled = "reflow.distilled" // "true" for a distilled student
	keyReflowPairs     = "reflow.pairs"     // the pairs of each stage
	keyReflowSolver    = "reflow.solver"    // a fixed-step solver of the pairs and its steps ("midpoint,20"); none for Dopri5
)

// stages is the number of training stages: the rounds, and the distillation.
func (c ReflowConfig) stages() int {
	if c.Distill {
		return c.Rounds + 1
	}
	return c.Rounds
}

// Validate reports the first setting that cannot work.
func (c ReflowConfig) Validate() error {
	switch {
	case c.Rounds < 0:
		return errorf("rounds %d: must not be negative", c.Rounds)
	case c.stages() == 0:
		return errorf("no rounds and no distillation: nothing to do")
	case c.Pairs.N < 1:
		return errorf("pairs %d: must be at least 1", c.Pairs.N)
	case !(c.Pairs.Rtol > 0 && c.Pairs.Atol >= 0):
		return errorf("tolerances rtol %v, atol %v: need rtol > 0 and atol >= 0", c.Pairs.Rtol, c.Pairs.Atol)
	case c.Pairs.Steps < 0:
		return errorf("pair solver steps %d: must not be negative", c.Pairs.Steps)
	case c.Pairs.Steps > 0 && (c.Pairs.Method < ode.Euler || c.Pairs.Method >= ode.Dopri5):
		return errorf("pairs in %d fixed steps need a fixed-step solver, not %v", c.Pairs.Steps, c.Pairs.Method)
	case !(c.Pairs.Guidance >= 0) || math.IsInf(c.Pairs.Guidance, 0):
		return errorf("guidance %v: must be a non-negative number", c.Pairs.Guidance)
	case c.DistillSteps < 0:
		return errorf("distillation steps %d: must not be negative", c.DistillSteps)
	}
	return nil
}

// stageConfig is the TrainConfig of stage s (0-based) whose teacher is teacher, on pairs (nil:
// to be read from a checkpoint).
func (c ReflowConfig) stageConfig(s int, teacher *Model, pairs *Pairs) (TrainConfig, error) {
	if teacher.Source != "" {
		return TrainConfig{}, errorf("reflow draws its pairs from N(0, I), and the teacher flows from %s", teacher.Source)
	}
	t := c.Train
	t.Data, t.Standardize, t.Path = nil, StandardizeNever, NewPath(CondOT)
	// The student is the teacher's network, warm-started from its weights.
	switch net := teacher.Net.(type) {
	case *MLPNetwork:
		t.Arch, t.Hidden, t.Act, t.TimeFirst, t.Channels = ArchMLP, slices.Clone(net.Hidden), net.Act, net.TimeFirst, 0
	case *UNetNetwork:
		if net.Act != nn.ELU {
			return TrainConfig{}, errorf("reflow trains the seed's UNet (elu), and the teacher's activation is %s", net.Act)
		}
		t.Arch, t.Hidden, t.Act, t.TimeFirst, t.Channels = ArchUNet, nil, net.Act, false, net.Base
	default:
		return TrainConfig{}, errorf("reflow takes an MLP or a UNet teacher")
	}
	t.Conditional = teacher.NumClasses() > 0
	t.Init, t.Pairs = teacher, pairs
	if t.Pairs == nil {
		t.Pairs = &Pairs{D: teacher.Dim(), Classes: teacher.NumClasses()}
	}
	distill := c.Distill && s == c.Rounds
	t.TimeZero = distill
	if distill && c.DistillSteps > 0 {
		t.Steps = c.DistillSteps
	}
	rounds := s + 1
	if distill {
		rounds = c.Rounds
	}
	t.Record = map[string]string{
		keyReflowStage:     itoa(s + 1),
		keyReflowRounds:    itoa(rounds),
		keyReflowDistilled: strconv.FormatBool(distill),
		keyReflowPairs:     itoa(c.Pairs.N),
		"reflow.rtol":      formatFloat(c.Pairs.Rtol, 'g', -1, 64),
		"reflow.atol":      formatFloat(c.Pairs.Atol, 'g', -1, 64),
	}
	if c.Pairs.Steps > 0 { // Dopri5's runs write what they always wrote
		t.Record[keyReflowSolver] = c.Pairs.Method.String() + "," + itoa(c.Pairs.Steps)
		delete(t.Record, "reflow.rtol")
		delete(t.Record, "reflow.atol")
	}
	if t.Conditional {
		t.Record["reflow.guidance"] = formatFloat(c.Pairs.Guidance, 'g', -1, 64)
	}
	if t.Pairs.X0 != nil {
		if err := t.Validate(); err != nil {
			return TrainConfig{}, err
		}
	}
	return t, nil
}

// Reflower runs a reflow stage by stage: each a Trainer on pairs drawn from the stage's
// teacher, the original teacher first, then each stage's student. A caller steps the running
// stage's Trainer until it has taken StageSteps() steps, then calls Next, until Done.
type Reflower struct {
	Config  ReflowConfig
	Stage   int      // the running stage, 0-based: the rounds, then the distillation
	Trainer *Trainer // the running stage's
	// PairTime and PairStats say what drawing the running stage's pairs took (zero for a
	// stage resumed from a checkpoint, which holds them).
	PairTime  time.Duration
	PairStats ode.Stats

	teacher *Model // the original teacher
}

// NewReflower checks the config and draws the first stage's pairs from the teacher.
func NewReflower(teacher *Model, c ReflowConfig) (*Reflower, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if _, err := c.stageConfig(0, teacher, nil); err != nil {
		return nil, err
	}
	r := &Reflower{Config: c, teacher: teacher}
	if err := r.start(0, teacher); err != nil {
		return nil, err
	}
	return r, nil
}

// stageSeed is the seed of stage s's noise: a stream of its own for every stage.
func (c ReflowConfig) stageSeed(s int) uint64 { return c.Train.Seed ^ uint64(s+1)<<40 }

// start draws stage s's pairs from teacher and makes its trainer.
func (r *Reflower) start(s int, teacher *Model) error {
	o := r.Config.Pairs
	o.Seed = r.Config.stageSeed(s)
	begin := time.Now()
	pairs, stats, err := teacher.Pairs(o)
	if err != nil {
		return errorf("stage %d: %w", s+1, err)
	}
	r.PairTime, r.PairStats = time.Since(begin), stats
	c, err := r.Config.stageConfig(s, teacher, pairs)
	if err != nil {
		return err
	}
	tr, err := NewTrainer(c)
	if err != nil {
		return err
	}
	r.Stage, r.Trainer = s, tr
	return nil
}

// Stages is the number of stages: the rounds, and the distillation if asked for.
func (r *Reflower) Stages() int { return r.Config.stages() }

// Distilling reports whether the running stage is the distillation.
func (r *Reflower) Distilling() bool { return r.Trainer.Config.TimeZero }

// StageSteps is the running stage's number of steps.
func (r *Reflower) StageSteps() int64 { return r.Trainer.Config.Steps }

// Done reports whether the last stage has taken all its steps.
func (r *Reflower) Done() bool {
	return r.Stage == r.Stages()-1 && r.Trainer.Step >= r.StageSteps()
}

// Next starts the next stage once the running one has taken its steps: its student becomes the
// teacher whose pairs it draws.
func (r *Reflower) Next() error {
	switch {
	case r.Trainer.Step < r.StageSteps():
		return errorf("stage %d is at step %d of %d", r.Stage+1, r.Trainer.Step, r.StageSteps())
	case r.Stage+1 >= r.Stages():
		return errorf("the last stage is done")
	}
	// The student's weights are copied into the next trainer: this one may go.
	return r.start(r.Stage+1, r.Trainer.Model())
}

// Model returns the running stage's student, sharing its trainer's weights.
func (r *Reflower) Model() *Model { return r.Trainer.Model() }

// SaveCheckpoint writes the running stage's trainer, its pairs among it, to path atomically.
func (r *Reflower) SaveCheckpoint(path string) error { return r.Trainer.SaveCheckpoint(path) }

// ResumeReflower continues the reflow saved in the checkpoint at path: the stage it was in,
// with its pairs, which the checkpoint holds. The teacher and the config must be those the
// checkpoint was made with, but for the steps, which may grow.
func ResumeReflower(path string, teacher *Model, c ReflowConfig) (*Reflower, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	data, err := fileio.ReadLimited(path, MaxModelSize)
	if err != nil {
		return nil, err
	}
	_, meta, err := nn.ReadSafetensors(data)
	if err != nil {
		return nil, errorf("resume from %s: %w", path, err)
	}
	s, err := strconv.Atoi(meta[keyReflowStage])
	if err != nil || s < 1 || s > c.stages() {
		return nil, errorf("resume from %s: it is not a checkpoint of a reflow of %d stages (%s = %q)", path, c.stages(), keyReflowStage, meta[keyReflowStage])
	}
	// The checkpoint holds the stage's student and pairs; the teacher gives the network and
	// the units, which every stage shares.
	tc, err := c.stageConfig(s-1, teacher, nil)
	if err != nil {
		return nil, err
	}
	tr, err := resume(data, tc)
	if err != nil {
		return nil, errorf("resume from %s: %w", path, err)
	}
	return &Reflower{Config: c, Stage: s - 1, Trainer: tr, teacher: teacher}, nil
}

// Reflow runs a whole reflow from the teacher and returns the last stage's student.
func Reflow(teacher *Model, c ReflowConfig) (*Model, error) {
	r, err := NewReflower(teacher, c)
	if err != nil {
		return nil, err
	}
	for {
		for r.Trainer.Step < r.StageSteps() {
			if _, err := r.Trainer.TrainStep(); err != nil {
				return nil, errorf("stage %d: %w", r.Stage+1, err)
			}
		}
		if r.Done() {
			return r.Model(), nil
		}
		if err := r.Next(); err != nil {
			return nil, err
		}
	}
}

// Checkpoint tensor names of a run on pairs.
const (
	ckptPairsX0     = "pairs.x0"
	ckptPairsX1     = "pairs.x1"
	ckptPairsLabels = "pairs.labels" // the labels as float32, exact below 2^24
)

// pairTensors are a run's pairs as checkpoint tensors.
func pairTensors(p *Pairs) []nn.Tensor {
	n := p.Len()
	ts := []nn.Tensor{
		{Name: ckptPairsX0, Shape: []int{n, p.D}, Data: p.X0},
		{Name: ckptPairsX1, Shape: []int{n, p.D}, Data: p.X1},
	}
	if p.Labels != nil {
		labels := make([]float32, n)
		for i, y := range p.Labels {
			labels[i] = float32(y)
		}
		ts = append(ts, nn.Tensor{Name: ckptPairsLabels, Shape: []int{n}, Data: labels})
	}
	return ts
}

// readPairs reads the pairs of a checkpoint into a copy of want (which says D and Classes).
func readPairs(tensors []nn.Tensor, want *Pairs) (*Pairs, error) {
	p := *want
	byName := map[string]*nn.Tensor{}
	for i := range tensors {
		byName[tensors[i].Name] = &tensors[i]
	}
	x0, x1 := byName[ckptPairsX0], byName[ckptPairsX1]
	if x0 == nil || x1 == nil || len(x0.Shape) != 2 || x0.Shape[1] != p.D || !slices.Equal(x0.Shape, x1.Shape) || x0.Shape[0] < 1 {
		return nil, errorf("the checkpoint holds no pairs of %d values", p.D)
	}
	p.X0, p.X1 = x0.Data, x1.Data
	n := x0.Shape[0]
	for _, x := range [][]float32{p.X0, p.X1} {
		for _, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, errorf("the checkpoint's pairs hold %v", v)
			}
		}
	}
	if p.Classes > 0 {
		l := byName[ckptPairsLabels]
		if l == nil || !slices.Equal(l.Shape, []int{n}) {
			return nil, errorf("the checkpoint holds no labels of its %d pairs", n)
		}
		p.Labels = make([]int32, n)
		for i, v := range l.Data {
			if !(v >= 0 && v < float32(p.Classes)) || v != float32(math.Trunc(float64(v))) {
				return nil, errorf("the checkpoint's pair %d has label %v, not one of %d classes", i, v, p.Classes)
			}
			p.Labels[i] = int32(v)
		}
	}
	return &p, nil
}
