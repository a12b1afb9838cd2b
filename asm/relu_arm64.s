//go:build gc && !purego && !noasm

#include "textflag.h"

// ReLU and its derivative on NEON, 16 values per iteration, then 4, then one at a time. Vector
// fadd, fmax and fcmgt are WORD lines encoded by asm2plan9s from the GNU syntax in their comments.
// fmax, like Go's max, returns NaN for a NaN z; fcmgt is false for NaN, like Go's z > 0.

// func biasReLUNEONAsm(z, h, b []float32)
TEXT ·biasReLUNEONAsm(SB), NOSPLIT, $0-72
	MOVD z_base+0(FP), R0 // where z is read
	MOVD z_len+8(FP), R1
	MOVD h_base+24(FP), R4
	MOVD b_base+48(FP), R2
	MOVD R0, R3           // where z is written
	VEOR V31.B16, V31.B16, V31.B16

	CMP $16, R1
	BLT biasReLU4

biasReLU16:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4e24d400 // fadd v0.4s, v0.4s, v4.4s
	WORD $0x4e25d421 // fadd v1.4s, v1.4s, v5.4s
	WORD $0x4e26d442 // fadd v2.4s, v2.4s, v6.4s
	WORD $0x4e27d463 // fadd v3.4s, v3.4s, v7.4s
	WORD $0x4e3ff404 // fmax v4.4s, v0.4s, v31.4s
	WORD $0x4e3ff425 // fmax v5.4s, v1.4s, v31.4s
	WORD $0x4e3ff446 // fmax v6.4s, v2.4s, v31.4s
	WORD $0x4e3ff467 // fmax v7.4s, v3.4s, v31.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R3)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R4)
	SUB    $16, R1
	CMP    $16, R1
	BGE    biasReLU16

biasReLU4:
	CMP $4, R1
	BLT biasReLU1
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	WORD $0x4e24d400 // fadd v0.4s, v0.4s, v4.4s
	WORD $0x4e3ff404 // fmax v4.4s, v0.4s, v31.4s
	VST1.P [V0.S4], 16(R3)
	VST1.P [V4.S4], 16(R4)
	SUB    $4, R1
	B      biasReLU4

biasReLU1:
	CBZ     R1, biasReLUDone
	FMOVS   (R0), F0
	FMOVS.P 4(R2), F4
	FADDS   F4, F0, F0
	FMAXS   F31, F0, F4
	FMOVS.P F0, 4(R0)
	FMOVS.P F4, 4(R4)
	SUB     $1, R1
	B       biasReLU1

biasReLUDone:
	RET

// func reluGradNEONAsm(dz, dh, z []float32)
TEXT ·reluGradNEONAsm(SB), NOSPLIT, $0-72
	MOVD dz_base+0(FP), R3
	MOVD dz_len+8(FP), R1
	MOVD dh_base+24(FP), R0
	MOVD z_base+48(FP), R2
	VEOR V31.B16, V31.B16, V31.B16

	CMP $16, R1
	BLT reluGrad4

reluGrad16:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4ea0c884 // fcmgt v4.4s, v4.4s, #0.0
	WORD $0x4ea0c8a5 // fcmgt v5.4s, v5.4s, #0.0
	WORD $0x4ea0c8c6 // fcmgt v6.4s, v6.4s, #0.0
	WORD $0x4ea0c8e7 // fcmgt v7.4s, v7.4s, #0.0
	VAND   V4.B16, V0.B16, V0.B16
	VAND   V5.B16, V1.B16, V1.B16
	VAND   V6.B16, V2.B16, V2.B16
	VAND   V7.B16, V3.B16, V3.B16
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    reluGrad16

reluGrad4:
	CMP $4, R1
	BLT reluGrad1
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	WORD $0x4ea0c884 // fcmgt v4.4s, v4.4s, #0.0
	VAND   V4.B16, V0.B16, V0.B16
	VST1.P [V0.S4], 16(R3)
	SUB    $4, R1
	B      reluGrad4

reluGrad1:
	CBZ     R1, reluGradDone
	FMOVS.P 4(R0), F0
	FMOVS.P 4(R2), F4
	FCMPS   F31, F4            // flags from z - 0
	FCSELS  GT, F0, F31, F0    // dz = z > 0 ? dh : 0
	FMOVS.P F0, 4(R3)
	SUB     $1, R1
	B       reluGrad1

reluGradDone:
	RET
