package fm_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/ode"
)

// Training: the default configuration (the checkerboard, the conditional OT path, a 4 x 128
// SiLU MLP, Adam 1e-3), made small for the example. A step allocates nothing.
func ExampleNewTrainer() {
	c := fm.DefaultTrainConfig()
	c.Hidden, c.Batch, c.Steps = []int{64, 64}, 256, 300
	tr, err := fm.NewTrainer(c)
	if err != nil {
		log.Fatal(err)
	}
	var first, last float32
	for tr.Step < c.Steps {
		loss, err := tr.TrainStep()
		if err != nil {
			log.Fatal(err)
		}
		if tr.Step == 1 {
			first = loss
		}
		last = loss
	}
	fmt.Println("steps:", tr.Step, "loss fell:", last < first)
	// Output: steps: 300 loss fell: true
}

// Saving, loading and sampling: a model file holds the network, its path and the data's
// statistics; Sample integrates from noise drawn from the seed, and res.X holds N points of
// Dim() values each, row-major, in the data's units.
func ExampleLoadModel() {
	c := fm.DefaultTrainConfig()
	c.Hidden, c.Batch, c.Steps = []int{64, 64}, 256, 300
	m := train(c)
	path := filepath.Join(os.TempDir(), "fmtiny-example.safetensors")
	defer os.Remove(path)
	if err := m.Save(path); err != nil {
		log.Fatal(err)
	}

	loaded, err := fm.LoadModel(path, fm.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	res, err := loaded.Sample(fm.SampleOptions{N: 1000, Method: ode.Midpoint, Steps: 20, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	x, y := res.X[0], res.X[1] // the first point
	fmt.Println(len(res.X)/loaded.Dim(), "points of", loaded.Dim(), "values; finite:", x == x && y == y)
	// Output: 1000 points of 2 values; finite: true
}

// A CSV file of one's own: ReadCSVFile records where it came from and its columns' names, and
// the default configuration standardises a table (StandardizeAuto), so that the model's
// samples come back in the file's units and under its names.
func ExampleReadCSVFile() {
	path := filepath.Join(os.TempDir(), "fmtiny-example.csv")
	defer os.Remove(path)
	var rows []byte
	rows = append(rows, "temp;pressure\n"...)
	for i := range 200 {
		rows = fmt.Appendf(rows, "%d;%d\n", 15+i%10, 1000+i%7)
	}
	if err := os.WriteFile(path, rows, 0o644); err != nil {
		log.Fatal(err)
	}
	table, err := fm.ReadCSVFile(path, fm.CSVOptions{}) // the delimiter is detected
	if err != nil {
		log.Fatal(err)
	}
	c := fm.DefaultTrainConfig()
	c.Data, c.Hidden, c.Batch, c.Steps = table, []int{32, 32}, 128, 200
	m := train(c)
	fmt.Println(m.ColumnNames(), m.Data == table.Source, filepath.IsAbs(m.Data))
	fmt.Printf("mean %.0f and %.0f, as the file's\n", m.Stats.Mean[0], m.Stats.Mean[1])
	// Output:
	// [temp pressure] true true
	// mean 20 and 1003, as the file's
}
