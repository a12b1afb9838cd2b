// Package asm holds fmtiny's SIMD kernels: AVX2+FMA on amd64, NEON on arm64 and a plain Go set
// that runs everywhere, one of them picked once at init from what the CPU supports.
//
// The package knows nothing of matrices beyond pointers, strides and sizes: a GEMM micro-kernel
// over packed panels, and the vector loops an MLP and an ODE solver need. Callers use the
// package-level functions, which dispatch to the set in use; tests may switch sets with Use.
package asm

import "fmt"

// Set is one implementation of every kernel. Each field's doc comment says what it computes;
// the Go set (generic.go) is the reference the others are tested against.
type Set struct {
	Name   string // "avx2-fma", "neon" or "go"
	MR, NR int    // the micro-kernel's tile: MR rows of A by NR columns of B

	// MicroKernel computes the MR x NR tile of C at c (row stride ldc) as the product of a
	// packed A panel and a packed B panel over k:
	//	C[i][j] (+)= sum_p a[p*MR+i] * b[p*NR+j]
	// It overwrites the tile when acc is false (never reading C) and adds to it when acc is
	// true. c must hold (MR-1)*ldc+NR values; a holds k*MR and b k*NR.
	MicroKernel func(k int, a, b, c []float32, ldc int, acc bool)

	Axpy    func(alpha float32, x, y []float32)                // y[i] += alpha*x[i]
	AxpyTo  func(dst []float32, alpha float32, x, y []float32) // dst[i] = alpha*x[i] + y[i]
	Scale   func(alpha float32, x []float32)                   // x[i] *= alpha
	Dot     func(x, y []float32) float32                       // sum x[i]*y[i]
	AddBias func(z, b []float32)                               // z[i] += b[i]

	// BiasSiLU adds the bias to the pre-activation in place and writes the activation:
	// z[i] += b[i]; h[i] = z[i]*sigmoid(z[i]).
	BiasSiLU func(z, h, b []float32)
	// SiLUGrad multiplies the gradient by SiLU's derivative at z; dz may alias dh:
	// dz[i] = dh[i] * s*(1 + z[i]*(1-s)) with s = sigmoid(z[i]).
	SiLUGrad func(dz, dh, z []float32)
	// BiasReLU: z[i] += b[i]; h[i] = max(z[i], 0).
	BiasReLU func(z, h, b []float32)
	// ReLUGrad: dz[i] = dh[i] if z[i] > 0, else 0; dz may alias dh.
	ReLUGrad func(dz, dh, z []float32)

	// Peak runs n iterations of a register-only multiply-add loop and returns the number of
	// floating-point operations it performed, to measure the machine's arithmetic ceiling.
	Peak func(n int) float64
}

var (
	sets    = []*Set{&goSet} // every set this CPU can run, best first; the Go set is last
	current = &goSet
)

// register adds a set the CPU can run in front of the ones known so far and makes it current;
// the architecture files call it from init after checking the CPU's features.
func register(s *Set) {
	sets = append([]*Set{s}, sets...)
	current = sets[0]
}

// Current returns the kernel set in use.
func Current() *Set { return current }

// Sets returns every kernel set this CPU can run, the preferred one first and the Go set last.
func Sets() []*Set { return append([]*Set(nil), sets...) }

// Use makes the named set current and returns a function that restores the previous one. It is
// meant for tests and benchmarks, which must not run kernels concurrently with the switch.
func Use(name string) (restore func(), err error) {
	for _, s := range sets {
		if s.Name == name {
			prev := current
			current = s
			return func() { current = prev }, nil
		}
	}
	return nil, fmt.Errorf("asm: kernel set %q is not available on this CPU", name)
}

// Axpy computes y[i] += alpha*x[i] for i < len(x); y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { current.Axpy(alpha, x, y[:len(x)]) }

// AxpyTo computes dst[i] = alpha*x[i] + y[i] for i < len(dst); x and y must be at least as long.
func AxpyTo(dst []float32, alpha float32, x, y []float32) {
	current.AxpyTo(dst, alpha, x[:len(dst)], y[:len(dst)])
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) { current.Scale(alpha, x) }

// Dot returns the sum of x[i]*y[i] for i < len(x); y must be at least as long as x.
func Dot(x, y []float32) float32 { return current.Dot(x, y[:len(x)]) }

// AddBias computes z[i] += b[i] for i < len(z); b must be at least as long as z.
func AddBias(z, b []float32) { current.AddBias(z, b[:len(z)]) }

// BiasSiLU computes z[i] += b[i], then h[i] = z[i]*sigmoid(z[i]), for i < len(z).
func BiasSiLU(z, h, b []float32) { current.BiasSiLU(z, h[:len(z)], b[:len(z)]) }

// SiLUGrad computes dz[i] = dh[i]*silu'(z[i]) for i < len(dz); dz may alias dh.
func SiLUGrad(dz, dh, z []float32) { current.SiLUGrad(dz, dh[:len(dz)], z[:len(dz)]) }

// BiasReLU computes z[i] += b[i], then h[i] = max(z[i], 0), for i < len(z).
func BiasReLU(z, h, b []float32) { current.BiasReLU(z, h[:len(z)], b[:len(z)]) }

// ReLUGrad computes dz[i] = dh[i] where z[i] > 0 and 0 elsewhere; dz may alias dh.
func ReLUGrad(dz, dh, z []float32) { current.ReLUGrad(dz, dh[:len(dz)], z[:len(dz)]) }
