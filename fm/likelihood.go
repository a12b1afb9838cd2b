package fm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/fmtiny/fmtiny/ode"
)

// This file computes a model's log-likelihood. A flow trained by Flow Matching is a continuous
// normalising flow: the density it carries from the source p0 = N(0, I) at t = 0 to t = 1
// obeys d/dt log p_t(x_t) = -div u(x_t, t) along each path, so for a point x at the path's end,
//
//	log p_1(x) = log p_0(x_0) - integral_0^1 div u(x_t, t) dt,
//
// where x_0 is x carried back by the field. The sampler's solvers integrate x and the running
// integral of the divergence together, from the path's end back to 0 (facebookresearch/
// flow_matching's ODESolver.compute_likelihood does the same), and the density comes back in
// the data's own units: the standardisation x -> (x - mean)/std has the Jacobian prod 1/std_j,
// so log p_data(x) = log p_net((x - mean)/std) - sum_j log std_j.

// DivergenceMethod says how the likelihood computes the field's divergence.
type DivergenceMethod int

const (
	// DivergenceAuto is the exact divergence up to ExactDivergenceDims dimensions where the
	// network has it (the MLP), Hutchinson's estimator beyond.
	DivergenceAuto DivergenceMethod = iota
	// DivergenceExact is the trace of the Jacobian, from forward-mode tangents along the Dim()
	// unit vectors (about Dim() forward passes' worth of products).
	DivergenceExact
	// DivergenceHutchinson is Hutchinson's unbiased estimator, the mean over K Rademacher
	// probes e of e^T J e, the probes drawn once per point and fixed along its solve (so that
	// the integrand is a smooth function of t for the adaptive solver).
	DivergenceHutchinson
)

var divergenceNames = [...]string{DivergenceAuto: "auto", DivergenceExact: "exact", DivergenceHutchinson: "hutchinson"}

func (d DivergenceMethod) String() string {
	if d >= 0 && int(d) < len(divergenceNames) {
		return divergenceNames[d]
	}
	return fmt.Sprintf("DivergenceMethod(%d)", int(d))
}

// ParseDivergence reads auto, exact or hutchinson, in any case.
func ParseDivergence(s string) (DivergenceMethod, error) {
	for i, name := range divergenceNames {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return DivergenceMethod(i), nil
		}
	}
	return 0, errorf("unknown divergence %q (want auto, exact or hutchinson)", s)
}

// ExactDivergenceDims is the largest dimension DivergenceAuto computes the divergence of
// exactly: its cost grows with the dimension (one tangent per dimension), Hutchinson's with the
// probes alone.
const ExactDivergenceDims = 16

// MaxProbes bounds Hutchinson's probes per point.
const MaxProbes = 1 << 16

// LikelihoodOptions say how to compute log-likelihoods.
type LikelihoodOptions struct {
	Method     ode.Method // solver, as SampleOptions: Dopri5 adapts to Rtol and Atol
	Steps      int        // fixed-step solvers: steps from the path's end back to 0
	Rtol, Atol float64    // Dopri5's tolerances, over the points and their log-densities
	Divergence DivergenceMethod
	// Probes is the number of Rademacher probes per point of Hutchinson's estimator (0: 1).
	// Seed draws them, from the points' order alone.
	Probes int
	Seed   uint64
	// Chunk is the most points integrated together (0: DefaultChunk); the points are cut
	// into chunks of even size, solved in turn. Fixed-step results do not depend on it.
	Chunk int
}

// LikelihoodResult holds the log-densities of the points and what computing them cost.
type LikelihoodResult struct {
	LogP       []float64 // the log-density of each point in the data's own units, in nats
	NLL        float64   // the mean of -LogP: nats per point
	BitsPerDim float64   // NLL / (Dim() ln 2)
	Exact      bool      // the divergence was exact (otherwise Hutchinson's, with Probes probes)
	Probes     int
	Stats      ode.Stats // of the chunk that took the most field evaluations
}

// validate reports the first option that cannot work for points of d dimensions.
func (o LikelihoodOptions) validate() error {
	switch {
	case o.Method != ode.Dopri5 && o.Steps < 1:
		return errorf("steps %d: must be at least 1", o.Steps)
	case o.Method != ode.Dopri5 && o.Steps > MaxSteps:
		return errorf("steps %d: more than %d, past which float32 times in [0, 1] run together", o.Steps, MaxSteps)
	case o.Method == ode.Dopri5 && !(o.Rtol > 0 && o.Atol >= 0):
		return errorf("tolerances rtol %v, atol %v: need rtol > 0 and atol >= 0", o.Rtol, o.Atol)
	case o.Probes < 0 || o.Probes > MaxProbes:
		return errorf("probes %d: want 1 to %d", o.Probes, MaxProbes)
	case o.Divergence < DivergenceAuto || o.Divergence > DivergenceHutchinson:
		return errorf("unknown divergence method %v", o.Divergence)
	case o.Chunk < 0:
		return errorf("chunk %d: must not be negative", o.Chunk)
	}
	return nil
}

// LogLikelihood returns the model's log-density at each row of x (points in the data's own
// units, Dim() values each): it carries each point back from the path's end to t = 0 with the
// solver, integrating the field's divergence beside it, and adds the source's log-density,
// N(0, I)'s. A model whose flow starts from a dataset (Model.Source) has no density fmtiny
// knows at t = 0, and so no likelihood. A class-conditional model's likelihood is its
// unconditional field's ("no label"). A solver step allocates nothing.
func (m *Model) LogLikelihood(x []float32, o LikelihoodOptions) (*LikelihoodResult, error) {
	d := m.Dim()
	if m.Source != "" {
		return nil, errorf("the model flows from %s, whose density fmtiny does not know: it has no likelihood (a flow from N(0, I) has)", m.Source)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if len(x) == 0 || len(x)%d != 0 {
		return nil, errorf("%d values are not points of %d dimensions", len(x), d)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errorf("point %d holds %v", i/d, v)
		}
	}
	n := len(x) / d
	var exact bool
	switch o.Divergence {
	case DivergenceAuto:
		exact = d <= ExactDivergenceDims
	case DivergenceExact:
		exact = true
	}
	k := max(o.Probes, 1)
	if exact {
		k = 0
	}
	chunk := o.Chunk
	if chunk == 0 {
		chunk = defaultChunk(m.Net)
	}
	if v := float64(min(chunk, n)) * float64(d) * float64(max(k, 1)+12); v > MaxValues {
		return nil, errorf("%d probes of %d points of %d dimensions at once need %.3g values, more than the %d fmtiny holds: lower the probes or the chunk", k, min(chunk, n), d, v, MaxValues)
	}
	chunk = min(chunk, n)
	chunks := (n + chunk - 1) / chunk
	chunk = (n + chunks - 1) / chunks
	f, err := newLikelihoodField(m.Net, chunk, exact, k, o.Seed)
	if err != nil {
		return nil, err
	}

	tEnd := float32(m.Path.TEnd)
	var grid []float32
	if o.Method != ode.Dopri5 {
		grid = fixedGrid(o.Steps, tEnd, nil)
		for i, j := 0, len(grid)-1; i < j; i, j = i+1, j-1 {
			grid[i], grid[j] = grid[j], grid[i]
		}
	}
	res := &LikelihoodResult{LogP: make([]float64, n), Exact: exact, Probes: k}
	var logStd float64
	for _, s := range m.Stats.Std {
		logStd += math.Log(s)
	}
	logNorm := -0.5 * float64(d) * math.Log(2*math.Pi)
	for c := range chunks {
		lo, hi := c*chunk, min((c+1)*chunk, n)
		cn := hi - lo
		state := f.state[:cn*(d+1)]
		copy(state, x[lo*d:hi*d])
		m.Stats.Normalize(state[:cn*d])
		clear(state[cn*d:])
		f.drawProbes(cn)
		var st ode.Stats
		if o.Method == ode.Dopri5 {
			st, err = f.solver.Dopri5(f.field, state, tEnd, 0, ode.Options{Rtol: o.Rtol, Atol: o.Atol}, nil)
		} else {
			err = f.solver.Fixed(o.Method, f.field, state, grid, nil)
			st = ode.Stats{NFE: (len(grid) - 1) * o.Method.Stages(), Accepted: len(grid) - 1}
		}
		if err != nil {
			return nil, errorf("the likelihood of points %d to %d: %w", lo, hi-1, err)
		}
		if st.NFE > res.Stats.NFE {
			res.Stats = st
		}
		z, dl := state[:cn*d], state[cn*d:]
		for i := range cn {
			var sq float64
			for _, v := range z[i*d : (i+1)*d] {
				sq += float64(v) * float64(v)
			}
			// dl = -integral_0^1 div: the integral ran from the end back to 0.
			res.LogP[lo+i] = logNorm - 0.5*sq + float64(dl[i]) - logStd
		}
	}
	for _, lp := range res.LogP {
		res.NLL -= lp
	}
	res.NLL /= float64(n)
	res.BitsPerDim = res.NLL / (float64(d) * math.Ln2)
	return res, nil
}

// likelihoodField is the field of the augmented state of a chunk of c points, their values
// and then their log-density increments: d/dt [x, l] = [u(x, t), div u(x, t)].
type likelihoodField struct {
	d, k   int
	exact  bool
	div    divergencePass
	probe  probePass
	e      []float32 // the chunk's probes, c*k*d signs
	signs  signSource
	t      [1]float32
	state  []float32
	solver *ode.Solver
	field  ode.Field
}

func newLikelihoodField(net Network, maxBatch int, exact bool, k int, seed uint64) (*likelihoodField, error) {
	d := net.Dim()
	f := &likelihoodField{d: d, k: k, exact: exact, state: make([]float32, maxBatch*(d+1)), solver: ode.NewSolver(maxBatch * (d + 1))}
	if exact {
		if f.div = net.newDivergencePass(maxBatch); f.div == nil {
			return nil, errorf("the network has no exact divergence: take Hutchinson's estimator")
		}
	} else {
		f.probe = net.newProbePass(maxBatch, k)
		f.e = make([]float32, maxBatch*k*d)
		f.signs.r = rand.New(rand.NewPCG(seed, 0x4a7c4))
	}
	f.field = f.eval
	return f, nil
}

// drawProbes draws the next n points' Rademacher probes, fixed along their solve.
func (f *likelihoodField) drawProbes(n int) {
	if f.exact {
		return
	}
	for i := range f.e[:n*f.k*f.d] {
		f.e[i] = f.signs.next()
	}
}

func (f *likelihoodField) eval(t float32, x, dxdt []float32) {
	d := f.d
	n := len(x) / (d + 1)
	z, dz, dl := x[:n*d], dxdt[:n*d], dxdt[n*d:n*(d+1)]
	f.t[0] = t
	if f.exact {
		u, div := f.div.Divergence(z, f.t[:], n)
		copy(dz, u)
		copy(dl, div)
		return
	}
	k := f.k
	e := f.e[:n*k*d]
	u, p := f.probe.Probe(z, f.t[:], n, e)
	copy(dz, u)
	inv := 1 / float32(k)
	for i := range n {
		var s float32
		for j, v := range e[i*k*d : (i+1)*k*d] {
			s += v * p[i*k*d+j]
		}
		dl[i] = s * inv
	}
}

// signSource draws Rademacher signs, 64 from each draw of its generator, in order.
type signSource struct {
	r    *rand.Rand
	bits uint64
	left int
}

func (s *signSource) next() float32 {
	if s.left == 0 {
		s.bits, s.left = s.r.Uint64(), 64
	}
	b := s.bits & 1
	s.bits >>= 1
	s.left--
	return float32(1 - 2*int(b))
}
