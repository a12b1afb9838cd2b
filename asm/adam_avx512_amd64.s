//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The optimizer's element-wise passes on 16 lanes: one Adam step and the parameters' moving
// average. As in adam_amd64.s every operation is the Go set's, in the Go set's order, each
// rounded to float32 (VMULPS then VADDPS, never an FMA; VSQRTPS and VDIVPS correctly
// rounded), so the results are the same bits. The last len%16 values run through the same
// instructions under the opmask K1: lanes past the end are loaded as zeros (sqrt(0)/Bc2Sqrt +
// Eps and the rest are harmless, and floating-point exceptions are masked) and never stored.

// ADAM16 steps the 16 parameters at index AX, loading each operand with LOADZ(base, reg) and
// storing with STORE(reg, base): LOADFULL and STOREFULL for whole vectors, LOADTAIL and
// STORETAIL under the mask K1 for the last len%16. A label would be defined twice, so the L2
// term is skipped by a jump relative to the program counter.
#define ADAM16(LOADZ, STORE) \
	LOADZ(SI, Z10)                   /* g */ \
	VMULPS  Z10, Z0, Z10             /* gi = g*Clip */ \
	LOADZ(DI, Z11)                   /* pi = p */ \
	TESTL   R9, R9                   \
	JZ      3(PC)                    /* no L2 term: skip the next two instructions */ \
	VMULPS  Z11, Z1, Z12             /* L2*p */ \
	VADDPS  Z12, Z10, Z10            /* gi += L2*p */ \
	VMULPS  Z11, Z2, Z11             /* pi = p*Decay */ \
	LOADZ(BX, Z12)                   /* m */ \
	VMULPS  Z12, Z3, Z12             /* m*Beta1 */ \
	VMULPS  Z10, Z5, Z13             /* OneMinusBeta1*gi */ \
	VADDPS  Z13, Z12, Z12            /* mi = m*Beta1 + OneMinusBeta1*gi */ \
	LOADZ(DX, Z13)                   /* v */ \
	VMULPS  Z13, Z4, Z13             /* v*Beta2 */ \
	VMULPS  Z10, Z6, Z14             /* OneMinusBeta2*gi */ \
	VMULPS  Z10, Z14, Z14            /* (OneMinusBeta2*gi)*gi */ \
	VADDPS  Z14, Z13, Z13            /* vi = v*Beta2 + (OneMinusBeta2*gi)*gi */ \
	STORE(Z12, BX)                   /* m = mi */ \
	STORE(Z13, DX)                   /* v = vi */ \
	VSQRTPS Z13, Z13                 /* sqrt(vi) */ \
	VDIVPS  Z8, Z13, Z13             /* sqrt(vi)/Bc2Sqrt */ \
	VADDPS  Z9, Z13, Z13             /* denom = sqrt(vi)/Bc2Sqrt + Eps */ \
	VMULPS  Z12, Z7, Z12             /* NegStep*mi */ \
	VDIVPS  Z13, Z12, Z12            /* NegStep*mi/denom */ \
	VADDPS  Z12, Z11, Z11            /* pi + NegStep*mi/denom */ \
	STORE(Z11, DI)                   /* p = that */

#define LOADFULL(base, z) VMOVUPS (base)(AX*4), z
#define STOREFULL(z, base) VMOVUPS z, (base)(AX*4)
#define LOADTAIL(base, z) VMOVUPS.Z (base)(AX*4), K1, z
#define STORETAIL(z, base) VMOVUPS z, K1, (base)(AX*4)

// func adamAVX512(p, g, m, v []float32, s *AdamScalars)
//
// Bound by the divider, as adamAVX2 is: a VSQRTPS and two VDIVPS per 16 parameters.
TEXT ·adamAVX512(SB), NOSPLIT, $0-104
	MOVQ s+96(FP), R8
	VBROADCASTSS 0(R8), Z0       // Z0 = Clip
	VBROADCASTSS 4(R8), Z1       // Z1 = L2
	VBROADCASTSS 8(R8), Z2       // Z2 = Decay
	VBROADCASTSS 12(R8), Z3      // Z3 = Beta1
	VBROADCASTSS 16(R8), Z4      // Z4 = Beta2
	VBROADCASTSS 20(R8), Z5      // Z5 = OneMinusBeta1
	VBROADCASTSS 24(R8), Z6      // Z6 = OneMinusBeta2
	VBROADCASTSS 28(R8), Z7      // Z7 = NegStep
	VBROADCASTSS 32(R8), Z8      // Z8 = Bc2Sqrt
	VBROADCASTSS 36(R8), Z9      // Z9 = Eps
	MOVL 4(R8), R9
	ANDL $0x7fffffff, R9         // R9 = 0 when L2 is +0 or -0: no L2 term
	MOVQ p_base+0(FP), DI        // DI = &p[0]
	MOVQ p_len+8(FP), CX         // CX = n
	MOVQ g_base+24(FP), SI       // SI = &g[0]
	MOVQ m_base+48(FP), BX       // BX = &m[0]
	MOVQ v_base+72(FP), DX       // DX = &v[0]
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, R10
	ANDQ $-16, R10               // R10 = n rounded down to 16
	JZ   adamtail

adam16:
	ADAM16(LOADFULL, STOREFULL)
	ADDQ $16, AX
	CMPQ AX, R10
	JB   adam16

adamtail:
	SUBQ AX, CX                  // CX = r < 16 parameters left
	JZ   adamdone
	LEAQ ·tailBits16(SB), R10
	KMOVW (R10)(CX*2), K1        // K1 = the r lanes
	ADAM16(LOADTAIL, STORETAIL)

adamdone:
	VZEROUPPER
	RET

// func emaAVX512(avg, p []float32, d, w float32)
//
// avg = d*avg + w*p, 64 values (four zmm) per iteration, then 16, then the last r < 16 under
// the mask K1.
TEXT ·emaAVX512(SB), NOSPLIT, $0-56
	MOVQ avg_base+0(FP), DI      // DI = &avg[0]
	MOVQ avg_len+8(FP), CX       // CX = n
	MOVQ p_base+24(FP), SI       // SI = &p[0]
	VBROADCASTSS d+48(FP), Z0    // Z0 = d
	VBROADCASTSS w+52(FP), Z1    // Z1 = w
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   ema16

ema64:
	VMULPS  (DI)(AX*4), Z0, Z2   // d*avg[i:i+16]
	VMULPS  64(DI)(AX*4), Z0, Z3
	VMULPS  128(DI)(AX*4), Z0, Z4
	VMULPS  192(DI)(AX*4), Z0, Z5
	VMULPS  (SI)(AX*4), Z1, Z6   // w*p[i:i+16]
	VMULPS  64(SI)(AX*4), Z1, Z7
	VMULPS  128(SI)(AX*4), Z1, Z8
	VMULPS  192(SI)(AX*4), Z1, Z9
	VADDPS  Z6, Z2, Z2           // d*avg + w*p
	VADDPS  Z7, Z3, Z3
	VADDPS  Z8, Z4, Z4
	VADDPS  Z9, Z5, Z5
	VMOVUPS Z2, (DI)(AX*4)       // store avg[i:i+64]
	VMOVUPS Z3, 64(DI)(AX*4)
	VMOVUPS Z4, 128(DI)(AX*4)
	VMOVUPS Z5, 192(DI)(AX*4)
	ADDQ    $64, AX
	CMPQ    AX, DX
	JB      ema64

ema16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  ematail

ema16loop:
	VMULPS  (DI)(AX*4), Z0, Z2   // d*avg[i:i+16]
	VMULPS  (SI)(AX*4), Z1, Z6   // w*p[i:i+16]
	VADDPS  Z6, Z2, Z2
	VMOVUPS Z2, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JB      ema16loop

ematail:
	SUBQ AX, CX                  // CX = r < 16 values left
	JZ   emadone
	LEAQ ·tailBits16(SB), R9
	KMOVW (R9)(CX*2), K1         // K1 = the r lanes
	VMULPS.Z (DI)(AX*4), Z0, K1, Z2 // d*avg[n-r:n]
	VMULPS.Z (SI)(AX*4), Z1, K1, Z6 // w*p[n-r:n]
	VADDPS Z6, Z2, Z2
	VMOVUPS Z2, K1, (DI)(AX*4)   // store the r lanes only

emadone:
	VZEROUPPER
	RET
