//go:build gc && !purego && !noasm

#include "textflag.h"

// The 8x12 NEON kernel of Set.Block, run over a whole block of tiles per call:
// C[i][j] = alpha * sum_p A[i][p] * B[p][j] (+ C[i][j]) for i < 8*mt, j < 12*nt.
//
// Register plan (AArch64 has 32 vector registers of four float32):
//   V8-V31  the 96 sums of a tile, row i in V(8+3i), V(9+3i), V(10+3i) (columns 0-3, 4-7, 8-11)
//   V0, V1  A of an even step (rows 0-3 and 4-7); V5, V6 A of an odd step
//   V2-V4   B of the current step, each reloaded with the next step's as soon as its eight
//           fmla have issued
//   V7      alpha in lane 0
//
// Every step is 24 by-element fmla (each sum gets one, so a chain has 23 independent fmla
// between its links, where Cortex-A53/A72/A76 keep at most about 8 in flight: latency times
// issue rate) and, in the main loop, the next step's loads spread among them. The loop is
// unrolled by two steps so that the A registers alternate; the next step's operands are
// loaded only while one remains, so the kernel never reads past the last step of A or B.
//
// Two variants differ only in how a step of A is loaded. blockNEONVec takes the eight values
// as two vectors (packed panels, rsa = 1 and csa = 8, or A^T in place, csa = lda), stepping
// by csa. blockNEONLanes loads them one lane at a time from eight row pointers R10-R17, each
// stepping by csa (A in place, rsa = lda and csa = 1): eight loads a step instead of one,
// spread one every second fmla.
//
// B's twelve values of a step are three loads: 16 bytes, 16 bytes, then rsb*4-32 (R6), so
// the pointer lands on the next row whatever rsb is.
//
// Go's assembler has no by-element fmla or fmul and no vector fadd: those are WORD lines
// encoded by asm2plan9s from the GNU syntax in their comments (go generate ./asm; see
// README.md).
//
// General registers: R0 steps left, R1 A (Vec), R10-R17 A's rows (Lanes), R2 B, R3 C's tile,
// R4 ldc, R5 csa, R6 rsb-32, R8 rsa (all in bytes), R7 scratch, R9 tiles left in the column,
// R19 A's panel, R20 B's panel, R21 C's column of tiles, R22 columns left, R23 psa and R24
// psb in bytes, R25 alpha's bits, R26 acc.

// func blockNEONVec(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)
TEXT ·blockNEONVec(SB), NOSPLIT, $0-153
	MOVD  mt+0(FP), R9
	MOVD  nt+8(FP), R22
	CBZ   R9, vdone
	CBZ   R22, vdone
	MOVD  csa+72(FP), R5
	LSL   $2, R5                    // csa in bytes
	MOVD  rsb+112(FP), R6
	LSL   $2, R6
	SUB   $32, R6                   // rsb in bytes, less the 32 the first two B loads step
	MOVD  ldc+144(FP), R4
	LSL   $2, R4                    // ldc in bytes
	MOVD  psa+56(FP), R23
	LSL   $2, R23                   // psa in bytes
	MOVD  psb+104(FP), R24
	LSL   $2, R24                   // psb in bytes
	MOVD  rsa+64(FP), R8
	LSL   $2, R8                    // rsa in bytes
	MOVD  b_base+80(FP), R20        // the first panel of B
	MOVD  c_base+120(FP), R21       // the top left tile of C
	FMOVS alpha+24(FP), F7          // V7.s[0] = alpha
	MOVWU alpha+24(FP), R25
	MOVBU acc+152(FP), R26

vcolumn:
	MOVD  a_base+32(FP), R19        // the first panel of A
	MOVD  R21, R3                   // the top tile of the column
	MOVD  mt+0(FP), R9

vtile:
	MOVD  R19, R1                   // A: step 0 of the panel
	MOVD  R20, R2                   // B: row 0 of the panel
	MOVD  k+16(FP), R0
	VEOR  V8.B16, V8.B16, V8.B16
	VEOR  V9.B16, V9.B16, V9.B16
	VEOR  V10.B16, V10.B16, V10.B16
	VEOR  V11.B16, V11.B16, V11.B16
	VEOR  V12.B16, V12.B16, V12.B16
	VEOR  V13.B16, V13.B16, V13.B16
	VEOR  V14.B16, V14.B16, V14.B16
	VEOR  V15.B16, V15.B16, V15.B16
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16
	VEOR  V20.B16, V20.B16, V20.B16
	VEOR  V21.B16, V21.B16, V21.B16
	VEOR  V22.B16, V22.B16, V22.B16
	VEOR  V23.B16, V23.B16, V23.B16
	VEOR  V24.B16, V24.B16, V24.B16
	VEOR  V25.B16, V25.B16, V25.B16
	VEOR  V26.B16, V26.B16, V26.B16
	VEOR  V27.B16, V27.B16, V27.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	VEOR  V30.B16, V30.B16, V30.B16
	VEOR  V31.B16, V31.B16, V31.B16
	CBZ   R0, vscale
	VLD1.P (R1)(R5), [V0.S4, V1.S4]
	VLD1.P 16(R2), [V2.S4]
	VLD1.P 16(R2), [V3.S4]
	VLD1.P (R2)(R6), [V4.S4]
	CMP   $3, R0
	BLT   vtail

vloop: // two steps while at least three remain, so both may load the step after them
	// Step with A in V0, V1.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	VLD1.P (R1)(R5), [V5.S4, V6.S4] // A of the next step
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	// Step with A in V5, V6.
	WORD $0x4f851048 // fmla v8.4s, v2.4s, v5.s[0]
	WORD $0x4fa5104b // fmla v11.4s, v2.4s, v5.s[1]
	VLD1.P (R1)(R5), [V0.S4, V1.S4] // A of the next step
	WORD $0x4f85184e // fmla v14.4s, v2.4s, v5.s[2]
	WORD $0x4fa51851 // fmla v17.4s, v2.4s, v5.s[3]
	WORD $0x4f861054 // fmla v20.4s, v2.4s, v6.s[0]
	WORD $0x4fa61057 // fmla v23.4s, v2.4s, v6.s[1]
	WORD $0x4f86185a // fmla v26.4s, v2.4s, v6.s[2]
	WORD $0x4fa6185d // fmla v29.4s, v2.4s, v6.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f851069 // fmla v9.4s, v3.4s, v5.s[0]
	WORD $0x4fa5106c // fmla v12.4s, v3.4s, v5.s[1]
	WORD $0x4f85186f // fmla v15.4s, v3.4s, v5.s[2]
	WORD $0x4fa51872 // fmla v18.4s, v3.4s, v5.s[3]
	WORD $0x4f861075 // fmla v21.4s, v3.4s, v6.s[0]
	WORD $0x4fa61078 // fmla v24.4s, v3.4s, v6.s[1]
	WORD $0x4f86187b // fmla v27.4s, v3.4s, v6.s[2]
	WORD $0x4fa6187e // fmla v30.4s, v3.4s, v6.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f85108a // fmla v10.4s, v4.4s, v5.s[0]
	WORD $0x4fa5108d // fmla v13.4s, v4.4s, v5.s[1]
	WORD $0x4f851890 // fmla v16.4s, v4.4s, v5.s[2]
	WORD $0x4fa51893 // fmla v19.4s, v4.4s, v5.s[3]
	WORD $0x4f861096 // fmla v22.4s, v4.4s, v6.s[0]
	WORD $0x4fa61099 // fmla v25.4s, v4.4s, v6.s[1]
	WORD $0x4f86189c // fmla v28.4s, v4.4s, v6.s[2]
	WORD $0x4fa6189f // fmla v31.4s, v4.4s, v6.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	SUB   $2, R0
	CMP   $3, R0
	BGE   vloop

vtail: // one or two steps remain, the first one's operands loaded
	CMP   $2, R0
	BLT   vlast
	// The last but one step, A in V0, V1: loads the last.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	VLD1.P (R1)(R5), [V5.S4, V6.S4] // A of the next step
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	// The last step, A in V5, V6.
	WORD $0x4f851048 // fmla v8.4s, v2.4s, v5.s[0]
	WORD $0x4fa5104b // fmla v11.4s, v2.4s, v5.s[1]
	WORD $0x4f85184e // fmla v14.4s, v2.4s, v5.s[2]
	WORD $0x4fa51851 // fmla v17.4s, v2.4s, v5.s[3]
	WORD $0x4f861054 // fmla v20.4s, v2.4s, v6.s[0]
	WORD $0x4fa61057 // fmla v23.4s, v2.4s, v6.s[1]
	WORD $0x4f86185a // fmla v26.4s, v2.4s, v6.s[2]
	WORD $0x4fa6185d // fmla v29.4s, v2.4s, v6.s[3]
	WORD $0x4f851069 // fmla v9.4s, v3.4s, v5.s[0]
	WORD $0x4fa5106c // fmla v12.4s, v3.4s, v5.s[1]
	WORD $0x4f85186f // fmla v15.4s, v3.4s, v5.s[2]
	WORD $0x4fa51872 // fmla v18.4s, v3.4s, v5.s[3]
	WORD $0x4f861075 // fmla v21.4s, v3.4s, v6.s[0]
	WORD $0x4fa61078 // fmla v24.4s, v3.4s, v6.s[1]
	WORD $0x4f86187b // fmla v27.4s, v3.4s, v6.s[2]
	WORD $0x4fa6187e // fmla v30.4s, v3.4s, v6.s[3]
	WORD $0x4f85108a // fmla v10.4s, v4.4s, v5.s[0]
	WORD $0x4fa5108d // fmla v13.4s, v4.4s, v5.s[1]
	WORD $0x4f851890 // fmla v16.4s, v4.4s, v5.s[2]
	WORD $0x4fa51893 // fmla v19.4s, v4.4s, v5.s[3]
	WORD $0x4f861096 // fmla v22.4s, v4.4s, v6.s[0]
	WORD $0x4fa61099 // fmla v25.4s, v4.4s, v6.s[1]
	WORD $0x4f86189c // fmla v28.4s, v4.4s, v6.s[2]
	WORD $0x4fa6189f // fmla v31.4s, v4.4s, v6.s[3]
	B     vscale

vlast: // The last step, A in V0, V1.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]

vscale:
	MOVW  $0x3f800000, R7
	CMPW  R7, R25
	BEQ   vstore                  // alpha == 1: the sums are the result
	WORD $0x4f879108 // fmul v8.4s, v8.4s, v7.s[0]
	WORD $0x4f879129 // fmul v9.4s, v9.4s, v7.s[0]
	WORD $0x4f87914a // fmul v10.4s, v10.4s, v7.s[0]
	WORD $0x4f87916b // fmul v11.4s, v11.4s, v7.s[0]
	WORD $0x4f87918c // fmul v12.4s, v12.4s, v7.s[0]
	WORD $0x4f8791ad // fmul v13.4s, v13.4s, v7.s[0]
	WORD $0x4f8791ce // fmul v14.4s, v14.4s, v7.s[0]
	WORD $0x4f8791ef // fmul v15.4s, v15.4s, v7.s[0]
	WORD $0x4f879210 // fmul v16.4s, v16.4s, v7.s[0]
	WORD $0x4f879231 // fmul v17.4s, v17.4s, v7.s[0]
	WORD $0x4f879252 // fmul v18.4s, v18.4s, v7.s[0]
	WORD $0x4f879273 // fmul v19.4s, v19.4s, v7.s[0]
	WORD $0x4f879294 // fmul v20.4s, v20.4s, v7.s[0]
	WORD $0x4f8792b5 // fmul v21.4s, v21.4s, v7.s[0]
	WORD $0x4f8792d6 // fmul v22.4s, v22.4s, v7.s[0]
	WORD $0x4f8792f7 // fmul v23.4s, v23.4s, v7.s[0]
	WORD $0x4f879318 // fmul v24.4s, v24.4s, v7.s[0]
	WORD $0x4f879339 // fmul v25.4s, v25.4s, v7.s[0]
	WORD $0x4f87935a // fmul v26.4s, v26.4s, v7.s[0]
	WORD $0x4f87937b // fmul v27.4s, v27.4s, v7.s[0]
	WORD $0x4f87939c // fmul v28.4s, v28.4s, v7.s[0]
	WORD $0x4f8793bd // fmul v29.4s, v29.4s, v7.s[0]
	WORD $0x4f8793de // fmul v30.4s, v30.4s, v7.s[0]
	WORD $0x4f8793ff // fmul v31.4s, v31.4s, v7.s[0]

vstore:
	MOVD  R3, R7                    // R7 walks the rows of the tile
	CBZ   R26, voverwrite
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 0 of C
	WORD $0x4e20d508 // fadd v8.4s, v8.4s, v0.4s
	WORD $0x4e21d529 // fadd v9.4s, v9.4s, v1.4s
	WORD $0x4e22d54a // fadd v10.4s, v10.4s, v2.4s
	VST1.P [V8.S4, V9.S4, V10.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 1 of C
	WORD $0x4e20d56b // fadd v11.4s, v11.4s, v0.4s
	WORD $0x4e21d58c // fadd v12.4s, v12.4s, v1.4s
	WORD $0x4e22d5ad // fadd v13.4s, v13.4s, v2.4s
	VST1.P [V11.S4, V12.S4, V13.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 2 of C
	WORD $0x4e20d5ce // fadd v14.4s, v14.4s, v0.4s
	WORD $0x4e21d5ef // fadd v15.4s, v15.4s, v1.4s
	WORD $0x4e22d610 // fadd v16.4s, v16.4s, v2.4s
	VST1.P [V14.S4, V15.S4, V16.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 3 of C
	WORD $0x4e20d631 // fadd v17.4s, v17.4s, v0.4s
	WORD $0x4e21d652 // fadd v18.4s, v18.4s, v1.4s
	WORD $0x4e22d673 // fadd v19.4s, v19.4s, v2.4s
	VST1.P [V17.S4, V18.S4, V19.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 4 of C
	WORD $0x4e20d694 // fadd v20.4s, v20.4s, v0.4s
	WORD $0x4e21d6b5 // fadd v21.4s, v21.4s, v1.4s
	WORD $0x4e22d6d6 // fadd v22.4s, v22.4s, v2.4s
	VST1.P [V20.S4, V21.S4, V22.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 5 of C
	WORD $0x4e20d6f7 // fadd v23.4s, v23.4s, v0.4s
	WORD $0x4e21d718 // fadd v24.4s, v24.4s, v1.4s
	WORD $0x4e22d739 // fadd v25.4s, v25.4s, v2.4s
	VST1.P [V23.S4, V24.S4, V25.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 6 of C
	WORD $0x4e20d75a // fadd v26.4s, v26.4s, v0.4s
	WORD $0x4e21d77b // fadd v27.4s, v27.4s, v1.4s
	WORD $0x4e22d79c // fadd v28.4s, v28.4s, v2.4s
	VST1.P [V26.S4, V27.S4, V28.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 7 of C
	WORD $0x4e20d7bd // fadd v29.4s, v29.4s, v0.4s
	WORD $0x4e21d7de // fadd v30.4s, v30.4s, v1.4s
	WORD $0x4e22d7ff // fadd v31.4s, v31.4s, v2.4s
	VST1.P [V29.S4, V30.S4, V31.S4], (R7)(R4)
	B     vnext

voverwrite:
	VST1.P [V8.S4, V9.S4, V10.S4], (R7)(R4)
	VST1.P [V11.S4, V12.S4, V13.S4], (R7)(R4)
	VST1.P [V14.S4, V15.S4, V16.S4], (R7)(R4)
	VST1.P [V17.S4, V18.S4, V19.S4], (R7)(R4)
	VST1.P [V20.S4, V21.S4, V22.S4], (R7)(R4)
	VST1.P [V23.S4, V24.S4, V25.S4], (R7)(R4)
	VST1.P [V26.S4, V27.S4, V28.S4], (R7)(R4)
	VST1.P [V29.S4, V30.S4, V31.S4], (R7)(R4)

vnext:
	ADD   R23, R19, R19             // the next panel of A
	ADD   R4<<3, R3, R3             // the tile eight rows down
	SUB   $1, R9
	CBNZ  R9, vtile
	ADD   R24, R20, R20             // the next panel of B
	ADD   $48, R21, R21             // the next column of tiles, 12 values right
	SUB   $1, R22
	CBNZ  R22, vcolumn

vdone:
	RET

// func blockNEONLanes(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool)
TEXT ·blockNEONLanes(SB), NOSPLIT, $0-153
	MOVD  mt+0(FP), R9
	MOVD  nt+8(FP), R22
	CBZ   R9, ldone
	CBZ   R22, ldone
	MOVD  csa+72(FP), R5
	LSL   $2, R5                    // csa in bytes
	MOVD  rsb+112(FP), R6
	LSL   $2, R6
	SUB   $32, R6                   // rsb in bytes, less the 32 the first two B loads step
	MOVD  ldc+144(FP), R4
	LSL   $2, R4                    // ldc in bytes
	MOVD  psa+56(FP), R23
	LSL   $2, R23                   // psa in bytes
	MOVD  psb+104(FP), R24
	LSL   $2, R24                   // psb in bytes
	MOVD  rsa+64(FP), R8
	LSL   $2, R8                    // rsa in bytes
	MOVD  b_base+80(FP), R20        // the first panel of B
	MOVD  c_base+120(FP), R21       // the top left tile of C
	FMOVS alpha+24(FP), F7          // V7.s[0] = alpha
	MOVWU alpha+24(FP), R25
	MOVBU acc+152(FP), R26

lcolumn:
	MOVD  a_base+32(FP), R19        // the first panel of A
	MOVD  R21, R3                   // the top tile of the column
	MOVD  mt+0(FP), R9

ltile:
	MOVD  R19, R10                  // A: row 0 of the panel, then rows 1..7
	ADD   R8, R10, R11
	ADD   R8, R11, R12
	ADD   R8, R12, R13
	ADD   R8, R13, R14
	ADD   R8, R14, R15
	ADD   R8, R15, R16
	ADD   R8, R16, R17
	MOVD  R20, R2                   // B: row 0 of the panel
	MOVD  k+16(FP), R0
	VEOR  V8.B16, V8.B16, V8.B16
	VEOR  V9.B16, V9.B16, V9.B16
	VEOR  V10.B16, V10.B16, V10.B16
	VEOR  V11.B16, V11.B16, V11.B16
	VEOR  V12.B16, V12.B16, V12.B16
	VEOR  V13.B16, V13.B16, V13.B16
	VEOR  V14.B16, V14.B16, V14.B16
	VEOR  V15.B16, V15.B16, V15.B16
	VEOR  V16.B16, V16.B16, V16.B16
	VEOR  V17.B16, V17.B16, V17.B16
	VEOR  V18.B16, V18.B16, V18.B16
	VEOR  V19.B16, V19.B16, V19.B16
	VEOR  V20.B16, V20.B16, V20.B16
	VEOR  V21.B16, V21.B16, V21.B16
	VEOR  V22.B16, V22.B16, V22.B16
	VEOR  V23.B16, V23.B16, V23.B16
	VEOR  V24.B16, V24.B16, V24.B16
	VEOR  V25.B16, V25.B16, V25.B16
	VEOR  V26.B16, V26.B16, V26.B16
	VEOR  V27.B16, V27.B16, V27.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	VEOR  V30.B16, V30.B16, V30.B16
	VEOR  V31.B16, V31.B16, V31.B16
	CBZ   R0, lscale
	VLD1.P (R10)(R5), V0.S[0]
	VLD1.P (R11)(R5), V0.S[1]
	VLD1.P (R12)(R5), V0.S[2]
	VLD1.P (R13)(R5), V0.S[3]
	VLD1.P (R14)(R5), V1.S[0]
	VLD1.P (R15)(R5), V1.S[1]
	VLD1.P (R16)(R5), V1.S[2]
	VLD1.P (R17)(R5), V1.S[3]
	VLD1.P 16(R2), [V2.S4]
	VLD1.P 16(R2), [V3.S4]
	VLD1.P (R2)(R6), [V4.S4]
	CMP   $3, R0
	BLT   ltail

lloop: // two steps while at least three remain, so both may load the step after them
	// Step with A in V0, V1.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	VLD1.P (R10)(R5), V5.S[0] // A[0] of the next step
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	VLD1.P (R11)(R5), V5.S[1] // A[1] of the next step
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	VLD1.P (R12)(R5), V5.S[2] // A[2] of the next step
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	VLD1.P (R13)(R5), V5.S[3] // A[3] of the next step
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	VLD1.P (R14)(R5), V6.S[0] // A[4] of the next step
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	VLD1.P (R15)(R5), V6.S[1] // A[5] of the next step
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	VLD1.P (R16)(R5), V6.S[2] // A[6] of the next step
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	VLD1.P (R17)(R5), V6.S[3] // A[7] of the next step
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	// Step with A in V5, V6.
	WORD $0x4f851048 // fmla v8.4s, v2.4s, v5.s[0]
	VLD1.P (R10)(R5), V0.S[0] // A[0] of the next step
	WORD $0x4fa5104b // fmla v11.4s, v2.4s, v5.s[1]
	WORD $0x4f85184e // fmla v14.4s, v2.4s, v5.s[2]
	VLD1.P (R11)(R5), V0.S[1] // A[1] of the next step
	WORD $0x4fa51851 // fmla v17.4s, v2.4s, v5.s[3]
	WORD $0x4f861054 // fmla v20.4s, v2.4s, v6.s[0]
	VLD1.P (R12)(R5), V0.S[2] // A[2] of the next step
	WORD $0x4fa61057 // fmla v23.4s, v2.4s, v6.s[1]
	WORD $0x4f86185a // fmla v26.4s, v2.4s, v6.s[2]
	VLD1.P (R13)(R5), V0.S[3] // A[3] of the next step
	WORD $0x4fa6185d // fmla v29.4s, v2.4s, v6.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f851069 // fmla v9.4s, v3.4s, v5.s[0]
	VLD1.P (R14)(R5), V1.S[0] // A[4] of the next step
	WORD $0x4fa5106c // fmla v12.4s, v3.4s, v5.s[1]
	WORD $0x4f85186f // fmla v15.4s, v3.4s, v5.s[2]
	VLD1.P (R15)(R5), V1.S[1] // A[5] of the next step
	WORD $0x4fa51872 // fmla v18.4s, v3.4s, v5.s[3]
	WORD $0x4f861075 // fmla v21.4s, v3.4s, v6.s[0]
	VLD1.P (R16)(R5), V1.S[2] // A[6] of the next step
	WORD $0x4fa61078 // fmla v24.4s, v3.4s, v6.s[1]
	WORD $0x4f86187b // fmla v27.4s, v3.4s, v6.s[2]
	VLD1.P (R17)(R5), V1.S[3] // A[7] of the next step
	WORD $0x4fa6187e // fmla v30.4s, v3.4s, v6.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f85108a // fmla v10.4s, v4.4s, v5.s[0]
	WORD $0x4fa5108d // fmla v13.4s, v4.4s, v5.s[1]
	WORD $0x4f851890 // fmla v16.4s, v4.4s, v5.s[2]
	WORD $0x4fa51893 // fmla v19.4s, v4.4s, v5.s[3]
	WORD $0x4f861096 // fmla v22.4s, v4.4s, v6.s[0]
	WORD $0x4fa61099 // fmla v25.4s, v4.4s, v6.s[1]
	WORD $0x4f86189c // fmla v28.4s, v4.4s, v6.s[2]
	WORD $0x4fa6189f // fmla v31.4s, v4.4s, v6.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	SUB   $2, R0
	CMP   $3, R0
	BGE   lloop

ltail: // one or two steps remain, the first one's operands loaded
	CMP   $2, R0
	BLT   llast
	// The last but one step, A in V0, V1: loads the last.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	VLD1.P (R10)(R5), V5.S[0] // A[0] of the next step
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	VLD1.P (R11)(R5), V5.S[1] // A[1] of the next step
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	VLD1.P (R12)(R5), V5.S[2] // A[2] of the next step
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	VLD1.P (R13)(R5), V5.S[3] // A[3] of the next step
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	VLD1.P 16(R2), [V2.S4] // B[0:4] of the next step
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	VLD1.P (R14)(R5), V6.S[0] // A[4] of the next step
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	VLD1.P (R15)(R5), V6.S[1] // A[5] of the next step
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	VLD1.P (R16)(R5), V6.S[2] // A[6] of the next step
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	VLD1.P (R17)(R5), V6.S[3] // A[7] of the next step
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	VLD1.P 16(R2), [V3.S4] // B[4:8] of the next step
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]
	VLD1.P (R2)(R6), [V4.S4] // B[8:12] of the next step
	// The last step, A in V5, V6.
	WORD $0x4f851048 // fmla v8.4s, v2.4s, v5.s[0]
	WORD $0x4fa5104b // fmla v11.4s, v2.4s, v5.s[1]
	WORD $0x4f85184e // fmla v14.4s, v2.4s, v5.s[2]
	WORD $0x4fa51851 // fmla v17.4s, v2.4s, v5.s[3]
	WORD $0x4f861054 // fmla v20.4s, v2.4s, v6.s[0]
	WORD $0x4fa61057 // fmla v23.4s, v2.4s, v6.s[1]
	WORD $0x4f86185a // fmla v26.4s, v2.4s, v6.s[2]
	WORD $0x4fa6185d // fmla v29.4s, v2.4s, v6.s[3]
	WORD $0x4f851069 // fmla v9.4s, v3.4s, v5.s[0]
	WORD $0x4fa5106c // fmla v12.4s, v3.4s, v5.s[1]
	WORD $0x4f85186f // fmla v15.4s, v3.4s, v5.s[2]
	WORD $0x4fa51872 // fmla v18.4s, v3.4s, v5.s[3]
	WORD $0x4f861075 // fmla v21.4s, v3.4s, v6.s[0]
	WORD $0x4fa61078 // fmla v24.4s, v3.4s, v6.s[1]
	WORD $0x4f86187b // fmla v27.4s, v3.4s, v6.s[2]
	WORD $0x4fa6187e // fmla v30.4s, v3.4s, v6.s[3]
	WORD $0x4f85108a // fmla v10.4s, v4.4s, v5.s[0]
	WORD $0x4fa5108d // fmla v13.4s, v4.4s, v5.s[1]
	WORD $0x4f851890 // fmla v16.4s, v4.4s, v5.s[2]
	WORD $0x4fa51893 // fmla v19.4s, v4.4s, v5.s[3]
	WORD $0x4f861096 // fmla v22.4s, v4.4s, v6.s[0]
	WORD $0x4fa61099 // fmla v25.4s, v4.4s, v6.s[1]
	WORD $0x4f86189c // fmla v28.4s, v4.4s, v6.s[2]
	WORD $0x4fa6189f // fmla v31.4s, v4.4s, v6.s[3]
	B     lscale

llast: // The last step, A in V0, V1.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	WORD $0x4f80184e // fmla v14.4s, v2.4s, v0.s[2]
	WORD $0x4fa01851 // fmla v17.4s, v2.4s, v0.s[3]
	WORD $0x4f811054 // fmla v20.4s, v2.4s, v1.s[0]
	WORD $0x4fa11057 // fmla v23.4s, v2.4s, v1.s[1]
	WORD $0x4f81185a // fmla v26.4s, v2.4s, v1.s[2]
	WORD $0x4fa1185d // fmla v29.4s, v2.4s, v1.s[3]
	WORD $0x4f801069 // fmla v9.4s, v3.4s, v0.s[0]
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4f80186f // fmla v15.4s, v3.4s, v0.s[2]
	WORD $0x4fa01872 // fmla v18.4s, v3.4s, v0.s[3]
	WORD $0x4f811075 // fmla v21.4s, v3.4s, v1.s[0]
	WORD $0x4fa11078 // fmla v24.4s, v3.4s, v1.s[1]
	WORD $0x4f81187b // fmla v27.4s, v3.4s, v1.s[2]
	WORD $0x4fa1187e // fmla v30.4s, v3.4s, v1.s[3]
	WORD $0x4f80108a // fmla v10.4s, v4.4s, v0.s[0]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	WORD $0x4f801890 // fmla v16.4s, v4.4s, v0.s[2]
	WORD $0x4fa01893 // fmla v19.4s, v4.4s, v0.s[3]
	WORD $0x4f811096 // fmla v22.4s, v4.4s, v1.s[0]
	WORD $0x4fa11099 // fmla v25.4s, v4.4s, v1.s[1]
	WORD $0x4f81189c // fmla v28.4s, v4.4s, v1.s[2]
	WORD $0x4fa1189f // fmla v31.4s, v4.4s, v1.s[3]

lscale:
	MOVW  $0x3f800000, R7
	CMPW  R7, R25
	BEQ   lstore                  // alpha == 1: the sums are the result
	WORD $0x4f879108 // fmul v8.4s, v8.4s, v7.s[0]
	WORD $0x4f879129 // fmul v9.4s, v9.4s, v7.s[0]
	WORD $0x4f87914a // fmul v10.4s, v10.4s, v7.s[0]
	WORD $0x4f87916b // fmul v11.4s, v11.4s, v7.s[0]
	WORD $0x4f87918c // fmul v12.4s, v12.4s, v7.s[0]
	WORD $0x4f8791ad // fmul v13.4s, v13.4s, v7.s[0]
	WORD $0x4f8791ce // fmul v14.4s, v14.4s, v7.s[0]
	WORD $0x4f8791ef // fmul v15.4s, v15.4s, v7.s[0]
	WORD $0x4f879210 // fmul v16.4s, v16.4s, v7.s[0]
	WORD $0x4f879231 // fmul v17.4s, v17.4s, v7.s[0]
	WORD $0x4f879252 // fmul v18.4s, v18.4s, v7.s[0]
	WORD $0x4f879273 // fmul v19.4s, v19.4s, v7.s[0]
	WORD $0x4f879294 // fmul v20.4s, v20.4s, v7.s[0]
	WORD $0x4f8792b5 // fmul v21.4s, v21.4s, v7.s[0]
	WORD $0x4f8792d6 // fmul v22.4s, v22.4s, v7.s[0]
	WORD $0x4f8792f7 // fmul v23.4s, v23.4s, v7.s[0]
	WORD $0x4f879318 // fmul v24.4s, v24.4s, v7.s[0]
	WORD $0x4f879339 // fmul v25.4s, v25.4s, v7.s[0]
	WORD $0x4f87935a // fmul v26.4s, v26.4s, v7.s[0]
	WORD $0x4f87937b // fmul v27.4s, v27.4s, v7.s[0]
	WORD $0x4f87939c // fmul v28.4s, v28.4s, v7.s[0]
	WORD $0x4f8793bd // fmul v29.4s, v29.4s, v7.s[0]
	WORD $0x4f8793de // fmul v30.4s, v30.4s, v7.s[0]
	WORD $0x4f8793ff // fmul v31.4s, v31.4s, v7.s[0]

lstore:
	MOVD  R3, R7                    // R7 walks the rows of the tile
	CBZ   R26, loverwrite
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 0 of C
	WORD $0x4e20d508 // fadd v8.4s, v8.4s, v0.4s
	WORD $0x4e21d529 // fadd v9.4s, v9.4s, v1.4s
	WORD $0x4e22d54a // fadd v10.4s, v10.4s, v2.4s
	VST1.P [V8.S4, V9.S4, V10.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 1 of C
	WORD $0x4e20d56b // fadd v11.4s, v11.4s, v0.4s
	WORD $0x4e21d58c // fadd v12.4s, v12.4s, v1.4s
	WORD $0x4e22d5ad // fadd v13.4s, v13.4s, v2.4s
	VST1.P [V11.S4, V12.S4, V13.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 2 of C
	WORD $0x4e20d5ce // fadd v14.4s, v14.4s, v0.4s
	WORD $0x4e21d5ef // fadd v15.4s, v15.4s, v1.4s
	WORD $0x4e22d610 // fadd v16.4s, v16.4s, v2.4s
	VST1.P [V14.S4, V15.S4, V16.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 3 of C
	WORD $0x4e20d631 // fadd v17.4s, v17.4s, v0.4s
	WORD $0x4e21d652 // fadd v18.4s, v18.4s, v1.4s
	WORD $0x4e22d673 // fadd v19.4s, v19.4s, v2.4s
	VST1.P [V17.S4, V18.S4, V19.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 4 of C
	WORD $0x4e20d694 // fadd v20.4s, v20.4s, v0.4s
	WORD $0x4e21d6b5 // fadd v21.4s, v21.4s, v1.4s
	WORD $0x4e22d6d6 // fadd v22.4s, v22.4s, v2.4s
	VST1.P [V20.S4, V21.S4, V22.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 5 of C
	WORD $0x4e20d6f7 // fadd v23.4s, v23.4s, v0.4s
	WORD $0x4e21d718 // fadd v24.4s, v24.4s, v1.4s
	WORD $0x4e22d739 // fadd v25.4s, v25.4s, v2.4s
	VST1.P [V23.S4, V24.S4, V25.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 6 of C
	WORD $0x4e20d75a // fadd v26.4s, v26.4s, v0.4s
	WORD $0x4e21d77b // fadd v27.4s, v27.4s, v1.4s
	WORD $0x4e22d79c // fadd v28.4s, v28.4s, v2.4s
	VST1.P [V26.S4, V27.S4, V28.S4], (R7)(R4)
	VLD1  (R7), [V0.S4, V1.S4, V2.S4] // row 7 of C
	WORD $0x4e20d7bd // fadd v29.4s, v29.4s, v0.4s
	WORD $0x4e21d7de // fadd v30.4s, v30.4s, v1.4s
	WORD $0x4e22d7ff // fadd v31.4s, v31.4s, v2.4s
	VST1.P [V29.S4, V30.S4, V31.S4], (R7)(R4)
	B     lnext

loverwrite:
	VST1.P [V8.S4, V9.S4, V10.S4], (R7)(R4)
	VST1.P [V11.S4, V12.S4, V13.S4], (R7)(R4)
	VST1.P [V14.S4, V15.S4, V16.S4], (R7)(R4)
	VST1.P [V17.S4, V18.S4, V19.S4], (R7)(R4)
	VST1.P [V20.S4, V21.S4, V22.S4], (R7)(R4)
	VST1.P [V23.S4, V24.S4, V25.S4], (R7)(R4)
	VST1.P [V26.S4, V27.S4, V28.S4], (R7)(R4)
	VST1.P [V29.S4, V30.S4, V31.S4], (R7)(R4)

lnext:
	ADD   R23, R19, R19             // the next panel of A
	ADD   R4<<3, R3, R3             // the tile eight rows down
	SUB   $1, R9
	CBNZ  R9, ltile
	ADD   R24, R20, R20             // the next panel of B
	ADD   $48, R21, R21             // the next column of tiles, 12 values right
	SUB   $1, R22
	CBNZ  R22, lcolumn

ldone:
	RET
