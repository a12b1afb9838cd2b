package fm_test

import (
	"fmt"
	"log"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/ode"
)

// halves returns n images of 8 x 8: label 0 lit on its left half, label 1 on its right.
func halves(n int) *fm.Images {
	im := &fm.Images{Source: "halves", C: 1, H: 8, W: 8, Pixels: make([]byte, n*64), Labels: make([]byte, n), Classes: 2}
	for i := range n {
		im.Labels[i] = byte(i % 2)
		for p := range 64 {
			if (p%8 < 4) == (i%2 == 0) {
				im.Pixels[i*64+p] = 255
			}
		}
	}
	return im
}

// A class-conditional UNet on images with labels: the label's embeddings steer the samples to
// their class, here the lit half of the image.
func ExampleTrainer_conditionalImages() {
	c := fm.DefaultTrainConfig()
	c.Data, c.Conditional = halves(64), true
	c.Channels, c.Batch, c.Steps, c.LR = 8, 32, 150, 3e-3 // a small UNet, for the example
	m := train(c)

	for label := range int32(2) {
		res, err := m.Sample(fm.SampleOptions{N: 20, Method: ode.Midpoint, Steps: 10, Seed: 1, Labels: []int32{label}, Guidance: 1})
		if err != nil {
			log.Fatal(err)
		}
		var left, right float64
		for i, v := range res.X {
			if i%8 < 4 {
				left += float64(v)
			} else {
				right += float64(v)
			}
		}
		fmt.Printf("label %d: %s half brighter\n", label, map[bool]string{true: "left", false: "right"}[left > right])
	}
	// Output:
	// label 0: left half brighter
	// label 1: right half brighter
}
