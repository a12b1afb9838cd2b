package fm

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSamplerLinksLittle builds testdata/samplemain, a program that only loads a model and
// samples it, and checks that it links none of what it does not use: no CSV reading or writing,
// no datasets, no training, no metrics, no likelihood, no couplings, no pictures, no JSON
// encoder.
func TestSamplerLinksLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	bin := filepath.Join(t.TempDir(), "samplemain")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/samplemain").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool nm: %v\n%s", err, out)
	}
	unwanted := regexp.MustCompile(`(?m)^.*(fmtiny/fm\.(ReadCSV|WriteCSV|Builtin|checkerboard|Moons|NewTrainer|\(\*Trainer\)|EnergyDistance|MMD|SlicedWasserstein|Wasserstein2|\(\*Model\)\.LogLikelihood|\(\*Assigner\)|\(\*Sinkhorn\)|\(\*Coupler\)|LoadMNIST|readIDX|\(\*PairSampler\))|image/png\.|encoding/json\.|fmtiny/cmd/).*$`)
	if found := unwanted.FindAllString(string(out), 5); len(found) > 0 {
		t.Fatalf("a load-and-sample program links code it does not use:\n%q", found)
	}
}
