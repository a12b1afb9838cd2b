package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/fmtiny/fmtiny/mat"
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

// BenchmarkConvLayout times one convolution three ways, for the choice conv.go writes down:
// dec1.0 of the UNet of base 32 (96 -> 32 channels, 3x3, padding 1) over 16 images of 28 x 28,
// on one goroutine, forward only:
//
//   - nhwc-im2col: NHWC maps, the patch matrix in chunks, one GEMM per chunk (A the patches,
//     read in place; B the weights);
//   - nchw-im2col: NCHW maps as PyTorch holds them, per image the patch matrix [cin*9 x h*w]
//     (each row a shifted plane) and one GEMM W [cout x cin*9] times it (the patches are B,
//     which mat packs);
//   - nhwc-winograd: Winograd's F(2x2, 3x3) (winograd.go).
//
// It reports images per second of CPU time (the machine is shared).
func BenchmarkConvLayout(b *testing.B) {
	const n, h, w, cin, cout = 16, 28, 28, 96, 32
	rng := rand.New(rand.NewPCG(1, 1))
	L := &conv2d{cin: cin, cout: cout, k: 3, pad: 1, w: randSlice(rng, cout*cin*9, 1), b: randSlice(rng, cout, 1)}
	x := newMap(rng, n, h, w, cin, false, 1)
	y := newMap(rng, n, h, w, cout, false, 0)
	run := func(b *testing.B, f func()) {
		f()
		c0 := cpuTime()
		for b.Loop() {
			f()
		}
		if cpu := (cpuTime() - c0).Seconds(); cpu > 0 {
			b.ReportMetric(float64(b.N*n)/cpu, "images/cpu-s")
		}
	}
	b.Run("nhwc-im2col", func(b *testing.B) {
		s := newConvScratch(L, n, h, w)
		wt := reordered(L, false, false)
		run(b, func() { convForward(s, L, false, wt, x, y, nil) })
	})
	b.Run("nhwc-winograd", func(b *testing.B) {
		s := newConvScratch(L, n, h, w)
		u := reordered(L, true, false)
		run(b, func() { convForward(s, L, true, u, x, y, nil) })
	})
	b.Run("nchw-im2col", func(b *testing.B) {
		xs := randSlice(rng, n*cin*h*w, 1)
		ys := make([]float32, n*cout*h*w)
		col := make([]float32, cin*9*h*w)
		var l mat.Local
		run(b, func() {
			for img := 0; img < n; img++ {
				x := xs[img*cin*h*w : (img+1)*cin*h*w]
				for ci := 0; ci < cin; ci++ {
					for dy := 0; dy < 3; dy++ {
						for dx := 0; dx < 3; dx++ {
							row := col[((ci*3+dy)*3+dx)*h*w:][:h*w]
							for oy := 0; oy < h; oy++ {
								sy := oy + dy - 1
								dst := row[oy*w : (oy+1)*w]
								if sy < 0 || sy >= h {
									clear(dst)
									continue
								}
								src := x[(ci*h+sy)*w : (ci*h+sy+1)*w]
								switch dx {
								case 0:
									dst[0] = 0
									copy(dst[1:], src[:w-1])
								case 1:
									copy(dst, src)
								default:
									copy(dst[:w-1], src[1:])
									dst[w-1] = 0
								}
							}
						}
					}
				}
				l.Gemm(false, false, cout, h*w, cin*9, 1, L.w, cin*9, col, h*w, 0, ys[img*cout*h*w:], h*w)
			}
		})
	})
}
