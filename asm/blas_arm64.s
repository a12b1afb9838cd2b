//go:build gc && !purego && !noasm

#include "textflag.h"

// The level-1 NEON loops: Axpy, AxpyTo, Scale, Dot and AddBias. Each takes 16 values (four
// vectors) per iteration, then 4, then one at a time with scalar instructions. Vector fadd and
// fmul are WORD lines encoded by asm2plan9s from the GNU syntax in their comments.

// func axpyNEONAsm(alpha float32, x, y []float32)
TEXT ·axpyNEONAsm(SB), NOSPLIT, $0-56
	FMOVS alpha+0(FP), F0
	VDUP  V0.S[0], V0.S4
	MOVD  x_base+8(FP), R0
	MOVD  x_len+16(FP), R1
	MOVD  y_base+32(FP), R2 // where y is read
	MOVD  R2, R3            // where y is written

	CMP $16, R1
	BLT axpy4

axpy16:
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R2), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA  V0.S4, V1.S4, V5.S4
	VFMLA  V0.S4, V2.S4, V6.S4
	VFMLA  V0.S4, V3.S4, V7.S4
	VFMLA  V0.S4, V4.S4, V8.S4
	VST1.P [V5.S4, V6.S4, V7.S4, V8.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    axpy16

axpy4:
	CMP $4, R1
	BLT axpy1
	VLD1.P 16(R0), [V1.S4]
	VLD1.P 16(R2), [V5.S4]
	VFMLA  V0.S4, V1.S4, V5.S4
	VST1.P [V5.S4], 16(R3)
	SUB    $4, R1
	B      axpy4

axpy1:
	CBZ     R1, axpyDone
	FMOVS.P 4(R0), F1
	FMOVS   (R2), F5
	FMADDS  F0, F5, F1, F5 // F5 += F1*F0
	FMOVS.P F5, 4(R2)
	SUB     $1, R1
	B       axpy1

axpyDone:
	RET

// func axpyToNEONAsm(dst []float32, alpha float32, x, y []float32)
TEXT ·axpyToNEONAsm(SB), NOSPLIT, $0-80
	MOVD  dst_base+0(FP), R3
	MOVD  dst_len+8(FP), R1
	FMOVS alpha+24(FP), F0
	VDUP  V0.S[0], V0.S4
	MOVD  x_base+32(FP), R0
	MOVD  y_base+56(FP), R2

	CMP $16, R1
	BLT axpyTo4

axpyTo16:
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R2), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA  V0.S4, V1.S4, V5.S4
	VFMLA  V0.S4, V2.S4, V6.S4
	VFMLA  V0.S4, V3.S4, V7.S4
	VFMLA  V0.S4, V4.S4, V8.S4
	VST1.P [V5.S4, V6.S4, V7.S4, V8.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    axpyTo16

axpyTo4:
	CMP $4, R1
	BLT axpyTo1
	VLD1.P 16(R0), [V1.S4]
	VLD1.P 16(R2), [V5.S4]
	VFMLA  V0.S4, V1.S4, V5.S4
	VST1.P [V5.S4], 16(R3)
	SUB    $4, R1
	B      axpyTo4

axpyTo1:
	CBZ     R1, axpyToDone
	FMOVS.P 4(R0), F1
	FMOVS.P 4(R2), F5
	FMADDS  F0, F5, F1, F5 // F5 += F1*F0
	FMOVS.P F5, 4(R3)
	SUB     $1, R1
	B       axpyTo1

axpyToDone:
	RET

// func scaleNEONAsm(alpha float32, x []float32)
TEXT ·scaleNEONAsm(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F0
	VDUP  V0.S[0], V0.S4
	MOVD  x_base+8(FP), R0 // where x is read
	MOVD  x_len+16(FP), R1
	MOVD  R0, R3           // where x is written

	CMP $16, R1
	BLT scale4

scale16:
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	WORD $0x6e20dc21 // fmul v1.4s, v1.4s, v0.4s
	WORD $0x6e20dc42 // fmul v2.4s, v2.4s, v0.4s
	WORD $0x6e20dc63 // fmul v3.4s, v3.4s, v0.4s
	WORD $0x6e20dc84 // fmul v4.4s, v4.4s, v0.4s
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    scale16

scale4:
	CMP $4, R1
	BLT scale1
	VLD1.P 16(R0), [V1.S4]
	WORD $0x6e20dc21 // fmul v1.4s, v1.4s, v0.4s
	VST1.P [V1.S4], 16(R3)
	SUB    $4, R1
	B      scale4

scale1:
	CBZ     R1, scaleDone
	FMOVS   (R0), F1
	FMULS   F0, F1, F1
	FMOVS.P F1, 4(R0)
	SUB     $1, R1
	B       scale1

scaleDone:
	RET

// func dotNEONAsm(x, y []float32) float32
TEXT ·dotNEONAsm(SB), NOSPLIT, $0-52
	MOVD x_base+0(FP), R0
	MOVD x_len+8(FP), R1
	MOVD y_base+24(FP), R2

	// Four partial sums of four lanes each, so consecutive fmla do not wait on each other.
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16

	CMP $16, R1
	BLT dot4

dot16:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	VFMLA  V1.S4, V5.S4, V17.S4
	VFMLA  V2.S4, V6.S4, V18.S4
	VFMLA  V3.S4, V7.S4, V19.S4
	SUB    $16, R1
	CMP    $16, R1
	BGE    dot16

dot4:
	CMP $4, R1
	BLT dotReduce
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	SUB    $4, R1
	B      dot4

dotReduce:
	WORD $0x4e31d610 // fadd v16.4s, v16.4s, v17.4s
	WORD $0x4e33d652 // fadd v18.4s, v18.4s, v19.4s
	WORD $0x4e32d610 // fadd v16.4s, v16.4s, v18.4s
	WORD $0x6e30d610 // faddp v16.4s, v16.4s, v16.4s
	WORD $0x7e30da10 // faddp s16, v16.2s

dot1:
	CBZ     R1, dotDone
	FMOVS.P 4(R0), F0
	FMOVS.P 4(R2), F4
	FMADDS  F0, F16, F4, F16 // F16 += F4*F0
	SUB     $1, R1
	B       dot1

dotDone:
	FMOVS F16, ret+48(FP)
	RET

// func addBiasNEONAsm(z, b []float32)
TEXT ·addBiasNEONAsm(SB), NOSPLIT, $0-48
	MOVD z_base+0(FP), R0 // where z is read
	MOVD z_len+8(FP), R1
	MOVD b_base+24(FP), R2
	MOVD R0, R3           // where z is written

	CMP $16, R1
	BLT addBias4

addBias16:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4e24d400 // fadd v0.4s, v0.4s, v4.4s
	WORD $0x4e25d421 // fadd v1.4s, v1.4s, v5.4s
	WORD $0x4e26d442 // fadd v2.4s, v2.4s, v6.4s
	WORD $0x4e27d463 // fadd v3.4s, v3.4s, v7.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    addBias16

addBias4:
	CMP $4, R1
	BLT addBias1
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	WORD $0x4e24d400 // fadd v0.4s, v0.4s, v4.4s
	VST1.P [V0.S4], 16(R3)
	SUB    $4, R1
	B      addBias4

addBias1:
	CBZ     R1, addBiasDone
	FMOVS   (R0), F0
	FMOVS.P 4(R2), F4
	FADDS   F4, F0, F0
	FMOVS.P F0, 4(R0)
	SUB     $1, R1
	B       addBias1

addBiasDone:
	RET
