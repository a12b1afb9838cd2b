//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Packing full panels for the 6x16 kernel (see Set.PackA and Set.PackB); the Go wrappers in
// kernels_amd64.go pack the last, partial panel with the Go set's code. Each function takes
// the number of full panels and the depth k, and stores panel q at dst + q*width*k values.
//
// A "down" copy takes each step's width consecutive values from one row of the source (PackA
// of A^T, PackB of B). An "across" copy gathers one value from each of width rows per step
// (PackA of A, PackB of B^T): it loads eight steps of four or eight rows and transposes them
// in registers, four 4x4 transposes per 128-bit half (VUNPCKLPS/VUNPCKHPS, then VSHUFPS),
// with the rows of the upper half brought in by VINSERTF128 from memory; the last k%8 steps
// are copied one value at a time.

// func packDown6(dst, a []float32, lda, panels, k int)
// For each panel q and step p: dst[(q*k+p)*6 : +6] = a[p*lda+6q : +6].
//
// The source is walked eight rows at a time, the eight rows along all the panels, and the
// eight rows' six values per panel go to that panel's steps p..p+7, 192 contiguous bytes (the
// last k%8 rows one at a time). Walking panel by panel instead reads one cache line per step,
// 4*lda bytes apart: in TN 4096 x 512 x 512, where A^T comes from memory, that cost 1.5 ns a
// value against 0.9 (CPU profiles of BenchmarkGemm). Walking one row at a time along the
// panels stores 24 bytes into each panel in turn, and the panels are 24*k bytes apart, a
// multiple of 4 KiB when k is a multiple of 512: every store of a row then falls into the
// same set of L1, whose 12 ways cannot hold the 48 panels of a 288-row block, and packing
// 4096 x 512 in the passes of TN took 1.6 ns a value on a Zen 5; eight rows at a time fill
// three whole lines of a panel before moving on and took 0.14 to 0.19 (memmove of the same
// bytes: 0.05).
TEXT ·packDown6(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI          // DI = step p of panel 0
	MOVQ a_base+24(FP), SI           // SI = row p
	MOVQ lda+48(FP), R10
	SHLQ $2, R10                     // lda in bytes
	LEAQ (R10)(R10*2), R13           // 3*lda
	MOVQ k+64(FP), CX
	LEAQ (CX)(CX*2), R12
	SHLQ $3, R12                     // R12 = a panel's size in bytes, 24*k
	TESTQ CX, CX
	JZ   d6done
	CMPQ panels+56(FP), $0
	JEQ  d6done
	SUBQ $8, CX                      // CX = k - 8: eight rows a round while CX >= 0
	JL   d6rows
d6block:
	MOVQ SI, R8                      // R8 = row p at the panel's columns
	LEAQ (SI)(R10*4), R9             // R9 = row p+4
	MOVQ DI, DX                      // DX = step p of the panel
	MOVQ panels+56(FP), R11
d6bpanel:
	VMOVUPS (R8), X0                 // row p: four values of the panel's columns
	VMOVSD  16(R8), X1               // and two more
	VMOVUPS X0, (DX)
	VMOVSD  X1, 16(DX)
	VMOVUPS (R8)(R10*1), X0          // row p+1
	VMOVSD  16(R8)(R10*1), X1
	VMOVUPS X0, 24(DX)
	VMOVSD  X1, 40(DX)
	VMOVUPS (R8)(R10*2), X0          // row p+2
	VMOVSD  16(R8)(R10*2), X1
	VMOVUPS X0, 48(DX)
	VMOVSD  X1, 64(DX)
	VMOVUPS (R8)(R13*1), X0          // row p+3
	VMOVSD  16(R8)(R13*1), X1
	VMOVUPS X0, 72(DX)
	VMOVSD  X1, 88(DX)
	VMOVUPS (R9), X0                 // row p+4
	VMOVSD  16(R9), X1
	VMOVUPS X0, 96(DX)
	VMOVSD  X1, 112(DX)
	VMOVUPS (R9)(R10*1), X0          // row p+5
	VMOVSD  16(R9)(R10*1), X1
	VMOVUPS X0, 120(DX)
	VMOVSD  X1, 136(DX)
	VMOVUPS (R9)(R10*2), X0          // row p+6
	VMOVSD  16(R9)(R10*2), X1
	VMOVUPS X0, 144(DX)
	VMOVSD  X1, 160(DX)
	VMOVUPS (R9)(R13*1), X0          // row p+7
	VMOVSD  16(R9)(R13*1), X1
	VMOVUPS X0, 168(DX)
	VMOVSD  X1, 184(DX)
	ADDQ $24, R8                     // the next six columns
	ADDQ $24, R9
	ADDQ R12, DX                     // the next panel
	DECQ R11
	JNZ  d6bpanel
	LEAQ (SI)(R10*8), SI             // row p+8
	ADDQ $192, DI                    // step p+8
	SUBQ $8, CX
	JGE  d6block
d6rows:
	ADDQ $8, CX                      // CX = k%8 rows left, one at a time
	JZ   d6done
d6row:
	MOVQ SI, R8                      // R8 walks row p
	MOVQ DI, DX                      // DX walks step p of each panel
	MOVQ panels+56(FP), R11
d6panel:
	VMOVUPS (R8), X0                 // four values of the panel's columns
	VMOVSD  16(R8), X1               // and two more
	VMOVUPS X0, (DX)
	VMOVSD  X1, 16(DX)
	ADDQ $24, R8                     // the next six columns
	ADDQ R12, DX                     // the next panel
	DECQ R11
	JNZ  d6panel
	ADDQ R10, SI                     // row p+1
	ADDQ $24, DI                     // step p+1
	DECQ CX
	JNZ  d6row
d6done:
	RET

// func packDown16(dst, b []float32, ldb, panels, k int)
// For each panel q and step p: dst[(q*k+p)*16 : +16] = b[p*ldb+16q : +16], walked row by row
// as packDown6 is.
TEXT ·packDown16(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI          // DI = step p of panel 0
	MOVQ b_base+24(FP), SI           // SI = row p
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10                     // ldb in bytes
	MOVQ k+64(FP), CX
	MOVQ CX, R12
	SHLQ $6, R12                     // R12 = a panel's size in bytes, 64*k
	TESTQ CX, CX
	JZ   d16done
	CMPQ panels+56(FP), $0
	JEQ  d16done
d16row:
	MOVQ SI, R8                      // R8 walks row p
	MOVQ DI, DX                      // DX walks step p of each panel
	MOVQ panels+56(FP), R11
d16panel:
	PREFETCHT0 (R8)(R10*8)           // the same columns eight rows on
	VMOVUPS (R8), Y0                 // the panel's 16 values of row p
	VMOVUPS 32(R8), Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ $64, R8                     // the next 16 columns
	ADDQ R12, DX                     // the next panel
	DECQ R11
	JNZ  d16panel
	ADDQ R10, SI                     // row p+1
	ADDQ $64, DI                     // step p+1
	DECQ CX
	JNZ  d16row
d16done:
	VZEROUPPER
	RET

// func packAcross6(dst, a []float32, lda, panels, k int)
// For each panel q, step p and i < 6: dst[(q*k+p)*6+i] = a[(6q+i)*lda+p].
//
// Rows 0..5 of the panel are at (SI), (SI)(R10*1), (SI)(R10*2), (R11), (R11)(R10*1) and
// (R11)(R10*2), SI and R11 moving along the rows eight steps at a time. Y0..Y3 take rows
// 0..3 in their lower halves and rows 4, 5 (and zeros) in their upper halves, so one 4x4
// transpose per half leaves step p's six values in lanes 0..5 of a register, which a masked
// store (Y15: lanes 0..5) writes without touching step p+1's.
TEXT ·packAcross6(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ a_base+24(FP), R8           // R8 = row 0 of panel q
	MOVQ lda+48(FP), R10
	SHLQ $2, R10                     // lda in bytes
	MOVQ panels+56(FP), R9
	TESTQ R9, R9
	JZ   a6done
	LEAQ ·tailMask+8(SB), AX         // lanes 0..5 set: tailMask + 4*(8-6)
	VMOVUPS (AX), Y15
a6panel:
	MOVQ R8, SI                      // row 0
	LEAQ (R8)(R10*2), R11
	ADDQ R10, R11                    // row 3
	MOVQ k+64(FP), CX
	SUBQ $8, CX                      // CX = k - 8: eight steps a round while CX >= 0
	JL   a6tail
a6block:
	// steps 0..3
	VMOVUPS      (SI), X0                    // rows 0 and 4, steps 0..3
	VINSERTF128  $1, (R11)(R10*1), Y0, Y0
	VMOVUPS      (SI)(R10*1), X1             // rows 1 and 5
	VINSERTF128  $1, (R11)(R10*2), Y1, Y1
	VMOVUPS      (SI)(R10*2), X2             // row 2 (upper half zero)
	VMOVUPS      (R11), X3                   // row 3 (upper half zero)
	VUNPCKLPS    Y1, Y0, Y4                  // [r0[0] r1[0] r0[1] r1[1] | r4[0] r5[0] r4[1] r5[1]]
	VUNPCKHPS    Y1, Y0, Y5                  // [r0[2] r1[2] r0[3] r1[3] | r4[2] r5[2] r4[3] r5[3]]
	VUNPCKLPS    Y3, Y2, Y6                  // [r2[0] r3[0] r2[1] r3[1] | 0 ...]
	VUNPCKHPS    Y3, Y2, Y7                  // [r2[2] r3[2] r2[3] r3[3] | 0 ...]
	VSHUFPS      $0x44, Y6, Y4, Y8           // [r0..r3 | r4 r5 0 0] of the first step
	VSHUFPS      $0xee, Y6, Y4, Y9           // the second
	VSHUFPS      $0x44, Y7, Y5, Y10          // the third
	VSHUFPS      $0xee, Y7, Y5, Y11          // the fourth
	VMASKMOVPS   Y8, Y15, (DI)               // six values of step 0
	VMASKMOVPS   Y9, Y15, 24(DI)             // six values of step 1
	VMASKMOVPS   Y10, Y15, 48(DI)            // six values of step 2
	VMASKMOVPS   Y11, Y15, 72(DI)            // six values of step 3
	// steps 4..7
	VMOVUPS      16(SI), X0                  // rows 0 and 4, steps 4..7
	VINSERTF128  $1, 16(R11)(R10*1), Y0, Y0
	VMOVUPS      16(SI)(R10*1), X1           // rows 1 and 5
	VINSERTF128  $1, 16(R11)(R10*2), Y1, Y1
	VMOVUPS      16(SI)(R10*2), X2           // row 2 (upper half zero)
	VMOVUPS      16(R11), X3                 // row 3 (upper half zero)
	VUNPCKLPS    Y1, Y0, Y4                  // [r0[0] r1[0] r0[1] r1[1] | r4[0] r5[0] r4[1] r5[1]]
	VUNPCKHPS    Y1, Y0, Y5                  // [r0[2] r1[2] r0[3] r1[3] | r4[2] r5[2] r4[3] r5[3]]
	VUNPCKLPS    Y3, Y2, Y6                  // [r2[0] r3[0] r2[1] r3[1] | 0 ...]
	VUNPCKHPS    Y3, Y2, Y7                  // [r2[2] r3[2] r2[3] r3[3] | 0 ...]
	VSHUFPS      $0x44, Y6, Y4, Y8           // [r0..r3 | r4 r5 0 0] of the first step
	VSHUFPS      $0xee, Y6, Y4, Y9           // the second
	VSHUFPS      $0x44, Y7, Y5, Y10          // the third
	VSHUFPS      $0xee, Y7, Y5, Y11          // the fourth
	VMASKMOVPS   Y8, Y15, 96(DI)             // six values of step 4
	VMASKMOVPS   Y9, Y15, 120(DI)            // six values of step 5
	VMASKMOVPS   Y10, Y15, 144(DI)           // six values of step 6
	VMASKMOVPS   Y11, Y15, 168(DI)           // six values of step 7
	ADDQ $32, SI                     // eight steps on
	ADDQ $32, R11
	ADDQ $192, DI
	SUBQ $8, CX
	JGE  a6block
a6tail:
	ADDQ $8, CX                      // CX = k % 8 steps left, one value at a time
	JZ   a6next
a6step:
	VMOVSS       (SI), X0                    // row 0
	VMOVSS       (SI)(R10*1), X1             // row 1
	VMOVSS       (SI)(R10*2), X2             // row 2
	VMOVSS       (R11), X3                   // row 3
	VMOVSS       (R11)(R10*1), X4            // row 4
	VMOVSS       (R11)(R10*2), X5            // row 5
	VMOVSS       X0, (DI)
	VMOVSS       X1, 4(DI)
	VMOVSS       X2, 8(DI)
	VMOVSS       X3, 12(DI)
	VMOVSS       X4, 16(DI)
	VMOVSS       X5, 20(DI)
	ADDQ $4, SI
	ADDQ $4, R11
	ADDQ $24, DI
	DECQ CX
	JNZ  a6step
a6next:
	LEAQ (R8)(R10*4), R8
	LEAQ (R8)(R10*2), R8             // row 0 of the next panel, six rows down
	DECQ R9
	JNZ  a6panel
a6done:
	VZEROUPPER
	RET

// func packAcross16(dst, b []float32, ldb, panels, k int)
// For each panel q, step p and j < 16: dst[(q*k+p)*16+j] = b[(16q+j)*ldb+p].
//
// Each panel is done in two halves of eight rows, columns 0..7 of each step and then 8..15.
// Rows 0..7 of a half are at (SI), (SI)(R10*1), (SI)(R10*2), (R11), (SI)(R10*4), (R11)(R10*2),
// (R12) and (R12)(R10*1), with R11 = SI + 3*ldb and R12 = SI + 6*ldb. Y0..Y3 take rows 0..3
// in their lower halves and rows 4..7 in their upper halves: an 8x8 transpose in 8 shuffles
// and 4 inserts for every eight steps.
TEXT ·packAcross16(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ b_base+24(FP), R8           // R8 = row 0 of the half
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10                     // ldb in bytes
	MOVQ panels+56(FP), R9
	SHLQ $1, R9                      // R9 = halves left
	TESTQ R9, R9
	JZ   b16done
	MOVQ k+64(FP), R13
	SHLQ $6, R13                     // R13 = a panel's size in bytes, k*64
b16half:
	MOVQ DI, DX                      // DX walks the steps of the half's columns
	MOVQ R8, SI                      // row 0
	LEAQ (R8)(R10*2), R11
	ADDQ R10, R11                    // row 3
	LEAQ (R11)(R10*2), R12
	ADDQ R10, R12                    // row 6
	MOVQ k+64(FP), CX
	SUBQ $8, CX
	JL   b16tail
b16block:
	// steps 0..3
	VMOVUPS      (SI), X0                    // rows 0 and 4, steps 0..3
	VINSERTF128  $1, (SI)(R10*4), Y0, Y0
	VMOVUPS      (SI)(R10*1), X1             // rows 1 and 5, steps 0..3
	VINSERTF128  $1, (R11)(R10*2), Y1, Y1
	VMOVUPS      (SI)(R10*2), X2             // rows 2 and 6, steps 0..3
	VINSERTF128  $1, (R12), Y2, Y2
	VMOVUPS      (R11), X3                   // rows 3 and 7, steps 0..3
	VINSERTF128  $1, (R12)(R10*1), Y3, Y3
	VUNPCKLPS    Y1, Y0, Y4                  // [r0[0] r1[0] r0[1] r1[1] | r4[0] r5[0] r4[1] r5[1]]
	VUNPCKHPS    Y1, Y0, Y5                  // [r0[2] r1[2] r0[3] r1[3] | r4[2] r5[2] r4[3] r5[3]]
	VUNPCKLPS    Y3, Y2, Y6                  // [r2[0] r3[0] r2[1] r3[1] | r6[0] r7[0] r6[1] r7[1]]
	VUNPCKHPS    Y3, Y2, Y7                  // [r2[2] r3[2] r2[3] r3[3] | r6[2] r7[2] r6[3] r7[3]]
	VSHUFPS      $0x44, Y6, Y4, Y8           // [r0..r7] of the first step
	VSHUFPS      $0xee, Y6, Y4, Y9           // the second
	VSHUFPS      $0x44, Y7, Y5, Y10          // the third
	VSHUFPS      $0xee, Y7, Y5, Y11          // the fourth
	VMOVUPS      Y8, (DX)                    // eight values of step 0
	VMOVUPS      Y9, 64(DX)                  // eight values of step 1
	VMOVUPS      Y10, 128(DX)                // eight values of step 2
	VMOVUPS      Y11, 192(DX)                // eight values of step 3
	// steps 4..7
	VMOVUPS      16(SI), X0                  // rows 0 and 4, steps 4..7
	VINSERTF128  $1, 16(SI)(R10*4), Y0, Y0
	VMOVUPS      16(SI)(R10*1), X1           // rows 1 and 5, steps 4..7
	VINSERTF128  $1, 16(R11)(R10*2), Y1, Y1
	VMOVUPS      16(SI)(R10*2), X2           // rows 2 and 6, steps 4..7
	VINSERTF128  $1, 16(R12), Y2, Y2
	VMOVUPS      16(R11), X3                 // rows 3 and 7, steps 4..7
	VINSERTF128  $1, 16(R12)(R10*1), Y3, Y3
	VUNPCKLPS    Y1, Y0, Y4                  // [r0[0] r1[0] r0[1] r1[1] | r4[0] r5[0] r4[1] r5[1]]
	VUNPCKHPS    Y1, Y0, Y5                  // [r0[2] r1[2] r0[3] r1[3] | r4[2] r5[2] r4[3] r5[3]]
	VUNPCKLPS    Y3, Y2, Y6                  // [r2[0] r3[0] r2[1] r3[1] | r6[0] r7[0] r6[1] r7[1]]
	VUNPCKHPS    Y3, Y2, Y7                  // [r2[2] r3[2] r2[3] r3[3] | r6[2] r7[2] r6[3] r7[3]]
	VSHUFPS      $0x44, Y6, Y4, Y8           // [r0..r7] of the first step
	VSHUFPS      $0xee, Y6, Y4, Y9           // the second
	VSHUFPS      $0x44, Y7, Y5, Y10          // the third
	VSHUFPS      $0xee, Y7, Y5, Y11          // the fourth
	VMOVUPS      Y8, 256(DX)                 // eight values of step 4
	VMOVUPS      Y9, 320(DX)                 // eight values of step 5
	VMOVUPS      Y10, 384(DX)                // eight values of step 6
	VMOVUPS      Y11, 448(DX)                // eight values of step 7
	ADDQ $32, SI                     // eight steps on
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $512, DX
	SUBQ $8, CX
	JGE  b16block
b16tail:
	ADDQ $8, CX                      // CX = k % 8 steps left, one value at a time
	JZ   b16next
b16step:
	VMOVSS       (SI), X0                    // row 0
	VMOVSS       (SI)(R10*1), X1             // row 1
	VMOVSS       (SI)(R10*2), X2             // row 2
	VMOVSS       (R11), X3                   // row 3
	VMOVSS       (SI)(R10*4), X4             // row 4
	VMOVSS       (R11)(R10*2), X5            // row 5
	VMOVSS       (R12), X6                   // row 6
	VMOVSS       (R12)(R10*1), X7            // row 7
	VMOVSS       X0, (DX)
	VMOVSS       X1, 4(DX)
	VMOVSS       X2, 8(DX)
	VMOVSS       X3, 12(DX)
	VMOVSS       X4, 16(DX)
	VMOVSS       X5, 20(DX)
	VMOVSS       X6, 24(DX)
	VMOVSS       X7, 28(DX)
	ADDQ $4, SI
	ADDQ $4, R11
	ADDQ $4, R12
	ADDQ $64, DX
	DECQ CX
	JNZ  b16step
b16next:
	LEAQ (R8)(R10*8), R8             // row 0 of the next half, eight rows down
	TESTQ $1, R9                     // R9 odd: the second half is done, next panel
	JNZ  b16panel
	ADDQ $32, DI                     // the second half: columns 8..15
	DECQ R9
	JMP  b16half
b16panel:
	SUBQ $32, DI                     // back to column 0 ...
	ADDQ R13, DI                     // ... of the next panel
	DECQ R9
	JNZ  b16half
b16done:
	VZEROUPPER
	RET
