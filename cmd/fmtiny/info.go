package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/fmtiny/fmtiny/mat"
)

const infoAbout = `Describe a model file: its network, parameter count, path, data statistics and training, and
the kernel set this machine would run it with. For a file without fmtiny's metadata (a PyTorch
state dict), it says what was inferred from the tensors' shapes and what was assumed.

Examples:
  fmtiny info model.safetensors
  fmtiny info torch.safetensors --act relu --time first`

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", "[flags] model.safetensors", infoAbout)
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

func floats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ", ")
}
