package fm

import (
	"fmt"
	"math"

	"github.com/fmtiny/fmtiny/asm"
	"github.com/fmtiny/fmtiny/mat"
)

// This file holds the exact minibatch optimal transport of OT-CFM: between two uniform samples of
// n points each, the optimal plan is a permutation (Birkhoff's theorem: the vertices of the
// transport polytope with uniform marginals are the permutation matrices), so it is an assignment
// problem, solved here by Jonker and Volgenant's shortest augmenting path algorithm.

// Assigner solves dense square assignment problems: given an n x n cost, the permutation perm
// minimising sum_i cost[i][perm[i]], exactly (to float64 rounding). It finds it by shortest
// augmenting paths, as Jonker and Volgenant's LAPJV does (R. Jonker, A. Volgenant, "A shortest
// augmenting path algorithm for dense and sparse linear assignment problems", Computing 38,
// 1987): from an assignment of most rows and column prices under which every assigned row is on
// a column of its least reduced cost, each row left free is assigned by a Dijkstra search for a
// shortest augmenting path over the reduced costs, O(n^2) each, O(n^3) in all at worst.
//
// How the start is found decides the speed. LAPJV's own (column reduction, reduction transfer,
// augmenting row reduction) is fast when the two point clouds have the same law, but when one is
// wider than the other (data against noise), most columns are cheapest from the same few rows,
// most rows stay free and each search crosses most columns: 6 to 8 times slower at n = 1024.
// So the start is Bertsekas' auction with epsilon scaling (D. P. Bertsekas, "The auction
// algorithm: a distributed relaxation method for the assignment problem", Annals of Operations
// Research 14, 1988), stopped at an epsilon of 1e-4 of the costs' span: a complete assignment
// within n*eps of the optimum, whose prices are nearly optimal duals. Each row's column is then
// priced so that the row is on its least reduced cost, the rows this leaves otherwise are freed
// (a quarter to a third of them), and the augmenting paths from them, short under such prices,
// finish the exact solution. Should the auction run too long (it is bounded), LAPJV's start is
// used instead.
//
// An Assigner keeps its work arrays between calls: after the first call of a size, Solve and
// Match allocate nothing. The zero value is ready to use; an Assigner is not safe for concurrent
// use.
type Assigner struct {
	v, d, vk []float64 // column prices; the running search's distances and prices by position
	rowsol   []int32   // column assigned to each row, -1 if none
	colsol   []int32   // row assigned to each column, -1 if none
	pred     []int32   // the search's predecessor row of each column
	collist  []int32   // columns: ready [0, low), to scan [low, up), to do [up, n)
	free     []int32   // rows without a column
	matches  []int32   // column reduction: columns whose minimum is in each row
	costs    costBuffer

	jvOnly bool // for tests: start from JV's reductions, never from the auction
}

// grow makes every work array hold n values.
func (a *Assigner) grow(n int) {
	if cap(a.v) < n {
		a.v, a.d, a.vk = make([]float64, n), make([]float64, n), make([]float64, n)
		a.rowsol, a.colsol, a.pred = make([]int32, n), make([]int32, n), make([]int32, n)
		a.collist, a.free, a.matches = make([]int32, n), make([]int32, n), make([]int32, n)
	}
	a.v, a.d, a.vk = a.v[:n], a.d[:n], a.vk[:n]
	a.rowsol, a.colsol, a.pred = a.rowsol[:n], a.colsol[:n], a.pred[:n]
	a.collist, a.free, a.matches = a.collist[:n], a.free[:n], a.matches[:n]
}

// maxAssign bounds n so that row and column indices fit an int32 (and n*n a 64-bit int; where
// int has 32 bits, the cost slice's own length bounds n first).
const maxAssign = 1 << 20

// checkCost returns an error for a cost that is not a finite number, or so large that sums of
// n of them (the prices and path lengths) could overflow, so that Solve always ends.
func checkCost(cost []float64, rows, cols int) error {
	limit := math.MaxFloat64 / float64(4*(rows+cols+1))
	for k, c := range cost[:rows*cols] {
		if !(math.Abs(c) <= limit) { // NaN too
			i, j := k/cols, k%cols
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return errorf("cost[%d][%d] = %v is not a finite number", i, j, c)
			}
			return errorf("cost[%d][%d] = %v is too large (at most %.3g)", i, j, c, limit)
		}
	}
	return nil
}

// Solve finds a permutation perm of 0..n-1 minimising the total cost sum_i cost[i*n + perm[i]]
// of the n x n row-major cost matrix, writes it into perm[:n] and returns that total (summed in
// row order). A cost that is NaN or infinite, or larger in magnitude than MaxFloat64/(8n+4), is
// an error, and perm is then left unspecified. Among several optimal permutations (ties), which
// one is returned depends on the costs alone.
func (a *Assigner) Solve(cost []float64, n int, perm []int) (total float64, err error) {
	switch {
	case n < 0 || n > maxAssign:
		return 0, errorf("assignment of size %d out of range [0, %d]", n, maxAssign)
	case n > 0 && len(cost)/n < n || len(perm) < n: // len/n, not n*n, which overflows a 32-bit int
		panic(fmt.Sprintf("fm: Solve of size %d with %d costs and a permutation of %d", n, len(cost), len(perm)))
	}
	if err := checkCost(cost, n, n); err != nil {
		return 0, err
	}
	switch n {
	case 0:
		return 0, nil
	case 1:
		perm[0] = 0
		return cost[0], nil
	}
	a.grow(n)
	numfree := -1
	if !a.jvOnly {
		numfree = a.auctionInit(cost, n)
	}
	if numfree < 0 {
		numfree = a.reduce(cost, n)
		numfree = a.augmentingRowReduction(cost, n, numfree)
		numfree = a.augmentingRowReduction(cost, n, numfree)
	}
	for _, f := range a.free[:numfree] {
		a.augment(cost, n, f)
	}
	for i, j := range a.rowsol {
		perm[i] = int(j)
		total += cost[i*n+int(j)]
	}
	return total, nil
}

// reduce runs the column reduction and the reduction transfer: every column's price is its
// least cost, each column goes to the row where that least cost lies if that row takes no
// cheaper column, and a row that took a single column passes its slack to that column's
// price. It returns the number of rows left free, listed in a.free.
func (a *Assigner) reduce(cost []float64, n int) int {
	v, rowsol, colsol, matches := a.v, a.rowsol, a.colsol, a.matches
	imin := a.collist // a scratch array here: the row of each column's least cost
	// Each column's least cost and its first row, read row by row (the memory's order).
	copy(v, cost[:n])
	for j := range imin {
		imin[j] = 0
	}
	for i := 1; i < n; i++ {
		row := cost[i*n : i*n+n]
		for j, c := range row {
			if c < v[j] {
				v[j], imin[j] = c, int32(i)
			}
		}
	}
	for i := range rowsol {
		rowsol[i], matches[i] = -1, 0
	}
	// Columns in reverse order, as JV's code takes them: a row whose least cost is the least
	// of several columns keeps the cheapest of them.
	for j := n - 1; j >= 0; j-- {
		i := imin[j]
		matches[i]++
		switch {
		case matches[i] == 1:
			rowsol[i], colsol[j] = int32(j), i
		case v[j] < v[rowsol[i]]:
			colsol[rowsol[i]] = -1
			rowsol[i], colsol[j] = int32(j), i
		default:
			colsol[j] = -1
		}
	}
	// Reduction transfer.
	numfree := 0
	for i := range n {
		switch matches[i] {
		case 0:
			a.free[numfree] = int32(i)
			numfree++
		case 1:
			j1 := int(rowsol[i])
			row := cost[i*n : i*n+n]
			m := math.Inf(1)
			for j, c := range row {
				if h := c - v[j]; h < m && j != j1 {
					m = h
				}
			}
			v[j1] -= m
		}
	}
	return numfree
}

// arrSteps*n (+64) bounds the steps of a pass of augmentingRowReduction. On n = 512 and 1024
// points uniform in a square, each pass leaves fewer rows free the more steps it may take, but
// on such costs its steps soon become a long exchange of one column between two rows at
// ever smaller price cuts; 1 to 3 times n came out fastest in all (2026-12-06, 8 and 32 took
// 1.5 to 4 times as long at n = 1024, 0 three to five times).
const arrSteps = 2

// augmentingRowReduction is one pass of JV's augmenting row reduction over the free rows: each
// takes the column of its least reduced cost, lowering that column's price to its second least
// so that it keeps it, and the row it displaces is taken up again at once (or, on a tie, in the
// next pass). It returns the rows still free. Every step keeps each assigned row on a column of
// least reduced cost, which the augmentation needs; so that ties and rounding cannot make a pass
// run on, a pass takes at most a bounded number of steps and leaves the rest free.
func (a *Assigner) augmentingRowReduction(cost []float64, n, numfree int) int {
	v, rowsol, colsol, free := a.v, a.rowsol, a.colsol, a.free
	prv := numfree
	numfree = 0
	k := 0
	for steps := arrSteps*n + 64; k < prv; steps-- {
		if steps == 0 {
			numfree += copy(free[numfree:], free[k:prv])
			return numfree
		}
		i := free[k]
		k++
		row := cost[int(i)*n : int(i)*n+n]
		// The least and second least reduced costs of row i, and their columns.
		umin, usub := row[0]-v[0], math.Inf(1)
		j1, j2 := 0, 0
		for j := 1; j < n; j++ {
			h := row[j] - v[j]
			if h < usub {
				if h >= umin {
					usub, j2 = h, j
				} else {
					usub, umin, j2, j1 = umin, h, j1, j
				}
			}
		}
		i0 := colsol[j1]
		if umin < usub {
			v[j1] -= usub - umin
		} else if i0 >= 0 {
			// A tie: take the second column instead, which may be free.
			j1 = j2
			i0 = colsol[j2]
		}
		rowsol[i], colsol[j1] = int32(j1), i
		if i0 >= 0 {
			if umin < usub {
				k--
				free[k] = i0 // the displaced row, at once
			} else {
				free[numfree] = i0
				numfree++
			}
		}
	}
	return numfree
}

// augment assigns the free row f by a shortest augmenting path: a Dijkstra search over the
// reduced costs from f until it reaches an unassigned column, then the prices of the columns
// it settled are raised and the path's assignments flipped.
//
// The columns are kept in a.collist in three runs, settled [0, low), to scan [low, up) (at the
// least distance minD) and to do [up, n), and their distances and prices in a.d and a.vk by
// position, not by column, moved with them: the search's inner loop, over the columns to do,
// then reads them in order and gathers only the cost row.
func (a *Assigner) augment(cost []float64, n int, f int32) {
	v, pred, colsol, rowsol := a.v[:n], a.pred[:n], a.colsol[:n], a.rowsol[:n]
	cols, dk, vk := a.collist[:n], a.d[:n], a.vk[:n]
	row := cost[int(f)*n : int(f)*n+n]
	for j := range n {
		vk[j] = v[j]
		dk[j] = row[j] - v[j]
		pred[j] = f
		cols[j] = int32(j)
	}
	swap := func(k, l int) {
		cols[k], cols[l] = cols[l], cols[k]
		dk[k], dk[l] = dk[l], dk[k]
		vk[k], vk[l] = vk[l], vk[k]
	}
	low, up, last := 0, 0, 0
	var minD float64
	end := int32(-1)
search:
	for {
		if up == low {
			// The columns to do at the least distance become the columns to scan.
			last = low - 1
			minD = dk[up]
			up++
			for k := up; k < n; k++ {
				if h := dk[k]; h <= minD {
					if h < minD {
						up, minD = low, h
					}
					swap(k, up)
					up++
				}
			}
			for _, j := range cols[low:up] {
				if colsol[j] < 0 {
					end = j
					break search
				}
			}
		}
		// Scan one column: relax the distances of the columns to do through its row.
		j1 := cols[low]
		i := colsol[j1]
		ri := cost[int(i)*n : int(i)*n+n]
		h := ri[j1] - vk[low] - minD
		low++
		for k := up; k < n; k++ {
			j := cols[k]
			v2 := ri[j] - vk[k] - h
			if v2 < dk[k] {
				pred[j] = i
				dk[k] = v2
				if v2 == minD {
					if colsol[j] < 0 {
						end = j
						break search
					}
					swap(k, up)
					up++
				}
			}
		}
	}
	// Raise the prices of the settled columns.
	for k := 0; k <= last; k++ {
		v[cols[k]] = vk[k] + dk[k] - minD
	}
	// Flip the assignments along the path back to f.
	for {
		i := pred[end]
		colsol[end] = i
		next := rowsol[i]
		rowsol[i] = end
		end = next
		if i == f {
			break
		}
	}
}

// Match pairs n source points x0 with n target points x1 (rows of d values) by exact optimal
// transport for the squared Euclidean cost: it writes into perm the permutation that pairs
// x0[i] with x1[perm[i]] at the least total squared distance and returns that total. The costs
// are built as SquaredCost does, in the Assigner's own buffer.
func (a *Assigner) Match(x0, x1 []float32, n, d int, perm []int) (total float64, err error) {
	cost := a.costs.squared(x0, x1, n, n, d)
	return a.Solve(cost, n, perm)
}

// SquaredCost returns the n x m matrix of squared Euclidean distances between the rows of x (n
// rows of d values) and of y (m rows), in a buffer the Assigner keeps (valid until its next
// Match or SquaredCost); see costBuffer.squared for how it is computed.
func (a *Assigner) SquaredCost(x, y []float32, n, m, d int) []float64 {
	return a.costs.squared(x, y, n, m, d)
}

// SquaredDistances writes the n x m matrix of squared Euclidean distances between the rows of x
// and of y (rows of d values) into dst, row-major, each the float64 sum of the squared float64
// differences: to within a few float64 roundings of the exact distance of the float32 points,
// however close they are. It costs n*m*d multiply-adds on one thread.
func SquaredDistances(dst []float64, x, y []float32, n, m, d int) {
	x, y, dst = x[:n*d], y[:m*d], dst[:n*m]
	if d == 2 {
		for i := range n {
			a0, a1 := float64(x[2*i]), float64(x[2*i+1])
			out := dst[i*m : i*m+m]
			for j := range out {
				e0, e1 := a0-float64(y[2*j]), a1-float64(y[2*j+1])
				out[j] = e0*e0 + e1*e1
			}
		}
		return
	}
	for i := range n {
		xi := x[i*d : i*d+d]
		out := dst[i*m : i*m+m]
		for j := range out {
			yj := y[j*d : j*d+d]
			var s float64
			for k, xv := range xi {
				e := float64(xv) - float64(yj[k])
				s += e * e
			}
			out[j] = s
		}
	}
}

// directCostDims is the largest dimension for which costBuffer.squared sums differences; above
// it, the cross terms come from one float32 GEMM.
const directCostDims = 16

// costBuffer builds squared-distance cost matrices in memory it keeps.
type costBuffer struct {
	cost   []float64
	cross  []float32 // -2 x.y, from GEMM
	nx, ny []float64 // squared norms
}

// squared returns the n x m squared Euclidean distances between the rows of x and y. Up to
// directCostDims dimensions it is SquaredDistances (exact to float64 rounding). Above, it is
// |x|^2 + |y|^2 - 2 x.y with the norms in float64 and the cross term x.y from mat.Gemm in
// float32: n*m*d multiply-adds at GEMM's speed instead of scalar Go's, at the price of an
// absolute error of order 1e-7*|x||y| (float32 rounding of the dot product), which cancellation
// leaves as it is when x and y are close; a negative result is clamped to 0. For images (784
// dimensions) the distances between distinct points are of the order of the norms, so the
// relative error of the costs stays near 1e-6, and the assignment is exact for costs within
// that of the float64 ones.
func (c *costBuffer) squared(x, y []float32, n, m, d int) []float64 {
	if len(x) < n*d || len(y) < m*d {
		panic(fmt.Sprintf("fm: squared distances of %d and %d rows of %d values from %d and %d", n, m, d, len(x), len(y)))
	}
	c.cost = growFloat64(c.cost, n*m)
	if d <= directCostDims {
		SquaredDistances(c.cost, x, y, n, m, d)
		return c.cost
	}
	c.nx, c.ny = growFloat64(c.nx, n), growFloat64(c.ny, m)
	rowNorms(c.nx, x, d)
	rowNorms(c.ny, y, d)
	if cap(c.cross) < n*m {
		c.cross = make([]float32, n*m)
	}
	cross := c.cross[:n*m]
	mat.Gemm(false, true, n, m, d, -2, x, d, y, d, 0, cross, m)
	for i := range n {
		out, cr := c.cost[i*m:i*m+m], cross[i*m:i*m+m]
		for j := range out {
			out[j] = max(0, c.nx[i]+c.ny[j]+float64(cr[j]))
		}
	}
	return c.cost
}

// rowNorms writes the squared norm of each row of x into dst, in float64.
func rowNorms(dst []float64, x []float32, d int) {
	for i := range dst {
		var s float64
		for _, v := range x[i*d : i*d+d] {
			s += float64(v) * float64(v)
		}
		dst[i] = s
	}
}

// growFloat64 returns buf resliced to n values, reallocated if it holds fewer.
func growFloat64(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}

// auctionInit finds a complete assignment and column prices by Bertsekas' auction algorithm
// with epsilon scaling, then makes every row tight (its column of least reduced cost) by
// raising its column's price, and frees the rows that this leaves not tight. It returns the
// number of free rows, listed in a.free, or -1 if the auction ran too long (then nothing it left
// is to be used).
func (a *Assigner) auctionInit(cost []float64, n int) int {
	v, rowsol, colsol, free := a.v, a.rowsol, a.colsol, a.free
	lo, hi := cost[0], cost[0]
	for _, c := range cost[:n*n] {
		lo, hi = min(lo, c), max(hi, c)
	}
	span := hi - lo
	// Start from the column minima, a dual feasible point.
	copy(v, cost[:n])
	for i := 1; i < n; i++ {
		for j, c := range cost[i*n : i*n+n] {
			v[j] = min(v[j], c)
		}
	}
	if span == 0 {
		for i := range n {
			rowsol[i], colsol[i] = int32(i), int32(i)
		}
		return 0
	}
	eps := span * auctionEps0
	epsFinal := span * auctionEpsFinal
	budget := auctionBudget * n
	for i := range n {
		rowsol[i], colsol[i] = -1, -1
	}
	for {
		// The rows that are not within eps of their best column become free; the others keep
		// their columns into the phase (all rows, in the first).
		nf := 0
		for i := n - 1; i >= 0; i-- {
			j := rowsol[i]
			if j >= 0 {
				row := cost[i*n : i*n+n]
				m, _, _ := asm.MinTwo(row, v)
				if row[j]-v[j] <= m+eps {
					continue
				}
				rowsol[i], colsol[j] = -1, -1
			}
			free[nf] = int32(i)
			nf++
		}
		for nf > 0 {
			if budget--; budget < 0 {
				return -1
			}
			nf--
			i := free[nf]
			w1, w2, j1 := asm.MinTwo(cost[int(i)*n:int(i)*n+n], v)
			v[j1] -= w2 - w1 + eps
			if k := colsol[j1]; k >= 0 {
				rowsol[k] = -1
				free[nf] = k
				nf++
			}
			colsol[j1], rowsol[i] = i, int32(j1)
		}

		if eps <= epsFinal {
			break
		}
		eps = max(eps/auctionScale, epsFinal)
	}
	// Tighten: each row's column priced so that it is the row's least reduced cost.
	for i := range n {
		row := cost[i*n : i*n+n]
		j := rowsol[i]
		m, _, _ := asm.MinTwo(row, v)
		if row[j]-v[j] > m {
			// v_j = c_ij - m, rounded up until c_ij - v_j is not above m as computed.
			vj := row[j] - m
			for row[j]-vj > m {
				vj = math.Nextafter(vj, math.Inf(1))
			}
			v[j] = vj
		}
	}
	// Free the rows that are no longer tight.
	nf := 0
	for i := range n {
		row := cost[i*n : i*n+n]
		j := rowsol[i]
		if m, _, _ := asm.MinTwo(row, v); m < row[j]-v[j] {
			colsol[j], rowsol[i] = -1, -1
			free[nf] = int32(i)
			nf++
		}
	}
	return nf
}

// The auction's epsilon scaling, relative to the span of the costs (largest less least): from
// auctionEps0 down by auctionScale per phase to auctionEpsFinal, and the most bids, a multiple
// of n, before auctionInit gives up. Chosen on n = 512 and 1024 points in 2D, the target cloud
// as wide as the source, twice as wide and half as wide (2026-12-06, CPU time, see
// BENCHMARKS.md): a smaller final epsilon leaves fewer rows to the augmentations but costs more
// bids than it saves; 1e-4 to 1e-5 came out best. No bid run near the budget there.
const (
	auctionEps0     = 0.01
	auctionEpsFinal = 1e-4
	auctionScale    = 10
	auctionBudget   = 100
)
