package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkSiLU times BiasSiLU (bias add and SiLU, the forward pass) and SiLUGrad (dh times
// SiLU's derivative) for every set on rows of 64, 1024 and 16384 values (the first two in L1,
// the last in L2), in nanoseconds per value. The bias is zero so that z keeps its values from
// one round to the next, and SiLUGrad writes apart from dh: in place, dh would shrink round
// after round into subnormals, which time the CPU's microcode, not the kernel.
func BenchmarkSiLU(b *testing.B) {
	for _, s := range Sets() {
		for _, n := range []int{64, 1024, 16384} {
			r := rand.New(rand.NewPCG(13, 14))
			z, bias, h := randSlice(r, n, 8), make([]float32, n), make([]float32, n)
			dh := randSlice(r, n, 1)
			b.Run(fmt.Sprintf("%s/BiasSiLU/n=%d", s.Name, n), func(b *testing.B) {
				benchValues(b, n, func() { s.BiasSiLU(z, h, bias) })
			})
			b.Run(fmt.Sprintf("%s/SiLUGrad/n=%d", s.Name, n), func(b *testing.B) {
				benchValues(b, n, func() { s.SiLUGrad(h, dh, z) })
			})
		}
	}
}

// benchValues reports the mean and the best time per value of f, which handles values values.
// Each round calls f often enough to cover 16384 values, so that reading the clock (tens of
// nanoseconds under KVM) stays out of the figure for short rows too; the best round is the one
// no other job on the machine interrupted.
func benchValues(b *testing.B, values int, f func()) {
	reps := max(1, 16384/values)
	best := time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for range reps {
			f()
		}
		best = min(best, time.Since(t0))
	}
	perRound := float64(reps * values)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/perRound, "ns/value")
	b.ReportMetric(float64(best.Nanoseconds())/perRound, "best-ns/value")
}
