package fm

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// marginalErrors returns the largest error of the plan's row sums against 1/n and the
// Euclidean norm of its column sums' error against 1/m.
func marginalErrors(plan []float64, n, m int) (rowMax, colNorm float64) {
	cols := make([]float64, m)
	for i := range n {
		var s float64
		for j, v := range plan[i*m : i*m+m] {
			s += v
			cols[j] += v
		}
		rowMax = max(rowMax, math.Abs(s-1/float64(n)))
	}
	for _, c := range cols {
		colNorm += (c - 1/float64(m)) * (c - 1/float64(m))
	}
	return rowMax, math.Sqrt(colNorm)
}

func TestSinkhornMarginals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 17))
	s := Sinkhorn{MaxIter: 100000}
	for _, c := range []struct {
		n, m int
		eps  float64
	}{{1, 1, 1}, {1, 7, 0.1}, {9, 1, 0.1}, {20, 30, 1}, {50, 50, 0.1}, {40, 25, 0.02}} {
		x0, x1 := gaussian(r, c.n, 2, 0, 1), gaussian(r, c.m, 2, 0.5, 1)
		plan, err := s.PlanPoints(x0, x1, c.n, c.m, 2, c.eps)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols := marginalErrors(plan, c.n, c.m)
		if rows > 1e-15 || cols > 1e-9 || s.Err > 1e-9 || s.Iters >= s.MaxIter {
			t.Fatalf("%dx%d eps %v: row error %.3g, column error %.3g (reported %.3g) after %d iterations",
				c.n, c.m, c.eps, rows, cols, s.Err, s.Iters)
		}
	}
}

// TestSinkhornLimits checks the two ends of the regularisation: as eps -> 0 the plan tends to
// the exact one (a permutation over n for a uniform square problem with a unique optimum), as
// eps -> infinity to the independent plan 1/(n m). The points are a grid and a slightly shifted,
// shuffled copy of it, whose optimum is unique and well separated from the rest. (Sinkhorn's
// iteration converges slowly, near 1/iterations, whenever the plan is close to a permutation,
// here at eps 0.1 already: the column error is asked to be small, not below Tol.)
func TestSinkhornLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 17))
	const n, d = 24, 2
	x0, x1 := make([]float32, n*d), make([]float32, n*d)
	shuffle := r.Perm(n)
	for i := range n {
		x0[2*i], x0[2*i+1] = float32(i%6), float32(i/6)
		j := shuffle[i]
		x1[2*j], x1[2*j+1] = x0[2*i]+0.1, x0[2*i+1]-0.05
	}
	var a Assigner
	perm := make([]int, n)
	exact, err := a.Match(x0, x1, n, d, perm)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range perm {
		if j != shuffle[i] {
			t.Fatalf("the exact plan is not the shuffle: %v, %v", perm, shuffle)
		}
	}
	s := Sinkhorn{MaxIter: 100000}
	cost := make([]float64, n*n)
	SquaredDistances(cost, x0, x1, n, n, d)
	prevGap := math.Inf(1)
	for _, eps := range []float64{1, 0.3, 0.1, 0.03} {
		plan, err := s.Plan(cost, n, n, eps)
		if err != nil || s.Err > 1e-5 {
			t.Fatalf("eps %v: err %v, column error %v after %d iterations", eps, err, s.Err, s.Iters)
		}
		var transport, offPerm float64
		for i := range n {
			for j := range n {
				transport += plan[i*n+j] * cost[i*n+j]
				if j != perm[i] {
					offPerm += plan[i*n+j]
				}
			}
		}
		// The entropic plan costs more than the optimum, less as eps falls.
		gap := transport - exact/n
		if gap < -1e-5 || gap >= prevGap {
			t.Fatalf("eps %v: transport cost %v, exact %v: gap %v (previous %v)", eps, transport, exact/n, gap, prevGap)
		}
		prevGap = gap
		if eps == 0.03 && (offPerm > 1e-6 || math.Abs(gap) > 1e-5) {
			t.Fatalf("eps %v: mass %v off the exact permutation, cost gap %v", eps, offPerm, gap)
		}
	}
	x2 := gaussian(r, n, d, 0, 1)
	plan, err := s.PlanPoints(x0, x2, n, n, d, 1e6)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range plan {
		if math.Abs(v*n*n-1) > 1e-4 {
			t.Fatalf("eps 1e6: plan[%d] = %v, want about 1/n^2 = %v", k, v, 1.0/(n*n))
		}
	}
}

// TestSinkhornAgainstPOT compares the plan with POT's sinkhorn_log on the fixture that
// testdata/bench/pot_sinkhorn.py writes, and with ot.sinkhorn (plain Sinkhorn-Knopp, what
// TorchCFM calls) where that one did not underflow.
func TestSinkhornAgainstPOT(t *testing.T) {
	raw, err := os.ReadFile("testdata/pot_sinkhorn.json")
	if err != nil {
		t.Fatal(err)
	}
	var fix []struct {
		Seed              uint64
		N, M, D           int
		Scale, Shift, Eps float64
		Log, Knopp        []float64
		KnoppWarned       []string
	}
	if err := json.Unmarshal(raw, &fix); err != nil {
		t.Fatal(err)
	}
	if len(fix) != 4 {
		t.Fatalf("%d cases in the fixture", len(fix))
	}
	var s Sinkhorn
	for _, f := range fix {
		x0, x1 := lcgPoints(f.Seed, f.N, f.D), lcgPoints(f.Seed+1, f.M, f.D)
		for k := range x0 {
			x0[k] *= float32(f.Scale)
		}
		for k := range x1 {
			x1[k] = x1[k]*float32(f.Scale) + float32(f.Shift)
		}
		cost := make([]float64, f.N*f.M)
		SquaredDistances(cost, x0, x1, f.N, f.M, f.D)
		plan, err := s.Plan(cost, f.N, f.M, f.Eps)
		if err != nil {
			t.Fatal(err)
		}
		// Same iteration, same stopping rule: the plans agree to rounding, relative to the
		// plan's largest entry.
		var worst, big float64
		for k, v := range plan {
			worst = max(worst, math.Abs(v-f.Log[k]))
			big = max(big, f.Log[k])
		}
		if worst > 1e-9*big {
			t.Errorf("eps %v: plan differs from sinkhorn_log's by %.3g (largest entry %.3g)", f.Eps, worst, big)
		}
		var knoppSum, knoppDiff float64
		for k, v := range f.Knopp {
			knoppSum += v
			knoppDiff = max(knoppDiff, math.Abs(v-plan[k]))
		}
		t.Logf("eps %v: %d iterations, column error %.3g; sinkhorn_log within %.3g; ot.sinkhorn sums to %v, within %.3g, warned %q",
			f.Eps, s.Iters, s.Err, worst, knoppSum, knoppDiff, f.KnoppWarned)
		if len(f.KnoppWarned) == 0 && knoppDiff > 1e-9*big {
			t.Errorf("eps %v: plan differs from ot.sinkhorn's by %.3g", f.Eps, knoppDiff)
		}
	}
}

func TestSinkhornBadInput(t *testing.T) {
	var s Sinkhorn
	cost := []float64{0, 1, 1, 0}
	for _, eps := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := s.Plan(cost, 2, 2, eps); err == nil {
			t.Errorf("eps %v gave no error", eps)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		cost[1] = bad
		if _, err := s.Plan(cost, 2, 2, 1); err == nil {
			t.Errorf("a cost of %v gave no error", bad)
		}
	}
	cost[1] = 1e300 // finite, but cost/eps overflows
	if _, err := s.Plan(cost, 2, 2, 1e-10); err == nil {
		t.Error("an overflowing cost/eps gave no error")
	}
}

func TestSinkhornAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	const n = 64
	x0, x1 := gaussian(r, n, 2, 0, 1), gaussian(r, n, 2, 0, 1)
	var s Sinkhorn
	var ps PairSampler
	rows, cols := make([]int, n), make([]int, n)
	run := func() {
		plan, err := s.PlanPoints(x0, x1, n, n, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := ps.Draw(r, plan, n, n, rows, cols); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if allocs := allocsPerCall(5, run); allocs != 0 {
		t.Fatalf("Plan and Draw allocated %v times per call", allocs)
	}
}

// TestPairSampler checks the law of the drawn cells against the plan, and that cells of no
// mass are never drawn.
func TestPairSampler(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 17))
	const n, m = 3, 4
	plan := []float64{
		0.1, 0, 0.2, 0,
		0, 0.3, 0, 0,
		0.05, 0, 0, 0.35, // sums to 1; the sampler normalises anyway, so scale it
	}
	for k := range plan {
		plan[k] *= 7
	}
	const draws = 200000
	rows, cols := make([]int, draws), make([]int, draws)
	var ps PairSampler
	if err := ps.Draw(r, plan, n, m, rows, cols); err != nil {
		t.Fatal(err)
	}
	counts := make([]int, n*m)
	for k := range rows {
		counts[rows[k]*m+cols[k]]++
	}
	for c, cnt := range counts {
		p := plan[c] / 7
		if p == 0 {
			if cnt != 0 {
				t.Fatalf("cell %d of zero mass drawn %d times", c, cnt)
			}
			continue
		}
		sd := math.Sqrt(draws * p * (1 - p))
		if math.Abs(float64(cnt)-draws*p) > 5*sd {
			t.Errorf("cell %d drawn %d times, want about %.0f", c, cnt, draws*p)
		}
	}
	for _, bad := range [][]float64{{0, 0, 0, 0}, {1, -1, 1, 1}, {1, math.NaN(), 1, 1}, {1, math.Inf(1), 0, 0}} {
		if err := ps.Draw(r, bad, 2, 2, rows[:3], cols[:3]); err == nil {
			t.Errorf("plan %v gave no error", bad)
		}
	}
}

// BenchmarkSinkhorn times Plan on the points testdata/bench/pot_sinkhorn.py --bench gives POT:
// x0 and x1 uniform on [-1, 1)^2 (fm's lcgPoints, seeds 1 and 2), reg 0.5 and 0.02 (SB-CFM's
// 2 sigma^2 at sigma 0.5 and 0.1), POT's stopping rule.
func BenchmarkSinkhorn(b *testing.B) {
	for _, n := range []int{128, 512} {
		x0, x1 := lcgPoints(1, n, 2), lcgPoints(2, n, 2)
		var s Sinkhorn
		for _, eps := range []float64{0.5, 0.02} {
			b.Run(fmt.Sprintf("n%d/eps%g", n, eps), func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					if _, err := s.PlanPoints(x0, x1, n, n, 2, eps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(s.Iters), "iters")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// TestSinkhornScaling: epsilon scaling over a truncated kernel reaches the plan of the plain
// iteration (run to convergence) to within the tolerance, on noise against 8 gaussians and on
// clouds of one law, at regularisations from SB-CFM's 0.02 to large ones; its marginals hold.
func TestSinkhornScaling(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct {
		n   int
		eps float64
		far bool
	}{{64, 0.1, true}, {100, 0.3, true}, {80, 1, false}, {50, 50, false}, {120, 0.2, false}} {
		x := gaussian(r, c.n, 2, 0, 1)
		y := gaussian(r, c.n, 2, 0, 1)
		if c.far {
			y = sample(eightGaussians{}, c.n, uint64(c.n))
		}
		plain := Sinkhorn{MaxIter: 1000000, Tol: 1e-10}
		want, err := plain.PlanPoints(x, y, c.n, c.n, 2, c.eps)
		if err != nil {
			t.Fatal(err)
		}
		want = slices.Clone(want)
		scaled := Sinkhorn{Scaling: true, MaxIter: 100000, Tol: 1e-10}
		got, err := scaled.PlanPoints(x, y, c.n, c.n, 2, c.eps)
		if err != nil {
			t.Fatal(err)
		}
		var diff float64
		rows, cols := make([]float64, c.n), make([]float64, c.n)
		for i := range c.n {
			for j := range c.n {
				p := got[i*c.n+j]
				diff += math.Abs(p - want[i*c.n+j])
				rows[i] += p
				cols[j] += p
			}
		}
		if diff > 1e-8 || !(scaled.Err < 1e-10) {
			t.Errorf("n %d, eps %v: the plans differ by %.3g in L1 (plain %d iterations, error %.3g, scaled %d, error %.3g)", c.n, c.eps, diff, plain.Iters, plain.Err, scaled.Iters, scaled.Err)
		}
		for i := range c.n {
			if math.Abs(rows[i]-1/float64(c.n)) > 1e-9 || math.Abs(cols[i]-1/float64(c.n)) > 1e-9 {
				t.Fatalf("n %d, eps %v: marginals %v, %v", c.n, c.eps, rows[i], cols[i])
			}
		}
		t.Logf("n %d, eps %v: plain %d iterations, scaled %d, %d kernel entries of %d", c.n, c.eps, plain.Iters, scaled.Iters, len(scaled.sparse.col), c.n*c.n)
	}
}
