//go:build gc && !purego && !noasm

#include "textflag.h"

// The 8x12 NEON micro-kernel: C[i][j] (+)= sum_p a[p*8+i] * b[p*12+j] for i < 8, j < 12.
//
// Register plan (AArch64 has 32 vector registers of four float32):
//   V8-V31  the 96 sums, row i in V(8+3i), V(9+3i), V(10+3i) (columns 0-3, 4-7, 8-11)
//   V0, V1  A of an even step (rows 0-3 and 4-7); V5, V6 A of an odd step
//   V2-V4   B of the current step, each reloaded with the next step's as soon as its eight
//           fmla have issued
//
// Every step is 24 by-element fmla (each sum gets one, so a chain has 23 independent fmla between
// its links, where Cortex-A53/A72/A76 keep at most about 8 in flight: latency times issue rate)
// and, in the main loop, four loads spread among them. The loop is unrolled by two steps so that the A
// registers alternate; the next step's operands are loaded only while one remains, so the
// kernel never reads past a[k*8] or b[k*12].
//
// Go's assembler has no by-element fmla: those are WORD lines encoded by asm2plan9s from the
// GNU syntax in their comments (go generate ./asm; see README.md).

// func microKernelNEONAsm(k int, a, b, c []float32, ldc int, acc bool)
TEXT ·microKernelNEONAsm(SB), NOSPLIT, $0-89
	MOVD  k+0(FP), R0
	MOVD  a_base+8(FP), R1
	MOVD  b_base+32(FP), R2
	MOVD  c_base+56(FP), R3
	MOVD  ldc+80(FP), R4
	LSL   $2, R4            // row stride of C in bytes
	MOVBU acc+88(FP), R5
	CBZ   R5, zero

	// acc: the sums start from C, so the tile is read and written once.
	MOVD R3, R6
	VLD1.P (R6)(R4), [V8.S4, V9.S4, V10.S4]
	VLD1.P (R6)(R4), [V11.S4, V12.S4, V13.S4]
	VLD1.P (R6)(R4), [V14.S4, V15.S4, V16.S4]
	VLD1.P (R6)(R4), [V17.S4, V18.S4, V19.S4]
	VLD1.P (R6)(R4), [V20.S4, V21.S4, V22.S4]
	VLD1.P (R6)(R4), [V23.S4, V24.S4, V25.S4]
	VLD1.P (R6)(R4), [V26.S4, V27.S4, V28.S4]
	VLD1.P (R6)(R4), [V29.S4, V30.S4, V31.S4]
	B    start

zero: // !acc: the sums start from zero and C is never read.
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

start:
	CBZ    R0, store
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 48(R2), [V2.S4, V3.S4, V4.S4]
	CMP    $3, R0
	BLT    tail

loop: // two steps while at least three remain, so both may load the step after them
	// Step with A in V0, V1.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	VLD1.P 32(R1), [V5.S4, V6.S4] // A of the next step
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
	VLD1.P 16(R2), [V4.S4] // B[8:12] of the next step
	// Step with A in V5, V6.
	WORD $0x4f851048 // fmla v8.4s, v2.4s, v5.s[0]
	WORD $0x4fa5104b // fmla v11.4s, v2.4s, v5.s[1]
	VLD1.P 32(R1), [V0.S4, V1.S4] // A of the next step
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
	VLD1.P 16(R2), [V4.S4] // B[8:12] of the next step
	SUB $2, R0
	CMP $3, R0
	BGE loop

tail: // one or two steps remain, the first one's operands loaded
	CMP $2, R0
	BLT last
	// The last but one step, A in V0, V1: loads the last.
	WORD $0x4f801048 // fmla v8.4s, v2.4s, v0.s[0]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	VLD1.P 32(R1), [V5.S4, V6.S4] // A of the next step
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
	VLD1.P 16(R2), [V4.S4] // B[8:12] of the next step
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
	B store

last: // The last step, A in V0, V1.
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

store:
	VST1.P [V8.S4, V9.S4, V10.S4], (R3)(R4)
	VST1.P [V11.S4, V12.S4, V13.S4], (R3)(R4)
	VST1.P [V14.S4, V15.S4, V16.S4], (R3)(R4)
	VST1.P [V17.S4, V18.S4, V19.S4], (R3)(R4)
	VST1.P [V20.S4, V21.S4, V22.S4], (R3)(R4)
	VST1.P [V23.S4, V24.S4, V25.S4], (R3)(R4)
	VST1.P [V26.S4, V27.S4, V28.S4], (R3)(R4)
	VST1.P [V29.S4, V30.S4, V31.S4], (R3)(R4)
	RET
