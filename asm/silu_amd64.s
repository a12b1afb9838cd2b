//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// SiLU and its gradient on eight lanes at a time, two vectors per iteration, with a vectorised
// exp. Both passes are bound by the FP ports 0 and 1 (FMA, add, mul, min/max, shifts and the
// divider all go there on Ice Lake), so the kernels are written for the fewest such uops and
// short dependency chains:
//
//   - n = round(x*log2(e)) is one FMA into roundMagic = 1.5*2^23 + 127, which leaves n + 127
//     in the low mantissa bits: shifted left by 23 they are 2^n, and subtracting roundMagic
//     gives n as a float (no VROUNDPS, VCVTPS2DQ or VPADDD).
//   - x is clamped to -88 from below, so n >= -127 and 2^-127 comes out of the shift as +0:
//     exp underflows to exactly 0 without a compare and a mask. Between x = -87.68 and -87.34
//     the result is subnormal (slow on Intel, but no SiLU input sits there).
//   - r = x - n*ln2 (Cody and Waite, ln 2 in two parts), |r| <= ln2/2, and
//     e^r = 1 + r + r^2*P(r) with P of degree 4 evaluated by Estrin's scheme: the three levels
//     of r^2 take 12 cycles where Cephes's degree-5 Horner took 20. P's coefficients are the
//     minimax (Lawson's iteration, in float64) relative-error fit of (e^r - 1 - r)/r^2 on
//     [-ln2/2, ln2/2], rounded to float32: it is within 4e-9 of e^r, a thirtieth of an ulp.
//
// The forward pass takes exp(-z) with z clamped to [-89, 88], so 2^n runs from +0 (n = -127:
// h = z, exactly, from z = 87.68 on) to +Inf (n = 128, from z = -88.38 down: h = z/Inf = -0,
// and NaN for z = -Inf, as z*sigmoid(z) gives), and h = z / (1 + exp(-z)): one division and
// no select. 1 + exp(-z) is fma(2^n, e^r, 1) with e^r = 1 + (r + r^2*P) rounded once (e^r > 0,
// so 2^128 * e^r is +Inf, never NaN).
//
// The gradient takes e = exp(-|z|) in [0, 1] (it never overflows), q = 1/(1+e), and
//
//	s = sigmoid(z) = q for z >= 0, e*q for z < 0
//	silu'(z) = s + z*s*(1-s),  s*(1-s) = e*q*(1 - e*q) for either sign (e*q <= 1/2)
//
// so s and s*(1-s) keep their relative accuracy where 1 - s would cancel, and e = 2^n +
// 2^n*(r + r^2*P) is one FMA. The divisions are real VDIVPS, not reciprocal estimates.
//
// Per vector that is 17 uops on ports 0 and 1 forward and 19 for the gradient, where Cephes's
// form with VROUNDPS, a compare-and-mask underflow and two selects took 22 and 25.
//
// Each macro below is one stage for one vector; the loops call every stage for both vectors
// before the next stage, so that two independent chains are interleaved.

// the sign bit, to form -|z|
DATA siluConst<>+0(SB)/8, $0x8000000080000000
DATA siluConst<>+8(SB)/8, $0x8000000080000000
DATA siluConst<>+16(SB)/8, $0x8000000080000000
DATA siluConst<>+24(SB)/8, $0x8000000080000000
#define signBit siluConst<>+0(SB)
// -88: x = -|z| or -z is clamped to it, so that n >= -127 (2^-127 is built as +0)
DATA siluConst<>+32(SB)/8, $0xc2b00000c2b00000
DATA siluConst<>+40(SB)/8, $0xc2b00000c2b00000
DATA siluConst<>+48(SB)/8, $0xc2b00000c2b00000
DATA siluConst<>+56(SB)/8, $0xc2b00000c2b00000
#define xLo siluConst<>+32(SB)
// -89: z is clamped to it in the forward pass, so that n <= 128 (2^128 is built as +Inf)
DATA siluConst<>+64(SB)/8, $0xc2b20000c2b20000
DATA siluConst<>+72(SB)/8, $0xc2b20000c2b20000
DATA siluConst<>+80(SB)/8, $0xc2b20000c2b20000
DATA siluConst<>+88(SB)/8, $0xc2b20000c2b20000
#define zLo siluConst<>+64(SB)
// 88: z is clamped to it in the forward pass (x = -z >= -88)
DATA siluConst<>+96(SB)/8, $0x42b0000042b00000
DATA siluConst<>+104(SB)/8, $0x42b0000042b00000
DATA siluConst<>+112(SB)/8, $0x42b0000042b00000
DATA siluConst<>+120(SB)/8, $0x42b0000042b00000
#define zHi siluConst<>+96(SB)
// log2(e)
DATA siluConst<>+128(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+136(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+144(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+152(SB)/8, $0x3fb8aa3b3fb8aa3b
#define log2e siluConst<>+128(SB)
// ln 2 = ln2Hi + ln2Lo (Cody and Waite): n*ln2Hi is exact for |n| < 2^9
DATA siluConst<>+160(SB)/8, $0x3f3180003f318000
DATA siluConst<>+168(SB)/8, $0x3f3180003f318000
DATA siluConst<>+176(SB)/8, $0x3f3180003f318000
DATA siluConst<>+184(SB)/8, $0x3f3180003f318000
#define ln2Hi siluConst<>+160(SB)
DATA siluConst<>+192(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+200(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+208(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+216(SB)/8, $0xb95e8083b95e8083
#define ln2Lo siluConst<>+192(SB)
// e^r ~ 1 + r + r^2*(C0 + C1*r + C2*r^2 + C3*r^3 + C4*r^4) on |r| <= ln2/2
DATA siluConst<>+224(SB)/8, $0x3efffffe3efffffe
DATA siluConst<>+232(SB)/8, $0x3efffffe3efffffe
DATA siluConst<>+240(SB)/8, $0x3efffffe3efffffe
DATA siluConst<>+248(SB)/8, $0x3efffffe3efffffe
#define expC0 siluConst<>+224(SB)
DATA siluConst<>+256(SB)/8, $0x3e2aaa493e2aaa49
DATA siluConst<>+264(SB)/8, $0x3e2aaa493e2aaa49
DATA siluConst<>+272(SB)/8, $0x3e2aaa493e2aaa49
DATA siluConst<>+280(SB)/8, $0x3e2aaa493e2aaa49
#define expC1 siluConst<>+256(SB)
DATA siluConst<>+288(SB)/8, $0x3d2aac793d2aac79
DATA siluConst<>+296(SB)/8, $0x3d2aac793d2aac79
DATA siluConst<>+304(SB)/8, $0x3d2aac793d2aac79
DATA siluConst<>+312(SB)/8, $0x3d2aac793d2aac79
#define expC2 siluConst<>+288(SB)
DATA siluConst<>+320(SB)/8, $0x3c091cf13c091cf1
DATA siluConst<>+328(SB)/8, $0x3c091cf13c091cf1
DATA siluConst<>+336(SB)/8, $0x3c091cf13c091cf1
DATA siluConst<>+344(SB)/8, $0x3c091cf13c091cf1
#define expC3 siluConst<>+320(SB)
DATA siluConst<>+352(SB)/8, $0x3ab5121a3ab5121a
DATA siluConst<>+360(SB)/8, $0x3ab5121a3ab5121a
DATA siluConst<>+368(SB)/8, $0x3ab5121a3ab5121a
DATA siluConst<>+376(SB)/8, $0x3ab5121a3ab5121a
#define expC4 siluConst<>+352(SB)
// 1.0
DATA siluConst<>+384(SB)/8, $0x3f8000003f800000
DATA siluConst<>+392(SB)/8, $0x3f8000003f800000
DATA siluConst<>+400(SB)/8, $0x3f8000003f800000
DATA siluConst<>+408(SB)/8, $0x3f8000003f800000
#define one siluConst<>+384(SB)
// 1.5*2^23 + 127: x*log2(e) + roundMagic rounds to an integer, n + 127 in the low mantissa bits
DATA siluConst<>+416(SB)/8, $0x4b40007f4b40007f
DATA siluConst<>+424(SB)/8, $0x4b40007f4b40007f
DATA siluConst<>+432(SB)/8, $0x4b40007f4b40007f
DATA siluConst<>+440(SB)/8, $0x4b40007f4b40007f
#define roundMagic siluConst<>+416(SB)
GLOBL siluConst<>(SB), RODATA|NOPTR, $448

// Registers: Y12 = 1, Y13 = roundMagic, Y14 = ln2Hi, Y15 = ln2Lo throughout.

// FWD_REDUCE: from the biased z in Z, W = v = -r and T = n + 127 in the low mantissa bits of
// roundMagic + n, where x = -clamp(z, -89, 88) = n*ln2 + r. F is scratch.
#define FWD_REDUCE(Z, W, T, F) \
	VMAXPS       zLo, Z, W     /* clamp z (NaN becomes -89: h = NaN/D is NaN anyway) */ \
	VMINPS       zHi, W, W     \
	VMOVAPS      Y13, T        \
	VFNMADD231PS log2e, W, T   /* T = roundMagic - z*log2(e), rounded: n in its low bits */ \
	VSUBPS       Y13, T, F     /* F = n */                                 \
	VFMADD231PS  Y14, F, W     /* v = z + n*ln2Hi, exact */               \
	VFMADD231PS  Y15, F, W     /* v = z + n*ln2 = -r */                    \
	VPSLLD       $23, T, T     /* T = 2^n */

// FWD_DENOM: B = 1 + exp(-z) = 2^n*e^r + 1 from W = v = -r and T = 2^n. F, A are scratch.
// e^r = 1 - v + v^2*P(-v), P(-v) = (C0 - C1*v) + v^2*((C2 - C3*v) + v^2*C4).
#define FWD_DENOM(W, T, F, A, B) \
	VMULPS       W, W, F       /* v^2 */                                   \
	VMOVUPS      expC0, A      \
	VFNMADD231PS expC1, W, A   /* A = C0 - C1*v */                         \
	VMOVUPS      expC2, B      \
	VFNMADD231PS expC3, W, B   /* B = C2 - C3*v */                         \
	VFMADD231PS  expC4, F, B   /* B += C4*v^2 */                           \
	VFMADD213PS  A, F, B       /* B = P(-v) */                             \
	VFMSUB213PS  W, F, B       /* B = v^2*P(-v) - v = e^r - 1 */           \
	VADDPS       Y12, B, B     /* e^r */                                   \
	VFMADD213PS  Y12, T, B     /* 1 + 2^n*e^r */

// GRAD_REDUCE: from z in Z, X = r and T = 2^n where x = max(-|z|, -88) = n*ln2 + r.
#define GRAD_REDUCE(Z, X, T, F) \
	VORPS        signBit, Z, X /* x = -|z| */                               \
	VMAXPS       xLo, X, X     /* (NaN becomes -88: the products with z keep it) */ \
	VMOVAPS      Y13, T        \
	VFMADD231PS  log2e, X, T   /* T = roundMagic + x*log2(e), rounded */   \
	VSUBPS       Y13, T, F     /* F = n */                                 \
	VFNMADD231PS Y14, F, X     /* r = x - n*ln2Hi, exact */                \
	VFNMADD231PS Y15, F, X     /* r = x - n*ln2 */                         \
	VPSLLD       $23, T, T     /* T = 2^n */

// GRAD_EXP: B = e = exp(-|z|) = 2^n + 2^n*(r + r^2*P(r)) from X = r and T = 2^n.
#define GRAD_EXP(X, T, F, A, B) \
	VMULPS       X, X, F       /* r^2 */                                   \
	VMOVUPS      expC0, A      \
	VFMADD231PS  expC1, X, A   /* A = C0 + C1*r */                         \
	VMOVUPS      expC2, B      \
	VFMADD231PS  expC3, X, B   /* B = C2 + C3*r */                         \
	VFMADD231PS  expC4, F, B   /* B += C4*r^2 */                           \
	VFMADD213PS  A, F, B       /* B = P(r) */                              \
	VFMADD213PS  X, F, B       /* B = r + r^2*P(r) = e^r - 1 */            \
	VFMADD213PS  T, T, B       /* e = 2^n*(e^r - 1) + 2^n */

// GRAD_FACTOR: F = silu'(z) = s + z*s*(1-s) from Z = z and B = e. q = 1/(1+e) and e*q are
// sigmoid(|z|) and sigmoid(-|z|), so s is q or e*q by z's sign, and s*(1-s) = e*q*(1 - e*q)
// for either sign. Taken as e*q*q instead, it would carry 1+e's rounding error twice for z < 0
// (TestSiLUAccuracy's worst error 2.09 ulp instead of 1.63); 1 - e*q, with e*q <= 1/2, adds only
// its own rounding. A, T are scratch.
#define GRAD_FACTOR(Z, T, F, A, B) \
	VADDPS       Y12, B, A     /* 1 + e */                                 \
	VDIVPS       A, Y12, A     /* q = 1/(1+e) */                           \
	VMULPS       A, B, T       /* e*q */                                   \
	VBLENDVPS    Z, T, A, F    /* s = e*q where z < 0 (sign set), else q */ \
	VFNMADD213PS T, T, T       /* s*(1-s) = e*q - (e*q)^2 */               \
	VFMADD231PS  Z, T, F       /* s + z*s*(1-s) */

// SILU_CONSTS loads the constants kept in registers.
#define SILU_CONSTS \
	VMOVUPS one, Y12           \
	VMOVUPS roundMagic, Y13    \
	VMOVUPS ln2Hi, Y14         \
	VMOVUPS ln2Lo, Y15

// func biasSiLUAVX2(z, h, b []float32)
TEXT ·biasSiLUAVX2(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   biassilu8

biassilu16:
	VMOVUPS (DI)(AX*4), Y0       // z[i:i+8]
	VMOVUPS 32(DI)(AX*4), Y6     // z[i+8:i+16]
	VADDPS (SI)(AX*4), Y0, Y0    // += b
	VADDPS 32(SI)(AX*4), Y6, Y6
	VMOVUPS Y0, (DI)(AX*4)       // store z
	VMOVUPS Y6, 32(DI)(AX*4)
	FWD_REDUCE(Y0, Y1, Y2, Y3)
	FWD_REDUCE(Y6, Y7, Y8, Y9)
	FWD_DENOM(Y1, Y2, Y3, Y4, Y5)
	FWD_DENOM(Y7, Y8, Y9, Y10, Y11)
	VDIVPS Y5, Y0, Y5            // h = z/(1 + exp(-z))
	VDIVPS Y11, Y6, Y11
	VMOVUPS Y5, (BX)(AX*4)
	VMOVUPS Y11, 32(BX)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   biassilu16

biassilu8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  biassilutail
	VMOVUPS (DI)(AX*4), Y0       // one more vector, as in the loop
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	FWD_REDUCE(Y0, Y1, Y2, Y3)
	FWD_DENOM(Y1, Y2, Y3, Y4, Y5)
	VDIVPS Y5, Y0, Y5
	VMOVUPS Y5, (BX)(AX*4)
	ADDQ $8, AX

biassilutail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left from DX on
	JZ   biassiludone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (DI)(DX*4), Y6, Y0 // z[n-r:n], zeros beyond
	VMASKMOVPS (SI)(DX*4), Y6, Y1 // b[n-r:n]
	VADDPS Y1, Y0, Y0            // z + b
	VMASKMOVPS Y0, Y6, (DI)(DX*4) // store the r lanes of z
	FWD_REDUCE(Y0, Y1, Y2, Y3)
	FWD_DENOM(Y1, Y2, Y3, Y4, Y5)
	VDIVPS Y5, Y0, Y5
	VMASKMOVPS Y5, Y6, (BX)(DX*4) // store the r lanes of h

biassiludone:
	VZEROUPPER
	RET

// func siluGradAVX2(dz, dh, z []float32)
TEXT ·siluGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   silugrad8

silugrad16:
	VMOVUPS (BX)(AX*4), Y0       // z[i:i+8]
	VMOVUPS 32(BX)(AX*4), Y6     // z[i+8:i+16]
	GRAD_REDUCE(Y0, Y1, Y2, Y3)
	GRAD_REDUCE(Y6, Y7, Y8, Y9)
	GRAD_EXP(Y1, Y2, Y3, Y4, Y5)
	GRAD_EXP(Y7, Y8, Y9, Y10, Y11)
	GRAD_FACTOR(Y0, Y2, Y3, Y4, Y5)
	GRAD_FACTOR(Y6, Y8, Y9, Y10, Y11)
	VMULPS (SI)(AX*4), Y3, Y3    // dz = dh*silu'(z), dh read before dz is written (they may alias)
	VMULPS 32(SI)(AX*4), Y9, Y9
	VMOVUPS Y3, (DI)(AX*4)
	VMOVUPS Y9, 32(DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   silugrad16

silugrad8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  silugradtail
	VMOVUPS (BX)(AX*4), Y0       // one more vector, as in the loop
	GRAD_REDUCE(Y0, Y1, Y2, Y3)
	GRAD_EXP(Y1, Y2, Y3, Y4, Y5)
	GRAD_FACTOR(Y0, Y2, Y3, Y4, Y5)
	VMULPS (SI)(AX*4), Y3, Y3
	VMOVUPS Y3, (DI)(AX*4)
	ADDQ $8, AX

silugradtail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left from DX on
	JZ   silugraddone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (BX)(DX*4), Y6, Y0 // z[n-r:n], zeros beyond
	GRAD_REDUCE(Y0, Y1, Y2, Y3)
	GRAD_EXP(Y1, Y2, Y3, Y4, Y5)
	GRAD_FACTOR(Y0, Y2, Y3, Y4, Y5)
	VMASKMOVPS (SI)(DX*4), Y6, Y1 // dh[n-r:n]
	VMULPS Y1, Y3, Y3
	VMASKMOVPS Y3, Y6, (DI)(DX*4) // store the r lanes of dz

silugraddone:
	VZEROUPPER
	RET
