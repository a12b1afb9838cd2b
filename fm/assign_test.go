package fm

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
)

// bruteAssign returns the least total cost over all permutations of n (Heap's algorithm).
func bruteAssign(cost []float64, n int) float64 {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	total := func() float64 {
		var s float64
		for i, j := range p {
			s += cost[i*n+j]
		}
		return s
	}
	best := total()
	c := make([]int, n)
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				p[0], p[i] = p[i], p[0]
			} else {
				p[c[i]], p[i] = p[i], p[c[i]]
			}
			best = min(best, total())
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return best
}

// hungarian is an independent reference: the O(n^3) Hungarian method with potentials in its
// textbook form (Kuhn-Munkres with Dijkstra-like row additions), returning the least total.
func hungarian(cost []float64, n int) float64 {
	inf := math.Inf(1)
	u, v := make([]float64, n+1), make([]float64, n+1)
	p, way := make([]int, n+1), make([]int, n+1) // p[j]: row (1-based) matched to column j
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if !used[j] {
					cur := cost[(i0-1)*n+j-1] - u[i0] - v[j]
					if cur < minv[j] {
						minv[j], way[j] = cur, j0
					}
					if minv[j] < delta {
						delta, j1 = minv[j], j
					}
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	var total float64
	for j := 1; j <= n; j++ {
		total += cost[(p[j]-1)*n+j-1]
	}
	return total
}

// solveChecked runs Solve and checks that perm is a permutation whose total is the one returned.
func solveChecked(t *testing.T, a *Assigner, cost []float64, n int) ([]int, float64) {
	t.Helper()
	perm := make([]int, n)
	total, err := a.Solve(cost, n, perm)
	if err != nil {
		t.Fatalf("Solve(n=%d): %v", n, err)
	}
	seen := make([]bool, n)
	var sum float64
	for i, j := range perm {
		if j < 0 || j >= n || seen[j] {
			t.Fatalf("n=%d: perm %v is not a permutation", n, perm)
		}
		seen[j] = true
		sum += cost[i*n+j]
	}
	if sum != total {
		t.Fatalf("n=%d: returned total %v, the permutation's is %v", n, total, sum)
	}
	return perm, total
}

// costKinds are families of random square costs, many with ties.
var costKinds = []struct {
	name string
	make func(r *rand.Rand, n int) []float64
}{
	{"uniform", func(r *rand.Rand, n int) []float64 {
		c := make([]float64, n*n)
		for i := range c {
			c[i] = r.Float64()
		}
		return c
	}},
	{"integers 0..3", func(r *rand.Rand, n int) []float64 {
		c := make([]float64, n*n)
		for i := range c {
			c[i] = float64(r.IntN(4))
		}
		return c
	}},
	{"integers -1e6..1e6", func(r *rand.Rand, n int) []float64 {
		c := make([]float64, n*n)
		for i := range c {
			c[i] = float64(r.IntN(2000001) - 1000000)
		}
		return c
	}},
	{"all equal", func(r *rand.Rand, n int) []float64 {
		c := make([]float64, n*n)
		for i := range c {
			c[i] = 2.5
		}
		return c
	}},
	{"rank one", func(r *rand.Rand, n int) []float64 { // every permutation costs the same
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i] = float64(r.IntN(5)), float64(r.IntN(5))
		}
		c := make([]float64, n*n)
		for i := range n {
			for j := range n {
				c[i*n+j] = a[i] + b[j]
			}
		}
		return c
	}},
	{"squared distances, duplicated points", func(r *rand.Rand, n int) []float64 {
		x, y := make([]float32, 2*n), make([]float32, 2*n)
		for i := range x {
			x[i], y[i] = float32(r.IntN(3)), float32(r.IntN(3)) // a 3x3 grid: many coincide
		}
		c := make([]float64, n*n)
		SquaredDistances(c, x, y, n, n, 2)
		return c
	}},
	{"squared distances, gaussian", func(r *rand.Rand, n int) []float64 {
		x, y := gaussian(r, n, 3, 0, 1), gaussian(r, n, 3, 0.5, 1)
		c := make([]float64, n*n)
		SquaredDistances(c, x, y, n, n, 3)
		return c
	}},
}

// assigners are the two ways Solve starts: from the auction (the default) and from LAPJV's
// reductions (its fallback).
var assigners = []struct {
	name   string
	jvOnly bool
}{{"auction start", false}, {"LAPJV start", true}}

// TestAssignBruteForce checks Solve against the least total over all permutations for every n
// up to 8, many random costs of each kind, from either start.
func TestAssignBruteForce(t *testing.T) {
	for _, start := range assigners {
		t.Run(start.name, func(t *testing.T) { testAssignBruteForce(t, start.jvOnly) })
	}
}

func testAssignBruteForce(t *testing.T, jvOnly bool) {
	r := rand.New(rand.NewPCG(1, 16))
	a := Assigner{jvOnly: jvOnly}
	trials := 40
	if testing.Short() {
		trials = 10 // n = 8 costs 8! permutations a trial: slow under qemu and the race detector
	}
	for _, kind := range costKinds {
		for n := 0; n <= 8; n++ {
			for trial := 0; trial < trials; trial++ {
				cost := kind.make(r, n)
				_, got := solveChecked(t, &a, cost, n)
				want := 0.0
				if n > 0 {
					want = bruteAssign(cost, n)
				}
				if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s, n=%d: total %v, brute force %v; cost %v", kind.name, n, got, want, cost)
				}
			}
		}
	}
}

// TestAssignAgainstHungarian checks larger problems against the textbook Hungarian method,
// from either start, the point clouds also of different widths.
func TestAssignAgainstHungarian(t *testing.T) {
	kinds := append(costKinds[:len(costKinds):len(costKinds)], struct {
		name string
		make func(r *rand.Rand, n int) []float64
	}{"squared distances, clouds of different widths", func(r *rand.Rand, n int) []float64 {
		x, y := gaussian(r, n, 2, 0, 1), gaussian(r, n, 2, 1, 3)
		c := make([]float64, n*n)
		SquaredDistances(c, x, y, n, n, 2)
		return c
	}})
	r := rand.New(rand.NewPCG(2, 16))
	for _, start := range assigners {
		a := Assigner{jvOnly: start.jvOnly}
		for _, kind := range kinds {
			for _, n := range []int{9, 17, 64, 150} {
				cost := kind.make(r, n)
				_, got := solveChecked(t, &a, cost, n)
				want := hungarian(cost, n)
				if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s, %s, n=%d: total %v, Hungarian %v", start.name, kind.name, n, got, want)
				}
			}
		}
	}
}

// TestAssignKnownOptima checks cases whose optimum is known without a search.
func TestAssignKnownOptima(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 16))
	var a Assigner
	const n, d = 300, 2
	x := gaussian(r, n, d, 0, 1)

	// The same points in another order: the matching undoes the shuffle at cost 0.
	shuffle := r.Perm(n)
	y := make([]float32, n*d)
	for i, j := range shuffle {
		copy(y[j*d:j*d+d], x[i*d:i*d+d])
	}
	perm := make([]int, n)
	total, err := a.Match(x, y, n, d, perm)
	if err != nil || total != 0 || !slices.Equal(perm, shuffle) {
		t.Fatalf("matched points: total %v, err %v, perm equal to the shuffle: %v", total, err, slices.Equal(perm, shuffle))
	}

	// A shifted copy: for the squared distance, sum |x_i - x_perm(i) - s|^2 is least for the
	// identity (sum x_i . x_perm(i) is largest there), at n |s|^2.
	s := [d]float32{0.3, -0.2}
	for i := range n {
		for k := range d {
			y[i*d+k] = x[i*d+k] + s[k]
		}
	}
	total, err = a.Match(x, y, n, d, perm)
	ss := float64(s[0])*float64(s[0]) + float64(s[1])*float64(s[1])
	if err != nil || math.Abs(total-n*ss) > 1e-6*n*ss {
		t.Fatalf("shifted copy: total %v, want %v (err %v)", total, n*ss, err)
	}
	for i, j := range perm {
		if j != i {
			t.Fatalf("shifted copy: row %d matched to %d", i, j)
		}
	}

	// In one dimension the sorted matching is optimal for a convex cost.
	x1, y1 := gaussian(r, n, 1, 0, 1), gaussian(r, n, 1, 1, 2)
	total, err = a.Match(x1, y1, n, 1, perm)
	xs, ys := slices.Clone(x1), slices.Clone(y1)
	slices.Sort(xs)
	slices.Sort(ys)
	var want float64
	for i := range xs {
		e := float64(xs[i]) - float64(ys[i])
		want += e * e
	}
	if err != nil || math.Abs(total-want) > 1e-12*want {
		t.Fatalf("1D: total %v, sorted matching %v (err %v)", total, want, err)
	}
	// The matching itself is monotone: x_i < x_k implies y_perm(i) <= y_perm(k).
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x1[idx[a]] < x1[idx[b]] })
	for k := 1; k < n; k++ {
		if y1[perm[idx[k]]] < y1[perm[idx[k-1]]] {
			t.Fatalf("1D matching is not monotone at rank %d", k)
		}
	}
}

// TestAssignBadCosts checks that a cost that is not a finite number is an error, not a hang.
func TestAssignBadCosts(t *testing.T) {
	var a Assigner
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e308} {
		for _, n := range []int{1, 2, 5, 40} {
			for _, at := range []int{0, n*n - 1, n * n / 2} {
				cost := make([]float64, n*n)
				for i := range cost {
					cost[i] = float64(i % 7)
				}
				cost[at] = bad
				if _, err := a.Solve(cost, n, make([]int, n)); err == nil {
					t.Fatalf("n=%d: a cost of %v at %d gave no error", n, bad, at)
				}
			}
		}
	}
	if _, err := a.Solve(nil, -1, nil); err == nil {
		t.Fatal("a negative size gave no error")
	}
	// Points with a NaN coordinate reach Solve as NaN costs.
	x := []float32{0, 0, 1, float32(math.NaN())}
	if _, err := a.Match(x, x, 2, 2, make([]int, 2)); err == nil {
		t.Fatal("a NaN point gave no error")
	}
}

// TestSquaredCost checks both ways of building the cost against float64 differences: the
// direct one exactly, the GEMM one to its documented error.
func TestSquaredCost(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 16))
	var a Assigner
	for _, d := range []int{1, 2, 3, 16, 17, 64, 784} {
		n, m := 37, 29
		x, y := gaussian(r, n, d, 0, 1), gaussian(r, m, d, 0.1, 1)
		copy(y[:d], x[:d]) // one pair of equal points: distance 0 despite cancellation
		got := a.SquaredCost(x, y, n, m, d)
		for i := range n {
			for j := range m {
				var want, nx, ny float64
				for k := range d {
					e := float64(x[i*d+k]) - float64(y[j*d+k])
					want += e * e
					nx += float64(x[i*d+k]) * float64(x[i*d+k])
					ny += float64(y[j*d+k]) * float64(y[j*d+k])
				}
				tol := 1e-14 * want
				if d > directCostDims {
					tol = 1e-6 * math.Sqrt(nx*ny) // float32 rounding of x.y
				}
				if g := got[i*m+j]; math.Abs(g-want) > tol || g < 0 {
					t.Fatalf("d=%d: cost[%d][%d] = %v, want %v", d, i, j, g, want)
				}
			}
		}
	}
}

// TestAssignAllocs checks that Solve and Match allocate nothing after the first call.
func TestAssignAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 16))
	var a Assigner
	const n = 128
	for _, d := range []int{2, 40} {
		x, y := gaussian(r, n, d, 0, 1), gaussian(r, n, d, 0, 1)
		perm := make([]int, n)
		if _, err := a.Match(x, y, n, d, perm); err != nil {
			t.Fatal(err)
		}
		allocs := allocsPerCall(5, func() {
			if _, err := a.Match(x, y, n, d, perm); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("d=%d: Match allocated %v times per call", d, allocs)
		}
	}
}

// lcgPoints returns n points of d coordinates uniform on [-1, 1) from a 64-bit LCG (Knuth's
// MMIX constants), a generator testdata/bench/pot_emd.py reproduces bit for bit.
func lcgPoints(seed uint64, n, d int) []float32 {
	x := make([]float32, n*d)
	s := seed
	for i := range x {
		s = s*6364136223846793005 + 1442695040888963407
		x[i] = float32(float64(s>>11)/(1<<53)*2 - 1)
	}
	return x
}

// TestAssignAgainstPOT checks the optimal totals against POT's ot.emd on the same inputs:
// testdata/pot_emd.json holds what testdata/bench/pot_emd.py --fixture printed.
func TestAssignAgainstPOT(t *testing.T) {
	raw, err := os.ReadFile("testdata/pot_emd.json")
	if err != nil {
		t.Fatal(err)
	}
	var fix []struct {
		Seed uint64
		N, D int
		Cost float64 // ot.emd's total cost sum(P*M), times n: the sum over the matching
	}
	if err := json.Unmarshal(raw, &fix); err != nil {
		t.Fatal(err)
	}
	var a Assigner
	for _, f := range fix {
		t.Run(fmt.Sprintf("n%d_d%d", f.N, f.D), func(t *testing.T) {
			x, y := lcgPoints(f.Seed, f.N, f.D), lcgPoints(f.Seed+1, f.N, f.D)
			cost := make([]float64, f.N*f.N)
			SquaredDistances(cost, x, y, f.N, f.N, f.D)
			perm := make([]int, f.N)
			total, err := a.Solve(cost, f.N, perm)
			if err != nil {
				t.Fatal(err)
			}
			if rel := math.Abs(total-f.Cost) / f.Cost; rel > 1e-9 {
				t.Fatalf("total %.15g, POT %.15g: relative difference %.3g", total, f.Cost, rel)
			}
		})
	}
}

// BenchmarkAssign times Solve (the cost built before) and Match (the cost built too) on the
// points testdata/bench/pot_emd.py gives POT's ot.emd: x uniform on [-1, 1)^d, y the same law
// times scale (1: the same law; 2: a wider one, as data against noise). Besides the wall time
// it reports the process's CPU time per call (Solve runs on one thread), which other jobs on
// the machine disturb less.
func BenchmarkAssign(b *testing.B) {
	for _, c := range []struct {
		d     int
		scale float32
	}{{2, 1}, {2, 2}, {784, 1}} {
		for _, n := range []int{512, 1024} {
			x, y := lcgPoints(1, n, c.d), lcgPoints(2, n, c.d)
			for i := range y {
				y[i] *= c.scale
			}
			cost := make([]float64, n*n)
			SquaredDistances(cost, x, y, n, n, c.d)
			perm := make([]int, n)
			var a Assigner
			b.Run(fmt.Sprintf("solve/d%d/s%g/n%d", c.d, c.scale, n), func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					if _, err := a.Solve(cost, n, perm); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			})
			b.Run(fmt.Sprintf("match/d%d/s%g/n%d", c.d, c.scale, n), func(b *testing.B) {
				for b.Loop() {
					if _, err := a.Match(x, y, n, c.d, perm); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
			})
		}
	}
	// OT-CFM's own case: noise N(0, I) against TorchCFM's 8 gaussians (radius 5). pot_emd.py
	// draws the same laws with numpy, not the same points.
	for _, n := range []int{512, 1024} {
		r := rand.New(rand.NewPCG(5, 5))
		x, y := gaussian(r, n, 2, 0, 1), sample(eightGaussians{}, n, 1)
		cost := make([]float64, n*n)
		SquaredDistances(cost, x, y, n, n, 2)
		perm := make([]int, n)
		var a Assigner
		b.Run(fmt.Sprintf("solve/noise-8gaussians/n%d", n), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				if _, err := a.Solve(cost, n, perm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
			b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
