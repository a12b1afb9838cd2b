package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
)

// BenchmarkUNet times the seed's UNet on 28 x 28 images of one channel, as torch_unet.py does:
// a training step at batch 128 (UNetBatch.MSEGrad, then Adam.Update; not the data sampling),
// and a forward pass at batch 64 (one field evaluation of sampling, on a forward-only batch).
// It reports images/s and GFLOP/s, counting the convolutions' products (UNet.FLOPs), and
// images per second of the process's CPU time, which tells more than the wall clock on a
// machine that other jobs share (the idle thread's spinning counts too).
func BenchmarkUNet(b *testing.B) {
	for _, base := range []int{32, 64} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("train/c%d/b128/threads=%d", base, threads), func(b *testing.B) {
				benchUNet(b, base, 128, threads, true)
			})
			b.Run(fmt.Sprintf("forward/c%d/b64/threads=%d", base, threads), func(b *testing.B) {
				benchUNet(b, base, 64, threads, false)
			})
		}
	}
}

// BenchmarkUNetIm2col is BenchmarkUNet's forward pass with every convolution on im2col, for
// the comparison with Winograd's that conv.go writes down.
func BenchmarkUNetIm2col(b *testing.B) {
	defer func(w bool) { useWinograd = w }(useWinograd)
	useWinograd = false
	for _, base := range []int{32, 64} {
		b.Run(fmt.Sprintf("forward/c%d/b64/threads=1", base), func(b *testing.B) { benchUNet(b, base, 64, 1, false) })
	}
}

func benchUNet(b *testing.B, base, n, threads int, train bool) {
	defer mat.SetThreads(mat.Threads())
	mat.SetThreads(threads)
	u := newTestUNet(b, SeedUNet(1, 28, 28, base), 1)
	rng := rand.New(rand.NewPCG(1, 2))
	x, ts, target := randSlice(rng, n*784, 2), randSlice(rng, n, 1), randSlice(rng, n*784, 2)
	var step func()
	if train {
		batch := u.NewBatch(n)
		opt := NewAdam(u.NumParams())
		step = func() {
			batch.MSEGrad(x, ts, nil, target, n)
			opt.Update(u.Params, u.Grads)
		}
	} else {
		batch := u.NewForwardBatch(n)
		step = func() { batch.Forward(x, ts[:1], nil, n) }
	}
	step()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		step()
	}
	sec := b.Elapsed().Seconds()
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(b.N*n)/cpu, "images/cpu-s")
	}
	fwd, tr := u.FLOPs(n)
	flops := fwd
	if train {
		flops = tr
	}
	b.ReportMetric(float64(b.N*n)/sec, "images/s")
	b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
}
