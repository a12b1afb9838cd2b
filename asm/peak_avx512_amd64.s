//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// func peakAVX512(n int)
//
// n iterations of 24 independent FMA chains on zmm registers, no loads or stores: two FMA
// ports with four cycles of latency need eight chains in flight, and 24 is as many as the
// GEMM kernel keeps. Each chain computes x = x*m + d, which converges to d/(1-m) and never
// reaches a NaN, an infinity or a subnormal. One iteration is 24 * 16 * 2 = 768 flops.
TEXT ·peakAVX512(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX             // CX = n
	MOVL $0x3f7ffff0, AX         // m = 0.99999905
	VPBROADCASTD AX, Z30         // Z30 = m in every lane
	MOVL $0x33d6bf95, AX         // d = 1e-7
	VPBROADCASTD AX, Z31         // Z31 = d in every lane
	VMOVAPS Z31, Z0              // 24 chains, all starting at d
	VMOVAPS Z31, Z1
	VMOVAPS Z31, Z2
	VMOVAPS Z31, Z3
	VMOVAPS Z31, Z4
	VMOVAPS Z31, Z5
	VMOVAPS Z31, Z6
	VMOVAPS Z31, Z7
	VMOVAPS Z31, Z8
	VMOVAPS Z31, Z9
	VMOVAPS Z31, Z10
	VMOVAPS Z31, Z11
	VMOVAPS Z31, Z12
	VMOVAPS Z31, Z13
	VMOVAPS Z31, Z14
	VMOVAPS Z31, Z15
	VMOVAPS Z31, Z16
	VMOVAPS Z31, Z17
	VMOVAPS Z31, Z18
	VMOVAPS Z31, Z19
	VMOVAPS Z31, Z20
	VMOVAPS Z31, Z21
	VMOVAPS Z31, Z22
	VMOVAPS Z31, Z23
	TESTQ CX, CX
	JLE   peakdone

peakloop:
	VFMADD213PS Z31, Z30, Z0     // Z0 = Z0*m + d
	VFMADD213PS Z31, Z30, Z1
	VFMADD213PS Z31, Z30, Z2
	VFMADD213PS Z31, Z30, Z3
	VFMADD213PS Z31, Z30, Z4
	VFMADD213PS Z31, Z30, Z5
	VFMADD213PS Z31, Z30, Z6
	VFMADD213PS Z31, Z30, Z7
	VFMADD213PS Z31, Z30, Z8
	VFMADD213PS Z31, Z30, Z9
	VFMADD213PS Z31, Z30, Z10
	VFMADD213PS Z31, Z30, Z11
	VFMADD213PS Z31, Z30, Z12
	VFMADD213PS Z31, Z30, Z13
	VFMADD213PS Z31, Z30, Z14
	VFMADD213PS Z31, Z30, Z15
	VFMADD213PS Z31, Z30, Z16
	VFMADD213PS Z31, Z30, Z17
	VFMADD213PS Z31, Z30, Z18
	VFMADD213PS Z31, Z30, Z19
	VFMADD213PS Z31, Z30, Z20
	VFMADD213PS Z31, Z30, Z21
	VFMADD213PS Z31, Z30, Z22
	VFMADD213PS Z31, Z30, Z23
	DECQ CX
	JNZ  peakloop

peakdone:
	VZEROUPPER
	RET
