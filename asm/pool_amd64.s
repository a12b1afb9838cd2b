//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// MAX2: D = max(X, Y) as Go's max computes it. VMAXPS Y, X gives X where X > Y, else Y (ties and
// NaN); VMAXPS X, Y the other way round; their AND is the maximum where they agree and +0 for a
// +0/-0 tie; where either is NaN the compare sets all bits, a NaN. T is scratch.
#define MAX2(X, Y, D, T) \
	VMAXPS  Y, X, D              \
	VMAXPS  X, Y, T              \
	VANDPS  T, D, D              \
	VCMPPS  $3, Y, X, T          /* unordered: X or Y is NaN */ \
	VORPS   T, D, D

// func max4AVX2(dst, a, b, d, e []float32)
TEXT ·max4AVX2(SB), NOSPLIT, $0-120
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), R8
	MOVQ d_base+72(FP), R9
	MOVQ e_base+96(FP), R10
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	JZ   max4tail

max4loop:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS (R8)(AX*4), Y1
	VMOVUPS (R9)(AX*4), Y2
	VMOVUPS (R10)(AX*4), Y3
	MAX2(Y0, Y1, Y4, Y5)
	MAX2(Y2, Y3, Y6, Y7)
	MAX2(Y4, Y6, Y0, Y5)
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, DX
	JB   max4loop

max4tail:
	SUBQ CX, AX                  // AX = -r, r < 8 values left from DX on
	JZ   max4done
	LEAQ ·tailMask+32(SB), R11
	VMOVUPS (R11)(AX*4), Y8      // mask with r lanes set
	VMASKMOVPS (SI)(DX*4), Y8, Y0
	VMASKMOVPS (R8)(DX*4), Y8, Y1
	VMASKMOVPS (R9)(DX*4), Y8, Y2
	VMASKMOVPS (R10)(DX*4), Y8, Y3
	MAX2(Y0, Y1, Y4, Y5)
	MAX2(Y2, Y3, Y6, Y7)
	MAX2(Y4, Y6, Y0, Y5)
	VMASKMOVPS Y0, Y8, (DI)(DX*4)

max4done:
	VZEROUPPER
	RET

// LERP: D = (X*w0 + Y*w1)*h0 + (Z*w0 + W*w1)*h1 with w0, w1, h0, h1 in Y12-Y15, every product
// and sum rounded on its own. T is scratch.
#define LERP(X, Y, Z, W, D, T) \
	VMULPS  Y12, X, X            \
	VMULPS  Y13, Y, Y            \
	VADDPS  Y, X, X              /* top */ \
	VMULPS  Y12, Z, Z            \
	VMULPS  Y13, W, W            \
	VADDPS  W, Z, Z              /* bottom */ \
	VMULPS  Y14, X, D            \
	VMULPS  Y15, Z, T            \
	VADDPS  T, D, D

// func bilerpAVX2(dst, a, b, d, e []float32, w *[4]float32)
TEXT ·bilerpAVX2(SB), NOSPLIT, $0-128
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), R8
	MOVQ d_base+72(FP), R9
	MOVQ e_base+96(FP), R10
	MOVQ w+120(FP), R11
	VBROADCASTSS 0(R11), Y12     // w0
	VBROADCASTSS 4(R11), Y13     // w1
	VBROADCASTSS 8(R11), Y14     // h0
	VBROADCASTSS 12(R11), Y15    // h1
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX
	JZ   bilerptail

bilerploop:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS (R8)(AX*4), Y1
	VMOVUPS (R9)(AX*4), Y2
	VMOVUPS (R10)(AX*4), Y3
	LERP(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVUPS Y4, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, DX
	JB   bilerploop

bilerptail:
	SUBQ CX, AX
	JZ   bilerpdone
	LEAQ ·tailMask+32(SB), R11
	VMOVUPS (R11)(AX*4), Y8
	VMASKMOVPS (SI)(DX*4), Y8, Y0
	VMASKMOVPS (R8)(DX*4), Y8, Y1
	VMASKMOVPS (R9)(DX*4), Y8, Y2
	VMASKMOVPS (R10)(DX*4), Y8, Y3
	LERP(Y0, Y1, Y2, Y3, Y4, Y5)
	VMASKMOVPS Y4, Y8, (DI)(DX*4)

bilerpdone:
	VZEROUPPER
	RET
