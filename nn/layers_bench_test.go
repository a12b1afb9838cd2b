package nn

import (
	"math/rand/v2"
	"testing"
)

// The layers' passes besides the products, on the maps of a block of 16 images of the UNet of
// base 32 at 28 x 28: pooling and upsampling of its full-resolution maps, and the patch matrix
// of dec1.0 (96 -> 32 channels). Each reports its memory traffic in GB/s.

func BenchmarkMaxPool2(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := newMap(rng, 16, 28, 28, 96, false, 1).channels(64, 96) // e1 inside cat1
	y := newMap(rng, 16, 14, 14, 32, false, 0)
	for b.Loop() {
		maxPool2(x, y)
	}
	b.ReportMetric(float64(b.N)*float64(4*(x.rows()+y.rows())*32)/b.Elapsed().Seconds()/1e9, "GB/s")
}

func BenchmarkMaxPool2Backward(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := newMap(rng, 16, 28, 28, 96, false, 1).channels(64, 96)
	dx := newMap(rng, 16, 28, 28, 96, false, 1).channels(64, 96)
	dy := newMap(rng, 16, 14, 14, 32, false, 1)
	for b.Loop() {
		maxPool2Backward(x, dy, dx)
	}
	b.ReportMetric(float64(b.N)*float64(4*(2*x.rows()+dy.rows())*32)/b.Elapsed().Seconds()/1e9, "GB/s")
}

func BenchmarkUpsample2(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := newMap(rng, 16, 14, 14, 64, false, 1)
	y := newMap(rng, 16, 28, 28, 96, false, 0).channels(0, 64)
	for b.Loop() {
		upsample2(x, y)
	}
	b.ReportMetric(float64(b.N)*float64(4*(x.rows()+y.rows())*64)/b.Elapsed().Seconds()/1e9, "GB/s")
}

func BenchmarkUpsample2Backward(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	dx := newMap(rng, 16, 14, 14, 64, false, 1)
	dy := newMap(rng, 16, 28, 28, 96, false, 0).channels(0, 64)
	for b.Loop() {
		upsample2Backward(dy, dx)
	}
	b.ReportMetric(float64(b.N)*float64(4*(dx.rows()+dy.rows())*64)/b.Elapsed().Seconds()/1e9, "GB/s")
}

func BenchmarkIm2col(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := newMap(rng, 16, 28, 28, 96, false, 1)
	K := 9 * 96
	rows := chunkRows(x.rows(), K)
	col := make([]float32, rows*K)
	r0 := 0
	for b.Loop() {
		im2col(col, x, 3, 1, r0, r0+rows)
		if r0 += rows; r0+rows > x.rows() {
			r0 = 0
		}
	}
	b.ReportMetric(float64(b.N)*float64(4*rows*K)/b.Elapsed().Seconds()/1e9, "GB/s")
}
