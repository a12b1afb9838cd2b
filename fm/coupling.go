package fm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Coupling names how a training batch pairs source points x0 with data points x1, as TorchCFM
// (Tong et al., TMLR 2024) defines its flow matchers.
type Coupling int

const (
	Independent Coupling = iota // I-CFM: the pairs as drawn, x0 and x1 independent
	ExactOT                     // OT-CFM: the exact minibatch optimal transport plan (squared Euclidean cost)
	Entropic                    // SB-CFM: the entropic plan of regularisation 2 sigma^2, pairs drawn from it
)

var couplingNames = [...]string{Independent: "independent", ExactOT: "ot", Entropic: "sb"}

func (c Coupling) String() string {
	if c >= 0 && int(c) < len(couplingNames) {
		return couplingNames[c]
	}
	return "Coupling(" + itoa(int(c)) + ")"
}

// ParseCoupling reads a coupling's name: independent (or icfm), ot (or otcfm, exact), sb (or
// sbcfm, sinkhorn, entropic), in any case.
func ParseCoupling(name string) (Coupling, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "independent", "icfm", "i-cfm", "none":
		return Independent, nil
	case "ot", "otcfm", "ot-cfm", "exact":
		return ExactOT, nil
	case "sb", "sbcfm", "sb-cfm", "sinkhorn", "entropic":
		return Entropic, nil
	}
	return 0, errorf("unknown coupling %q (want independent, ot or sb)", name)
}

// Coupler pairs a batch of source points with a batch of data points according to its
// Coupling, in place, allocating nothing after its first batch of a size.
//
// For ExactOT the batch keeps every point once: x0 stays as it is and x1 is permuted so that
// row i of each is a pair of the optimal assignment. TorchCFM instead draws n pairs with
// replacement from the plan (OTPlanSampler.sample_plan), which for a permutation plan (mass 1/n
// on each of n pairs) repeats about a third of the pairs and drops as many. Both give each
// optimal pair the same chance, 1/n per row, so the expected loss is the same; keeping each
// pair once has the lower variance and uses every drawn point, which is what TorchCFM's own
// sample_plan_with_scipy does ("reduced variance compared to sampling from the OT plan ...
// preserves the entire batch").
//
// For Entropic the plan is not a permutation, and n pairs are drawn from it with replacement,
// as TorchCFM does (PairSampler), into both x0 and x1.
type Coupler struct {
	Kind  Coupling
	Sigma float64 // Entropic: the path's noise; the plan's regularisation is 2 Sigma^2

	// Sinkhorn's stopping rule for Entropic (its fields MaxIter, of all the epsilon-scaling
	// stages together, and Tol; POT's 1000 and 1e-9 if zero), and, after each Couple, its
	// iterations and marginal error. The plan is computed by epsilon scaling (Sinkhorn.Scaling,
	// whatever that field says): the same plan as POT's iteration to the tolerance, which at
	// SB-CFM's small regularisations that iteration takes thousands of steps to reach.
	Sinkhorn Sinkhorn

	assign     Assigner
	pairs      PairSampler
	perm       []int
	rows, cols []int
	tmp0, tmp1 []float32
}

// Couple pairs the n rows of x0 (source) and x1 (data), d values each, in place. Independent
// leaves them as they are; ExactOT permutes x1's rows; Entropic replaces both with n pairs drawn
// from the entropic plan with r. A point that is not a finite number gives an error.
func (c *Coupler) Couple(r *rand.Rand, x0, x1 []float32, n, d int) error {
	if len(x0) < n*d || len(x1) < n*d {
		panic(fmt.Sprintf("fm: Couple %d rows of %d values from %d and %d", n, d, len(x0), len(x1)))
	}
	switch c.Kind {
	case Independent:
		return nil
	case ExactOT:
		c.perm = growInts(c.perm, n)
		if _, err := c.assign.Match(x0, x1, n, d, c.perm); err != nil {
			return errorf("exact OT coupling: %w", err)
		}
		c.tmp1 = growFloat32(c.tmp1, n*d)
		copy(c.tmp1, x1[:n*d])
		for i, j := range c.perm {
			copy(x1[i*d:(i+1)*d], c.tmp1[j*d:(j+1)*d])
		}
		return nil
	case Entropic:
		if !(c.Sigma > 0) || math.IsInf(c.Sigma, 0) {
			return errorf("sb coupling: sigma %v is not a positive number", c.Sigma)
		}
		plan, err := c.Sinkhorn.scaledPlan(c.Sinkhorn.costs.squared(x0, x1, n, n, d), n, n, 2*c.Sigma*c.Sigma)
		if err != nil {
			return errorf("sb coupling: %w", err)
		}
		c.rows, c.cols = growInts(c.rows, n), growInts(c.cols, n)
		if err := c.pairs.Draw(r, plan, n, n, c.rows, c.cols); err != nil {
			return errorf("sb coupling: %w", err)
		}
		c.tmp0, c.tmp1 = growFloat32(c.tmp0, n*d), growFloat32(c.tmp1, n*d)
		copy(c.tmp0, x0[:n*d])
		copy(c.tmp1, x1[:n*d])
		for k := range n {
			i, j := c.rows[k], c.cols[k]
			copy(x0[k*d:(k+1)*d], c.tmp0[i*d:(i+1)*d])
			copy(x1[k*d:(k+1)*d], c.tmp1[j*d:(j+1)*d])
		}
		return nil
	}
	return errorf("unknown coupling %v", c.Kind)
}

func growInts(buf []int, n int) []int {
	if cap(buf) < n {
		return make([]int, n)
	}
	return buf[:n]
}

func growFloat32(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
