// The AVX-512 SiLU's constants and the macros that compute it, shared by silu_avx512_amd64.s
// (the element-wise passes) and gemm_avx512_amd64.s (the kernels' fused epilogue), so that
// both give a value the same bits. Each file that includes it gets its own copy of the
// constants (silu512Const<> is local to the file).

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
