//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// blockAVX2: the 6x16 single-precision kernel of BLIS's Haswell sgemm, for AVX2+FMA, run over
// a whole block of tiles per call and reading A and B through strides (see Set.Block).
//
// In the k loop Y0..Y11 hold the 6x16 tile of C, row i in Y(2i) (columns 0..7) and Y(2i+1)
// (columns 8..15). Each step p loads B's row p into Y12 and Y13, broadcasts A's six values of
// column p in turn into Y14 and Y15, and does 12 FMAs. That is all 16 ymm registers: 12
// accumulators, 2 B vectors and 2 broadcasts, so the two FMA ports get 12 independent chains
// (at 4 cycles of latency they need at least 8) and each step loads 64 bytes of B and 24 of A
// for 192 flops.
//
// Why 6x16: AVX2 has 16 ymm registers. 8x8 would keep only 8 accumulators (exactly what the
// latency needs, no slack) and issue 9 loads per 8 FMAs, so the load ports would bind; 4x24
// keeps 12 accumulators with 7 loads per 12 FMAs but needs a kc x 24 panel of B (36 KiB at
// kc = 384) in a 48 KiB L1. Neither was built: 6x16 runs at 94-98% of Peak on its own
// (BenchmarkBlock, k = 384), which leaves another shape little to win.
//
// A's six rows are read at (SI), (SI)(R10*1), (SI)(R10*2), (R11), (R11)(R10*1) and
// (R11)(R10*2), with R10 = rsa and R11 = SI + 3*rsa; each step adds csa to SI and R11 and rsb
// to DI. For packed panels that reads the same addresses as fixed offsets would, for three
// adds a step, which the ports other than the two FMA ones absorb.
//
// The order of the tiles: when B's block is small (k*16*nt values in 32 KiB, two thirds of
// L1d: the input layer's k = 3, a narrow hidden layer), all of it stays in L1 and the kernel
// goes row of tiles by row of tiles, so that C is written in order (65 against 45 GFLOP/s at
// k = 3 into a 512-wide C, BenchmarkBlock's set-up). Otherwise it goes column of tiles by
// column of tiles: one panel of B stays in L1 while the panels of A stream past it from L2,
// BLIS's order.
//
// General registers, all 14 in use:
//	AX  A: the current panel of six rows     BX  B: the current panel of 16 columns
//	SI  A: row 0 at step p                   R11 A: row 3 at step p
//	DI  B: row p of the panel                CX  k steps left (minus 4 in the unrolled loop)
//	R10 rsa in bytes   R12 csa in bytes      R13 rsb in bytes     R8 ldc in bytes
//	DX  C: the current tile                  R15 C: the first tile of the current row or column
//	R9  rows of tiles left                   R14 columns of tiles left

// func blockAVX2(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)
TEXT ·blockAVX2(SB), NOSPLIT, $0-153
	MOVQ mt+0(FP), R9
	MOVQ nt+8(FP), R14
	TESTQ R9, R9
	JZ   done                        // no tiles
	TESTQ R14, R14
	JZ   done
	MOVQ rsa+64(FP), R10
	SHLQ $2, R10                     // rsa in bytes
	MOVQ csa+72(FP), R12
	SHLQ $2, R12                     // csa in bytes
	MOVQ rsb+112(FP), R13
	SHLQ $2, R13                     // rsb in bytes
	MOVQ ldc+144(FP), R8
	SHLQ $2, R8                      // ldc in bytes
	MOVQ c_base+120(FP), R15         // the top left tile of C
	MOVQ k+16(FP), CX
	IMULQ R14, CX
	CMPQ CX, $512                    // k*nt*64 bytes of B in 32 KiB: row by row
	JLE  rows

	// Column of tiles by column of tiles.
	MOVQ b_base+80(FP), BX           // the first panel of B
column:
	MOVQ a_base+32(FP), AX           // the first panel of A
	MOVQ R15, DX                     // the top tile of the column
	MOVQ mt+0(FP), R9                // tiles in the column

ctile:
	MOVQ         AX, SI                      // A row 0
	LEAQ         (AX)(R10*2), R11
	ADDQ         R10, R11                    // A row 3
	MOVQ         BX, DI                      // B row 0

	// Pull the tile of C towards L1 while the k loop runs: six rows of 64 bytes, each of
	// which may straddle two cache lines. (measured: see README.md)
	LEAQ         (DX)(R8*2), CX
	ADDQ         R8, CX                      // CX = row 3 of the tile
	PREFETCHT0   (DX)                        // row 0
	PREFETCHT0   60(DX)                      // its last value
	PREFETCHT0   (DX)(R8*1)                  // row 1
	PREFETCHT0   60(DX)(R8*1)                // its last value
	PREFETCHT0   (DX)(R8*2)                  // row 2
	PREFETCHT0   60(DX)(R8*2)                // its last value
	PREFETCHT0   (CX)                        // row 3
	PREFETCHT0   60(CX)                      // its last value
	PREFETCHT0   (CX)(R8*1)                  // row 4
	PREFETCHT0   60(CX)(R8*1)                // its last value
	PREFETCHT0   (CX)(R8*2)                  // row 5
	PREFETCHT0   60(CX)(R8*2)                // its last value

	MOVQ         k+16(FP), CX
	TESTQ        CX, CX
	JZ           czero                       // no steps: the sums are zero
	// The first step sets the sums to its products, x*y, the value an FMA onto zero gives
	// but for the sign of a zero product; it saves the twelve zeroing instructions, a tenth
	// of a tile's at k = 3.
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VMULPS       Y12, Y14, Y0                // C[0][0..7] = A[0][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y1                // C[0][8..15] = A[0][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y2                // C[1][0..7] = A[1][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y3                // C[1][8..15] = A[1][0] * B[0][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VMULPS       Y12, Y14, Y4                // C[2][0..7] = A[2][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y5                // C[2][8..15] = A[2][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y6                // C[3][0..7] = A[3][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y7                // C[3][8..15] = A[3][0] * B[0][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VMULPS       Y12, Y14, Y8                // C[4][0..7] = A[4][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y9                // C[4][8..15] = A[4][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y10               // C[5][0..7] = A[5][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y11               // C[5][8..15] = A[5][0] * B[0][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	SUBQ         $5, CX                      // CX = k - 1 - 4: four steps a round while CX >= 0
	JL           cktail
ckloop4:
	// step p = 4q+0
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+1
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+2
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+3
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	SUBQ         $4, CX
	JGE          ckloop4
cktail:
	ADDQ         $4, CX                      // CX = (k-1) % 4 steps left
	JZ           cscale
ckloop1:
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	DECQ         CX
	JNZ          ckloop1
	JMP          cscale
czero:
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7
	VXORPS       Y8, Y8, Y8
	VXORPS       Y9, Y9, Y9
	VXORPS       Y10, Y10, Y10
	VXORPS       Y11, Y11, Y11
cscale:
	CMPL         alpha+24(FP), $0x3f800000   // alpha == 1: the sums are the result
	JEQ          cstore
	VBROADCASTSS alpha+24(FP), Y12           // Y12 = alpha in every lane
	VMULPS       Y12, Y0, Y0                 // the sums times alpha
	VMULPS       Y12, Y1, Y1
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMULPS       Y12, Y4, Y4
	VMULPS       Y12, Y5, Y5
	VMULPS       Y12, Y6, Y6
	VMULPS       Y12, Y7, Y7
	VMULPS       Y12, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VMULPS       Y12, Y10, Y10
	VMULPS       Y12, Y11, Y11
cstore:
	LEAQ         (DX)(R8*2), SI
	ADDQ         R8, SI                      // SI = row 3 of the tile
	CMPB         acc+152(FP), $0             // acc false: overwrite C without reading it
	JEQ          coverwrite
	VADDPS       (DX), Y0, Y0                // row 0: add C[0][0..7]
	VADDPS       32(DX), Y1, Y1              // and C[0][8..15]
	VMOVUPS      Y0, (DX)                    // store the row
	VMOVUPS      Y1, 32(DX)
	VADDPS       (DX)(R8*1), Y2, Y2          // row 1: add C[1][0..7]
	VADDPS       32(DX)(R8*1), Y3, Y3        // and C[1][8..15]
	VMOVUPS      Y2, (DX)(R8*1)              // store the row
	VMOVUPS      Y3, 32(DX)(R8*1)
	VADDPS       (DX)(R8*2), Y4, Y4          // row 2: add C[2][0..7]
	VADDPS       32(DX)(R8*2), Y5, Y5        // and C[2][8..15]
	VMOVUPS      Y4, (DX)(R8*2)              // store the row
	VMOVUPS      Y5, 32(DX)(R8*2)
	VADDPS       (SI), Y6, Y6                // row 3: add C[3][0..7]
	VADDPS       32(SI), Y7, Y7              // and C[3][8..15]
	VMOVUPS      Y6, (SI)                    // store the row
	VMOVUPS      Y7, 32(SI)
	VADDPS       (SI)(R8*1), Y8, Y8          // row 4: add C[4][0..7]
	VADDPS       32(SI)(R8*1), Y9, Y9        // and C[4][8..15]
	VMOVUPS      Y8, (SI)(R8*1)              // store the row
	VMOVUPS      Y9, 32(SI)(R8*1)
	VADDPS       (SI)(R8*2), Y10, Y10        // row 5: add C[5][0..7]
	VADDPS       32(SI)(R8*2), Y11, Y11      // and C[5][8..15]
	VMOVUPS      Y10, (SI)(R8*2)             // store the row
	VMOVUPS      Y11, 32(SI)(R8*2)
	JMP          cnext
coverwrite:
	VMOVUPS      Y0, (DX)                    // row 0: C[0][0..7]
	VMOVUPS      Y1, 32(DX)                  // C[0][8..15]
	VMOVUPS      Y2, (DX)(R8*1)              // row 1: C[1][0..7]
	VMOVUPS      Y3, 32(DX)(R8*1)            // C[1][8..15]
	VMOVUPS      Y4, (DX)(R8*2)              // row 2: C[2][0..7]
	VMOVUPS      Y5, 32(DX)(R8*2)            // C[2][8..15]
	VMOVUPS      Y6, (SI)                    // row 3: C[3][0..7]
	VMOVUPS      Y7, 32(SI)                  // C[3][8..15]
	VMOVUPS      Y8, (SI)(R8*1)              // row 4: C[4][0..7]
	VMOVUPS      Y9, 32(SI)(R8*1)            // C[4][8..15]
	VMOVUPS      Y10, (SI)(R8*2)             // row 5: C[5][0..7]
	VMOVUPS      Y11, 32(SI)(R8*2)           // C[5][8..15]
cnext:
	MOVQ psa+56(FP), SI
	LEAQ (AX)(SI*4), AX              // the next panel of A
	LEAQ (DX)(R8*4), DX
	LEAQ (DX)(R8*2), DX              // the tile six rows down
	DECQ R9
	JNZ  ctile
	MOVQ psb+104(FP), SI
	LEAQ (BX)(SI*4), BX              // the next panel of B
	ADDQ $64, R15                    // the next column of tiles, 16 values right
	DECQ R14
	JNZ  column
	JMP  done

	// Row of tiles by row of tiles.
rows:
	MOVQ a_base+32(FP), AX           // the first panel of A
row:
	MOVQ b_base+80(FP), BX           // the first panel of B
	MOVQ R15, DX                     // the first tile of the row
	MOVQ nt+8(FP), R14               // tiles in the row

rtile:
	MOVQ         AX, SI                      // A row 0
	LEAQ         (AX)(R10*2), R11
	ADDQ         R10, R11                    // A row 3
	MOVQ         BX, DI                      // B row 0
	LEAQ         (DX)(R8*2), CX
	ADDQ         R8, CX                      // CX = row 3 of the tile
	PREFETCHT0   (DX)                        // row 0
	PREFETCHT0   60(DX)                      // its last value
	PREFETCHT0   (DX)(R8*1)                  // row 1
	PREFETCHT0   60(DX)(R8*1)                // its last value
	PREFETCHT0   (DX)(R8*2)                  // row 2
	PREFETCHT0   60(DX)(R8*2)                // its last value
	PREFETCHT0   (CX)                        // row 3
	PREFETCHT0   60(CX)                      // its last value
	PREFETCHT0   (CX)(R8*1)                  // row 4
	PREFETCHT0   60(CX)(R8*1)                // its last value
	PREFETCHT0   (CX)(R8*2)                  // row 5
	PREFETCHT0   60(CX)(R8*2)                // its last value

	MOVQ         k+16(FP), CX
	TESTQ        CX, CX
	JZ           rzero                       // no steps: the sums are zero
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VMULPS       Y12, Y14, Y0                // C[0][0..7] = A[0][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y1                // C[0][8..15] = A[0][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y2                // C[1][0..7] = A[1][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y3                // C[1][8..15] = A[1][0] * B[0][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VMULPS       Y12, Y14, Y4                // C[2][0..7] = A[2][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y5                // C[2][8..15] = A[2][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y6                // C[3][0..7] = A[3][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y7                // C[3][8..15] = A[3][0] * B[0][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VMULPS       Y12, Y14, Y8                // C[4][0..7] = A[4][0] * B[0][0..7]
	VMULPS       Y13, Y14, Y9                // C[4][8..15] = A[4][0] * B[0][8..15]
	VMULPS       Y12, Y15, Y10               // C[5][0..7] = A[5][0] * B[0][0..7]
	VMULPS       Y13, Y15, Y11               // C[5][8..15] = A[5][0] * B[0][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	SUBQ         $5, CX                      // CX = k - 1 - 4: four steps a round while CX >= 0
	JL           rktail
rkloop4:
	// step p = 4q+0
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+1
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+2
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	// step p = 4q+3
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	SUBQ         $4, CX
	JGE          rkloop4
rktail:
	ADDQ         $4, CX                      // CX = (k-1) % 4 steps left
	JZ           rscale
rkloop1:
	VMOVUPS      (DI), Y12                   // Y12 = B[p][0..7]
	VMOVUPS      32(DI), Y13                 // Y13 = B[p][8..15]
	VBROADCASTSS (SI), Y14                   // Y14 = A[0][p] in every lane
	VBROADCASTSS (SI)(R10*1), Y15            // Y15 = A[1][p]
	VFMADD231PS  Y12, Y14, Y0                // C[0][0..7] += A[0][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y1                // C[0][8..15] += A[0][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y2                // C[1][0..7] += A[1][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y3                // C[1][8..15] += A[1][p] * B[p][8..15]
	VBROADCASTSS (SI)(R10*2), Y14            // Y14 = A[2][p] in every lane
	VBROADCASTSS (R11), Y15                  // Y15 = A[3][p]
	VFMADD231PS  Y12, Y14, Y4                // C[2][0..7] += A[2][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y5                // C[2][8..15] += A[2][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y6                // C[3][0..7] += A[3][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y7                // C[3][8..15] += A[3][p] * B[p][8..15]
	VBROADCASTSS (R11)(R10*1), Y14           // Y14 = A[4][p] in every lane
	VBROADCASTSS (R11)(R10*2), Y15           // Y15 = A[5][p]
	VFMADD231PS  Y12, Y14, Y8                // C[4][0..7] += A[4][p] * B[p][0..7]
	VFMADD231PS  Y13, Y14, Y9                // C[4][8..15] += A[4][p] * B[p][8..15]
	VFMADD231PS  Y12, Y15, Y10               // C[5][0..7] += A[5][p] * B[p][0..7]
	VFMADD231PS  Y13, Y15, Y11               // C[5][8..15] += A[5][p] * B[p][8..15]
	ADDQ         R12, SI                     // A: next step
	ADDQ         R12, R11
	ADDQ         R13, DI                     // B: next row
	DECQ         CX
	JNZ          rkloop1
	JMP          rscale
rzero:
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7
	VXORPS       Y8, Y8, Y8
	VXORPS       Y9, Y9, Y9
	VXORPS       Y10, Y10, Y10
	VXORPS       Y11, Y11, Y11
rscale:
	CMPL         alpha+24(FP), $0x3f800000   // alpha == 1: the sums are the result
	JEQ          rstore
	VBROADCASTSS alpha+24(FP), Y12           // Y12 = alpha in every lane
	VMULPS       Y12, Y0, Y0                 // the sums times alpha
	VMULPS       Y12, Y1, Y1
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMULPS       Y12, Y4, Y4
	VMULPS       Y12, Y5, Y5
	VMULPS       Y12, Y6, Y6
	VMULPS       Y12, Y7, Y7
	VMULPS       Y12, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VMULPS       Y12, Y10, Y10
	VMULPS       Y12, Y11, Y11
rstore:
	LEAQ         (DX)(R8*2), SI
	ADDQ         R8, SI                      // SI = row 3 of the tile
	CMPB         acc+152(FP), $0             // acc false: overwrite C without reading it
	JEQ          roverwrite
	VADDPS       (DX), Y0, Y0                // row 0: add C[0][0..7]
	VADDPS       32(DX), Y1, Y1              // and C[0][8..15]
	VMOVUPS      Y0, (DX)                    // store the row
	VMOVUPS      Y1, 32(DX)
	VADDPS       (DX)(R8*1), Y2, Y2          // row 1: add C[1][0..7]
	VADDPS       32(DX)(R8*1), Y3, Y3        // and C[1][8..15]
	VMOVUPS      Y2, (DX)(R8*1)              // store the row
	VMOVUPS      Y3, 32(DX)(R8*1)
	VADDPS       (DX)(R8*2), Y4, Y4          // row 2: add C[2][0..7]
	VADDPS       32(DX)(R8*2), Y5, Y5        // and C[2][8..15]
	VMOVUPS      Y4, (DX)(R8*2)              // store the row
	VMOVUPS      Y5, 32(DX)(R8*2)
	VADDPS       (SI), Y6, Y6                // row 3: add C[3][0..7]
	VADDPS       32(SI), Y7, Y7              // and C[3][8..15]
	VMOVUPS      Y6, (SI)                    // store the row
	VMOVUPS      Y7, 32(SI)
	VADDPS       (SI)(R8*1), Y8, Y8          // row 4: add C[4][0..7]
	VADDPS       32(SI)(R8*1), Y9, Y9        // and C[4][8..15]
	VMOVUPS      Y8, (SI)(R8*1)              // store the row
	VMOVUPS      Y9, 32(SI)(R8*1)
	VADDPS       (SI)(R8*2), Y10, Y10        // row 5: add C[5][0..7]
	VADDPS       32(SI)(R8*2), Y11, Y11      // and C[5][8..15]
	VMOVUPS      Y10, (SI)(R8*2)             // store the row
	VMOVUPS      Y11, 32(SI)(R8*2)
	JMP          rnext
roverwrite:
	VMOVUPS      Y0, (DX)                    // row 0: C[0][0..7]
	VMOVUPS      Y1, 32(DX)                  // C[0][8..15]
	VMOVUPS      Y2, (DX)(R8*1)              // row 1: C[1][0..7]
	VMOVUPS      Y3, 32(DX)(R8*1)            // C[1][8..15]
	VMOVUPS      Y4, (DX)(R8*2)              // row 2: C[2][0..7]
	VMOVUPS      Y5, 32(DX)(R8*2)            // C[2][8..15]
	VMOVUPS      Y6, (SI)                    // row 3: C[3][0..7]
	VMOVUPS      Y7, 32(SI)                  // C[3][8..15]
	VMOVUPS      Y8, (SI)(R8*1)              // row 4: C[4][0..7]
	VMOVUPS      Y9, 32(SI)(R8*1)            // C[4][8..15]
	VMOVUPS      Y10, (SI)(R8*2)             // row 5: C[5][0..7]
	VMOVUPS      Y11, 32(SI)(R8*2)           // C[5][8..15]
rnext:
	MOVQ psb+104(FP), SI
	LEAQ (BX)(SI*4), BX              // the next panel of B
	ADDQ $64, DX                     // the tile 16 values right
	DECQ R14
	JNZ  rtile
	MOVQ psa+56(FP), SI
	LEAQ (AX)(SI*4), AX              // the next panel of A
	LEAQ (R15)(R8*4), R15
	LEAQ (R15)(R8*2), R15            // the next row of tiles, six rows down
	DECQ R9
	JNZ  row

done:
	VZEROUPPER                       // leave no dirty upper halves to slow down SSE code
	RET
