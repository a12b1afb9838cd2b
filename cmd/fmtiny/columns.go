package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
)

// csvFlags are the flags that say how a CSV file is read.
type csvFlags struct {
	delimiter, columns string
}

// register adds --delimiter, and unless columnsDefault is "" --columns, their usage saying
// what they apply to and what --columns reads when not given.
func (cf *csvFlags) register(fs *flagSet, what, columnsDefault string) {
	fs.StringVar(&cf.delimiter, "delimiter", "", what+": the delimiter, one of , ; | or tab (default: detected from the first line)")
	if columnsDefault != "" {
		fs.StringVar(&cf.columns, "columns", "", what+": the columns to read, comma-separated names of the header or numbers counted from 1, e.g. a,c or 2,4 (a name of the header wins over a number); the others are skipped and may hold text (default: "+columnsDefault+")")
	}
}

// given reports whether --delimiter or --columns was given, as the flag's name.
func (cf *csvFlags) given(fs *flagSet) string {
	for _, name := range []string{"delimiter", "columns"} {
		if fs.isSet(name) {
			return name
		}
	}
	return ""
}

// options turns the flags into fm.CSVOptions.
func (cf *csvFlags) options() (fm.CSVOptions, error) {
	var opt fm.CSVOptions
	if cf.delimiter != "" {
		d, err := fm.ParseDelimiter(cf.delimiter)
		if err != nil {
			return opt, usagef("--%v", err)
		}
		opt.Delimiter = d
	}
	if cf.columns != "" {
		cols, err := fm.ParseCSVHeader(cf.columns) // a name may hold a comma in double quotes
		if err != nil {
			return opt, usagef("--columns %q: %v", cf.columns, err)
		}
		opt.Columns = cols
		for _, c := range opt.Columns {
			if strings.TrimSpace(c) == "" {
				return opt, usagef("--columns %q: an empty column name", cf.columns)
			}
		}
	}
	return opt, nil
}

// constantColumns returns the names of the columns of t in which every row holds one value.
func constantColumns(t *fm.Table, names []string) []string {
	var constant []string
	for j := 0; j < t.D; j++ {
		first, same := t.X[j], true
		for i := j; i < len(t.X) && same; i += t.D {
			same = t.X[i] == first
		}
		if same {
			constant = append(constant, fmt.Sprintf("%s (%g)", columnLabel(names, j), first))
		}
	}
	return constant
}

// columnLabel names column j (0-based) of a table: by its header name if it has one.
func columnLabel(names []string, j int) string {
	if names != nil && names[j] != "" {
		return names[j]
	}
	return fmt.Sprintf("column %d", j+1)
}

// describeTable says on w what training read from a CSV file, and warns of constant columns.
func describeTable(w io.Writer, path string, t *fm.Table, header []string) {
	cols := ""
	if header != nil {
		cols = " (" + fm.CSVHeader(header) + ")"
		if len(header) > 12 {
			cols = " (" + fm.CSVHeader(header[:12]) + ",...)"
		}
	}
	fmt.Fprintf(w, "fmtiny: read %d rows of %d columns%s from %s\n", t.Rows(), t.D, cols, path)
	if c := constantColumns(t, header); len(c) > 0 {
		list := strings.Join(c, ", ")
		if len(c) > 10 {
			list = strings.Join(c[:10], ", ") + fmt.Sprintf(" and %d more", len(c)-10)
		}
		fmt.Fprintf(w, "fmtiny: warning: constant column: %s; nothing to learn there (--columns leaves it out)\n", list)
	}
}
