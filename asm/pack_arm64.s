//go:build gc && !purego && !noasm

#include "textflag.h"

// Packing full panels for the 8x12 kernel (see Set.PackA and Set.PackB); the Go wrappers in
// kernels_arm64.go pack the last, partial panel with the Go set's code. Each function takes
// the number of full panels and the depth k, and stores panel q at dst + q*width*k values.
// A "down" copy takes each step's width consecutive values from one row of the source (PackA
// of A^T, PackB of B); an "across" copy gathers one value from each of width rows per step
// (PackA of A, PackB of B^T), four steps at a time through 4x4 transposes in registers.

// func packDown8(dst, x []float32, ld, panels, k int)
// For each panel q and step p: dst[(q*k+p)*8 : +8] = x[p*ld+8q : +8].
TEXT ·packDown8(SB), NOSPLIT, $0-72
	MOVD  dst_base+0(FP), R0
	MOVD  x_base+24(FP), R8         // the top of panel q in x
	MOVD  ld+48(FP), R3
	LSL   $2, R3                    // ld in bytes
	MOVD  panels+56(FP), R9
	CBZ   R9, packDown8done
packDown8panel:
	MOVD  R8, R1
	MOVD  k+64(FP), R2
	CBZ   R2, packDown8next
packDown8step:
	VLD1.P (R1)(R3), [V0.S4, V1.S4] // row p's 8 values, then row p+1
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUB   $1, R2
	CBNZ  R2, packDown8step
packDown8next:
	ADD   $32, R8, R8              // the next 8 columns
	SUB   $1, R9
	CBNZ  R9, packDown8panel
packDown8done:
	RET

// func packDown12(dst, x []float32, ld, panels, k int)
// For each panel q and step p: dst[(q*k+p)*12 : +12] = x[p*ld+12q : +12].
TEXT ·packDown12(SB), NOSPLIT, $0-72
	MOVD  dst_base+0(FP), R0
	MOVD  x_base+24(FP), R8         // the top of panel q in x
	MOVD  ld+48(FP), R3
	LSL   $2, R3                    // ld in bytes
	MOVD  panels+56(FP), R9
	CBZ   R9, packDown12done
packDown12panel:
	MOVD  R8, R1
	MOVD  k+64(FP), R2
	CBZ   R2, packDown12next
packDown12step:
	VLD1.P (R1)(R3), [V0.S4, V1.S4, V2.S4] // row p's 12 values, then row p+1
	VST1.P [V0.S4, V1.S4, V2.S4], 48(R0)
	SUB   $1, R2
	CBNZ  R2, packDown12step
packDown12next:
	ADD   $48, R8, R8              // the next 12 columns
	SUB   $1, R9
	CBNZ  R9, packDown12panel
packDown12done:
	RET

// func packAcross8(dst, x []float32, ld, panels, k int)
// For each panel q, step p and i < 8: dst[(q*k+p)*8+i] = x[(8q+i)*ld+p].
//
// Row i of the panel is read through R10, R11, R12, R13, R14, R15, R16, R17 in turn. Four steps of all
// 8 rows are 8 loads and 2 4x4 transposes (two rounds of TRN1/TRN2, on
// words then on double words), which leave step p's values in the 2 registers from
// V(16+2p) on, stored as one run of 8.
TEXT ·packAcross8(SB), NOSPLIT, $0-72
	MOVD  dst_base+0(FP), R0
	MOVD  x_base+24(FP), R8         // row 0 of panel q
	MOVD  ld+48(FP), R3
	LSL   $2, R3                    // ld in bytes
	MOVD  panels+56(FP), R9
	CBZ   R9, packAcross8done
packAcross8panel:
	MOVD  R8, R10
	ADD   R3, R10, R11
	ADD   R3, R11, R12
	ADD   R3, R12, R13
	ADD   R3, R13, R14
	ADD   R3, R14, R15
	ADD   R3, R15, R16
	ADD   R3, R16, R17
	MOVD  k+64(FP), R2
	LSR   $2, R2                    // blocks of four steps
	CBZ   R2, packAcross8tail
packAcross8block:
	VLD1.P 16(R10), [V0.S4] // row 0, four steps
	VLD1.P 16(R11), [V1.S4] // row 1, four steps
	VLD1.P 16(R12), [V2.S4] // row 2, four steps
	VLD1.P 16(R13), [V3.S4] // row 3, four steps
	VLD1.P 16(R14), [V4.S4] // row 4, four steps
	VLD1.P 16(R15), [V5.S4] // row 5, four steps
	VLD1.P 16(R16), [V6.S4] // row 6, four steps
	VLD1.P 16(R17), [V7.S4] // row 7, four steps
	// rows 0..3
	VTRN1 V1.S4, V0.S4, V12.S4 // [r0[0] r1[0] r0[2] r1[2]]
	VTRN2 V1.S4, V0.S4, V13.S4 // [r0[1] r1[1] r0[3] r1[3]]
	VTRN1 V3.S4, V2.S4, V14.S4 // [r2[0] r3[0] r2[2] r3[2]]
	VTRN2 V3.S4, V2.S4, V15.S4 // [r2[1] r3[1] r2[3] r3[3]]
	VTRN1 V14.D2, V12.D2, V16.D2 // step 0, rows 0..3
	VTRN1 V15.D2, V13.D2, V18.D2 // step 1, rows 0..3
	VTRN2 V14.D2, V12.D2, V20.D2 // step 2, rows 0..3
	VTRN2 V15.D2, V13.D2, V22.D2 // step 3, rows 0..3
	// rows 4..7
	VTRN1 V5.S4, V4.S4, V12.S4 // [r4[0] r5[0] r4[2] r5[2]]
	VTRN2 V5.S4, V4.S4, V13.S4 // [r4[1] r5[1] r4[3] r5[3]]
	VTRN1 V7.S4, V6.S4, V14.S4 // [r6[0] r7[0] r6[2] r7[2]]
	VTRN2 V7.S4, V6.S4, V15.S4 // [r6[1] r7[1] r6[3] r7[3]]
	VTRN1 V14.D2, V12.D2, V17.D2 // step 0, rows 4..7
	VTRN1 V15.D2, V13.D2, V19.D2 // step 1, rows 4..7
	VTRN2 V14.D2, V12.D2, V21.D2 // step 2, rows 4..7
	VTRN2 V15.D2, V13.D2, V23.D2 // step 3, rows 4..7
	VST1.P [V16.S4, V17.S4], 32(R0) // step 0
	VST1.P [V18.S4, V19.S4], 32(R0) // step 1
	VST1.P [V20.S4, V21.S4], 32(R0) // step 2
	VST1.P [V22.S4, V23.S4], 32(R0) // step 3
	SUB   $1, R2
	CBNZ  R2, packAcross8block
packAcross8tail:
	MOVD  k+64(FP), R2
	AND   $3, R2                    // the last k%4 steps, one value at a time
	CBZ   R2, packAcross8next
packAcross8step:
	FMOVS.P 4(R10), F0
	FMOVS.P 4(R11), F1
	FMOVS.P 4(R12), F2
	FMOVS.P 4(R13), F3
	FMOVS.P 4(R14), F4
	FMOVS.P 4(R15), F5
	FMOVS.P 4(R16), F6
	FMOVS.P 4(R17), F7
	FMOVS.P F0, 4(R0)
	FMOVS.P F1, 4(R0)
	FMOVS.P F2, 4(R0)
	FMOVS.P F3, 4(R0)
	FMOVS.P F4, 4(R0)
	FMOVS.P F5, 4(R0)
	FMOVS.P F6, 4(R0)
	FMOVS.P F7, 4(R0)
	SUB   $1, R2
	CBNZ  R2, packAcross8step
packAcross8next:
	MOVD  R3, R4
	MOVD  $8, R5
	MUL   R5, R4, R4
	ADD   R4, R8, R8                // row 0 of the next panel, 8 rows down
	SUB   $1, R9
	CBNZ  R9, packAcross8panel
packAcross8done:
	RET

// func packAcross12(dst, x []float32, ld, panels, k int)
// For each panel q, step p and i < 12: dst[(q*k+p)*12+i] = x[(12q+i)*ld+p].
//
// Row i of the panel is read through R10, R11, R12, R13, R14, R15, R16, R17, R19, R20, R21, R22 in turn. Four steps of all
// 12 rows are 12 loads and 3 4x4 transposes (two rounds of TRN1/TRN2, on
// words then on double words), which leave step p's values in the 3 registers from
// V(16+3p) on, stored as one run of 12.
TEXT ·packAcross12(SB), NOSPLIT, $0-72
	MOVD  dst_base+0(FP), R0
	MOVD  x_base+24(FP), R8         // row 0 of panel q
	MOVD  ld+48(FP), R3
	LSL   $2, R3                    // ld in bytes
	MOVD  panels+56(FP), R9
	CBZ   R9, packAcross12done
packAcross12panel:
	MOVD  R8, R10
	ADD   R3, R10, R11
	ADD   R3, R11, R12
	ADD   R3, R12, R13
	ADD   R3, R13, R14
	ADD   R3, R14, R15
	ADD   R3, R15, R16
	ADD   R3, R16, R17
	ADD   R3, R17, R19
	ADD   R3, R19, R20
	ADD   R3, R20, R21
	ADD   R3, R21, R22
	MOVD  k+64(FP), R2
	LSR   $2, R2                    // blocks of four steps
	CBZ   R2, packAcross12tail
packAcross12block:
	VLD1.P 16(R10), [V0.S4] // row 0, four steps
	VLD1.P 16(R11), [V1.S4] // row 1, four steps
	VLD1.P 16(R12), [V2.S4] // row 2, four steps
	VLD1.P 16(R13), [V3.S4] // row 3, four steps
	VLD1.P 16(R14), [V4.S4] // row 4, four steps
	VLD1.P 16(R15), [V5.S4] // row 5, four steps
	VLD1.P 16(R16), [V6.S4] // row 6, four steps
	VLD1.P 16(R17), [V7.S4] // row 7, four steps
	VLD1.P 16(R19), [V8.S4] // row 8, four steps
	VLD1.P 16(R20), [V9.S4] // row 9, four steps
	VLD1.P 16(R21), [V10.S4] // row 10, four steps
	VLD1.P 16(R22), [V11.S4] // row 11, four steps
	// rows 0..3
	VTRN1 V1.S4, V0.S4, V12.S4 // [r0[0] r1[0] r0[2] r1[2]]
	VTRN2 V1.S4, V0.S4, V13.S4 // [r0[1] r1[1] r0[3] r1[3]]
	VTRN1 V3.S4, V2.S4, V14.S4 // [r2[0] r3[0] r2[2] r3[2]]
	VTRN2 V3.S4, V2.S4, V15.S4 // [r2[1] r3[1] r2[3] r3[3]]
	VTRN1 V14.D2, V12.D2, V16.D2 // step 0, rows 0..3
	VTRN1 V15.D2, V13.D2, V19.D2 // step 1, rows 0..3
	VTRN2 V14.D2, V12.D2, V22.D2 // step 2, rows 0..3
	VTRN2 V15.D2, V13.D2, V25.D2 // step 3, rows 0..3
	// rows 4..7
	VTRN1 V5.S4, V4.S4, V12.S4 // [r4[0] r5[0] r4[2] r5[2]]
	VTRN2 V5.S4, V4.S4, V13.S4 // [r4[1] r5[1] r4[3] r5[3]]
	VTRN1 V7.S4, V6.S4, V14.S4 // [r6[0] r7[0] r6[2] r7[2]]
	VTRN2 V7.S4, V6.S4, V15.S4 // [r6[1] r7[1] r6[3] r7[3]]
	VTRN1 V14.D2, V12.D2, V17.D2 // step 0, rows 4..7
	VTRN1 V15.D2, V13.D2, V20.D2 // step 1, rows 4..7
	VTRN2 V14.D2, V12.D2, V23.D2 // step 2, rows 4..7
	VTRN2 V15.D2, V13.D2, V26.D2 // step 3, rows 4..7
	// rows 8..11
	VTRN1 V9.S4, V8.S4, V12.S4 // [r8[0] r9[0] r8[2] r9[2]]
	VTRN2 V9.S4, V8.S4, V13.S4 // [r8[1] r9[1] r8[3] r9[3]]
	VTRN1 V11.S4, V10.S4, V14.S4 // [r10[0] r11[0] r10[2] r11[2]]
	VTRN2 V11.S4, V10.S4, V15.S4 // [r10[1] r11[1] r10[3] r11[3]]
	VTRN1 V14.D2, V12.D2, V18.D2 // step 0, rows 8..11
	VTRN1 V15.D2, V13.D2, V21.D2 // step 1, rows 8..11
	VTRN2 V14.D2, V12.D2, V24.D2 // step 2, rows 8..11
	VTRN2 V15.D2, V13.D2, V27.D2 // step 3, rows 8..11
	VST1.P [V16.S4, V17.S4, V18.S4], 48(R0) // step 0
	VST1.P [V19.S4, V20.S4, V21.S4], 48(R0) // step 1
	VST1.P [V22.S4, V23.S4, V24.S4], 48(R0) // step 2
	VST1.P [V25.S4, V26.S4, V27.S4], 48(R0) // step 3
	SUB   $1, R2
	CBNZ  R2, packAcross12block
packAcross12tail:
	MOVD  k+64(FP), R2
	AND   $3, R2                    // the last k%4 steps, one value at a time
	CBZ   R2, packAcross12next
packAcross12step:
	FMOVS.P 4(R10), F0
	FMOVS.P 4(R11), F1
	FMOVS.P 4(R12), F2
	FMOVS.P 4(R13), F3
	FMOVS.P 4(R14), F4
	FMOVS.P 4(R15), F5
	FMOVS.P 4(R16), F6
	FMOVS.P 4(R17), F7
	FMOVS.P 4(R19), F8
	FMOVS.P 4(R20), F9
	FMOVS.P 4(R21), F10
	FMOVS.P 4(R22), F11
	FMOVS.P F0, 4(R0)
	FMOVS.P F1, 4(R0)
	FMOVS.P F2, 4(R0)
	FMOVS.P F3, 4(R0)
	FMOVS.P F4, 4(R0)
	FMOVS.P F5, 4(R0)
	FMOVS.P F6, 4(R0)
	FMOVS.P F7, 4(R0)
	FMOVS.P F8, 4(R0)
	FMOVS.P F9, 4(R0)
	FMOVS.P F10, 4(R0)
	FMOVS.P F11, 4(R0)
	SUB   $1, R2
	CBNZ  R2, packAcross12step
packAcross12next:
	MOVD  R3, R4
	MOVD  $12, R5
	MUL   R5, R4, R4
	ADD   R4, R8, R8                // row 0 of the next panel, 12 rows down
	SUB   $1, R9
	CBNZ  R9, packAcross12panel
packAcross12done:
	RET
