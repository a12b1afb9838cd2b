// Command samplemain is the smallest program that loads a model and samples it: its binary
// shows what an edge program embedding fm links.
package main

import (
	"fmt"
	"os"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/ode"
)

func main() {
	m, err := fm.LoadModel(os.Args[1], fm.LoadOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res, err := m.Sample(fm.SampleOptions{N: 4, Method: ode.Midpoint, Steps: 20, Seed: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(res.X)
}
