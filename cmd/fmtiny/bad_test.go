package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// This file runs the battery of hostile input: every file of testdata/bad through every command
// that reads such a file, bad flags, and output paths that cannot be written. Each case must
// end with its exit status, ONE line on stderr that names the problem, nothing on stdout, no
// trace of a panic, and no file created or changed.

// battery is one hostile command line. In args, {dir} is the case's own folder, which holds a
// valid model.safetensors, a valid class-conditional cond.safetensors (labels 10, 20, 30), the
// outputs out.safetensors, out.csv and out.png of an earlier run, the checkpoint
// old.safetensors.ckpt of an interrupted one, CSV files of labelled points labels.csv and
// labels-fraction.csv (whose label column holds 2.5), and an empty folder sub; {bad} is
// testdata/bad.
type battery struct {
	name   string
	args   []string
	status int    // the exit status wanted
	words  string // words the error line must contain
	ok     bool   // the command must succeed (and may write its output)
}

// csvCommands and modelCommands are the commands that read a CSV file (F) or a model file (M),
// with flags that keep a successful run short.
var (
	csvCommands = map[string][]string{
		"train":  {"train", "--data", "F", "--steps", "3", "--hidden", "4", "--layers", "1", "--batch", "16", "--quiet", "-o", "{dir}/out.safetensors"},
		"sample": {"sample", "-m", "{dir}/model.safetensors", "--x0", "F", "-o", "{dir}/out.csv"},
		"eval":   {"eval", "-m", "{dir}/model.safetensors", "--data", "F", "-n", "20"},
		"plot":   {"plot", "F", "-o", "{dir}/out.png"},
	}
	modelCommands = map[string][]string{
		"info":   {"info", "M"},
		"sample": {"sample", "-m", "M", "-n", "5", "-o", "{dir}/out.csv"},
		"eval":   {"eval", "-m", "M", "--data", "checkerboard", "-n", "20"},
		"reflow": {"reflow", "-m", "M", "--pairs", "40", "--steps", "2", "--batch", "8", "--quiet", "-o", "{dir}/out.safetensors"},
	}
)

// fileCases makes the cases of the files of testdata/bad.
func fileCases(t *testing.T) []battery {
	var cases []battery
	for _, f := range badFiles(t) {
		commands, placeholder := csvCommands, "F"
		if strings.HasSuffix(f.name, ".safetensors") {
			commands, placeholder = modelCommands, "M"
		}
		for name, args := range commands {
			ok, words := f.wantFor(name)
			c := battery{name: name + "/" + f.name, status: 1, ok: ok}
			for _, a := range args {
				c.args = append(c.args, strings.ReplaceAll(a, placeholder, "{bad}/"+f.name))
			}
			if !ok {
				// The error names the file as well as the problem.
				c.words = f.name + "|" + words
			}
			cases = append(cases, c)
		}
	}
	return cases
}

// usage is a case of a bad flag: exit status 2.
func usage(words string, args ...string) battery {
	return battery{name: strings.Join(args, " "), args: args, status: 2, words: words}
}

// failure is a case of exit status 1.
func failure(words string, args ...string) battery {
	return battery{name: strings.Join(args, " "), args: args, status: 1, words: words}
}

// flagCases are bad flags, values past any sensible range, and paths that are not files.
func flagCases() []battery {
	tr := func(a ...string) []string { return append([]string{"train", "-o", "{dir}/out.safetensors"}, a...) }
	sa := func(a ...string) []string {
		return append([]string{"sample", "-m", "{dir}/model.safetensors", "-o", "{dir}/out.csv"}, a...)
	}
	ev := func(a ...string) []string { return append([]string{"eval", "-m", "{dir}/model.safetensors"}, a...) }
	csa := func(a ...string) []string {
		return append([]string{"sample", "-m", "{dir}/cond.safetensors", "-n", "6", "-o", "{dir}/out.csv"}, a...)
	}
	ok := func(args ...string) battery { return battery{name: strings.Join(args, " "), args: args, ok: true} }
	rf := func(a ...string) []string {
		return append([]string{"reflow", "-m", "{dir}/model.safetensors", "--pairs", "40", "--steps", "2", "--batch", "8", "--quiet", "-o", "{dir}/out.safetensors"}, a...)
	}
	pl := func(a ...string) []string {
		return append([]string{"plot", "{bad}/csv-crlf-bom.csv", "-o", "{dir}/out.png"}, a...)
	}
	const huge = "9223372036854775807"
	return []battery{
		usage("no command: want train, sample", []string{}...),
		usage(`unknown command "trian": want train`, "trian"),
		usage("flag provided but not defined: -bogus", tr("--bogus")...),
		usage(`unexpected argument "extra"`, tr("extra")...),
		usage(`info: unexpected argument`, "info", "{dir}/model.safetensors", "{dir}/model.safetensors"),

		usage("--steps 0: must be at least 1", tr("--steps", "0")...),
		usage("--steps -5: must be at least 1", tr("--steps", "-5")...),
		usage("--batch 0: must be at least 1", tr("--batch", "0")...),
		usage("--batch -1: must be at least 1", tr("--batch", "-1")...),
		usage("--hidden 0: must be at least 1", tr("--hidden", "0")...),
		usage("--hidden -3: must be at least 1", tr("--hidden", "-3")...),
		usage("--layers -1: must not be negative", tr("--layers", "-1")...),
		usage("--layers "+huge+": at most 1024", tr("--layers", huge)...),
		usage("out of range", tr("--hidden", "16777217", "--layers", "1")...),
		usage("needs about", tr("--batch", huge)...),
		usage("needs about", tr("--batch", "2000000000")...),
		usage("more than 2^30 parameters", tr("--hidden", "100000", "--layers", "3")...),
		usage(`invalid value "NaN" for flag -lr: "NaN" is not a finite number`, tr("--lr", "NaN")...),
		usage(`"inf" is not a finite number`, tr("--lr", "inf")...),
		usage(`"fast" is not a number`, tr("--lr", "fast")...),
		usage("--lr -0.001: must be positive", tr("--lr", "-0.001")...),
		usage("--lr 0: must be positive", tr("--lr", "0")...),
		usage(`unknown path "brownian"`, tr("--path", "brownian")...),
		usage("the exponent must be a number >= 1", tr("--path", "poly:0")...),
		usage(`unknown activation "swoosh"`, tr("--act", "swoosh")...),
		usage(`--data "mnist": not a built-in dataset`, tr("--data", "mnist")...),
		usage(`--time "middle": want first or last`, tr("--time", "middle")...),
		usage(`--standardize "maybe"`, tr("--standardize", "maybe")...),
		usage(`schedule "step"`, tr("--schedule", "step")...),
		usage("EMA decay 1: must be in [0, 1)", tr("--ema", "1")...),
		usage("warm-up -1", tr("--warmup", "-1")...),
		usage("gradient clipping -1", tr("--clip", "-1")...),
		usage("weight decay -1", tr("--weight-decay", "-1")...),
		usage("sigma_min 1 is not in [0, 1)", tr("--sigma-min", "1")...),
		usage("beta_min", tr("--path", "vp", "--beta-min", "0")...),
		usage("the vp path has no sigma_min", tr("--path", "vp", "--sigma-min", "0.1")...),
		usage("the condot path has no beta", tr("--beta-max", "10")...),
		usage("--threads -1: must not be negative", tr("--threads", "-1")...),
		usage("--checkpoint-every -1: must not be negative", tr("--checkpoint-every", "-1")...),
		usage(`invalid value "-1" for flag -seed`, tr("--seed", "-1")...),
		failure("no checkpoint", tr("--resume", "--steps", "3")...),
		usage("--resume with --restart: give one or the other", tr("--resume", "--restart")...),
		usage("{dir}/old.safetensors.ckpt holds an earlier run: add --resume to continue it, or --restart to start over (moving it to {dir}/old.safetensors.ckpt.old)",
			"train", "--steps", "3", "-o", "{dir}/old.safetensors"),

		// Labels and guidance.
		usage("--cond-drop 1: must be in [0, 1)", tr("--data", "8gaussians", "--conditional", "--cond-drop", "1")...),
		usage("--cond-drop -0.1: must be in [0, 1)", tr("--data", "8gaussians", "--conditional", "--cond-drop", "-0.1")...),
		usage(`"nan" is not a finite number`, tr("--data", "8gaussians", "--conditional", "--cond-drop", "nan")...),
		usage("--cond-drop: only with --conditional", tr("--cond-drop", "0.1")...),
		usage("--conditional: checkerboard carries no labels", tr("--conditional")...),
		usage("--conditional: swissroll carries no labels", tr("--data", "swissroll", "--conditional")...),
		usage("--conditional: {dir}/out.csv has no labels; name its label column with --label-column", tr("--data", "{dir}/out.csv", "--conditional")...),
		usage("--label-column: only for a CSV file; moons has its labels built in", tr("--data", "moons", "--label-column", "label")...),
		failure(`{dir}/labels-fraction.csv: line 3, column 3 (label): label "2.5" is not an integer`, tr("--data", "{dir}/labels-fraction.csv", "--label-column", "label")...),
		failure(`{dir}/labels.csv: no column named "class" for the labels: the header has "x,y,label"`, tr("--data", "{dir}/labels.csv", "--label-column", "class")...),
		failure(`{dir}/out.csv: no column named "label"`, tr("--data", "{dir}/out.csv", "--label-column", "label")...),
		ok(tr("--data", "{dir}/labels.csv", "--label-column", "label", "--steps", "3", "--hidden", "4", "--layers", "1", "--batch", "8", "--quiet")...),
		failure("--label 3: {dir}/model.safetensors was trained without labels (train it with --conditional)", sa("--label", "3")...),
		failure("--label all: {dir}/model.safetensors was trained without labels", sa("--label", "all")...),
		failure("--guidance 1: {dir}/model.safetensors is not class-conditional (train it with --conditional)", sa("--label", "all", "--guidance", "1")...),
		failure("--label 2: not one of the model's labels, 10, 20, 30", csa("--label", "2")...),
		failure("--label -10: not one of the model's labels", csa("--label", "-10")...),
		usage(`--label "cat": want a label of the training data (an integer), all or none`, csa("--label", "cat")...),
		usage(`--label "2.5": want a label`, csa("--label", "2.5")...),
		usage("--guidance -1: must not be negative", csa("--label", "10", "--guidance", "-1")...),
		usage("--guidance 2: guidance needs --label (a class or all) to guide towards", csa("--guidance", "2")...),
		usage(`"inf" is not a finite number`, csa("--label", "10", "--guidance", "inf")...),
		ok(csa("--label", "20", "--guidance", "1")...),
		ok(csa("--label", "all", "--guidance", "4", "--solver", "dopri5")...),
		ok(sa("--label", "none")...),

		// Images and the UNet.
		usage("--model unet: the UNet learns images (--data mnist:DIR), and checkerboard holds points", tr("--model", "unet")...),
		usage(`--model "cnn": want mlp or unet`, tr("--model", "cnn")...),
		usage("--channels: the UNet's; an MLP's width is --hidden", tr("--channels", "8")...),
		usage("--hidden: an MLP's; the UNet's width is --channels", tr("--data", "mnist:{dir}/imgs", "--hidden", "8")...),
		usage("--act: an MLP's", tr("--data", "mnist:{dir}/imgs", "--act", "relu")...),
		usage("--channels 0: must be at least 1", tr("--data", "mnist:{dir}/imgs", "--channels", "0")...),
		failure("{dir}/sub: no train-images-idx3-ubyte or train-images-idx3-ubyte.gz", tr("--data", "mnist:{dir}/sub")...),
		failure("{dir}/missing: not a folder of MNIST-format files", tr("--data", "mnist:{dir}/missing")...),
		failure("IDX file truncated: 95 of the 96 values", tr("--data", "mnist:{dir}/idx-truncated")...),
		failure("IDX file goes on past the 96 values", tr("--data", "mnist:{dir}/idx-long")...),
		failure("not an IDX file: it starts with 01 02", tr("--data", "mnist:{dir}/idx-magic")...),
		failure("IDX values of type 0x0d", tr("--data", "mnist:{dir}/idx-floats")...),
		failure("IDX dimensions [1048576 1024 1024] hold more than", tr("--data", "mnist:{dir}/idx-huge")...),
		failure("not images (N x H x W)", tr("--data", "mnist:{dir}/idx-vector")...),
		failure("gzip-compressed: no IDX header: the file ends early", tr("--data", "mnist:{dir}/idx-gzip")...),
		failure("[5] labels for 6 images", tr("--data", "mnist:{dir}/idx-labels")...),
		ok(tr("--data", "mnist:{dir}/imgs", "--channels", "2", "--steps", "2", "--batch", "4", "--quiet")...),
		ok(tr("--data", "mnist:{dir}/imgs", "--model", "mlp", "--hidden", "8", "--layers", "1", "--steps", "2", "--batch", "4", "--quiet")...),

		// Reflow.
		usage("--pairs 0: must be at least 1", rf("--pairs", "0")...),
		usage("--rounds -1: must not be negative", rf("--rounds", "-1")...),
		usage("--rounds 0 without --distill: nothing to do", rf("--rounds", "0")...),
		usage("--steps 0: must be at least 1", rf("--steps", "0")...),
		usage("--distill-steps -3: must be at least 1", rf("--distill", "--distill-steps", "-3")...),
		usage("--rtol 0: must be positive", rf("--rtol", "0")...),
		usage("--atol -1: must not be negative", rf("--atol", "-1")...),
		usage("--guidance -1: must not be negative", rf("--guidance", "-1")...),
		usage("--cond-drop 1: must be in [0, 1)", rf("--cond-drop", "1")...),
		usage("--batch 0: must be at least 1", rf("--batch", "0")...),
		usage("--lr 0: must be positive", rf("--lr", "0")...),
		usage("--ema 1: must be in [0, 1)", rf("--ema", "1")...),
		usage("--threads -1: must not be negative", rf("--threads", "-1")...),
		usage("--checkpoint-every -1: must not be negative", rf("--checkpoint-every", "-1")...),
		usage(`invalid value "many" for flag -rounds`, rf("--rounds", "many")...),
		usage(`unexpected argument "extra"`, rf("extra")...),
		failure("--guidance 1: {dir}/model.safetensors is not class-conditional", rf("--guidance", "1")...),
		failure("--cond-drop 0.5: {dir}/model.safetensors is not class-conditional", rf("--cond-drop", "0.5")...),
		failure("resume: no checkpoint {dir}/out.safetensors.ckpt", rf("--resume")...),
		usage("--resume with --restart: give one or the other", rf("--resume", "--restart")...),
		usage("{dir}/old.safetensors.ckpt holds an earlier run: add --resume to continue it, or --restart to start over (moving it to {dir}/old.safetensors.ckpt.old)",
			"reflow", "-m", "{dir}/model.safetensors", "--pairs", "40", "--steps", "2", "--batch", "8", "-o", "{dir}/old.safetensors"),
		usage("-o {dir}/model.safetensors: that is the input {dir}/model.safetensors", "reflow", "-m", "{dir}/model.safetensors", "-o", "{dir}/model.safetensors"),
		failure("{dir}/sub: is a directory", rf("-o", "{dir}/sub")...),
		failure("the folder {dir}/missing does not exist", rf("-o", "{dir}/missing/s.safetensors")...),
		failure("no such file or directory", "reflow", "-m", "{dir}/missing.safetensors", "-o", "{dir}/out.safetensors"),
		ok(rf("--distill", "--distill-steps", "2")...),
		ok(append(rf("--guidance", "1", "--distill", "--distill-steps", "2"), "-m", "{dir}/cond.safetensors")...),

		usage(`unknown method "rk45"`, sa("--solver", "rk45")...),
		usage("--steps 0: must be at least 1", sa("--steps", "0")...),
		usage("--steps -2: must be at least 1", sa("--steps", "-2")...),
		usage("-n 0: must be at least 1", sa("-n", "0")...),
		usage("-n -10: must be at least 1", sa("-n", "-10")...),
		usage("--at 1.5: times must be in [0, 1]", sa("--at", "0,1.5")...),
		usage("--at -0.1: times must be in [0, 1]", sa("--at", "-0.1")...),
		usage(`"nan" is not a finite number`, sa("--at", "nan")...),
		usage("--at 0.5: that time is given twice (as 0.5); each is recorded once", sa("--at", "0.5,0.5")...),
		usage("--at 0.10000000001: that time is given twice (as 0.1)", sa("--at", "1,0.1,0.10000000001")...),
		usage(`"" is not a number`, sa("--at", "0,,1")...),
		usage("--rtol 0: must be positive", sa("--rtol", "0", "--solver", "dopri5")...),
		usage("--rtol -1e-05: must be positive", sa("--rtol", "-1e-5", "--solver", "dopri5")...),
		usage(`"inf" is not a finite number`, sa("--rtol", "inf")...),
		usage("--atol -1: must not be negative", sa("--atol", "-1", "--solver", "dopri5")...),
		usage("--threads -2: must not be negative", sa("--threads", "-2")...),
		usage("--at with --trajectory: give one or the other", sa("--at", "0.5", "--trajectory")...),
		usage("give -n or --x0, not both", sa("-n", "5", "--x0", "{bad}/csv-crlf-bom.csv")...),
		usage(`unknown activation "swoosh"`, sa("--act", "swoosh")...),
		usage(`--time "middle"`, sa("--time", "middle")...),
		usage(`unknown path "brownian"`, sa("--path", "brownian")...),
		// Flags that do not apply: a usage error that names the flag and says why.
		usage("--act: {dir}/model.safetensors records its activation (silu) in fmtiny's metadata; --act completes only a file without it", sa("--act", "relu")...),
		usage("--act: {dir}/model.safetensors records its activation (silu)", sa("--act", "silu")...),
		usage("--path: {dir}/model.safetensors records its path (condot)", sa("--path", "vp")...),
		usage("--time: {dir}/model.safetensors records its time input (last)", ev("--time", "last")...),
		usage("--time: {dir}/model.safetensors records its time input (last)", "info", "{dir}/model.safetensors", "--time", "first"),
		usage("--rtol: only dopri5 takes tolerances; midpoint takes a fixed number of --steps", sa("--rtol", "1e-3")...),
		usage("--atol: only dopri5 takes tolerances; rk4 takes a fixed number of --steps", sa("--atol", "1e-3", "--solver", "rk4")...),
		usage("--steps: dopri5 chooses its own steps to meet --rtol and --atol", sa("--solver", "dopri5", "--steps", "10")...),
		usage("--rtol: only dopri5 takes tolerances; euler takes", ev("--solver", "euler", "--rtol", "1e-3")...),
		usage("--steps: dopri5 chooses its own steps", ev("--solver", "dopri5", "--steps", "10")...),
		usage("--seed: the initial points come from --x0, not from noise drawn with a seed", sa("--x0", "{bad}/csv-crlf-bom.csv", "--seed", "2")...),
		usage("--adamw: AdamW differs from Adam only by how it decays weights, and --weight-decay is 0", tr("--adamw")...),
		usage("--max-paths: applies to a trajectory; {bad}/csv-crlf-bom.csv holds a sample", pl("--max-paths", "10")...),
		usage("--color-by-time: applies to a trajectory; {bad}/csv-crlf-bom.csv holds a sample", pl("--color-by-time")...),
		usage("--max-paths: applies to a trajectory; {bad}/csv-snapshots.csv holds snapshots", "plot", "{bad}/csv-snapshots.csv", "--max-paths", "1", "-o", "{dir}/out.png"),
		usage("--style: {bad}/csv-snapshots.csv holds a trajectory, drawn as paths", "plot", "{bad}/csv-snapshots.csv", "--kind", "trajectory", "--style", "scatter", "-o", "{dir}/out.png"),
		failure("more than the 1073741824 (4 GiB) fmtiny holds", sa("-n", huge)...),
		failure("more than the 1073741824 (4 GiB) fmtiny holds", sa("-n", "2000000000")...),
		failure("kept at 4 times", sa("-n", "300000000", "--at", "0,0.5,1")...),
		failure("run together", sa("--steps", huge, "-n", "1")...),
		failure("kept at 10000002 times", sa("--steps", "10000000", "--trajectory")...),

		usage("-n 1: must be at least 2", ev("-n", "1")...),
		usage(`unknown method "leapfrog"`, ev("--solver", "leapfrog")...),
		usage("--steps 0", ev("--steps", "0")...),
		usage("--rtol 0: must be positive", ev("--rtol", "0", "--solver", "dopri5")...),
		usage("--atol -1: must not be negative", ev("--atol", "-1", "--solver", "dopri5")...),
		usage(`--data "mnist": not a built-in dataset`, ev("--data", "mnist")...),
		usage("does not name its dataset: give --data", "eval", "-m", "{bad}/model-torch.safetensors"),
		failure("more than the 1073741824 (4 GiB) fmtiny holds", ev("-n", huge)...),

		// How CSV files are read: flags for files where there is none, and columns not there.
		usage(`--delimiter ":": want , ; | or tab`, tr("--data", "{bad}/csv-semicolons.csv", "--delimiter", ":")...),
		usage("--columns: --data checkerboard is a built-in dataset, not a CSV file", tr("--columns", "1,2")...),
		usage("--delimiter: --data moons is a built-in dataset, not a CSV file", tr("--data", "moons", "--delimiter", ";")...),
		usage(`--columns "x,,y": an empty column name`, tr("--data", "{bad}/csv-semicolons.csv", "--columns", "x,,y")...),
		failure(`{bad}/csv-semicolons.csv: column "z": not in the header (x, y)`, tr("--data", "{bad}/csv-semicolons.csv", "--columns", "x,z")...),
		failure(`{bad}/csv-tabs.csv: column "x": the file has no header line, so its columns are chosen by number (1 to 2)`, tr("--data", "{bad}/csv-tabs.csv", "--columns", "x")...),
		failure("column 3: the file has 2 columns, numbered from 1", ev("--data", "{bad}/csv-semicolons.csv", "--columns", "3,1")...),
		failure(`line 2, column 1: "1.5;-2" is not a number; the delimiter looks wrong`, sa("--x0", "{bad}/csv-semicolons.csv", "--delimiter", "tab")...),
		failure(`line 2, column 1: "1.5,-2" is not a number; the delimiter looks wrong: the file is read as separated by "|", and the value holds numbers separated by "," (--delimiter gives it)`, pl("--delimiter", "|")...),
		usage("--delimiter: applies to the --x0 file, and none is given", sa("--delimiter", ";")...),
		usage("--columns: the reference data, checkerboard, is a built-in dataset, not a CSV file", ev("--columns", "1,2")...),
		usage("--delimiter: the reference data, moons, is a built-in dataset", ev("--data", "moons", "--delimiter", ";")...),
		usage("{bad}/model-data-missing.safetensors was trained on /nonexistent/fmtiny/points.csv, which cannot be read here (no such file or directory): give --data", "eval", "-m", "{bad}/model-data-missing.safetensors"),

		usage("plot: no CSV file given", "plot", "-o", "{dir}/out.png"),
		usage("plot: give the picture's file with -o", "plot", "{bad}/csv-crlf-bom.csv"),
		usage("--size -1: must be in [0, 4096]", pl("--size", "-1")...),
		usage("--size 5000: must be in [0, 4096]", pl("--size", "5000")...),
		usage("--range: want xmin,xmax,ymin,ymax with min < max", pl("--range", "1,0,0,1")...),
		usage("--range: want xmin,xmax,ymin,ymax", pl("--range", "0,1")...),
		usage(`--kind "pie"`, pl("--kind", "pie")...),
		usage(`--style "lines"`, pl("--style", "lines")...),
		usage("--labels: 2 labels for 1 files", pl("--labels", "a,b")...),

		usage("--threads 1025: at most 1024", tr("--threads", "1025")...),
		usage("--threads 1000000000: at most 1024", sa("--threads", "1000000000")...),
		usage("--threads "+huge+": at most 1024", ev("--threads", huge)...),

		// Outputs that are inputs, which writing them would destroy.
		usage("-o {dir}/model.safetensors: that is the input {dir}/model.safetensors", "sample", "-m", "{dir}/model.safetensors", "-o", "{dir}/model.safetensors"),
		usage("-o {dir}/out.csv: that is the input {dir}/out.csv", sa("--x0", "{dir}/out.csv", "-o", "{dir}/out.csv")...),
		usage("-o {dir}/out.csv: that is the input {dir}/out.csv", "plot", "{bad}/csv-crlf-bom.csv", "{dir}/out.csv", "-o", "{dir}/out.csv"),
		usage("-o {dir}/out.csv: that is the input {dir}/out.csv", "train", "--data", "{dir}/out.csv", "-o", "{dir}/out.csv"),
		usage("that is the input", "sample", "-m", "{dir}/model.safetensors", "-o", "{dir}/sub/../model.safetensors"),
		// Outputs that cannot be written: a folder, a missing folder, a file as a folder.
		failure("{dir}/sub: is a directory", tr("--steps", "3", "-o", "{dir}/sub")...),
		failure("the folder {dir}/missing does not exist", tr("--steps", "3", "-o", "{dir}/missing/m.safetensors")...),
		failure("{dir}/out.csv is not a folder", tr("--steps", "3", "-o", "{dir}/out.csv/m.safetensors")...),
		failure("{dir}/sub: is a directory", sa("-o", "{dir}/sub")...),
		failure("the folder {dir}/missing does not exist", sa("-o", "{dir}/missing/points.csv")...),
		failure("{dir}/sub: is a directory", pl("-o", "{dir}/sub")...),
		failure("the folder {dir}/missing does not exist", pl("-o", "{dir}/missing/p.png")...),
		// Model files that are not safetensors at all: one line that says what they look like.
		failure("{bad}/csv-semicolons.csv: not a safetensors model file (it looks like a CSV file)", "info", "{bad}/csv-semicolons.csv"),
		failure("{dir}/out.csv: not a safetensors model file (it looks like a CSV file)", "sample", "-m", "{dir}/out.csv", "-n", "3"),
		failure("{dir}/out.png: not a safetensors model file (it looks like a text file)", "eval", "-m", "{dir}/out.png", "--data", "moons"),
		failure("trajectories.png: not a safetensors model file (it looks like a PNG picture)", "info", "{bad}/../pictures/trajectories.png"),
		failure("csv-binary.csv: not a safetensors model file (its first 8 bytes, the length of a header, say 9977739734425108505 bytes, more than the file's 2048)", "info", "{bad}/csv-binary.csv"),
		// Inputs that are not files: a folder, a device, nothing.
		failure("{dir}/sub: is a directory", "info", "{dir}/sub"),
		failure("/dev/zero: is not a regular file", "info", "/dev/zero"),
		failure("/dev/zero: is not a regular file", "sample", "-m", "/dev/zero"),
		failure("no such file or directory", "info", "{dir}/missing.safetensors"),
		failure("no such file or directory", "eval", "-m", "{dir}/missing.safetensors"),
		failure("{dir}/sub: is a directory", tr("--data", "{dir}/sub")...),
		failure("/dev/zero: is not a regular file", tr("--data", "/dev/zero")...),
		failure("no such file or directory", tr("--data", "{dir}/missing.csv")...),
		failure("{dir}/sub: is a directory", sa("--x0", "{dir}/sub")...),
		failure("/dev/zero: is not a regular file", "plot", "/dev/zero", "-o", "{dir}/out.png"),

		// TorchCFM's couplings, path noise and sources.
		usage(`--coupling: unknown coupling "sinkhorn-knopp" (want independent, ot or sb)`, tr("--coupling", "sinkhorn-knopp")...),
		usage("--sigma -0.1: must not be negative", tr("--sigma", "-0.1")...),
		usage(`"NaN" is not a finite number`, tr("--sigma", "NaN")...),
		usage("--coupling sb needs --sigma > 0", tr("--coupling", "sb")...),
		usage("--path vp: --coupling, --sigma and --source train on TorchCFM's paths", tr("--coupling", "ot", "--path", "vp")...),
		usage("--path cosine: --coupling, --sigma and --source", tr("--sigma", "0.1", "--path", "cosine")...),
		usage("--sigma-min: the condot path's noise at t = 1; with --coupling, --sigma or --source", tr("--sigma", "0.1", "--sigma-min", "0.01")...),
		usage("--conditional with --coupling ot: the coupling pairs source and data points whatever their class", tr("--data", "8gaussians", "--conditional", "--coupling", "ot")...),
		usage("--source {dir}/labels.csv: 3 dimensions, but the data checkerboard have 2", tr("--source", "{dir}/labels.csv", "--steps", "2")...),
		usage("--source {dir}/out.csv: 2 dimensions, but the data {dir}/labels.csv have 3", tr("--source", "{dir}/out.csv", "--data", "{dir}/labels.csv", "--steps", "2")...),
		failure(`{bad}/csv-nan.csv: line`, tr("--source", "{bad}/csv-nan.csv", "--coupling", "ot")...),
		failure("{dir}/missing.csv: no such file or directory", tr("--source", "{dir}/missing.csv")...),
		usage(`--source "moon": not a built-in dataset`, tr("--source", "moon")...),
		ok(tr("--source", "moons", "--coupling", "ot", "--sigma", "0.1", "--steps", "2", "--batch", "16", "--hidden", "4", "--layers", "1", "--quiet")...),
		ok(tr("--data", "8gaussians", "--conditional", "--sigma", "0.1", "--source", "torchcfm-moons", "--steps", "2", "--batch", "16", "--hidden", "4", "--layers", "1", "--quiet")...),

		// The likelihood, the density grid and their flags.
		usage("--probes 0: want 1 to 65536 Rademacher probes per point", ev("--likelihood", "--probes", "0")...),
		usage("--probes -3: want 1 to 65536", ev("--density", "--probes", "-3")...),
		usage("--probes 100000: want 1 to 65536", ev("--likelihood", "--probes", "100000")...),
		usage("--probes: applies to --likelihood and --density", ev("--probes", "2")...),
		usage("--divergence: applies to --likelihood and --density", ev("--divergence", "exact")...),
		usage("--probes: the exact divergence takes no probes; they are Hutchinson's", ev("--likelihood", "--divergence", "exact", "--probes", "3")...),
		usage(`--divergence: unknown divergence "skilling" (want auto, exact or hutchinson)`, ev("--likelihood", "--divergence", "skilling")...),
		usage("--grid: applies to --density", ev("--grid", "10")...),
		usage("--range: applies to --density", ev("--likelihood", "--range", "0,1,0,1")...),
		usage("--grid 1: want 2 to 4096 points a side", ev("--density", "--grid", "1")...),
		usage("--grid 5000: want 2 to 4096", ev("--density", "--grid", "5000")...),
		usage("--range 1,0,0,1: want xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax", ev("--density", "--range", "1,0,0,1")...),
		usage("--range 0,1,0: want xmin,xmax,ymin,ymax", ev("--density", "--range", "0,1,0")...),
		usage(`"inf" is not a finite number`, ev("--density", "--range", "0,inf,0,1")...),
		usage("-n: --density writes the log-density on a grid, and draws no sample to measure", ev("--density", "-n", "5")...),
		usage("--json: --density writes the log-density on a grid", ev("--density", "--json")...),
		usage("--likelihood: --density writes the log-density on a grid", ev("--density", "--likelihood")...),
		usage("--steps: --density integrates with dopri5 (--rtol, --atol) unless --solver names a fixed-step solver", ev("--density", "--steps", "5")...),
		usage("--steps: dopri5 chooses its own steps", ev("--density", "--solver", "dopri5", "--steps", "5")...),
		usage("--rtol: only dopri5 takes tolerances; euler takes a fixed number of --steps", ev("--likelihood", "--solver", "euler", "--rtol", "1e-3")...),
		ok(ev("--likelihood", "-n", "20", "--solver", "euler", "--steps", "2")...),
		ok(ev("--likelihood", "-n", "20", "--probes", "3", "--rtol", "1e-3", "--atol", "1e-3")...),
		ok(ev("--density", "--grid", "3", "--divergence", "hutchinson", "--solver", "midpoint", "--steps", "2")...),
	}
}

// setupCaseDir makes a case's folder: a valid model and the outputs of an earlier run, which
// a failed command must leave as they are.
func setupCaseDir(t testing.TB, good []byte) string {
	t.Helper()
	dir := t.TempDir()
	var cond bytes.Buffer
	if _, err := condModel().WriteTo(&cond); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"model.safetensors":   good,
		"cond.safetensors":    cond.Bytes(),
		"out.safetensors":     good,
		"out.csv":             []byte("x,y\n1,2\n3,4\n"),
		"out.png":             []byte("the picture of an earlier run"),
		"labels.csv":          []byte("x,y,label\n0,0,1\n1,1,2\n2,0,1\n"),
		"labels-fraction.csv": []byte("x,y,label\n0,0,1\n1,1,2.5\n"),
		// The checkpoint of an interrupted run, which train must not destroy.
		"old.safetensors.ckpt": []byte("the checkpoint of an earlier run"),
		// MNIST-format folders: six 4 x 4 images with labels, and hostile files.
		"imgs/train-images-idx3-ubyte":          idx([]int{6, 4, 4}, 96),
		"imgs/train-labels-idx1-ubyte":          idx([]int{6}, 6),
		"idx-truncated/train-images-idx3-ubyte": idx([]int{6, 4, 4}, 95),
		"idx-long/train-images-idx3-ubyte":      idx([]int{6, 4, 4}, 97),
		"idx-magic/train-images-idx3-ubyte":     append([]byte{1, 2, 8, 3}, idx([]int{6, 4, 4}, 96)[4:]...),
		"idx-floats/train-images-idx3-ubyte":    append([]byte{0, 0, 0x0d, 3}, idx([]int{6, 4, 4}, 96)[4:]...),
		"idx-huge/train-images-idx3-ubyte":      idx([]int{1 << 20, 1 << 10, 1 << 10}, 0),
		"idx-vector/train-images-idx3-ubyte":    idx([]int{96}, 96),
		"idx-gzip/train-images-idx3-ubyte.gz":   []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3},
		"idx-labels/train-images-idx3-ubyte":    idx([]int{6, 4, 4}, 96),
		"idx-labels/train-labels-idx1-ubyte":    idx([]int{5}, 5),
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// idx returns an IDX file of unsigned bytes with the given dimensions and n values i % 7.
func idx(dims []int, n int) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	for i := range n {
		b = append(b, byte(i%7))
	}
	return b
}

// runBattery runs cases, each in its own folder, and checks them.
func runBattery(t *testing.T, cases []battery) {
	bad, err := filepath.Abs(badDir)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(bad, "model-good.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	fmtiny := runner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := setupCaseDir(t, good)
			expand := strings.NewReplacer("{dir}", dir, "{bad}", bad)
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = expand.Replace(a)
			}
			before := snapshot(t, dir)
			r := fmtiny(t, args...)
			if c.ok {
				checkSuccess(t, r)
				return
			}
			checkFailure(t, r, c.status, strings.Split(expand.Replace(c.words), "|")...)
			checkUnchanged(t, dir, before, r)
		})
	}
}

// TestBadFiles runs every file of testdata/bad through every command that reads its kind.
func TestBadFiles(t *testing.T) {
	cases := fileCases(t)
	if len(cases) < 200 {
		t.Fatalf("only %d cases", len(cases))
	}
	runBattery(t, cases)
}

// TestBadFlags runs bad flags and paths.
func TestBadFlags(t *testing.T) {
	runBattery(t, flagCases())
}

// TestLongCSVLine gives every command that reads a CSV file one of a 10 MB line, made here
// rather than committed, and a 10 MB file of no newline at all.
func TestLongCSVLine(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long-line.csv")
	none := filepath.Join(dir, "no-newline.csv")
	row := strings.Repeat("1234567,", 10<<20/8)
	if err := os.WriteFile(long, []byte("x,y\n1,2\n"+row+"\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(none, bytes.Repeat([]byte("7"), 10<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	var cases []battery
	for name, args := range csvCommands {
		for _, f := range []struct{ path, words string }{
			{long, "long-line.csv: line 3: longer than 1048576 bytes"},
			{none, "no-newline.csv: line 1: longer than 1048576 bytes"},
		} {
			c := battery{name: name + "/" + filepath.Base(f.path), status: 1, words: f.words}
			for _, a := range args {
				c.args = append(c.args, strings.ReplaceAll(a, "F", f.path))
			}
			cases = append(cases, c)
		}
	}
	runBattery(t, cases)
}

// TestTruncatedModels cuts a valid model at every length and loads each prefix: every one is
// an error of one line naming the file, whatever the cut falls in (the length, the header's
// JSON, the data). This runs in-process, as thousands of child processes would take long.
func TestTruncatedModels(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(badDir, "model-good.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cut.safetensors")
	stride := 1
	if testing.Short() {
		stride = 7 // and every length in the first 16 bytes, the length and the header's start
	}
	tried := 0
	for n := 0; n < len(good); n++ {
		if n >= 16 && n%stride != 0 {
			continue
		}
		if err := os.WriteFile(path, good[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		r := inProcess("info", path)
		checkFailure(t, r, 1, path+": ")
		tried++
	}
	if r := inProcess("info", filepath.Join(badDir, "model-good.safetensors")); r.status != 0 {
		t.Fatalf("the whole model does not load:\n%v", r)
	}
	t.Logf("%d prefixes of a %d-byte model, each refused", tried, len(good))
}
