package fm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

// SampleOptions say how to draw points from a model.
type SampleOptions struct {
	N          int        // points
	Method     ode.Method // solver
	Steps      int        // fixed-step solvers: steps from t = 0 to the path's end
	Rtol, Atol float64    // Dopri5's tolerances
	Seed       uint64     // the initial noise x0 depends on Seed and N alone
	// X0, when not nil, gives the initial points instead of the seed: N rows in the source's
	// units: samples of N(0, I), as a PyTorch sampler would start from, or for a model trained
	// from a source dataset (Model.Source), points of it in the data's own units.
	X0 []float32
	// Source is the dataset a model trained from one (Model.Source names it) starts from: the
	// initial points are drawn from it with Seed (and standardised as the data were), unless
	// X0 gives them. A model trained from N(0, I) takes none.
	Source Dataset
	// At lists times in [0, 1] at which to record every point (snapshots), in any order; times
	// past the path's end (1 - 1e-5 for VP) are taken at its end.
	At []float64
	// Trajectory records every point after every solver step (every accepted step for Dopri5).
	Trajectory bool
	// Chunk is the most points integrated together (0: DefaultChunk, fewer for very wide
	// networks, half as many with guidance); the points are cut into chunks of even size.
	// Fixed-step results do not depend on it; Dopri5 adapts its steps to each chunk as a whole.
	Chunk int

	// Labels, for a class-conditional model, are the classes to sample: one per point, or one
	// for all (BalancedLabels gives a balanced mix); nil samples the unconditional field ("no
	// label"). An unconditional model takes none.
	Labels []int32
	// Guidance is classifier-free guidance's weight w >= 0 (it needs Labels): the field
	// integrated is v = (1 + w) u(x, t, y) - w u(x, t, none), both terms evaluated in one
	// forward pass over twice the points. 0 integrates u(x, t, y) alone, at the cost of one.
	Guidance float64

	// PathEnergy integrates, beside each point and by the same solver steps, the integral of
	// |v(t, x_t)|^2 along its path, in the network's units (TorchCFM's path energy, which it
	// carries as an augmented state): SampleResult.PathEnergy is its mean over the points. It
	// changes neither the points nor Dopri5's steps, which its integral does not choose.
	PathEnergy bool
}

// DefaultChunk is how many points are integrated at once: few enough that each of the network's
// row blocks (nn.Batch, a quarter of a chunk) keeps its activations in its core's L2 cache, and
// the memory a sample takes stays small; enough that a step's fixed costs are shared. On 10000
// points through the 128-wide, 4-layer network (BenchmarkSample, 2026-11-29, a loaded machine),
// 1024 beat 8192 by 1.6 to 2.3x and 256 to 2048 by up to 1.5x.
const DefaultChunk = 1024

// MaxSteps bounds a fixed-step solver's steps: float32 cannot tell apart more times in [0, 1].
const MaxSteps = 1 << 24

// chunkValues bounds the values a default chunk's solver stages and network activations take
// on each thread (256 MiB): a network of very wide layers samples fewer points at once rather
// than exhaust memory. Networks of ordinary widths stay at DefaultChunk.
const chunkValues = 1 << 26

// defaultChunk is the chunk for net: DefaultChunk, or fewer points for very wide layers or
// large points (images).
func defaultChunk(net Network) int {
	// Per point: ode.Solver's vectors, the forward pass's activations and its gathered output.
	perPoint := float64(10*net.Dim()) + net.valuesPerPoint(true)
	return int(min(DefaultChunk, max(1, chunkValues/perPoint)))
}

// Snapshot is every point at one time, in the data's units.
type Snapshot struct {
	T float32   // the time asked for (for the path's end: the time asked, not 1 - 1e-5)
	X []float32 // N rows of the model's Dim() values
}

// SampleResult holds the points at t = 1 and whatever the options asked to record.
type SampleResult struct {
	X         []float32  // N rows in the data's units
	Snapshots []Snapshot // one per At time, or per step with Trajectory, in time order
	Stats     ode.Stats  // of the chunk that took the most field evaluations: what one point's path cost
	// With PathEnergy: the mean over the points of the integral of |v|^2 along their paths,
	// and the initial points in the network's units (against which the normalised path
	// energy's W2 is taken).
	PathEnergy float64
	X0         []float32
}

// Validate reports the first option that cannot work.
func (o SampleOptions) Validate(d int) error {
	switch {
	case o.N < 1:
		return errorf("points %d: must be at least 1", o.N)
	case o.Method != ode.Dopri5 && o.Steps < 1:
		return errorf("steps %d: must be at least 1", o.Steps)
	case o.Method == ode.Dopri5 && !(o.Rtol > 0 && o.Atol >= 0):
		return errorf("tolerances rtol %v, atol %v: need rtol > 0 and atol >= 0", o.Rtol, o.Atol)
	case o.X0 != nil && len(o.X0) != o.N*d:
		return errorf("%d initial values for %d points of %d dimensions", len(o.X0), o.N, d)
	case o.Chunk < 0:
		return errorf("chunk %d: must not be negative", o.Chunk)
	case o.Trajectory && len(o.At) > 0:
		return errorf("ask for snapshots or a trajectory, not both")
	case o.Method != ode.Dopri5 && o.Steps > MaxSteps:
		return errorf("steps %d: more than %d, past which float32 times in [0, 1] run together", o.Steps, MaxSteps)
	}
	// Every recorded time holds all the points (a fixed-step trajectory every step's and the
	// start's, beside the result); float64, so that no count overflows.
	recorded := float64(1 + len(o.At))
	if o.Trajectory && o.Method != ode.Dopri5 {
		recorded += float64(o.Steps + 1)
	}
	if v := float64(o.N) * float64(d) * recorded; v > MaxValues {
		times := ""
		if recorded > 1 {
			times = fmt.Sprintf(" kept at %.0f times", recorded)
		}
		return errorf("%d points of %d dimensions%s: %.3g values, more than the %d (%d GiB) fmtiny holds", o.N, d, times, v, MaxValues, MaxValues*4>>30)
	}
	for _, t := range o.At {
		if !(t >= 0 && t <= 1) {
			return errorf("snapshot time %v is not in [0, 1]", t)
		}
	}
	for _, v := range o.X0 {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errorf("initial points hold %v", v)
		}
	}
	switch {
	case !(o.Guidance >= 0) || math.IsInf(o.Guidance, 0):
		return errorf("guidance %v: must be a non-negative number", o.Guidance)
	case o.Guidance > 0 && len(o.Labels) == 0:
		return errorf("guidance %v needs labels to guide towards", o.Guidance)
	case len(o.Labels) > 1 && len(o.Labels) != o.N:
		return errorf("%d labels for %d points (want one per point or one for all)", len(o.Labels), o.N)
	}
	return nil
}

// checkLabels checks the options' labels and guidance against a model of classes classes.
func (o SampleOptions) checkLabels(classes int) error {
	switch {
	case classes == 0 && o.Guidance > 0:
		return errorf("guidance %v needs a class-conditional model; this one was trained without labels", o.Guidance)
	case classes == 0 && len(o.Labels) > 0:
		return errorf("the model was trained without labels: it samples no class")
	}
	for _, y := range o.Labels {
		if y < 0 || int(y) >= classes {
			return errorf("label %d is not one of the model's %d classes, 0 to %d", y, classes, classes-1)
		}
	}
	return nil
}

// InitialNoise returns n points of N(0, I) in d dimensions drawn from seed: the x0 every sampler
// starts from, the same whatever solver or chunk size integrates it.
func InitialNoise(n, d int, seed uint64) []float32 {
	r := newInitialRand(seed)
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// newInitialRand is the generator of a sample's initial points, from its seed alone.
func newInitialRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x0d15ea5e)) }

// initialPoints returns the points a sample starts from, in the network's units: X0 (a source
// dataset's points standardised), or drawn from the seed, from N(0, I) or the source dataset.
func (m *Model) initialPoints(o SampleOptions) ([]float32, error) {
	d := m.Dim()
	switch {
	case m.Source == "" && o.Source != nil:
		return nil, errorf("the model flows from N(0, I), not from a source dataset (%s)", o.Source.Name())
	case m.Source == "":
		if o.X0 != nil {
			return slices.Clone(o.X0), nil
		}
		return InitialNoise(o.N, d, o.Seed), nil
	case o.X0 != nil:
		x := slices.Clone(o.X0)
		m.Stats.Normalize(x)
		return x, nil
	case o.Source == nil:
		return nil, errorf("the model flows from %s: its initial points come from that dataset (SampleOptions.Source) or X0", m.Source)
	case o.Source.Dim() != d:
		return nil, errorf("the source %s has %d dimensions, the model %d", o.Source.Name(), o.Source.Dim(), d)
	}
	x := make([]float32, o.N*d)
	o.Source.Sample(newInitialRand(o.Seed), x)
	m.Stats.Normalize(x)
	return x, nil
}

// Sample integrates the model's field from t = 0 to the path's end for N points, and maps them
// (and any snapshots) back to the data's units.
func (m *Model) Sample(o SampleOptions) (*SampleResult, error) {
	res, err := m.sample(o)
	if err != nil {
		return nil, err
	}
	m.Stats.Denormalize(res.X)
	for _, sn := range res.Snapshots {
		m.Stats.Denormalize(sn.X)
	}
	return res, nil
}

// sample is Sample in the network's units.
func (m *Model) sample(o SampleOptions) (*SampleResult, error) {
	d := m.Dim()
	if err := o.Validate(d); err != nil {
		return nil, err
	}
	if err := o.checkLabels(m.NumClasses()); err != nil {
		return nil, err
	}
	if len(o.Labels) == 0 {
		o.Labels = nil
	}
	guided := o.Guidance > 0
	x, err := m.initialPoints(o)
	if err != nil {
		return nil, err
	}
	chunk := o.Chunk
	if chunk == 0 {
		chunk = defaultChunk(m.Net)
		if guided {
			// Each evaluation runs twice the points: as many rows per pass as without.
			chunk = max(1, chunk/2)
		}
	}
	if o.Method == ode.Dopri5 && o.Trajectory {
		// One batch, so every point's path shares the accepted steps' times.
		chunk = o.N
	}
	chunk = min(chunk, o.N)
	chunks := (o.N + chunk - 1) / chunk
	chunk = (o.N + chunks - 1) / chunks // even chunks: 1025 points are 513 and 512, not 1024 and 1

	tEnd := float32(m.Path.TEnd)
	asked := slices.Clone(o.At)
	sortFloats(asked)
	at := make([]float32, len(asked)) // the times integrated to, clamped to the path's end
	for i, t := range asked {
		at[i] = min(float32(t), tEnd)
	}
	var grid, outputs []float32
	if o.Method == ode.Dopri5 {
		outputs = slices.Compact(slices.Clone(at))
	} else {
		grid = fixedGrid(o.Steps, tEnd, at)
	}

	res := &SampleResult{X: x}
	if o.PathEnergy {
		res.X0 = slices.Clone(x)
	}
	energy := make([]float64, chunks) // each chunk's sum of its points' path energies
	if !o.Trajectory {
		for _, t := range asked {
			res.Snapshots = append(res.Snapshots, Snapshot{T: float32(t), X: make([]float32, o.N*d)})
		}
	}
	stats := make([]ode.Stats, chunks)
	errs := make([]error, chunks)
	// solve integrates chunk c on s, into x and the snapshots' rows of its points.
	solve := func(s *fieldSampler, c int) {
		lo, hi := c*chunk, min((c+1)*chunk, o.N)
		k := 0 // the next snapshot to fill
		state := x[lo*d : hi*d]
		if s.energy {
			// The chunk's points, then each one's path energy so far.
			state = s.aug[:(hi-lo)*(d+1)]
			copy(state, x[lo*d:hi*d])
			clear(state[(hi-lo)*d:])
		}
		obs := func(t float32, xt []float32) {
			xt = xt[:(hi-lo)*d]
			switch {
			case o.Trajectory:
				// Chunks run one at a time here: the first one makes the snapshots.
				if k == len(res.Snapshots) {
					res.Snapshots = append(res.Snapshots, Snapshot{T: t, X: make([]float32, o.N*d)})
				}
				copy(res.Snapshots[k].X[lo*d:], xt)
				k++
			case k < len(at) && t == at[k]:
				// The same time may be asked for twice (1 and 0.99999 under VP).
				for k < len(at) && at[k] == t {
					copy(res.Snapshots[k].X[lo*d:], xt)
					k++
				}
			}
		}
		labels := o.Labels
		if len(labels) > 1 {
			labels = labels[lo:hi]
		}
		s.setLabels(labels, hi-lo)
		var err error
		if o.Method == ode.Dopri5 {
			opt := ode.Options{Rtol: o.Rtol, Atol: o.Atol, Outputs: outputs, ErrorLen: (hi - lo) * d}
			stats[c], err = s.solver.Dopri5(s.field, state, 0, tEnd, opt, obs)
		} else {
			err = s.solver.Fixed(o.Method, s.field, state, grid, obs)
			stats[c] = ode.Stats{NFE: (len(grid) - 1) * o.Method.Stages(), Accepted: len(grid) - 1}
		}
		if s.energy {
			copy(x[lo*d:hi*d], state)
			for _, e := range state[(hi-lo)*d:] {
				energy[c] += float64(e)
			}
		}
		switch {
		case err != nil:
			errs[c] = errorf("sampling points %d to %d: %w", lo, hi-1, err)
		case o.Trajectory && k != len(res.Snapshots):
			errs[c] = errorf("sampling points %d to %d took %d steps, the first chunk %d", lo, hi-1, k, len(res.Snapshots))
		}
	}

	// With a chunk for every thread, the chunks run on mat's threads at once, each thread
	// claiming the next chunk and running its network's blocks itself: no hand-off per
	// evaluation. With fewer, they run in turn and each evaluation splits its row blocks among
	// the threads. A chunk's result is the same either way. Trajectories take the chunks in
	// order.
	workers := mat.Threads()
	if workers <= 1 || chunks < workers || o.Trajectory {
		s := takeSampler(m.Net, chunk, false, o.Guidance, o.PathEnergy)
		defer putSampler(m.Net, chunk, false, o.Guidance, o.PathEnergy, s)
		for c := range chunks {
			if solve(s, c); errs[c] != nil {
				return nil, errs[c]
			}
		}
	} else {
		samplers := make([]*fieldSampler, workers)
		for w := range samplers {
			samplers[w] = takeSampler(m.Net, chunk, true, o.Guidance, o.PathEnergy)
			defer putSampler(m.Net, chunk, true, o.Guidance, o.PathEnergy, samplers[w])
		}
		var next atomic.Int64
		mat.Parallel(workers, func(lo, hi int) {
			for w := lo; w < hi; w++ {
				for c := int(next.Add(1)) - 1; c < chunks; c = int(next.Add(1)) - 1 {
					solve(samplers[w], c)
				}
			}
		})
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
	}
	for c, st := range stats {
		if st.NFE > res.Stats.NFE {
			res.Stats = st
		}
		res.PathEnergy += energy[c]
	}
	res.PathEnergy /= float64(o.N)
	return res, nil
}

// fixedGrid is the uniform grid of steps steps on [0, tEnd] with the snapshot times merged in,
// so that the state is computed exactly at them rather than interpolated.
func fixedGrid(steps int, tEnd float32, at []float32) []float32 {
	grid := make([]float32, 0, steps+1+len(at))
	for i := 0; i <= steps; i++ {
		grid = append(grid, float32(float64(tEnd)*float64(i)/float64(max(steps, 1))))
	}
	grid[len(grid)-1] = tEnd
	grid = append(grid, at...)
	// Sorted as float64s, exactly and by the same comparisons as float32s (so in the same
	// order): one sort's code serves both.
	wide := make([]float64, len(grid))
	for i, t := range grid {
		wide[i] = float64(t)
	}
	sortFloats(wide)
	for i, t := range wide {
		grid[i] = float32(t)
	}
	return slices.Compact(grid)
}

// fieldSampler evaluates the network as an ode.Field over batches of up to its pass's size:
// u(x, t, y) for the running chunk's labels, or with guidance (1 + w) u(x, t, y) - w u(x, t,
// none), the chunk's points twice in one pass, with their labels and then with "no label".
type fieldSampler struct {
	d      int
	pass   forwardPass
	solver *ode.Solver
	t      [1]float32
	field  ode.Field

	labels []int32 // the running chunk's labels: one per point, one for all, or nil
	// energy: the state is the chunk's points and then each one's path energy (aug), whose
	// derivative is |v|^2.
	energy bool
	aug    []float32
	// Guidance: the weight and 1 + the weight in float32, the points twice, and their labels
	// (the chunk's, then "no label"), made once for the largest chunk.
	guided       bool
	w, w1        float32
	x2           []float32
	labels2      []int32
	classes      int
	labelledRows int
}

// newFieldSampler returns a sampler of up to maxBatch points; serial runs the network on the
// calling goroutine alone; guidance > 0 makes it guide; energy carries each point's path
// energy beside it.
func newFieldSampler(net Network, maxBatch int, serial bool, guidance float64, energy bool) *fieldSampler {
	d := net.Dim()
	rows := maxBatch
	if guidance > 0 {
		rows = 2 * maxBatch
	}
	state := maxBatch * d
	if energy {
		state = maxBatch * (d + 1)
	}
	s := &fieldSampler{d: d, pass: net.newForwardPass(rows, serial), solver: ode.NewSolver(state), classes: net.NumClasses(), energy: energy}
	if energy {
		s.aug = make([]float32, state)
	}
	if guidance > 0 {
		s.guided, s.w, s.w1 = true, float32(guidance), float32(1+guidance)
		s.x2, s.labels2 = make([]float32, 2*maxBatch*d), make([]int32, 2*maxBatch)
	}
	s.field = s.eval
	return s
}

// setLabels sets the labels of the next chunk, of n points: one per point, one for all, or nil.
func (s *fieldSampler) setLabels(labels []int32, n int) {
	s.labels = labels
	if !s.guided {
		return
	}
	for i := 0; i < n; i++ {
		s.labels2[i] = labels[0]
		if len(labels) > 1 {
			s.labels2[i] = labels[i]
		}
		s.labels2[n+i] = int32(s.classes)
	}
	s.labelledRows = n
}

func (s *fieldSampler) eval(t float32, x, dxdt []float32) {
	if !s.energy {
		s.velocity(t, x, dxdt)
		return
	}
	n := len(x) / (s.d + 1)
	v, de := dxdt[:n*s.d], dxdt[n*s.d:n*(s.d+1)]
	s.velocity(t, x[:n*s.d], v)
	for i := range de {
		var e float32
		for _, vi := range v[i*s.d : (i+1)*s.d] {
			e += vi * vi
		}
		de[i] = e
	}
}

// velocity writes the field v(t, x) of the chunk's points into dxdt.
func (s *fieldSampler) velocity(t float32, x, dxdt []float32) {
	s.t[0] = t
	n := len(x) / s.d
	if !s.guided {
		copy(dxdt, s.pass.Forward(x, s.t[:], s.labels, n))
		return
	}
	if n != s.labelledRows {
		panic(fmt.Sprintf("fm: a guided field of %d points evaluated on %d", s.labelledRows, n))
	}
	copy(s.x2, x)
	copy(s.x2[len(x):], x)
	y := s.pass.Forward(s.x2[:2*len(x)], s.t[:], s.labels2[:2*n], 2*n)
	cond, none := y[:len(x)], y[len(x):2*len(x)]
	for i := range dxdt {
		dxdt[i] = s.w1*cond[i] - s.w*none[i]
	}
}
