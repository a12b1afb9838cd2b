package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/cmd/fmtiny/internal/plot"
	"github.com/fmtiny/fmtiny/fm"
)

// This file trains on a CSV file of a user's own: semicolons, a column of text, a constant
// column and names of their own, and checks what comes back.

// writeUserCSV writes n rows of "name;temp, C;twice;const" to dir/name and returns its path.
func writeUserCSV(t *testing.T, dir, name string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("name;temp, C;twice;const\n")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		x := r.NormFloat64()
		fmt.Fprintf(&b, "row%d;%.4f;%.4f;7\n", i, x, 2*x+0.1*r.NormFloat64())
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUserCSV trains on a semicolon-separated file with --columns, from its folder: training
// says what it read and warns of the constant column, the model records the column names and
// the file's absolute path, samples come back under those names, and eval finds the file from
// another folder.
func TestUserCSV(t *testing.T) {
	dir := t.TempDir()
	writeUserCSV(t, dir, "mine.csv", 300)
	t.Chdir(dir)
	args := []string{"train", "--data", "mine.csv", "--steps", "50", "--hidden", "16", "--layers", "1", "--batch", "64", "-o", "m.safetensors"}

	// The text column stops training with a way round it.
	r := inProcess(args...)
	checkFailure(t, r, 1, `mine.csv: line 2, column 1: "row0" is not a number; a column of text? --columns chooses the numeric ones`)

	r = inProcess(append(args, "--columns", "twice,2,4")...)
	checkSuccess(t, r)
	lines := strings.Split(r.stderr, "\n")
	if lines[0] != `fmtiny: read 300 rows of 3 columns (twice,"temp, C",const) from mine.csv` ||
		lines[1] != "fmtiny: warning: constant column: const (7); nothing to learn there (--columns leaves it out)" {
		t.Fatalf("training did not say what it read:\n%v", r)
	}
	m, err := fm.LoadModel("m.safetensors", fm.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "mine.csv")
	if meta := m.Metadata(); m.Data != abs || meta["data.columns"] != `twice,"temp, C",const` || meta["data.select"] != "twice,2,4" ||
		!slices.Equal(m.Columns, []string{"twice", "temp, C", "const"}) || !slices.Equal(m.DataOptions.Columns, []string{"twice", "2", "4"}) {
		t.Fatalf("the model records data %q, columns %q, select %q", m.Data, meta["data.columns"], meta["data.select"])
	}
	header, table := readPoints(t, sample(t, "-m", "m.safetensors", "-n", "10"))
	if !slices.Equal(header, []string{"twice", "temp, C", "const"}) || table.Rows() != 10 {
		t.Fatalf("samples written under %q", header)
	}
	header, _ = readPoints(t, sample(t, "-m", "m.safetensors", "-n", "10", "--at", "0.5,1"))
	if !slices.Equal(header, []string{"t", "id", "twice", "temp, C", "const"}) {
		t.Fatalf("snapshots written under %q", header)
	}

	// From another folder, eval reads the same columns of the same file.
	other := filepath.Join(dir, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	r = inProcess("eval", "-m", "../m.safetensors", "-n", "100")
	checkSuccess(t, r)
	if !regexp.MustCompile(`(?m)^reference +` + regexp.QuoteMeta(abs) + `, 100 points$`).MatchString(r.stdout) {
		t.Fatalf("eval from another folder:\n%v", r)
	}
	// A file of other columns is refused by their count.
	r = inProcess("eval", "-m", "../m.safetensors", "-n", "100", "--data", "../mine.csv", "--columns", "2,3")
	checkFailure(t, r, 1, "2 dimensions, but the model generates 3")
}

// TestInfoJSON checks info --json on a model of fmtiny's and on a PyTorch state dict: one JSON
// object of the documented keys and nothing else.
func TestInfoJSON(t *testing.T) {
	type pathInfo struct {
		Name     string   `json:"name"`
		TEnd     float64  `json:"t_end"`
		SigmaMin *float64 `json:"sigma_min"`
		Power    *float64 `json:"power"`
		BetaMin  *float64 `json:"beta_min"`
		BetaMax  *float64 `json:"beta_max"`
	}
	type info struct {
		File         string            `json:"file"`
		Ours         bool              `json:"fmtiny_metadata"`
		Architecture string            `json:"architecture"`
		Widths       []int             `json:"widths"`
		Activation   string            `json:"activation"`
		Time         string            `json:"time"`
		Path         pathInfo          `json:"path"`
		Dimensions   int               `json:"dimensions"`
		Columns      []string          `json:"columns"`
		Data         string            `json:"data"`
		Source       string            `json:"source"`
		DataMean     []float64         `json:"data_mean"`
		DataStd      []float64         `json:"data_std"`
		Steps        *int64            `json:"steps"`
		Seed         *uint64           `json:"seed"`
		Parameters   int               `json:"parameters"`
		Kernels      string            `json:"kernels"`
		Metadata     map[string]string `json:"metadata"`
	}
	decode := func(args ...string) info {
		t.Helper()
		r := inProcess(append([]string{"info", "--json"}, args...)...)
		checkSuccess(t, r)
		var got info
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil || r.stdout[dec.InputOffset():] != "\n" || r.stderr != "" {
			t.Fatalf("info --json: %v\n%v", err, r)
		}
		return got
	}
	model := trainedModel(t, "--path", "vp")
	got := decode(model)
	if got.File != model || !got.Ours || got.Architecture != "mlp" || !slices.Equal(got.Widths, []int{3, 32, 32, 2}) ||
		got.Activation != "silu" || got.Time != "last" || got.Path.Name != "vp" || got.Path.TEnd != 1-1e-5 ||
		got.Path.BetaMin == nil || *got.Path.BetaMin != 0.1 || *got.Path.BetaMax != 20 || got.Path.SigmaMin != nil ||
		got.Dimensions != 2 || !slices.Equal(got.Columns, []string{"x", "y"}) || got.Data != "checkerboard" ||
		got.Source != "noise" || len(got.DataMean) != 2 || len(got.DataStd) != 2 || got.Steps == nil || *got.Steps != 200 || *got.Seed != 3 ||
		got.Parameters != 1250 || got.Kernels == "" || got.Metadata["train.batch"] != "128" {
		t.Fatalf("info --json: %+v", got)
	}
	torch := filepath.Join(badDir, "model-torch.safetensors")
	got = decode(torch, "--act", "relu")
	if got.Ours || got.Activation != "relu" || got.Steps != nil || got.Seed != nil || got.Data != "" ||
		got.Path.SigmaMin == nil || *got.Path.SigmaMin != 0 || got.Metadata["format"] != "pt" {
		t.Fatalf("info --json of a state dict: %+v", got)
	}
}

// TestHelpAndReadme checks what a new user reads first: plot --help says when it draws dots
// and when a histogram, train --help how it reads a CSV file and what --restart does, and the
// README says how to install the binary before any example calls it, after its first two
// commands, which work on a fresh clone as they are.
func TestHelpAndReadme(t *testing.T) {
	for _, c := range []struct{ command, want string }{
		{"plot", fmt.Sprintf("a dot per point when no panel holds more than %d points, and above that a 2D\n    histogram", plot.ScatterMax)},
		{"train", "separated by commas, semicolons, tabs or |"},
		{"train", "--restart, which starts over and moves the checkpoint aside"},
		{"eval", "the noise floor"},
		{"info", "With --json, one JSON object for scripts"},
	} {
		r := inProcess(c.command, "--help")
		checkSuccess(t, r)
		if !strings.Contains(r.stdout, c.want) {
			t.Errorf("fmtiny %s --help does not say %q:\n%s", c.command, c.want, r.stdout)
		}
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	first := strings.Index(readme, "go run ./cmd/fmtiny train && go run ./cmd/fmtiny sample > points.csv && go run ./cmd/fmtiny plot points.csv -o samples.png\n")
	tests := strings.Index(readme, "```sh\ngo test ./...\n```")
	install := strings.Index(readme, "go install ./cmd/fmtiny ")
	direct := regexp.MustCompile("(?m)^(\\./)?fmtiny (train|sample|plot|eval|info)").FindStringIndex(readme)
	if first < 0 || tests < first || install < tests || direct == nil || direct[0] < install {
		t.Errorf("README: the first command at %d, the tests at %d, the install at %d, the first call of fmtiny at %v", first, tests, install, direct)
	}
}
