package plot

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MaxSnapshots is the largest number of distinct times that FromTable takes for snapshots
// rather than a trajectory when asked to decide.
const MaxSnapshots = 12

// Data is one table ready to draw: the two coordinates drawn of n points, at one or more times.
type Data struct {
	Kind  Kind
	Label string    // names the panel, row or picture: a file's base name, "OT", ...
	Dims  int       // coordinate columns in the table; only the first two are drawn
	Axes  [2]string // names of the two columns drawn, as in the header
	// T holds the distinct times in ascending order, for Snapshots and Trajectory; nil for a
	// Sample.
	T []float32
	// X holds one slice per time (a single one for a Sample): n (x, y) pairs, x at 2i, y at
	// 2i+1, and the same point at index i at every time.
	X [][]float32
	// Labels holds the class of each point, by its index in X, from the table's label column;
	// nil without one.
	Labels []int
}

// Points is the number of points (ids) in d.
func (d *Data) Points() int {
	if len(d.X) == 0 {
		return 0
	}
	return len(d.X[0]) / 2
}

// Title is d's label followed, for data of more than two dimensions, by which two are drawn:
// "ot (x0, x1 of 5 dims)".
func (d *Data) Title() string {
	if d.Dims <= 2 {
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
	if len(d.X) == 0 {
		return fmt.Errorf("%s: no points", d.name())
	}
	if d.Kind != Sample && len(d.T) != len(d.X) {
		return fmt.Errorf("%s: %d times but %d sets of points", d.name(), len(d.T), len(d.X))
	}
	n := len(d.X[0])
	if n == 0 {
		return fmt.Errorf("%s: no points", d.name())
	}
	if n%2 != 0 {
		return fmt.Errorf("%s: %d coordinates, not (x, y) pairs", d.name(), n)
	}
	for i, x := range d.X {
		if len(x) != n {
			return fmt.Errorf("%s: %d points at t = %g but %d at t = %g", d.name(), len(x)/2, d.T[i], n/2, d.T[0])
		}
	}
	if d.Labels != nil && len(d.Labels) != n/2 {
		return fmt.Errorf("%s: %d labels for %d points", d.name(), len(d.Labels), n/2)
	}
	for i := 1; i < len(d.T); i++ {
		if !(d.T[i] > d.T[i-1]) {
			return fmt.Errorf("%s: times not increasing (%g after %g)", d.name(), d.T[i], d.T[i-1])
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

// FromTable turns a parsed CSV table (header, d columns, values row-major as fm.ReadCSV returns
// them) into Data. A header starting with t,id means snapshots or a trajectory: the rows of
// each distinct t give the points at that time, and every t must hold the same ids. want
// chooses between the two, or Auto takes up to MaxSnapshots distinct times as snapshots and more
// as a trajectory. Any other header (or none) means a sample. A column named label, first or
// right after t,id, gives each point an integer class (Data.Labels) and is never a coordinate.
// The first two coordinate columns are drawn. The error names what makes the table undrawable.
func FromTable(header []string, d int, x []float32, label string, want Kind) (*Data, error) {
	switch {
	case d <= 0 || len(x) == 0:
		return nil, errors.New("no rows")
	case len(x)%d != 0:
		return nil, fmt.Errorf("%d values do not fill rows of %d columns", len(x), d)
	case header != nil && len(header) != d:
		return nil, fmt.Errorf("a header of %d names for %d columns", len(header), d)
	case want < Auto || want > Trajectory:
		return nil, fmt.Errorf("unknown kind %d", int(want))
	}
	c, err := columnsOf(header, d)
	if err != nil {
		return nil, err
	}
	if !c.timed {
		if want == Snapshots || want == Trajectory {
			return nil, fmt.Errorf("%s needs the columns t,id,x,y; the header is %s", want, headerString(header, d))
		}
		if err := c.twoCoordinates(); err != nil {
			return nil, err
		}
		rows := len(x) / d
		pts := make([]float32, 0, 2*rows)
		for i := 0; i < len(x); i += d {
			pts = append(pts, x[i+c.first], x[i+c.first+1])
		}
		data := &Data{Kind: Sample, Label: label, Dims: d - c.first, Axes: [2]string{c.name(c.first), c.name(c.first + 1)}, X: [][]float32{pts}}
		if c.label >= 0 {
			data.Labels = make([]int, rows)
			for r := range rows {
				if data.Labels[r], err = labelOf(x[r*d+c.label], r); err != nil {
					return nil, err
				}
			}
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
	if err := groupByTime(data, x, d, c); err != nil {
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

// columns says what the columns of a table are: t,id first (timed), a label column (its index,
// or -1), and where the values (coordinates, pixels) begin.
type columns struct {
	header []string
	d      int
	timed  bool
	label  int
	first  int // the first value column
}

func (c *columns) name(i int) string {
	if c.header == nil {
		return "x" + strconv.Itoa(i)
	}
	return strings.TrimSpace(c.header[i])
}

// columnsOf reads a header: t,id first, then an optional label, then the values. An id column
// without t, a t without id, or a label column elsewhere is an error, so that none of them is
// ever taken for a coordinate.
func columnsOf(header []string, d int) (*columns, error) {
	c := &columns{header: header, d: d, label: -1}
	if header == nil {
		return c, nil
	}
	is := func(i int, name string) bool { return i < d && strings.EqualFold(c.name(i), name) }
	c.timed = is(0, "t")
	if !c.timed && slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "id") }) {
		return nil, errors.New("an id column without a t column first: write the header as t,id,x,y")
	}
	if c.timed {
		if !is(1, "id") {
			return nil, fmt.Errorf("a t column without an id column after it: the header is %s, want t,id,x,y", headerString(header, d))
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
			return nil, fmt.Errorf("a label column at column %d of %s: it must come before the values, as in %s", i+1, headerString(header, d), want)
		}
		c.label = i
		c.first++
	}
	return c, nil
}

// twoCoordinates reports a table with fewer than two coordinate columns.
func (c *columns) twoCoordinates() error {
	after := ""
	switch {
	case c.timed && c.label >= 0:
		after = " after t,id,label"
	case c.timed:
		after = " after t,id"
	case c.label >= 0:
		after = " after label"
	}
	switch c.d - c.first {
	case 0:
		return fmt.Errorf("no coordinate columns%s: a picture needs two", after)
	case 1:
		if after == "" {
			return fmt.Errorf("one column (%s): a picture needs two", c.name(c.first))
		}
		return fmt.Errorf("one coordinate column (%s)%s: a picture needs two", c.name(c.first), after)
	}
	return nil
}

// labelOf reads the label of row r (counted from 0): an integer, as float32 holds them exactly.
func labelOf(v float32, r int) (int, error) {
	if v != float32(math.Trunc(float64(v))) || math.Abs(float64(v)) > 1<<24 {
		return 0, fmt.Errorf("row %d: label %g is not an integer", r+1, v)
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
// values: the distinct times ascending, and at each the points ordered by id. Every time must
// hold each id once, and an id keep its label at every time.
func groupByTime(data *Data, x []float32, d int, c *columns) error {
	rows := len(x) / d
	// The distinct ids, from all rows, give each id its index.
	ids := make([]float32, rows)
	times := make([]float32, rows)
	for r := range rows {
		t, id := x[r*d], x[r*d+1]
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return fmt.Errorf("row %d: t = %g is not a finite number", r+1, t)
		}
		if id < 0 || id != float32(math.Trunc(float64(id))) || id >= 1<<24 {
			return fmt.Errorf("row %d: id %g is not a whole number from 0 to 2^24", r+1, id)
		}
		times[r], ids[r] = t, id
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	slices.Sort(times)
	times = slices.Compact(times)
	n := len(ids)
	if n*len(times) != rows {
		// Find the first time that does not hold every id once, to say so.
		count := make(map[float32]int, len(times))
		for r := range rows {
			count[x[r*d]]++
		}
		for _, t := range times {
			if count[t] != n {
				return fmt.Errorf("t = %g has %d rows but there are %d distinct ids: every time must hold every id once", t, count[t], n)
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
		data.X[i] = make([]float32, 2*n)
		seen[i] = make([]bool, n)
	}
	for r := range rows {
		row := x[r*d : r*d+d]
		ti, pi := slot[row[0]], index[row[1]]
		if seen[ti][pi] {
			return fmt.Errorf("row %d: id %g appears twice at t = %g", r+1, row[1], row[0])
		}
		seen[ti][pi] = true
		data.X[ti][2*pi], data.X[ti][2*pi+1] = row[c.first], row[c.first+1]
		if c.label < 0 {
			continue
		}
		l, err := labelOf(row[c.label], r)
		if err != nil {
			return err
		}
		if labelSeen[pi] && data.Labels[pi] != l {
			return fmt.Errorf("row %d: id %g has label %d at t = %g but %d at another time", r+1, row[1], l, row[0], data.Labels[pi])
		}
		data.Labels[pi], labelSeen[pi] = l, true
	}
	for ti, s := range seen {
		if i := slices.Index(s, false); i >= 0 {
			return fmt.Errorf("id %g is missing at t = %g", ids[i], times[ti])
		}
	}
	return nil
}
