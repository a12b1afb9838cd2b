//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// ELU and its gradient on eight lanes at a time. The forward pass takes expm1 of
// x = max(min(z, 0), -88) with silu_amd64.s's exp, rearranged so that nothing cancels near 0:
//
//   - n = round(x*log2(e)) by one FMA into roundMagic (n + 127 in the low mantissa bits,
//     shifted into 2^n), r = x - n*ln2 in two parts (Cody and Waite), |r| <= ln2/2.
//   - e^r - 1 = r + r^2*P(r), P the degree-4 minimax polynomial by Estrin's scheme, so that
//     for |x| < ln2/2 (n = 0) the result keeps r's relative accuracy where exp(x) - 1 would
//     lose it.
//   - expm1(x) = 2^n*(e^r - 1) + (2^n - 1) as one FMA; 2^n - 1 is exact for n >= -24, and at
//     n = -127 (x = -88) 2^n is +0 and the result -1.
//
// h is then z where z's sign bit is clear (z > 0, +0, and +NaN) and expm1(x) where it is set;
// min and max keep a NaN z in x, so a NaN comes out as NaN either way. Measured against float64
// over TestELUAccuracy's sweep: within 0.59 ulp (the Go set's float64 expm1, rounded
// once: 0.47).
//
// The gradient is one compare, an add, a blend and a multiply: dz = dh*(h > 0 ? 1 : h + 1),
// which is the Go set's to the bit (the NaN h included: h > 0 is false).

// log2(e)
DATA eluConst<>+0(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA eluConst<>+8(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA eluConst<>+16(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA eluConst<>+24(SB)/8, $0x3fb8aa3b3fb8aa3b
#define log2e eluConst<>+0(SB)
// ln 2 = ln2Hi + ln2Lo (Cody and Waite): n*ln2Hi is exact for |n| < 2^9
DATA eluConst<>+32(SB)/8, $0x3f3180003f318000
DATA eluConst<>+40(SB)/8, $0x3f3180003f318000
DATA eluConst<>+48(SB)/8, $0x3f3180003f318000
DATA eluConst<>+56(SB)/8, $0x3f3180003f318000
#define ln2Hi eluConst<>+32(SB)
DATA eluConst<>+64(SB)/8, $0xb95e8083b95e8083
DATA eluConst<>+72(SB)/8, $0xb95e8083b95e8083
DATA eluConst<>+80(SB)/8, $0xb95e8083b95e8083
DATA eluConst<>+88(SB)/8, $0xb95e8083b95e8083
#define ln2Lo eluConst<>+64(SB)
// e^r - 1 ~ r + r^2*(C0 + C1*r + C2*r^2 + C3*r^3 + C4*r^4) on |r| <= ln2/2 (silu_amd64.s's minimax fit)
DATA eluConst<>+96(SB)/8, $0x3efffffe3efffffe
DATA eluConst<>+104(SB)/8, $0x3efffffe3efffffe
DATA eluConst<>+112(SB)/8, $0x3efffffe3efffffe
DATA eluConst<>+120(SB)/8, $0x3efffffe3efffffe
#define expC0 eluConst<>+96(SB)
DATA eluConst<>+128(SB)/8, $0x3e2aaa493e2aaa49
DATA eluConst<>+136(SB)/8, $0x3e2aaa493e2aaa49
DATA eluConst<>+144(SB)/8, $0x3e2aaa493e2aaa49
DATA eluConst<>+152(SB)/8, $0x3e2aaa493e2aaa49
#define expC1 eluConst<>+128(SB)
DATA eluConst<>+160(SB)/8, $0x3d2aac793d2aac79
DATA eluConst<>+168(SB)/8, $0x3d2aac793d2aac79
DATA eluConst<>+176(SB)/8, $0x3d2aac793d2aac79
DATA eluConst<>+184(SB)/8, $0x3d2aac793d2aac79
#define expC2 eluConst<>+160(SB)
DATA eluConst<>+192(SB)/8, $0x3c091cf13c091cf1
DATA eluConst<>+200(SB)/8, $0x3c091cf13c091cf1
DATA eluConst<>+208(SB)/8, $0x3c091cf13c091cf1
DATA eluConst<>+216(SB)/8, $0x3c091cf13c091cf1
#define expC3 eluConst<>+192(SB)
DATA eluConst<>+224(SB)/8, $0x3ab5121a3ab5121a
DATA eluConst<>+232(SB)/8, $0x3ab5121a3ab5121a
DATA eluConst<>+240(SB)/8, $0x3ab5121a3ab5121a
DATA eluConst<>+248(SB)/8, $0x3ab5121a3ab5121a
#define expC4 eluConst<>+224(SB)
// 1.0
DATA eluConst<>+256(SB)/8, $0x3f8000003f800000
DATA eluConst<>+264(SB)/8, $0x3f8000003f800000
DATA eluConst<>+272(SB)/8, $0x3f8000003f800000
DATA eluConst<>+280(SB)/8, $0x3f8000003f800000
#define one eluConst<>+256(SB)
// 1.5*2^23 + 127: x*log2(e) + roundMagic rounds to an integer, n + 127 in the low mantissa bits
DATA eluConst<>+288(SB)/8, $0x4b40007f4b40007f
DATA eluConst<>+296(SB)/8, $0x4b40007f4b40007f
DATA eluConst<>+304(SB)/8, $0x4b40007f4b40007f
DATA eluConst<>+312(SB)/8, $0x4b40007f4b40007f
#define roundMagic eluConst<>+288(SB)
// -88: x is clamped to it, so that n >= -127 (2^-127 is built as +0 and expm1 as -1)
DATA eluConst<>+320(SB)/8, $0xc2b00000c2b00000
DATA eluConst<>+328(SB)/8, $0xc2b00000c2b00000
DATA eluConst<>+336(SB)/8, $0xc2b00000c2b00000
DATA eluConst<>+344(SB)/8, $0xc2b00000c2b00000
#define xLo eluConst<>+320(SB)
GLOBL eluConst<>(SB), RODATA|NOPTR, $352

// Registers: Y10 = 0, Y11 = xLo, Y12 = 1, Y13 = roundMagic throughout.

// ELU_REDUCE: from z in Z, X = r and T = 2^n, where x = max(min(z, 0), -88) = n*ln2 + r.
// F is scratch.
#define ELU_REDUCE(Z, X, T, F) \
	VMINPS       Z, Y10, X     /* x = min(0, z); a NaN z passes */       \
	VMAXPS       X, Y11, X     /* x = max(-88, x); a NaN x passes */     \
	VMOVAPS      Y13, T        \
	VFMADD231PS  log2e, X, T   /* T = roundMagic + x*log2(e), rounded: n + 127 in its low bits */ \
	VSUBPS       Y13, T, F     /* F = n */                               \
	VFNMADD231PS ln2Hi, F, X   /* r = x - n*ln2Hi, exact */              \
	VFNMADD231PS ln2Lo, F, X   /* r = x - n*ln2 */                       \
	VPSLLD       $23, T, T     /* T = 2^n */

// ELU_EXPM1: B = expm1(x) = 2^n*(e^r - 1) + (2^n - 1) from X = r and T = 2^n. F, A are scratch.
#define ELU_EXPM1(X, T, F, A, B) \
	VMULPS       X, X, F       /* r^2 */                                 \
	VMOVUPS      expC0, A      \
	VFMADD231PS  expC1, X, A   /* A = C0 + C1*r */                       \
	VMOVUPS      expC2, B      \
	VFMADD231PS  expC3, X, B   /* B = C2 + C3*r */                       \
	VFMADD231PS  expC4, F, B   /* B += C4*r^2 */                         \
	VFMADD213PS  A, F, B       /* B = P(r) */                            \
	VFMADD213PS  X, F, B       /* B = r + r^2*P(r) = e^r - 1 */          \
	VSUBPS       Y12, T, A     /* A = 2^n - 1 */                         \
	VFMADD213PS  A, T, B       /* B = 2^n*(e^r - 1) + (2^n - 1) */

// func biasELUAVX2(z, h, b []float32)
TEXT ·biasELUAVX2(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	VXORPS Y10, Y10, Y10
	VMOVUPS xLo, Y11
	VMOVUPS one, Y12
	VMOVUPS roundMagic, Y13
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   biaselu8

biaselu16:
	VMOVUPS (DI)(AX*4), Y0       // z[i:i+8]
	VMOVUPS 32(DI)(AX*4), Y6     // z[i+8:i+16]
	VADDPS (SI)(AX*4), Y0, Y0    // += b
	VADDPS 32(SI)(AX*4), Y6, Y6
	VMOVUPS Y0, (DI)(AX*4)       // store z (before h, which may be z)
	VMOVUPS Y6, 32(DI)(AX*4)
	ELU_REDUCE(Y0, Y1, Y2, Y3)
	ELU_REDUCE(Y6, Y7, Y8, Y9)
	ELU_EXPM1(Y1, Y2, Y3, Y4, Y5)
	ELU_EXPM1(Y7, Y8, Y9, Y14, Y15)
	VBLENDVPS Y0, Y5, Y0, Y5     // h = expm1(x) where z's sign is set, else z
	VBLENDVPS Y6, Y15, Y6, Y15
	VMOVUPS Y5, (BX)(AX*4)
	VMOVUPS Y15, 32(BX)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   biaselu16

biaselu8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  biaselutail
	VMOVUPS (DI)(AX*4), Y0       // one more vector, as in the loop
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ELU_REDUCE(Y0, Y1, Y2, Y3)
	ELU_EXPM1(Y1, Y2, Y3, Y4, Y5)
	VBLENDVPS Y0, Y5, Y0, Y5
	VMOVUPS Y5, (BX)(AX*4)
	ADDQ $8, AX

biaselutail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left from DX on
	JZ   biaseludone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (DI)(DX*4), Y6, Y0 // z[n-r:n], zeros beyond
	VMASKMOVPS (SI)(DX*4), Y6, Y1 // b[n-r:n]
	VADDPS Y1, Y0, Y0            // z + b
	VMASKMOVPS Y0, Y6, (DI)(DX*4) // store the r lanes of z
	ELU_REDUCE(Y0, Y1, Y2, Y3)
	ELU_EXPM1(Y1, Y2, Y3, Y4, Y5)
	VBLENDVPS Y0, Y5, Y0, Y5
	VMASKMOVPS Y5, Y6, (BX)(DX*4) // store the r lanes of h

biaseludone:
	VZEROUPPER
	RET

// ELU_FACTOR: F = (h > 0 ? 1 : h + 1) from H = h; M is scratch.
#define ELU_FACTOR(H, M, F) \
	VCMPPS       $0x1e, Y10, H, M /* M = h > 0 (ordered: false for NaN) */ \
	VADDPS       Y12, H, F     /* h + 1 */                               \
	VBLENDVPS    M, Y12, F, F  /* 1 where h > 0 */

// func eluGradAVX2(dz, dh, h []float32)
TEXT ·eluGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ h_base+48(FP), BX       // BX = &h[0]
	VXORPS Y10, Y10, Y10
	VMOVUPS one, Y12
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   elugrad8

elugrad32:
	VMOVUPS (BX)(AX*4), Y0       // h[i:i+32]
	VMOVUPS 32(BX)(AX*4), Y3
	VMOVUPS 64(BX)(AX*4), Y6
	VMOVUPS 96(BX)(AX*4), Y8
	ELU_FACTOR(Y0, Y1, Y2)
	ELU_FACTOR(Y3, Y4, Y5)
	ELU_FACTOR(Y6, Y7, Y9)
	ELU_FACTOR(Y8, Y11, Y13)
	VMULPS (SI)(AX*4), Y2, Y2    // dz = dh*factor, dh read before dz is written (they may alias)
	VMULPS 32(SI)(AX*4), Y5, Y5
	VMULPS 64(SI)(AX*4), Y9, Y9
	VMULPS 96(SI)(AX*4), Y13, Y13
	VMOVUPS Y2, (DI)(AX*4)
	VMOVUPS Y5, 32(DI)(AX*4)
	VMOVUPS Y9, 64(DI)(AX*4)
	VMOVUPS Y13, 96(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, DX
	JB   elugrad32

elugrad8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  elugradtail

elugrad8loop:
	VMOVUPS (BX)(AX*4), Y0
	ELU_FACTOR(Y0, Y1, Y2)
	VMULPS (SI)(AX*4), Y2, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, DX
	JB   elugrad8loop

elugradtail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left from DX on
	JZ   elugraddone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (BX)(DX*4), Y6, Y0 // h[n-r:n], zeros beyond
	ELU_FACTOR(Y0, Y1, Y2)
	VMASKMOVPS (SI)(DX*4), Y6, Y3 // dh[n-r:n]
	VMULPS Y3, Y2, Y2
	VMASKMOVPS Y2, Y6, (DI)(DX*4) // store the r lanes of dz

elugraddone:
	VZEROUPPER
	RET
