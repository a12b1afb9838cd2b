package fm

import (
	"math"
	"math/rand/v2"
	"strings"
)

// Dataset draws training points: n rows of Dim() values, row-major.
type Dataset interface {
	Name() string
	Dim() int
	Sample(r *rand.Rand, dst []float32) // fills all of dst, len(dst) a multiple of Dim()
}

// LabelledDataset is a dataset whose points carry a class label in 0..NumClasses()-1, the
// condition of a class-conditional model.
type LabelledDataset interface {
	Dataset
	// NumClasses is the number of labels; 0 when these data have none (a CSV file read without
	// a label column, images without their labels file).
	NumClasses() int
	// SampleLabelled draws the points Sample draws from the same generator state, and writes
	// each one's label into labels, len(dst)/Dim() of them.
	SampleLabelled(r *rand.Rand, dst []float32, labels []int32)
}

// Classes returns ds's number of labels: 0 unless it is a LabelledDataset with labels.
func Classes(ds Dataset) int {
	if l, ok := ds.(LabelledDataset); ok {
		return l.NumClasses()
	}
	return 0
}

// Builtins lists the names of the built-in datasets.
func Builtins() []string {
	return []string{"8gaussians", "checkerboard", "circles", "moons", "scurve", "swissroll", "torchcfm-moons"}
}

// Builtin returns the built-in dataset of that name ("swiss" and "checkers" are accepted too).
// (A switch, not a map, so that a program that never asks for a dataset links none.)
func Builtin(name string) (Dataset, bool) {
	switch strings.ToLower(name) {
	case "checkerboard", "checkers", "checker":
		return checkerboard{}, true
	case "moons":
		return Moons{Noise: 0.05}, true
	case "swissroll", "swiss", "swiss-roll", "swiss_roll":
		return SwissRoll{Noise: 0}, true
	case "8gaussians", "8gauss", "eightgaussians", "gaussians":
		return eightGaussians{}, true
	case "circles":
		return Circles{Noise: 0.05, Factor: 0.5}, true
	case "scurve", "s-curve", "s_curve":
		return SCurve{Noise: 0.05, Scale: 1.5}, true
	case "torchcfm-moons":
		return torchCFMMoons{}, true
	}
	return nil, false
}

// checkerboard is facebookresearch/flow_matching's 2D example distribution:
// x1 = U*4 - 2; x2 = U - 2*randint{0,1} + (floor(x1) mod 2); both divided by 0.45.
// Eight unit squares of a 4x4 board, scaled.
type checkerboard struct{}

func (checkerboard) Name() string { return "checkerboard" }
func (checkerboard) Dim() int     { return 2 }
func (checkerboard) Sample(r *rand.Rand, dst []float32) {
	for i := 0; i+1 < len(dst); i += 2 {
		// In float32 like the reference's torch.rand, so the board's edges fall where it puts them.
		x1 := r.Float32()*4 - 2
		x2 := r.Float32() - float32(2*r.IntN(2))
		// PyTorch's % takes the divisor's sign; math.Mod the dividend's: floor(x1) is in
		// {-2, -1, 0, 1}, so add 2 before taking it modulo 2.
		x2 += float32(math.Mod(math.Floor(float64(x1))+2, 2))
		dst[i], dst[i+1] = x1/0.45, x2/0.45
	}
}

// OnCheckerboard reports whether (x, y), in the units of the checkerboard dataset, lies on one
// of its eight squares, and which one (0..7).
func OnCheckerboard(x, y float64) (square int, on bool) {
	u, v := math.Floor(x*0.45), math.Floor(y*0.45)
	if u < -2 || u > 1 || v < -2 || v > 1 || int(u+v)%2 != 0 {
		return 0, false
	}
	// Column u+2 in 0..3 holds two squares, rows (v+2)/2 in 0..1.
	return int(u+2)*2 + int(v+2)/2, true
}

// Moons is sklearn's make_moons as a sampler: two interleaving half circles (each point picks one
// at random), plus Gaussian noise of the given standard deviation. A point's label is its moon,
// as sklearn's: 0 the outer one, 1 the inner one.
type Moons struct{ Noise float64 }

func (Moons) Name() string                         { return "moons" }
func (Moons) Dim() int                             { return 2 }
func (Moons) NumClasses() int                      { return 2 }
func (m Moons) Sample(r *rand.Rand, dst []float32) { m.SampleLabelled(r, dst, nil) }
func (m Moons) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	for i := 0; i+1 < len(dst); i += 2 {
		sin, cos := math.Sincos(math.Pi * r.Float64())
		x, y := cos, sin // outer moon
		moon := r.IntN(2)
		if moon == 1 {
			x, y = 1-cos, 1-sin-0.5 // inner moon
		}
		dst[i] = float32(x + m.Noise*r.NormFloat64())
		dst[i+1] = float32(y + m.Noise*r.NormFloat64())
		if labels != nil {
			labels[i/2] = int32(moon)
		}
	}
}

// torchCFMMoons is the moons of TorchCFM's runner (SKLearnDataModule, the 2D benchmark of Tong
// et al.): sklearn's make_moons with noise 0.05, times 2, then shifted by -1 along x, so that
// it spans about [-3, 3] x [-1.1, 2.1] around the origin instead of [-1, 2] x [-0.6, 1.1].
type torchCFMMoons struct{}

func (torchCFMMoons) Name() string                         { return "torchcfm-moons" }
func (torchCFMMoons) Dim() int                             { return 2 }
func (torchCFMMoons) NumClasses() int                      { return 2 }
func (m torchCFMMoons) Sample(r *rand.Rand, dst []float32) { m.SampleLabelled(r, dst, nil) }
func (torchCFMMoons) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	Moons{Noise: 0.05}.SampleLabelled(r, dst, labels)
	for i := 0; i+1 < len(dst); i += 2 {
		dst[i] = 2*dst[i] - 1
		dst[i+1] *= 2
	}
}

// SwissRoll is sklearn's make_swiss_roll seen from above: its x and z columns,
// t*cos(t) and t*sin(t) with t = 1.5*pi*(1 + 2U), plus Gaussian noise; divided by 10 as the
// seed implementation does.
type SwissRoll struct{ Noise float64 }

func (SwissRoll) Name() string { return "swissroll" }
func (SwissRoll) Dim() int     { return 2 }
func (s SwissRoll) Sample(r *rand.Rand, dst []float32) {
	for i := 0; i+1 < len(dst); i += 2 {
		t := 1.5 * math.Pi * (1 + 2*r.Float64())
		sin, cos := math.Sincos(t)
		dst[i] = float32((t*cos + s.Noise*r.NormFloat64()) / 10)
		dst[i+1] = float32((t*sin + s.Noise*r.NormFloat64()) / 10)
	}
}

// eightGaussians is TorchCFM's sample_8gaussians: eight normals of covariance sqrt(0.1)*I
// centred on a circle of radius 5. A point's label is its mode, 0..7, in the order of
// GaussianModes.
type eightGaussians struct{}

func (eightGaussians) Name() string                         { return "8gaussians" }
func (eightGaussians) Dim() int                             { return 2 }
func (eightGaussians) NumClasses() int                      { return len(GaussianModes) }
func (g eightGaussians) Sample(r *rand.Rand, dst []float32) { g.SampleLabelled(r, dst, nil) }
func (eightGaussians) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	std := math.Pow(0.1, 0.25)
	for i := 0; i+1 < len(dst); i += 2 {
		mode := r.IntN(8)
		c := GaussianModes[mode]
		dst[i] = float32(c[0] + std*r.NormFloat64())
		dst[i+1] = float32(c[1] + std*r.NormFloat64())
		if labels != nil {
			labels[i/2] = int32(mode)
		}
	}
}

// GaussianModes are the centres of the 8gaussians dataset, in the order of its labels.
var GaussianModes = func() [8][2]float64 {
	s := 1 / math.Sqrt2
	unit := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}}
	for i := range unit {
		unit[i][0], unit[i][1] = 5*unit[i][0], 5*unit[i][1]
	}
	return unit
}()

// NearestGaussian returns the label of the 8gaussians mode nearest to (x, y).
func NearestGaussian(x, y float64) int {
	best, bestD := 0, math.Inf(1)
	for k, c := range GaussianModes {
		if d := (x-c[0])*(x-c[0]) + (y-c[1])*(y-c[1]); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// Circles is sklearn's make_circles as a sampler: a unit circle and one of radius Factor inside
// it, each point on either with equal chance, plus Gaussian noise. A point's label is its
// circle, as sklearn's: 0 the outer one, 1 the inner one.
type Circles struct{ Noise, Factor float64 }

func (Circles) Name() string                         { return "circles" }
func (Circles) Dim() int                             { return 2 }
func (Circles) NumClasses() int                      { return 2 }
func (c Circles) Sample(r *rand.Rand, dst []float32) { c.SampleLabelled(r, dst, nil) }
func (c Circles) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	for i := 0; i+1 < len(dst); i += 2 {
		sin, cos := math.Sincos(2 * math.Pi * r.Float64())
		rad := 1.0
		circle := r.IntN(2)
		if circle == 1 {
			rad = c.Factor
		}
		dst[i] = float32(rad*cos + c.Noise*r.NormFloat64())
		dst[i+1] = float32(rad*sin + c.Noise*r.NormFloat64())
		if labels != nil {
			labels[i/2] = int32(circle)
		}
	}
}

// SCurve is TorchCFM's "scurve" (its runner's SKLearnDataModule, the 2D benchmark of Tong et
// al.): sklearn's make_s_curve with the given noise, its columns 0 and 2, times Scale. With
// t = 3*pi*(U - 1/2): (sin t, sign(t)*(cos t - 1)), plus Gaussian noise of standard deviation
// Noise on each, then scaled (TorchCFM: noise 0.05, scale 1.5). sklearn's middle column,
// 2*U', is not drawn.
type SCurve struct{ Noise, Scale float64 }

func (SCurve) Name() string { return "scurve" }
func (SCurve) Dim() int     { return 2 }
func (s SCurve) Sample(r *rand.Rand, dst []float32) {
	for i := 0; i+1 < len(dst); i += 2 {
		t := 3 * math.Pi * (r.Float64() - 0.5)
		sin, cos := math.Sincos(t)
		z := cos - 1
		if t < 0 {
			z = -z
		}
		dst[i] = float32(s.Scale * (sin + s.Noise*r.NormFloat64()))
		dst[i+1] = float32(s.Scale * (z + s.Noise*r.NormFloat64()))
	}
}

// Table is a dataset held in memory (a CSV file's rows): Sample draws rows uniformly with
// replacement.
type Table struct {
	Source string    // where the rows came from, for messages and the model file
	D      int       // values per row
	X      []float32 // the rows, row-major

	// Columns names the D columns (a CSV file's header, its label column left out), or is nil
	// when they have no names; Read is how the file was read, so that it can be read again.
	Columns []string
	Read    CSVOptions

	// A table read with a label column (CSVOptions.Label) has a label per row in 0..Classes-1;
	// LabelValues, when the file's values were not 0..Classes-1 themselves, holds the file's
	// value of each class (sorted), and LabelColumn names the column.
	Labels      []int32
	Classes     int
	LabelValues []int64
	LabelColumn string
}

func (t *Table) Name() string                       { return t.Source }
func (t *Table) Dim() int                           { return t.D }
func (t *Table) Rows() int                          { return len(t.X) / t.D }
func (t *Table) NumClasses() int                    { return t.Classes }
func (t *Table) Sample(r *rand.Rand, dst []float32) { t.SampleLabelled(r, dst, nil) }

// SampleLabelled is Sample with the rows' labels (which must be present when labels is not nil).
func (t *Table) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	n := t.Rows()
	for i := 0; i+t.D <= len(dst); i += t.D {
		j := r.IntN(n)
		copy(dst[i:i+t.D], t.X[j*t.D:(j+1)*t.D])
		if labels != nil {
			labels[i/t.D] = t.Labels[j]
		}
	}
}

// Stats are per-column statistics used to standardise data for training: the network sees
// (x - Mean)/Std, and samples are mapped back with x*Std + Mean.
type Stats struct {
	Mean, Std []float64
}

// Identity returns statistics that leave d columns unchanged.
func Identity(d int) Stats {
	s := Stats{Mean: make([]float64, d), Std: make([]float64, d)}
	for i := range s.Std {
		s.Std[i] = 1
	}
	return s
}

// ColumnStats computes each column's mean and standard deviation (population form, as
// sklearn's StandardScaler) over n rows of x. A constant column gets std 1 so it is only shifted.
func ColumnStats(x []float32, d int) (Stats, error) {
	n := len(x) / d
	if n < 2 {
		return Stats{}, errorf("need at least 2 rows to standardise, have %d", n)
	}
	s := Stats{Mean: make([]float64, d), Std: make([]float64, d)}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			s.Mean[j] += float64(x[i*d+j])
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			dv := float64(x[i*d+j]) - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(n))
		if !(s.Std[j] > 0) || math.IsInf(s.Std[j], 0) {
			if math.IsInf(s.Std[j], 0) {
				return Stats{}, errorf("column %d: values too large to standardise", j+1)
			}
			s.Std[j] = 1
		}
	}
	return s, nil
}

// isIdentity reports whether s maps every value to itself (data trained unstandardised), so
// that the passes below can skip the batch: x - 0 and x/1 and x*1 + 0 are x exactly.
func (s Stats) isIdentity() bool {
	for j, m := range s.Mean {
		if m != 0 || s.Std[j] != 1 {
			return false
		}
	}
	return true
}

// Normalize maps rows of data units to the standardised units the network sees, in place.
// (Not inlined: its loop was copied into each of its callers, which call it once a batch.)
//
//go:noinline
func (s Stats) Normalize(x []float32) {
	if s.isIdentity() {
		return
	}
	d := len(s.Mean)
	for i := range x {
		j := i % d
		x[i] = float32((float64(x[i]) - s.Mean[j]) / s.Std[j])
	}
}

// Denormalize maps rows of standardised units back to data units, in place. (Not inlined,
// as Normalize.)
//
//go:noinline
func (s Stats) Denormalize(x []float32) {
	if s.isIdentity() {
		return
	}
	d := len(s.Mean)
	for i := range x {
		j := i % d
		x[i] = float32(float64(x[i])*s.Std[j] + s.Mean[j])
	}
}
