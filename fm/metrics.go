package fm

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
)

// EnergyDistance returns the squared energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| between two
// samples of d-dimensional points (rows of x and y), with the within-sample means taken over
// distinct pairs, so it is an unbiased estimate: zero in expectation when both come from one
// distribution, positive otherwise. It costs O((n+m)^2) distances.
func EnergyDistance(x, y []float32, d int) float64 {
	return 2*meanDist(x, y, d, false) - meanDist(x, x, d, true) - meanDist(y, y, d, true)
}

// meanDist is the mean Euclidean distance between rows of a and rows of b, over distinct pairs
// when a and b are the same sample.
func meanDist(a, b []float32, d int, same bool) float64 {
	na, nb := len(a)/d, len(b)/d
	var sum float64
	for i := 0; i < na; i++ {
		ai := a[i*d : i*d+d]
		var row float64
		start := 0
		if same {
			start = i + 1 // each unordered pair once; the mean is the same
		}
		for j := start; j < nb; j++ {
			bj := b[j*d : j*d+d]
			var s float64
			for k, v := range ai {
				dv := float64(v) - float64(bj[k])
				s += dv * dv
			}
			row += math.Sqrt(s)
		}
		sum += row
	}
	if same {
		return sum / (float64(na) * float64(na-1) / 2)
	}
	return sum / (float64(na) * float64(nb))
}

// SlicedWasserstein returns the sliced Wasserstein-1 distance between two samples: the mean,
// over `projections` random unit directions drawn from seed, of the 1D Wasserstein-1 distance
// between the samples projected on each.
func SlicedWasserstein(x, y []float32, d, projections int, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	px, py := make([]float64, len(x)/d), make([]float64, len(y)/d)
	dir := make([]float64, d)
	var total float64
	for p := 0; p < projections; p++ {
		var norm float64
		for i := range dir {
			dir[i] = r.NormFloat64()
			norm += dir[i] * dir[i]
		}
		norm = math.Sqrt(norm)
		project(px, x, dir, norm)
		project(py, y, dir, norm)
		total += wasserstein1D(px, py)
	}
	return total / float64(projections)
}

func project(dst []float64, x []float32, dir []float64, norm float64) {
	d := len(dir)
	for i := range dst {
		var s float64
		for k, v := range x[i*d : i*d+d] {
			s += float64(v) * dir[k]
		}
		dst[i] = s / norm
	}
}

// wasserstein1D is the integral of |F - G| between the empirical distribution functions of a
// and b (sorted in place), which is their Wasserstein-1 distance for any two sample sizes.
func wasserstein1D(a, b []float64) float64 {
	sortFloats(a)
	sortFloats(b)
	var i, j int
	var w, prev float64
	na, nb := float64(len(a)), float64(len(b))
	for i < len(a) || j < len(b) {
		var v float64
		if j >= len(b) || (i < len(a) && a[i] <= b[j]) {
			v = a[i]
		} else {
			v = b[j]
		}
		if i+j > 0 {
			w += math.Abs(float64(i)/na-float64(j)/nb) * (v - prev)
		}
		prev = v
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
	}
	return w
}

// MMD returns the unbiased squared maximum mean discrepancy between two samples under a sum of
// Gaussian kernels exp(-|u-v|^2 / (2 h^2)) with bandwidths h in bandwidths (in data units).
func MMD(x, y []float32, d int, bandwidths []float64) float64 {
	kxx := meanKernel(x, x, d, true, bandwidths)
	kyy := meanKernel(y, y, d, true, bandwidths)
	kxy := meanKernel(x, y, d, false, bandwidths)
	return kxx + kyy - 2*kxy
}

func meanKernel(a, b []float32, d int, same bool, hs []float64) float64 {
	na, nb := len(a)/d, len(b)/d
	inv := make([]float64, len(hs))
	for i, h := range hs {
		inv[i] = -1 / (2 * h * h)
	}
	var sum float64
	for i := 0; i < na; i++ {
		ai := a[i*d : i*d+d]
		start := 0
		if same {
			start = i + 1
		}
		for j := start; j < nb; j++ {
			bj := b[j*d : j*d+d]
			var s float64
			for k, v := range ai {
				dv := float64(v) - float64(bj[k])
				s += dv * dv
			}
			for _, c := range inv {
				sum += math.Exp(c * s)
			}
		}
	}
	if same {
		return sum / (float64(na) * float64(na-1) / 2)
	}
	return sum / (float64(na) * float64(nb))
}

// CheckerboardFit measures how a 2D sample (in the checkerboard dataset's units) covers the
// board: the fraction of points on its eight squares, and the balance between squares, exp of
// the entropy of the on-board points' distribution over the squares divided by 8 (1 when every
// square holds the same share, 1/8 when one square holds them all).
func CheckerboardFit(x []float32) (onBoard, balance float64) {
	var counts [8]int
	n := len(x) / 2
	on := 0
	for i := 0; i < n; i++ {
		if sq, ok := OnCheckerboard(float64(x[2*i]), float64(x[2*i+1])); ok {
			counts[sq]++
			on++
		}
	}
	if n == 0 || on == 0 {
		return 0, 0
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(on)
			h -= p * math.Log(p)
		}
	}
	return float64(on) / float64(n), math.Exp(h) / 8
}

// Wasserstein2 returns the 2-Wasserstein distance between the empirical distributions of two
// samples of n points each (rows of d values in x and y): the square root of the mean squared
// Euclidean distance between the points of the optimal matching, found exactly by an Assigner
// on float64 squared distances (SquaredDistances). This is TorchCFM's wasserstein(x0, x1,
// power=2) (POT's emd2 on uniform weights, whose optimal plan for equal sizes is a
// permutation), up to its cost being float32 (torch.cdist) where this one is float64. Samples
// of different sizes are refused: their optimal plan splits points, which an assignment does not
// express; draw as many points as the reference has. At n = 1000 in 2D (TorchCFM's protocol)
// it takes about 70 ms of CPU time (BENCHMARKS.md); the cost matrix, n*n float64 (8 MB at
// n = 1000), is allocated per call.
func Wasserstein2(x, y []float32, d int) (float64, error) {
	if d < 1 || len(x)%d != 0 || len(y)%d != 0 {
		return 0, errorf("w2: samples of %d and %d values are not rows of %d", len(x), len(y), d)
	}
	n := len(x) / d
	if m := len(y) / d; m != n {
		return 0, errorf("w2: samples of %d and %d points; exact W2 here needs equal sizes", n, m)
	}
	if n == 0 {
		return 0, errors.New("w2: empty samples")
	}
	cost := make([]float64, n*n)
	SquaredDistances(cost, x, y, n, n, d)
	var a Assigner
	total, err := a.Solve(cost, n, make([]int, n))
	if err != nil {
		return 0, errorf("w2: %w", err)
	}
	return math.Sqrt(total / float64(n)), nil
}

// NormalizedPathEnergy is the normalised path energy of Tong et al. (TMLR 2024, section 5.1),
// |PE - W2^2| / W2^2: how far the path energy pe of a flow (the mean over its paths of the
// integral of |v|^2 over [0, 1]) is from the least any flow between its source and its target
// can have, their squared 2-Wasserstein distance (w2 here, not squared), reached by the straight
// paths of the optimal transport map (Benamou and Brenier). 0 is optimal.
func NormalizedPathEnergy(pe, w2 float64) float64 {
	w := w2 * w2
	return math.Abs(pe-w) / w
}

// sortFloats sorts v in increasing order through pointers to its values: the sort of pointers
// shares its code with the binary's other sorts of pointers, and makes the comparisons, and so
// the moves, that slices.Sort would. It is not inlined into its callers.
//
//go:noinline
func sortFloats(v []float64) {
	p := make([]*float64, len(v))
	for i := range v {
		p[i] = &v[i]
	}
	slices.SortFunc(p, func(a, b *float64) int { return cmp.Compare(*a, *b) })
	sorted := make([]float64, len(v))
	for i, q := range p {
		sorted[i] = *q
	}
	copy(v, sorted)
}
