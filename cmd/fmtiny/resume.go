package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/fm"
)

// resumeKeys pairs train's flags with the checkpoint's metadata keys that hold their values, for
// `fmtiny train --resume -o FILE`, which repeats none of the run's settings. --hidden and
// --layers come from train.hidden (resumeFlags).
var resumeKeys = []struct{ flag, key string }{
	{"data", "train.data"}, {"standardize", "train.standardize"}, {"columns", "data.select"},
	{"delimiter", "data.delimiter"}, {"label-column", "train.label_column"},
	{"path", "train.path"}, {"sigma-min", "path.sigma_min"}, {"beta-min", "path.beta_min"}, {"beta-max", "path.beta_max"},
	{"act", "train.activation"}, {"time", "train.time"}, {"batch", "train.batch"}, {"lr", "train.lr"},
	{"schedule", "train.schedule"}, {"warmup", "train.warmup"}, {"weight-decay", "train.weight_decay"},
	{"adamw", "train.adamw"}, {"clip", "train.clip"}, {"ema", "train.ema"}, {"seed", "train.seed"},
	{"conditional", "train.conditional"}, {"cond-drop", "train.cond_drop"}, {"steps", fm.KeyCkptTotal},
}

// resumeFlags gives every flag of train that the command line left out the value the
// checkpoint's run had (meta, from fm.CheckpointSettings), so that the run goes on as it
// started. A flag given is left as it is: fm.ResumeTrainer refuses one that contradicts the
// run, but for --steps, which may change; that change is stated on stderr.
func resumeFlags(fs *flagSet, meta map[string]string, ckpt string, stderr io.Writer) error {
	set := func(flag, value string) error {
		if err := fs.Set(flag, value); err != nil {
			return fmt.Errorf("%s: its setting %s = %q: %v", ckpt, flag, value, err)
		}
		return nil
	}
	for _, r := range resumeKeys {
		v, ok := meta[r.key]
		if !ok || fs.isSet(r.flag) {
			continue
		}
		if err := set(r.flag, v); err != nil {
			return err
		}
	}
	if total, ok := meta[fm.KeyCkptTotal]; ok && fs.isSet("steps") && fs.Lookup("steps").Value.String() != total {
		fmt.Fprintf(stderr, "fmtiny: note: the run was started for %s steps; --steps makes it %s\n", total, fs.Lookup("steps").Value.String())
	}
	// The MLP's widths: --layers blocks of --hidden each, as train makes them.
	if h, ok := meta["train.hidden"]; ok && !fs.isSet("hidden") && !fs.isSet("layers") {
		widths := strings.Split(h, ",")
		if h == "" {
			widths = nil
		}
		for _, w := range widths {
			if w != widths[0] {
				return fmt.Errorf("%s: hidden layers of widths %s, which --hidden and --layers cannot give", ckpt, h)
			}
		}
		if len(widths) > 0 {
			if err := set("hidden", widths[0]); err != nil {
				return err
			}
		}
		if err := set("layers", strconv.Itoa(len(widths))); err != nil {
			return err
		}
	}
	return nil
}
