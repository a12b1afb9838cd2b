package fm

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/nn"
	"github.com/fmtiny/fmtiny/ode"
)

// The settings of TestTable2, an experiment.
var (
	table2Out     = flag.String("fmtiny.table2.out", "", "TestTable2: the JSON lines file runs are appended to (and read back from, so that an interrupted table goes on where it stopped)")
	table2Methods = flag.String("fmtiny.table2.methods", "icfm,otcfm,sbcfm,fm", "TestTable2: the flow matchers to run")
	table2Tasks   = flag.String("fmtiny.table2.tasks", "N-8gaussians,moons-8gaussians,N-moons,N-scurve", "TestTable2: the tasks to run")
	table2Seeds   = flag.Int("fmtiny.table2.seeds", 5, "TestTable2: seeds per method and task (1, 2, ...)")
	table2Steps   = flag.Int64("fmtiny.table2.steps", 20000, "TestTable2: training steps")
	table2Threads = flag.Int("fmtiny.table2.threads", 1, "TestTable2: threads of each run")
)

// table2Run is one run of TestTable2, as its JSON line holds it.
type table2Run struct {
	Task, Method string
	Seed         uint64
	W2           float64 // the sample against 1000 test points, exact OT
	PathEnergy   float64 // mean integral of |v|^2 along the 100 Euler steps
	W2Source     float64 // the 1000 initial points against the 1000 test points: W2(q0, q1)
	NPE          float64
	NFE          int     // Dopri5 at rtol = atol = 1e-5 on the 1000 points at once
	DopriW2      float64 // the Dopri5 sample's W2
	Loss         float64 // the mean loss of the last 100 steps
	TrainSeconds float64
	Steps        int64
	Kernels      string
}

// table2Config is TorchCFM's 2D benchmark (Tong et al., TMLR 2024, section 5.1; its runner's
// configs cfm.yaml, otcfm.yaml, sbcfm.yaml, fm.yaml with experiment=cfm): an MLP of 3 x 64 SELU,
// batch 512, AdamW at lr 1e-3 and weight decay 1e-5, sigma 0.1; the data as they are (no
// standardisation). FM is the paper's CondOT path from N(0, I), sigma_min 0: fmtiny's default
// path, no coupling.
func table2Config(task, method string, seed uint64) (TrainConfig, error) {
	c := DefaultTrainConfig()
	c.Hidden, c.Act, c.Batch, c.Steps = []int{64, 64, 64}, nn.SELU, 512, *table2Steps
	c.LR, c.AdamW, c.WeightDecay, c.Seed = 1e-3, true, 1e-5, seed
	src, dst, ok := strings.Cut(task, "-")
	if !ok {
		return c, fmt.Errorf("task %q: want SOURCE-TARGET", task)
	}
	target := map[string]string{"8gaussians": "8gaussians", "moons": "torchcfm-moons", "scurve": "scurve"}[dst]
	if c.Data, ok = Builtin(target); !ok {
		return c, fmt.Errorf("task %q: unknown target", task)
	}
	switch src {
	case "N":
	case "moons":
		c.Source, _ = Builtin("torchcfm-moons")
	default:
		return c, fmt.Errorf("task %q: unknown source", task)
	}
	switch method {
	case "icfm":
		c.Sigma = 0.1
	case "otcfm":
		c.Coupling, c.Sigma = ExactOT, 0.1
	case "sbcfm":
		c.Coupling, c.Sigma = Entropic, 0.1
	case "fm":
		if c.Source != nil {
			return c, fmt.Errorf("FM takes a Gaussian source, not %s (as in the paper)", src)
		}
	default:
		return c, fmt.Errorf("unknown method %q", method)
	}
	return c, nil
}

// table2Measure evaluates a model as the runner's eval does: 1000 test points, 1000 initial
// points (noise, or the source's), 100 Euler steps with the path energy carried along; and
// Dopri5's evaluations at TorchCFM's tolerance on the same points.
func table2Measure(m *Model, c TrainConfig, r *table2Run) error {
	const n = 1000
	test := make([]float32, 2*n)
	c.Data.Sample(newInitialRand(1000+r.Seed), test)
	o := SampleOptions{N: n, Method: ode.Euler, Steps: 100, Seed: 2000 + r.Seed, Source: c.Source, PathEnergy: true, Chunk: n}
	res, err := m.Sample(o)
	if err != nil {
		return err
	}
	if r.W2, err = Wasserstein2(res.X, test, 2); err != nil {
		return err
	}
	if r.W2Source, err = Wasserstein2(res.X0, test, 2); err != nil {
		return err
	}
	r.PathEnergy = res.PathEnergy
	r.NPE = NormalizedPathEnergy(r.PathEnergy, r.W2Source)
	o = SampleOptions{N: n, Method: ode.Dopri5, Rtol: 1e-5, Atol: 1e-5, Seed: 2000 + r.Seed, Source: c.Source, Chunk: n}
	if res, err = m.Sample(o); err != nil {
		return err
	}
	r.NFE = res.Stats.NFE
	r.DopriW2, err = Wasserstein2(res.X, test, 2)
	return err
}

// TestTable2 reproduces TorchCFM's Table 2 protocol: I-CFM, OT-CFM, SB-CFM and FM on N to
// 8gaussians, moons to 8gaussians, N to moons and N to scurve, five seeds each, 20000 steps;
// W2 of the sample against 1000 test points and the normalised path energy after 100 Euler
// steps, and Dopri5's evaluations. Each run is appended to -fmtiny.table2.out as it ends, and
// runs already there are not run again; the table of means and standard deviations is logged.
// It runs only with -fmtiny.experiment; its table is in BENCHMARKS.md.
func TestTable2(t *testing.T) {
	if !*experiment {
		t.Skip("run with -fmtiny.experiment")
	}
	defer mat.SetThreads(mat.Threads())
	mat.SetThreads(*table2Threads)
	runs := readTable2(t, *table2Out)
	for _, task := range strings.Split(*table2Tasks, ",") {
		for _, method := range strings.Split(*table2Methods, ",") {
			for seed := uint64(1); seed <= uint64(*table2Seeds); seed++ {
				if slices.ContainsFunc(runs, func(r table2Run) bool { return r.Task == task && r.Method == method && r.Seed == seed }) {
					continue
				}
				c, err := table2Config(task, method, seed)
				if err != nil {
					t.Log(err)
					continue
				}
				r := table2Run{Task: task, Method: method, Seed: seed, Steps: c.Steps, Kernels: mat.Impl()}
				tr, err := NewTrainer(c)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				var last []float64
				for tr.Step < c.Steps {
					loss, err := tr.TrainStep()
					if err != nil {
						t.Fatalf("%s %s seed %d: %v", task, method, seed, err)
					}
					if c.Steps-tr.Step < 100 {
						last = append(last, float64(loss))
					}
				}
				r.TrainSeconds = time.Since(start).Seconds()
				for _, l := range last {
					r.Loss += l / float64(len(last))
				}
				if err := table2Measure(tr.Model(), c, &r); err != nil {
					t.Fatalf("%s %s seed %d: %v", task, method, seed, err)
				}
				t.Logf("%s %s seed %d: W2 %.3f NPE %.3f NFE %d, %.0f s", task, method, seed, r.W2, r.NPE, r.NFE, r.TrainSeconds)
				runs = append(runs, r)
				appendTable2(t, *table2Out, r)
			}
		}
	}
	t.Log("\n" + table2Summary(runs))
}

func readTable2(t *testing.T, path string) []table2Run {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var runs []table2Run
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r table2Run
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if r.Steps == *table2Steps {
			runs = append(runs, r)
		}
	}
	return runs
}

func appendTable2(t *testing.T, path string, r table2Run) {
	if path == "" {
		return
	}
	b, _ := json.Marshal(r)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
}

// table2Summary is the table, one row per method and task: the mean and the standard deviation
// (over seeds) of W2, NPE, Dopri5's NFE and the training time.
func table2Summary(runs []table2Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %-6s %5s %17s %17s %9s %8s %8s\n", "task", "method", "seeds", "W2", "NPE", "NFE", "train s", "loss")
	type key struct{ task, method string }
	var keys []key
	for _, r := range runs {
		if k := (key{r.Task, r.Method}); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	stat := func(v []float64) (mean, std float64) {
		for _, x := range v {
			mean += x / float64(len(v))
		}
		for _, x := range v {
			std += (x - mean) * (x - mean)
		}
		if len(v) > 1 {
			std = math.Sqrt(std / float64(len(v)-1))
		}
		return
	}
	for _, k := range keys {
		var w2, npe, nfe, sec, loss []float64
		for _, r := range runs {
			if r.Task == k.task && r.Method == k.method {
				w2, npe, nfe = append(w2, r.W2), append(npe, r.NPE), append(nfe, float64(r.NFE))
				sec, loss = append(sec, r.TrainSeconds), append(loss, r.Loss)
			}
		}
		mw, sw := stat(w2)
		mn, sn := stat(npe)
		mf, sf := stat(nfe)
		ms, _ := stat(sec)
		ml, _ := stat(loss)
		fmt.Fprintf(&b, "%-18s %-6s %5d %8.3f +- %5.3f %8.3f +- %5.3f %5.0f+-%3.0f %8.0f %8.3f\n", k.task, k.method, len(w2), mw, sw, mn, sn, mf, sf, ms, ml)
	}
	return b.String()
}
