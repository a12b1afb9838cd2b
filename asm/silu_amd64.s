//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// SiLU and its gradient on eight lanes at a time, with a vectorised exp:
//
//	e = exp(-|z|)                          in (0, 1], so it never overflows
//	s = sigmoid(z) = 1/(1+e) for z >= 0,  e/(1+e) for z < 0
//	1-s = sigmoid(-z) = e/(1+e) for z >= 0,  1/(1+e) for z < 0
//
// Taking exp of -|z| and choosing the numerator by z's sign keeps both s and 1-s accurate to
// a few ulp over the whole range, where 1 - s would cancel for large z. Below -87, exp(-|z|)
// is set to 0 (s saturates at exactly 0 or 1); above it, exp is computed as Cephes's expf
// does: x = n*ln2 + r with n = round(x*log2(e)) and |r| <= ln2/2 (Cody-Waite: ln 2 split in a
// high part exact in n*ln2Hi and a low correction), e^r by a degree-5 polynomial in r (relative
// error ~1e-7), then 2^n built in the exponent bits. The divisions are real VDIVPS, not
// reciprocal estimates.

// the sign bit, to form -|z|
DATA siluConst<>+0(SB)/8, $0x8000000080000000
DATA siluConst<>+8(SB)/8, $0x8000000080000000
DATA siluConst<>+16(SB)/8, $0x8000000080000000
DATA siluConst<>+24(SB)/8, $0x8000000080000000
#define signBit siluConst<>+0(SB)
// -87: below it exp underflows; the result is set to 0
DATA siluConst<>+32(SB)/8, $0xc2ae0000c2ae0000
DATA siluConst<>+40(SB)/8, $0xc2ae0000c2ae0000
DATA siluConst<>+48(SB)/8, $0xc2ae0000c2ae0000
DATA siluConst<>+56(SB)/8, $0xc2ae0000c2ae0000
#define expLo siluConst<>+32(SB)
// log2(e)
DATA siluConst<>+64(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+72(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+80(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA siluConst<>+88(SB)/8, $0x3fb8aa3b3fb8aa3b
#define log2e siluConst<>+64(SB)
// ln 2 = ln2Hi + ln2Lo, Cody-Waite: n*ln2Hi is exact for |n| < 2^9
DATA siluConst<>+96(SB)/8, $0x3f3180003f318000
DATA siluConst<>+104(SB)/8, $0x3f3180003f318000
DATA siluConst<>+112(SB)/8, $0x3f3180003f318000
DATA siluConst<>+120(SB)/8, $0x3f3180003f318000
#define ln2Hi siluConst<>+96(SB)
DATA siluConst<>+128(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+136(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+144(SB)/8, $0xb95e8083b95e8083
DATA siluConst<>+152(SB)/8, $0xb95e8083b95e8083
#define ln2Lo siluConst<>+128(SB)
// Cephes expf: e^r ~ 1 + r + r^2*(P5 + r*(P4 + ... + r*P0))
DATA siluConst<>+160(SB)/8, $0x3950696739506967
DATA siluConst<>+168(SB)/8, $0x3950696739506967
DATA siluConst<>+176(SB)/8, $0x3950696739506967
DATA siluConst<>+184(SB)/8, $0x3950696739506967
#define expP0 siluConst<>+160(SB)
DATA siluConst<>+192(SB)/8, $0x3ab743ce3ab743ce
DATA siluConst<>+200(SB)/8, $0x3ab743ce3ab743ce
DATA siluConst<>+208(SB)/8, $0x3ab743ce3ab743ce
DATA siluConst<>+216(SB)/8, $0x3ab743ce3ab743ce
#define expP1 siluConst<>+192(SB)
DATA siluConst<>+224(SB)/8, $0x3c0889083c088908
DATA siluConst<>+232(SB)/8, $0x3c0889083c088908
DATA siluConst<>+240(SB)/8, $0x3c0889083c088908
DATA siluConst<>+248(SB)/8, $0x3c0889083c088908
#define expP2 siluConst<>+224(SB)
DATA siluConst<>+256(SB)/8, $0x3d2aa9c13d2aa9c1
DATA siluConst<>+264(SB)/8, $0x3d2aa9c13d2aa9c1
DATA siluConst<>+272(SB)/8, $0x3d2aa9c13d2aa9c1
DATA siluConst<>+280(SB)/8, $0x3d2aa9c13d2aa9c1
#define expP3 siluConst<>+256(SB)
DATA siluConst<>+288(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA siluConst<>+296(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA siluConst<>+304(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA siluConst<>+312(SB)/8, $0x3e2aaaaa3e2aaaaa
#define expP4 siluConst<>+288(SB)
DATA siluConst<>+320(SB)/8, $0x3f0000003f000000
DATA siluConst<>+328(SB)/8, $0x3f0000003f000000
DATA siluConst<>+336(SB)/8, $0x3f0000003f000000
DATA siluConst<>+344(SB)/8, $0x3f0000003f000000
#define expP5 siluConst<>+320(SB)
// 1.0
DATA siluConst<>+352(SB)/8, $0x3f8000003f800000
DATA siluConst<>+360(SB)/8, $0x3f8000003f800000
DATA siluConst<>+368(SB)/8, $0x3f8000003f800000
DATA siluConst<>+376(SB)/8, $0x3f8000003f800000
#define one siluConst<>+352(SB)
// the float32 exponent bias 127, as int32
DATA siluConst<>+384(SB)/8, $0x0000007f0000007f
DATA siluConst<>+392(SB)/8, $0x0000007f0000007f
DATA siluConst<>+400(SB)/8, $0x0000007f0000007f
DATA siluConst<>+408(SB)/8, $0x0000007f0000007f
#define expBias siluConst<>+384(SB)
GLOBL siluConst<>(SB), RODATA|NOPTR, $416

// EXP_NEG_ABS sets Y1 = exp(-|Y0|) for the eight lanes of Y0, with Y2..Y5 as scratch.
#define EXP_NEG_ABS \
	VORPS        signBit, Y0, Y1  /* x = -|z| */                                    \
	VCMPPS       $0x11, expLo, Y1, Y4 /* Y4 = all ones where x < -87 (LT_OQ) */     \
	VMAXPS       expLo, Y1, Y1    /* clamp x >= -87 so that 2^n stays normal */     \
	VMULPS       log2e, Y1, Y2    /* x*log2(e) */                                   \
	VROUNDPS     $0, Y2, Y2       /* fn = n, rounded to nearest */                  \
	VFNMADD231PS ln2Hi, Y2, Y1    /* r = x - fn*ln2Hi, exact */                     \
	VFNMADD231PS ln2Lo, Y2, Y1    /* r -= fn*ln2Lo; |r| <= ln2/2 */                 \
	VMOVUPS      expP0, Y3        /* p = P0 */                                      \
	VFMADD213PS  expP1, Y1, Y3    /* p = p*r + P1 */                                \
	VFMADD213PS  expP2, Y1, Y3    /* p = p*r + P2 */                                \
	VFMADD213PS  expP3, Y1, Y3    /* p = p*r + P3 */                                \
	VFMADD213PS  expP4, Y1, Y3    /* p = p*r + P4 */                                \
	VFMADD213PS  expP5, Y1, Y3    /* p = p*r + P5 */                                \
	VMULPS       Y1, Y1, Y5       /* r^2 */                                         \
	VFMADD213PS  Y1, Y5, Y3       /* p = p*r^2 + r */                               \
	VADDPS       one, Y3, Y3      /* e^r = 1 + r + p*r^2 */                         \
	VCVTPS2DQ    Y2, Y2           /* n as int32 */                                  \
	VPADDD       expBias, Y2, Y2  /* n + 127, in 1..127 since -126 <= n <= 0 */    \
	VPSLLD       $23, Y2, Y2      /* 2^n: the biased exponent in place */           \
	VMULPS       Y2, Y3, Y1       /* e = e^r * 2^n */                               \
	VANDNPS      Y1, Y4, Y1       /* e = 0 where x < -87 */

// func biasSiLUAVX2(z, h, b []float32)
TEXT ·biasSiLUAVX2(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	VMOVUPS one, Y7              // Y7 = 1
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	JZ   biassilutail

biassilu8:
	VMOVUPS (DI)(AX*4), Y0       // z[i:i+8]
	VADDPS (SI)(AX*4), Y0, Y0    // += b[i:i+8]
	VMOVUPS Y0, (DI)(AX*4)       // store z
	EXP_NEG_ABS                  // Y1 = e = exp(-|z|)
	VADDPS Y7, Y1, Y2            // 1 + e
	VBLENDVPS Y0, Y1, Y7, Y3     // numerator: e where z < 0 (sign bit set), else 1
	VDIVPS Y2, Y3, Y3            // s = sigmoid(z)
	VMULPS Y3, Y0, Y3            // h = z*s
	VMOVUPS Y3, (BX)(AX*4)       // store h
	ADDQ $8, AX
	CMPQ AX, DX
	JB   biassilu8

biassilutail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left
	JZ   biassiludone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (DI)(DX*4), Y6, Y0 // z[n-r:n], zeros beyond
	VMASKMOVPS (SI)(DX*4), Y6, Y1 // b[n-r:n]
	VADDPS Y1, Y0, Y0            // z + b
	VMASKMOVPS Y0, Y6, (DI)(DX*4) // store the r lanes of z
	EXP_NEG_ABS                  // as in the loop
	VADDPS Y7, Y1, Y2
	VBLENDVPS Y0, Y1, Y7, Y3
	VDIVPS Y2, Y3, Y3
	VMULPS Y3, Y0, Y3
	VMASKMOVPS Y3, Y6, (BX)(DX*4) // store the r lanes of h

biassiludone:
	VZEROUPPER
	RET

// func siluGradAVX2(dz, dh, z []float32)
TEXT ·siluGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	VMOVUPS one, Y7              // Y7 = 1
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	JZ   silugradtail

silugrad8:
	VMOVUPS (BX)(AX*4), Y0       // z[i:i+8]
	EXP_NEG_ABS                  // Y1 = e = exp(-|z|)
	VADDPS Y7, Y1, Y2            // 1 + e
	VDIVPS Y2, Y7, Y2            // 1/(1+e)
	VBLENDVPS Y0, Y1, Y7, Y3     // e where z < 0, else 1
	VBLENDVPS Y0, Y7, Y1, Y4     // 1 where z < 0, else e
	VMULPS Y2, Y3, Y3            // s = sigmoid(z)
	VMULPS Y2, Y4, Y4            // 1-s, without cancellation
	VMULPS Y4, Y0, Y4            // z*(1-s)
	VFMADD213PS Y3, Y3, Y4       // s*z*(1-s) + s = silu'(z)
	VMULPS (SI)(AX*4), Y4, Y4    // dh * silu'(z)
	VMOVUPS Y4, (DI)(AX*4)       // store dz
	ADDQ $8, AX
	CMPQ AX, DX
	JB   silugrad8

silugradtail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left
	JZ   silugraddone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y6       // mask with r lanes set
	VMASKMOVPS (BX)(DX*4), Y6, Y0 // z[n-r:n], zeros beyond
	EXP_NEG_ABS                  // as in the loop
	VADDPS Y7, Y1, Y2
	VDIVPS Y2, Y7, Y2
	VBLENDVPS Y0, Y1, Y7, Y3
	VBLENDVPS Y0, Y7, Y1, Y4
	VMULPS Y2, Y3, Y3
	VMULPS Y2, Y4, Y4
	VMULPS Y4, Y0, Y4
	VFMADD213PS Y3, Y3, Y4
	VMASKMOVPS (SI)(DX*4), Y6, Y5 // dh[n-r:n]
	VMULPS Y5, Y4, Y4
	VMASKMOVPS Y4, Y6, (DI)(DX*4) // store the r lanes of dz

silugraddone:
	VZEROUPPER
	RET
