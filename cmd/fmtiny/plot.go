package main

import (
	"bufio"
	"fmt"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/cmd/fmtiny/internal/plot"
)

var plotAbout = fmt.Sprintf(`Draw CSV files, as fmtiny sample writes them, as one PNG picture. What a file holds decides
the picture:
  - a sample (any header but t,id,...; or none): one panel per file, side by side, of its first
    two columns: a dot per point when no panel holds more than %d points, and above that a 2D
    histogram (counts on a log scale, coloured by viridis, empty bins white); --style chooses;
  - snapshots from --at (columns t,id,x,y at %d distinct times at most, or --kind snapshots):
    one row of panels per file, one panel per time, drawn as samples are, rows labelled
    (--labels), so that OT and VP stand one above the other;
  - a trajectory from --trajectory (columns t,id,x,y at more times, or --kind trajectory): the
    paths of the first %d points (--max-paths) from t = 0 to 1, start points black, end points
    navy;
  - images (a square number of values a row, at least 64, or three times one for RGB; or
    --shape C,H,W): a grid, a row per label if labelled; their --at snapshots: a row per image
    (--rows), a column per t;
  - log-densities on a grid (columns x,y,logp, from eval --density): heat maps, one colour bar.
A label column (label,x,y or t,id,label,x,y) colours points by class; it is never a coordinate.
All panels share one range, by default the 0.5th to 99.5th percentile of the points drawn
(--range sets it), and one scale on both axes. Data of more than two dimensions are drawn by
their first two columns, and the title says so. A file's delimiter is detected as train's is,
or given by --delimiter.

Examples:
  fmtiny plot points.csv -o samples.png
  fmtiny plot ot.csv vp.csv --labels "OT,VP" -o checkers_at_t.png
  fmtiny plot paths.csv --title "Flow Matching - COT" -o trajectories.png
  fmtiny plot images.csv -o grid.png
  fmtiny plot exact.csv hutchinson.csv --labels "exact,Hutchinson" -o density.png`, plot.ScatterMax, plot.MaxSnapshots, plot.DefaultMaxPaths)

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "FILE.csv [more.csv ...] -o picture.png", plotAbout)
	out := fs.String("o", "", "the PNG file to write (required)")
	labels := fs.String("labels", "", "comma-separated labels, one per file (default: the files' base names)")
	title := fs.String("title", "", "a title over the picture")
	kind := fs.String("kind", "auto", "what the files hold: auto, sample, snapshots, trajectory, images or density")
	style := fs.String("style", "auto", fmt.Sprintf("samples and snapshots: how points are drawn: auto, density (a 2D histogram) or scatter (dots); auto draws dots when no panel holds more than %d points", plot.ScatterMax))
	size := fs.Int("size", 0, "the longer side of one panel, or of one image, in pixels (0: a default for the picture)")
	var shape plot.Shape
	fs.Var(shapeFlag{&shape}, "shape", "images: the shape C,H,W of one image, C = 1 (grey) or 3 (RGB) (default: inferred)")
	rows := fs.Int("rows", plot.DefaultFlowRows, "images at several times: how many images to draw, one a row")
	var rng []float64
	fs.Var(listFlag{&rng}, "range", "the part of the plane shown: xmin,xmax,ymin,ymax (default: from the data)")
	maxPaths := fs.Int("max-paths", plot.DefaultMaxPaths, "trajectory: how many paths to draw (-1: all)")
	colorByTime := fs.Bool("color-by-time", false, "trajectory: colour paths by t instead of thin dark lines")
	var cf csvFlags
	cf.register(fs, "the CSV files", "")
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
	csvOpt, err := cf.options()
	// A log-density may be NaN or infinite where a solve failed; plot draws it grey.
	csvOpt.NonFinite = []string{"logp"}
	if err != nil {
		return err
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
		header, t, err := readTable(file, csvOpt)
		if err != nil {
			return err
		}
		if data[i], err = plot.FromTableWith(header, t.D, t.X, label, plot.TableOptions{Kind: k, Shape: shape}); err != nil {
			return errorf("%s: %w", file, err)
		}
	}
	// Flags for one kind of picture are refused for another (Draw refuses files of mixed kinds).
	if k := data[0].Kind; k == plot.Trajectory && fs.isSet("style") {
		return usagef("--style: %s holds a trajectory, drawn as paths, not as a histogram or dots", files[0])
	} else if k != plot.Trajectory {
		for _, name := range []string{"max-paths", "color-by-time"} {
			if fs.isSet(name) {
				return usagef("--%s: applies to a trajectory; %s holds %s", name, files[0], map[plot.Kind]string{plot.Sample: "a sample", plot.Snapshots: "snapshots"}[k])
			}
		}
	}
	img, err := plot.Draw(data, opt)
	if err != nil {
		return err
	}
	for _, note := range plot.ImageNotes(data, opt) {
		fmt.Fprintf(stderr, "fmtiny: note: plot: %s\n", note)
	}
	return fileio.WriteAtomic(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := plot.EncodePNG(bw, img); err != nil {
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
			return errorf("want C,H,W, three whole numbers from 1, as 1,28,28")
		}
		n[i] = x
	}
	*f.s = plot.Shape{C: n[0], H: n[1], W: n[2]}
	return nil
}
