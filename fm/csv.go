package fm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxCSVLine bounds one CSV line, so a file without newlines cannot make the reader hold
// all of it as one row.
const MaxCSVLine = 1 << 20

// ReadCSV reads a table of numbers: one row per line, values separated by commas, the same
// number of values on every line, an optional header line of names first. A UTF-8 byte-order
// mark, CRLF line ends, blank lines and spaces around values are accepted. A ragged row, a
// value that is not a finite number, an over-long line, or a file without data rows is an
// error that names the line and column. (Training needs two rows at least; its caller checks.)
func ReadCSV(r io.Reader) (header []string, t *Table, err error) { return readCSV(r, "") }

// ReadLabelledCSV reads a table as ReadCSV does, but for the column named label in its header
// row (which it must have), whose values must be integers: they become the table's labels and
// its other columns the points. Values 0..K-1 are the labels themselves; any others (1..10,
// -1 and 1, 3, 7 and 9) are numbered 0..K-1 in increasing order, and the table's LabelValues
// keep the file's value of each. The header returned is the points' columns'.
func ReadLabelledCSV(r io.Reader, label string) (header []string, t *Table, err error) {
	return readCSV(r, label)
}

// readCSV reads a table, and the integer label column named label unless that is empty.
func readCSV(r io.Reader, label string) (header []string, t *Table, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	t = &Table{}
	line := 0
	var fields [][]byte
	labelCol := -1
	var labelValues []int64 // the label column's values, row by row
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", line, err)
		}
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		fields = splitFields(fields[:0], raw)
		if t.D == 0 && header == nil {
			if _, err := parseValue(fields[0]); err != nil && !looksNumeric(fields[0]) {
				header = make([]string, len(fields))
				for i, f := range fields {
					header[i] = string(bytes.Trim(bytes.TrimSpace(f), `"`))
				}
				if label != "" {
					if labelCol = slices.Index(header, label); labelCol < 0 {
						return nil, nil, fmt.Errorf("no column named %s for the labels: the header has %s", quoteShort(label), quoteShort(strings.Join(header, ",")))
					}
					if len(header) == 1 {
						return nil, nil, fmt.Errorf("the label column %s is the only one: no values left for the points", quoteShort(label))
					}
				}
				continue
			}
			if label != "" {
				return nil, nil, fmt.Errorf("no header row to find the label column %s in", quoteShort(label))
			}
		}
		want := t.D
		if want == 0 {
			want = len(header)
		}
		if want > 0 && len(fields) != want {
			return nil, nil, fmt.Errorf("line %d: %d values where the %s has %d", line, len(fields), firstRowName(header), want)
		}
		t.D = len(fields)
		for col, f := range fields {
			if col == labelCol {
				y, err := parseLabel(f)
				if err != nil {
					return nil, nil, fmt.Errorf("line %d, column %d (%s): %w", line, col+1, label, err)
				}
				labelValues = append(labelValues, y)
				continue
			}
			v, err := parseValue(f)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d, column %d: %w", line, col+1, err)
			}
			t.X = append(t.X, v)
		}
	}
	if labelCol >= 0 && t.D > 0 {
		t.D--
		header = slices.Delete(header, labelCol, labelCol+1)
		if err := t.setLabels(labelValues, label); err != nil {
			return nil, nil, err
		}
	}
	switch rows := len(t.X) / max(t.D, 1); {
	case line == 0:
		return nil, nil, errors.New("the file is empty")
	case rows == 0 && header == nil:
		return nil, nil, errors.New("no data rows, only blank lines")
	case rows == 0:
		return nil, nil, errors.New("no data rows, only a header")
	}
	return header, t, nil
}

// parseLabel reads one label: an integer, written as one (3) or as a number whose value is one
// (3.0, 1e2), with spaces and double quotes around it allowed.
func parseLabel(f []byte) (int64, error) {
	s := strings.TrimSpace(string(f))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		return 0, errors.New("empty label")
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("label %s is not an integer", quoteShort(s))
	}
	return int64(v), nil
}

// setLabels numbers the distinct values of raw 0..K-1 in increasing order into the table's
// labels, keeping the values when they were not 0..K-1 already.
func (t *Table) setLabels(raw []int64, column string) error {
	values := slices.Compact(slices.Sorted(slices.Values(raw)))
	if len(values) > MaxClasses {
		return fmt.Errorf("the label column %s holds %d distinct values, more than the %d classes fmtiny takes", quoteShort(column), len(values), MaxClasses)
	}
	t.Classes, t.LabelColumn = len(values), column
	t.Labels = make([]int32, len(raw))
	identity := values[0] == 0 && values[len(values)-1] == int64(len(values)-1)
	for i, v := range raw {
		if identity {
			t.Labels[i] = int32(v)
		} else {
			k, _ := slices.BinarySearch(values, v)
			t.Labels[i] = int32(k)
		}
	}
	if !identity {
		t.LabelValues = values
	}
	return nil
}

func firstRowName(header []string) string {
	if header != nil {
		return "header"
	}
	return "first row"
}

// readLine returns the next line without its line end, or an error if it exceeds MaxCSVLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			if len(long) > MaxCSVLine {
				return nil, fmt.Errorf("longer than %d bytes; is this a CSV file?", MaxCSVLine)
			}
			continue
		}
		if err == io.EOF && len(chunk) == 0 && long == nil {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if long != nil {
			chunk = append(long, chunk...)
			if len(chunk) > MaxCSVLine {
				return nil, fmt.Errorf("longer than %d bytes; is this a CSV file?", MaxCSVLine)
			}
		}
		chunk = bytes.TrimSuffix(chunk, []byte("\n"))
		return bytes.TrimSuffix(chunk, []byte("\r")), nil
	}
}

func splitFields(dst [][]byte, line []byte) [][]byte {
	for {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// parseValue reads one finite float32, allowing spaces and double quotes around it.
func parseValue(f []byte) (float32, error) {
	s := strings.TrimSpace(string(f))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		return 0, errors.New("empty value")
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of float32's range", quoteShort(s))
		}
		return 0, fmt.Errorf("%s is not a number", quoteShort(s))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not a finite number", quoteShort(s))
	}
	return float32(v), nil
}

// looksNumeric tells a malformed number in the first row ("1.2.3", "nan") from a header name,
// so that the first is reported as an error instead of being taken as a header.
func looksNumeric(f []byte) bool {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(string(f)), `"`))
	switch s {
	case "nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity":
		return true
	}
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e')
	}) < 0
}

// quoteShort quotes a value for a message, cut to a readable length.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// WriteCSV writes a header line and n rows of len(header) values each, every float32 in the
// shortest form that reads back to the same bits.
func WriteCSV(w io.Writer, header []string, x []float32) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(strings.Join(header, ","))
	bw.WriteByte('\n')
	d := len(header)
	var buf []byte
	for i := 0; i+d <= len(x); i += d {
		buf = buf[:0]
		for j, v := range x[i : i+d] {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ColumnNames returns the header DESIGN.md fixes for d columns of points: x,y in 2D,
// x0,x1,... otherwise.
func ColumnNames(d int) []string {
	if d == 2 {
		return []string{"x", "y"}
	}
	names := make([]string, d)
	for i := range names {
		names[i] = "x" + strconv.Itoa(i)
	}
	return names
}
