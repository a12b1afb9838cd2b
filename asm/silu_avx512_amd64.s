//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// SiLU and its gradient on 16 lanes, two vectors per iteration: the computation of
// silu_amd64.s (its comment explains the exp, the clamps and the sigmoid's two forms), lane
// for lane the same instructions on zmm registers, so every value comes out with the same bits
// as in the avx2-fma set. What AVX-512 changes:
//
//   - 32 registers hold every constant (Z18..Z31), so the loops read nothing but z, b and dh.
//   - The sigmoid's select by z's sign is VPTESTMD into an opmask and VBLENDMPS (AVX2's
//     VBLENDVPS has no zmm form).
//   - The last len%16 values run through the same code under the opmask K1: masked loads
//     read, and masked stores write, only the lanes inside the slices.

// The constants, one float32 each, broadcast into registers by SILU_CONSTS.
DATA silu512Const<>+0(SB)/4, $0x80000000  // the sign bit, to form -|z|
DATA silu512Const<>+4(SB)/4, $0xc2b00000  // -88: x = -|z| or -z is clamped to it (n >= -127)
DATA silu512Const<>+8(SB)/4, $0xc2b20000  // -89: z is clamped to it forward (n <= 128)
DATA silu512Const<>+12(SB)/4, $0x42b00000 // 88: z is clamped to it forward
DATA silu512Const<>+16(SB)/4, $0x3fb8aa3b // log2(e)
DATA silu512Const<>+20(SB)/4, $0x3f318000 // ln2Hi: n*ln2Hi is exact for |n| < 2^9
DATA silu512Const<>+24(SB)/4, $0xb95e8083 // ln2Lo = ln 2 - ln2Hi
DATA silu512Const<>+28(SB)/4, $0x3efffffe // C0 of e^r ~ 1 + r + r^2*(C0 + C1*r + ... + C4*r^4)
DATA silu512Const<>+32(SB)/4, $0x3e2aaa49 // C1
DATA silu512Const<>+36(SB)/4, $0x3d2aac79 // C2
DATA silu512Const<>+40(SB)/4, $0x3c091cf1 // C3
DATA silu512Const<>+44(SB)/4, $0x3ab5121a // C4
DATA silu512Const<>+48(SB)/4, $0x3f800000 // 1
DATA silu512Const<>+52(SB)/4, $0x4b40007f // roundMagic = 1.5*2^23 + 127
GLOBL silu512Const<>(SB), RODATA|NOPTR, $56

#define signBit Z18
#define xLo Z19
#define zLo Z20
#define zHi Z21
#define log2e Z22
#define ln2Hi Z23
#define ln2Lo Z24
#define expC0 Z25
#define expC1 Z26
#define expC2 Z27
#define expC3 Z28
#define expC4 Z29
#define one Z30
#define roundMagic Z31

#define SILU_CONSTS \
	VBROADCASTSS silu512Const<>+0(SB), signBit      \
	VBROADCASTSS silu512Const<>+4(SB), xLo          \
	VBROADCASTSS silu512Const<>+8(SB), zLo          \
	VBROADCASTSS silu512Const<>+12(SB), zHi         \
	VBROADCASTSS silu512Const<>+16(SB), log2e       \
	VBROADCASTSS silu512Const<>+20(SB), ln2Hi       \
	VBROADCASTSS silu512Const<>+24(SB), ln2Lo       \
	VBROADCASTSS silu512Const<>+28(SB), expC0       \
	VBROADCASTSS silu512Const<>+32(SB), expC1       \
	VBROADCASTSS silu512Const<>+36(SB), expC2       \
	VBROADCASTSS silu512Const<>+40(SB), expC3       \
	VBROADCASTSS silu512Const<>+44(SB), expC4       \
	VBROADCASTSS silu512Const<>+48(SB), one         \
	VBROADCASTSS silu512Const<>+52(SB), roundMagic

// FWD_REDUCE: from the biased z in Z, W = v = -r and T = 2^n, where x = -clamp(z, -89, 88) =
// n*ln2 + r. F is scratch.
#define FWD_REDUCE(Z, W, T, F) \
	VMAXPS       zLo, Z, W     /* clamp z (NaN becomes -89: h = NaN/D is NaN anyway) */ \
	VMINPS       zHi, W, W     \
	VMOVAPS      roundMagic, T \
	VFNMADD231PS log2e, W, T   /* T = roundMagic - z*log2(e), rounded: n in its low bits */ \
	VSUBPS       roundMagic, T, F /* F = n */ \
	VFMADD231PS  ln2Hi, F, W   /* v = z + n*ln2Hi, exact */ \
	VFMADD231PS  ln2Lo, F, W   /* v = z + n*ln2 = -r */ \
	VPSLLD       $23, T, T     /* T = 2^n */

// FWD_DENOM: B = 1 + exp(-z) = 2^n*e^r + 1 from W = v = -r and T = 2^n. F, A are scratch.
// e^r = 1 - v + v^2*P(-v), P(-v) = (C0 - C1*v) + v^2*((C2 - C3*v) + v^2*C4).
#define FWD_DENOM(W, T, F, A, B) \
	VMULPS       W, W, F       /* v^2 */ \
	VMOVAPS      expC0, A      \
	VFNMADD231PS expC1, W, A   /* A = C0 - C1*v */ \
	VMOVAPS      expC2, B      \
	VFNMADD231PS expC3, W, B   /* B = C2 - C3*v */ \
	VFMADD231PS  expC4, F, B   /* B += C4*v^2 */ \
	VFMADD213PS  A, F, B       /* B = P(-v) */ \
	VFMSUB213PS  W, F, B       /* B = v^2*P(-v) - v = e^r - 1 */ \
	VADDPS       one, B, B     /* e^r */ \
	VFMADD213PS  one, T, B     /* 1 + 2^n*e^r */

// GRAD_REDUCE: from z in Z, X = r and T = 2^n where x = max(-|z|, -88) = n*ln2 + r.
#define GRAD_REDUCE(Z, X, T, F) \
	VPORD        signBit, Z, X /* x = -|z| */ \
	VMAXPS       xLo, X, X     /* (NaN becomes -88: the products with z keep it) */ \
	VMOVAPS      roundMagic, T \
	VFMADD231PS  log2e, X, T   /* T = roundMagic + x*log2(e), rounded */ \
	VSUBPS       roundMagic, T, F /* F = n */ \
	VFNMADD231PS ln2Hi, F, X   /* r = x - n*ln2Hi, exact */ \
	VFNMADD231PS ln2Lo, F, X   /* r = x - n*ln2 */ \
	VPSLLD       $23, T, T     /* T = 2^n */

// GRAD_EXP: B = e = exp(-|z|) = 2^n + 2^n*(r + r^2*P(r)) from X = r and T = 2^n.
#define GRAD_EXP(X, T, F, A, B) \
	VMULPS       X, X, F       /* r^2 */ \
	VMOVAPS      expC0, A      \
	VFMADD231PS  expC1, X, A   /* A = C0 + C1*r */ \
	VMOVAPS      expC2, B      \
	VFMADD231PS  expC3, X, B   /* B = C2 + C3*r */ \
	VFMADD231PS  expC4, F, B   /* B += C4*r^2 */ \
	VFMADD213PS  A, F, B       /* B = P(r) */ \
	VFMADD213PS  X, F, B       /* B = r + r^2*P(r) = e^r - 1 */ \
	VFMADD213PS  T, T, B       /* e = 2^n*(e^r - 1) + 2^n */

// GRAD_FACTOR: F = silu'(z) = s + z*s*(1-s) from Z = z and B = e, as in silu_amd64.s: q =
// 1/(1+e), s = e*q where z's sign bit is set (the lanes of the opmask K), q elsewhere, and
// s*(1-s) = e*q*(1 - e*q). A, T are scratch.
#define GRAD_FACTOR(Z, K, T, F, A, B) \
	VADDPS       one, B, A     /* 1 + e */ \
	VDIVPS       A, one, A     /* q = 1/(1+e) */ \
	VMULPS       A, B, T       /* e*q */ \
	VPTESTMD     signBit, Z, K /* K = the lanes where z's sign bit is set */ \
	VBLENDMPS    T, A, K, F    /* s = e*q there, else q */ \
	VFNMADD213PS T, T, T       /* s*(1-s) = e*q - (e*q)^2 */ \
	VFMADD231PS  Z, T, F       /* s + z*s*(1-s) */

// func biasSiLUAVX512(z, h, b []float32)
TEXT ·biasSiLUAVX512(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   biassilu16

biassilu32:
	VMOVUPS (DI)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(DI)(AX*4), Z6     // z[i+16:i+32]
	VADDPS  (SI)(AX*4), Z0, Z0   // += b
	VADDPS  64(SI)(AX*4), Z6, Z6
	VMOVUPS Z0, (DI)(AX*4)       // store z
	VMOVUPS Z6, 64(DI)(AX*4)
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_REDUCE(Z6, Z7, Z8, Z9)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	FWD_DENOM(Z7, Z8, Z9, Z10, Z11)
	VDIVPS  Z5, Z0, Z5           // h = z/(1 + exp(-z))
	VDIVPS  Z11, Z6, Z11
	VMOVUPS Z5, (BX)(AX*4)
	VMOVUPS Z11, 64(BX)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      biassilu32

biassilu16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  biassilutail
	VMOVUPS (DI)(AX*4), Z0       // one more vector, as in the loop
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	VDIVPS  Z5, Z0, Z5
	VMOVUPS Z5, (BX)(AX*4)
	ADDQ    $16, AX

biassilutail:
	SUBQ AX, CX                  // CX = r < 16 values left
	JZ   biassiludone
	LEAQ ·tailBits16(SB), R9
	KMOVW (R9)(CX*2), K1         // K1 = the r lanes
	VMOVUPS.Z (DI)(AX*4), K1, Z0     // z[n-r:n], zeros beyond
	VADDPS    (SI)(AX*4), Z0, K1, Z0 // + b[n-r:n]
	VMOVUPS   Z0, K1, (DI)(AX*4)     // store the r lanes of z
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	VDIVPS    Z5, Z0, Z5
	VMOVUPS   Z5, K1, (BX)(AX*4)     // store the r lanes of h

biassiludone:
	VZEROUPPER
	RET

// func siluGradAVX512(dz, dh, z []float32)
TEXT ·siluGradAVX512(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   silugrad16

silugrad32:
	VMOVUPS (BX)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(BX)(AX*4), Z6     // z[i+16:i+32]
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_REDUCE(Z6, Z7, Z8, Z9)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_EXP(Z7, Z8, Z9, Z10, Z11)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z6, K3, Z8, Z9, Z10, Z11)
	VMULPS  (SI)(AX*4), Z3, Z3   // dz = dh*silu'(z), dh read before dz is written (they may alias)
	VMULPS  64(SI)(AX*4), Z9, Z9
	VMOVUPS Z3, (DI)(AX*4)
	VMOVUPS Z9, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      silugrad32

silugrad16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  silugradtail
	VMOVUPS (BX)(AX*4), Z0       // one more vector, as in the loop
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	VMULPS  (SI)(AX*4), Z3, Z3
	VMOVUPS Z3, (DI)(AX*4)
	ADDQ    $16, AX

silugradtail:
	SUBQ AX, CX                  // CX = r < 16 values left
	JZ   silugraddone
	LEAQ ·tailBits16(SB), R9
	KMOVW (R9)(CX*2), K1         // K1 = the r lanes
	VMOVUPS.Z (BX)(AX*4), K1, Z0     // z[n-r:n], zeros beyond
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	VMULPS.Z  (SI)(AX*4), Z3, K1, Z3 // times dh[n-r:n]
	VMOVUPS   Z3, K1, (DI)(AX*4)     // store the r lanes of dz

silugraddone:
	VZEROUPPER
	RET
