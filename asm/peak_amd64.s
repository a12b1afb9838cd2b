//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// func peakFMA(n int)
//
// n iterations of twelve independent FMA chains on ymm registers, no loads or stores: two
// FMA ports with four cycles of latency need eight chains in flight, twelve leave slack.
// Each chain computes x = x*m + d, which converges to d/(1-m) and never reaches a NaN,
// an infinity or a subnormal. One iteration is 12 * 8 * 2 = 192 flops.
TEXT ·peakFMA(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX             // CX = n
	MOVL $0x3f7ffff0, AX         // m = 0.99999905
	VMOVD AX, X12
	VBROADCASTSS X12, Y12        // Y12 = m in every lane
	MOVL $0x33d6bf95, AX         // d = 1e-7
	VMOVD AX, X13
	VBROADCASTSS X13, Y13        // Y13 = d in every lane
	VMOVAPS Y13, Y0              // twelve chains, all starting at d
	VMOVAPS Y13, Y1
	VMOVAPS Y13, Y2
	VMOVAPS Y13, Y3
	VMOVAPS Y13, Y4
	VMOVAPS Y13, Y5
	VMOVAPS Y13, Y6
	VMOVAPS Y13, Y7
	VMOVAPS Y13, Y8
	VMOVAPS Y13, Y9
	VMOVAPS Y13, Y10
	VMOVAPS Y13, Y11
	TESTQ CX, CX
	JLE   peakdone

peakloop:
	VFMADD213PS Y13, Y12, Y0     // Y0 = Y0*m + d
	VFMADD213PS Y13, Y12, Y1
	VFMADD213PS Y13, Y12, Y2
	VFMADD213PS Y13, Y12, Y3
	VFMADD213PS Y13, Y12, Y4
	VFMADD213PS Y13, Y12, Y5
	VFMADD213PS Y13, Y12, Y6
	VFMADD213PS Y13, Y12, Y7
	VFMADD213PS Y13, Y12, Y8
	VFMADD213PS Y13, Y12, Y9
	VFMADD213PS Y13, Y12, Y10
	VFMADD213PS Y13, Y12, Y11
	DECQ CX
	JNZ  peakloop

peakdone:
	VZEROUPPER
	RET
