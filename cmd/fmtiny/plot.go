package main

import (
	"bufio"
	"fmt"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/fmtiny/fmtiny/cmd/fmtiny/internal/plot"
	"github.com/fmtiny/fmtiny/fm"
)

const plotAbout = `Draw CSV files written by fmtiny sample as one PNG picture:
  - samples (columns x,y or x0,x1,...): a 2D histogram panel per file, side by side;
  - snapshots from --at (columns t,id,x,y at a few times): one row of panels per file, one panel
    per time, rows labelled (--labels), so that OT and VP stand one above the other;
  - a trajectory from --trajectory: every point's path from t = 0 to 1, start and end marked.
Data of more than two dimensions are drawn by their first two columns, and the title says so.

Examples:
  fmtiny plot points.csv -o samples.png
  fmtiny plot ot.csv vp.csv --labels "OT,VP" -o checkers_at_t.png
  fmtiny plot paths.csv --title "Flow Matching - COT" -o trajectories.png`

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "FILE.csv [more.csv ...] -o picture.png", plotAbout)
	out := fs.String("o", "", "the PNG file to write (required)")
	labels := fs.String("labels", "", "comma-separated labels, one per file (default: the files' base names)")
	title := fs.String("title", "", "a title over the picture")
	kind := fs.String("kind", "auto", "what the files hold: auto, sample, snapshots or trajectory")
	style := fs.String("style", "auto", fmt.Sprintf("samples and snapshots: how points are drawn: auto, density (a 2D histogram) or scatter (dots); auto draws dots when no panel holds more than %d points", plot.ScatterMax))
	size := fs.Int("size", 0, "the longer side of one panel in pixels (0: a default for the picture)")
	var rng []float64
	fs.Var(listFlag{&rng}, "range", "the part of the plane shown: xmin,xmax,ymin,ymax (default: from the data)")
	maxPaths := fs.Int("max-paths", plot.DefaultMaxPaths, "trajectory: how many paths to draw (-1: all)")
	colorByTime := fs.Bool("color-by-time", false, "trajectory: colour paths by t instead of thin dark lines")
	var cf csvFlags
	cf.register(fs, "the CSV files", false)
	files, err := parse(fs, args, -1, stdout)
	if err != nil {
		return err
	}
	opt := plot.Options{Title: *title, Size: *size, MaxPaths: *maxPaths, TimeColors: *colorByTime}
	switch {
	case len(files) == 0:
		return usagef("plot: no CSV file given")
	case *out == "":
		return usagef("plot: give the picture's file with -o")
	case *size < 0 || *size > plot.MaxSize:
		return usagef("--size %d: must be in [0, %d]", *size, plot.MaxSize)
	}
	if fs.isSet("range") {
		if len(rng) != 4 || !(rng[0] < rng[1]) || !(rng[2] < rng[3]) {
			return usagef("--range: want xmin,xmax,ymin,ymax with min < max")
		}
		opt.Range = &plot.Range{XMin: rng[0], XMax: rng[1], YMin: rng[2], YMax: rng[3]}
	}
	want := map[string]plot.Kind{"auto": plot.Auto, "sample": plot.Sample, "snapshots": plot.Snapshots, "trajectory": plot.Trajectory}
	k, ok := want[*kind]
	if !ok {
		return usagef("--kind %q: want auto, sample, snapshots or trajectory", *kind)
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
		if data[i], err = plot.FromTable(header, t.D, t.X, label, k); err != nil {
			return fmt.Errorf("%s: %w", file, err)
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
	return fm.WriteFileAtomic(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := png.Encode(bw, img); err != nil {
			return err
		}
		return bw.Flush()
	})
}
