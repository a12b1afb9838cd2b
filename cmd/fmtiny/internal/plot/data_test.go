package plot

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
)

// fromCSV parses text as the command line does and classifies it.
func fromCSV(t *testing.T, text string, want Kind) (*Data, error) {
	t.Helper()
	header, table := readCSV(t, text)
	return FromTable(header, table.D, table.X, "f", want)
}

func readCSV(t *testing.T, text string) ([]string, *fm.Table) {
	t.Helper()
	header, table, err := fm.ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	return header, table
}

func TestFromTableSample(t *testing.T) {
	d, err := fromCSV(t, "x,y\n1,2\n3,4\n5,6\n", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Sample || d.Dims != 2 || d.Points() != 3 || !slices.Equal(d.X[0], []float32{1, 2, 3, 4, 5, 6}) || d.T != nil {
		t.Errorf("got %+v", d)
	}
	d, err = fromCSV(t, "x0,x1,x2,x3,x4\n1,2,3,4,5\n6,7,8,9,10\n", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Dims != 5 || d.Axes != [2]string{"x0", "x1"} || !slices.Equal(d.X[0], []float32{1, 2, 6, 7}) {
		t.Errorf("5 dims: got %+v", d)
	}
	if d.Title() != "f (x0, x1 of 5 dims)" {
		t.Errorf("title %q", d.Title())
	}
	// No header: columns x0, x1, ...
	d, err = fromCSV(t, "1,2,3\n4,5,6\n", Sample)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Sample || d.Dims != 3 || d.Axes != [2]string{"x0", "x1"} || !slices.Equal(d.X[0], []float32{1, 2, 4, 5}) {
		t.Errorf("no header: got %+v", d)
	}
}

// timedCSV writes rows t,id,x,y for ids 0..n-1 at each time, point i at (10 t + i, -i).
func timedCSV(times []float32, n int) string {
	var b strings.Builder
	b.WriteString("t,id,x,y\n")
	for _, tt := range times {
		for i := range n {
			fmt.Fprintf(&b, "%g,%d,%g,%d\n", tt, i, 10*tt+float32(i), -i)
		}
	}
	return b.String()
}

func TestFromTableTimed(t *testing.T) {
	d, err := fromCSV(t, timedCSV([]float32{0.1, 0.5, 1}, 4), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != Snapshots || !slices.Equal(d.T, []float32{0.1, 0.5, 1}) || d.Points() != 4 || d.Dims != 2 {
		t.Fatalf("got %+v", d)
	}
	for k, tt := range d.T {
		for i := range 4 {
			if x, y := d.X[k][2*i], d.X[k][2*i+1]; x != 10*tt+float32(i) || y != float32(-i) {
				t.Errorf("t = %g, id %d: (%g, %g)", tt, i, x, y)
			}
		}
	}
	var many []float32
	for k := 0; k <= MaxSnapshots; k++ {
		many = append(many, float32(k)/MaxSnapshots)
	}
	if d, err := fromCSV(t, timedCSV(many, 3), Auto); err != nil || d.Kind != Trajectory || len(d.T) != MaxSnapshots+1 {
		t.Errorf("%d times: %v, %+v", len(many), err, d)
	}
	if d, err := fromCSV(t, timedCSV(many[:MaxSnapshots], 3), Auto); err != nil || d.Kind != Snapshots {
		t.Errorf("%d times: %v, %+v", MaxSnapshots, err, d)
	}
	// Forced either way.
	if d, err := fromCSV(t, timedCSV(many, 3), Snapshots); err != nil || d.Kind != Snapshots {
		t.Errorf("forced snapshots: %v, %+v", err, d)
	}
	if d, err := fromCSV(t, timedCSV([]float32{0, 1}, 3), Trajectory); err != nil || d.Kind != Trajectory {
		t.Errorf("forced trajectory: %v, %+v", err, d)
	}
}

// Rows in any order, ids not starting at 0: grouped by time, ordered by id.
func TestFromTableShuffled(t *testing.T) {
	text := "t,id,x,y,z\n1,7,70,1,0\n0,9,9,0,0\n1,9,90,1,0\n0,7,7,0,0\n0.5,9,45,.5,0\n0.5,7,35,.5,0\n"
	d, err := fromCSV(t, text, Auto)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{7, 0, 9, 0}, {35, .5, 45, .5}, {70, 1, 90, 1}}
	if !slices.Equal(d.T, []float32{0, 0.5, 1}) || d.Dims != 3 || d.Axes != [2]string{"x", "y"} {
		t.Fatalf("got %+v", d)
	}
	for k := range want {
		if !slices.Equal(d.X[k], want[k]) {
			t.Errorf("t = %g: %v, want %v", d.T[k], d.X[k], want[k])
		}
	}
}

func TestFromTableErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		want Kind
		err  string
	}{
		{"x\n1\n2\n", Auto, "one column (x): a picture needs two"},
		{"t,x,y\n0,1,2\n1,1,2\n", Auto, "a t column without an id column after it"},
		{"t,id,x\n0,0,1\n1,0,1\n", Auto, "one coordinate column (x) after t,id: a picture needs two"},
		{"t,id\n0,0\n1,0\n", Auto, "no coordinate columns after t,id"},
		{"id,x,y\n0,1,2\n1,1,2\n", Auto, "an id column without a t column"},
		{"t,id,x,y\n0,0,1,1\n0,1,1,1\n1,0,1,1\n", Auto, "t = 1 has 1 rows but there are 2 distinct ids"},
		{"t,id,x,y\n0,0,1,1\n0,1,1,1\n1,0,1,1\n1,2,1,1\n", Auto, "t = 0 has 2 rows but there are 3 distinct ids"},
		{"t,id,x,y\n0,0,1,1\n0,0,1,1\n1,0,1,1\n1,1,1,1\n", Auto, "row 2: id 0 appears twice at t = 0"},
		{"t,id,x,y\n0,0.5,1,1\n1,0.5,1,1\n", Auto, "row 1: id 0.5 is not a whole number"},
		{"t,id,x,y\n0,-1,1,1\n1,-1,1,1\n", Auto, "id -1 is not a whole number"},
		{"t,id,x,y\n0,0,1,1\n1,0,1,1\n", Sample, "not a sample"},
		{"x,y\n0,0\n1,1\n", Snapshots, "snapshots needs the columns t,id,x,y; the header is x,y"},
		{"0,0\n1,1\n", Trajectory, "the header is missing"},
	} {
		_, err := fromCSV(t, c.text, c.want)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q as %s: got %v, want an error with %q", c.text, c.want, err, c.err)
		}
	}
	for _, c := range []struct {
		header []string
		d      int
		x      []float32
		err    string
	}{
		{[]string{"x", "y"}, 2, nil, "no rows"},
		{[]string{"x", "y"}, 0, []float32{1}, "no rows"},
		{[]string{"x", "y"}, 2, []float32{1, 2, 3}, "3 values do not fill rows of 2 columns"},
		{[]string{"x", "y", "z"}, 2, []float32{1, 2}, "a header of 3 names for 2 columns"},
	} {
		_, err := FromTable(c.header, c.d, c.x, "f", Auto)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%v: got %v, want an error with %q", c.x, err, c.err)
		}
	}
	if _, err := FromTable([]string{"x", "y"}, 2, []float32{1, 2}, "f", Kind(9)); err == nil {
		t.Error("kind 9 accepted")
	}
}

// The snapshots and trajectories drawn from a CSV are those of the table.
func TestDrawPicksThePicture(t *testing.T) {
	snap, err := fromCSV(t, timedCSV([]float32{0, 0.5, 1}, 50), Auto)
	if err != nil {
		t.Fatal(err)
	}
	if f := frames(decode(t, must(Draw([]*Data{snap, snap}, Options{})))); len(f) != 6 {
		t.Errorf("two tables of three snapshots: %d panels, want 6", len(f))
	}
	traj, _ := fromCSV(t, timedCSV([]float32{0, .1, .2, .3, .4, .5, .6, .7, .8, .9, .95, .97, .99, 1}, 20), Auto)
	if f := frames(decode(t, must(Draw([]*Data{traj}, Options{})))); len(f) != 1 {
		t.Errorf("a trajectory: %d panels, want 1", len(f))
	}
	s, _ := fromCSV(t, "x,y\n1,2\n3,4\n", Auto)
	if f := frames(decode(t, must(Draw([]*Data{s, s, s}, Options{})))); len(f) != 3 {
		t.Errorf("three samples: %d panels, want 3", len(f))
	}
	if _, err := Draw([]*Data{s, snap}, Options{}); err == nil || !strings.Contains(err.Error(), "cannot draw f (sample) and f (snapshots) in one picture") {
		t.Errorf("mixed kinds: %v", err)
	}
	if _, err := Draw(nil, Options{}); err == nil {
		t.Error("nothing to draw: no error")
	}
}
