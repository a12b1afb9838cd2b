//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The optimizer's element-wise passes: one Adam step and the parameters' moving average, on
// eight lanes at a time. Every operation is the Go set's, in the Go set's order, each rounded
// to float32 (VMULPS then VADDPS, never an FMA), so the results are the same bits. VSQRTPS is
// the correctly rounded float32 square root, which the Go set gets from math.Sqrt in float64
// (see adamGo), and VDIVPS the correctly rounded quotient.

// func adamAVX2(p, g, m, v []float32, s *AdamScalars)
//
// len(p) is a multiple of 8 (the wrapper runs the rest through a zero-padded block). The step
// is bound by the divider: a VSQRTPS and two VDIVPS per eight parameters, about 16 cycles on
// Ice Lake, against some 20 other instructions that issue beside them. Iterations are
// independent, so the out-of-order core overlaps them without unrolling.
TEXT ·adamAVX2(SB), NOSPLIT, $0-104
	MOVQ s+96(FP), R8
	VBROADCASTSS 0(R8), Y0       // Y0 = Clip
	VBROADCASTSS 4(R8), Y1       // Y1 = L2
	VBROADCASTSS 8(R8), Y2       // Y2 = Decay
	VBROADCASTSS 12(R8), Y3      // Y3 = Beta1
	VBROADCASTSS 16(R8), Y4      // Y4 = Beta2
	VBROADCASTSS 20(R8), Y5      // Y5 = OneMinusBeta1
	VBROADCASTSS 24(R8), Y6      // Y6 = OneMinusBeta2
	VBROADCASTSS 28(R8), Y7      // Y7 = NegStep
	VBROADCASTSS 32(R8), Y8      // Y8 = Bc2Sqrt
	VBROADCASTSS 36(R8), Y9      // Y9 = Eps
	MOVL 4(R8), R9
	ANDL $0x7fffffff, R9         // R9 = 0 when L2 is +0 or -0: no L2 term
	MOVQ p_base+0(FP), DI        // DI = &p[0]
	MOVQ p_len+8(FP), CX         // CX = n
	MOVQ g_base+24(FP), SI       // SI = &g[0]
	MOVQ m_base+48(FP), BX       // BX = &m[0]
	MOVQ v_base+72(FP), DX       // DX = &v[0]
	XORQ AX, AX                  // AX = i = 0
	TESTQ CX, CX
	JZ   adamdone

adam8:
	VMULPS  (SI)(AX*4), Y0, Y10  // gi = g*Clip
	VMOVUPS (DI)(AX*4), Y11      // pi = p
	TESTL   R9, R9
	JZ      adamnol2             // a predictable branch: L2 is the same for every i
	VMULPS  Y11, Y1, Y12         // L2*p
	VADDPS  Y12, Y10, Y10        // gi += L2*p

adamnol2:
	VMULPS  Y11, Y2, Y11         // pi = p*Decay
	VMULPS  (BX)(AX*4), Y3, Y12  // m*Beta1
	VMULPS  Y10, Y5, Y13         // OneMinusBeta1*gi
	VADDPS  Y13, Y12, Y12        // mi = m*Beta1 + OneMinusBeta1*gi
	VMULPS  (DX)(AX*4), Y4, Y13  // v*Beta2
	VMULPS  Y10, Y6, Y14         // OneMinusBeta2*gi
	VMULPS  Y10, Y14, Y14        // (OneMinusBeta2*gi)*gi
	VADDPS  Y14, Y13, Y13        // vi = v*Beta2 + (OneMinusBeta2*gi)*gi
	VMOVUPS Y12, (BX)(AX*4)      // m = mi
	VMOVUPS Y13, (DX)(AX*4)      // v = vi
	VSQRTPS Y13, Y13             // sqrt(vi)
	VDIVPS  Y8, Y13, Y13         // sqrt(vi)/Bc2Sqrt
	VADDPS  Y9, Y13, Y13         // denom = sqrt(vi)/Bc2Sqrt + Eps
	VMULPS  Y12, Y7, Y12         // NegStep*mi
	VDIVPS  Y13, Y12, Y12        // NegStep*mi/denom
	VADDPS  Y12, Y11, Y11        // pi + NegStep*mi/denom
	VMOVUPS Y11, (DI)(AX*4)      // p = that
	ADDQ    $8, AX               // i += 8
	CMPQ    AX, CX
	JB      adam8

adamdone:
	VZEROUPPER
	RET

// func emaAVX2(avg, p []float32, d, w float32)
//
// avg = d*avg + w*p, 32 values (four ymm) per iteration, then 8, then the last r < 8 with a
// masked load and store (tailMask), as the axpy family does.
TEXT ·emaAVX2(SB), NOSPLIT, $0-56
	MOVQ avg_base+0(FP), DI      // DI = &avg[0]
	MOVQ avg_len+8(FP), CX       // CX = n
	MOVQ p_base+24(FP), SI       // SI = &p[0]
	VBROADCASTSS d+48(FP), Y0    // Y0 = d
	VBROADCASTSS w+52(FP), Y1    // Y1 = w
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   ema8

ema32:
	VMULPS  (DI)(AX*4), Y0, Y2   // d*avg[i:i+8]
	VMULPS  32(DI)(AX*4), Y0, Y3
	VMULPS  64(DI)(AX*4), Y0, Y4
	VMULPS  96(DI)(AX*4), Y0, Y5
	VMULPS  (SI)(AX*4), Y1, Y6   // w*p[i:i+8]
	VMULPS  32(SI)(AX*4), Y1, Y7
	VMULPS  64(SI)(AX*4), Y1, Y8
	VMULPS  96(SI)(AX*4), Y1, Y9
	VADDPS  Y6, Y2, Y2           // d*avg + w*p
	VADDPS  Y7, Y3, Y3
	VADDPS  Y8, Y4, Y4
	VADDPS  Y9, Y5, Y5
	VMOVUPS Y2, (DI)(AX*4)       // store avg[i:i+32]
	VMOVUPS Y3, 32(DI)(AX*4)
	VMOVUPS Y4, 64(DI)(AX*4)
	VMOVUPS Y5, 96(DI)(AX*4)
	ADDQ    $32, AX              // i += 32
	CMPQ    AX, DX
	JB      ema32

ema8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  ematail

ema8loop:
	VMULPS  (DI)(AX*4), Y0, Y2   // d*avg[i:i+8]
	VMULPS  (SI)(AX*4), Y1, Y6   // w*p[i:i+8]
	VADDPS  Y6, Y2, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JB      ema8loop

ematail:
	SUBQ CX, AX                  // AX = i - n = -r, r < 8 values left
	JZ   emadone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y15      // the mask with r lanes set
	LEAQ (DI)(DX*4), DI          // &avg[n-r]
	LEAQ (SI)(DX*4), SI          // &p[n-r]
	VMASKMOVPS (DI), Y15, Y2     // avg[n-r:n], zeros beyond
	VMASKMOVPS (SI), Y15, Y6     // p[n-r:n]
	VMULPS Y2, Y0, Y2            // d*avg
	VMULPS Y6, Y1, Y6            // w*p
	VADDPS Y6, Y2, Y2
	VMASKMOVPS Y2, Y15, (DI)     // store the r lanes only

emadone:
	VZEROUPPER
	RET
