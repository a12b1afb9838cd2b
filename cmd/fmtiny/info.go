package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
)

const infoAbout = `Describe a model file: its network, parameter count, path, data statistics and training, and
the kernel set this machine would run it with. For a file without fmtiny's metadata (a PyTorch
state dict), it says what was inferred from the tensors' shapes and what was assumed.

With --json, one JSON object for scripts, whose keys are: file, fmtiny_metadata (false for a
file without it), architecture ("mlp"), widths (input, hidden layers, output), activation, time
("first" or "last"), path (an object: name, t_end, and sigma_min, power or beta_min and
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
	net := m.MLP()
	widths := []string{strconv.Itoa(net.In)}
	for _, h := range net.Hidden {
		widths = append(widths, strconv.Itoa(h))
	}
	widths = append(widths, strconv.Itoa(net.Out))
	time := "last, cat(x, t)"
	if net.TimeFirst {
		time = "first, cat(t, x)"
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", file)
	if m.Inferred {
		fmt.Fprintf(tw, "metadata\tnone from fmtiny: layers inferred from the tensor shapes; activation, time input and path from flags or defaults; data taken as unstandardised\n")
	}
	fmt.Fprintf(tw, "network\tMLP %s (%d Linear layers)\n", strings.Join(widths, " -> "), len(net.Hidden)+1)
	fmt.Fprintf(tw, "activation\t%s\n", net.Act)
	fmt.Fprintf(tw, "time input\t%s\n", time)
	if k := m.NumClasses(); k > 0 {
		fmt.Fprintf(tw, "labels\t%d classes (%s), an embedding added to the first layer; sample --label, --guidance\n", k, describeLabels(m))
	}
	fmt.Fprintf(tw, "parameters\t%d\n", net.NumParams())
	fmt.Fprintf(tw, "path\t%s, integrated on [0, %g]\n", m.Path.Name(), m.Path.TEnd)
	if m.Data != "" {
		fmt.Fprintf(tw, "data\t%s, %d dimensions\n", m.Data, m.Dim())
	}
	if c := m.Extra["train.coupling"]; c != "" {
		fmt.Fprintf(tw, "source\t%s, the %s coupling, sigma %s (TorchCFM's flow matchers)\n", describeSource(m), c, m.Extra["train.sigma"])
	} else if m.Source != "" {
		fmt.Fprintf(tw, "source\t%s\n", describeSource(m))
	}
	fmt.Fprintf(tw, "data mean\t%s\n", floats(m.Stats.Mean))
	fmt.Fprintf(tw, "data std\t%s\n", floats(m.Stats.Std))
	if !m.Inferred {
		fmt.Fprintf(tw, "training\t%d steps, seed %d\n", m.Steps, m.Seed)
	}
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\n", k, m.Extra[k])
	}
	fmt.Fprintf(tw, "kernels\t%s on this machine\n", mat.Impl())
	return tw.Flush()
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
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ", ")
}

// infoJSON writes what info --json prints: one object whose keys are part of fmtiny's
// interface (infoAbout lists them).
func infoJSON(w io.Writer, file string, m *fm.Model) error {
	names, err := columnNames(m)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	net := m.MLP()
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
	o.str("architecture", "mlp")
	o.ints("widths", append(append([]int{net.In}, net.Hidden...), net.Out))
	o.str("activation", net.Act.String())
	o.str("time", map[bool]string{true: "first", false: "last"}[net.TimeFirst])
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
	o.int("parameters", int64(net.NumParams()))
	o.str("kernels", mat.Impl())
	o.strMap("metadata", m.Extra)
	_, err = w.Write(append(o.bytes(), '\n'))
	return err
}
