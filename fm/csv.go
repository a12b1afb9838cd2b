package fm

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MaxCSVLine bounds one CSV line, so a file without newlines cannot make the reader hold
// all of it as one row.
const MaxCSVLine = 1 << 20

// CSVOptions say how ReadCSVWith reads a table. The zero value reads every column of a file
// whose delimiter it detects, which is what ReadCSV does.
type CSVOptions struct {
	// Delimiter separates the values of a line: one of Delimiters. 0 detects it from the first
	// line that is not blank: the one of Delimiters that occurs there most often outside double
	// quotes (the earlier in the list on a tie), or ',' when none does (a file of one column).
	Delimiter byte
	// Columns, when not nil, are the columns to read, in this order: each the name of a column
	// of the header or its number counted from 1 ("3"), a name of the header taking precedence
	// over a number. The other columns are split off but not read, so they may hold text.
	Columns []string
	// NonFinite names the columns of the header (in any case) in which nan, inf and -inf are
	// read as values, which are otherwise an error: a log-density, say, where a solve failed.
	NonFinite []string
	// Label, when not empty, names the column of the header that holds each row's class, whose
	// values must be integers: they become the table's labels, not values. Values 0..K-1 are
	// the labels themselves; any others (1..10, -1 and 1, 3, 7 and 9) are numbered 0..K-1 in
	// increasing order, and the table's LabelValues keep the file's value of each. The label
	// column is read whatever Columns says, and Columns must not name it.
	Label string
}

// Delimiters are the delimiters ReadCSVWith reads (comma, semicolon, tab and vertical bar), in
// the order in which its detection prefers them.
const Delimiters = ",;\t|"

var (
	// ErrCSVText is wrapped by the error of ReadCSV and ReadCSVWith for a value that is text
	// rather than a malformed number: a column of names, say, which CSVOptions.Columns can skip.
	ErrCSVText = errors.New("a value is text")
	// ErrCSVDelimiter is wrapped by their error for a line that looks separated by another
	// delimiter than the one the file is read with (CSVOptions.Delimiter chooses it).
	ErrCSVDelimiter = errors.New("the delimiter looks wrong")
)

// kindError is an error of its own message that errors.Is matches with kind.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// ParseDelimiter reads a delimiter as a user writes it: one of , ; | or tab (also \t or the tab
// character itself).
func ParseDelimiter(s string) (byte, error) {
	switch s {
	case "tab", `\t`, "\t":
		return '\t', nil
	case ",", ";", "|":
		return s[0], nil
	}
	return 0, errorf("delimiter %q: want , ; | or tab", s)
}

// delimiterFlag writes a delimiter as ParseDelimiter reads it.
func delimiterFlag(d byte) string {
	if d == '\t' {
		return "tab"
	}
	return string(d)
}

// ReadCSVFile reads the table of numbers in the file at path with opt (see ReadCSVWith). The
// table's Source is the file's absolute path, which a model trained on it records, so that the
// file is found again from any folder. A directory or a device is refused, and errors name
// the file.
func ReadCSVFile(path string, opt CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, errorf("%s: is a directory", path)
	} else if !st.Mode().IsRegular() && st.Mode()&os.ModeNamedPipe == 0 {
		return nil, errorf("%s: is not a regular file", path)
	}
	_, t, err := ReadCSVWith(f, opt)
	if err != nil {
		return nil, errorf("%s: %w", path, err)
	}
	t.Source = path
	if abs, err := filepath.Abs(path); err == nil {
		t.Source = abs
	}
	return t, nil
}

// ReadCSV reads a table of numbers with the default CSVOptions: every column, the delimiter
// detected. See ReadCSVWith.
func ReadCSV(r io.Reader) (header []string, t *Table, err error) {
	return ReadCSVWith(r, CSVOptions{})
}

// ReadCSVWith reads a table of numbers: one row per line, values separated by a delimiter
// (opt.Delimiter, or detected), the same number of values on every line, and an optional
// header line of names first: the first line that is not blank is a header when none of its
// values is a number. A UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around
// values and double quotes around a value ("" inside one stands for a quote) are accepted;
// quoted values do not span lines. A ragged row, a value that is not a finite number, an
// over-long line, or a file without data rows is an error that names the line and column. The
// header returned names the columns read (opt.Columns), and is nil when the file has none.
// (Training needs two rows at least; its caller checks.)
func ReadCSVWith(r io.Reader, opt CSVOptions) (header []string, t *Table, err error) {
	delim := opt.Delimiter
	if delim != 0 && strings.IndexByte(Delimiters, delim) < 0 {
		return nil, nil, errorf("delimiter %q: want one of %s", delim, delimiterNames())
	}
	if opt.Columns != nil && len(opt.Columns) == 0 {
		return nil, nil, errors.New("no columns chosen")
	}
	br := bufio.NewReaderSize(r, 64<<10)
	t = &Table{}
	line := 0
	width := 0           // values on every line, from the first
	var keep []int       // the columns read, 0-based; nil for all
	var nonFinite []bool // per column of the file: whether NaN and infinities are values
	var names []string
	var fields [][]byte
	labelCol := -1          // the label column of the file, 0-based
	var labelValues []int64 // its values, row by row
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, nil, errorf("line %d: %w", line, err)
		}
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if delim == 0 {
			delim = detectDelimiter(raw)
		}
		if fields, err = splitFields(fields[:0], raw, delim); err != nil {
			return nil, nil, errorf("line %d: %w", line, err)
		}
		if width == 0 {
			width = len(fields)
			isHeader := !slices.ContainsFunc(fields, func(f []byte) bool { return isNumberLike(f, delim) })
			nonFinite = make([]bool, width)
			if isHeader {
				names = make([]string, len(fields))
				for i, f := range fields {
					names[i] = string(bytes.TrimSpace(f))
					nonFinite[i] = slices.ContainsFunc(opt.NonFinite, func(n string) bool { return strings.EqualFold(n, names[i]) })
				}
			}
			if keep, err = chooseColumns(opt.Columns, names, width); err != nil {
				return nil, nil, err
			}
			if opt.Label != "" {
				if keep, labelCol, err = labelColumn(opt.Label, names, keep); err != nil {
					return nil, nil, err
				}
			}
			if isHeader {
				header = names
				if keep != nil {
					header = make([]string, len(keep))
					for i, c := range keep {
						header[i] = names[c]
					}
				}
				continue
			}
		}
		if len(fields) != width {
			msg := fmt.Sprintf("line %d: %d values where the %s has %d", line, len(fields), firstRowName(names), width)
			if other := otherDelimiter(raw, delim, len(fields), width); other != 0 {
				return nil, nil, &kindError{fmt.Sprintf("%s; %v: the file is read as separated by %s, this line looks separated by %s",
					msg, ErrCSVDelimiter, delimiterName(delim), delimiterName(other)), ErrCSVDelimiter}
			}
			return nil, nil, errors.New(msg)
		}
		if labelCol >= 0 {
			y, err := parseLabel(fields[labelCol])
			if err != nil {
				return nil, nil, errorf("line %d, column %d (%s): %w", line, labelCol+1, opt.Label, err)
			}
			labelValues = append(labelValues, y)
		}
		if keep == nil {
			for col, f := range fields {
				v, err := parseField(f, delim, nonFinite[col])
				if err != nil {
					return nil, nil, errorf("line %d, column %d: %w", line, col+1, err)
				}
				t.X = append(t.X, v)
			}
			continue
		}
		for _, col := range keep {
			v, err := parseField(fields[col], delim, nonFinite[col])
			if err != nil {
				return nil, nil, errorf("line %d, column %d: %w", line, col+1, err)
			}
			t.X = append(t.X, v)
		}
	}
	t.D = width
	if keep != nil {
		t.D = len(keep)
	}
	if labelCol >= 0 && len(labelValues) > 0 {
		if err := t.setLabels(labelValues, opt.Label); err != nil {
			return nil, nil, err
		}
	}
	t.Columns, t.Read = header, opt
	switch rows := len(t.X) / max(t.D, 1); {
	case line == 0:
		return nil, nil, errors.New("the file is empty")
	case rows == 0 && width == 0:
		return nil, nil, errors.New("no data rows, only blank lines")
	case rows == 0:
		return nil, nil, errors.New("no data rows, only a header")
	}
	return header, t, nil
}

// labelColumn finds the label column named label among the header's names, and returns the
// columns to read as values without it (keep, or every other column when keep is nil).
func labelColumn(label string, names []string, keep []int) ([]int, int, error) {
	if names == nil {
		return nil, -1, errorf("no header row to find the label column %s in", quoteShort(label))
	}
	col := slices.Index(names, label)
	switch {
	case col < 0:
		return nil, -1, errorf("no column named %s for the labels: the header has %s", quoteShort(label), quoteShort(strings.Join(names, ",")))
	case keep == nil && len(names) == 1:
		return nil, -1, errorf("the label column %s is the only one: no values left for the points", quoteShort(label))
	case slices.Contains(keep, col):
		return nil, -1, errorf("the label column %s is chosen as a column of values too", quoteShort(label))
	}
	if keep == nil {
		for c := range names {
			if c != col {
				keep = append(keep, c)
			}
		}
	}
	return keep, col, nil
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
		return 0, errorf("label %s is not an integer", quoteShort(s))
	}
	return int64(v), nil
}

// setLabels numbers the distinct values of raw 0..K-1 in increasing order into the table's
// labels, keeping the values when they were not 0..K-1 already.
func (t *Table) setLabels(raw []int64, column string) error {
	rank := make(map[int64]int32)
	var distinct []int64
	for _, v := range raw {
		if _, ok := rank[v]; !ok {
			rank[v] = 0
			distinct = append(distinct, v)
		}
	}
	// Sorted through pointers to them, a sort sharing its code with others.
	order := make([]*int64, len(distinct))
	for i := range order {
		order[i] = &distinct[i]
	}
	slices.SortFunc(order, func(a, b *int64) int { return cmp.Compare(*a, *b) })
	values := make([]int64, len(distinct))
	for k, p := range order {
		values[k] = *p
		rank[*p] = int32(k)
	}
	if len(values) > MaxClasses {
		return errorf("the label column %s holds %d distinct values, more than the %d classes fmtiny takes", quoteShort(column), len(values), MaxClasses)
	}
	t.Classes, t.LabelColumn = len(values), column
	t.Labels = make([]int32, len(raw))
	identity := values[0] == 0 && values[len(values)-1] == int64(len(values)-1)
	for i, v := range raw {
		if identity {
			t.Labels[i] = int32(v)
		} else {
			t.Labels[i] = rank[v]
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

// chooseColumns resolves CSVOptions.Columns against the first line: names is the header, nil
// when the file has none. It returns the 0-based columns to read, or nil for all.
func chooseColumns(spec, names []string, width int) ([]int, error) {
	if spec == nil {
		return nil, nil
	}
	keep := make([]int, 0, len(spec))
	for _, s := range spec {
		s = strings.TrimSpace(s)
		col := slices.Index(names, s)
		if col >= 0 && slices.Index(names[col+1:], s) >= 0 {
			return nil, errorf("column %q: the header names two columns so; choose it by number", s)
		}
		if col < 0 {
			n, err := strconv.Atoi(s)
			switch {
			case err != nil && names == nil:
				return nil, errorf("column %s: the file has no header line, so its columns are chosen by number (1 to %d)", quoteShort(s), width)
			case err != nil:
				return nil, errorf("column %s: not in the header (%s)", quoteShort(s), listShort(names))
			case n < 1 || n > width:
				return nil, errorf("column %d: the file has %d columns, numbered from 1", n, width)
			}
			col = n - 1
		}
		if slices.Contains(keep, col) {
			return nil, errorf("column %s chosen twice", quoteShort(s))
		}
		keep = append(keep, col)
	}
	return keep, nil
}

// listShort lists names for a message, cut after the first ten.
func listShort(names []string) string {
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(", ... (%d columns)", len(names))
	}
	return strings.Join(names, ", ")
}

// detectDelimiter returns the one of Delimiters that occurs most often in line outside double
// quotes, the earlier in the list on a tie, or ',' when none does.
func detectDelimiter(line []byte) byte {
	var counts [len(Delimiters)]int
	quoted := false
	for _, c := range line {
		if c == '"' {
			quoted = !quoted
		} else if i := strings.IndexByte(Delimiters, c); i >= 0 && !quoted {
			counts[i]++
		}
	}
	best := 0
	for i, n := range counts {
		if n > counts[best] {
			best = i
		}
	}
	return Delimiters[best]
}

// otherDelimiter returns a delimiter other than delim that splits a line of n values into
// width values (as the file's first line is split), or into several where delim does not split
// it at all; or 0 if none does.
func otherDelimiter(line []byte, delim byte, n, width int) byte {
	for i := 0; i < len(Delimiters); i++ {
		c := Delimiters[i]
		if c == delim || bytes.IndexByte(line, c) < 0 {
			continue
		}
		if f, err := splitFields(nil, line, c); err == nil && (len(f) == width || n == 1 && len(f) > 1) {
			return c
		}
	}
	return 0
}

func delimiterName(c byte) string {
	if c == '\t' {
		return "tabs"
	}
	return strconv.Quote(string(c))
}

func delimiterNames() string {
	s := make([]string, len(Delimiters))
	for i := range s {
		s[i] = delimiterName(Delimiters[i])
	}
	return strings.Join(s, ", ")
}

// readLine returns the next line without its line end, or an error if it exceeds MaxCSVLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			if len(long) > MaxCSVLine {
				return nil, errorf("longer than %d bytes; is this a CSV file?", MaxCSVLine)
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
				return nil, errorf("longer than %d bytes; is this a CSV file?", MaxCSVLine)
			}
		}
		chunk = bytes.TrimSuffix(chunk, []byte("\n"))
		return bytes.TrimSuffix(chunk, []byte("\r")), nil
	}
}

// splitFields appends to dst the values of line separated by delim. A value whose first
// character other than a space is a double quote runs to the closing quote ("" inside it stands
// for one quote) and is returned without its quotes; anything but spaces between the closing
// quote and the next delimiter is an error.
func splitFields(dst [][]byte, line []byte, delim byte) ([][]byte, error) {
	for {
		start := 0
		for start < len(line) && (line[start] == ' ' || line[start] == '\t' && delim != '\t') {
			start++
		}
		if start == len(line) || line[start] != '"' {
			i := bytes.IndexByte(line, delim)
			if i < 0 {
				return append(dst, line), nil
			}
			dst = append(dst, line[:i])
			line = line[i+1:]
			continue
		}
		// A quoted value: copied only when it holds a doubled quote.
		var value []byte
		copied := false
		i := start + 1
		for {
			j := bytes.IndexByte(line[i:], '"')
			if j < 0 {
				return nil, errors.New("a quoted value is not closed on its line")
			}
			j += i
			if j+1 < len(line) && line[j+1] == '"' {
				value = append(value, line[i:j+1]...)
				copied = true
				i = j + 2
				continue
			}
			if copied {
				value = append(value, line[i:j]...)
			} else {
				value = line[i:j]
			}
			i = j + 1
			break
		}
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' && delim != '\t') {
			i++
		}
		dst = append(dst, value)
		switch {
		case i == len(line):
			return dst, nil
		case line[i] != delim:
			return nil, errorf("%s after a quoted value, before the next %s", quoteShort(string(line[i:min(i+1, len(line))])), delimiterName(delim))
		}
		line = line[i+1:]
	}
}

// isNumberLike reports whether a value of a first line is a number, a malformed one
// (looksNumeric), or numbers joined by another delimiter than delim (a file read with the wrong
// one, or a decimal comma), any of which makes that line data rather than a header.
func isNumberLike(f []byte, delim byte) bool {
	_, err := parseValue(f)
	return err == nil || looksNumeric(f) || joinedBy(f, delim) != 0
}

// joinedBy returns the one of Delimiters other than delim that f holds and that splits it into
// numbers (or malformed ones), or 0 if none does.
func joinedBy(f []byte, delim byte) byte {
	for i := 0; i < len(Delimiters); i++ {
		c := Delimiters[i]
		if c == delim || bytes.IndexByte(f, c) < 0 {
			continue
		}
		numbers := true
		for rest := f; ; {
			part := rest
			i := bytes.IndexByte(rest, c)
			if i >= 0 {
				part, rest = rest[:i], rest[i+1:]
			}
			_, err := parseValue(part)
			numbers = numbers && (err == nil || looksNumeric(part))
			if i < 0 {
				break
			}
		}
		if numbers {
			return c
		}
	}
	return 0
}

// parseField is parseValue with an error that says what else the value may be: text (a column
// of names), or numbers separated by another delimiter, or a decimal comma.
func parseField(f []byte, delim byte, nonFinite bool) (float32, error) {
	v, err := parseValue(f)
	if err != nil && nonFinite {
		if x, perr := strconv.ParseFloat(strings.Trim(strings.TrimSpace(string(f)), `"`), 32); perr == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
			return float32(x), nil
		}
	}
	if err == nil || looksNumeric(f) {
		return v, err
	}
	s := strings.TrimSpace(string(f))
	if delim != ',' && decimalComma(s) {
		return 0, errorf("%w; a decimal comma? write %s", err, quoteShort(strings.Replace(s, ",", ".", 1)))
	}
	if c := joinedBy(f, delim); c != 0 {
		return 0, &kindError{fmt.Sprintf("%v; %v: the file is read as separated by %s, and the value holds numbers separated by %s",
			err, ErrCSVDelimiter, delimiterName(delim), delimiterName(c)), ErrCSVDelimiter}
	}
	return 0, &kindError{err.Error(), ErrCSVText}
}

// decimalComma reports whether s is a number written with a decimal comma, as 1,5 or -0,25.
func decimalComma(s string) bool {
	whole, frac, ok := strings.Cut(s, ",")
	if !ok || frac == "" || strings.Trim(frac, "0123456789") != "" {
		return false
	}
	whole = strings.TrimLeft(whole, "+-")
	return whole != "" && strings.Trim(whole, "0123456789") == ""
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
			return 0, errorf("%s is out of float32's range", quoteShort(s))
		}
		return 0, errorf("%s is not a number", quoteShort(s))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errorf("%s is not a finite number", quoteShort(s))
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

// WriteCSV writes a header line (CSVHeader) and n rows of len(header) values each, separated
// by commas, every float32 in the shortest form that reads back to the same bits.
func WriteCSV(w io.Writer, header []string, x []float32) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(CSVHeader(header))
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

// CSVHeader returns a header line of names separated by commas, without its line end, as
// ReadCSV reads it back: a name holding a delimiter (any of Delimiters), or a double quote is
// quoted, and line breaks and other control characters in a name
// become spaces.
func CSVHeader(names []string) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		name = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return ' '
			}
			return r
		}, name)
		if containsAnyByte(name, Delimiters+`"`) {
			name = `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		}
		b.WriteString(name)
	}
	return b.String()
}

// ParseCSVHeader reads back a header line that CSVHeader wrote: names separated by commas,
// quoted where they hold a delimiter or a quote.
func ParseCSVHeader(line string) ([]string, error) {
	fields, err := splitFields(nil, []byte(line), ',')
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	return names, nil
}

// ColumnNames returns the header fmtiny writes for d columns of points when the data had no
// names of their own: x,y in 2D, x0,x1,... otherwise.
func ColumnNames(d int) []string {
	if d == 2 {
		return []string{"x", "y"}
	}
	names := make([]string, d)
	for i := range names {
		names[i] = "x" + itoa(i)
	}
	return names
}

// containsAnyByte is strings.ContainsAny for a set of ASCII bytes, without the code that
// ContainsAny has for sets of other runes.
func containsAnyByte(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			return true
		}
	}
	return false
}
