package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
)

// resumeKeys pairs train's flags with the checkpoint's metadata keys that hold their values, for
// `fmtiny train --resume -o FILE`, which repeats none of the run's settings. A flag that only
// means something beside another (--cond-drop beside --conditional) names it in after: when
// the user gives that one, they describe another run, and its companions are not filled in
// (fm.ResumeTrainer then says how the runs differ). --hidden and --layers come from
// train.hidden (resumeFlags).
var resumeKeys = []struct{ flag, key, after string }{
	{"data", "train.data", ""}, {"standardize", "train.standardize", ""}, {"columns", "data.select", "data"},
	{"delimiter", "data.delimiter", "data"}, {"label-column", "train.label_column", "data"},
	{"model", "train.network", ""}, {"channels", "train.channels", "model"}, {"path", "train.path", ""}, {"sigma-min", "path.sigma_min", "path"}, {"beta-min", "path.beta_min", "path"},
	{"beta-max", "path.beta_max", "path"}, {"act", "train.activation", ""}, {"time", "train.time", ""},
	{"batch", "train.batch", ""}, {"lr", "train.lr", ""}, {"schedule", "train.schedule", ""},
	{"warmup", "train.warmup", ""}, {"weight-decay", "train.weight_decay", ""}, {"adamw", "train.adamw", "weight-decay"},
	{"clip", "train.clip", ""}, {"ema", "train.ema", ""}, {"seed", "train.seed", ""},
	{"conditional", "train.conditional", ""}, {"cond-drop", "train.cond_drop", "conditional"},
	{"steps", fm.KeyCkptTotal, ""},
}

// resumeFlags gives every flag of train that the command line left out the value the
// checkpoint's run had (meta, from fm.CheckpointSettings), so that the run goes on as it
// started. A flag given is left as it is: fm.ResumeTrainer refuses one that contradicts the
// run, but for --steps, which may change; that change is stated on stderr.
func resumeFlags(fs *flagSet, meta map[string]string, ckpt string, stderr io.Writer) error {
	set := func(flag, value string) error {
		if err := fs.Set(flag, value); err != nil {
			return errorf("%s: its setting %s = %q: %v", ckpt, flag, value, err)
		}
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, r := range resumeKeys {
		v, ok := meta[r.key]
		if !ok || given[r.flag] || given[r.after] {
			continue
		}
		if err := set(r.flag, v); err != nil {
			return err
		}
	}
	if total, ok := meta[fm.KeyCkptTotal]; ok && given["steps"] && fs.Lookup("steps").Value.String() != total {
		fmt.Fprintf(stderr, "fmtiny: note: the run was started for %s steps; --steps makes it %s\n", total, fs.Lookup("steps").Value.String())
	}
	// The MLP's widths: --layers blocks of --hidden each, as train makes them.
	if h, ok := meta["train.hidden"]; ok && !given["hidden"] && !given["layers"] {
		widths := strings.Split(h, ",")
		if h == "" {
			widths = nil
		}
		for _, w := range widths {
			if w != widths[0] {
				return errorf("%s: hidden layers of widths %s, which --hidden and --layers cannot give", ckpt, h)
			}
		}
		if len(widths) > 0 {
			if err := set("hidden", widths[0]); err != nil {
				return err
			}
		}
		if err := set("layers", itoa(len(widths))); err != nil {
			return err
		}
	}
	return nil
}
