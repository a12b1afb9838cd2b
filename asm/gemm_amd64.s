//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The 6x16 single-precision micro-kernel of BLIS's Haswell sgemm, for AVX2+FMA.
//
// Register use: Y0..Y11 hold the 6x16 tile of C, row i in Y(2i) (columns 0..7) and Y(2i+1)
// (columns 8..15). Each step p of the k loop loads the 16 values b[p*16:p*16+16] into Y12 and
// Y13, broadcasts the six values a[p*6+i] in turn into Y14 and Y15, and does 12 FMAs. That is
// all 16 ymm registers: 12 accumulators, 2 B vectors and 2 broadcasts, so the two FMA ports
// get 12 independent chains (at 4 cycles of latency they need at least 8) and each step loads
// 64 bytes of B and 24 of A for 192 flops.
//
// Why 6x16: AVX2 has 16 ymm registers. 8x8 would keep only 8 accumulators (exactly what the
// latency needs, no slack) and issue 9 loads per 8 FMAs, so the load ports would bind; 4x24
// keeps 12 accumulators with 7 loads per 12 FMAs but needs a kc x 24 panel of B (36 KiB at
// kc = 384) in a 48 KiB L1. Neither was built: 6x16 alone runs at 94-96% of Peak
// (BenchmarkMicroKernel, k = 384), which leaves another shape little to win.
//
// SI walks the packed A panel (24 bytes a step), DI the packed B panel (64 bytes a step), DX
// the rows of C, R8 is ldc in bytes, CX counts the k steps.

// func microKernel6x16(k int, a, b, c []float32, ldc int, acc bool)
TEXT ·microKernel6x16(SB), NOSPLIT, $0-89
	MOVQ k+0(FP), CX                 // CX = k
	MOVQ a_base+8(FP), SI            // SI = &a[0]
	MOVQ b_base+32(FP), DI           // DI = &b[0]
	MOVQ c_base+56(FP), DX           // DX = &c[0]
	MOVQ ldc+80(FP), R8              // R8 = ldc
	SHLQ $2, R8                      // in bytes

	VXORPS Y0, Y0, Y0                // C row 0, columns 0..7 = 0
	VXORPS Y1, Y1, Y1                // C row 0, columns 8..15 = 0
	VXORPS Y2, Y2, Y2                // C row 1, columns 0..7 = 0
	VXORPS Y3, Y3, Y3                // C row 1, columns 8..15 = 0
	VXORPS Y4, Y4, Y4                // C row 2, columns 0..7 = 0
	VXORPS Y5, Y5, Y5                // C row 2, columns 8..15 = 0
	VXORPS Y6, Y6, Y6                // C row 3, columns 0..7 = 0
	VXORPS Y7, Y7, Y7                // C row 3, columns 8..15 = 0
	VXORPS Y8, Y8, Y8                // C row 4, columns 0..7 = 0
	VXORPS Y9, Y9, Y9                // C row 4, columns 8..15 = 0
	VXORPS Y10, Y10, Y10             // C row 5, columns 0..7 = 0
	VXORPS Y11, Y11, Y11             // C row 5, columns 8..15 = 0

	// Pull the tile of C towards L1 while the k loop runs: six rows of 64 bytes, each of
	// which may straddle two cache lines. Measured in Gemm: +15% at k = 3 when C is cold
	// (4096 x 512), -12% when it is already in cache (256 x 64), nothing either way at k = 512;
	// prefetching A ahead made no measurable difference and is left to the hardware.
	MOVQ DX, R9                      // R9 walks the rows of C
	PREFETCHT0 (R9)                  // row 0
	PREFETCHT0 60(R9)                // row 0, last element
	ADDQ R8, R9
	PREFETCHT0 (R9)                  // row 1
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)                  // row 2
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)                  // row 3
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)                  // row 4
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)                  // row 5
	PREFETCHT0 60(R9)

	MOVQ CX, R9                      // R9 = k / 4 unrolled iterations
	SHRQ $2, R9
	JZ ktail                         // fewer than 4 steps

kloop4:
	// step p = 4q+0
	VMOVUPS 0(DI), Y12               // Y12 = b[p][0..7]
	VMOVUPS 32(DI), Y13              // Y13 = b[p][8..15]
	VBROADCASTSS 0(SI), Y14          // Y14 = a[p][0] in every lane
	VBROADCASTSS 4(SI), Y15          // Y15 = a[p][1]
	VFMADD231PS Y12, Y14, Y0         // C[0][0..7] += a[p][0] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y1         // C[0][8..15] += a[p][0] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y2         // C[1][0..7] += a[p][1] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y3         // C[1][8..15] += a[p][1] * b[p][8..15]
	VBROADCASTSS 8(SI), Y14          // Y14 = a[p][2] in every lane
	VBROADCASTSS 12(SI), Y15         // Y15 = a[p][3]
	VFMADD231PS Y12, Y14, Y4         // C[2][0..7] += a[p][2] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y5         // C[2][8..15] += a[p][2] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y6         // C[3][0..7] += a[p][3] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y7         // C[3][8..15] += a[p][3] * b[p][8..15]
	VBROADCASTSS 16(SI), Y14         // Y14 = a[p][4] in every lane
	VBROADCASTSS 20(SI), Y15         // Y15 = a[p][5]
	VFMADD231PS Y12, Y14, Y8         // C[4][0..7] += a[p][4] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y9         // C[4][8..15] += a[p][4] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y10        // C[5][0..7] += a[p][5] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y11        // C[5][8..15] += a[p][5] * b[p][8..15]
	// step p = 4q+1
	VMOVUPS 64(DI), Y12              // Y12 = b[p][0..7]
	VMOVUPS 96(DI), Y13              // Y13 = b[p][8..15]
	VBROADCASTSS 24(SI), Y14         // Y14 = a[p][0] in every lane
	VBROADCASTSS 28(SI), Y15         // Y15 = a[p][1]
	VFMADD231PS Y12, Y14, Y0         // C[0][0..7] += a[p][0] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y1         // C[0][8..15] += a[p][0] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y2         // C[1][0..7] += a[p][1] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y3         // C[1][8..15] += a[p][1] * b[p][8..15]
	VBROADCASTSS 32(SI), Y14         // Y14 = a[p][2] in every lane
	VBROADCASTSS 36(SI), Y15         // Y15 = a[p][3]
	VFMADD231PS Y12, Y14, Y4         // C[2][0..7] += a[p][2] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y5         // C[2][8..15] += a[p][2] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y6         // C[3][0..7] += a[p][3] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y7         // C[3][8..15] += a[p][3] * b[p][8..15]
	VBROADCASTSS 40(SI), Y14         // Y14 = a[p][4] in every lane
	VBROADCASTSS 44(SI), Y15         // Y15 = a[p][5]
	VFMADD231PS Y12, Y14, Y8         // C[4][0..7] += a[p][4] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y9         // C[4][8..15] += a[p][4] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y10        // C[5][0..7] += a[p][5] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y11        // C[5][8..15] += a[p][5] * b[p][8..15]
	// step p = 4q+2
	VMOVUPS 128(DI), Y12             // Y12 = b[p][0..7]
	VMOVUPS 160(DI), Y13             // Y13 = b[p][8..15]
	VBROADCASTSS 48(SI), Y14         // Y14 = a[p][0] in every lane
	VBROADCASTSS 52(SI), Y15         // Y15 = a[p][1]
	VFMADD231PS Y12, Y14, Y0         // C[0][0..7] += a[p][0] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y1         // C[0][8..15] += a[p][0] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y2         // C[1][0..7] += a[p][1] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y3         // C[1][8..15] += a[p][1] * b[p][8..15]
	VBROADCASTSS 56(SI), Y14         // Y14 = a[p][2] in every lane
	VBROADCASTSS 60(SI), Y15         // Y15 = a[p][3]
	VFMADD231PS Y12, Y14, Y4         // C[2][0..7] += a[p][2] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y5         // C[2][8..15] += a[p][2] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y6         // C[3][0..7] += a[p][3] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y7         // C[3][8..15] += a[p][3] * b[p][8..15]
	VBROADCASTSS 64(SI), Y14         // Y14 = a[p][4] in every lane
	VBROADCASTSS 68(SI), Y15         // Y15 = a[p][5]
	VFMADD231PS Y12, Y14, Y8         // C[4][0..7] += a[p][4] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y9         // C[4][8..15] += a[p][4] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y10        // C[5][0..7] += a[p][5] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y11        // C[5][8..15] += a[p][5] * b[p][8..15]
	// step p = 4q+3
	VMOVUPS 192(DI), Y12             // Y12 = b[p][0..7]
	VMOVUPS 224(DI), Y13             // Y13 = b[p][8..15]
	VBROADCASTSS 72(SI), Y14         // Y14 = a[p][0] in every lane
	VBROADCASTSS 76(SI), Y15         // Y15 = a[p][1]
	VFMADD231PS Y12, Y14, Y0         // C[0][0..7] += a[p][0] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y1         // C[0][8..15] += a[p][0] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y2         // C[1][0..7] += a[p][1] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y3         // C[1][8..15] += a[p][1] * b[p][8..15]
	VBROADCASTSS 80(SI), Y14         // Y14 = a[p][2] in every lane
	VBROADCASTSS 84(SI), Y15         // Y15 = a[p][3]
	VFMADD231PS Y12, Y14, Y4         // C[2][0..7] += a[p][2] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y5         // C[2][8..15] += a[p][2] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y6         // C[3][0..7] += a[p][3] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y7         // C[3][8..15] += a[p][3] * b[p][8..15]
	VBROADCASTSS 88(SI), Y14         // Y14 = a[p][4] in every lane
	VBROADCASTSS 92(SI), Y15         // Y15 = a[p][5]
	VFMADD231PS Y12, Y14, Y8         // C[4][0..7] += a[p][4] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y9         // C[4][8..15] += a[p][4] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y10        // C[5][0..7] += a[p][5] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y11        // C[5][8..15] += a[p][5] * b[p][8..15]
	ADDQ $96, SI                     // next 4 steps of A
	ADDQ $256, DI                    // next 4 steps of B
	DECQ R9
	JNZ  kloop4

ktail:
	ANDQ $3, CX                      // CX = k % 4 remaining steps
	JZ   store

kloop1:
	VMOVUPS 0(DI), Y12               // Y12 = b[p][0..7]
	VMOVUPS 32(DI), Y13              // Y13 = b[p][8..15]
	VBROADCASTSS 0(SI), Y14          // Y14 = a[p][0] in every lane
	VBROADCASTSS 4(SI), Y15          // Y15 = a[p][1]
	VFMADD231PS Y12, Y14, Y0         // C[0][0..7] += a[p][0] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y1         // C[0][8..15] += a[p][0] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y2         // C[1][0..7] += a[p][1] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y3         // C[1][8..15] += a[p][1] * b[p][8..15]
	VBROADCASTSS 8(SI), Y14          // Y14 = a[p][2] in every lane
	VBROADCASTSS 12(SI), Y15         // Y15 = a[p][3]
	VFMADD231PS Y12, Y14, Y4         // C[2][0..7] += a[p][2] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y5         // C[2][8..15] += a[p][2] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y6         // C[3][0..7] += a[p][3] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y7         // C[3][8..15] += a[p][3] * b[p][8..15]
	VBROADCASTSS 16(SI), Y14         // Y14 = a[p][4] in every lane
	VBROADCASTSS 20(SI), Y15         // Y15 = a[p][5]
	VFMADD231PS Y12, Y14, Y8         // C[4][0..7] += a[p][4] * b[p][0..7]
	VFMADD231PS Y13, Y14, Y9         // C[4][8..15] += a[p][4] * b[p][8..15]
	VFMADD231PS Y12, Y15, Y10        // C[5][0..7] += a[p][5] * b[p][0..7]
	VFMADD231PS Y13, Y15, Y11        // C[5][8..15] += a[p][5] * b[p][8..15]
	ADDQ $24, SI                     // next step of A
	ADDQ $64, DI                     // next step of B
	DECQ CX
	JNZ  kloop1

store:
	CMPB acc+88(FP), $0              // acc false: overwrite C without reading it
	JEQ  overwrite

	VADDPS (DX), Y0, Y0              // row 0: add C[0][0..7]
	VADDPS 32(DX), Y1, Y1            // and C[0][8..15]
	VMOVUPS Y0, (DX)                 // store the row
	VMOVUPS Y1, 32(DX)
	ADDQ R8, DX                      // next row of C
	VADDPS (DX), Y2, Y2              // row 1: add C[1][0..7]
	VADDPS 32(DX), Y3, Y3            // and C[1][8..15]
	VMOVUPS Y2, (DX)                 // store the row
	VMOVUPS Y3, 32(DX)
	ADDQ R8, DX                      // next row of C
	VADDPS (DX), Y4, Y4              // row 2: add C[2][0..7]
	VADDPS 32(DX), Y5, Y5            // and C[2][8..15]
	VMOVUPS Y4, (DX)                 // store the row
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX                      // next row of C
	VADDPS (DX), Y6, Y6              // row 3: add C[3][0..7]
	VADDPS 32(DX), Y7, Y7            // and C[3][8..15]
	VMOVUPS Y6, (DX)                 // store the row
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX                      // next row of C
	VADDPS (DX), Y8, Y8              // row 4: add C[4][0..7]
	VADDPS 32(DX), Y9, Y9            // and C[4][8..15]
	VMOVUPS Y8, (DX)                 // store the row
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX                      // next row of C
	VADDPS (DX), Y10, Y10            // row 5: add C[5][0..7]
	VADDPS 32(DX), Y11, Y11          // and C[5][8..15]
	VMOVUPS Y10, (DX)                // store the row
	VMOVUPS Y11, 32(DX)
	VZEROUPPER                       // leave no dirty upper halves to slow down SSE code
	RET

overwrite:
	VMOVUPS Y0, (DX)                 // row 0: C[0][0..7]
	VMOVUPS Y1, 32(DX)               // C[0][8..15]
	ADDQ R8, DX                      // next row of C
	VMOVUPS Y2, (DX)                 // row 1: C[1][0..7]
	VMOVUPS Y3, 32(DX)               // C[1][8..15]
	ADDQ R8, DX                      // next row of C
	VMOVUPS Y4, (DX)                 // row 2: C[2][0..7]
	VMOVUPS Y5, 32(DX)               // C[2][8..15]
	ADDQ R8, DX                      // next row of C
	VMOVUPS Y6, (DX)                 // row 3: C[3][0..7]
	VMOVUPS Y7, 32(DX)               // C[3][8..15]
	ADDQ R8, DX                      // next row of C
	VMOVUPS Y8, (DX)                 // row 4: C[4][0..7]
	VMOVUPS Y9, 32(DX)               // C[4][8..15]
	ADDQ R8, DX                      // next row of C
	VMOVUPS Y10, (DX)                // row 5: C[5][0..7]
	VMOVUPS Y11, 32(DX)              // C[5][8..15]
	VZEROUPPER
	RET
