package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
)

const infoAbout = `Describe a model file: its network, parameter count, path, data statistics and training, and
the kernel set this machine would run it with. For a file without fmtiny's metadata (a PyTorch
state dict), it says what was inferred from the tensors' shapes and what was assumed.

With --json, one JSON object for scripts, whose keys are: file, fmtiny_metadata (false for a
file without it), architecture ("mlp" or "unet"); for an MLP widths (input, hidden layers,
output), for a UNet channels (its base width) and image_shape (channels, height, width);
activation, time ("first", "last", or "plane" for the UNet), path (an object: name, t_end, and sigma_min, power or beta_min and
beta_max where the path has them), dimensions, columns (the names samples are written under),
data (the dataset or the CSV file trained on; "" when unknown), source (where the flow starts:
"noise" for N(0, I), or a dataset or CSV file), data_mean, data_std, steps and
seed (null without fmtiny metadata), parameters, kernels, and metadata (every other key of the
file's metadata).

Examples:
  fmtiny info model.safetensors
  fmtiny info --json model.safetensors
  fmtiny info torch.safetensors --act relu --time first`

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", "[flags] model.safetensors", infoAbout)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	var mf modelFlags
	mf.register(fs)
	files, err := parse(fs, args, 1, stdout)
	if err != nil {
		return err
	}
	file := "model.safetensors"
	if len(files) == 1 {
		file = files[0]
	}
	m, err := mf.load(file)
	if err != nil {
		return err
	}
	if *asJSON {
		return infoJSON(stdout, file, m)
	}
	var rows [][]string
	row := func(key, format string, args ...any) { addRow(&rows, key, format, args...) }
	row("file", "%s", file)
	if m.Inferred {
		row("metadata", "none from fmtiny: the network inferred from the tensors' names and shapes; activation, time input and path from flags or defaults; %s",
			choose(m.Shape != nil, "the seed's 28 x 28 images and normalisation", "data taken as unstandardised"))
	}
	switch net := m.Net.(type) {
	case *fm.MLPNetwork:
		widths := []string{itoa(net.In)}
		for _, h := range net.Hidden {
			widths = append(widths, itoa(h))
		}
		widths = append(widths, itoa(net.Out))
		row("network", "MLP %s (%d Linear layers)", strings.Join(widths, " -> "), len(net.Hidden)+1)
		row("activation", "%s", net.Act)
		row("time input", "%s", choose(net.TimeFirst, "first, cat(t, x)", "last, cat(x, t)"))
	case *fm.UNetNetwork:
		row("network", "the seed's UNet, %d, %d and %d channels at its three levels, on images of %d x %d x %d", net.Base, 2*net.Base, 4*net.Base, net.Channels, net.Height, net.Width)
		row("activation", "%s", net.Act)
		row("time input", "a plane beside the image's channels")
	}
	if k := m.NumClasses(); k > 0 {
		where := "the first layer"
		if _, ok := m.Net.(*fm.UNetNetwork); ok {
			where = "enc1's and the bottleneck's first convolutions"
		}
		row("labels", "%d classes (%s), an embedding added to %s; sample --label, --guidance", k, describeLabels(m), where)
	}
	row("parameters", "%d", m.Net.NumParams())
	row("path", "%s, integrated on [0, %g]", m.Path.Name(), m.Path.TEnd)
	if m.Data != "" {
		row("data", "%s, %d dimensions", m.Data, m.Dim())
	}
	if m.Shape != nil && !slices.ContainsFunc(m.Stats.Mean, func(v float64) bool { return v != m.Stats.Mean[0] }) &&
		!slices.ContainsFunc(m.Stats.Std, func(v float64) bool { return v != m.Stats.Std[0] }) {
		row("images", "%d x %d x %d, pixels/255 normalised as (x - %g)/%g", m.Shape[0], m.Shape[1], m.Shape[2], m.Stats.Mean[0], m.Stats.Std[0])
	} else {
		row("data mean", "%s", floats(m.Stats.Mean))
		row("data std", "%s", floats(m.Stats.Std))
	}
	if c := m.Extra["train.coupling"]; c != "" {
		row("source", "%s, the %s coupling, sigma %s (TorchCFM's flow matchers)", describeSource(m), c, m.Extra["train.sigma"])
	} else if m.Source != "" {
		row("source", "%s", describeSource(m))
	}
	if !m.Inferred {
		row("training", "%d steps, seed %d", m.Steps, m.Seed)
	}
	for _, k := range nn.SortedKeys(m.Extra) {
		row(k, "%s", m.Extra[k])
	}
	row("kernels", "%s on this machine", mat.Impl())
	return writeRows(stdout, rows)
}

// addRow adds a row of two cells, key and the formatted value. It is not inlined: one copy,
// not one in each of runInfo's twenty rows.
//
//go:noinline
func addRow(rows *[][]string, key, format string, args ...any) {
	*rows = append(*rows, []string{key, fmt.Sprintf(format, args...)})
}

// addCells adds a row of cells; not inlined, as addRow.
//
//go:noinline
func addCells(rows *[][]string, cells ...string) { *rows = append(*rows, cells) }

// writeRows writes rows of cells as text/tabwriter would with a padding of 2: every cell but
// a row's last is padded to the widest cell of its column over the run of adjacent rows that
// have a cell after it.
func writeRows(w io.Writer, rows [][]string) error {
	var b []byte
	for i, r := range rows {
		for c, cell := range r {
			b = append(b, cell...)
			if c == len(r)-1 {
				break
			}
			width := 0
			for j := i; j >= 0 && len(rows[j]) > c+1; j-- {
				width = max(width, len(rows[j][c]))
			}
			for j := i + 1; j < len(rows) && len(rows[j]) > c+1; j++ {
				width = max(width, len(rows[j][c]))
			}
			for range width + 2 - len(cell) {
				b = append(b, ' ')
			}
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// describeSource names where a model's flow starts: noise, N(0, I), or a dataset.
func describeSource(m *fm.Model) string {
	if m.Source == "" {
		return fm.SourceNoise
	}
	return m.Source
}

func floats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = formatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ", ")
}

// infoJSON writes what info --json prints: one object whose keys are part of fmtiny's
// interface (infoAbout lists them).
func infoJSON(w io.Writer, file string, m *fm.Model) error {
	names := m.ColumnNames()
	p := m.Path
	var path jsonObject
	path.str("name", p.Name())
	path.num("t_end", p.TEnd)
	switch p.Schedule {
	case fm.CondOT:
		path.num("sigma_min", p.SigmaMin)
	case fm.Polynomial:
		path.num("power", p.Power)
	case fm.VP:
		path.num("beta_min", p.BetaMin)
		path.num("beta_max", p.BetaMax)
	}
	var o jsonObject
	o.str("file", file)
	o.bool("fmtiny_metadata", !m.Inferred)
	switch net := m.Net.(type) {
	case *fm.MLPNetwork:
		o.str("architecture", "mlp")
		o.ints("widths", append(append([]int{net.In}, net.Hidden...), net.Out))
		o.str("activation", net.Act.String())
		o.str("time", choose(net.TimeFirst, "first", "last"))
	case *fm.UNetNetwork:
		o.str("architecture", "unet")
		o.int("channels", int64(net.Base))
		o.ints("image_shape", m.Shape)
		o.str("activation", net.Act.String())
		o.str("time", "plane")
	}
	o.object("path", &path)
	o.int("dimensions", int64(m.Dim()))
	o.strs("columns", names)
	o.str("data", m.Data)
	o.str("source", describeSource(m))
	o.floats("data_mean", m.Stats.Mean)
	o.floats("data_std", m.Stats.Std)
	if m.Inferred {
		o.null("steps")
		o.null("seed")
	} else {
		o.int("steps", m.Steps)
		o.uint("seed", m.Seed)
	}
	o.int("parameters", int64(m.Net.NumParams()))
	o.str("kernels", mat.Impl())
	o.strMap("metadata", m.Extra)
	_, err := w.Write(append(o.bytes(), '\n'))
	return err
}
