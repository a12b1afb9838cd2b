//go:build gc && !purego && !noasm

#include "textflag.h"

// The optimizer's element-wise passes on NEON: one Adam step and the parameters' moving
// average. Every operation is the Go set's, in the Go set's order, each rounded to float32
// (fmul then fadd, never fmla), so the results are the same bits. fsqrt .4s is the correctly
// rounded float32 square root, which the Go set gets from math.Sqrt in float64 (see adamGo),
// and fdiv .4s the correctly rounded quotient. Vector fmul, fadd, fdiv and fsqrt are WORD
// lines encoded by asm2plan9s from the GNU syntax in their comments.

// func adamNEONAsm(p, g, m, v []float32, s *AdamScalars)
//
// len(p) is a multiple of 8 (the wrapper runs the rest through a zero-padded block). Each
// iteration steps two vectors, A in the even registers V16-V26 and B in the odd ones
// V17-V27, their instructions interleaved so that on an in-order core one chain's fdiv and
// fsqrt latencies overlap the other's.
TEXT ·adamNEONAsm(SB), NOSPLIT, $0-104
	MOVD  s+96(FP), R8
	FMOVS 0(R8), F0
	VDUP  V0.S[0], V0.S4 // V0 = Clip
	FMOVS 4(R8), F1
	VDUP  V1.S[0], V1.S4 // V1 = L2
	FMOVS 8(R8), F2
	VDUP  V2.S[0], V2.S4 // V2 = Decay
	FMOVS 12(R8), F3
	VDUP  V3.S[0], V3.S4 // V3 = Beta1
	FMOVS 16(R8), F4
	VDUP  V4.S[0], V4.S4 // V4 = Beta2
	FMOVS 20(R8), F5
	VDUP  V5.S[0], V5.S4 // V5 = OneMinusBeta1
	FMOVS 24(R8), F6
	VDUP  V6.S[0], V6.S4 // V6 = OneMinusBeta2
	FMOVS 28(R8), F7
	VDUP  V7.S[0], V7.S4 // V7 = NegStep
	FMOVS 32(R8), F8
	VDUP  V8.S[0], V8.S4 // V8 = Bc2Sqrt
	FMOVS 36(R8), F9
	VDUP  V9.S[0], V9.S4 // V9 = Eps
	MOVWU 4(R8), R9
	ANDW  $0x7fffffff, R9 // R9 = 0 when L2 is +0 or -0: no L2 term

	MOVD p_base+0(FP), R0  // where p is read
	MOVD p_len+8(FP), R7   // R7 = values left
	MOVD g_base+24(FP), R1
	MOVD m_base+48(FP), R2 // where m is read
	MOVD v_base+72(FP), R3 // where v is read
	MOVD R0, R4            // where p is written
	MOVD R2, R5            // where m is written
	MOVD R3, R6            // where v is written
	CBZ  R7, adamDone

adam8:
	VLD1.P 32(R1), [V16.S4, V17.S4] // g
	VLD1.P 32(R0), [V18.S4, V19.S4] // p
	VLD1.P 32(R2), [V20.S4, V21.S4] // m
	VLD1.P 32(R3), [V22.S4, V23.S4] // v
	WORD $0x6e20de10 // fmul v16.4s, v16.4s, v0.4s
	WORD $0x6e20de31 // fmul v17.4s, v17.4s, v0.4s
	CBZW R9, adamNoL2 // a predictable branch: L2 is the same for every value
	WORD $0x6e21de58 // fmul v24.4s, v18.4s, v1.4s
	WORD $0x6e21de79 // fmul v25.4s, v19.4s, v1.4s
	WORD $0x4e38d610 // fadd v16.4s, v16.4s, v24.4s
	WORD $0x4e39d631 // fadd v17.4s, v17.4s, v25.4s

adamNoL2:
	// V16, V17 = gi; pi = p*Decay
	WORD $0x6e22de52 // fmul v18.4s, v18.4s, v2.4s
	WORD $0x6e22de73 // fmul v19.4s, v19.4s, v2.4s
	// mi = m*Beta1 + OneMinusBeta1*gi
	WORD $0x6e23de94 // fmul v20.4s, v20.4s, v3.4s
	WORD $0x6e23deb5 // fmul v21.4s, v21.4s, v3.4s
	WORD $0x6e25de18 // fmul v24.4s, v16.4s, v5.4s
	WORD $0x6e25de39 // fmul v25.4s, v17.4s, v5.4s
	WORD $0x4e38d694 // fadd v20.4s, v20.4s, v24.4s
	WORD $0x4e39d6b5 // fadd v21.4s, v21.4s, v25.4s
	// vi = v*Beta2 + (OneMinusBeta2*gi)*gi
	WORD $0x6e24ded6 // fmul v22.4s, v22.4s, v4.4s
	WORD $0x6e24def7 // fmul v23.4s, v23.4s, v4.4s
	WORD $0x6e26de1a // fmul v26.4s, v16.4s, v6.4s
	WORD $0x6e26de3b // fmul v27.4s, v17.4s, v6.4s
	WORD $0x6e30df5a // fmul v26.4s, v26.4s, v16.4s
	WORD $0x6e31df7b // fmul v27.4s, v27.4s, v17.4s
	WORD $0x4e3ad6d6 // fadd v22.4s, v22.4s, v26.4s
	WORD $0x4e3bd6f7 // fadd v23.4s, v23.4s, v27.4s
	VST1.P [V20.S4, V21.S4], 32(R5) // m = mi
	VST1.P [V22.S4, V23.S4], 32(R6) // v = vi
	// denom = sqrt(vi)/Bc2Sqrt + Eps
	WORD $0x6ea1fad6 // fsqrt v22.4s, v22.4s
	WORD $0x6ea1faf7 // fsqrt v23.4s, v23.4s
	WORD $0x6e28fed6 // fdiv v22.4s, v22.4s, v8.4s
	WORD $0x6e28fef7 // fdiv v23.4s, v23.4s, v8.4s
	WORD $0x4e29d6d6 // fadd v22.4s, v22.4s, v9.4s
	WORD $0x4e29d6f7 // fadd v23.4s, v23.4s, v9.4s
	// p = pi + (NegStep*mi)/denom
	WORD $0x6e27de94 // fmul v20.4s, v20.4s, v7.4s
	WORD $0x6e27deb5 // fmul v21.4s, v21.4s, v7.4s
	WORD $0x6e36fe94 // fdiv v20.4s, v20.4s, v22.4s
	WORD $0x6e37feb5 // fdiv v21.4s, v21.4s, v23.4s
	WORD $0x4e34d652 // fadd v18.4s, v18.4s, v20.4s
	WORD $0x4e35d673 // fadd v19.4s, v19.4s, v21.4s
	VST1.P [V18.S4, V19.S4], 32(R4)
	SUBS   $8, R7
	BNE    adam8

adamDone:
	RET

// func emaNEONAsm(avg, p []float32, d, w float32)
//
// avg = d*avg + w*p, 16 values per iteration, then 4, then one at a time.
TEXT ·emaNEONAsm(SB), NOSPLIT, $0-56
	MOVD  avg_base+0(FP), R0 // where avg is read
	MOVD  avg_len+8(FP), R1
	MOVD  p_base+24(FP), R2
	FMOVS d+48(FP), F0
	VDUP  V0.S[0], V0.S4
	FMOVS w+52(FP), F1
	VDUP  V1.S[0], V1.S4
	MOVD  R0, R3             // where avg is written

	CMP $16, R1
	BLT ema4

ema16:
	VLD1.P 64(R0), [V2.S4, V3.S4, V4.S4, V5.S4]
	VLD1.P 64(R2), [V6.S4, V7.S4, V8.S4, V9.S4]
	WORD $0x6e20dc42 // fmul v2.4s, v2.4s, v0.4s
	WORD $0x6e20dc63 // fmul v3.4s, v3.4s, v0.4s
	WORD $0x6e20dc84 // fmul v4.4s, v4.4s, v0.4s
	WORD $0x6e20dca5 // fmul v5.4s, v5.4s, v0.4s
	WORD $0x6e21dcc6 // fmul v6.4s, v6.4s, v1.4s
	WORD $0x6e21dce7 // fmul v7.4s, v7.4s, v1.4s
	WORD $0x6e21dd08 // fmul v8.4s, v8.4s, v1.4s
	WORD $0x6e21dd29 // fmul v9.4s, v9.4s, v1.4s
	WORD $0x4e26d442 // fadd v2.4s, v2.4s, v6.4s
	WORD $0x4e27d463 // fadd v3.4s, v3.4s, v7.4s
	WORD $0x4e28d484 // fadd v4.4s, v4.4s, v8.4s
	WORD $0x4e29d4a5 // fadd v5.4s, v5.4s, v9.4s
	VST1.P [V2.S4, V3.S4, V4.S4, V5.S4], 64(R3)
	SUB    $16, R1
	CMP    $16, R1
	BGE    ema16

ema4:
	CMP $4, R1
	BLT ema1
	VLD1.P 16(R0), [V2.S4]
	VLD1.P 16(R2), [V6.S4]
	WORD $0x6e20dc42 // fmul v2.4s, v2.4s, v0.4s
	WORD $0x6e21dcc6 // fmul v6.4s, v6.4s, v1.4s
	WORD $0x4e26d442 // fadd v2.4s, v2.4s, v6.4s
	VST1.P [V2.S4], 16(R3)
	SUB    $4, R1
	B      ema4

ema1:
	CBZ     R1, emaDone
	FMOVS.P 4(R0), F2
	FMOVS.P 4(R2), F6
	FMULS   F0, F2, F2 // d*avg
	FMULS   F1, F6, F6 // w*p
	FADDS   F6, F2, F2
	FMOVS.P F2, 4(R3)
	SUB     $1, R1
	B       ema1

emaDone:
	RET
