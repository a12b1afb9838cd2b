package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEvalJSONStrings checks the hand-written JSON against encoding/json on strings that need
// escaping: quotes, backslashes, control characters, non-ASCII and bytes that are not UTF-8.
func TestEvalJSONStrings(t *testing.T) {
	for _, s := range []string{"", "model.safetensors", `a"b\c`, "tab\there\nnew\x01", "été/模型", "bad\xffbyte"} {
		on := 0.5
		out := evalResult{Model: s, Data: "checkerboard", Solver: "euler", Steps: 4, scores: scores{OnBoard: &on, Balance: &on}}.appendJSON(nil)
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v in %s", s, err, out)
		}
		want := s
		if s == "bad\xffbyte" {
			want = "bad\uFFFDbyte"
		}
		if got["model"] != want || got["steps"] != 4.0 || got["checkerboard_balance"] != 0.5 {
			t.Fatalf("%q came back as %v", s, got)
		}
	}
}

// TestEvalLikelihoodAndPathEnergy: eval --likelihood --json gives nll and bits_per_dim (one the
// other over 2 ln 2), w2, path_energy and npe, the likelihood's divergence and its cost; the
// table names them too.
func TestEvalLikelihoodAndPathEnergy(t *testing.T) {
	model := trainedModel(t)
	r := inProcess("eval", "-m", model, "-n", "300", "--likelihood", "--json")
	checkSuccess(t, r)
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	nll, bpd := got["nll"].(float64), got["bits_per_dim"].(float64)
	if !(nll > 0 && nll < 20) || math.Abs(bpd-nll/(2*math.Ln2)) > 1e-9 || got["divergence"] != "exact" || got["likelihood_nfe"].(float64) < 8 {
		t.Fatalf("nll %v, bits/dim %v, divergence %v", got["nll"], got["bits_per_dim"], got["divergence"])
	}
	if w2 := got["w2"].(float64); !(w2 > 0 && w2 < 5) || got["w2_points"] != 300.0 {
		t.Fatalf("w2 %v on %v points", got["w2"], got["w2_points"])
	}
	if pe, npe := got["path_energy"].(float64), got["npe"].(float64); !(pe > 1 && pe < 100 && npe >= 0 && npe < 10) {
		t.Fatalf("path energy %v, npe %v", pe, npe)
	}
	floor := got["noise_floor"].(map[string]any)
	if _, ok := floor["w2"].(float64); !ok {
		t.Fatalf("no w2 in the noise floor: %v", floor)
	}
	r = inProcess("eval", "-m", model, "-n", "300", "--likelihood", "--probes", "2", "--solver", "rk4", "--steps", "5")
	checkSuccess(t, r)
	for _, want := range []string{"W2 (exact OT, 300 points)", "path energy", "normalised path energy", "NLL (hutchinson, 2 probes divergence, 20 evaluations)", "bits per dimension"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("no %q in\n%s", want, r.stdout)
		}
	}
}

// TestEvalDensity: eval --density writes the grid, x,y,logp, row by row from the bottom, which
// plot reads as a lattice; its log-densities are those eval --likelihood averages.
func TestEvalDensity(t *testing.T) {
	model := trainedModel(t)
	r := inProcess("eval", "-m", model, "--density", "--grid", "3", "--range", "-1,1,-2,2", "--solver", "euler", "--steps", "4")
	checkSuccess(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 10 || lines[0] != "x,y,logp" || !strings.HasPrefix(lines[1], "-1,-2,") || !strings.HasPrefix(lines[2], "0,-2,") || !strings.HasPrefix(lines[9], "1,2,") {
		t.Fatalf("the grid:\n%s", r.stdout)
	}
	for _, l := range lines[1:] {
		v, err := strconv.ParseFloat(l[strings.LastIndexByte(l, ',')+1:], 64)
		if err != nil || !(v < 5 && v > -50) {
			t.Fatalf("log-density %q", l)
		}
	}
	if !strings.Contains(r.stderr, "9 points (exact divergence), 4 evaluations") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "logp.csv")
	if err := os.WriteFile(csv, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	checkSuccess(t, inProcess("plot", csv, "-o", filepath.Join(dir, "logp.png")))
}

// TestSourceModelCommands: a model trained from a source dataset samples from it, and eval
// measures it, but has no likelihood or density; reflow refuses it.
func TestSourceModelCommands(t *testing.T) {
	model := trainedModel(t, "--data", "8gaussians", "--source", "torchcfm-moons", "--coupling", "ot", "--sigma", "0.1")
	r := inProcess("sample", "-m", model, "-n", "5")
	checkSuccess(t, r)
	r = inProcess("eval", "-m", model, "-n", "200", "--json")
	checkSuccess(t, r)
	if !strings.Contains(r.stdout, `"npe":`) {
		t.Fatalf("eval: %s", r.stdout)
	}
	checkFailure(t, inProcess("eval", "-m", model, "-n", "20", "--likelihood"), 1, "flows from torchcfm-moons, whose density fmtiny does not know")
	checkFailure(t, inProcess("eval", "-m", model, "--density", "--grid", "2"), 1, "flows from torchcfm-moons, whose density fmtiny does not know")
	checkFailure(t, inProcess("reflow", "-m", model, "--pairs", "20", "--steps", "1", "-o", filepath.Join(t.TempDir(), "s.safetensors")), 1, "the flow starts from torchcfm-moons")
}
