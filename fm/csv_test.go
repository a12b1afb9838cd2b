package fm

import (
	"bytes"
	"errors"
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

func TestReadCSVDelimiters(t *testing.T) {
	cases := []struct {
		name, in string
		delim    byte
		header   []string
		x        []float32
	}{
		{"semicolon", "a;b;c\n-3.9;5.6;9.9\n1;2;3\n", 0, []string{"a", "b", "c"}, []float32{-3.9, 5.6, 9.9, 1, 2, 3}},
		{"tab", "a\tb\n1\t2\n 3 \t 4 \n", 0, []string{"a", "b"}, []float32{1, 2, 3, 4}},
		{"bar", "1|2\n3|4\n", 0, nil, []float32{1, 2, 3, 4}},
		{"semicolon without header", "1;2\n3;4\n", 0, nil, []float32{1, 2, 3, 4}},
		{"most frequent wins", "\"p, q\";r;s\n1;2;3\n", 0, []string{"p, q", "r", "s"}, []float32{1, 2, 3}},
		{"quoted delimiters do not count", "\"a;b;c\",d\n1,2\n", 0, []string{"a;b;c", "d"}, []float32{1, 2}},
		{"given", "a;b,c\n1;2,5\n", ',', []string{"a;b", "c"}, nil},
		{"given tab", "a b\tc\n1\t2\n", '\t', []string{"a b", "c"}, []float32{1, 2}},
		{"quotes doubled", "\"say \"\"hi\"\"\",x\n1,2\n", 0, []string{`say "hi"`, "x"}, []float32{1, 2}},
		{"one column", "v\n1\n2\n", 0, []string{"v"}, []float32{1, 2}},
	}
	for _, c := range cases {
		h, tb, err := ReadCSVWith(strings.NewReader(c.in), CSVOptions{Delimiter: c.delim})
		if c.x == nil { // an error is what this case wants
			if err == nil {
				t.Errorf("%s: read %q %v", c.name, h, tb.X)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(h, c.header) || !slices.Equal(tb.X, c.x) {
			t.Errorf("%s: got %q %v", c.name, h, tb.X)
		}
	}
}

func TestReadCSVColumns(t *testing.T) {
	const file = "id;a;b;c\nfirst;1;2;3\nsecond;4;5;6\n"
	cases := []struct {
		columns []string
		header  []string
		x       []float32
	}{
		{[]string{"a", "c"}, []string{"a", "c"}, []float32{1, 3, 4, 6}},
		{[]string{"c", "a"}, []string{"c", "a"}, []float32{3, 1, 6, 4}},
		{[]string{"2", " 4 "}, []string{"a", "c"}, []float32{1, 3, 4, 6}},
		{[]string{"b", "4"}, []string{"b", "c"}, []float32{2, 3, 5, 6}},
	}
	for _, c := range cases {
		h, tb, err := ReadCSVWith(strings.NewReader(file), CSVOptions{Columns: c.columns})
		if err != nil {
			t.Errorf("%q: %v", c.columns, err)
			continue
		}
		if !slices.Equal(h, c.header) || tb.D != len(c.columns) || !slices.Equal(tb.X, c.x) {
			t.Errorf("%q: got %q %d %v", c.columns, h, tb.D, tb.X)
		}
	}
	// A name of the header takes precedence over a number.
	h, tb, err := ReadCSVWith(strings.NewReader("x,1,y\n5,6,7\n"), CSVOptions{Columns: []string{"1"}})
	if err == nil {
		t.Errorf("a first line with a number is data, not a header: got %q %v", h, tb.X)
	}
	h, tb, err = ReadCSVWith(strings.NewReader("x,\"1st\",y\n5,6,7\n"), CSVOptions{Columns: []string{"1st", "1"}})
	if err != nil || !slices.Equal(h, []string{"1st", "x"}) || !slices.Equal(tb.X, []float32{6, 5}) {
		t.Errorf("names and numbers: %q %v %v", h, tb, err)
	}
	// Without a header, by number; the skipped column may hold text.
	h, tb, err = ReadCSVWith(strings.NewReader("abc,1,2\ndef,3,4\n"), CSVOptions{Columns: []string{"3", "2"}})
	if err != nil || h != nil || !slices.Equal(tb.X, []float32{2, 1, 4, 3}) {
		t.Errorf("by number without a header: %q %v %v", h, tb, err)
	}
}

func TestReadCSVHints(t *testing.T) {
	cases := []struct {
		name, in string
		opt      CSVOptions
		want     string
		kind     error
	}{
		{"semicolons read as commas", "-3.9;5.6;9.9\n1;2;3\n", CSVOptions{Delimiter: ','},
			`line 1, column 1: "-3.9;5.6;9.9" is not a number; the delimiter looks wrong: the file is read as separated by ",", and the value holds numbers separated by ";"`, ErrCSVDelimiter},
		{"header of commas, rows of semicolons", "a,b,c\n1;2;3\n", CSVOptions{},
			`line 2: 1 values where the header has 3; the delimiter looks wrong: the file is read as separated by ",", this line looks separated by ";"`, ErrCSVDelimiter},
		{"tabs", "a,b\n1\t2\n", CSVOptions{}, `this line looks separated by tabs`, ErrCSVDelimiter},
		{"header split wrong too", "n;temp, C;b\nr;1;2\n", CSVOptions{Delimiter: ','}, `line 2: 1 values where the header has 2; the delimiter looks wrong`, ErrCSVDelimiter},
		{"decimal comma", "a;b\n1,5;2\n", CSVOptions{}, `line 2, column 1: "1,5" is not a number; a decimal comma? write "1.5"`, nil},
		{"text column", "id,x\nabc,1\n", CSVOptions{}, `line 2, column 1: "abc" is not a number`, ErrCSVText},
		{"mixed first line is data", "abc,1\n2,3\n", CSVOptions{}, `line 1, column 1: "abc" is not a number`, ErrCSVText},
		{"malformed number", "x\n1.2.3\n", CSVOptions{}, `"1.2.3" is not a number`, nil},
		{"unknown column", "a,b\n1,2\n", CSVOptions{Columns: []string{"z"}}, `column "z": not in the header (a, b)`, nil},
		{"column past the end", "a,b\n1,2\n", CSVOptions{Columns: []string{"3"}}, "column 3: the file has 2 columns, numbered from 1", nil},
		{"column 0", "a,b\n1,2\n", CSVOptions{Columns: []string{"0"}}, "column 0: the file has 2 columns, numbered from 1", nil},
		{"name without header", "1,2\n3,4\n", CSVOptions{Columns: []string{"a"}}, `column "a": the file has no header line, so its columns are chosen by number (1 to 2)`, nil},
		{"twice", "a,b\n1,2\n", CSVOptions{Columns: []string{"a", "1"}}, `column "1" chosen twice`, nil},
		{"ambiguous name", "a,a\n1,2\n", CSVOptions{Columns: []string{"a"}}, `column "a": the header names two columns so; choose it by number`, nil},
		{"no columns", "a,b\n1,2\n", CSVOptions{Columns: []string{}}, "no columns chosen", nil},
		{"bad delimiter", "a,b\n1,2\n", CSVOptions{Delimiter: ' '}, `delimiter ' ': want one of ",", ";", tabs, "|"`, nil},
		{"unclosed quote", "\"a,b\n1,2\n", CSVOptions{}, "line 1: a quoted value is not closed on its line", nil},
		{"text after quote", "\"a\"b,c\n1,2\n", CSVOptions{}, `line 1: "b" after a quoted value, before the next ","`, nil},
	}
	for _, c := range cases {
		_, _, err := ReadCSVWith(strings.NewReader(c.in), c.opt)
		if err == nil || err.Error() != c.want && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			continue
		}
		for _, kind := range []error{ErrCSVDelimiter, ErrCSVText} {
			if errors.Is(err, kind) != (kind == c.kind) {
				t.Errorf("%s: errors.Is(%v, %v) is %v", c.name, err, kind, !(kind == c.kind))
			}
		}
	}
}

// TestCSVHeaderRoundTrip writes names that need quoting and reads them back.
func TestCSVHeaderRoundTrip(t *testing.T) {
	names := []string{"temp, °C", `say "hi"`, "a;b", "tab\there", "line\nbreak", "plain"}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, names, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	h, tb, err := ReadCSV(&buf)
	want := slices.Clone(names)
	want[4] = "line break"
	if err != nil || !slices.Equal(h, want) || tb.D != 6 {
		t.Fatalf("read back %q, %v from\n%s", h, err, buf.String())
	}
	if got, err := ParseCSVHeader(CSVHeader(names)); err != nil || !slices.Equal(got, want) {
		t.Fatalf("ParseCSVHeader(CSVHeader(names)) = %q, %v", got, err)
	}
	if _, err := ParseCSVHeader(`a,"b`); err == nil {
		t.Fatal(`ParseCSVHeader read a,"b`)
	}
}
