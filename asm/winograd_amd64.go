//go:build amd64 && gc && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// The AVX2 set's Winograd transforms (winograd_amd64.s), also run by any other set of this CPU
// that has none of its own.
func init() {
	avx2Set.WinogradIn = func(v, d []float32, ld, ldRow, c int) { winoAVX2(winoIn, v, d, ld, ldRow, c) }
	avx2Set.WinogradOut = func(m, y []float32, ld, ldRow, c int) { winoAVX2(winoOut, m, y, ld, ldRow, c) }
	avx2Set.WinogradGradOut = func(dm, dy []float32, ld, ldRow, c int) { winoAVX2(winoGradOut, dm, dy, ld, ldRow, c) }
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		winoBest.in, winoBest.out, winoBest.gradOut = avx2Set.WinogradIn, avx2Set.WinogradOut, avx2Set.WinogradGradOut
	}
}

// The transforms, for winoAVX2.
const (
	winoIn = iota
	winoOut
	winoGradOut
)

// winoAVX2 runs a transform between the 16 contiguous rows rows and the strided tile tile over
// the c/8 whole groups of eight channels, then the last c%8 channels through rows of eight
// padded with zeros on the stack. The caller has checked the slices (WinogradIn, ...).
func winoAVX2(kind int, rows, tile []float32, ld, ldRow, c int) {
	n := 4 // the tile's side
	if kind != winoIn {
		n = 2
	}
	if full := c / 8; full > 0 {
		winoKernelAVX2(kind, rows, tile, c, ld, ldRow, full)
	}
	r := c % 8
	if r == 0 {
		return
	}
	var tr, tt [16 * 8]float32
	off := c - r
	for k := range 16 {
		copy(tr[8*k:8*k+r], rows[k*c+off:(k+1)*c])
	}
	for i := range n {
		for j := range n {
			o := i*ldRow + j*ld + off
			copy(tt[8*(i*n+j):8*(i*n+j)+r], tile[o:o+r])
		}
	}
	winoKernelAVX2(kind, tr[:], tt[:], 8, 8, 8*n, 1)
	if kind == winoOut {
		for i := range n {
			for j := range n {
				o := i*ldRow + j*ld + off
				copy(tile[o:o+r], tt[8*(i*n+j):8*(i*n+j)+r])
			}
		}
		return
	}
	for k := range 16 {
		copy(rows[k*c+off:(k+1)*c], tr[8*k:8*k+r])
	}
}

// winoKernelAVX2 calls the kernel of a transform directly, so that its arguments stay on the
// stack.
func winoKernelAVX2(kind int, rows, tile []float32, c, ld, ldRow, groups int) {
	switch kind {
	case winoIn:
		winogradInAVX2(rows, tile, c, ld, ldRow, groups)
	case winoOut:
		winogradOutAVX2(rows, tile, c, ld, ldRow, groups)
	default:
		winogradGradOutAVX2(rows, tile, c, ld, ldRow, groups)
	}
}

// winogradInAVX2 computes winogradInGo's V for the first 8*groups channels, the 16 rows of v c
// apart.
//
//go:noescape
func winogradInAVX2(v, d []float32, c, ld, ldRow, groups int)

// winogradOutAVX2 computes winogradOutGo's Y for the first 8*groups channels, the 16 rows of m
// c apart.
//
//go:noescape
func winogradOutAVX2(m, y []float32, c, ld, ldRow, groups int)

// winogradGradOutAVX2 computes winogradGradOutGo's dM for the first 8*groups channels, the 16
// rows of dm c apart.
//
//go:noescape
func winogradGradOutAVX2(dm, dy []float32, c, ld, ldRow, groups int)
