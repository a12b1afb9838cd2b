package plot

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Kind is what a table holds, which decides the picture drawn from it.
type Kind int

const (
	// Auto lets FromTable decide from the columns and the number of distinct times.
	Auto Kind = iota
	// Sample is a set of points: columns x,y or x0,x1,...
	Sample
	// Snapshots are the points at a few chosen times: columns t,id,x,y.
	Snapshots
	// Trajectory is every point at every solver step: columns t,id,x,y.
	Trajectory
	// Images are images, one a row, their pixels channel by channel, row by row (C x H x W): a
	// grid of them, or with columns t,id first the flow of each from noise over t.
	Images
	// LogDensity is a model's log-density on a lattice of points: columns x,y,logp.
	LogDensity
)

func (k Kind) String() string {
	switch k {
	case Auto:
		return "auto"
	case Sample:
		return "sample"
	case Snapshots:
		return "snapshots"
	case Trajectory:
		return "trajectory"
	case Images:
		return "images"
	case LogDensity:
		return "density"
	}
	return "kind(" + itoa(int(k)) + ")"
}

// MaxSnapshots is the largest number of distinct times that FromTable takes for snapshots
// rather than a trajectory when asked to decide.
const MaxSnapshots = 12

// Shape is the shape of an image: C channels (1, grey, or 3, RGB) of H rows of W pixels.
type Shape struct{ C, H, W int }

// Size is the number of values of one image.
func (s Shape) Size() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("%d,%d,%d", s.C, s.H, s.W) }

// MaxImageSide is the largest height or width of an image.
const MaxImageSide = 4096

// check reports a shape that cannot be drawn.
func (s Shape) check() error {
	switch {
	case s.C != 1 && s.C != 3:
		return errorf("shape %s: %d channels; an image has 1 (grey) or 3 (RGB)", s, s.C)
	case s.H < 1 || s.W < 1 || s.H > MaxImageSide || s.W > MaxImageSide:
		return errorf("shape %s: an image's height and width are from 1 to %d pixels", s, MaxImageSide)
	}
	return nil
}

// InferShape guesses the shape of images of n values a row: a square of one channel if n is a
// perfect square of at least 64 (28 x 28 for MNIST's 784), else a square of RGB if n is three
// times a perfect square and at least 64; ok is false otherwise.
func InferShape(n int) (s Shape, ok bool) {
	side := func(m int) int {
		r := int(math.Sqrt(float64(m)))
		for r*r > m {
			r--
		}
		for (r+1)*(r+1) <= m {
			r++
		}
		return r
	}
	if n < 64 {
		return Shape{}, false
	}
	if r := side(n); r*r == n {
		return Shape{1, r, r}, true
	}
	if r := side(n / 3); n%3 == 0 && 3*r*r == n {
		return Shape{3, r, r}, true
	}
	return Shape{}, false
}

// Data is one table ready to draw: the two coordinates drawn of n points, at one or more times,
// or n images.
type Data struct {
	Kind  Kind
	Label string    // names the panel, row or picture: a file's base name, "OT", ...
	Dims  int       // coordinate columns in the table; only the first two are drawn
	Axes  [2]string // names of the two columns drawn, as in the header
	// T holds the distinct times in ascending order, for Snapshots and Trajectory; nil for a
	// Sample.
	T []float32
	// X holds one slice per time (a single one for a Sample): n (x, y) pairs, x at 2i, y at
	// 2i+1, and the same point at index i at every time. For Images, n images of Shape.Size()
	// values each, image i at i*Shape.Size().
	X [][]float32
	// Labels holds the class of each point, by its index in X, from the table's label column;
	// nil without one.
	Labels []int
	// Shape is the shape of each image, for Images.
	Shape Shape
	// Grid holds the lattice and its log-densities, for LogDensity (X is then nil).
	Grid *Lattice
}

// Lattice is a log-density on a regular lattice: LogP[j*len(X)+i] at (X[i], Y[j]), X and Y
// ascending and evenly spaced. A LogP that is not finite is drawn in a neutral grey.
type Lattice struct {
	X, Y []float64
	LogP []float32
}

// Limits of a lattice.
const (
	MaxLatticeSide   = 4096     // distinct x or y values
	MaxLatticePoints = 16 << 20 // points in all
)

// width is the number of values of one point (2) or image.
func (d *Data) width() int {
	if d.Kind == Images {
		return d.Shape.Size()
	}
	return 2
}

// Points is the number of points (ids), or of images, in d.
func (d *Data) Points() int {
	if len(d.X) == 0 || d.width() == 0 {
		return 0
	}
	return len(d.X[0]) / d.width()
}

// Title is d's label followed, for data of more than two dimensions, by which two are drawn:
// "ot (x0, x1 of 5 dims)".
func (d *Data) Title() string {
	if d.Dims <= 2 || d.Kind == Images {
		return d.Label
	}
	note := fmt.Sprintf("%s, %s of %d dims", d.Axes[0], d.Axes[1], d.Dims)
	if d.Label == "" {
		return note
	}
	return d.Label + " (" + note + ")"
}

// check reports data that cannot be drawn, with what is wrong.
func (d *Data) check() error {
	if d.Kind == LogDensity {
		g := d.Grid
		if g == nil || len(g.X) < 2 || len(g.Y) < 2 || len(g.LogP) != len(g.X)*len(g.Y) {
			return errorf("%s: no lattice of at least 2 x 2 log-densities", d.name())
		}
		if !evenlySpaced(g.X) || !evenlySpaced(g.Y) {
			return errorf("%s: a lattice not evenly spaced", d.name())
		}
		return nil
	}
	if len(d.X) == 0 {
		return errorf("%s: no points", d.name())
	}
	if (d.Kind != Sample && d.Kind != Images || d.T != nil) && len(d.T) != len(d.X) {
		return errorf("%s: %d times but %d sets of points", d.name(), len(d.T), len(d.X))
	}
	what, w := "points", 2
	if d.Kind == Images {
		if err := d.Shape.check(); err != nil {
			return errorf("%s: %w", d.name(), err)
		}
		what, w = "images", d.Shape.Size()
	}
	n := len(d.X[0])
	if n == 0 {
		return errorf("%s: no %s", d.name(), what)
	}
	if n%w != 0 {
		if w == 2 {
			return errorf("%s: %d coordinates, not (x, y) pairs", d.name(), n)
		}
		return errorf("%s: %d values, not images of %d (shape %s)", d.name(), n, w, d.Shape)
	}
	for i, x := range d.X {
		if len(x) != n {
			return errorf("%s: %d %s at t = %g but %d at t = %g", d.name(), len(x)/w, what, d.T[i], n/w, d.T[0])
		}
	}
	if d.Labels != nil && len(d.Labels) != n/w {
		return errorf("%s: %d labels for %d %s", d.name(), len(d.Labels), n/w, what)
	}
	for i := 1; i < len(d.T); i++ {
		if !(d.T[i] > d.T[i-1]) {
			return errorf("%s: times not increasing (%g after %g)", d.name(), d.T[i], d.T[i-1])
		}
	}
	return nil
}

func (d *Data) name() string {
	if d.Label == "" {
		return "data"
	}
	return d.Label
}

// TableOptions say how FromTableWith reads a table; the zero value decides everything from
// the table.
type TableOptions struct {
	// Kind is what the table holds; Auto decides from its columns.
	Kind Kind
	// Shape is the shape of the table's images; the zero Shape infers it (InferShape). A shape
	// given makes an Auto table images.
	Shape Shape
}

// FromTable is FromTableWith with the kind want and no shape.
func FromTable(header []string, d int, x []float32, label string, want Kind) (*Data, error) {
	return FromTableWith(header, d, x, label, TableOptions{Kind: want})
}

// FromTableWith turns a parsed CSV table (header, d columns, values row-major as fm.ReadCSV
// returns them) into Data. A header starting with t,id means snapshots or a trajectory: the
// rows of each distinct t give the points at that time, and every t must hold the same ids.
// opt.Kind chooses between the two, or Auto takes up to MaxSnapshots distinct times as
// snapshots and more as a trajectory. Any other header (or none) means a sample. A column
// named label, first or right after t,id, gives each point an integer class (Data.Labels) and is
// never a coordinate. The first two coordinate columns are drawn.
//
// Rows of as many values as opt.Shape's, or, if Auto has no shape, of a number that InferShape
// takes for images, are images (Kind Images): one a row, or with t,id first one per id at each
// time. The error names what makes the table undrawable.
func FromTableWith(header []string, d int, x []float32, label string, opt TableOptions) (*Data, error) {
	want := opt.Kind
	switch {
	case d <= 0 || len(x) == 0:
		return nil, errors.New("no rows")
	case len(x)%d != 0:
		return nil, errorf("%d values do not fill rows of %d columns", len(x), d)
	case header != nil && len(header) != d:
		return nil, errorf("a header of %d names for %d columns", len(header), d)
	case want < Auto || want > LogDensity:
		return nil, errorf("unknown kind %d", int(want))
	case opt.Shape != Shape{} && want != Auto && want != Images:
		return nil, errorf("a shape is for images, not a %s", want)
	}
	c, err := columnsOf(header, d)
	if err != nil {
		return nil, err
	}
	if want == LogDensity || want == Auto && c.logp >= 0 {
		return densityOf(x, c, label)
	}
	if want == Images || want == Auto && opt.Shape != (Shape{}) {
		return imagesOf(x, c, label, opt.Shape)
	}
	if _, ok := InferShape(d - c.first); want == Auto && ok {
		return imagesOf(x, c, label, Shape{})
	}
	if !c.timed {
		if want == Snapshots || want == Trajectory {
			return nil, errorf("%s needs the columns t,id,x,y; the header is %s", want, headerString(header, d))
		}
		if err := c.twoCoordinates(); err != nil {
			return nil, err
		}
		data := &Data{Kind: Sample, Label: label, Dims: d - c.first, Axes: [2]string{c.name(c.first), c.name(c.first + 1)}}
		if err := ungrouped(data, x, c, 2); err != nil {
			return nil, err
		}
		return data, nil
	}
	if want == Sample {
		return nil, errors.New("the table has t,id columns: it holds snapshots or a trajectory, not a sample")
	}
	if err := c.twoCoordinates(); err != nil {
		return nil, err
	}
	data := &Data{Label: label, Dims: d - c.first, Axes: [2]string{c.name(c.first), c.name(c.first + 1)}}
	if err := groupByTime(data, x, d, c, 2); err != nil {
		return nil, err
	}
	switch {
	case want != Auto:
		data.Kind = want
	case len(data.T) <= MaxSnapshots:
		data.Kind = Snapshots
	default:
		data.Kind = Trajectory
	}
	return data, nil
}

// imagesOf reads a table of images of the given shape, or of the one InferShape finds.
func imagesOf(x []float32, c *columns, label string, shape Shape) (*Data, error) {
	n := c.d - c.first
	if shape == (Shape{}) {
		var ok bool
		if shape, ok = InferShape(n); !ok {
			return nil, errorf("%d values a row%s are not a square image (a perfect square of at least 64) nor three of them (RGB): give the shape as C,H,W", n, c.after())
		}
	}
	if err := shape.check(); err != nil {
		return nil, err
	}
	if shape.Size() != n {
		return nil, errorf("the shape %s needs %d values a row, but the table has %d%s", shape, shape.Size(), n, c.after())
	}
	data := &Data{Kind: Images, Label: label, Dims: n, Shape: shape}
	if c.timed {
		return data, groupByTime(data, x, c.d, c, n)
	}
	return data, ungrouped(data, x, c, n)
}

// densityOf reads a log-density grid: rows x,y,logp whose x and y values form a full, evenly
// spaced lattice, in any order.
func densityOf(x []float32, c *columns, label string) (*Data, error) {
	if c.d != 3 || c.logp != 2 || c.timed || c.label >= 0 {
		return nil, errorf("a log-density grid has the columns x,y,logp; the header is %s", headerString(c.header, c.d))
	}
	rows := len(x) / 3
	var xs, ys []float64
	for r := range rows {
		xs = append(xs, float64(x[3*r]))
		ys = append(ys, float64(x[3*r+1]))
	}
	sortFloats(xs)
	sortFloats(ys)
	xs, ys = slices.Compact(xs), slices.Compact(ys)
	nx, ny := len(xs), len(ys)
	switch {
	case nx < 2 || ny < 2:
		return nil, errorf("a log-density grid needs at least 2 distinct x and 2 distinct y values; it has %d and %d", nx, ny)
	case nx > MaxLatticeSide || ny > MaxLatticeSide || nx*ny > MaxLatticePoints:
		return nil, errorf("a lattice of %d x %d points is more than plot draws (%d a side, %d million in all)", nx, ny, MaxLatticeSide, MaxLatticePoints>>20)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{c.name(0), xs}, {c.name(1), ys}} {
		if i := unevenAt(a.v); i > 0 {
			return nil, errorf("the %s values are not evenly spaced: %g to %g is a step of %g, %g to %g one of %g: not a regular lattice", a.name, a.v[0], a.v[1], a.v[1]-a.v[0], a.v[i-1], a.v[i], a.v[i]-a.v[i-1])
		}
	}
	g := &Lattice{X: xs, Y: ys, LogP: make([]float32, nx*ny)}
	row := make([]int32, nx*ny) // the row that gave each point, counted from 1
	for r := range rows {
		i, _ := slices.BinarySearch(xs, float64(x[3*r]))
		j, _ := slices.BinarySearch(ys, float64(x[3*r+1]))
		k := j*nx + i
		if row[k] != 0 {
			return nil, errorf("rows %d and %d are both at (%g, %g): a lattice has each point once", row[k], r+1, xs[i], ys[j])
		}
		row[k] = int32(r + 1)
		g.LogP[k] = x[3*r+2]
	}
	if k := slices.Index(row, 0); k >= 0 {
		return nil, errorf("no row at (%g, %g): %d rows for a lattice of %d x %d points, which needs every one of them", xs[k%nx], ys[k/nx], rows, nx, ny)
	}
	return &Data{Kind: LogDensity, Label: label, Dims: 2, Axes: [2]string{c.name(0), c.name(1)}, Grid: g}, nil
}

// unevenAt returns the first index i at which v[i] - v[i-1] strays from the first step by more
// than 1% of it, or 0 if none does. Values written as float32 stray by far less.
func unevenAt(v []float64) int {
	step := v[1] - v[0]
	for i := 2; i < len(v); i++ {
		if math.Abs(v[i]-v[i-1]-step) > 0.01*step {
			return i
		}
	}
	return 0
}

func evenlySpaced(v []float64) bool {
	return slices.IsSorted(v) && len(slices.Compact(slices.Clone(v))) == len(v) && unevenAt(v) == 0
}

// ungrouped fills data.X and data.Labels from the rows ([label,] values) of a table without
// times: width values of each row, from its first value column on.
func ungrouped(data *Data, x []float32, c *columns, width int) error {
	rows := len(x) / c.d
	vals := make([]float32, 0, rows*width)
	for i := 0; i < len(x); i += c.d {
		vals = append(vals, x[i+c.first:i+c.first+width]...)
	}
	data.X = [][]float32{vals}
	if c.label < 0 {
		return nil
	}
	data.Labels = make([]int, rows)
	for r := range rows {
		var err error
		if data.Labels[r], err = labelOf(x[r*c.d+c.label], r); err != nil {
			return err
		}
	}
	return nil
}

// columns says what the columns of a table are: t,id first (timed), a label column (its index,
// or -1), and where the values (coordinates, pixels) begin; and a logp column (or -1).
type columns struct {
	header []string
	d      int
	timed  bool
	label  int
	first  int // the first value column
	logp   int
}

func (c *columns) name(i int) string {
	if c.header == nil {
		return "x" + itoa(i)
	}
	return strings.TrimSpace(c.header[i])
}

// columnsOf reads a header: t,id first, then an optional label, then the values. An id column
// without t, a t without id, or a label column elsewhere is an error, so that none of them is
// ever taken for a coordinate.
func columnsOf(header []string, d int) (*columns, error) {
	c := &columns{header: header, d: d, label: -1, logp: -1}
	if header == nil {
		return c, nil
	}
	is := func(i int, name string) bool { return i < d && strings.EqualFold(c.name(i), name) }
	for i := range d {
		if is(i, "logp") {
			c.logp = i
		}
	}
	c.timed = is(0, "t")
	if !c.timed && slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "id") }) {
		return nil, errors.New("an id column without a t column first: write the header as t,id,x,y")
	}
	if c.timed {
		if !is(1, "id") {
			return nil, errorf("a t column without an id column after it: the header is %s, want t,id,x,y", headerString(header, d))
		}
		c.first = 2
	}
	for i := range d {
		if !is(i, "label") {
			continue
		}
		if i != c.first || c.label >= 0 {
			want := "label,x,y"
			if c.timed {
				want = "t,id,label,x,y"
			}
			return nil, errorf("a label column at column %d of %s: it must come before the values, as in %s", i+1, headerString(header, d), want)
		}
		c.label = i
		c.first++
	}
	return c, nil
}

// after names the columns before the values, for messages: " after t,id", or "".
func (c *columns) after() string {
	switch {
	case c.timed && c.label >= 0:
		return " after t,id,label"
	case c.timed:
		return " after t,id"
	case c.label >= 0:
		return " after label"
	}
	return ""
}

// twoCoordinates reports a table with fewer than two coordinate columns.
func (c *columns) twoCoordinates() error {
	after := c.after()
	switch c.d - c.first {
	case 0:
		return errorf("no coordinate columns%s: a picture needs two", after)
	case 1:
		if after == "" {
			return errorf("one column (%s): a picture needs two", c.name(c.first))
		}
		return errorf("one coordinate column (%s)%s: a picture needs two", c.name(c.first), after)
	}
	return nil
}

// labelOf reads the label of row r (counted from 0): an integer, as float32 holds them exactly.
func labelOf(v float32, r int) (int, error) {
	if v != float32(math.Trunc(float64(v))) || math.Abs(float64(v)) > 1<<24 {
		return 0, errorf("row %d: label %g is not an integer", r+1, v)
	}
	return int(v), nil
}

func headerString(header []string, d int) string {
	if header == nil {
		return fmt.Sprintf("missing (%d unnamed columns)", d)
	}
	return strings.Join(header, ",")
}

// groupByTime fills data.T, data.X and data.Labels from rows (t, id, [label,] x, y, ...) of d
// values: the distinct times ascending, and at each the points (width values from the first
// value column on) ordered by id. Every time must hold each id once, and an id keep its label
// at every time.
func groupByTime(data *Data, x []float32, d int, c *columns, width int) error {
	rows := len(x) / d
	// The distinct ids, from all rows, give each id its index.
	ids := make([]float32, rows)
	times := make([]float32, rows)
	for r := range rows {
		t, id := x[r*d], x[r*d+1]
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return errorf("row %d: t = %g is not a finite number", r+1, t)
		}
		if id < 0 || id != float32(math.Trunc(float64(id))) || id >= 1<<24 {
			return errorf("row %d: id %g is not a whole number from 0 to 2^24", r+1, id)
		}
		times[r], ids[r] = t, id
	}
	ids = slices.Compact(sortFloat32s(ids))
	times = slices.Compact(sortFloat32s(times))
	n := len(ids)
	if n*len(times) != rows {
		// Find the first time that does not hold every id once, to say so.
		count := make(map[float32]int, len(times))
		for r := range rows {
			count[x[r*d]]++
		}
		for _, t := range times {
			if count[t] != n {
				return errorf("t = %g has %d rows but there are %d distinct ids: every time must hold every id once", t, count[t], n)
			}
		}
	}
	index := make(map[float32]int, n)
	for i, id := range ids {
		index[id] = i
	}
	slot := make(map[float32]int, len(times))
	for i, t := range times {
		slot[t] = i
	}
	data.T = times
	data.X = make([][]float32, len(times))
	seen := make([][]bool, len(times))
	var labelSeen []bool
	if c.label >= 0 {
		data.Labels = make([]int, n)
		labelSeen = make([]bool, n)
	}
	for i := range data.X {
		data.X[i] = make([]float32, width*n)
		seen[i] = make([]bool, n)
	}
	for r := range rows {
		row := x[r*d : r*d+d]
		ti, pi := slot[row[0]], index[row[1]]
		if seen[ti][pi] {
			return errorf("row %d: id %g appears twice at t = %g", r+1, row[1], row[0])
		}
		seen[ti][pi] = true
		copy(data.X[ti][width*pi:width*(pi+1)], row[c.first:c.first+width])
		if c.label < 0 {
			continue
		}
		l, err := labelOf(row[c.label], r)
		if err != nil {
			return err
		}
		if labelSeen[pi] && data.Labels[pi] != l {
			return errorf("row %d: id %g has label %d at t = %g but %d at another time", r+1, row[1], l, row[0], data.Labels[pi])
		}
		data.Labels[pi], labelSeen[pi] = l, true
	}
	for ti, s := range seen {
		if i := slices.Index(s, false); i >= 0 {
			return errorf("id %g is missing at t = %g", ids[i], times[ti])
		}
	}
	return nil
}

// sortFloat32s sorts v as float64s, exactly and by the same comparisons as float32s (so in the
// same order): one sort's code serves both.
func sortFloat32s(v []float32) []float32 {
	wide := make([]float64, len(v))
	for i, x := range v {
		wide[i] = float64(x)
	}
	sortFloats(wide)
	for i, x := range wide {
		v[i] = float32(x)
	}
	return v
}
