package fm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// This file holds the entropic optimal transport of SB-CFM and the drawing of pairs from a plan.
//
// TorchCFM's SchrodingerBridgeConditionalFlowMatcher(sigma, ot_method="sinkhorn") (its
// runner's SB-CFM; the library's default ot_method is now "exact") asks POT for
// ot.sinkhorn(a, b, M, reg=2*sigma^2) with a = b uniform and M = torch.cdist(x0, x1)**2, not
// normalised (OTPlanSampler's normalize_cost is False), and POT's defaults numItermax = 1000 and
// stopThr = 1e-9 on the Euclidean norm of the column marginals' error, checked every tenth
// iteration. Sinkhorn below runs the same iteration (v = b / K^T u, then u = a / K v) with the
// same defaults and stopping rule, and so reaches the same plan. The one deliberate difference:
// POT's ot.sinkhorn is the plain Sinkhorn-Knopp iteration on K = exp(-M/reg), which underflows
// when reg is small against the costs (reg = 0.02 at sigma = 0.1, where a squared distance
// beyond about 15 gives exp(-750) = 0): POT then warns and returns its previous iterate, and
// when a whole column of K is zero (a target farther than that from every source) that is at
// iteration 0, a plan of zeros, which TorchCFM replaces by the uniform plan, the independent
// coupling. Sinkhorn here computes the iterates of POT's log-domain ot.bregman.sinkhorn_log
// (the same as Sinkhorn-Knopp's where that one does not underflow) and returns the entropic plan
// at every reg (testdata/bench/pot_sinkhorn.py shows both on small inputs).
//
// It computes them as stabilised scalings (B. Schmitzer, "Stabilized sparse scaling algorithms
// for entropy regularized transport problems", SIAM J. Sci. Comput. 41, 2019): the log
// scalings f and g are absorbed into a kernel K_ij = exp(-cost_ij/eps + f_i + g_j), made in
// logs, and an iteration is two products of K with scaling vectors u and v, with no exp;
// whenever a scaling leaves [e^-100, e^100] it is absorbed into f or g, that half-iteration
// redone in logs (log-sum-exp) and K made again. An iteration so costs 2nm multiply-adds
// instead of the 2nm exps of a log-domain one (30 times faster at n = 512, BENCHMARKS.md).

// Sinkhorn computes entropic optimal transport plans between uniform marginals. Its fields set
// the stopping rule; the zero value takes POT's defaults. It keeps its work arrays between
// calls: after the first call of a size, Plan allocates nothing. It is not safe for concurrent
// use.
type Sinkhorn struct {
	MaxIter int     // the most iterations, 0 for 1000 (POT's numItermax)
	Tol     float64 // stop once the Euclidean norm of the column marginals' error is below Tol (checked every 10 iterations), 0 for 1e-9 (POT's stopThr)

	// Scaling computes the plan by epsilon scaling over a truncated kernel (see
	// planScaled): the same plan to the tolerance, far faster when eps is small against the
	// costs, but other iterates than POT's. MaxIter then bounds the iterations of all stages
	// together (0: 1000, POT's numItermax).
	Scaling bool

	Iters int     // iterations the last Plan ran
	Err   float64 // the column marginals' error it ended with (its rows are exact)

	f, g       []float64 // log scalings of rows and columns absorbed into the kernel
	u, v       []float64 // the kernel iteration's scalings: POT's log_u = f + log u, log_v = g + log v
	acc        []float64 // column sums
	mr, mrT    []float64 // -cost/eps, row-major, and its transpose
	plan       []float64 // the kernel exp(mr_ij + f_i + g_j), then the plan
	n, m       int
	loga, logb float64
	costs      costBuffer
	sparse     sparseKernel // Scaling's truncated kernel
}

// scalingMaxIter bounds the iterations of all of Scaling's stages together by default: POT's
// numItermax, which TorchCFM's SB-CFM runs with.
const scalingMaxIter = sinkhornMaxIter

// Default stopping rule, POT's.
const (
	sinkhornMaxIter = 1000
	sinkhornTol     = 1e-9
)

// Plan returns the entropic optimal transport plan between the uniform distributions on n rows
// and on m columns for the n x m row-major cost, with regularisation eps > 0: the P >= 0 with
// row sums 1/n and column sums 1/m that minimises <P, cost> - eps H(P), which is
// P_ij = exp(f_i + g_j - cost_ij/eps) for the log scalings f and g found by Sinkhorn's
// iteration, started from f = g = 0 as POT's. The plan is a view into the workspace, valid until the next call. Rows sum to 1/n
// to rounding; columns to within s.Err in Euclidean norm, below Tol unless MaxIter iterations
// were not enough (not an error: POT warns and returns the plan too; check s.Err). A cost that
// is not a finite number, or eps not positive and finite, is an error.
func (s *Sinkhorn) Plan(cost []float64, n, m int, eps float64) ([]float64, error) {
	switch {
	case n < 1 || m < 1 || int64(n)*int64(m) > 1<<28:
		return nil, errorf("entropic plan of %d x %d out of range", n, m)
	case len(cost) < n*m:
		panic(fmt.Sprintf("fm: Sinkhorn plan of %d x %d with %d costs", n, m, len(cost)))
	case !(eps > 0) || math.IsInf(eps, 0):
		return nil, errorf("entropic regularisation %v is not a positive number", eps)
	}
	if err := checkCost(cost, n, m); err != nil {
		return nil, err
	}
	if s.Scaling {
		return s.scaledPlan(cost, n, m, eps)
	}
	maxIter, tol := s.MaxIter, s.Tol
	if maxIter <= 0 {
		maxIter = sinkhornMaxIter
	}
	if tol <= 0 {
		tol = sinkhornTol
	}
	s.mr, s.mrT = growFloat64(s.mr, n*m), growFloat64(s.mrT, n*m)
	s.f, s.g, s.plan = growFloat64(s.f, n), growFloat64(s.g, m), growFloat64(s.plan, n*m)
	s.u, s.v, s.acc = growFloat64(s.u, n), growFloat64(s.v, m), growFloat64(s.acc, m)
	mr, mrT := s.mr, s.mrT
	for i := range n {
		for j, c := range cost[i*m : i*m+m] {
			v := -c / eps
			if math.IsInf(v, 0) {
				return nil, errorf("cost %v over regularisation %v overflows", c, eps)
			}
			mr[i*m+j] = v
			mrT[j*n+i] = v
		}
	}
	clear(s.f)
	clear(s.g)
	s.n, s.m = n, m
	s.loga, s.logb = -math.Log(float64(n)), -math.Log(float64(m))
	a, b := 1/float64(n), 1/float64(m)
	// The first iteration in logs, as the kernel exp(-cost/eps) itself may underflow entirely.
	s.logColumns()
	s.logRows()
	s.kernel()
	s.Iters, s.Err = 1, s.columnError()
	u, v, acc, K := s.u, s.v, s.acc, s.plan
	for it := 1; it < maxIter && !(s.Err < tol); it++ {
		// v_j = b / sum_i u_i K_ij: POT's g = log b - LSE_i(mr_ij + f_i) in the kernel's terms.
		columnSums(acc, K, u, m)
		if !scale(v, acc, b) {
			// A scaling left [e^-absorb, e^absorb] (or a column lost all its mass to underflow):
			// absorb u into f, redo the column update in logs, rebuild the kernel.
			for i, ui := range u {
				s.f[i] += math.Log(ui)
			}
			s.logColumns()
			s.kernel()
		}
		// u_i = a / sum_j K_ij v_j.
		for i := range u {
			acc[0] = dot64(K[i*m:i*m+m], v)
			if !scale(u[i:i+1], acc[:1], a) {
				u[i] = math.NaN() // redone below
			}
		}
		if !finiteIn(u) {
			for j, vj := range v {
				s.g[j] += math.Log(vj)
			}
			s.logRows()
			s.kernel()
		}
		s.Iters = it + 1
		if it%10 == 0 || it == maxIter-1 {
			s.Err = s.columnError()
		}
	}
	for i, ui := range u {
		row := K[i*m : i*m+m]
		for j, k := range row {
			row[j] = ui * k * v[j]
		}
	}
	return K, nil
}

// absorbAt bounds the scalings u and v of the kernel iteration: past e^absorbAt (or below
// e^-absorbAt) they are absorbed into the log scalings and the kernel rebuilt, so that the
// kernel's entries, which underflow below e^-745, never matter: one that did would count less
// than e^-545 against a row's or column's mass of at least 1/(n m).
const absorbAt = 100

var scaleHi, scaleLo = math.Exp(absorbAt), math.Exp(-absorbAt)

// scale sets dst[k] = c/den[k] and reports whether every result lies within
// [e^-absorbAt, e^absorbAt] (so is finite and positive).
func scale(dst, den []float64, c float64) bool {
	ok := true
	for k, d := range den {
		x := c / d
		dst[k] = x
		if !(x >= scaleLo && x <= scaleHi) {
			ok = false
		}
	}
	return ok
}

func finiteIn(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) {
			return false
		}
	}
	return true
}

// logColumns is the column update in logs, g_j = log b - LSE_i(mr_ij + f_i).
func (s *Sinkhorn) logColumns() {
	n := s.n
	for j := range s.g {
		s.g[j] = s.logb - logSumExpPlus(s.mrT[j*n:j*n+n], s.f)
	}
}

// logRows is the row update in logs, f_i = log a - LSE_j(mr_ij + g_j).
func (s *Sinkhorn) logRows() {
	m := s.m
	for i := range s.f {
		s.f[i] = s.loga - logSumExpPlus(s.mr[i*m:i*m+m], s.g)
	}
}

// kernel sets K_ij = exp(mr_ij + f_i + g_j) and the scalings u and v to 1.
func (s *Sinkhorn) kernel() {
	m := s.m
	for i, fi := range s.f {
		row, out := s.mr[i*m:i*m+m], s.plan[i*m:i*m+m]
		for j, x := range row {
			out[j] = math.Exp(x + fi + s.g[j])
		}
	}
	for i := range s.u {
		s.u[i] = 1
	}
	for j := range s.v {
		s.v[j] = 1
	}
}

// columnError is the Euclidean norm of the difference between the column sums of the plan
// u_i K_ij v_j and 1/m.
func (s *Sinkhorn) columnError() float64 {
	m, acc := s.m, s.acc
	columnSums(acc, s.plan, s.u, m)
	var e float64
	b := 1 / float64(m)
	for j, c := range acc {
		d := c*s.v[j] - b
		e += d * d
	}
	return math.Sqrt(e)
}

// PlanPoints is Plan for the squared Euclidean cost between the n rows of x0 and the m rows of
// x1 (d values each), built as Assigner.SquaredCost builds it.
func (s *Sinkhorn) PlanPoints(x0, x1 []float32, n, m, d int, eps float64) ([]float64, error) {
	return s.Plan(s.costs.squared(x0, x1, n, m, d), n, m, eps)
}

// columnSums sets acc[j] = sum_i u_i K_ij for the row-major K with m columns, row by row,
// four rows at a time.
func columnSums(acc, K, u []float64, m int) {
	acc = acc[:m]
	clear(acc)
	i := 0
	for ; i+4 <= len(u); i += 4 {
		u0, u1, u2, u3 := u[i], u[i+1], u[i+2], u[i+3]
		k0, k1, k2, k3 := K[i*m:i*m+m], K[(i+1)*m:(i+1)*m+m], K[(i+2)*m:(i+2)*m+m], K[(i+3)*m:(i+3)*m+m]
		for j := range acc {
			acc[j] += u0*k0[j] + u1*k1[j] + u2*k2[j] + u3*k3[j]
		}
	}
	for ; i < len(u); i++ {
		ui := u[i]
		for j, k := range K[i*m : i*m+m] {
			acc[j] += ui * k
		}
	}
}

// dot64 is sum_j a_j b_j, in four partial sums.
func dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(a); j += 4 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
		s2 += a[j+2] * b[j+2]
		s3 += a[j+3] * b[j+3]
	}
	for ; j < len(a); j++ {
		s0 += a[j] * b[j]
	}
	return (s0 + s1) + (s2 + s3)
}

// logSumExpPlus returns log(sum_k exp(a[k] + b[k])) in one pass, rescaling the running sum
// whenever a larger term appears, so that no exp overflows and the largest term counts fully.
func logSumExpPlus(a, b []float64) float64 {
	b = b[:len(a)]
	mx := math.Inf(-1)
	var sum float64
	for k, v := range a {
		x := v + b[k]
		if x <= mx {
			sum += math.Exp(x - mx)
			continue
		}
		sum = sum*math.Exp(mx-x) + 1
		mx = x
	}
	return mx + math.Log(sum)
}

// PairSampler draws pairs of indices from a transport plan, as TorchCFM's
// OTPlanSampler.sample_map does: the plan flattened and normalised to sum to 1, then k draws
// with replacement of a cell (i, j) with probability plan_ij. It keeps the cumulative sums
// between calls; after the first call of a size, Draw allocates nothing.
type PairSampler struct {
	cum []float64
}

// Draw draws len(rows) cells of the n x m row-major plan with replacement, each with
// probability proportional to its entry, writing their row and column indices into rows and
// cols (of equal length). A negative or non-finite entry, or a plan summing to zero, is an
// error.
func (p *PairSampler) Draw(r *rand.Rand, plan []float64, n, m int, rows, cols []int) error {
	if len(plan) < n*m || len(cols) != len(rows) {
		panic(fmt.Sprintf("fm: Draw from a %d x %d plan of %d entries into %d and %d indices", n, m, len(plan), len(rows), len(cols)))
	}
	p.cum = growFloat64(p.cum, n*m)
	var total float64
	for k, v := range plan[:n*m] {
		if !(v >= 0) || math.IsInf(v, 0) {
			return errorf("plan entry [%d][%d] = %v is not a non-negative number", k/m, k%m, v)
		}
		total += v
		p.cum[k] = total
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return errors.New("the plan sums to zero or overflows")
	}
	for k := range rows {
		u := r.Float64() * total
		// The first cell whose cumulative sum exceeds u: a cell of zero mass is never drawn.
		lo, hi := 0, n*m
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if p.cum[mid] > u {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		c := lo
		if c == n*m { // u rounded up to total
			c = n*m - 1
			for c > 0 && plan[c] == 0 {
				c--
			}
		}
		rows[k], cols[k] = c/m, c%m
	}
	return nil
}
