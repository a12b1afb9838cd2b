package ode

import (
	"math"
	"testing"
)

// TestAxpy checks the stage combinations on both sides of shortVector, with every kernel set,
// against float64 arithmetic, and that they write nothing past their length.
func TestAxpy(t *testing.T) {
	forEachKernelSet(t, func(t *testing.T) {
		for n := 0; n <= 3*shortVector+1; n++ {
			x, y := make([]float32, n+1), make([]float32, n+1)
			for i := range x {
				x[i], y[i] = float32(i)*0.37-1.1, float32(n-i)*0.21+0.5
			}
			const alpha = float32(-0.73)
			dst := make([]float32, n+1)
			dst[n] = 42
			axpyTo(dst[:n], alpha, x, y)
			yy := append([]float32(nil), y...)
			axpy(alpha, x[:n], yy)
			for i := range n {
				want := float64(alpha)*float64(x[i]) + float64(y[i])
				if math.Abs(float64(dst[i])-want) > 1e-6 || math.Abs(float64(yy[i])-want) > 1e-6 {
					t.Fatalf("n=%d i=%d: axpyTo %v, axpy %v, want %v", n, i, dst[i], yy[i], want)
				}
			}
			if dst[n] != 42 || yy[n] != y[n] {
				t.Fatalf("n=%d: wrote past the end", n)
			}
		}
	})
}
