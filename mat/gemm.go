// Package mat multiplies row-major float32 matrices on asm's kernels.
package mat

import (
	"fmt"
	"runtime"

	"github.com/fmtiny/fmtiny/asm"
)

var threads = runtime.GOMAXPROCS(0)

// SetThreads sets how many goroutines Gemm may use; n < 1 means GOMAXPROCS.
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads = n
}

// Threads returns how many goroutines Gemm may use.
func Threads() int { return threads }

// Impl names the kernel set in use: "avx2-fma", "neon" or "go".
func Impl() string { return asm.Current().Name }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X) is X or its
// transpose: op(A) is m x k, op(B) is k x n and C is m x n, with leading dimensions lda, ldb
// and ldc. beta = 0 overwrites C without reading it, as BLAS does.
//
// TODO(kernels issue): packed, blocked, multi-threaded implementation on asm.MicroKernel.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				bv := b[p*ldb+j]
				if transB {
					bv = b[j*ldb+p]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// checkArgs panics with a message naming the argument when a shape, leading dimension or slice
// length cannot hold the matrices Gemm was asked to multiply.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("mat: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	checkMatrix("a", rowsA, colsA, a, lda)
	checkMatrix("b", rowsB, colsB, b, ldb)
	checkMatrix("c", m, n, c, ldc)
}

func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("mat: ld%s = %d is less than the %d columns of %s", name, ld, cols, name))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("mat: len(%s) = %d is too short for %d x %d with ld%s = %d", name, len(x), rows, cols, name, ld))
	}
}
