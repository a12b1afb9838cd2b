package fm

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, in string
		header   []string
		d        int
		x        []float32
	}{
		{"header", "x,y\n1,2\n3,4\n", []string{"x", "y"}, 2, []float32{1, 2, 3, 4}},
		{"no header", "1,2\n3,4\n", nil, 2, []float32{1, 2, 3, 4}},
		{"crlf and bom", "\xef\xbb\xbfa,b,c\r\n1,2,3\r\n-4e-3, 5 ,6\r\n", []string{"a", "b", "c"}, 3, []float32{1, 2, 3, -4e-3, 5, 6}},
		{"no final newline, blank lines", "1\n\n2\n  \n3", nil, 1, []float32{1, 2, 3}},
		{"quoted", "\"x\",\"y\"\n\"1\",\"2\"\n3,4\n", []string{"x", "y"}, 2, []float32{1, 2, 3, 4}},
		{"t column", "t,id,x,y\n0,0,1.5,2\n1,0,3,4\n", []string{"t", "id", "x", "y"}, 4, []float32{0, 0, 1.5, 2, 1, 0, 3, 4}},
		{"one row", "x,y\n1,2\n", []string{"x", "y"}, 2, []float32{1, 2}},
	}
	for _, c := range cases {
		h, tb, err := ReadCSV(strings.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(h, c.header) || tb.D != c.d || !slices.Equal(tb.X, c.x) {
			t.Errorf("%s: got %q %d %v", c.name, h, tb.D, tb.X)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"blank", "\n\n", "no data rows"},
		{"header only", "x,y\n", "no data rows"},
		{"ragged", "x,y\n1,2\n3\n", "line 3: 1 values where the header has 2"},
		{"ragged no header", "1,2\n3,4,5\n", "line 2: 3 values where the first row has 2"},
		{"not a number", "x,y\n1,2\n3,abc\n", `line 3, column 2: "abc" is not a number`},
		{"nan", "x,y\n1,NaN\n3,4\n", `line 2, column 2: "NaN" is not a finite number`},
		{"inf first row", "inf,1\n3,4\n", `line 1, column 1: "inf" is not a finite number`},
		{"malformed first", "1.2.3,4\n5,6\n", `line 1, column 1: "1.2.3" is not a number`},
		{"overflow", "x\n1\n1e39\n", "line 3, column 1: \"1e39\" is out of float32's range"},
		{"empty value", "x,y\n1,\n2,3\n", "line 2, column 2: empty value"},
		{"binary", "\x00\x01\x02\xff\n\x03\x04\n", "line 2, column 1"},
		{"long line", strings.Repeat("1", MaxCSVLine+10) + "\n", "line 1: longer than"},
	}
	for _, c := range cases {
		_, _, err := ReadCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	x := []float32{1, -2.5, float32(math.Pi), 1e-30, math.MaxFloat32, math.SmallestNonzeroFloat32, 0.1, -0}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, ColumnNames(2), x); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "x,y\n1,-2.5\n3.1415927,") {
		t.Fatalf("unexpected text %q", buf.String())
	}
	h, tb, err := ReadCSV(&buf)
	if err != nil || !slices.Equal(h, []string{"x", "y"}) {
		t.Fatal(h, err)
	}
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(tb.X[i]) && x[i] != 0 {
			t.Fatalf("value %d: wrote %v read %v", i, x[i], tb.X[i])
		}
	}
	if got := ColumnNames(3); !slices.Equal(got, []string{"x0", "x1", "x2"}) {
		t.Fatal(got)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n3,4\n", "1\n2\n", "\xef\xbb\xbfa\r\n1\r\n2\r\n", "x,y\n1,nan\n", "", ",,,\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, tb, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		if tb.D < 1 || len(tb.X)%tb.D != 0 || tb.Rows() < 1 || (h != nil && len(h) != tb.D) {
			t.Fatalf("inconsistent table: header %d, D %d, %d values", len(h), tb.D, len(tb.X))
		}
		for _, v := range tb.X {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
		// Every value takes at least one byte and a separator, so the table is never larger
		// than a small multiple of the input.
		if len(tb.X) > len(data) {
			t.Fatalf("%d values from %d bytes", len(tb.X), len(data))
		}
	})
}
