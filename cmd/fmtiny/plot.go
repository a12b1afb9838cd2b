package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/cmd/fmtiny/internal/plot"
	"github.com/fmtiny/fmtiny/fm"
)

const plotAbout = `Draw CSV files written by fmtiny sample as one PNG picture:
  - samples (columns x,y or x0,x1,...): a 2D histogram panel per file, side by side;
  - snapshots from --at (columns t,id,x,y at a few times): one row of panels per file, one panel
    per time, rows labelled (--labels), so that OT and VP stand one above the other;
  - a trajectory from --trajectory: every point's path from t = 0 to 1, start and end marked;
  - images (a square number of values a row, at least 64, or three for RGB; or --shape C,H,W):
    a grid, a row per label if labelled; their --at snapshots: a row per image (--rows), a
    column per t;
  - log-densities on a grid (columns x,y,logp, from eval --density): heat maps, one colour bar.
A label column (label,x,y or t,id,label,x,y) colours points by class; it is never a coordinate.
Data of more than two dimensions are drawn by their first two columns, and the title says so.

Examples:
  fmtiny plot points.csv -o samples.png
  fmtiny plot ot.csv vp.csv --labels "OT,VP" -o checkers_at_t.png
  fmtiny plot paths.csv --title "Flow Matching - COT" -o trajectories.png
  fmtiny plot images.csv -o grid.png
  fmtiny plot exact.csv hutchinson.csv --labels "exact,Hutchinson" -o density.png`

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "FILE.csv [more.csv ...] -o picture.png", plotAbout)
	out := fs.String("o", "", "the PNG file to write (required)")
	labels := fs.String("labels", "", "comma-separated labels, one per file (default: the files' base names)")
	title := fs.String("title", "", "a title over the picture")
	kind := fs.String("kind", "auto", "what the files hold: auto, sample, snapshots, trajectory, images or density")
	style := fs.String("style", "auto", "how points are drawn: auto, density or scatter")
	size := fs.Int("size", 0, "the longer side of one panel, or of one image, in pixels (0: a default for the picture)")
	var shape plot.Shape
	fs.Var(shapeFlag{&shape}, "shape", "images: the shape C,H,W of one image, C = 1 (grey) or 3 (RGB) (default: inferred)")
	rows := fs.Int("rows", plot.DefaultFlowRows, "images at several times: how many images to draw, one a row")
	var rng []float64
	fs.Var(listFlag{&rng}, "range", "the part of the plane shown: xmin,xmax,ymin,ymax (default: from the data)")
	maxPaths := fs.Int("max-paths", plot.DefaultMaxPaths, "trajectory: how many paths to draw (-1: all)")
	colorByTime := fs.Bool("color-by-time", false, "trajectory: colour paths by t instead of thin dark lines")
	files, err := parse(fs, args, -1, stdout)
	if err != nil {
		return err
	}
	opt := plot.Options{Title: *title, Size: *size, MaxPaths: *maxPaths, TimeColors: *colorByTime, Rows: *rows}
	switch {
	case len(files) == 0:
		return usagef("plot: no CSV file given")
	case *out == "":
		return usagef("plot: give the picture's file with -o")
	case *size < 0 || *size > plot.MaxSize:
		return usagef("--size %d: must be in [0, %d]", *size, plot.MaxSize)
	case *rows < 1 || *rows > plot.MaxFlowRows:
		return usagef("--rows %d: must be in [1, %d]", *rows, plot.MaxFlowRows)
	}
	if fs.isSet("range") {
		if len(rng) != 4 || !(rng[0] < rng[1]) || !(rng[2] < rng[3]) {
			return usagef("--range: want xmin,xmax,ymin,ymax with min < max")
		}
		opt.Range = &plot.Range{XMin: rng[0], XMax: rng[1], YMin: rng[2], YMax: rng[3]}
	}
	want := map[string]plot.Kind{"auto": plot.Auto, "sample": plot.Sample, "snapshots": plot.Snapshots, "trajectory": plot.Trajectory,
		"images": plot.Images, "density": plot.LogDensity}
	k, ok := want[*kind]
	if !ok {
		return usagef("--kind %q: want auto, sample, snapshots, trajectory, images or density", *kind)
	}
	if fs.isSet("shape") && k != plot.Auto && k != plot.Images {
		return usagef("--shape: only images have a shape, and --kind %s is not images", *kind)
	}
	styles := map[string]plot.Style{"auto": plot.AutoStyle, "density": plot.Density, "scatter": plot.Scatter}
	if opt.Style, ok = styles[*style]; !ok {
		return usagef("--style %q: want auto, density or scatter", *style)
	}
	var names []string
	if *labels != "" {
		names = strings.Split(*labels, ",")
		if len(names) != len(files) {
			return usagef("--labels: %d labels for %d files", len(names), len(files))
		}
	}
	if err := checkWritable(*out); err != nil {
		return err
	}
	if err := notAnInput(*out, files...); err != nil {
		return err
	}

	data := make([]*plot.Data, len(files))
	for i, file := range files {
		label := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if names != nil {
			label = strings.TrimSpace(names[i])
		}
		header, t, err := readPlotTable(file)
		if err != nil {
			return err
		}
		if data[i], err = plot.FromTableWith(header, t.D, t.X, label, plot.TableOptions{Kind: k, Shape: shape}); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	img, err := plot.Draw(data, opt)
	if err != nil {
		return err
	}
	for _, note := range plot.ImageNotes(data, opt) {
		fmt.Fprintf(stderr, "fmtiny: note: plot: %s\n", note)
	}
	return fm.WriteFileAtomic(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := png.Encode(bw, img); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// shapeFlag is an image's shape, C,H,W.
type shapeFlag struct{ s *plot.Shape }

func (f shapeFlag) String() string {
	if f.s == nil || *f.s == (plot.Shape{}) {
		return ""
	}
	return f.s.String()
}

func (f shapeFlag) Set(v string) error {
	parts := strings.Split(v, ",")
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if len(parts) != 3 || err != nil || x < 1 {
			return fmt.Errorf("want C,H,W, three whole numbers from 1, as 1,28,28")
		}
		n[i] = x
	}
	*f.s = plot.Shape{C: n[0], H: n[1], W: n[2]}
	return nil
}

// readPlotTable reads a CSV file as readTable does, except in a log-density grid (a header
// with a column logp): there a logp that is not finite (NaN, Inf, -Inf, as strconv writes
// them), which a model's log-density can be and which fm.ReadCSV refuses, is read as NaN, to
// be drawn in a neutral colour. Any other value that is not finite is refused as before.
func readPlotTable(path string) ([]string, *fm.Table, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// A buffer that holds the longest line fm.ReadCSV reads, so that lines come whole.
	lf := &logpFilter{br: bufio.NewReaderSize(f, fm.MaxCSVLine+2)}
	r, err := lf.reader()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	header, t, err := fm.ReadCSV(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, row := range lf.rows {
		if k := row*t.D + lf.col; row < t.Rows() && lf.col < t.D {
			t.X[k] = float32(math.NaN())
		}
	}
	t.Source = path
	return header, t, nil
}

// logpFilter passes a CSV file through, replacing each logp that is not finite by 0 and
// noting its data row (counted from 0, blank lines skipped as fm.ReadCSV skips them).
type logpFilter struct {
	br      *bufio.Reader
	col     int   // the logp column
	rows    []int // the data rows whose logp was not finite
	row     int   // data rows passed
	buf     []byte
	out     []byte // what Read hands out next
	tooLong bool
}

// reader reads up to the first line that is not blank: if it is a header with a logp column,
// the file is read through the filter, otherwise as it is.
func (lf *logpFilter) reader() (io.Reader, error) {
	var seen []byte
	for {
		line, err := lf.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// An over-long first line: fm.ReadCSV says what is wrong with it.
			return io.MultiReader(bytes.NewReader(append(seen, line...)), lf.br), nil
		}
		seen = append(seen, line...)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if err == io.EOF {
				return bytes.NewReader(seen), nil
			}
			continue
		}
		lf.col = -1
		for i, name := range strings.Split(string(bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))), ",") {
			if strings.EqualFold(strings.Trim(strings.TrimSpace(name), `"`), "logp") {
				lf.col = i
			}
		}
		rest := io.MultiReader(bytes.NewReader(seen), lf.br)
		if lf.col < 0 {
			return rest, nil
		}
		lf.out = seen
		return lf, nil
	}
}

// Read hands out the filtered file, line by line. A line longer than fm.MaxCSVLine, which
// fm.ReadCSV refuses, ends the filtering: the rest passes as it is.
func (lf *logpFilter) Read(p []byte) (int, error) {
	for len(lf.out) == 0 {
		if lf.tooLong {
			return lf.br.Read(p)
		}
		line, err := lf.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			lf.tooLong, err = true, nil
		}
		if len(line) > 0 {
			lf.out = append(lf.buf[:0], line...)
			if !lf.tooLong {
				lf.out = lf.fix(lf.out)
			}
			lf.buf = lf.out
		}
		if err != nil && len(lf.out) == 0 {
			return 0, err
		}
	}
	n := copy(p, lf.out)
	lf.out = lf.out[n:]
	return n, nil
}

// fix replaces the logp of a data line by 0 if it is not finite, and notes the row.
func (lf *logpFilter) fix(line []byte) []byte {
	if len(bytes.TrimSpace(line)) == 0 {
		return line
	}
	row := lf.row
	lf.row++
	fields := bytes.Split(line, []byte(","))
	if lf.col >= len(fields) {
		return line
	}
	v := strings.ToLower(strings.Trim(strings.TrimSpace(string(fields[lf.col])), `"`))
	switch strings.TrimLeft(v, "+-") {
	case "nan", "inf", "infinity":
		fields[lf.col] = []byte("0")
		if lf.col == len(fields)-1 {
			fields[lf.col] = append([]byte("0"), line[len(bytes.TrimRight(line, "\r\n")):]...)
		}
		lf.rows = append(lf.rows, row)
		return bytes.Join(fields, []byte(","))
	}
	return line
}
